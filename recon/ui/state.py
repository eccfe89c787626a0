"""What the approval form knows about a run, read fresh from the store after every step.

The form keeps no decision of its own: widget state is not saved by papermill or nbconvert
(docs/ENGINEERING-NOTES.md, papermill #400) and a closed tab must lose nothing, so every view is
drawn from a :class:`Snapshot` of the store taken after the store has committed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from recon.plan import Change, Plan
from recon.store import LOCKED, TO_PUSH, Decision, OutboxItem, Store

#: Outbox states the next push will send (or settle): the store's :data:`TO_PUSH`.
READY_STATES: frozenset[str] = TO_PUSH

#: The counts shown at the top of the form, in order, with their labels.
COUNT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "approved": "Approved",
        "rejected": "Rejected",
        "deferred": "Deferred",
        "undecided": "Undecided",
        "held_back": "Held back",
        "ready": "Ready to push",
        "pushed": "Pushed",
        "review_only": "Review only",
    }
)
_COUNTED = {"approve": "approved", "reject": "rejected", "defer": "deferred"}


@dataclass(frozen=True)
class Status:
    """One change as the store sees it now.

    Attributes
    ----------
    decision:
        The current decision (None: undecided).
    held:
        Why the change is held back (a prerequisite will not be applied), or None.
    push:
        The outbox row of an approved pushable change, or None.
    """

    decision: Decision | None = None
    held: str | None = None
    push: OutboxItem | None = None

    @property
    def word(self) -> str:
        """``approve`` / ``reject`` / ``defer`` / ``undecided``."""
        return self.decision.decision if self.decision is not None else "undecided"

    @property
    def locked(self) -> bool:
        """The change may already be in the remote system: the store refuses any decision."""
        return self.push is not None and self.push.state in LOCKED


@dataclass(frozen=True)
class Snapshot:
    """Decisions, held-back reasons and push states of one run's plan.

    Attributes
    ----------
    plan:
        The run's plan (from the store).
    decisions:
        Change id -> current decision (undecided changes are absent).
    outbox:
        Change id -> outbox row, for the changes approved now.
    held:
        Change id -> reason, from :meth:`recon.plan.Plan.held_back`.
    """

    plan: Plan
    decisions: Mapping[str, Decision] = field(default_factory=dict)
    outbox: Mapping[str, OutboxItem] = field(default_factory=dict)
    held: Mapping[str, str] = field(default_factory=dict)

    def status(self, change_id: str) -> Status:
        """The status of one change."""
        return Status(
            self.decisions.get(change_id), self.held.get(change_id), self.outbox.get(change_id)
        )

    def ready(self) -> list[Change]:
        """Approved changes the next push will send: pushable, not held back, not done."""
        return [
            c
            for c in self.plan.changes
            if c.change_id in self.outbox
            and c.change_id not in self.held
            and self.outbox[c.change_id].state in READY_STATES
        ]

    def counts(self) -> dict[str, int]:
        """Every :data:`COUNT_LABELS` key -> how many changes it counts."""
        words = Counter(_COUNTED[d.decision] for d in self.decisions.values())
        out = dict.fromkeys(COUNT_LABELS, 0)
        out.update(words)
        out["undecided"] = len(self.plan.changes) - len(self.decisions)
        out["held_back"] = len(self.held)
        out["ready"] = len(self.ready())
        out["pushed"] = sum(1 for item in self.outbox.values() if item.state == "applied")
        out["review_only"] = sum(1 for c in self.plan.changes if not c.pushable)
        return out


def read_snapshot(store: Store, plan: Plan) -> Snapshot:
    """The store's current view of ``plan``'s run (three short reads)."""
    decisions = store.decisions(plan.run_id)
    outbox = {item.change_id: item for item in store.outbox(plan.run_id)}
    held = plan.held_back(decisions)
    return Snapshot(plan, decisions, outbox, held)
