"""The entity registry: every entity recon reconciles, its canonical shape and the design's
facts about it, in one record each (:data:`ENTITIES`).

Each side's pull is mapped (:mod:`recon.mapping`) to one DataFrame per entity with exactly
the columns listed here, in this order, one row per natural key -- the key Intacct uses
(CUSTOMERID, PROJECTID, the "Employee ID", ...). The diff compares the two sides column by
column. Each column names the Intacct field and the BigTime field (or custom field, picklist
or rule) that hold the same fact; the demo firm (``recon.sandbox.firm``) renders its two
views into each system's wire shapes from the same table.

Beside its shape, each :class:`Entity` holds where the two systems keep it (the Intacct
objects and the pulled BigTime frame it is mapped from, the frames its BigTime mapping
looks ids up in), what places it in a period, which way it flows (a direction kind that
:mod:`recon.plan.directions` turns into a ``Direction``) and how a user is told its name
(:class:`Term`, read by :mod:`recon.lexicon`). The pulls, the mapping, the scope of a run,
the plan and the lexicon read these records; they do not restate them. What the clients
only guess about the wire -- BigTime's list endpoints and item key fields
(``recon.bigtime.uncertain.LISTS``), Intacct's field lists (``recon.intacct.schema``) --
stays with the clients, keyed by the names given here.

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
from dataclasses import KW_ONLY, dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

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


#: How an entity flows between the systems (docs/DESIGN.md), by name; :mod:`recon.plan.directions`
#: holds the ``Direction`` of each kind. ``master``: Intacct -> BigTime, a record only in
#: BigTime is deactivated; ``originates_in_bigtime``: the same, but one created in BigTime
#: may go to Intacct; ``posted``: BigTime -> Intacct, never removed; ``payments``: Intacct
#: -> BigTime, review only (no payment API); ``read_only_list``: master data BigTime holds
#: in a picklist its API cannot write.
DirectionKind = Literal["master", "originates_in_bigtime", "posted", "payments", "read_only_list"]
DIRECTION_KINDS: tuple[DirectionKind, ...] = get_args(DirectionKind)

#: Prefix of a pulled BigTime reference list's frame name: ``"list:class"``
#: (:func:`recon.bigtime.pull.pull_all`).
LIST_PREFIX = "list:"

# --- BigTime vocabulary ids (the firm's lexicon, docs/specs/bigtime-rest-api.md §4.11) -------
# Documented in that section's example: CLIENT, PROJECT, LABOR_CODE; STAFF is the sandbox's
# (and pybt's) id for staff. UNCERTAIN: the ids of the renamable cost centers (Cost Center 1
# = Intacct department, 2 = location, the same section) were not found; these are recon's
# guesses, used only when a firm's vocabulary carries them.
CLIENT, PROJECT, LABOR_CODE, STAFF = "CLIENT", "PROJECT", "LABOR_CODE", "STAFF"
COST_CENTER_1, COST_CENTER_2 = "COST_CENTER_A", "COST_CENTER_B"


@dataclass(frozen=True)
class Term:
    """How a user is told an entity's name (:class:`recon.lexicon.Lexicon`)."""

    #: The BigTime vocabulary id whose term names it (None: BigTime has no term for it).
    vocabulary_id: str | None
    #: Words after the term (``" type"``: a project type is the project term plus "type").
    suffix: str
    #: recon's own word, when the firm's vocabulary has no term for the id.
    word: str


@dataclass(frozen=True)
class Entity:
    """One entity of the design: its canonical shape, and where and how each system holds it.

    Attributes
    ----------
    name, key, columns:
        The canonical frame: its name, key column and typed columns.
    intacct_objects:
        The Intacct objects its records are read from, its own first (a payment: the
        ARPYMTDETAIL applications, then the ARINVOICE invoices they apply to).
    bigtime_resource:
        Where BigTime holds it, in words (the design's table).
    bigtime_frame:
        The pulled BigTime frame its records are mapped from (:mod:`recon.bigtime.pull`'s
        names: ``"client"``, ``"time"``, ``"list:costcentera"``).
    direction:
        How it flows (:data:`DirectionKind`).
    term:
        How a user is told its name.
    bigtime_lookups:
        The entities whose BigTime frames its BigTime mapping looks ids up in (a project's
        ``ClientId`` is a client's id, resolved to the CUSTOMERID), in the order read.
    bigtime_fields:
        A reference list's item field per canonical column, but the key and the status
        (the key's field is the client's guess: ``recon.bigtime.uncertain.LISTS``).
    period_date:
        The date column that places a record in a period, on both systems alike (None:
        not dated by itself).
    period_via:
        The dated entity through whose records a period bounds it (a payment: its invoice).
    """

    name: str
    key: str
    intacct_objects: tuple[str, ...]
    bigtime_resource: str
    columns: tuple[Col, ...]
    _: KW_ONLY
    bigtime_frame: str
    direction: DirectionKind
    term: Term
    bigtime_lookups: tuple[str, ...] = ()
    bigtime_fields: tuple[tuple[str, str], ...] = ()
    period_date: str | None = None
    period_via: str | None = None

    @property
    def intacct_object(self) -> str:
        """The Intacct object it is read from, as reports name it
        (``"ARPYMTDETAIL -> ARINVOICE"`` when it is read from several)."""
        return " -> ".join(self.intacct_objects)

    @property
    def bigtime_list(self) -> str | None:
        """The BigTime reference list it is held in (``"costcentera"``), or None."""
        if self.bigtime_frame.startswith(LIST_PREFIX):
            return self.bigtime_frame.removeprefix(LIST_PREFIX)
        return None

    @property
    def dated(self) -> bool:
        """A period bounds it (by its own date or through another entity's records)."""
        return self.period_date is not None or self.period_via is not None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)

    def dtypes(self) -> dict[str, str]:
        return {c.name: _DTYPES[c.kind] for c in self.columns}


def _e(
    name: str,
    key: str,
    obj: str | tuple[str, ...],
    res: str,
    *cols: tuple[str, Kind, str, str],
    **facts: Any,
) -> Entity:
    objects = (obj,) if isinstance(obj, str) else obj
    return Entity(name, key, objects, res, tuple(Col(*c) for c in cols), **facts)


def _list(list_name: str, term: Term, /, **fields: str) -> dict[str, Any]:
    """The facts of master data BigTime holds in its reference list ``list_name``:
    read-only there, and ``fields`` (canonical column -> item field) beside key and status."""
    return {
        "bigtime_frame": LIST_PREFIX + list_name,
        "direction": "read_only_list",
        "term": term,
        "bigtime_fields": tuple(fields.items()),
    }


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
                bigtime_frame="client", direction="master", term=Term(CLIENT, "", "client"),
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
                bigtime_frame="project", direction="originates_in_bigtime",
                term=Term(PROJECT, "", "project"),
                bigtime_lookups=("customer", "employee", "project_type", "department",
                                 "location", "class", "ar_term"),
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
                bigtime_frame="staff", direction="originates_in_bigtime",
                term=Term(STAFF, "", "staff"),
                bigtime_lookups=("department", "location", "class"),
            ),
            _e(
                "vendor", "vendor_id", "VENDOR", "vendor list (VendorSID/VendorNm)",
                ("vendor_id", "id", "VENDORID", "vendor id"),
                ("name", "text", "NAME", "VendorNm"),
                _STATUS,
                **_list("vendor", Term(None, "", "vendor"), name="Name"),
            ),
            _e(
                "department", "department_id", "DEPARTMENT", "Cost Center 1 values",
                ("department_id", "id", "DEPARTMENTID", "value id"),
                ("name", "text", "TITLE", "value name"),
                _STATUS,
                **_list("costcentera", Term(COST_CENTER_1, "", "department"), name="Name"),
            ),
            _e(
                "location", "location_id", "LOCATION", "Cost Center 2 values",
                ("location_id", "id", "LOCATIONID", "value id"),
                ("name", "text", "NAME", "value name"),
                _STATUS,
                **_list("costcenterb", Term(COST_CENTER_2, "", "location"), name="Name"),
            ),
            _e(
                "class", "class_id", "CLASS", "/picklist/QBClasses",
                ("class_id", "id", "CLASSID", "Id"),
                ("name", "text", "NAME", "Name"),
                _STATUS,
                **_list("class", Term(None, "", "class"), name="Name"),
            ),
            _e(
                "project_type", "name", "PROJECTTYPE", "/picklist/FieldValues/LookupProjectType",
                ("name", "id", "NAME", "Name"),
                _STATUS,
                **_list("projecttype", Term(PROJECT, " type", "project type")),
            ),
            _e(
                "time_type", "name", "TIMETYPE", "/picklist/LaborCodes",
                ("name", "id", "NAME", "Name"),
                _STATUS,
                **_list("laborcode", Term(LABOR_CODE, "", "labor code")),
            ),
            _e(
                "expense_type", "expense_type", "EEACCOUNTLABEL", "/picklist/ExpenseCodes",
                ("expense_type", "id", "ACCOUNTLABEL", "Name"),
                ("description", "text", "DESCRIPTION", "description"),
                ("gl_account_no", "id", "GLACCOUNTNO", "account"),
                _STATUS,
                **_list("expensecode", Term(None, "", "expense type"),
                        description="Description", gl_account_no="AcctNbr"),
            ),
            _e(
                "item", "item_id", "ITEM", "service items (non-inventory only)",
                ("item_id", "id", "ITEMID", "item id"),
                ("name", "text", "NAME", "item name"),
                _STATUS,
                **_list("item", Term(None, "", "service item"), name="Name"),
            ),
            _e(
                "gl_account", "account_no", "GLACCOUNT", "account list",
                ("account_no", "id", "ACCOUNTNO", "account number"),
                ("title", "text", "TITLE", "account name"),
                _STATUS,
                **_list("glaccount", Term(None, "", "GL account"), title="Name"),
            ),
            _e(
                "checking_account", "account_id", "CHECKINGACCOUNT", "account list",
                ("account_id", "id", "BANKACCOUNTID", "account id"),
                ("bank_name", "text", "BANKNAME", "account name"),
                ("gl_account_no", "id", "GLACCOUNTNO", "GL account"),
                _STATUS,
                **_list("checkingaccount", Term(None, "", "checking account"),
                        bank_name="Name", gl_account_no="AcctNbr"),
            ),
            _e(
                "credit_card", "card_id", "CREDITCARD", "/picklist/CreditCards",
                ("card_id", "id", "CARDID", "Id"),
                ("description", "text", "DESCRIPTION", "Name"),
                ("card_type", "text", "CARDTYPE", "card type"),
                _STATUS,
                **_list("creditcard", Term(None, "", "credit card"),
                        description="Name", card_type="CardType"),
            ),
            _e(
                "ar_term", "name", "ARTERM", "invoice terms (TermsSid)",
                ("name", "id", "NAME", "term name"),
                ("description", "text", "DESCRIPTION", "description"),
                ("due_days", "int", "DUEDAYS", "days until due"),
                _STATUS,
                **_list("term", Term(None, "", "invoice term"),
                        description="Description", due_days="DueDays"),
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
                bigtime_frame="time", direction="posted", term=Term(None, "", "time entry"),
                bigtime_lookups=("employee", "project", "time_type"), period_date="entry_date",
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
                bigtime_frame="invoice", direction="posted", term=Term(None, "", "invoice"),
                bigtime_lookups=("customer", "project", "ar_term"), period_date="invoice_date",
            ),
            # --- expenses (issue 16) ------------------------------------------------------
            # One row per expense entry. Intacct holds employee expenses as expense reports
            # (EEXPENSES) whose lines (EEXPENSESITEM) carry the BigTime expense id in a custom
            # field (recon.intacct.uncertain.EXPENSE_LINK_FIELD); the employee and the report
            # number are the report's ("EEXPENSES.<field>"). BigTime's entries come from
            # POST /expense/reportbyfilter (docs/specs/bigtime-evidence.md §2.10). The report
            # is BigTime's report id (0: not submitted yet, docs/specs/bigtime-rest-api.md §4.6),
            # which a report pushed to Intacct keeps as its RECORDID.
            _e(
                "expense", "entry_id", ("EEXPENSESITEM", "EEXPENSES"), "/expense",
                ("entry_id", "id", "BIGTIME_EXPENSEID", "SID"),
                ("employee_id", "id", "EEXPENSES.EMPLOYEEID", "StaffSID -> UDF 'Employee ID'"),
                ("expense_date", "date", "ENTRYDATE", "Dt"),
                ("project_id", "id", "PROJECTID", "ProjectSID -> ProjectCode"),
                ("expense_type", "id", "ACCOUNTLABEL", "CatNm (expense code)"),
                ("amount", "money", "AMOUNT", "CostIN"),
                ("billable", "bool", "BILLABLE", "NoCharge (inverted)"),
                ("paid_by_company", "bool", "NONREIMBURSABLE", "PaidByCo"),
                ("report_id", "id", "EEXPENSES.RECORDID", "RptSID"),
                ("notes", "text", "DESCRIPTION", "Nt"),
                bigtime_frame="expense", direction="posted", term=Term(None, "", "expense"),
                bigtime_lookups=("employee", "project"), period_date="expense_date",
            ),
            # One row per invoice with a non-zero paid amount on that side: an unpaid invoice
            # has no payment row, so "paid in Intacct, 0 in BigTime" is a row missing in BigTime.
            # BigTime has no payment records: the paid amount is on its invoice
            # (docs/specs/bigtime-rest-api.md §4.8).
            _e(
                "payment", "invoice_no", ("ARPYMTDETAIL", "ARINVOICE"), "/invoice PaidAmt",
                ("invoice_no", "id", "ARINVOICE.RECORDID", "InvoiceNbr"),
                ("paid_amount", "money", "sum(ARPYMTDETAIL.PAYMENTAMOUNT)", "PaidAmt"),
                bigtime_frame="invoice", direction="payments", term=Term(None, "", "payment"),
                period_via="invoice",
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
        "expense": ("employee_id", "expense_date", "expense_type"),
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
