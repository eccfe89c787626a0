"""Generic write functions: create, update, delete (docs/specs/intacct-xml-api.md §4.1-4.3).

create/update take several records per call; each record runs in its own savepoint, so
one bad record fails alone: the result then carries ``<data listtype="objects">`` with the
records that were saved, followed by the errors (docs/specs/intacct-xml-api.md §2.3,
``execFuncError.xml``). The
gateway rolls everything back when the operation is ``transaction="true"``.
"""

from __future__ import annotations

from lxml import etree

from recon.sandbox.intacct import catalogue, failures, guesses, recordio, values
from recon.sandbox.intacct.catalogue import ObjectSpec, parent_of, references
from recon.sandbox.intacct.context import Call, arg
from recon.sandbox.intacct.documents import Writer, rules_for
from recon.sandbox.intacct.failures import FunctionFailure
from recon.sandbox.intacct.recordio import Row
from recon.sandbox.intacct.render import simple_element
from recon.sandbox.intacct.store import storage_columns


class PartialFailure(FunctionFailure):
    """Some records of a create/update failed; the others stay saved (transaction=false)."""


def create(el: etree._Element, call: Call) -> None:
    _write_each(el, call, "create")


def update(el: etree._Element, call: Call) -> None:
    _write_each(el, call, "update")


def _write_each(el: etree._Element, call: Call, verb: str) -> None:
    records = [c for c in el if isinstance(c.tag, str)]
    if not records:
        raise FunctionFailure(failures.malformed_function(f"<{verb}> needs at least one object"))
    if len(records) > guesses.MAX_RECORDS_PER_WRITE:
        msg = f"At most {guesses.MAX_RECORDS_PER_WRITE} records per {verb}."
        raise FunctionFailure(failures.bad_parameter(msg))
    w = Writer(call.store, values.now_storage(call.now))
    saved: list[bytes] = []
    errors: list[failures.Detail] = []
    for record in records:
        try:
            with call.store.savepoint():
                saved.append(_write_one(record, w, verb))
        except FunctionFailure as exc:
            errors.extend(exc.errors)
    if saved:
        call.response.data(call.result, {"listtype": "objects", "count": str(len(saved))}, saved)
    if errors:
        raise PartialFailure(*errors)


def _schema_of(record: etree._Element, verb: str) -> ObjectSpec:
    try:
        schema = catalogue.get(record.tag)
    except KeyError:
        raise FunctionFailure(
            failures.unknown_object(record.tag, in_query=False),
            failures.could_not(verb, record.tag),
        ) from None
    parent = parent_of(schema.name)
    if parent is not None:
        raise FunctionFailure(failures.owned_line(schema.name, parent[0].name))
    return schema


def _write_one(record: etree._Element, w: Writer, verb: str) -> bytes:
    schema = _schema_of(record, verb)
    try:
        incoming = recordio.flatten(record, schema)
        if verb == "create":
            recno, merged = _create(schema, incoming, w)
        else:
            recno, merged = _update(schema, incoming, w)
    except FunctionFailure as exc:
        raise FunctionFailure(*exc.errors, failures.could_not(verb, schema.name)) from None
    tag = guesses.record_element(schema.name, verb)
    return simple_element(tag, recordio.ack(schema, recno, merged))


def _lines(schema: ObjectSpec, incoming: recordio.Incoming) -> list[Row] | None:
    if incoming.lines is None or schema.lines is None:
        return None
    line_schema = catalogue.get(schema.lines[1])
    return [
        recordio.validate(line_schema, recordio.flatten(el, line_schema).wire)
        for el in incoming.lines
    ]


def _create(schema: ObjectSpec, incoming: recordio.Incoming, w: Writer) -> tuple[int, Row]:
    row = recordio.validate(schema, incoming.wire)
    lines = _lines(schema, incoming)
    rules = rules_for(schema.name)
    rules.prepare(w, row, lines, None, incoming.extra)
    recordio.require(schema, row)
    recordio.resolve_references(w.store, schema, row)
    recordio.check_duplicate(w.store, schema, row, None)
    recordio.stamp(schema, row, w.now, creating=True)
    recno = w.store.insert(schema.name, row)
    if lines is not None:
        _insert_lines(schema, recno, lines, w)
        rules.after_lines(w, recno, row, lines)
    return recno, row


def _insert_lines(schema: ObjectSpec, recno: int, lines: list[Row], w: Writer) -> None:
    assert schema.lines is not None
    line_schema = catalogue.get(schema.lines[1])
    for line in lines:
        recordio.require(line_schema, line)
        recordio.resolve_references(w.store, line_schema, line)
        line[schema.lines[2]] = str(recno)
        recordio.stamp(line_schema, line, w.now, creating=True)
        w.store.insert(line_schema.name, line)
    w.store.invalidate(schema.name, [recno])  # cached read fragments embed the lines


def _find_target(schema: ObjectSpec, incoming: recordio.Incoming, w: Writer, verb: str) -> int:
    key = (incoming.wire.get("RECORDNO") or "").strip()
    if key:
        if not key.isdigit() or w.store.get(schema.name, int(key)) is None:
            raise FunctionFailure(failures.not_found(schema.name, key, verb))
        return int(key)
    natural = (incoming.wire.get(schema.id_field) or "").strip()
    if not natural or schema.id_field == "RECORDNO":
        raise FunctionFailure(failures.missing_required(f"RECORDNO or {schema.id_field}"))
    hits = w.store.find(schema.name, schema.id_field, natural)
    if not hits:
        raise FunctionFailure(failures.not_found(schema.name, natural, verb))
    return hits[0]


def _update(schema: ObjectSpec, incoming: recordio.Incoming, w: Writer) -> tuple[int, Row]:
    recno = _find_target(schema, incoming, w, "update")
    current = w.store.get(schema.name, recno) or {}
    row = recordio.validate(schema, incoming.wire)
    lines = _lines(schema, incoming)
    rules = rules_for(schema.name)
    rules.prepare(w, row, lines, current, incoming.extra)
    merged = {**current, **row}
    recordio.require(schema, merged)
    recordio.resolve_references(w.store, schema, row)
    recordio.check_duplicate(w.store, schema, row, recno)
    recordio.stamp(schema, row, w.now, creating=False)
    merged.update(row)
    w.store.update(schema.name, recno, row)
    if lines is not None:
        _remove_lines(schema, recno, w)
        _insert_lines(schema, recno, lines, w)
        rules.after_lines(w, recno, merged, lines)
    rules.after_update(w, recno, merged, lines is not None)
    return recno, merged


def _remove_lines(schema: ObjectSpec, recno: int, w: Writer) -> None:
    if schema.lines is None:
        return
    _, line_obj, key_field = schema.lines
    old = w.store.find(line_obj, key_field, str(recno), limit=1_000_000)
    if old:
        cols = storage_columns(catalogue.get(line_obj))
        rows = w.store.rows(line_obj, old, cols)
        old_rows = [dict(zip(cols, rows[r], strict=True)) for r in old]
        rules_for(schema.name).before_lines_removed(w, recno, old_rows)
        w.store.delete(line_obj, old)


# --- delete -----------------------------------------------------------------------------


def delete(el: etree._Element, call: Call) -> None:
    name = arg(el, "object") or ""
    try:
        schema = catalogue.get(name)
    except KeyError:
        raise FunctionFailure(failures.unknown_object(name, in_query=False)) from None
    keys = [k.strip() for k in (arg(el, "keys") or "").split(",") if k.strip()]
    if not keys:
        raise FunctionFailure(failures.malformed_function("<delete> needs <keys>"))
    parent = parent_of(schema.name)
    if parent is not None:
        raise FunctionFailure(failures.owned_line(schema.name, parent[0].name))
    w = Writer(call.store, values.now_storage(call.now))
    for key in keys:  # check every key first: a delete either happens for all or for none
        row = call.store.get(schema.name, int(key)) if key.isdigit() else None
        if row is None:
            raise FunctionFailure(failures.not_found(schema.name, key, "delete"))
        _refuse_if_referenced(schema, row, w)
    for key in keys:
        _remove_lines(schema, int(key), w)
        call.store.delete(schema.name, [int(key)])


def _refuse_if_referenced(schema: ObjectSpec, row: Row, w: Writer) -> None:
    recno = int(row["RECORDNO"] or 0)
    for other in catalogue.OBJECTS.values():
        for field, (target, target_field) in references(other).items():
            if target != schema.name:
                continue
            value = row.get(target_field) if target_field != "RECORDNO" else str(recno)
            if not value:
                continue
            hits = w.store.find(other.name, field, value, limit=2)
            hits = [h for h in hits if not (other.name == schema.name and h == recno)]
            if hits:
                raise FunctionFailure(_in_use(schema, row, other, hits[0], w))


def _in_use(
    schema: ObjectSpec, row: Row, other: ObjectSpec, hit: int, w: Writer
) -> failures.Detail:
    key = str(row["RECORDNO"])
    parent = parent_of(other.name)
    if parent is not None:  # report the document, not its line
        line = w.store.get(other.name, hit) or {}
        return failures.in_use(schema.name, key, parent[0].name, str(line.get(parent[2]) or ""))
    referrer = w.store.get(other.name, hit) or {}
    return failures.in_use(schema.name, key, other.name, str(referrer.get(other.id_field) or hit))
