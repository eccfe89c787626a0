"""Every choice recon makes where BigTime's spec says UNCERTAIN or NOT FOUND, in one place.

Each constant cites the section it stands in for: "§N" (or "spec §N") is
docs/specs/bigtime-rest-api.md, "evidence §N" docs/specs/bigtime-evidence.md. When a real
BigTime firm behaves differently, correct the constant here. These are the *client's* guesses: the
sandbox keeps its own (``recon.sandbox.bigtime.guesses``), so one wrong guess is not
confirmed by the emulator; golden answers transcribed from the evidence
(``tests/fixtures/bigtime``) hold both sides to what BigTime was seen to send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

# --- errors (§3) ---------------------------------------------------------------------------
# The error body is NOT FOUND; ASP.NET Web API's default is {"Message": "..."}. The client
# reads the message from any of these keys (case-insensitively) and otherwise relies on the
# status code alone.
ERROR_MESSAGE_KEYS = ("Message", "ExceptionMessage", "error", "message")

# --- authentication (§2) -------------------------------------------------------------------
# POST /session body keys are documented as UserId/Pwd; the optional firm key is seen only
# as `Firm` in one client.
SESSION_USER_KEY = "UserId"
SESSION_PASSWORD_KEY = "Pwd"  # noqa: S105 - a JSON key name, not a password
SESSION_FIRM_KEY = "Firm"
# The realm (``X-Auth-Realm``, the profile's ``firm``) may be the firm id or its numeric
# tenant id: a live firm took both (evidence §2.1, OBS). recon sends what it is given.
# Documented session lifetime is 24 hours (older page) or 7 days (newer); the sandbox uses
# the shorter, the client never relies on either (it re-logs in once on 401).
SESSION_TTL_SECONDS = 24 * 3600

# --- rate limits (§1: NOT FOUND) -------------------------------------------------------------
# No 429 is documented; the client still honours one, with Retry-After capped at this.
RETRY_AFTER_CAP_SECONDS = 60.0
# Per-staffer time sheets fetched at once. No published concurrency limit; 4 is polite.
DEFAULT_CONCURRENCY = 4

# --- where each compared field is read (issue 15: no call per record where a list will do) ---
# The list views carry most of what recon compares; the Detailed view is read one record at a
# time, so it is read only for the fields below, which no list was seen to carry, and only
# for a record whose ``DtModified`` differs from the last run's (or that is new). A compared
# field a list record lacks altogether (its key absent, not null) is read from that record's
# detail too: a list that carries less than guessed here costs requests, never a wrong
# difference.
#   client  -- the list carries SystemId, ClientId, Nm, IsInactive (evidence §2.3, RUN) and
#              Address, City, State, Zip, MainPH (§2.3, DECL: one importer); nothing needs
#              the detail.
#   project -- the live list carries every field recon compares but the invoice terms and
#              the custom fields (evidence §2.4, OBS: Notes, CostCenterA/B/C and
#              QBClassDefault are on the list); DefaultInvoiceTermSid and UdfList (PO
#              Number, PO Amount, SO Number) are Detailed only (spec §4.2, DECL). The project
#              manager is the team lead, only in /project/team/{sid} (spec §4.2).
#   staff   -- FName, SName, Title, Start_dt on the list (evidence §2.2, RUN/OBS); EMail,
#              ManagerID, IsInactive guessed there (spec §4.3, DECL); the cost centres,
#              class, Term_dt and the "Employee ID" custom field are Detailed only (spec
#              §4.3, DECL).
LIST_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "client": ("SystemId", "ClientId", "Nm", "IsInactive", "Address", "City", "State",
                   "Zip", "MainPH"),
        "project": ("SystemId", "ProjectCode", "Nm", "ClientId", "TypeId", "IsInactive",
                    "CostCenterA", "CostCenterB", "QBClassDefault", "StartDt", "EndDt",
                    "Notes"),
        "staff": ("StaffSID", "FName", "SName", "EMail", "Title", "ManagerID", "Start_dt",
                  "IsInactive"),
    }
)  # fmt: skip
DETAIL_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "client": (),
        "project": ("DefaultInvoiceTermSid", "UdfList"),
        "staff": ("Term_dt", "CostCenterA", "CostCenterB", "IAClassDefaultId", "UdfList"),
    }
)
# A record's modification stamp on the list (evidence §2.4, OBS on the project list; DECL for
# clients and staff): a record whose stamp is unchanged since the last run keeps the detail
# read then. A list record without one has its detail read every run.
MODIFIED_FIELD = "DtModified"
# UNCERTAIN: that a change to a project's team (its lead, recon's project manager) or to its
# custom fields moves the project's DtModified. No evidence either way; if it does not, such a
# change is seen at the next full pull (the profile's full_pull_after_days, default 7).
TEAM_CHANGE_STAMPS_PROJECT = True

# --- staff (§4.3) ----------------------------------------------------------------------------
# The create path is documented as `/staff/add/?inviteUser=...` under a heading that says
# POST while the line says GET; recon POSTs, never inviting (invitations send e-mail).
STAFF_CREATE_PATH = "/staff/add"
STAFF_CREATE_PARAMS: Mapping[str, str] = MappingProxyType({"inviteUser": "false"})

# --- references (evidence §2.4) ----------------------------------------------------------------
# An id of 0 in a reference field is no reference: BigTime sends an unclassified project's
# TypeId as 0, not null (evidence §2.4, OBS). recon reads 0 as unset in every reference
# field (frames, write settlement); it never sends 0 for one.
UNSET_REF = 0

# --- projects (§4.2) ---------------------------------------------------------------------------
# Team members carry a `TeamLead` flag (evidence §2.5: bigtime-api-python 0.0.3 reads it from
# the live API); "Project Manager" is modelled as the team lead (no separate PM field found).
TEAM_LEAD_FIELD = "TeamLead"
# Custom-field update body for POST /project/CustomFieldsByName/{sid} and
# /staff/UDFListByName/{sid}: the body is UNCERTAIN; recon sends a list of {Name, Value}.
PROJECT_UDF_BY_NAME_PATH = "/project/CustomFieldsByName/{sid}"
STAFF_UDF_BY_NAME_PATH = "/staff/UDFListByName/{sid}"
PROJECT_UDF_PATH = "/project/CustomFields/{sid}"
STAFF_UDF_PATH = "/staff/UDFList/{sid}"
PROJECT_TEAM_PATH = "/project/team/{sid}"

# Custom fields BigTime's Intacct integration creates (§4.11, DOC); the names a firm sees.
UDF_EMPLOYEE_ID = "Employee ID"
UDF_PO_NUMBER = "PO Number"
UDF_PO_AMOUNT = "PO Amount"
UDF_SO_NUMBER = "SO Number"

# --- time (§4.5) -------------------------------------------------------------------------------
TIME_SHEET_PATH = "/time/Sheet/{sid}"
TIME_BY_PROJECT_PATH = "/time/ByProject/{sid}"
# MarkSubmitted=true submits an entry; its SID turns from negative to a new positive one.
MARK_SUBMITTED_PARAM = "MarkSubmitted"

# --- invoices (§4.7) ---------------------------------------------------------------------------
INVOICE_HISTORY_PATH = "/invoice/history"
# Expenses (issue 16): evidence §2.10 saw POST /expense/reportbyfilter answer with a JSON body
# {mindate, maxdate, view: "basic"} ("Confirmed Working"); spec §4.6 lists the names as query
# parameters. The body is what recon sends. It is a read although it is a POST: retried like
# a GET (READ_POSTS). UNCERTAIN: the entry fields not in the evidence's list -- SID, RptSID
# (0 = not submitted, spec §4.6 [DOC]), StaffSID, CatSID, NoCharge, IsApproved -- are the
# spec's and pybt's names. GET /expense/report/{id} answers only id 0 (evidence §2.10, a
# 500 otherwise), so recon never reads reports by id.
EXPENSE_BY_FILTER_PATH = "/expense/reportbyfilter"
EXPENSE_VIEW = "basic"
EXPENSE_GUESSED_FIELDS = ("SID", "RptSID", "StaffSID", "CatSID", "NoCharge", "IsApproved")
#: POST paths that only read (a POST is otherwise a write, never retried blindly).
READ_POSTS = (EXPENSE_BY_FILTER_PATH,)
INVOICE_DRAFTS_PATH = "/invoice/drafts"

# --- settings (§4.11) --------------------------------------------------------------------------
VOCABULARY_PATH = "/settings/vocabulary"

# --- picklists and the accounting lists (§4.4, §4.10, §4.11) ------------------------------------
# Picklist items are {Id, Name, Group, IsInactive}. Lists that BigTime's accounting
# integration fills from Intacct must also hold the Intacct id of each value (otherwise no
# sync could match them); no field name for it was found. recon reads it from `Code`, and
# the richer lists carry the extra facts below. All UNCERTAIN.
PICKLIST_EXTRA_FIELDS: tuple[tuple[str, Literal["text", "int"]], ...] = (
    ("Code", "text"),
    ("Description", "text"),
    ("AcctNbr", "text"),
    ("CardType", "text"),
    ("DueDays", "int"),
)
# Picklists leave out inactive items unless asked (§4.10, DOC); a sync must see them.
SHOW_INACTIVE_PARAM = "showinactive"
# The FieldValues key of client contact types: `LookupClientContactType`, as
# bigtime-api-python 0.0.3 was fixed to call it (evidence §2.11; the spec's
# `LookupContactType` was the old, failing name). Read with BigTimeClient.field_values.
CONTACT_TYPE_FIELD = "LookupClientContactType"


@dataclass(frozen=True)
class ListEndpoint:
    """Where one reference list lives and which item field holds its accounting id."""

    path: str
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Item field holding the Intacct key ("Name" when the list is keyed by name).
    key_field: str = "Code"
    #: What the spec says of the endpoint (DOC/CLIENT = seen; UNCERTAIN = recon's choice).
    evidence: str = "UNCERTAIN"


def _list(path: str, key: str = "Code", evidence: str = "UNCERTAIN", **params: str) -> ListEndpoint:
    return ListEndpoint(path, MappingProxyType(params), key, evidence)


#: Reference list name -> endpoint. Names are recon's; ``costcentera``/``costcenterb`` are
#: Cost Center 1 (Intacct department) and 2 (Intacct location), §4.11 (DOC).
LISTS: Mapping[str, ListEndpoint] = MappingProxyType(
    {
        # Cost-center value lists are NOT FOUND as picklists; FieldValues keys are a guess.
        "costcentera": _list("/picklist/FieldValues/CostCenterA"),
        "costcenterb": _list("/picklist/FieldValues/CostCenterB"),
        "costcenterc": _list("/picklist/FieldValues/CostCenterC"),
        "class": _list("/picklist/QBClasses", evidence="CLIENT"),
        "projecttype": _list(
            "/picklist/FieldValues/LookupProjectType", key="Name", evidence="CLIENT"
        ),
        "laborcode": _list("/picklist/LaborCodes", key="Name", evidence="CLIENT"),
        "expensecode": _list("/picklist/ExpenseCodes", key="Name", evidence="CLIENT"),
        # Invoice terms (`TermsSid`) are NOT FOUND as a list; a FieldValues key is a guess.
        "term": _list("/picklist/FieldValues/InvoiceTerms", key="Name"),
        "glaccount": _list("/picklist/QBAccountList", evidence="CLIENT"),
        "creditcard": _list("/picklist/CreditCards", evidence="CLIENT"),
        # Vendors, service items and bank accounts: no endpoint found (§4.4); IAList is the
        # Intacct-list picklist whose parameters are UNCERTAIN.
        "vendor": _list("/picklist/IAList", ListType="Vendor"),
        "item": _list("/picklist/IAList", ListType="Item"),
        "checkingaccount": _list("/picklist/IAList", ListType="CheckingAccount"),
    }
)

# --- lexicon (§4.11) --------------------------------------------------------------------------
# Vocabulary items are documented with lower-case keys {"id", "name"}.
VOCABULARY_ID_KEY = "id"
VOCABULARY_NAME_KEY = "name"
