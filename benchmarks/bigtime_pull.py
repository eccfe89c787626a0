"""BigTime pull benchmark: prints figures, PASS/FAIL per target. Not part of the test run.

(a) Wall time of ``pull_time`` for twelve months of time, all staff, of the demo firm at
    ``scale=1`` from the BigTime sandbox with 100 ms latency (``--latency``) injected per
    request, against the floor ``requests x latency / concurrency`` (requests counted by the
    sandbox: the staff list plus one time sheet per staffer). Target: within 1.25x of the
    floor at the client's default concurrency. Every level asked for is printed with what
    the waits alone cost (the staff list must come first, and 36 sheets make whole waves):
    at 8 that is already ~1.3x.

(b) Records per second turning the same time-sheet JSON bodies into typed DataFrames
    (``frames.json_to_frame`` body by body, and ``framebuilder.FrameBuilder`` in batches as
    ``pull_time`` does: Decimal money and hours, datetime64 dates, boolean flags, ids as
    strings), beside a plain ``pd.json_normalize(json.loads(body))`` (untyped, float money).
    Reported, no target.

The sandbox runs in a process of its own (``recon sandbox``), as the real service runs on
BigTime's machines: its work must not compete with the client for one interpreter.

Usage::

    .venv/bin/python benchmarks/bigtime_pull.py [--concurrency 1,2,4,8] [--repeat 5]
        [--latency 0.1]

Exit status 1 when the target is missed, 0 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
from sandbox_process import sandbox_process

from recon.bigtime import uncertain
from recon.bigtime.framebuilder import FrameBuilder
from recon.bigtime.frames import json_to_frame
from recon.bigtime.pull import TYPE_BATCH_ROWS, pull_time
from recon.config import sandbox_profile
from recon.connect import bigtime_client
from recon.sandbox.faults import RemoteFaults

LATENCY = 0.100
TARGET_VS_FLOOR = 1.25
START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
URL = re.compile(r"BigTime sandbox: (http://127\.0\.0\.1:\d+/BigtimeData/api/v2)")


def part_a(url: str, levels: list[int], latency: float) -> bool:
    print(f"\n(a) pull twelve months of time, all staff, scale 1, {latency * 1000:.0f} ms latency")
    faults = RemoteFaults(url)
    profile = sandbox_profile(bigtime_url=url).require_bigtime()
    verdicts = []
    default = uncertain.DEFAULT_CONCURRENCY
    if default not in levels:
        levels = sorted({*levels, default})
    with bigtime_client(profile) as bt:
        warm = pull_time(bt, START, END)  # first contact: connections, sandbox caches
        print(f"    {len(warm):,} entries; warm-up without latency done")
        faults.add("latency", seconds=latency)
        try:
            frame = None
            for level in levels:
                faults.counters(reset=True)
                frame = None  # freeing the last level's frame is no part of this pull
                start = time.perf_counter()
                frame = pull_time(bt, START, END, concurrency=level)
                wall = time.perf_counter() - start
                counts = faults.counters()
                requests = sum(n for k, n in counts.items() if not k.startswith("fault:"))
                floor = requests * latency / level
                # What waiting alone costs: the staff list, then ceil(sheets / level) waves.
                waves = (1 + math.ceil((requests - 1) / level)) * latency
                ratio = wall / floor
                ok = ratio <= TARGET_VS_FLOOR and len(frame) == len(warm)
                if level == default:
                    verdicts.append(ok)
                print(f"    concurrency {level}{' (default)' if level == default else ''}: "
                      f"{requests} requests, wall {wall:.2f} s, floor {floor:.2f} s, "
                      f"wall/floor {ratio:.2f}x (target <= {TARGET_VS_FLOOR}x) "
                      f"{'PASS' if ok else 'FAIL'}; waves alone {waves:.2f} s "
                      f"= {waves / floor:.2f}x")  # fmt: skip
        finally:
            faults.clear()
    return all(verdicts)


def _median(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def part_b(url: str, repeat: int) -> None:
    print("\n(b) time-sheet JSON -> DataFrame, same bodies, median of", repeat)
    profile = sandbox_profile(bigtime_url=url).require_bigtime()
    with bigtime_client(profile) as bt:
        sids = [int(s["StaffSID"]) for s in bt.staff(show_inactive=True)]
        bodies = [bt.time_sheet_bytes(sid, START, END) for sid in sids]
    records = sum(len(json.loads(b)) for b in bodies)
    size = sum(len(b) for b in bodies)

    def recon() -> pd.DataFrame:
        return pd.concat([json_to_frame("time", b) for b in bodies], ignore_index=True)

    def batched() -> pd.DataFrame:  # what pull_time does with the sheets
        builder = FrameBuilder("time")
        for body in bodies:
            builder.add(body)
            if builder.pending >= TYPE_BATCH_ROWS:
                builder.flush()
        return builder.frame()

    def normalize() -> pd.DataFrame:
        return pd.concat([pd.json_normalize(json.loads(b)) for b in bodies], ignore_index=True)

    typed = recon()
    assert len(typed) == records and str(typed["Dt"].dtype).startswith("datetime64")
    pd.testing.assert_frame_equal(batched(), typed)
    ours, plain = _median(recon, repeat), _median(normalize, repeat)
    pulls = _median(batched, repeat)
    print(f"    {len(bodies)} bodies, {records:,} entries, {size / 1e6:.1f} MB of JSON")
    print(f"    recon json_to_frame (typed):       {ours * 1000:7.0f} ms  "
          f"{records / ours:>9,.0f} records/s")  # fmt: skip
    print(f"    recon FrameBuilder (typed, pull):  {pulls * 1000:7.0f} ms  "
          f"{records / pulls:>9,.0f} records/s")  # fmt: skip
    print(f"    pd.json_normalize (untyped):       {plain * 1000:7.0f} ms  "
          f"{records / plain:>9,.0f} records/s")  # fmt: skip
    print(f"    ratio recon / json_normalize speed: {plain / ours:.2f}x "
          f"(FrameBuilder {plain / pulls:.2f}x)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", default="1,2,4,8")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--latency", type=float, default=LATENCY, help="seconds per request (a)")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory(prefix="recon-bench-") as tmp:
        started = time.perf_counter()
        with sandbox_process(tmp) as (_, url):
            print(f"sandbox process up (demo firm seeded) in {time.perf_counter() - started:.1f} s")
            ok = part_a(url, levels, args.latency)
            part_b(url, args.repeat)
    print(f"\ntarget: {'MET' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
