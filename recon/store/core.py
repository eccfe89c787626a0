"""The :class:`Store`: runs, plans, decisions, the outbox and the ledger in one SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from recon import ledger
from recon.config import data_dir
from recon.errors import ConfigError, PlanError, StoreConflict
from recon.ledger import LedgerCheck, LedgerEntry
from recon.plan.model import DECISIONS, DecisionKind
from recon.store import plans
from recon.store.records import (
    DEFAULT_FILENAME,
    LEDGER_ACTIONS,
    PUSH_ACTOR,
    TRANSITIONS,
    Decision,
    OutboxItem,
    State,
    check_run_id,
    check_text,
    summary_json,
)
from recon.store.schema import connect, migrate, write
from recon.store.steps import (
    approved_outbox,
    carry_step,
    decide_step,
    mark_step,
    outbox_item,
    run_row,
)

if TYPE_CHECKING:
    import pandas as pd

    from recon.plan import Plan


class Store:
    """recon's state in one SQLite file: runs, plans, decisions, outbox and decision ledger.

    Every write is one short transaction committed (WAL, ``synchronous=FULL``) before the
    method returns, and every decision and every push step appends a hash-chained ledger row
    in that same transaction. Safe to share between threads of one process.

    Parameters
    ----------
    path:
        The database file. Default ``recon.config.data_dir() / "recon.sqlite3"``.
    create:
        Create the file and schema if missing (default). False: only open an existing store
        (``ConfigError`` otherwise) -- what read-only tools such as ``recon ledger`` want.
    require_other_than_preparer:
        Segregation of duties for every :meth:`decide` that does not say otherwise: the person
        deciding must not be the one who prepared the run.

    Examples
    --------
    >>> store = Store(tmp / "recon.sqlite3")                                # doctest: +SKIP
    >>> store.save_run("r1", profile="sandbox", prepared_by="pat", summary={})  # doctest: +SKIP
    >>> store.save_plan(plan)                                               # doctest: +SKIP
    >>> store.decide("r1", plan.changes[0].change_id, "approve", by="jane")    # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        create: bool = True,
        require_other_than_preparer: bool = False,
    ) -> None:
        if path is None:
            path = data_dir() / DEFAULT_FILENAME
        self.path = Path(path)
        self.require_other_than_preparer = require_other_than_preparer
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        migrate(self.path, create=create)

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # --- runs ---------------------------------------------------------------------------------
    def save_run(
        self,
        run_id: str,
        *,
        profile: str,
        prepared_by: str,
        summary: Mapping[str, object] | None = None,
    ) -> None:
        """Record a run (who prepared it, against which profile, a JSON-able summary).

        Saving the same run again with the same profile and preparer is a no-op.

        Raises
        ------
        ConfigError
            Bad values, a Secret anywhere, or the run id already used by another run.
        """
        run_id = check_run_id(run_id)
        profile = check_text(profile, "profile")
        prepared_by = check_text(prepared_by, "prepared_by")
        body = summary_json(summary)
        with write(self.path) as db:
            old = db.execute(
                "SELECT profile, prepared_by FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
            if old is not None:
                if tuple(old) != (profile, prepared_by):
                    raise StoreConflict(f"run {run_id!r} already exists; pick a new run id")
                return
            _, at = ledger.append(
                db,
                LedgerEntry(
                    actor=prepared_by,
                    action="prepared",
                    run_id=run_id,
                    outcome=profile,
                    after=json.loads(body),
                ),
            )
            db.execute(
                "INSERT INTO runs (run_id, at, profile, prepared_by, summary) VALUES (?,?,?,?,?)",
                (run_id, at, profile, prepared_by, body),
            )

    def runs(self) -> pd.DataFrame:
        """Every run, oldest first: run_id, at, profile, prepared_by, changes, summary (dict)."""
        import pandas as pd

        with connect(self.path) as db:
            rows = db.execute(
                "SELECT r.run_id, r.at, r.profile, r.prepared_by, "
                "(SELECT COUNT(*) FROM plan_changes p WHERE p.run_id = r.run_id), r.summary "
                "FROM runs AS r ORDER BY r.n"
            ).fetchall()
        columns = ["run_id", "at", "profile", "prepared_by", "changes", "summary"]
        out = pd.DataFrame([(*r[:5], json.loads(r[5])) for r in rows], columns=columns)
        return out.astype({"changes": "int64"})

    def latest_run(self) -> str | None:
        """The id of the run saved last, or None."""
        with connect(self.path) as db:
            row = db.execute("SELECT run_id FROM runs ORDER BY n DESC LIMIT 1").fetchone()
        return None if row is None else row[0]

    def prepared_by(self, run_id: str) -> str:
        """Who prepared ``run_id`` (ConfigError if there is no such run)."""
        with connect(self.path) as db:
            return run_row(db, check_run_id(run_id))[1]

    # --- plans --------------------------------------------------------------------------------
    def save_plan(self, plan: Plan) -> None:
        """Store ``plan``'s changes (in order) under its run; saving the same plan again is a
        no-op, a different plan for a run that has one is refused (ConfigError)."""
        run_id = check_run_id(getattr(plan, "run_id", None))
        bodies = [plans.change_body(c) for c in getattr(plan, "changes", ())]
        ids = [b["change_id"] for b in bodies]
        if len(set(ids)) != len(ids):
            raise PlanError(f"plan {run_id!r} has a change id twice")
        texts = [plans.to_json(b) for b in bodies]
        with write(self.path) as db:
            prepared_by = run_row(db, run_id)[1]
            old = db.execute(
                "SELECT body FROM plan_changes WHERE run_id = ? ORDER BY pos", (run_id,)
            ).fetchall()
            if old:
                if [r[0] for r in old] != texts:
                    raise StoreConflict(f"run {run_id!r} already has another plan; start a new run")
                return
            db.executemany(
                "INSERT INTO plan_changes (run_id, pos, change_id, body) VALUES (?, ?, ?, ?)",
                [
                    (run_id, pos, cid, text)
                    for pos, (cid, text) in enumerate(zip(ids, texts, strict=True))
                ],
            )
            ledger.append(
                db,
                LedgerEntry(
                    actor=prepared_by,
                    action="planned",
                    run_id=run_id,
                    outcome=f"{len(ids)} changes",
                ),
            )

    def load_plan(self, run_id: str) -> Plan:
        """The plan saved for ``run_id`` as a :class:`recon.plan.Plan` (ConfigError if none)."""
        run_id = check_run_id(run_id)
        with connect(self.path) as db:
            run_row(db, run_id)
            rows = db.execute(
                "SELECT body FROM plan_changes WHERE run_id = ? ORDER BY pos", (run_id,)
            ).fetchall()
        if not rows:
            raise StoreConflict(f"run {run_id!r} has no saved plan")
        return plans.build_plan(run_id, [json.loads(r[0]) for r in rows])

    # --- decisions ----------------------------------------------------------------------------
    def decide(
        self,
        run_id: str,
        change_id: str,
        decision: DecisionKind,
        *,
        by: str,
        comment: str = "",
        rule: str | None = None,
        require_other_than_preparer: bool | None = None,
    ) -> Decision:
        """Record a decision on one change, durably, before returning.

        Parameters
        ----------
        decision:
            ``"approve"``, ``"reject"`` or ``"defer"``. Approving a pushable change queues it
            in the outbox with a fresh idempotency key; approving it again keeps that key (and
            puts a ``failed`` or ``stale`` change back to ``pending``). A change recon cannot
            push (review only) cannot be approved: it is done by hand, and may be rejected or
            deferred.
        by:
            Who decides (recorded in the ledger).
        comment:
            Free text for the auditor.
        rule:
            How the decision was made when it was not one by one, e.g. the filter of a bulk
            decision (kept with the decision and in the ledger).
        require_other_than_preparer:
            Refuse a decision by whoever prepared the run (None: the store's setting).

        Raises
        ------
        ConfigError
            Unknown run or change, a bad value or a Secret, the preparer deciding when that is
            refused, a change already sent (``sending``/``applied``/``unknown``), or an
            approval of a review-only change.
        """
        return self.decide_many(
            run_id,
            [change_id],
            decision,
            by=by,
            comment=comment,
            rule=rule,
            require_other_than_preparer=require_other_than_preparer,
        )[0]

    def decide_many(
        self,
        run_id: str,
        change_ids: Iterable[str],
        decision: DecisionKind,
        *,
        by: str,
        comment: str = "",
        rule: str | None = None,
        require_other_than_preparer: bool | None = None,
    ) -> list[Decision]:
        """:meth:`decide` for many changes in one transaction: all are recorded, or none."""
        run_id = check_run_id(run_id)
        if decision not in DECISIONS:
            raise ConfigError(f"decision must be one of {', '.join(DECISIONS)}")
        by = check_text(by, "by (who decides)")
        comment = check_text(comment, "comment", empty=True)
        rule = None if rule is None else check_text(rule, "rule")
        ids = list(dict.fromkeys(check_text(c, "change_id") for c in change_ids))
        require = (
            self.require_other_than_preparer
            if require_other_than_preparer is None
            else require_other_than_preparer
        )
        with write(self.path) as db:
            preparer = run_row(db, run_id)[1]
            if require and by.strip().casefold() == preparer.strip().casefold():
                raise StoreConflict(
                    f"{by!r} prepared run {run_id!r} (prepared_by {preparer!r}); another "
                    f"person must decide on its changes"
                )
            return [decide_step(db, run_id, c, decision, by, comment, rule) for c in ids]

    def carry_decisions(self, run_id: str) -> list[Decision]:
        """Carry the decisions of earlier runs of ``run_id``'s profile over to the same
        changes in ``run_id``; returns the decisions made so.

        A change is the same when its id is: entity, key, action, target and every field's
        values before and after (:func:`recon.plan.build.change_id`), so a change whose
        values moved since is a new one and stays undecided. The latest decision on it
        carries over: a reject or a defer always; an approval only while its push has not
        started (outbox ``pending``) -- one already sent, applied or refused needs a new
        look. A carried decision keeps who made it and their comment; its rule names the
        run and time it came from, and the ledger records it like any decision. Changes
        already decided in ``run_id`` are left as they are. Segregation of duties was
        checked when the decision was first made.
        """
        run_id = check_run_id(run_id)
        with write(self.path) as db:
            run_row(db, run_id)
            return carry_step(db, run_id)

    def decisions(self, run_id: str) -> dict[str, Decision]:
        """The current decision per change of ``run_id`` (undecided changes are absent)."""
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT d.run_id, d.change_id, d.decision, d.by, d.at, d.comment, d.rule, d.seq "
                "FROM decisions d JOIN plan_changes p USING (run_id, change_id) "
                "WHERE d.run_id = ? ORDER BY p.pos",
                (check_run_id(run_id),),
            ).fetchall()
        return {r[1]: Decision(*r) for r in rows}

    # --- outbox -------------------------------------------------------------------------------
    def outbox(self, run_id: str) -> list[OutboxItem]:
        """The approved pushable changes of ``run_id`` in plan order, with their push state."""
        with connect(self.path) as db:
            return approved_outbox(db, check_run_id(run_id))

    def item(self, run_id: str, change_id: str) -> OutboxItem | None:
        """The outbox row of one change (whatever its decision now), or None."""
        with connect(self.path) as db:
            return outbox_item(db, check_run_id(run_id), check_text(change_id, "change_id"))

    def mark(
        self,
        run_id: str,
        change_id: str,
        state: State,
        *,
        remote_id: str | None = None,
        error: str | None = None,
        by: str = PUSH_ACTOR,
    ) -> OutboxItem:
        """Move an approved change along the push, durably, with a ledger row.

        ``sending`` must be marked *before* the request leaves (a row left in ``sending`` is
        in doubt and is settled on resume, never blindly resent); it counts an attempt.
        Allowed moves: :data:`TRANSITIONS`.

        Raises
        ------
        ConfigError
            The change is not approved / not in the outbox, the move is not allowed (e.g.
            anything after ``applied``), or a bad value.
        """
        run_id, change_id = check_run_id(run_id), check_text(change_id, "change_id")
        if state not in LEDGER_ACTIONS:
            raise ConfigError(f"state must be one of {', '.join(LEDGER_ACTIONS)}")
        remote_id = None if remote_id is None else check_text(remote_id, "remote_id")
        error = None if error is None else check_text(error, "error", empty=True)
        by = check_text(by, "by")
        with write(self.path) as db:
            current = outbox_item(db, run_id, change_id)
            decided = db.execute(
                "SELECT decision FROM decisions WHERE run_id = ? AND change_id = ?",
                (run_id, change_id),
            ).fetchone()
            if decided is None or decided[0] != "approve":
                raise StoreConflict(f"change {change_id} of run {run_id} is not approved")
            if current is None:
                raise StoreConflict(
                    f"change {change_id} is not in the outbox: recon cannot push it"
                )
            if state not in TRANSITIONS[current.state]:
                raise StoreConflict(
                    f"change {change_id}: cannot go from {current.state} to {state}"
                )
            return mark_step(db, current, state, remote_id, error, by)

    # --- ledger -------------------------------------------------------------------------------
    def ledger(self, run_id: str | None = None) -> pd.DataFrame:
        """The ledger (all rows, or one run's), oldest first; columns ``LEDGER_COLUMNS``."""
        with connect(self.path) as db:
            return ledger.frame(ledger.read(db, None if run_id is None else check_run_id(run_id)))

    def verify_ledger(self) -> LedgerCheck:
        """Recompute the hash chain: ``ok``, or the first bad row and what is wrong with it."""
        with connect(self.path) as db:
            return ledger.verify(db)

    def export_ledger(self, path: str | Path) -> Path:
        """Write the whole ledger to ``path`` (``.csv`` or ``.xlsx``) for an auditor."""
        with connect(self.path) as db:
            db.execute("BEGIN")  # one snapshot for the rows and the check
            rows = list(ledger.read(db))
            check = ledger.verify(db)
            db.execute("COMMIT")
        return ledger.export(rows, path, check)
