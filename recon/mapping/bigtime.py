"""BigTime pulled frames -> canonical frames, one per entity (:mod:`recon.canonical`).

>>> frames = recon.bigtime.pull.pull_all(bt, start, end)   # {"client": ..., "list:class": ...}
>>> canonical = to_canonical(frames)                        # {"customer": ..., ...}

BigTime points at records by its own integer ids; the canonical frames hold the keys Intacct
uses, so every id is resolved through the pulled frames (docs/DESIGN.md "What syncs", its
field mappings):

=========================  ====================================================
BigTime                    canonical
=========================  ====================================================
client SID                 the client's ``ClientId`` (Intacct CUSTOMERID)
project SID                the project's ``ProjectCode`` (PROJECTID)
staffer SID                the staffer's "Employee ID" custom field (EMPLOYEEID)
``CostCenterA`` / ``B``    department / location id (cost-center list ``Code``)
``QBClassDefault`` ...     class id (class list ``Code``)
``TypeId``                 project type name; ``BudgCatID``: labor code name
``DefaultInvoiceTermSid``  term name (also ``TermsSid`` on invoices; an invoice without
                           one reads its ``TermsNm``, which BigTime's history carries,
                           docs/specs/bigtime-evidence.md §2.9)
project team lead          the project manager's employee id (docs/specs/bigtime-rest-api.md §4.2)
``ManagerID``              the manager's employee id
``NoCharge``               ``billable``, inverted; ``IsInactive``: ``status``
``PaidAmt``                a ``payment`` row, for invoices with a non-zero amount
=========================  ====================================================

An id that resolves to nothing (a dangling reference, or a staffer without an "Employee
ID") becomes NA, is counted in the :class:`~recon.mapping.common.MappingReport` and logged;
it never raises. A frame the mapping needs for look-ups and that the pull lacks is a
:class:`~recon.errors.ConfigError` (mapping without it would report every reference wrong).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import partial
from types import MappingProxyType

import pandas as pd

from recon.bigtime import uncertain
from recon.bigtime.pull import TEAM_LEAD_COLUMN
from recon.canonical import ENTITIES, ENTITY_ORDER
from recon.mapping.bigtime_lists import list_keys, map_list_entity
from recon.mapping.common import (
    Frames,
    Mapper,
    MappingReport,
    Rows,
    amounts,
    column,
    finish,
    key_table,
    map_all,
    map_one,
    nonzero,
    require,
    resolve,
    status_from_inactive,
)

SYSTEM = "bigtime"


def udf_column(name: str) -> str:
    """The pulled frame's column of one custom field (``flatten_udfs``' default prefix)."""
    return "Udf." + name


#: The staff frame's column holding the Intacct employee id (docs/DESIGN.md: staff custom
#: field).
EMPLOYEE_ID = udf_column(uncertain.UDF_EMPLOYEE_ID)
#: Why a staffer without it is left out (it has no Intacct key yet).
NO_EMPLOYEE_ID = (
    f'no "{uncertain.UDF_EMPLOYEE_ID}" custom field value, so no Intacct employee to compare '
    "with: left out"
)


def _report(report: MappingReport | None) -> MappingReport:
    return MappingReport(SYSTEM) if report is None else report


class _Refs:
    """Resolves one entity's BigTime ids, counting the dangling ones under that entity and
    listing each with the referring row (``rows``) and the reason."""

    def __init__(self, frames: Frames, entity: str, report: MappingReport, rows: Rows) -> None:
        self.frames, self.entity, self.report, self.rows = frames, entity, report, rows

    def _resolve(self, ids: pd.Series, table: pd.Series, col: str, why: str) -> pd.Series:
        return resolve(ids, table, self.report, self.entity, col, self.rows, why)

    def client(self, ids: pd.Series, col: str = "customer_id") -> pd.Series:
        clients = require(self.frames, "client", SYSTEM, self.entity)
        table = key_table(clients, "SystemId", "ClientId")
        why = "its BigTime client is not pulled or has no ClientId"
        return self._resolve(ids, table, col, why)

    def project(self, ids: pd.Series, col: str = "project_id") -> pd.Series:
        projects = require(self.frames, "project", SYSTEM, self.entity)
        table = key_table(projects, "SystemId", "ProjectCode")
        why = "its BigTime project is not pulled or has no ProjectCode"
        return self._resolve(ids, table, col, why)

    def staff(self, ids: pd.Series, col: str) -> pd.Series:
        staff = require(self.frames, "staff", SYSTEM, self.entity)
        table = key_table(staff, "StaffSID", EMPLOYEE_ID)
        why = f'its BigTime staffer has no "{uncertain.UDF_EMPLOYEE_ID}" or is not pulled'
        return self._resolve(ids, table, col, why)

    def item(self, list_name: str, ids: pd.Series, col: str) -> pd.Series:
        table = list_keys(self.frames, list_name, self.entity)
        key = uncertain.LISTS[list_name].key_field
        why = f"its item of the BigTime {list_name} list is not there or has no {key}"
        return self._resolve(ids, table, col, why)


#: Who the rows of each BigTime frame are (:class:`~recon.mapping.common.Rows`): the word
#: for a record, its id column and its name columns.
def _rows(frame: pd.DataFrame, what: str, id_col: str, *names: str, key: str) -> Rows:
    return Rows(frame, f"BigTime {what}", id_col, names, key)


# --------------------------------------------------------------------------- master data


def map_customer(frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """BigTime clients -> ``customer`` (``ClientId`` is the Intacct CUSTOMERID).

    Parameters
    ----------
    frames:
        Pulled frames by BigTime entity (:func:`recon.bigtime.pull.pull_all`); needs
        ``client``.
    report:
        Collects what could not be mapped (a new one when ``None``).

    Returns
    -------
    pandas.DataFrame
        Exactly the canonical columns and dtypes, sorted by key; a client without a
        ``ClientId`` is left out and counted.
    """
    c = require(frames, "client", SYSTEM, "customer")
    rows = _rows(c, "client", "SystemId", "Nm", key="ClientId")
    data = {
        "customer_id": column(c, "ClientId"), "name": column(c, "Nm"),
        "status": status_from_inactive(column(c, "IsInactive", "boolean")),
        "address1": column(c, "Address"), "city": column(c, "City"),
        "state": column(c, "State"), "zip": column(c, "Zip"), "phone": column(c, "MainPH"),
    }  # fmt: skip
    return finish("customer", data, c.index, _report(report), rows, "no ClientId: left out")


def map_project(frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """BigTime projects -> ``project``; see the module table for each reference.

    Needs ``project``, ``client``, ``staff`` and the lists ``projecttype``,
    ``costcentera``, ``costcenterb``, ``class`` and ``term``. The manager is the team
    lead (``TeamLeadSid``, added by the pull); PO Number, PO Amount (an amount typed into a
    text field: Decimal, or None and counted when it is no number) and SO Number are the
    project custom fields of those names. See :func:`map_customer`.
    """
    report = _report(report)
    p = require(frames, "project", SYSTEM, "project")
    rows = _rows(p, "project", "SystemId", "Nm", key="ProjectCode")
    ref = _Refs(frames, "project", report, rows)
    data = {
        "project_id": column(p, "ProjectCode"), "name": column(p, "Nm"),
        "customer_id": ref.client(column(p, "ClientId")),
        "project_type": ref.item("projecttype", column(p, "TypeId"), "project_type"),
        "status": status_from_inactive(column(p, "IsInactive", "boolean")),
        "department_id": ref.item("costcentera", column(p, "CostCenterA"), "department_id"),
        "location_id": ref.item("costcenterb", column(p, "CostCenterB"), "location_id"),
        "class_id": ref.item("class", column(p, "QBClassDefault"), "class_id"),
        "manager_id": ref.staff(column(p, TEAM_LEAD_COLUMN), "manager_id"),
        "begin_date": column(p, "StartDt", "datetime64[s]"),
        "end_date": column(p, "EndDt", "datetime64[s]"),
        "term_name": ref.item("term", column(p, "DefaultInvoiceTermSid"), "term_name"),
        "po_number": column(p, udf_column(uncertain.UDF_PO_NUMBER)),
        "po_amount": amounts(column(p, udf_column(uncertain.UDF_PO_AMOUNT)), report,
                             "project", "po_amount", rows),
        "so_number": column(p, udf_column(uncertain.UDF_SO_NUMBER)),
        "description": column(p, "Notes"),
    }  # fmt: skip
    return finish("project", data, p.index, report, rows, "no ProjectCode: left out")


def map_employee(frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """BigTime staff -> ``employee``, keyed by the "Employee ID" custom field.

    Needs ``staff`` and the lists ``costcentera``, ``costcenterb`` and ``class``. A staffer
    without an "Employee ID" is left out and counted (it has no Intacct key yet). See
    :func:`map_customer`.
    """
    report = _report(report)
    s = require(frames, "staff", SYSTEM, "employee")
    rows = _rows(s, "staffer", "StaffSID", "FName", "SName", key=EMPLOYEE_ID)
    ref = _Refs(frames, "employee", report, rows)
    data = {
        "employee_id": column(s, EMPLOYEE_ID), "first_name": column(s, "FName"),
        "last_name": column(s, "SName"), "email": column(s, "EMail"),
        "title": column(s, "Title"),
        "department_id": ref.item("costcentera", column(s, "CostCenterA"), "department_id"),
        "location_id": ref.item("costcenterb", column(s, "CostCenterB"), "location_id"),
        "class_id": ref.item("class", column(s, "IAClassDefaultId"), "class_id"),
        "manager_id": ref.staff(column(s, "ManagerID"), "manager_id"),
        "start_date": column(s, "Start_dt", "datetime64[s]"),
        "end_date": column(s, "Term_dt", "datetime64[s]"),
        "status": status_from_inactive(column(s, "IsInactive", "boolean")),
    }  # fmt: skip
    return finish("employee", data, s.index, report, rows, NO_EMPLOYEE_ID)


# --------------------------------------------------------------------------- transactions


def map_time_entry(frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """BigTime time entries -> ``time_entry``, keyed by the entry's SID.

    Needs ``time``, ``staff``, ``project`` and the list ``laborcode``. ``billable`` is
    ``NoCharge`` inverted. See :func:`map_customer`.
    """
    report = _report(report)
    t = require(frames, "time", SYSTEM, "time_entry")
    rows = _rows(t, "time entry", "SID", "SourceNm", "Dt", key="SID")
    ref = _Refs(frames, "time_entry", report, rows)
    data = {
        "entry_id": column(t, "SID"),
        "employee_id": ref.staff(column(t, "StaffSID"), "employee_id"),
        "entry_date": column(t, "Dt", "datetime64[s]"),
        "project_id": ref.project(column(t, "ProjectSID")),
        "time_type": ref.item("laborcode", column(t, "BudgCatID"), "time_type"),
        "hours": column(t, "Hours_IN", "object"),
        "billable": ~column(t, "NoCharge", "boolean").astype("boolean"),
        "bill_rate": column(t, "BillRate", "object"), "notes": column(t, "Notes"),
    }  # fmt: skip
    return finish("time_entry", data, t.index, report, rows, "no SID: left out")


def map_invoice(frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """BigTime invoices -> ``invoice``, keyed by ``InvoiceNbr``.

    Needs ``invoice``, ``client``, ``project`` and the list ``term``. See
    :func:`map_customer`.
    """
    report = _report(report)
    i = require(frames, "invoice", SYSTEM, "invoice")
    rows = _rows(i, "invoice", "Sid", "InvoiceNbr", key="InvoiceNbr")
    ref = _Refs(frames, "invoice", report, rows)
    data = {
        "invoice_no": column(i, "InvoiceNbr"),
        "customer_id": ref.client(column(i, "ClientSid")),
        "project_id": ref.project(column(i, "ProjectSid")),
        "invoice_date": column(i, "InvoiceDt", "datetime64[s]"),
        "due_date": column(i, "InvoiceDtDue", "datetime64[s]"),
        "term_name": _invoice_term(i, ref),
        "total": column(i, "TotalAmt", "object"),
    }  # fmt: skip
    return finish("invoice", data, i.index, report, rows, "no InvoiceNbr: left out")


def _invoice_term(i: pd.DataFrame, ref: _Refs) -> pd.Series:
    """The term list's name for ``TermsSid``; where an invoice has no ``TermsSid``, its
    ``TermsNm`` -- the term's name, which is the term list's key (docs/specs/bigtime-evidence.md
    §2.9: the live invoice history carries ``TermsNm``; no client was seen reading ``TermsSid``)."""
    sids = column(i, "TermsSid")
    by_id = ref.item("term", sids, "term_name")
    return by_id.where(sids.notna(), column(i, "TermsNm"))


def map_expense(frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """BigTime expense entries -> ``expense``, keyed by the entry's SID.

    Needs ``expense``, ``staff`` and ``project``. The expense type is ``CatNm``, the expense
    code's name (the expense-code list's key; docs/specs/bigtime-evidence.md §2.10 lists
    ``CatNm`` on the entry); ``billable`` is ``NoCharge`` inverted, ``paid_by_company`` is
    ``PaidByCo``, the report ``RptSID`` (0 = not submitted yet,
    docs/specs/bigtime-rest-api.md §4.6).
    """
    report = _report(report)
    e = require(frames, "expense", SYSTEM, "expense")
    rows = _rows(e, "expense", "SID", "CatNm", "Dt", key="SID")
    ref = _Refs(frames, "expense", report, rows)
    data = {
        "entry_id": column(e, "SID"),
        "employee_id": ref.staff(column(e, "StaffSID"), "employee_id"),
        "expense_date": column(e, "Dt", "datetime64[s]"),
        "project_id": ref.project(column(e, "ProjectSID")),
        "expense_type": column(e, "CatNm"),
        "amount": column(e, "CostIN", "object"),
        "billable": ~column(e, "NoCharge", "boolean").astype("boolean"),
        "paid_by_company": column(e, "PaidByCo", "boolean"),
        "report_id": column(e, "RptSID"), "notes": column(e, "Nt"),
    }  # fmt: skip
    return finish("expense", data, e.index, report, rows, "no SID: left out")


def map_payment(frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """BigTime invoices' ``PaidAmt`` -> ``payment``, one row per invoice paid something.

    An invoice with no or a zero paid amount has no row, as on the Intacct side. See
    :func:`map_customer`.
    """
    i = require(frames, "invoice", SYSTEM, "payment")
    paid = column(i, "PaidAmt", "object")
    rows = i[nonzero(paid.to_numpy())]
    data = {"invoice_no": column(rows, "InvoiceNbr"), "paid_amount": column(rows, "PaidAmt")}
    who = _rows(rows, "invoice", "Sid", key="InvoiceNbr")
    return finish("payment", data, rows.index, _report(report), who, "no InvoiceNbr: left out")


#: The entities with a mapper of their own; the reference lists share one.
_RECORDS: Mapping[str, Mapper] = {
    "customer": map_customer,
    "project": map_project,
    "employee": map_employee,
    "time_entry": map_time_entry,
    "invoice": map_invoice,
    "payment": map_payment,
    "expense": map_expense,
}


#: Canonical entity -> its mapper, in :data:`recon.canonical.ENTITY_ORDER`.
MAPPERS: Mapping[str, Mapper] = MappingProxyType(
    {e: _RECORDS.get(e) or partial(map_list_entity, e) for e in ENTITY_ORDER}
)
#: Canonical entity -> the pulled BigTime frame whose absence skips the entity (the
#: registry's ``bigtime_frame``).
SOURCES: Mapping[str, str] = MappingProxyType({e: ENTITIES[e].bigtime_frame for e in ENTITY_ORDER})


def map_entity(entity: str, frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """The canonical frame of one entity from BigTime pulled frames.

    Parameters
    ----------
    entity:
        A name of :data:`recon.canonical.ENTITIES` (``"customer"``, ``"department"`` ...).
    frames:
        Pulled frames by BigTime entity name (:func:`recon.bigtime.pull.pull_all`).
    report:
        Collects what could not be mapped (a new one when ``None``).

    Raises
    ------
    ConfigError
        Unknown entity, or ``frames`` lacks a frame the entity is read or resolved from.
    """
    return map_one(MAPPERS, SYSTEM, entity, frames, report)


def to_canonical(
    frames: Frames, report: MappingReport | None = None, entities: Collection[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Every canonical entity the BigTime pull holds, as canonical frames.

    Parameters
    ----------
    frames:
        Pulled frames by BigTime entity name. An entity whose own frame (:data:`SOURCES`)
        is not among them is left out of the result (an empty frame would read as
        "everything deleted"); the frames it resolves ids through must be there.
    report:
        Collects what could not be mapped, over all entities (a new one when ``None``;
        either way every count is logged).
    entities:
        Only these canonical entities (of those the pull holds); ``None``: all.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Entity -> frame with exactly its canonical columns and dtypes, sorted by key, in
        :data:`recon.canonical.ENTITY_ORDER`.

    Raises
    ------
    ConfigError
        A frame needed to resolve ids is missing.
    """
    return map_all(MAPPERS, SOURCES, SYSTEM, frames, report, entities)
