"""Plant the disagreements of ``plan.PLAN`` into the two views and write the manifest.

Each planted item touches exactly one (entity, key, field) on one side -- or removes one
record from one side -- and each record receives at most one plant, so comparing the two
views keyed per entity yields exactly the manifest, no more, no less.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from recon.sandbox.firm import reference as ref
from recon.sandbox.firm import words
from recon.sandbox.firm.columns import ENTITIES, canon_str, conform
from recon.sandbox.firm.plan import MISMATCH, MISSING_BT, PLAN, Spec
from recon.sandbox.firm.sizing import LAST_INVOICED_MONTH, RECENT_FROM
from recon.sandbox.firm.truth import Truth

Views = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Planted:
    """One planted disagreement: ground truth for the diff engine.

    Attributes
    ----------
    id:
        Stable id (``"P001"``...), in plan order.
    entity:
        Canonical entity name (``customer``, ``project``, ``time_entry``...).
    kind:
        ``missing_in_bigtime``, ``missing_in_intacct`` or ``field_mismatch``.
    key:
        The record's natural key (CUSTOMERID, PROJECTID, time-entry link id, invoice no...).
    field:
        Canonical column that differs (``field_mismatch`` only, else ``None``).
    intacct_value, bigtime_value:
        Canonical string forms (``columns.canon_str``) of the two values; ``None`` for the
        "missing" kinds.
    flavour:
        What sort of disagreement: ``renamed``, ``case_only``, ``whitespace_only``,
        ``manager``, ``cost_center``, ``class``, ``status``, ``custom_field``,
        ``hours_quarter``, ``wrong_project``, ``invoice_total``, ``payment_missing``,
        ``payment_partial``, ``missing``. ``case_only`` and ``whitespace_only`` vanish under
        case-folding and whitespace normalisation.
    description:
        One sentence an accountant understands.
    """

    id: str
    entity: str
    kind: str
    key: str
    field: str | None
    intacct_value: str | None
    bigtime_value: str | None
    flavour: str
    description: str


LABELS = {
    "customer": "Customer", "project": "Project", "employee": "Employee", "vendor": "Vendor",
    "department": "Department", "location": "Location", "class": "Class",
    "project_type": "Project type", "time_type": "Time type", "expense_type": "Expense type",
    "item": "Item", "gl_account": "GL account", "checking_account": "Checking account",
    "credit_card": "Credit card", "ar_term": "AR term", "time_entry": "Time entry",
    "invoice": "Invoice", "payment": "Payment on invoice", "expense": "Expense",
}  # fmt: skip
FIELD_LABELS = {
    "manager_id": "manager", "department_id": "department (BigTime Cost Center 1)",
    "location_id": "location (BigTime Cost Center 2)", "class_id": "class",
    "po_amount": "PO Amount", "last_name": "last name", "email": "e-mail",
    "bank_name": "bank name", "project_id": "project", "paid_amount": "paid amount",
}  # fmt: skip
NOTES = {
    "case_only": " (only the letter case differs)",
    "whitespace_only": " (only the spacing differs)",
    "renamed": " (renamed in one system only)",
    "hours_quarter": " (a quarter hour apart)",
}
EXPENSE_ADJUSTMENTS = tuple(Decimal(x) for x in ("12.40", "-8.75", "25.00", "-3.10"))
INVOICE_ADJUSTMENTS = tuple(Decimal(x) for x in ("-250.00", "175.00", "-87.50", "412.50"))


class Planter:
    """Chooses targets, computes the departing values and records the manifest."""

    def __init__(self, truth: Truth, rng: np.random.Generator) -> None:
        self.truth = truth
        self.rng = rng
        self.used: dict[str, set[str]] = {}
        self.sets: dict[tuple[str, str], list[tuple[str, str, object]]] = {}
        self.drops: dict[tuple[str, str], list[str]] = {}
        self.items: list[Planted] = []
        self._index: dict[str, pd.Index] = {}
        self._pools: dict[tuple[str, str], np.ndarray] = {}

    # --- reading the truth -------------------------------------------------------------
    def value(self, entity: str, key: str, field: str) -> object:
        frame = self.truth.frames[entity]
        if entity not in self._index:
            self._index[entity] = pd.Index(frame[ENTITIES[entity].key])
        return frame[field].iloc[self._index[entity].get_loc(key)]

    def pool(self, entity: str, name: str) -> np.ndarray:
        if (entity, name) not in self._pools:
            self._pools[entity, name] = self._make_pool(entity, name)
        return self._pools[entity, name]

    def _make_pool(self, entity: str, name: str) -> np.ndarray:
        t = self.truth
        frame = t.frames[entity]
        keys = frame[ENTITIES[entity].key]
        if name == "spare":
            return np.array(t.spares[entity], dtype=object)
        if entity == "time_entry":
            return keys[self._entry_mask(name)].to_numpy(dtype=object)
        if entity == "expense" and name == "recent":
            recent = (frame["expense_date"] >= pd.Timestamp(RECENT_FROM)).to_numpy()
            return keys[recent].to_numpy(dtype=object)
        if entity in ("invoice", "payment"):
            paid = keys.isin(t.frames["payment"]["invoice_no"]).to_numpy()
            if name == "recent_unpaid":
                month = frame["invoice_date"].dt.month.to_numpy()
                return keys[~paid & (month == LAST_INVOICED_MONTH)].to_numpy(dtype=object)
            chosen = {"paid": paid, "unpaid": ~paid}.get(name, np.ones(len(keys), dtype=bool))
            return keys[chosen].to_numpy(dtype=object)
        out = ~keys.isin(t.spares.get(entity, []) + t.internal.get(entity, []))
        if name == "with_po":
            out &= frame["po_amount"].notna()
        if name == "active":
            out &= frame["status"] == "active"
        return keys[out].to_numpy(dtype=object)

    def _entry_mask(self, name: str) -> np.ndarray:
        """Time entries not on any invoice; ``open_client``/``recent`` narrow it further."""
        frame = self.truth.frames["time_entry"]
        mask = self.truth.open_entries.copy()
        if name == "open_client":
            mask &= ~frame["project_id"].isin(self.truth.internal["project"]).to_numpy()
        if name == "recent":
            mask &= (frame["entry_date"] >= pd.Timestamp(RECENT_FROM)).to_numpy()
        return mask

    def pick(self, spec: Spec) -> str:
        """A random record of the spec's pool that has no plant yet."""
        space = "invoice" if spec.entity == "payment" else spec.entity
        used = self.used.setdefault(space, set())
        pool = self.pool(spec.entity, spec.pool)
        for _ in range(200):
            key = str(pool[self.rng.integers(len(pool))]) if len(pool) else None
            if key is not None and key not in used:
                break
        else:
            free = [k for k in pool if k not in used]
            if not free:
                raise RuntimeError(f"no record left to plant {spec.flavour} on {spec.entity}")
            key = str(free[self.rng.integers(len(free))])
        used.add(key)
        return key

    # --- planting ------------------------------------------------------------------------
    def plant(self, spec: Spec) -> None:
        key = self.pick(spec)
        if spec.kind == MISMATCH:
            assert spec.field is not None
            old = self.value(spec.entity, key, spec.field)
            new = VARIANTS[spec.flavour](self, spec, key, old)
            self.sets.setdefault((spec.side, spec.entity), []).append((key, spec.field, new))
            kind = ENTITIES[spec.entity].col(spec.field).kind
            pair = (canon_str(new, kind), canon_str(old, kind))
            iv, bv = pair if spec.side == "intacct" else pair[::-1]
            text = _mismatch_text(self, spec, key, iv, bv)
        else:
            self.drops.setdefault((spec.side, spec.entity), []).append(key)
            iv = bv = None
            text = _missing_text(self, spec, key)
        pid = f"P{len(self.items) + 1:03d}"
        self.items.append(
            Planted(pid, spec.entity, spec.kind, key, spec.field, iv, bv, spec.flavour, text)
        )

    def views(self) -> tuple[Views, Views]:
        """Both views: the truth with each side's edits and removals applied."""
        return self._side("intacct"), self._side("bigtime")

    def _side(self, side: str) -> Views:
        out: Views = {}
        for entity, frame in self.truth.frames.items():
            key = ENTITIES[entity].key
            edits = self.sets.get((side, entity), [])
            if edits:
                frame = frame.copy(deep=False)
                self.value(entity, edits[0][0], key)  # builds the index
                for k, field, new in edits:
                    pos = self._index[entity].get_loc(k)
                    frame.iloc[pos, frame.columns.get_loc(field)] = new  # type: ignore[call-overload]  # pandas-stubs: an object value
            drops = self.drops.get((side, entity), [])
            if drops:
                frame = frame[~frame[key].isin(drops)]
            out[entity] = conform(entity, frame, sort=not frame[key].is_monotonic_increasing)
        return out


# --- how each flavour departs from the true value ------------------------------------------
def _other(planter: Planter, choices: list[str], *exclude: object) -> str:
    free = [c for c in choices if c not in exclude]
    return free[planter.rng.integers(len(free))]


def _case_variant(text: str) -> str:
    if text == text.lower():
        local, at, domain = text.partition("@")
        return ".".join(p[:1].upper() + p[1:] for p in local.split(".")) + at + domain
    return text.upper() if text.upper() != text else text.lower()


def _whitespace_variant(planter: Planter, text: str) -> str:
    # Alternate a doubled inner space and a trailing space: both vanish under normalisation.
    if " " in text and len(planter.items) % 2 == 0:
        return text.replace(" ", "  ", 1)
    return text + " "


def _renamed(planter: Planter, spec: Spec, key: str, old: str) -> str:
    if spec.entity == "employee":  # a married name entered in Intacct, not yet in BigTime
        return f"{old}-{_other(planter, list(words.LAST_NAMES), old)}"
    if spec.entity in ("customer", "vendor"):
        for suffix in words.COMPANY_SUFFIXES[:-1]:
            if old.endswith(" " + suffix):
                return old[: -len(suffix) - 1]
        return f"{old} Inc."
    endings = {"project": " - Phase 1", "class": " Services", "item": " - Hourly"}
    return old + endings.get(spec.entity, ", N.A.")


def _manager(planter: Planter, spec: Spec, key: str, old: str) -> str:
    return _other(planter, planter.truth.managers, old, key)


def _cost_center(planter: Planter, spec: Spec, key: str, old: str) -> str:
    if spec.field == "department_id":
        return _other(planter, list(ref.CLIENT_DEPARTMENTS), old)
    return _other(planter, [i for i, _ in ref.LOCATIONS], old)


def _class(planter: Planter, spec: Spec, key: str, old: str) -> str:
    return _other(planter, [i for i, _ in ref.CLASSES if i != "INT"], old)


def _status(planter: Planter, spec: Spec, key: str, old: str) -> str:
    return "inactive" if old == "active" else "active"


def _hours(planter: Planter, spec: Spec, key: str, old: Decimal) -> Decimal:
    step = Decimal("0.25")
    return old - step if old > step and planter.rng.random() < 0.5 else old + step


def _wrong_project(planter: Planter, spec: Spec, key: str, old: str) -> str:
    return str(_other(planter, list(planter.pool("project", "regular")), old))


def _invoice_total(planter: Planter, spec: Spec, key: str, old: Decimal) -> Decimal:
    adj = INVOICE_ADJUSTMENTS[len(planter.items) % len(INVOICE_ADJUSTMENTS)]
    return old + adj if old + adj > 0 else old + abs(adj)


VARIANTS: dict[str, Callable[[Planter, Spec, str, Any], object]] = {
    "renamed": _renamed,
    "case_only": lambda p, s, k, old: _case_variant(old),
    "whitespace_only": lambda p, s, k, old: _whitespace_variant(p, old),
    "manager": _manager,
    "cost_center": _cost_center,
    "class": _class,
    "status": _status,
    "custom_field": lambda p, s, k, old: old + Decimal("5000.00"),  # an amended PO
    "hours_quarter": _hours,
    "wrong_project": _wrong_project,
    "invoice_total": _invoice_total,
    "payment_partial": lambda p, s, k, old: (old / 2).quantize(Decimal("0.01")),
    "expense_amount": lambda p, s, k, old: _expense_amount(p, old),
    "expense_project": _wrong_project,
    "billable_flag": lambda p, s, k, old: not old,
}


def _expense_amount(planter: Planter, old: Decimal) -> Decimal:
    adj = EXPENSE_ADJUSTMENTS[len(planter.items) % len(EXPENSE_ADJUSTMENTS)]
    return old + adj if old + adj > 0 else old + abs(adj)


# --- descriptions ----------------------------------------------------------------------------
def _mismatch_text(planter: Planter, spec: Spec, key: str, iv: str | None, bv: str | None) -> str:
    label = LABELS[spec.entity]
    field = FIELD_LABELS.get(str(spec.field), str(spec.field).replace("_", " "))
    if spec.flavour == "wrong_project":
        return f"Time entry {key} is on project {iv} in Intacct but on project {bv} in BigTime."
    if spec.flavour == "invoice_total":
        return f"Invoice {key} totals {iv} in Intacct but {bv} in BigTime."
    if spec.flavour == "expense_project":
        return f"Expense {key} is on project {iv} in Intacct but on project {bv} in BigTime."
    if spec.flavour == "expense_amount":
        return f"Expense {key} is {iv} in Intacct but {bv} in BigTime."
    if spec.flavour == "payment_partial":
        return f"Invoice {key} shows {iv} paid in Intacct but only {bv} paid in BigTime."
    note = NOTES.get(spec.flavour, "")
    return f"{label} {key}: {field} is {iv!r} in Intacct but {bv!r} in BigTime{note}."


def _missing_text(planter: Planter, spec: Spec, key: str) -> str:
    label = LABELS[spec.entity]
    if spec.entity == "payment":
        paid = canon_str(planter.value("payment", key, "paid_amount"), "money")
        return f"Invoice {key} shows {paid} paid in Intacct, but BigTime still shows it unpaid."
    if spec.entity == "time_entry":
        v = {f: planter.value("time_entry", key, f) for f in ("employee_id", "entry_date", "hours")}
        what = f"{v['employee_id']}, {canon_str(v['entry_date'], 'date')}, {v['hours']} h"
        return f"BigTime time entry {key} ({what}) has not been synced to Intacct."
    if spec.entity == "expense":
        v = {f: planter.value("expense", key, f) for f in ("employee_id", "expense_date", "amount")}
        what = f"{v['employee_id']}, {canon_str(v['expense_date'], 'date')}, {v['amount']}"
        if spec.kind == MISSING_BT:
            return f"Expense {key} ({what}) is in Intacct but no longer in BigTime."
        return f"BigTime expense {key} ({what}) has not been synced to Intacct."
    if spec.entity == "invoice":
        total = canon_str(planter.value("invoice", key, "total"), "money")
        return f"Invoice {key} ({total}) is in BigTime but has not been posted to Intacct."
    name = _display(planter, spec.entity, key)
    if spec.kind == MISSING_BT:
        return f"{label} {key}{name} is in Intacct but has not reached BigTime."
    return f"{label} {key}{name} was created in BigTime and is not in Intacct yet."


def _display(planter: Planter, entity: str, key: str) -> str:
    spec = ENTITIES[entity]
    if entity == "employee":
        first = planter.value(entity, key, "first_name")
        return f" ({first} {planter.value(entity, key, 'last_name')})"
    if "name" in spec.names and spec.key != "name":
        return f" ({planter.value(entity, key, 'name')})"
    return ""


def plant(truth: Truth, rng: np.random.Generator, scale: int) -> tuple[Views, Views, list[Planted]]:
    """Apply the whole plan: (intacct view, bigtime view, manifest)."""
    planter = Planter(truth, rng)
    for spec in PLAN:
        for _ in range(spec.count(scale)):
            planter.plant(spec)
    intacct, bigtime = planter.views()
    return intacct, bigtime, planter.items
