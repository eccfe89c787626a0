"""recon.diff: every rule, missing values, duplicates, exact Decimals, tolerances, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from recon.canonical import ENTITIES
from recon.diff import CompareRules, Diff, EntityDiff, FieldRule, diff_all, diff_entity
from recon.diff.align import _common_width, arrow_strings
from recon.errors import ConfigError
from tests.diff.diff_helpers import frame

D = Decimal


def one(entity: str, field: str, intacct: object, bigtime: object, rules=None) -> pd.DataFrame:
    """Mismatches of one record whose ``field`` is ``intacct`` on one side, ``bigtime`` on
    the other (every other column equal)."""
    key = ENTITIES[entity].key
    a = frame(entity, {key: "K1", field: intacct})
    b = frame(entity, {key: "K1", field: bigtime})
    ed = diff_entity(entity, a, b, rules)
    assert ed.only_in_intacct.empty and ed.only_in_bigtime.empty and ed.duplicates.empty
    return ed.mismatches


def finding(entity: str, field: str, intacct: object, bigtime: object, rules=None):
    """(intacct, bigtime, kind) of the one mismatch row, or None when there is none."""
    m = one(entity, field, intacct, bigtime, rules)
    assert len(m) <= 1
    if m.empty:
        return None
    row = m.iloc[0]
    assert (row["key"], row["field"]) == ("K1", field)
    return row["intacct"], row["bigtime"], row["kind"]


# --- pairing ------------------------------------------------------------------------------------
def test_identical_frames_have_no_findings():
    a = frame("customer", {"customer_id": "C1", "name": "Acme"}, {"customer_id": "C2"})
    ed = diff_entity("customer", a, a.copy())
    assert ed.counts() == dict.fromkeys(ed.counts(), 0)
    assert ed.compared == 2


def test_one_sided_rows_are_whole_canonical_rows_sorted_by_key():
    a = frame("customer", {"customer_id": "C3", "name": "Gamma"}, {"customer_id": "C1"})
    b = frame("customer", {"customer_id": "C2", "name": "Beta"}, {"customer_id": "C1"})
    ed = diff_entity("customer", a, b)
    assert list(ed.only_in_intacct.columns) == ENTITIES["customer"].names
    assert ed.only_in_intacct["customer_id"].tolist() == ["C3"]
    assert ed.only_in_intacct["name"].tolist() == ["Gamma"]
    assert ed.only_in_bigtime["customer_id"].tolist() == ["C2"]
    assert ed.mismatches.empty and ed.compared == 1


def test_keys_match_exactly_not_after_normalisation():
    a = frame("customer", {"customer_id": "C1"})
    b = frame("customer", {"customer_id": "c1"})
    ed = diff_entity("customer", a, b)
    assert ed.only_in_intacct["customer_id"].tolist() == ["C1"]
    assert ed.only_in_bigtime["customer_id"].tolist() == ["c1"]


def test_missing_keys_are_never_paired_not_even_with_each_other():
    a = frame("customer", {"customer_id": None, "name": "x"}, {"customer_id": "C1"})
    b = frame("customer", {"customer_id": None, "name": "x"}, {"customer_id": "C1"})
    ed = diff_entity("customer", a, b)
    assert ed.only_in_intacct["customer_id"].isna().tolist() == [True]
    assert ed.only_in_bigtime["customer_id"].isna().tolist() == [True]
    assert ed.duplicates.empty and ed.compared == 1


@pytest.mark.parametrize("shuffle", [False, True], ids=["sorted", "unsorted"])
def test_duplicate_keys_are_reported_never_paired(shuffle):
    a = frame(
        "customer",
        {"customer_id": "C1", "name": "one"},
        {"customer_id": "C2", "name": "first"},
        {"customer_id": "C2", "name": "second"},
        {"customer_id": "C3", "name": "x"},
        {"customer_id": "C3", "name": "y"},
        {"customer_id": "C3", "name": "z"},
        {"customer_id": "C4"},
    )
    b = frame(
        "customer",
        {"customer_id": "C1", "name": "ONE"},
        {"customer_id": "C2", "name": "other"},  # C2 twice in Intacct: not compared
        {"customer_id": "C4"},
        {"customer_id": "C4"},
        {"customer_id": "C5"},
        {"customer_id": "C5"},  # C5 twice in BigTime only: a duplicate, not one-sided
    )
    if shuffle:
        a, b = (f.sample(frac=1, random_state=3).reset_index(drop=True) for f in (a, b))
    ed = diff_entity("customer", a, b)
    dups = ed.duplicates
    assert list(dups.columns) == ["side", "key", "count"]
    assert list(dups.itertuples(index=False, name=None)) == [
        ("intacct", "C2", 2),
        ("intacct", "C3", 3),
        ("bigtime", "C4", 2),
        ("bigtime", "C5", 2),
    ]
    assert ed.only_in_intacct.empty and ed.only_in_bigtime.empty
    assert ed.mismatches[["key", "field", "kind"]].values.tolist() == [["C1", "name", "cosmetic"]]
    assert ed.compared == 1 and ed.counts()["duplicates"] == 4


def test_row_and_column_order_of_the_inputs_do_not_matter():
    a = frame("customer", {"customer_id": "C2", "name": "b"}, {"customer_id": "C1", "name": "a"})
    b = frame("customer", {"customer_id": "C1", "name": "A!"}, {"customer_id": "C2", "name": "b"})
    ed = diff_entity("customer", a.iloc[:, ::-1], b)
    assert ed.mismatches[["key", "intacct", "bigtime"]].values.tolist() == [["C1", "a", "A!"]]


def test_variable_length_and_fixed_length_keys_pair_alike():
    keys = ["A", "AB", "ABC", "B"]  # sorted, of different lengths: the hashing path
    a = frame("class", *({"class_id": k, "name": k} for k in keys))
    b = frame("class", *({"class_id": k, "name": k.lower()} for k in [*keys[1:], "C"]))
    ed = diff_entity("class", a, b)
    assert ed.only_in_intacct["class_id"].tolist() == ["A"]
    assert ed.only_in_bigtime["class_id"].tolist() == ["C"]
    assert ed.mismatches["key"].tolist() == ["AB", "ABC", "B"]


KEY_FAMILIES = {
    "short fixed width": [f"C{i:03d}" for i in range(12)],
    "long fixed width": [f"INV-25-{i:05d}" for i in range(12)],
    "non-ASCII fixed width": [f"{c}{i}" for c in ("ab", "ä", "zz", "é") for i in range(3)],
    "variable width": ["A", "AB", "ABC", "B", "Ba", "b", "é", "zz", "z", "0", "00", "1"],
}


def _reference(a_keys: list[str], b_keys: list[str]) -> tuple[set, set, set, set]:
    """Naive pairing: (only a, only b, paired, duplicated (side, key, count))."""
    ca, cb = Counter(a_keys), Counter(b_keys)
    dup = {("intacct", k, n) for k, n in ca.items() if n > 1}
    dup |= {("bigtime", k, n) for k, n in cb.items() if n > 1}
    bad = {k for _, k, _ in dup}
    return (
        {k for k in ca if k not in cb and k not in bad},
        {k for k in cb if k not in ca and k not in bad},
        {k for k in ca if k in cb and k not in bad},
        dup,
    )


@pytest.mark.parametrize("family", KEY_FAMILIES)
@pytest.mark.parametrize("shuffle", [False, True], ids=["sorted", "unsorted"])
def test_pairing_matches_a_naive_reference(family, shuffle):
    rng = np.random.default_rng(len(family))
    pool = KEY_FAMILIES[family]
    a_keys = sorted(rng.choice(pool, 14).tolist())  # with repeats: duplicates
    b_keys = sorted(rng.choice(pool, 9).tolist())
    if shuffle:
        rng.shuffle(a_keys)
        rng.shuffle(b_keys)
    a = frame("class", *({"class_id": k, "name": "same"} for k in a_keys))
    b = frame("class", *({"class_id": k, "name": "other"} for k in b_keys))
    only_a, only_b, paired, dups = _reference(a_keys, b_keys)
    # sorted keys of one byte length take the binary-search path, the others the hash path
    fast = not shuffle and family != "variable width"
    assert (_common_width(arrow_strings(a["class_id"])) is not None) is fast
    ed = diff_entity("class", a, b)
    assert ed.only_in_intacct["class_id"].tolist() == sorted(only_a)
    assert ed.only_in_bigtime["class_id"].tolist() == sorted(only_b)
    assert ed.mismatches["key"].tolist() == sorted(paired)
    assert set(ed.duplicates.itertuples(index=False, name=None)) == dups
    assert ed.compared == len(paired)


def test_inputs_are_not_modified():
    a = frame("time_entry", {"entry_id": "1", "hours": D("1.25"), "notes": None})
    b = frame("time_entry", {"entry_id": "1", "hours": D("1.50"), "notes": ""})
    before = (a.copy(deep=True), b.copy(deep=True))
    diff_entity("time_entry", a, b)
    pd.testing.assert_frame_equal(a, before[0])
    pd.testing.assert_frame_equal(b, before[1])


# --- text and ids -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("intacct", "bigtime", "kind"),
    [
        ("Acme Corp", "ACME CORP", "cosmetic"),
        ("Acme Corp", " Acme   Corp ", "cosmetic"),
        ("Acme\tCorp", "Acme Corp", "cosmetic"),
        ("Café", "Cafe\u0301", "cosmetic"),  # composed vs combining accent (NFC)
        ("Acme", "Ａｃｍｅ", "cosmetic"),  # full-width letters (NFKC)
        ("Straße", "STRASSE", "cosmetic"),  # casefold, not lower()
        ("Acme Corp", "Acme Corp.", "value"),
        ("Acme", "Acne", "value"),
    ],
)
def test_text_differences_are_cosmetic_only_when_normalisation_removes_them(intacct, bigtime, kind):
    assert finding("customer", "name", intacct, bigtime) == (intacct, bigtime, kind)


@pytest.mark.parametrize(
    ("rule", "bigtime", "kind"),
    [
        (FieldRule(case=False), "ACME CORP", "value"),
        (FieldRule(case=False), " Acme Corp", "cosmetic"),
        (FieldRule(whitespace=False), "acme  corp", "value"),
        (FieldRule(whitespace=False), "ACME CORP", "cosmetic"),
        (FieldRule(unicode=False), "Ａｃｍｅ Corp", "value"),
        (FieldRule(case=False, whitespace=False, unicode=False), " Acme Corp", "value"),
    ],
)
def test_switching_a_normalisation_off_makes_its_differences_values(rule, bigtime, kind):
    rules = CompareRules.default().with_field("customer", "name", rule)
    assert finding("customer", "name", "Acme Corp", bigtime, rules)[2] == kind
    # the override is per field: another text field keeps the default rule
    assert finding("customer", "city", "Acme Corp", "ACME CORP", rules)[2] == "cosmetic"


def test_ids_compare_exactly_but_flag_case_only_as_cosmetic():
    assert finding("project", "manager_id", "E1005", "e1005")[2] == "cosmetic"
    assert finding("project", "manager_id", "E1005", "E1005 ")[2] == "value"
    assert finding("project", "manager_id", "E1005", "E1022")[2] == "value"


def test_exact_rules_have_no_cosmetic_findings():
    assert finding("customer", "name", "Acme", "ACME", CompareRules.exact())[2] == "value"


def test_with_kind_changes_every_field_of_that_kind():
    rules = CompareRules.default().with_kind("text", FieldRule(case=False))
    assert finding("customer", "city", "Oslo", "OSLO", rules)[2] == "value"
    assert finding("customer", "status", "active", "ACTIVE", rules)[2] == "cosmetic"


# --- missing values -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("intacct", "bigtime", "expected"),
    [
        (None, None, None),
        (None, "", (None, "", "missing_vs_empty")),
        ("", None, ("", None, "missing_vs_empty")),
        (None, "   ", (None, "   ", "missing_vs_empty")),
        (None, "x", (None, "x", "value")),
        ("", "x", ("", "x", "value")),
        ("", " ", ("", " ", "cosmetic")),
    ],
)
def test_missing_against_empty_and_against_values(intacct, bigtime, expected):
    assert finding("customer", "phone", intacct, bigtime) == expected


def test_whitespace_only_is_not_empty_when_whitespace_counts():
    rules = CompareRules.default().with_field("customer", "phone", FieldRule(whitespace=False))
    assert finding("customer", "phone", None, "  ", rules)[2] == "value"
    assert finding("customer", "phone", None, "", rules)[2] == "missing_vs_empty"


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA], ids=["None", "NaN", "NA"])
def test_missing_amounts_in_any_spelling(missing):
    assert finding("project", "po_amount", missing, None) is None
    assert finding("project", "po_amount", missing, D("5.00")) == (None, "5.00", "value")
    assert finding("project", "po_amount", D("5"), missing) == ("5.00", None, "value")


def test_missing_dates():
    day = dt.datetime(2025, 3, 1)
    assert finding("project", "end_date", None, None) is None
    assert finding("project", "end_date", None, day) == (None, "2025-03-01", "value")


# --- numbers ------------------------------------------------------------------------------------
def test_decimal_comparison_is_exact():
    assert finding("project", "po_amount", D("0.1") + D("0.2"), D("0.3")) is None
    assert finding("project", "po_amount", D("0.30"), D("0.3")) is None
    # 0.1 and 0.1 + 1e-17 are the same float, but not the same amount
    assert finding("project", "po_amount", D("0.1"), D("0.10000000000000001"))[2] == "value"
    big, bigger = D("123456789012345678901234567890.10"), D("123456789012345678901234567890.11")
    assert finding("project", "po_amount", big, bigger) == (
        "123456789012345678901234567890.10",
        "123456789012345678901234567890.11",
        "value",
    )


def tol(**kw) -> CompareRules:
    return CompareRules.default().with_field("project", "po_amount", FieldRule(**kw))


@pytest.mark.parametrize(
    ("intacct", "bigtime", "rule", "differs"),
    [
        ("100.00", "100.01", {"abs_tol": D("0.01")}, False),  # exactly the tolerance: within
        ("100.00", "100.02", {"abs_tol": D("0.01")}, True),
        ("100.011", "100.00", {"abs_tol": "0.011"}, False),
        ("100.0111", "100.00", {"abs_tol": "0.011"}, True),
        # relative to the BigTime side, as datacompy: 10 <= 0.1 * 100 but 10 > 0.1 * 90
        ("110", "100", {"rel_tol": D("0.1")}, False),
        ("100", "90", {"rel_tol": D("0.1")}, True),
        ("90", "100", {"rel_tol": D("0.1")}, False),
        ("100", "110", {"rel_tol": D("0.1")}, False),
        ("-110", "-100", {"rel_tol": D("0.1")}, False),  # |bigtime|
        ("112", "100", {"abs_tol": 2, "rel_tol": D("0.1")}, False),  # 12 <= 2 + 10
        ("112.01", "100", {"abs_tol": 2, "rel_tol": D("0.1")}, True),
    ],
)
def test_tolerance_boundaries(intacct, bigtime, rule, differs):
    result = finding("project", "po_amount", D(intacct), D(bigtime), tol(**rule))
    assert (result is not None) is differs
    if differs:
        assert result[2] == "value"


def test_a_tolerance_does_not_hide_a_missing_amount():
    assert finding("project", "po_amount", None, D("0.00"), tol(abs_tol=1000))[2] == "value"


def test_hours_are_compared_exactly_and_shown_with_two_places():
    assert finding("time_entry", "hours", D("7.25"), D("7.5")) == ("7.25", "7.50", "value")


def test_ints_with_and_without_tolerance():
    assert finding("ar_term", "due_days", 30, 45) == ("30", "45", "value")
    rules = CompareRules.default().with_field("ar_term", "due_days", FieldRule(abs_tol=15))
    assert finding("ar_term", "due_days", 30, 45, rules) is None


def test_bools():
    assert finding("time_entry", "billable", True, False) == ("true", "false", "value")
    assert finding("time_entry", "billable", False, False) is None


# --- dates --------------------------------------------------------------------------------------
def test_dates_compare_as_calendar_days():
    morning, evening = dt.datetime(2025, 3, 1, 8), dt.datetime(2025, 3, 1, 20)
    assert finding("project", "begin_date", morning, evening) is None
    assert finding("project", "begin_date", morning, dt.datetime(2025, 3, 2)) == (
        "2025-03-01",
        "2025-03-02",
        "value",
    )
    rules = CompareRules.default().with_field(
        "project", "begin_date", FieldRule(dates_as_dates=False)
    )
    assert finding("project", "begin_date", morning, evening, rules) == (
        "2025-03-01T08:00:00",
        "2025-03-01T20:00:00",
        "value",
    )


def test_time_zone_aware_dates_compare_by_wall_clock_day():
    spec = ENTITIES["project"]
    a = frame("project", {"project_id": "K1"})
    b = frame("project", {"project_id": "K1"})
    a["begin_date"] = pd.Series([pd.Timestamp("2025-03-01 23:30", tz="America/Chicago")])
    b["begin_date"] = pd.Series([pd.Timestamp("2025-03-01 00:10", tz="Europe/Oslo")])
    assert spec.key == "project_id"
    assert diff_entity("project", a, b).mismatches.empty


# --- ignore, order, long form -------------------------------------------------------------------
def test_ignored_fields_are_not_compared():
    rules = CompareRules.default().with_field("customer", "phone", FieldRule(ignore=True))
    assert finding("customer", "phone", "555", "556", rules) is None


def test_mismatches_long_form_sorted_by_key_then_field_order():
    a = frame("customer", {"customer_id": "C2", "city": "a", "name": "a"}, {"customer_id": "C1"})
    b = frame(
        "customer", {"customer_id": "C2", "city": "b", "name": "b"}, {"customer_id": "C1", "zip": 1}
    )
    m = diff_entity("customer", a, b).mismatches
    assert list(m.columns) == ["key", "field", "intacct", "bigtime", "kind"]
    assert m[["key", "field"]].values.tolist() == [["C1", "zip"], ["C2", "name"], ["C2", "city"]]


# --- errors -------------------------------------------------------------------------------------
def test_wrong_columns_raise_a_clear_config_error():
    a = frame("customer", {"customer_id": "C1"})
    with pytest.raises(ConfigError, match=r"customer \(bigtime\).*lacks \['phone'\]"):
        diff_entity("customer", a, a.drop(columns="phone"))
    with pytest.raises(ConfigError, match=r"customer \(intacct\).*unexpected \['extra'\]"):
        diff_entity("customer", a.assign(extra=1), a)
    with pytest.raises(ConfigError, match="exactly the columns"):
        diff_entity("customer", a.rename(columns={"name": "Name"}), a)


def test_other_bad_inputs_raise_config_errors():
    a = frame("customer", {"customer_id": "C1"})
    with pytest.raises(ConfigError, match="unknown entity 'client'"):
        diff_entity("client", a, a)
    with pytest.raises(ConfigError, match="expected a pandas DataFrame"):
        diff_entity("customer", a, a.to_dict())
    with pytest.raises(ConfigError, match="unknown entities"):
        diff_all({"client": a}, {})
    ints = frame("customer", {"customer_id": "C1"}).astype({"name": object})
    ints.loc[0, "name"] = 42
    with pytest.raises(ConfigError, match=r"customer.name: values are not text"):
        diff_entity("customer", ints, a)
    bad = frame("project", {"project_id": "K1"}).astype({"po_amount": object})
    bad.loc[0, "po_amount"] = "lots"
    with pytest.raises(ConfigError, match=r"project.po_amount: 'lots' is not a number"):
        diff_entity("project", bad, frame("project", {"project_id": "K1"}), tol(abs_tol=1))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: FieldRule(abs_tol=0.01), "floats are refused"),
        (lambda: FieldRule(rel_tol=D("-1")), ">= 0"),
        (lambda: FieldRule(abs_tol="lots"), "must be a number"),
        (lambda: CompareRules.default().with_field("customer", "nme", FieldRule()), "no field"),
        (lambda: CompareRules.default().with_field("client", "name", FieldRule()), "unknown"),
        (lambda: CompareRules.default().with_field("customer", "customer_id", FieldRule()), "key"),
        (lambda: CompareRules.default().with_kind("currency", FieldRule()), "unknown kind"),
    ],
)
def test_bad_rules_raise_config_errors(call, message):
    with pytest.raises(ConfigError, match=message):
        call()


def test_tolerances_become_decimals():
    rule = FieldRule(abs_tol=2, rel_tol="0.5")
    assert (rule.abs_tol, rule.rel_tol) == (D(2), D("0.5"))
    assert isinstance(rule.abs_tol, Decimal)


# --- empty frames -------------------------------------------------------------------------------
def test_empty_frames():
    empty = frame("customer")
    ed = diff_entity("customer", empty, empty)
    assert ed.counts() == dict.fromkeys(ed.counts(), 0) and ed.compared == 0
    assert ed.wide().empty and ed.findings().empty


def test_one_side_empty():
    a = frame("customer", {"customer_id": "C2"}, {"customer_id": "C1"})
    untyped = pd.DataFrame(columns=ENTITIES["customer"].names)  # all object, no rows
    ed = diff_entity("customer", a, untyped)
    assert ed.only_in_intacct["customer_id"].tolist() == ["C1", "C2"]
    assert ed.only_in_bigtime.empty and ed.mismatches.empty
    assert diff_entity("customer", untyped, a).swap().only_in_intacct.equals(ed.only_in_intacct)


# --- results ------------------------------------------------------------------------------------
def _sample() -> EntityDiff:
    a = frame(
        "customer",
        {"customer_id": "C1", "name": "Acme", "city": "Oslo"},
        {"customer_id": "C2", "name": "Beta"},
        {"customer_id": "C3", "name": "Gone"},
        {"customer_id": "C5"},
        {"customer_id": "C5"},
    )
    b = frame(
        "customer",
        {"customer_id": "C1", "name": "ACME", "city": "Bergen"},
        {"customer_id": "C2", "name": "Beta"},
        {"customer_id": "C4", "name": "New"},
    )
    return diff_entity("customer", a, b)


def test_counts():
    assert _sample().counts() == {
        "only_in_intacct": 1,
        "only_in_bigtime": 1,
        "mismatched_records": 1,
        "mismatched_fields": 2,
        "cosmetic": 1,
        "duplicates": 1,
    }


def test_wide_is_one_row_per_key_with_a_finding():
    w = _sample().wide()
    assert list(w.columns) == [
        "key",
        "finding",
        "name_intacct",
        "name_bigtime",
        "city_intacct",
        "city_bigtime",
    ]
    assert w.values.tolist() == [
        ["C1", "field_mismatch", "Acme", "ACME", "Oslo", "Bergen"],
        ["C3", "missing_in_bigtime", "Gone", None, "same", None],
        ["C4", "missing_in_intacct", None, "New", None, "same"],
        ["C5", "duplicate_key", None, None, None, None],
    ]


def test_swap_exchanges_the_sides():
    ed = _sample()
    s = ed.swap()
    assert s.only_in_intacct.equals(ed.only_in_bigtime)
    assert s.mismatches[["intacct", "bigtime"]].values.tolist() == [
        ["ACME", "Acme"],
        ["Bergen", "Oslo"],
    ]
    assert s.duplicates["side"].tolist() == ["bigtime"]
    pd.testing.assert_frame_equal(s.swap().mismatches, ed.mismatches)


def test_results_are_immutable():
    ed = _sample()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ed.mismatches = ed.mismatches  # type: ignore[misc]
    d = Diff({"customer": ed})
    with pytest.raises(TypeError):
        d.entities["vendor"] = ed  # type: ignore[index]


def test_diff_all_summary_and_findings_in_the_manifest_vocabulary():
    customers_a = frame("customer", {"customer_id": "C1", "name": "Acme"}, {"customer_id": "C9"})
    customers_b = frame("customer", {"customer_id": "C1", "name": "ACME"})
    vendors = frame("vendor", {"vendor_id": "V1"})
    intacct = {"vendor": vendors, "customer": customers_a, "class": frame("class")}
    d = diff_all(intacct, {"customer": customers_b, "vendor": frame("vendor")})
    assert list(d.entities) == ["customer", "vendor"]  # ENTITY_ORDER, on both sides only
    summary = d.summary()
    assert summary.to_dict("records") == [
        {
            "entity": "customer",
            "only_in_intacct": 1,
            "only_in_bigtime": 0,
            "mismatched_records": 1,
            "mismatched_fields": 1,
            "cosmetic": 1,
            "duplicates": 0,
        },
        {
            "entity": "vendor",
            "only_in_intacct": 1,
            "only_in_bigtime": 0,
            "mismatched_records": 0,
            "mismatched_fields": 0,
            "cosmetic": 0,
            "duplicates": 0,
        },
    ]
    f = d.findings()
    assert list(f.columns) == [
        "entity",
        "kind",
        "key",
        "field",
        "intacct_value",
        "bigtime_value",
        "detail",
    ]
    assert f.values.tolist() == [
        ["customer", "missing_in_bigtime", "C9", None, None, None, "only in Intacct"],
        ["customer", "field_mismatch", "C1", "name", "Acme", "ACME", "cosmetic"],
        ["vendor", "missing_in_bigtime", "V1", None, None, None, "only in Intacct"],
    ]
    assert d.swap().findings()["kind"].tolist() == [
        "missing_in_intacct",
        "field_mismatch",
        "missing_in_intacct",
    ]


def test_findings_of_an_empty_diff_have_the_columns():
    assert list(Diff({}).findings().columns)[:3] == ["entity", "kind", "key"]
    assert Diff({}).summary().empty
