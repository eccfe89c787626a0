"""``query`` aggregates (``<count>``, ``<sum>``, ``<avg>``, ``<min>``, ``<max>``),
docs/specs/intacct-xml-api.md §3.4.

Groups by the plain selected fields, in the order the matching records come (so an
``orderby`` on plain fields orders the groups). Sums and averages are Decimal: the values
are read as text and never pass through a float. Output elements are ``FUNC.FIELD``
(observed as ``<COUNT.RECORDNO>``; the naming of the others is a guess, see ``guesses``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from recon.sandbox.intacct import values
from recon.sandbox.intacct.catalogue import Kind, ObjectSpec
from recon.sandbox.intacct.render import simple_element
from recon.sandbox.intacct.store import IntacctStore


def run_aggregate(
    store: IntacctStore,
    schema: ObjectSpec,
    plain: tuple[str, ...],
    aggregates: tuple[tuple[str, str], ...],
    recnos: Sequence[int],
    offset: int,
    size: int,
) -> tuple[list[bytes], int]:
    """Rendered group elements of one page and the total number of groups."""
    agg_fields = [f for _, f in aggregates]
    fields = list(dict.fromkeys([*plain, *agg_fields]))
    rows = store.rows(schema.name, recnos, fields)
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for r in recnos:
        row = rows.get(r)
        if row is not None:
            key = tuple(row[fields.index(f)] for f in plain)
            groups.setdefault(key, []).append(row)
    keys = list(groups)
    page = keys[offset : offset + size]
    out = []
    for key in page:
        children = [
            (f, values.to_wire(schema.fields[f], v)) for f, v in zip(plain, key, strict=True)
        ]
        for func, field in aggregates:
            column = [row[fields.index(field)] for row in groups[key]]
            children.append((f"{func.upper()}.{field}", _apply(func, schema.fields[field], column)))
        out.append(simple_element(schema.name, children))
    return out, len(keys)


def _apply(func: str, kind: Kind, column: list[object]) -> str:
    present = [v for v in column if v is not None]
    if func == "count":
        return str(len(present))
    if not present:
        return ""
    if func in ("sum", "avg"):
        total = sum((Decimal(str(v)) for v in present), Decimal(0))
        return str(total if func == "sum" else total / len(present))
    numeric = kind in values.NUMERIC_KINDS
    key = (lambda v: Decimal(str(v))) if numeric else str
    chosen = min(present, key=key) if func == "min" else max(present, key=key)
    return values.to_wire(kind, chosen)
