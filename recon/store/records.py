"""The store's vocabulary: decisions, push states, the records it returns, value checks."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from recon.config import Secret
from recon.errors import ConfigError
from recon.plan.model import DecisionKind

State = Literal["pending", "sending", "applied", "failed", "stale", "unknown"]

DEFAULT_FILENAME = "recon.sqlite3"
STATES: tuple[State, ...] = ("pending", "sending", "applied", "failed", "stale", "unknown")
#: States the next push works on: not sent yet, or sent with the outcome in doubt. A
#: ``failed`` or ``stale`` change goes back to ``pending`` only when approved again.
TO_PUSH: frozenset[str] = frozenset({"pending", "sending", "unknown"})
#: States in which the change may already be in the remote system: no decision may follow.
LOCKED: frozenset[str] = frozenset({"sending", "applied", "unknown"})
#: Which :meth:`Store.mark` moves are allowed. ``pending`` is entered only by approving;
#: a ``stale`` change goes back to ``pending`` only when it is approved again (reviewed anew).
TRANSITIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "pending": frozenset({"sending", "stale", "failed"}),
        "sending": frozenset({"sending", "applied", "failed", "stale", "unknown"}),
        "unknown": frozenset({"sending", "applied", "failed", "unknown"}),
        "failed": frozenset({"sending", "failed", "stale"}),
        "stale": frozenset(),
        "applied": frozenset(),
    }
)
#: The ledger ``action`` written by each :meth:`Store.mark` state.
LEDGER_ACTIONS: Mapping[str, str] = MappingProxyType(
    {
        "sending": "sending",
        "applied": "pushed",
        "failed": "push_failed",
        "stale": "stale",
        "unknown": "push_unknown",
    }
)
#: The actor of a push ledger row when the caller passes no ``by`` (pass the user running it).
PUSH_ACTOR = "recon push"
#: Longest text kept in a free-text column (comments, remote error text).
MAX_TEXT = 4000
#: Run ids: printable, no spaces, at most 200 characters (they appear in file names and ids).
_RUN_ID = re.compile(r"[A-Za-z0-9_.:@+-]{1,200}")


@dataclass(frozen=True)
class Decision:
    """The current decision on one change (the ledger keeps every earlier one)."""

    run_id: str
    change_id: str
    decision: DecisionKind
    by: str
    at: str
    comment: str = ""
    rule: str | None = None
    seq: int = 0  # the ledger row that recorded it


@dataclass(frozen=True)
class OutboxItem:
    """One approved change waiting for, or past, its push.

    Attributes
    ----------
    idem_key:
        Made once when the change is first approved and never changed: the Intacct function
        control id (``uniqueid=true``), the key BigTime writes are settled by.
    state:
        ``pending`` (not sent), ``sending`` (a request may have left: settle, do not resend
        blindly), ``applied``, ``failed`` (a definite refusal; ``error`` says why), ``stale``
        (the record changed since it was reviewed; not sent), ``unknown`` (sent, outcome in
        doubt: settle).
    attempts:
        How many times it was marked ``sending``.
    remote_id:
        The record's id in the target system once known (Intacct RECORDNO, BigTime SID).
    """

    run_id: str
    change_id: str
    idem_key: str
    state: State
    attempts: int
    remote_id: str | None
    error: str | None
    updated_at: str


def check_text(value: object, what: str, *, empty: bool = False) -> str:
    # Never echo the value: whatever was passed by mistake might be a secret.
    if isinstance(value, Secret):
        raise ConfigError(f"{what} is a Secret; the store never holds credentials")
    if not isinstance(value, str) or (not empty and not value.strip()):
        kind = "a string" if empty else "a non-empty string"
        raise ConfigError(f"{what} must be {kind}, not {type(value).__name__}")
    return value[:MAX_TEXT]


def check_run_id(value: object) -> str:
    text = check_text(value, "run_id")
    if not _RUN_ID.fullmatch(text):
        raise ConfigError("run_id must be 1-200 letters, digits or _ . : @ + -")
    return text


def _json_default(value: object) -> object:
    if isinstance(value, Secret):
        raise ConfigError("the run summary holds a Secret; the store never holds credentials")
    if isinstance(value, Decimal | dt.date):
        return str(value)
    if hasattr(value, "item"):  # numpy / pandas scalars from a summary frame
        return value.item()
    raise ConfigError(f"the run summary holds a {type(value).__name__}, which cannot be stored")


def summary_json(summary: Mapping[str, object] | None) -> str:
    if summary is not None and not isinstance(summary, Mapping):
        raise ConfigError(f"summary must be a dict, not {type(summary).__name__}")
    try:
        return json.dumps(dict(summary or {}), sort_keys=True, default=_json_default)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"the run summary cannot be stored as JSON ({exc})") from None


def detail_text(comment: str, rule: str | None) -> str:
    return "; ".join(p for p in (comment, f"rule: {rule}" if rule else "") if p)


def new_idem_key() -> str:
    """A fresh idempotency key: Intacct control ids allow ``[A-Za-z0-9_-]``, <= 256 chars."""
    return f"recon-{uuid.uuid4().hex}"
