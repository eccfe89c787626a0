"""A request rate: sends spaced so that no more than so many start in any minute.

BigTime publishes no rate limit; integrators report about 30 calls a minute per API token
(unverified), and a 429 then costs a ``Retry-After`` wait. A profile may therefore set
``[bigtime] requests_per_minute``: its client sends through one :class:`Pacer`, which gives
each send the next free slot ``60 / rate`` seconds after the previous one. Slots are spaced
evenly (no burst after an idle spell), so any minute holds at most ``rate`` starts.

>>> waits = []
>>> pacer = Pacer(30, clock=lambda: 0.0, sleep=waits.append)  # a clock that stands still
>>> [pacer.wait() for _ in range(3)], waits
([0.0, 2.0, 4.0], [2.0, 4.0])
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from recon.errors import ConfigError

SECONDS_PER_MINUTE = 60.0


def check_rate(per_minute: object, what: str = "requests_per_minute") -> float:
    """``per_minute`` as a float: a finite number above 0 (``what`` starts the message).

    Raises
    ------
    ConfigError
        Anything else: a bool, text, 0, a negative number, infinity or NaN.
    """
    if (
        isinstance(per_minute, bool)
        or not isinstance(per_minute, int | float)
        or not math.isfinite(per_minute)
        or per_minute <= 0
    ):
        raise ConfigError(
            f"{what} must be a number above 0 such as 30, not {per_minute!r}; leave it out "
            "for no limit"
        )
    return float(per_minute)


class Pacer:
    """Spaces the starts of sends ``60 / per_minute`` seconds apart (thread-safe).

    Each :meth:`wait` reserves the next free slot under a lock and sleeps until it outside
    the lock, so threads sending at once leave one slot apart, in the order they reserved.

    Parameters
    ----------
    per_minute:
        Sends a minute, at most (a finite number above 0).
    clock, sleep:
        Seconds on a monotonic clock, and how to wait; injected by tests.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = check_rate(per_minute)
        self.interval = SECONDS_PER_MINUTE / self.per_minute
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next: float | None = None  # the earliest start of the next send

    def __repr__(self) -> str:
        return f"Pacer({self.per_minute:g} a minute)"

    def reserve(self) -> float:
        """Take the next free slot; return the seconds until it (0 when it is now)."""
        with self._lock:
            now = self._clock()
            slot = now if self._next is None else max(now, self._next)
            self._next = slot + self.interval
        return slot - now

    def wait(self) -> float:
        """Reserve the next slot and sleep until it; return the seconds waited."""
        delay = self.reserve()
        if delay > 0:
            self._sleep(delay)
        return delay
