"""Every guess the BigTime sandbox makes where the spec is silent or UNCERTAIN, in one place.

Guesses shared with the client (paths, error-body keys, list endpoints, session TTL) live
in :mod:`recon.bigtime.uncertain`; this module holds only what the sandbox alone decides.
Correct a constant here when a real BigTime firm shows otherwise.
"""

from __future__ import annotations

from types import MappingProxyType

from recon.bigtime import uncertain

# --- sessions (§2.1) -------------------------------------------------------------------------

#: Sessions slide: every use pushes expiry this far forward (the documented 24 h).
DEFAULT_SESSION_TTL_SECONDS = float(uncertain.SESSION_TTL_SECONDS)
#: The doc's session example shows a numeric ``userid`` (999); the demo user's number.
DEMO_USER_NUMBER = 1001
#: The session answer's staffsid/fname/sname come from the staffer whose EMail is the login;
#: these stand in when there is none.
DEMO_USER_FNAME = "Demo"
DEMO_USER_SNAME = "Accountant"
DEMO_USER_STAFFSID = 0

# --- messages (§3: body shape NOT FOUND; ASP.NET Web API defaults where one exists) -----------

#: The error body key; the client reads any of ``uncertain.ERROR_MESSAGE_KEYS``.
MESSAGE_KEY = uncertain.ERROR_MESSAGE_KEYS[0]
#: ASP.NET Web API's own 401 text. Never echoes the key or token (they are secrets).
UNAUTHORISED_TEXT = "Authorization has been denied for this request."
LOGIN_FAILED_TEXT = "Invalid user id, password or firm."
LOGIN_MISSING_TEXT = "UserId and Pwd are required."
#: ASP.NET Web API's 404/405/500 texts. Only the path is echoed, never the query string
#: (``POST /session`` may carry a password there).
NO_ROUTE_TEXT = "No HTTP resource was found that matches the request URI '{path}'."
BAD_METHOD_TEXT = "The requested resource does not support http method '{method}'."
INTERNAL_ERROR_TEXT = "An error has occurred."
#: No 429 is documented (§1); the text is the sandbox's.
RATE_LIMIT_TEXT = "Too many requests. Please retry later."
NOT_JSON_TEXT = "The request body is not valid JSON: {detail}"
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

# --- derived fields --------------------------------------------------------------------------

#: Staff ``FullName`` (and time ``SourceNm``, team ``Nm``): BigTime's format is not published.
FULL_NAME_FORMAT = "{FName} {SName}"
#: Task ``FullName`` when the task has a group; otherwise it is ``TaskNm``.
TASK_FULL_NAME_FORMAT = "{TaskGroup}: {TaskNm}"
#: ``showCompleted`` on ``/task/listByProject``: a task counts as completed when archived.
TASK_COMPLETED_FIELD = "IsArchived"
#: ``ChargeBillable`` of a created time entry that does not give one: the sandbox knows no
#: billing rates, so it charges nothing (spec §4.5: the field "defaults", value unknown).
DEFAULT_CHARGE_BILLABLE = "0"

#: ``GET /settings/vocabulary`` before a seed provides one: BigTime's default terms.
DEFAULT_VOCABULARY = (
    MappingProxyType({"id": "CLIENT", "name": "client"}),
    MappingProxyType({"id": "PROJECT", "name": "project"}),
    MappingProxyType({"id": "PRJ_TASK", "name": "task"}),
    MappingProxyType({"id": "LABOR_CODE", "name": "labor code"}),
    MappingProxyType({"id": "STAFF", "name": "staff"}),
)

#: ``/picklist/FieldValues/{field}`` keys pybt lists (§4.10); they answer ``[]`` when not
#: seeded. Other keys -> 404, unless a seeded list lives there (see ``uncertain.LISTS``).
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
        "LookupContactType",
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
#: ``/picklist/IAList`` without (or with an unknown) ``ListType``.
LIST_TYPE_TEXT = "ListType must be one of: {types}."

# --- store -------------------------------------------------------------------------------------

#: Time entries are seeded and created in batches of this many rows (memory bound at scale 40).
SEED_BATCH = 5000
