"""Requests per run, first and second, against a slow network: prints figures, no test.

For each scale asked (default 1 and 40; 40 is about a million time entries), the demo firm is
seeded, served by ``recon sandbox`` in a child process with ``--latency`` (default 200 ms)
injected on every request of both sandboxes, and reconciled for the year 2025 twice through
``recon.job.reconcile_run``:

1. a **first run** (no snapshot: everything is pulled);
2. a **second run** after 1% of the records changed while the sandboxes were stopped, as a
   person would change them in each system: 1% of Intacct's time entries, customers,
   projects, employees and invoices (a description, stamped WHENMODIFIED now) and 1% of
   BigTime's clients, projects and staff (notes or title, stamped DtModified now).

Printed per run: the requests each system received (recon's own count, equal to the
sandboxes'; tests/scenarios/test_requests_counted.py), the wall time and the findings, then
the issue-15 targets with PASS/FAIL:

- BigTime requests of a first run at scale 1 under 300;
- Intacct requests of a second run at most 2% of the first's plus the deletion checks
  (recon counts a changed object's records in one request instead of listing their keys;
  the listing is read only when the count differs);
- the second run's wall time at most 10% of the first's at scale 40.

(Named so, not ``requests.py``: run as a script, that file would shadow the ``requests``
library for everything the script imports.)

Usage::

    .venv/bin/python benchmarks/requests_per_run.py [--scales 1,40] [--latency 0.2] [--data DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sandbox_process import sandbox_process

from recon.config import SANDBOX_BIGTIME_URL_ENV, SANDBOX_INTACCT_URL_ENV
from recon.job import reconcile_run
from recon.sandbox.bigtime.store import BigtimeStore
from recon.sandbox.faults import RemoteFaults
from recon.sandbox.intacct.store import IntacctStore
from recon.sandbox.intacct.values import now_storage
from recon.sandbox.seed import prepare
from recon.store import Store

YEAR = {"start": "2025-01-01", "end": "2025-12-31"}
#: Intacct object -> the text field a person edits.
INTACCT_EDITS = {
    "TIMESHEETENTRY": "DESCRIPTION",
    "CUSTOMER": "NAME",
    "PROJECT": "DESCRIPTION",
    "EMPLOYEE": "TITLE",
    "ARINVOICE": "DESCRIPTION",
}
#: BigTime record kind -> the field a person edits.
BIGTIME_EDITS = {"client": "Notes", "project": "Notes", "staff": "Title"}


def change_one_percent(data: Path) -> dict[str, int]:
    """Edit every hundredth record of each kind in both sandboxes' stores (stopped)."""
    changed: dict[str, int] = {}
    ia = IntacctStore(data)
    stamp = now_storage(dt.datetime.now(dt.UTC))
    try:
        for obj, field in INTACCT_EDITS.items():
            recnos = ia.first(obj, ia.count(obj))[::100]
            with ia.transaction():
                for recno in recnos:
                    ia.update(obj, recno, {field: f"edited {recno}", "WHENMODIFIED": stamp})
            changed[f"Intacct {obj}"] = len(recnos)
    finally:
        ia.close()
    bt = BigtimeStore(data)
    for kind, field in BIGTIME_EDITS.items():
        records = bt.records(kind)[::100]
        with bt.transaction():
            for rec in records:
                rec[field] = f"edited {len(changed)}"
                rec["DtModified"] = bt.now()
                bt.put_record(kind, rec)
        changed[f"BigTime {kind}"] = len(records)
    return changed


def one_run(data: Path, scale: int, state: Path, latency: float, name: str) -> dict[str, Any]:
    with sandbox_process(str(data), scale) as (ia_url, bt_url):
        os.environ.update({SANDBOX_INTACCT_URL_ENV: ia_url, SANDBOX_BIGTIME_URL_ENV: bt_url})
        faults = [RemoteFaults(ia_url), RemoteFaults(bt_url)]
        for f in faults:
            f.add("latency", seconds=latency)
        clock = time.perf_counter()
        run = reconcile_run("sandbox", **YEAR, store=Store(state / "recon.sqlite3"),
                            output_dir=state / name)  # fmt: skip
        wall = time.perf_counter() - clock
    by_endpoint = run.summary["requests_by_endpoint"]
    return {
        "requests": run.summary["requests"],
        "by_endpoint": by_endpoint,
        "wall": wall,
        "findings": run.summary["findings"],
        "pull": run.summary["pull"],
        "seconds": dict(run.seconds),
    }


def show(scale: int, name: str, r: dict[str, Any]) -> None:
    req = r["requests"]
    print(f"  scale {scale:>2} {name:<6} Intacct {req.get('Intacct', 0):>6,}  "
          f"BigTime {req.get('BigTime', 0):>6,}  wall {r['wall']:7.1f} s  "
          f"findings {r['findings']:>7,}  ({r['pull']['mode']}: {r['pull']['why']})")  # fmt: skip
    print("           of which " + ", ".join(f"{k} {v:.1f} s" for k, v in r["seconds"].items()))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,40")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--data", type=Path, default=None, help="keep seeded firms here")
    args = parser.parse_args()
    print(f"requests per run, year 2025, {args.latency * 1000:.0f} ms latency per request")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.data or Path(tmp)
        for scale in (int(s) for s in args.scales.split(",")):
            data = root / f"scale{scale}"
            clock = time.perf_counter()
            prepare(data, scale=scale)
            print(f"\nscale {scale}: seeded in {time.perf_counter() - clock:.0f} s")
            state = Path(tmp) / f"state{scale}"
            state.mkdir(parents=True, exist_ok=True)
            os.environ.update({"RECON_DATA_DIR": str(state), "RECON_RUNS_DIR": str(state)})
            first = one_run(data, scale, state, args.latency, "first")
            show(scale, "first", first)
            changed = change_one_percent(data)
            print("  changed: " + ", ".join(f"{k} {n:,}" for k, n in changed.items()))
            second = one_run(data, scale, state, args.latency, "second")
            show(scale, "second", second)
            asked = second["by_endpoint"].get("Intacct", {})
            print("  second run, Intacct: " + ", ".join(f"{k} {n}" for k, n in asked.items()))
            report(scale, first, second)


def report(scale: int, first: dict[str, Any], second: dict[str, Any]) -> None:
    bt_first = first["requests"].get("BigTime", 0)
    ia_first = first["requests"].get("Intacct", 0)
    ia_second = second["requests"].get("Intacct", 0)
    if scale == 1:
        print(f"  target: BigTime first run < 300 requests: {bt_first} {verdict(bt_first < 300)}")
    allowed = 0.02 * ia_first
    print(f"  Intacct second / first: {ia_second} / {ia_first} = {ia_second / ia_first:.1%} "
          f"(2% is {allowed:.0f}; besides the changes, a second run signs in, reads each "
          "one-page object whole and counts each larger one)")  # fmt: skip
    ratio = second["wall"] / first["wall"]
    line = f"  wall second / first: {second['wall']:.1f} / {first['wall']:.1f} s = {ratio:.1%}"
    if scale >= 40:
        line += f" (target <= 10%) {verdict(ratio <= 0.10)}"
    print(line)


if __name__ == "__main__":
    main()
