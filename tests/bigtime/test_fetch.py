"""Calls side by side, results in order (recon.bigtime.fetch).

The calls finish in an order the tests choose with events: no outcome depends on how fast
the machine is.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from recon.bigtime import fetch as fetch_module
from recon.bigtime.fetch import fetch_all, fetch_in_order
from tests.waiting import wait_for


def _events() -> defaultdict[int, threading.Event]:
    return defaultdict(threading.Event)


def test_fetch_all_keeps_the_order_of_the_items_whatever_answers_first() -> None:
    done = _events()

    def fetch(n: int) -> int:  # 3 answers first, then 2, 1, 0
        if n < 3:
            wait_for(done[n + 1], f"item {n + 1} to answer")
        done[n].set()
        return n * 10

    assert fetch_all(fetch, [0, 1, 2, 3], 4) == [0, 10, 20, 30]
    assert fetch_all(fetch, [], 4) == []


def test_the_first_failure_in_order_is_raised() -> None:
    failed = threading.Event()

    def fetch(n: int) -> int:
        if n == 3:
            failed.set()
            raise ValueError("item 3")
        if n == 2:
            wait_for(failed, "item 3 to fail first")
            raise ValueError("item 2")
        return n

    with pytest.raises(ValueError, match="item 2"):
        fetch_all(fetch, [0, 1, 2, 3], 4)


class _ShutdownSeen(ThreadPoolExecutor):
    """A pool that says when it has cancelled its waiting calls, before it waits for the
    running ones."""

    cancelled = threading.Event()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=cancel_futures)
        type(self).cancelled.set()
        super().shutdown(wait=wait)


def test_closing_the_stream_early_cancels_the_calls_not_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fetch_module, "ThreadPoolExecutor", _ShutdownSeen)
    monkeypatch.setattr(_ShutdownSeen, "cancelled", threading.Event())
    started: list[int] = []

    def fetch(n: int) -> int:
        started.append(n)
        if n > 0:  # still running when the stream is closed
            wait_for(_ShutdownSeen.cancelled, "the stream to cancel what has not started")
        return n

    before = set(threading.enumerate())
    stream = fetch_in_order(fetch, list(range(20)), 2)
    assert next(stream) == 0
    stream.close()  # cancels the calls not started, then waits for the running ones
    # Its workers are gone, so nothing more can start: 0 and 1 started at once, and 2 only
    # if 0's worker took it before the stream was closed.
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("bt-pull")]
    assert sorted(started) in ([0, 1], [0, 1, 2])
