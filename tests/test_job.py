"""recon.job: the reconcile and push jobs the notebooks run, against both sandboxes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recon.config import load_profile
from recon.errors import ConfigError
from recon.job import (
    OUTCOME_FILE,
    compare_rules,
    parse_entities,
    push_run,
    push_text,
    reconcile_run,
    resolve_run,
    run_text,
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
    assert set(first.reports) == {"text", "html", "excel"}
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
        ({"start": "2025-12-31", "end": "2025-01-01"}, "is before start"),
        ({**YEAR, "entities": "customers"}, "unknown entities ['customers']"),
        ({**YEAR, "money_tolerance": "a cent"}, "must be a number"),
        ({**YEAR, "hours_tolerance": "-1"}, ">= 0"),
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
    with pytest.raises(ConfigError, match="no-such-run"):
        push_run("no-such-run", store=Store(tmp_path / "s.sqlite3"))


def test_entity_list_and_tolerance_helpers() -> None:
    assert parse_entities("all")[0] == "customer" and len(parse_entities(" all ")) == 18
    assert parse_entities(["vendor", "customer"]) == ("customer", "vendor")
    rules = compare_rules("0.05", "0.25")
    assert str(rules.rule("invoice", "total").abs_tol) == "0.05"
    assert str(rules.rule("time_entry", "hours").abs_tol) == "0.25"
    assert load_profile("sandbox").max_differences is None
