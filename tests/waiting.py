"""Waiting in tests for something to happen, never for a while.

Every wait here is on an event or a condition; its timeout only bounds a hang (a test that
reaches it has failed), so a slow or busy machine never changes an outcome.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: Seconds before a wait gives up: a bound on a hang, not a measurement.
PATIENCE = 30.0


def wait_for(event: threading.Event, what: str, timeout: float = PATIENCE) -> None:
    """Wait until ``event`` is set; AssertionError naming ``what`` if it never is."""
    if not event.wait(timeout):
        raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")


def wait_until(condition: Callable[[], bool], what: str, timeout: float = PATIENCE) -> None:
    """Poll ``condition`` until it holds; AssertionError naming ``what`` if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting until {what}")
        time.sleep(0.005)


class Gate:
    """A stand-in for ``time.sleep`` (a sandbox's ``sleep``) that records the seconds asked
    for and holds each caller until :meth:`open`; :attr:`entered` is set once one is held.

    Open it in a ``finally``: a request left held would outlive its test.
    """

    def __init__(self) -> None:
        self.asked: list[float] = []
        self.entered = threading.Event()
        self._open = threading.Event()

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        self.entered.set()
        wait_for(self._open, "the test to let the held request go")

    def open(self) -> None:
        self._open.set()
