"""Month close on the demo firm: differences and wall time for October against the year.

Serves a fresh copy of the demo firm (scale 1) with both sandboxes on loopback and runs
``recon.job.reconcile_run`` for October 2025 and for the year 2025, each twice (the first
run warms the sandboxes' caches), printing the differences found, the requests each
system answered, and the wall time of the second run.

    .venv/bin/python benchmarks/month_close.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from recon.demo import demo_environment
from recon.job import reconcile_run
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.seed import prepare
from recon.store import Store

PERIODS = {"October 2025": ("2025-10-01", "2025-10-31"), "Year 2025": ("2025-01-01", "2025-12-31")}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "demo"
        prepare(data, scale=1)
        with IntacctSandbox(data, port=0) as ia, BigtimeSandbox(data, port=0) as bt:
            os.environ.update(demo_environment(data, ia.url, bt.url))
            store = Store(data / "recon.sqlite3")
            print(f"{'period':<14} {'differences':>11} {'Intacct req':>11} {'BigTime req':>11} "
                  f"{'wall s':>7}")  # fmt: skip
            for label, (start, end) in PERIODS.items():
                reconcile_run("sandbox", start=start, end=end, store=store)  # warm-up
                ia.counters.reset()
                bt.counters.reset()
                clock = time.perf_counter()
                run = reconcile_run("sandbox", start=start, end=end, store=store)
                wall = time.perf_counter() - clock
                ia_n = ia.counters.snapshot(all=True).get("http:requests", 0)
                bt_n = bt.counters.snapshot(all=True).get("http:requests", 0)
                print(f"{label:<14} {run.summary['findings']:>11,} {ia_n:>11,} {bt_n:>11,} "
                      f"{wall:>7.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
