"""What a run costs the services is counted (issue 15, point 3, first step).

recon counts every request its clients send (:class:`recon.http.RequestMeter`); the run's
summary and ``outcome.json`` carry the counts per system and per endpoint. The sandboxes
count what they receive on their own side: the two must agree exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recon.job import OUTCOME_FILE, reconcile_run
from tests.demo_sandboxes import served_copy
from tests.scenarios import YEAR


def test_the_requests_a_run_sends_are_the_requests_the_services_receive(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        served.intacct.counters.reset()
        served.bigtime.counters.reset()
        run = reconcile_run("sandbox", **YEAR, output_dir=tmp_path / "run")
        received = {
            "Intacct": served.intacct.counters.snapshot(all=True)["http:requests"],
            "BigTime": served.bigtime.counters.snapshot(all=True)["http:requests"],
        }
    assert received["Intacct"] > 0 and received["BigTime"] > 0
    assert run.summary["requests"] == dict(sorted(received.items()))
    by_endpoint = run.summary["requests_by_endpoint"]
    assert {s: sum(n.values()) for s, n in by_endpoint.items()} == run.summary["requests"]
    # Counted under one endpoint with the id folded: a time sheet per staffer.
    assert by_endpoint["BigTime"]["GET /time/Sheet/{id}"] >= 35
    assert "query" in by_endpoint["Intacct"]
    saved = json.loads((tmp_path / "run" / OUTCOME_FILE).read_text(encoding="utf-8"))
    assert saved["reconcile"]["requests"] == run.summary["requests"]
