"""Diff -> plan: each finding becomes the change its entity's direction calls for.

Recipe (:func:`make_plan`): per entity, rows only in the source become creates in the
target; rows only in the target are deactivated there, created in the source or shown for
review (:class:`~recon.plan.directions.Direction`); each key's field mismatches become one
update in the target, to the source's values (cosmetic ones too: the accountant may reject
them). Then the ids are made unique, dependencies linked and the changes ordered
(:mod:`recon.plan.order`). Duplicate-key findings become no change: recon cannot tell which
of the rows is the record (they stay in the diff report for the accountant to resolve).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
import pandas as pd

from recon.canonical import ENTITIES, record_names
from recon.diff.result import COSMETIC, Diff, EntityDiff
from recon.errors import PlanError
from recon.lexicon import Lexicon
from recon.plan import directions as rules
from recon.plan.directions import DEFAULT_DIRECTIONS, Direction, resolve_directions
from recon.plan.model import SYSTEM_LABELS, Action, Change, FieldChange, Plan, System
from recon.plan.order import link_dependencies, order_changes
from recon.plan.values import (
    TIME_MONEY_FIELDS,
    canon_list,
    kind_of,
    negate,
    row_amounts,
    row_fields,
    update_amounts,
)

#: Note on changes caught in a cycle of references among new records.
CYCLE_NOTE = (
    "refers, in a circle, to other new records in this plan (e.g. two new staff who manage"
    " each other): push one, then fix the reference by hand"
)


def make_plan(
    diff: Diff,
    intacct: Mapping[str, pd.DataFrame],
    bigtime: Mapping[str, pd.DataFrame],
    *,
    run_id: str,
    directions: Mapping[str, Direction] = DEFAULT_DIRECTIONS,
    lexicon: Lexicon | None = None,
    links: Mapping[str, Mapping[str, str]] | None = None,
) -> Plan:
    """The changes that would bring the two systems into agreement, in dependency order.

    Parameters
    ----------
    diff:
        The run's diff (:func:`recon.diff.diff_all`).
    intacct, bigtime:
        The canonical frames the diff was made from; read for the values an update leaves
        alone (a time entry's rate when only its hours change, for the money impact).
    run_id:
        The run the plan belongs to.
    directions:
        Entity -> :class:`Direction`; an entity it does not name keeps
        :data:`DEFAULT_DIRECTIONS` (the design's).
    lexicon:
        The firm's words (its BigTime lexicon): rule texts, notes and each change's
        ``noun`` use them, so the form, the ledger and the push's messages read as the
        firm speaks ("engagement P25-0014"). BigTime's default terms when omitted.
    links:
        The accepted pairs the comparison applied (:meth:`recon.crosswalk.Crosswalk.
        all_links`, ``{entity: {bigtime_key: intacct_key}}``): a change to BigTime of a
        linked record carries its BigTime key as ``target_key``.

    Returns
    -------
    Plan
        One change per record found on one side only (unless it needs none: a record only
        in the target that is inactive already) and one per record whose fields differ.

    Raises
    ------
    ConfigError
        Not a Diff, frames that are not mappings, an empty ``run_id`` or bad directions.
    """
    _check_inputs(diff, intacct, bigtime, run_id)
    resolved = resolve_directions(directions)
    sources = {"intacct": intacct, "bigtime": bigtime}
    lexicon = lexicon or Lexicon.default()
    changes: list[Change] = []
    for name, ed in diff.entities.items():
        planner = _EntityPlanner(ed, resolved[name], lexicon)
        changes.extend(planner.changes(sources[planner.direction.source].get(name)))
    changes = link_dependencies(_unique_ids(changes))
    ordered, cyclic = order_changes(changes)
    ordered = [
        replace(c, note=_join(c.note, CYCLE_NOTE)) if c.change_id in cyclic else c for c in ordered
    ]
    names = record_names(intacct, bigtime)  # for people: "P25-0014 Harbor Audit"
    in_bigtime = {e: {ik: bk for bk, ik in pairs.items()} for e, pairs in (links or {}).items()}
    named = [
        replace(
            c,
            name=names.get((c.entity, c.key), ""),
            noun=lexicon.label(c.entity),
            target_key=in_bigtime.get(c.entity, {}).get(c.key, "") if c.target == "bigtime" else "",
        )
        for c in ordered
    ]
    return Plan(run_id=run_id, changes=tuple(named))


def _check_inputs(diff: object, intacct: object, bigtime: object, run_id: object) -> None:
    if not isinstance(diff, Diff):
        raise PlanError(f"make_plan needs a recon.diff.Diff, got {type(diff).__name__}")
    for side, frames in (("intacct", intacct), ("bigtime", bigtime)):
        if not isinstance(frames, Mapping):
            raise PlanError(
                f"make_plan: {side} must map entity -> canonical DataFrame, "
                f"got {type(frames).__name__}"
            )
    if not isinstance(run_id, str) or not run_id.strip():
        raise PlanError(f"make_plan: run_id must be a non-empty string, got {run_id!r}")


def change_id(
    entity: str,
    key: str,
    action: str,
    target: str,
    fields: Iterable[FieldChange],
    extra: tuple[object, ...] = (),
) -> str:
    """``"chg-"`` + 16 hex digits of SHA-256 over entity, key, action, target and the sorted
    ``(field, before, after)`` triples (``extra`` separates records that have no key).

    This is the change's identity across runs: a decision on it carries over to a later
    run that proposes the same change (:meth:`recon.store.Store.carry_decisions`); when a
    value on either side moves, the change is a new one and undecided again."""
    # Field names are unique within a change, so the tuples sort by name alone. repr() of
    # tuples of str/None is unambiguous (quoted, escaped) and much cheaper than json.dumps.
    pairs = tuple(sorted((f.field, f.before, f.after) for f in fields))
    payload = repr((entity, key, action, target, pairs, *extra))
    return "chg-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _unique_ids(changes: list[Change]) -> list[Change]:
    """Identical key-less records (the same time entry typed twice into Intacct) would share
    an id: the n-th copy gets ``#n`` in its hash. They are identical, so which copy gets
    which id does not matter -- the ids stay stable."""
    counts = Counter(c.change_id for c in changes)
    if all(n == 1 for n in counts.values()):
        return changes
    seen: Counter[str] = Counter()
    out = []
    for c in changes:
        nth = seen[c.change_id]
        seen[c.change_id] += 1
        if nth:
            extra = (_before_pairs(c.fields), f"#{nth}")
            new_id = change_id(c.entity, c.key, c.action, c.target, c.fields, extra)
            c = replace(c, change_id=new_id)
        out.append(c)
    return out


def _before_pairs(fields: tuple[FieldChange, ...]) -> tuple[tuple[str, str | None], ...]:
    return tuple(sorted((f.field, f.before) for f in fields))


@dataclass(frozen=True)
class _EntityPlanner:
    """The changes of one entity under one direction."""

    ed: EntityDiff
    direction: Direction
    lexicon: Lexicon

    def changes(self, source_frame: pd.DataFrame | None) -> list[Change]:
        d, ed, lex = self.direction, self.ed, self.lexicon
        src_only, tgt_only = ed.only_in_intacct, ed.only_in_bigtime
        if d.source == "bigtime":
            src_only, tgt_only = tgt_only, src_only
        out = self._creates(src_only, d.target, rules.create_rule(ed.entity, d, lex))
        if d.only_in_target == "create_in_source":
            rule = rules.create_in_source_rule(ed.entity, d, lex)
            out += self._creates(tgt_only, d.source, rule)
        else:
            out += self._removals(tgt_only, review=d.only_in_target == "review")
        return out + self._updates(source_frame)

    # --- one kind of finding each -------------------------------------------------------------
    def _creates(self, rows: pd.DataFrame, target: System, rule: str) -> list[Change]:
        keys = self._keys(rows)
        fields = row_fields(self.ed.entity, rows, as_before=False)
        money = row_amounts(self.ed.entity, rows)
        return [
            self._make(key, "create", target, fcs, rule, amount)
            for key, fcs, amount in zip(keys, fields, money, strict=True)
        ]

    def _removals(self, rows: pd.DataFrame, *, review: bool) -> list[Change]:
        """Deactivate in the target (status -> inactive), or show for review only.

        A record that is inactive already needs nothing. An entity without a status (time,
        invoices, payments) can only be reviewed: its change lists the record's values.
        """
        entity, d = self.ed.entity, self.direction
        keys = self._keys(rows)
        money = [negate(a) for a in row_amounts(entity, rows)]
        if "status" in rows.columns:
            statuses = canon_list(rows["status"], "status")
            fields: list[tuple[FieldChange, ...]] = [
                (FieldChange("status", s, "inactive"),) for s in statuses
            ]
            needed = [s != "inactive" for s in statuses]
        else:
            review = True  # nothing to deactivate: resolve_directions refuses it up front
            fields = row_fields(entity, rows, as_before=True)
            needed = [True] * len(rows)
        lex = self.lexicon
        rule = (
            rules.review_rule(entity, d, lex) if review else rules.deactivate_rule(entity, d, lex)
        )
        note = rules.review_note(d) if review else ""
        return [
            self._make(
                key, "deactivate", d.target, fcs, rule, amount, review_only=review, note=note
            )
            for key, fcs, amount, todo in zip(keys, fields, money, needed, strict=True)
            if todo
        ]

    def _updates(self, source_frame: pd.DataFrame | None) -> list[Change]:
        """One update per key: the target's value -> the source's, for every differing field."""
        m = self.ed.mismatches
        if m.empty:
            return []
        if not m["key"].is_monotonic_increasing:  # each key's rows must be neighbours
            m = m.sort_values("key", kind="stable")
        d, entity = self.direction, self.ed.entity
        keys = m["key"].to_numpy(dtype=object)
        names = m["field"].to_numpy(dtype=object)
        before, after = m[d.target].to_numpy(dtype=object), m[d.source].to_numpy(dtype=object)
        cosmetic = (m["kind"] == COSMETIC).to_numpy()
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ends = np.r_[starts[1:], len(keys)]
        group = np.repeat(np.arange(len(starts)), ends - starts)
        current = self._current(source_frame, keys[starts])
        money = update_amounts(entity, group, names, before, after, current)
        names_l, before_l, after_l = names.tolist(), before.tolist(), after.tolist()
        out = []
        for s, e, amount in zip(starts.tolist(), ends.tolist(), money, strict=True):
            fcs = tuple(FieldChange(names_l[j], before_l[j], after_l[j]) for j in range(s, e))
            cosmetic_only = bool(cosmetic[s:e].all())
            rule = rules.update_rule(entity, d, names_l[s:e], cosmetic_only, self.lexicon)
            out.append(self._make(str(keys[s]), "update", d.target, fcs, rule, amount))
        return out

    # --- helpers ------------------------------------------------------------------------------
    def _keys(self, rows: pd.DataFrame) -> list[str | None]:
        column = self.ed.key
        return canon_list(rows[column], kind_of(self.ed.entity, column, rows[column].dtype))

    def _current(self, frame: pd.DataFrame | None, keys: np.ndarray) -> dict[str, list[str | None]]:
        """The source rows' money columns for ``keys``, as canonical strings (time entries
        only: an update's worth needs the rate when only the hours change)."""
        key = self.ed.key
        columns = [key, *TIME_MONEY_FIELDS]
        if self.ed.entity != "time_entry" or not isinstance(frame, pd.DataFrame):
            return {}
        if not all(c in frame.columns for c in columns):
            return {}
        rows = frame.loc[frame[key].notna().to_numpy(), columns]
        rows = rows.drop_duplicates(key, keep=False).astype({key: "str"}).set_index(key)
        found = rows.reindex(pd.Index(keys.astype(str), dtype="str"))
        entity = self.ed.entity
        return {c: canon_list(found[c], kind_of(entity, c)) for c in TIME_MONEY_FIELDS}

    def _make(
        self,
        key: str | None,
        action: Action,
        target: System,
        fields: tuple[FieldChange, ...],
        rule: str,
        money: Decimal | None,
        *,
        review_only: bool = False,
        note: str = "",
    ) -> Change:
        entity, d = self.ed.entity, self.direction
        # A custom field the user's mapping file adds (recon.mapping.overrides) has no
        # writer: a create is pushed without it, any other change touching it is made by
        # hand (pushing it would fail on a field the writers do not know).
        custom = [f.field for f in fields if f.field not in ENTITIES[entity].names]
        if custom and action == "create":
            fields = tuple(f for f in fields if f.field not in custom)
        notes = [note]
        if not d.pushable and not review_only:
            notes.append(rules.not_pushable_note(entity, d, self.lexicon))
        if custom:
            words = ", ".join(self.lexicon.column_labels(entity, custom).values())
            notes.append(
                f"recon does not write {words} (a custom field of the mapping "
                f"file): set it by hand in {SYSTEM_LABELS[target]}"
            )
        if key is None:
            key_words = self.lexicon.column_labels(entity, [self.ed.key])[self.ed.key]
            notes.append(f"it has no {key_words}, so recon cannot match it or push it")
        extra = () if key else (_before_pairs(fields),)
        return Change(
            change_id=change_id(entity, key or "", action, target, fields, extra),
            entity=entity,
            key=key or "",
            action=action,
            target=target,
            fields=fields,
            rule=rule,
            money_impact=money,
            depends_on=(),
            pushable=d.pushable
            and not review_only
            and key is not None
            and (not custom or action == "create"),
            note=_join(*notes),
        )
