"""The steps of a write transaction: each runs inside the caller's ``BEGIN IMMEDIATE``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from recon import ledger
from recon.errors import StoreConflict
from recon.ledger import LedgerEntry
from recon.plan.model import DecisionKind
from recon.store import plans
from recon.store.records import (
    LEDGER_ACTIONS,
    LOCKED,
    Decision,
    OutboxItem,
    State,
    detail_text,
    new_idem_key,
)

OUTBOX_COLUMNS = (
    "o.run_id, o.change_id, o.idem_key, o.state, o.attempts, o.remote_id, o.error, o.updated_at"
)


def approved_outbox(db: sqlite3.Connection, run_id: str) -> list[OutboxItem]:
    """The outbox rows of ``run_id`` whose change is approved now, in plan order."""
    rows = db.execute(
        f"SELECT {OUTBOX_COLUMNS} FROM outbox o "  # noqa: S608 -- fixed names
        "JOIN plan_changes p USING (run_id, change_id) "
        "JOIN decisions d USING (run_id, change_id) "
        "WHERE o.run_id = ? AND d.decision = 'approve' ORDER BY p.pos",
        (run_id,),
    ).fetchall()
    return [OutboxItem(*r) for r in rows]


def run_row(db: sqlite3.Connection, run_id: str) -> tuple[str, str]:
    row = db.execute("SELECT run_id, prepared_by FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    if row is None:
        raise StoreConflict(f"unknown run {run_id!r}; save_run first")
    return row[0], row[1]


def stored_change(db: sqlite3.Connection, run_id: str, change_id: str) -> dict[str, Any]:
    row = db.execute(
        "SELECT body FROM plan_changes WHERE run_id = ? AND change_id = ?", (run_id, change_id)
    ).fetchone()
    if row is None:
        raise StoreConflict(f"run {run_id!r} has no change {change_id!r}")
    return json.loads(row[0])


def outbox_item(db: sqlite3.Connection, run_id: str, change_id: str) -> OutboxItem | None:
    row = db.execute(
        f"SELECT {OUTBOX_COLUMNS} FROM outbox o WHERE o.run_id = ? AND o.change_id = ?",  # noqa: S608
        (run_id, change_id),
    ).fetchone()
    return None if row is None else OutboxItem(*row)


def ledger_entry(body: Mapping[str, Any], **kwargs: Any) -> LedgerEntry:
    before, after = plans.field_values(body)
    return LedgerEntry(
        change_id=body["change_id"],
        entity=body["entity"],
        key=body["key"],
        target=body["target"],
        before=before,
        after=after,
        **kwargs,
    )


def decide_step(
    db: sqlite3.Connection,
    run_id: str,
    change_id: str,
    decision: DecisionKind,
    by: str,
    comment: str,
    rule: str | None,
) -> Decision:
    body = stored_change(db, run_id, change_id)
    if decision == "approve" and not body["pushable"]:
        # An approval of what recon never pushes would read as "queued" forever.
        where = f" ({body['note']})" if body.get("note") else ""
        raise StoreConflict(
            f"{body.get('noun') or body['entity'].replace('_', ' ')} {body['key'] or '(no id)'} "
            "is for review only: "
            f"recon cannot push it{where}. It is on the to-do-by-hand list; make the change "
            "there by hand (or reject or defer it here)"
        )
    box = outbox_item(db, run_id, change_id)
    if box is not None and box.state in LOCKED:
        raise StoreConflict(
            f"change {change_id} was already sent (state {box.state}); a decision now would "
            "not undo it"
        )
    entry = ledger_entry(
        body,
        actor=by,
        action="decided",
        run_id=run_id,
        outcome=decision,
        detail=detail_text(comment, rule),
    )
    seq, at = ledger.append(db, entry)
    db.execute(
        "INSERT INTO decisions (run_id, change_id, decision, by, at, comment, rule, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, change_id) DO UPDATE SET "
        "decision = excluded.decision, by = excluded.by, at = excluded.at, "
        "comment = excluded.comment, rule = excluded.rule, seq = excluded.seq",
        (run_id, change_id, decision, by, at, comment, rule, seq),
    )
    if decision == "approve":
        queue_step(db, run_id, change_id, box, at)
    return Decision(run_id, change_id, decision, by, at, comment, rule, seq)


def queue_step(
    db: sqlite3.Connection, run_id: str, change_id: str, box: OutboxItem | None, at: str
) -> None:
    """Put an approved change in the outbox: its key is made now, once, and kept forever."""
    if box is None:
        db.execute(
            "INSERT INTO outbox (run_id, change_id, idem_key, state, updated_at) "
            "VALUES (?, ?, ?, 'pending', ?)",
            (run_id, change_id, new_idem_key(), at),
        )
    elif box.state in ("failed", "stale"):
        db.execute(
            "UPDATE outbox SET state = 'pending', error = NULL, updated_at = ? "
            "WHERE run_id = ? AND change_id = ?",
            (at, run_id, change_id),
        )


def mark_step(
    db: sqlite3.Connection,
    current: OutboxItem,
    state: State,
    remote_id: str | None,
    error: str | None,
    by: str,
) -> OutboxItem:
    remote = remote_id if remote_id is not None else current.remote_id
    # The error describes the state it came with; a new attempt or success clears it.
    err = error if state in ("failed", "stale", "unknown") else None
    attempts = current.attempts + (state == "sending")
    body = stored_change(db, current.run_id, current.change_id)
    entry = ledger_entry(
        body,
        actor=by,
        action=LEDGER_ACTIONS[state],
        run_id=current.run_id,
        outcome=state,
        remote_id=remote or "",
        detail=err or "",
    )
    _, at = ledger.append(db, entry)
    db.execute(
        "UPDATE outbox SET state = ?, attempts = ?, remote_id = ?, error = ?, updated_at = ? "
        "WHERE run_id = ? AND change_id = ?",
        (state, attempts, remote, err, at, current.run_id, current.change_id),
    )
    return OutboxItem(
        current.run_id, current.change_id, current.idem_key, state, attempts, remote, err, at
    )


def carry_step(db: sqlite3.Connection, run_id: str) -> list[Decision]:
    """Decide the changes of ``run_id`` as they were last decided in earlier runs of its
    profile (see :meth:`recon.store.Store.carry_decisions`)."""
    profile = db.execute("SELECT profile FROM runs WHERE run_id = ?", (run_id,)).fetchone()[0]
    rows = db.execute(
        "SELECT d.change_id, d.decision, d.by, d.at, d.comment, d.run_id, o.state "
        "FROM decisions d JOIN runs r ON r.run_id = d.run_id "
        "LEFT JOIN outbox o ON o.run_id = d.run_id AND o.change_id = d.change_id "
        "WHERE r.profile = ? AND d.run_id != ? "
        "AND d.change_id IN (SELECT change_id FROM plan_changes WHERE run_id = ?) "
        "AND d.change_id NOT IN (SELECT change_id FROM decisions WHERE run_id = ?) "
        "ORDER BY d.seq",
        (profile, run_id, run_id, run_id),
    ).fetchall()
    latest = {r[0]: r for r in rows}  # ordered by ledger seq: the last one is the latest
    out = []
    for change_id, decision, by, at, comment, source, state in latest.values():
        if decision == "approve" and state not in (None, "pending"):
            continue  # sent (or refused): a new look is needed, never a blind second send
        rule = f"carried over from run {source}: {decision} by {by} at {at}"
        out.append(decide_step(db, run_id, change_id, decision, by, comment, rule))
    return out
