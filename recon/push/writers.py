"""Writers: apply one approved :class:`~recon.plan.Change` to its target system.

>>> writer = IntacctWriter(intacct_client)          # or BigTimeWriter(bigtime_client)
>>> writer.current(change)                          # the stale-approval guard's read
{'hours': '3.00'}
>>> remote_id = writer.apply(change, idem_key)      # may raise WriteOutcomeUnknown ...
>>> writer.settle(change, idem_key)                 # ... then: applied (its id) or None

Every writer speaks canonical values (:func:`recon.canonical.canon_str`) on its side of the
interface and the target system's wire on the other; it writes exactly the columns a
change's ``fields`` name (plus what the target API requires to accept the record, named
where it is added) and resolves canonical ids to the target's own ids from fresh reads.

Exactly once (docs/ENGINEERING-NOTES.md "Exactly-once writes"): the caller persists ``idem_key``
before the first :meth:`Writer.apply`; after a :class:`~recon.errors.WriteOutcomeUnknown`,
or on resuming a row left "sending", it calls :meth:`Writer.settle`, never ``apply`` blindly.
Intacct settles by resending with the same function control id (``uniqueid=true``: a
:class:`~recon.errors.ReplayRefusedError` means the first send was applied); BigTime has no
key, so its writer reads the record back and compares it with the change's after values.

Batches (Intacct): a writer that can put several changes in one request is a
:class:`BatchWriter`. The caller builds each change's write with
:meth:`BatchWriter.function_for` (control id = the change's idempotency key), sends up to a
batch of them with :meth:`BatchWriter.apply_many` and settles a batch of unknown outcome with
:meth:`BatchWriter.settle_many`; each change gets its own :class:`ChangeResult`. BigTime has
no batch API: its writer is a plain :class:`Writer`, one change at a time.

Removals are deactivations (status ``inactive``); no writer ever deletes a record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import pandas as pd

from recon.canonical import ENTITIES, Kind, canon_str
from recon.errors import ConfigError, ReconError

if TYPE_CHECKING:
    from recon.intacct.request import Function
    from recon.plan import Change

__all__ = [
    "BatchWriter",
    "ChangeResult",
    "ReviewOnly",
    "UnresolvedReference",
    "UnsupportedChange",
    "Writer",
]

System = Literal["intacct", "bigtime"]
#: What :meth:`Writer.current` returns: canonical column -> ``canon_str`` value.
Values = dict[str, str | None]


class Writer(Protocol):
    """Applies changes to one system. See the module docstring for the exactly-once rules."""

    system: System

    def current(self, change: Change) -> Values | None:
        """The target record's current values for ``change.fields``' columns, read fresh.

        ``None`` when the record does not exist in the target system.
        """
        ...

    def apply(self, change: Change, idem_key: str) -> str:
        """Send the write; return the remote record id.

        Raises
        ------
        recon.errors.WriteOutcomeUnknown
            The request may have left and no usable answer came back: call :meth:`settle`.
        recon.errors.RemoteError
            A definite refusal (validation, duplicate, replay ...), with the remote text.
        UnsupportedChange, UnresolvedReference
            Refused before anything was sent.
        """
        ...

    def settle(self, change: Change, idem_key: str) -> str | None:
        """Was a write of unknown outcome applied? Its remote id if so, else ``None``."""
        ...


@dataclass(frozen=True)
class ChangeResult:
    """What one change of a batch came to: its remote id, or the error it met.

    Attributes
    ----------
    change_id:
        The change.
    remote_id:
        The record's id in the target system when the change is applied (``""`` when it
        is applied but its id could not be read); ``None`` when not applied.
    error:
        The refusal or doubt this change met (:class:`~recon.errors.FunctionError`,
        :class:`~recon.errors.ReplayRefusedError` ...), as :meth:`Writer.apply` would
        have raised it for this change alone; ``None`` when it did not fail.
    """

    change_id: str
    remote_id: str | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> str | None:
        """The remote id; raises :attr:`error` when there is one."""
        if self.error is not None:
            raise self.error
        return self.remote_id


#: One change of a batch and its built write function (control id = its idempotency key).
Write = tuple["Change", "Function"]


@runtime_checkable
class BatchWriter(Writer, Protocol):
    """A writer that sends several changes in one request, each with its own outcome.

    Each change keeps its own function control id (its idempotency key), so a batch is
    resent and settled like a single change, per change.
    """

    def function_for(self, change: Change, idem_key: str) -> Function:
        """The change's write function with control id ``idem_key``; nothing is sent.

        Raises as :meth:`Writer.apply` does before sending (``UnsupportedChange``,
        ``UnresolvedReference``), or a :class:`~recon.errors.ReconError` of a read the
        write needs (an update resending what is there).
        """
        ...

    def record_of(self, function: Function) -> str | None:
        """The record a function rewrites from what was read when it was built (``None``
        for a create): two functions of one record must not share a request."""
        ...

    def apply_many(self, writes: Sequence[Write]) -> list[ChangeResult]:
        """Send ``writes`` in one request; one result per write, in order.

        Raises
        ------
        recon.errors.WriteOutcomeUnknown, recon.errors.RateLimitedError, ...
            For the request as a whole (no usable answer, a gateway refusal ...): every
            write of it shares the fate, as for :meth:`Writer.apply`.
        """
        ...

    def settle_many(self, writes: Sequence[Write]) -> list[ChangeResult]:
        """:meth:`Writer.settle` for a batch in one request: each write's remote id when
        it is applied (now or before), else its error. Raises as :meth:`apply_many`."""
        ...


class UnsupportedChange(ReconError, ValueError):
    """The target system's API offers no way to make this change; nothing was sent.

    The message says what to do instead (usually: make the change by hand there).
    """


class ReviewOnly(UnsupportedChange):
    """The target record is closed to recon now (an Intacct timesheet submitted or
    approved): the change is for review only and nothing was sent. The push reports it
    ``held`` with the reason; it stays queued, so a push after the record reopens sends it.
    """


class UnresolvedReference(ReconError, LookupError):
    """A value the change points at (a client, a staffer, a list item) is not in the
    target system; nothing was sent. Push the change that creates it first."""


# --- helpers shared by the writers -------------------------------------------------------


def typed(kind: Kind, text: str | None) -> Any:
    """A ``canon_str`` value back as the Python value it stands for (``None`` stays).

    Money and hours -> Decimal, dates -> :class:`datetime.date`, booleans -> bool, ints ->
    int, everything else the text itself.

    Raises
    ------
    ConfigError
        The text is not a value of ``kind`` (a plan holding it was built wrongly).
    """
    if text is None:
        return None
    try:
        if kind in ("money", "hours"):
            return Decimal(text)
        if kind == "date":
            return dt.date.fromisoformat(text)
        if kind == "int":
            return int(text)
    except (ArithmeticError, ValueError) as exc:
        raise ConfigError(f"{text!r} is not a canonical {kind} value") from exc
    if kind == "bool":
        if text not in ("true", "false"):
            raise ConfigError(f"{text!r} is not a canonical bool value")
        return text == "true"
    return text


def afters(change: Change) -> Values:
    """``column -> after`` of every field the change writes, in the change's order."""
    return {f.field: f.after for f in change.fields}


def canonical_values(frame: pd.DataFrame, change: Change) -> Values | None:
    """The ``canon_str`` values of ``change.fields`` in the canonical row of the change's
    record: keyed ``change.target_key`` when the target holds it under its own key (a pair
    accepted as one), else ``change.key``.

    ``frame`` is a canonical frame of the change's entity; ``None`` when no row has the key
    (the first is taken when several do: a duplicate key is the diff's to report).
    """
    spec = ENTITIES[change.entity]
    key = change.key_in_target
    rows = frame[frame[spec.key].astype("str").eq(key).fillna(False).to_numpy(bool)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return {f.field: canon_str(row[f.field], spec.col(f.field).kind) for f in change.fields}


def check_pushable(change: Change, system: System) -> None:
    """Refuse a change recon must not push here (review-only, keyless, other system's)."""
    if change.target != system:
        raise ConfigError(
            f"{record_label(change)} is a change in {change.target}, not in {system}; "
            "give it to the writer of its target system"
        )
    if not change.pushable:
        raise UnsupportedChange(
            f"{record_label(change)} is for review only and is never pushed"
            + (f" ({change.note})" if change.note else "")
        )
    if not change.key:
        raise UnsupportedChange(f"{change.entity} without a key cannot be pushed; key it first")


def differing(change: Change, now: Mapping[str, str | None] | None) -> tuple[str, ...]:
    """The columns whose current value is not yet the change's after value."""
    if now is None:
        return tuple(f.field for f in change.fields)
    return tuple(f.field for f in change.fields if now.get(f.field) != f.after)


def record_label(change: Change) -> str:
    """``"client C10041 Evergreen Community Foundation Corp."``: how messages name the
    record a change is about (:attr:`Change.label`, in the firm's words)."""
    return change.label
