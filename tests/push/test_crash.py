"""A push of the demo firm's plan killed at every step in turn, resumed, and checked.

The sandboxes run here (loopback, port 0) over a copy of the seeded demo firm; the plan is
the demo firm's, from a real pull (``reviewed``), approved in a store file (one change
rejected, one deferred). Each push runs in a child process (``crash_runner.py``) that
kills itself with SIGKILL at one step of one change: before / after each store write
(``sending``, ``applied``), just before an Intacct batch leaves (every change of it marked
``sending``), right after the write landed remotely but before the store knows it (for a
batch: the whole batch), right after a resume's settle answered (for a batch: the batch
resent, the functions that ran refused as replays). Then a fresh child pushes to the end.
Intacct changes go :data:`CRASH_BATCH` to a request, so the plan's Intacct changes make
several batches and kills land on the first, a middle and the last change of a batch.

Kill points chosen (the full set, ~4-9 children per change, would take minutes): one
change of each (entity, action, target) kind in the plan -- every kind of write the push
makes; BigTime's kinds first (see :func:`kinds_of`) --, taken when its chain starts: the
first of its kind still pending (else one still in doubt: an earlier chain's batch may
have carried it). For each chosen change the children are killed at *every* step of its
life in turn, each child resuming what the one before left: the next child dies at the
change's first step not killed at yet, until the change is applied. A chain whose change
is still pending starts, in turn per system, "before sending", "just before the batch
leaves" or "the write landed, not recorded", so each point is met from a fresh send and
from a resume. Every other change of the plan is pushed by the children on the way, so
the whole plan is pushed across the kills.

End state: the outbox all applied, the ledger verifies, a fresh pull + reconcile shows
exactly the findings of the rejected, deferred and review-only changes, each create's
record is there once, and the record counts of both sandboxes are the counts before plus
the approved creates (nothing created twice, nothing else touched).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from recon.plan import Change, Plan
from recon.store import Store
from tests.push.conftest import (
    LOCKED_TIME,
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
#: Intacct changes per request in the children: the plan's ten make four batches.
CRASH_BATCH = 3
#: Where a chain whose change is still pending starts, in turn per system: before
#: sending; just before its batch leaves (every change of it marked sending); the write
#: landed, not recorded. (BigTime sends no batches: its second start is its third.)
STARTS: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset({"send:mark:sending:before", "send:mark:sending:after"}),
    frozenset({"send:mark:sending:before", "send:mark:sending:after", "send:apply:before"}),
)
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
Kind = tuple[str, str, str]


@dataclass(frozen=True)
class Kill:
    """One child killed: at which event, and how many rows it left in doubt."""

    event: str
    in_doubt: int


def kind_of(change: Change) -> Kind:
    return (change.entity, change.action, change.target)


def kinds_of(plan: Plan, approved: set[str]) -> list[Kind]:
    """Every (entity, action, target) kind of the approved changes: BigTime's, then
    Intacct's, each in plan order.

    BigTime first: a push holds Intacct changes in an open batch while it goes on with the
    BigTime ones after them, so a child killed at an Intacct change has pushed every
    BigTime change before its batch left; killed at a BigTime change, it leaves the open
    Intacct batch unsent.
    """
    kinds = dict.fromkeys(kind_of(c) for c in plan.changes if c.change_id in approved)
    return sorted(kinds, key=lambda kind: kind[2] != "bigtime")


def one_of(plan: Plan, approved: set[str], kind: Kind, store: Store) -> Change | None:
    """The first approved change of ``kind`` still pending, else one still in doubt."""
    states = {i.change_id: i.state for i in store.outbox(PUSH_RUN)}
    mine = [c for c in plan.changes if c.change_id in approved and kind_of(c) == kind]
    for wanted in ("pending", "sending", "unknown"):
        found = next((c for c in mine if states[c.change_id] == wanted), None)
        if found is not None:
            return found
    return None


def run_child(systems: Systems, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        str(RUNNER),
        "--intacct", systems.intacct.url,
        "--bigtime", systems.bigtime.url,
        "--db", str(db),
        "--run", PUSH_RUN,
        "--batch-size", str(CRASH_BATCH),
        *extra,
    ]  # fmt: skip
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def kill_through(
    systems: Systems, db: Path, store: Store, change: Change, seen: set[str]
) -> list[Kill]:
    """Kill children at each step of ``change`` in turn until it is applied; the kills."""
    died_file = db.with_name("died-at.txt")
    kills: list[Kill] = []
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
        doubt = sum(i.state in ("sending", "unknown") for i in store.outbox(PUSH_RUN))
        kills.append(Kill(event, doubt))
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
    # Time on approved Intacct sheets is refused as review only (test_timesheets): not here.
    locked = [c for c in plan.changes if c.entity == "time_entry" and c.key in LOCKED_TIME]
    reject = [pick(plan, "customer", "update", "bigtime"), *locked]
    defer = [pick(plan, "invoice", "update", "intacct")]
    db = tmp_path / "recon.sqlite3"
    store = stored_run(
        db, plan, reject=[c.change_id for c in reject], defer=[c.change_id for c in defer]
    )
    approved_ids = {i.change_id for i in store.outbox(PUSH_RUN)}
    approved = [c for c in plan.changes if c.change_id in approved_ids]
    kinds = kinds_of(plan, approved_ids)
    assert len(kinds) >= 6 and {k[2] for k in kinds} == {"intacct", "bigtime"}
    ia_before, bt_before = intacct_counts(systems), bigtime_counts(systems)
    adjusted = [c for c in approved if (c.entity, c.action) == ("invoice", "update")]
    lines_before = {c.key: invoice_lines(systems, c.key) for c in adjusted}

    all_kills: dict[str, list[Kill]] = {}
    targets: dict[str, Change] = {}
    turn = Counter[str]()
    for kind in kinds:
        change = one_of(plan, approved_ids, kind, store)
        assert change is not None, f"every {kind} change applied before its chain"
        item = store.item(PUSH_RUN, change.change_id)
        assert item is not None
        seen: set[str] = set()
        if item.state == "pending":
            seen = set(STARTS[turn[change.target] % len(STARTS)])
            turn[change.target] += 1
        targets[change.change_id] = change
        all_kills[change.change_id] = kill_through(systems, db, store, change, seen)
    steps = Counter(k.event.split(":", 1)[1] for kills in all_kills.values() for k in kills)
    # Every kind of kill point was met: before/after "sending", just before a batch left,
    # after the write landed, after a resume's settle said applied, before/after "applied".
    for step in ("mark:sending:before", "mark:sending:after", "apply:before", "apply:after",
                 "settle:applied", "mark:applied:before", "mark:applied:after"):  # fmt: skip
        assert steps[step] > 0, (step, all_kills)
    for change_id, kills in all_kills.items():
        assert kills, targets[change_id].label
    # Batches: killed with a whole Intacct batch marked sending and nothing sent, and with a
    # whole batch landed and not recorded -- each left several rows in doubt, all settled.
    ia_kills = [k for c, kills in all_kills.items() if targets[c].target == "intacct"
                for k in kills]  # fmt: skip
    for event in ("send:apply:before", "send:apply:after"):
        assert any(k.event == event and k.in_doubt > 1 for k in ia_kills), (event, ia_kills)
    assert any(k.event == "resume:settle:applied" for k in ia_kills), ia_kills

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
