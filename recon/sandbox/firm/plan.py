"""What to plant: the list of disagreements between the two systems, and how many of each.

``side`` is the system whose value departs from the truth (for "missing" kinds: the system
that lacks the record). Intacct is the book of record for master data, so most master-data
drift is on the BigTime side; the exceptions are changes made in Intacct and not yet synced
(a project manager reassigned, a project closed, a married name).

``pool`` names which records may receive the plant (see ``plant.py``):
``spare`` records nothing points at (kept for "missing" plants so neither side is left with
a dangling reference), ``regular`` everything else but the firm's internal customer/projects,
``open`` time entries not yet invoiced (so an invoice total never moves with them),
``open_client`` those on client projects, ``recent`` those of the last two weeks (submitted,
not yet synced), ``unpaid``/``paid`` invoices by payment state, ``recent_unpaid`` unpaid
invoices of the last invoiced month, ``with_po`` projects that carry a PO amount, ``active``
regular records whose status is active (so "inactive on one side" reads as a closing).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from recon.sandbox.firm.sizing import plant_factor

Side = Literal["intacct", "bigtime"]
Kind = Literal["missing_in_bigtime", "missing_in_intacct", "field_mismatch"]

MISSING_BT: Kind = "missing_in_bigtime"
MISSING_IA: Kind = "missing_in_intacct"
MISMATCH: Kind = "field_mismatch"


@dataclass(frozen=True)
class Spec:
    entity: str
    kind: Kind
    flavour: str
    field: str | None
    side: Side
    pool: str
    base: int = 1
    #: True: the count grows with the firm (plant_factor); False: fixed reference lists.
    scales: bool = True

    def count(self, scale: int) -> int:
        return self.base * plant_factor(scale) if self.scales else self.base


def _m(
    entity: str,
    field: str,
    flavour: str,
    side: Side,
    pool: str = "regular",
    *,
    base: int = 1,
    scales: bool = True,
) -> Spec:
    return Spec(entity, MISMATCH, flavour, field, side, pool, base=base, scales=scales)


_BT: Side = "bigtime"
_IA: Side = "intacct"

PLAN: tuple[Spec, ...] = (
    Spec("customer", MISSING_BT, "missing", None, _BT, "spare"),
    _m("customer", "name", "renamed", _BT),
    _m("customer", "name", "case_only", _BT),
    _m("customer", "name", "whitespace_only", _BT),
    _m("customer", "status", "status", _IA, "active"),
    Spec("project", MISSING_IA, "missing", None, _IA, "spare"),
    _m("project", "name", "renamed", _BT),
    _m("project", "name", "case_only", _BT),
    _m("project", "description", "whitespace_only", _BT),
    _m("project", "manager_id", "manager", _IA),
    _m("project", "department_id", "cost_center", _BT),
    _m("project", "location_id", "cost_center", _BT),
    _m("project", "class_id", "class", _IA),
    _m("project", "status", "status", _IA, "active"),
    _m("project", "po_amount", "custom_field", _BT, "with_po"),
    Spec("employee", MISSING_IA, "missing", None, _IA, "spare"),
    Spec("employee", MISSING_BT, "missing", None, _BT, "spare"),
    _m("employee", "last_name", "renamed", _IA),
    _m("employee", "email", "case_only", _BT),
    _m("employee", "manager_id", "manager", _IA),
    _m("employee", "class_id", "class", _BT),
    _m("employee", "status", "status", _IA, "active"),
    Spec("vendor", MISSING_BT, "missing", None, _BT, "regular"),
    _m("vendor", "name", "renamed", _BT),
    Spec("department", MISSING_BT, "missing", None, _BT, "spare", scales=False),
    _m("department", "name", "case_only", _BT, scales=False),
    Spec("location", MISSING_BT, "missing", None, _BT, "spare", scales=False),
    _m("class", "name", "renamed", _BT, scales=False),
    Spec("project_type", MISSING_BT, "missing", None, _BT, "spare", scales=False),
    _m("time_type", "status", "status", _BT, "spare", scales=False),
    _m("expense_type", "description", "whitespace_only", _BT, scales=False),
    _m("item", "name", "renamed", _BT, scales=False),
    Spec("item", MISSING_BT, "missing", None, _BT, "spare", scales=False),
    _m("gl_account", "title", "case_only", _BT, scales=False),
    _m("checking_account", "bank_name", "renamed", _BT, scales=False),
    _m("credit_card", "status", "status", _BT, scales=False),
    _m("ar_term", "description", "whitespace_only", _BT, scales=False),
    _m("time_entry", "hours", "hours_quarter", _BT, "open", base=2),
    _m("time_entry", "project_id", "wrong_project", _BT, "open_client", base=2),
    Spec("time_entry", MISSING_IA, "missing", None, _IA, "recent", base=2),
    _m("invoice", "total", "invoice_total", _BT, base=2),
    Spec("invoice", MISSING_IA, "missing", None, _IA, "recent_unpaid"),
    Spec("payment", MISSING_BT, "payment_missing", None, _BT, "paid", base=2),
    _m("payment", "paid_amount", "payment_partial", _BT, "paid"),
    # Expenses (issue 16): an amount keyed differently, a BigTime expense not yet synced,
    # one deleted in BigTime after it was synced, one moved to another project, one whose
    # billable flag was changed after it was synced.
    _m("expense", "amount", "expense_amount", _BT, base=2),
    Spec("expense", MISSING_IA, "missing", None, _IA, "recent"),
    Spec("expense", MISSING_BT, "missing", None, _BT, "regular"),
    _m("expense", "project_id", "expense_project", _BT),
    _m("expense", "billable", "billable_flag", _BT),
)


def spare_counts(scale: int) -> Counter[str]:
    """How many spare records each scalable entity needs for its "missing" plants."""
    need: Counter[str] = Counter()
    for spec in PLAN:
        if spec.pool == "spare" and spec.scales:
            need[spec.entity] += spec.count(scale)
    return need


def total_count(scale: int) -> int:
    """Number of planted items at ``scale``."""
    return sum(spec.count(scale) for spec in PLAN)
