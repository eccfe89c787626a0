"""The diff's result: immutable data that reports, widgets and the plan only read.

:class:`EntityDiff` holds one entity's findings (one-sided rows, field mismatches in long
form, duplicate keys); :class:`Diff` holds one per entity and lays them out as one summary
and one findings table in the manifest's vocabulary (``missing_in_bigtime``,
``missing_in_intacct``, ``field_mismatch``, ``duplicate_key``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import pandas as pd

from recon.canonical import ENTITIES, ENTITY_ORDER, canon_str
from recon.errors import ConfigError

Side = Literal["intacct", "bigtime"]
MismatchKind = Literal["value", "cosmetic", "missing_vs_empty"]

VALUE: MismatchKind = "value"
COSMETIC: MismatchKind = "cosmetic"
MISSING_VS_EMPTY: MismatchKind = "missing_vs_empty"

MISMATCH_COLUMNS = ("key", "field", "intacct", "bigtime", "kind")
DUPLICATE_COLUMNS = ("side", "key", "count")
COUNT_NAMES = (
    "only_in_intacct",
    "only_in_bigtime",
    "mismatched_records",
    "mismatched_fields",
    "cosmetic",
    "duplicates",
)
SUMMARY_COLUMNS = ("entity", *COUNT_NAMES)
FINDING_COLUMNS = ("entity", "kind", "key", "field", "intacct_value", "bigtime_value", "detail")
#: Finding kinds, in the order findings are listed within an entity.
FINDING_KINDS = ("missing_in_bigtime", "missing_in_intacct", "field_mismatch", "duplicate_key")

_LABEL = {"intacct": "Intacct", "bigtime": "BigTime"}
_OTHER: Mapping[str, Side] = {"intacct": "bigtime", "bigtime": "intacct"}


def _objects(values: object) -> pd.Series:
    """A Series of ``str | None`` kept as Python objects (pandas would turn None into NaN)."""
    return pd.Series(values, dtype=object)


def mismatch_frame(
    keys: list[str], fields: list[str], intacct: list[Any], bigtime: list[Any], kinds: list[str]
) -> pd.DataFrame:
    """The long mismatch table with its fixed columns and dtypes."""
    return pd.DataFrame(
        {
            "key": pd.Series(keys, dtype="str"),
            "field": pd.Series(fields, dtype="str"),
            "intacct": _objects(intacct),
            "bigtime": _objects(bigtime),
            "kind": pd.Series(kinds, dtype="str"),
        }
    )


def duplicate_frame(sides: list[str], keys: list[str], counts: list[int]) -> pd.DataFrame:
    """The duplicate-key table, ordered by side (Intacct first) then key."""
    frame = pd.DataFrame(
        {
            "side": pd.Series(sides, dtype="str"),
            "key": pd.Series(keys, dtype="str"),
            "count": pd.Series(counts, dtype="int64"),
        }
    )
    order = frame["side"].map({"intacct": 0, "bigtime": 1})
    frame = frame.assign(_o=order).sort_values(["_o", "key"], kind="stable")
    return frame.drop(columns="_o").reset_index(drop=True)


# eq=False: comparing DataFrames element-wise has no single truth value; identity it is.
@dataclass(frozen=True, eq=False)
class EntityDiff:
    """One entity's findings. The frames are read-only: never mutate them.

    Attributes
    ----------
    entity, key:
        Canonical entity name and its key column.
    only_in_intacct, only_in_bigtime:
        Canonical rows whose key is on that side only (sorted by key; rows with a missing
        key are never paired, so they are listed here too, last).
    mismatches:
        Long form, one row per (key, field) that differs: ``key``, ``field``, ``intacct``,
        ``bigtime`` (``canon_str`` forms, ``None`` for missing) and ``kind`` (``"value"``,
        ``"cosmetic"`` or ``"missing_vs_empty"``); sorted by key, then field order.
    duplicates:
        ``side``, ``key``, ``count``: keys found more than once on a side; their rows on
        both sides are neither paired nor compared.
    compared:
        Number of records paired by key and compared field by field.
    """

    entity: str
    key: str
    only_in_intacct: pd.DataFrame
    only_in_bigtime: pd.DataFrame
    mismatches: pd.DataFrame
    duplicates: pd.DataFrame
    compared: int = 0

    def counts(self) -> dict[str, int]:
        """Finding counts: one-sided rows, mismatched records and fields, cosmetic, duplicates.

        ``mismatched_records`` counts keys with at least one mismatch row and
        ``mismatched_fields`` the mismatch rows; both include the cosmetic ones, which
        ``cosmetic`` counts apart. ``duplicates`` counts (side, key) pairs.
        """
        m = self.mismatches
        return {
            "only_in_intacct": len(self.only_in_intacct),
            "only_in_bigtime": len(self.only_in_bigtime),
            "mismatched_records": int(m["key"].nunique()),
            "mismatched_fields": len(m),
            "cosmetic": int((m["kind"] == COSMETIC).sum()),
            "duplicates": len(self.duplicates),
        }

    def swap(self) -> EntityDiff:
        """The same findings with the two sides' roles exchanged."""
        mismatches = self.mismatches.rename(columns={"intacct": "bigtime", "bigtime": "intacct"})
        dups = self.duplicates
        return EntityDiff(
            entity=self.entity,
            key=self.key,
            only_in_intacct=self.only_in_bigtime,
            only_in_bigtime=self.only_in_intacct,
            mismatches=mismatches.loc[:, list(MISMATCH_COLUMNS)],
            duplicates=duplicate_frame(
                [_OTHER[s] for s in dups["side"]], list(dups["key"]), list(dups["count"])
            ),
            compared=self.compared,
        )

    def findings(self) -> pd.DataFrame:
        """This entity's part of :meth:`Diff.findings`."""
        parts = [
            self._missing("missing_in_bigtime", self.only_in_intacct, "intacct"),
            self._missing("missing_in_intacct", self.only_in_bigtime, "bigtime"),
            self._field_mismatches(),
            self._duplicate_keys(),
        ]
        return pd.concat(parts, ignore_index=True)

    def wide(self) -> pd.DataFrame:
        """Side by side: one row per key with any finding.

        Columns ``key``, ``finding`` (the finding kind), then ``<field>_intacct`` and
        ``<field>_bigtime`` for each field that differs somewhere in this entity, in
        canonical column order. A mismatch row carries values only for the fields that
        differ for that key (``None`` elsewhere); a one-sided row carries its side's values.
        """
        spec = ENTITIES[self.entity]
        differing = set(self.mismatches["field"])
        fields = [c for c in spec.names if c in differing]
        parts = [self._wide_mismatches(fields)]
        one_sided: tuple[tuple[pd.DataFrame, Side], ...] = (
            (self.only_in_intacct, "intacct"),
            (self.only_in_bigtime, "bigtime"),
        )
        for frame, side in one_sided:
            parts.append(self._wide_one_sided(frame, side, fields))
        dups = self.duplicates.drop_duplicates("key")
        parts.append(_table({"key": list(dups["key"]), "finding": "duplicate_key"}))
        columns = ["key", "finding"] + [f"{f}_{s}" for f in fields for s in ("intacct", "bigtime")]
        out = pd.concat(parts, ignore_index=True).reindex(columns=columns)
        out = out.astype(object).where(out.notna(), None)
        return out.sort_values("key", kind="stable", na_position="last").reset_index(drop=True)

    # --- helpers ------------------------------------------------------------------------------
    def _missing(self, kind: str, rows: pd.DataFrame, side: Side) -> pd.DataFrame:
        keys = [canon_str(k, "id") for k in rows[self.key]]
        return _finding_table(self.entity, kind, keys, detail=f"only in {_LABEL[side]}")

    def _field_mismatches(self) -> pd.DataFrame:
        m = self.mismatches
        return _finding_table(
            self.entity,
            "field_mismatch",
            list(m["key"]),
            fields=list(m["field"]),
            intacct=list(m["intacct"]),
            bigtime=list(m["bigtime"]),
            detail=list(m["kind"]),
        )

    def _duplicate_keys(self) -> pd.DataFrame:
        d = self.duplicates
        detail = [f"{n} rows in {_LABEL[s]}" for s, n in zip(d["side"], d["count"], strict=True)]
        return _finding_table(self.entity, "duplicate_key", list(d["key"]), detail=detail)

    def _wide_mismatches(self, fields: list[str]) -> pd.DataFrame:
        m = self.mismatches
        out = pd.DataFrame({"key": pd.unique(m["key"])}, dtype=object)
        for f in fields:
            sub = m[m["field"] == f].set_index("key")
            for side in ("intacct", "bigtime"):
                out[f"{f}_{side}"] = out["key"].map(sub[side])
        return out.assign(finding="field_mismatch")

    def _wide_one_sided(self, rows: pd.DataFrame, side: Side, fields: list[str]) -> pd.DataFrame:
        spec = ENTITIES[self.entity]
        kind = "missing_in_bigtime" if side == "intacct" else "missing_in_intacct"
        table: dict[str, object] = {
            "key": [canon_str(k, "id") for k in rows[self.key]],
            "finding": kind,
        }
        for f in fields:
            kind_f = spec.col(f).kind
            table[f"{f}_{side}"] = [canon_str(v, kind_f) for v in rows[f]]
        return _table(table)


def _table(columns: Mapping[str, object]) -> pd.DataFrame:
    """A frame of Python objects; scalars broadcast over the list columns' length."""
    lengths = [len(v) for v in columns.values() if isinstance(v, list)]
    n = lengths[0] if lengths else 0
    data = {k: v if isinstance(v, list) else [v] * n for k, v in columns.items()}
    return pd.DataFrame(data, dtype=object)


def _finding_table(
    entity: str,
    kind: str,
    keys: list[Any],
    *,
    fields: list[str] | None = None,
    intacct: list[Any] | None = None,
    bigtime: list[Any] | None = None,
    detail: str | list[str] = "",
) -> pd.DataFrame:
    n = len(keys)
    details = detail if isinstance(detail, list) else [detail] * n
    return pd.DataFrame(
        {
            "entity": pd.Series([entity] * n, dtype="str"),
            "kind": pd.Series([kind] * n, dtype="str"),
            "key": _objects(keys),
            "field": _objects(fields if fields is not None else [None] * n),
            "intacct_value": _objects(intacct if intacct is not None else [None] * n),
            "bigtime_value": _objects(bigtime if bigtime is not None else [None] * n),
            "detail": pd.Series(details, dtype="str"),
        }
    )


@dataclass(frozen=True, eq=False)
class Diff:
    """Every entity's :class:`EntityDiff`, in ``ENTITY_ORDER``.

    ``entities`` is a read-only mapping; the result is immutable data.
    """

    entities: Mapping[str, EntityDiff]

    def __post_init__(self) -> None:
        unknown = [e for e in self.entities if e not in ENTITY_ORDER]
        if unknown:
            raise ConfigError(f"unknown entities in Diff: {unknown}")
        ordered = {e: self.entities[e] for e in ENTITY_ORDER if e in self.entities}
        object.__setattr__(self, "entities", MappingProxyType(ordered))

    def summary(self) -> pd.DataFrame:
        """One row per entity: ``entity`` and the :meth:`EntityDiff.counts`."""
        rows = [{"entity": name, **ed.counts()} for name, ed in self.entities.items()]
        frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
        return frame.astype({"entity": "str", **{c: "int64" for c in COUNT_NAMES}})

    def findings(self) -> pd.DataFrame:
        """Every finding in one long table, in the manifest's vocabulary.

        Columns ``entity``, ``kind`` (``missing_in_bigtime``, ``missing_in_intacct``,
        ``field_mismatch``, ``duplicate_key``), ``key``, ``field``, ``intacct_value``,
        ``bigtime_value`` (``canon_str`` forms; ``None`` for the one-sided and duplicate
        kinds, as in the manifest) and ``detail`` (the mismatch kind for field mismatches,
        e.g. ``"cosmetic"``; ``"only in Intacct"``; ``"2 rows in BigTime"``).
        """
        parts = [ed.findings() for ed in self.entities.values()]
        if not parts:
            return _finding_table("", "", [])
        return pd.concat(parts, ignore_index=True)

    def swap(self) -> Diff:
        """Every entity's findings with the sides exchanged."""
        return Diff({name: ed.swap() for name, ed in self.entities.items()})
