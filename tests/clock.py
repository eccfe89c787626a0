"""A clock the tests move forward by hand (sandbox sessions, result ids, stamps)."""

from __future__ import annotations


class FakeClock:
    """Seconds since the epoch, standing still until :meth:`advance` moves them."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
