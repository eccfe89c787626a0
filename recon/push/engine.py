"""The push: apply a run's approved changes to Intacct and BigTime, exactly once.

>>> with open_writers(profile) as writers:                          # doctest: +SKIP
...     report = push(store, "run-1", writers, by="jane")
>>> report.counts()                                                  # doctest: +SKIP
{'applied': 30, 'failed': 1, 'stale': 0, 'unknown': 0, 'held': 1, 'skipped': 0}

How a push runs (docs/ENGINEERING-NOTES.md "Exactly-once writes", the transactional outbox):

1. **Resume.** An outbox row left ``sending`` (the process died with a request in flight) or
   ``unknown`` (no usable answer came back) is in doubt: it is settled with
   :meth:`~recon.push.writers.Writer.settle` -- never resent blindly; Intacct rows in
   batches (:meth:`~recon.push.writers.BatchWriter.settle_many`: one resend of up to a batch,
   each function with its own control id). Applied: it is marked so with its remote id.
   Not applied: it joins the changes sent in step 2 (its stale guard then accepts fields
   already at their after values: an earlier send may have written part of it; a row left
   ``unknown`` that fails the guard is marked ``failed``, as the store lets only an unsent
   or ``sending`` row become ``stale``).
2. **Send**, in plan order, each approved pushable change still to do that nothing holds
   back (:meth:`recon.plan.Plan.held_back`, or a prerequisite that did not get applied):

   * the stale-approval guard reads the target record again
     (:meth:`~recon.push.writers.Writer.current`); if it changed since the review, the
     change is marked ``stale`` ("changed since reviewed") and not sent;
   * **BigTime** (no batch API): the row is marked ``sending`` -- durably, *before* the
     request leaves -- and the change is applied with its idempotency key (made at
     approval, reused on every resend);
   * **Intacct** (a :class:`~recon.push.writers.BatchWriter`): the change's write function
     is built (:meth:`~recon.push.writers.BatchWriter.function_for`, control id = its
     idempotency key) and queued. The queue goes out as one request (``transaction=
     "false"``, ``uniqueid=true``) when it holds ``batch_size`` changes, when a change
     needs one of the queued changes applied first (a change never shares a request with
     its prerequisite), and at the end. Every change of the batch is marked ``sending``
     durably before the request leaves; each function's own result settles its change;
     two updates rewriting one record never share a request (each was built from the
     record as read);
   * a :class:`~recon.errors.WriteOutcomeUnknown` (HTTP 524, a dropped connection, a
     truncated body ...) is settled at once -- for a batch, by resending the batch: the
     functions that ran are refused as replays and marked applied; a write still in
     doubt stays ``unknown`` for the next push. A rate-limited write or batch (HTTP 429,
     which never ran) is sent again after the wait it names, up to
     :data:`RATE_LIMIT_RETRIES` times. A definite refusal is marked ``failed`` with words
     the accountant can act on (the remote text, which record, what to do). One failure
     never stops the others.

3. ``progress(done, total, outcome)`` is called after each change (a batch's changes one
   after the other when its answer is in).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from recon.connect import bigtime_client, intacct_client
from recon.errors import ConfigError
from recon.push.bigtime_writer import BigTimeWriter
from recon.push.intacct_writer import IntacctWriter
from recon.push.loop import (
    DEFAULT_BATCH_SIZE,
    IN_DOUBT,
    MAX_BATCH_SIZE,
    RATE_LIMIT_RETRIES,
    RATE_LIMIT_WAIT,
    RATE_LIMIT_WAIT_CAP,
    TODO_STATES,
    PushLoop,
)
from recon.push.report import OUTCOME_STATES, Outcome, Progress, PushReport
from recon.push.words import ATOMIC, failure_words, in_doubt_words, stale_words
from recon.push.writers import Writer
from recon.store.records import PUSH_ACTOR

if TYPE_CHECKING:
    from recon.bigtime.client import BigTimeClient
    from recon.config import Profile
    from recon.intacct.client import IntacctClient
    from recon.settings import IntegrationSettings
    from recon.store import Store

__all__ = [
    "ATOMIC",
    "DEFAULT_BATCH_SIZE",
    "IN_DOUBT",
    "MAX_BATCH_SIZE",
    "OUTCOME_STATES",
    "RATE_LIMIT_RETRIES",
    "RATE_LIMIT_WAIT",
    "RATE_LIMIT_WAIT_CAP",
    "TODO_STATES",
    "Outcome",
    "Progress",
    "PushReport",
    "failure_words",
    "in_doubt_words",
    "open_writers",
    "push",
    "stale_words",
    "writer_for",
]


def push(
    store: Store,
    run_id: str,
    writers: Mapping[str, Writer],
    *,
    by: str = PUSH_ACTOR,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    batch_size: int = DEFAULT_BATCH_SIZE,
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
    batch_size:
        The most changes sent in one request to a system that takes batches (Intacct),
        1 to :data:`MAX_BATCH_SIZE`; 1 sends one change per request.

    Returns
    -------
    PushReport
        One outcome per change worked on: those ``pending``, ``sending`` or ``unknown``
        when the push started. A second push after a complete one does nothing.

    Raises
    ------
    ConfigError
        Unknown run, a run without a saved plan, or a bad ``batch_size``. Errors of one
        change never raise.
    """
    plan = store.load_plan(run_id)
    run = PushLoop(
        store, plan, writers, by=by, sleep=sleep, batch_size=batch_size, progress=progress
    )
    return run.run()


def writer_for(system: str, client: IntacctClient | BigTimeClient) -> Writer:
    """The writer of ``system`` (``"intacct"`` or ``"bigtime"``) around ``client``."""
    if system == "intacct":
        return IntacctWriter(client)  # type: ignore[arg-type]  # the caller pairs system and client
    if system == "bigtime":
        return BigTimeWriter(client)  # type: ignore[arg-type]  # the caller pairs system and client
    raise ConfigError(f"no writer for system {system!r}; use 'intacct' or 'bigtime'")


def intacct_writer_settings(settings: IntegrationSettings) -> dict[str, Any]:
    """The :class:`IntacctWriter` keyword arguments a profile's ``[settings]`` give: the
    project category and timesheet state of a create, the timesheet week start, the
    invoice lines' account and item, the account of an adjustment."""
    return {
        "project_category": settings.project_category,
        "timesheet_state": settings.timesheet_state,
        "invoice_account": settings.invoice_account,
        "week_start": settings.week_start_day,
        "invoice_item": settings.invoice_item or None,
        "adjustment_account": settings.adjustment_account,
    }


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
    (:func:`recon.connect.intacct_client` / ``bigtime_client``). The Intacct writer takes
    the profile's integration settings (:func:`intacct_writer_settings`).
    """
    with ExitStack() as stack:
        ia = stack.enter_context(intacct_client(profile.intacct, **(intacct_settings or {})))
        writers: dict[str, Writer] = {
            "intacct": IntacctWriter(ia, **intacct_writer_settings(profile.settings))
        }
        if profile.bigtime is not None:
            bt = bigtime_client(profile.bigtime, **(bigtime_settings or {}))
            writers["bigtime"] = BigTimeWriter(stack.enter_context(bt))
        yield writers
