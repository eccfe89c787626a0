"""Auto-approve rules: parsed strictly, match narrowly, never override a person, and say in
the ledger which rule approved what. The plan is the demo firm's (built offline)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from recon.autoapprove import AUTO_ACTOR, auto_approve, matching, parse_rules
from recon.diff import diff_all
from recon.errors import ConfigError
from recon.plan import Plan, make_plan
from recon.sandbox.firm import generate
from recon.store import Store

RUN = "run-auto"
MASTER = {
    "name": "master data to BigTime",
    "entities": ["customer", "project", "employee"],
    "actions": ["update"],
    "targets": ["bigtime"],
}
TIME = {
    "name": "small time",
    "entities": ["time_entry"],
    "actions": ["create", "update"],
    "targets": ["intacct"],
    "max_amount": "500",
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    firm = generate()
    ia, bt = dict(firm.intacct_view), dict(firm.bigtime_view)
    return make_plan(diff_all(ia, bt), ia, bt, run_id=RUN)


@pytest.fixture
def store(tmp_path: Path, plan: Plan) -> Store:
    store = Store(tmp_path / "recon.sqlite3")
    store.save_run(RUN, profile="demo", prepared_by="pat")
    store.save_plan(plan)
    return store


def _expected(plan: Plan, rule: dict) -> set[str]:
    """What the rule should match, worked out from the plan's frame (not from matches())."""
    out = set()
    for c in plan.changes:
        if not c.pushable or c.entity not in rule["entities"]:
            continue
        if c.action not in rule["actions"] or c.target not in rule["targets"]:
            continue
        if "max_amount" in rule and (
            c.money_impact is None or abs(Decimal(c.money_impact)) > Decimal(rule["max_amount"])
        ):
            continue
        out.add(c.change_id)
    return out


def test_rules_match_exactly_what_they_name(plan: Plan) -> None:
    rules = parse_rules([MASTER, TIME], "demo")
    found = matching(plan, rules)
    master, time = _expected(plan, MASTER), _expected(plan, TIME)
    assert master and time, "the demo plan must exercise both rules"
    assert set(found) == master | time
    assert {found[c].name for c in master} == {"master data to BigTime"}
    # Deactivations, creates in BigTime, lists and money documents are not covered.
    covered = {plan.changes[i].action for i, c in enumerate(plan.changes) if c.change_id in found}
    assert "deactivate" not in covered


def test_max_amount_excludes_bigger_and_unknown_impacts(plan: Plan) -> None:
    rule = dict(TIME, max_amount="0")
    found = matching(plan, parse_rules([rule]))
    assert all(Decimal(plan_change.money_impact) == 0 for plan_change in (
        c for c in plan.changes if c.change_id in found
    ))  # fmt: skip
    times = [c for c in plan.changes if c.entity == "time_entry" and c.pushable]
    assert any(c.change_id not in found for c in times)


def test_auto_approve_records_the_rule_and_never_overrides_a_person(
    store: Store, plan: Plan
) -> None:
    master = sorted(_expected(plan, MASTER))
    rejected, deferred = master[0], master[1]
    store.decide(RUN, rejected, "reject", by="jane", comment="not yet")
    store.decide(RUN, deferred, "defer", by="jane")
    made = auto_approve(store, RUN, parse_rules([MASTER], "demo"))
    assert {d.change_id for d in made} == set(master) - {rejected, deferred}
    decisions = store.decisions(RUN)
    assert decisions[rejected].decision == "reject" and decisions[deferred].decision == "defer"
    auto = [d for d in decisions.values() if d.by == AUTO_ACTOR]
    assert auto and all(d.rule == "auto-approve rule 'master data to BigTime'" for d in auto)
    ledger = store.ledger(RUN)
    rows = ledger[ledger["actor"] == AUTO_ACTOR]
    assert len(rows) == len(auto)
    assert rows["detail"].str.contains("master data to BigTime").all()
    queued = {i.change_id for i in store.outbox(RUN)}
    assert set(d.change_id for d in auto) <= queued
    # Running the rules again decides nothing new.
    assert auto_approve(store, RUN, parse_rules([MASTER], "demo")) == []


def test_no_rules_approve_nothing(store: Store) -> None:
    assert auto_approve(store, RUN, parse_rules([], "demo")) == []
    assert store.decisions(RUN) == {}


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({**MASTER, "entitys": ["customer"]}, "unknown keys ['entitys']"),
        ({**MASTER, "entities": ["cutsomer"]}, "unknown entities ['cutsomer']"),
        ({**MASTER, "actions": ["delete"]}, "unknown actions ['delete']"),
        ({**MASTER, "targets": ["quickbooks"]}, "unknown targets ['quickbooks']"),
        ({**MASTER, "entities": []}, "entities must be a non-empty list"),
        ({k: v for k, v in MASTER.items() if k != "actions"}, "actions must be a non-empty list"),
        ({k: v for k, v in MASTER.items() if k != "name"}, "name is missing"),
        ({**TIME, "max_amount": 500.0}, "max_amount must be a quoted amount"),
        ({**TIME, "max_amount": "lots"}, "is not a number"),
        ({**TIME, "max_amount": "-1"}, "max_amount must be a number >= 0"),
    ],
)
def test_a_bad_rule_is_refused_with_what_is_wrong(rule: dict, words: str) -> None:
    with pytest.raises(ConfigError, match="profile 'acme' auto_approve rule") as err:
        parse_rules([rule], "acme")
    assert words in str(err.value)


def test_two_rules_with_one_name_are_refused() -> None:
    with pytest.raises(ConfigError, match="two rules have this name"):
        parse_rules([MASTER, MASTER], "acme")
