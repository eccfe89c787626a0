"""Incoming records of create/update: flatten nested elements, validate, resolve references.

Nested wire elements become the store's dotted names (``<DISPLAYCONTACT><EMAIL1>`` ->
``DISPLAYCONTACT.EMAIL1``); an owned line collection (``TIMESHEETENTRIES``) is returned
apart. Every problem raises :class:`FunctionFailure` with the most specific error first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from recon.sandbox.intacct import catalogue, failures, guesses, values
from recon.sandbox.intacct.catalogue import ObjectSpec, derived_fields, parent_of, references
from recon.sandbox.intacct.failures import FunctionFailure
from recon.sandbox.intacct.store import IntacctStore

Row = dict[str, str | None]


@dataclass
class Incoming:
    """One record as sent: wire values by dotted name, its line elements, write-only values."""

    schema: ObjectSpec
    wire: dict[str, str] = field(default_factory=dict)
    lines: list[etree._Element] | None = None
    extra: dict[str, str] = field(default_factory=dict)


def flatten(el: etree._Element, schema: ObjectSpec) -> Incoming:
    incoming = Incoming(schema)
    _flatten_into(el, schema, "", incoming)
    return incoming


def _flatten_into(el: etree._Element, schema: ObjectSpec, prefix: str, inc: Incoming) -> None:
    aliases = guesses.WRITE_ALIASES.get(schema.name, {})
    for child in el:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag
        if not prefix and schema.lines and tag == schema.lines[0]:
            inc.lines = [c for c in child if isinstance(c.tag, str)]
            if any(c.tag != schema.lines[1] for c in inc.lines):
                raise FunctionFailure(failures.unknown_write_field(schema.name, f"{tag} child"))
            continue
        if not prefix and tag in guesses.WRITE_ONLY_FIELDS.get(schema.name, ()):
            inc.extra[tag] = (child.text or "").strip()
            continue
        name = prefix + (aliases.get(tag, tag) if not prefix else tag)
        if len(child):
            _flatten_into(child, schema, name + ".", inc)
        else:
            inc.wire[name] = child.text or ""


def managed(schema: ObjectSpec, name: str) -> bool:
    """Fields the server sets itself; values a client sends for them are ignored."""
    if name == "RECORDNO" or name in catalogue.SERVER_STAMPED or name in derived_fields(schema):
        return True
    if name == "WHENCREATED" and schema.fields.get(name) == "datetime":
        return True
    parent = parent_of(schema.name)
    return parent is not None and name == parent[2]


def validate(schema: ObjectSpec, wire: Mapping[str, str]) -> Row:
    """Wire values -> storage values, refusing unknown fields and malformed values."""
    row: Row = {}
    for name, text in wire.items():
        if name not in schema.fields:
            raise FunctionFailure(failures.unknown_write_field(schema.name, name))
        if managed(schema, name):
            continue
        try:
            row[name] = values.to_storage(schema.fields[name], text)
        except ValueError as exc:
            raise FunctionFailure(failures.invalid_value(name, text.strip(), str(exc))) from None
    return row


def require(schema: ObjectSpec, row: Mapping[str, str | None]) -> None:
    for name in schema.required:
        if not row.get(name):
            raise FunctionFailure(failures.missing_required(name))


def check_duplicate(store: IntacctStore, schema: ObjectSpec, row: Row, recno: int | None) -> None:
    id_field = schema.id_field
    value = row.get(id_field)
    if id_field == "RECORDNO" or not value:
        return
    clash = [r for r in store.find(schema.name, id_field, value, limit=2) if r != recno]
    if clash:
        raise FunctionFailure(failures.duplicate(schema.name, value))


def resolve_references(store: IntacctStore, schema: ObjectSpec, row: Row) -> None:
    """Check every reference field present in ``row`` and fill its derived fields."""
    derived = derived_fields(schema)
    for ref, (target, target_field) in references(schema).items():
        if ref not in row:
            continue
        value = row[ref]
        found: Row | None = None
        if value is not None:
            found = _lookup(store, target, target_field, value)
            if found is None:
                raise FunctionFailure(failures.invalid_reference(target, value))
        for name, (source, suffix) in derived.items():
            if source == ref:
                row[name] = _derived_value(target, found, suffix)


def _lookup(store: IntacctStore, target: str, target_field: str, value: str) -> Row | None:
    if target_field == "RECORDNO":
        return store.get(target, int(value)) if value.isdigit() else None
    hits = store.find(target, target_field, value)
    return store.get(target, hits[0]) if hits else None


def _derived_value(target: str, found: Row | None, suffix: str) -> str | None:
    if found is None:
        return None
    if suffix == "KEY":
        return str(found["RECORDNO"])
    name_field = catalogue.get(target).name_field
    return found.get(name_field) if name_field else None


def stamp(schema: ObjectSpec, row: Row, now: str, *, creating: bool) -> None:
    """Set audit timestamps (and STATUS default) the way Intacct does on save."""
    if "WHENMODIFIED" in schema.fields:
        row["WHENMODIFIED"] = now
    if creating:
        if schema.fields.get("WHENCREATED") == "datetime":
            row["WHENCREATED"] = now
        if "AUWHENCREATED" in schema.fields:
            row["AUWHENCREATED"] = now
        if schema.fields.get("STATUS") == "status" and not row.get("STATUS"):
            row["STATUS"] = "active"


def ack(schema: ObjectSpec, recno: int, row: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """The RECORDNO + id field pair a create/update acknowledges
    (docs/specs/intacct-xml-api.md §2.3)."""
    pairs = [("RECORDNO", str(recno))]
    if schema.id_field != "RECORDNO":
        pairs.append((schema.id_field, row.get(schema.id_field) or ""))
    return pairs
