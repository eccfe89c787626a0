"""Pushing the demo firm's whole approved plan leaves only what was not approved.

The plan comes from a real pull of the demo firm (``reviewed``); the push goes to a private
copy over HTTP; a fresh pull, diff and plan afterwards must show exactly the findings of the
rejected, deferred and review-only changes -- nothing approved is left, nothing new appears.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from recon.plan import Change, Plan
from recon.push import DEFAULT_BATCH_SIZE, Outcome, push
from recon.push.writers import Writer
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

Finding = tuple[str, str, str]


def pick(plan: Plan, entity: str, action: str, target: str) -> Change:
    return next(
        c for c in plan.changes if (c.entity, c.action, c.target) == (entity, action, target)
    )


def finding_set(
    findings: pd.DataFrame, records: Iterable[tuple[str, str]] | None = None
) -> set[Finding]:
    """``(entity, key, field)`` of every finding (of the given records only, if named)."""
    wanted = None if records is None else set(records)
    out = set()
    for row in findings.itertuples(index=False):
        key = "" if row.key is None or pd.isna(row.key) else str(row.key)
        field = "" if row.field is None or pd.isna(row.field) else str(row.field)
        if wanted is None or (row.entity, key) in wanted:
            out.add((row.entity, key, field))
    return out


def test_the_approved_plan_lands_once_and_only_the_rest_is_left(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    plan = reviewed.plan
    # Time on approved Intacct sheets is refused at push as review only (test_timesheets).
    locked = [c for c in plan.changes if c.entity == "time_entry" and c.key in LOCKED_TIME]
    picked = [
        pick(plan, "customer", "update", "bigtime"),
        pick(plan, "time_entry", "update", "intacct"),
        *locked,
    ]
    reject = list({c.change_id: c for c in picked}.values())
    defer = [pick(plan, "invoice", "update", "intacct")]
    store = stored_run(
        tmp_path / "recon.sqlite3",
        plan,
        reject=[c.change_id for c in reject],
        defer=[c.change_id for c in defer],
    )
    approved = [
        c for c in plan.changes if c.change_id in {i.change_id for i in store.outbox(PUSH_RUN)}
    ]
    assert len(reject) == 1 + len(LOCKED_TIME)  # the time update picked is one of them
    assert len(approved) == sum(c.pushable for c in plan.changes) - 1 - len(reject)
    assert {c.target for c in approved} == {"intacct", "bigtime"}
    assert {c.action for c in approved} >= {"create", "update"}

    seen: list[tuple[int, int, Outcome]] = []
    systems.intacct.faults.add("latency", seconds=0, only="write")  # counts write requests
    report = push(
        store, PUSH_RUN, writers, by="pusher", progress=lambda d, t, o: seen.append((d, t, o))
    )

    nothing_else = {"failed": 0, "stale": 0, "unknown": 0, "held": 0, "skipped": 0}
    not_applied = report.frame().query("state != 'applied'")
    assert report.counts() == {"applied": len(approved), **nothing_else}, not_applied
    done = [o.change_id for o in report.outcomes]
    for system in ("intacct", "bigtime"):  # each system's changes in plan order
        mine = [c.change_id for c in approved if c.target == system]
        assert [i for i in done if i in mine] == mine, system
    assert sorted(done) == sorted(c.change_id for c in approved)
    # Intacct's changes (fewer than a batch, none waiting for another) went in one request,
    # each function with its own result.
    served = systems.intacct.counters.snapshot()
    in_intacct = [c for c in approved if c.target == "intacct"]
    assert DEFAULT_BATCH_SIZE >= len(in_intacct) > 1
    assert served["fault:latency"] == 1
    assert served.get("create", 0) + served.get("update", 0) == len(in_intacct)
    assert [(d, t) for d, t, _ in seen] == [(n, len(approved)) for n in range(1, len(approved) + 1)]
    assert [o for _, _, o in seen] == list(report.outcomes)
    for item in store.outbox(PUSH_RUN):  # each change sent once and applied, with its id
        assert (item.state, item.attempts) == ("applied", 1), item
        assert item.remote_id, item
    assert store.verify_ledger().ok
    ledger = store.ledger(PUSH_RUN)
    pushed = ledger[ledger["action"].eq("pushed")]
    assert sorted(pushed["change_id"]) == sorted(c.change_id for c in approved)
    assert (ledger["action"].eq("sending")).sum() == len(approved)
    assert set(pushed["actor"]) == {"pusher"}
    frame = report.frame()
    assert list(frame["state"].unique()) == ["applied"]
    assert set(frame["entity"]) == {c.entity for c in approved}

    after = reconcile_now(profile_of(systems))

    left = [c for c in plan.changes if c not in approved]
    want = finding_set(reviewed.findings, ((c.entity, c.key) for c in left))
    assert want and len(want) < len(finding_set(reviewed.findings))
    assert finding_set(after.findings) == want
    # The same diff gives the same ids: what is left is exactly the changes not approved.
    assert {c.change_id for c in after.plan.changes} == {c.change_id for c in left}
    for change in approved:
        if change.action == "create":
            assert copies(systems, change) == 1, change.label


def test_a_second_push_of_the_run_does_nothing(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    plan = reviewed.plan
    chosen = [
        c
        for c in plan.changes
        if c.pushable and c.entity in ("customer", "time_entry") and c.key not in LOCKED_TIME
    ]
    store = stored_run(tmp_path / "recon.sqlite3", plan, approve=[c.change_id for c in chosen])
    first = push(store, PUSH_RUN, writers)
    assert first.counts()["applied"] == len(chosen) > 2

    ledger_rows = len(store.ledger())
    outbox = store.outbox(PUSH_RUN)
    served = (systems.intacct.counters.snapshot(), systems.bigtime.counters.snapshot())
    calls: list[object] = []
    again = push(store, PUSH_RUN, writers, progress=lambda *a: calls.append(a))

    assert again.outcomes == () and calls == []
    assert again.counts() == dict.fromkeys(
        ("applied", "failed", "stale", "unknown", "held", "skipped"), 0
    )
    assert store.outbox(PUSH_RUN) == outbox
    assert len(store.ledger()) == ledger_rows
    # Not even a read: nothing was left to do.
    assert (systems.intacct.counters.snapshot(), systems.bigtime.counters.snapshot()) == served
