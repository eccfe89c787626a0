"""``recon.pacing.Pacer``: sends spaced ``60 / rate`` seconds apart, on a clock the tests move
(no wall clock anywhere)."""

from __future__ import annotations

import itertools
import math
import random
import threading

import pytest

from recon.errors import ConfigError
from recon.pacing import Pacer, check_rate
from tests.clock import FakeClock


class Timeline:
    """A clock that moves only when the pacer sleeps, and the starts it let through."""

    def __init__(self) -> None:
        self.clock = FakeClock(1_000.0)
        self.starts: list[float] = []

    def sleep(self, seconds: float) -> None:
        assert seconds > 0  # the pacer never asks to sleep for nothing
        self.clock.advance(seconds)

    def send(self, pacer: Pacer) -> None:
        pacer.wait()
        self.starts.append(self.clock())


def test_sends_start_one_interval_apart_and_an_idle_spell_gives_no_burst() -> None:
    line = Timeline()
    pacer = Pacer(30, clock=line.clock, sleep=line.sleep)  # one every 2 s
    for _ in range(4):
        line.send(pacer)
    assert [t - 1_000.0 for t in line.starts] == [0.0, 2.0, 4.0, 6.0]

    line.clock.advance(100.0)  # idle: the next send goes at once...
    line.send(pacer)
    line.send(pacer)  # ...and the one after still waits its interval
    assert [t - 1_000.0 for t in line.starts[4:]] == [106.0, 108.0]


@pytest.mark.parametrize("rate", [30, 7.5, 1])
def test_no_minute_holds_more_than_the_rate(rate: float) -> None:
    line = Timeline()
    pacer = Pacer(rate, clock=line.clock, sleep=line.sleep)
    gaps = random.Random(15)
    for n in range(300):
        if n > 100 and gaps.random() < 0.2:  # a steady stream, then pauses of the caller's
            line.clock.advance(gaps.uniform(0, 90))
        line.send(pacer)
    starts = line.starts
    # Every minute [t, t + 60) that begins at a start holds at most `rate` of them (rounded
    # up for a fractional rate); the busiest minutes hold exactly that many.
    most = max(sum(t <= s < t + 60 for s in starts) for t in starts)
    assert most == math.ceil(rate)
    gaps_between = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps_between) == pytest.approx(60 / rate)


def test_threads_sending_at_once_take_distinct_slots() -> None:
    """With the clock standing still, every reservation is a slot of its own: the waits
    are exactly 0, 1, 2, ... intervals whatever order the threads come in."""
    waits: list[float] = []
    lock = threading.Lock()
    pacer = Pacer(120, clock=lambda: 50.0, sleep=lambda s: None)  # 0.5 s apart

    def send_many() -> None:
        for _ in range(25):
            waited = pacer.wait()
            with lock:
                waits.append(waited)

    threads = [threading.Thread(target=send_many) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == [k * 0.5 for k in range(200)]


@pytest.mark.parametrize("bad", [0, -30, True, "30", math.inf, math.nan, None])
def test_a_rate_must_be_a_finite_number_above_zero(bad: object) -> None:
    with pytest.raises(ConfigError) as refused:
        check_rate(bad, "BigTime requests_per_minute")
    said = str(refused.value)
    assert said.startswith("BigTime requests_per_minute must be a number above 0")
    assert repr(bad) in said and "leave it out for no limit" in said
    with pytest.raises(ConfigError):
        Pacer(bad)  # type: ignore[arg-type]


def test_a_good_rate_sets_the_interval() -> None:
    assert Pacer(30).interval == 2.0 and Pacer(0.5).interval == 120.0
    assert check_rate(30) == 30.0 and isinstance(check_rate(30), float)
