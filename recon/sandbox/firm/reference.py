"""The firm's reference lists (fixed, whatever the scale) and staff levels.

Each list is the truth both systems start from. A value flagged "spare" is in both systems
but nothing points at it (a new department with no staff yet, a project type not used yet):
planted "missing" items are taken from spares only, so removing one from a side never leaves
a dangling reference in that side's view.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from recon.sandbox.firm.columns import conform

# --- Intacct strings the spec marks UNCERTAIN (docs/specs/intacct-xml-api.md §5), kept in one place
#: ITEM.ITEMTYPE of stock items recon must ignore, and of the service items it syncs.
ITEMTYPE_INVENTORY = "Inventory"
ITEMTYPE_NON_INVENTORY = "Non-Inventory"
#: PROJECT.PROJECTCATEGORY for client work and for the firm's own internal projects.
CATEGORY_CLIENT = "Contract"
CATEGORY_INTERNAL = "Internal Non-billable"
#: PROJECT.BILLINGTYPE per project type (company-defined strings).
BILLING_TYPES = {
    "Time and Materials": "Time & Material", "Fixed Fee": "Fixed Price",
    "Retainer": "Fixed Price", "Not to Exceed": "Time & Material", "Pro Bono": "",
    "Internal": "",
}  # fmt: skip
#: PROJECT.PROJECTSTATUS names (company-defined workflow statuses).
PROJECT_STATUS_OPEN, PROJECT_STATUS_DONE, PROJECT_STATUS_NEW = (
    "In Progress", "Completed", "Not Started",
)  # fmt: skip
#: EMPLOYEE.EMPLOYEETYPE (company-defined) and TERMINATIONTYPE of staff who left.
EMPLOYEE_TYPE, TERMINATION_TYPE = "Full Time", "Voluntary"
#: TIMESHEET.STATE display values (docs/specs/intacct-xml-api.md §5 lists them; which apply when is
#: our choice).
SHEET_APPROVED, SHEET_SUBMITTED, SHEET_DRAFT = "Approved", "Submitted", "Draft"
#: ARINVOICE.STATE: "Posted" and "Paid" are observed; "Partially Paid" is UNCERTAIN.
INVOICE_OPEN, INVOICE_PARTIAL, INVOICE_PAID = "Posted", "Partially Paid", "Paid"
#: ARINVOICE.MODULEKEY: BigTime posts invoices as Order Entry sales invoices (8.SO).
INVOICE_MODULEKEY = "8.SO"
#: ARPYMT.STATE / DISPLAYSTATE / RECORDTYPE of an applied customer receipt.
PAYMENT_STATE, PAYMENT_DISPLAYSTATE, PAYMENT_RECORDTYPE = "Complete", "Applied", "rp"
#: CREDITCARD expiry fields (text on the wire).
CARD_EXP_MONTH, CARD_EXP_YEAR = "12", "2027"

DEPARTMENTS = (
    ("ADV", "Advisory"), ("AUD", "Assurance"), ("TAX", "Tax"),
    ("TECH", "Technology Consulting"), ("OPS", "Firm Operations"),
)  # fmt: skip
SPARE_DEPARTMENTS = (("DATA", "Data and Analytics"),)
CLIENT_DEPARTMENTS = ("ADV", "AUD", "TAX", "TECH")

LOCATIONS = (
    ("CHI", "Chicago - Loop (HQ)"), ("MKE", "Milwaukee"), ("IND", "Indianapolis"),
    ("STL", "St. Louis"),
)  # fmt: skip
LOCATION_WEIGHTS = (0.55, 0.15, 0.15, 0.15)
#: Office address per location (staff contact addresses on the Intacct side).
OFFICES = {
    "CHI": ("233 S Wacker Dr", "Chicago", "IL", "60606"),
    "MKE": ("411 E Wisconsin Ave", "Milwaukee", "WI", "53202"),
    "IND": ("111 Monument Cir", "Indianapolis", "IN", "46204"),
    "STL": ("1 N Brentwood Blvd", "St. Louis", "MO", "63105"),
    "MSP": ("80 S 8th St", "Minneapolis", "MN", "55402"),
}
SPARE_LOCATIONS = (("MSP", "Minneapolis"),)

CLASSES = (
    ("CONS", "Consulting"), ("ASSUR", "Assurance Services"), ("TAXS", "Tax Services"),
    ("OUTS", "Outsourced Accounting"), ("INT", "Internal"),
)  # fmt: skip
#: Usual class of a client department's work (the rest goes to OUTS).
DEPARTMENT_CLASS = {"ADV": "CONS", "AUD": "ASSUR", "TAX": "TAXS", "TECH": "CONS"}

PROJECT_TYPES = ("Time and Materials", "Fixed Fee", "Retainer", "Not to Exceed", "Internal")
CLIENT_PROJECT_TYPE_WEIGHTS = (0.5, 0.25, 0.15, 0.10)
SPARE_PROJECT_TYPES = ("Pro Bono",)


@dataclass(frozen=True)
class TimeType:
    name: str
    billable: bool
    item_id: str
    notes: str  # key of words.NOTES


TIME_TYPES = (
    TimeType("Professional Services", True, "SVC-PROF", "client"),
    TimeType("Travel Time", True, "SVC-TRAVEL", "travel"),
    TimeType("Client Non-Billable", False, "SVC-NB", "nonbill"),
    TimeType("Administration", False, "SVC-INT", "admin"),
    TimeType("Business Development", False, "SVC-INT", "bd"),
    TimeType("Training", False, "SVC-INT", "training"),
    TimeType("Paid Time Off", False, "SVC-INT", "pto"),
    TimeType("Overtime", True, "SVC-PROF", "client"),  # set up, never logged in 2025
)
SPARE_TIME_TYPES = ("Overtime",)
#: Client-project time: (time type index, weight).
CLIENT_TIME = ((0, 0.90), (1, 0.06), (2, 0.04))

ITEMS = (
    ("SVC-PROF", "Professional Services"), ("SVC-TRAVEL", "Travel Time"),
    ("SVC-NB", "Non-Billable Client Time"), ("SVC-INT", "Internal Time"),
    ("EXP-REIMB", "Reimbursable Expenses"), ("SVC-RET", "Monthly Retainer"),
)  # fmt: skip
SPARE_ITEMS = (("SVC-WKSHP", "Training Workshop"),)
#: Stock items: on the Intacct wire only; recon must ignore them (not service items).
INVENTORY_ITEMS = (("INV-LAPTOP", "Loaner Laptop"), ("INV-BINDER", "Engagement Binder Set"))

#: (ACCOUNTNO, TITLE, ACCOUNTTYPE, NORMALBALANCE, CATEGORY)
GL_ACCOUNTS = (
    ("1000", "Operating Cash", "balancesheet", "debit", "Cash and Cash Equivalents"),
    ("1010", "Payroll Cash", "balancesheet", "debit", "Cash and Cash Equivalents"),
    ("1200", "Accounts Receivable", "balancesheet", "debit", "Accounts Receivable"),
    ("1250", "Unbilled Receivables", "balancesheet", "debit", "Accounts Receivable"),
    ("1500", "Computer Equipment", "balancesheet", "debit", "Fixed Assets"),
    ("2000", "Accounts Payable", "balancesheet", "credit", "Accounts Payable"),
    ("2100", "Employee Reimbursements Payable", "balancesheet", "credit", "Accrued Liabilities"),
    ("2150", "Corporate Card Payable", "balancesheet", "credit", "Accrued Liabilities"),
    ("2200", "Accrued Payroll", "balancesheet", "credit", "Accrued Liabilities"),
    ("3000", "Retained Earnings", "balancesheet", "credit", "Retained Earnings"),
    ("4000", "Professional Fees", "incomestatement", "credit", "Revenue"),
    ("4100", "Reimbursed Expense Revenue", "incomestatement", "credit", "Revenue"),
    ("5000", "Direct Labor", "incomestatement", "debit", "Cost of Sales"),
    ("6100", "Travel - Airfare", "incomestatement", "debit", "Travel Expense"),
    ("6110", "Travel - Lodging", "incomestatement", "debit", "Travel Expense"),
    ("6120", "Meals and Entertainment", "incomestatement", "debit", "Travel Expense"),
    ("6130", "Mileage and Ground Transportation", "incomestatement", "debit", "Travel Expense"),
    ("6200", "Software Subscriptions", "incomestatement", "debit", "Operating Expense"),
    ("6300", "Office Supplies", "incomestatement", "debit", "Operating Expense"),
    ("6400", "Rent", "incomestatement", "debit", "Operating Expense"),
    ("6500", "Professional Development", "incomestatement", "debit", "Operating Expense"),
)
AR_ACCOUNT, AP_ACCOUNT, REVENUE_ACCOUNT, REIMBURSABLE_PAYABLE = "1200", "2000", "4000", "2100"

EXPENSE_TYPES = (
    ("Airfare", "Airfare", "6100"), ("Lodging", "Hotel and lodging", "6110"),
    ("Meals", "Meals while traveling", "6120"), ("Mileage", "Personal car mileage", "6130"),
    ("Ground Transportation", "Taxi, rideshare and parking", "6130"),
    ("Software", "Software subscriptions", "6200"), ("Office Supplies", "Office supplies", "6300"),
    ("Training Fees", "Conference and CPE fees", "6500"),
)  # fmt: skip

#: (BANKACCOUNTID, BANKNAME, GLACCOUNTNO, masked BANKACCOUNTNO)
CHECKING_ACCOUNTS = (
    ("CHK-OPER", "First Lakeshore Bank", "1000", "XXXXXX4821"),
    ("CHK-PAYROLL", "First Lakeshore Bank - Payroll", "1010", "XXXXXX7730"),
)
OPERATING_ACCOUNT = "CHK-OPER"

#: (CARDID, DESCRIPTION, CARDTYPE)
CREDIT_CARDS = (
    ("CC-AMEX", "Corporate card - travel", "AMEX"),
    ("CC-VISA", "Purchasing card - office", "Visa"),
)

#: (NAME, DESCRIPTION, DUEDAYS, weight among customers)
AR_TERMS = (
    ("Net 30", "Net 30 days", 30, 0.60), ("Net 15", "Net 15 days", 15, 0.15),
    ("Net 45", "Net 45 days", 45, 0.20), ("Due on Receipt", "Due upon receipt", 0, 0.05),
)  # fmt: skip


@dataclass(frozen=True)
class Level:
    title: str
    bill_rate: int  # whole dollars per hour: hours in quarters keep amounts in whole cents
    cost_rate: int
    weight: float
    internal_share: float  # share of this level's entries booked to internal projects


LEVELS = (
    Level("Partner", 375, 165, 0.04, 0.35),
    Level("Director", 295, 130, 0.08, 0.25),
    Level("Senior Manager", 250, 105, 0.10, 0.15),
    Level("Manager", 210, 90, 0.14, 0.12),
    Level("Senior Consultant", 175, 72, 0.24, 0.08),
    Level("Consultant", 150, 60, 0.24, 0.08),
    Level("Analyst", 125, 48, 0.11, 0.10),
    Level("Operations Associate", 95, 40, 0.05, 1.0),
)
#: Levels that may manage a project or a person.
MANAGER_LEVELS = 4
OPS_LEVEL = 7


def _active(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{**r, "status": "active"} for r in rows]


def reference_frames() -> dict[str, pd.DataFrame]:
    """Canonical frames of every fixed reference list (spares included)."""
    raw: dict[str, list[dict[str, object]]] = {
        "department": [{"department_id": i, "name": n} for i, n in DEPARTMENTS + SPARE_DEPARTMENTS],
        "location": [{"location_id": i, "name": n} for i, n in LOCATIONS + SPARE_LOCATIONS],
        "class": [{"class_id": i, "name": n} for i, n in CLASSES],
        "project_type": [{"name": n} for n in PROJECT_TYPES + SPARE_PROJECT_TYPES],
        "time_type": [{"name": t.name} for t in TIME_TYPES],
        "expense_type": [
            {"expense_type": a, "description": d, "gl_account_no": g} for a, d, g in EXPENSE_TYPES
        ],
        "item": [{"item_id": i, "name": n} for i, n in ITEMS + SPARE_ITEMS],
        "gl_account": [{"account_no": a[0], "title": a[1]} for a in GL_ACCOUNTS],
        "checking_account": [
            {"account_id": i, "bank_name": b, "gl_account_no": g}
            for i, b, g, _ in CHECKING_ACCOUNTS
        ],
        "credit_card": [
            {"card_id": i, "description": d, "card_type": t} for i, d, t in CREDIT_CARDS
        ],
        "ar_term": [{"name": n, "description": d, "due_days": days} for n, d, days, _ in AR_TERMS],
    }
    return {name: conform(name, pd.DataFrame(_active(rows))) for name, rows in raw.items()}


def spares() -> dict[str, list[str]]:
    """Keys of the spare reference values, per entity."""
    return {
        "department": [i for i, _ in SPARE_DEPARTMENTS],
        "location": [i for i, _ in SPARE_LOCATIONS],
        "project_type": list(SPARE_PROJECT_TYPES),
        "time_type": list(SPARE_TIME_TYPES),
        "item": [i for i, _ in SPARE_ITEMS],
    }


def rate(dollars: int) -> Decimal:
    """A whole-dollar hourly rate as money."""
    return Decimal(dollars).quantize(Decimal("0.01"))
