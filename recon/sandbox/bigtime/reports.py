"""Endpoints real clients use beyond recon's own reads (ev §3.13), each minimal.

- ``/report/data/{id}`` (GET and POST): the most used endpoint in the wild (ev §2.13). The
  POST refreshes the report for ``{"DT_BEGIN", "DT_END"}`` -- JSON or form-encoded -- and
  answers ``{"Data": [[...], ...], "FieldList": [{"FieldNm": ...}, ...]}``; a GET answers
  the last refreshed window.
- ``/expense/detail`` (create, read), ``/expense/reportbyfilter`` (POST, ev §2.10),
  ``/expense/report/{id}`` (0 answers, anything else is a 500, ev §2.10).
- ``/task/BudgetStatusByProject/{sid}`` with the live probe's keys (ev §2.14).
- ``/time/TotalByDay/{staffsid}`` and ``/time/reportbyfilter`` (a 400, ev §2.15).
- ``/session/firm``: a 403, as a live probe saw (ev §2.1).

What each value means where the evidence names only the key is in :mod:`guesses`.

Citations: "spec §N" is docs/specs/bigtime-rest-api.md, "ev §N"
docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from recon.sandbox.bigtime import catalogue as cat
from recon.sandbox.bigtime import guesses, render, validate
from recon.sandbox.bigtime.reads import Endpoint, must_exist, not_found
from recon.sandbox.bigtime.reply import ApiError, Call, Reply, bad_request
from recon.sandbox.bigtime.store import BigtimeStore, Record
from recon.sandbox.bigtime.values import ValueProblem, to_date, to_int

CENT = Decimal("0.01")
ZERO = Decimal(0)
_ALL_DATES = ("0000-01-01", "9999-12-31")

# --- /report/data/{id} --------------------------------------------------------------------------


def _time_row(rec: Record) -> list[Any]:
    return [
        rec.get("SourceNm"), rec.get("Dt"), rec.get("Hours_IN"), rec.get("HoursBillable"),
        rec.get("ChargeBillable"), rec.get("ClientNm"), rec.get("ClientID"),
        rec.get("ProjectNm"), rec.get("ProjectSID"), rec.get("Notes"),
    ]  # fmt: skip


_TIME_KINDS = ("text", "date", "hours", "hours", "money", "text", "ref", "text", "ref", "text")


def _expense_row(rec: Record, staff_names: Mapping[int, str | None]) -> list[Any]:
    """One expense as the observed expense-report columns; null where the meaning of a
    column is not evident from its name (guesses: every value here is UNCERTAIN)."""
    values: dict[str, Any] = {
        "sid": rec.get("SID"), "issubmitted": rec.get("IsSubmitted"),
        "exprojectnm": rec.get("ProjectNm"), "exprojectnm_id": rec.get("ProjectSID"),
        "exclientnm": rec.get("ClientNm"), "exclientnm_id": rec.get("ClientSID"),
        "exsourcenm": staff_names.get(rec.get("StaffSID") or 0),
        "exsourcenm_id": rec.get("StaffSID"), "exdt": rec.get("Dt"),
        "excatnm": rec.get("CatNm"), "excatnm_id": rec.get("CatSID"), "exnt": rec.get("Nt"),
        "excostin": rec.get("CostIN"), "excostbill": rec.get("CostBill"),
        "excostnc": rec.get("CostIN") if rec.get("NoCharge") else ZERO,
        "exnc": rec.get("NoCharge"), "expaidbyco": rec.get("PaidByCo"),
        "exhasreceipt": False, "exissubmitted": rec.get("IsSubmitted"), "exisinvoiced": False,
    }  # fmt: skip
    return [values.get(column) for column in cat.EXPENSE_REPORT_COLUMNS]


def _expense_kinds() -> tuple[str, ...]:
    kinds = {"exdt": "date", "excostin": "money", "excostbill": "money", "excostnc": "money"}
    flags = ("issubmitted", "exnc", "expaidbyco", "exhasreceipt", "exissubmitted", "exisinvoiced")
    kinds.update(dict.fromkeys(flags, "bool"))
    names = ("exprojectnm", "exclientnm", "exsourcenm", "excatnm", "exnt")
    kinds.update(dict.fromkeys(names, "text"))
    return tuple(kinds.get(c, "ref") for c in cat.EXPENSE_REPORT_COLUMNS)


def _time_report(store: BigtimeStore, start: str, end: str) -> tuple[Sequence[str], list[str]]:
    row = render.cells(_TIME_KINDS)
    return cat.TIME_REPORT_COLUMNS, [row(_time_row(r)) for r in store.time_records(start, end)]


def _expense_report(store: BigtimeStore, start: str, end: str) -> tuple[Sequence[str], list[str]]:
    row = render.cells(_expense_kinds())
    staff = {sid: name for sid, name, _, _ in store.rows("staff")}
    rows = [row(_expense_row(r, staff)) for r in _expenses(store, start, end)]
    return cat.EXPENSE_REPORT_COLUMNS, rows


#: Report id -> how its rows are made (guesses: the demo firm's two reports).
REPORTS: Mapping[int, Callable[[BigtimeStore, str, str], tuple[Sequence[str], list[str]]]] = {
    guesses.TIME_REPORT_ID: _time_report,
    guesses.EXPENSE_REPORT_ID: _expense_report,
}


def report_data(store: BigtimeStore, call: Call) -> Reply:
    """``POST`` refreshes the report for a window (JSON or form body); ``GET`` reads it."""
    report = call.args[0]
    make = REPORTS.get(report)
    if make is None:
        raise ApiError(404, guesses.REPORT_NOT_FOUND_TEXT.format(sid=report))
    if call.method == "POST":
        start, end = _report_window(validate.object_body(call))
        store.set_meta(f"report:{report}", json.dumps([start, end]))
    else:
        saved = store.meta(f"report:{report}")
        start, end = json.loads(saved) if saved else _ALL_DATES
    columns, rows = make(store, start, end)
    fields = ",".join(render.dumps({cat.REPORT_FIELD_NAME_KEY: c}).decode() for c in columns)
    body = f'{{"{cat.REPORT_DATA_KEY}":[{",".join(rows)}],"{cat.REPORT_FIELDS_KEY}":[{fields}]}}'
    return Reply.json(body.encode())


def _report_window(body: Mapping[str, Any]) -> tuple[str, str]:
    lowered = {str(k).lower(): v for k, v in body.items()}
    try:
        start = to_date(lowered.get(cat.REPORT_BEGIN_KEY.lower()))
        end = to_date(lowered.get(cat.REPORT_END_KEY.lower()))
    except ValueProblem:
        raise bad_request(guesses.REPORT_WINDOW_TEXT) from None
    if start is None or end is None:
        raise bad_request(guesses.REPORT_WINDOW_TEXT)
    return start, end


# --- expenses -----------------------------------------------------------------------------------


def _expenses(store: BigtimeStore, start: str, end: str) -> list[Record]:
    return store.records("expense", where="dt BETWEEN ? AND ?", params=(start, end))


def create_expense(store: BigtimeStore, call: Call) -> Reply:
    """``POST /expense/detail``: ``{staffsid, projectsid, catsid, dt, CostIN, notes}`` (ev §2.10);
    the new expense is unsubmitted (report 0, spec §4.6)."""
    body = validate.object_body(call)
    for alias in guesses.EXPENSE_NOTES_ALIASES:
        for key in [k for k in body if str(k).lower() == alias]:
            body.setdefault("Nt", body.pop(key))
    with store.transaction():
        rec = validate.fields(cat.EXPENSE, body, store.names())
        validate.require(cat.EXPENSE, rec)
        # Spec §4.6: an unsubmitted expense sits in report 0; like an unsubmitted time entry
        # (spec §4.5) its id is negative until it is submitted.
        rec["SID"] = store.next_unsubmitted_sid("expense")
        rec["RptSID"] = 0
        store.put_record("expense", rec)
        return Reply.json(store.record_text("expense", rec["SID"]) or b"{}")


def expense_detail(store: BigtimeStore, call: Call) -> Reply:
    text = store.record_text("expense", call.args[0])
    if text is None:
        raise not_found("expense", call.args[0])
    return Reply.json(text)


def expense_report_by_filter(store: BigtimeStore, call: Call) -> Reply:
    """``POST /expense/reportbyfilter``: ``mindate``/``maxdate`` (+ ``staffsids``,
    ``projectsids``) from a JSON body (ev §2.10, OBS) or the query (pybt); ``view`` ignored."""
    body = {str(k).lower(): v for k, v in validate.object_body(call).items()}
    given = {**dict(call.params), **body}
    start = _date_or(given.get("mindate"), "mindate", _ALL_DATES[0])
    end = _date_or(given.get("maxdate"), "maxdate", _ALL_DATES[1])
    records = _expenses(store, start, end)
    for key, field in (("staffsids", "StaffSID"), ("projectsids", "ProjectSID")):
        wanted = _ids(given.get(key), key)
        if wanted:
            records = [r for r in records if r.get(field) in wanted]
    return Reply.json(render.array(render.record_bytes(cat.EXPENSE, r) for r in records))


def expense_report(store: BigtimeStore, call: Call) -> Reply:
    """``GET /expense/report/{id}``: 0 lists the unsubmitted expenses (of ``staffsid``, when
    given); any other id is the 500 a live firm answered (ev §2.10)."""
    if call.args[0] != 0:
        raise ApiError(500, guesses.EXPENSE_REPORT_ERROR_TEXT)
    staff = _ids(call.param("staffsid"), "staffsid")
    records = [
        r
        for r in _expenses(store, *_ALL_DATES)
        if not r.get("RptSID") and (not staff or r.get("StaffSID") in staff)
    ]
    return Reply.json(render.array(render.record_bytes(cat.EXPENSE, r) for r in records))


def _date_or(value: Any, name: str, default: str) -> str:
    try:
        return to_date(value or None) or default
    except ValueProblem:
        raise bad_request(f"{name} must be a date YYYY-MM-DD.") from None


def _ids(value: Any, name: str) -> set[int]:
    items: Iterable[Any] = value if isinstance(value, list) else str(value or "").split(",")
    texts = [v.strip() if isinstance(v, str) else v for v in items]
    try:
        return {i for i in (to_int(v) for v in texts if v != "") if i}
    except (ValueProblem, AttributeError):
        raise bad_request(f"{name} must be ids.") from None


# --- task budget status, time totals -------------------------------------------------------------


def task_budget_status(store: BigtimeStore, call: Call) -> Reply:
    """Per task of the project: hours, charges, invoiced, WIP, estimates (ev §2.14 keys)."""
    sid = call.args[0]
    must_exist(store, "project", sid)
    tasks = store.records("task", where="project_sid = ?", params=(sid,))
    entries = store.time_records(*_ALL_DATES, column="project_sid", value=sid)
    rows = [_budget(t, [e for e in entries if e.get("TaskSID") == t["TaskSid"]]) for t in tasks]
    return Reply.json(render.array(render.record_bytes(cat.TASK_BUDGET_STATUS, r) for r in rows))


def _budget(task: Record, entries: list[Record]) -> Record:
    def total(field: str, rows: Iterable[Record] = entries) -> Decimal:
        return sum((Decimal(r.get(field) or 0) for r in rows), ZERO).quantize(CENT)

    hours, charged = total("Hours_IN"), total("ChargeBillable")
    cost = sum(
        (Decimal(e.get("Hours_IN") or 0) * Decimal(e.get("CostRate") or 0) for e in entries), ZERO
    ).quantize(CENT)
    invoiced = total("ChargeBillable", [e for e in entries if e.get("InvoiceSID")])
    est_hours = Decimal(task.get("BudgetHours") or 0).quantize(CENT)
    est_fee = Decimal(task.get("BudgetFees") or 0).quantize(CENT)
    zero = ZERO.quantize(CENT)
    return {
        "TaskNm": task.get("TaskNm"), "TaskGroup": task.get("TaskGroup"), "HrsIn": hours,
        "ChargeIn": charged, "FeeCostIn": cost, "ExpCostIn": zero, "InvoicedToDate": invoiced,
        "FeeWipToDate": charged - invoiced, "ExpWipToDate": zero, "EstHrs": est_hours,
        "EstFee": est_fee, "RemainingEstHrs": est_hours - hours,
        "RemainingEstFee": est_fee - charged, "WipTotal": charged - invoiced,
    }  # fmt: skip


def time_total_by_day(store: BigtimeStore, call: Call) -> Reply:
    """``GET /time/TotalByDay/{staffsid}?StartDt&EndDt``: one item per day with time."""
    start, end = validate.date_window(call, "StartDt", "EndDt")
    sid = call.args[0]
    must_exist(store, "staff", sid)
    days: dict[str, list[Record]] = {}
    for entry in store.time_records(start, end, column="staff_sid", value=sid):
        days.setdefault(entry["Dt"][:10], []).append(entry)
    items = [_day_total(sid, day, entries) for day, entries in days.items()]
    return Reply.json(render.array(render.record_bytes(cat.TIME_TOTAL_BY_DAY, i) for i in items))


def _day_total(sid: int, day: str, entries: list[Record]) -> Record:
    def hours(keep: Callable[[Record], bool]) -> Decimal:
        return sum((Decimal(e.get("Hours_IN") or 0) for e in entries if keep(e)), ZERO)

    every = hours(lambda e: True)
    free = hours(lambda e: bool(e.get("NoCharge")))
    return {
        "staffSid": sid, "dt": day, "totalHours": every, "timerCount": 0,
        "billableHours": every - free, "nonBillableHours": free,
        "totalUnsubmittedTime": hours(lambda e: e["SID"] < 0),
    }  # fmt: skip


def refuse(status: int, text: str) -> Endpoint:
    """An endpoint that exists and always refuses (``/time/reportbyfilter``, ``/session/firm``)."""

    def endpoint(store: BigtimeStore, call: Call) -> Reply:
        raise ApiError(status, text)

    return endpoint
