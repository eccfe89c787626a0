"""``recon.http.RequestMeter`` as a run's ceiling: the check and the count are one step, so
threads never overshoot it, and the request that would cross it is refused in words."""

from __future__ import annotations

import threading

import pytest

from recon.errors import ConfigError, ReconError, RequestBudgetExceeded, concerns_one_read
from recon.http import RequestMeter


def test_threads_never_send_past_the_ceiling() -> None:
    meter = RequestMeter(limit=100, profile="acme")
    refused: list[RequestBudgetExceeded] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def send_many(system: str) -> None:
        start.wait()
        for _ in range(50):
            try:
                meter.count(system, "GET /client/detail/{id}")
            except RequestBudgetExceeded as exc:
                with lock:
                    refused.append(exc)

    threads = [
        threading.Thread(target=send_many, args=("BigTime" if i % 2 else "Intacct",))
        for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert meter.total() == 100 == sum(meter.by_system().values())
    assert len(refused) == 8 * 50 - 100
    assert meter.refused is refused[0] or meter.refused in refused
    # Each refusal saw the ceiling reached, never passed.
    assert all(sum(exc.sent.values()) == 100 for exc in refused)


def test_the_refusal_says_whose_ceiling_what_was_read_and_what_to_do() -> None:
    meter = RequestMeter(limit=2, profile="acme")
    meter.count("Intacct", "query")
    meter.count("BigTime", "GET /client")
    with pytest.raises(RequestBudgetExceeded) as stopped:
        meter.count("BigTime", "GET /client/detail/{id}")
    exc = stopped.value
    assert (exc.profile, exc.limit, exc.system, exc.endpoint) == (
        "acme", 2, "BigTime", "GET /client/detail/{id}",
    )  # fmt: skip
    assert exc.sent == {"BigTime": 1, "Intacct": 1}
    assert str(exc) == (
        "profile acme stopped at its request ceiling: it has sent 2 requests, its "
        "max_requests (BigTime 1, Intacct 1), and the next one, BigTime GET "
        "/client/detail/{id}, would have crossed it. The pull stopped there: nothing was "
        "compared, no plan was saved and nothing was pushed. Raise max_requests under "
        "[profiles.acme] in config.toml, or narrow the run: fewer entities, or a shorter "
        "period (start, end)."
    )
    # Not a failure of one read: a pull stops instead of leaving one entity unread.
    assert isinstance(exc, ReconError) and not concerns_one_read(exc)
    # The refused request was not counted; the meter stays at its ceiling.
    assert meter.total() == 2 and meter.refused is exc


def test_without_a_limit_nothing_is_refused() -> None:
    meter = RequestMeter()
    for _ in range(1_000):
        meter.count("BigTime", "GET /time/Sheet/{id}")
    assert meter.total() == 1_000 and meter.refused is None


@pytest.mark.parametrize("bad", [0, -5])
def test_a_ceiling_below_one_is_refused(bad: int) -> None:
    with pytest.raises(ConfigError, match="max_requests must be a whole number >= 1"):
        RequestMeter(limit=bad)
