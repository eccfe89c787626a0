"""A year of time entries, vectorised: one row per entry, numpy throughout.

Every employed weekday a staffer logs 1-4 entries (or one 8-hour paid-time-off entry) in
quarter hours, on a project of one of their teams that is open that day, else on an
internal project. Entry ids are BigTime-style positive integers in chronological order;
Intacct carries them in ``TIMESHEETENTRY.BIGTIME_ENTRYID``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from recon.sandbox.firm import reference as ref
from recon.sandbox.firm import words
from recon.sandbox.firm.columns import DATE_DTYPE
from recon.sandbox.firm.parties import INTERNAL_PROJECTS, INTERNAL_SHARE, Parties
from recon.sandbox.firm.sizing import FIRST_DAY, HOLIDAYS, LAST_DAY, day_number

Streams = Callable[[str], np.random.Generator]

#: Entries per worked day (1..4) and the chance a day is paid time off.
ENTRIES_PER_DAY = (0.02, 0.15, 0.43, 0.40)
PTO_SHARE = 0.04
FIRST_ENTRY_ID = 1_000_001
#: Hours as exact quarter-hour Decimals, indexed by the number of quarters.
HOURS = np.array([(Decimal(q) / 4).quantize(Decimal("0.01")) for q in range(49)], dtype=object)
PTO_ROW = 3  # row of INT-PTO among the internal projects


@dataclass(frozen=True)
class Time:
    """The canonical time frame plus the arrays billing needs (aligned with its rows)."""

    frame: pd.DataFrame
    project_row: np.ndarray
    day: np.ndarray  # day numbers
    quarters: np.ndarray
    time_type: np.ndarray  # index into reference.TIME_TYPES
    rate: np.ndarray  # whole dollars per hour


def workdays() -> np.ndarray:
    """Day numbers of the firm's 2025 working days (weekdays that are not holidays)."""
    days = np.arange(day_number(FIRST_DAY), day_number(LAST_DAY) + 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday: Monday == 0
    off = np.isin(days, [day_number(h) for h in HOLIDAYS])
    return days[(weekday < 5) & ~off]


def day_counts(parties: Parties, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Entries per (regular employee, workday) and the paid-time-off days, both (E, D)."""
    days = workdays()
    n = int((~parties.emp_is_spare).sum())
    start, end = parties.emp_start[:n, None], parties.emp_end[:n, None]
    employed = (start <= days[None, :]) & (days[None, :] <= end)
    pto = rng.random(employed.shape) < PTO_SHARE
    k = rng.choice(np.arange(1, 5), size=employed.shape, p=ENTRIES_PER_DAY)
    k = np.where(pto, 1, k) * employed
    return k, pto & employed


def count_entries(parties: Parties, streams: Streams) -> int:
    """The number of time entries the firm logs (cheap: no entry is built)."""
    return int(day_counts(parties, streams("time.counts"))[0].sum())


def _pick_projects(
    rng: np.random.Generator, parties: Parties, emp: np.ndarray, day: np.ndarray, todo: np.ndarray
) -> np.ndarray:
    """A team project open on the entry's day (3 tries), else -1."""
    offsets, team = parties.team_offsets, parties.team_projects
    size = offsets[emp + 1] - offsets[emp]
    out = np.full(len(emp), -1, dtype=np.int64)
    todo = todo & (size > 0)
    for _ in range(3):
        idx = offsets[emp] + np.floor(rng.random(len(emp)) * size).astype(np.int64)
        cand = team[np.minimum(idx, max(len(team) - 1, 0))] if len(team) else out
        ok = todo & (parties.proj_begin[cand] <= day) & (day <= parties.proj_end[cand])
        out[ok] = cand[ok]
        todo &= ~ok
    return out


def _assign(
    rng: np.random.Generator, parties: Parties, emp: np.ndarray, day: np.ndarray, pto: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Project row and time type index of every entry."""
    share = np.array([lv.internal_share for lv in ref.LEVELS])[parties.level[emp]]
    internal = (rng.random(len(emp)) < share) | pto
    proj = _pick_projects(rng, parties, emp, day, ~internal)
    inner = rng.choice(len(INTERNAL_SHARE), size=len(emp), p=INTERNAL_SHARE)
    inner[~internal] = 1  # staff with no open project that day do business development
    inner[pto] = PTO_ROW
    proj = np.where(proj >= 0, proj, inner)
    types = np.array([t for t, _ in ref.CLIENT_TIME])
    client_tt = types[rng.choice(len(types), size=len(emp), p=[w for _, w in ref.CLIENT_TIME])]
    internal_tt = np.array([tt for _, _, tt in INTERNAL_PROJECTS])
    tt = np.where(proj >= parties.n_internal, client_tt, internal_tt[np.minimum(proj, 3)])
    return proj, tt


def _quarters(rng: np.random.Generator, k: np.ndarray, pto: np.ndarray) -> np.ndarray:
    q = np.rint(rng.normal(32 / k, 1 + 4 / k)).astype(np.int64)
    return np.where(pto, 32, np.clip(q, 1, 40))


def _notes(rng: np.random.Generator, tt: np.ndarray) -> pd.Categorical[str]:
    """A short description per entry, drawn from its time type's phrases."""
    phrases = list(dict.fromkeys(p for group in words.NOTES.values() for p in group))
    index = {p: i for i, p in enumerate(phrases)}
    groups = [[index[p] for p in words.NOTES[t.notes]] for t in ref.TIME_TYPES]
    flat = np.array([i for g in groups for i in g])
    size = np.array([len(g) for g in groups])
    first = np.cumsum(size) - size
    pick = first[tt] + rng.integers(0, 1 << 30, size=len(tt)) % size[tt]
    return pd.Categorical.from_codes(flat[pick], categories=pd.Index(phrases))


def build_time(parties: Parties, streams: Streams) -> Time:
    """All 2025 time entries of the firm's regular staff."""
    k, pto_grid = day_counts(parties, streams("time.counts"))
    days = workdays()
    cell = np.repeat(np.arange(k.size), k.ravel())
    emp, day = cell // len(days), days[cell % len(days)]
    pto = pto_grid.ravel()[cell]
    rng = streams("time.entries")
    proj, tt = _assign(rng, parties, emp, day, pto)
    quarters = _quarters(rng, k.ravel()[cell], pto)
    notes = _notes(rng, tt)
    order = np.lexsort((np.arange(len(cell)), emp, day))  # chronological, then by staffer
    emp, day, proj, tt, quarters = (a[order] for a in (emp, day, proj, tt, quarters))
    levels = parties.level[emp]
    frame = _frame(parties, emp, day, proj, tt, quarters, levels, notes[order])
    rates = np.array([lv.bill_rate for lv in ref.LEVELS])[levels]
    return Time(frame, proj, day, quarters, tt, rates)


def _frame(
    parties: Parties, emp: np.ndarray, day: np.ndarray, proj: np.ndarray, tt: np.ndarray,
    quarters: np.ndarray, levels: np.ndarray, notes: pd.Categorical[str],
) -> pd.DataFrame:  # fmt: skip
    n = len(emp)
    emp_ids = parties.frames["employee"]["employee_id"]
    proj_ids = parties.frames["project"]["project_id"]
    rates = np.array([ref.rate(lv.bill_rate) for lv in ref.LEVELS], dtype=object)
    billable = np.array([t.billable for t in ref.TIME_TYPES])
    return pd.DataFrame(
        {
            "entry_id": pd.Series(np.arange(FIRST_ENTRY_ID, FIRST_ENTRY_ID + n)).astype("str"),
            "employee_id": _labels(emp_ids, emp),
            "entry_date": pd.Series(day.astype("datetime64[D]")).astype(DATE_DTYPE),
            "project_id": _labels(proj_ids, proj),
            "time_type": _labels(pd.Series([t.name for t in ref.TIME_TYPES]), tt),
            "hours": HOURS[quarters],
            "billable": billable[tt],
            "bill_rate": rates[levels],
            "notes": pd.Series(notes).astype("str"),
        }
    )


def _labels(ids: pd.Series, codes: np.ndarray) -> pd.Series:
    """``ids`` looked up by position for every code, as a string column (fast for 1M rows)."""
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(ids))).astype("str")


def month_of(day: np.ndarray) -> np.ndarray:
    """Calendar month 1..12 of day numbers."""
    return day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1
