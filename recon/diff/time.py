"""Time entries: paired by the link id, else by what they say; hours summed per period.

Entry level (:func:`diff_time`): an Intacct entry synced from BigTime carries the BigTime
entry id in a custom field (``entry_id``) and pairs by it, like any keyed record. An entry
typed into Intacct directly has no link id; it is paired with a BigTime entry nobody else
paired that has the same staffer, project, day, time type and hours
(:data:`CONTENT_COLUMNS`) -- one to one: the n-th such Intacct entry takes the n-th such
BigTime entry, in row order, never the same one twice. Pairs found either way are compared
field by field; the rest stay one-sided.

Aggregate level (:func:`time_aggregate`): hours per employee × project × day, week or month
on each side and the difference, summed exactly (integer hundredths, then back to Decimal).

>>> ia, bt = intacct["time_entry"], bigtime["time_entry"]  # doctest: +SKIP
>>> ed = diff_time(ia, bt)  # doctest: +SKIP
>>> weekly = time_aggregate(ia, bt, by="week")  # doctest: +SKIP
>>> time_totals(weekly)  # doctest: +SKIP
{'hours_intacct': Decimal('41250.50'), 'hours_bigtime': Decimal('41262.75'), ...}
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Literal

import numpy as np
import pandas as pd

from recon.canonical import DATE_DTYPE, Entity
from recon.diff.engine import check_frame, diff_entity, entity_spec
from recon.diff.result import EntityDiff
from recon.diff.rules import CompareRules
from recon.errors import ConfigError

ENTITY = "time_entry"
#: The column carrying the BigTime entry id across (``TIMESHEETENTRY_LINK_FIELD`` in Intacct).
LINK = "entry_id"
#: What an entry without the link id is matched on: all must be present and equal.
CONTENT_COLUMNS: tuple[str, ...] = ("employee_id", "project_id", "entry_date", "time_type", "hours")
#: The grouping of :func:`time_aggregate`, in output column order (``period`` is the date's).
GROUP_COLUMNS: tuple[str, ...] = ("employee_id", "project_id", "period")
AGGREGATE_COLUMNS: tuple[str, ...] = (
    *GROUP_COLUMNS,
    "hours_intacct",
    "hours_bigtime",
    "difference",
)
Period = Literal["day", "week", "month"]
PERIODS: tuple[str, ...] = ("day", "week", "month")
#: Hours are summed as integers of 10**-places hours; at least hundredths (canonical hours).
_MIN_PLACES = 2
#: Sums stay below this bound, so int64 never overflows.
_INT_LIMIT = 2**62


# --- entry level ------------------------------------------------------------------------------
def match_by_content(
    intacct: pd.DataFrame, bigtime: pd.DataFrame, columns: tuple[str, ...] = CONTENT_COLUMNS
) -> tuple[np.ndarray, np.ndarray]:
    """Pair rows of two frames whose ``columns`` are all present and equal, one to one.

    Rows with equal content are paired in row order on both sides (the first with the
    first, the second with the second ...); the surplus on either side stays unpaired. A
    row with a missing value in any of ``columns`` is never paired: missing is no evidence.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Row positions ``(intacct_rows, bigtime_rows)`` of the pairs, in Intacct row order.
    """
    groups = _content_groups(intacct, bigtime, columns)
    sides = [_occurrences(g) for g in groups]
    pairs = sides[0].merge(sides[1], on=["group", "nth"], suffixes=("_ia", "_bt"))
    pairs = pairs.sort_values("row_ia", kind="stable")
    return pairs["row_ia"].to_numpy(np.int64), pairs["row_bt"].to_numpy(np.int64)


def _content_groups(
    intacct: pd.DataFrame, bigtime: pd.DataFrame, columns: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """One number per row: equal numbers, equal content in every column; -1 if any missing.

    Each column is factorised over both sides at once (Decimal hours factorise by value:
    ``7.5`` and ``7.50`` are one), then the combinations of codes are numbered.
    """
    n = len(intacct)
    codes = []
    for name in columns:
        both = pd.concat([intacct[name], bigtime[name]], ignore_index=True)
        codes.append(pd.factorize(both, use_na_sentinel=True)[0])
    if not codes or n + len(bigtime) == 0:
        return np.full(n, -1, np.int64), np.full(len(bigtime), -1, np.int64)
    table = pd.DataFrame(np.column_stack(codes))
    group = table.groupby(list(table.columns), sort=False).ngroup().to_numpy(np.int64, copy=True)
    group[(table.to_numpy() < 0).any(axis=1)] = -1
    return group[:n], group[n:]


def _occurrences(group: np.ndarray) -> pd.DataFrame:
    """``group``, the row's occurrence number within its group, and its row, for the rows
    that have a group."""
    nth = pd.Series(group).groupby(group).cumcount().to_numpy(np.int64)
    keep = group >= 0
    return pd.DataFrame({"group": group[keep], "nth": nth[keep], "row": np.flatnonzero(keep)})


def diff_time(
    intacct: pd.DataFrame,
    bigtime: pd.DataFrame,
    rules: CompareRules | None = None,
    spec: Entity | None = None,
) -> EntityDiff:
    """Compare time entries: by link id, then Intacct entries without it by content.

    Parameters
    ----------
    intacct, bigtime:
        ``time_entry`` frames (canonical, or of ``spec``'s shape). Intacct rows whose
        ``entry_id`` is missing were entered in Intacct directly (no link id).
    rules:
        How fields are compared (:class:`CompareRules`; default when ``None``).
    spec:
        The shape under the user's mapping overrides (see :func:`diff_entity`). The content
        fallback needs the key to be ``entry_id`` and every one of :data:`CONTENT_COLUMNS`;
        otherwise entries without a key stay one-sided.

    Returns
    -------
    EntityDiff
        As :func:`diff_entity`'s. An entry paired by content is compared like any pair (its
        mismatches are keyed by the BigTime entry id) and counted in ``compared``; an
        unpaired Intacct entry without a link id is in ``only_in_intacct`` (missing key,
        listed last).

    Raises
    ------
    ConfigError
        A frame without exactly the entity's columns, or values that cannot be compared.
    """
    shape = entity_spec(ENTITY, spec)
    frames = (check_frame(shape, "intacct", intacct), check_frame(shape, "bigtime", bigtime))
    unlinked = frames[0][shape.key].isna().to_numpy()
    fallback = shape.key == LINK and all(c in shape.names for c in CONTENT_COLUMNS)
    if not (fallback and unlinked.any()):
        return diff_entity(ENTITY, frames[0], frames[1], rules, spec)
    linked = diff_entity(ENTITY, frames[0][~unlinked], frames[1], rules, spec)
    loose = frames[0][unlinked].reset_index(drop=True)
    free = linked.only_in_bigtime  # neither paired nor a duplicate key: free to take
    free = free[free[LINK].notna().to_numpy()].reset_index(drop=True)
    ia_rows, bt_rows = match_by_content(loose, free)
    taken = free.iloc[bt_rows]
    named = loose.iloc[ia_rows].assign(**{LINK: taken[LINK].to_numpy()})
    by_content = diff_entity(ENTITY, named, taken, rules, spec)
    return EntityDiff(
        entity=ENTITY,
        key=shape.key,
        only_in_intacct=_stack(linked.only_in_intacct, _without(loose, ia_rows)),
        only_in_bigtime=_stack(_without(free, bt_rows), _unkeyed(linked.only_in_bigtime)),
        mismatches=_by_key(shape, linked.mismatches, by_content.mismatches),
        duplicates=linked.duplicates,
        compared=linked.compared + by_content.compared,
    )


def _without(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    keep = np.ones(len(frame), dtype=bool)
    keep[rows] = False
    return frame[keep]


def _unkeyed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame[LINK].isna().to_numpy()]


def _stack(first: pd.DataFrame, then: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``first`` then ``then`` (keyed rows are sorted already, unkeyed ones last)."""
    if then.empty:
        return first.reset_index(drop=True)
    if first.empty:
        return then.reset_index(drop=True)
    out = pd.concat([first, then], ignore_index=True)
    return out.astype(first.dtypes.to_dict())


def _by_key(shape: Entity, *parts: pd.DataFrame) -> pd.DataFrame:
    """Mismatch tables as one, sorted by key then column order (as the engine sorts)."""
    frame = pd.concat(parts, ignore_index=True)
    rank = frame["field"].map({name: i for i, name in enumerate(shape.names)})
    frame = frame.assign(_rank=rank).sort_values(["key", "_rank"], kind="stable")
    return frame.drop(columns="_rank").reset_index(drop=True)


# --- aggregate level --------------------------------------------------------------------------
def time_aggregate(
    intacct: pd.DataFrame, bigtime: pd.DataFrame, by: Period = "day"
) -> pd.DataFrame:
    """Hours per employee × project × period on each side, and the difference.

    Parameters
    ----------
    intacct, bigtime:
        Time entry frames with at least ``employee_id``, ``project_id``, ``entry_date`` and
        ``hours`` (Decimal). Entries without hours add nothing; a missing employee, project
        or date is a group of its own (the same on both sides), so every hour is counted.
    by:
        ``"day"``, ``"week"`` (weeks start on Monday) or ``"month"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``employee_id``, ``project_id``, ``period`` (the period's first day,
        ``datetime64[us]``), ``hours_intacct``, ``hours_bigtime`` and ``difference``
        (``hours_intacct - hours_bigtime``), the last three exact ``Decimal`` with at
        least two places (``0.00`` where a side has no entry). One row per group with an
        entry on either side, sorted by the group columns. :func:`time_totals` sums it.

    Raises
    ------
    ConfigError
        Unknown ``by``, a frame without those columns, or hours that are not numbers.
    """
    if by not in PERIODS:
        raise ConfigError(f"time_aggregate by={by!r}: use one of {', '.join(PERIODS)}")
    sides = {"intacct": intacct, "bigtime": bigtime}
    for side, frame in sides.items():
        _check_aggregate_frame(side, frame)
    distinct = {side: _distinct(frame["hours"]) for side, frame in sides.items()}
    places = max(_places(values) for _, values in distinct.values())
    parts = [_entries(frame, by, *distinct[side], places, side) for side, frame in sides.items()]
    entries = pd.concat(parts, ignore_index=True)
    side_of = np.repeat(np.arange(2), [len(p) for p in parts])
    group, first = _groups(entries)
    sums = np.zeros((len(first), 2), dtype=np.int64)
    np.add.at(sums, (group, side_of), entries["units"].to_numpy())
    out = entries.iloc[first].loc[:, list(GROUP_COLUMNS)].reset_index(drop=True)
    out = out.assign(
        hours_intacct=_decimals(sums[:, 0], places),
        hours_bigtime=_decimals(sums[:, 1], places),
        difference=_decimals(sums[:, 0] - sums[:, 1], places),
    )
    return out.astype({"employee_id": "str", "project_id": "str", "period": DATE_DTYPE})


def time_totals(aggregate: pd.DataFrame) -> dict[str, Decimal]:
    """Total hours of each side and the total difference of a :func:`time_aggregate` frame.

    Exact Decimal sums; each side's total is every hour of its entries, whatever the
    grouping.
    """
    zero = Decimal("0.00")
    names = ("hours_intacct", "hours_bigtime", "difference")
    return {name: sum(aggregate[name].tolist(), zero) for name in names}


def _check_aggregate_frame(side: str, frame: object) -> None:
    needed = ["employee_id", "project_id", "entry_date", "hours"]
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"time_aggregate ({side}): expected a DataFrame, got {type(frame)}")
    lacking = [c for c in needed if c not in frame.columns]
    if lacking:
        raise ConfigError(
            f"time_aggregate ({side}): the frame lacks {lacking}; pass time_entry frames"
        )


def _number(value: object) -> Decimal:
    """One distinct hours value as a finite Decimal (floats by their shortest repr)."""
    if isinstance(value, float | np.floating):
        value = repr(float(value))
    if isinstance(value, bool) or not isinstance(value, Decimal | int | np.integer | str):
        raise ConfigError(f"time_aggregate: hours {value!r} are not a number")
    try:
        number = Decimal(int(value)) if isinstance(value, np.integer) else Decimal(value)
    except InvalidOperation:
        raise ConfigError(f"time_aggregate: hours {value!r} are not a number") from None
    if not number.is_finite():
        raise ConfigError(f"time_aggregate: hours {value!r} are not a finite number")
    return number


def _distinct(hours: pd.Series) -> tuple[np.ndarray, list[Decimal]]:
    """Codes (-1: missing) and the distinct values, as Decimals: one conversion per value."""
    codes, uniques = pd.factorize(hours.astype(object), use_na_sentinel=True)
    return codes, [_number(u) for u in uniques]


def _places(values: list[Decimal]) -> int:
    """Decimal places the sums need to be exact: two, or more if a value has more."""
    exponents = [int(v.normalize().as_tuple().exponent) for v in values]
    return max([_MIN_PLACES, *(-e for e in exponents)])


def _units(codes: np.ndarray, values: list[Decimal], places: int, side: str) -> np.ndarray:
    """Each row's hours as an int64 count of ``10**-places`` hours (missing hours: 0)."""
    table = [int(v.scaleb(places)) for v in values]
    if table and max(map(abs, table)) * len(codes) >= _INT_LIMIT:
        raise ConfigError(f"time_aggregate ({side}): hours too large to sum exactly")
    return np.array([*table, 0], dtype=np.int64)[codes]


def _period_start(dates: pd.Series, by: Period) -> np.ndarray:
    """The first day of each date's period (NaT stays NaT)."""
    stamps = pd.to_datetime(dates)
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_localize(None)  # the wall-clock day is the accounting day
    days = stamps.to_numpy().astype("datetime64[D]")
    if by == "week":
        # Day 0 of numpy's calendar, 1970-01-01, was a Thursday: Monday-based weekday below.
        weekday = (days.astype(np.int64) + 3) % 7
        days = days - weekday.astype("timedelta64[D]")
    elif by == "month":
        days = days.astype("datetime64[M]").astype("datetime64[D]")
    return days.astype(DATE_DTYPE)


def _entries(
    frame: pd.DataFrame,
    by: Period,
    codes: np.ndarray,
    values: list[Decimal],
    places: int,
    side: str,
) -> pd.DataFrame:
    """``GROUP_COLUMNS`` and ``units`` of one side's entries that have hours (an entry
    without hours adds nothing and forms no group)."""
    present = codes >= 0
    rows = frame if present.all() else frame[present]  # filtering copies every column
    return pd.DataFrame(
        {
            "employee_id": rows["employee_id"].astype("str").reset_index(drop=True),
            "project_id": rows["project_id"].astype("str").reset_index(drop=True),
            "period": _period_start(rows["entry_date"], by),
            "units": _units(codes[present], values, places, side),
        }
    )


def _groups(entries: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each entry's group number and each group's first entry, groups in sorted order.

    Each column is factorised sorted (missing last), so the code combinations, numbered in
    order, number the groups in the order of the columns' values. Combinations are one
    int64 (:func:`_combine`), so one sort numbers the groups.
    """
    columns = [pd.factorize(entries[c], sort=True, use_na_sentinel=False) for c in GROUP_COLUMNS]
    ids = _combine([codes for codes, _ in columns], [max(len(u), 1) for _, u in columns])
    group = np.unique(ids, return_inverse=True)[1].astype(np.int64, copy=False)
    first = np.empty(int(group.max()) + 1 if len(group) else 0, dtype=np.int64)
    first[group[::-1]] = np.arange(len(group) - 1, -1, -1)  # the last write is the first row
    return group, first


def _combine(codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """One int64 per row that orders like the tuple of its codes (``sizes``: codes' ranges).

    Mixed-radix when the product of the sizes fits; otherwise column by column, renumbering
    densely after each step (an extra sort each) so the numbers never overflow.
    """
    ids = np.zeros(len(codes[0]), dtype=np.int64)
    fits = math.prod(sizes) < _INT_LIMIT
    for column, size in zip(codes, sizes, strict=True):
        ids = ids * size + column
        if not fits:
            ids = np.unique(ids, return_inverse=True)[1].astype(np.int64, copy=False)
    return ids


def _decimals(units: np.ndarray, places: int) -> np.ndarray:
    """Integer counts of ``10**-places`` hours as Decimals with ``places`` places."""
    codes, uniques = pd.factorize(units)
    values = np.array([Decimal(int(u)).scaleb(-places) for u in uniques], dtype=object)
    return values[codes] if len(codes) else np.empty(0, dtype=object)
