"""Calls side by side, results in order, and when the next is due (recon.bigtime.fetch).

The calls finish in an order the tests choose with events, and durations come from a clock
the tests move by hand: no outcome depends on how fast the machine is.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from recon.bigtime import fetch as fetch_module
from recon.bigtime.fetch import Timings, fetch_all, fetch_streaming
from tests.clock import FakeClock
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


def test_fetch_streaming_says_when_the_next_result_is_due() -> None:
    clock = FakeClock(100.0)
    started, release = _events(), threading.Event()

    def fetch(n: int) -> int:
        started[n].set()
        if n == 0:
            # Item 2 runs on item 1's worker, so it starts only once 1 is done and in.
            wait_for(started[2], "item 2 to start")
            clock.advance(1.0)  # item 0 took 2 s
        elif n == 1:
            wait_for(started[0], "item 0 to start")  # both start at 100
            clock.advance(1.0)  # item 1 took 1 s
        elif n == 2:
            wait_for(release, "the test to let item 2 answer")
        return n * 10

    stream = fetch_streaming(fetch, [0, 1, 2], 2, timings=Timings(clock=clock))
    assert next(stream) == (0, 0.0)  # 1 was in before 0
    # 2 started at 101, calls take 1.5 s (the median): due at 102.5; it is 102 now.
    assert next(stream) == (10, 0.5)
    release.set()
    assert next(stream) == (20, math.inf)
    assert list(stream) == []
    assert list(fetch_streaming(fetch, [1], 3)) == [(10, math.inf)]


def test_timings_guess_when_the_running_call_ends() -> None:
    clock = FakeClock(10.0)
    timings = Timings(clock=clock)
    assert timings.next_due() == 0.0  # nothing known
    timings.run(0, clock.advance, 2.0)  # took 2 s
    assert timings.next_due() == 0.0  # nothing running
    started, release = threading.Event(), threading.Event()

    def slow(_: object) -> None:
        started.set()
        wait_for(release, "the test to end the call")

    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(timings.run, 1, slow, None)
        wait_for(started, "the call to start")
        assert timings.next_due() == 2.0  # started at 12, typically takes 2 s
        clock.advance(0.5)
        assert timings.next_due() == 1.5
        clock.advance(5.0)
        assert timings.next_due() == 0.0  # overdue: due now, never in the past
        release.set()
        running.result()


class _ShutdownSeen(ThreadPoolExecutor):
    """A pool that says when it has cancelled its waiting calls, before it waits for the
    running ones."""

    cancelled = threading.Event()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=cancel_futures)
        type(self).cancelled.set()
        super().shutdown(wait=wait)


def test_closing_fetch_streaming_early_cancels_the_calls_not_started(
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
    stream = fetch_streaming(fetch, list(range(20)), 2)
    assert next(stream)[0] == 0
    stream.close()  # cancels the calls not started, then waits for the running ones
    # Its workers are gone, so nothing more can start: 0 and 1 started at once, and 2 only
    # if 0's worker took it before the stream was closed.
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("bt-pull")]
    assert sorted(started) in ([0, 1], [0, 1, 2])
