"""The sandbox's own description of BigTime's REST API v2: resources, paths, fields, kinds.

Written from docs/specs/bigtime-rest-api.md ("spec §N") and above all
docs/specs/bigtime-evidence.md ("ev §N", what public clients saw from the real API), and never
from recon's client: the sandbox imports nothing of ``recon.bigtime``. A wrong guess about
BigTime is then no longer made once and "confirmed" by its own emulator; the tests compare
both sides with golden files transcribed from the evidence (``tests/fixtures/bigtime``).

Every field names its evidence, graded as in the evidence file:

``OBS``   seen against the live API (a comment, a doc written from pulled data, a fix)
``RUN``   code that ran against the live API depends on it
``DOC``   BigTime's own help pages
``DECL``  declared types or models only (the spec's [CLIENT] lists, LLM-written clients)
``UNCERTAIN``  the sandbox's choice: no evidence for the name, the kind or the value

Field-level guesses are tagged here (:func:`guessed_fields` lists them); every other guess
(paths, messages, defaults, derivations) lives in :mod:`recon.sandbox.bigtime.guesses`.

Kinds
-----
``sid``       integer system id of this record
``ref``       integer id of another record or list item (``ref`` says which)
``text``      string
``int``       integer that is not an id
``money``     decimal amount (a JSON number, never a string)
``hours``     decimal hours (a JSON number)
``date``      ``"YYYY-MM-DD"``, no time part (ev §3.1: five sources, three that ran)
``datetime``  ``"YYYY-MM-DDTHH:MM:SS"`` (``DtCreated``/``DtModified``; ev §3.1 keeps them)
``bool``      JSON true/false
``list``      nested array (``UdfList``, ``Lines``)
``sid_text``  an integer id emitted as a JSON string (FieldValues items, ev §2.11)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from recon.sandbox.bigtime import API_PATH, guesses

Kind = Literal[
    "sid", "ref", "text", "int", "money", "hours", "date", "datetime", "bool", "list", "sid_text"
]

#: The API root below the host, as on iq.bigtime.net (spec §1, DOC).
API_ROOT = API_PATH

OBS, RUN, DOC, DECL, UNCERTAIN = "OBS", "RUN", "DOC", "DECL", "UNCERTAIN"


@dataclass(frozen=True)
class Field:
    """One field of a resource as the sandbox emits and accepts it."""

    name: str
    kind: Kind
    #: For ``ref``: the record kind or reference list the id points into.
    ref: str = ""
    #: Only in ``View=Detailed`` (not in lists nor in the default Basic view).
    detailed: bool = False
    #: Honoured on create/update (the entity's "Update view", spec §5).
    writable: bool = True
    #: Evidence grade and section: ``"OBS ev§2.4"``; ``UNCERTAIN ...`` marks a guess.
    evidence: str = DECL
    #: What goes out when the record holds no value (``None`` -> JSON null).
    unset: Any = None

    @property
    def guessed(self) -> bool:
        return self.evidence.startswith(UNCERTAIN)


@dataclass(frozen=True)
class Resource:
    """One BigTime record type and the paths that serve it (relative to :data:`API_ROOT`)."""

    name: str
    id_field: str
    fields: tuple[Field, ...]
    list_path: str = ""
    detail_path: str = ""
    create_path: str = ""
    update_path: str = ""
    delete_path: str = ""
    #: Fields a create must carry (400 without them).
    required: tuple[str, ...] = ()
    #: How the detail endpoint spells the id when it differs from the list (spec §4.3).
    detail_id_key: str = ""
    _by_lower: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_by_lower", MappingProxyType({f.name.lower(): f for f in self.fields})
        )

    def field(self, name: str) -> Field | None:
        """The field called ``name`` in any letter case (BigTime matches so, spec §1)."""
        return self._by_lower.get(name.lower())

    def canonical(self, name: str) -> str | None:
        f = self._by_lower.get(name.lower())
        return f.name if f is not None else None

    def names(self, *, detailed: bool = True) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if detailed or not f.detailed)


def _f(
    name: str,
    kind: Kind,
    ref: str = "",
    *,
    d: bool = False,
    w: bool = True,
    ev: str = DECL,
    unset: Any = None,
) -> Field:
    return Field(name, kind, ref, d, w, ev, unset)


_STAMPS = (
    _f("DtCreated", "datetime", w=False, ev=f"{OBS} ev§2.4 (project list); DECL elsewhere"),
    _f("DtModified", "datetime", w=False, ev=f"{OBS} ev§2.4 (project list); DECL elsewhere"),
)


def _cost_centres(*, detailed: bool, ev: str) -> tuple[Field, ...]:
    return tuple(
        _f(f"CostCenter{x}", "ref", f"costcenter{x.lower()}", d=detailed, ev=ev) for x in "ABC"
    )


_UDFS = _f("UdfList", "list", d=True, ev=f"{DECL} spec §4.11 (pybt)")

# --- clients (spec §4.1, ev §2.3) -------------------------------------------------------------

CLIENT = Resource(
    "client",
    "SystemId",
    (
        _f("SystemId", "sid", w=False, ev=f"{RUN} ev§2.3"),
        _f("ClientId", "text", ev=f"{RUN} ev§2.3"),
        _f("Nm", "text", ev=f"{RUN} ev§2.3"),
        _f("DisplayName", "text", ev=f"{DECL} spec §4.1"),
        _f("Address", "text", ev=f"{DECL} ev§2.3 (Billdora)"),
        _f("City", "text", ev=f"{DECL} ev§2.3"),
        _f("State", "text", ev=f"{DECL} ev§2.3"),
        _f("Zip", "text", ev=f"{DECL} ev§2.3"),
        _f("Country", "text", ev=f"{DECL} ev§2.3"),
        _f("MainPH", "text", ev=f"{DECL} ev§2.3"),
        _f("IsInactive", "bool", ev=f"{RUN} ev§2.3"),
        _f("Notes", "text", d=True, ev=f"{DECL} spec §4.1"),
        _f("QBCustomerId", "text", d=True, ev=f"{DECL} spec §4.1"),
        *_cost_centres(detailed=True, ev=f"{DECL} spec §4.1"),
        *_STAMPS,
    ),
    list_path="/client",
    detail_path="/client/detail/{sid}",
    create_path="/client/detail",
    update_path="/client/detail/{sid}",
    delete_path="/client/detail/{sid}",
    required=("Nm",),
)

# --- projects (spec §4.2, ev §2.4: the live list's field set, verbatim) -----------------------
#: Observed on every live list item; kinds beyond the name are the sandbox's guesses.
_PROJECT_LIST = f"{OBS} ev§2.4 list set"
_KIND_GUESS = f"{UNCERTAIN} name {OBS} ev§2.4, kind guessed"

PROJECT = Resource(
    "project",
    "SystemId",
    (
        _f("SystemId", "sid", w=False, ev=_PROJECT_LIST),
        _f("ProjectCode", "text", ev=_PROJECT_LIST),
        _f("Nm", "text", ev=_PROJECT_LIST),
        # "Client Name:Project Name" (ev §2.4, OBS+RUN): derived, never taken from a body.
        _f("DisplayName", "text", w=False, ev=f"{OBS} ev§2.4 'Client:Project'"),
        _f("ClientId", "ref", "client", ev=f"{RUN} ev§2.4"),
        # Unclassified projects carry TypeId 0, not null (ev §2.4, OBS).
        _f("TypeId", "ref", "projecttype", ev=f"{OBS} ev§2.4 (0 when unset)", unset=0),
        _f("StartDt", "date", ev=f"{OBS} ev§2.4 YYYY-MM-DD"),
        _f("EndDt", "date", ev=f"{OBS} ev§2.4 YYYY-MM-DD"),
        _f("IsInactive", "bool", ev=_PROJECT_LIST),
        # The live list already carries notes, cost centres and class (ev §3.3).
        _f("Notes", "text", ev=_PROJECT_LIST),
        *_cost_centres(detailed=False, ev=_PROJECT_LIST),
        _f("QBClassDefault", "ref", "class", ev=_PROJECT_LIST),
        # A number on every project, never null (ev §2.4: float(BasicRate) with no guard).
        _f("BasicRate", "money", ev=f"{OBS} ev§2.4 numeric, never null", unset=0),
        _f("BillingRate", "text", ev=f"{OBS} ev§2.4 text code ('flat', 'staffA')"),
        _f("BudgetHours", "hours", ev=_KIND_GUESS),
        _f("BudgetFees", "money", ev=_KIND_GUESS),
        _f("InputHours", "hours", ev=_KIND_GUESS),
        _f("InputFees", "money", ev=_KIND_GUESS),
        _f("BudgetStyle", "int", ev=_KIND_GUESS),
        _f("StatusProd", "int", ev=f"{DECL} spec §4.2 status id; name {OBS}"),
        _f("StatusProd_nt", "text", ev=f"{DECL} spec §4.2 note; name {OBS}"),
        _f("StatusBill", "int", ev=f"{DECL} spec §4.2 status id; name {OBS}"),
        _f("InvoiceType", "int", ev=_KIND_GUESS),
        _f("InvoiceTotals", "int", ev=_KIND_GUESS),
        _f("IsAllStaff", "bool", ev=f"{OBS} ev§2.4 JSON bool", unset=False),
        _f("IsNoCharge", "bool", ev=f"{OBS} ev§2.4 JSON bool", unset=False),
        _f("IsPto", "bool", ev=_KIND_GUESS, unset=False),
        _f("Billable", "bool", ev=_KIND_GUESS, unset=True),
        _f("Category", "int", ev=_KIND_GUESS),
        _f("CurrencySID", "int", ev=_KIND_GUESS),
        _f("PrimaryContactId", "int", ev=f"{DECL} spec §4.2; name {OBS}"),
        _f("BillingContactId", "int", ev=f"{DECL} spec §4.2; name {OBS}"),
        # Detail without View = the list's fields (ev §2.4); these only with View=Detailed.
        _f("DefaultInvoiceTermSid", "ref", "term", d=True, ev=f"{DECL} spec §4.2"),
        _f("QBCustomerId", "text", d=True, ev=f"{DECL} spec §4.2"),
        _UDFS,
        *_STAMPS,
    ),
    list_path="/project",
    detail_path="/project/detail/{sid}",
    create_path="/project/detail",
    update_path="/project/detail/{sid}",
    delete_path="/project/detail/{sid}",
    required=("Nm", "ClientId"),
)

# --- staff (spec §4.3, ev §2.2) ---------------------------------------------------------------
_STAFF_LIST = f"{OBS} ev§2.2 on the list"

STAFF = Resource(
    "staff",
    "StaffSID",
    (
        _f("StaffSID", "sid", w=False, ev=f"{RUN} ev§2.2 (list spelling)"),
        _f("FName", "text", ev=f"{RUN} ev§2.2"),
        _f("SName", "text", ev=f"{RUN} ev§2.2"),
        _f("FullName", "text", w=False, ev=_STAFF_LIST),
        _f("Title", "text", ev=_STAFF_LIST),
        _f("EMail", "text", ev=f"{DECL} spec §4.3"),
        _f("Phone_Cell", "text", ev=f"{DECL} spec §4.3"),
        _f("ManagerID", "ref", "staff", ev=f"{DECL} spec §4.3"),
        _f("IsInactive", "bool", ev=f"{DECL} spec §4.3"),
        # On the live list, dated YYYY-MM-DD (ev §2.2: d3.timeParse('%Y-%m-%d') ran on it).
        _f("Start_dt", "date", ev=f"{RUN} ev§2.2 list, YYYY-MM-DD"),
        _f("CostFactor", "money", w=False, ev=f"{OBS} ev§2.2 hourly cost, populated"),
        *(_f(f"Rate{n}", "money", w=False, ev=_STAFF_LIST) for n in range(1, 6)),
        _f("Capacity", "hours", w=False, ev=f"{UNCERTAIN} name {OBS} ev§2.2, kind guessed"),
        _f("Term_dt", "date", d=True, ev=f"{DECL} spec §4.3"),
        *_cost_centres(detailed=True, ev=f"{DECL} spec §4.3"),
        _f("IAEmployeeId", "text", d=True, ev=f"{DECL} spec §4.3"),
        _f("IAClassDefaultId", "ref", "class", d=True, ev=f"{DECL} spec §4.3"),
        _UDFS,
        *_STAMPS,
    ),
    list_path="/staff",
    detail_path="/staff/detail/{sid}",
    create_path=guesses.STAFF_CREATE_PATH,
    update_path="/staff/detail/{sid}",
    delete_path="/staff/detail/{sid}",
    required=("FName", "SName", "EMail"),
    detail_id_key="StaffSid",  # spec §4.3: the detail spells it StaffSid
)

# --- time entries (spec §4.5, ev §2.7) --------------------------------------------------------
_TIME_RUN = f"{RUN} ev§2.7 (bigtime-cli)"

TIME = Resource(
    "time",
    "SID",
    (
        _f("SID", "sid", w=False, ev=f"{DECL} ev§2.7"),
        _f("Dt", "date", ev=f"{RUN} ev§2.7 YYYY-MM-DD"),
        _f("ProjectSID", "ref", "project", ev=_TIME_RUN),
        _f("ProjectNm", "text", w=False, ev=_TIME_RUN),
        _f("ClientID", "ref", "client", w=False, ev=_TIME_RUN),
        _f("ClientNm", "text", w=False, ev=_TIME_RUN),
        _f("StaffSID", "ref", "staff", ev=f"{RUN} ev§2.8"),
        _f("SourceNm", "text", w=False, ev=f"{DECL} ev§2.7"),
        _f("FName", "text", w=False, ev=f"{DECL} spec §4.5"),
        _f("SName", "text", w=False, ev=f"{DECL} spec §4.5"),
        _f("BudgCatID", "ref", "laborcode", ev=_TIME_RUN),
        _f("BudgCatNm", "text", w=False, ev=_TIME_RUN),
        _f("TaskSID", "ref", "task", ev=f"{DECL} spec §4.5"),
        _f("TaskNm", "text", w=False, ev=f"{DECL} ev§2.7"),
        _f("QBClass", "ref", "class", ev=f"{DECL} spec §4.5"),
        _f("QBClassNm", "text", w=False, ev=f"{DECL} spec §4.5"),
        _f("Hours_IN", "hours", ev=f"{RUN} ev§2.7 JSON number"),
        _f("Notes", "text", ev=f"{RUN} ev§2.8"),
        _f("NoCharge", "bool", ev=f"{DECL} ev§2.7"),
        _f("IsApproved", "bool", w=False, ev=f"{DECL} ev§2.7"),
        _f("InvoiceSID", "ref", "invoice", w=False, ev=f"{DECL} spec §4.5"),
        _f("IsInvoiced", "bool", w=False, ev=f"{DECL} spec §4.5"),
        _f("HoursBillable", "hours", ev=f"{OBS} ev§2.8 (not required)"),
        _f("BillRate", "money", w=False, ev=f"{DECL} ev§2.7"),
        _f("ChargeBillable", "money", ev=f"{OBS} ev§2.8 (not required)"),
        _f("CostRate", "money", w=False, ev=f"{DECL} spec §4.5"),
        _f("IsSubmitted", "bool", w=False, ev=f"{DOC} spec §4.5"),
    ),
    detail_path="/time/{sid}",
    create_path="/time",
    update_path="/time/{sid}",
    delete_path="/time/{sid}",
    required=("Dt", "ProjectSID", "StaffSID", "Hours_IN"),
)

# --- invoices (spec §4.7, ev §2.9: the live history item's keys) ------------------------------
_INVOICE_LIST = f"{OBS} ev§2.9 history keys"
_INVOICE_GUESS = f"{UNCERTAIN} name {OBS} ev§2.9, value guessed"

INVOICE = Resource(
    "invoice",
    "Sid",
    (
        _f("Sid", "sid", w=False, ev=_INVOICE_LIST),
        _f("InvoiceNbr", "text", ev=_INVOICE_LIST),
        _f("ClientSid", "ref", "client", ev=_INVOICE_LIST),
        _f("ProjectSid", "ref", "project", ev=_INVOICE_LIST),
        _f("ClientNm", "text", w=False, ev=_INVOICE_LIST),
        _f("DName", "text", w=False, ev=f"{OBS} ev§2.9 'Client:Project'"),
        _f("InvoiceDt", "date", ev=f"{OBS} ev§2.9 YYYY-MM-DD"),
        _f("InvoiceDtSent", "date", ev=_INVOICE_LIST),
        _f("InvoiceDtDue", "date", ev=_INVOICE_LIST),
        _f("InvoicePeriod", "int", w=False, ev=f"{OBS} ev§2.9 YYYYMM integer"),
        _f("TermsSid", "ref", "term", ev=f"{DECL} spec §4.7"),
        _f("TermsNm", "text", w=False, ev=_INVOICE_LIST),
        _f("PONumber", "text", ev=_INVOICE_LIST),
        _f("InvoiceAmt", "money", w=False, ev=f"{RUN} ev§2.9 JSON number"),
        _f("Subtotal", "money", w=False, ev=_INVOICE_LIST),
        _f("SalesTaxAmt", "money", w=False, ev=_INVOICE_LIST),
        _f("TotalAmt", "money", w=False, ev=_INVOICE_LIST),
        _f("PaidAmt", "money", w=False, ev=_INVOICE_LIST),
        _f("TotalAmtDue", "money", w=False, ev=_INVOICE_LIST),
        _f("IsPaid", "bool", w=False, ev=_INVOICE_LIST),
        _f("Status", "int", w=False, ev=_INVOICE_LIST),
        _f("StatusTxt", "text", w=False, ev=_INVOICE_LIST),
        _f("PostedStatus", "int", w=False, ev=_INVOICE_LIST),
        _f("DaysOutstanding", "int", w=False, ev=_INVOICE_GUESS),
        _f("ARPeriodNm", "text", w=False, ev=_INVOICE_GUESS),
        _f("Note1", "text", ev=f"{DECL} spec §4.7"),
        _f("Lines", "list", d=True, ev=f"{OBS} ev§2.9 detail Lines[]"),
    ),
    list_path="/invoice/history",
    detail_path="/invoice/detail/{sid}",
    update_path="/invoice/detail/{sid}",
)

_LINE = f"{OBS} ev§2.9 (bt_probe_lines)"
INVOICE_LINE = Resource(
    "invoice_line",
    "LineNbr",
    (
        _f("LineNbr", "int", ev=_LINE),
        _f("InvoiceSid", "ref", "invoice", ev=f"{DECL} spec §4.7"),
        _f("Nm", "text", ev=_LINE),
        _f("Nt", "text", ev=_LINE),
        _f("Quantity", "hours", ev=_LINE),
        _f("Rate", "money", ev=_LINE),
        _f("Amt", "money", ev=_LINE),
        _f("LineType", "int", ev=f"{UNCERTAIN} name {_LINE}, kind guessed"),
        _f("Source", "text", ev=f"{UNCERTAIN} name {_LINE}, kind guessed"),
        _f("QBClassSid", "ref", "class", ev=f"{DECL} spec §4.7"),
        _f("AcctSid", "ref", "glaccount", ev=_LINE),
        _f("ProjectSid", "ref", "project", ev=_LINE),
    ),
)

# --- tasks (spec §4.9, ev §2.14) ---------------------------------------------------------------

TASK = Resource(
    "task",
    "TaskSid",
    (
        _f("TaskSid", "sid", w=False),
        _f("ProjectSid", "ref", "project"),
        _f("TaskNm", "text", ev=f"{OBS} ev§2.14"),
        _f("TaskGroup", "text", ev=f"{OBS} ev§2.14"),
        _f("FullName", "text", w=False),
        _f("TaskId", "text"),
        _f("CurrentStatus", "int"),
        _f("BudgetHours", "hours"),
        _f("BudgetFees", "money"),
        _f("DefaultQBClass", "ref", "class"),
        _f("NoCharge", "bool"),
        _f("IsArchived", "bool"),
    ),
    list_path="/task/listByProject/{sid}",
    detail_path="/task/detail/{sid}",
    required=("ProjectSid", "TaskNm"),
)

#: ``/task/BudgetStatusByProject/{sid}``: the keys a live probe printed (ev §2.14, OBS), not
#: the spec's declared ones. Computed from the project's tasks and time (guesses.py says how).
_BUDGET = f"{OBS} ev§2.14 key; value computed by the sandbox"
_BUDGET_FIELDS: tuple[tuple[str, Kind], ...] = (
    ("TaskNm", "text"), ("TaskGroup", "text"), ("HrsIn", "hours"),
    ("ChargeIn", "money"), ("FeeCostIn", "money"), ("ExpCostIn", "money"),
    ("InvoicedToDate", "money"), ("FeeWipToDate", "money"), ("ExpWipToDate", "money"),
    ("EstHrs", "hours"), ("EstFee", "money"), ("RemainingEstHrs", "hours"),
    ("RemainingEstFee", "money"), ("WipTotal", "money"),
)  # fmt: skip
TASK_BUDGET_STATUS = Resource(
    "task_budget_status",
    "TaskNm",
    tuple(_f(name, kind, w=False, ev=_BUDGET) for name, kind in _BUDGET_FIELDS),
)

#: ``/time/TotalByDay/{staffsid}`` items: the spec's declared keys, "shape UNCERTAIN" (spec
#: §4.5); the path is called by code that ran (bigtime-sdk, bigtime-cli), its answer unseen.
_TOTALS = f"{UNCERTAIN} spec §4.5 declared shape"
_TOTAL_FIELDS: tuple[tuple[str, Kind], ...] = (
    ("staffSid", "ref"), ("dt", "date"), ("totalHours", "hours"), ("timerCount", "int"),
    ("billableHours", "hours"), ("nonBillableHours", "hours"), ("totalUnsubmittedTime", "hours"),
)  # fmt: skip
TIME_TOTAL_BY_DAY = Resource(
    "time_total_by_day",
    "dt",
    tuple(_f(name, kind, w=False, ev=_TOTALS) for name, kind in _TOTAL_FIELDS),
)

# --- expenses (spec §4.6, ev §2.10) -------------------------------------------------------------
_EXPENSE = f"{OBS} ev§2.10 (GLLPS 'Expenses')"

EXPENSE = Resource(
    "expense",
    "SID",
    (
        _f("SID", "sid", w=False, ev=f"{DECL} spec §4.6"),
        _f("RptSID", "ref", "expense_report", w=False, ev=f"{DOC} spec §4.6 (0 = unsubmitted)"),
        _f("StaffSID", "ref", "staff", ev=f"{RUN} ev§2.10 (body staffsid)"),
        _f("Dt", "date", ev=f"{RUN} ev§2.10 (body dt YYYY-MM-DD)"),
        _f("ProjectSID", "ref", "project", ev=_EXPENSE),
        _f("ProjectNm", "text", w=False, ev=f"{DECL} spec §4.6"),
        _f("ClientSID", "ref", "client", w=False, ev=_EXPENSE),
        _f("ClientNm", "text", w=False, ev=_EXPENSE),
        _f("CatSID", "ref", "expensecode", ev=f"{RUN} ev§2.10 (body catsid)"),
        _f("CatNm", "text", w=False, ev=_EXPENSE),
        _f("Nt", "text", ev=_EXPENSE),
        _f("CostIN", "money", ev=f"{RUN} ev§2.10 (body CostIN)"),
        _f("CostBill", "money", w=False, ev=_EXPENSE),
        _f("PaidByCo", "bool", ev=_EXPENSE, unset=False),
        _f("NoCharge", "bool", ev=f"{DECL} spec §4.6", unset=False),
        _f("IsSubmitted", "bool", w=False, ev=_EXPENSE),
        _f("IsApproved", "bool", w=False, ev=f"{DECL} spec §4.6", unset=False),
    ),
    detail_path="/expense/detail/{sid}",
    create_path="/expense/detail",
    required=("StaffSID", "ProjectSID", "CatSID", "Dt", "CostIN"),
)

# --- nested and small records ---------------------------------------------------------------------

#: One custom-field value (``UdfList`` item, ``/project/CustomFields``, ``/staff/UDFList``).
UDF = Resource(
    "udf",
    "Sid",
    (
        _f("Sid", "sid", ev=f"{DECL} ev§2.6"),
        _f("Name", "text", ev=f"{DECL} ev§2.6"),
        _f("Value", "text", ev=f"{DECL} ev§2.6"),
    ),
)

#: The team-lead flag of a team member (ev §2.5, OBS-fix in bigtime-api-python 0.0.3).
TEAM_LEAD_FIELD = "TeamLead"
#: A team member's staff id: lower-case ``staffsid`` on the wire (ev §2.5, OBS-fix).
TEAM_STAFF_FIELD = "staffsid"

#: One project team member (``/project/team/{sid}``): ``staffsid``, ``ContactRole``,
#: ``TeamLead``, ``StaffNm`` -- the keys bigtime-api-python 0.0.3 was fixed to read (ev §2.5).
TEAM_MEMBER = Resource(
    "team_member",
    TEAM_STAFF_FIELD,
    (
        _f(TEAM_STAFF_FIELD, "ref", "staff", ev=f"{OBS} ev§2.5 (fix)"),
        _f("ContactRole", "int", ev=f"{OBS} ev§2.5"),
        _f(TEAM_LEAD_FIELD, "bool", ev=f"{OBS} ev§2.5", unset=False),
        _f("StaffNm", "text", w=False, ev=f"{OBS} ev§2.5 (fix)"),
    ),
)

#: One picklist item: ``Id``, ``Name``, ``Group`` (ev §2.11, RUN), plus the sandbox's extras.
PICKLIST_ITEM = Resource(
    "picklist_item",
    "Id",
    (
        _f("Id", "sid", ev=f"{RUN} ev§2.11"),
        _f("Name", "text", ev=f"{RUN} ev§2.11"),
        _f("Group", "text", ev=f"{RUN} ev§2.11"),
        _f("IsInactive", "bool", ev=f"{DECL} spec §4.10"),
        *(
            _f(name, kind, ev=f"{UNCERTAIN} guesses.PICKLIST_EXTRA_FIELDS")
            for name, kind in guesses.PICKLIST_EXTRA_FIELDS
        ),
    ),
)

#: A ``/picklist/FieldValues/{field}`` item: as a picklist item, but ``Id`` goes out as a
#: string (ev §2.11: live code needed ``int(t["Id"])`` to join on TypeId; low confidence).
FIELD_VALUE_ITEM = Resource(
    "field_value_item",
    "Id",
    (
        _f("Id", "sid_text", ev=f"{UNCERTAIN} ev§2.11 'probably a string'"),
        *PICKLIST_ITEM.fields[1:],
    ),
)

RESOURCES: Mapping[str, Resource] = MappingProxyType(
    {
        r.name: r
        for r in (
            CLIENT,
            PROJECT,
            STAFF,
            TIME,
            INVOICE,
            INVOICE_LINE,
            TASK,
            TASK_BUDGET_STATUS,
            TIME_TOTAL_BY_DAY,
            EXPENSE,
            UDF,
            TEAM_MEMBER,
            PICKLIST_ITEM,
            FIELD_VALUE_ITEM,
        )
    }
)


def resource(name: str) -> Resource:
    return RESOURCES[name]


def guessed_fields() -> list[tuple[str, str, str]]:
    """``(resource, field, evidence)`` of every field whose name or kind is a guess."""
    return [(r.name, f.name, f.evidence) for r in RESOURCES.values() for f in r.fields if f.guessed]


# --- report columns (spec §4.12, ev §2.13) ------------------------------------------------------

#: ``/report/data/{id}`` columns of a time report, as production scripts read them (ev §2.13,
#: OBS: voyage fixed ``tmprojectsid`` to ``tmprojectnm_id``).
TIME_REPORT_COLUMNS = (
    "tmstaffnm", "tmdt", "tmhrsin", "tmhrsbill", "tmchgbillbase", "tmclientnm",
    "tmclientnm_id", "tmprojectnm", "tmprojectnm_id", "tmnotes",
)  # fmt: skip
#: The "actual columns" of an expense report, listed verbatim in a comment (ev §2.13, OBS).
EXPENSE_REPORT_COLUMNS = (
    "fromcurrencysid", "currencysid", "sid", "issubmitted", "exprojectnm", "exprojectnm_id",
    "exclientnm", "exclientnm_id", "exsourcenm", "exsourcenm_id", "exdt", "exdt_id",
    "exweekenddt", "excatnm", "excatnm_id", "excatnm_sort", "exnt", "excostin", "excostin_id",
    "excostbill", "excostbill_id", "excostnc", "excostnc_id", "exnc", "exnc_id", "expaidbyco",
    "exhasreceipt", "exissubmitted", "exissubmitted_id", "exapprstatus", "exapprstatus_id",
    "exisinvoiced", "exisinvoiced_id",
)  # fmt: skip
#: Keys of the report answer and of a FieldList item (ev §2.13, RUN).
REPORT_DATA_KEY, REPORT_FIELDS_KEY, REPORT_FIELD_NAME_KEY = "Data", "FieldList", "FieldNm"
#: The report window's body keys, upper case as every working script sends them (ev §2.13).
REPORT_BEGIN_KEY, REPORT_END_KEY = "DT_BEGIN", "DT_END"

# --- sessions (spec §2.1, ev §2.1) ------------------------------------------------------------

#: ``POST /session`` body keys (DOC; any case, ev §2.1) and the answer's lower-case keys (RUN).
SESSION_USER_KEY, SESSION_PASSWORD_KEY, SESSION_FIRM_KEY = "UserId", "Pwd", "Firm"

# --- paths (spec §4, ev §2) --------------------------------------------------------------------

PROJECT_TEAM_PATH = "/project/team/{sid}"  # DECL pybt; ev §2.5 fixed its keys against live
PROJECT_UDF_PATH = "/project/CustomFields/{sid}"  # DECL ev §2.6
STAFF_UDF_PATH = "/staff/UDFList/{sid}"  # DOC spec §4.3
TIME_SHEET_PATH = "/time/Sheet/{sid}"  # RUN ev §2.7
TIME_BY_PROJECT_PATH = "/time/ByProject/{sid}"  # RUN ev §2.7
TIME_TOTAL_BY_DAY_PATH = "/time/TotalByDay/{sid}"  # RUN ev §1 (bigtime-sdk, bigtime-cli)
TIME_REPORT_BY_FILTER_PATH = "/time/reportbyfilter"  # OBS ev §2.15: exists, answered 400
INVOICE_HISTORY_PATH = "/invoice/history"  # RUN ev §2.9
INVOICE_DRAFTS_PATH = "/invoice/drafts"  # RUN ev §1
TASK_BUDGET_STATUS_PATH = "/task/BudgetStatusByProject/{sid}"  # OBS ev §2.14
EXPENSE_REPORT_BY_FILTER_PATH = "/expense/reportbyfilter"  # OBS ev §2.10 "Confirmed Working"
EXPENSE_REPORT_PATH = "/expense/report/{sid}"  # OBS ev §2.10: 0 -> 200, others -> 500
REPORT_DATA_PATH = "/report/data/{sid}"  # RUN ev §2.13 (GET and POST)
SESSION_FIRM_PATH = "/session/firm"  # OBS ev §2.1: 403
VOCABULARY_PATH = "/settings/vocabulary"  # DOC spec §4.11
FIELD_VALUES_PATH = "/picklist/FieldValues/{field}"  # RUN ev §2.11

#: ``MarkSubmitted=true`` on a time create/update submits the entry (spec §4.5, DOC+DECL).
MARK_SUBMITTED_PARAM = "MarkSubmitted"

#: Custom fields BigTime's Intacct integration creates (spec §4.11, DOC): their names.
UDF_EMPLOYEE_ID = "Employee ID"
UDF_PO_NUMBER = "PO Number"
UDF_PO_AMOUNT = "PO Amount"
UDF_SO_NUMBER = "SO Number"
