"""Canonical frames for the diff tests: hand-written rows and seeded random pairs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from recon.canonical import ENTITIES, conform

#: A value of each kind for columns a test does not care about.
FILLER: Mapping[str, object] = {
    "id": "X1",
    "text": "same",
    "status": "active",
    "money": Decimal("10.00"),
    "hours": Decimal("1.00"),
    "int": 30,
    "date": dt.datetime(2025, 1, 1),
    "bool": True,
}


def frame(entity: str, *rows: Mapping[str, object]) -> pd.DataFrame:
    """A canonical frame of ``rows``; columns a row leaves out get :data:`FILLER` values."""
    spec = ENTITIES[entity]
    full = [{c.name: row.get(c.name, FILLER[c.kind]) for c in spec.columns} for row in rows]
    data = pd.DataFrame(full, columns=spec.names)
    if not rows:  # an empty frame still has the canonical dtypes
        data = pd.DataFrame({c: pd.Series([], dtype=object) for c in spec.names})
    return conform(entity, data)


# --- random pairs -----------------------------------------------------------------------------
# Pools with near-misses on purpose: case, whitespace and Unicode variants, empty vs missing.
TEXTS = ["Acme", "ACME", "acme ", "Acme  Corp", "Acme Corp", "Café", "Cafe\u0301", "", None]
IDS = ["E1", "e1", "E2", "E 2", None]
STATUSES = ["active", "inactive", "Active"]
#: Quarter values: exact in binary floating point too (the datacompy oracle converts to float).
QUARTERS = [Decimal(q) / 4 for q in range(0, 41)] + [Decimal("1234567.75"), None]
DATES = [dt.datetime(2025, 1, d) for d in (1, 2, 31)] + [None]


def _pool(kind: str) -> list[object]:
    return {
        "id": IDS,
        "text": TEXTS,
        "status": STATUSES,
        "money": QUARTERS,
        "hours": QUARTERS,
        "int": [0, 15, 30, 45, -1],
        "date": DATES,
        "bool": [True, False],
    }[kind]


def _random_rows(entity: str, keys: list[str], rng: np.random.Generator) -> pd.DataFrame:
    spec = ENTITIES[entity]
    data: dict[str, list[object]] = {}
    for col in spec.columns:
        pool = _pool(col.kind)
        data[col.name] = [pool[i] for i in rng.integers(0, len(pool), len(keys))]
    data[spec.key] = list(keys)
    return pd.DataFrame(data, columns=spec.names)


def random_pair(
    entity: str, rng: np.random.Generator, rows: int, *, change: float = 0.3, dup: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(intacct, bigtime) canonical frames with overlapping keys; shared rows differ in
    about ``change`` of their cells. With ``dup``, a few keys repeat on a side."""
    spec = ENTITIES[entity]
    universe = [f"K{i:05d}" for i in range(int(rows * 1.3) + 1)]
    keys_a = list(rng.choice(universe, rows, replace=dup))
    keys_b = list(rng.choice(universe, rows, replace=dup))
    a = _random_rows(entity, keys_a, rng)
    b = _random_rows(entity, keys_b, rng)
    # Shared keys mostly agree: copy the Intacct cell unless this cell is to change.
    first_a = a.drop_duplicates(spec.key).set_index(spec.key)
    shared = b[spec.key].isin(first_a.index).to_numpy()
    for name in spec.names:
        if name == spec.key:
            continue
        keep = shared & (rng.random(len(b)) >= change)
        source = first_a[name].reindex(b[spec.key]).to_numpy(dtype=object)
        column = b[name].to_numpy(dtype=object, copy=True)
        column[keep] = source[keep]
        b[name] = column
    return conform(entity, a, sort=True), conform(entity, b, sort=True)
