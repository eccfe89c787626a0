"""The push loop of one run: settle what is in doubt, then send, a change or a batch at a time.

:func:`recon.push.engine.push` runs a :class:`PushLoop`; the rules are in that module's
docstring. Here: a writer that can batch (:class:`~recon.push.writers.BatchWriter`, Intacct)
gets its ready changes queued in an open :class:`_Batch` per system, sent when it is full,
when a change needs one of its changes applied first, or at the end; any other writer
(BigTime) gets one change at a time, as it comes.

A write the writer refuses as :class:`~recon.push.writers.ReviewOnly` when building it (its
target is closed to recon: an Intacct timesheet submitted or approved) is reported ``held``
with the reason and stays queued; nothing is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from recon.errors import (
    ConfigError,
    FunctionError,
    MalformedResponseError,
    OutcomeUnconfirmed,
    RateLimitedError,
    ReconError,
    RemoteError,
    ReplayRefusedError,
    StoreConflict,
    TransportError,
    WriteOutcomeUnknown,
)
from recon.push.report import Outcome, Progress, PushReport
from recon.push.words import (
    ATOMIC,
    applied_words,
    blocked_words,
    failure_words,
    in_doubt_words,
    no_writer_words,
    not_seen_words,
    stale_words,
    unconfirmed_words,
    unexpected_words,
    unread_words,
)
from recon.push.writers import (
    BatchWriter,
    ChangeResult,
    ReviewOnly,
    UnresolvedReference,
    UnsupportedChange,
    Writer,
)
from recon.store.records import TO_PUSH, TRANSITIONS

if TYPE_CHECKING:
    from recon.intacct.request import Function
    from recon.plan import Change, Plan
    from recon.store import OutboxItem, Store

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "IN_DOUBT",
    "MAX_BATCH_SIZE",
    "RATE_LIMIT_RETRIES",
    "RATE_LIMIT_WAIT",
    "RATE_LIMIT_WAIT_CAP",
    "TODO_STATES",
    "PushLoop",
]

log = logging.getLogger("recon.push")

#: Outbox states a push works on: not sent yet, or sent with the outcome in doubt.
TODO_STATES = TO_PUSH
#: Outbox states that are in doubt: settled before anything new is sent.
IN_DOUBT = frozenset({"sending", "unknown"})

# --- UNCERTAIN: rate limits on writes (Intacct: GW-0010 / HTTP 429,
# docs/specs/intacct-xml-api.md §2.4; BigTime's limits are NOT FOUND, its client treats 429
# alike) -------------------------------------------------------------------------------------
#: A write refused with HTTP 429 never ran (a gateway refusal), so sending it again is safe;
#: after this many more tries it is marked failed.
RATE_LIMIT_RETRIES = 3
#: Seconds to wait when the refusal names no Retry-After, and the most ever waited.
RATE_LIMIT_WAIT, RATE_LIMIT_WAIT_CAP = 1.0, 30.0

# --- UNCERTAIN: batch size (docs/specs/intacct-xml-api.md §6 publishes no limit on functions
# per request; a request runs synchronously and is cut after ~15 min with HTTP 524, and each
# record written counts as one API transaction whether batched or not) -----------------------
#: Changes sent together in one request by a batch writer: 20 cuts the round trips twenty-
#: fold while a request stays short (a few seconds of work) and one lost answer puts at
#: most 20 changes in doubt (all settled by one resend).
DEFAULT_BATCH_SIZE = 20
#: The most a push accepts (the Intacct writer's own cap, MAX_FUNCTIONS_PER_REQUEST).
MAX_BATCH_SIZE = 100

#: Errors that refuse a change on its merits: nothing of it was applied.
REFUSALS = (FunctionError, UnsupportedChange, UnresolvedReference, ConfigError)
#: Answers after which a write may have run: settle it, never resend it blindly
#: (a replay refusal means the control id ran before).
IN_DOUBT_ERRORS = (WriteOutcomeUnknown, ReplayRefusedError, MalformedResponseError)


@dataclass(frozen=True)
class _Entry:
    """One change queued in a batch, with its built write function."""

    item: OutboxItem
    change: Change
    function: Function


@dataclass
class _Batch:
    """Changes of one batch writer waiting to go out together.

    ``settling``: a batch of changes left in doubt, resent to settle them (no new mark).
    ``records``: what the queued updates rewrite (:meth:`BatchWriter.record_of`).
    """

    writer: BatchWriter
    settling: bool
    entries: list[_Entry] = field(default_factory=list)
    records: set[str] = field(default_factory=set)

    def holds_any(self, change_ids: Sequence[str]) -> bool:
        return any(e.change.change_id in change_ids for e in self.entries)


class PushLoop:
    """One push of one run: the outbox as it was read, and the outcomes so far.

    Parameters
    ----------
    store, plan, writers, by, sleep, progress:
        As :func:`recon.push.engine.push` takes them.
    batch_size:
        The most changes a batch writer sends in one request (1 to :data:`MAX_BATCH_SIZE`).
    """

    def __init__(
        self,
        store: Store,
        plan: Plan,
        writers: Mapping[str, Writer],
        *,
        by: str,
        sleep: Callable[[float], None],
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int):
            raise ConfigError("batch_size must be a whole number")
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ConfigError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}")
        self.store, self.plan, self.writers, self.by = store, plan, writers, by
        self.sleep, self.batch_size, self.progress = sleep, batch_size, progress
        self.run_id = plan.run_id
        self.changes = plan.by_id()
        items = store.outbox(self.run_id)
        #: Change id -> its push state now (this push's outcome once it has one).
        self.state: dict[str, str] = {i.change_id: i.state for i in items}
        self.todo = [i for i in items if i.state in TODO_STATES and i.change_id in self.changes]
        self.outcomes: list[Outcome] = []
        #: System -> the batch queued for it and not sent yet.
        self.batches: dict[str, _Batch] = {}
        #: Rows left in doubt that settled as never applied: sent like pending ones.
        self.retry: list[OutboxItem] = []

    def run(self) -> PushReport:
        """Settle, then send; the report of every change worked on."""
        to_send = self._resume()
        held = self.plan.held_back(self.store.decisions(self.run_id))
        for item in to_send:  # 2. send, in plan order
            self._send(item, held)
        self._flush_all()
        return PushReport(self.run_id, tuple(self.outcomes), self.changes)

    def _done(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.state[outcome.change_id] = outcome.state
        log.info("%s %s: %s %s", self.run_id, outcome.change_id, outcome.state,
                 outcome.message)  # fmt: skip
        if self.progress is not None:
            self.progress(len(self.outcomes), len(self.todo), outcome)

    def _target(self, item: OutboxItem) -> tuple[Change, Writer | None]:
        change = self.changes[item.change_id]
        return change, self.writers.get(change.target)

    # --- 1. resume ------------------------------------------------------------------------

    def _resume(self) -> list[OutboxItem]:
        """Settle every row left in doubt; the rows to send, in plan order."""
        for item in self.todo:
            if item.state not in IN_DOUBT:
                continue
            change, writer = self._target(item)
            if writer is None:
                self._done(self._no_writer(change))
            elif isinstance(writer, BatchWriter):  # resent in batches: replays mean applied
                self._queue(item, change, writer, settling=True)
            else:
                settled = self._settle_one(item, change, writer, after=None)
                if settled is None:
                    self.retry.append(item)
                else:
                    self._done(settled)
        self._flush_all()
        again = {i.change_id for i in self.retry}
        return [i for i in self.todo if i.state not in IN_DOUBT or i.change_id in again]

    # --- 2. send --------------------------------------------------------------------------

    def _send(self, item: OutboxItem, held: Mapping[str, str]) -> None:
        change, writer = self._target(item)
        if writer is None:
            self._done(self._no_writer(change))
            return
        self._flush_for(change)  # its prerequisites' outcomes decide whether it may go
        reason = held.get(change.change_id) or self._blocked(change)
        if reason:
            self._done(Outcome(change.change_id, "held", None, f"{change.label}: {reason}"))
            return
        try:  # the stale-approval guard
            now = writer.current(change)
        except ReconError as exc:  # nothing sent: it stays queued for the next push
            self._done(Outcome(change.change_id, "skipped", None, unread_words(change, exc)))
            return
        stale = stale_words(change, now, sent_before=item.state in IN_DOUBT)
        if stale:
            self._done(self._stale(item, change, stale))
        elif isinstance(writer, BatchWriter):
            self._queue(item, change, writer, settling=False)
        else:
            self._done(self._apply_one(item, change, writer))

    def _blocked(self, change: Change) -> str:
        """Why a prerequisite that was approved keeps ``change`` back ('' if none does)."""
        reasons = []
        for dep in change.depends_on:
            state = self.state.get(dep)
            if state is None or state == "applied" or dep not in self.changes:
                continue  # not queued: Plan.held_back speaks for rejected/undecided ones
            reasons.append(blocked_words(self.changes[dep], state))
        return "; ".join(reasons)

    # --- batches --------------------------------------------------------------------------

    def _queue(
        self, item: OutboxItem, change: Change, writer: BatchWriter, *, settling: bool
    ) -> None:
        """Build the change's write and add it to its system's batch (sent when full)."""
        self._flush_for(change)  # a change never shares a request with its prerequisite
        function = self._build(item, change, writer, settling)
        if function is None:
            return
        batch = self._open(change.target, writer, settling)
        record = writer.record_of(function)
        if record is not None and record in batch.records:
            # Built from the record as read now: the queued update of the same record would
            # be undone by it. Send that one first, then read the record again.
            self._flush(change.target)
            function = self._build(item, change, writer, settling)
            if function is None:
                return
            batch = self._open(change.target, writer, settling)
            # Built again, it may write another record (a time entry's new weekly sheet,
            # sent just now, is an update of that sheet now): guard what it writes now.
            record = writer.record_of(function)
        batch.entries.append(_Entry(item, change, function))
        if record is not None:
            batch.records.add(record)
        if len(batch.entries) >= self.batch_size:
            self._flush(change.target)

    def _open(self, system: str, writer: BatchWriter, settling: bool) -> _Batch:
        batch = self.batches.get(system)
        if batch is not None and batch.settling != settling:
            self._flush(system)
            batch = None
        if batch is None:
            batch = self.batches[system] = _Batch(writer, settling)
        return batch

    def _build(
        self, item: OutboxItem, change: Change, writer: BatchWriter, settling: bool
    ) -> Function | None:
        """The change's write function, or None with its outcome reported."""
        try:
            return writer.function_for(change, item.idem_key)
        except ReviewOnly as exc:
            if not settling:  # closed to recon now: held for review, still queued
                self._done(Outcome(change.change_id, "held", None, f"{change.label}: {exc}"))
                return None
            self._done(self._fail(item, change, exc))  # in doubt, never applied: refused
        except (UnsupportedChange, UnresolvedReference, ConfigError) as exc:
            self._done(self._fail(item, change, exc))  # recon cannot write it: nothing sent
        except Exception as exc:
            # A read it needs failed (even with a function-level error: that refuses the
            # read, not this write), or a bug: nothing sent this time.
            if not isinstance(exc, ReconError):
                log.error("building the write of %s failed", change.change_id, exc_info=exc)
            if settling:  # still in doubt: the next push settles it again
                self._done(self._unknown(item, change, in_doubt_words(change, exc)))
            else:
                self._done(Outcome(change.change_id, "skipped", None, unread_words(change, exc)))
        return None

    def _flush_for(self, change: Change) -> None:
        """Send the batches holding a prerequisite of ``change``."""
        for system, batch in list(self.batches.items()):
            if change.depends_on and batch.holds_any(change.depends_on):
                self._flush(system)

    def _flush_all(self) -> None:
        for system in list(self.batches):
            self._flush(system)

    def _flush(self, system: str) -> None:
        batch = self.batches.pop(system, None)
        if batch is None or not batch.entries:
            return
        if batch.settling:
            self._settle_many(batch.writer, [(e, None) for e in batch.entries])
        else:
            self._apply_many(batch.writer, batch.entries)

    def _apply_many(self, writer: BatchWriter, entries: list[_Entry]) -> None:
        """Mark every change of the batch sending, then send it as one request."""
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            entries = self._mark_sending(entries)  # durable BEFORE the request leaves
            if not entries:
                return
            try:
                results = writer.apply_many([(e.change, e.function) for e in entries])
            except RateLimitedError as exc:  # the request never ran: resending it is safe
                if attempt == RATE_LIMIT_RETRIES:
                    for e in entries:
                        self._done(self._fail(e.item, e.change, exc))
                    return
                self._wait(exc)
                continue
            except IN_DOUBT_ERRORS as exc:  # no usable answer: settle the batch, never resend
                self._settle_many(writer, [(e, exc) for e in entries])
                return
            except Exception as exc:  # the request as a whole refused, or never left
                for e in entries:
                    self._done(self._refused(e.item, e.change, exc))
                return
            break
        doubt: list[tuple[_Entry, Exception | None]] = []
        for e, result in zip(entries, results, strict=True):  # each function its own outcome
            if result.error is None:  # result.ok
                self._done(self._applied(e.item, e.change, result.remote_id or ""))
            elif isinstance(result.error, IN_DOUBT_ERRORS):
                doubt.append((e, result.error))
            else:
                self._done(self._refused(e.item, e.change, result.error))
        if doubt:
            self._settle_many(writer, doubt)

    def _mark_sending(self, entries: list[_Entry]) -> list[_Entry]:
        marked = []
        for e in entries:
            try:
                item = self.store.mark(self.run_id, e.change.change_id, "sending", by=self.by)
            except StoreConflict as exc:  # e.g. the decision changed while pushing
                self._done(Outcome(e.change.change_id, "skipped", None, f"{e.change.label}: {exc}"))
                continue
            marked.append(replace(e, item=item))
        return marked

    def _settle_many(
        self, writer: BatchWriter, pairs: list[tuple[_Entry, Exception | None]]
    ) -> None:
        """Settle a batch by one resend; ``pairs``: each entry and the error of the send
        just made (None on resume: a change found never applied is then sent)."""
        try:
            results = writer.settle_many([(e.change, e.function) for e, _ in pairs])
        except Exception as exc:  # no answer, busy, signed out ...: still in doubt
            if not isinstance(exc, ReconError):
                log.error("settling a batch failed unexpectedly", exc_info=exc)
            for e, _ in pairs:
                self._done(self._unknown(e.item, e.change, in_doubt_words(e.change, exc)))
            return
        for (e, after), result in zip(pairs, results, strict=True):
            outcome = self._settled(e.item, e.change, result, after)
            if outcome is None:
                self.retry.append(e.item)
            else:
                self._done(outcome)

    # --- one change at a time -------------------------------------------------------------

    def _apply_one(self, item: OutboxItem, change: Change, writer: Writer) -> Outcome:
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            try:  # durable BEFORE the request leaves: a crash from here on is settled
                item = self.store.mark(self.run_id, change.change_id, "sending", by=self.by)
            except StoreConflict as exc:  # e.g. the decision changed while pushing
                return Outcome(change.change_id, "skipped", None, f"{change.label}: {exc}")
            try:
                remote_id = writer.apply(change, item.idem_key)
            except RateLimitedError as exc:  # this request never ran: resending it is safe
                if change.target not in ATOMIC:
                    # ... but an earlier request of the same change may have (a project
                    # created, then its team refused): settle before sending it again.
                    settled = self._settle_one(item, change, writer, after=None)
                    if settled is not None:
                        return settled
                if attempt == RATE_LIMIT_RETRIES:
                    return self._fail(item, change, exc)
                self._wait(exc)
                continue
            except IN_DOUBT_ERRORS as exc:  # no usable answer, or a replay: settle
                return self._settle_one(item, change, writer, after=exc) or self._unknown(
                    item, change, in_doubt_words(change, exc)
                )
            except Exception as exc:
                return self._refused(item, change, exc)
            return self._applied(item, change, remote_id)
        raise AssertionError("unreachable")  # pragma: no cover

    def _settle_one(
        self, item: OutboxItem, change: Change, writer: Writer, after: Exception | None
    ) -> Outcome | None:
        try:
            result = ChangeResult(change.change_id, writer.settle(change, item.idem_key))
        except Exception as exc:
            result = ChangeResult(change.change_id, error=exc)
        return self._settled(item, change, result, after)

    def _wait(self, exc: RateLimitedError) -> None:
        wait = exc.retry_after if exc.retry_after is not None else RATE_LIMIT_WAIT
        self.sleep(min(max(wait, 0.0), RATE_LIMIT_WAIT_CAP))

    # --- outcomes (each marked in the store first) ----------------------------------------

    def _settled(
        self, item: OutboxItem, change: Change, result: ChangeResult, after: Exception | None
    ) -> Outcome | None:
        """What a settle answered. ``after``: the error of the send just made, if any.

        None when the change is known not to be applied and may be sent (only on resume:
        right after a send, a write still in doubt stays ``unknown`` for the next push,
        which settles it again).
        """
        exc = result.error
        if exc is None:
            if result.remote_id is not None:
                return self._applied(item, change, result.remote_id)
            return (
                None
                if after is None
                else self._unknown(item, change, not_seen_words(change, after))
            )
        if isinstance(exc, REFUSALS):
            # Refused on its merits: Intacct ran the resend and refused it (so the first
            # send never ran either), or BigTime refused finishing a landed create's later
            # steps. Report it like a refused send.
            return self._fail(item, change, exc)
        if isinstance(exc, OutcomeUnconfirmed):  # it may have run; the record says not
            return self._unknown(item, change, unconfirmed_words(change, exc))
        if not isinstance(exc, ReconError):  # a bug: keep going, the next push settles it
            log.error("settling %s failed unexpectedly", change.change_id, exc_info=exc)
            return self._unknown(item, change, unexpected_words(change, exc))
        return self._unknown(item, change, in_doubt_words(change, exc))

    def _refused(self, item: OutboxItem, change: Change, exc: Exception) -> Outcome:
        """A send that raised (not in doubt): refused, never left, or a bug."""
        if isinstance(exc, RemoteError | UnsupportedChange | UnresolvedReference | ConfigError):
            return self._fail(item, change, exc)
        if isinstance(exc, TransportError):  # never left (connect failed): settle next time
            return self._unknown(item, change, in_doubt_words(change, exc))
        log.error("push of %s failed unexpectedly", change.change_id, exc_info=exc)
        return self._unknown(item, change, unexpected_words(change, exc))

    def _applied(self, item: OutboxItem, change: Change, remote_id: str) -> Outcome:
        rid = remote_id or None
        self.store.mark(self.run_id, change.change_id, "applied", remote_id=rid, by=self.by)
        return Outcome(change.change_id, "applied", rid, applied_words(change, rid))

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
        return Outcome(change.change_id, "skipped", None, no_writer_words(change))
