"""Every guess the sandbox makes where the spec says UNCERTAIN or is silent, in one place.

The sandbox makes its own guesses: it imports nothing from ``recon.intacct``, whose
``uncertain`` module holds the client's. Where both sides guess the same thing (the replay
error, the readMore lifetime, record element names, limits, the timesheet entry's parent
key) they are written down twice on purpose, and ``tests/sandbox/test_independence.py``
shows where they agree. Correct a constant here when a real account shows otherwise.

Citations: "§N" is docs/specs/intacct-xml-api.md.
"""

from __future__ import annotations

from types import MappingProxyType

# --- objects and fields the spec leaves open (read by ``catalogue``) -------------------

#: §5 TIMESHEETENTRY: "field name for parent timesheet key UNCERTAIN, e.g. TIMESHEETKEY".
TIMESHEETENTRY_PARENT_KEY = "TIMESHEETKEY"

#: §5 PROJECT: the manager's employee RECORDNO on read ("MANAGERKEY on read -- UNCERTAIN").
PROJECT_MANAGER_KEY = "MANAGERKEY"

#: §5 PROJECTTYPE / TIMETYPE: "(UNCERTAIN field list)"; field -> kind (catalogue kinds).
PROJECTTYPE_FIELDS = MappingProxyType({"NAME": "id", "PARENTID": "id", "STATUS": "status"})
TIMETYPE_FIELDS = MappingProxyType({"NAME": "id", "ACCOUNTLABEL": "id", "STATUS": "status"})

#: §5 ARTERM: "due/discount/penalty rules ... Read-shape details UNCERTAIN". The days from
#: invoice date to due date, under this name, is a guess (recon compares it).
ARTERM_RULE_FIELDS = MappingProxyType({"DUEDAYS": "int"})

#: §5 ARPYMT: applications are written as ARPYMTDETAILS/ARPYMTDETAIL (RECORDKEY = invoice
#: RECORDNO, ENTRYKEY, TRX_PAYMENTAMOUNT). Reading them back as an ARPYMTDETAIL object, its
#: key to the payment and its base-currency amount are guesses.
PAYMENT_DETAIL_PARENT_KEY = "PAYMENTKEY"
PAYMENT_DETAIL_READ_FIELDS = MappingProxyType({"PAYMENTAMOUNT": "money"})

#: Employee expense reports (issue 16): the spec names EEXPENSES only as the fylein SDK's
#: ``expense_reports`` class (§8.1, legacy ``create_expensereport``) and gives neither its
#: fields nor its lines'. Every field below is a guess modelled on ARINVOICE/ARINVOICEITEM
#: (§5): the lines' key to their report, the report's number and dates, the line's expense
#: type (the EEACCOUNTLABEL id, §5), and a line paid by the company (not reimbursed).
EXPENSE_LINE_PARENT_KEY = "RECORDKEY"
EXPENSE_HEADER_FIELDS = MappingProxyType(
    {
        "RECORDID": "id", "EMPLOYEEID": "id", "EMPLOYEENAME": "text", "WHENCREATED": "date",
        "WHENPOSTED": "date", "STATE": "text", "DESCRIPTION": "text", "BASECURR": "id",
        "CURRENCY": "id", "TOTALENTERED": "money", "TOTALDUE": "money", "TOTALPAID": "money",
    }
)  # fmt: skip
EXPENSE_LINE_FIELDS = MappingProxyType(
    {
        "LINE_NO": "int", "ENTRYDATE": "date", "ACCOUNTLABEL": "id", "AMOUNT": "money",
        "TRX_AMOUNT": "money", "PROJECTID": "id", "PROJECTNAME": "text", "CUSTOMERID": "id",
        "BILLABLE": "bool", "NONREIMBURSABLE": "bool", "DESCRIPTION": "text",
        "DEPARTMENTID": "id", "LOCATIONID": "id", "CLASSID": "id",
    }
)  # fmt: skip
#: States an expense report may be created in, and the default (as a timesheet's, §5).
EXPENSE_CREATE_STATES = ("Draft", "Submitted")
EXPENSE_DEFAULT_STATE = "Submitted"

#: Fields the spec does not list for the object at all, served because recon compares them:
#: the spec has PROJECTID on invoice lines (ARINVOICEITEM), not on the ARINVOICE header.
UNLISTED_FIELDS = MappingProxyType({"ARINVOICE": MappingProxyType({"PROJECTID": "id"})})

# --- control and authentication ---------------------------------------------------------

#: §4.5: docs call uniqueid=true "the default"; the XSD has none. Following the docs makes
#: a client that omits it and reuses function control ids fail here as it might in production.
UNIQUEID_DEFAULT = True

#: §1.4: session durations seen in fixtures are 6-24 h and configuration dependent.
DEFAULT_SESSION_TTL_SECONDS = 3600.0

#: §2.4: text for an invalid or expired session id (fixture shows "Invalid session q....",
#: apparently masked). The id itself is never echoed: it is a secret.
INVALID_SESSION_TEXT = "Invalid session"

#: §4.5: the error for a replayed function controlid under uniqueid=true was not found in
#: public material ("refused as a replay" in third-party code). Function level, not re-run.
REPLAY_ERRORNO = "XL03000011"
REPLAY_DESCRIPTION2 = (
    "A function with control ID '{controlid}' has already been processed; "
    "uniqueid is true, so it was not run again."
)

#: §3.2: readMore result ids expire after an undocumented time (configurable per sandbox).
READMORE_RESULT_TTL_SECONDS = 30 * 60

#: Correction text of the "sender not authorised" error (developer FAQ).
NOT_AUTHORISED_CORRECTION = (
    "Contact the company administrator to grant Web Services authorization to this sender ID."
)

# --- function-level errors the spec does not pin down -----------------------------------

#: errorno of a function the sandbox does not implement (lookup, inspect, legacy ...).
UNSUPPORTED_FUNCTION_ERRORNO = "XL03000003"

#: errorno for an unknown object outside readByQuery ("Query Failed" there, fixture);
#: PsIntacct's test shows "WS" for a generic delete with a bad object.
UNKNOWN_OBJECT_ERRORNO = "WS"

#: Unknown or unqueryable field in query/readByQuery select or filter. Text follows the
#: real "The following fields cannot be queried: [ item: [BASEUOM] ]" (SDK issue threads).
UNKNOWN_FIELD_ERRORNO = "XL03000006"

#: Bad parameter (pagesize out of range, bad date literal, malformed filter ...).
BAD_PARAMETER_ERRORNO = "XL03000006"

#: readByQuery query-string syntax errors reuse the observed "Query Failed" errorno.
QUERY_FAILED_ERRORNO = "Query Failed"

#: Generic business-logic error, observed (BL01001973).
BUSINESS_ERRORNO = "BL01001973"

#: Duplicate id on create, observed with its correction text.
DUPLICATE_ERRORNO = "BL34000061"
DUPLICATE_CORRECTION = "Use a unique value instead."

#: Creating/updating/deleting a line object on its own; real Intacct owns lines through the
#: header (TIMESHEET -> TIMESHEETENTRY ...). The exact refusal text is a guess.
OWNED_LINE_TEXT = "{obj} records are owned by {parent}; write them through the {parent} record."

# --- read behaviour ---------------------------------------------------------------------


def record_element(obj: str, function: str) -> str:
    """§2.3: the record element of ``obj`` in a ``function``'s answer.

    readByQuery/readMore/create/update use lower(object) in every fixture (whether that
    holds for every object is UNCERTAIN); read/readByName/query use the name as requested.
    """
    return obj.lower() if function in _LOWER_CASE_FUNCTIONS else obj


_LOWER_CASE_FUNCTIONS = frozenset({"readByQuery", "readMore", "create", "update"})

#: §3.3: read/readByName keys per call (the PHP SDK's cap; the gateway's is not published).
MAX_READ_KEYS = 100

#: §4.1: records per generic create/update: no limit found; 100 is the commonly cited one.
MAX_RECORDS_PER_WRITE = 100

#: §3.3: ``read`` with empty ``<keys/>`` returns the first records, up to this many.
READ_EMPTY_KEYS_LIMIT = 100

#: §3.4: aggregates come back as ``<FUNC.FIELD>`` (observed for COUNT only).
AGGREGATE_FUNCTIONS = ("count", "sum", "avg", "min", "max")

#: §3.1: stored codes readByQuery compares against, per object and field. Values not in the
#: map are compared as given. Timesheet codes are documented; invoice codes are a guess.
_TIMESHEET_STATE_CODES = {
    "I": "Draft",
    "S": "Submitted",
    "A": "Approved",
    "X": "Partially Approved",
    "R": "Declined",
    "E": "Partially Declined",
    "V": "Saved",
}
STATE_CODES = MappingProxyType(
    {
        ("TIMESHEET", "STATE"): _TIMESHEET_STATE_CODES,
        ("TIMESHEETENTRY", "STATE"): _TIMESHEET_STATE_CODES,
        ("ARINVOICE", "STATE"): {
            "D": "Draft",
            "A": "Posted",
            "P": "Paid",
            "T": "Partially Paid",
            "V": "Reversed",
        },
    }
)
STATUS_CODES = MappingProxyType({"T": "active", "F": "inactive"})
BOOL_CODES = MappingProxyType({"T": "true", "F": "false"})

# --- write behaviour --------------------------------------------------------------------

#: §5: TIMESHEET create accepts STATE Draft or Submitted; generic default Draft.
TIMESHEET_CREATE_STATES = ("Draft", "Submitted")
TIMESHEET_DEFAULT_STATE = "Draft"
#: UNCERTAIN (§5 lists the states, not which may be edited): the states in which an update
#: may change a timesheet. A submitted or approved sheet (or one whose approval is under
#: way) belongs to the approver; an update of it is refused with TIMESHEET_LOCKED_TEXT.
TIMESHEET_EDITABLE_STATES = ("Draft",)
#: UNCERTAIN: the wording of that refusal (a business error, BUSINESS_ERRORNO).
TIMESHEET_LOCKED_TEXT = (
    "Timesheet {recordno} is {state} and cannot be modified; only a Draft timesheet can be changed."
)
#: UNCERTAIN (§4.6 shows approve/decline, not from which states): the timesheet states an
#: approve or decline accepts (a submitted sheet, or one whose approval is under way), and
#: the refusal for any other.
TIMESHEET_APPROVABLE_STATES = ("Submitted", "Partially Approved", "Partially Declined")
TIMESHEET_NOT_APPROVABLE_TEXT = (
    "Timesheet {recordno} is {state}; only a submitted timesheet can be approved or declined."
)
#: Timesheet period length when ENDDATE is not given (a weekly timesheet).
TIMESHEET_PERIOD_DAYS = 7

#: §5 ARINVOICE: state after a generic create (RAWSTATE "A" = Posted is observed).
INVOICE_POSTED = ("Posted", "A")
INVOICE_DRAFT = ("Draft", "D")
INVOICE_PAID_STATE = "Paid"
INVOICE_PARTIAL_STATE = "Partially Paid"
INVOICE_MODULEKEY = "4.AR"

#: §5 ARPYMT: allowed PAYMENTMETHOD values (spec list) and the state after create.
PAYMENT_METHODS = (
    "Printed Check",
    "Cash",
    "EFT",
    "Credit Card",
    "Online Charge Card",
    "Online ACH Debit",
)
PAYMENT_STATE = ("Complete", "C")

#: Write-only pseudo fields accepted on create (Draft/Submit action of transactions).
WRITE_ONLY_FIELDS = MappingProxyType({"ARINVOICE": ("ACTION",), "ARPYMT": ("ACTION",)})

#: §5 EMPLOYEE: writes name the contact PERSONALINFO; reads/queries use CONTACT.*.
WRITE_ALIASES = MappingProxyType({"EMPLOYEE": {"PERSONALINFO": "CONTACT"}})

#: Display labels in error texts ("Another Project with ...", "Invalid Project 'X' specified.").
OBJECT_LABELS = MappingProxyType(
    {
        "ARINVOICE": "Invoice",
        "ARINVOICEITEM": "Invoice Line",
        "ARPYMT": "Payment",
        "ARPYMTDETAIL": "Payment Detail",
        "ARTERM": "Term",
        "CHECKINGACCOUNT": "Checking Account",
        "CREDITCARD": "Credit Card",
        "EEACCOUNTLABEL": "Expense Type",
        "EEXPENSES": "Expense Report",
        "EEXPENSESITEM": "Expense Line",
        "GLACCOUNT": "Account",
        "PROJECTTYPE": "Project Type",
        "TIMESHEETENTRY": "Timesheet Entry",
        "TIMETYPE": "Time Type",
    }
)


def label(obj: str) -> str:
    """Human label of an object for error texts (``PROJECT`` -> ``Project``)."""
    return OBJECT_LABELS.get(obj, obj.capitalize())
