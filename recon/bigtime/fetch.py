"""Calls run side by side, at most ``workers`` at once, their results taken in order.

What every pull of :mod:`recon.bigtime.pull` does with its detail reads and time sheets:
the results come back in the order of the items, whatever order the answers arrive in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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


def fetch_in_order(
    fn: Callable[[_T], _R], items: Sequence[_T], workers: int
) -> Generator[_R, None, None]:
    """:func:`fetch_all` as a generator: each result as soon as it and those before it are in.

    Closing the generator early cancels the calls not started and waits for the running
    ones; so does a failure, which is raised in its turn.
    """
    if len(items) <= 1:
        yield from (fn(item) for item in items)
        return
    # Even at one worker a pool pays: the caller works on result n while n+1 is in flight.
    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="bt-pull")
    finished = False
    try:
        futures: deque[Future[_R]] = deque(pool.submit(fn, item) for item in items)
        while futures:
            # Let go of each future once read: a pull's bodies (megabytes each) are then
            # freed as it goes, not all at once at the end.
            yield futures.popleft().result()
        finished = True
    finally:
        # Every call done: no need to wait for the idle threads to leave.
        pool.shutdown(wait=not finished, cancel_futures=True)
