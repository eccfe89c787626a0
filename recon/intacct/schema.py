"""The Intacct objects recon uses: key fields and the type of every field.

The client's catalogue: what it selects and how it types DataFrame columns. Field lists come
from docs/specs/intacct-fields.md (what real clients select) and docs/specs/intacct-xml-api.md
§5. The sandbox keeps its own description, written from the same spec
(``recon.sandbox.intacct.catalogue``), so a wrong guess here fails there instead of being
confirmed; ``tests/sandbox/test_independence.py`` checks that the two agree.
Dotted names are related-object fields: ``query`` returns them as elements named with the
dotted path; ``read``/``readByQuery`` return them nested (``<DISPLAYCONTACT><EMAIL1>``).

Kinds
-----
``id``       identifier, kept as string (RECORDNO too: it is a key, not a number to add)
``text``     free text
``money``    amount, Decimal, two places on the wire
``qty``      quantity/hours, Decimal
``int``      integer counts
``date``     ``MM/DD/YYYY``
``datetime`` ``MM/DD/YYYY HH:MM:SS`` (no timezone: "Dates in Sage Intacct do not have
             associated timezones")
``bool``     ``true``/``false``
``status``   ``active``/``inactive`` (stored as ``T``/``F`` for readByQuery filters)

Citations: "§N" and "spec §N" are docs/specs/intacct-xml-api.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Kind = Literal["id", "text", "money", "qty", "int", "date", "datetime", "bool", "status"]


@dataclass(frozen=True)
class ObjectSchema:
    """One Intacct object: its natural id field, its name field and typed fields."""

    name: str
    id_field: str
    name_field: str | None
    fields: Mapping[str, Kind]
    #: Fields that must be present on create.
    required: tuple[str, ...] = ()
    #: Fields that point at another object's id field: field -> (object, id field).
    references: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: Owned line collection: (wrapper element, line object, parent-key field on the line).
    lines: tuple[str, str, str] | None = None
    #: True when an incremental read by WHENMODIFIED is possible.
    has_whenmodified: bool = True

    def kind(self, fieldname: str) -> Kind:
        return self.fields[fieldname]


_AUDIT: dict[str, Kind] = {
    "WHENCREATED": "datetime",
    "WHENMODIFIED": "datetime",
    "CREATEDBY": "id",
    "MODIFIEDBY": "id",
}
_MEGA: dict[str, Kind] = {"MEGAENTITYKEY": "id", "MEGAENTITYID": "id", "MEGAENTITYNAME": "text"}


def _contact(prefix: str) -> dict[str, Kind]:
    names = [
        "CONTACTNAME", "PREFIX", "FIRSTNAME", "INITIAL", "LASTNAME", "COMPANYNAME", "PRINTAS",
        "PHONE1", "PHONE2", "CELLPHONE", "PAGER", "FAX", "EMAIL1", "EMAIL2", "URL1", "URL2",
        "MAILADDRESS.ADDRESS1", "MAILADDRESS.ADDRESS2", "MAILADDRESS.CITY", "MAILADDRESS.STATE",
        "MAILADDRESS.ZIP", "MAILADDRESS.COUNTRY", "MAILADDRESS.COUNTRYCODE",
    ]  # fmt: skip
    return {f"{prefix}.{n}": "text" for n in names}


def _obj(
    name: str,
    id_field: str,
    name_field: str | None,
    fields: dict[str, Kind],
    **kw: Any,
) -> ObjectSchema:
    merged: dict[str, Kind] = {"RECORDNO": "id", **fields}
    return ObjectSchema(name, id_field, name_field, MappingProxyType(merged), **kw)


CUSTOMER = _obj(
    "CUSTOMER", "CUSTOMERID", "NAME",
    {
        "CUSTOMERID": "id", "NAME": "text", "ENTITY": "id", "PARENTKEY": "id", "PARENTID": "id",
        "PARENTNAME": "text", "CUSTREPNAME": "text", "TOTALDUE": "money", "GLGRPKEY": "id",
        "GLGROUP": "text", "STATUS": "status", "ONETIME": "bool", "ONHOLD": "bool",
        "TERMNAME": "id", "CUSTTYPE": "text", "TAXID": "text", "CREDITLIMIT": "money",
        "CURRENCY": "id", "ARACCOUNT": "id", "OBJECTRESTRICTION": "text",
        **_contact("DISPLAYCONTACT"), **_AUDIT,
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
        "CUSTOMERNAME": "text", "PROJECTTYPE": "id", "DEPARTMENTID": "id",
        "DEPARTMENTNAME": "text", "LOCATIONID": "id", "LOCATIONNAME": "text", "CLASSID": "id",
        "MANAGERID": "id", "MANAGERKEY": "id", "BEGINDATE": "date", "ENDDATE": "date",
        "BUDGETID": "id", "BUDGETAMOUNT": "money", "PONUMBER": "text", "POAMOUNT": "money",
        "SONUMBER": "text", "TERMNAME": "id", "BILLINGTYPE": "text",
        **_MEGA, **_AUDIT,
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
        "DEPARTMENTID": "id", "CLASSID": "id", "SUPERVISORID": "id", "BIRTHDATE": "date",
        "STARTDATE": "date", "ENDDATE": "date", "STATUS": "status", "EMPLOYEETYPE": "text",
        "EMPLOYEETYPE1099TYPE": "text", "GENDER": "text", "TERMINATIONTYPE": "text",
        **_contact("CONTACT"), "CURRENCY": "id", "PAYMETHODKEY": "id", "CONTACTKEY": "id",
        **_MEGA, **_AUDIT,
    },
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
        "STATUS": "status", "TERMNAME": "id", "ONETIME": "bool", **_AUDIT,
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
    "PROJECTTYPE",
    "NAME",
    "NAME",
    {"NAME": "id", "PARENTID": "id", "STATUS": "status", **_AUDIT},
    required=("NAME",),
)

TIMETYPE = _obj(
    "TIMETYPE",
    "NAME",
    "NAME",
    {"NAME": "id", "ACCOUNTLABEL": "id", "STATUS": "status", **_AUDIT},
    required=("NAME",),
)

EEACCOUNTLABEL = _obj(
    "EEACCOUNTLABEL", "ACCOUNTLABEL", "DESCRIPTION",
    {
        "ACCOUNTLABEL": "id", "DESCRIPTION": "text", "GLACCOUNTNO": "id",
        "GLACCOUNTTITLE": "text", "OFFSETGLACCOUNTNO": "id", "STATUS": "status", "ITEMID": "id",
        **_AUDIT,
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

# §5 ARTERM: "Read-shape details UNCERTAIN"; DUEDAYS is a guess (the sandbox makes it too).
ARTERM = _obj(
    "ARTERM",
    "NAME",
    "NAME",
    {"NAME": "id", "DESCRIPTION": "text", "STATUS": "status", "DUEDAYS": "int", **_AUDIT},
    required=("NAME",),
)

TIMESHEET = _obj(
    "TIMESHEET", "RECORDNO", None,
    {
        "EMPLOYEEID": "id", "BEGINDATE": "date", "ENDDATE": "date", "STATE": "text",
        "DESCRIPTION": "text", "GLPOSTDATE": "date", "SUPDOCID": "id", **_AUDIT,
    },
    required=("EMPLOYEEID", "BEGINDATE"),
    references={"EMPLOYEEID": ("EMPLOYEE", "EMPLOYEEID")},
    lines=("TIMESHEETENTRIES", "TIMESHEETENTRY", "TIMESHEETKEY"),
)  # fmt: skip

# The parent key name is UNCERTAIN (spec §5): see uncertain.TIMESHEETENTRY_PARENT_KEY.
# BIGTIME_ENTRYID is the demo firm's custom field: see uncertain.TIMESHEETENTRY_LINK_FIELD.
TIMESHEETENTRY = _obj(
    "TIMESHEETENTRY", "RECORDNO", None,
    {
        "TIMESHEETKEY": "id", "LINENO": "int", "EMPLOYEEID": "id", "STATE": "text",
        "ENTRYDATE": "date", "QTY": "qty", "PROJECTID": "id", "TASKKEY": "id", "TASKID": "id",
        "CUSTOMERID": "id", "ITEMID": "id", "TIMETYPE": "id", "BILLABLE": "bool",
        "DESCRIPTION": "text", "NOTES": "text", "DEPARTMENTID": "id", "LOCATIONID": "id",
        "CLASSID": "id", "EXTBILLRATE": "money", "EXTCOSTRATE": "money",
        "BIGTIME_ENTRYID": "id", **_AUDIT,
    },
    required=("ENTRYDATE", "QTY"),
    references={
        "PROJECTID": ("PROJECT", "PROJECTID"), "CUSTOMERID": ("CUSTOMER", "CUSTOMERID"),
        "TIMETYPE": ("TIMETYPE", "NAME"), "EMPLOYEEID": ("EMPLOYEE", "EMPLOYEEID"),
    },
)  # fmt: skip

# Employee expense reports (issue 16): every field is UNCERTAIN (uncertain.EXPENSE_*);
# BIGTIME_EXPENSEID is the demo firm's custom field (uncertain.EXPENSE_LINK_FIELD).
EEXPENSES = _obj(
    "EEXPENSES", "RECORDNO", None,
    {
        "RECORDID": "id", "EMPLOYEEID": "id", "WHENCREATED": "date", "WHENPOSTED": "date",
        "STATE": "text", "DESCRIPTION": "text", "BASECURR": "id", "CURRENCY": "id",
        "TOTALENTERED": "money", "TOTALDUE": "money", "AUWHENCREATED": "datetime",
        "WHENMODIFIED": "datetime", "CREATEDBY": "id", "MODIFIEDBY": "id",
    },
    required=("EMPLOYEEID", "WHENCREATED"),
    references={"EMPLOYEEID": ("EMPLOYEE", "EMPLOYEEID")},
    lines=("EEXPENSESITEMS", "EEXPENSESITEM", "RECORDKEY"),
)  # fmt: skip

EEXPENSESITEM = _obj(
    "EEXPENSESITEM", "RECORDNO", None,
    {
        "RECORDKEY": "id", "LINE_NO": "int", "ENTRYDATE": "date", "ACCOUNTLABEL": "id",
        "AMOUNT": "money", "PROJECTID": "id", "CUSTOMERID": "id", "BILLABLE": "bool",
        "NONREIMBURSABLE": "bool", "DESCRIPTION": "text", "BIGTIME_EXPENSEID": "id", **_AUDIT,
    },
    required=("ENTRYDATE", "ACCOUNTLABEL", "AMOUNT"),
    references={
        "PROJECTID": ("PROJECT", "PROJECTID"), "CUSTOMERID": ("CUSTOMER", "CUSTOMERID"),
        "ACCOUNTLABEL": ("EEACCOUNTLABEL", "ACCOUNTLABEL"),
    },
)  # fmt: skip

# PROJECTID on the header is not in the spec (it lists PROJECTID on lines): a guess the
# sandbox makes too, in recon.sandbox.intacct.guesses.UNLISTED_FIELDS.
ARINVOICE = _obj(
    "ARINVOICE", "RECORDID", None,
    {
        "RECORDID": "id", "STATE": "text", "RAWSTATE": "text", "CUSTOMERID": "id",
        "CUSTOMERNAME": "text", "DOCNUMBER": "text", "DESCRIPTION": "text", "TERMNAME": "id",
        "WHENCREATED": "date", "WHENPOSTED": "date", "WHENDUE": "date", "WHENPAID": "date",
        "BASECURR": "id", "CURRENCY": "id", "TOTALENTERED": "money", "TOTALSELECTED": "money",
        "TOTALPAID": "money", "TOTALDUE": "money", "TRX_TOTALENTERED": "money",
        "TRX_TOTALPAID": "money", "TRX_TOTALDUE": "money", "BILLTOPAYTOCONTACTNAME": "text",
        "PRBATCH": "text", "MODULEKEY": "text", "PROJECTID": "id", "AUWHENCREATED": "datetime",
        "WHENMODIFIED": "datetime", "CREATEDBY": "id", "MODIFIEDBY": "id", **_MEGA,
    },
    required=("CUSTOMERID", "WHENCREATED"),
    references={"CUSTOMERID": ("CUSTOMER", "CUSTOMERID"), "TERMNAME": ("ARTERM", "NAME")},
    lines=("ARINVOICEITEMS", "ARINVOICEITEM", "RECORDKEY"),
)  # fmt: skip

ARINVOICEITEM = _obj(
    "ARINVOICEITEM", "RECORDNO", None,
    {
        "RECORDKEY": "id", "ACCOUNTNO": "id", "ACCOUNTLABEL": "id", "AMOUNT": "money",
        "TRX_AMOUNT": "money", "ENTRYDESCRIPTION": "text", "DEPARTMENTID": "id",
        "LOCATIONID": "id", "PROJECTID": "id", "CUSTOMERID": "id", "EMPLOYEEID": "id",
        "ITEMID": "id", "CLASSID": "id", "TASKID": "id", "LINE_NO": "int", "TOTALPAID": "money",
        "ENTRY_DATE": "date", **_AUDIT,
    },
    required=("AMOUNT",),
)  # fmt: skip

ARPYMT = _obj(
    "ARPYMT", "RECORDNO", None,
    {
        "RECORDID": "id", "PRBATCHKEY": "id", "RECORDTYPE": "text", "FINANCIALENTITY": "id",
        "STATE": "text", "DISPLAYSTATE": "text", "PAYMENTMETHOD": "text", "CUSTOMERID": "id",
        "CUSTOMERNAME": "text", "PAYERNAME": "text", "DOCNUMBER": "text", "DESCRIPTION": "text",
        "WHENCREATED": "date", "RECEIPTDATE": "date", "WHENPAID": "date", "BASECURR": "id",
        "CURRENCY": "id", "TOTALENTERED": "money", "TOTALPAID": "money", "TOTALDUE": "money",
        "TRX_TOTALENTERED": "money", "UNDEPOSITEDACCOUNTNO": "id", "PRBATCH": "text",
        "CLEARED": "text", "AUWHENCREATED": "datetime", "WHENMODIFIED": "datetime",
        "CREATEDBY": "id", "MODIFIEDBY": "id", **_MEGA,
    },
    required=("CUSTOMERID", "PAYMENTMETHOD", "RECEIPTDATE"),
    references={"CUSTOMERID": ("CUSTOMER", "CUSTOMERID")},
    lines=("ARPYMTDETAILS", "ARPYMTDETAIL", "PAYMENTKEY"),
)  # fmt: skip

ARPYMTDETAIL = _obj(
    "ARPYMTDETAIL", "RECORDNO", None,
    {
        "PAYMENTKEY": "id", "RECORDKEY": "id", "ENTRYKEY": "id",
        "TRX_PAYMENTAMOUNT": "money", "PAYMENTAMOUNT": "money", **_AUDIT,
    },
    required=("RECORDKEY", "TRX_PAYMENTAMOUNT"),
)  # fmt: skip

OBJECTS: Mapping[str, ObjectSchema] = MappingProxyType(
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


def get(name: str) -> ObjectSchema:
    """The schema of object ``name`` (case-insensitive), or ``KeyError``."""
    return OBJECTS[name.upper()]
