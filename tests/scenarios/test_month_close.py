"""The accountant's month on the product path: October of the demo firm, reconciled by the job.

Both sandboxes serve a private copy of the demo firm and ``recon.job.reconcile_run`` pulls
them over HTTP with recon's own clients. What October must report is computed from the
seeded firm's manifest and its two views, never counted by hand: every master-data
disagreement (master data is not date-bound) and each dated one whose record is dated in
October on either side -- a time entry by its date, an invoice by its date, an expense by
its date, a payment by
its invoice's date (payments are bounded by their invoices; BigTime holds a payment only
as the amount paid on an invoice).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from recon.job import ReconcileRun, reconcile_run
from recon.sandbox.firm import ENTITIES, Firm, generate
from tests.demo_sandboxes import Served, seeded, served_copy

OCTOBER = (dt.date(2025, 10, 1), dt.date(2025, 10, 31))
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
#: Dated manifest entity -> (the view's entity holding the record's date, its date column).
DATE_OF = {
    "time_entry": ("time_entry", "entry_date"),
    "invoice": ("invoice", "invoice_date"),
    "payment": ("invoice", "invoice_date"),
    "expense": ("expense", "expense_date"),
}
Finding = tuple[str, str, str, str | None]


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Firm:
    """The firm the seeded data directory holds (its own seed and scale)."""
    meta = json.loads((seeded(tmp_path_factory) / "firm.json").read_text(encoding="utf-8"))
    return generate(seed=meta["seed"], scale=meta["scale"])


@pytest.fixture
def served(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Served]:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as s:
        yield s


def record_dates(firm: Firm, entity: str, key: str) -> set[dt.date]:
    """The dates the record behind a dated manifest item has in either system's view."""
    table, column = DATE_OF[entity]
    dates: set[dt.date] = set()
    for view in (firm.intacct_view, firm.bigtime_view):
        frame = view[table]
        rows = frame[frame[ENTITIES[table].key].eq(key).to_numpy()]
        dates |= {pd.Timestamp(day).date() for day in rows[column].dropna()}
    return dates


def planted_in(data: Path, firm: Firm, start: dt.date, end: dt.date) -> set[Finding]:
    """The manifest's disagreements a reconciliation of ``start`` .. ``end`` must report."""
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    out = set()
    for item in manifest:
        entity, key = item["entity"], item["key"]
        if entity in DATE_OF:
            dates = record_dates(firm, entity, key)
            assert dates, f"{item['id']}: the record has no date in either view"
            if not any(start <= day <= end for day in dates):
                continue
        out.add((entity, item["kind"], key, item["field"]))
    return out


def findings(run: ReconcileRun) -> set[Finding]:
    found = run.reconciliation.diff.findings()
    return {(f.entity, f.kind, f.key, f.field) for f in found.itertuples()}


def reconcile_october() -> ReconcileRun:
    return reconcile_run("sandbox", start=OCTOBER[0].isoformat(), end=OCTOBER[1].isoformat())


def test_october_reports_exactly_the_planted_disagreements_of_october(
    served: Served, firm: Firm
) -> None:
    expected = planted_in(served.data, firm, *OCTOBER)
    year = planted_in(served.data, firm, *YEAR)
    dated = {f for f in expected if f[0] in DATE_OF}
    # The month is a real test: some dated disagreements fall in it, others do not.
    assert dated and (year - expected)

    run = reconcile_october()

    assert findings(run) == expected
    assert run.summary["findings"] == len(expected)
    # Intacct's dated records were pulled for October only, as BigTime's were.
    pulled = run.reconciliation.pulled.intacct
    dated_objects = (
        ("TIMESHEETENTRY", "ENTRYDATE"),
        ("ARINVOICE", "WHENCREATED"),
        ("EEXPENSESITEM", "ENTRYDATE"),
    )
    for obj, column in dated_objects:
        days = pulled[obj][column]
        assert len(days) and days.between(*(pd.Timestamp(d) for d in OCTOBER)).all(), obj


def _unplanted(frame: pd.DataFrame, column: str, day: dt.date, planted: set[str]) -> str:
    """The smallest key of a record dated ``day`` that no planted disagreement is about."""
    rows = frame[frame[column].eq(pd.Timestamp(day)).to_numpy()]
    key = rows.columns[0]  # the views' frames start with their key
    return next(k for k in sorted(rows[key]) if k not in planted)


def _move_invoice(served: Served, number: str, intacct_day: dt.date, bigtime_day: dt.date) -> None:
    """Date one invoice differently in each sandbox (a user re-dating it in one system),
    through the sandboxes' stores: BigTime's API has no invoice update to do it with."""
    ia = served.intacct.store
    (recno,) = ia.find("ARINVOICE", "RECORDID", number)
    ia.update("ARINVOICE", recno, {"WHENCREATED": intacct_day.isoformat()})
    bt = served.bigtime.store
    (sid,) = bt.find_code("invoice", number)
    invoice = bt.record("invoice", sid)
    assert invoice is not None
    bt.put_record("invoice", {**invoice, "InvoiceDt": f"{bigtime_day.isoformat()}T00:00:00"})


def _move_time_entry(served: Served, sid: str, intacct_day: dt.date, bigtime_day: dt.date) -> None:
    """Date one time entry differently in each sandbox, through their stores."""
    ia = served.intacct.store
    (recno,) = ia.find("TIMESHEETENTRY", "BIGTIME_ENTRYID", sid)
    ia.update("TIMESHEETENTRY", recno, {"ENTRYDATE": intacct_day.isoformat()})
    bt = served.bigtime.store
    entry = bt.time_record(int(sid))
    assert entry is not None
    bt.put_time({**entry, "Dt": f"{bigtime_day.isoformat()}T00:00:00"})


def _move_expense(served: Served, sid: str, intacct_day: dt.date, bigtime_day: dt.date) -> None:
    """Date one expense differently in each sandbox, through their stores (issue 16)."""
    ia = served.intacct.store
    (recno,) = ia.find("EEXPENSESITEM", "BIGTIME_EXPENSEID", sid)
    ia.update("EEXPENSESITEM", recno, {"ENTRYDATE": intacct_day.isoformat()})
    bt = served.bigtime.store
    expense = bt.record("expense", int(sid))
    assert expense is not None
    bt.put_record("expense", {**expense, "Dt": bigtime_day.isoformat()})


@pytest.mark.parametrize("outside", ["intacct", "bigtime"])
def test_a_record_dated_across_the_period_edge_is_a_date_difference_not_missing(
    served: Served, firm: Firm, outside: str
) -> None:
    planted = planted_in(served.data, firm, *YEAR)
    billed = {key for entity, _, key, _ in planted if entity in ("invoice", "payment")}
    timed = {key for entity, _, key, _ in planted if entity == "time_entry"}
    view = firm.intacct_view
    # A paid invoice of 31 October: its payment applications must come along with it.
    paid = view["invoice"][view["invoice"]["invoice_no"].isin(view["payment"]["invoice_no"])]
    number = _unplanted(paid, "invoice_date", dt.date(2025, 10, 31), billed)
    entry = _unplanted(view["time_entry"], "entry_date", dt.date(2025, 10, 1), timed)
    spent = {key for entity, _, key, _ in planted if entity == "expense"}
    october = view["expense"][view["expense"]["expense_date"].dt.month.eq(10).to_numpy()]
    expense = next(k for k in october["entry_id"] if k not in spent)
    before, inside = dt.date(2025, 9, 30), dt.date(2025, 10, 1)
    # The system named `outside` dates both records on 30 September, the other on 1 October.
    days = (before, inside) if outside == "intacct" else (inside, before)
    _move_invoice(served, number, *days)
    _move_time_entry(served, entry, *days)
    _move_expense(served, expense, *days)

    run = reconcile_october()

    moved = {
        ("invoice", "field_mismatch", number, "invoice_date"),
        ("time_entry", "field_mismatch", entry, "entry_date"),
        ("expense", "field_mismatch", expense, "expense_date"),
    }
    assert findings(run) == planted_in(served.data, firm, *OCTOBER) | moved
    found = run.reconciliation.diff.findings()
    dated_fields = ["invoice_date", "entry_date", "expense_date"]
    dates = found[found["field"].isin(dated_fields).to_numpy()]
    expected_values = {str(d) for d in days}
    for row in dates.itertuples():
        assert {str(row.intacct_value)[:10], str(row.bigtime_value)[:10]} == expected_values
        assert str(row.intacct_value)[:10] == str(days[0])
    # Each was fetched by key from the system that dates it outside October.
    sought = {(s.entity, s.system): s.found for s in run.reconciliation.pulled.counterparts}
    assert number in sought[("invoice", outside)]
    assert entry in sought[("time_entry", outside)]
    assert expense in sought[("expense", outside)]
