"""Expenses pushed to Intacct as expense reports (issue 16), over loopback HTTP.

A BigTime expense missing in Intacct becomes a line of an EEXPENSES report: a new report
when Intacct has none for its BigTime report, else that report with the line added; a
changed expense rewrites its report with every other line as read. Exactly once: a resend
is refused as a replay, and a write whose answer was lost is settled by resending it, never
leaving two lines for one expense.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from recon.errors import ReplayRefusedError, WriteOutcomeUnknown
from recon.intacct.filters import F
from recon.intacct.uncertain import EXPENSE_LINE_PARENT_KEY, EXPENSE_LINK_FIELD
from recon.plan import Change, Plan
from recon.push import push
from recon.push.writers import UnsupportedChange, Writer
from recon.sandbox.firm import Firm
from tests.push.conftest import PUSH_RUN, Systems, make_change, row_fields, stored_run
from tests.push.test_writers import first, key_for


def linked(systems: Systems, expense_id: str) -> list[str]:
    """RECORDNOs of the reports holding a line of this BigTime expense."""
    pages = systems.ia.query(
        "EEXPENSESITEM", ["RECORDNO", EXPENSE_LINE_PARENT_KEY],
        filter=F(EXPENSE_LINK_FIELD) == expense_id,
    )  # fmt: skip
    return [rec.findtext(EXPENSE_LINE_PARENT_KEY) or "" for p in pages for rec in p.records()]


def lines_of(systems: Systems, report: str) -> dict[str, str]:
    """``BigTime expense id -> AMOUNT`` of a report's lines."""
    pages = systems.ia.query(
        "EEXPENSESITEM", [EXPENSE_LINK_FIELD, "AMOUNT"],
        filter=F(EXPENSE_LINE_PARENT_KEY) == report,
    )  # fmt: skip
    return {
        rec.findtext(EXPENSE_LINK_FIELD) or "": rec.findtext("AMOUNT") or ""
        for p in pages
        for rec in p.records()
    }


def reports_numbered(systems: Systems, number: str) -> int:
    return systems.ia.count("EEXPENSES", F("RECORDID") == number)


def new_report_change(firm: Firm) -> Change:
    """A BigTime expense of a report Intacct has never seen: a new expense report."""
    row = firm.bigtime_view["expense"].iloc[0].to_dict()
    fields = [
        (f, None, {"entry_id": "7999001", "report_id": "9999"}.get(f, a))
        for f, _, a in row_fields("expense", row)
    ]
    return make_change("expense", "7999001", "create", "intacct", fields)


def test_a_new_expense_report_is_created_read_back_and_written_once(
    systems: Systems, firm: Firm
) -> None:
    writer, change = systems.intacct_writer(), new_report_change(firm)
    assert writer.current(change) is None
    remote_id = writer.apply(change, key_for(change))
    assert writer.current(change) == change.after()
    assert linked(systems, change.key) == [remote_id]
    assert reports_numbered(systems, "9999") == 1
    with pytest.raises(ReplayRefusedError):  # the same control id never runs twice
        writer.apply(change, key_for(change))
    assert writer.settle(change, key_for(change)) == remote_id
    assert linked(systems, change.key) == [remote_id] and reports_numbered(systems, "9999") == 1


def test_an_expense_of_a_report_intacct_holds_is_added_to_it(
    systems: Systems, demo_changes: list[Change], firm: Firm
) -> None:
    writer = systems.intacct_writer()
    change = first(demo_changes, "expense", "create", "intacct")
    report = change.after()["report_id"]
    assert report and reports_numbered(systems, report) == 1  # the staffer's month, in Intacct
    recordno = _report_recordno(systems, report)
    before = lines_of(systems, recordno)
    assert writer.apply(change, key_for(change)) == recordno
    assert writer.current(change) == change.after()
    assert lines_of(systems, recordno) == {**before, change.key: change.after()["amount"]}
    assert reports_numbered(systems, report) == 1


def test_a_changed_expense_rewrites_its_report_keeping_the_other_lines(
    systems: Systems, demo_changes: list[Change]
) -> None:
    writer = systems.intacct_writer()
    updates = [c for c in demo_changes if (c.entity, c.action) == ("expense", "update")]
    assert {f.field for c in updates for f in c.fields} == {"amount", "project_id", "billable"}
    for change in updates:
        assert writer.current(change) == change.before()
        (report,) = linked(systems, change.key)
        others = {k: v for k, v in lines_of(systems, report).items() if k != change.key}
        writer.apply(change, key_for(change))
        assert writer.current(change) == change.after()
        assert {k: v for k, v in lines_of(systems, report).items() if k != change.key} == others


@pytest.mark.parametrize("when", ["before", "after"])
def test_an_expense_write_whose_answer_was_lost_is_settled_once(
    systems: Systems, firm: Firm, when: str
) -> None:
    writer, change = systems.intacct_writer(), new_report_change(firm)
    systems.intacct.faults.add("drop", when=when, count=1, only="write")
    with pytest.raises(WriteOutcomeUnknown):
        writer.apply(change, key_for(change))
    assert (writer.current(change) == change.after()) is (when == "after")
    remote_id = writer.settle(change, key_for(change))
    assert remote_id and writer.current(change) == change.after()
    assert linked(systems, change.key) == [remote_id] and reports_numbered(systems, "9999") == 1


def test_what_recon_does_not_do_to_an_expense_is_refused_before_sending(
    systems: Systems, demo_changes: list[Change], firm: Firm
) -> None:
    writer = systems.intacct_writer()
    update = next(c for c in demo_changes if (c.entity, c.action) == ("expense", "update"))
    moved = make_change("expense", update.key, "update", "intacct",
                        [("employee_id", "E1001", "E1002")])  # fmt: skip
    gone = replace(update, action="deactivate")
    unsubmitted = new_report_change(firm)
    unsubmitted = replace(unsubmitted, fields=tuple(
        replace(f, after="0") if f.field == "report_id" else f for f in unsubmitted.fields
    ))  # fmt: skip
    for change, words in (
        (moved, "moving an expense to another employee"),
        (gone, "never deactivated"),
        (unsubmitted, "submit it in BigTime"),
    ):
        with pytest.raises(UnsupportedChange, match=words):
            writer.apply(change, key_for(change))
    assert linked(systems, unsubmitted.key) == []


def _report_recordno(systems: Systems, number: str) -> str:
    pages = systems.ia.query("EEXPENSES", ["RECORDNO"], filter=F("RECORDID") == number)
    return next(rec.findtext("RECORDNO") or "" for p in pages for rec in p.records())


def test_two_expenses_of_one_new_report_pushed_together_make_one_report(
    systems: Systems, writers: dict[str, Writer], firm: Firm, tmp_path: Path
) -> None:
    first_change = new_report_change(firm)
    fields = tuple(
        replace(f, after="7999002") if f.field == "entry_id" else f for f in first_change.fields
    )
    second_change = make_change(
        "expense", "7999002", "create", "intacct", [(f.field, f.before, f.after) for f in fields]
    )
    plan = Plan(run_id=PUSH_RUN, changes=(first_change, second_change))
    store = stored_run(tmp_path / "db.sqlite3", plan)

    report = push(store, PUSH_RUN, writers)

    assert {o.state for o in report.outcomes} == {"applied"}
    (one,) = set(linked(systems, first_change.key))
    assert linked(systems, second_change.key) == [one]
    assert reports_numbered(systems, "9999") == 1
    assert set(lines_of(systems, one)) == {"7999001", "7999002"}
