"""recon.job: the reconcile and push jobs the notebooks run, against both sandboxes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recon.config import load_profile
from recon.errors import ConfigError
from recon.job import (
    OUTCOME_FILE,
    approval_form,
    compare_rules,
    parse_bool,
    parse_entities,
    parse_max_differences,
    parse_tolerance,
    push_run,
    push_text,
    reconcile_run,
    resolve_run,
    run_profile,
    run_text,
    saved_run,
)
from recon.sandbox.firm import generate
from recon.store import Store
from tests.demo_sandboxes import served_copy

YEAR = {"start": "2025-01-01", "end": "2025-12-31"}
RULES = """
[profiles.auto]
sandbox = true
max_differences = 5

[[profiles.auto.auto_approve]]
name = "master data to BigTime"
entities = ["customer", "project", "employee"]
actions = ["create", "update"]
targets = ["bigtime"]
"""


@pytest.fixture
def env(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, RULES) as s:
        yield s


def test_reconcile_then_push_by_rule_then_the_rest_remains(env) -> None:
    store = Store()
    first = reconcile_run("auto", **YEAR, store=store, prepared_by="pat")
    planted = generate().manifest
    assert first.summary["findings"] == len(planted)
    assert first.summary["max_differences"] == 5 and first.summary["above_threshold"] is True
    assert set(first.reports) >= {"text", "html", "excel"}
    assert all(p.is_file() for p in first.reports.values())
    outcome = json.loads((first.output_dir / OUTCOME_FILE).read_text(encoding="utf-8"))
    assert outcome["run_id"] == first.run_id and outcome["reconcile"]["findings"] == len(planted)
    text = run_text(first)
    assert f"Found {len(planted)} differences" in text and "ABOVE the threshold of 5" in text
    assert "Engagements" in text  # the firm's lexicon, not "projects"

    covered = {
        c.change_id
        for c in first.plan.changes
        if c.pushable and c.entity in ("customer", "project", "employee")
        and c.action in ("create", "update") and c.target == "bigtime"
    }  # fmt: skip
    assert covered
    done = push_run(store=store, by="scheduler")  # the latest run, the run's profile
    assert done.run_id == first.run_id
    assert {d.change_id for d in done.auto_approved} == covered
    assert done.report is not None and done.report.counts()["applied"] == len(covered)
    assert done.ledger_export is not None and done.ledger_export.is_file()
    assert "Auto-approved" in push_text(done) and "master data to BigTime" in push_text(done)

    second = reconcile_run("auto", **YEAR, store=store, prepared_by="pat")
    assert second.summary["findings"] == len(planted) - len(covered)
    # Nobody approved the rest: a second push sends nothing.
    again = push_run(second.run_id, store=store, apply_rules=False)
    assert again.to_push == () and again.report is None


def test_entities_and_tolerances_narrow_the_run(env) -> None:
    store = Store()
    run = reconcile_run("sandbox", **YEAR, entities="customer,vendor", store=store)
    assert set(run.reconciliation.diff.entities) == {"customer", "vendor"}
    assert {c.entity for c in run.plan.changes} <= {"customer", "vendor"}
    assert run.summary["max_differences"] is None and run.summary["above_threshold"] is False
    assert resolve_run(store, "") == run.run_id


def test_dry_run_decides_and_sends_nothing(env) -> None:
    store = Store()
    run = reconcile_run("auto", **YEAR, entities="customer", store=store)
    done = push_run(run.run_id, store=store, dry_run=True)
    assert done.auto_approved == () and done.report is None and done.ledger_export is None
    assert store.decisions(run.run_id) == {}
    assert push_text(done).startswith("Dry run: 0 approved changes")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"start": "2025-13-01", "end": "2025-12-31"}, "start must be a date like"),
        ({"start": "2025-12-31", "end": "2025-01-01"}, "end (2025-01-01) is before start"),
        ({**YEAR, "entities": "customers"}, "entities must be all or a comma-separated list"),
        ({**YEAR, "money_tolerance": "a cent"}, "money_tolerance must be a number >= 0"),
        ({**YEAR, "hours_tolerance": "-1"}, "hours_tolerance must be a number >= 0"),
        ({**YEAR, "hours_tolerance": "NaN"}, "hours_tolerance must be a number >= 0"),
    ],
)
def test_bad_parameters_say_what_is_wrong_before_pulling(kwargs, words, tmp_path: Path) -> None:
    # No sandbox is running: a bad parameter must be refused before any request is made.
    with pytest.raises(ConfigError) as err:
        reconcile_run("sandbox", store=Store(tmp_path / "s.sqlite3"), **kwargs)
    assert words in str(err.value)


def test_unknown_profile_and_empty_store_are_clear(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RECON_CONFIG", str(tmp_path / "none.toml"))
    with pytest.raises(ConfigError, match="unknown profile 'acme'"):
        reconcile_run("acme", **YEAR, store=Store(tmp_path / "s.sqlite3"))
    with pytest.raises(ConfigError, match="there are no runs"):
        push_run(store=Store(tmp_path / "s.sqlite3"))
    with pytest.raises(ConfigError, match="no run 'no-such-run'; there are no runs in"):
        push_run("no-such-run", store=Store(tmp_path / "s.sqlite3"))


def test_a_run_is_resolved_within_its_profile(tmp_path: Path) -> None:
    """Issue point 4: with a profile and no run, the latest run was the store's latest of
    any profile, so one firm's run was pushed with another firm's profile."""
    store = Store(tmp_path / "s.sqlite3")
    for run_id, profile in (("acme-1", "acme"), ("acme-2", "acme"), ("sandbox-1", "sandbox")):
        store.save_run(run_id, profile=profile, prepared_by="pat")
    assert resolve_run(store, "") == "sandbox-1"  # no profile: the latest of any
    assert resolve_run(store, "", "acme") == resolve_run(store, "latest", "acme") == "acme-2"
    assert resolve_run(store, "acme-1", "acme") == "acme-1"
    assert saved_run("", "acme", path=store.path) == ("acme-2", "acme")
    assert saved_run("sandbox-1", path=store.path) == ("sandbox-1", "sandbox")

    other = "run 'sandbox-1' was prepared under profile sandbox, not acme; profile acme's "
    for call in (
        lambda: resolve_run(store, "sandbox-1", "acme"),
        lambda: push_run("sandbox-1", profile="acme", store=store),  # before any request
        lambda: approval_form("sandbox-1", profile="acme", store=store),
    ):
        with pytest.raises(ConfigError) as err:
            call()
        assert str(err.value).startswith(other + "latest runs are acme-2, acme-1 (leave run")
    with pytest.raises(ConfigError, match=r"no run 'x'; the latest runs are sandbox-1, acme-2, "):
        resolve_run(store, "x")
    with pytest.raises(ConfigError, match=r"profile idle has no runs in .* yet; run 10_reconcile"):
        resolve_run(store, "", "idle")
    with pytest.raises(ConfigError, match="no run 'x'"):
        run_profile(store, "x")
    missing = tmp_path / "none.sqlite3"
    with pytest.raises(ConfigError, match=r"there are no runs in .* yet; run 10_reconcile first"):
        saved_run("", path=missing)
    assert not missing.exists()  # looking does not create a store


def test_parameter_values_are_checked_in_the_users_words() -> None:
    assert parse_bool("TRUE", "dry_run") is True and parse_bool(False, "dry_run") is False
    for word in ("yes", "1", "on", ""):
        with pytest.raises(ConfigError, match=f"dry_run must be true or false, not '{word}'"):
            parse_bool(word, "dry_run")
    with pytest.raises(ConfigError, match="dry_run must be true or false"):
        push_run(dry_run="yes", store=None)  # refused before the store is even opened
    assert parse_tolerance(" 0.05", "money_tolerance") == "0.05"
    assert parse_tolerance("", "money_tolerance") == "0"
    for bad in ("a cent", "-1", "Infinity", True):
        with pytest.raises(ConfigError, match=r"money_tolerance must be a number >= 0 like 0\.05"):
            parse_tolerance(bad, "money_tolerance")
    assert parse_max_differences("0") == 0 and parse_max_differences(-1) == -1
    for bad in ("-2", "1.5", "ten", True):
        with pytest.raises(ConfigError, match="max_differences must be a whole number >= 0"):
            parse_max_differences(bad)


def test_entity_list_and_tolerance_helpers() -> None:
    assert parse_entities("all")[0] == "customer" and len(parse_entities(" all ")) == 19
    assert parse_entities(["vendor", "customer"]) == ("customer", "vendor")
    rules = compare_rules("0.05", "0.25")
    assert str(rules.rule("invoice", "total").abs_tol) == "0.05"
    assert str(rules.rule("time_entry", "hours").abs_tol) == "0.25"
    assert load_profile("sandbox").max_differences is None
