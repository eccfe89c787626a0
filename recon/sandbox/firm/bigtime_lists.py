"""BigTime's reference lists of the demo firm, id lookups into them, and wire-value helpers.

A BigTime record points at another record or at a list value by an integer id; the
canonical frames point by the Intacct key (department id, term name...). :class:`Lookup`
turns a column of keys into a column of ids and refuses a key it does not know (a renderer
that silently wrote ``null`` would hide a dangling reference). Which item field holds the
key of a list is the sandbox's own choice (:data:`KEY_FIELDS`: ``Code`` where the canonical
entity has an id, else ``Name``); the client decides for itself how it reads them.

The value helpers turn canonical columns into plain Python values in BigTime's seed shape
(``"YYYY-MM-DD"`` strings, ``Decimal``, ``int``, ``bool``, ``None`` for missing), formatting
each distinct value once (``pd.factorize``), so a million rows cost a few hundred calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from recon.sandbox.bigtime import guesses
from recon.sandbox.firm import reference as ref

Record = dict[str, Any]
View = Mapping[str, pd.DataFrame]

#: Extra picklist fields (Code, Description, ...), null where they do not apply.
EXTRA_FIELDS: tuple[str, ...] = tuple(name for name, _ in guesses.PICKLIST_EXTRA_FIELDS)
#: Cost Center 3 is unused by the Intacct integration (docs/specs/bigtime-rest-api.md §4.11, DOC:
#: its default name is "N/A").
COSTCENTERC_VALUE = "N/A"
#: Labor-code ``Group``: the category group of a labor code (CLIENT pybt); the demo firm
#: groups its codes by billability. UNCERTAIN which groups a real firm uses.
LABOR_GROUP_BILLABLE, LABOR_GROUP_NON_BILLABLE = "Billable", "Non-Billable"


# --- lists ------------------------------------------------------------------------------------
#: list name -> (canonical entity, column for Code or None, column for Name, extra columns).
LIST_SOURCES: Mapping[str, tuple[str, str | None, str, Mapping[str, str]]] = MappingProxyType(
    {
        "costcentera": ("department", "department_id", "name", {}),
        "costcenterb": ("location", "location_id", "name", {}),
        "class": ("class", "class_id", "name", {}),
        "projecttype": ("project_type", None, "name", {}),
        "laborcode": ("time_type", None, "name", {}),
        "expensecode": (
            "expense_type", None, "expense_type",
            {"Description": "description", "AcctNbr": "gl_account_no"},
        ),
        "item": ("item", "item_id", "name", {}),
        "vendor": ("vendor", "vendor_id", "name", {}),
        "glaccount": ("gl_account", "account_no", "title", {}),
        "checkingaccount": ("checking_account", "account_id", "bank_name",
                            {"AcctNbr": "gl_account_no"}),
        "creditcard": ("credit_card", "card_id", "description", {"CardType": "card_type"}),
        "term": ("ar_term", None, "name", {"Description": "description", "DueDays": "due_days"}),
    }
)  # fmt: skip


#: list name -> the item field holding the canonical key (``Code`` when the entity has an id
#: column, else ``Name``): how the seed's references are looked up.
KEY_FIELDS: Mapping[str, str] = MappingProxyType(
    {name: "Name" if code is None else "Code" for name, (_, code, _, _) in LIST_SOURCES.items()}
)


def render_lists(view: View) -> dict[str, list[Record]]:
    """Every reference list of ``guesses.LISTS`` as picklist items (``Id`` from 1 per list)."""
    out = {name: _list_items(view, name) for name in LIST_SOURCES}
    out["costcenterc"] = [_item(1, COSTCENTERC_VALUE)]
    missing = set(guesses.LISTS) - set(out)
    if missing:  # a list added to the contract must be rendered here too
        raise KeyError(f"no demo data for BigTime list(s) {sorted(missing)}")
    return out


def _item(sid: int, name: str | None, **extras: Any) -> Record:
    item: Record = {"Id": sid, "Name": name, "Group": None, "IsInactive": False}
    item.update(dict.fromkeys(EXTRA_FIELDS))
    item.update(extras)
    return item


def _list_items(view: View, name: str) -> list[Record]:
    entity, code, label, extras = LIST_SOURCES[name]
    v = view[entity]
    cols: dict[str, Any] = {
        "Id": list(range(1, len(v) + 1)),
        "Name": texts(v[label]),
        "IsInactive": inactive(v["status"]),
    }
    if code is not None:
        cols["Code"] = texts(v[code])
    for field, column in extras.items():
        kind_ints = v[column].dtype.kind in "iu"
        cols[field] = v[column].tolist() if kind_ints else texts(v[column])
    if name == "laborcode":
        billable = {t.name: t.billable for t in ref.TIME_TYPES}
        cols["Group"] = [
            LABOR_GROUP_BILLABLE if billable.get(n, False) else LABOR_GROUP_NON_BILLABLE
            for n in v[label]
        ]
    return [_item(0, None) | r for r in records(len(v), cols)]


def list_lookups(lists: Mapping[str, list[Record]]) -> dict[str, Lookup]:
    """One :class:`Lookup` per list, keyed by its :data:`KEY_FIELDS` field (Code or Name)."""
    return {
        name: Lookup(name, [i[KEY_FIELDS.get(name, "Name")] for i in items],
                     [i["Id"] for i in items])
        for name, items in lists.items()
    }  # fmt: skip


# --- lookups ----------------------------------------------------------------------------------
class Lookup:
    """Key -> integer id of one resource or list; missing keys give ``None``.

    Raises
    ------
    KeyError
        On construction when keys repeat; on lookup of a key that is present but unknown.
    """

    def __init__(self, name: str, keys: Sequence[object], sids: Sequence[int]) -> None:
        self.name = name
        self.index = pd.Index(pd.Series(list(keys), dtype="str"))
        if not self.index.is_unique:
            raise KeyError(f"{name}: duplicate keys")
        # Trailing None: get_indexer's -1 (not found) picks it.
        self._table = np.array([*sids, None], dtype=object)

    def __call__(self, keys: pd.Series | Sequence[object]) -> np.ndarray:
        """Ids (Python ``int`` or ``None``) of ``keys``, as an object array."""
        values = pd.Series(list(keys) if not isinstance(keys, pd.Series) else keys, dtype="str")
        values = values.reset_index(drop=True)
        pos = self.index.get_indexer(values)
        unknown = (pos < 0) & values.notna().to_numpy()
        if unknown.any():
            bad = sorted(set(values[unknown]))[:5]
            raise KeyError(f"{self.name}: unknown key(s) {bad}")
        return self._table[pos]

    def one(self, key: object) -> int | None:
        sid: int | None = self([key])[0]
        return sid


# --- value helpers ----------------------------------------------------------------------------
def by_value(values: pd.Series | np.ndarray, fmt: Callable[[Any], Any]) -> np.ndarray:
    """``fmt(v)`` for every value, ``None`` where missing; one call per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values).reset_index(drop=True), use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = [fmt(u) for u in uniques]
    table[-1] = None  # code -1 (missing)
    return table[codes]


def texts(values: pd.Series) -> list[str | None]:
    return by_value(values, str).tolist()


def dates(values: pd.Series) -> np.ndarray:
    """Dates as ``"YYYY-MM-DD"``, BigTime's form (docs/specs/bigtime-evidence.md §3.1)."""
    return by_value(values, lambda t: pd.Timestamp(t).strftime("%Y-%m-%d"))


def decimals(values: pd.Series) -> list[Decimal | None]:
    """Money/hours columns already hold ``Decimal``; missing (None/NaN) becomes ``None``."""
    return by_value(values, Decimal).tolist()


def inactive(status: pd.Series) -> list[bool]:
    return (pd.Series(status, dtype="str") == "inactive").tolist()


def records(n: int, cols: Mapping[str, Any]) -> list[Record]:
    """Row dicts from columns (lists/arrays of length ``n``) and scalars (repeated)."""
    keys = list(cols)
    columns = [_column(n, value) for value in cols.values()]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _column(n: int, value: Any) -> list[Any]:
    if isinstance(value, np.ndarray | pd.Series):
        value = value.tolist()  # numpy scalars -> Python int/bool (JSON-able)
    if isinstance(value, list):
        if len(value) != n:
            raise ValueError(f"column of {len(value)} values for {n} rows")
        return value
    return [value] * n
