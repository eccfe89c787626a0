"""Respect the services (issue 15, points 3 and 4), on the product path against both
sandboxes: a profile's request ceiling stops a scheduled run before it is crossed and
nothing is pushed; BigTime's request rate paces every BigTime request of a run; each
system's concurrency bounds the requests in flight at once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

from recon.bigtime import uncertain as bigtime_uncertain
from recon.job import OUTCOME_FILE, reconcile_run
from recon.runner import EXIT_CLEAN, EXIT_FAILED, EXIT_USAGE, SUMMARY_FILE
from recon.status import status_html
from recon.store import Store
from tests.demo_sandboxes import Served, served_copy
from tests.pacers import still_pacers
from tests.scenarios import YEAR

#: Far fewer requests than a year's reconcile needs (about 1,400), both systems together.
TIGHT = 40
BUDGETS = f"""
[profiles.tight]
sandbox = true
max_requests = {TIGHT}

# A rule that would push at once if the run had a plan.
[[profiles.tight.auto_approve]]
name = "master data to BigTime"
entities = ["customer", "project", "employee"]
actions = ["update"]
targets = ["bigtime"]

[profiles.roomy]
sandbox = true
max_requests = 100000
"""
PERIOD = ("-p", "start", YEAR["start"], "-p", "end", YEAR["end"])


def recon(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recon", *args], capture_output=True, text=True, timeout=300
    )


def received(served: Served) -> dict[str, int]:
    """Requests each sandbox received since its counters were last reset."""
    return {
        "BigTime": served.bigtime.counters.snapshot(all=True).get("http:requests", 0),
        "Intacct": served.intacct.counters.snapshot(all=True).get("http:requests", 0),
    }


def writes(served: Served) -> int:
    counts = (
        served.intacct.counters.snapshot(all=True),
        served.bigtime.counters.snapshot(all=True),
    )
    return sum(c.get("http:write", 0) for c in counts)


def tile(html: str, profile: str) -> lxml.html.HtmlElement:
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    (found,) = doc.xpath(f"//div[@class='recon-tile'][@data-profile='{profile}']")
    return found


def only_run(runs: Path, profile: str) -> Path:
    (folder,) = [p for p in (runs / profile).iterdir() if p.is_dir()]
    return folder


def test_a_run_stops_at_its_request_ceiling_and_nothing_is_pushed(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, BUDGETS) as served:
        served.intacct.counters.reset()
        served.bigtime.counters.reset()
        proc = recon("run", "10_reconcile", "-p", "profile", "tight", *PERIOD)
        got = received(served)

        assert proc.returncode == EXIT_FAILED, proc.stderr
        folder = only_run(served.data / "runs", "tight")
        summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
        outcome = json.loads((folder / OUTCOME_FILE).read_text(encoding="utf-8"))
        assert summary["outcome"] == outcome
        reconcile = outcome["reconcile"]
        # The services received no more than the ceiling, and exactly what the run says.
        assert sum(got.values()) <= TIGHT
        assert reconcile["requests"] == {k: n for k, n in got.items() if n}
        by_endpoint = reconcile["requests_by_endpoint"]
        assert {s: sum(e.values()) for s, e in by_endpoint.items()} == reconcile["requests"]
        stopped = reconcile["stopped"]
        assert (stopped["reason"], stopped["max_requests"]) == ("request_ceiling", TIGHT)
        assert (summary["status"], summary["exit_code"]) == ("stopped", EXIT_FAILED)

        # One line on stderr says it all: whose ceiling, what was being read, nothing
        # pushed, what to do.
        said = stopped["said"]
        assert proc.stderr == f"recon run: {said}\n" and "Traceback" not in proc.stderr
        assert said.startswith(f"profile tight stopped at its request ceiling: it has sent {TIGHT}")
        assert f"the next one, {stopped['system']} {stopped['endpoint']}, would" in said
        assert "nothing was pushed" in said and "Raise max_requests under [profiles.tight]" in said
        assert "fewer entities, or a shorter period" in said
        each = ", ".join(f"{s} {n:,}" for s, n in reconcile["requests"].items())
        assert proc.stdout == (
            f"10_reconcile stopped: request ceiling {TIGHT} reached, {sum(got.values())} "
            f"requests ({each}); nothing compared or pushed; folder {folder}\n"
        )
        assert not (folder / "reports").exists()  # nothing was compared

        # Saved without a plan; the status tile says where it stopped.
        store = Store(served.data / "recon.sqlite3", create=False)
        (run_id,) = store.runs()["run_id"]
        assert int(store.runs()["changes"].iloc[0]) == 0
        shown = tile(status_html(store), "tight")
        assert shown.get("data-state") == "attention"
        text = " ".join(shown.text_content().split())
        assert f"Requests: {sum(got.values())} ({each})" in text
        assert f"stopped at the request ceiling ({TIGHT})" in text

        # A scheduled push after it refuses the stopped run: nothing runs, nothing is written.
        push = recon("run", "20_review_and_push", "-p", "profile", "tight", "-p", "push", "true")
        assert push.returncode == EXIT_USAGE, push.stderr
        assert push.stderr == (
            f"recon run: run {run_id!r} stopped at its request ceiling ({TIGHT} requests) "
            "before anything was compared, so it has no plan to review or push; raise "
            "max_requests under [profiles.tight] in config.toml (or narrow the run) and run "
            "10_reconcile again\n"
        )
        assert writes(served) == 0

        # A generous ceiling: the same run completes, within it.
        served.intacct.counters.reset()
        served.bigtime.counters.reset()
        roomy = recon("run", "10_reconcile", "-p", "profile", "roomy", *PERIOD)
        assert roomy.returncode == EXIT_CLEAN, roomy.stderr
        done = json.loads(
            (only_run(served.data / "runs", "roomy") / OUTCOME_FILE).read_text(encoding="utf-8")
        )["reconcile"]
        assert done["requests"] == received(served) and "stopped" not in done
        assert TIGHT < sum(done["requests"].values()) <= 100_000 == done["max_requests"]
        shown = tile(status_html(store), "roomy")
        assert shown.get("data-state") != "attention" and "stopped" not in shown.text_content()
        assert f"Requests: {sum(done['requests'].values()):,} (" in shown.text_content()


PACED = """
[profiles.paced]
sandbox = true

[profiles.paced.bigtime]
requests_per_minute = 60
"""


def test_every_bigtime_request_of_a_run_is_paced_at_the_profile_rate(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = still_pacers(monkeypatch)
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, PACED) as served:
        served.bigtime.counters.reset()
        run = reconcile_run(
            "paced", **YEAR, entities="customer,project", output_dir=tmp_path / "run"
        )
        sent = received(served)["BigTime"]
    assert sent == run.summary["requests"]["BigTime"] > 100
    (pacer,) = made  # one client, one pacer; Intacct is not paced
    assert pacer.interval == 1.0  # 60 a minute
    assert sorted(pacer.waits) == [float(k) for k in range(sent)]


def gentle(intacct: int | None, bigtime: int | None) -> str:
    config = "[profiles.gentle]\nsandbox = true\n"
    if intacct is not None:
        config += f"[profiles.gentle.intacct]\nconcurrency = {intacct}\n"
    if bigtime is not None:
        config += f"[profiles.gentle.bigtime]\nconcurrency = {bigtime}\n"
    return config


@pytest.mark.parametrize(
    ("intacct", "bigtime"),
    [(None, None), (3, 5)],
    ids=["defaults", "the profile's"],
)
def test_each_system_keeps_to_its_concurrency(
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    intacct: int | None,
    bigtime: int | None,
) -> None:
    """A whole run (every Intacct read path: paged queries, reads by key, the period's
    counterparts). Requests are held a moment by the sandboxes (a latency fault: every
    Intacct request, BigTime's client details), so requests sent together are seen
    together: the most seen at once is the profile's concurrency, never more (Intacct's
    default is 2)."""
    config = gentle(intacct, bigtime)
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, config) as served:
        served.intacct.faults.add("latency", seconds=0.05)
        served.bigtime.faults.add("latency", seconds=0.05, path="/client/detail/*")
        for sandbox in (served.intacct, served.bigtime):
            sandbox.counters.reset()
        run = reconcile_run("gentle", **YEAR, output_dir=tmp_path / "run")
        seen = (served.intacct.counters.max_in_flight, served.bigtime.counters.max_in_flight)
    # Intacct allows one or two API jobs at once per company: 2 unless the profile says.
    want = (2 if intacct is None else intacct,
            bigtime_uncertain.DEFAULT_CONCURRENCY if bigtime is None else bigtime)  # fmt: skip
    assert seen == want
    assert run.summary["requests_by_endpoint"]["Intacct"]["query"] > 10
