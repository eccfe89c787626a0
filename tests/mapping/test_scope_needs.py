"""recon.scope's table of what each entity is compared from, checked against the mappers.

Each mapper is run on a pull that hands out an empty frame for whatever it is asked and
records the name: the frames asked for are exactly the ones the table says, so the table
cannot drift from the mapping code (a new reference in a mapper fails here).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pandas as pd
import pytest

from recon.bigtime.pull import ENTITIES as BIGTIME_FRAMES
from recon.canonical import ENTITY_ORDER
from recon.errors import GatewayError, NotFoundError
from recon.intacct.pull import PULL_SPECS
from recon.mapping import MappingReport, bigtime, intacct
from recon.scope import (
    COUNTERPARTS,
    NEEDS,
    VOCABULARY,
    frames_to_pull,
    needing,
    not_compared,
    unread,
)


class Recording(Mapping[str, pd.DataFrame]):
    """Every name is a (empty) frame; each name asked for is recorded, in order."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __getitem__(self, name: str) -> pd.DataFrame:
        self.asked.append(name)
        return pd.DataFrame()

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@pytest.mark.parametrize("entity", ENTITY_ORDER)
def test_the_table_names_exactly_the_frames_each_mapper_reads(entity: str) -> None:
    for system, mappers in (("intacct", intacct.MAPPERS), ("bigtime", bigtime.MAPPERS)):
        frames = Recording()
        mappers[entity](frames, MappingReport(system))
        needed = getattr(NEEDS[entity], system)
        assert set(frames.asked) == set(needed), (system, entity)
        assert frames.asked[0] == needed[0], "its own records first"


def test_the_table_covers_every_entity_with_frames_the_pulls_know() -> None:
    assert set(NEEDS) == set(ENTITY_ORDER)
    assert {f for n in NEEDS.values() for f in n.bigtime} <= set(BIGTIME_FRAMES)
    assert {o for n in NEEDS.values() for o in n.intacct} <= set(PULL_SPECS)


def test_what_to_pull_for_some_entities_and_for_all() -> None:
    # Every entity: what they are compared from, no more -- no BigTime tasks nor invoice
    # lines (a request per project or per invoice that no comparison reads), issue 15.
    objects, frames = frames_to_pull(ENTITY_ORDER)
    assert "task" not in frames and "invoice_line" not in frames and "project_team" not in frames
    assert "ARINVOICEITEM" not in objects and {"CUSTOMER", "ARPYMTDETAIL"} <= set(objects)
    assert {"client", "project", "staff", "time", "invoice"} <= set(frames)
    assert frames_to_pull(["customer"]) == (("CUSTOMER",), ("client",))
    objects, frames = frames_to_pull(["project", "customer"])
    assert objects == ("CUSTOMER", "PROJECT")  # in pull order
    assert frames[:3] == ("client", "project", "staff") and "time" not in frames
    assert "list:costcenterb" in frames and "invoice" not in frames


def test_a_failed_read_names_the_entities_it_leaves_uncompared() -> None:
    lists = needing("bigtime", "list:costcenterb", ENTITY_ORDER)
    assert lists == ("project", "employee", "location")
    assert needing("bigtime", "list:costcenterb", ["customer", "location"]) == ("location",)
    assert needing("bigtime", VOCABULARY, ENTITY_ORDER) == ()
    assert needing("intacct", COUNTERPARTS, ENTITY_ORDER) == (
        "time_entry", "invoice", "expense", "payment"
    )  # fmt: skip
    error = NotFoundError("GET /picklist/FieldValues/CostCenterB failed (HTTP 404):\n no route")
    (said,) = unread("bigtime", {"list:costcenterb": error}, ["customer", "location"])
    assert said.label == "BigTime Cost Center 2 values" and said.entities == ("location",)
    assert said.why == "GET /picklist/FieldValues/CostCenterB failed (HTTP 404): no route"
    assert said.sentence() == (
        "could not read BigTime Cost Center 2 values: GET /picklist/FieldValues/CostCenterB "
        "failed (HTTP 404): no route; locations not compared"
    )
    assert not_compared([said]) == ("location",)


def test_a_line_object_whose_invoices_failed_says_so() -> None:
    error = GatewayError("query ARINVOICE failed (HTTP 500)", status=500)
    failed = {"ARINVOICE": error, "ARPYMTDETAIL": error}
    invoices, payments = unread("intacct", failed, ENTITY_ORDER)
    assert invoices.entities == ("invoice", "payment") and payments.entities == ("payment",)
    assert payments.why == "it is read by its ARINVOICE records, which could not be read"
