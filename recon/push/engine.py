"""The push: apply a run's approved changes to Intacct and BigTime, exactly once.

>>> with open_writers(profile) as writers:                          # doctest: +SKIP
...     report = push(store, "run-1", writers, by="jane")
>>> report.counts()                                                  # doctest: +SKIP
{'applied': 30, 'failed': 1, 'stale': 0, 'unknown': 0, 'held': 1, 'skipped': 0}

How a push runs (ENGINEERING-NOTES "Exactly-once writes", the transactional outbox):

1. **Resume.** An outbox row left ``sending`` (the process died with a request in flight) or
   ``unknown`` (no usable answer came back) is in doubt: it is settled with
   :meth:`~recon.push.writers.Writer.settle` -- never resent blindly. Applied: it is marked
   so with its remote id. Not applied: it joins the changes sent in step 2 (its stale
   guard then accepts fields already at their after values: an earlier send may have
   written part of it; a row left ``unknown`` that fails the guard is marked ``failed``,
   as the store lets only an unsent or ``sending`` row become ``stale``).
2. **Send**, in plan order, each approved pushable change still to do that nothing holds
   back (:meth:`recon.plan.Plan.held_back`, or a prerequisite that did not get applied):

   * the stale-approval guard reads the target record again
     (:meth:`~recon.push.writers.Writer.current`); if it changed since the review, the
     change is marked ``stale`` ("changed since reviewed") and not sent;
   * the row is marked ``sending`` -- durably, *before* the request leaves -- and the change
     is applied with its idempotency key (made at approval, reused on every resend);
   * a :class:`~recon.errors.WriteOutcomeUnknown` is settled at once; a write still in
     doubt stays ``unknown`` for the next push. A rate-limited write (HTTP 429, which never
     ran) is sent again after the wait it names, up to :data:`RATE_LIMIT_RETRIES` times. A
     definite refusal is marked ``failed`` with words the accountant can act on (the remote
     text, which record, what to do). One failure never stops the others.

3. ``progress(done, total, outcome)`` is called after each change.

Writes go one change per request (the writers' unit). Intacct would take several functions
per request, but one change per request keeps each change's outcome, settle and retry on
its own; the price is one round trip per change.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from recon.errors import (
    AuthenticationError,
    ConfigError,
    FunctionError,
    GatewayError,
    MalformedResponseError,
    PermissionDeniedError,
    RateLimitedError,
    ReconError,
    RemoteError,
    ReplayRefusedError,
    TransportError,
    WriteOutcomeUnknown,
)
from recon.plan.model import SYSTEM_LABELS
from recon.push.writers import UnresolvedReference, UnsupportedChange, Writer
from recon.store.records import PUSH_ACTOR, TRANSITIONS

if TYPE_CHECKING:
    from recon.config import Profile
    from recon.plan import Change, Plan
    from recon.store import OutboxItem, Store

__all__ = [
    "OUTCOME_STATES",
    "Outcome",
    "PushReport",
    "open_writers",
    "push",
]

log = logging.getLogger("recon.push")

#: What a push can report for one change.
OUTCOME_STATES: tuple[str, ...] = ("applied", "failed", "stale", "unknown", "held", "skipped")
#: Outbox states a push works on: not sent yet, or sent with the outcome in doubt.
TODO_STATES = frozenset({"pending", "sending", "unknown"})
#: Outbox states that are in doubt: settled before anything new is sent.
IN_DOUBT = frozenset({"sending", "unknown"})

# --- UNCERTAIN: rate limits on writes (Intacct: GW-0010 / HTTP 429, spec §2.4; BigTime's
# limits are NOT FOUND, its client treats 429 alike) -----------------------------------------
#: A write refused with HTTP 429 never ran (a gateway refusal), so sending it again is safe;
#: after this many more tries it is marked failed.
RATE_LIMIT_RETRIES = 3
#: Seconds to wait when the refusal names no Retry-After, and the most ever waited.
RATE_LIMIT_WAIT, RATE_LIMIT_WAIT_CAP = 1.0, 30.0

#: Systems where one change is one all-or-nothing request: Intacct runs each change as one
#: function, and a function that fails wrote nothing (spec §2.4, function level). A BigTime
#: change may take several requests (a project, then its team): only after a refusal of the
#: first is nothing written, and the writer's message names what an earlier step did.
ATOMIC = frozenset({"intacct"})

#: Progress callback: ``(done, total, outcome of the change just done)``.
Progress = Callable[[int, int, "Outcome"], None]


@dataclass(frozen=True)
class Outcome:
    """What the push did with one change.

    Attributes
    ----------
    change_id:
        The change.
    state:
        ``applied``; ``failed`` (a definite refusal: approve again or re-plan, as the
        message says); ``stale`` (the record changed since it was reviewed; not sent);
        ``unknown`` (sent, outcome in doubt: the next push settles it); ``held`` (a
        prerequisite is not applied; not sent, still queued); ``skipped`` (not attempted
        this time: no connection to its system, the record could not be read for the
        stale guard, or the decision changed during the push; still queued).
    remote_id:
        The record's id in the target system once applied (Intacct RECORDNO, BigTime SID).
    message:
        Words the accountant can act on: which record, what the remote system said, what
        to do.
    """

    change_id: str
    state: str
    remote_id: str | None
    message: str


@dataclass(frozen=True)
class PushReport:
    """Every change one push worked on, in the order it finished them.

    ``changes`` (change id -> change) only names the records in :meth:`frame`.
    """

    run_id: str
    outcomes: tuple[Outcome, ...] = ()
    changes: Mapping[str, Change] = field(default_factory=dict, repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        """State -> how many changes ended in it (every :data:`OUTCOME_STATES` key)."""
        seen = Counter(o.state for o in self.outcomes)
        return {state: seen.get(state, 0) for state in OUTCOME_STATES}

    def frame(self) -> pd.DataFrame:
        """One row per outcome: change_id, entity, key, action, target, state, remote_id,
        message."""
        rows = []
        for o in self.outcomes:
            change = self.changes.get(o.change_id)
            rows.append(
                {
                    "change_id": o.change_id,
                    "entity": change.entity if change else "",
                    "key": change.key if change else "",
                    "action": change.action if change else "",
                    "target": change.target if change else "",
                    "state": o.state,
                    "remote_id": o.remote_id,
                    "message": o.message,
                }
            )
        columns = ["change_id", "entity", "key", "action", "target", "state", "remote_id"]
        frame = pd.DataFrame(rows, columns=[*columns, "message"], dtype=object)
        text = {c: "str" for c in (*columns[:-1], "message")}
        return frame.astype(text)


def push(
    store: Store,
    run_id: str,
    writers: Mapping[str, Writer],
    *,
    by: str = PUSH_ACTOR,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PushReport:
    """Apply the run's approved changes that are still to do, exactly once.

    Parameters
    ----------
    store:
        The run's store: plan, decisions, outbox (with each change's idempotency key).
    run_id:
        The run to push.
    writers:
        System (``"intacct"``/``"bigtime"``) -> writer (:func:`open_writers`). A change
        whose system has no writer is ``skipped`` and stays queued.
    by:
        Who pushes (the ledger's actor).
    progress:
        Called as ``progress(done, total, outcome)`` after each change.
    sleep:
        Waits before resending a rate-limited write (tests pass a no-op).

    Returns
    -------
    PushReport
        One outcome per change worked on: those ``pending``, ``sending`` or ``unknown``
        when the push started. A second push after a complete one does nothing.

    Raises
    ------
    ConfigError
        Unknown run, or a run without a saved plan. Errors of one change never raise.
    """
    plan = store.load_plan(run_id)
    return _Push(store, plan, writers, by, sleep).run(progress)


@contextmanager
def open_writers(
    profile: Profile,
    *,
    intacct_settings: Mapping[str, Any] | None = None,
    bigtime_settings: Mapping[str, Any] | None = None,
) -> Iterator[dict[str, Writer]]:
    """Clients for ``profile`` and a writer around each; the clients close on exit.

    Yields ``{"intacct": IntacctWriter, "bigtime": BigTimeWriter}`` (no ``"bigtime"`` when
    the profile has no BigTime section). ``*_settings`` override the clients' settings
    (:func:`recon.connect.intacct_client` / ``bigtime_client``).
    """
    from recon.connect import bigtime_client, intacct_client
    from recon.push.bigtime_writer import BigTimeWriter
    from recon.push.intacct_writer import IntacctWriter

    with ExitStack() as stack:
        ia = stack.enter_context(intacct_client(profile.intacct, **(intacct_settings or {})))
        writers: dict[str, Writer] = {"intacct": IntacctWriter(ia)}
        if profile.bigtime is not None:
            bt = bigtime_client(profile.bigtime, **(bigtime_settings or {}))
            writers["bigtime"] = BigTimeWriter(stack.enter_context(bt))
        yield writers


# --- the push loop ------------------------------------------------------------------------


class _Push:
    """One push of one run: the outbox as it was read, and the outcomes so far."""

    def __init__(
        self,
        store: Store,
        plan: Plan,
        writers: Mapping[str, Writer],
        by: str,
        sleep: Callable[[float], None],
    ) -> None:
        self.store, self.plan, self.writers, self.by, self.sleep = store, plan, writers, by, sleep
        self.run_id = plan.run_id
        self.changes = plan.by_id()
        items = store.outbox(self.run_id)
        #: Change id -> its push state now (this push's outcome once it has one).
        self.state: dict[str, str] = {i.change_id: i.state for i in items}
        self.todo = [i for i in items if i.state in TODO_STATES and i.change_id in self.changes]
        self.outcomes: list[Outcome] = []

    def run(self, progress: Progress | None) -> PushReport:
        total = len(self.todo)

        def done(outcome: Outcome) -> None:
            self.outcomes.append(outcome)
            self.state[outcome.change_id] = outcome.state
            log.info("%s %s: %s %s", self.run_id, outcome.change_id, outcome.state,
                     outcome.message)  # fmt: skip
            if progress is not None:
                progress(len(self.outcomes), total, outcome)

        to_send: list[OutboxItem] = []
        for item in self.todo:  # 1. settle what is in doubt before sending anything new
            settled = self._resume(item) if item.state in IN_DOUBT else None
            if settled is None:
                to_send.append(item)
            else:
                done(settled)
        held = self.plan.held_back(self.store.decisions(self.run_id))
        for item in to_send:  # 2. send, in plan order
            done(self._send(item, held))
        return PushReport(self.run_id, tuple(self.outcomes), self.changes)

    # --- 1. resume ------------------------------------------------------------------------

    def _resume(self, item: OutboxItem) -> Outcome | None:
        """Settle a change left in doubt: its outcome, or None when it was not applied
        (it is then sent like a pending one)."""
        change = self.changes[item.change_id]
        writer = self.writers.get(change.target)
        if writer is None:
            return self._no_writer(change)
        return self._settle(item, change, writer, after=None)

    def _settle(
        self, item: OutboxItem, change: Change, writer: Writer, after: Exception | None
    ) -> Outcome | None:
        """Was the change applied? ``after``: the error of the send just made, if any.

        Returns the outcome, or None when the change is known not to be applied and may be
        sent (only on resume: right after a send, a write still in doubt stays ``unknown``
        for the next push, which settles it again).
        """
        system = SYSTEM_LABELS[change.target]
        try:
            remote_id = writer.settle(change, item.idem_key)
        except (FunctionError, UnsupportedChange, UnresolvedReference, ConfigError) as exc:
            # Refused on its merits: Intacct ran the resend and refused it (so the first
            # send never ran either), or BigTime refused finishing a landed create's later
            # steps. Report it like a refused send.
            return self._fail(item, change, exc)
        except ReconError as exc:  # no answer, busy, signed out ...: still in doubt
            return self._unknown(item, change, in_doubt_words(change, exc))
        except Exception as exc:  # a bug: keep going, the next push settles this one
            log.exception("settling %s failed unexpectedly", change.change_id)
            return self._unknown(item, change, _unexpected(change, exc))
        if remote_id is not None:
            return self._applied(item, change, remote_id)
        if after is None:
            return None
        why = str(after)
        return self._unknown(
            item,
            change,
            f"{change.label}: no answer came back from {system} ({why}) and reading the "
            f"record back does not show the change yet; the next push checks again and "
            f"sends it if it never arrived. Do not make this change by hand meanwhile.",
        )

    # --- 2. send --------------------------------------------------------------------------

    def _send(self, item: OutboxItem, held: Mapping[str, str]) -> Outcome:
        change = self.changes[item.change_id]
        writer = self.writers.get(change.target)
        if writer is None:
            return self._no_writer(change)
        reason = held.get(change.change_id) or self._blocked(change)
        if reason:
            return Outcome(change.change_id, "held", None, f"{change.label}: {reason}")
        system = SYSTEM_LABELS[change.target]
        try:
            now = writer.current(change)
        except ReconError as exc:  # nothing sent: it stays queued for the next push
            return Outcome(
                change.change_id,
                "skipped",
                None,
                f"{change.label}: could not read it from {system} to check it before "
                f"sending ({exc}); nothing was sent. Push again later.",
            )
        stale = stale_words(change, now, sent_before=item.state in IN_DOUBT)
        if stale:
            return self._stale(item, change, stale)
        return self._apply(item, change, writer)

    def _apply(self, item: OutboxItem, change: Change, writer: Writer) -> Outcome:
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            try:  # durable BEFORE the request leaves: a crash from here on is settled
                item = self.store.mark(self.run_id, change.change_id, "sending", by=self.by)
            except ConfigError as exc:  # e.g. the decision changed while pushing
                return Outcome(change.change_id, "skipped", None, f"{change.label}: {exc}")
            try:
                remote_id = writer.apply(change, item.idem_key)
            except RateLimitedError as exc:  # this request never ran: resending it is safe
                if change.target not in ATOMIC:
                    # ... but an earlier request of the same change may have (a project
                    # created, then its team refused): settle before sending it again.
                    settled = self._settle(item, change, writer, after=None)
                    if settled is not None:
                        return settled
                if attempt == RATE_LIMIT_RETRIES:
                    return self._fail(item, change, exc)
                wait = exc.retry_after if exc.retry_after is not None else RATE_LIMIT_WAIT
                self.sleep(min(max(wait, 0.0), RATE_LIMIT_WAIT_CAP))
                continue
            except (WriteOutcomeUnknown, ReplayRefusedError, MalformedResponseError) as exc:
                # No usable answer, or Intacct saying the key ran before: settle, never resend.
                return self._settle(item, change, writer, after=exc) or self._unknown(
                    item, change, in_doubt_words(change, exc)
                )
            except (RemoteError, UnsupportedChange, UnresolvedReference, ConfigError) as exc:
                return self._fail(item, change, exc)
            except TransportError as exc:  # never left (connect failed): settle next time
                return self._unknown(item, change, in_doubt_words(change, exc))
            except Exception as exc:  # a bug: keep going, the next push settles this one
                log.exception("push of %s failed unexpectedly", change.change_id)
                return self._unknown(item, change, _unexpected(change, exc))
            return self._applied(item, change, remote_id)
        raise AssertionError("unreachable")  # pragma: no cover

    def _blocked(self, change: Change) -> str:
        """Why a prerequisite that was approved keeps ``change`` back ('' if none does)."""
        reasons = []
        for dep in change.depends_on:
            state = self.state.get(dep)
            if state is None or state == "applied" or dep not in self.changes:
                continue  # not queued: Plan.held_back speaks for rejected/undecided ones
            prereq = self.changes[dep]
            reasons.append(f"waits for {prereq.label} ({dep}) which {_BLOCKING[state]}")
        return "; ".join(reasons)

    # --- outcomes (each marked in the store first) ----------------------------------------

    def _applied(self, item: OutboxItem, change: Change, remote_id: str) -> Outcome:
        rid = remote_id or None
        self.store.mark(self.run_id, change.change_id, "applied", remote_id=rid, by=self.by)
        system = SYSTEM_LABELS[change.target]
        where = f" (id {rid})" if rid else ""
        return Outcome(change.change_id, "applied", rid, f"{change.label}: {_DONE[change.action]} "
                       f"in {system}{where}")  # fmt: skip

    def _fail(self, item: OutboxItem, change: Change, exc: BaseException) -> Outcome:
        words = failure_words(change, exc)
        self.store.mark(self.run_id, change.change_id, "failed", error=words, by=self.by)
        return Outcome(change.change_id, "failed", None, words)

    def _unknown(self, item: OutboxItem, change: Change, words: str) -> Outcome:
        self.store.mark(self.run_id, change.change_id, "unknown", error=words, by=self.by)
        return Outcome(change.change_id, "unknown", item.remote_id, words)

    def _stale(self, item: OutboxItem, change: Change, words: str) -> Outcome:
        if "stale" in TRANSITIONS.get(item.state, frozenset()):
            self.store.mark(self.run_id, change.change_id, "stale", error=words, by=self.by)
            return Outcome(change.change_id, "stale", None, words)
        # An "unknown" row that settled as never applied cannot become stale (store rule):
        # it fails with the same words, and like a stale one needs a new review.
        self.store.mark(self.run_id, change.change_id, "failed", error=words, by=self.by)
        return Outcome(change.change_id, "failed", None, words)

    def _no_writer(self, change: Change) -> Outcome:
        system = SYSTEM_LABELS[change.target]
        return Outcome(
            change.change_id,
            "skipped",
            None,
            f"{change.label}: this push has no connection to {system} (no {system} section "
            f"in the profile?); nothing was sent, the change stays queued.",
        )


_DONE = {"create": "created", "update": "updated", "deactivate": "deactivated"}
#: How a prerequisite's state reads in a "waits for ..." reason.
_BLOCKING = {
    "pending": "is not pushed yet",
    "sending": "was sent but its outcome is not known yet",
    "unknown": "was sent but its outcome is not known yet",
    "failed": "failed",
    "stale": "changed since it was reviewed",
    "held": "is held back",
    "skipped": "was not pushed",
}


# --- words -----------------------------------------------------------------------------------


def _quote(value: str | None) -> str:
    return "(empty)" if value is None else repr(value)


def stale_words(change: Change, now: Mapping[str, str | None] | None, *, sent_before: bool) -> str:
    """Why ``change`` must not be sent: the record is not as reviewed ('' when it is).

    ``now`` is the target record as read just now (None: absent). ``sent_before``: the
    change may have been partly applied by an earlier send, so a field already at its
    after value counts as unchanged.
    """
    system = SYSTEM_LABELS[change.target]
    tail = "; nothing was sent. Run a new reconciliation to review the record as it is now."
    if change.action == "create":
        if now is None:
            return ""
        return f"changed since reviewed: {change.label} already exists in {system}{tail}"
    if now is None:
        return f"changed since reviewed: {change.label} is no longer in {system}{tail}"
    moved = [
        f"{f.field} is now {_quote(now.get(f.field))}, was {_quote(f.before)} when reviewed"
        for f in change.fields
        if now.get(f.field) != f.before and not (sent_before and now.get(f.field) == f.after)
    ]
    if not moved:
        return ""
    return f"changed since reviewed: {change.label} in {system}: {'; '.join(moved)}{tail}"


def in_doubt_words(change: Change, exc: BaseException) -> str:
    """An ``unknown`` outcome in words: what happened and that the next push settles it."""
    system = SYSTEM_LABELS[change.target]
    if isinstance(exc, TransportError) and not isinstance(exc, WriteOutcomeUnknown):
        what = f"could not reach {system} ({exc})"
    else:
        what = f"sent to {system}, but no usable answer came back ({exc})"
    return (
        f"{change.label}: {what}. The next push checks whether it was applied and finishes "
        "it; do not make this change by hand meanwhile."
    )


def _unexpected(change: Change, exc: BaseException) -> str:
    return (
        f"{change.label}: unexpected error ({type(exc).__name__}: {exc}); the next push "
        "checks whether it was applied. Please report this."
    )


def failure_words(change: Change, exc: BaseException) -> str:
    """A refused change in words: which record, what the remote system said, what to do."""
    system = SYSTEM_LABELS[change.target]
    verb = change.action
    if isinstance(exc, UnsupportedChange | UnresolvedReference):
        return f"Not sent: {exc}"
    if isinstance(exc, RateLimitedError):
        todo = f"{system} is limiting requests: approve the change again and push later."
    elif isinstance(exc, AuthenticationError):
        todo = f"check the {system} credentials of the profile, then approve it again and push."
    elif isinstance(exc, PermissionDeniedError):
        todo = (
            f"give the API user the right to {verb} {change.entity.replace('_', ' ')} records "
            f"in {system}, then approve it again and push."
        )
    elif isinstance(exc, GatewayError):
        todo = f"{system} refused the request at its gateway; approve it again and push later."
    elif isinstance(exc, RemoteError):
        todo = (
            f"correct what {system} names (in {system}, or in the record the value comes "
            "from), then run a new reconciliation and approve the new change."
        )
    else:
        todo = "correct the cause, then run a new reconciliation and approve the new change."
    # Only an all-or-nothing write is known to have left nothing behind; a BigTime writer
    # names in its message what an earlier step of the change did write.
    todo = f"Nothing was written; {todo}" if change.target in ATOMIC else todo[0].upper() + todo[1:]
    return f"{system} refused to {verb} {change.label}: {exc}. {todo}"
