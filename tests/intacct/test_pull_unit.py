"""Unit tests of recon.intacct.pull against a small fake client that serves hand-built pages.

The fake stands in for IntacctClient.query only (this is a unit test of the pull table and
its plumbing); the real client against the sandbox is exercised by the integration tests and
the pull benchmark.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pandas as pd
import pytest
from lxml import etree

from recon.errors import ConfigError, MalformedResponseError
from recon.intacct import pull as pull_mod
from recon.intacct import schema as schemas
from recon.intacct import xmlsafe
from recon.intacct.filters import F, Filter
from recon.intacct.frames import STR_DTYPE, dtype_of
from recon.intacct.page import Page
from recon.intacct.pull import ENTITIES, NOT_PULLED, PULL_SPECS, PullSpec, pull, pull_all
from recon.intacct.uncertain import NON_INVENTORY_ITEMTYPES

_SAMPLE = {
    "id": "K{n}",
    "text": "text {n}",
    "money": "{n}.10",
    "qty": "{n}.25",
    "int": "{n}",
    "date": "01/{n:02d}/2024",
    "datetime": "02/{n:02d}/2024 13:14:15",
    "bool": "true",
    "status": "inactive",
}


class FakeClient:
    """Serves ``records_per_page`` records per page, ``pages`` pages, for any object."""

    def __init__(self, pages: int = 2, records_per_page: int = 3, bad: str | None = None):
        self.pages = pages
        self.records_per_page = records_per_page
        self.bad = bad  # "FIELD=value" planted in the last record
        self.calls: list[dict[str, Any]] = []

    def query(
        self,
        obj: str,
        select: Sequence[str],
        filter: Filter | None = None,
        orderby: Sequence[str] | None = None,
        pagesize: int | None = None,
        concurrency: int | None = None,
        expect_many: bool = False,
    ) -> Iterator[Page]:
        self.calls.append(
            {
                "obj": obj,
                "select": list(select),
                "filter": filter,
                "orderby": orderby,
                "expect_many": expect_many,
            }
        )
        sch = schemas.get(obj)
        n = 0
        for _ in range(self.pages):
            data = etree.Element("data", listtype=obj, count=str(self.records_per_page))
            for _ in range(self.records_per_page):
                n += 1
                record = etree.SubElement(data, obj)
                for name in select:
                    value = _SAMPLE[sch.fields[name]].format(n=n)
                    etree.SubElement(record, name).text = value
            if self.bad and n == self.pages * self.records_per_page:
                name, value = self.bad.split("=")
                data[-1].find(name).text = value
            yield Page(obj, "query", xmlsafe.parse(etree.tostring(data)), len(data))


def _filter_xml(flt: Filter | None) -> str:
    assert flt is not None
    return etree.tostring(flt.to_element(), encoding="unicode")


# --------------------------------------------------------------------------- the table

DESIGN_OBJECTS = {
    "CUSTOMER", "PROJECT", "EMPLOYEE", "VENDOR", "DEPARTMENT", "LOCATION", "CLASS",
    "PROJECTTYPE", "TIMETYPE", "EEACCOUNTLABEL", "ITEM", "GLACCOUNT", "CHECKINGACCOUNT",
    "CREDITCARD", "ARTERM", "TIMESHEET", "TIMESHEETENTRY", "ARINVOICE", "ARINVOICEITEM",
    "ARPYMT", "ARPYMTDETAIL",
}  # fmt: skip


def test_every_object_of_the_design_has_a_spec() -> None:
    assert set(ENTITIES) == DESIGN_OBJECTS
    assert list(ENTITIES) == list(PULL_SPECS)


@pytest.mark.parametrize("obj", sorted(DESIGN_OBJECTS))
def test_spec_selects_schema_fields_ordered_by_recordno(obj: str) -> None:
    spec = PULL_SPECS[obj]
    sch = schemas.get(obj)
    assert spec.object == obj
    assert set(spec.fields) <= set(sch.fields)
    assert set(spec.fields) == set(sch.fields) - NOT_PULLED
    assert spec.fields[0] == "RECORDNO"
    assert sch.id_field in spec.fields
    assert spec.orderby == ("RECORDNO",)
    assert spec.incremental == ("WHENMODIFIED" in sch.fields)


def test_personal_fields_are_never_selected() -> None:
    assert "SSN" in schemas.EMPLOYEE.fields  # the schema knows it ...
    assert "SSN" not in PULL_SPECS["EMPLOYEE"].fields  # ... recon never asks for it
    assert "BANKACCOUNTNO" not in PULL_SPECS["CHECKINGACCOUNT"].fields


def test_only_item_is_filtered_to_non_inventory_types() -> None:
    xml = _filter_xml(PULL_SPECS["ITEM"].filter)
    assert xml.startswith("<filter><in><field>ITEMTYPE</field>")
    for name in NON_INVENTORY_ITEMTYPES:
        assert f"<value>{name}</value>" in xml
    assert "<value>Inventory</value>" not in xml
    assert [o for o, s in PULL_SPECS.items() if s.filter is not None] == ["ITEM"]


# --------------------------------------------------------------------------- pull


def test_pull_queries_the_spec_and_types_the_frame() -> None:
    client = FakeClient(pages=2, records_per_page=3)
    df = pull(client, "timesheetentry")  # any case
    spec = PULL_SPECS["TIMESHEETENTRY"]
    (call,) = client.calls
    assert call == {
        "obj": "TIMESHEETENTRY",
        "select": list(spec.fields),
        "filter": None,
        "orderby": ["RECORDNO"],
        "expect_many": True,
    }
    assert list(df.columns) == list(spec.fields)
    assert len(df) == 6
    assert df["RECORDNO"].tolist() == [f"K{n}" for n in range(1, 7)]  # both pages, in order
    assert df["QTY"].tolist() == [Decimal(f"{n}.25") for n in range(1, 7)]
    assert df["ENTRYDATE"][5] == pd.Timestamp("2024-01-06")
    for name in df.columns:
        assert df[name].dtype == dtype_of(schemas.TIMESHEETENTRY.fields[name]), name


def test_only_a_full_pull_of_a_large_object_sends_pages_speculatively() -> None:
    client = FakeClient(pages=1)
    pull(client, "TIMESHEETENTRY")
    pull(client, "TIMESHEETENTRY", since=datetime(2024, 1, 1))
    pull(client, "CUSTOMER")
    assert [c["expect_many"] for c in client.calls] == [True, False, False]


def test_since_adds_whenmodified_filter() -> None:
    client = FakeClient(pages=1)
    pull(client, "CUSTOMER", since=datetime(2024, 1, 31, 8, 5))
    assert _filter_xml(client.calls[0]["filter"]) == (
        "<filter><greaterthanorequalto><field>WHENMODIFIED</field>"
        "<value>01/31/2024 08:05:00</value></greaterthanorequalto></filter>"
    )


def test_since_is_combined_with_the_spec_filter() -> None:
    client = FakeClient(pages=1)
    pull(client, "ITEM", since=datetime(2024, 2, 1))
    xml = _filter_xml(client.calls[0]["filter"])
    assert xml.startswith("<filter><and><in><field>ITEMTYPE</field>")
    assert "<greaterthanorequalto><field>WHENMODIFIED</field><value>02/01/2024 00:00:00" in xml


def test_objects_without_whenmodified_pull_fully() -> None:
    spec = PullSpec("THING", ("RECORDNO",), incremental=False)
    assert spec.query_filter(datetime(2024, 1, 1)) is None
    own = F("STATUS") == "active"
    assert (
        PullSpec("THING", ("RECORDNO",), own, incremental=False).query_filter(datetime(2024, 1, 1))
        is own
    )


@pytest.mark.parametrize(
    "since", [date(2024, 1, 1), datetime(2024, 1, 1, tzinfo=UTC), "01/01/2024"]
)
def test_since_must_be_a_naive_datetime(since: Any) -> None:
    client = FakeClient()
    with pytest.raises(ConfigError):
        pull(client, "CUSTOMER", since=since)
    assert client.calls == []  # refused before anything was sent


def test_unknown_entity_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="CUSTOMER") as err:
        pull(FakeClient(), "INVOICES")
    assert "'INVOICES'" in str(err.value)


def test_malformed_value_from_the_server_propagates() -> None:
    client = FakeClient(bad="TOTALDUE=12,50")
    with pytest.raises(MalformedResponseError, match=r"'12,50' in CUSTOMER\.TOTALDUE"):
        pull(client, "CUSTOMER")


def test_empty_result_is_an_empty_typed_frame() -> None:
    df = pull(FakeClient(pages=1, records_per_page=0), "PROJECT")
    assert len(df) == 0
    assert list(df.columns) == list(PULL_SPECS["PROJECT"].fields)
    assert df["PROJECTID"].dtype == STR_DTYPE


# --------------------------------------------------------------------------- pull_all


def test_pull_all_returns_a_read_only_mapping_of_every_entity() -> None:
    client = FakeClient(pages=1, records_per_page=2)
    frames = pull_all(client)
    assert isinstance(frames, MappingProxyType)
    assert list(frames) == list(ENTITIES)
    assert [c["obj"] for c in client.calls] == list(ENTITIES)
    assert all(len(df) == 2 for df in frames.values())
    with pytest.raises(TypeError):
        frames["CUSTOMER"] = pd.DataFrame()  # type: ignore[index]


def test_pull_all_subset_in_the_order_asked_with_since() -> None:
    client = FakeClient(pages=1)
    frames = pull_all(client, ["vendor", "Customer"], since=datetime(2024, 3, 1))
    assert list(frames) == ["VENDOR", "CUSTOMER"]
    assert all(c["filter"] is not None for c in client.calls)
    with pytest.raises(ConfigError):
        pull_all(client, ["CUSTOMER", "NOPE"])


# --------------------------------------------------------------------------- convenience

NAMED = {
    "pull_customers": "CUSTOMER", "pull_projects": "PROJECT", "pull_employees": "EMPLOYEE",
    "pull_vendors": "VENDOR", "pull_departments": "DEPARTMENT", "pull_locations": "LOCATION",
    "pull_classes": "CLASS", "pull_project_types": "PROJECTTYPE",
    "pull_time_types": "TIMETYPE", "pull_expense_types": "EEACCOUNTLABEL",
    "pull_items": "ITEM", "pull_gl_accounts": "GLACCOUNT",
    "pull_checking_accounts": "CHECKINGACCOUNT", "pull_credit_cards": "CREDITCARD",
    "pull_ar_terms": "ARTERM", "pull_timesheets": "TIMESHEET",
    "pull_timesheet_entries": "TIMESHEETENTRY", "pull_ar_invoices": "ARINVOICE",
    "pull_ar_invoice_items": "ARINVOICEITEM", "pull_ar_payments": "ARPYMT",
    "pull_ar_payment_details": "ARPYMTDETAIL",
}  # fmt: skip


def test_one_named_function_per_object() -> None:
    assert set(NAMED.values()) == DESIGN_OBJECTS


@pytest.mark.parametrize(("name", "obj"), sorted(NAMED.items()))
def test_named_function_pulls_its_object(name: str, obj: str) -> None:
    client = FakeClient(pages=1, records_per_page=1)
    df = getattr(pull_mod, name)(client, since=datetime(2024, 1, 1))
    assert client.calls[0]["obj"] == obj
    assert client.calls[0]["filter"] is not None
    assert list(df.columns) == list(PULL_SPECS[obj].fields)
