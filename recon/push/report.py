"""What a push reports: one :class:`Outcome` per change, gathered in a :class:`PushReport`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from recon.plan import Change

__all__ = ["OUTCOME_STATES", "Outcome", "Progress", "PushReport"]

#: What a push can report for one change.
OUTCOME_STATES: tuple[str, ...] = ("applied", "failed", "stale", "unknown", "held", "skipped")

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
        prerequisite is not applied, or the target record is closed to recon now -- an
        Intacct timesheet submitted or approved: review only, :class:`~recon.push.writers.
        ReviewOnly`; not sent, still queued); ``skipped`` (not attempted
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

    Rows left in doubt finish first (settled), then the others roughly in plan order: an
    Intacct batch's changes finish together when its answer is in, so a BigTime change
    pushed meanwhile, or a change refused before sending, finishes before the changes
    queued ahead of it.

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
