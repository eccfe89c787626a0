"""Which changes the approval form shows: a filter over a plan and its current status.

Pure data and functions (no widgets), so the selection a bulk decision applies to can be
tested and described on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from recon.plan import Change, Plan
from recon.ui.state import Snapshot

#: Decision-state filter values -> label. ``""`` shows every change.
STATE_CHOICES: Mapping[str, str] = MappingProxyType(
    {
        "": "Any state",
        "undecided": "Undecided",
        "approve": "Approved",
        "reject": "Rejected",
        "defer": "Deferred",
        "held": "Held back",
        "ready": "Ready to push",
        "pushed": "Pushed",
        "review_only": "Review only",
    }
)


@dataclass(frozen=True)
class ChangeFilter:
    """What the reviewer asked to see; an empty value does not filter.

    Attributes
    ----------
    entity, action, target:
        Exact canonical values (``"customer"``, ``"update"``, ``"bigtime"``).
    text:
        Case-insensitive words, each found in the change's key, field names, before or
        after values, rule or note.
    state:
        One of :data:`STATE_CHOICES`.
    """

    entity: str = ""
    action: str = ""
    target: str = ""
    text: str = ""
    state: str = ""

    def describe(self) -> str:
        """``"entity=customer; text='acme'"`` (``"no filter"`` when nothing is set): the
        rule recorded with a bulk decision."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("entity", self.entity),
                ("action", self.action),
                ("target", self.target),
                ("state", self.state),
            )
            if value
        ]
        if self.text.strip():
            parts.append(f"text={self.text.strip()!r}")
        return "; ".join(parts) or "no filter"


def haystack(change: Change) -> str:
    """The text a free-text filter searches: key, field names and values, rule, note."""
    values = [f"{f.field} {f.before or ''} {f.after or ''}" for f in change.fields]
    return " ".join([change.key, *values, change.rule, change.note]).casefold()


class Selector:
    """Applies :class:`ChangeFilter` to one plan (the search text is built once)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._text = {c.change_id: haystack(c) for c in plan.changes}

    def select(self, flt: ChangeFilter, snapshot: Snapshot) -> list[Change]:
        """The plan's changes that pass ``flt``, in plan order."""
        words = flt.text.casefold().split()
        ready = {c.change_id for c in snapshot.ready()} if flt.state == "ready" else set()
        return [
            c
            for c in self.plan.changes
            if (not flt.entity or c.entity == flt.entity)
            and (not flt.action or c.action == flt.action)
            and (not flt.target or c.target == flt.target)
            and all(w in self._text[c.change_id] for w in words)
            and _state_matches(flt.state, c, snapshot, ready)
        ]


def _state_matches(state: str, change: Change, snapshot: Snapshot, ready: set[str]) -> bool:
    if not state:
        return True
    status = snapshot.status(change.change_id)
    if state == "held":
        return status.held is not None
    if state == "ready":
        return change.change_id in ready
    if state == "pushed":
        return status.push is not None and status.push.state == "applied"
    if state == "review_only":
        return not change.pushable
    return status.word == state


def present(values: Iterable[str]) -> list[str]:
    """Distinct values in first-seen order (the plan's order for dropdown options)."""
    return list(dict.fromkeys(values))
