"""What a plan is: proposed changes, each one record in one system, in the order to apply them.

The plan is immutable data that the review widgets, the store and the push only read
(:func:`recon.plan.make_plan` builds it from a diff). A :class:`Change` says what to write
where and why; :meth:`Plan.held_back` says which changes must wait because something they
depend on will not be applied.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from typing import Literal

import pandas as pd

from recon.errors import ConfigError, PlanError
from recon.lexicon import Lexicon

Action = Literal["create", "update", "deactivate"]
System = Literal["intacct", "bigtime"]

ACTIONS: tuple[Action, ...] = ("create", "update", "deactivate")
SYSTEMS: tuple[System, ...] = ("intacct", "bigtime")
SYSTEM_LABELS: Mapping[str, str] = MappingProxyType({"intacct": "Intacct", "bigtime": "BigTime"})
#: A reviewer's decision on a change.
DecisionKind = Literal["approve", "reject", "defer"]
#: The decisions a reviewer can take (the store keeps them); anything else is undecided.
DECISIONS: tuple[DecisionKind, ...] = ("approve", "reject", "defer")

#: Columns of :meth:`Plan.frame`, in order.
FRAME_COLUMNS: tuple[str, ...] = (
    "position",
    "change_id",
    "entity",
    "key",
    "action",
    "target",
    "fields",
    "before",
    "after",
    "summary",
    "rule",
    "money_impact",
    "depends_on",
    "pushable",
    "note",
)

_PAST = {"reject": "was rejected", "defer": "was deferred"}


@dataclass(frozen=True)
class FieldChange:
    """One field of one record: its value in the target system now, and the value to write.

    Attributes
    ----------
    field:
        Canonical column name (``recon.canonical``).
    before:
        ``canon_str`` of the target system's current value; ``None`` on create (or missing).
    after:
        ``canon_str`` of the value to write; ``None`` when the change would clear it (only
        review-only removals, which recon never pushes).
    """

    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Change:
    """One proposed write: one record, one action, one target system.

    Attributes
    ----------
    change_id:
        Stable id: ``"chg-"`` + 16 hex digits of a SHA-256 over the entity, key, action,
        target and each field's values before and after; the same diff gives the same ids,
        and a decision on a change carries over to later runs proposing the same change.
    entity, key:
        Canonical entity and the record's key (the key Intacct uses); ``""`` for a record
        that has none (a time entry typed into Intacct directly).
    action, target:
        ``create`` / ``update`` / ``deactivate`` in ``intacct`` / ``bigtime``. Removals
        deactivate; nothing is ever hard-deleted.
    fields:
        Create: every non-missing column; update: the differing ones; deactivate: status
        -> ``inactive`` (for an entity without a status, a review-only removal lists the
        record's values with ``after`` ``None``).
    rule:
        Why the change is proposed, in words.
    money_impact:
        How much money the change moves in the target: time = hours x bill rate of billable
        time (the difference on update), invoice = total, payment = amount paid; negative
        for a removal; ``None`` for master data or when a value is missing.
    depends_on:
        Change ids that must be applied first (creates of records this one references).
    pushable:
        ``False``: shown for review, but recon will not push it (``note`` says why).
    note:
        Anything the reviewer should know.
    name:
        The record's name as people know it ("Harbor Audit", "Jerry Lee"), shown beside the
        key; not part of the change's identity.
    noun:
        The entity in the firm's words ("engagement" where the firm's BigTime lexicon
        says so), as the plan was made; not part of the change's identity either.
    target_key:
        The record's key in the target system when it differs from ``key``: a pair of
        records accepted as one (the crosswalk) keeps its own key in BigTime, and the
        writer finds the record by it. Empty: the target holds the record under ``key``.
    """

    change_id: str
    entity: str
    key: str
    action: Action
    target: System
    fields: tuple[FieldChange, ...]
    rule: str
    money_impact: Decimal | None
    depends_on: tuple[str, ...]
    pushable: bool = True
    note: str = ""
    name: str = ""
    noun: str = ""
    target_key: str = ""

    @property
    def label(self) -> str:
        """``"engagement P25-0014 Harbor Audit"``: the entity in the firm's words (its
        ``noun``; the entity's own name when it has none), the key and the record's name."""
        noun = self.noun or self.entity.replace("_", " ")
        said = f"{noun} {self.key or '(no id)'}"
        return f"{said} {self.name}" if self.name and self.name != self.key else said

    @property
    def key_in_target(self) -> str:
        """The key the target system holds the record under: ``target_key`` for a pair
        accepted as one, else ``key``."""
        return self.target_key or self.key

    def field_label(self, field: str) -> str:
        """A field as the report and the form head it (``"Department ID"``)."""
        return Lexicon.default().column_labels(self.entity, [field])[field]

    def before(self) -> dict[str, str | None]:
        """Field -> the target's current value."""
        return {f.field: f.before for f in self.fields}

    def after(self) -> dict[str, str | None]:
        """Field -> the value to write."""
        return {f.field: f.after for f in self.fields}

    def summary(self) -> str:
        """One line: ``name: 'Calumet Pharmacy' -> 'Calumet Pharmacy Corp.'``."""
        parts = [f"{f.field}: {_quote(f.before)} -> {_quote(f.after)}" for f in self.fields]
        if self.action == "create":
            parts = [f"{f.field}={_quote(f.after)}" for f in self.fields]
        return "; ".join(parts)


def _quote(value: str | None) -> str:
    return "(none)" if value is None else repr(value)


@dataclass(frozen=True)
class Plan:
    """A run's proposed changes, in dependency order.

    Attributes
    ----------
    run_id:
        The run the plan belongs to.
    changes:
        In the order to apply them: reference lists, customers, staff and projects, time,
        invoices, payments; every change after the changes it depends on.
    """

    run_id: str
    changes: tuple[Change, ...] = ()

    def __post_init__(self) -> None:
        changes = tuple(self.changes)
        counts = Counter(c.change_id for c in changes)
        twice = sorted(cid for cid, n in counts.items() if n > 1)
        if twice:
            raise PlanError(f"plan {self.run_id}: change ids occur more than once: {twice[:5]}")
        object.__setattr__(self, "changes", changes)

    def __len__(self) -> int:
        return len(self.changes)

    # Not a dataclass field: asdict(), equality and the store's JSON see run_id and changes only.
    @cached_property
    def _index(self) -> Mapping[str, Change]:
        return MappingProxyType({c.change_id: c for c in self.changes})

    def by_id(self) -> Mapping[str, Change]:
        """Change id -> change (read-only)."""
        return self._index

    def frame(self) -> pd.DataFrame:
        """One row per change, in plan order, for widgets and reports.

        Columns :data:`FRAME_COLUMNS`: ``position`` (0-based plan order), the change's
        attributes, ``fields`` (comma-separated names), ``before`` / ``after`` (dicts field
        -> value), ``summary`` (one line) and ``money_impact`` (Decimal or ``None``).
        """
        cs = self.changes
        data = {
            "position": pd.Series(range(len(cs)), dtype="int64"),
            "change_id": pd.Series([c.change_id for c in cs], dtype="str"),
            "entity": pd.Series([c.entity for c in cs], dtype="str"),
            "key": pd.Series([c.key for c in cs], dtype="str"),
            "action": pd.Series([c.action for c in cs], dtype="str"),
            "target": pd.Series([c.target for c in cs], dtype="str"),
            "fields": pd.Series([", ".join(f.field for f in c.fields) for c in cs], dtype="str"),
            "before": pd.Series([c.before() for c in cs], dtype=object),
            "after": pd.Series([c.after() for c in cs], dtype=object),
            "summary": pd.Series([c.summary() for c in cs], dtype="str"),
            "rule": pd.Series([c.rule for c in cs], dtype="str"),
            "money_impact": pd.Series([c.money_impact for c in cs], dtype=object),
            "depends_on": pd.Series([c.depends_on for c in cs], dtype=object),
            "pushable": pd.Series([c.pushable for c in cs], dtype="bool"),
            "note": pd.Series([c.note for c in cs], dtype="str"),
        }
        return pd.DataFrame(data, columns=list(FRAME_COLUMNS))

    def money_by_entity(self) -> dict[str, Decimal]:
        """Entity -> the money its changes involve: the sum of each change's impact as an
        absolute amount (a removal's negative impact counts as much as a create's), for
        the entities whose changes carry money (time, invoices, payments)."""
        out: dict[str, Decimal] = {}
        for c in self.changes:
            if c.money_impact is not None:
                out[c.entity] = out.get(c.entity, Decimal(0)) + abs(c.money_impact)
        return out

    def to_decide(self, decisions: Mapping[str, object]) -> list[str]:
        """Ids of the changes that still need a decision: recon can push them, and they are
        undecided or deferred (``decisions`` as for :meth:`held_back`)."""
        words = {cid: _decision_word(cid, d) for cid, d in decisions.items()}
        return [
            c.change_id
            for c in self.changes
            if c.pushable and words.get(c.change_id, "defer") == "defer"
        ]

    def by_hand(self, decisions: Mapping[str, object]) -> list[str]:
        """Ids of the changes a person must make by hand: recon cannot push them (review
        only) and nobody rejected them."""
        words = {cid: _decision_word(cid, d) for cid, d in decisions.items()}
        return [
            c.change_id
            for c in self.changes
            if not c.pushable and words.get(c.change_id) != "reject"
        ]

    def held_back(self, decisions: Mapping[str, object]) -> dict[str, str]:
        """Changes that must wait, and why: a prerequisite will not be applied.

        Parameters
        ----------
        decisions:
            Change id -> ``"approve"``, ``"reject"`` or ``"defer"`` (or an object with a
            ``decision`` attribute holding one, e.g. the store's ``Decision``). A change it
            does not name is undecided.

        Returns
        -------
        dict
            Change id -> reason, e.g. ``"waits for customer C10041 (chg-...) which was
            rejected"``, for every change with a prerequisite that is rejected, deferred,
            undecided, not pushable or itself held back (the reason then carries the
            cause along). Whatever the change's own decision: the push sends only approved
            changes that are not held back.

        Raises
        ------
        ConfigError
            A decision that is none of :data:`DECISIONS`.
        """
        words = {cid: _decision_word(cid, d) for cid, d in decisions.items()}
        held: dict[str, str] = {}
        for change in self.changes:  # plan order: prerequisites are settled first
            reasons = [
                _blocked(self._index[dep], words.get(dep), held.get(dep))
                for dep in change.depends_on
                if dep in self._index
            ]
            reasons = [r for r in reasons if r]
            if reasons:
                held[change.change_id] = "; ".join(reasons)
        return held


def _decision_word(change_id: str, decision: object) -> str:
    word = getattr(decision, "decision", decision)
    if word not in DECISIONS:
        raise ConfigError(
            f"decision for {change_id} is {word!r}; use one of {', '.join(DECISIONS)}"
        )
    return str(word)


def _blocked(prereq: Change, decision: str | None, held: str | None) -> str:
    """Why ``prereq`` blocks its dependants ('' when it does not)."""
    if held is not None:
        state = f"is held back: {held}"
    elif decision is None:
        state = "is not decided yet"
    elif decision != "approve":
        state = _PAST[decision]
    elif not prereq.pushable:
        state = "recon cannot push"
    else:
        return ""
    return f"waits for {prereq.label} ({prereq.change_id}) which {state}"
