"""BigTime reference lists -> canonical reference entities, and id -> key look-ups in them.

A list item is ``{Id, Name, Group, IsInactive}`` plus the extras of
:data:`recon.bigtime.uncertain.PICKLIST_EXTRA_FIELDS`. The Intacct key of an item sits in the
field :data:`recon.bigtime.uncertain.LISTS` names for its list (``Code`` for cost centers,
classes, accounts ...; ``Name`` for project types, labor codes, terms): that field becomes the
canonical key, and every BigTime reference into the list (``CostCenterA``, ``TypeId``,
``BudgCatID``, ``TermsSid`` ...) resolves to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd

from recon.bigtime import uncertain
from recon.canonical import ENTITIES, LIST_PREFIX
from recon.mapping.common import (
    Frames,
    MappingReport,
    Rows,
    column,
    finish,
    key_table,
    require,
    status_from_inactive,
)

SYSTEM = "bigtime"
#: Picklist item fields (docs/specs/bigtime-rest-api.md §4.10): the item id and the inactive flag.
ITEM_ID, ITEM_INACTIVE = "Id", "IsInactive"

#: Canonical reference entity -> (BigTime list, {canonical column: item field}) for the
#: columns other than the key and status (the key is the list's ``key_field``): the
#: registry's ``bigtime_list`` and ``bigtime_fields`` (:class:`recon.canonical.Entity`).
LIST_ENTITIES: Mapping[str, tuple[str, Mapping[str, str]]] = MappingProxyType(
    {
        name: (list_name, MappingProxyType(dict(e.bigtime_fields)))
        for name, e in ENTITIES.items()
        if (list_name := e.bigtime_list) is not None
    }
)


def frame_name(list_name: str) -> str:
    """The pulled frame of a reference list (``"list:class"``, :mod:`recon.bigtime.pull`)."""
    return LIST_PREFIX + list_name


def list_keys(frames: Frames, list_name: str, needed_by: str) -> pd.Series:
    """``item Id -> Intacct key`` of one reference list (its ``key_field``).

    Raises
    ------
    ConfigError
        ``frames`` lacks the list.
    """
    items = require(frames, frame_name(list_name), SYSTEM, needed_by)
    return key_table(items, ITEM_ID, uncertain.LISTS[list_name].key_field)


def map_list_entity(
    entity: str, frames: Frames, report: MappingReport | None = None
) -> pd.DataFrame:
    """The canonical frame of a reference entity (``department``, ``ar_term`` ...).

    Items without a key (the ``N/A`` value of an unused cost center, say) are left out and
    counted in the report.

    Raises
    ------
    KeyError
        ``entity`` is not one of :data:`LIST_ENTITIES`.
    ConfigError
        ``frames`` lacks the entity's list.
    """
    report = MappingReport(SYSTEM) if report is None else report
    list_name, fields = LIST_ENTITIES[entity]
    spec = ENTITIES[entity]
    items = require(frames, frame_name(list_name), SYSTEM, entity)
    key_field = uncertain.LISTS[list_name].key_field
    rows = Rows(items, f"BigTime {list_name} item", ITEM_ID, ("Name",), key_field)
    fields = {spec.key: key_field, **fields}
    data: dict[str, pd.Series] = {
        name: column(items, field, "Int64" if spec.col(name).kind == "int" else "str")
        for name, field in fields.items()
    }
    data["status"] = status_from_inactive(column(items, ITEM_INACTIVE, "boolean"))
    return finish(entity, data, items.index, report, rows, f"no {key_field}: left out")
