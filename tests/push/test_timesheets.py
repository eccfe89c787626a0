"""Weekly Intacct timesheets through the push engine on the sandboxes (issue 16, point 4).

Time pushed to Intacct goes into the staffer's timesheet for the entry's week: a new Draft
sheet when there is none (entries of one staffer and week pushed together share it), the
open (Draft) sheet when there is one; a submitted or approved sheet is never rewritten:
the change is refused before sending and reported held (review only) with the reason; it
stays queued. Every case goes
through :func:`recon.push.push` and its outbox, and the sandbox's records are read back.

The demo firm's sheets (recon/sandbox/firm/intacct_wire_txn.py): weeks from 2025-12-15 are
Draft, the four weeks before Submitted, older ones Approved.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recon.intacct.filters import F
from recon.intacct.uncertain import TIMESHEETENTRY_LINK_FIELD, TIMESHEETENTRY_PARENT_KEY
from recon.plan import Change, Plan
from recon.push import PushReport, push
from recon.push.intacct_writer import IntacctWriter
from recon.push.writers import Writer
from recon.sandbox.firm import Firm
from recon.sandbox.firm.intacct_wire_txn import render_transactions
from recon.sandbox.intacct.guesses import TIMESHEET_LOCKED_TEXT
from tests.push.conftest import (
    LOCKED_TIME,
    PUSH_RUN,
    ReviewedRun,
    Systems,
    make_change,
    stored_run,
)

#: The demo's planted time: only in BigTime, of E1016 on Friday 2025-12-19 (a Draft week).
MISSING_ENTRY = "1024824"
#: Planted hours mismatches: 2025-12-15 (a Draft week) and 2025-10-03 (an Approved week).
OPEN_UPDATE, APPROVED_UPDATE = "1024454", "1019231"


def planned(reviewed: ReviewedRun, key: str) -> Change:
    return next(c for c in reviewed.plan.changes if c.entity == "time_entry" and c.key == key)


def entry_like(template: Change, key: str, day: str, hours: str = "1.00") -> Change:
    """A time entry create like ``template``, keyed ``key``, on ``day``."""
    swap = {"entry_id": key, "entry_date": day, "hours": hours}
    fields = [(f.field, None, swap.get(f.field, f.after)) for f in template.fields]
    return make_change("time_entry", key, "create", "intacct", fields)


def sheet_rows(systems: Systems, employee: str) -> list[dict[str, str | None]]:
    """The employee's TIMESHEET rows as the sandbox stores them."""
    rows = systems.intacct.store.find("TIMESHEET", "EMPLOYEEID", employee, limit=10_000)
    return [systems.intacct.store.get("TIMESHEET", recno) or {} for recno in rows]


def sheet_of(systems: Systems, entry_id: str) -> str:
    """The RECORDNO of the timesheet holding the entry, as the sandbox stores it."""
    store = systems.intacct.store
    (recno,) = store.find("TIMESHEETENTRY", TIMESHEETENTRY_LINK_FIELD, entry_id, limit=2)
    entry = store.get("TIMESHEETENTRY", recno) or {}
    return str(entry[TIMESHEETENTRY_PARENT_KEY])


def linked(systems: Systems, entry_id: str) -> int:
    return systems.ia.count("TIMESHEETENTRY", F(TIMESHEETENTRY_LINK_FIELD) == entry_id)


def entries_of(systems: Systems, sheet: str) -> int:
    return systems.ia.count("TIMESHEETENTRY", F(TIMESHEETENTRY_PARENT_KEY) == sheet)


def pushed(
    tmp_path: Path, changes: list[Change], writers: dict[str, Writer], name: str = "db"
) -> PushReport:
    store = stored_run(tmp_path / f"{name}.sqlite3", Plan(PUSH_RUN, tuple(changes)))
    return push(store, PUSH_RUN, writers)


def states(report: PushReport) -> dict[str, str]:
    return {o.change_id: o.state for o in report.outcomes}


def intacct_writes(systems: Systems) -> int:
    counts = systems.intacct.counters.snapshot()
    return sum(counts.get(name, 0) for name in ("create", "update", "delete"))


def test_an_entry_is_added_to_the_staffers_open_sheet_for_that_week(
    systems: Systems, reviewed: ReviewedRun, tmp_path: Path
) -> None:
    change = planned(reviewed, MISSING_ENTRY)
    employee = change.after()["employee_id"] or ""
    (week,) = [r for r in sheet_rows(systems, employee) if r.get("BEGINDATE") == "2025-12-15"]
    assert week["STATE"] == "Draft"
    before = entries_of(systems, str(week["RECORDNO"]))
    sheets = len(sheet_rows(systems, employee))

    report = pushed(tmp_path, [change], {"intacct": IntacctWriter(systems.ia)})

    assert states(report) == {change.change_id: "applied"}
    assert sheet_of(systems, MISSING_ENTRY) == str(week["RECORDNO"])  # the sheet it had
    assert entries_of(systems, str(week["RECORDNO"])) == before + 1  # the others kept
    assert len(sheet_rows(systems, employee)) == sheets  # no sheet of its own
    assert IntacctWriter(systems.ia).current(change) == change.after()


@pytest.mark.parametrize(("week_start", "begin"), [(0, "2026-01-05"), (6, "2026-01-04")])
def test_entries_of_one_staffer_and_week_pushed_together_share_one_new_sheet(
    systems: Systems, reviewed: ReviewedRun, tmp_path: Path, week_start: int, begin: str
) -> None:
    template = planned(reviewed, MISSING_ENTRY)
    employee = template.after()["employee_id"] or ""
    days = ("2026-01-06", "2026-01-07", "2026-01-09")  # Tuesday, Wednesday, Friday
    news = [entry_like(template, f"99000{n}", day) for n, day in enumerate(days)]
    writer = IntacctWriter(systems.ia, week_start=week_start)

    report = pushed(tmp_path, news, {"intacct": writer})

    assert set(states(report).values()) == {"applied"}
    (sheet,) = [r for r in sheet_rows(systems, employee) if str(r["BEGINDATE"]) >= "2026-01-01"]
    assert (sheet["BEGINDATE"], sheet["STATE"]) == (begin, "Draft")
    assert {sheet_of(systems, c.key) for c in news} == {str(sheet["RECORDNO"])}
    assert entries_of(systems, str(sheet["RECORDNO"])) == 3
    assert [linked(systems, c.key) for c in news] == [1, 1, 1]


def test_week_start_must_be_a_weekday_number(systems: Systems) -> None:
    for bad in (7, -1, True, "monday"):
        with pytest.raises(ValueError, match="week_start must be a weekday number"):
            IntacctWriter(systems.ia, week_start=bad)  # type: ignore[arg-type]


def test_a_submitted_or_approved_sheet_is_never_rewritten_review_only(
    systems: Systems, reviewed: ReviewedRun, tmp_path: Path
) -> None:
    missing, approved = planned(reviewed, MISSING_ENTRY), planned(reviewed, APPROVED_UPDATE)
    employee = missing.after()["employee_id"] or ""
    (week,) = [r for r in sheet_rows(systems, employee) if r.get("BEGINDATE") == "2025-12-15"]
    recno = int(str(week["RECORDNO"]))
    systems.intacct.store.update("TIMESHEET", recno, {"STATE": "Submitted"})
    writes = intacct_writes(systems)
    writers: dict[str, Writer] = {"intacct": IntacctWriter(systems.ia)}
    store = stored_run(tmp_path / "db.sqlite3", Plan(PUSH_RUN, (missing, approved)))

    report = push(store, PUSH_RUN, writers)

    assert states(report) == {missing.change_id: "held", approved.change_id: "held"}
    words = {o.change_id: o.message for o in report.outcomes}
    assert "is Submitted" in words[missing.change_id]
    assert "is Approved" in words[approved.change_id]
    for message in words.values():
        assert "Review only" in message and "never rewrites" in message
    assert intacct_writes(systems) == writes  # refused before anything was sent
    assert linked(systems, MISSING_ENTRY) == 0
    assert {i.state for i in store.outbox(PUSH_RUN)} == {"pending"}  # still queued

    # Returned to Draft in Intacct, the sheet takes the entry on the next push.
    systems.intacct.store.update("TIMESHEET", recno, {"STATE": "Draft"})
    again = push(store, PUSH_RUN, writers)
    assert states(again) == {missing.change_id: "applied", approved.change_id: "held"}
    assert sheet_of(systems, MISSING_ENTRY) == str(recno) and linked(systems, MISSING_ENTRY) == 1


def test_an_open_sheets_entry_is_updated_and_a_lost_answer_settles_exactly_once(
    systems: Systems, reviewed: ReviewedRun, tmp_path: Path
) -> None:
    update, missing = planned(reviewed, OPEN_UPDATE), planned(reviewed, MISSING_ENTRY)
    writers: dict[str, Writer] = {"intacct": IntacctWriter(systems.ia)}
    systems.intacct.faults.add("drop", when="after", count=1, only="write")
    store = stored_run(tmp_path / "db.sqlite3", Plan(PUSH_RUN, (update, missing)))

    first = push(store, PUSH_RUN, writers)  # the answer is lost: settled by a resend
    second = push(store, PUSH_RUN, writers)

    assert states(first) == {update.change_id: "applied", missing.change_id: "applied"}
    assert second.outcomes == ()
    assert [linked(systems, k) for k in (OPEN_UPDATE, MISSING_ENTRY)] == [1, 1]
    for change in (update, missing):
        assert writers["intacct"].current(change) == change.after()


def test_the_sandbox_refuses_to_update_a_submitted_sheet(
    systems: Systems, reviewed: ReviewedRun
) -> None:
    """What the writer never sends: the sandbox answers it as Intacct is guessed to."""
    change = planned(reviewed, APPROVED_UPDATE)
    sheet = sheet_of(systems, APPROVED_UPDATE)
    writer = IntacctWriter(systems.ia)
    systems.intacct.store.update("TIMESHEET", int(sheet), {"STATE": "Draft"})
    function = writer.function_for(change, "k-locked")  # built while it was open
    systems.intacct.store.update("TIMESHEET", int(sheet), {"STATE": "Submitted"})

    (result,) = writer.apply_many([(change, function)])

    expected = TIMESHEET_LOCKED_TEXT.format(recordno=sheet, state="Submitted")
    assert result.error is not None and expected in str(result.error)
    assert writer.current(change) != change.after()


def test_the_locked_demo_entries_are_those_on_sheets_that_are_not_drafts(
    firm: Firm, demo_changes: list[Change]
) -> None:
    """conftest.LOCKED_TIME, which other push tests leave out, is what the firm renders."""
    sheets = firm_sheets(firm)
    entries = firm.intacct_view["time_entry"].set_index("entry_id")
    changed = {c.key for c in demo_changes if (c.entity, c.action) == ("time_entry", "update")}
    locked = set()
    for key in changed:
        row = entries.loc[key]
        monday = (row["entry_date"] - pd.Timedelta(days=row["entry_date"].weekday())).date()
        if sheets[row["employee_id"], monday.isoformat()] != "Draft":
            locked.add(key)
    assert locked == set(LOCKED_TIME) and changed - locked  # some updates stay pushable


def firm_sheets(firm: Firm) -> dict[tuple[str, str], str]:
    """(employee, ISO period start) -> state of the demo firm's Intacct timesheets."""
    frames = render_transactions(firm.intacct_view, firm.intacct_detail)
    sheets = frames["TIMESHEET"]
    begins = pd.to_datetime(sheets["BEGINDATE"], format="%m/%d/%Y").dt.date.astype(str)
    return dict(zip(zip(sheets["EMPLOYEEID"], begins, strict=True), sheets["STATE"], strict=True))


@pytest.mark.parametrize("entry", [OPEN_UPDATE, MISSING_ENTRY])
def test_a_write_that_landed_before_its_sheet_was_submitted_settles_as_applied(
    systems: Systems, reviewed: ReviewedRun, tmp_path: Path, entry: str
) -> None:
    """Submitting the sheet later must not turn an applied write into a refusal."""
    change = planned(reviewed, entry)
    writers: dict[str, Writer] = {"intacct": IntacctWriter(systems.ia)}
    store = stored_run(tmp_path / "db.sqlite3", Plan(PUSH_RUN, (change,)))
    systems.intacct.faults.add("drop", when="after", count=2, only="write")  # send + resend

    first = push(store, PUSH_RUN, writers)
    assert states(first) == {change.change_id: "unknown"}
    systems.intacct.store.update("TIMESHEET", int(sheet_of(systems, entry)), {"STATE": "Submitted"})
    second = push(store, PUSH_RUN, writers)

    assert states(second) == {change.change_id: "applied"}
    assert linked(systems, entry) == 1
    assert writers["intacct"].current(change) == change.after()
