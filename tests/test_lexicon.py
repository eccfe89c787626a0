"""Labels in the firm's words: the demo firm's vocabulary, BigTime's defaults, malformed input.

Expectations are derived from the vocabulary given (the demo firm's seed, an independent
generation), so the tests follow the data rather than repeat it; one end-to-end test reads
the vocabulary over HTTP from a BigTime sandbox seeded with it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from recon.bigtime.pull import pull_vocabulary
from recon.canonical import ENTITIES
from recon.config import sandbox_profile
from recon.connect import bigtime_client
from recon.lexicon import DEFAULT_TERMS, ENTITY_TERMS, Lexicon
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.bigtime.store import BigtimeStore
from recon.sandbox.firm import generate


@pytest.fixture(scope="module")
def vocabulary() -> list[dict[str, str]]:
    return generate(seed=7, scale=1).bigtime_seed()["vocabulary"]


@pytest.fixture(scope="module")
def terms(vocabulary: list[dict[str, str]]) -> dict[str, str]:
    return {item["id"]: item["name"] for item in vocabulary}


def cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def test_the_demo_firm_speaks_of_engagements(
    vocabulary: list[dict[str, str]], terms: dict[str, str]
) -> None:
    lex = Lexicon.from_vocabulary(vocabulary)
    assert lex.label("project") == terms["PROJECT"] == "engagement"
    assert lex.label("project", plural=True, capital=True) == "Engagements"
    assert lex.label("customer") == terms["CLIENT"]
    assert lex.label("employee") == terms["STAFF"]
    assert lex.label("time_type") == terms["LABOR_CODE"]
    assert lex.label("project_type", capital=True) == cap(terms["PROJECT"]) + " type"
    assert lex.label("prj_task") == terms["PRJ_TASK"]  # an id, any case


def test_column_labels_use_the_firms_terms(terms: dict[str, str]) -> None:
    lex = Lexicon.from_vocabulary(terms)  # the client's id -> name mapping works as well
    project = lex.column_labels("project")
    assert list(project) == ENTITIES["project"].names
    assert project["project_id"] == "Engagement ID"
    assert project["project_type"] == "Engagement type"
    assert project["customer_id"] == cap(terms["CLIENT"]) + " ID"
    assert project["name"] == cap(terms["PROJECT"]) + " name"
    assert project["po_amount"] == "PO amount"
    time = lex.column_labels("time_entry")
    assert time["employee_id"] == cap(terms["STAFF"]) + " ID"
    assert time["time_type"] == cap(terms["LABOR_CODE"])
    assert lex.column_labels("customer")["address1"] == "Address 1"
    assert lex.column_labels("checking_account")["gl_account_no"] == "GL account no."
    assert lex.column_labels("project", ["region", "project_region"]) == {
        "region": "Region",
        "project_region": "Engagement region",
    }


def test_every_canonical_column_gets_a_capitalised_label() -> None:
    lex = Lexicon.default()
    for entity, spec in ENTITIES.items():
        labels = lex.column_labels(entity)
        assert list(labels) == spec.names
        assert all(label and label[0].isupper() and "_" not in label for label in labels.values())
        assert len(set(labels.values())) == len(labels), entity


def test_the_default_lexicon_is_bigtimes_terms() -> None:
    lex = Lexicon.default()
    assert dict(lex.terms) == dict(DEFAULT_TERMS)
    assert lex.label("project") == DEFAULT_TERMS["PROJECT"]
    assert lex.label("employee", plural=True) == "staff"  # no "staffs"
    assert lex.column_labels("project")["project_id"] == "Project ID"
    assert Lexicon() == lex
    # entities without a vocabulary id keep recon's word
    assert lex.label("time_entry", plural=True, capital=True) == "Time entries"
    assert lex.label("department") == ENTITY_TERMS["department"][2]


def test_every_entity_has_a_label() -> None:
    assert set(ENTITY_TERMS) == set(ENTITIES)
    lex = Lexicon.default()
    assert all(lex.label(e) for e in ENTITIES)


def test_keys_are_case_insensitive_and_unknown_ids_kept() -> None:
    lex = Lexicon.from_vocabulary(
        [
            {"ID": "project", "Name": "matter"},
            {"Id": "Expense_Report", "NAME": "  cost   claim "},
            {"id": "COST_CENTER_A", "name": "practice area"},
        ]
    )
    assert lex.label("project") == "matter"
    assert lex.label("PROJECT", plural=True) == "matters"
    assert lex.term("expense_report") == "cost claim"
    assert lex.label("EXPENSE_REPORT", plural=True, capital=True) == "Cost claims"
    assert lex.label("department") == "practice area"  # Cost Center 1 holds departments
    assert lex.column_labels("employee")["department_id"] == "Practice area ID"
    assert lex.label("customer") == DEFAULT_TERMS["CLIENT"]  # not renamed: the default


def test_a_later_item_overrides_an_earlier_one() -> None:
    lex = Lexicon.from_vocabulary([{"id": "STAFF", "name": "a"}, {"id": "staff", "name": "b"}])
    assert lex.label("employee") == "b"


BAD_ITEMS: list[Any] = [
    None,
    3,
    "PROJECT",
    ["id", "name"],
    {"name": "orphan"},
    {"id": "CLIENT"},
    {"id": 5, "name": "five"},
    {"id": "  ", "name": "blank id"},
    {"id": "CLIENT", "name": ""},
    {"id": "CLIENT", "name": ["customer"]},
    {"id": "STAFF", "name": None},
]


def test_malformed_items_are_ignored_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "recon.lexicon"):
        lex = Lexicon.from_vocabulary([*BAD_ITEMS, {"id": "PROJECT", "name": "job"}])
    assert lex.label("project") == "job"
    assert lex.label("customer") == DEFAULT_TERMS["CLIENT"]
    assert lex.label("employee") == DEFAULT_TERMS["STAFF"]
    assert set(lex.terms) == set(DEFAULT_TERMS)
    (record,) = [r for r in caplog.records if r.name == "recon.lexicon"]
    assert f"{len(BAD_ITEMS)} item(s) ignored" in record.getMessage()


@pytest.mark.parametrize("vocabulary", [None, 42, "PROJECT=job", b"[]", 1.5, object()])
def test_a_vocabulary_that_is_no_list_gives_the_defaults(
    vocabulary: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, "recon.lexicon"):
        lex = Lexicon.from_vocabulary(vocabulary)
    assert lex == Lexicon.default()
    assert "not a list" in caplog.text


def test_a_mapping_with_bad_values_keeps_the_good_ones(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "recon.lexicon"):
        lex = Lexicon.from_vocabulary({"PROJECT": "matter", "CLIENT": 7, 3: "x", "STAFF": ""})
    assert (lex.label("project"), lex.label("customer")) == ("matter", DEFAULT_TERMS["CLIENT"])
    assert "3 item(s) ignored" in caplog.text


@pytest.mark.parametrize(
    ("word", "plural"),
    [
        ("engagement", "engagements"),
        ("matter", "matters"),
        ("class", "classes"),
        ("box", "boxes"),
        ("batch", "batches"),
        ("company", "companies"),
        ("day", "days"),
        ("staff", "staff"),
        ("work code", "work codes"),
        ("time entry", "time entries"),
        ("Staff", "Staff"),
    ],
)
def test_plurals(word: str, plural: str) -> None:
    lex = Lexicon.from_vocabulary([{"id": "PROJECT", "name": word}])
    assert lex.label("project", plural=True) == plural
    assert lex.label("project", plural=True, capital=True) == cap(plural)


def test_other_names_are_shown_as_words() -> None:
    lex = Lexicon.default()
    assert lex.label("time_sheet") == "time sheet"
    assert lex.label("TIME_SHEET", capital=True) == "Time sheet"


def test_the_intacct_side_keeps_intacct_names() -> None:
    lex = Lexicon.from_vocabulary([{"id": "CLIENT", "name": "patron"}])
    assert lex.intacct_label("customer") == "CUSTOMER"
    assert lex.intacct_label("invoice") == ENTITIES["invoice"].intacct_object
    assert lex.label("customer") == "patron"


def test_the_lexicon_is_read_only() -> None:
    lex = Lexicon.from_vocabulary([{"id": "PROJECT", "name": "matter"}])
    with pytest.raises(TypeError):
        lex.terms["PROJECT"] = "job"  # type: ignore[index]
    with pytest.raises(AttributeError):
        lex.terms = {}  # type: ignore[misc]


def test_the_vocabulary_read_from_a_bigtime_sandbox(
    tmp_path: Path, vocabulary: list[dict[str, str]], terms: dict[str, str]
) -> None:
    # A name left empty comes back as "" from the client: the default term stands in.
    store = BigtimeStore(tmp_path)
    try:
        store.seed({"vocabulary": [*vocabulary, {"id": "CLIENT", "name": None}]})
    finally:
        store.close()
    with BigtimeSandbox(tmp_path, port=0) as box:
        profile = sandbox_profile(bigtime_url=box.url)
        with bigtime_client(profile.require_bigtime()) as bt:
            lex = Lexicon.from_vocabulary(pull_vocabulary(bt))
    assert lex.label("project") == terms["PROJECT"]
    assert lex.label("employee", plural=True) == terms["STAFF"] + "s"
    assert lex.label("customer") == DEFAULT_TERMS["CLIENT"]
