"""BigTime's request rate and a run's ceiling, on the client against the sandbox: every
request the client sends -- sign-in, reads, a write, the retry of a rate-limited read --
passes its one pacer and its meter, each as it is sent."""

from __future__ import annotations

import pytest

from recon.bigtime.client import BigTimeClient, BigTimeSettings
from recon.errors import ConfigError, RequestBudgetExceeded
from recon.http import RequestMeter
from recon.sandbox.bigtime.server import BigtimeSandbox
from tests.bigtime.conftest import Sleeps, credentials, fast_settings
from tests.pacers import StillPacer, still_pacers


@pytest.fixture
def still(monkeypatch: pytest.MonkeyPatch) -> list[StillPacer]:
    return still_pacers(monkeypatch)


def test_every_request_of_a_client_waits_its_turn(
    bt_write_sandbox: BigtimeSandbox, still: list[StillPacer]
) -> None:
    sandbox = bt_write_sandbox
    sandbox.counters.reset()
    sandbox.faults.add("rate_limit", count=1, retry_after=0, method="GET", path="/client")
    settings = fast_settings(sandbox.url, requests_per_minute=60)
    with BigTimeClient(credentials("user"), settings) as bt:  # a sign-in is a request too
        clients = bt.clients()  # a 429, then its retry
        bt.update("client", clients[0]["SystemId"], {"Notes": "paced"})
        bt.projects()
    sent = sandbox.counters.snapshot(all=True)
    assert sent["fault:rate_limit"] == 1 and sent["http:write"] == 1
    (pacer,) = still  # one pacer for the client
    assert pacer.interval == 1.0
    assert sorted(pacer.waits) == [float(k) for k in range(sent["http:requests"])]


def test_without_a_rate_there_is_no_pacer(
    bt_write_sandbox: BigtimeSandbox, still: list[StillPacer]
) -> None:
    with BigTimeClient(credentials("apikey"), fast_settings(bt_write_sandbox.url)) as bt:
        bt.clients()
    assert still == []


@pytest.mark.parametrize("bad", [0, -1, float("inf")])
def test_a_bad_rate_is_refused_in_the_settings(bad: float) -> None:
    with pytest.raises(ConfigError, match="BigTime requests_per_minute must be a number above 0"):
        BigTimeSettings(requests_per_minute=bad)


def test_the_ceiling_counts_retries_and_nothing_past_it_is_sent(
    bt_write_sandbox: BigtimeSandbox,
) -> None:
    """A read that fails with 500s is retried; each retry is a request of the budget, and
    the one that would cross the ceiling is never sent."""
    sandbox = bt_write_sandbox
    sandbox.counters.reset()
    sandbox.faults.add("server_error", method="GET", path="/client")  # every time
    meter = RequestMeter(limit=3, profile="acme")
    settings = fast_settings(sandbox.url, Sleeps(), max_retries=10, meter=meter)
    with BigTimeClient(credentials("apikey"), settings) as bt:
        with pytest.raises(RequestBudgetExceeded) as stopped:
            bt.clients()
    assert sandbox.counters.snapshot(all=True)["http:requests"] == 3 == meter.total()
    assert stopped.value.endpoint == "GET /client" and stopped.value.sent == {"BigTime": 3}
