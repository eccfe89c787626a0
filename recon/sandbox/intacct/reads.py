"""Read functions: readByQuery, readMore, query, read, readByName
(docs/specs/intacct-xml-api.md §3).

Each function takes its element and a :class:`Call`, fills ``call.result`` with ``<data>``,
or raises :class:`FunctionFailure`.
"""

from __future__ import annotations

import secrets
import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from lxml import etree

from recon.sandbox.intacct import catalogue, failures, guesses, querylang
from recon.sandbox.intacct.aggregate import run_aggregate
from recon.sandbox.intacct.catalogue import ObjectSpec
from recon.sandbox.intacct.context import Call, arg
from recon.sandbox.intacct.failures import FunctionFailure
from recon.sandbox.intacct.render import RecordStyle, render_records
from recon.sandbox.intacct.store import storage_columns

READBYQUERY_MAX_PAGESIZE = 1000
QUERY_MAX_PAGESIZE = 2000
DEFAULT_PAGESIZE = 100

_T = TypeVar("_T")


# --- readByQuery snapshots --------------------------------------------------------------


@dataclass
class _Snapshot:
    style: RecordStyle
    recnos: array[int]
    pagesize: int
    position: int
    last_used: float


class ResultSets:
    """readByQuery result sets that readMore continues; they expire ``ttl`` s after last use."""

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self.ttl = ttl
        self._clock = clock
        self._sets: dict[str, _Snapshot] = {}
        self._last: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def open(self, owner: str, style: RecordStyle, recnos: array[int], pagesize: int) -> str:
        # Observed ids: ~35 characters of letters, digits, "@", "-" and "_".
        result_id = "7765623336" + secrets.token_urlsafe(19)
        with self._lock:
            self._purge()
            self._sets[result_id] = _Snapshot(style, recnos, pagesize, pagesize, self._clock())
            self._last[(owner, style.obj)] = result_id
        return result_id

    def take(self, result_id: str) -> _Snapshot | None:
        with self._lock:
            self._purge()
            snap = self._sets.get(result_id)
            if snap is not None:
                snap.last_used = self._clock()
            return snap

    def close(self, result_id: str) -> None:
        with self._lock:
            self._sets.pop(result_id, None)

    def last_for(self, owner: str, obj: str) -> str:
        with self._lock:
            return self._last.get((owner, obj), "")

    def _purge(self) -> None:
        cutoff = self._clock() - self.ttl
        for rid in [r for r, s in self._sets.items() if s.last_used <= cutoff]:
            del self._sets[rid]


# --- shared argument handling -----------------------------------------------------------


def object_schema(el: etree._Element, *, in_query: bool) -> ObjectSpec:
    name = arg(el, "object")
    if not name:
        raise FunctionFailure(failures.malformed_function(f"<{el.tag}> needs an <object>"))
    try:
        return catalogue.get(name)
    except KeyError:
        raise FunctionFailure(failures.unknown_object(name, in_query=in_query)) from None


def field_list(schema: ObjectSpec, text: str | None) -> tuple[str, ...]:
    """``<fields>`` (comma separated; ``*`` or empty = all) validated against the schema."""
    if not text or text.strip() == "*":
        return storage_columns(schema)
    names = [f.strip().upper() for f in text.split(",") if f.strip()]
    check_fields(schema, names)
    return tuple(dict.fromkeys(names))


def check_fields(schema: ObjectSpec, names: list[str]) -> None:
    unknown = [n for n in names if n not in schema.fields]
    if unknown:
        raise FunctionFailure(failures.unknown_fields(schema.name, unknown))


def pagesize(el: etree._Element, maximum: int) -> int:
    return _int_arg(el, "pagesize", DEFAULT_PAGESIZE, 1, maximum)


def _int_arg(el: etree._Element, name: str, default: int, low: int, high: int | None) -> int:
    text = arg(el, name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise FunctionFailure(failures.bad_parameter(f"{name} must be an integer {bounds}."))
    return value


def require_xml(text: str | None) -> None:
    if text and text.lower() != "xml":
        msg = f"returnFormat '{text}' is not supported by this gateway; use xml."
        raise FunctionFailure(failures.bad_parameter(msg))


def _parse(build: Callable[[], _T], schema: ObjectSpec, *, string: bool) -> _T:
    try:
        return build()
    except querylang.UnknownFieldsError as exc:
        raise FunctionFailure(failures.unknown_fields(schema.name, exc.fields)) from None
    except querylang.QueryError as exc:
        detail = failures.query_failed(str(exc)) if string else failures.bad_parameter(str(exc))
        raise FunctionFailure(detail) from None


# --- readByQuery / readMore -------------------------------------------------------------


def read_by_query(el: etree._Element, call: Call, sets: ResultSets) -> None:
    schema = object_schema(el, in_query=True)
    fields = field_list(schema, arg(el, "fields"))
    size = pagesize(el, READBYQUERY_MAX_PAGESIZE)
    require_xml(arg(el, "returnFormat"))
    text = arg(el, "query")
    pred = _parse(lambda: querylang.parse_query_string(text, schema), schema, string=True)
    where, params = querylang.to_sql(pred, schema)
    recnos = call.store.match(schema.name, ("rbq", pred), where, params, "RECORDNO ASC")
    style = RecordStyle(schema.name, guesses.record_element(schema.name, "readByQuery"), fields)
    remaining = max(0, len(recnos) - size)
    result_id = sets.open(call.owner, style, recnos, size) if remaining else ""
    _page(call, style, recnos[:size], len(recnos), remaining, result_id)


def read_more(el: etree._Element, call: Call, sets: ResultSets) -> None:
    result_id = arg(el, "resultId")
    if result_id is None:
        obj = arg(el, "object")
        if obj is None:
            raise FunctionFailure(failures.unsupported_function("readMore (view/reportId)"))
        result_id = sets.last_for(call.owner, obj.upper())
    snap = sets.take(result_id)
    if snap is None:
        raise FunctionFailure(failures.readmore_invalid(result_id))
    start = snap.position
    page = snap.recnos[start : start + snap.pagesize]
    snap.position = start + len(page)
    remaining = len(snap.recnos) - snap.position
    if remaining == 0:
        sets.close(result_id)
    _page(call, snap.style, page, len(snap.recnos), remaining, result_id)


def _page(
    call: Call, style: RecordStyle, page: array[int], total: int, remaining: int, result_id: str
) -> None:
    records = render_records(call.store, style, page)
    attrs = {
        "listtype": style.tag,
        "count": str(len(records)),
        "totalcount": str(total),
        "numremaining": str(remaining),
        "resultId": result_id,
    }
    call.response.data(call.result, attrs, records)


# --- query ------------------------------------------------------------------------------


def query(el: etree._Element, call: Call) -> None:
    schema = object_schema(el, in_query=False)
    plain, aggregates = _select(el, schema)
    pred = _parse(lambda: querylang.parse_filter(el.find("filter"), schema), schema, string=False)
    order = _parse(
        lambda: querylang.parse_orderby(el.find("orderby"), schema), schema, string=False
    )
    options = el.find("options")
    ci = options is not None and (arg(options, "caseinsensitive") or "").lower() == "true"
    if options is not None:
        require_xml(arg(options, "returnformat"))
    size = pagesize(el, QUERY_MAX_PAGESIZE)
    offset = _int_arg(el, "offset", 0, 0, None)
    where, params = querylang.to_sql(pred, schema, ci)
    order_by = querylang.order_sql(order, schema)
    recnos = call.store.match(schema.name, ("query", pred, order, ci), where, params, order_by)
    if aggregates:
        records, total = run_aggregate(call.store, schema, plain, aggregates, recnos, offset, size)
    else:
        style = RecordStyle(schema.name, schema.name, plain, nested=False)
        records, total = (
            render_records(call.store, style, recnos[offset : offset + size]),
            len(recnos),
        )
    attrs = {
        "listtype": schema.name,
        "totalcount": str(total),
        "offset": str(offset),
        "count": str(len(records)),
        "numremaining": str(max(0, total - offset - len(records))),
    }
    call.response.data(call.result, attrs, records)


def _select(
    el: etree._Element, schema: ObjectSpec
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    select = el.find("select")
    items = [c for c in select if isinstance(c.tag, str)] if select is not None else []
    if not items:
        raise FunctionFailure(failures.malformed_function("<query> needs a <select> with fields"))
    plain: list[str] = []
    aggregates: list[tuple[str, str]] = []
    for item in items:
        name = (item.text or "").strip().upper()
        if item.tag == "field":
            plain.append(name)
        elif item.tag in guesses.AGGREGATE_FUNCTIONS:
            aggregates.append((item.tag, name))
        else:
            raise FunctionFailure(failures.malformed_function(f"<select> cannot hold <{item.tag}>"))
    check_fields(schema, plain + [f for _, f in aggregates])
    return tuple(dict.fromkeys(plain)), tuple(aggregates)


# --- read / readByName ------------------------------------------------------------------


def read(el: etree._Element, call: Call) -> None:
    schema = object_schema(el, in_query=False)
    keys = _keys(el)
    if keys:
        try:
            recnos = [int(k) for k in keys]
        except ValueError:
            raise FunctionFailure(
                failures.bad_parameter("read keys must be RECORDNO values.")
            ) from None
    else:
        recnos = call.store.first(schema.name, guesses.READ_EMPTY_KEYS_LIMIT)
    _read_records(el, call, schema, recnos)


def read_by_name(el: etree._Element, call: Call) -> None:
    schema = object_schema(el, in_query=False)
    recnos: list[int] = []
    for key in _keys(el):
        if schema.id_field == "RECORDNO":
            recnos.extend([int(key)] if key.isdigit() else [])
        else:
            recnos.extend(call.store.find(schema.name, schema.id_field, key))
    _read_records(el, call, schema, recnos)


def _keys(el: etree._Element) -> list[str]:
    keys = [k.strip() for k in (arg(el, "keys") or "").split(",") if k.strip()]
    if len(keys) > guesses.MAX_READ_KEYS:
        msg = f"Too many keys: at most {guesses.MAX_READ_KEYS} per call."
        raise FunctionFailure(failures.bad_parameter(msg))
    return keys


def _read_records(el: etree._Element, call: Call, schema: ObjectSpec, recnos: list[int]) -> None:
    text = arg(el, "fields")
    fields = field_list(schema, text)
    require_xml(arg(el, "returnFormat"))
    all_fields = not text or text.strip() == "*"
    style = RecordStyle(
        schema.name, schema.name, fields, with_lines=bool(schema.lines) and all_fields
    )
    records = render_records(call.store, style, recnos)
    call.response.data(call.result, {"listtype": schema.name, "count": str(len(records))}, records)
