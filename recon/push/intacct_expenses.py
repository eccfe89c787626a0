"""Employee expenses to Intacct: an expense entry from BigTime becomes a line of an
expense report (issue 16), written through :class:`recon.push.intacct_writer.IntacctWriter`.

An expense report is an ``EEXPENSES`` holding its lines as ``EEXPENSESITEMS`` (the object
and every field name are guesses: :mod:`recon.intacct.uncertain`, ``EXPENSE_*``). A line
carries the BigTime expense id in :data:`~recon.intacct.uncertain.EXPENSE_LINK_FIELD`, the
report carries the BigTime report id as its ``RECORDID``:

- create: when Intacct holds no report with the entry's BigTime report id (for the same
  employee), a new report with this one line, in :data:`EXPENSE_REPORT_STATE`; when it does,
  that report updated with its lines as read plus this one (a report's lines, once sent,
  replace the old ones, as an invoice's or a timesheet's do: docs/specs/intacct-xml-api.md
  §4.2, so leaving one out would delete it).
- update: the line's report resent with all its lines as read, the one line changed.
- Moving an entry to another employee or report, and deactivating one, are not done: they
  are refused with what to do instead.

The writer's machinery does the rest: one write function per change whose control id is
the change's idempotency key (``uniqueid=true``), a resend to settle an unknown outcome,
the record read back (:func:`current`) to confirm a replay.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from recon.canonical import ENTITIES
from recon.intacct.filters import F
from recon.intacct.frames import pages_to_frame
from recon.intacct.pull import spec_for
from recon.intacct.uncertain import (
    EXPENSE_LINE_PARENT_KEY,
    EXPENSE_LINK_FIELD,
    EXPENSE_REPORT_STATE,
)
from recon.mapping.common import MappingReport
from recon.mapping.intacct import EXPENSE_LINE, EXPENSE_REPORT, map_expense
from recon.push.writers import (
    UnresolvedReference,
    UnsupportedChange,
    Values,
    afters,
    canonical_values,
    record_label,
    typed,
)

if TYPE_CHECKING:
    from recon.intacct import request as rq
    from recon.intacct.client import IntacctClient
    from recon.plan import Change

ENTITY = "expense"
#: Reads the wire texts of records: ``(object, field, value, fields) -> rows``
#: (:meth:`recon.push.intacct_writer.IntacctWriter._raw`).
RawRead = Callable[[str, str, str, Sequence[str]], list[dict[str, str]]]
Record = dict[str, Any]

#: Line fields a report update resends as read (LINE_NO and TRX_AMOUNT are Intacct's own).
LINE_FIELDS: tuple[str, ...] = (
    "ENTRYDATE", "ACCOUNTLABEL", "AMOUNT", "PROJECTID", "CUSTOMERID", "BILLABLE",
    "NONREIMBURSABLE", "DESCRIPTION", EXPENSE_LINK_FIELD,
)  # fmt: skip
#: Canonical columns the report holds, not the line.
_HEADER_COLUMNS = ("employee_id", "report_id")


def current(client: IntacctClient, change: Change) -> Values | None:
    """The expense's canonical values in Intacct now (its line and its report), or None."""
    line_spec, report_spec = spec_for(EXPENSE_LINE), spec_for(EXPENSE_REPORT)
    wanted = F(EXPENSE_LINK_FIELD) == change.key
    lines = pages_to_frame(
        client.query(EXPENSE_LINE, list(line_spec.fields), filter=wanted),
        EXPENSE_LINE,
        line_spec.fields,
    )
    if lines.empty:
        return None
    parent = str(lines[EXPENSE_LINE_PARENT_KEY].iloc[0])
    reports = pages_to_frame(
        client.query(EXPENSE_REPORT, list(report_spec.fields), filter=F("RECORDNO") == parent),
        EXPENSE_REPORT,
        report_spec.fields,
    )
    frames = {EXPENSE_LINE: lines, EXPENSE_REPORT: reports}
    return canonical_values(map_expense(frames, MappingReport("intacct")), change)


def write(
    change: Change, raw: RawRead, state: str = EXPENSE_REPORT_STATE
) -> tuple[str, str, Record]:
    """``(object, verb, record)`` of the change's write: see the module docstring.

    Raises
    ------
    UnsupportedChange
        A deactivation, a move to another employee or report, or a create without the
        employee, date or report it needs.
    UnresolvedReference
        An update of an expense Intacct does not hold.
    """
    if change.action == "deactivate":
        raise UnsupportedChange(
            f"{record_label(change)}: posted expenses are never deactivated by recon; "
            "reverse the expense report in Intacct if it is wrong"
        )
    if change.action == "create":
        return _create(change, raw, state)
    moved = [c for c in _HEADER_COLUMNS if c in afters(change)]
    if moved:
        raise UnsupportedChange(
            f"{record_label(change)}: moving an expense to another "
            f"{' and '.join(c.removesuffix('_id') for c in moved)} is not done by recon; "
            "correct it in Intacct"
        )
    found = raw(EXPENSE_LINE, EXPENSE_LINK_FIELD, change.key, ("RECORDNO", EXPENSE_LINE_PARENT_KEY))
    if not found or not found[0].get(EXPENSE_LINE_PARENT_KEY):
        raise UnresolvedReference(
            f"Intacct has no expense line with {EXPENSE_LINK_FIELD} {change.key} to update; "
            "pull again and review the plan"
        )
    report = found[0][EXPENSE_LINE_PARENT_KEY]
    lines = [_line_update(row, change) for row in _lines_of(raw, report)]
    return EXPENSE_REPORT, "update", {"RECORDNO": report, "EEXPENSESITEMS": lines}


def locate(raw: RawRead, change: Change) -> str | None:
    """The RECORDNO of the report holding the expense, if Intacct holds it now."""
    found = raw(EXPENSE_LINE, EXPENSE_LINK_FIELD, change.key, (EXPENSE_LINE_PARENT_KEY,))
    return (found[0].get(EXPENSE_LINE_PARENT_KEY) or None) if found else None


def new_report_of(function: rq.Function) -> str | None:
    """``"EEXPENSES new 9031 E1003"`` for the create of a report (else None).

    Two expenses of one BigTime report that Intacct does not hold yet would each build a
    create from the same read: named alike, they go in separate requests
    (:meth:`recon.push.intacct_writer.IntacctWriter.record_of`), and the second, built again
    after the first is sent, finds the report and adds its line to it.
    """
    if function.name != "create" or not len(function.body):
        return None
    record = function.body[0]
    if str(record.tag).upper() != EXPENSE_REPORT:
        return None
    number, employee = (record.findtext(f) or "" for f in ("RECORDID", "EMPLOYEEID"))
    return f"{EXPENSE_REPORT} new {number.strip()} {employee.strip()}"


def _create(change: Change, raw: RawRead, state: str) -> tuple[str, str, Record]:
    values = afters(change)
    employee, day, report = (values.get(c) for c in ("employee_id", "expense_date", "report_id"))
    if not employee or not day or not report or report == "0":
        raise UnsupportedChange(
            f"{record_label(change)}: an expense needs its employee, date and a submitted "
            "BigTime expense report to go on an Intacct expense report; submit it in BigTime"
        )
    line = {EXPENSE_LINK_FIELD: change.key, **_line_fields(change)}
    held = [
        r
        for r in raw(EXPENSE_REPORT, "RECORDID", report, ("RECORDNO", "EMPLOYEEID"))
        if r.get("EMPLOYEEID") == employee
    ]
    if held:  # the BigTime report is in Intacct already: add the line to it
        recordno = held[0]["RECORDNO"]
        lines = [_as_read(row) for row in _lines_of(raw, recordno)]
        return EXPENSE_REPORT, "update", {"RECORDNO": recordno, "EEXPENSESITEMS": [*lines, line]}
    header = {
        "RECORDID": report,
        "EMPLOYEEID": employee,
        "WHENCREATED": typed("date", day),
        "STATE": state,
        "DESCRIPTION": f"BigTime expense report {report}",
        "EEXPENSESITEMS": [line],
    }
    return EXPENSE_REPORT, "create", header


def _lines_of(raw: RawRead, report: str) -> list[dict[str, str]]:
    rows = raw(EXPENSE_LINE, EXPENSE_LINE_PARENT_KEY, report, ("RECORDNO", "LINE_NO", *LINE_FIELDS))
    return sorted(rows, key=lambda r: int(r.get("LINE_NO") or 0))


def _as_read(row: dict[str, str]) -> Record:
    return {f: row[f] for f in LINE_FIELDS if row.get(f)}


def _line_fields(change: Change, *, keep_none: bool = False) -> Record:
    """``line field -> typed after`` of the change's line columns."""
    spec = ENTITIES[ENTITY]
    out: Record = {}
    for f in change.fields:
        if f.field in (spec.key, *_HEADER_COLUMNS) or (f.after is None and not keep_none):
            continue
        col = spec.col(f.field)
        out[col.intacct] = typed(col.kind, f.after)
    return out


def _line_update(row: dict[str, str], change: Change) -> Record:
    """One line of a report update: as read, or with the change applied if it is the one."""
    line = _as_read(row)
    if row.get(EXPENSE_LINK_FIELD) != change.key:
        return line
    for name, value in _line_fields(change, keep_none=True).items():
        if value is None:
            line.pop(name, None)  # the lines are replaced: an absent field is cleared
        else:
            line[name] = value
    return line
