"""Vectorised formatting of canonical values as Intacct wire strings, and frame assembly.

Wire forms (``recon.sandbox.intacct.catalogue`` kinds): dates ``MM/DD/YYYY``, datetimes
``MM/DD/YYYY HH:MM:SS``, money and quantities with two decimals, booleans ``true``/``false``,
``""`` for empty. Formatting goes through ``pd.factorize`` so a million rows cost one format
call per distinct value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from recon.sandbox.intacct.catalogue import OBJECTS

Column = pd.Series | np.ndarray | list[Any] | str
AUDIT_USER = "1"  # RECORDNO of the user the demo firm's records were created by


def _by_value(values: pd.Series | np.ndarray, fmt: Callable[[Any], str]) -> np.ndarray:
    codes, uniques = pd.factorize(pd.Series(values).reset_index(drop=True), use_na_sentinel=True)
    table = np.array([fmt(u) for u in uniques] + [""], dtype=object)
    return table[codes]  # code -1 (missing) picks the trailing ""


def money(values: pd.Series | np.ndarray) -> np.ndarray:
    """Decimal (or None) -> ``"1234.50"`` / ``""``."""
    return _by_value(values, lambda d: f"{Decimal(d):.2f}")


def dates(values: pd.Series) -> np.ndarray:
    """datetime64 (NaT allowed) -> ``MM/DD/YYYY`` / ``""``."""
    return _by_value(values, lambda t: pd.Timestamp(t).strftime("%m/%d/%Y"))


def day_numbers(values: pd.Series) -> np.ndarray:
    """A date column as integer day numbers (NaT not allowed)."""
    return pd.Series(values).to_numpy().astype("datetime64[D]").astype(np.int64)


def from_days(days: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(days).astype("datetime64[D]"))


def stamps(days: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """Day numbers + minutes after midnight -> ``MM/DD/YYYY HH:MM:SS``."""
    day = dates(from_days(days))
    clock = _by_value(np.asarray(minutes) % 1440, lambda m: f"{m // 60:02d}:{m % 60:02d}:00")
    return (pd.Series(day, dtype="str") + " " + pd.Series(clock, dtype="str")).to_numpy(object)


def booleans(values: pd.Series | np.ndarray) -> np.ndarray:
    return np.where(np.asarray(values, dtype=bool), "true", "false").astype(object)


def text(values: pd.Series) -> pd.Series:
    """Strings with missing as ``""``."""
    return pd.Series(values, dtype="str").fillna("").reset_index(drop=True)


def recordnos(n: int, start: int = 1) -> np.ndarray:
    return np.arange(start, start + n).astype(str).astype(object)


def audit(days: np.ndarray, first_minute: int = 9 * 60) -> dict[str, Column]:
    """WHENCREATED/WHENMODIFIED (one stamp) and CREATEDBY/MODIFIEDBY of records made on ``days``."""
    minutes = first_minute + np.arange(len(days)) % 480
    stamp = stamps(days, minutes)
    return {"WHENCREATED": stamp, "WHENMODIFIED": stamp, "CREATEDBY": AUDIT_USER,
            "MODIFIEDBY": AUDIT_USER}  # fmt: skip


def lookup(keys: pd.Series, table: Mapping[str, str] | pd.Series, default: str = "") -> np.ndarray:
    """``table[key]`` for every key, ``default`` when the key is missing or unknown."""
    mapped = pd.Series(keys, dtype="str").reset_index(drop=True).map(table)
    return pd.Series(mapped, dtype="str").fillna(default).to_numpy(object)


def wire_frame(obj: str, n: int, columns: Mapping[str, Column]) -> pd.DataFrame:
    """A frame with every field of ``obj`` in schema order, all strings; unset fields ``""``.

    Raises
    ------
    KeyError
        A column that is not a field of ``obj`` (a renderer bug, caught by the tests).
    """
    fields = OBJECTS[obj].fields
    unknown = set(columns) - set(fields)
    if unknown:
        raise KeyError(f"{obj} has no field(s) {sorted(unknown)}")
    data: dict[str, pd.Series] = {}
    for name in fields:
        value = columns.get(name, "")
        if isinstance(value, str):
            data[name] = pd.Series(np.full(n, value, dtype=object), dtype="str")
        else:
            data[name] = text(pd.Series(np.asarray(value, dtype=object)))
    return pd.DataFrame(data)


def to_cents(values: pd.Series | np.ndarray) -> np.ndarray:
    """Money (Decimal or wire strings; missing = 0) -> integer cents."""
    return _by_number(values).astype(np.int64)


def _by_number(values: pd.Series | np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(pd.Series(values).reset_index(drop=True), use_na_sentinel=True)
    table = np.array([int(Decimal(str(u)) * 100) if str(u) else 0 for u in uniques] + [0])
    return table[codes]


def from_cents(cents: np.ndarray) -> np.ndarray:
    """Integer cents -> Decimal with two places (object array)."""
    return np.array([Decimal(int(c)).scaleb(-2) for c in cents], dtype=object)
