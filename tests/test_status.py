"""The status view (``recon.status``): a real store, runs saved, decisions taken and pushes
marked through its public API; expectations come from those steps, the tile and text are
parsed back."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import lxml.html
import pandas as pd
import pytest

from recon.errors import ConfigError
from recon.plan.model import Change, FieldChange, Plan
from recon.status import (
    NO_RUNS,
    STATUS_COLUMNS,
    StatusTile,
    status_frame,
    status_html,
    status_text,
)
from recon.store import Store

PREPARER, REVIEWER = "pat", "jane"


def plan(run_id: str, n: int, *, review_only: int = 0) -> Plan:
    """``n`` customer updates; the last ``review_only`` of them are review only."""
    changes = [
        Change(
            change_id=f"chg-{i:016x}",
            entity="customer",
            key=f"C{i}",
            action="update",
            target="bigtime",
            fields=(FieldChange("name", f"old {i}", f"new {i}"),),
            rule="Intacct is the master of client names",
            money_impact=None,
            depends_on=(),
            pushable=i < n - review_only,
            note="" if i < n - review_only else "make it by hand in BigTime",
        )
        for i in range(n)
    ]
    return Plan(run_id, tuple(changes))


def cid(i: int) -> str:
    return f"chg-{i:016x}"


def tiles(html: str) -> dict[str, lxml.html.HtmlElement]:
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    return {t.get("data-profile"): t for t in doc.xpath("//div[@class='recon-tile']")}


def tile_counts(tile) -> dict[str, str]:
    return {
        s.get("data-count"): s.xpath("b")[0].text_content()
        for s in tile.xpath(".//span[@data-count]")
    }


# --- no runs ---------------------------------------------------------------------------------
def test_a_missing_database_is_no_runs_yet_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "recon.sqlite3"
    frame = status_frame(path)
    assert frame.empty and list(frame.columns) == list(STATUS_COLUMNS)
    assert status_text(path) == NO_RUNS
    assert 'data-state="empty"' in status_html(str(path))
    assert not path.exists() and not path.parent.exists()


def test_the_default_database_comes_from_the_data_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RECON_DATA_DIR", str(tmp_path))
    assert status_text() == NO_RUNS and not list(tmp_path.iterdir())
    Store(tmp_path / "recon.sqlite3").save_run("r1", profile="demo", prepared_by=PREPARER)
    assert list(status_frame()["run_id"]) == ["r1"]


def test_an_empty_store_is_no_runs_yet(tmp_path: Path) -> None:
    store = Store(tmp_path / "recon.sqlite3")
    assert status_frame(store).empty and status_text(store) == NO_RUNS
    assert StatusTile(store).html.value == status_html(store)


def test_a_file_that_is_not_a_store_says_so(tmp_path: Path) -> None:
    path = tmp_path / "recon.sqlite3"
    path.write_bytes(b"not a database at all" * 10)
    with pytest.raises(ConfigError):
        status_frame(path)
    assert status_text(path).startswith("Status unavailable:")
    assert 'data-state="error"' in status_html(path)


# --- a store with runs -----------------------------------------------------------------------
#: Decisions per change position of the demo run, and the push steps of the approved ones.
DECISIONS = {0: "approve", 1: "approve", 2: "approve", 3: "approve", 4: "reject", 5: "defer"}
PUSH = {0: ["sending", "applied"], 1: ["sending", "failed"], 2: ["sending"], 3: ["stale"]}
CHANGES = 9


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "recon.sqlite3")
    store.save_run("demo-1", profile="demo", prepared_by=PREPARER, summary={"findings": 3})
    store.save_plan(plan("demo-1", 2))
    store.save_run("demo-2", profile="demo", prepared_by=PREPARER, summary={"findings": 41})
    store.save_plan(plan("demo-2", CHANGES))
    for i, decision in DECISIONS.items():
        store.decide("demo-2", cid(i), decision, by=REVIEWER)
    for i, steps in PUSH.items():
        for state in steps:
            store.mark("demo-2", cid(i), state)
    store.save_run("acme-1", profile="acme", prepared_by="sam", summary={"findings": "many"})
    store.save_plan(plan("acme-1", 2))
    for i in range(2):
        store.decide("acme-1", cid(i), "approve", by=REVIEWER)
    return store


def expected_demo() -> dict[str, int]:
    words = Counter(DECISIONS.values())
    last = Counter(steps[-1] for steps in PUSH.values())
    return {
        "runs": 2,
        "findings": 41,
        "changes": CHANGES,
        "approved": words["approve"],
        "rejected": words["reject"],
        "open": CHANGES - len(DECISIONS) + words["defer"],
        "by_hand": 0,
        "pending": sum(1 for i, d in DECISIONS.items() if d == "approve" and i not in PUSH),
        "applied": last["applied"],
        "failed": last["failed"],
        "unknown": last["sending"] + last["unknown"],  # a send cut short is in doubt
        "stale": last["stale"],
    }


def test_one_row_per_profile_with_its_last_run(store: Store) -> None:
    frame = status_frame(store)
    assert list(frame.columns) == list(STATUS_COLUMNS)
    assert list(frame["profile"]) == ["acme", "demo"]
    runs = store.runs().groupby("profile").last()
    for _, row in frame.iterrows():
        assert row["run_id"] == runs.loc[row["profile"], "run_id"]
        assert row["prepared_by"] == runs.loc[row["profile"], "prepared_by"]
        assert row["at"] == pd.Timestamp(runs.loc[row["profile"], "at"])
    assert str(frame["at"].dtype) == "datetime64[us, UTC]"
    demo = frame.set_index("profile").loc["demo"]
    assert {k: int(demo[k]) for k in expected_demo()} == expected_demo()


def test_findings_only_from_a_whole_number_in_the_summary(tmp_path: Path) -> None:
    store = Store(tmp_path / "recon.sqlite3")
    summaries = {"a": {"findings": 7}, "b": {"findings": "many"}, "c": {}, "d": {"findings": 1.5}}
    summaries |= {"e": {"findings": True}, "f": {"findings": 12.0}}
    for profile, summary in summaries.items():
        store.save_run(f"run-{profile}", profile=profile, prepared_by=PREPARER, summary=summary)
    shown = status_frame(store).set_index("profile")["findings"]
    assert str(shown.dtype) == "Int64"
    found = {k: None if pd.isna(v) else int(v) for k, v in shown.items()}
    assert found == {"a": 7, "b": None, "c": None, "d": None, "e": None, "f": 12}


def test_text_is_one_aligned_line_per_profile(store: Store) -> None:
    text = status_text(store)
    head, rule, *lines = text.splitlines()
    assert head.startswith("Profile") and set(rule) <= {"-", " "}
    assert [line.split()[0] for line in lines] == ["acme", "demo"]
    demo = lines[1]
    when = status_frame(store).set_index("profile").loc["demo", "at"]
    assert when.strftime("%Y-%m-%d %H:%M UTC") in demo and "demo-2" in demo
    # Right-aligned counts end under their headings.
    for label in ("Findings", "To decide", "Failed"):
        end = head.index(label) + len(label)
        assert demo[end - 1].isdigit() and (end == len(demo) or demo[end] == " ")
    assert demo.endswith("Needs attention") and lines[0].endswith("Ready to push")


def test_tile_shows_counts_and_the_worst_state(store: Store) -> None:
    found = tiles(status_html(store))
    assert set(found) == {"acme", "demo"}
    assert found["demo"].get("data-state") == "attention"  # a failure, a stale, one in doubt
    assert found["acme"].get("data-state") == "ready"  # all approved, none pushed yet
    counts = tile_counts(found["demo"])
    assert {k: int(v) for k, v in counts.items()} == {
        k: v for k, v in expected_demo().items() if k != "runs"
    }
    assert tile_counts(found["acme"])["findings"] == "-"
    assert "demo-2" in found["demo"].text_content()


@pytest.mark.parametrize(
    ("decisions", "state"),
    [({}, "review"), ({0: "defer"}, "review"), ({0: "reject"}, "ok"), ({0: "approve"}, "ready")],
)
def test_tile_states(tmp_path: Path, decisions: dict[int, str], state: str) -> None:
    store = Store(tmp_path / "recon.sqlite3")
    store.save_run("r1", profile="p", prepared_by=PREPARER)
    store.save_plan(plan("r1", 1))
    for i, d in decisions.items():
        store.decide("r1", cid(i), d, by=REVIEWER)  # type: ignore[arg-type]
    assert tiles(status_html(store))["p"].get("data-state") == state


@pytest.mark.parametrize(
    ("decisions", "to_decide", "by_hand", "state"),
    [
        ({}, 1, 2, "review"),
        ({0: "reject"}, 0, 2, "by_hand"),  # only the hand work is left: not "up to date"
        ({0: "reject", 1: "defer"}, 0, 2, "by_hand"),  # deferred hand work is still to do
        ({0: "reject", 1: "reject", 2: "reject"}, 0, 0, "ok"),  # nothing needs anyone
    ],
)
def test_decisions_and_hand_work_are_counted_apart(
    tmp_path: Path, decisions: dict[int, str], to_decide: int, by_hand: int, state: str
) -> None:
    """Issue 13: review-only changes counted as open for ever kept the tile from ever
    saying "up to date"; they are counted apart, as work to do by hand."""
    store = Store(tmp_path / "recon.sqlite3")
    store.save_run("r1", profile="p", prepared_by=PREPARER)
    store.save_plan(plan("r1", 3, review_only=2))
    for i, d in decisions.items():
        store.decide("r1", cid(i), d, by=REVIEWER)  # type: ignore[arg-type]
    row = status_frame(store).set_index("profile").loc["p"]
    assert (int(row["open"]), int(row["by_hand"])) == (to_decide, by_hand)
    tile = tiles(status_html(store))["p"]
    assert tile.get("data-state") == state
    assert tile_counts(tile)["by_hand"] == str(by_hand)
    words = status_text(store)
    assert ("Up to date" in words) == (state == "ok")


def test_names_are_escaped(tmp_path: Path) -> None:
    store = Store(tmp_path / "recon.sqlite3")
    store.save_run("r1", profile="<script>x</script>", prepared_by="<b>pat</b>")
    html = status_html(store)
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    assert doc.xpath("//script") == [] and "&lt;script&gt;" in html
    assert doc.xpath("//div[@class='recon-tile']/@data-profile") == ["<script>x</script>"]


def test_tile_refresh_reads_the_store_again(tmp_path: Path) -> None:
    path = tmp_path / "recon.sqlite3"
    tile = StatusTile(path)
    assert NO_RUNS in tile.html.value and not path.exists()
    store = Store(path)
    store.save_run("r1", profile="demo", prepared_by=PREPARER, summary={"findings": 2})
    tile.refresh_button.click()
    assert list(tiles(tile.html.value)) == ["demo"]
    at = pd.Timestamp(Store(path, create=False).runs()["at"].iloc[-1])
    assert at.strftime("%Y-%m-%d %H:%M UTC") in tile.html.value


def test_the_tile_says_the_requests_and_a_ceiling_the_run_stopped_at(tmp_path: Path) -> None:
    store = Store(tmp_path / "recon.sqlite3")
    counted = {"findings": 0, "requests": {"Intacct": 36, "BigTime": 1276}}
    stopped = {
        "requests": {"BigTime": 464, "Intacct": 36},
        "stopped": {"reason": "request_ceiling", "max_requests": 500, "said": "profile ..."},
    }
    summaries = {
        "counted": counted,
        "stopped": stopped,
        "older": {"findings": 3},  # saved before runs counted their requests
        "odd": {"requests": {"BigTime": "many"}, "stopped": "yes"},  # not recon's shape
    }
    for profile, summary in summaries.items():
        store.save_run(f"run-{profile}", profile=profile, prepared_by=PREPARER, summary=summary)

    frame = status_frame(store).set_index("profile")
    assert frame.loc["counted", "requests"] == 1312 and frame.loc["stopped", "stopped_at"] == 500
    assert frame.loc["counted", "requests_by_system"] == "BigTime 1,276, Intacct 36"
    assert pd.isna(frame.loc["counted", "stopped_at"]) and pd.isna(frame.loc["odd", "requests"])
    found = tiles(status_html(store))
    words = {p: " ".join(t.text_content().split()) for p, t in found.items()}
    assert "Requests: 1,312 (BigTime 1,276, Intacct 36)" in words["counted"]
    assert "stopped" not in words["counted"] and found["counted"].get("data-state") == "ok"
    assert "Requests: 500 (BigTime 464, Intacct 36)" in words["stopped"]
    assert "stopped at the request ceiling (500)" in words["stopped"]
    assert found["stopped"].get("data-state") == "attention"  # nothing was compared
    for profile in ("older", "odd"):
        assert "Requests" not in words[profile] and "ceiling" not in words[profile]
    assert "Needs attention" in status_text(store)
