"""Proposing pairs of one-sided records (``recon.match.propose``) on hand-made and demo frames."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pytest

from recon import match
from recon.canonical import ENTITIES, conform
from recon.crosswalk import Crosswalk
from recon.errors import ConfigError
from recon.match import (
    DEFAULT_THRESHOLD,
    PROPOSAL_COLUMNS,
    SPECS,
    apply_links,
    normalise_name,
    propose,
)
from recon.sandbox.firm import Firm, generate


def frame(entity: str, rows: Iterable[dict[str, object]]) -> pd.DataFrame:
    """A canonical frame of ``entity``: given fields, the rest missing (typed by conform)."""
    spec = ENTITIES[entity]
    base = {
        c.name: (False if c.kind == "bool" else 0 if c.kind == "int" else None)
        for c in spec.columns
    }
    return conform(entity, pd.DataFrame([base | row for row in rows], columns=spec.names))


def customers(*rows: tuple[str, str] | tuple[str, str, str, str, str]) -> pd.DataFrame:
    """Customers from (key, name) or (key, name, city, zip, phone)."""
    cols = ("customer_id", "name", "city", "zip", "phone")
    return frame("customer", (dict(zip(cols, r, strict=False)) for r in rows))


def pairs(out: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(out["intacct_key"], out["bigtime_key"], strict=True))


# Distinct companies whose names share words: never each other's pair.
NEIGHBOURS_IA = [
    ("C1", "Wabash Supply Group", "Chicago", "60601", "(312) 555-0101"),
    ("C2", "Monroe Analytics Co.", "Naperville", "60530", "(630) 555-0186"),
    ("C3", "Prairie State Capital LLC", "Joliet", "60406", "(815) 555-0140"),
    ("C4", "Ravenswood Architects", "Evanston", "60201", "(847) 555-0111"),
]
NEIGHBOURS_BT = [
    ("B1", "Wabash Fitness Group", "Chicago", "60602", "(312) 555-0171"),
    ("B2", "Evergreen Analytics Holdings", "Chicago", "60616", "(312) 555-0186"),
    ("B3", "Prairie State Analytics Corp.", "Madison", "53725", "(608) 555-0124"),
    ("B4", "Ravenswood Capital Inc.", "Chicago", "60610", "(773) 555-0133"),
]


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "org", "expected"),
    [
        ("  The ACME  Widgets, L.L.C. ", True, "acme widgets"),
        ("Smith & Jones, Inc.", True, "smith and jones"),
        ("Calumet Pharmacy Corp.", True, "calumet pharmacy"),
        ("Evergreen Analytics Holdings", True, "evergreen analytics"),
        ("Acme Co Foods", True, "acme co foods"),  # a suffix word mid-name stays
        ("Company", True, "company"),  # never the only word
        ("The Company", True, "company"),
        ("Café Lumière", False, "cafe lumiere"),
        ("ＡＣＭＥ Ｗｉｄｇｅｔｓ", False, "acme widgets"),  # NFKC: full-width letters
        ("O'Brien-Kowalski", False, "obrien kowalski"),
        ("Acme Widgets LLC", False, "acme widgets llc"),  # suffixes only for organisations
        (None, True, ""),
        (float("nan"), True, ""),
    ],
)
def test_normalise_name(raw: object, org: bool, expected: str) -> None:
    assert normalise_name(raw, organisation=org) == expected


# --------------------------------------------------------------------------- near-duplicates


@pytest.mark.parametrize(
    ("ia_name", "bt_name", "because"),
    [
        (
            "Dearborn Education Trust",
            "DEARBORN EDUCATION TRUST",
            "names equal after normalising case",
        ),
        ("Smith & Jones, Inc.", "Smith and Jones Inc", "normalising punctuation"),
        ("Calumet Pharmacy Corp.", "Calumet Pharmacy", "normalising legal suffixes"),
        ("Cedar Ridge Logistics", "Logistics Cedar Ridge", "same words in a different order"),
        ("Harborview Logistics LLC", "Harborveiw Logistics LLC", "% alike"),
        ("Kinzie Pharmacy", "Kinzie hParmacy", "% alike"),  # typo in a first letter
        ("Café Lumière", "Cafe Lumiere", "normalising accents"),
        ("Prairie State Analytics Corp.", "Prairie State Analytics Corp. ", "spacing"),
    ],
)
def test_near_duplicate_is_proposed_among_neighbours(
    ia_name: str, bt_name: str, because: str
) -> None:
    ia = customers(*NEIGHBOURS_IA, ("C9", ia_name, "Chicago", "60606", "(312) 555-0199"))
    bt = customers(*NEIGHBOURS_BT, ("B9", bt_name, "Chicago", "60606", "312.555.0199"))
    out = propose("customer", ia, bt)
    assert pairs(out) == {("C9", "B9")}
    row = out.iloc[0]
    assert DEFAULT_THRESHOLD <= row["score"] <= 100
    assert because in row["reason"]
    assert "same phone" in row["reason"]  # "(312) 555-0199" == "312.555.0199"
    assert (row["intacct_name"], row["bigtime_name"]) == (ia_name, bt_name)


def test_result_shape_and_dtypes() -> None:
    out = propose("customer", customers(("C9", "Acme Widgets")), customers(("B9", "ACME Widgets")))
    assert tuple(out.columns) == PROPOSAL_COLUMNS
    assert out["score"].dtype == "float64"
    assert all(out[c].dtype == "str" for c in PROPOSAL_COLUMNS if c != "score")
    assert out.loc[0, "entity"] == "customer"


def test_true_negatives_are_scored_but_stay_below_threshold() -> None:
    ia, bt = customers(*NEIGHBOURS_IA), customers(*NEIGHBOURS_BT)
    assert propose("customer", ia, bt).empty
    everything = propose("customer", ia, bt, threshold=0)
    assert not everything.empty  # they were compared; the threshold is what keeps them out
    assert everything["score"].max() < DEFAULT_THRESHOLD


def test_supporting_evidence_moves_the_score_and_is_named() -> None:
    ia = customers(("C9", "Harborview Logistics", "Chicago", "60606", "(312) 555-0199"))
    same = customers(("B9", "Harborveiw Logistics", "Chicago", "60606", "(312) 555-0199"))
    other = customers(("B9", "Harborveiw Logistics", "Madison", "53725", "(608) 555-0124"))
    unknown = customers(("B9", "Harborveiw Logistics"))
    scores = {}
    for label, bt in (("same", same), ("other", other), ("unknown", unknown)):
        out = propose("customer", ia, bt, threshold=0)
        scores[label] = out.loc[0, "score"]
        reason = out.loc[0, "reason"]
    assert scores["same"] > scores["unknown"] > scores["other"]
    assert "phone" not in reason  # missing evidence says nothing
    other_reason = propose("customer", ia, other, threshold=0).loc[0, "reason"]
    assert "different phone" in other_reason and "different city" in other_reason


def test_identical_phone_brings_a_renamed_record_into_view() -> None:
    # No name word in common, so only the phone block can bring them together.
    ia = customers(("C9", "Northbrook Foods", "Chicago", "60606", "(312) 555-0199"))
    bt = customers(("B9", "NBF Catering", "Chicago", "60606", "(312) 555-0199"))
    out = propose("customer", ia, bt, threshold=0)
    assert pairs(out) == {("C9", "B9")}
    assert "same phone" in out.loc[0, "reason"]


def test_names_sharing_no_word_or_identifier_are_never_compared() -> None:
    out = propose(
        "customer", customers(("C1", "Acme Tools")), customers(("B1", "Zenith")), threshold=0
    )
    assert out.empty


@pytest.mark.parametrize("stranded", ["intacct", "bigtime"])
def test_blocking_skips_common_words_but_keeps_every_record_reachable(
    monkeypatch: pytest.MonkeyPatch, stranded: str
) -> None:
    stems = ["Harborview", "Northbrook", "Lakeview", "Riverbend", "Ironwood", "Kinzie"]
    names = [f"{s} Group" for s in stems]
    # One side's last record has only the common word, so it has no usable block; its
    # twin shares "kin" (a small block) with Kinzie, so only the stranded side can rescue.
    lone, fuller = ("Group", "Group Kinzie Services")[:: 1 if stranded == "intacct" else -1]
    ia = customers(*((f"C{i}", n) for i, n in enumerate([*names, lone])))
    bt = customers(*((f"B{i}", n.upper()) for i, n in enumerate([*names, fuller])))
    spec = SPECS["customer"]
    sides = match._prepare(spec, ia, ()), match._prepare(spec, bt, ())
    everything = len(match._candidates(spec, *sides)[0])
    monkeypatch.setattr(match, "MAX_BLOCK_PAIRS", 4)  # "gro" (7 x 7 records) is now too common
    fewer = len(match._candidates(spec, *sides)[0])
    assert everything == 7 * 7 and fewer < everything / 2
    out = propose("customer", ia, bt, threshold=0)
    assert pairs(out) == {(f"C{i}", f"B{i}") for i in range(7)}


# --------------------------------------------------------------------------- one-to-one


def test_one_to_one_best_pair_wins() -> None:
    ia = customers(("C1", "Keystone Media"), ("C2", "Keystone Medial"))
    bt = customers(("B1", "KEYSTONE MEDIA"))
    out = propose("customer", ia, bt, threshold=0)
    assert pairs(out) == {("C1", "B1")}


def test_one_to_one_many_records_each_used_once_best_first() -> None:
    names = ["Harborview Foods", "Harborview Foods Group", "Harborview Food", "Harbourview Foods"]
    ia = customers(*((f"C{i}", n) for i, n in enumerate(names)))
    bt = customers(*((f"B{i}", n.upper()) for i, n in enumerate(names)))
    out = propose("customer", ia, bt, threshold=0)
    assert out["intacct_key"].is_unique and out["bigtime_key"].is_unique
    assert out["score"].is_monotonic_decreasing
    assert pairs(out) == {(f"C{i}", f"B{i}") for i in range(len(names))}


# --------------------------------------------------------------------------- other entities


def projects(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return frame("project", ({"project_id": k, "name": n, "customer_id": c} for k, n, c in rows))


def test_projects_sibling_engagements_are_not_pairs_but_a_rename_is() -> None:
    ia = projects(
        ("P1", "Evergreen Distribution - ERP Selection", "C1"),
        ("P2", "Fox Valley Media - Lease Accounting (ASC 842)", "C2"),
    )
    bt = projects(
        ("Q1", "Evergreen Distribution - ERP Implementation", "C1"),
        ("Q2", "Fox Valley Media - Lease Accounting (ASC 842) - Phase 1", "C2"),
    )
    out = propose("project", ia, bt)
    assert pairs(out) == {("P2", "Q2")}
    assert "same customer" in out.loc[0, "reason"]


def test_project_under_another_customer_scores_lower() -> None:
    ia = projects(("P1", "Monroe Supply - 2025 Audit", "C1"))
    same = propose(
        "project", ia, projects(("Q1", "Monroe Supply - 2025 Audit.", "C1")), threshold=0
    )
    moved = propose(
        "project", ia, projects(("Q1", "Monroe Supply - 2025 Audit.", "C7")), threshold=0
    )
    assert same.loc[0, "score"] > moved.loc[0, "score"]
    assert "different customer" in moved.loc[0, "reason"]


def employees(*rows: tuple[str, str, str, str | None]) -> pd.DataFrame:
    cols = ("employee_id", "first_name", "last_name", "email")
    return frame("employee", (dict(zip(cols, r, strict=True)) for r in rows))


def test_employees_married_name_with_same_email_is_proposed() -> None:
    ia = employees(("E1", "Karen", "Taylor-Morales", "karen.taylor@firm.example"))
    bt = employees(
        ("S1", "Karen", "Taylor", "Karen.Taylor@firm.example"),
        ("S2", "Karen", "Tyler", "karen.tyler@firm.example"),
    )
    out = propose("employee", ia, bt)
    assert pairs(out) == {("E1", "S1")}
    assert "same e-mail" in out.loc[0, "reason"]


def test_a_name_contained_in_the_other_earns_half_the_gap() -> None:
    # token_sort_ratio alone gives 75; every word of one name is in the other.
    ia = employees(("E1", "Karen", "Taylor-Morales", None))
    bt = employees(("S1", "Karen", "Taylor", None))
    out = propose("employee", ia, bt)
    assert pairs(out) == {("E1", "S1")}
    assert out.loc[0, "score"] == 87.5
    assert out.loc[0, "reason"] == "one name's words are all in the other (names 88% alike)"


def test_employees_different_people_are_not_proposed() -> None:
    ia = employees(("E1", "Jose", "Perez", "jose.perez@firm.example"))
    bt = employees(("S1", "Jose", "Lopez", "jose.lopez@firm.example"))
    assert propose("employee", ia, bt).empty


def test_reference_list_vendor() -> None:
    ia = frame("vendor", [{"vendor_id": "V1", "name": "Second City Legal Services"}])
    bt = frame("vendor", [{"vendor_id": "W1", "name": "Second City Legal Services Inc."}])
    out = propose("vendor", ia, bt)
    assert pairs(out) == {("V1", "W1")}
    assert out.loc[0, "reason"] == "names equal after normalising legal suffixes"


# --------------------------------------------------------------------------- edge inputs


def test_empty_inputs() -> None:
    empty = customers()
    some = customers(("C1", "Acme"))
    for ia, bt in ((empty, empty), (empty, some), (some, empty)):
        out = propose("customer", ia, bt)
        assert out.empty and tuple(out.columns) == PROPOSAL_COLUMNS
        assert out["score"].dtype == "float64"


def test_rows_without_name_or_key_and_duplicate_keys_are_left_out() -> None:
    ia = customers(("C1", "Acme Widgets"), ("C2", None), ("C3", "Beta Tools"), ("C3", "Beta Tools"))
    ia.loc[len(ia)] = ia.iloc[0]
    ia.loc[len(ia) - 1, "customer_id"] = None  # a row with no key
    bt = customers(("B1", "ACME WIDGETS"), ("B2", None), ("B3", "Beta Tools"))
    assert pairs(propose("customer", ia, bt)) == {("C1", "B1")}


@pytest.mark.parametrize(
    ("entity", "message"),
    [
        ("customers", "matchable entities: customer, project"),
        ("time_entry", "has no name to match on"),
        (None, "cannot match None"),
    ],
)
def test_bad_entity(entity: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        propose(entity, customers(), customers())  # type: ignore[arg-type]


def test_missing_column_is_named() -> None:
    bt = customers(("B1", "Acme")).drop(columns=["phone"])
    with pytest.raises(ConfigError, match=r"BigTime customer records lack column\(s\) phone"):
        propose("customer", customers(("C1", "Acme")), bt)
    with pytest.raises(ConfigError, match="must be a DataFrame"):
        propose("customer", [("C1", "Acme")], bt)  # type: ignore[arg-type]


@pytest.mark.parametrize("threshold", [-1, 100.5, "high", True])
def test_bad_threshold(threshold: object) -> None:
    with pytest.raises(ConfigError, match="threshold"):
        propose("customer", customers(), customers(), threshold=threshold)  # type: ignore[arg-type]


def test_every_spec_names_canonical_columns() -> None:
    for entity, spec in SPECS.items():
        assert set(spec.columns) <= set(ENTITIES[entity].names), entity


# --------------------------------------------------------------------------- with the crosswalk


def test_rejected_pair_never_proposed_again_across_reopen(tmp_path) -> None:
    ia = customers(("C9", "Keystone Media"), *NEIGHBOURS_IA)
    bt = customers(("B9", "KEYSTONE MEDIA"), ("B8", "Keystone Media Co."), *NEIGHBOURS_BT)
    first = propose("customer", ia, bt, crosswalk=Crosswalk(tmp_path / "cw.sqlite3"))
    assert len(first) == 1
    best = (first.loc[0, "intacct_key"], first.loc[0, "bigtime_key"])
    Crosswalk(tmp_path / "cw.sqlite3").reject("customer", *best, by="jane")
    again = propose("customer", ia, bt, crosswalk=Crosswalk(tmp_path / "cw.sqlite3"))
    assert best not in pairs(again)
    assert pairs(again) == {("C9", ({"B9", "B8"} - {best[1]}).pop())}  # the next best now wins


def test_linked_records_are_not_proposed(tmp_path) -> None:
    cw = Crosswalk(tmp_path / "cw.sqlite3")
    ia = customers(("C1", "Keystone Media"), ("C2", "Midway Brewing"))
    bt = customers(("B1", "KEYSTONE MEDIA"), ("B2", "Midway Brewing Inc."))
    assert pairs(propose("customer", ia, bt, crosswalk=cw)) == {("C1", "B1"), ("C2", "B2")}
    cw.accept("customer", "C1", "B1", by="jane")
    assert pairs(propose("customer", ia, bt, crosswalk=cw)) == {("C2", "B2")}


# --------------------------------------------------------------------------- the demo firm


@pytest.fixture(scope="module")
def firm() -> Firm:
    return generate()


def one_sided(firm: Firm, entity: str, bt: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    key = ENTITIES[entity].key
    ia = firm.intacct_view[entity]
    return ia[~ia[key].isin(bt[key])], bt[~bt[key].isin(ia[key])]


def test_demo_renamed_customer_under_a_new_key(firm: Firm) -> None:
    planted = next(p for p in firm.manifest if p.entity == "customer" and p.flavour == "renamed")
    bt = firm.bigtime_view["customer"].copy()
    bt.loc[bt["customer_id"] == planted.key, "customer_id"] = "BT-NEW-1"  # created twice by hand
    only_ia, only_bt = one_sided(firm, "customer", bt)
    assert planted.key in set(only_ia["customer_id"]) and len(only_ia) > 1  # + a missing one
    out = propose("customer", only_ia, only_bt)
    assert pairs(out) == {(planted.key, "BT-NEW-1")}
    row = out.iloc[0]
    assert (row["intacct_name"], row["bigtime_name"]) == (
        planted.intacct_value,
        planted.bigtime_value,
    )
    assert row["reason"].startswith("names equal after normalising legal suffixes")
    assert "same phone" in row["reason"] and row["score"] == 100


@pytest.mark.parametrize("entity", ["customer", "project", "employee", "vendor"])
def test_demo_every_record_finds_itself_under_other_keys(firm: Firm, entity: str) -> None:
    """Rekey all of BigTime: each shared record is proposed with its own twin, nothing else.

    The planted renames, case and spacing changes ride along, and the firm's many
    similar names (same stem, same engagement) are the true negatives.
    """
    key = ENTITIES[entity].key
    bt = firm.bigtime_view[entity].copy()
    bt[key] = "BT-" + bt[key]
    ia = firm.intacct_view[entity]
    out = propose(entity, ia, bt)
    shared = set(ia[key]) & set(firm.bigtime_view[entity][key])
    assert pairs(out) == {(k, "BT-" + k) for k in shared}


def test_demo_full_loop_diff_propose_accept_rediff(firm: Firm, tmp_path) -> None:
    """diff -> propose -> accept -> next run's diff pairs the records and compares them."""
    diff = pytest.importorskip("recon.diff")
    planted = next(p for p in firm.manifest if p.entity == "customer" and p.flavour == "renamed")
    bt = firm.bigtime_view["customer"].copy()
    bt.loc[bt["customer_id"] == planted.key, "customer_id"] = "BT-NEW-1"
    ia, rules = firm.intacct_view["customer"], diff.CompareRules.default()
    before = diff.diff_entity("customer", ia, bt, rules)
    out = propose("customer", before.only_in_intacct, before.only_in_bigtime)
    assert pairs(out) == {(planted.key, "BT-NEW-1")}
    cw = Crosswalk(tmp_path / "cw.sqlite3")
    cw.accept("customer", planted.key, "BT-NEW-1", by="jane")
    after = diff.diff_entity("customer", ia, apply_links("customer", bt, Crosswalk(cw.path)), rules)
    assert planted.key not in set(after.only_in_intacct["customer_id"])
    assert after.only_in_bigtime.empty
    found = after.mismatches[after.mismatches["key"] == planted.key]
    assert found[["field", "intacct", "bigtime"]].values.tolist() == [
        ["name", planted.intacct_value, planted.bigtime_value]
    ]
    assert propose("customer", after.only_in_intacct, after.only_in_bigtime, crosswalk=cw).empty
