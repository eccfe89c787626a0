"""Diff benchmark: prints figures and PASS/FAIL per target. Not part of the test run.

Two canonical ``time_entry`` frames of 1,000,000 rows each (the columns of
``ENTITIES["time_entry"]``, Decimal hours and bill rates, sorted by key as the mapping
yields them), built from one universe of entries: each side lacks 0.5% of the entries the
other has (1% of the rows one-sided) and 2% of the paired BigTime rows differ in one field
(every field in turn; a third of the note changes are case-only). The same frames go to:

* recon's ``diff_entity("time_entry", ...)`` (default rules);
* datacompy 1.1 ``PandasCompare(..., join_columns="entry_id")`` (default tolerances; it
  converts the Decimal columns to float itself);
* a plain pandas outer merge on ``entry_id`` with a null-aware ``!=`` per column.

All three must agree on the one-sided rows and on the mismatching values per column (the
values are exact in float: quarter hours and cents), else the run fails. Printed: the
median seconds of ``--repeat`` runs of each, the ratios, and recon's peak memory during the
diff (tracemalloc peak and peak RSS growth) against the two inputs' ``memory_usage(deep=True)``.

Targets: recon >= 5x faster than datacompy, >= 2x faster than the plain merge, peak memory
(the larger of the two measures) < 3x the two inputs.

Usage::

    .venv/bin/python benchmarks/diff.py [--rows 1000000] [--repeat 3]

Exit status 1 when a target is missed or the three disagree, 0 otherwise.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import datacompy
import numpy as np
import pandas as pd

from recon.canonical import ENTITIES, conform
from recon.diff import diff_entity

ENTITY = "time_entry"
KEY = ENTITIES[ENTITY].key
FIELDS = [c for c in ENTITIES[ENTITY].names if c != KEY]
ONE_SIDED = 0.005  # per side
CHANGED = 0.02
TARGET_VS_DATACOMPY = 5.0
TARGET_VS_MERGE = 2.0
TARGET_MEMORY = 3.0
WORDS = np.array(
    "review draft memo client call audit planning fieldwork tax return workpapers meeting "
    "research email budget board deck follow-up travel training onboarding".split()
)


# --- the frames ---------------------------------------------------------------------------------
def _decimals(cents: np.ndarray) -> np.ndarray:
    """Distinct Decimal objects (two places) for integer cents -- like a real pull holds."""
    return np.array([Decimal(int(c)).scaleb(-2) for c in cents], dtype=object)


def _notes(rng: np.random.Generator, n: int) -> np.ndarray:
    first = WORDS[rng.integers(0, len(WORDS), n)]
    second = WORDS[rng.integers(0, len(WORDS), n)]
    notes = np.char.add(np.char.add(first, " "), second).astype(object)
    notes[rng.random(n) < 0.1] = None  # a tenth of the entries carry no note
    return notes


def universe(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``n`` canonical time entries (sorted by entry id)."""
    days = np.datetime64("2025-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]")
    frame = pd.DataFrame(
        {
            "entry_id": (np.arange(n) + 10_000_000).astype(str),
            "employee_id": np.char.add("E", (rng.integers(1000, 1150, n)).astype(str)),
            "entry_date": days.astype("datetime64[us]"),
            "project_id": np.char.add(
                "P25-", np.char.zfill(rng.integers(1, 600, n).astype(str), 4)
            ),
            "time_type": np.array(["Regular", "Travel", "Admin", "Training"])[
                rng.integers(0, 4, n)
            ],
            "hours": _decimals(rng.integers(1, 41, n) * 25),
            "billable": rng.random(n) < 0.8,
            "bill_rate": _decimals(rng.integers(100, 400, n) * 100 + rng.integers(0, 4, n) * 25),
            "notes": _notes(rng, n),
        }
    )
    return conform(ENTITY, frame, sort=True)


def _change(frame: pd.DataFrame, rows: np.ndarray, field: str) -> None:
    """Change ``field`` at ``rows`` (positions) in place, the way systems drift apart."""
    col = frame.columns.get_loc(field)
    old = frame.iloc[rows, col]
    if field == "hours":
        new = [h + Decimal("0.25") for h in old]
    elif field == "bill_rate":
        new = [r + Decimal("10.00") for r in old]
    elif field == "entry_date":
        new = old + pd.Timedelta(days=1)
    elif field == "billable":
        new = ~old
    elif field == "notes":
        new = [
            (n.upper() if i % 3 == 0 else f"{n} (edited)") if isinstance(n, str) else "a note"
            for i, n in enumerate(old)
        ]
    else:  # ids: another employee / project / time type
        new = [f"{v}X" for v in old]
    frame.iloc[rows, col] = pd.Series(list(new), dtype=frame.dtypes.iloc[col]).to_numpy()


def build(rows: int, seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(intacct, bigtime): ``rows`` each, 1% one-sided, 2% of paired rows changed."""
    rng = np.random.default_rng(seed)
    lost = int(rows * ONE_SIDED)
    full = universe(rng, rows + lost)
    gone = rng.choice(len(full), 2 * lost, replace=False)
    intacct = full.drop(index=gone[:lost]).reset_index(drop=True)
    bigtime = full.drop(index=gone[lost:]).reset_index(drop=True)
    shared = np.flatnonzero(bigtime[KEY].isin(intacct[KEY]).to_numpy())
    changed = rng.choice(shared, int(len(shared) * CHANGED), replace=False)
    for i, field in enumerate(FIELDS):
        _change(bigtime, np.sort(changed[i :: len(FIELDS)]), field)
    return intacct, bigtime


# --- the three contestants, each returning (one-sided a, one-sided b, mismatches per field) ------
Counts = tuple[int, int, dict[str, int]]


def run_recon(a: pd.DataFrame, b: pd.DataFrame) -> Counts:
    ed = diff_entity(ENTITY, a, b)
    per_field = ed.mismatches["field"].value_counts()
    return len(ed.only_in_intacct), len(ed.only_in_bigtime), _per_field(per_field)


def run_datacompy(a: pd.DataFrame, b: pd.DataFrame) -> Counts:
    # Shallow copies: PandasCompare writes normalised join columns back into its inputs.
    cmp = datacompy.PandasCompare(a.copy(deep=False), b.copy(deep=False), join_columns=KEY)
    stats = {s["column"]: int(s["unequal_cnt"]) for s in cmp.column_stats if s["column"] != KEY}
    return len(cmp.df1_unq_rows), len(cmp.df2_unq_rows), _per_field(stats)


def run_merge(a: pd.DataFrame, b: pd.DataFrame) -> Counts:
    m = a.merge(b, on=KEY, how="outer", suffixes=("_i", "_b"), indicator=True)
    both = m[m["_merge"] == "both"]
    stats = {}
    for f in FIELDS:
        x, y = both[f"{f}_i"], both[f"{f}_b"]
        stats[f] = int(((x != y) & ~(x.isna() & y.isna())).sum())
    side = m["_merge"].value_counts()
    return int(side["left_only"]), int(side["right_only"]), _per_field(stats)


def _per_field(counts: Any) -> dict[str, int]:
    return {f: int(counts.get(f, 0)) for f in FIELDS}


# --- measuring --------------------------------------------------------------------------------
def median_seconds(fn: Callable[[], Counts], repeat: int) -> tuple[float, Counts]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    assert result is not None
    return statistics.median(times), result


def _status_kb(name: str) -> int | None:
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return None


def peak_memory(fn: Callable[[], object]) -> tuple[int, int | None]:
    """(tracemalloc peak, peak RSS growth or None) in bytes while ``fn`` runs."""
    gc.collect()
    rss_growth = None
    try:  # Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS
        Path("/proc/self/clear_refs").write_text("5")
        before = _status_kb("VmRSS")
    except OSError:
        before = None
    tracemalloc.start()
    try:
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    after = _status_kb("VmHWM")
    if before is not None and after is not None:
        rss_growth = (after - before) * 1024
    return peak, rss_growth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per contestant (median)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    a, b = build(args.rows)
    inputs = int(a.memory_usage(deep=True).sum() + b.memory_usage(deep=True).sum())
    built = time.perf_counter() - started
    print(f"frames: {len(a):,} + {len(b):,} time entries built in {built:.1f} s; "
          f"inputs {inputs / 1e6:.0f} MB (deep)")  # fmt: skip
    peak, rss = peak_memory(lambda: run_recon(a, b))
    recon_s, recon_c = median_seconds(lambda: run_recon(a, b), args.repeat)
    merge_s, merge_c = median_seconds(lambda: run_merge(a, b), args.repeat)
    dc_s, dc_c = median_seconds(lambda: run_datacompy(a, b), args.repeat)
    print(f"\nmedian of {args.repeat} runs:")
    print(f"  recon diff_entity       {recon_s:7.3f} s")
    print(f"  plain pandas merge      {merge_s:7.3f} s   ratio {merge_s / recon_s:5.1f}x")
    print(f"  datacompy PandasCompare {dc_s:7.3f} s   ratio {dc_s / recon_s:5.1f}x")
    agree = recon_c == merge_c == dc_c
    print(f"\nfindings: only_in_intacct {recon_c[0]:,}, only_in_bigtime {recon_c[1]:,}, "
          f"per field {recon_c[2]}")  # fmt: skip
    print(f"  all three agree: {'yes' if agree else 'NO'}")
    if not agree:
        print(f"  merge: {merge_c}\n  datacompy: {dc_c}")
    worst = max(peak, rss or 0)
    print(f"\nrecon peak memory: tracemalloc {peak / 1e6:.0f} MB, RSS growth "
          f"{'n/a' if rss is None else f'{rss / 1e6:.0f} MB'}; "
          f"{worst / inputs:.2f}x the two inputs ({inputs / 1e6:.0f} MB)")  # fmt: skip
    checks = {
        f"recon >= {TARGET_VS_DATACOMPY:g}x faster than datacompy": dc_s / recon_s
        >= TARGET_VS_DATACOMPY,
        f"recon >= {TARGET_VS_MERGE:g}x faster than plain merge": merge_s / recon_s
        >= TARGET_VS_MERGE,
        f"peak memory < {TARGET_MEMORY:g}x inputs": worst < TARGET_MEMORY * inputs,
        "recon, merge and datacompy agree": agree,
    }
    print()
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    missed = [name for name, ok in checks.items() if not ok]
    print(f"\ntargets: {'all met' if not missed else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
