"""Object-specific write rules: timesheets, AR invoices, AR payments
(docs/specs/intacct-xml-api.md §5).

The generic write path (``writes``) validates field values and references; these rules add
what each document needs: defaults, line requirements, computed totals, and applying
payments to invoices. Each hook may raise :class:`FunctionFailure`; the caller's savepoint
then undoes everything the record did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from recon.sandbox.intacct import catalogue, failures, guesses
from recon.sandbox.intacct.failures import FunctionFailure
from recon.sandbox.intacct.recordio import Row
from recon.sandbox.intacct.store import IntacctStore

_ZERO = Decimal("0.00")
_ENTRY_PARENT_KEY = guesses.TIMESHEETENTRY_PARENT_KEY


@dataclass
class Writer:
    """What rules need: the store and "now" in storage form."""

    store: IntacctStore
    now: str  # YYYY-MM-DD HH:MM:SS


class Rules:
    """No extra rules (master data)."""

    #: Fields the server computes; values sent by a client are dropped.
    computed: tuple[str, ...] = ()

    def prepare(
        self,
        w: Writer,
        row: Row,
        lines: list[Row] | None,
        current: Row | None,
        extra: dict[str, str],
    ) -> None:
        for name in self.computed:
            row.pop(name, None)

    def after_lines(self, w: Writer, recno: int, merged: Row, lines: list[Row]) -> None:
        """Lines were saved (create, or update that replaced them)."""

    def after_update(self, w: Writer, recno: int, merged: Row, lines_replaced: bool) -> None:
        """A header update was saved."""

    def before_lines_removed(self, w: Writer, recno: int, old_lines: list[Row]) -> None:
        """Old lines are about to be deleted (update replacing them, or delete)."""


def _require_lines(lines: list[Row] | None, current: Row | None, key: str) -> None:
    """A document is created with lines, and an update that sends lines sends some."""
    if (current is None or lines is not None) and not lines:
        raise FunctionFailure(failures.missing_required(key))


def _set_state(row: Row, current: Row | None, default: str, allowed: tuple[str, ...]) -> None:
    """On create (or when sent): ``STATE`` one of ``allowed``, ``default`` when none."""
    if current is None or "STATE" in row:
        state = row.get("STATE") or default
        if state not in allowed:
            raise FunctionFailure(failures.invalid_value("STATE", state, " or ".join(allowed)))
        row["STATE"] = state


def _money(v: str | None) -> Decimal:
    return Decimal(v) if v else _ZERO


def _cents(v: Decimal) -> str:
    return str(v.quantize(Decimal("0.01")))


class TimesheetRules(Rules):
    """Weekly sheets; entries inherit employee and state; update replaces all entries and is
    refused once the sheet is no longer a Draft (submitted, approved ...)."""

    def prepare(
        self,
        w: Writer,
        row: Row,
        lines: list[Row] | None,
        current: Row | None,
        extra: dict[str, str],
    ) -> None:
        creating = current is None
        locked = (current or {}).get("STATE") or guesses.TIMESHEET_DEFAULT_STATE
        if not creating and locked not in guesses.TIMESHEET_EDITABLE_STATES:
            recordno = (current or {}).get("RECORDNO") or "?"
            text = guesses.TIMESHEET_LOCKED_TEXT.format(recordno=recordno, state=locked)
            raise FunctionFailure(failures.business(text))
        _set_state(row, current, guesses.TIMESHEET_DEFAULT_STATE, guesses.TIMESHEET_CREATE_STATES)
        _require_lines(lines, current, "TIMESHEETENTRIES")
        merged = {**(current or {}), **row}
        begin = merged.get("BEGINDATE") or ""
        if begin and (creating or "BEGINDATE" in row) and "ENDDATE" not in row:
            end = date.fromisoformat(begin) + timedelta(days=guesses.TIMESHEET_PERIOD_DAYS - 1)
            row["ENDDATE"] = merged["ENDDATE"] = end.isoformat()
        for i, line in enumerate(lines or []):
            self._entry(line, merged, i)

    @staticmethod
    def _entry(line: Row, sheet: Row, i: int) -> None:
        if line.get("TASKKEY") and line.get("TASKID"):
            raise FunctionFailure(
                failures.business("Specify TASKKEY or TASKID on an entry, not both.")
            )
        entry_date = line.get("ENTRYDATE") or ""
        begin, end = sheet.get("BEGINDATE") or "", sheet.get("ENDDATE") or ""
        if entry_date and begin and not begin <= entry_date <= (end or entry_date):
            raise FunctionFailure(
                failures.business(
                    f"Entry date {_wire_date(entry_date)} is outside the timesheet period "
                    f"{_wire_date(begin)} - {_wire_date(end)}."
                )
            )
        line["EMPLOYEEID"] = sheet.get("EMPLOYEEID")
        line["STATE"] = sheet.get("STATE")
        line.setdefault("LINENO", str(i + 1))

    def after_update(self, w: Writer, recno: int, merged: Row, lines_replaced: bool) -> None:
        if lines_replaced:
            return
        inherit = {
            "EMPLOYEEID": merged.get("EMPLOYEEID"),
            "STATE": merged.get("STATE"),
            "WHENMODIFIED": w.now,
        }
        for entry in w.store.find("TIMESHEETENTRY", _ENTRY_PARENT_KEY, str(recno), limit=1_000_000):
            w.store.update("TIMESHEETENTRY", entry, inherit)


def _wire_date(iso: str) -> str:
    return f"{iso[5:7]}/{iso[8:10]}/{iso[0:4]}" if iso else ""


class InvoiceRules(Rules):
    """Totals from lines; Posted unless ACTION=Draft; TOTALDUE never below what is paid."""

    computed = catalogue.ARINVOICE.computed

    def prepare(
        self,
        w: Writer,
        row: Row,
        lines: list[Row] | None,
        current: Row | None,
        extra: dict[str, str],
    ) -> None:
        super().prepare(w, row, lines, current, extra)
        creating = current is None
        _require_lines(lines, current, "ARINVOICEITEMS")
        if lines is not None:
            paid = _money((current or {}).get("TOTALPAID"))
            total = _ZERO
            for i, line in enumerate(lines):
                line.setdefault("TRX_AMOUNT", line.get("AMOUNT"))
                line.setdefault("LINE_NO", str(i + 1))
                line.setdefault("TOTALPAID", "0.00")
                total += _money(line.get("AMOUNT"))
            if total < paid:
                msg = (
                    f"The invoice total {_cents(total)} is less than the "
                    f"{_cents(paid)} already paid."
                )
                raise FunctionFailure(failures.business(msg))
            row["TOTALENTERED"] = row["TRX_TOTALENTERED"] = _cents(total)
            row["TOTALDUE"] = row["TRX_TOTALDUE"] = _cents(total - paid)
        if creating:
            draft = extra.get("ACTION", "").lower() == "draft"
            row["STATE"], row["RAWSTATE"] = (
                guesses.INVOICE_DRAFT if draft else guesses.INVOICE_POSTED
            )
            row["TOTALPAID"] = row["TRX_TOTALPAID"] = "0.00"
            row["MODULEKEY"] = guesses.INVOICE_MODULEKEY
            row["WHENPOSTED"] = None if draft else row.get("WHENCREATED")


class PaymentRules(Rules):
    """Payments apply to invoices of the same customer, never beyond what is due."""

    computed = catalogue.ARPYMT.computed

    def prepare(
        self,
        w: Writer,
        row: Row,
        lines: list[Row] | None,
        current: Row | None,
        extra: dict[str, str],
    ) -> None:
        super().prepare(w, row, lines, current, extra)
        creating = current is None
        method = row.get("PAYMENTMETHOD")
        if method and method not in guesses.PAYMENT_METHODS:
            expected = ", ".join(guesses.PAYMENT_METHODS)
            raise FunctionFailure(failures.invalid_value("PAYMENTMETHOD", method, expected))
        _require_lines(lines, current, "ARPYMTDETAILS")
        if lines is not None:
            total = _ZERO
            for line in lines:
                line["PAYMENTAMOUNT"] = line.get("TRX_PAYMENTAMOUNT")
                total += _money(line.get("TRX_PAYMENTAMOUNT"))
            row["TOTALENTERED"] = row["TRX_TOTALENTERED"] = row["TOTALPAID"] = _cents(total)
            row["TOTALDUE"] = "0.00"
        if creating:
            row["STATE"], row["DISPLAYSTATE"] = guesses.PAYMENT_STATE[1], guesses.PAYMENT_STATE[0]
            row["WHENPAID"] = row.get("RECEIPTDATE")
            row["WHENCREATED"] = row.get("WHENCREATED") or row.get("RECEIPTDATE")

    def after_lines(self, w: Writer, recno: int, merged: Row, lines: list[Row]) -> None:
        for line in lines:
            self._apply(w, merged, line, Decimal(1))

    def before_lines_removed(self, w: Writer, recno: int, old_lines: list[Row]) -> None:
        for line in old_lines:
            self._apply(w, None, line, Decimal(-1))

    @staticmethod
    def _apply(w: Writer, payment: Row | None, line: Row, sign: Decimal) -> None:
        key = line.get("RECORDKEY") or ""
        invoice = w.store.get("ARINVOICE", int(key)) if key.isdigit() else None
        if invoice is None:
            raise FunctionFailure(failures.invalid_reference("ARINVOICE", key))
        if payment is not None and invoice.get("CUSTOMERID") != payment.get("CUSTOMERID"):
            owner, payer = invoice.get("CUSTOMERID"), payment.get("CUSTOMERID")
            msg = f"Invoice {key} belongs to customer '{owner}', not '{payer}'."
            raise FunctionFailure(failures.business(msg))
        amount = _money(line.get("TRX_PAYMENTAMOUNT")) * sign
        due = _money(invoice.get("TOTALDUE"))
        if amount <= 0 and sign > 0:
            raise FunctionFailure(
                failures.invalid_value("TRX_PAYMENTAMOUNT", str(amount), "an amount above 0")
            )
        if amount > due:
            msg = (
                f"Payment amount {_cents(amount)} exceeds the amount due "
                f"{_cents(due)} on invoice {key}."
            )
            raise FunctionFailure(failures.business(msg))
        paid, left = _money(invoice.get("TOTALPAID")) + amount, due - amount
        state = guesses.INVOICE_PAID_STATE if left == 0 else guesses.INVOICE_PARTIAL_STATE
        if paid == 0:
            state = guesses.INVOICE_POSTED[0]
        changes: Row = {
            "TOTALPAID": _cents(paid), "TRX_TOTALPAID": _cents(paid), "TOTALDUE": _cents(left),
            "TRX_TOTALDUE": _cents(left), "STATE": state, "WHENMODIFIED": w.now,
            "WHENPAID": (payment or {}).get("RECEIPTDATE") if left == 0 else None,
        }  # fmt: skip
        w.store.update("ARINVOICE", int(key), changes)


class ExpenseReportRules(Rules):
    """An employee expense report (guesses.EXPENSE_*): lines required on create, the state
    Draft or Submitted, the total the sum of the lines."""

    computed = catalogue.EEXPENSES.computed

    def prepare(
        self,
        w: Writer,
        row: Row,
        lines: list[Row] | None,
        current: Row | None,
        extra: dict[str, str],
    ) -> None:
        super().prepare(w, row, lines, current, extra)
        _set_state(row, current, guesses.EXPENSE_DEFAULT_STATE, guesses.EXPENSE_CREATE_STATES)
        _require_lines(lines, current, "EEXPENSESITEMS")
        if lines is not None:
            total = sum((_money(line.get("AMOUNT")) for line in lines), _ZERO)
            row["TOTALENTERED"] = row["TOTALDUE"] = _cents(total)
            row["TOTALPAID"] = "0.00"
            for i, line in enumerate(lines):
                line.setdefault("LINE_NO", str(i + 1))
                line["TRX_AMOUNT"] = line.get("AMOUNT")


RULES: dict[str, Rules] = {
    "TIMESHEET": TimesheetRules(),
    "ARINVOICE": InvoiceRules(),
    "ARPYMT": PaymentRules(),
    "EEXPENSES": ExpenseReportRules(),
}
_DEFAULT = Rules()


def rules_for(obj: str) -> Rules:
    return RULES.get(obj, _DEFAULT)
