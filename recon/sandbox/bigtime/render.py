"""Storage form -> BigTime's JSON text, field by field in catalogue order.

Output keys are the spellings of :mod:`recon.sandbox.bigtime.catalogue`; dates go out as
``2025-01-31`` with no time part (ev §3.1: ``date.fromisoformat`` and strict
``d3.timeParse('%Y-%m-%d')`` ran on them); money and hours are JSON numbers written from the
``Decimal`` digits (no float ever rounds them); a missing value is the field's ``unset``
(``TypeId`` 0, ``BasicRate`` 0, ev §2.4), else ``null``. Records are
rendered once, when written, and the store keeps the bytes: a time sheet answer is then a
join of stored texts (the pull benchmark needs a sheet in a few milliseconds).

Citations: "ev §N" is docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from recon.sandbox.bigtime import catalogue as cat
from recon.sandbox.bigtime import guesses
from recon.sandbox.bigtime.catalogue import Field, Resource

Encoder = Callable[[Any], str]
Plan = tuple[tuple[str, str, Encoder], ...]

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: Nested lists and the resource describing their items.
LIST_ITEMS: Mapping[str, Resource] = {"UdfList": cat.UDF, "Lines": cat.INVOICE_LINE}


def _number(value: Any) -> str:
    return "null" if value is None else str(value)


def _text(value: Any) -> str:
    return "null" if value is None else _dumps(value)


def _date(value: Any) -> str:
    return "null" if value is None else f'"{value[:10]}"'


def _text_id(value: Any) -> str:
    return "null" if value is None else f'"{value}"'


def _bool(value: Any) -> str:
    return "null" if value is None else ("true" if value else "false")


def _list_of(item: Resource) -> Encoder:
    def encode(value: Any) -> str:
        if value is None:
            return "null"
        return "[" + ",".join(record_json(item, v) for v in value) + "]"

    return encode


_BY_KIND: Mapping[str, Encoder] = {
    "sid": _number,
    "sid_text": _text_id,
    "ref": _number,
    "int": _number,
    "money": _number,
    "hours": _number,
    "text": _text,
    "date": _date,
    "datetime": _text,
    "bool": _bool,
}


def plan(resource: Resource, detailed: bool = True, id_key: str = "") -> Plan:
    """(field, ``"Key":`` prefix, encoder) per output field; ``id_key`` renames the id."""
    # Keyed by name: hashing a frozen Resource hashes all its fields, on every record.
    return _plan(resource.name, detailed, id_key)


@cache
def _plan(name: str, detailed: bool, id_key: str) -> Plan:
    resource = cat.resource(name)
    out = []
    for f in resource.fields:
        if f.detailed and not detailed:
            continue
        key = id_key if (id_key and f.name == resource.id_field) else f.name
        out.append((f.name, _dumps(key) + ":", _encoder(f)))
    return tuple(out)


def _encoder(f: Field) -> Encoder:
    encode = _list_of(LIST_ITEMS[f.name]) if f.kind == "list" else _BY_KIND[f.kind]
    if f.unset is None:
        return encode
    unset = encode(f.unset)

    def or_unset(value: Any) -> str:
        return unset if value is None else encode(value)

    return or_unset


def record_json(resource: Resource, record: Mapping[str, Any], *, plan_: Plan = ()) -> str:
    """One record as a JSON object text (``plan_`` defaults to the Detailed plan)."""
    get = record.get
    parts = [prefix + enc(get(name)) for name, prefix, enc in (plan_ or plan(resource))]
    return "{" + ",".join(parts) + "}"


def record_bytes(
    resource: Resource, record: Mapping[str, Any], *, detailed: bool = True, id_key: str = ""
) -> bytes:
    return record_json(resource, record, plan_=plan(resource, detailed, id_key)).encode()


def array(texts: Iterable[bytes]) -> bytes:
    """A bare JSON array of already rendered objects (BigTime lists are bare arrays)."""
    return b"[" + b",".join(texts) + b"]"


def loads(text: bytes | str, resource: Resource) -> dict[str, Any]:
    """A stored text back to storage form, keys canonical (``StaffSid`` -> ``StaffSID``).

    A field's ``unset`` value reads back as None (``TypeId`` 0 is no project type).
    """
    raw = json.loads(text, parse_float=Decimal)
    out = {}
    for key, value in raw.items():
        f = resource.field(key)
        if f is None:
            out[key] = value
        elif f.unset is not None and value == f.unset and f.kind in _ID_KINDS:
            out[f.name] = None
        else:
            out[f.name] = _list_keys(resource, key, value)
    return out


#: Kinds whose ``unset`` stands for "none" when read back (an id of 0 is no reference);
#: an unset number or flag (``BasicRate`` 0, ``IsPto`` false) is a value like any other.
_ID_KINDS = frozenset({"ref", "sid"})


def _list_keys(resource: Resource, key: str, value: Any) -> Any:
    item = LIST_ITEMS.get(resource.canonical(key) or "")
    if item is None or not isinstance(value, list):
        return value
    return [{item.canonical(k) or k: v for k, v in row.items()} for row in value]


def cells(kinds: Iterable[str]) -> Callable[[Iterable[Any]], str]:
    """An encoder of one positional row (``/report/data`` rows) whose cells have ``kinds``."""
    encoders = tuple(_BY_KIND[k] for k in kinds)

    def row(values: Iterable[Any]) -> str:
        return "[" + ",".join(enc(v) for enc, v in zip(encoders, values, strict=True)) + "]"

    return row


def message(text: str) -> bytes:
    """An error or status body, ``{"Message": text}``."""
    return _dumps({guesses.MESSAGE_KEY: text}).encode()


def dumps(payload: Any) -> bytes:
    """Plain JSON (session answers, vocabulary); no Decimals inside."""
    return _dumps(payload).encode()
