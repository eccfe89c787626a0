"""Every guess the BigTime sandbox makes where the spec and the evidence are silent: UNCERTAIN.

The sandbox keeps its own guesses, apart from the client's (``recon.bigtime.uncertain``):
where both sides guessed alike, a real firm proving one wrong no longer hides behind the
other. Each constant cites the section of docs/specs/bigtime-rest-api.md ("spec §N") or
docs/specs/bigtime-evidence.md ("ev §N") it stands in for. Field names and kinds that are guesses
are tagged ``UNCERTAIN`` in :mod:`recon.sandbox.bigtime.catalogue` (its ``guessed_fields()``
lists them). Correct a constant here when a real BigTime firm shows otherwise.

This module imports nothing of the package: the catalogue and everything else read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

# --- sessions and realms (spec §2.1, ev §2.1) --------------------------------------------------

#: Sessions slide: every use pushes expiry this far forward. The spec saw both 24 hours and
#: 7 days documented; the sandbox takes the shorter.
DEFAULT_SESSION_TTL_SECONDS = 24 * 3600.0
#: The doc's session example shows a numeric ``userid`` (999); the demo user's number.
DEMO_USER_NUMBER = 1001
#: The session answer's staffsid/fname/sname come from the staffer whose EMail is the login;
#: these stand in when there is none.
DEMO_USER_FNAME = "Demo"
DEMO_USER_SNAME = "Accountant"
DEMO_USER_STAFFSID = 0
#: ``POST /session/firm`` answered 403 to a live probe (ev §2.1, OBS); what it is for is not
#: known, so the sandbox refuses it always.
SESSION_FIRM_TEXT = "Authorization has been denied for this request."

# --- messages (spec §3: body shape NOT FOUND; ASP.NET Web API defaults where one exists) -------

#: The error body is ``{"Message": ...}``, ASP.NET Web API's default (spec §3; ev §2.15: no
#: client ever committed an error body).
MESSAGE_KEY = "Message"
#: ASP.NET Web API's own 401 text. Never echoes the key or token (they are secrets).
UNAUTHORISED_TEXT = "Authorization has been denied for this request."
LOGIN_FAILED_TEXT = "Invalid user id, password or firm."
LOGIN_MISSING_TEXT = "UserId and Pwd are required."
#: ASP.NET Web API's 404/405/500 texts. Only the path is echoed, never the query string
#: (``POST /session`` may carry a password there).
NO_ROUTE_TEXT = "No HTTP resource was found that matches the request URI '{path}'."
BAD_METHOD_TEXT = "The requested resource does not support http method '{method}'."
INTERNAL_ERROR_TEXT = "An error has occurred."
#: No 429 is documented (spec §1, ev §2.15); the text is the sandbox's.
RATE_LIMIT_TEXT = "Too many requests. Please retry later."
NOT_JSON_TEXT = "The request body is not valid JSON: {detail}"
NOT_FORM_TEXT = "The request body is not a valid form: {detail}"
NOT_FOUND_TEXT = "{what} {sid} was not found."
DELETED_TEXT = "deleted"
IN_USE_TEXT = "{what} {sid} cannot be deleted: {count} {others} refer to it."

BAD_GATEWAY_HTML = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)
#: A CDN's "origin did not answer in time" page; the request WAS applied.
TIMEOUT_524_HTML = (
    b"<html><head><title>524: A timeout occurred</title></head>"
    b"<body><h1>A timeout occurred</h1></body></html>"
)

# --- request parsing (spec §1, ev §2.7, §2.13) -------------------------------------------------

#: ``View``: anything other than ``Detailed`` (any case) is the default Basic view, as an
#: ASP.NET string/enum binding falls back to its default (ev §2.7: bigtime-api-python sends
#: ``view=ViewChoices.DETAILED``; inference, not observed). Never a 400.
DETAILED_VIEW = "detailed"
#: Body media types read besides JSON. ``/report/data`` took a form-encoded body from a
#: production script (ev §2.13, RUN); ASP.NET Web API binds one to any complex parameter,
#: so the sandbox reads it on every route that takes an object body (UNCERTAIN elsewhere).
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
#: True/false query parameters that are neither (``ShowInactive=maybe``) are a 400 in the
#: sandbox. Whether BigTime refuses them or falls back to false is not known.
STRICT_FLAGS = True

# --- derived fields ----------------------------------------------------------------------------

#: Staff ``FullName`` (and time ``SourceNm``, team ``StaffNm``): BigTime's format is not
#: published; "First Last" is what every client that shows it seems to expect.
FULL_NAME_FORMAT = "{FName} {SName}"
#: Project ``DisplayName`` and invoice ``DName``: "Client Name:Project Name" (ev §2.4 OBS,
#: ev §2.9) -- the format is evidence; without a client the project name alone (a guess).
DISPLAY_NAME_FORMAT = "{client}:{project}"
#: Task ``FullName`` when the task has a group; otherwise it is ``TaskNm``.
TASK_FULL_NAME_FORMAT = "{TaskGroup}: {TaskNm}"
#: ``showCompleted`` on ``/task/listByProject``: a task counts as completed when archived.
TASK_COMPLETED_FIELD = "IsArchived"
#: ``ChargeBillable`` of a created time entry that does not give one: the sandbox knows no
#: billing rates, so it charges nothing (spec §4.5: the field "defaults", value unknown).
DEFAULT_CHARGE_BILLABLE = "0"
#: Invoice ``InvoiceAmt`` when a seed gives none: the total (ev §2.9 names it, not its sense).
#: ``TotalAmtDue`` = total - paid, ``IsPaid`` = nothing due, ``InvoicePeriod`` = YYYYMM of
#: ``InvoiceDt`` (ev §2.9 says "YYYYMM integer"), ``TermsNm`` = the term item's name.
#: ``DaysOutstanding`` and ``ARPeriodNm`` need a "today" a stored answer cannot have: null.
INVOICE_AMOUNT_FIELD = "TotalAmt"
#: Expense ``CostBill`` when not given: the cost, unless no-charge (ev §2.10 names the field).
#: ``ClientSID``/``ClientNm``/``ProjectNm``/``CatNm`` are derived like a time entry's names.
EXPENSE_NOTES_ALIASES = ("notes",)  # the doc's POST body says "notes", reads say "Nt"

# --- reports and rollups (ev §2.13, §2.14) ------------------------------------------------------

#: Report ids are firm-specific (the number in the UI's ``/Report/Detail/{id}``, spec §4.12).
#: The demo firm has one time report and one expense report with the observed columns.
TIME_REPORT_ID = 1001
EXPENSE_REPORT_ID = 1002
#: A ``GET /report/data/{id}`` reads what the last POST refreshed (spec §4.12); before any
#: POST the sandbox answers the whole report (every date).
REPORT_NOT_FOUND_TEXT = "Report {sid} was not found."
#: The window keys are matched in any case; the evidence hints (weakly) that only upper case
#: worked on the live API (ev §2.13: "CLAUDE'S FIX: Use DT_BEGIN and DT_END in uppercase").
REPORT_WINDOW_TEXT = "DT_BEGIN and DT_END must be dates YYYY-MM-DD."
#: ``/time/reportbyfilter`` answered 400 to ``{StartDt, EndDt, View}`` and its real field
#: names are unknown (ev §2.15): the sandbox answers 400 to every body.
TIME_REPORT_BY_FILTER_TEXT = "The request is invalid."
#: ``/expense/report/{id}``: 0 (the unsubmitted report) answers, any other id is a 500
#: (ev §2.10, OBS in pybt's comment).
EXPENSE_REPORT_ERROR_TEXT = INTERNAL_ERROR_TEXT
#: ``/task/BudgetStatusByProject/{sid}`` values (keys are ev §2.14): hours and charges of the
#: task's time entries, invoiced = those on an invoice, WIP = charged - invoiced, estimates
#: from the task's budget, expenses 0 (not summed from the
#: expenses, issue 16: no client was seen reading them). The arithmetic is a guess.
#: ``/time/TotalByDay/{staffsid}``: one item per day that has time, no timers (0), billable
#: = hours not marked no-charge, unsubmitted = hours of entries with a negative SID.

#: ``GET /settings/vocabulary`` before a seed provides one: BigTime's default terms. Keys are
#: lower case as in the doc's example (spec §4.11); no client reads it (ev §2.12).
VOCABULARY_ID_KEY = "id"
VOCABULARY_NAME_KEY = "name"
DEFAULT_VOCABULARY = (
    MappingProxyType({"id": "CLIENT", "name": "client"}),
    MappingProxyType({"id": "PROJECT", "name": "project"}),
    MappingProxyType({"id": "PRJ_TASK", "name": "task"}),
    MappingProxyType({"id": "LABOR_CODE", "name": "labor code"}),
    MappingProxyType({"id": "STAFF", "name": "staff"}),
)

# --- staff and projects (spec §4.2, §4.3) ------------------------------------------------------

#: The create path is documented as ``/staff/add/?inviteUser=...`` under a heading that says
#: POST while the line says GET (spec §4.3); the sandbox serves POST.
STAFF_CREATE_PATH = "/staff/add"
#: Custom-field update by name: ``POST /project/CustomFieldsByName/{sid}`` and
#: ``/staff/UDFListByName/{sid}`` are in pybt's action list; their body is unknown. The
#: sandbox takes a JSON array of ``{Name, Value}``.
PROJECT_UDF_BY_NAME_PATH = "/project/CustomFieldsByName/{sid}"
STAFF_UDF_BY_NAME_PATH = "/staff/UDFListByName/{sid}"

# --- picklists and the accounting lists (spec §4.4, §4.10, §4.11; ev §2.11) --------------------

#: Picklist items are ``{Id, Name, Group, IsInactive}`` (ev §2.11). Lists that BigTime's
#: accounting integration fills from Intacct must hold each value's Intacct id somewhere; no
#: field name was found. The sandbox puts it in ``Code`` and the richer lists' facts in the
#: fields below.
PICKLIST_EXTRA_FIELDS: tuple[tuple[str, Literal["text", "int"]], ...] = (
    ("Code", "text"),
    ("Description", "text"),
    ("AcctNbr", "text"),
    ("CardType", "text"),
    ("DueDays", "int"),
)
#: Picklists leave out inactive items unless asked (spec §4.10, DOC).
SHOW_INACTIVE_PARAM = "showinactive"


@dataclass(frozen=True)
class ListEndpoint:
    """Where the sandbox serves one reference list, and what evidence there is for it."""

    path: str
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: ``RUN``/``DECL`` when a client calls the path; ``UNCERTAIN`` when it is a guess.
    evidence: str = "UNCERTAIN"


def _list(path: str, evidence: str = "UNCERTAIN", **params: str) -> ListEndpoint:
    return ListEndpoint(path, MappingProxyType(params), evidence)


#: Seedable reference list name -> where it is served. ``costcentera``/``costcenterb`` are
#: Cost Center 1 (Intacct department) and 2 (Intacct location), spec §4.11 DOC.
LISTS: Mapping[str, ListEndpoint] = MappingProxyType(
    {
        # Cost-centre value lists: NO evidence anywhere (ev §2.11, find_string -> 0 hits).
        "costcentera": _list("/picklist/FieldValues/CostCenterA"),
        "costcenterb": _list("/picklist/FieldValues/CostCenterB"),
        "costcenterc": _list("/picklist/FieldValues/CostCenterC"),
        "class": _list("/picklist/QBClasses", "DECL spec §4.10"),
        "projecttype": _list("/picklist/FieldValues/LookupProjectType", "RUN ev§2.11"),
        "laborcode": _list("/picklist/LaborCodes", "RUN ev§2.11"),
        "expensecode": _list("/picklist/ExpenseCodes", "RUN ev§2.11"),
        # Invoice terms (TermsSid): no list found; a FieldValues key is a guess.
        "term": _list("/picklist/FieldValues/InvoiceTerms"),
        "glaccount": _list("/picklist/QBAccountList", "DECL spec §4.10"),
        "creditcard": _list("/picklist/CreditCards", "DECL spec §4.10"),
        # Vendors, service items and bank accounts: no endpoint found (spec §4.4); IAList is
        # the Intacct-list picklist whose parameters are unknown.
        "vendor": _list("/picklist/IAList", ListType="Vendor"),
        "item": _list("/picklist/IAList", ListType="Item"),
        "checkingaccount": _list("/picklist/IAList", ListType="CheckingAccount"),
    }
)
#: ``/picklist/IAList`` without (or with an unknown) ``ListType``.
LIST_TYPE_TEXT = "ListType must be one of: {types}."

#: ``/picklist/FieldValues/{field}`` keys pybt lists (spec §4.10) with the contact-type key
#: as bigtime-api-python 0.0.3 was fixed to call it (ev §2.11: ``LookupClientContactType``,
#: not ``LookupContactType``). They answer ``[]`` when not seeded; other keys -> 404, unless
#: a seeded list lives there (see :data:`LISTS`).
KNOWN_FIELD_VALUES = frozenset(
    k.lower()
    for k in (
        "InvoiceType_subttl",
        "rateTypeSimple",
        "LookupStaffHourlyType",
        "LookupStaffType",
        "LookupClientType",
        "LookupProjectType",
        "LookupProjectTeamRoles",
        "LookupClientContactType",
        "StaffOrgList",
        "StaffTeamList",
        "CurrencyList",
        "SecurityGroups",
        "StatusProduction",
        "StatusBilling",
        "StatusStaff",
        "StatusExpenseRpt",
        "InvoiceTypes",
        "InvoicePostTypes",
    )
)

# --- store -------------------------------------------------------------------------------------

#: Time entries are seeded and created in batches of this many rows (memory bound at scale 40).
SEED_BATCH = 5000

# UNCERTAIN (no evidence): a change to a project's team moves the project's DtModified, as a
# change to its custom fields does here. The client makes the same guess in one place
# (recon.bigtime.uncertain.TEAM_CHANGE_STAMPS_PROJECT); shared, so this sandbox cannot check
# it: a real firm's answer corrects both.
TEAM_CHANGE_STAMPS_PROJECT = True
