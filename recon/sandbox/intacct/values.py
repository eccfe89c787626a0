"""Field values: wire format <-> storage format, with validation.

The store keeps dates as ISO text (``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS``) so that SQL
comparisons and indexes order them correctly; everything else is kept as its wire text.
Empty values are stored as NULL, which is how ``IS NULL`` finds them (Intacct runs on a
database that treats an empty string as NULL). Money stays text: never a float.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from recon.sandbox.intacct.catalogue import Kind

NUMERIC_KINDS: frozenset[str] = frozenset({"money", "qty", "number", "int"})
_DATE_RE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_DATETIME_RE = re.compile(r"(\d{2})/(\d{2})/(\d{4})[ T](\d{2}):(\d{2}):(\d{2})")
_CENT = Decimal("0.01")

EXPECTED: dict[str, str] = {
    "date": "a date mm/dd/yyyy",
    "datetime": "a timestamp mm/dd/yyyy hh:mm:ss",
    "money": "an amount",
    "qty": "a quantity",
    "number": "a number",
    "int": "an integer",
    "bool": "true or false",
    "status": "active or inactive",
}


def _date(text: str) -> str:
    m = _DATE_RE.fullmatch(text)
    if not m:
        raise ValueError(EXPECTED["date"])
    iso = f"{m[3]}-{m[1]}-{m[2]}"
    datetime.strptime(iso, "%Y-%m-%d")  # rejects 02/30/2024
    return iso


def _datetime(text: str) -> str:
    m = _DATETIME_RE.fullmatch(text)
    if not m:
        return _date(text) + " 00:00:00"  # a date alone means midnight
    iso = f"{m[3]}-{m[1]}-{m[2]} {m[4]}:{m[5]}:{m[6]}"
    datetime.strptime(iso, "%Y-%m-%d %H:%M:%S")
    return iso


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("a number") from None
    if not value.is_finite():
        raise ValueError("a number")
    return value


def _money(text: str) -> str:
    # Intacct rounds amounts to two decimals (docs/specs/intacct-xml-api.md §4.1).
    return str(_decimal(text).quantize(_CENT))


def _qty(text: str) -> str:
    _decimal(text)
    return text


def _int(text: str) -> str:
    try:
        return str(int(text))
    except ValueError:
        raise ValueError(EXPECTED["int"]) from None


def _choice(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def check(text: str) -> str:
        low = text.lower()
        if low not in allowed:
            raise ValueError(" or ".join(allowed))
        return low

    return check


_TO_STORAGE: dict[str, Callable[[str], str]] = {
    "date": _date,
    "datetime": _datetime,
    "money": _money,
    "qty": _qty,
    "number": _qty,  # a decimal kept as sent, like a quantity
    "int": _int,
    "bool": _choice(("true", "false")),
    "status": _choice(("active", "inactive")),
}


def to_storage(kind: Kind, wire: str | None) -> str | None:
    """Validate a wire value of ``kind`` and return its storage form (``None`` if empty).

    Raises
    ------
    ValueError
        With the expected format as message.
    """
    if wire is None:
        return None
    text = wire.strip()
    if text == "":
        return None
    convert = _TO_STORAGE.get(kind)
    if convert is None:
        return wire
    try:
        return convert(text)
    except ValueError:
        raise ValueError(EXPECTED.get(kind, kind)) from None


def _date_to_wire(v: str) -> str:
    return f"{v[5:7]}/{v[8:10]}/{v[0:4]}"


def _datetime_to_wire(v: str) -> str:
    return f"{v[5:7]}/{v[8:10]}/{v[0:4]} {v[11:19]}"


def wire_converter(kind: Kind) -> Callable[[str], str] | None:
    """The storage -> wire function for ``kind`` (``None``: the stored text is the wire text)."""
    if kind == "date":
        return _date_to_wire
    if kind == "datetime":
        return _datetime_to_wire
    return None


def to_wire(kind: Kind, stored: object) -> str:
    """Storage value -> wire text (``""`` for NULL)."""
    if stored is None:
        return ""
    convert = wire_converter(kind)
    text = str(stored)
    return convert(text) if convert else text


def now_storage(now: datetime) -> str:
    """A timestamp in storage form (the sandbox keeps company time in UTC)."""
    return now.strftime("%Y-%m-%d %H:%M:%S")


def series_to_storage(kind: Kind, column: str, series: pd.Series) -> np.ndarray:
    """Vectorised :func:`to_storage` for seeding; raises ``ValueError`` naming the column."""
    if len(series) <= _SMALL:  # pandas' per-call overhead dominates small frames
        return np.array([_cell(kind, column, v) for v in series.tolist()], dtype=object)
    text = series.astype(object).where(series.notna(), "").astype(str).str.strip()
    blank = (text == "").to_numpy()
    if kind in ("date", "datetime"):
        text = _dates_to_iso(kind, column, text, blank)
    elif kind == "money":
        text = text.map(lambda v: _money(v) if v else v)
    elif kind in ("bool", "status"):
        text = text.str.lower()
    out = text.to_numpy(dtype=object)
    out[blank] = None
    return out


_SMALL = 2000


def _cell(kind: Kind, column: str, value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return None
    try:
        return to_storage(kind, str(value))
    except ValueError as exc:
        raise ValueError(f"column {column}: {value!r} is not {exc}") from None


def _dates_to_iso(kind: str, column: str, text: pd.Series, blank: np.ndarray) -> pd.Series:
    date_ok = text.str.fullmatch(r"\d{2}/\d{2}/\d{4}").to_numpy()
    iso = text.str.slice(6, 10) + "-" + text.str.slice(0, 2) + "-" + text.str.slice(3, 5)
    if kind == "date":
        bad = ~(date_ok | blank)
        result = iso
    else:
        full_ok = text.str.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}").to_numpy()
        bad = ~(date_ok | full_ok | blank)
        time_part = text.str.slice(11, 19).where(full_ok, "00:00:00")
        result = iso + " " + time_part
    if bad.any():
        sample = text[bad].iloc[0]
        raise ValueError(f"column {column}: {sample!r} is not {EXPECTED[kind]}")
    return result
