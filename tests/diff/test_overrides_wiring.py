"""A user's mapping overrides, end to end: mapping file -> overridden frames -> diff.

``MappingOverrides.apply_all`` reshapes each side's canonical frames (ignored columns out,
custom fields in, another key); ``diff_all(..., specs=...)`` then reads columns, key and
kinds from ``MappingOverrides.entity``. Frames are the demo firm's views, and the custom
fields are looked up in pulled frames holding only a key column and the field.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from recon.canonical import ENTITIES
from recon.diff import CompareRules, FieldRule, diff_all, diff_entity, diff_time
from recon.errors import ConfigError
from recon.mapping import MappingOverrides, parse_overrides
from recon.sandbox.firm import Firm, generate

Frames = dict[str, pd.DataFrame]


@pytest.fixture(scope="module")
def firm() -> Firm:
    return generate(seed=7, scale=1)


def planted(firm: Firm, keep=lambda item: True) -> set[tuple]:
    return {
        (i.entity, i.kind, i.key, i.field, i.intacct_value, i.bigtime_value)
        for i in firm.manifest
        if keep(i)
    }


def found(frames: tuple[Frames, Frames], overrides: MappingOverrides, rules=None) -> set[tuple]:
    specs = {e: overrides.entity(e) for e in frames[0]}
    rules = overrides.compare_rules(rules or CompareRules.default())
    rows = diff_all(*frames, rules, specs=specs).findings()
    cols = ["entity", "kind", "key", "field", "intacct_value", "bigtime_value"]
    return {tuple(r) for r in rows[cols].itertuples(index=False)}


def applied(firm: Firm, overrides: MappingOverrides, pulled=(None, None)) -> tuple[Frames, Frames]:
    return (
        overrides.apply_all("intacct", firm.intacct_view, pulled[0]),
        overrides.apply_all("bigtime", firm.bigtime_view, pulled[1]),
    )


def test_ignored_fields_are_dropped_and_their_findings_with_them(firm: Firm):
    overrides = parse_overrides('[customer]\nignore = ["name"]\n[time_entry]\nignore = ["hours"]\n')
    frames = applied(firm, overrides)
    assert "name" not in frames[0]["customer"].columns
    # The canonical shapes no longer fit: without the specs the diff refuses the frames.
    with pytest.raises(ConfigError, match="lacks"):
        diff_all(*frames)
    expected = planted(firm, lambda i: (i.entity, i.field) not in {
        ("customer", "name"), ("time_entry", "hours"),
    })  # fmt: skip
    assert found(frames, overrides) == expected
    assert expected < planted(firm)  # something was ignored indeed


def _pulled_with_region(firm: Firm, changes: dict[str, str]) -> tuple[Frames, Frames]:
    """Pulled frames with only a key column and a "Region" custom field per customer;
    BigTime's value differs for the customers in ``changes``."""
    ids = firm.intacct_view["customer"]["customer_id"].tolist()
    regions = [("North", "South", "East")[i % 3] for i in range(len(ids))]
    bt_regions = [changes.get(c, r) for c, r in zip(ids, regions, strict=True)]
    ia = pd.DataFrame({"CUSTOMERID": ids, "REGION": regions}, dtype="str")
    bt = pd.DataFrame({"ClientId": ids, "Udf.Region": bt_regions}, dtype="str")
    return {"CUSTOMER": ia}, {"client": bt}


REGION = """
[[customer.extra]]
name = "region"
kind = "text"
intacct = "REGION"
bigtime = "Udf.Region"
"""


def test_an_extra_text_field_is_compared_by_its_own_kind(firm: Firm):
    ids = firm.intacct_view["customer"]["customer_id"].tolist()
    overrides = parse_overrides(REGION)
    first, second = ids[2], ids[3]  # "East" and "North" in Intacct (see the helper)
    pulled = _pulled_with_region(firm, {first: "west", second: "NORTH  "})
    frames = applied(firm, overrides, pulled)
    assert frames[0]["customer"].columns[-1] == "region"
    got = found(frames, overrides)
    extra = got - planted(firm)
    source = pulled[0]["CUSTOMER"]
    ia_region = dict(zip(source["CUSTOMERID"], source["REGION"], strict=True))
    assert (ia_region[first], ia_region[second]) == ("East", "North")
    assert extra == {
        ("customer", "field_mismatch", first, "region", "East", "west"),
        ("customer", "field_mismatch", second, "region", "North", "NORTH  "),
    }
    assert planted(firm) <= got
    specs = {"customer": overrides.entity("customer")}
    ed = diff_all(*frames, overrides.compare_rules(CompareRules.default()), specs=specs)
    kinds = ed.entities["customer"].mismatches.set_index("key")["kind"]
    # "North" vs "NORTH  " only differs by case and spacing under the text rule: cosmetic.
    assert kinds[second] == "cosmetic" and kinds[first] == "value"


def test_an_extra_money_field_takes_the_money_tolerance():
    overrides = parse_overrides(
        '[[project.extra]]\nname = "budget"\nkind = "money"\nintacct = "B"\nbigtime = "Udf.B"\n'
    )
    spec = overrides.entity("project")
    base = {c.name: None for c in ENTITIES["project"].columns}

    def side(budgets: list[str]) -> pd.DataFrame:
        rows = [base | {"project_id": f"P{i}", "budget": Decimal(b)} for i, b in enumerate(budgets)]
        frame = pd.DataFrame(rows, columns=spec.names)
        return frame.astype(spec.dtypes())

    ia, bt = side(["100.00", "100.00", "5.00"]), side(["100.50", "102.00", "5.00"])
    exact = diff_entity("project", ia, bt, spec=spec).mismatches
    assert exact[["key", "field"]].values.tolist() == [["P0", "budget"], ["P1", "budget"]]
    loose = CompareRules.default().with_kind("money", FieldRule(abs_tol=Decimal("1")))
    tolerant = diff_entity("project", ia, bt, loose, spec=spec).mismatches
    assert tolerant[["key", "intacct", "bigtime"]].values.tolist() == [["P1", "100.00", "102.00"]]


def test_another_key_pairs_records_by_it(firm: Firm):
    # Pair terms by their due days (an int column) instead of their name.
    overrides = parse_overrides('[ar_term]\nkey = "due_days"\n')
    frames = applied(firm, overrides)
    ia, bt = frames[0]["ar_term"], frames[1]["ar_term"]
    assert ia["due_days"].is_unique and bt["due_days"].is_unique
    renamed = bt.assign(name=bt["name"] + " (renamed)")
    ed = diff_entity("ar_term", ia, renamed, spec=overrides.entity("ar_term"))
    assert ed.key == "due_days" and ed.only_in_intacct.empty and ed.only_in_bigtime.empty
    assert set(ed.mismatches["field"]) >= {"name"}  # the old key is an ordinary field now
    assert set(ed.mismatches["key"]) == {str(d) for d in ia["due_days"]}
    # Under the canonical key the same frames differ in every record's presence instead.
    plain = diff_entity("ar_term", firm.intacct_view["ar_term"], renamed)
    assert len(plain.only_in_intacct) == len(ia)


def test_a_date_key_is_paired_and_reported_in_its_canonical_form():
    spec = replace(ENTITIES["project"], key="begin_date")
    base = {c.name: None for c in spec.columns}
    dates = pd.to_datetime(["2025-01-01", "2025-02-01"])

    def side(names: list[str]) -> pd.DataFrame:
        rows = [base | {"begin_date": d, "name": n} for d, n in zip(dates, names, strict=True)]
        return pd.DataFrame(rows, columns=spec.names).astype(spec.dtypes())

    ed = diff_entity("project", side(["A", "B"]), side(["A", "C"]), spec=spec)
    assert ed.mismatches[["key", "field"]].values.tolist() == [["2025-02-01", "name"]]


def test_time_entries_with_overrides_still_fall_back_by_content(firm: Firm):
    overrides = parse_overrides('[time_entry]\nignore = ["notes"]\n')
    spec = overrides.entity("time_entry")
    ia = overrides.apply("time_entry", firm.intacct_view["time_entry"], "intacct")
    bt = overrides.apply("time_entry", firm.bigtime_view["time_entry"], "bigtime")
    planted_keys = {i.key for i in firm.manifest if i.entity == "time_entry"}
    rng = np.random.default_rng(3)
    drop = (rng.random(len(ia)) < 0.1) & ~ia["entry_id"].isin(planted_keys).to_numpy()
    unlinked = ia.assign(entry_id=ia["entry_id"].mask(drop))
    linked = diff_time(ia, bt, spec=spec)
    fallen = diff_time(unlinked, bt, spec=spec)
    # Entries whose content agrees pair again by content: the same findings, same count.
    assert fallen.compared == linked.compared and drop.sum() > 1000
    assert fallen.findings().equals(linked.findings())
    # An entry whose hours were planted differently cannot pair by content once unlinked.
    (hours_key,) = [i.key for i in firm.manifest if i.field == "hours"][:1]
    one = ia.assign(entry_id=ia["entry_id"].mask(ia["entry_id"].eq(hours_key)))
    ed = diff_time(one, bt, spec=spec)
    assert ed.only_in_intacct["entry_id"].isna().tolist() == [True]
    assert hours_key in set(ed.only_in_bigtime["entry_id"])
    # Without hours in the shape, content cannot be matched: unlinked entries stay one-sided.
    no_hours = parse_overrides('[time_entry]\nignore = ["hours"]\n')
    ia_short, bt_short = (
        no_hours.apply("time_entry", firm.intacct_view["time_entry"], "intacct"),
        no_hours.apply("time_entry", firm.bigtime_view["time_entry"], "bigtime"),
    )
    ia_short = ia_short.assign(entry_id=ia_short["entry_id"].mask(drop))
    ed = diff_time(ia_short, bt_short, spec=no_hours.entity("time_entry"))
    assert ed.only_in_intacct["entry_id"].isna().sum() == drop.sum()


def test_a_spec_for_another_entity_is_refused(firm: Firm):
    spec = MappingOverrides.empty().entity("project")
    frame = firm.intacct_view["customer"]
    with pytest.raises(ConfigError, match="customer"):
        diff_entity("customer", frame, frame, spec=spec)
