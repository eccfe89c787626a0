"""Calls side by side, results in order, and when the next is due (recon.bigtime.fetch)."""

from __future__ import annotations

import math
import threading
import time

import pytest

from recon.bigtime.fetch import Timings, fetch_all, fetch_streaming


def test_fetch_all_keeps_the_order_of_the_items_whatever_answers_first() -> None:
    def fetch(n: int) -> int:
        time.sleep(0.01 * (4 - n))
        return n * 10

    assert fetch_all(fetch, [0, 1, 2, 3], 4) == [0, 10, 20, 30]
    assert fetch_all(fetch, [], 4) == []


def test_the_first_failure_in_order_is_raised() -> None:
    def fetch(n: int) -> int:
        if n >= 2:
            time.sleep(0.02 if n == 2 else 0.0)
            raise ValueError(f"item {n}")
        return n

    with pytest.raises(ValueError, match="item 2"):
        fetch_all(fetch, [0, 1, 2, 3], 4)


def test_fetch_streaming_says_when_the_next_result_is_due() -> None:
    delays = {0: 0.05, 1: 0.3, 2: 0.0, 3: 0.05}

    def fetch(n: int) -> int:
        time.sleep(delays[n])
        return n * 10

    results = list(fetch_streaming(fetch, [0, 1, 2, 3], 3))
    assert [r for r, _ in results] == [0, 10, 20, 30]
    dues = [due for _, due in results]
    # After 0 (took 0.05 s), 1 has run as long: due "now", by the median (0.05 s).
    assert dues[0] < 0.02
    assert dues[1] == 0.0  # 2 was in before 1
    assert 0.0 <= dues[2] < 0.06 and dues[3] == math.inf
    assert list(fetch_streaming(fetch, [2], 3)) == [(20, math.inf)]


def test_timings_guess_when_the_running_call_ends() -> None:
    timings = Timings()
    assert timings.next_due() == 0.0  # nothing known
    timings.run(0, time.sleep, 0.05)
    started = threading.Event()

    def slow(_: object) -> None:
        started.set()
        time.sleep(0.2)

    worker = threading.Thread(target=timings.run, args=(1, slow, None))
    worker.start()
    started.wait()
    assert 0.0 < timings.next_due() <= 0.06  # started just now, at most one median away
    worker.join()


def test_closing_fetch_streaming_early_cancels_the_calls_not_started() -> None:
    started: list[int] = []

    def fetch(n: int) -> int:
        started.append(n)
        time.sleep(0.01)
        return n

    stream = fetch_streaming(fetch, list(range(20)), 2)
    assert next(stream)[0] == 0
    stream.close()  # waits for the running calls, cancels the rest
    assert len(started) <= 4
