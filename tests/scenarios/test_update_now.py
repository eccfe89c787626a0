""" "Update now" and ``recon status`` (issue 16, point 6), on the product path: the status tile
that 10_reconcile's first cell shows starts the profile's reconcile through the runner a
scheduler uses (papermill, a run folder, ``summary.json``), shows its progress while the
tile stays live, then shows the new run; ``recon status`` prints the same tile as text."""

from __future__ import annotations

import datetime as dt
import html
import json
import subprocess
import sys
from pathlib import Path

import pytest

import recon
from recon.job import reconcile_run
from recon.runner import SUMMARY_FILE, update_parameters
from recon.store import Store
from tests.demo_sandboxes import served_copy
from tests.scenarios import YEAR
from tests.waiting import wait_for

CONFIG = """
[profiles.acme]
sandbox = true
"""


def recon_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recon", *args], capture_output=True, text=True, timeout=300
    )


def test_update_now_runs_the_profiles_reconcile_through_the_runner_and_refreshes_the_tile(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, CONFIG) as served:
        store = Store(served.data / "recon.sqlite3")
        reconcile_run("acme", **YEAR, entities="customer", store=store, prepared_by="pat")
        tile = recon.StatusTile(store)  # as 10_reconcile's first cell makes it
        assert "(1 run)" in tile.html.value
        assert tile.profile_picker.options[0] == "acme" and not tile.update_button.disabled
        # What the tile shows while the update runs, seen at each step of its progress.
        seen: list[tuple[int, int, bool, bool, str]] = []
        tile.progress.observe(
            lambda ch: seen.append(
                (ch["new"], tile.progress.max, tile.update_button.disabled,
                 tile.finished.is_set(), tile.progress_label.value)
            ),
            "value",
        )  # fmt: skip

        tile.profile_picker.value = "acme"
        tile.update_button.click()
        wait_for(tile.finished, "Update now to finish")
        assert tile.worker is not None
        tile.worker.join()

        # The tile shows the new run, and says how it ended as `recon run` would.
        assert "(2 runs)" in tile.html.value, tile.message.value
        assert "10_reconcile clean:" in tile.message.value
        assert not tile.update_button.disabled and tile.progress.layout.display == "none"
        # Progress went cell by cell up to the whole notebook, the button held meanwhile.
        assert seen and seen[-1][0] == seen[-1][1] > 1
        assert all(held and not done for _, _, held, done, _ in seen)
        assert all(label.startswith("Updating acme: step") for *_, label in seen)
        # Through the runner: a run folder with its summary, for the last run's period and
        # entities.
        (folder,) = [
            p for p in (served.data / "runs" / "acme").iterdir() if "10_reconcile" in p.name
        ]
        summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
        assert summary["parameters"] == {
            "profile": "acme", "start": YEAR["start"], "end": YEAR["end"], "entities": "customer",
        }  # fmt: skip
        assert summary["status"] == "clean"

        # `recon status` prints the tile as text, for all or one profile.
        everything, mine = recon_cli("status"), recon_cli("status", "acme")
        unknown = recon_cli("status", "nobody")
    assert everything.returncode == mine.returncode == 0
    assert mine.stdout.splitlines()[2].split()[0] == "acme"
    assert mine.stdout == everything.stdout  # acme is the only profile with runs
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.startswith("recon status: unknown profile 'nobody'; known profiles:")
    assert (
        "acme" in unknown.stderr and "\n" == unknown.stderr[-1] and unknown.stderr.count("\n") == 1
    )


def test_update_now_shows_a_failure_as_one_plain_message(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = CONFIG + '\n[profiles.broken.intacct]\nendpoint = "https://example.invalid"\n'
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, broken):
        tile = recon.StatusTile()
        assert "broken" in tile.profile_picker.options  # configured, no runs yet
        tile.profile_picker.value = "broken"
        tile.update_button.click()
        wait_for(tile.finished, "Update now to fail")
    said = html.unescape(tile.message.value)
    assert "Update of broken failed: profile 'broken': intacct.sender_id is missing" in said
    assert "Traceback" not in said and not tile.update_button.disabled


def test_update_now_repeats_the_last_period_bringing_a_so_far_run_up_to_today(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "recon.sqlite3")
    today = dt.date(2026, 12, 9)
    assert update_parameters("acme", store, today) == [
        ("profile", "acme"), ("start", "2026-12-01"), ("end", "2026-12-09"),
    ]  # fmt: skip  # no runs yet: the month so far
    year = {"start": "2025-01-01", "end": "2025-12-31", "entities": ["invoice"]}
    store.save_run("r1", profile="acme", prepared_by="pat", summary=year)
    assert update_parameters("acme", store, today) == [
        ("profile", "acme"), ("start", "2025-01-01"), ("end", "2025-12-31"),
        ("entities", "invoice"),
    ]  # fmt: skip
    # A run that ended on the day it ran was "so far": it is brought up to today.
    at = str(store.runs()["at"].iloc[-1])[:10]
    store.save_run("r2", profile="acme", prepared_by="pat",
                   summary={"start": at[:8] + "01", "end": at, "entities": []})  # fmt: skip
    later = dt.date.fromisoformat(at) + dt.timedelta(days=2)
    assert update_parameters("acme", store, later) == [
        ("profile", "acme"), ("start", at[:8] + "01"), ("end", str(later)),
    ]  # fmt: skip
    # Another profile's runs are not this one's.
    assert update_parameters("other", store, today)[1] == ("start", "2026-12-01")
