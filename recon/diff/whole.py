"""Every entity of both sides: :func:`diff_entity` per entity, time entries through their
own matcher (:mod:`recon.diff.time`, which builds on the engine)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import pandas as pd

from recon.canonical import ENTITIES, ENTITY_ORDER, Entity
from recon.diff.engine import SIDES, diff_entity
from recon.diff.result import Diff
from recon.diff.rules import CompareRules
from recon.diff.time import diff_time
from recon.errors import ConfigError


def diff_all(
    intacct: Mapping[str, pd.DataFrame],
    bigtime: Mapping[str, pd.DataFrame],
    rules: CompareRules | None = None,
    specs: Mapping[str, Entity] | None = None,
) -> Diff:
    """:func:`diff_entity` for every entity present on both sides, in ``ENTITY_ORDER``.

    Time entries go through :func:`recon.diff.time.diff_time` (link id, then a fallback
    match of Intacct entries without it). ``specs`` maps an entity to the shape its frames
    have under the user's mapping overrides (``{e: overrides.entity(e) for e in frames}``);
    an entity it does not name has its canonical shape.

    Raises
    ------
    ConfigError
        A mapping names an entity recon does not know (or any :func:`diff_entity` error).
    """
    for side, frames in zip(SIDES, (intacct, bigtime), strict=True):
        unknown = [name for name in frames if name not in ENTITIES]
        if unknown:
            raise ConfigError(f"{side} frames name unknown entities {unknown}")
    rules = rules if rules is not None else CompareRules.default()
    specs = specs if specs is not None else {}
    both = [name for name in ENTITY_ORDER if name in intacct and name in bigtime]
    found = {}
    for name in both:
        compare = diff_time if name == "time_entry" else partial(diff_entity, name)
        found[name] = compare(intacct[name], bigtime[name], rules, specs.get(name))
    return Diff(found)
