"""Apply changes to Intacct: generic ``create``/``update`` with the change's idempotency key.

Every write is ONE function whose control id is the change's idempotency key, sent with
``uniqueid=true`` (:meth:`recon.intacct.client.IntacctClient.execute_writes`): Intacct
refuses to run a control id twice, so a resend can never apply a change twice, and settling
a write of unknown outcome is a resend (:meth:`IntacctWriter.settle`).

Batches: several changes' functions go in one request with ``transaction="false"``
(:meth:`IntacctWriter.apply_many`): each function runs on its own and answers with its own
result, matched by its control id (spec §2.4, function level; §4.5), so each change keeps
its own outcome, and a batch is settled by resending it whole (:meth:`IntacctWriter.settle_many`):
the functions that ran before are refused as replays, the others run now.

What each entity becomes on the wire
------------------------------------
- Master data (customer, project, employee and the reference lists): the object of
  :data:`recon.canonical.ENTITIES` with the ``Col.intacct`` fields (dotted names nest).
  Create sends the natural id and the change's values; update and deactivate send the
  natural id and the changed fields only (deactivate: ``STATUS`` inactive; an empty element
  clears a value, spec §4.2). A create also sends what Intacct requires and the canonical
  model does not hold: a project's :data:`PROJECT_CATEGORY`, an employee's contact name.
- Time entry: an entry of the staffer's weekly ``TIMESHEET`` (``TIMESHEETENTRIES``), carrying
  the BigTime entry id in :data:`~recon.intacct.uncertain.TIMESHEETENTRY_LINK_FIELD`. A
  create goes into the employee's timesheet whose period holds the entry's date: a new one
  (:data:`TIMESHEET_STATE`, from the week start ``week_start``) when there is none, else an
  update of that sheet with all its entries as read plus this one. An update sends the
  entry's timesheet with all its entries as read, the one entry changed: Intacct's TIMESHEET
  update replaces the whole timesheet (spec §4.2), so leaving an entry out would delete it.
  A sheet no longer open (:data:`~recon.intacct.uncertain.TIMESHEET_OPEN_STATES`: a
  submitted or approved one) is never rewritten: the change is refused before sending as
  :class:`TimesheetLocked` (review only, with the reason; the push reports it held and
  keeps it queued). Several entries of one staffer and week pushed together share the
  sheet: :meth:`IntacctWriter.record_of` names a new sheet by employee and week, so the
  push loop sends the create before building the next entry, which then adds to it.
- Invoice: an ``ARINVOICE`` with ``ARINVOICEITEMS``. The canonical invoice holds its total,
  not its lines: a create posts one line of the total to :data:`INVOICE_LINE_ACCOUNT`; an
  update of the total resends the lines as they are plus one adjustment line of the
  difference (lines, once replaced, are a full replace too).

Remote ids: the RECORDNO of the record written -- for a time entry, of its timesheet.

Citations: "spec §N" and "§N" are docs/specs/intacct-xml-api.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from recon.canonical import ENTITIES
from recon.errors import ConfigError, OutcomeUnconfirmed, ReconError, ReplayRefusedError
from recon.intacct import request as rq
from recon.intacct import schema
from recon.intacct.extract import Skip, page_columns
from recon.intacct.filters import F, Filter
from recon.intacct.frames import pages_to_frame
from recon.intacct.pull import spec_for
from recon.intacct.uncertain import (
    TIMESHEET_OPEN_STATES,
    TIMESHEETENTRY_LINK_FIELD,
    TIMESHEETENTRY_PARENT_KEY,
)
from recon.mapping.common import MappingReport
from recon.mapping.intacct import map_entity
from recon.push import intacct_expenses
from recon.push.writers import (
    ChangeResult,
    ReviewOnly,
    System,
    UnresolvedReference,
    UnsupportedChange,
    Values,
    Write,
    afters,
    canonical_values,
    check_pushable,
    differing,
    record_label,
    typed,
)

if TYPE_CHECKING:
    from recon.intacct.client import IntacctClient
    from recon.plan import Change

log = logging.getLogger("recon.push")

# --- choices the spec leaves open (UNCERTAIN): correct them here ---------------------------
#: Spec §5 PROJECT: create requires PROJECTCATEGORY; "Contract" is the value seen (client
#: work). A project pushed from BigTime is client work; other categories are company setup.
PROJECT_CATEGORY = "Contract"
#: Spec §5 EMPLOYEE: reads and queries name the contact ``CONTACT.*``, writes ``PERSONALINFO``.
EMPLOYEE_CONTACT_READ, EMPLOYEE_CONTACT_WRITE = "CONTACT.", "PERSONALINFO."
#: Spec §5 TIMESHEET: generic create takes Draft or Submitted (default Draft). A new weekly
#: sheet stays Draft: the staffer's later entries of that week (this push or the next) are
#: added to it, which a submitted sheet refuses; the firm submits it in Intacct when the
#: week is complete.
TIMESHEET_STATE = "Draft"
#: First day of a timesheet period (``date.weekday()``: Monday = 0), the company's setting.
TIMESHEET_WEEK_START = 0
#: GL account the line of a pushed invoice posts to (revenue): a firm setting; this is the
#: demo firm's. Pass ``invoice_account=`` for a real company.
INVOICE_LINE_ACCOUNT = "4000"
INVOICE_ADJUSTMENT_TEXT = "Adjustment to the invoice total in BigTime (recon)"

#: Fields of a TIMESHEETENTRY that a timesheet update resends as read (spec §5 TIMESHEET):
#: employee and state come from the timesheet, RECORDNO and the parent key are the server's.
ENTRY_FIELDS: tuple[str, ...] = (
    "LINENO", "ENTRYDATE", "QTY", "PROJECTID", "TASKKEY", "TASKID", "CUSTOMERID", "ITEMID",
    "TIMETYPE", "BILLABLE", "DESCRIPTION", "NOTES", "DEPARTMENTID", "LOCATIONID", "CLASSID",
    "EXTBILLRATE", "EXTCOSTRATE", TIMESHEETENTRY_LINK_FIELD,
)  # fmt: skip
#: Fields of an ARINVOICEITEM an invoice update resends as read (TRX_AMOUNT, TOTALPAID and
#: LINE_NO are derived by Intacct from the lines sent).
INVOICE_LINE_FIELDS: tuple[str, ...] = (
    "ACCOUNTNO", "ACCOUNTLABEL", "AMOUNT", "ENTRYDESCRIPTION", "DEPARTMENTID", "LOCATIONID",
    "PROJECTID", "CUSTOMERID", "EMPLOYEEID", "ITEMID", "CLASSID", "TASKID",
)  # fmt: skip
#: UNCERTAIN (spec §6: no limit on functions per request is published; a request runs
#: synchronously and is cut after ~15 min, HTTP 524): the most write functions one
#: :meth:`IntacctWriter.apply_many` request carries.
MAX_FUNCTIONS_PER_REQUEST = 100
_TRANSACTIONS = ("time_entry", "invoice")
#: Entities with no Intacct write here: payments are Intacct's own (never pushed to it).
_NOT_WRITABLE = ("payment",)
#: Stale-guard reads want every field they select, as it is named on the wire.
_NO_SKIP = Skip(frozenset(), frozenset())

Record = dict[str, Any]


class TimesheetLocked(ReviewOnly):
    """The time entry's Intacct timesheet is submitted or approved: recon never rewrites
    it; the change is for review only (the message says which sheet and what to do)."""


@dataclass(frozen=True)
class _Sheet:
    """One Intacct timesheet as read: its key, employee, period start, state and entries
    (wire texts, in line order)."""

    recordno: str
    employee: str
    begin: str
    state: str
    entries: tuple[dict[str, str], ...]


class IntacctWriter:
    """Applies changes to one Intacct company through ``client``.

    Parameters
    ----------
    client:
        A signed-in (or sign-in capable) :class:`~recon.intacct.client.IntacctClient`.
    project_category, timesheet_state, invoice_account:
        Company settings a create needs (defaults: :data:`PROJECT_CATEGORY`,
        :data:`TIMESHEET_STATE`, :data:`INVOICE_LINE_ACCOUNT`).
    invoice_item:
        The ITEMID a pushed invoice's line carries (``None``, the default: none, as the
        line posts to ``invoice_account`` alone).
    adjustment_account:
        The GL account an adjustment of an invoice total posts to (default
        :data:`INVOICE_LINE_ACCOUNT`, as before it could be set apart).
    week_start:
        The weekday a new timesheet's period begins on (``date.weekday()``: Monday = 0,
        the default :data:`TIMESHEET_WEEK_START`).
    """

    system: System = "intacct"

    def __init__(
        self,
        client: IntacctClient,
        *,
        project_category: str = PROJECT_CATEGORY,
        timesheet_state: str = TIMESHEET_STATE,
        invoice_account: str = INVOICE_LINE_ACCOUNT,
        week_start: int = TIMESHEET_WEEK_START,
        invoice_item: str | None = None,
        adjustment_account: str = INVOICE_LINE_ACCOUNT,
    ) -> None:
        if isinstance(week_start, bool) or week_start not in range(7):
            raise ConfigError(
                f"week_start must be a weekday number, 0 (Monday) to 6 (Sunday); got {week_start!r}"
            )
        self.client = client
        self.project_category = project_category
        self.timesheet_state = timesheet_state
        self.invoice_account = invoice_account
        self.week_start = week_start
        self.invoice_item = invoice_item
        self.adjustment_account = adjustment_account

    def __repr__(self) -> str:
        return f"IntacctWriter({self.client!r})"

    # --- the Writer protocol --------------------------------------------------------------

    def current(self, change: Change) -> Values | None:
        """The Intacct record's canonical values for ``change.fields``, read now.

        The record is queried by its key field and mapped exactly as a pull is
        (:func:`recon.mapping.intacct.map_entity`), so the values compare with the plan's.
        ``None`` when Intacct has no such record.
        """
        _check_entity(change)
        if change.entity == intacct_expenses.ENTITY:  # a line and its report (issue 16)
            return intacct_expenses.current(self.client, change)
        obj = ENTITIES[change.entity].intacct_object
        fields = spec_for(obj).fields
        wanted = F(_key_field(change.entity)) == change.key
        pages = self.client.query(obj, list(fields), filter=wanted)
        frame = pages_to_frame(pages, obj, fields)
        canonical = map_entity(change.entity, {obj: frame}, MappingReport("intacct"))
        return canonical_values(canonical, change)

    def apply(self, change: Change, idem_key: str) -> str:
        """Send the change as one write function with control id ``idem_key``.

        Returns the RECORDNO written (a time entry's: its timesheet's; ``""`` if it could
        not be read).

        Raises
        ------
        recon.errors.WriteOutcomeUnknown
            No usable answer: call :meth:`settle` with the same ``idem_key``.
        recon.errors.ReplayRefusedError
            ``idem_key`` was applied before (so was this change).
        recon.errors.FunctionError
            Intacct refused the write; the message carries Intacct's error text.
        UnsupportedChange, UnresolvedReference
            Refused before sending (see the messages).
        """
        function = self.function_for(change, idem_key)
        (result,) = self.apply_many([(change, function)])
        return result.unwrap() or ""

    def settle(self, change: Change, idem_key: str) -> str | None:
        """Resend with the same control id: a replay refusal the record confirms means it
        was applied (:meth:`settle_many`).

        Returns the remote id: either the first send was applied (Intacct refuses the resend
        as a replay and the record shows the change) or this resend applied it -- so never
        ``None``. An empty string when it was applied but its id could not be read. Raises
        as :meth:`apply` does otherwise: :class:`~recon.errors.WriteOutcomeUnknown` again
        (settle later), :class:`~recon.errors.OutcomeUnconfirmed` (a replay the record does
        not show: still in doubt), or a definite refusal (nothing was applied).
        """
        function = self.function_for(change, idem_key)
        (result,) = self.settle_many([(change, function)])
        return result.unwrap()

    # --- batches ------------------------------------------------------------------------

    def function_for(self, change: Change, idem_key: str) -> rq.Function:
        """The change's write function with control id ``idem_key``; nothing is sent.

        An update of a time entry or an invoice reads what it resends (the timesheet's
        entries, the invoice's lines), so build it just before sending.

        Raises
        ------
        UnsupportedChange, UnresolvedReference
            Recon cannot write this change to Intacct (see the messages).
        recon.errors.ReconError
            A read the write needs failed; nothing was sent.
        """
        obj, verb, record = self._write_for(change)
        build = rq.create if verb == "create" else rq.update
        return build(obj, [record], idem_key)

    @staticmethod
    def record_of(function: rq.Function) -> str | None:
        """``"TIMESHEET 42"``: the record a function rewrites (``None``: a create of a record
        no other write touches).

        An update was built from the record as read, and a TIMESHEET's entries or an
        invoice's lines are replaced whole (spec §4.2): a second update of the same record
        built from the same read would undo the first, so the two must not share a request.
        A new timesheet is named by employee and period start (``"TIMESHEET E1 2025-03-03"``):
        a second entry of that week is built after the create is sent, as an addition to
        the sheet it made, never as a second sheet of the same week.
        """
        report = intacct_expenses.new_report_of(function)  # issue 16: one report per BigTime one
        if report is not None:
            return report
        if not len(function.body):
            return None
        record = function.body[0]
        obj = str(record.tag).upper()
        if function.name == "create":
            if obj != "TIMESHEET":
                return None
            employee, begin = record.findtext("EMPLOYEEID"), record.findtext("BEGINDATE")
            return f"TIMESHEET {(employee or '').strip()} {(begin or '').strip()}"
        if function.name != "update":
            return None
        known = schema.OBJECTS.get(obj)
        key = record.findtext("RECORDNO") or (record.findtext(known.id_field) if known else "")
        return f"{obj} {(key or '').strip()}"

    def apply_many(self, writes: Sequence[Write]) -> list[ChangeResult]:
        """Send the writes in one request (``transaction="false"``); a result per write.

        Each function runs on its own (spec §2.4): one refused does not stop the others.
        A write whose function failed carries the error :meth:`apply` would raise for it
        (:class:`~recon.errors.ReplayRefusedError` when its control id ran before).

        Raises
        ------
        recon.errors.WriteOutcomeUnknown, recon.errors.RateLimitedError, ...
            For the request as a whole, as :meth:`apply` (then every write shares it).
        """
        if not writes:
            return []
        if len(writes) > MAX_FUNCTIONS_PER_REQUEST:
            raise ConfigError(
                f"{len(writes)} writes in one Intacct request; at most "
                f"{MAX_FUNCTIONS_PER_REQUEST} are sent together"
            )
        results = self.client.execute_writes([function for _, function in writes])
        out: list[ChangeResult] = []
        for (change, function), result in zip(writes, results, strict=True):
            try:
                result.raise_for_status()
            except ReconError as exc:
                out.append(ChangeResult(change.change_id, error=exc))
                continue
            log.info("Intacct %s %s: %s (control id %s)", result.function, result.object,
                     record_label(change), function.controlid)  # fmt: skip
            recordno = result.records[0][0] if result.records else ""
            out.append(ChangeResult(change.change_id, recordno or self._located(change)))
        return out

    def settle_many(self, writes: Sequence[Write]) -> list[ChangeResult]:
        """Resend the writes with their control ids; a replay refusal, confirmed by the
        record, means applied.

        A replay refusal says the control id ran before (spec §4.5), but how Intacct words
        it is UNCERTAIN (:mod:`recon.intacct.uncertain`), so it is not taken alone: the
        record is read back and must show every value the change writes, compared exactly
        as the diff compares them (:meth:`_confirmed`). Each applied write's result holds
        its remote id; the others hold the refusal of this resend (nothing of theirs was
        applied), why the record could not be read, or an
        :class:`~recon.errors.OutcomeUnconfirmed` naming what the record holds instead.
        Raises as :meth:`apply_many` for the request.
        """
        out: list[ChangeResult] = []
        for (change, function), result in zip(writes, self.apply_many(writes), strict=True):
            if isinstance(result.error, ReplayRefusedError):
                log.info("Intacct: control id %s ran before: %s", function.controlid,
                         record_label(change))  # fmt: skip
                try:
                    result = self._confirmed(change, function.controlid)
                except ReconError as exc:  # ran, but unread: settle it again later
                    result = ChangeResult(change.change_id, error=exc)
            out.append(result)
        return out

    def _confirmed(self, change: Change, controlid: str) -> ChangeResult:
        """The result of a change whose control id ran before: applied if the record shows
        it, else in doubt with what the record holds."""
        rest = differing(change, self.current(change))
        if not rest:
            return ChangeResult(change.change_id, self._locate(change) or "")
        return ChangeResult(change.change_id, error=OutcomeUnconfirmed(
            f"Intacct refused to run control id {controlid} again because it already ran, "
            f"but {record_label(change)} does not show the change now "
            f"({', '.join(map(change.field_label, rest))} differ)"
        ))  # fmt: skip

    # --- building the write ---------------------------------------------------------------

    def _write_for(self, change: Change) -> tuple[str, str, Record]:
        _check_entity(change)
        check_pushable(change, self.system)
        if change.action not in ("create", "update", "deactivate"):
            raise UnsupportedChange(f"unknown action {change.action!r} for {record_label(change)}")
        if change.entity == "time_entry":
            return self._timesheet(change)
        if change.entity == "invoice":
            return self._invoice(change)
        if change.entity == intacct_expenses.ENTITY:
            return intacct_expenses.write(change, self._raw)
        return self._master(change)

    def _master(self, change: Change) -> tuple[str, str, Record]:
        spec = ENTITIES[change.entity]
        obj, key_field = spec.intacct_object, _key_field(change.entity)
        record: Record = {key_field: change.key}
        for f in change.fields:
            if f.field == spec.key or (change.action == "create" and f.after is None):
                continue
            col = spec.col(f.field)
            record[_write_name(obj, col.intacct)] = typed(col.kind, f.after)
        if change.action != "create":
            return obj, "update", record
        return obj, "create", record | self._create_defaults(obj, change)

    def _create_defaults(self, obj: str, change: Change) -> Record:
        """What Intacct requires on create that no canonical column holds (spec §5)."""
        if obj == "PROJECT":
            return {"PROJECTCATEGORY": self.project_category}
        if obj == "EMPLOYEE":
            values = afters(change)
            parts = [values.get("first_name"), values.get("last_name")]
            name = " ".join(p for p in parts if p) or change.key
            return {EMPLOYEE_CONTACT_WRITE + "CONTACTNAME": name}
        return {}

    def _timesheet(self, change: Change) -> tuple[str, str, Record]:
        values = afters(change)
        if change.action == "create":
            return self._timesheet_entry_added(change, values)
        _no_deactivate(change)
        if "employee_id" in values:
            raise UnsupportedChange(
                f"{record_label(change)}: moving a time entry to another employee's "
                "timesheet is not done by recon; correct it in Intacct"
            )
        sheet = self._sheet_of(change)
        if sheet.state not in TIMESHEET_OPEN_STATES and not differing(change, self.current(change)):
            # Settling an update that landed before the sheet was submitted: the resend
            # is refused as a replay and the record confirms it (never a refusal now).
            entries = [_entry_update(row, change) for row in sheet.entries]
            return "TIMESHEET", "update", {"RECORDNO": sheet.recordno, "TIMESHEETENTRIES": entries}
        self._check_open(change, sheet, has_entry=False)
        entries = [_entry_update(row, change) for row in sheet.entries]
        return "TIMESHEET", "update", {"RECORDNO": sheet.recordno, "TIMESHEETENTRIES": entries}

    def _timesheet_entry_added(self, change: Change, values: Values) -> tuple[str, str, Record]:
        """A new entry: into the employee's sheet whose period holds its date, or a new sheet."""
        employee, day = values.get("employee_id"), values.get("entry_date")
        if not employee or not day:
            raise UnsupportedChange(
                f"{record_label(change)}: a time entry needs its employee and date to go "
                "on an Intacct timesheet"
            )
        entry = {TIMESHEETENTRY_LINK_FIELD: change.key}
        entry |= _fields(change, skip=("entry_id", "employee_id"))
        sheet = self._sheet_holding(employee, typed("date", day))
        if sheet is None:
            new = {
                "EMPLOYEEID": employee,
                "BEGINDATE": _period_start(typed("date", day), self.week_start),
                "STATE": self.timesheet_state,
                "TIMESHEETENTRIES": [entry],
            }
            return "TIMESHEET", "create", new
        # Settling a create that landed finds its entry on the sheet: the update then
        # rewrites it to the same values, and the control id decides (a replay if it ran).
        present = any(r.get(TIMESHEETENTRY_LINK_FIELD) == change.key for r in sheet.entries)
        self._check_open(change, sheet, has_entry=present)
        entries = [_entry_update(row, change) for row in sheet.entries]
        if not present:
            entries.append(entry)
        return "TIMESHEET", "update", {"RECORDNO": sheet.recordno, "TIMESHEETENTRIES": entries}

    def _check_open(self, change: Change, sheet: _Sheet, *, has_entry: bool) -> None:
        """Refuse to rewrite a timesheet that is no longer open (submitted, approved ...).

        A create being settled whose entry is on the sheet already is let through: its
        resend is refused as a replay when its first send ran, and a sheet submitted since
        must not turn an applied write into a refusal.
        """
        if sheet.state in TIMESHEET_OPEN_STATES or has_entry:
            return
        raise TimesheetLocked(
            f"{record_label(change)}: its Intacct timesheet (record {sheet.recordno}, "
            f"{sheet.employee}, from {sheet.begin}) is {sheet.state}, and recon never rewrites "
            "a timesheet that is not a Draft. Review only: make the change in Intacct (or "
            "have the sheet returned to Draft there), then run a new reconciliation"
        )

    def _sheet_holding(self, employee: str, day: dt.date) -> _Sheet | None:
        """The employee's timesheet whose period holds ``day``, with its entries (or None)."""
        fields = ("RECORDNO", "EMPLOYEEID", "BEGINDATE", "ENDDATE", "STATE")
        wanted = (F("EMPLOYEEID") == employee) & (F("BEGINDATE") <= day) & (F("ENDDATE") >= day)
        found = self._rows("TIMESHEET", wanted, fields)
        if not found:
            return None
        found.sort(key=_line_order("RECORDNO"))  # two sheets of one week: the first made
        return self._sheet(found[0])

    def _sheet_of(self, change: Change) -> _Sheet:
        """The entry's timesheet and all that timesheet's entries, as read."""
        found = self._raw("TIMESHEETENTRY", TIMESHEETENTRY_LINK_FIELD, change.key,
                          ("RECORDNO", TIMESHEETENTRY_PARENT_KEY))  # fmt: skip
        if not found or not found[0].get(TIMESHEETENTRY_PARENT_KEY):
            raise UnresolvedReference(
                f"Intacct has no timesheet entry with {TIMESHEETENTRY_LINK_FIELD} "
                f"{change.key} to update; pull again and review the plan"
            )
        key = found[0][TIMESHEETENTRY_PARENT_KEY]
        fields = ("RECORDNO", "EMPLOYEEID", "BEGINDATE", "STATE")
        sheets = self._raw("TIMESHEET", "RECORDNO", key, fields)
        if not sheets:
            raise UnresolvedReference(
                f"Intacct has no timesheet {key} holding {record_label(change)}; pull again "
                "and review the plan"
            )
        return self._sheet(sheets[0])

    def _sheet(self, row: dict[str, str]) -> _Sheet:
        fields = ("RECORDNO", *ENTRY_FIELDS)
        lines = self._raw("TIMESHEETENTRY", TIMESHEETENTRY_PARENT_KEY, row["RECORDNO"], fields)
        return _Sheet(
            recordno=row["RECORDNO"],
            employee=row.get("EMPLOYEEID", ""),
            begin=row.get("BEGINDATE", ""),
            state=(row.get("STATE") or "").strip(),
            entries=tuple(sorted(lines, key=_line_order("LINENO"))),
        )

    def _invoice(self, change: Change) -> tuple[str, str, Record]:
        values = afters(change)
        header = _fields(change, skip=("invoice_no", "total"), keep_none=change.action != "create")
        total = values.get("total")
        if change.action == "create":
            record: Record = {"RECORDID": change.key, **header}
            if total is not None:
                record["ARINVOICEITEMS"] = [self._invoice_line(Decimal(total))]
            return "ARINVOICE", "create", record
        _no_deactivate(change)
        recordno = self._recordno("ARINVOICE", "RECORDID", change.key)
        if recordno is None:
            raise UnresolvedReference(
                f"Intacct has no invoice {change.key} to update; pull again and review the plan"
            )
        record = {"RECORDNO": recordno, **header}
        if "total" in values:
            record["ARINVOICEITEMS"] = self._invoice_lines(change, recordno, total)
        return "ARINVOICE", "update", record

    def _invoice_lines(self, change: Change, recordno: str, total: str | None) -> list[Record]:
        """The invoice's lines as they are, plus one line of the difference to ``total``."""
        if total is None:
            raise UnsupportedChange(f"{record_label(change)}: an invoice total cannot be cleared")
        rows = self._raw("ARINVOICEITEM", "RECORDKEY", recordno, ("RECORDNO", "LINE_NO",
                         *INVOICE_LINE_FIELDS))  # fmt: skip
        rows.sort(key=_line_order("LINE_NO"))
        lines: list[Record] = [{f: r[f] for f in INVOICE_LINE_FIELDS if r.get(f)} for r in rows]
        delta = Decimal(total) - sum((Decimal(r.get("AMOUNT") or 0) for r in rows), Decimal(0))
        if delta:
            adjustment = {"ACCOUNTNO": self.adjustment_account, "AMOUNT": delta}
            lines.append(adjustment | {"ENTRYDESCRIPTION": INVOICE_ADJUSTMENT_TEXT})
        return lines

    def _invoice_line(self, amount: Decimal) -> Record:
        line: Record = {"ACCOUNTNO": self.invoice_account, "AMOUNT": amount}
        return line | ({"ITEMID": self.invoice_item} if self.invoice_item else {})

    # --- reads ----------------------------------------------------------------------------

    def _raw(self, obj: str, field: str, value: str, fields: Sequence[str]) -> list[dict[str, str]]:
        """Records of ``obj`` whose ``field`` is ``value``: wire texts by field name.

        Resent as read, values keep Intacct's own wire form (dates ``MM/DD/YYYY``) and
        their spacing: a timesheet update resends the entries it is not about, and trimming
        them would change them.
        """
        return self._rows(obj, F(field) == value, fields)

    def _rows(self, obj: str, wanted: Filter, fields: Sequence[str]) -> list[dict[str, str]]:
        """Records of ``obj`` that ``wanted`` selects: wire texts by field name (:meth:`_raw`)."""
        rows: list[dict[str, str]] = []
        for page in self.client.query(obj, list(fields), filter=wanted):
            # The page's columns as the pull reads them (recon.intacct.extract).
            columns, count = page_columns(page, _NO_SKIP)
            texts = {name: values.to_pylist() for name, values in columns.items()}
            rows += ({n: t[i] or "" for n, t in texts.items()} for i in range(count))
        return rows

    def _recordno(self, obj: str, field: str, value: str) -> str | None:
        rows = self._raw(obj, field, value, ("RECORDNO",))
        return rows[0]["RECORDNO"] if rows and rows[0].get("RECORDNO") else None

    def _located(self, change: Change) -> str:
        """The remote id of a record just written whose answer named none (``""`` if the
        read fails: the write is applied all the same)."""
        try:
            return self._locate(change) or ""
        except ReconError as exc:
            log.warning("Intacct: %s written, but reading its id failed: %s",
                        record_label(change), exc)  # fmt: skip
            return ""

    def _locate(self, change: Change) -> str | None:
        """The remote id of the record ``change`` writes, if it exists now."""
        if change.entity == "time_entry":
            found = self._raw("TIMESHEETENTRY", TIMESHEETENTRY_LINK_FIELD, change.key,
                              ("RECORDNO", TIMESHEETENTRY_PARENT_KEY))  # fmt: skip
            return (found[0].get(TIMESHEETENTRY_PARENT_KEY) or None) if found else None
        if change.entity == intacct_expenses.ENTITY:
            return intacct_expenses.locate(self._raw, change)
        obj = ENTITIES[change.entity].intacct_object
        return self._recordno(obj, _key_field(change.entity), change.key)


# --- helpers ----------------------------------------------------------------------------


def _check_entity(change: Change) -> None:
    if change.entity not in ENTITIES or change.entity in _NOT_WRITABLE:
        raise UnsupportedChange(
            f"recon does not write {change.entity!r} records to Intacct ({record_label(change)}); "
            "record it in Intacct by hand"
        )


def _no_deactivate(change: Change) -> None:
    if change.action == "deactivate":
        raise UnsupportedChange(
            f"{record_label(change)}: posted time and invoices are never deactivated by recon; "
            "reverse them in Intacct if they are wrong"
        )


def _key_field(entity: str) -> str:
    """The Intacct field holding the canonical key (time entries: the BigTime link field)."""
    if entity == "time_entry":
        return TIMESHEETENTRY_LINK_FIELD
    spec = ENTITIES[entity]
    return spec.col(spec.key).intacct


def _write_name(obj: str, field: str) -> str:
    """The field's name in a write (an employee's contact is PERSONALINFO there)."""
    if obj == "EMPLOYEE" and field.startswith(EMPLOYEE_CONTACT_READ):
        return EMPLOYEE_CONTACT_WRITE + field.removeprefix(EMPLOYEE_CONTACT_READ)
    return field


def _fields(change: Change, skip: Iterable[str], *, keep_none: bool = False) -> Record:
    """``Col.intacct -> typed after`` of the change's fields (missing afters left out,
    unless ``keep_none``: then they clear the field)."""
    spec, skipped = ENTITIES[change.entity], set(skip)
    out: Record = {}
    for f in change.fields:
        if f.field in skipped or (f.after is None and not keep_none):
            continue
        col = spec.col(f.field)
        out[col.intacct] = typed(col.kind, f.after)
    return out


def _entry_update(row: dict[str, str], change: Change) -> Record:
    """One entry of a timesheet update: as read, or with the change applied if it is the one."""
    entry: Record = {f: row[f] for f in ENTRY_FIELDS if row.get(f)}
    if entry.get("TASKKEY") and entry.get("TASKID"):
        del entry["TASKKEY"]  # spec §5: an entry names its task by TASKKEY or TASKID, not both
    if row.get(TIMESHEETENTRY_LINK_FIELD) != change.key:
        return entry
    for name, value in _fields(change, skip=("entry_id", "employee_id"), keep_none=True).items():
        if value is None:
            entry.pop(name, None)  # the timesheet is replaced: an absent field is cleared
        else:
            entry[name] = value
    return entry


def _period_start(day: dt.date, week_start: int) -> dt.date:
    """The first day of the week holding ``day``, weeks starting on weekday ``week_start``."""
    return day - dt.timedelta(days=(day.weekday() - week_start) % 7)


def _line_order(number_field: str) -> Any:
    def order(row: dict[str, str]) -> tuple[int, int]:
        number, recordno = row.get(number_field) or "0", row.get("RECORDNO") or "0"
        return (int(number) if number.isdigit() else 0, int(recordno) if recordno.isdigit() else 0)

    return order
