"""Load a ``BigtimeSeed`` dict (the contract's shape) into a :class:`BigtimeStore`.

Parts load in dependency order (lists and definitions, clients, staff, projects, teams,
tasks, invoices, time, expenses) inside one transaction; ``POST /expense/detail`` creates
more. Time entries are read from any iterable in
batches of ``guesses.SEED_BATCH`` and inserted with ``executemany`` with the time indexes
dropped meanwhile: 25,000 entries take about a second, a million stream in constant memory.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from recon.errors import ConfigError
from recon.sandbox.bigtime import catalogue as cat
from recon.sandbox.bigtime import guesses, render, udfs
from recon.sandbox.bigtime.catalogue import Resource
from recon.sandbox.bigtime.values import COERCE, ValueProblem

Record = dict[str, Any]

if TYPE_CHECKING:
    from recon.sandbox.bigtime.store import BigtimeStore, StoreNames

#: Parts of a seed in load order; a seed may leave any out.
PARTS = (
    "lists",
    "udf_definitions",
    "vocabulary",
    "client",
    "staff",
    "project",
    "project_team",
    "task",
    "invoice",
    "time",
    "expense",
)
#: Seedable reference lists: those of ``guesses.LISTS`` (costcenterc included).
LIST_NAMES = frozenset(guesses.LISTS)
UDF_OWNERS = ("project", "staff")


def load(store: BigtimeStore, seed: Mapping[str, Any]) -> dict[str, int]:
    unknown = sorted(set(seed) - set(PARTS))
    if unknown:
        raise ConfigError(f"unknown BigTime seed part(s): {', '.join(unknown)}")
    added: dict[str, int] = {}
    with store.transaction():
        for part in PARTS:
            if part in seed and seed[part] is not None:
                added[part] = _LOADERS[part](store, seed[part])
    return added


# --- one record -------------------------------------------------------------------------------


def canonical(resource: Resource, raw: Mapping[str, Any], where: str) -> Record:
    """A seed record with canonical keys and storage-form values."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: a record must be a mapping")
    rec: Record = {}
    keys = _keys(resource.name)
    for key, value in raw.items():
        found = keys.get(key) or _learn_key(resource, keys, key, where)
        name, coerce, is_list = found
        try:
            rec[name] = coerce(value)
        except ValueProblem as exc:
            raise ConfigError(f"{where}: {name} {exc}") from None
        if is_list and rec[name] is not None:
            item = render.LIST_ITEMS[name]
            rec[name] = [
                canonical(item, v, f"{where} {name}[{i}]") for i, v in enumerate(rec[name])
            ]
    return rec


#: Per resource: key as spelled in seeds -> (canonical name, coercion, is a list). Seeds
#: spell keys the same way in every record; looking each up once keeps 25,000 rows fast.
_KEY_CACHE: dict[str, dict[Any, tuple[str, Callable[[Any], Any], bool]]] = {}


def _keys(resource_name: str) -> dict[Any, tuple[str, Callable[[Any], Any], bool]]:
    return _KEY_CACHE.setdefault(resource_name, {})


def _learn_key(
    resource: Resource,
    keys: dict[Any, tuple[str, Callable[[Any], Any], bool]],
    key: Any,
    where: str,
) -> tuple[str, Callable[[Any], Any], bool]:
    field = resource.field(str(key))
    if field is None:
        raise ConfigError(f"{where}: unknown field {key!r}")
    keys[key] = (field.name, COERCE[field.kind], field.kind == "list")
    return keys[key]


def _check_refs(resource: Resource, rec: Record, names: StoreNames, where: str) -> None:
    for name, ref in _refs(resource.name):
        value = rec.get(name)
        if value is not None and not names.exists(ref, value):
            raise ConfigError(f"{where}: {name} {value} is not a known {ref}")


#: References to what the sandbox keeps no record of: an expense report is only a number on
#: its expenses (``/expense/report/{id}`` answers only 0, docs/specs/bigtime-evidence.md §2.10).
_UNSTORED_REFS = frozenset({"expense_report"})


@cache
def _refs(resource_name: str) -> tuple[tuple[str, str], ...]:
    fields = cat.resource(resource_name).fields
    return tuple((f.name, f.ref) for f in fields if f.kind == "ref" and f.ref not in _UNSTORED_REFS)


def _id(resource: Resource, rec: Record, where: str) -> int:
    sid = rec.get(resource.id_field)
    if not isinstance(sid, int) or sid == 0:
        raise ConfigError(f"{where}: {resource.id_field} must be a non-zero integer id")
    return sid


# --- parts ------------------------------------------------------------------------------------


def _records(store: BigtimeStore, kind: str, records: Iterable[Mapping[str, Any]]) -> int:
    resource = cat.resource(kind)
    defs = store.udf_defs(kind) if kind in UDF_OWNERS else []
    names = store.names()
    recs = []
    for i, raw in enumerate(records):
        where = f"{kind} seed record {i}"
        rec = canonical(resource, raw, where)
        _id(resource, rec, where)
        if kind in UDF_OWNERS:
            rec["UdfList"] = udfs.complete(defs, _udf_by_sid(defs, rec.get("UdfList"), where))
        recs.append(rec)
    rows = [store.record_row(kind, rec, names) for rec in recs]
    try:
        store.insert_records(rows)
    except sqlite3.IntegrityError as exc:  # a duplicate id
        raise ConfigError(f"cannot seed {kind}: {exc}") from None
    names = store.names()  # references may point at records of this same part
    for i, rec in enumerate(recs):
        _check_refs(resource, rec, names, f"{kind} seed record {i}")
    return len(recs)


def _udf_by_sid(
    defs: list[tuple[int, str]], given: list[Record] | None, where: str
) -> list[Record]:
    """Seed UdfList items may name their field by Sid or by Name."""
    by_name = {name.lower(): sid for sid, name in defs}
    known = {sid for sid, _ in defs}
    out = []
    for item in given or ():
        sid = item.get("Sid")
        if sid is None:
            sid = by_name.get(str(item.get("Name") or "").lower())
        if sid not in known:
            raise ConfigError(f"{where}: UdfList item {item} is not a defined custom field")
        out.append({"Sid": sid, "Value": item.get("Value")})
    return out


def _client(store: BigtimeStore, records: Any) -> int:
    return _records(store, "client", records)


def _staff(store: BigtimeStore, records: Any) -> int:
    return _records(store, "staff", records)


def _project(store: BigtimeStore, records: Any) -> int:
    return _records(store, "project", records)


def _task(store: BigtimeStore, records: Any) -> int:
    return _records(store, "task", records)


def _invoice(store: BigtimeStore, records: Any) -> int:
    return _records(store, "invoice", records)


def _time(store: BigtimeStore, records: Iterable[Mapping[str, Any]]) -> int:
    names = store.names()
    count = 0
    store.drop_time_indexes()
    try:
        it = iter(records)
        while batch := list(itertools.islice(it, guesses.SEED_BATCH)):
            store.insert_times(_time_rows(store, batch, names, count))
            count += len(batch)
    except ConfigError:
        raise
    except sqlite3.IntegrityError as exc:  # a duplicate SID
        raise ConfigError(f"cannot seed time: {exc}") from None
    finally:
        store.create_time_indexes()
    return count


def _time_rows(
    store: BigtimeStore, batch: list[Mapping[str, Any]], names: StoreNames, offset: int
) -> list[tuple[Any, ...]]:
    rows = []
    for i, raw in enumerate(batch, start=offset):
        where = f"time seed record {i}"
        rec = canonical(cat.TIME, raw, where)
        _id(cat.TIME, rec, where)
        for required in ("Dt", "ProjectSID", "StaffSID"):
            if rec.get(required) is None:
                raise ConfigError(f"{where}: {required} is required")
        _check_refs(cat.TIME, rec, names, where)
        rows.append(store.time_row(rec, names))
    return rows


def _team(store: BigtimeStore, members: Iterable[Mapping[str, Any]]) -> int:
    names = store.names()
    by_project: dict[int, list[Record]] = {}
    for i, raw in enumerate(members):
        where = f"project_team seed record {i}"
        fields = dict(raw)
        project_sid = COERCE["ref"](_pop(fields, "ProjectSid"))
        rec = canonical(cat.TEAM_MEMBER, fields, where)
        if project_sid is None or not names.exists("project", project_sid):
            raise ConfigError(f"{where}: ProjectSid {project_sid} is not a known project")
        staff = rec.get(cat.TEAM_STAFF_FIELD)
        if staff is None or not names.exists("staff", staff):
            raise ConfigError(f"{where}: {cat.TEAM_STAFF_FIELD} {staff} is not a known staff")
        by_project.setdefault(project_sid, []).append(rec)
    for project_sid, recs in by_project.items():
        store.add_team(project_sid, recs, start=store.team_size(project_sid))
    return sum(len(r) for r in by_project.values())


def _pop(fields: dict[str, Any], name: str) -> Any:
    for key in list(fields):
        if key.lower() == name.lower():
            return fields.pop(key)
    return None


def _lists(store: BigtimeStore, lists: Mapping[str, Iterable[Mapping[str, Any]]]) -> int:
    count = 0
    for name, items in lists.items():
        if name not in LIST_NAMES:
            raise ConfigError(f"unknown BigTime list {name!r}; use one of {sorted(LIST_NAMES)}")
        rows = []
        for pos, raw in enumerate(items):
            where = f"list {name} item {pos}"
            rec = canonical(cat.PICKLIST_ITEM, raw, where)
            item_id = _id(cat.PICKLIST_ITEM, rec, where)
            body = render.record_bytes(item_resource(name), rec)
            inactive = 1 if rec.get("IsInactive") else 0
            rows.append((name, item_id, pos, rec.get("Name"), inactive, body))
        try:
            store.insert_items(rows)
        except sqlite3.IntegrityError as exc:
            raise ConfigError(f"cannot seed list {name}: {exc}") from None
        count += len(rows)
    return count


def _udf_definitions(store: BigtimeStore, defs: Mapping[str, Iterable[Mapping[str, Any]]]) -> int:
    rows = []
    for owner, items in defs.items():
        if owner not in UDF_OWNERS:
            raise ConfigError(f"custom fields belong to project or staff, not {owner!r}")
        for pos, raw in enumerate(items):
            rec = canonical(cat.UDF, raw, f"udf_definitions {owner} item {pos}")
            if not isinstance(rec.get("Sid"), int) or not rec.get("Name"):
                raise ConfigError(f"udf_definitions {owner} item {pos}: Sid and Name required")
            rows.append((owner, rec["Sid"], pos, rec["Name"]))
    try:
        store.executemany("INSERT INTO udf_def VALUES (?, ?, ?, ?)", rows)
    except sqlite3.IntegrityError as exc:
        raise ConfigError(f"cannot seed udf_definitions: {exc}") from None
    return len(rows)


def _vocabulary(store: BigtimeStore, terms: Iterable[Mapping[str, Any]]) -> int:
    # Documented with lower-case keys {"id", "name"} (docs/specs/bigtime-rest-api.md §4.11); stored
    # and served that way.
    out = []
    for raw in terms:
        lowered = {str(k).lower(): v for k, v in raw.items()}
        out.append(
            {
                guesses.VOCABULARY_ID_KEY: lowered.get("id"),
                guesses.VOCABULARY_NAME_KEY: lowered.get("name"),
            }
        )
    store.set_meta("vocabulary", json.dumps(out))
    return len(out)


_LOADERS: Mapping[str, Callable[[BigtimeStore, Any], int]] = {
    "lists": _lists,
    "udf_definitions": _udf_definitions,
    "vocabulary": _vocabulary,
    "client": _client,
    "staff": _staff,
    "project": _project,
    "project_team": _team,
    "task": _task,
    "invoice": _invoice,
    "time": _time,
    "expense": lambda store, records: _records(store, "expense", records),
}


def item_resource(list_name: str) -> Resource:
    """How a list's items go out: FieldValues lists send ``Id`` as a string
    (docs/specs/bigtime-evidence.md §2.11)."""
    path = guesses.LISTS[list_name].path.lower()
    return cat.FIELD_VALUE_ITEM if "/fieldvalues/" in path else cat.PICKLIST_ITEM
