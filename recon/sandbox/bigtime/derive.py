"""Denormalised read-only fields, computed when a record is written, as BigTime would.

Time entries carry the names of their project, client, staffer, labor code, task and class;
staff and tasks carry a full name; projects and invoices "Client:Project" (ev §2.4, §2.9);
invoices their client's and term's names and the sums BigTime shows in its history. The
store re-derives a record's dependants when a name they copy changes (a renamed project
renames its time).

Citations: "spec §N" is docs/specs/bigtime-rest-api.md, "ev §N"
docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from recon.sandbox.bigtime import guesses

Record = dict[str, Any]


class Names(Protocol):
    """Name look-ups the derivations need (the store answers them, cached)."""

    def client_name(self, sid: int | None) -> str | None: ...

    def project(self, sid: int | None) -> tuple[str | None, int | None]: ...

    def staff(self, sid: int | None) -> tuple[str | None, str | None, str | None]: ...

    def task_name(self, sid: int | None) -> str | None: ...

    def item_name(self, list_name: str, item_id: int | None) -> str | None: ...


def full_name(fname: str | None, sname: str | None) -> str:
    """A staffer's display name (format is a guess, see ``guesses.FULL_NAME_FORMAT``)."""
    return guesses.FULL_NAME_FORMAT.format(FName=fname or "", SName=sname or "").strip()


def _flags(rec: Record) -> None:
    # BigTime never answers null for a record's active flag.
    if rec.get("IsInactive") is None:
        rec["IsInactive"] = False


def client(rec: Record, names: Names) -> None:
    _flags(rec)
    if rec.get("DisplayName") is None:
        rec["DisplayName"] = rec.get("Nm")


def display_name(client_name: str | None, project_name: str | None) -> str | None:
    """ "Client Name:Project Name" (ev §2.4, OBS); the project name alone without a client."""
    if client_name is None:
        return project_name
    return guesses.DISPLAY_NAME_FORMAT.format(client=client_name, project=project_name or "")


def project(rec: Record, names: Names) -> None:
    _flags(rec)
    rec["DisplayName"] = display_name(names.client_name(rec.get("ClientId")), rec.get("Nm"))


def staff(rec: Record, names: Names) -> None:
    _flags(rec)
    rec["FullName"] = full_name(rec.get("FName"), rec.get("SName"))


def task(rec: Record, names: Names) -> None:
    group, name = rec.get("TaskGroup"), rec.get("TaskNm")
    rec["FullName"] = (
        guesses.TASK_FULL_NAME_FORMAT.format(TaskGroup=group, TaskNm=name) if group else name
    )


def invoice(rec: Record, names: Names) -> None:
    client_name = names.client_name(rec.get("ClientSid"))
    rec["ClientNm"] = client_name
    project_name, _ = names.project(rec.get("ProjectSid"))
    rec["DName"] = display_name(client_name, project_name)
    rec["TermsNm"] = names.item_name("term", rec.get("TermsSid"))
    day = rec.get("InvoiceDt")
    rec["InvoicePeriod"] = int(day[:4] + day[5:7]) if day else None
    total, paid = rec.get("TotalAmt"), rec.get("PaidAmt")
    if rec.get("InvoiceAmt") is None:
        rec["InvoiceAmt"] = rec.get(guesses.INVOICE_AMOUNT_FIELD)
    if total is not None:
        due = total - (paid or Decimal(0))
        rec["TotalAmtDue"] = due
        rec["IsPaid"] = due <= 0
    for number, line in enumerate(rec.get("Lines") or (), start=1):
        line["InvoiceSid"] = rec.get("Sid")
        if line.get("LineNbr") is None:
            line["LineNbr"] = number


def time(rec: Record, names: Names) -> None:
    project_name, client_sid = names.project(rec.get("ProjectSID"))
    fname, sname, full = names.staff(rec.get("StaffSID"))
    rec["ProjectNm"] = project_name
    rec["ClientID"] = client_sid
    rec["ClientNm"] = names.client_name(client_sid)
    rec["FName"], rec["SName"], rec["SourceNm"] = fname, sname, full
    rec["BudgCatNm"] = names.item_name("laborcode", rec.get("BudgCatID"))
    rec["TaskNm"] = names.task_name(rec.get("TaskSID"))
    rec["QBClassNm"] = names.item_name("class", rec.get("QBClass"))
    # Spec §4.5: the SID sign says whether the entry is submitted.
    rec["IsSubmitted"] = (rec.get("SID") or 0) > 0
    rec["IsInvoiced"] = rec.get("InvoiceSID") is not None


def expense(rec: Record, names: Names) -> None:
    project_name, client_sid = names.project(rec.get("ProjectSID"))
    rec["ProjectNm"] = project_name
    rec["ClientSID"] = client_sid
    rec["ClientNm"] = names.client_name(client_sid)
    rec["CatNm"] = names.item_name("expensecode", rec.get("CatSID"))
    if rec.get("CostBill") is None and rec.get("CostIN") is not None:
        rec["CostBill"] = Decimal(0) if rec.get("NoCharge") else rec["CostIN"]
    # Spec §4.6 (DOC): unsubmitted expenses sit in report 0.
    rec["IsSubmitted"] = bool(rec.get("RptSID"))


DERIVE: dict[str, Callable[[Record, Names], None]] = {
    "client": client,
    "project": project,
    "staff": staff,
    "task": task,
    "invoice": invoice,
    "time": time,
    "expense": expense,
}
