"""recon.plan: the demo firm's diff becomes the changes the design calls for.

Expectations are derived from the firm's manifest and its canonical views with
``canon_str`` value by value -- not from the plan's own column-wise helpers.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from decimal import Decimal

import pandas as pd
import pytest

from recon.canonical import ENTITIES, canon_str
from recon.diff import Diff, diff_all
from recon.errors import ConfigError, PlanError
from recon.plan import (
    DEFAULT_DIRECTIONS,
    FRAME_COLUMNS,
    PLAN_ORDER,
    Change,
    Direction,
    FieldChange,
    Plan,
    make_plan,
)
from recon.plan.build import CYCLE_NOTE
from recon.plan.directions import READ_ONLY_LISTS
from recon.sandbox.firm import generate

POSTED = ("time_entry", "invoice", "expense")
ORIGINATES_IN_BIGTIME = ("project", "employee")


@pytest.fixture(scope="module")
def firm():
    return generate()


@pytest.fixture(scope="module")
def views(firm):
    return dict(firm.intacct_view), dict(firm.bigtime_view)


@pytest.fixture(scope="module")
def plan(views):
    ia, bt = views
    return make_plan(diff_all(ia, bt), ia, bt, run_id="run-demo")


def _plan(ia, bt, **kw) -> Plan:
    return make_plan(diff_all(ia, bt), ia, bt, run_id=kw.pop("run_id", "r"), **kw)


def _row(frame: pd.DataFrame, entity: str, key: str) -> pd.Series:
    spec = ENTITIES[entity]
    rows = frame[frame[spec.key] == key]
    assert len(rows) == 1, (entity, key)
    return rows.iloc[0]


def _create_fields(frame: pd.DataFrame, entity: str, key: str) -> tuple[FieldChange, ...]:
    row = _row(frame, entity, key)
    out = []
    for col in ENTITIES[entity].columns:
        text = canon_str(row[col.name], col.kind)
        if text is not None:
            out.append(FieldChange(col.name, None, text))
    return tuple(out)


def _expected(item, ia, bt) -> tuple[str, str, bool, tuple[FieldChange, ...]]:
    """(action, target, pushable, fields) the design gives one manifest item."""
    entity, key, kind = item.entity, item.key, item.kind
    if entity == "payment":  # Intacct -> BigTime, review only
        if kind == "missing_in_bigtime":
            return "create", "bigtime", False, _create_fields(ia[entity], entity, key)
        fc = FieldChange(item.field, item.bigtime_value, item.intacct_value)
        return "update", "bigtime", False, (fc,)
    if entity in POSTED and kind == "missing_in_bigtime":  # only an expense (issue 16)
        assert entity == "expense", "the demo firm plants no Intacct-only time or invoice"
        gone = tuple(
            FieldChange(f.field, f.after, None) for f in _create_fields(ia[entity], entity, key)
        )
        return "deactivate", "intacct", False, gone  # review: posted records are never removed
    if entity in POSTED:  # BigTime -> Intacct
        if kind == "missing_in_intacct":
            return "create", "intacct", True, _create_fields(bt[entity], entity, key)
        fc = FieldChange(item.field, item.intacct_value, item.bigtime_value)
        return "update", "intacct", True, (fc,)
    # BigTime's reference lists are read-only in its API: shown for review, not pushed.
    writable = entity not in READ_ONLY_LISTS
    if kind == "missing_in_bigtime":
        return "create", "bigtime", writable, _create_fields(ia[entity], entity, key)
    if kind == "missing_in_intacct":
        assert entity in ORIGINATES_IN_BIGTIME, "the demo plants no other BigTime-only master"
        return "create", "intacct", True, _create_fields(bt[entity], entity, key)
    fc = FieldChange(item.field, item.bigtime_value, item.intacct_value)
    return "update", "bigtime", writable, (fc,)


# --- the demo firm ----------------------------------------------------------------------------
def test_every_manifest_item_becomes_exactly_its_change(firm, views, plan):
    ia, bt = views
    assert len(plan.changes) == len(firm.manifest)
    by_record = {(c.entity, c.key): c for c in plan.changes}
    assert len(by_record) == len(plan.changes)
    for item in firm.manifest:
        change = by_record[(item.entity, item.key)]
        action, target, pushable, fields = _expected(item, ia, bt)
        got = (change.action, change.target, change.pushable, change.fields)
        assert got == (action, target, pushable, fields), item.id
        if not pushable:
            why = {"payment": "payment API", "expense": "never removes posted"}.get(
                item.entity, "read-only in its API"
            )
            assert why in change.note
        assert change.change_id.startswith("chg-") and len(change.change_id) == 20
        assert change.rule


def test_counts_per_action_and_target_follow_the_findings(firm, views, plan):
    ia, bt = views
    want = Counter(_expected(item, ia, bt)[:3] for item in firm.manifest)
    assert Counter((c.action, c.target, c.pushable) for c in plan.changes) == want
    # Every kind of change the design names occurs in the demo plan.
    assert {k[:2] for k in want} >= {
        ("create", "bigtime"),
        ("create", "intacct"),
        ("update", "bigtime"),
        ("update", "intacct"),
    }


def test_rules_name_the_direction(plan):
    by_record = {(c.entity, c.key): c for c in plan.changes}
    assert by_record[("customer", "C10041")].rule == (
        "master data flows Intacct -> BigTime: client missing in BigTime"
    )
    assert "created in BigTime may go to Intacct" in by_record[("project", "P26-0001")].rule
    assert by_record[("time_entry", "1019231")].rule.startswith("time flows BigTime -> Intacct")


def test_cosmetic_findings_become_changes(views, plan):
    ia, bt = views
    findings = diff_all(ia, bt).findings()
    cosmetic = findings[findings["detail"] == "cosmetic"]
    assert len(cosmetic) >= 5
    by_record = {(c.entity, c.key): c for c in plan.changes}
    for entity, key, field in cosmetic[["entity", "key", "field"]].itertuples(index=False):
        change = by_record[(entity, key)]
        assert change.action == "update" and change.pushable == (entity not in READ_ONLY_LISTS)
        assert [f.field for f in change.fields] == [field]
        assert change.rule.endswith("(only in letter case or spacing)")


def _worth(row: pd.Series) -> Decimal:
    return (row["hours"] * row["bill_rate"]).quantize(Decimal("0.01")) if row["billable"] else 0


def test_money_impact(firm, views, plan):
    ia, bt = views
    by_record = {(c.entity, c.key): c for c in plan.changes}
    seen = Counter()
    for item in firm.manifest:
        change = by_record[(item.entity, item.key)]
        if item.entity == "time_entry" and item.kind == "missing_in_intacct":
            want = _worth(_row(bt["time_entry"], "time_entry", item.key))
        elif item.entity == "time_entry":
            want = _worth(_row(bt["time_entry"], "time_entry", item.key)) - _worth(
                _row(ia["time_entry"], "time_entry", item.key)
            )
        elif item.entity in ("invoice", "payment") and item.kind == "field_mismatch":
            want = Decimal(item.bigtime_value) - Decimal(item.intacct_value)
            want = -want if item.entity == "payment" else want  # payments go to BigTime
        elif item.entity == "invoice":
            want = _row(bt["invoice"], "invoice", item.key)["total"]
        elif item.entity == "payment":
            want = _row(ia["payment"], "payment", item.key)["paid_amount"]
        elif item.entity == "expense" and item.kind == "field_mismatch":
            moved = item.field == "amount"
            want = Decimal(item.bigtime_value) - Decimal(item.intacct_value) if moved else 0
        elif item.entity == "expense" and item.kind == "missing_in_intacct":
            want = _row(bt["expense"], "expense", item.key)["amount"]
        elif item.entity == "expense":  # only in Intacct: its removal would take it away
            want = -_row(ia["expense"], "expense", item.key)["amount"]
        else:
            assert change.money_impact is None, item.id
            continue
        assert change.money_impact == want, item.id
        assert isinstance(change.money_impact, Decimal)
        seen[(item.entity, change.money_impact != 0)] += 1
    # The demo firm has billable hour changes and invoice deltas, not only zeros.
    assert seen[("time_entry", True)] >= 2 and seen[("invoice", True)] >= 3


def test_plan_order_respects_dependencies_and_entity_tiers(plan):
    position = {c.change_id: i for i, c in enumerate(plan.changes)}
    tiers = [PLAN_ORDER.index(c.entity) for c in plan.changes]
    assert tiers == sorted(tiers)
    for change in plan.changes:
        assert all(position[d] < position[change.change_id] for d in change.depends_on)
    assert sorted(PLAN_ORDER) == sorted(ENTITIES)


def test_ids_are_stable_across_builds_and_row_order(views, plan):
    ia, bt = views
    again = _plan(ia, bt, run_id="another-run")
    assert [c.change_id for c in again.changes] == [c.change_id for c in plan.changes]
    shuffled = [
        {e: f.sample(frac=1, random_state=seed).reset_index(drop=True) for e, f in side.items()}
        for seed, side in ((1, ia), (2, bt))
    ]
    assert _plan(*shuffled).changes == plan.changes


def test_frame_has_one_row_per_change(firm, plan):
    frame = plan.frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert len(frame) == len(plan.changes)
    assert frame["change_id"].tolist() == [c.change_id for c in plan.changes]
    assert frame["position"].tolist() == list(range(len(plan.changes)))
    row = frame[frame["key"] == "C10012"].iloc[0]
    assert row["before"] == {"name": "Calumet Pharmacy"}
    assert row["after"] == {"name": "Calumet Pharmacy Corp."}
    assert row["summary"] == "name: 'Calumet Pharmacy' -> 'Calumet Pharmacy Corp.'"
    review = sum(
        i.entity == "payment"
        or i.entity in READ_ONLY_LISTS
        or (i.entity == "expense" and i.kind == "missing_in_bigtime")
        for i in firm.manifest
    )
    assert frame["pushable"].dtype == bool and (~frame["pushable"]).sum() == review > 0
    assert plan.by_id()[row["change_id"]].key == "C10012"


def test_empty_diff_gives_an_empty_plan(views):
    ia, _ = views
    same = _plan(ia, ia)
    assert same.changes == () and len(same.frame()) == 0
    assert tuple(same.frame().columns) == FRAME_COLUMNS
    assert make_plan(Diff({}), {}, {}, run_id="r").changes == ()


# --- removals ---------------------------------------------------------------------------------
def _without(frame: pd.DataFrame, column: str, values) -> pd.DataFrame:
    return frame[~frame[column].isin(list(values))].reset_index(drop=True)


def test_master_data_only_in_bigtime_is_deactivated_never_deleted(views):
    ia, bt = views
    bt_status = bt["vendor"].set_index("vendor_id")["status"]
    assert (bt_status["V1001"], bt_status["V1003"]) == ("inactive", "active")
    ia = {**ia, "vendor": _without(ia["vendor"], "vendor_id", ["V1001", "V1003"])}
    changes = [
        c for c in _plan(ia, bt).changes if c.action == "deactivate" and c.entity != "expense"
    ]  # the demo's expense only in Intacct is a posted record: review (issue 16)
    assert [(c.entity, c.key, c.target, c.pushable) for c in changes] == [
        ("vendor", "V1003", "bigtime", False)  # V1001 is inactive already: nothing to do
    ]  # BigTime's vendor list is read-only in its API: proposed for review
    assert changes[0].fields == (FieldChange("status", "active", "inactive"),)
    assert "never hard-deletes" in changes[0].rule


def test_time_only_in_intacct_is_review_only(views):
    ia, bt = views
    gone = bt["time_entry"]["entry_id"].iloc[[10, 20]].tolist()
    loose = ia["time_entry"].iloc[[30, 30, 31]].assign(entry_id=pd.NA)  # typed in Intacct
    ia = {**ia, "time_entry": pd.concat([ia["time_entry"], loose], ignore_index=True)}
    ia["time_entry"] = ia["time_entry"].astype(bt["time_entry"].dtypes.to_dict())
    bt = {**bt, "time_entry": _without(bt["time_entry"], "entry_id", gone)}
    plan = _plan(ia, bt)
    reviews = [c for c in plan.changes if c.entity == "time_entry" and c.action == "deactivate"]
    keyed = [c for c in reviews if c.key]
    assert sorted(c.key for c in keyed) == sorted(gone)
    for c in reviews:
        assert c.target == "intacct" and not c.pushable
        assert c.note.startswith("only in Intacct: review; recon never removes posted time")
        assert all(f.after is None for f in c.fields)
    for c in keyed:
        row = _row(ia["time_entry"], "time_entry", c.key)
        assert c.money_impact == -_worth(row)
    # The unkeyed ones: the content match pairs nothing (their BigTime twins are taken), so
    # three key-less removals remain, two of them identical -- with distinct, stable ids.
    unkeyed = [c for c in reviews if not c.key]
    assert len(unkeyed) == 3 and len({c.change_id for c in unkeyed}) == 3
    assert all("has no Entry ID" in c.note for c in unkeyed)
    assert [c.change_id for c in _plan(ia, bt).changes] == [c.change_id for c in plan.changes]


# --- dependencies and held_back ---------------------------------------------------------------
def _customer_chain(views, customer: str = "C10012"):
    """Intacct lacks a customer, its projects and their time: with customers allowed to
    originate in BigTime, each create in Intacct waits for the one before."""
    ia, bt = views
    projects = bt["project"].loc[bt["project"]["customer_id"] == customer, "project_id"].tolist()
    ia = {
        **ia,
        "customer": _without(ia["customer"], "customer_id", [customer]),
        "project": _without(ia["project"], "project_id", projects),
        "time_entry": _without(ia["time_entry"], "project_id", projects),
    }
    return ia, bt, projects


def test_held_back_cascades_from_a_rejected_customer(views):
    ia, bt, projects = _customer_chain(views)
    directions = {"customer": Direction("intacct", "create_in_source")}
    plan = _plan(ia, bt, directions=directions)
    by = {(c.entity, c.key): c for c in plan.changes}
    customer = by[("customer", "C10012")]
    assert (customer.action, customer.target) == ("create", "intacct")
    project_changes = [by[("project", p)] for p in projects]
    assert projects and all(p.depends_on == (customer.change_id,) for p in project_changes)
    time_changes = [
        c
        for c in plan.changes
        if c.entity == "time_entry" and c.target == "intacct" and c.depends_on
    ]
    assert len(time_changes) > 10

    approve_all = {c.change_id: "approve" for c in plan.changes}
    assert plan.held_back(approve_all) == {}

    held = plan.held_back({**approve_all, customer.change_id: "reject"})
    want = f"waits for client C10012 {customer.name} ({customer.change_id}) which was rejected"
    assert {held[p.change_id] for p in project_changes} == {want}
    for t in time_changes:
        (dep,) = t.depends_on
        assert held[t.change_id] == (
            f"waits for {plan.by_id()[dep].label} ({dep}) which is held back: {want}"
        )
    assert set(held) == {c.change_id for c in project_changes + time_changes}

    deferred = plan.held_back({**approve_all, customer.change_id: "defer"})
    assert deferred[project_changes[0].change_id].endswith("which was deferred")
    undecided = plan.held_back({k: v for k, v in approve_all.items() if k != customer.change_id})
    assert undecided[project_changes[0].change_id].endswith("which is not decided yet")
    with pytest.raises(ConfigError, match="approved"):
        plan.held_back({customer.change_id: "approved"})


def test_a_prerequisite_recon_cannot_push_holds_back(views):
    ia, bt, projects = _customer_chain(views)
    directions = {"customer": Direction("intacct", "create_in_source", pushable=False, note="x")}
    plan = _plan(ia, bt, directions=directions)
    approve_all = {c.change_id: "approve" for c in plan.changes}
    held = plan.held_back(approve_all)
    project = next(c for c in plan.changes if c.entity == "project" and c.key == projects[0])
    assert held[project.change_id].endswith("which recon cannot push")


def _new_staff(views, manager_of: dict[str, str]):
    ia, bt = views
    template = ia["employee"].iloc[[0]]
    rows = [template.assign(employee_id=e, manager_id=m) for e, m in manager_of.items()]
    return {**ia, "employee": pd.concat([ia["employee"], *rows], ignore_index=True)}, bt


def test_reference_within_an_entity_orders_the_manager_first(views):
    ia, bt = _new_staff(views, {"E9001": "E9002", "E9002": "E1001"})
    plan = _plan(ia, bt)
    ids = {c.key: c for c in plan.changes if c.entity == "employee" and c.action == "create"}
    assert ids["E9001"].depends_on == (ids["E9002"].change_id,)
    order = [c.key for c in plan.changes]
    assert order.index("E9002") < order.index("E9001")
    assert CYCLE_NOTE not in ids["E9001"].note


def test_a_cycle_of_references_is_kept_and_noted(views):
    ia, bt = _new_staff(views, {"E9001": "E9002", "E9002": "E9001"})
    plan = _plan(ia, bt)
    new = [c for c in plan.changes if c.key in ("E9001", "E9002")]
    assert len(new) == 2 and all(CYCLE_NOTE in c.note for c in new)


def test_an_update_depends_on_the_create_it_points_at(views):
    ia, bt = views
    project = ia["project"].copy()
    project.loc[project["project_id"] == "P25-0020", "department_id"] = "DATA"  # new in BigTime
    plan = _plan({**ia, "project": project}, bt)
    by = {(c.entity, c.key): c for c in plan.changes}
    update = by[("project", "P25-0020")]
    assert update.action == "update"
    assert update.depends_on == (by[("department", "DATA")].change_id,)


# --- directions ---------------------------------------------------------------------------------
def test_custom_directions(views):
    ia, bt = views
    directions = {
        "vendor": Direction("bigtime", "review", note="vendors are kept in BigTime"),
        "project": Direction("intacct", "deactivate"),
    }
    plan = _plan(ia, bt, directions=directions)
    by = {(c.entity, c.key): c for c in plan.changes}
    v_update = by[("vendor", "V1002")]
    assert (v_update.action, v_update.target) == ("update", "intacct")
    assert v_update.fields == (
        FieldChange("name", "Second City Legal Services", "Second City Legal Services Inc."),
    )
    v_review = by[("vendor", "V1006")]  # only in Intacct = only in the target now
    assert (v_review.action, v_review.pushable) == ("deactivate", False)
    assert v_review.note == "only in Intacct: review; vendors are kept in BigTime"
    p = by[("project", "P26-0001")]
    assert (p.action, p.target, p.fields) == (
        "deactivate",
        "bigtime",
        (FieldChange("status", "active", "inactive"),),
    )
    assert DEFAULT_DIRECTIONS["vendor"].source == "intacct"  # defaults untouched
    assert DEFAULT_DIRECTIONS["vendor"].note and not DEFAULT_DIRECTIONS["vendor"].pushable


@pytest.mark.parametrize(
    "directions",
    [
        {"vendorz": Direction("intacct")},
        {"vendor": "intacct->bigtime"},
        {"time_entry": Direction("bigtime", "deactivate")},
        [("vendor", Direction("intacct"))],
    ],
)
def test_bad_directions_are_refused(views, directions):
    ia, bt = views
    with pytest.raises(ConfigError):
        make_plan(Diff({}), ia, bt, run_id="r", directions=directions)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"source": "sage"},
        {"source": "intacct", "only_in_target": "delete"},
        {"source": "bigtime", "pushable": "no"},
    ],
)
def test_bad_direction_values_are_refused(kwargs):
    with pytest.raises(ConfigError):
        Direction(**kwargs)


def test_bad_inputs_are_refused(views):
    ia, bt = views
    with pytest.raises(PlanError, match="Diff"):
        make_plan({}, ia, bt, run_id="r")  # type: ignore[arg-type]
    with pytest.raises(PlanError, match="run_id"):
        make_plan(Diff({}), ia, bt, run_id=" ")
    change = Change("chg-1", "vendor", "V1", "create", "bigtime", (), "r", None, ())
    with pytest.raises(PlanError, match="more than once"):
        Plan("r", (change, change))


# --- scale --------------------------------------------------------------------------------------
def test_a_plan_of_100k_findings_is_whole_and_right(views):
    """~100k findings: 50k entries only in BigTime, 50k with different hours. How fast it
    builds is measured, not asserted: benchmarks/demo.py times map + diff + plan at a
    million time entries a side."""
    _, bt = views
    entries = bt["time_entry"]
    copies = [entries.assign(entry_id=str(i) + entries["entry_id"]) for i in range(4)]
    big = pd.concat(copies, ignore_index=True).astype(entries.dtypes.to_dict())
    intacct = big.iloc[:50_000].assign(hours=[h + Decimal("0.25") for h in big["hours"][:50_000]])
    frames = ({"time_entry": intacct}, {"time_entry": big})
    diff = diff_all(*frames)
    plan = make_plan(diff, *frames, run_id="big")
    actions = Counter(c.action for c in plan.changes)
    assert actions == {"create": len(big) - 50_000, "update": 50_000}
    assert len(plan.changes) >= 100_000
    some = next(c for c in plan.changes if c.action == "update")
    row = big[big["entry_id"] == some.key].iloc[0]
    want = Decimal("-0.25") * row["bill_rate"] if row["billable"] else 0
    assert some.money_impact == want


def test_plan_is_plain_data(plan):
    """The store rebuilds a plan from its run id and changes; asdict sees nothing else."""
    assert [f.name for f in dataclasses.fields(Plan)] == ["run_id", "changes"]
    data = dataclasses.asdict(plan)
    assert set(data) == {"run_id", "changes"} and len(data["changes"]) == len(plan)
    assert set(data["changes"][0]["fields"][0]) == {"field", "before", "after"}
    again = Plan(plan.run_id, list(plan.changes))
    assert again == plan and again.by_id() == plan.by_id()
