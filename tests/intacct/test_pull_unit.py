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

from recon.canonical import ENTITIES as CANONICAL
from recon.errors import (
    AuthenticationError,
    ConfigError,
    ControlError,
    FunctionError,
    GatewayError,
    MalformedResponseError,
    TransportError,
)
from recon.intacct import schema as schemas
from recon.intacct import xmlsafe
from recon.intacct.filters import F, Filter
from recon.intacct.frames import STR_DTYPE, dtype_of
from recon.intacct.page import Page
from recon.intacct.pull import (
    ENTITIES,
    NOT_PULLED,
    PULL_SPECS,
    PullSpec,
    pull,
    pull_all,
    pull_by_keys,
)
from recon.intacct.quoting import MAX_IN_VALUES
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
    "ARPYMT", "ARPYMTDETAIL", "EEXPENSESITEM", "EEXPENSES",
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


# --------------------------------------------------------------------------- one pull for all


@pytest.mark.parametrize("obj", sorted(DESIGN_OBJECTS))
def test_the_one_pull_pulls_each_object_by_its_name(obj: str) -> None:
    client = FakeClient(pages=1, records_per_page=1)
    df = pull(client, obj, since=datetime(2024, 1, 1))
    assert client.calls[0]["obj"] == obj
    assert client.calls[0]["filter"] is not None
    assert list(df.columns) == list(PULL_SPECS[obj].fields)


@pytest.mark.parametrize("entity", list(CANONICAL))
def test_the_one_pull_takes_a_canonical_entity_for_its_object(entity: str) -> None:
    client = FakeClient(pages=1, records_per_page=1)
    df = pull(client, entity, since=datetime(2024, 1, 1))
    obj = CANONICAL[entity].intacct_objects[0]  # a payment: its ARPYMTDETAIL applications
    assert client.calls[0]["obj"] == obj
    assert client.calls[0]["filter"] is not None
    assert list(df.columns) == list(PULL_SPECS[obj].fields)
    assert list(pull_all(FakeClient(pages=1), [entity])) == [obj]


def test_an_unknown_name_is_refused_with_what_is_pulled() -> None:
    with pytest.raises(ConfigError, match=r"CUSTOMER.*time_entry"):
        pull(FakeClient(), "customers")


# --------------------------------------------------------------------------- periods

OCTOBER = (date(2025, 10, 1), date(2025, 10, 31))


def _calls_by_object(client: FakeClient) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for call in client.calls:
        out.setdefault(call["obj"], []).append(call)
    return out


def test_period_bounds_dated_objects_by_their_canonical_date_and_not_master_data() -> None:
    client = FakeClient(pages=1)
    frames = pull_all(client, ["CUSTOMER", "TIMESHEET", "TIMESHEETENTRY", "ARINVOICE"],
                      start=OCTOBER[0], end=OCTOBER[1])  # fmt: skip
    calls = _calls_by_object(client)
    assert list(frames) == ["CUSTOMER", "TIMESHEET", "TIMESHEETENTRY", "ARINVOICE"]
    assert calls["CUSTOMER"][0]["filter"] is None  # master data is never date-bound
    for obj, field in (("TIMESHEETENTRY", "ENTRYDATE"), ("ARINVOICE", "WHENCREATED")):
        assert _filter_xml(calls[obj][0]["filter"]) == (
            f"<filter><between><field>{field}</field><value>10/01/2025</value>"
            "<value>10/31/2025</value></between></filter>"
        )
    # A weekly sheet belongs to the period when its week overlaps it.
    assert _filter_xml(calls["TIMESHEET"][0]["filter"]) == (
        "<filter><and><lessthanorequalto><field>BEGINDATE</field><value>10/31/2025</value>"
        "</lessthanorequalto><greaterthanorequalto><field>ENDDATE</field>"
        "<value>10/01/2025</value></greaterthanorequalto></and></filter>"
    )


def test_period_date_fields_are_the_canonical_date_columns_fields() -> None:
    assert (
        PULL_SPECS["TIMESHEETENTRY"].dated
        == (CANONICAL["time_entry"].col("entry_date").intacct,) * 2
    )
    assert PULL_SPECS["ARINVOICE"].dated == (CANONICAL["invoice"].col("invoice_date").intacct,) * 2
    expense_date = CANONICAL["expense"].col("expense_date").intacct
    assert PULL_SPECS["EEXPENSESITEM"].dated == (expense_date,) * 2
    dated = {o for o, s in PULL_SPECS.items() if s.dated is not None or s.bound is not None}
    assert dated == {"TIMESHEET", "TIMESHEETENTRY", "ARINVOICE", "ARINVOICEITEM", "ARPYMT",
                     "ARPYMTDETAIL", "EEXPENSESITEM", "EEXPENSES"}  # fmt: skip


def test_lines_and_payments_follow_the_period_invoices_each_parent_pulled_once() -> None:
    client = FakeClient(pages=1, records_per_page=3)
    frames = pull_all(client, ["ARPYMT", "ARPYMTDETAIL", "ARINVOICEITEM"],
                      start=OCTOBER[0], end=OCTOBER[1])  # fmt: skip
    calls = _calls_by_object(client)
    assert list(frames) == ["ARPYMT", "ARPYMTDETAIL", "ARINVOICEITEM"]
    assert [len(calls[o]) for o in ("ARINVOICE", "ARPYMTDETAIL", "ARPYMT", "ARINVOICEITEM")] == [
        1, 1, 1, 1,
    ]  # fmt: skip
    invoices = "".join(f"<value>K{n}</value>" for n in (1, 2, 3))  # the fake's RECORDNOs
    for obj in ("ARPYMTDETAIL", "ARINVOICEITEM"):
        assert _filter_xml(calls[obj][0]["filter"]) == (
            f"<filter><in><field>RECORDKEY</field>{invoices}</in></filter>"
        )
    # Payment headers: those the applications name (the fake's PAYMENTKEYs), however paid.
    assert _filter_xml(calls["ARPYMT"][0]["filter"]) == (
        f"<filter><in><field>RECORDNO</field>{invoices}</in></filter>"
    )


def test_pull_of_a_bound_object_alone_pulls_its_parent_for_the_keys() -> None:
    client = FakeClient(pages=1, records_per_page=2)
    frame = pull(client, "ARPYMTDETAIL", start=OCTOBER[0], end=OCTOBER[1])
    assert [c["obj"] for c in client.calls] == ["ARINVOICE", "ARPYMTDETAIL"]
    assert len(frame) == 2


def test_since_never_narrows_the_parent_that_bounds_a_period() -> None:
    client = FakeClient(pages=1)
    since = datetime(2025, 11, 1)
    pull_all(client, ["ARINVOICE", "ARPYMTDETAIL"], since=since, start=OCTOBER[0], end=OCTOBER[1])
    invoice_filters = [_filter_xml(c["filter"]) for c in client.calls if c["obj"] == "ARINVOICE"]
    # Once with `since` (the invoices asked for), once without (the applications' bound):
    # a payment applied today to an October invoice unchanged since must still be seen.
    assert len(invoice_filters) == 2
    assert sum("WHENMODIFIED" in xml for xml in invoice_filters) == 1
    (detail,) = [c for c in client.calls if c["obj"] == "ARPYMTDETAIL"]
    assert "WHENMODIFIED" in _filter_xml(detail["filter"])


def test_by_keys_asks_in_chunks_of_the_in_limit_and_skips_blanks() -> None:
    client = FakeClient(pages=1, records_per_page=1)
    keys = [str(n) for n in range(2 * MAX_IN_VALUES + 5)] + ["", "  ", "7"]
    frame = pull_by_keys(client, "TIMESHEETENTRY", "BIGTIME_ENTRYID", keys)
    sizes = [_filter_xml(c["filter"]).count("<value>") for c in client.calls]
    assert sizes == [MAX_IN_VALUES, MAX_IN_VALUES, 5]
    assert len(frame) == 3 and frame["RECORDNO"].tolist() == ["K1", "K1", "K1"]
    assert [c["expect_many"] for c in client.calls] == [False] * 3


def test_by_keys_without_keys_sends_nothing_and_returns_the_typed_empty_frame() -> None:
    client = FakeClient()
    frame = pull_by_keys(client, "ARINVOICE", "RECORDID", ["", None])  # type: ignore[list-item]
    assert client.calls == [] and frame.empty
    assert list(frame.columns) == list(PULL_SPECS["ARINVOICE"].fields)
    assert frame["WHENCREATED"].dtype == dtype_of(schemas.ARINVOICE.fields["WHENCREATED"])


def test_a_long_period_pulls_time_speculatively_a_month_does_not() -> None:
    client = FakeClient(pages=1)
    pull(client, "TIMESHEETENTRY", start=date(2025, 1, 1), end=date(2025, 12, 31))
    pull(client, "TIMESHEETENTRY", start=OCTOBER[0], end=OCTOBER[1])
    assert [c["expect_many"] for c in client.calls] == [True, False]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2025, 10, 1), None),
        (None, date(2025, 10, 31)),
        (datetime(2025, 10, 1), date(2025, 10, 31)),
        ("2025-10-01", date(2025, 10, 31)),
        (date(2025, 10, 31), date(2025, 10, 1)),
    ],
)
def test_a_period_needs_two_dates_in_order(start: Any, end: Any) -> None:
    client = FakeClient()
    with pytest.raises(ConfigError):
        pull_all(client, ["CUSTOMER"], start=start, end=end)
    with pytest.raises(ConfigError):
        pull(client, "ARINVOICE", start=start, end=end)
    assert client.calls == []


# --------------------------------------------------------------------------- failed reads


class FailingClient(FakeClient):
    """:class:`FakeClient`, but one object's query raises ``error``."""

    def __init__(self, failing: str, error: Exception) -> None:
        super().__init__(pages=1, records_per_page=2)
        self.failing, self.error = failing, error

    def query(self, obj: str, *args: Any, **kwargs: Any) -> Iterator[Page]:  # type: ignore[override]
        if obj == self.failing:
            self.calls.append({"obj": obj})
            raise self.error
        return super().query(obj, *args, **kwargs)


def test_a_failed_object_is_left_out_and_the_rest_pulled_when_asked() -> None:
    error = FunctionError("query CLASS failed: no permission", errors=())
    client = FailingClient("CLASS", error)
    failed: dict[str, Exception] = {}
    frames = pull_all(client, ["CUSTOMER", "CLASS", "VENDOR"], failed=failed)  # type: ignore[arg-type]
    assert list(frames) == ["CUSTOMER", "VENDOR"] and failed == {"CLASS": error}
    # Without `failed` the first failure raises, as it always did.
    with pytest.raises(FunctionError):
        pull_all(FailingClient("CLASS", error), ["CUSTOMER", "CLASS", "VENDOR"])


def test_objects_bound_to_a_failed_parent_fail_with_its_error_asked_once() -> None:
    error = GatewayError("HTTP 500 after 5 attempts", status=500)
    client = FailingClient("ARINVOICE", error)
    failed: dict[str, Exception] = {}
    frames = pull_all(client, ["CUSTOMER", "ARINVOICE", "ARINVOICEITEM", "ARPYMTDETAIL"],
                      start=OCTOBER[0], end=OCTOBER[1], failed=failed)  # type: ignore[arg-type]  # fmt: skip
    assert list(frames) == ["CUSTOMER"]
    assert failed == {"ARINVOICE": error, "ARINVOICEITEM": error, "ARPYMTDETAIL": error}
    assert [c["obj"] for c in client.calls] == ["CUSTOMER", "ARINVOICE"]  # not asked again


@pytest.mark.parametrize(
    "error",
    [
        AuthenticationError("sign-in refused", errors=()),
        ControlError("the sender is not authorised", errors=()),
        TransportError("connection refused", system="intacct"),
    ],
    ids=["authentication", "control", "unreachable"],
)
def test_failures_that_no_other_read_would_escape_still_raise(error: Exception) -> None:
    with pytest.raises(type(error)):
        pull_all(FailingClient("CLASS", error), ["CUSTOMER", "CLASS"], failed={})
