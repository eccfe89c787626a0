"""Push benchmark: changes per second pushed to the sandboxes, against the latency floor.

Prints figures only (no target, exit 0). For each plan the push runs with 100 ms latency
injected on every request of both sandboxes; the floor is what batching and latency
allow: the push runs one request at a time, so the floor is ``requests the push made x
latency``, requests counted by the sandboxes (each request meets the latency rule once:
its ``fault:latency`` count). What batching leaves per change (see ``recon.push.engine``):

* Intacct: the stale-guard read (one ``query``), plus the reads an update resends (a
  timesheet's entries, an invoice's lines); the writes go ``--batch-size`` changes
  (default ``recon.push.DEFAULT_BATCH_SIZE``, 20) to a request, one function each, so
  ``ceil(changes / batch)`` write requests where one per change went before;
* BigTime (no batch API): the stale-guard read and one write request or more per change.

That floor is serial: the BigTime writer reads record details a few at a time (its
client's concurrency), so on a BigTime-heavy plan the wall time can fall below it. The
ratio wall / floor shows what the client, the store (a durable write before and after
each send) and the sandboxes' work add on top of waiting. ``--batch-size 1`` sends one
change per request, as the push did before it batched (the "before" figures).

Figures on the shared 2-core build machine, other work running (noisy), two runs each;
batch size 1 gives what the push did before batching (the code before it measured the same:
466 requests, 3.70 changes/s on plan b):

====  =====  =======================================  ==========  ===========
plan  batch  requests: all (Intacct; its writes)      changes/s   floor c/s
====  =====  =======================================  ==========  ===========
(a)   1      166 (35; 11 write requests)              2.28, 2.36  1.87
(a)   20     156 (25; 1 write request)                2.58, 2.63  1.99
(b)   1      466 (335; 161 write requests)            3.72, 3.68  3.88
(b)   20     314 (183; 9 write requests)              5.45, 5.55  5.76
====  =====  =======================================  ==========  ===========

Plan (a) is BigTime-bound (131 of its requests); on plan (b) batching cuts Intacct's write
requests from 161 to 9 and the wall time by about a third. What is left on Intacct is one
stale-guard read per change: the next floor to lower (several ``query`` functions per
request would allow it too).

Plans:

(a) the demo firm's plan at ``scale=1``, every pushable change approved (~30 changes);
(b) a bigger one: the same firm with ``--extra`` time entries removed from the Intacct
    store copy before the pull, so the plan also holds that many time entries to create
    in Intacct.

The sandboxes run in a process of their own (``recon sandbox``), as in
``benchmarks/bigtime_pull.py``: their work must not compete with the push for one
interpreter.

Usage::

    .venv/bin/python benchmarks/push.py [--extra 150] [--batch-size 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from sandbox_process import sandbox_process

from recon.config import sandbox_profile
from recon.pipeline import pull_both, reconcile
from recon.plan import make_plan
from recon.push import DEFAULT_BATCH_SIZE, open_writers, push
from recon.sandbox.faults import RemoteFaults
from recon.sandbox.intacct.store import DB_NAME as INTACCT_DB
from recon.sandbox.seed import DEFAULT_SEED, prepare
from recon.store import Store

LATENCY = 0.100
START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
RUN = "bench-push"


def drop_time_entries(data: Path, n: int) -> int:
    """Remove ``n`` time entries from the Intacct store copy (before any sandbox opens it)."""
    with sqlite3.connect(data / INTACCT_DB) as db:
        ids = [r[0] for r in db.execute('SELECT RECORDNO FROM "TIMESHEETENTRY" LIMIT ?', (n,))]
        db.executemany('DELETE FROM "TIMESHEETENTRY" WHERE RECORDNO = ?', [(i,) for i in ids])
    return len(ids)


def one_plan(label: str, data: Path, batch_size: int) -> None:
    with sandbox_process(str(data)) as (ia_url, bt_url):
        profile = sandbox_profile(intacct_url=ia_url, bigtime_url=bt_url)
        rec = reconcile(pull_both(profile, START, END))
        plan = make_plan(rec.diff, rec.intacct, rec.bigtime, run_id=RUN)
        store = Store(data.parent / f"{label}.sqlite3")
        store.save_run(RUN, profile="sandbox", prepared_by="bench")
        store.save_plan(plan)
        ids = [c.change_id for c in plan.changes if c.pushable]
        store.decide_many(RUN, ids, "approve", by="approver")
        faults = [RemoteFaults(ia_url), RemoteFaults(bt_url)]
        with open_writers(profile) as writers:
            for f in faults:
                f.counters(reset=True)
                f.add("latency", seconds=LATENCY)
            try:
                start = time.perf_counter()
                report = push(store, RUN, writers, by="bench", batch_size=batch_size)
                wall = time.perf_counter() - start
            finally:
                for f in faults:
                    f.clear()
        counted = [f.counters() for f in faults]
    per_system = [c.get("fault:latency", 0) for c in counted]  # one per request served
    # The client sends each Intacct read (and the sign-in) as a request of one function;
    # what is left of the requests carried the write functions.
    writes = ("create", "update", "delete")
    functions = sum(n for k, n in counted[0].items() if k in writes)
    reads = sum(n for k, n in counted[0].items() if k not in writes and not k.startswith("fault:"))
    to_intacct = sum(c.pushable and c.target == "intacct" for c in plan.changes)
    requests = sum(per_system)
    counts = {k: v for k, v in report.counts().items() if v}
    done = counts.get("applied", 0)
    floor = requests * LATENCY
    print(
        f"\n({label}) {len(ids)} pushable changes approved ({to_intacct} to Intacct), "
        f"batch size {batch_size}; outcomes {counts}"
    )
    print(
        f"    requests: Intacct {per_system[0]} ({reads} reads, {per_system[0] - reads} "
        f"write requests carrying {functions} functions), BigTime {per_system[1]}"
    )
    print(f"    {requests} requests, wall {wall:.2f} s, floor {floor:.2f} s "
          f"({requests / max(len(ids), 1):.2f} requests per change), wall/floor "
          f"{wall / floor:.2f}x")  # fmt: skip
    print(f"    {done / wall:.2f} changes/s pushed; floor allows {done / floor:.2f} changes/s")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--extra", type=int, default=150, help="time entries for plan (b)")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                   help="Intacct changes per request (1: one per request)")  # fmt: skip
    args = p.parse_args(argv)
    print(f"push to the sandboxes, scale 1, {LATENCY * 1000:.0f} ms latency per request")
    with tempfile.TemporaryDirectory(prefix="recon-bench-push-") as tmp:
        small = Path(tmp) / "a" / "data"
        prepare(small, scale=1, seed=DEFAULT_SEED)
        one_plan("a", small, args.batch_size)
        big = Path(tmp) / "b" / "data"
        prepare(big, scale=1, seed=DEFAULT_SEED)
        removed = drop_time_entries(big, args.extra)
        print(f"\n(b) {removed} time entries removed from the Intacct copy")
        one_plan("b", big, args.batch_size)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
