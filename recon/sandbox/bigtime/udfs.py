"""Custom fields (UDFs) of projects and staff: ``UdfList`` built from the firm's definitions.

A record's ``UdfList`` always lists every definition of its owner type, in definition
order, as ``{"Sid", "Name", "Value"}`` (``Value`` null when unset), as BigTime shows the
fields a firm defined whether or not a record fills them (docs/specs/bigtime-rest-api.md §4.11).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from recon.sandbox.bigtime import catalogue as cat
from recon.sandbox.bigtime.values import ValueProblem, to_int, to_text

Definition = tuple[int, str]
Udf = dict[str, Any]


def complete(defs: Sequence[Definition], current: Iterable[Mapping[str, Any]] | None) -> list[Udf]:
    """Every definition with the value ``current`` holds for it (matched by Sid)."""
    values = {to_int(u.get("Sid")): u.get("Value") for u in current or ()}
    return [{"Sid": sid, "Name": name, "Value": values.get(sid)} for sid, name in defs]


def apply(
    defs: Sequence[Definition],
    current: Iterable[Mapping[str, Any]] | None,
    items: Sequence[Mapping[str, Any]],
    by: Literal["Sid", "Name"],
) -> list[Udf]:
    """``current`` with ``items`` (``{Sid|Name, Value}``, keys any case) written in.

    Raises
    ------
    ValueProblem
        An item is not an object, names no defined field, or has a bad value.
    """
    by_sid: dict[int | None, int] = {sid: sid for sid, _ in defs}
    by_name = {name.lower(): sid for sid, name in defs}
    result = complete(defs, current)
    slot = {u["Sid"]: u for u in result}
    for item in items:
        if not isinstance(item, Mapping):
            raise ValueProblem("each custom field must be an object")
        fields = {cat.UDF.canonical(k) or k: v for k, v in item.items()}
        key = fields.get(by)
        sid = by_sid.get(to_int(key)) if by == "Sid" else by_name.get(str(key or "").lower())
        if sid is None:
            raise ValueProblem(f"no custom field with {by} {key!r}")
        slot[sid]["Value"] = to_text(fields.get("Value"))
    return result
