"""A request pacer on a clock that stands still, put in place of recon's own by a test.

Every send reserves the next free slot, so with the clock standing still a pacer's waits
are exactly 0, 1, 2, ... intervals, one per send, whatever order the threads come in: a
test compares them with the requests the sandbox received, and no wall clock is read.
"""

from __future__ import annotations

import threading

import pytest

from recon import pacing


class StillPacer(pacing.Pacer):
    """:class:`recon.pacing.Pacer` at a standing clock, recording its waits (never sleeping)."""

    def __init__(self, per_minute: float, **_: object) -> None:
        super().__init__(per_minute, clock=lambda: 0.0, sleep=lambda s: None)
        self.waits: list[float] = []
        self._record = threading.Lock()

    def wait(self) -> float:
        waited = super().wait()
        with self._record:
            self.waits.append(waited)
        return waited


def still_pacers(monkeypatch: pytest.MonkeyPatch) -> list[StillPacer]:
    """Make every pacer recon builds from now on a :class:`StillPacer`; the list holds
    each one made, in order."""
    made: list[StillPacer] = []

    def make(per_minute: float, **kw: object) -> StillPacer:
        pacer = StillPacer(per_minute, **kw)
        made.append(pacer)
        return pacer

    monkeypatch.setattr(pacing, "Pacer", make)
    return made
