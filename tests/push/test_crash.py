"""A push of the demo firm's plan killed at every step in turn, resumed, and checked.

The sandboxes run here (loopback, port 0) over a copy of the seeded demo firm; the plan is
the demo firm's, from a real pull (``reviewed``), approved in a store file (one change
rejected, one deferred). Each push runs in a child process (``crash_runner.py``) that
kills itself with SIGKILL at one step of one change: before / after each store write
(``sending``, ``applied``), right after the write landed remotely but before the store
knows it, right after a resume's settle answered. Then a fresh child pushes to the end.

Kill points chosen (the full set, ~4-9 children per change, would take minutes): one
change of each (entity, action, target) kind in the plan -- every kind of write the push
makes. For each chosen change the children are killed at *every* step of its life in
turn, each child resuming what the one before left: the next child dies at the change's
first step not killed at yet, until the change is applied. Alternate chosen changes start
at "the write landed, not recorded" instead of "before sending", so that point is met
from a fresh send and from a resume. Every other change of the plan is pushed by the
children on the way, so the whole plan is pushed across the kills.

End state: the outbox all applied, the ledger verifies, a fresh pull + reconcile shows
exactly the findings of the rejected, deferred and review-only changes, each create's
record is there once, and the record counts of both sandboxes are the counts before plus
the approved creates (nothing created twice, nothing else touched).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from recon.plan import Change, Plan
from recon.store import Store
from tests.push.conftest import (
    PUSH_RUN,
    ReviewedRun,
    Systems,
    copies,
    profile_of,
    reconcile_now,
    stored_run,
)
from tests.push.test_push_end_state import finding_set, pick
from tests.push.test_push_faults import invoice_lines

RUNNER = Path(__file__).with_name("crash_runner.py")
ROOT = RUNNER.parents[2]
#: Exit code of the runner when the change is already applied (crash_runner.py).
EXIT_ALREADY_APPLIED = 4
#: Steps a chain may start past: it then begins at "the write landed, not recorded".
SEND_MARKS = ("send:mark:sending:before", "send:mark:sending:after")
#: A change's life never has more steps than this (guards against a runaway loop).
MAX_KILLS_PER_CHANGE = 12
#: Intacct objects counted before and after (creates add records; updates add none,
#: except an invoice adjustment, which adds one line).
INTACCT_COUNTED = ("CUSTOMER", "PROJECT", "EMPLOYEE", "TIMESHEETENTRY", "ARINVOICE")
INTACCT_ENTITY = {
    "customer": "CUSTOMER",
    "project": "PROJECT",
    "employee": "EMPLOYEE",
    "time_entry": "TIMESHEETENTRY",
    "invoice": "ARINVOICE",
}
BIGTIME_ENTITY = {"customer": "client", "project": "project", "employee": "staff"}


def chosen(plan: Plan, approved: set[str]) -> list[Change]:
    """One approved change of each (entity, action, target) kind, in plan order."""
    seen: dict[tuple[str, str, str], Change] = {}
    for c in plan.changes:
        if c.change_id in approved:
            seen.setdefault((c.entity, c.action, c.target), c)
    return list(seen.values())


def run_child(systems: Systems, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        str(RUNNER),
        "--intacct", systems.intacct.url,
        "--bigtime", systems.bigtime.url,
        "--db", str(db),
        "--run", PUSH_RUN,
        *extra,
    ]  # fmt: skip
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def kill_through(
    systems: Systems, db: Path, store: Store, change: Change, seen: set[str]
) -> list[str]:
    """Kill children at each step of ``change`` in turn until it is applied; the steps."""
    died_file = db.with_name("died-at.txt")
    kills: list[str] = []
    for _ in range(MAX_KILLS_PER_CHANGE):
        item = store.item(PUSH_RUN, change.change_id)
        assert item is not None
        if item.state == "applied":
            return kills
        died_file.unlink(missing_ok=True)
        kill = ["--change", change.change_id, "--seen", ",".join(sorted(seen))]
        done = run_child(systems, db, *kill, "--died-file", str(died_file))
        assert done.returncode == -9, (change.label, done.returncode, done.stdout, done.stderr)
        event = died_file.read_text(encoding="utf-8")
        assert event not in seen
        seen.add(event)
        kills.append(event)
        if change.action == "create":  # never twice, whatever point it died at
            assert copies(systems, change) <= 1, (change.label, kills)
    raise AssertionError(f"{change.label} not applied after {kills}")


def intacct_counts(systems: Systems) -> dict[str, int]:
    return {obj: systems.ia.count(obj) for obj in INTACCT_COUNTED}


def bigtime_counts(systems: Systems) -> dict[str, int]:
    db = systems.bigtime.store
    counts = {
        str(k): int(n) for k, n in db.query("SELECT kind, COUNT(*) FROM record GROUP BY kind")
    }
    counts["time"] = int(db.one("SELECT COUNT(*) FROM time")[0])
    counts["team"] = int(db.one("SELECT COUNT(*) FROM team")[0])
    return counts


def test_a_push_killed_at_every_step_in_turn_finishes_exactly_once(
    systems: Systems, reviewed: ReviewedRun, tmp_path: Path
) -> None:
    plan = reviewed.plan
    reject = [pick(plan, "customer", "update", "bigtime")]
    defer = [pick(plan, "invoice", "update", "intacct")]
    db = tmp_path / "recon.sqlite3"
    store = stored_run(
        db, plan, reject=[c.change_id for c in reject], defer=[c.change_id for c in defer]
    )
    approved_ids = {i.change_id for i in store.outbox(PUSH_RUN)}
    approved = [c for c in plan.changes if c.change_id in approved_ids]
    targets = chosen(plan, approved_ids)
    assert len(targets) >= 6 and {c.target for c in targets} == {"intacct", "bigtime"}
    ia_before, bt_before = intacct_counts(systems), bigtime_counts(systems)
    adjusted = [c for c in approved if (c.entity, c.action) == ("invoice", "update")]
    lines_before = {c.key: invoice_lines(systems, c.key) for c in adjusted}

    all_kills: dict[str, list[str]] = {}
    for n, change in enumerate(targets):
        seen = set() if n % 2 == 0 else set(SEND_MARKS)
        all_kills[change.change_id] = kill_through(systems, db, store, change, seen)
    kinds = Counter(e.split(":", 1)[1] for kills in all_kills.values() for e in kills)
    # Every kind of kill point was met: before/after "sending", after the write landed,
    # after a resume's settle said applied, before/after "applied".
    for step in ("mark:sending:before", "mark:sending:after", "apply:after",
                 "settle:applied", "mark:applied:before", "mark:applied:after"):  # fmt: skip
        assert kinds[step] > 0, (step, all_kills)
    for change in targets:
        assert all_kills[change.change_id], change.label

    final = run_child(systems, db)  # the resume that finishes the job
    assert final.returncode == 0, final.stderr

    store = Store(db)  # reopened: what the children left on disk
    outbox = store.outbox(PUSH_RUN)
    assert {i.change_id for i in outbox} == approved_ids
    assert {i.state for i in outbox} == {"applied"}, [i for i in outbox if i.state != "applied"]
    assert all(i.remote_id for i in outbox)
    assert store.verify_ledger().ok
    ledger = store.ledger(PUSH_RUN)
    pushed = ledger[ledger["action"].eq("pushed")]
    assert sorted(pushed["change_id"]) == sorted(approved_ids)  # each recorded applied once

    for change in approved:
        if change.action == "create":
            assert copies(systems, change) == 1, change.label
    creates = Counter((c.target, c.entity) for c in approved if c.action == "create")
    want_ia = dict(ia_before)
    for entity, obj in INTACCT_ENTITY.items():
        want_ia[obj] += creates[("intacct", entity)]
    for change in adjusted:  # each invoice adjustment line added once
        assert invoice_lines(systems, change.key) == lines_before[change.key] + 1, change.label
    got_ia = intacct_counts(systems)
    for obj in INTACCT_COUNTED:
        assert got_ia[obj] == want_ia[obj], (obj, ia_before[obj], got_ia[obj])
    want_bt = dict(bt_before)
    for entity, kind in BIGTIME_ENTITY.items():
        want_bt[kind] = want_bt.get(kind, 0) + creates[("bigtime", entity)]
    got_bt = bigtime_counts(systems)
    for kind in ("client", "project", "staff", "task", "invoice", "time"):
        assert got_bt.get(kind, 0) == want_bt.get(kind, 0), (kind, bt_before, got_bt)

    after = reconcile_now(profile_of(systems))
    left = [c for c in plan.changes if c.change_id not in approved_ids]
    want = finding_set(reviewed.findings, ((c.entity, c.key) for c in left))
    assert want and finding_set(after.findings) == want
    assert {c.change_id for c in after.plan.changes} == {c.change_id for c in left}
