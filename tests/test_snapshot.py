"""The profile's snapshot: when a run builds on it and when it pulls everything (issue 15).

The pulls themselves are tested on the sandboxes (tests/scenarios/test_incremental_pull.py);
here the decisions: first run, asked for, too old, unreadable, another profile's, forgotten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from recon.config import Profile, sandbox_profile
from recon.snapshot import (
    PullSnapshot,
    forget_snapshot,
    load_snapshot,
    save_snapshot,
    snapshot_path,
    snapshot_saved,
)

NOW = dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.UTC)
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Profile:
    monkeypatch.setenv("RECON_DATA_DIR", str(tmp_path))
    return replace(sandbox_profile(), name="acme", full_pull_after_days=7)


def snap(taken: dt.datetime, name: str = "acme") -> PullSnapshot:
    frames = {"CUSTOMER": pd.DataFrame({"RECORDNO": ["1"]}),
              "TIMESHEETENTRY": pd.DataFrame({"RECORDNO": ["9"]})}  # fmt: skip
    return PullSnapshot(name, taken, *YEAR, frames)


def test_the_first_run_pulls_everything_then_the_next_builds_on_it(profile: Profile) -> None:
    assert load_snapshot(profile, now=NOW) == (None, "first run")
    assert snapshot_saved("acme") is None
    path = save_snapshot(snap(NOW - dt.timedelta(hours=2)))
    assert path == snapshot_path("acme") and path.parent.name == "snapshots"
    last, why = load_snapshot(profile, now=NOW)
    assert last is not None and why == "changes since 2026-12-08 10:00 UTC"
    assert list(last.intacct["CUSTOMER"]["RECORDNO"]) == ["1"]
    assert snapshot_saved("acme") is not None
    assert load_snapshot(profile, full=True, now=NOW) == (None, "asked for")


def test_a_snapshot_older_than_the_profile_allows_is_not_used(profile: Profile) -> None:
    save_snapshot(snap(NOW - dt.timedelta(days=8)))
    assert load_snapshot(profile, now=NOW) == (
        None, "snapshot 8 days old (full_pull_after_days 7)"
    )  # fmt: skip
    assert load_snapshot(replace(profile, full_pull_after_days=30), now=NOW)[0] is not None
    # 0: every run pulls everything.
    save_snapshot(snap(NOW))
    assert load_snapshot(replace(profile, full_pull_after_days=0), now=NOW)[0] is None


def test_an_unreadable_or_foreign_snapshot_means_a_full_pull(profile: Profile) -> None:
    path = snapshot_path("acme")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    assert load_snapshot(profile, now=NOW) == (None, "snapshot unreadable")
    save_snapshot(snap(NOW, name="other"))
    snapshot_path("other").replace(path)  # another profile's file under this name
    assert load_snapshot(profile, now=NOW) == (None, "snapshot unreadable")


def test_forgetting_makes_the_next_run_pull_everything_once(profile: Profile) -> None:
    save_snapshot(snap(NOW))
    assert forget_snapshot("acme") is True
    assert load_snapshot(profile, now=NOW) == (None, "asked for")
    save_snapshot(snap(NOW))  # the full run's own snapshot
    assert load_snapshot(profile, now=NOW)[0] is not None


def test_another_period_keeps_only_the_master_data() -> None:
    last = snap(NOW)
    assert set(last.intacct_for(*YEAR)) == {"CUSTOMER", "TIMESHEETENTRY"}
    # The month so far, a day later: same start, later end.
    assert set(last.intacct_for(YEAR[0], dt.date(2026, 1, 5))) == {"CUSTOMER", "TIMESHEETENTRY"}
    assert set(last.intacct_for(dt.date(2025, 2, 1), YEAR[1])) == {"CUSTOMER"}
    assert set(last.intacct_for(YEAR[0], dt.date(2025, 6, 30))) == {"CUSTOMER"}
