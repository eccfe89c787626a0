"""Calls run side by side, at most ``workers`` at once, their results taken in order.

What every pull of :mod:`recon.bigtime.pull` does with its detail reads: the results come
back in the order of the items, whatever order the answers arrive in. :func:`fetch_streaming`
also says when the next answer is due, so that the caller can do its own work while none is.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from typing import TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")


def fetch_all(fn: Callable[[_T], _R], items: Sequence[_T], workers: int) -> list[_R]:
    """``[fn(item) for item in items]`` with at most ``workers`` calls running at once.

    Parameters
    ----------
    fn:
        The call (thread-safe: several run at once).
    items:
        One call per item.
    workers:
        Calls running at once, at most (threads of a pool made for this call).

    Returns
    -------
    list
        The results, in ``items`` order.

    Raises
    ------
    Exception
        The first failure (in ``items`` order), after the calls not yet started are
        cancelled and the running ones have finished.
    """
    return list(fetch_in_order(fn, items, workers))


def fetch_in_order(fn: Callable[[_T], _R], items: Sequence[_T], workers: int) -> Iterator[_R]:
    """:func:`fetch_all` as a generator: each result as soon as it and those before it are in."""
    with closing(fetch_streaming(fn, items, workers)) as results:
        yield from (result for result, _ in results)


def fetch_streaming(
    fn: Callable[[_T], _R],
    items: Sequence[_T],
    workers: int,
    *,
    timings: Timings | None = None,
) -> Generator[tuple[_R, float], None, None]:
    """:func:`fetch_in_order`, each result paired with when the next one is due.

    ``timings`` times the calls (a new :class:`Timings` by default; tests give one with a
    clock of their own).

    Yields
    ------
    tuple[result, float]
        A result, in ``items`` order, and the seconds until the next result is due: 0 when
        it is in already, ``math.inf`` after the last one, else a guess from when the
        calls running started and how long recent calls took (:class:`Timings`).

    Notes
    -----
    Closing the generator early cancels the calls not started and waits for the running
    ones; so does a failure, which is raised in its turn.
    """
    if len(items) <= 1:
        yield from ((fn(item), math.inf) for item in items)
        return
    # Even at one worker a pool pays: the caller works on result n while n+1 is in flight.
    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="bt-pull")
    timings = Timings() if timings is None else timings
    finished = False
    try:
        futures: deque[Future[_R]] = deque(
            pool.submit(timings.run, n, fn, item) for n, item in enumerate(items)
        )
        while futures:
            # Let go of each future once read: a pull's bodies (megabytes each) are then
            # freed as it goes, not all at once at the end.
            result = futures.popleft().result()
            if not futures:
                due = math.inf
            else:
                due = 0.0 if futures[0].done() else timings.next_due()
            yield result, due
        finished = True
    finally:
        # Every call done: no need to wait for the idle threads to leave.
        pool.shutdown(wait=not finished, cancel_futures=True)


class Timings:
    """When the running calls started and how long recent calls took (thread-safe).

    Parameters
    ----------
    recent:
        How many of the latest durations the guess of :meth:`next_due` is the median of.
    clock:
        Seconds, counting up (``time.monotonic`` by default).
    """

    def __init__(self, recent: int = 16, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._running: dict[int, float] = {}
        self._took: deque[float] = deque(maxlen=recent)

    def run(self, key: int, fn: Callable[[_T], _R], item: _T) -> _R:
        """``fn(item)``, timed; ``key`` names the call while it runs."""
        start = self._clock()
        with self._lock:
            self._running[key] = start
        try:
            return fn(item)
        finally:
            with self._lock:
                del self._running[key]
                self._took.append(self._clock() - start)

    def next_due(self) -> float:
        """Seconds until the longest-running call should end, at the median duration."""
        with self._lock:
            if not self._running or not self._took:
                return 0.0
            typical = statistics.median(self._took)
            first = min(self._running.values())
        return max(0.0, first + typical - self._clock())
