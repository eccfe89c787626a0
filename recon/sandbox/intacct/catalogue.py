"""The Intacct objects the sandbox serves, written from the spec, not from the client.

Sources: docs/specs/intacct-fields.md (the fields real clients select: a ``query``
selecting any of them must succeed), docs/specs/intacct-xml-api.md §2.3 (value formats) and
§5 (objects, keys, fields), and the fixtures in ``tests/fixtures/intacct``
(``VENDOR.NAME1099``). A bare "§N" below is docs/specs/intacct-xml-api.md.
Where the spec says UNCERTAIN the shape comes from :mod:`recon.sandbox.intacct.guesses`,
the one place the sandbox's guesses live. Nothing here is imported from ``recon.intacct``:
a wrong guess in the client must fail against this sandbox, not be confirmed by it.

Field names are the wire names; a dotted name is a related or nested field (``query``
answers ``<DISPLAYCONTACT.EMAIL1>``, ``read``/``readByQuery`` nest ``<DISPLAYCONTACT><EMAIL1>``).

Kinds (wire formats, §2.3 and §4.1)
-----------------------------------
``id`` key or code (text) · ``text`` free text · ``money`` amount, two decimals ·
``qty`` hours/quantity · ``number`` other decimals (rates, percentages) · ``int`` integer ·
``date`` ``MM/DD/YYYY`` · ``datetime`` ``MM/DD/YYYY HH:MM:SS`` · ``bool`` ``true``/``false``
(stored ``T``/``F`` for readByQuery) · ``status`` ``active``/``inactive`` (``T``/``F``).
Master-data ``WHENCREATED`` is a timestamp, a transaction's (ARINVOICE, ARPYMT) a date.

What a client may write
-----------------------
Every field of a served object may be sent on create/update, except what the server sets:
``RECORDNO``, :data:`SERVER_STAMPED`, a master record's ``WHENCREATED``, the key/name fields
:func:`derived_fields` fills from a reference, a line's key to its header, and an object's
``computed`` fields (totals and states of transactions). Values sent for those are ignored.
Line objects (``lines`` of their header) are written only through the header.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, cast

from recon.sandbox.intacct import guesses

Kind = Literal[
    "id", "text", "money", "qty", "number", "int", "date", "datetime", "bool", "status"
]  # fmt: skip


class Lines(NamedTuple):
    """An owned line collection: ``<wrapper><line/>...</wrapper>`` inside the header."""

    wrapper: str
    line: str
    parent_key: str  # the field on the line holding the header's RECORDNO


@dataclass(frozen=True)
class ObjectSpec:
    """One Intacct object as the sandbox serves it."""

    name: str
    #: The natural id (readByName keys, update by id, references); RECORDNO when none.
    id_field: str
    #: The display name, copied into ``<X>NAME`` fields of records that reference this one.
    name_field: str | None
    fields: Mapping[str, Kind]
    #: Fields a create must carry.
    required: tuple[str, ...] = ()
    #: Fields holding another object's field value: field -> (object, field).
    references: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    lines: Lines | None = None
    #: Fields the server computes on save (values sent are dropped).
    computed: tuple[str, ...] = ()


#: Audit fields the server stamps on every save (§5 conventions).
SERVER_STAMPED = ("WHENMODIFIED", "CREATEDBY", "MODIFIEDBY", "AUWHENCREATED")
_AUDIT: dict[str, Kind] = {
    "WHENCREATED": "datetime", "WHENMODIFIED": "datetime", "CREATEDBY": "id", "MODIFIEDBY": "id",
}  # fmt: skip
_MEGA: dict[str, Kind] = {"MEGAENTITYKEY": "id", "MEGAENTITYID": "id", "MEGAENTITYNAME": "text"}
#: The CONTACT record behind every contact reference, as docs/specs/intacct-fields.md lists it for
#: EMPLOYEE ``CONTACT.*`` and ARINVOICE ``CONTACT.*``/``BILLTO.*``/``SHIPTO.*``; §5 gives
#: VENDOR ``DISPLAYCONTACT.*`` and part of CUSTOMER's ``DISPLAYCONTACT``.
CONTACT_FIELDS = (
    "CONTACTNAME", "PREFIX", "FIRSTNAME", "INITIAL", "LASTNAME", "COMPANYNAME", "PRINTAS",
    "PHONE1", "PHONE2", "CELLPHONE", "PAGER", "FAX", "EMAIL1", "EMAIL2", "URL1", "URL2",
    "MAILADDRESS.ADDRESS1", "MAILADDRESS.ADDRESS2", "MAILADDRESS.CITY", "MAILADDRESS.STATE",
    "MAILADDRESS.ZIP", "MAILADDRESS.COUNTRY", "MAILADDRESS.COUNTRYCODE",
)  # fmt: skip


def _contact(prefix: str, *extra: str) -> dict[str, Kind]:
    return {f"{prefix}.{n}": "text" for n in (*CONTACT_FIELDS, *extra)}


def _kinds(fields: Mapping[str, str]) -> dict[str, Kind]:
    return {name: cast(Kind, kind) for name, kind in fields.items()}


def _obj(
    name: str, id_field: str, name_field: str | None, fields: dict[str, Kind], **kw: Any
) -> ObjectSpec:
    merged: dict[str, Kind] = {"RECORDNO": "id", **fields}
    return ObjectSpec(name, id_field, name_field, MappingProxyType(merged), **kw)


# --- master data ------------------------------------------------------------------------

CUSTOMER = _obj(
    "CUSTOMER", "CUSTOMERID", "NAME",
    {
        "CUSTOMERID": "id", "NAME": "text", "ENTITY": "id", "PARENTKEY": "id", "PARENTID": "id",
        "PARENTNAME": "text", "CUSTREPNAME": "text", "TOTALDUE": "money", "GLGRPKEY": "id",
        "GLGROUP": "text", "STATUS": "status", "ONETIME": "bool", "ONHOLD": "bool",
        "OBJECTRESTRICTION": "text",
        # §5
        "TERMNAME": "id", "CUSTTYPE": "text", "TAXID": "text", "CREDITLIMIT": "money",
        "CURRENCY": "id", "ARACCOUNT": "id", **_contact("DISPLAYCONTACT"),
        "CONTACTINFO.CONTACTNAME": "text", "BILLTO.CONTACTNAME": "text",
        "SHIPTO.CONTACTNAME": "text", **_AUDIT,
    },
    required=("CUSTOMERID", "NAME"),
    references={"TERMNAME": ("ARTERM", "NAME")},
)  # fmt: skip

PROJECT = _obj(
    "PROJECT", "PROJECTID", "NAME",
    {
        "PROJECTID": "id", "NAME": "text", "DESCRIPTION": "text", "CURRENCY": "id",
        "PROJECTCATEGORY": "text", "PROJECTSTATUS": "text", "PARENTKEY": "id", "PARENTID": "id",
        "PARENTNAME": "text", "STATUS": "status", "CUSTOMERKEY": "id", "CUSTOMERID": "id",
        "CUSTOMERNAME": "text", "PROJECTTYPE": "id", "DEPARTMENTNAME": "text",
        "LOCATIONID": "id", "LOCATIONNAME": "text", "BUDGETID": "id", **_MEGA,
        # §5
        "MANAGERID": "id", guesses.PROJECT_MANAGER_KEY: "id", "SALESCONTACTID": "id",
        "CUSTUSERID": "id", "DOCNUMBER": "text", "TERMNAME": "id", "BILLINGTYPE": "text",
        "BEGINDATE": "date", "ENDDATE": "date", "DEPARTMENTID": "id", "CLASSID": "id",
        "SONUMBER": "text", "PONUMBER": "text", "POAMOUNT": "money", "PQNUMBER": "text",
        "CONTRACTAMOUNT": "money", "BILLINGPRICING": "text", "BILLINGRATE": "number",
        "EXPENSEPRICING": "text", "EXPENSERATE": "number", "BUDGETAMOUNT": "money",
        "BUDGETEDCOST": "money", "BUDGETQTY": "qty", "OBSPERCENTCOMPLETE": "number",
        "INVOICEWITHPARENT": "bool", "BILLABLEEXPDEFAULT": "bool", "BILLABLEAPPODEFAULT": "bool",
        "INVOICEMESSAGE": "text", "INVOICECURRENCY": "id", "SUPDOCID": "id",
        "CONTACTINFO.CONTACTNAME": "text", "BILLTO.CONTACTNAME": "text",
        "SHIPTO.CONTACTNAME": "text", **_AUDIT,
    },
    required=("PROJECTID", "NAME", "PROJECTCATEGORY"),
    references={
        "CUSTOMERID": ("CUSTOMER", "CUSTOMERID"), "DEPARTMENTID": ("DEPARTMENT", "DEPARTMENTID"),
        "LOCATIONID": ("LOCATION", "LOCATIONID"), "CLASSID": ("CLASS", "CLASSID"),
        "MANAGERID": ("EMPLOYEE", "EMPLOYEEID"), "PROJECTTYPE": ("PROJECTTYPE", "NAME"),
        "PARENTID": ("PROJECT", "PROJECTID"), "TERMNAME": ("ARTERM", "NAME"),
    },
)  # fmt: skip

EMPLOYEE = _obj(
    "EMPLOYEE", "EMPLOYEEID", "CONTACT.CONTACTNAME",
    {
        "EMPLOYEEID": "id", "SSN": "text", "TITLE": "text", "LOCATIONID": "id",
        "DEPARTMENTID": "id", "BIRTHDATE": "date", "STARTDATE": "date", "ENDDATE": "date",
        "STATUS": "status", "EMPLOYEETYPE": "text", "EMPLOYEETYPE1099TYPE": "text",
        "GENDER": "text", "TERMINATIONTYPE": "text", **_contact("CONTACT"), "CURRENCY": "id",
        "PAYMETHODKEY": "id", "CONTACTKEY": "id", **_MEGA,
        # §5
        "CLASSID": "id", "SUPERVISORID": "id", "EARNINGTYPENAME": "text",
        "POSTACTUALCOST": "bool", **_AUDIT,
    },
    # §5: create requires PERSONALINFO.CONTACTNAME (stored as CONTACT.*, guesses.WRITE_ALIASES)
    required=("EMPLOYEEID", "CONTACT.CONTACTNAME"),
    references={
        "DEPARTMENTID": ("DEPARTMENT", "DEPARTMENTID"), "LOCATIONID": ("LOCATION", "LOCATIONID"),
        "CLASSID": ("CLASS", "CLASSID"), "SUPERVISORID": ("EMPLOYEE", "EMPLOYEEID"),
    },
)  # fmt: skip

VENDOR = _obj(
    "VENDOR", "VENDORID", "NAME",
    {
        "NAME": "text", "VENDORID": "id", "PARENTKEY": "id", "PARENTID": "id",
        "PARENTNAME": "text", **_contact("DISPLAYCONTACT"), "VENDORACCOUNTNO": "text",
        "VENDTYPE": "text", "ACCOUNTLABEL": "id", "APACCOUNT": "id", "APACCOUNTTITLE": "text",
        "STATUS": "status",
        # §5, and NAME1099 in the fixture vendorResponse.xml
        "NAME1099": "text", "TERMNAME": "id", "ONETIME": "bool", **_AUDIT,
    },
    required=("VENDORID", "NAME"),
)  # fmt: skip

DEPARTMENT = _obj(
    "DEPARTMENT", "DEPARTMENTID", "TITLE",
    {
        "DEPARTMENTID": "id", "TITLE": "text", "PARENTKEY": "id", "PARENTID": "id",
        "SUPERVISORNAME": "text", "STATUS": "status", "CUSTTITLE": "text", **_AUDIT,
    },
    required=("DEPARTMENTID", "TITLE"),
)  # fmt: skip

LOCATION = _obj(
    "LOCATION", "LOCATIONID", "NAME",
    {
        "LOCATIONID": "id", "NAME": "text", "PARENTID": "id", "STATUS": "status",
        "CURRENCY": "id", **_AUDIT,
    },
    required=("LOCATIONID", "NAME"),
)  # fmt: skip

CLASS = _obj(
    "CLASS", "CLASSID", "NAME",
    {
        "CLASSID": "id", "NAME": "text", "DESCRIPTION": "text", "STATUS": "status",
        "PARENTKEY": "id", "PARENTID": "id", **_AUDIT, **_MEGA, "RECORD_URL": "text",
    },
    required=("CLASSID", "NAME"),
)  # fmt: skip

PROJECTTYPE = _obj(
    "PROJECTTYPE", "NAME", "NAME", {**_kinds(guesses.PROJECTTYPE_FIELDS), **_AUDIT},
    required=("NAME",),
)  # fmt: skip

TIMETYPE = _obj(
    "TIMETYPE", "NAME", "NAME", {**_kinds(guesses.TIMETYPE_FIELDS), **_AUDIT},
    required=("NAME",),
)  # fmt: skip

EEACCOUNTLABEL = _obj(
    "EEACCOUNTLABEL", "ACCOUNTLABEL", "DESCRIPTION",
    {
        "ACCOUNTLABEL": "id", "DESCRIPTION": "text", "GLACCOUNTNO": "id",
        "GLACCOUNTTITLE": "text", "STATUS": "status", "ITEMID": "id",
        "OFFSETGLACCOUNTNO": "id", **_AUDIT,
    },
    required=("ACCOUNTLABEL", "GLACCOUNTNO"),
)  # fmt: skip

ITEM = _obj(
    "ITEM", "ITEMID", "NAME",
    {
        "ITEMID": "id", "STATUS": "status", "MRR": "bool", "NAME": "text",
        "EXTENDED_DESCRIPTION": "text", "PRODUCTLINEID": "id", "GLGROUP": "text",
        "ITEMTYPE": "text", **_AUDIT,
    },
    required=("ITEMID", "NAME", "ITEMTYPE"),
)  # fmt: skip

GLACCOUNT = _obj(
    "GLACCOUNT", "ACCOUNTNO", "TITLE",
    {
        "ACCOUNTNO": "id", "TITLE": "text", "ACCOUNTTYPE": "text", "NORMALBALANCE": "text",
        "CLOSINGTYPE": "text", "STATUS": "status", "CATEGORY": "text",
        "ALTERNATIVEACCOUNT": "text", **_AUDIT,
    },
    required=("ACCOUNTNO", "TITLE"),
)  # fmt: skip

CHECKINGACCOUNT = _obj(
    "CHECKINGACCOUNT", "BANKACCOUNTID", "BANKNAME",
    {
        "BANKACCOUNTID": "id", "BANKACCOUNTNO": "text", "GLACCOUNTNO": "id", "BANKNAME": "text",
        "ROUTINGNO": "text", "BRANCHID": "text", "BANKACCOUNTTYPE": "text", "DEPARTMENTID": "id",
        "LOCATIONID": "id", "STATUS": "status", "ACHBANKID": "text", "COMPANYNAME": "text",
        **_AUDIT,
    },
    required=("BANKACCOUNTID", "GLACCOUNTNO"),
)  # fmt: skip

CREDITCARD = _obj(
    "CREDITCARD", "CARDID", "DESCRIPTION",
    {
        "CARDID": "id", "DESCRIPTION": "text", "CARDTYPE": "text", "EXP_MONTH": "text",
        "EXP_YEAR": "text", "COMMCARD": "bool", "STATUS": "status", "VENDORID": "id",
        "DEPT": "id", "LOCATION": "id", "LIABILITYTYPE": "text", "OUTSOURCECARD": "bool",
        **_AUDIT,
    },
    required=("CARDID", "CARDTYPE"),
)  # fmt: skip

ARTERM = _obj(
    "ARTERM", "NAME", "NAME",
    {
        "NAME": "id", "DESCRIPTION": "text", "STATUS": "status",
        **_kinds(guesses.ARTERM_RULE_FIELDS), **_AUDIT,
    },
    required=("NAME",),
)  # fmt: skip

# --- timesheets -------------------------------------------------------------------------

TIMESHEET = _obj(
    "TIMESHEET", "RECORDNO", None,
    {
        "EMPLOYEEID": "id", "BEGINDATE": "date", "ENDDATE": "date", "STATE": "text",
        "DESCRIPTION": "text", "GLPOSTDATE": "date", "SUPDOCID": "id", **_AUDIT,
    },
    required=("EMPLOYEEID", "BEGINDATE"),
    references={"EMPLOYEEID": ("EMPLOYEE", "EMPLOYEEID")},
    lines=Lines("TIMESHEETENTRIES", "TIMESHEETENTRY", guesses.TIMESHEETENTRY_PARENT_KEY),
)  # fmt: skip

#: The demo company's custom fields (§4.1: "custom fields as extra elements by integration
#: name"). A company names its own; recon's profile must name the same one.
CUSTOM_FIELDS: Mapping[str, Mapping[str, Kind]] = MappingProxyType(
    {
        "TIMESHEETENTRY": MappingProxyType({"BIGTIME_ENTRYID": "id"}),
        "EEXPENSESITEM": MappingProxyType({"BIGTIME_EXPENSEID": "id"}),
    }
)
#: The custom field carrying the BigTime expense id across (the demo company's name).
EXPENSE_LINK_FIELD = "BIGTIME_EXPENSEID"
#: The custom field carrying the BigTime time-entry id across (the demo company's name).
TIMESHEETENTRY_LINK_FIELD = "BIGTIME_ENTRYID"

TIMESHEETENTRY = _obj(
    "TIMESHEETENTRY", "RECORDNO", None,
    {
        guesses.TIMESHEETENTRY_PARENT_KEY: "id", "LINENO": "int", "EMPLOYEEID": "id",
        "STATE": "text", "ENTRYDATE": "date", "QTY": "qty", "PROJECTID": "id",
        "TASKKEY": "id", "TASKID": "id", "CUSTOMERID": "id", "ITEMID": "id", "TIMETYPE": "id",
        "BILLABLE": "bool", "DESCRIPTION": "text", "NOTES": "text", "DEPARTMENTID": "id",
        "LOCATIONID": "id", "CLASSID": "id", "VENDORID": "id", "CONTRACTID": "id",
        "WAREHOUSEID": "id", "EXTBILLRATE": "money", "EXTCOSTRATE": "money",
        "COSTTYPEID": "id", **CUSTOM_FIELDS["TIMESHEETENTRY"], **_AUDIT,
    },
    required=("ENTRYDATE", "QTY"),
    references={
        "PROJECTID": ("PROJECT", "PROJECTID"), "CUSTOMERID": ("CUSTOMER", "CUSTOMERID"),
        "TIMETYPE": ("TIMETYPE", "NAME"), "EMPLOYEEID": ("EMPLOYEE", "EMPLOYEEID"),
    },
)  # fmt: skip

# --- employee expenses (issue 16; every field a guess: guesses.EXPENSE_*) --------------

EEXPENSES = _obj(
    "EEXPENSES", "RECORDNO", None,
    # A transaction's WHENCREATED is a date (§2.3), so the header's kinds come last.
    {**_AUDIT, "AUWHENCREATED": "datetime", **_kinds(guesses.EXPENSE_HEADER_FIELDS)},
    required=("EMPLOYEEID", "WHENCREATED"),
    references={"EMPLOYEEID": ("EMPLOYEE", "EMPLOYEEID")},
    lines=Lines("EEXPENSESITEMS", "EEXPENSESITEM", guesses.EXPENSE_LINE_PARENT_KEY),
    computed=("TOTALENTERED", "TOTALDUE", "TOTALPAID", "EMPLOYEENAME"),
)  # fmt: skip

EEXPENSESITEM = _obj(
    "EEXPENSESITEM", "RECORDNO", None,
    {
        guesses.EXPENSE_LINE_PARENT_KEY: "id", **_kinds(guesses.EXPENSE_LINE_FIELDS),
        **CUSTOM_FIELDS["EEXPENSESITEM"], **_AUDIT,
    },
    required=("ENTRYDATE", "ACCOUNTLABEL", "AMOUNT"),
    references={
        "PROJECTID": ("PROJECT", "PROJECTID"), "CUSTOMERID": ("CUSTOMER", "CUSTOMERID"),
        "ACCOUNTLABEL": ("EEACCOUNTLABEL", "ACCOUNTLABEL"),
    },
)  # fmt: skip

# --- receivables ------------------------------------------------------------------------

_ADDRESS_BOOK = {
    **_contact("CONTACT"),
    **_contact("SHIPTO", "VISIBLE", "TAXGROUP.NAME", "TAXID", "TAXGROUP.RECORDNO"),
    **_contact("BILLTO", "VISIBLE"),
}
_ADDRESS_BOOK.update({k: "bool" for k in ("SHIPTO.VISIBLE", "BILLTO.VISIBLE")})
_ADDRESS_BOOK["SHIPTO.TAXGROUP.RECORDNO"] = "id"

ARINVOICE = _obj(
    "ARINVOICE", "RECORDID", None,
    {
        "RECORDID": "id", "STATE": "text", "CUSTOMERID": "id", "CUSTOMERNAME": "text",
        "CUSTMESSAGEID": "id", "CUSTMESSAGE.MESSAGE": "text", "DOCNUMBER": "text",
        "DESCRIPTION": "text", "DESCRIPTION2": "text", "TERMNAME": "id", "WHENCREATED": "date",
        "WHENPOSTED": "date", "WHENDISCOUNT": "date", "WHENDUE": "date", "WHENPAID": "date",
        "BASECURR": "id", "CURRENCY": "id", "EXCH_RATE_DATE": "date", "EXCH_RATE_TYPE_ID": "id",
        "EXCHANGE_RATE": "number", "TOTALENTERED": "money", "TOTALSELECTED": "money",
        "TOTALPAID": "money", "TOTALDUE": "money", "BILLTOPAYTOCONTACTNAME": "text",
        "SHIPTORETURNTOCONTACTNAME": "text", **_ADDRESS_BOOK, "PRBATCH": "text",
        "SYSTEMGENERATED": "text", "AUWHENCREATED": "datetime", "WHENMODIFIED": "datetime",
        "DUE_IN_DAYS": "int", "TAXSOLUTIONID": "id", "TAXMETHOD": "text",
        "RETAINAGEPERCENTAGE": "number", "TRX_TOTALRETAINED": "money",
        "TRX_TOTALRELEASED": "money", "TOTALRETAINED": "money", **_MEGA,
        # §5
        "RAWSTATE": "text", "TRX_TOTALENTERED": "money", "TRX_TOTALPAID": "money",
        "TRX_TOTALDUE": "money", "MODULEKEY": "text", "CREATEDBY": "id", "MODIFIEDBY": "id",
        **_kinds(guesses.UNLISTED_FIELDS["ARINVOICE"]),
    },
    # §5 create_invoice: customerid, datecreated (WHENCREATED), lines
    required=("CUSTOMERID", "WHENCREATED"),
    references={"CUSTOMERID": ("CUSTOMER", "CUSTOMERID"), "TERMNAME": ("ARTERM", "NAME")},
    lines=Lines("ARINVOICEITEMS", "ARINVOICEITEM", "RECORDKEY"),
    computed=(
        "TOTALENTERED", "TOTALPAID", "TOTALDUE", "TRX_TOTALENTERED", "TRX_TOTALPAID",
        "TRX_TOTALDUE", "STATE", "RAWSTATE", "MODULEKEY", "WHENPAID", "WHENPOSTED",
    ),
)  # fmt: skip


def _dimension(name: str) -> dict[str, Kind]:
    """A line's dimension: ``<NAME>DIMKEY``, ``<NAME>ID``, ``<NAME>NAME``."""
    return {f"{name}DIMKEY": "id", f"{name}ID": "id", f"{name}NAME": "text"}


ARINVOICEITEM = _obj(
    "ARINVOICEITEM", "RECORDNO", None,
    {
        "RECORDKEY": "id", "ACCOUNTKEY": "id", "ACCOUNTNO": "id", "OFFSETACCOUNTKEY": "id",
        "OFFSETGLACCOUNTNO": "id", "OFFSETGLACCOUNTTITLE": "text", "ACCOUNTTITLE": "text",
        "ACCOUNTLABELKEY": "id", "ACCOUNTLABEL": "id", "ENTRY_DATE": "date", "AMOUNT": "money",
        "TRX_AMOUNT": "money", "DEPARTMENTID": "id", "DEPARTMENTNAME": "text",
        "LOCATIONID": "id", "LOCATIONNAME": "text", "ENTRYDESCRIPTION": "text",
        "EXCH_RATE_DATE": "date", "EXCH_RATE_TYPE_ID": "id", "EXCHANGE_RATE": "number",
        "ALLOCATIONKEY": "id", "ALLOCATION": "text", "LINEITEM": "text", "LINE_NO": "int",
        "CURRENCY": "id", "BASECURR": "id", "TOTALPAID": "money", "TRX_TOTALPAID": "money",
        "TRX_DISCOUNTAPPLIED": "money", "TOTALSELECTED": "money", "TRX_TOTALSELECTED": "money",
        "SUBTOTAL": "text", "PARENTENTRY": "id", "PAYMENTTAXCAPTURE": "text",
        "DEFERREVENUE": "text", "REVRECTEMPLATEKEY": "id", "REVRECTEMPLATE": "text",
        "DEFERREDREVACCTKEY": "id", "DEFERREDREVACCTNO": "id", "DEFERREDREVACCTTITLE": "text",
        "REVRECSTARTDATE": "date", "REVRECENDDATE": "date", "BASELOCATION": "id",
        "STATE": "text", "RECORDTYPE": "text", "BILLABLECONTRACTSCHENTRYKEY": "id",
        "BILLABLECONTRACTUSAGEBILLINGID": "id", "DETAILKEY": "id", **_AUDIT,
        "RETAINAGEPERCENTAGE": "number", "TRX_AMOUNTRETAINED": "money",
        "AMOUNTRETAINED": "money", "TRX_AMOUNTRELEASED": "money",
        "RETAINAGE_OFFSETGLACCOUNTNO": "id", "PROJECTCONTRACTID": "id",
        "PROJECTCONTRACTKEY": "id", "PROJECTCONTRACTLINEID": "id",
        "PROJECTCONTRACTLINEKEY": "id", "PROJECTCONTRACTNAME": "text",
        "PROJECTCONTRACTLINENAME": "text", "ISRETAINAGERELEASE": "text", "ISSUMMARIZED": "text",
        "AMORTIZATIONTEMPLATEKEY": "id", "AMORTIZATIONTEMPLATEID": "id",
        "AMORTIZATIONSTARTDATE": "date", "AMORTIZATIONENDDATE": "date", "ORIGDOCKEY": "id",
        "ORIGDOCLINEKEY": "id", "ORIGDOCID": "id", "ORIGDOCLINEID": "id",
        **_dimension("CLASS"), **_dimension("CUSTOMER"), **_dimension("VENDOR"),
        **_dimension("EMPLOYEE"), **_dimension("ITEM"), **_dimension("PROJECT"),
        **_dimension("CONTRACT"),
        # §5 ("TASKID…")
        "TASKID": "id",
    },
    required=("AMOUNT",),
)  # fmt: skip

ARPYMT = _obj(
    "ARPYMT", "RECORDNO", None,
    {
        "PRBATCHKEY": "id", "RECORDTYPE": "text", "FINANCIALENTITY": "id",
        "FINANCIALENTITYTYPE": "text", "FINANCIALACCOUNTNAME": "text",
        "FINANCIALACCOUNTCURRENCY": "id", "SUMMARYTITLE": "text", "STATE": "text",
        "DISPLAYSTATE": "text", "PAYMENTMETHOD": "text", "PAYMENTMETHODKEY": "id",
        "CUSTOMERID": "id", "CUSTOMERNAME": "text", "PAYERNAME": "text", "DOCNUMBER": "text",
        "DESCRIPTION": "text", "WHENCREATED": "date", "RECEIPTDATE": "date", "WHENPAID": "date",
        "BASECURR": "id", "CURRENCY": "id", "EXCH_RATE_DATE": "date", "EXCH_RATE_TYPE_ID": "id",
        "EXCHANGE_RATE": "number", "TOTALENTERED": "money", "TOTALPAID": "money",
        "TOTALDUE": "money", "TRX_TOTALENTERED": "money", "TRX_TOTALPAID": "money",
        "TRX_TOTALDUE": "money", "BILLTOPAYTONAME": "text", "PRBATCH": "text",
        "AUWHENCREATED": "datetime", "WHENMODIFIED": "datetime", "CREATEDBY": "id",
        "MODIFIEDBY": "id", "CLEARED": "text", "CLRDATE": "date", "RECORDID": "id",
        "BILLTOPAYTOKEY": "id", "PARENTPAYMENTKEY": "id", "UNDEPOSITEDACCOUNTNO": "id",
        "TAXSOLUTIONID": "id", "SUPDOCID": "id", "MULTIENTITYPYMTKEY": "id", **_MEGA,
        "RECORD_URL": "text",
    },
    required=("CUSTOMERID", "PAYMENTMETHOD", "RECEIPTDATE"),
    references={"CUSTOMERID": ("CUSTOMER", "CUSTOMERID")},
    lines=Lines("ARPYMTDETAILS", "ARPYMTDETAIL", guesses.PAYMENT_DETAIL_PARENT_KEY),
    computed=(
        "TOTALENTERED", "TOTALPAID", "TOTALDUE", "TRX_TOTALENTERED", "STATE", "DISPLAYSTATE",
        "WHENPAID",
    ),
)  # fmt: skip

#: §5 writes these as ARPYMTDETAILS/ARPYMTDETAIL (RECORDKEY = invoice RECORDNO, ENTRYKEY,
#: TRX_PAYMENTAMOUNT); reading them back as an object is a guess (guesses.PAYMENT_DETAIL_*).
ARPYMTDETAIL = _obj(
    "ARPYMTDETAIL", "RECORDNO", None,
    {
        guesses.PAYMENT_DETAIL_PARENT_KEY: "id", "RECORDKEY": "id", "ENTRYKEY": "id",
        "TRX_PAYMENTAMOUNT": "money", **_kinds(guesses.PAYMENT_DETAIL_READ_FIELDS), **_AUDIT,
    },
    required=("RECORDKEY", "TRX_PAYMENTAMOUNT"),
)  # fmt: skip

OBJECTS: Mapping[str, ObjectSpec] = MappingProxyType(
    {
        o.name: o
        for o in (
            CUSTOMER, PROJECT, EMPLOYEE, VENDOR, DEPARTMENT, LOCATION, CLASS, PROJECTTYPE,
            TIMETYPE, EEACCOUNTLABEL, ITEM, GLACCOUNT, CHECKINGACCOUNT, CREDITCARD, ARTERM,
            TIMESHEET, TIMESHEETENTRY, ARINVOICE, ARINVOICEITEM, ARPYMT, ARPYMTDETAIL,
            EEXPENSES, EEXPENSESITEM,
        )
    }
)  # fmt: skip

#: Line references that are not to a header: ARPYMTDETAIL.RECORDKEY is the invoice it pays.
LINE_REFERENCES: Mapping[str, Mapping[str, tuple[str, str]]] = MappingProxyType(
    {"ARPYMTDETAIL": MappingProxyType({"RECORDKEY": ("ARINVOICE", "RECORDNO")})}
)


def get(name: str) -> ObjectSpec:
    """The object ``name`` (case-insensitive), or ``KeyError``."""
    return OBJECTS[name.upper()]


def parent_of(line_obj: str) -> tuple[ObjectSpec, str, str] | None:
    """For a line object: (header, wrapper element, parent-key field on the line)."""
    for parent in OBJECTS.values():
        if parent.lines and parent.lines.line == line_obj:
            return parent, parent.lines.wrapper, parent.lines.parent_key
    return None


def references(spec: ObjectSpec) -> Mapping[str, tuple[str, str]]:
    """Every reference field of ``spec``: its own and :data:`LINE_REFERENCES`."""
    return {**spec.references, **LINE_REFERENCES.get(spec.name, {})}


def derived_fields(spec: ObjectSpec) -> Mapping[str, tuple[str, str]]:
    """Read-only fields filled from a reference: ``CUSTOMERID`` -> ``CUSTOMERKEY``/``NAME``.

    Returns derived field -> (reference field, ``"KEY"`` or ``"NAME"``).
    """
    return _derived(spec.name)


@lru_cache(maxsize=64)
def _derived(obj: str) -> Mapping[str, tuple[str, str]]:
    spec = get(obj)
    out: dict[str, tuple[str, str]] = {}
    for ref in references(spec):
        if ref.endswith("ID"):
            for suffix in ("KEY", "NAME"):
                name = ref[:-2] + suffix
                if name in spec.fields and name not in spec.references:
                    out[name] = (ref, suffix)
    return out
