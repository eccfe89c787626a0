"""BigTime's wire catalogue: resources, their paths, fields and kinds -- in ONE place.

The client (request building, typing frames, settling writes) reads this module. The
sandbox keeps its own description (``recon.sandbox.bigtime.catalogue``) and never reads
this one: both are checked against golden answers transcribed from the evidence
(``tests/fixtures/bigtime``), so a wrong guess here is not "confirmed" by the emulator. Field
names are the canonical spelling BigTime emits (PascalCase and its legacy abbreviations;
one exception: a team member's id, see :data:`TEAM_MEMBER`); BigTime matches names
case-insensitively on input (spec §1), and so does everything reading here.

Evidence per field is in docs/specs/bigtime-rest-api.md §4 and docs/specs/bigtime-evidence.md
§2; what they leave UNCERTAIN or NOT FOUND is decided in :mod:`recon.bigtime.uncertain` and
only referenced from here. A field seen on the live API whose type is unknown is left out:
a frame keeps it as received (an unknown column), so a wrong guess cannot break a pull.

Kinds
-----
``sid``       BigTime integer system id of this record
``ref``       integer id of another record (``ref`` says which resource or list)
``text``      string
``int``       integer that is not an id
``money``     decimal amount, 2 places (``Decimal`` in frames)
``hours``     decimal hours (``Decimal`` in frames)
``date``      ``YYYY-MM-DD``, what BigTime emits (evidence §3.1); readers also accept the
              ASP.NET form ``YYYY-MM-DDT00:00:00``
``datetime``  ISO timestamp
``bool``      JSON true/false
``list``      nested array (``UdfList``, ``Lines``); kept as Python objects

Citations: "spec §N" is docs/specs/bigtime-rest-api.md, "evidence §N"
docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from recon.bigtime import uncertain

Kind = Literal["sid", "ref", "text", "int", "money", "hours", "date", "datetime", "bool", "list"]

#: The API root below the host, as on iq.bigtime.net (spec §1).
API_ROOT = "/BigtimeData/api/v2"


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    #: For ``ref``: the resource or picklist the id points into.
    ref: str = ""
    #: True when the field is only in ``View=Detailed`` (spec: "Detailed adds"; the live
    #: project list carries more than the spec said, evidence §2.4).
    detailed: bool = False
    #: Honoured on create/update (the entity's "Update view", spec §5).
    writable: bool = True


@dataclass(frozen=True)
class Resource:
    """One BigTime record type and the paths that serve it (relative to :data:`API_ROOT`).

    ``{sid}`` in a path is the record's system id.
    """

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
    #: Fields that identify a record to a human and to write settlement (read-back).
    natural_key: tuple[str, ...] = ()
    _by_lower: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_by_lower", MappingProxyType({f.name.lower(): f for f in self.fields})
        )

    def field(self, name: str) -> Field | None:
        """The field called ``name`` in any letter case, or None."""
        return self._by_lower.get(name.lower())

    def canonical(self, name: str) -> str | None:
        """BigTime's spelling of ``name`` (any case), or None when not a field here."""
        f = self._by_lower.get(name.lower())
        return f.name if f is not None else None

    def names(self, *, detailed: bool = True) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if detailed or not f.detailed)


def _f(spec: str, kind: Kind, ref: str = "", *, d: bool = False, w: bool = True) -> Field:
    return Field(spec, kind, ref, d, w)


_STAMPS = (_f("DtCreated", "datetime", w=False), _f("DtModified", "datetime", w=False))
_CC = tuple(_f(f"CostCenter{x}", "ref", f"costcenter{x.lower()}", d=True) for x in "ABC")
#: Cost centres on the live project *list* (evidence §2.4), not only in Detailed.
_CC_LISTED = tuple(_f(f"CostCenter{x}", "ref", f"costcenter{x.lower()}") for x in "ABC")
_UDFS = _f("UdfList", "list", d=True)

CLIENT = Resource(
    "client",
    "SystemId",
    (
        _f("SystemId", "sid", w=False),
        _f("ClientId", "text"),
        _f("Nm", "text"),
        _f("DisplayName", "text"),
        _f("Address", "text"),
        _f("City", "text"),
        _f("State", "text"),
        _f("Zip", "text"),
        _f("Country", "text"),
        _f("MainPH", "text"),
        _f("IsInactive", "bool"),
        _f("Notes", "text", d=True),
        _f("QBCustomerId", "text", d=True),
        *_CC,
        *_STAMPS,
    ),
    list_path="/client",
    detail_path="/client/detail/{sid}",
    create_path="/client/detail",
    update_path="/client/detail/{sid}",
    delete_path="/client/detail/{sid}",
    required=("Nm",),
    natural_key=("ClientId",),
)

PROJECT = Resource(
    "project",
    "SystemId",
    (
        _f("SystemId", "sid", w=False),
        _f("ProjectCode", "text"),
        _f("Nm", "text"),
        _f("DisplayName", "text"),
        _f("ClientId", "ref", "client"),
        # 0 when the project has no type (evidence §2.4): read as no reference (frames).
        _f("TypeId", "ref", "projecttype"),
        _f("StartDt", "date"),
        _f("EndDt", "date"),
        _f("IsInactive", "bool"),
        # The live list already carries notes, cost centres and class (evidence §2.4).
        _f("Notes", "text"),
        *_CC_LISTED,
        _f("QBClassDefault", "ref", "class"),
        # A number on every live project (evidence §2.4); recon never writes it.
        _f("BasicRate", "money", w=False),
        _f("DefaultInvoiceTermSid", "ref", "term", d=True),
        _f("QBCustomerId", "text", d=True),
        _UDFS,
        *_STAMPS,
    ),
    list_path="/project",
    detail_path="/project/detail/{sid}",
    create_path="/project/detail",
    update_path="/project/detail/{sid}",
    delete_path="/project/detail/{sid}",
    required=("Nm", "ClientId"),
    natural_key=("ProjectCode",),
)

STAFF = Resource(
    "staff",
    # The list emits StaffSID, detail StaffSid (spec §4.3: casing varies by endpoint).
    "StaffSID",
    (
        _f("StaffSID", "sid", w=False),
        _f("FName", "text"),
        _f("SName", "text"),
        _f("FullName", "text", w=False),
        _f("Title", "text"),
        _f("EMail", "text"),
        _f("Phone_Cell", "text"),
        _f("ManagerID", "ref", "staff"),
        _f("IsInactive", "bool"),
        # On the live list (evidence §2.2): start date, hourly cost, billing rates.
        _f("Start_dt", "date"),
        _f("CostFactor", "money", w=False),
        *(_f(f"Rate{n}", "money", w=False) for n in range(1, 6)),
        _f("Term_dt", "date", d=True),
        *_CC,
        _f("IAEmployeeId", "text", d=True),
        _f("IAClassDefaultId", "ref", "class", d=True),
        _UDFS,
        *_STAMPS,
    ),
    list_path="/staff",
    detail_path="/staff/detail/{sid}",
    create_path=uncertain.STAFF_CREATE_PATH,
    update_path="/staff/detail/{sid}",
    delete_path="/staff/detail/{sid}",
    required=("FName", "SName", "EMail"),
    natural_key=("EMail",),
)

TIME = Resource(
    "time",
    "SID",
    (
        _f("SID", "sid", w=False),
        _f("Dt", "date"),
        _f("ProjectSID", "ref", "project"),
        _f("ProjectNm", "text", w=False),
        _f("ClientID", "ref", "client", w=False),
        _f("ClientNm", "text", w=False),
        _f("StaffSID", "ref", "staff"),
        _f("SourceNm", "text", w=False),
        _f("FName", "text", w=False),
        _f("SName", "text", w=False),
        _f("BudgCatID", "ref", "laborcode"),
        _f("BudgCatNm", "text", w=False),
        _f("TaskSID", "ref", "task"),
        _f("TaskNm", "text", w=False),
        _f("QBClass", "ref", "class"),
        _f("QBClassNm", "text", w=False),
        _f("Hours_IN", "hours"),
        _f("Notes", "text"),
        _f("NoCharge", "bool"),
        _f("IsApproved", "bool", w=False),
        _f("InvoiceSID", "ref", "invoice", w=False),
        _f("IsInvoiced", "bool", w=False),
        _f("HoursBillable", "hours"),
        _f("BillRate", "money", w=False),
        _f("ChargeBillable", "money"),
        _f("CostRate", "money", w=False),
        _f("IsSubmitted", "bool", w=False),
    ),
    detail_path="/time/{sid}",
    create_path="/time",
    update_path="/time/{sid}",
    delete_path="/time/{sid}",
    required=("Dt", "ProjectSID", "StaffSID", "Hours_IN"),
    natural_key=("StaffSID", "Dt", "ProjectSID", "Hours_IN", "Notes"),
)

INVOICE = Resource(
    "invoice",
    "Sid",
    (
        _f("Sid", "sid", w=False),
        _f("InvoiceNbr", "text"),
        _f("ClientSid", "ref", "client"),
        _f("ProjectSid", "ref", "project"),
        _f("ClientNm", "text", w=False),
        # "Client:Project" (evidence §2.9).
        _f("DName", "text", w=False),
        _f("InvoiceDt", "date"),
        _f("InvoiceDtSent", "date", w=False),
        _f("InvoiceDtDue", "date"),
        # YYYYMM as an integer (evidence §2.9).
        _f("InvoicePeriod", "int", w=False),
        _f("TermsSid", "ref", "term"),
        _f("TermsNm", "text", w=False),
        _f("PONumber", "text", w=False),
        # A JSON number on the live history (evidence §2.9: formatted with ``,.2f``).
        _f("InvoiceAmt", "money", w=False),
        _f("Subtotal", "money", w=False),
        _f("SalesTaxAmt", "money", w=False),
        _f("TotalAmt", "money", w=False),
        _f("PaidAmt", "money", w=False),
        _f("Status", "int", w=False),
        _f("StatusTxt", "text", w=False),
        _f("PostedStatus", "int", w=False),
        _f("Note1", "text"),
        _f("Lines", "list", d=True),
    ),
    list_path="/invoice/history",
    detail_path="/invoice/detail/{sid}",
    update_path="/invoice/detail/{sid}",
    natural_key=("InvoiceNbr",),
)

INVOICE_LINE = Resource(
    "invoice_line",
    "LineNbr",
    (
        _f("LineNbr", "int"),
        _f("InvoiceSid", "ref", "invoice"),
        _f("Nm", "text"),
        _f("Nt", "text"),
        _f("Quantity", "hours"),
        _f("Rate", "money"),
        _f("Amt", "money"),
        _f("QBClassSid", "ref", "class"),
        _f("AcctSid", "ref", "glaccount"),
        _f("ProjectSid", "ref", "project"),
    ),
)

TASK = Resource(
    "task",
    "TaskSid",
    (
        _f("TaskSid", "sid", w=False),
        _f("ProjectSid", "ref", "project"),
        _f("TaskNm", "text"),
        _f("TaskGroup", "text"),
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

#: One expense entry (spec §4.6; evidence §2.10 lists ProjectSID, ClientSID, ClientNm,
#: CostIN, CostBill, Dt, CatNm, Nt, IsSubmitted, PaidByCo as observed). The id, the report id,
#: the staffer and the no-charge flag are not in that list: uncertain.EXPENSE_GUESSED_FIELDS.
EXPENSE = Resource(
    "expense",
    "SID",
    (
        _f("SID", "sid", w=False),
        _f("RptSID", "ref", "expense_report", w=False),
        _f("StaffSID", "ref", "staff"),
        _f("Dt", "date"),
        _f("ProjectSID", "ref", "project"),
        _f("ProjectNm", "text", w=False),
        _f("ClientSID", "ref", "client", w=False),
        _f("ClientNm", "text", w=False),
        _f("CatSID", "ref", "expensecode"),
        _f("CatNm", "text", w=False),
        _f("Nt", "text"),
        _f("CostIN", "money"),
        _f("CostBill", "money", w=False),
        _f("PaidByCo", "bool"),
        _f("NoCharge", "bool"),
        _f("IsSubmitted", "bool", w=False),
        _f("IsApproved", "bool", w=False),
    ),
    list_path=uncertain.EXPENSE_BY_FILTER_PATH,
    detail_path="/expense/detail/{sid}",
    create_path="/expense/detail",
    required=("StaffSID", "ProjectSID", "CatSID", "Dt", "CostIN"),
)

#: One custom-field value (``UdfList`` item, ``/project/CustomFields``, ``/staff/UDFList``).
UDF = Resource("udf", "Sid", (_f("Sid", "sid"), _f("Name", "text"), _f("Value", "text")))

#: One project team member (``/project/team/{sid}``), spec §4.2, evidence §2.5. BigTime
#: sends ``staffsid`` (lower case) and ``StaffNm``; recon spells the id ``StaffSid`` in its
#: frames and bodies (matching is case-insensitive both ways, so the wire spelling reads
#: into it). An older guess's ``Nm`` is no longer catalogued (kept as received if sent).
TEAM_MEMBER = Resource(
    "team_member",
    "StaffSid",
    (
        _f("StaffSid", "ref", "staff"),
        _f("StaffNm", "text", w=False),
        _f("ContactRole", "int"),
        _f(uncertain.TEAM_LEAD_FIELD, "bool"),
    ),
)

#: One picklist item; ``Id`` may be a string on some lists (spec §4.10).
PICKLIST_ITEM = Resource(
    "picklist_item",
    "Id",
    (
        _f("Id", "sid"),
        _f("Name", "text"),
        _f("Group", "text"),
        _f("IsInactive", "bool"),
        *(_f(name, kind) for name, kind in uncertain.PICKLIST_EXTRA_FIELDS),
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
            EXPENSE,
            INVOICE_LINE,
            TASK,
            UDF,
            TEAM_MEMBER,
            PICKLIST_ITEM,
        )
    }
)


def resource(name: str) -> Resource:
    return RESOURCES[name]
