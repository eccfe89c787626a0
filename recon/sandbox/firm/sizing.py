"""How big the firm is at a scale, the fixed calendar, and seeded random streams.

Every component draws from its own named stream so that one part (e.g. the time-entry
count) can be recomputed without generating the rest, and adding draws to one component
never shifts another's.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from dataclasses import dataclass

import numpy as np

from recon.errors import ConfigError

#: The demo firm's books cover calendar 2025, so output never depends on today's date.
FIRST_DAY = dt.date(2025, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
#: Months invoiced: time is billed monthly; December's time is still work in progress.
LAST_INVOICED_MONTH = 11
#: Time from this day on is submitted but not yet approved (nor synced, for planted items).
RECENT_FROM = dt.date(2025, 12, 15)
#: Firm holidays (no time logged).
HOLIDAYS = (
    dt.date(2025, 1, 1), dt.date(2025, 5, 26), dt.date(2025, 7, 4), dt.date(2025, 9, 1),
    dt.date(2025, 11, 27), dt.date(2025, 11, 28), dt.date(2025, 12, 25),
)  # fmt: skip
#: Records created for 2026 (the "not synced yet" spares) start on these dates.
NEXT_YEAR_HIRE = dt.date(2026, 1, 5)
NEXT_YEAR_PROJECT = dt.date(2026, 1, 12)

EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 (numpy's datetime64[D] integer)."""
    return (day - EPOCH).days


@dataclass(frozen=True)
class Sizes:
    """Record counts at a scale (spares for planted "missing" items come on top)."""

    customers: int
    client_projects: int
    employees: int
    vendors: int


def sizes(scale: int) -> Sizes:
    """Scale 1 is a small firm; the counts grow linearly with ``scale``."""
    return Sizes(customers=40 * scale, client_projects=116 * scale, employees=35 * scale,
                 vendors=15 * scale)  # fmt: skip


def plant_factor(scale: int) -> int:
    """How many of each scalable planted item: grows gently (1 at scale 1, 6 at scale 40)."""
    return 1 + int(math.log2(scale))


def stream(seed: int, scale: int, name: str) -> np.random.Generator:
    """The random stream ``name`` of the firm (seed, scale); stable across runs and hosts."""
    return np.random.default_rng([seed, scale, zlib.crc32(name.encode())])


def check_args(seed: int, scale: int) -> None:
    """Refuse arguments that cannot make a firm."""
    for label, value, low in (("seed", seed, 0), ("scale", scale, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{label} must be a whole number >= {low}, not {value!r}")
