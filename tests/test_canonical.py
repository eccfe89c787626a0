"""The entity registry (recon.canonical.ENTITIES) is the one source of the facts about each
entity: every record is complete, the clients' guesses are keyed by its names, and the
tables the layers above derive from it equal the ones they used to state by hand.

The frozen copies below are those hand-written tables as they stood when they were replaced
by derivations (issue 14). A change to the registry that changes one of them fails here:
then either the change is meant (update the copy in the same commit, saying why) or the
registry says something the design does not.
"""

from __future__ import annotations

from typing import get_args

import pytest

from recon.bigtime import uncertain as bt_uncertain
from recon.bigtime.pull import ENTITIES as BIGTIME_FRAMES
from recon.canonical import (
    DIRECTION_KINDS,
    ENTITIES,
    ENTITY_ORDER,
    LIST_PREFIX,
    DirectionKind,
    Entity,
)
from recon.intacct import schema as intacct_schema
from recon.intacct.pull import PULL_SPECS, spec_for
from recon.lexicon import DEFAULT_TERMS, ENTITY_TERMS, Lexicon
from recon.mapping import bigtime as bigtime_mapping
from recon.mapping import intacct as intacct_mapping
from recon.mapping.bigtime_lists import LIST_ENTITIES
from recon.period import DATED
from recon.pipeline import PAIRS
from recon.plan.directions import DEFAULT_DIRECTIONS, DIRECTIONS_BY_KIND, READ_ONLY_LISTS
from recon.scope import COUNTERPARTS, NEEDS, needing

# --------------------------------------------------------------------------- complete records


@pytest.mark.parametrize("name", ENTITY_ORDER)
def test_every_entity_has_a_complete_record(name: str) -> None:
    e = ENTITIES[name]
    assert isinstance(e, Entity) and e.name == name
    assert e.key in e.names and len(set(e.names)) == len(e.names)
    # Intacct: objects recon pulls and whose schema it knows.
    assert e.intacct_objects and all(o in PULL_SPECS for o in e.intacct_objects)
    assert all(intacct_schema.get(o).name == o for o in e.intacct_objects)
    assert spec_for(name).object == e.intacct_objects[0]
    # BigTime: a frame the pull returns; a list the client knows how to read.
    assert e.bigtime_frame in BIGTIME_FRAMES and e.bigtime_resource
    if e.bigtime_list is not None:
        assert e.bigtime_list in bt_uncertain.LISTS
        assert {c for c, _ in e.bigtime_fields} <= set(e.names) - {e.key, "status"}
    else:
        assert not e.bigtime_fields
    assert all(other in ENTITIES and other != name for other in e.bigtime_lookups)
    # The period, the direction and the words.
    if e.period_date is not None:
        assert e.col(e.period_date).kind == "date" and e.period_via is None
    if e.period_via is not None:
        assert ENTITIES[e.period_via].period_date is not None
    assert e.direction in DIRECTION_KINDS
    assert e.term.word and e.term.word == e.term.word.strip()
    assert e.term.vocabulary_id is None or e.term.vocabulary_id.isupper()


def test_the_registry_and_its_kinds_agree() -> None:
    assert ENTITY_ORDER == tuple(ENTITIES)
    assert DIRECTION_KINDS == get_args(DirectionKind)
    assert set(DIRECTIONS_BY_KIND) == set(DIRECTION_KINDS)
    # A read-only list is exactly master data held in a BigTime list.
    for e in ENTITIES.values():
        assert (e.direction == "read_only_list") == (e.bigtime_list is not None), e.name
        assert e.bigtime_frame.startswith(LIST_PREFIX) == (e.bigtime_list is not None)


def test_a_vocabulary_id_in_the_registry_is_one_the_lexicon_renames() -> None:
    lex = Lexicon.from_vocabulary({"CLIENT": "customer", "COST_CENTER_A": "practice"})
    assert lex.label("customer") == "customer" and lex.label("department") == "practice"
    for e in ENTITIES.values():
        if e.term.vocabulary_id in DEFAULT_TERMS:
            assert Lexicon.default().label(e.name) == DEFAULT_TERMS[e.term.vocabulary_id] + (
                e.term.suffix
            )
        else:
            assert Lexicon.default().label(e.name) == e.term.word


# --------------------------------------------------------------------------- derived tables

FROZEN_PAIRS = (
    ("customer", "CUSTOMER", "client"),
    ("project", "PROJECT", "project"),
    ("employee", "EMPLOYEE", "staff"),
    ("vendor", "VENDOR", "list:vendor"),
    ("department", "DEPARTMENT", "list:costcentera"),
    ("location", "LOCATION", "list:costcenterb"),
    ("class", "CLASS", "list:class"),
    ("project type", "PROJECTTYPE", "list:projecttype"),
    ("time type", "TIMETYPE", "list:laborcode"),
    ("expense type", "EEACCOUNTLABEL", "list:expensecode"),
    ("item", "ITEM", "list:item"),
    ("GL account", "GLACCOUNT", "list:glaccount"),
    ("checking account", "CHECKINGACCOUNT", "list:checkingaccount"),
    ("credit card", "CREDITCARD", "list:creditcard"),
    ("AR term", "ARTERM", "list:term"),
    ("time entry", "TIMESHEETENTRY", "time"),
    ("invoice", "ARINVOICE", "invoice"),
    ("expense", "EEXPENSESITEM -> EEXPENSES", "expense"),
    ("invoice line", "ARINVOICEITEM", "invoice_line"),
)

FROZEN_LIST_ENTITIES = {
    "vendor": ("vendor", {"name": "Name"}),
    "department": ("costcentera", {"name": "Name"}),
    "location": ("costcenterb", {"name": "Name"}),
    "class": ("class", {"name": "Name"}),
    "project_type": ("projecttype", {}),
    "time_type": ("laborcode", {}),
    "expense_type": ("expensecode", {"description": "Description", "gl_account_no": "AcctNbr"}),
    "item": ("item", {"name": "Name"}),
    "gl_account": ("glaccount", {"title": "Name"}),
    "checking_account": ("checkingaccount", {"bank_name": "Name", "gl_account_no": "AcctNbr"}),
    "credit_card": ("creditcard", {"description": "Name", "card_type": "CardType"}),
    "ar_term": ("term", {"description": "Description", "due_days": "DueDays"}),
}

#: (source, only_in_target, pushable, has a note) per entity.
_MASTER = ("intacct", "deactivate", True, False)
_READ_ONLY = ("intacct", "deactivate", False, True)
_ORIGINATES = ("intacct", "create_in_source", True, False)
_POSTED = ("bigtime", "review", True, True)
FROZEN_DIRECTIONS = {
    "customer": _MASTER, "project": _ORIGINATES, "employee": _ORIGINATES,
    **{e: _READ_ONLY for e in (
        "vendor", "department", "location", "class", "project_type", "time_type",
        "expense_type", "item", "gl_account", "checking_account", "credit_card", "ar_term",
    )},
    "time_entry": _POSTED, "invoice": _POSTED, "payment": ("intacct", "review", False, True),
    "expense": _POSTED,
}  # fmt: skip

FROZEN_TERMS = {
    "customer": ("CLIENT", "", "client"),
    "project": ("PROJECT", "", "project"),
    "project_type": ("PROJECT", " type", "project type"),
    "employee": ("STAFF", "", "staff"),
    "time_type": ("LABOR_CODE", "", "labor code"),
    "department": ("COST_CENTER_A", "", "department"),
    "location": ("COST_CENTER_B", "", "location"),
    "vendor": (None, "", "vendor"),
    "class": (None, "", "class"),
    "expense_type": (None, "", "expense type"),
    "item": (None, "", "service item"),
    "gl_account": (None, "", "GL account"),
    "checking_account": (None, "", "checking account"),
    "credit_card": (None, "", "credit card"),
    "ar_term": (None, "", "invoice term"),
    "time_entry": (None, "", "time entry"),
    "invoice": (None, "", "invoice"),
    "payment": (None, "", "payment"),
    "expense": (None, "", "expense"),
}

# fmt: off
FROZEN_NEEDS = {
    # entity            Intacct objects            BigTime frames: own, then looked up
    "customer":         ("CUSTOMER",               "client"),
    "project":          ("PROJECT",                "project client staff list:projecttype "
                                                   "list:costcentera list:costcenterb "
                                                   "list:class list:term"),
    "employee":         ("EMPLOYEE",               "staff list:costcentera list:costcenterb "
                                                   "list:class"),
    "vendor":           ("VENDOR",                 "list:vendor"),
    "department":       ("DEPARTMENT",             "list:costcentera"),
    "location":         ("LOCATION",               "list:costcenterb"),
    "class":            ("CLASS",                  "list:class"),
    "project_type":     ("PROJECTTYPE",            "list:projecttype"),
    "time_type":        ("TIMETYPE",               "list:laborcode"),
    "expense_type":     ("EEACCOUNTLABEL",         "list:expensecode"),
    "item":             ("ITEM",                   "list:item"),
    "gl_account":       ("GLACCOUNT",              "list:glaccount"),
    "checking_account": ("CHECKINGACCOUNT",        "list:checkingaccount"),
    "credit_card":      ("CREDITCARD",             "list:creditcard"),
    "ar_term":          ("ARTERM",                 "list:term"),
    "time_entry":       ("TIMESHEETENTRY",         "time staff project list:laborcode"),
    "invoice":          ("ARINVOICE",              "invoice client project list:term"),
    "payment":          ("ARPYMTDETAIL ARINVOICE", "invoice"),
    "expense":          ("EEXPENSESITEM EEXPENSES", "expense staff project"),
}
# fmt: on

FROZEN_DATED = (
    ("time_entry", ("TIMESHEETENTRY", "BIGTIME_ENTRYID"), ("time", "SID")),
    ("invoice", ("ARINVOICE", "RECORDID"), ("invoice", "InvoiceNbr")),
    ("expense", ("EEXPENSESITEM", "BIGTIME_EXPENSEID"), ("expense", "SID")),
)
FROZEN_PULL_DATED = {
    "TIMESHEET": ("BEGINDATE", "ENDDATE"),
    "TIMESHEETENTRY": ("ENTRYDATE", "ENTRYDATE"),
    "ARINVOICE": ("WHENCREATED", "WHENCREATED"),
    "EEXPENSESITEM": ("ENTRYDATE", "ENTRYDATE"),
}
#: The Intacct object a report names beside each entity (Lexicon.intacct_label).
FROZEN_REPORT_OBJECTS = {
    "customer": "CUSTOMER", "project": "PROJECT", "employee": "EMPLOYEE", "vendor": "VENDOR",
    "department": "DEPARTMENT", "location": "LOCATION", "class": "CLASS",
    "project_type": "PROJECTTYPE", "time_type": "TIMETYPE", "expense_type": "EEACCOUNTLABEL",
    "item": "ITEM", "gl_account": "GLACCOUNT", "checking_account": "CHECKINGACCOUNT",
    "credit_card": "CREDITCARD", "ar_term": "ARTERM", "time_entry": "TIMESHEETENTRY",
    "invoice": "ARINVOICE", "payment": "ARPYMTDETAIL -> ARINVOICE",
    "expense": "EEXPENSESITEM -> EEXPENSES",
}  # fmt: skip


def test_the_pull_table_pairs_are_the_registrys() -> None:
    assert PAIRS == FROZEN_PAIRS


def test_the_list_entities_are_the_registrys() -> None:
    assert {e: (lst, dict(fields)) for e, (lst, fields) in LIST_ENTITIES.items()} == (
        FROZEN_LIST_ENTITIES
    )
    assert list(LIST_ENTITIES) == list(FROZEN_LIST_ENTITIES)  # in entity order


def test_the_default_directions_are_the_registrys() -> None:
    got = {
        e: (d.source, d.only_in_target, d.pushable, bool(d.note))
        for e, d in DEFAULT_DIRECTIONS.items()
    }
    assert got == FROZEN_DIRECTIONS
    assert list(DEFAULT_DIRECTIONS) == list(ENTITY_ORDER)
    assert READ_ONLY_LISTS == {e for e, d in FROZEN_DIRECTIONS.items() if d == _READ_ONLY}
    for e, direction in DEFAULT_DIRECTIONS.items():
        assert direction is DIRECTIONS_BY_KIND[ENTITIES[e].direction]


def test_the_lexicon_terms_are_the_registrys() -> None:
    assert dict(ENTITY_TERMS) == FROZEN_TERMS


def test_what_each_entity_is_compared_from_is_the_registrys() -> None:
    got = {e: (" ".join(n.intacct), " ".join(n.bigtime)) for e, n in NEEDS.items()}
    assert got == FROZEN_NEEDS
    assert needing("intacct", COUNTERPARTS, ENTITY_ORDER) == (
        "time_entry", "invoice", "expense", "payment"
    )  # fmt: skip


def test_the_dated_entities_and_their_period_fields_are_the_registrys() -> None:
    assert tuple((d.entity, d.intacct, d.bigtime) for d in DATED) == FROZEN_DATED
    dated = {obj: spec.dated for obj, spec in PULL_SPECS.items() if spec.dated is not None}
    assert dated == FROZEN_PULL_DATED


def test_each_mapping_reads_the_registrys_frames() -> None:
    assert dict(intacct_mapping.SOURCES) == {e: n[0].split()[0] for e, n in FROZEN_NEEDS.items()}
    assert dict(bigtime_mapping.SOURCES) == {e: n[1].split()[0] for e, n in FROZEN_NEEDS.items()}


def test_reports_name_each_entitys_intacct_object_as_before() -> None:
    got = {e: Lexicon.default().intacct_label(e) for e in FROZEN_REPORT_OBJECTS}
    assert got == FROZEN_REPORT_OBJECTS
