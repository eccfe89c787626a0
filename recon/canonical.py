"""The canonical shape of every entity recon reconciles: one entity, one key, typed columns.

Each side's pull is mapped (:mod:`recon.mapping`) to one DataFrame per entity with exactly
the columns listed here, in this order, one row per natural key -- the key Intacct uses
(CUSTOMERID, PROJECTID, the "Employee ID", ...). The diff compares the two sides column by
column. Each column names the Intacct field and the BigTime field (or custom field, picklist
or rule) that hold the same fact; the demo firm (``recon.sandbox.firm``) renders its two
views into each system's wire shapes from the same table.

Kinds and their pandas dtypes
-----------------------------
``id``, ``text``, ``status``  ``str`` (pandas 3 string dtype); missing = NA. Status is
                              ``"active"`` / ``"inactive"``.
``money``, ``hours``          ``object`` holding :class:`decimal.Decimal` (money 2 places,
                              hours in quarter hours, 2 places); missing = ``None``.
``int``                       ``int64``.
``date``                      ``datetime64[us]`` (midnight, no time zone; pandas 3's default
                              resolution); missing = NaT.
``bool``                      ``bool``.

Canonical string form (used by the manifest and by reports): see :func:`canon_str`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Literal

import pandas as pd

Kind = Literal["id", "text", "status", "money", "hours", "int", "date", "bool"]

#: Date columns' dtype (see module docstring).
DATE_DTYPE: Final = "datetime64[us]"

_DTYPES: Mapping[str, str] = MappingProxyType(
    {
        "id": "str",
        "text": "str",
        "status": "str",
        "money": "object",
        "hours": "object",
        "int": "int64",
        "date": DATE_DTYPE,
        "bool": "bool",
    }
)


@dataclass(frozen=True)
class Col:
    """One canonical column and the field that holds it in each system."""

    name: str
    kind: Kind
    #: Intacct wire field on the entity's object (dotted for nested fields).
    intacct: str
    #: BigTime field (or UDF / picklist) that holds the same fact.
    bigtime: str


@dataclass(frozen=True)
class Entity:
    """A canonical entity: its key column, Intacct object and BigTime resource."""

    name: str
    key: str
    intacct_object: str
    bigtime_resource: str
    columns: tuple[Col, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)

    def dtypes(self) -> dict[str, str]:
        return {c.name: _DTYPES[c.kind] for c in self.columns}


def _e(name: str, key: str, obj: str, res: str, *cols: tuple[str, Kind, str, str]) -> Entity:
    return Entity(name, key, obj, res, tuple(Col(*c) for c in cols))


_STATUS: tuple[str, Kind, str, str] = ("status", "status", "STATUS", "IsInactive (inverted)")

ENTITIES: Mapping[str, Entity] = MappingProxyType(
    {
        e.name: e
        for e in (
            _e(
                "customer", "customer_id", "CUSTOMER", "/client",
                ("customer_id", "id", "CUSTOMERID", "ClientId"),
                ("name", "text", "NAME", "Nm"),
                _STATUS,
                ("address1", "text", "DISPLAYCONTACT.MAILADDRESS.ADDRESS1", "Address"),
                ("city", "text", "DISPLAYCONTACT.MAILADDRESS.CITY", "City"),
                ("state", "text", "DISPLAYCONTACT.MAILADDRESS.STATE", "State"),
                ("zip", "text", "DISPLAYCONTACT.MAILADDRESS.ZIP", "Zip"),
                ("phone", "text", "DISPLAYCONTACT.PHONE1", "MainPH"),
            ),
            _e(
                "project", "project_id", "PROJECT", "/project",
                ("project_id", "id", "PROJECTID", "ProjectCode"),
                ("name", "text", "NAME", "Nm"),
                ("customer_id", "id", "CUSTOMERID", "ClientId -> client ClientId"),
                ("project_type", "id", "PROJECTTYPE", "TypeId (LookupProjectType)"),
                _STATUS,
                ("department_id", "id", "DEPARTMENTID", "CostCenterA (Cost Center 1)"),
                ("location_id", "id", "LOCATIONID", "CostCenterB (Cost Center 2)"),
                ("class_id", "id", "CLASSID", "QBClassDefault (project default class)"),
                ("manager_id", "id", "MANAGERID", "team lead StaffSid -> UDF 'Employee ID'"),
                ("begin_date", "date", "BEGINDATE", "StartDt"),
                ("end_date", "date", "ENDDATE", "EndDt"),
                ("term_name", "id", "TERMNAME", "DefaultInvoiceTermSid"),
                ("po_number", "text", "PONUMBER", "UDF 'PO Number'"),
                ("po_amount", "money", "POAMOUNT", "UDF 'PO Amount'"),
                ("so_number", "text", "SONUMBER", "UDF 'SO Number'"),
                ("description", "text", "DESCRIPTION", "Notes"),
            ),
            _e(
                "employee", "employee_id", "EMPLOYEE", "/staff",
                ("employee_id", "id", "EMPLOYEEID", "UDF 'Employee ID'"),
                ("first_name", "text", "CONTACT.FIRSTNAME", "FName"),
                ("last_name", "text", "CONTACT.LASTNAME", "SName"),
                ("email", "text", "CONTACT.EMAIL1", "EMail"),
                ("title", "text", "TITLE", "Title"),
                ("department_id", "id", "DEPARTMENTID", "CostCenterA (Cost Center 1)"),
                ("location_id", "id", "LOCATIONID", "CostCenterB (Cost Center 2)"),
                ("class_id", "id", "CLASSID", "IAClassDefaultId (staffer class)"),
                ("manager_id", "id", "SUPERVISORID", "ManagerID -> UDF 'Employee ID'"),
                ("start_date", "date", "STARTDATE", "Start_dt"),
                ("end_date", "date", "ENDDATE", "Term_dt"),
                _STATUS,
            ),
            _e(
                "vendor", "vendor_id", "VENDOR", "vendor list (VendorSID/VendorNm)",
                ("vendor_id", "id", "VENDORID", "vendor id"),
                ("name", "text", "NAME", "VendorNm"),
                _STATUS,
            ),
            _e(
                "department", "department_id", "DEPARTMENT", "Cost Center 1 values",
                ("department_id", "id", "DEPARTMENTID", "value id"),
                ("name", "text", "TITLE", "value name"),
                _STATUS,
            ),
            _e(
                "location", "location_id", "LOCATION", "Cost Center 2 values",
                ("location_id", "id", "LOCATIONID", "value id"),
                ("name", "text", "NAME", "value name"),
                _STATUS,
            ),
            _e(
                "class", "class_id", "CLASS", "/picklist/QBClasses",
                ("class_id", "id", "CLASSID", "Id"),
                ("name", "text", "NAME", "Name"),
                _STATUS,
            ),
            _e(
                "project_type", "name", "PROJECTTYPE", "/picklist/FieldValues/LookupProjectType",
                ("name", "id", "NAME", "Name"),
                _STATUS,
            ),
            _e(
                "time_type", "name", "TIMETYPE", "/picklist/LaborCodes",
                ("name", "id", "NAME", "Name"),
                _STATUS,
            ),
            _e(
                "expense_type", "expense_type", "EEACCOUNTLABEL", "/picklist/ExpenseCodes",
                ("expense_type", "id", "ACCOUNTLABEL", "Name"),
                ("description", "text", "DESCRIPTION", "description"),
                ("gl_account_no", "id", "GLACCOUNTNO", "account"),
                _STATUS,
            ),
            _e(
                "item", "item_id", "ITEM", "service items (non-inventory only)",
                ("item_id", "id", "ITEMID", "item id"),
                ("name", "text", "NAME", "item name"),
                _STATUS,
            ),
            _e(
                "gl_account", "account_no", "GLACCOUNT", "account list",
                ("account_no", "id", "ACCOUNTNO", "account number"),
                ("title", "text", "TITLE", "account name"),
                _STATUS,
            ),
            _e(
                "checking_account", "account_id", "CHECKINGACCOUNT", "account list",
                ("account_id", "id", "BANKACCOUNTID", "account id"),
                ("bank_name", "text", "BANKNAME", "account name"),
                ("gl_account_no", "id", "GLACCOUNTNO", "GL account"),
                _STATUS,
            ),
            _e(
                "credit_card", "card_id", "CREDITCARD", "/picklist/CreditCards",
                ("card_id", "id", "CARDID", "Id"),
                ("description", "text", "DESCRIPTION", "Name"),
                ("card_type", "text", "CARDTYPE", "card type"),
                _STATUS,
            ),
            _e(
                "ar_term", "name", "ARTERM", "invoice terms (TermsSid)",
                ("name", "id", "NAME", "term name"),
                ("description", "text", "DESCRIPTION", "description"),
                ("due_days", "int", "DUEDAYS", "days until due"),
                _STATUS,
            ),
            _e(
                "time_entry", "entry_id", "TIMESHEETENTRY", "/time",
                ("entry_id", "id", "BIGTIME_ENTRYID", "SID"),
                ("employee_id", "id", "EMPLOYEEID", "StaffSID -> UDF 'Employee ID'"),
                ("entry_date", "date", "ENTRYDATE", "Dt"),
                ("project_id", "id", "PROJECTID", "ProjectSID -> ProjectCode"),
                ("time_type", "id", "TIMETYPE", "BudgCatID -> labor code name"),
                ("hours", "hours", "QTY", "Hours_IN"),
                ("billable", "bool", "BILLABLE", "NoCharge (inverted)"),
                ("bill_rate", "money", "EXTBILLRATE", "BillRate"),
                ("notes", "text", "DESCRIPTION", "Notes"),
            ),
            _e(
                "invoice", "invoice_no", "ARINVOICE", "/invoice",
                ("invoice_no", "id", "RECORDID", "InvoiceNbr"),
                ("customer_id", "id", "CUSTOMERID", "ClientSid -> ClientId"),
                ("project_id", "id", "PROJECTID", "ProjectSid -> ProjectCode"),
                ("invoice_date", "date", "WHENCREATED", "InvoiceDt"),
                ("due_date", "date", "WHENDUE", "InvoiceDtDue"),
                ("term_name", "id", "TERMNAME", "TermsSid"),
                ("total", "money", "TOTALENTERED", "TotalAmt"),
            ),
            # One row per invoice with a non-zero paid amount on that side: an unpaid invoice
            # has no payment row, so "paid in Intacct, 0 in BigTime" is a row missing in BigTime.
            _e(
                "payment", "invoice_no", "ARPYMTDETAIL -> ARINVOICE", "/invoice PaidAmt",
                ("invoice_no", "id", "ARINVOICE.RECORDID", "InvoiceNbr"),
                ("paid_amount", "money", "sum(ARPYMTDETAIL.PAYMENTAMOUNT)", "PaidAmt"),
            ),
        )
    }
)  # fmt: skip

#: Entity order for output and manifest ids (reference lists before what points at them).
ENTITY_ORDER: tuple[str, ...] = tuple(ENTITIES)


def conform(entity: str, frame: pd.DataFrame, *, sort: bool = False) -> pd.DataFrame:
    """``frame`` with exactly the entity's columns, in order, cast to their dtypes.

    With ``sort``, rows are ordered by the key (as strings) and the index is reset.
    """
    spec = ENTITIES[entity]
    out = frame.loc[:, spec.names].astype(spec.dtypes())
    if sort:
        out = out.sort_values(spec.key, kind="stable")
    return out.reset_index(drop=True)


def canon_str(value: object, kind: Kind) -> str | None:
    """The canonical string form of one value, as the manifest states it.

    ``None`` for missing; money and hours with two decimals (``"1250.00"``, ``"7.25"``);
    dates ISO ``YYYY-MM-DD``; booleans ``"true"``/``"false"``; ints in decimal; text as is.
    """
    if value is None or (not isinstance(value, str | Decimal) and pd.isna(value)):  # type: ignore[call-overload]  # pandas-stubs: isna takes no object; this is a scalar
        return None
    if kind in ("money", "hours"):
        return f"{Decimal(value):.2f}"  # type: ignore[arg-type]  # a Decimal, int, float or str
    if kind == "date":
        day = value.date() if isinstance(value, dt.datetime) else value
        if not isinstance(day, dt.date):
            raise TypeError(f"not a date: {value!r}")
        return day.isoformat()
    if kind == "bool":
        return "true" if value else "false"
    if kind == "int":
        return str(int(value))  # type: ignore[call-overload]  # an int, numpy int or str
    return str(value)


#: Canonical columns that name a record, per entity (the first non-empty wins; several are
#: joined). Entities not listed are named by their ``name`` column when they have one.
NAME_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "employee": ("first_name", "last_name"),
        "expense_type": ("description",),
        "gl_account": ("title",),
        "checking_account": ("bank_name",),
        "credit_card": ("description",),
        "time_entry": ("employee_id", "entry_date", "project_id"),
        "invoice": ("customer_id", "invoice_date"),
        "payment": (),
    }
)


def record_names(*sides: Mapping[str, pd.DataFrame]) -> dict[tuple[str, str], str]:
    """``(entity, key) -> name`` from canonical frames; the first side to name a record wins."""
    out: dict[tuple[str, str], str] = {}
    for frames in sides:
        for entity, frame in frames.items():
            spec = ENTITIES.get(entity)
            if spec is None or frame.empty:
                continue
            cols = [c for c in NAME_COLUMNS.get(entity, ("name",)) if c in frame.columns]
            if not cols or cols == [spec.key]:
                continue
            kinds = [spec.col(c).kind for c in cols]
            keys = [canon_str(k, "id") for k in frame[spec.key].tolist()]
            values = zip(*(frame[c].tolist() for c in cols), strict=True)
            for key, row in zip(keys, values, strict=True):
                parts = [canon_str(v, k) for v, k in zip(row, kinds, strict=True)]
                name = " ".join(p for p in parts if p)
                if key and name:
                    out.setdefault((entity, key), name)
    return out
