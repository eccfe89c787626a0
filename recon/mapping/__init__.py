"""Both systems' pulls -> one canonical, comparable shape per entity (:mod:`recon.canonical`).

>>> ia = to_canonical_intacct(recon.intacct.pull.pull_all(client))
>>> bt = to_canonical_bigtime(recon.bigtime.pull.pull_all(bt_client, start, end))
>>> ia["project"].columns.equals(bt["project"].columns)
True

Every output frame has exactly the entity's canonical columns and dtypes
(``canonical.conform(entity, frame, sort=True)``), one row per key -- the key Intacct uses --
sorted by it. What a mapping could not resolve (a dangling BigTime id, a row without a key,
a missing flag) is counted in a :class:`MappingReport` and logged, never raised.

Modules: ``intacct`` (Intacct objects -> entities), ``bigtime`` (BigTime records, ids
resolved to Intacct keys), ``bigtime_lists`` (BigTime reference lists), ``common`` (report,
look-ups, finishing).
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from recon.mapping import bigtime, intacct
from recon.mapping.common import Frames, MappingReport
from recon.mapping.overrides import (
    EntityOverride,
    ExtraField,
    MappingFileError,
    MappingOverrides,
    load_overrides,
    mapping_path,
    parse_overrides,
)


def to_canonical_intacct(
    frames: Frames,
    report: MappingReport | None = None,
    overrides: MappingOverrides | None = None,
    entities: Collection[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Intacct pulled frames (by object name) -> canonical frames (by entity).

    See :func:`recon.mapping.intacct.to_canonical` (``entities``: only these); ``overrides``
    (a user's mapping file, :func:`load_overrides`) are then applied, reading extra fields
    from ``frames``.
    """
    out = intacct.to_canonical(frames, report, entities)
    return overrides.apply_all("intacct", out, frames, report) if overrides else out


def to_canonical_bigtime(
    frames: Frames,
    report: MappingReport | None = None,
    overrides: MappingOverrides | None = None,
    entities: Collection[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """BigTime pulled frames (by entity name) -> canonical frames (by entity).

    See :func:`recon.mapping.bigtime.to_canonical` and, for ``overrides``,
    :func:`to_canonical_intacct`.
    """
    out = bigtime.to_canonical(frames, report, entities)
    return overrides.apply_all("bigtime", out, frames, report) if overrides else out


__all__ = [
    "EntityOverride",
    "ExtraField",
    "MappingFileError",
    "MappingOverrides",
    "MappingReport",
    "bigtime",
    "intacct",
    "load_overrides",
    "mapping_path",
    "parse_overrides",
    "to_canonical_bigtime",
    "to_canonical_intacct",
]
