"""Compare one column of the paired rows: cheapest exact test first, rules on the rest.

Step 1 finds the positions whose raw values differ, vectorised over the whole column in the
column's own storage (pyarrow for text, numpy for dates, numbers and booleans, numpy object
arrays for Decimal -- ``!=`` on Decimal objects is exact). Raw-equal implies equal under any
normalisation and within any tolerance, so step 2 -- missing values, normalisation,
tolerance, and formatting with ``canon_str`` -- runs only on those positions, typically a
few percent of the rows.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recon.canonical import Col, canon_str
from recon.diff.align import arrow_strings
from recon.diff.result import COSMETIC, MISSING_VS_EMPTY, VALUE
from recon.diff.rules import NUMERIC_KINDS, TEXT_KINDS, FieldRule
from recon.errors import ConfigError

#: One column's values in the storage they are compared in.
Values: TypeAlias = np.ndarray | pa.Array


@dataclass(frozen=True)
class ColumnFindings:
    """Findings of one column: Intacct row positions, both values (``canon_str``), kinds."""

    rows: np.ndarray
    intacct: list[str | None]
    bigtime: list[str | None]
    kinds: list[str]


def _take(values: Values, rows: np.ndarray | None) -> Values:
    """``values[rows]``; ``rows=None`` means all of them, in order (no copy)."""
    if rows is None:
        return values
    if isinstance(values, pa.Array):
        return values.take(pa.array(rows))
    return values[rows]


# --- step 1: raw differences, per storage -----------------------------------------------------
def _text_unequal(a: pa.Array, b: pa.Array) -> np.ndarray:
    unequal = pc.not_equal(a, b)
    if a.null_count or b.null_count:  # null vs value differs; null vs null does not
        unequal = pc.and_not(pc.fill_null(unequal, True), pc.and_(a.is_null(), b.is_null()))
    return unequal.to_numpy(zero_copy_only=False)


def _numpy_unequal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    unequal = a != b
    if a.dtype.kind == "M":  # NaT != NaT in numpy; two missing dates agree
        unequal &= ~(np.isnat(a) & np.isnat(b))
    elif a.dtype.kind == "f":
        unequal &= ~(np.isnan(a) & np.isnan(b))
    return unequal


def _object_unequal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        unequal = a != b
        if isinstance(unequal, np.ndarray) and unequal.dtype == bool:
            return unequal
    except (TypeError, ValueError, decimal.InvalidOperation):
        pass  # pd.NA (truth value ambiguous) or an exotic object: compare the present ones
    missing_a, missing_b = pd.isna(a), pd.isna(b)
    unequal = missing_a != missing_b
    both = ~(missing_a | missing_b)
    unequal[both] = a[both] != b[both]
    return unequal


# --- step 1: each side's column in the storage it is compared in ------------------------------
def _dates(series: pd.Series, rule: FieldRule, where: str) -> np.ndarray:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)  # the wall-clock day is the accounting day
    elif series.dtype.kind != "M":
        try:
            series = pd.to_datetime(series)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: values are not dates ({exc})") from None
    values = series.to_numpy()
    return values.astype("datetime64[D]") if rule.dates_as_dates else values


def _is_plain_numpy(series: pd.Series) -> bool:
    return isinstance(series.dtype, np.dtype) and series.dtype.kind in "biuf"


def _storage(
    col: Col, rule: FieldRule, a: pd.Series, b: pd.Series, where: str
) -> tuple[Values, Values, Callable[[Any, Any], np.ndarray]]:
    """Both sides as arrays of one storage, and the function that finds raw differences."""
    if col.kind in TEXT_KINDS:
        try:
            return arrow_strings(a), arrow_strings(b), _text_unequal
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise ConfigError(f"{where}: values are not text ({exc})") from None
    if col.kind == "date":
        return _dates(a, rule, where), _dates(b, rule, where), _numpy_unequal
    if _is_plain_numpy(a) and _is_plain_numpy(b):
        return a.to_numpy(), b.to_numpy(), _numpy_unequal
    return _objects(a), _objects(b), _object_unequal


def _objects(series: pd.Series) -> np.ndarray:
    """An object array of the values (zero-copy for object columns: Decimal money)."""
    if series.dtype == object:
        return series.to_numpy()
    return series.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]  # pandas-stubs refuse na_value=None


# --- step 2: what the raw differences are -----------------------------------------------------
def _python(values: Values) -> list[Any]:
    if isinstance(values, pa.Array):
        return values.to_pylist()
    if values.dtype.kind == "M":
        return list(pd.DatetimeIndex(values))  # Timestamps (datetimes); NaT for missing
    return values.tolist() if values.dtype != object else list(values)


def _missing(values: Values) -> np.ndarray:
    """Mask of missing values (null, None, NaN, NA, NaT)."""
    if isinstance(values, pa.Array):
        return values.is_null().to_numpy(zero_copy_only=False)
    if values.dtype.kind == "M":
        return np.isnat(values)
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype == object:
        return np.asarray(pd.isna(values), dtype=bool)
    return np.zeros(len(values), dtype=bool)


def _decimal(value: object, where: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, float | np.floating):
        return Decimal(repr(float(value)))  # a non-canonical float: its shortest decimal form
    raise ConfigError(f"{where}: {value!r} is not a number; conform the frame first")


def _empty(value: object, rule: FieldRule) -> bool:
    """An empty string -- or, when whitespace is ignored, one of whitespace only."""
    return isinstance(value, str) and (value == "" or (rule.whitespace and not value.strip()))


def _kinds(kind: str, rule: FieldRule, x: Values, y: Values, where: str) -> np.ndarray:
    """The finding for each pair of raw-unequal values; ``None`` where they do not differ.

    Two missing values agree; one missing against an empty string is
    ``"missing_vs_empty"``; amounts within the tolerance agree; texts equal after the
    rule's normalisation are ``"cosmetic"``; everything else is a ``"value"`` difference.
    """
    missing_x, missing_y = _missing(x), _missing(y)
    kinds = np.full(len(missing_x), VALUE, dtype=object)
    kinds[missing_x & missing_y] = None
    one_sided = np.flatnonzero(missing_x ^ missing_y)
    both = np.flatnonzero(~missing_x & ~missing_y)
    tolerant = kind in NUMERIC_KINDS and (rule.abs_tol or rule.rel_tol)
    normalised = kind in TEXT_KINDS and rule.normalises
    if not (len(one_sided) or tolerant or normalised):
        return kinds  # the common case for amounts, dates and flags: every one is a value
    xs, ys = _python(x), _python(y)
    for i in one_sided:
        if _empty(ys[i] if missing_x[i] else xs[i], rule):
            kinds[i] = MISSING_VS_EMPTY
    if tolerant:
        for i in both:
            if rule.within(_decimal(xs[i], where), _decimal(ys[i], where)):
                kinds[i] = None
    elif normalised:
        for i in both:
            if rule.normalise(xs[i]) == rule.normalise(ys[i]):
                kinds[i] = COSMETIC
    return kinds


def _canon(values: Values, col: Col, rule: FieldRule) -> list[str | None]:
    """``canon_str`` of each value, vectorised where the storage allows."""
    if isinstance(values, pa.Array):
        return values.to_pylist()  # text is its own canonical form
    if values.dtype.kind == "M" and rule.dates_as_dates:
        days = np.datetime_as_string(values.astype("datetime64[D]"), unit="D")
        return [None if m else d for d, m in zip(days.tolist(), np.isnat(values), strict=True)]
    if values.dtype.kind == "b":
        return np.where(values, "true", "false").tolist()
    return [_format(v, col, rule) for v in _python(values)]


def _format(value: object, col: Col, rule: FieldRule) -> str | None:
    if col.kind == "date" and not rule.dates_as_dates and isinstance(value, dt.datetime):
        if not pd.isna(value) and value.time() != dt.time(0):
            return value.isoformat()  # the time of day is what differs: show it
    return canon_str(value, col.kind)


def compare_column(
    col: Col,
    rule: FieldRule,
    intacct: pd.Series,
    bigtime: pd.Series,
    pairing: tuple[np.ndarray | None, np.ndarray | None],
    where: str,
) -> ColumnFindings:
    """Findings of one column over the paired rows.

    ``pairing = (gather, paired)``: ``bigtime[gather[i]]`` is compared with ``intacct[i]``
    wherever ``paired[i]``; ``None`` stands for "every row, in order" and "all paired".
    """
    gather, paired = pairing
    a, b, unequal = _storage(col, rule, intacct, bigtime, where)
    b = _take(b, gather)  # the BigTime values in Intacct row order
    differs = unequal(a, b)
    rows = np.flatnonzero(differs if paired is None else differs & paired)
    x, y = _take(a, rows), _take(b, rows)
    kinds = _kinds(col.kind, rule, x, y, where)
    keep = np.flatnonzero(pd.notna(kinds))
    x, y = _take(x, keep), _take(y, keep)
    return ColumnFindings(
        rows=rows[keep],
        intacct=_canon(x, col, rule),
        bigtime=_canon(y, col, rule),
        kinds=kinds[keep].tolist(),
    )
