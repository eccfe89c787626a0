"""Calls side by side, at most ``workers`` at once, results in order (recon.bigtime.fetch)."""

from __future__ import annotations

import threading
import time

import pytest

from recon.bigtime.fetch import fetch_all, fetch_in_order


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


def test_fetch_in_order_gives_each_result_in_turn() -> None:
    delays = {0: 0.05, 1: 0.3, 2: 0.0, 3: 0.05}

    def fetch(n: int) -> int:
        time.sleep(delays[n])
        return n * 10

    assert list(fetch_in_order(fetch, [0, 1, 2, 3], 3)) == [0, 10, 20, 30]
    assert list(fetch_in_order(fetch, [2], 3)) == [20]


def test_at_most_workers_calls_run_at_once() -> None:
    lock, running, peak = threading.Lock(), [0], [0]

    def fetch(n: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return n

    assert fetch_all(fetch, list(range(12)), 3) == list(range(12))
    assert 1 < peak[0] <= 3  # side by side, never more than the workers


def test_closing_fetch_in_order_early_cancels_the_calls_not_started() -> None:
    started: list[int] = []

    def fetch(n: int) -> int:
        started.append(n)
        time.sleep(0.01)
        return n

    stream = fetch_in_order(fetch, list(range(20)), 2)
    assert next(stream) == 0
    stream.close()  # waits for the running calls, cancels the rest
    assert len(started) <= 4
