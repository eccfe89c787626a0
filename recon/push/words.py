"""The push's words: every outcome message the accountant reads, in one place.

Each names the record, says what the remote system said, and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from recon.errors import (
    AuthenticationError,
    GatewayError,
    OutcomeUnconfirmed,
    PermissionDeniedError,
    RateLimitedError,
    RemoteError,
    TransportError,
    WriteOutcomeUnknown,
)
from recon.plan.model import SYSTEM_LABELS
from recon.push.writers import UnresolvedReference, UnsupportedChange

if TYPE_CHECKING:
    from recon.plan import Change

__all__ = [
    "ATOMIC",
    "applied_words",
    "blocked_words",
    "failure_words",
    "in_doubt_words",
    "no_writer_words",
    "not_seen_words",
    "stale_words",
    "unconfirmed_words",
    "unexpected_words",
    "unread_words",
]

#: Systems where one change is one all-or-nothing write: Intacct runs each change as one
#: function (alone or in a batch), and a function that fails wrote nothing
#: (docs/specs/intacct-xml-api.md §2.4, function level). A BigTime change may take several requests
#: (a project, then its team): only after a refusal of the first is nothing written, and the
#: writer's message names what an earlier step did.
ATOMIC = frozenset({"intacct"})

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


def applied_words(change: Change, remote_id: str | None) -> str:
    """``"customer C1: created in BigTime (id 17)"``."""
    where = f" (id {remote_id})" if remote_id else ""
    return f"{change.label}: {_DONE[change.action]} in {SYSTEM_LABELS[change.target]}{where}"


def blocked_words(prereq: Change, state: str) -> str:
    """Why a change waits for ``prereq``, an approved change now in push ``state``."""
    return f"waits for {prereq.label} ({prereq.change_id}) which {_BLOCKING[state]}"


def no_writer_words(change: Change) -> str:
    system = SYSTEM_LABELS[change.target]
    return (
        f"{change.label}: this push has no connection to {system} (no {system} section "
        f"in the profile?); nothing was sent, the change stays queued."
    )


def unread_words(change: Change, exc: BaseException) -> str:
    """The record could not be read before sending (stale guard, or what a write resends)."""
    return (
        f"{change.label}: could not read it from {SYSTEM_LABELS[change.target]} to check it "
        f"before sending ({exc}); nothing was sent. Push again later."
    )


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
        f"{change.field_label(f.field)} is now {_quote(now.get(f.field))}, was "
        f"{_quote(f.before)} when reviewed"
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


def not_seen_words(change: Change, exc: BaseException) -> str:
    """A write of unknown outcome whose record does not show it yet (BigTime read-back)."""
    system = SYSTEM_LABELS[change.target]
    return (
        f"{change.label}: no answer came back from {system} ({exc}) and reading the "
        f"record back does not show the change yet; the next push checks again and "
        f"sends it if it never arrived. Do not make this change by hand meanwhile."
    )


def unconfirmed_words(change: Change, exc: OutcomeUnconfirmed) -> str:
    """A write that may have run, whose record does not show it: stays in doubt."""
    system = SYSTEM_LABELS[change.target]
    return (
        f"{change.label}: not confirmed -- {exc}. It may have been changed in {system} since. "
        f"It stays in doubt and the next push looks again; if the record should read as "
        f"this change says, correct it in {system} and the next push confirms it."
    )


def unexpected_words(change: Change, exc: BaseException) -> str:
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
            f"give the API user the right to {verb} {change.noun or change.entity} records "
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
