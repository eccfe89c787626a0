"""The keyed diff of two canonical frames: align keys once, compare each column vectorised.

Recipe (:func:`diff_entity`): check the frames -> align the keys (:mod:`recon.diff.align`)
-> compare every field over the paired rows (:mod:`recon.diff.columns`) -> gather the
findings into an immutable :class:`~recon.diff.result.EntityDiff`. Only the rows that differ
raw are normalised, checked against a tolerance and formatted; the cost is one hash probe
of the keys plus one vectorised pass per column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from recon.canonical import ENTITIES, ENTITY_ORDER, Col, Entity
from recon.diff.align import Alignment, align, arrow_strings
from recon.diff.columns import ColumnFindings, compare_column
from recon.diff.result import EntityDiff, mismatch_frame
from recon.diff.rules import CompareRules, FieldRule
from recon.errors import ConfigError

SIDES = ("intacct", "bigtime")


def entity_spec(name: str, spec: Entity | None = None) -> Entity:
    """The shape ``name`` is compared in: ``spec`` (a user's overridden shape) or canonical."""
    if name not in ENTITIES:
        raise ConfigError(f"unknown entity {name!r}; known: {', '.join(ENTITY_ORDER)}")
    if spec is None:
        return ENTITIES[name]
    if not isinstance(spec, Entity) or spec.name != name:
        raise ConfigError(f"the shape given for {name} must be an Entity named {name!r}")
    if spec.key not in spec.names:
        raise ConfigError(f"{name}: the key {spec.key!r} is not one of its columns {spec.names}")
    return spec


def _rule(rules: CompareRules, spec: Entity, col: Col) -> FieldRule:
    """The rule for one column of ``spec``: a per-field override, else the default of the
    column's kind -- read from ``spec``, so an extra column (a custom field the user added
    through the mapping overrides) is compared by its own kind."""
    override = rules.by_field.get((spec.name, col.name))
    if override is not None:
        return override
    if col.name in ENTITIES[spec.name].names and ENTITIES[spec.name].col(col.name) == col:
        return rules.rule(spec.name, col.name)
    return rules.by_kind[col.kind]


def _key_strings(spec: Entity, frame: pd.DataFrame) -> pa.Array:
    """The key column as text: an overridden key may be an ``int`` or ``date`` column, and
    keys are paired -- and reported -- in their canonical string form (``canon_str``)."""
    values = frame[spec.key]
    kind = spec.col(spec.key).kind
    if kind == "date" or values.dtype.kind == "M":
        values = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
    elif values.dtype.kind in "iub":
        values = values.astype("str")
    return arrow_strings(values)


def check_frame(spec: Entity, side: str, frame: object) -> pd.DataFrame:
    """``frame`` with the entity's columns in canonical order, or a ConfigError saying why not."""
    where = f"{spec.name} ({side})"
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"{where}: expected a pandas DataFrame, got {type(frame).__name__}")
    have = [str(c) for c in frame.columns]
    lacking = [c for c in spec.names if c not in have]
    extra = [c for c in have if c not in spec.names]
    if lacking or extra or len(set(have)) != len(have):
        problems = []
        if lacking:
            problems.append(f"lacks {lacking}")
        if extra:
            problems.append(f"has unexpected {extra}")
        if len(set(have)) != len(have):
            problems.append("repeats column names")
        raise ConfigError(
            f"{where}: the frame {' and '.join(problems)}; a canonical {spec.name} frame has "
            f"exactly the columns {spec.names} (map it with recon.mapping / conform first)"
        )
    return frame.loc[:, spec.names] if have != spec.names else frame


def _one_sided(frame: pd.DataFrame, rows: np.ndarray, key: str) -> pd.DataFrame:
    """The rows at ``rows``, sorted by key (missing keys last), with a fresh index."""
    out = frame.iloc[rows]
    out = out.sort_values(key, kind="stable", na_position="last")
    return out.reset_index(drop=True)


def _mismatches(
    spec: Entity, keys: pa.Array, found: list[tuple[str, ColumnFindings]]
) -> pd.DataFrame:
    """The long mismatch table, sorted by key then canonical field order.

    ``keys`` is the Intacct key column; findings' ``rows`` are Intacct row positions.
    """
    order = {name: i for i, name in enumerate(spec.names)}
    rows = np.concatenate([f.rows for _, f in found]) if found else np.empty(0, np.int64)
    frame = mismatch_frame(
        keys=keys.take(pa.array(rows)).to_pylist(),
        fields=[name for name, f in found for _ in f.rows],
        intacct=[v for _, f in found for v in f.intacct],
        bigtime=[v for _, f in found for v in f.bigtime],
        kinds=[k for _, f in found for k in f.kinds],
    )
    rank = frame["field"].map(order)
    frame = frame.assign(_rank=rank).sort_values(["key", "_rank"], kind="stable")
    return frame.drop(columns="_rank").reset_index(drop=True)


def _pairing(partner: np.ndarray, bigtime_rows: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``(gather, paired)`` for :func:`compare_column`; ``None`` when the pairing is trivial
    (same rows in the same order on both sides), so no column is copied."""
    paired = partner >= 0
    if paired.all() and len(partner) == bigtime_rows:
        if np.array_equal(partner, np.arange(bigtime_rows)):
            return None, None
        return partner, None
    return np.where(paired, partner, 0), paired


def _compare_fields(
    spec: Entity,
    frames: tuple[pd.DataFrame, pd.DataFrame],
    aligned: Alignment,
    rules: CompareRules,
) -> list[tuple[str, ColumnFindings]]:
    if not aligned.paired:
        return []
    pairing = _pairing(aligned.partner, len(frames[1]))
    found = []
    for col in spec.columns:
        if col.name == spec.key:  # equal by construction: the pairing matched it
            continue
        rule = _rule(rules, spec, col)
        if rule.ignore:
            continue
        a, b = frames[0][col.name], frames[1][col.name]
        result = compare_column(col, rule, a, b, pairing, f"{spec.name}.{col.name}")
        if len(result.rows):
            found.append((col.name, result))
    return found


def diff_entity(
    entity: str,
    intacct: pd.DataFrame,
    bigtime: pd.DataFrame,
    rules: CompareRules | None = None,
    spec: Entity | None = None,
) -> EntityDiff:
    """Compare one entity's canonical frames from the two systems, keyed by its key column.

    Parameters
    ----------
    entity:
        Canonical entity name (``recon.canonical.ENTITIES``).
    intacct, bigtime:
        Canonical frames with exactly the entity's columns (any column and row order).
        They are read, never modified.
    rules:
        How fields are compared; :meth:`CompareRules.default` when ``None``. A column the
        canonical entity does not have (an extra of ``spec``) takes the default rule of its
        kind unless ``rules.by_field`` names it.
    spec:
        The shape the frames have when the user's mapping overrides changed it
        (``MappingOverrides.entity(entity)``: another key, ignored columns dropped, extra
        columns added); columns, key and kinds are then read from it. ``None``: the
        canonical shape (``recon.canonical.ENTITIES[entity]``).

    Returns
    -------
    EntityDiff
        One-sided rows, long-form mismatches and duplicate keys.

    Raises
    ------
    ConfigError
        Unknown entity, or a frame without exactly the canonical columns, or a column whose
        values cannot be compared as their kind (text, dates, numbers).
    """
    spec = entity_spec(entity, spec)
    rules = rules if rules is not None else CompareRules.default()
    frames = (check_frame(spec, "intacct", intacct), check_frame(spec, "bigtime", bigtime))
    keys = [_key_strings(spec, frame) for frame in frames]
    aligned = align(keys[0], keys[1])
    found = _compare_fields(spec, frames, aligned, rules)
    return EntityDiff(
        entity=entity,
        key=spec.key,
        only_in_intacct=_one_sided(frames[0], aligned.only_intacct, spec.key),
        only_in_bigtime=_one_sided(frames[1], aligned.only_bigtime, spec.key),
        mismatches=_mismatches(spec, keys[0], found),
        duplicates=aligned.duplicates,
        compared=aligned.paired,
    )
