"""Unit tests of recon.intacct.frames: pages of read results -> typed DataFrames.

Pages are built as the wire would carry them (lxml element API), serialised and parsed back
through the hardened parser, exactly what the client hands to the frames layer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from recon.errors import ConfigError, MalformedResponseError
from recon.intacct import extract, frames, xmlsafe
from recon.intacct.frames import lines_to_frame, page_to_frame, pages_to_frame
from recon.intacct.page import Page
from recon.intacct.schema import CUSTOMER

Record = dict[str, str | None]


def _add_field(record: etree._Element, name: str, value: str | None, nested: bool) -> None:
    parent, parts = record, name.split(".") if nested else [name]
    for group in parts[:-1]:
        found = parent.find(group)
        parent = found if found is not None else etree.SubElement(parent, group)
    etree.SubElement(parent, parts[-1]).text = value


def make_page(
    obj: str,
    records: list[Record],
    function: str = "query",
    nested: bool = False,
    lines: dict[int, tuple[str, str, list[Record]]] | None = None,
) -> Page:
    """A page as the wire carries it; ``lines`` maps a record index to (wrapper, tag, lines)."""
    data = etree.Element("data", listtype=obj, count=str(len(records)))
    tag = obj.lower() if function in ("readByQuery", "readMore") else obj
    for index, values in enumerate(records):
        record = etree.SubElement(data, tag)
        for name, value in values.items():
            _add_field(record, name, value, nested)
        if lines and index in lines:
            wrapper, line_tag, items = lines[index]
            box = etree.SubElement(record, wrapper)
            for item in items:
                line = etree.SubElement(box, line_tag)
                for name, value in item.items():
                    _add_field(line, name, value, nested)
    parsed = xmlsafe.parse(etree.tostring(data))
    return Page(obj, function, parsed, len(records))


CUSTOMERS: list[Record] = [
    {
        "RECORDNO": "1",
        "CUSTOMERID": "C001",
        "NAME": "Acme & Sons",
        "STATUS": "active",
        "PARENTID": None,
        "TOTALDUE": "1234.50",
        "CREDITLIMIT": "0.10",
        "ONHOLD": "false",
        "DISPLAYCONTACT.EMAIL1": "ap@acme.example",
        "DISPLAYCONTACT.MAILADDRESS.CITY": "Boston",
        "WHENMODIFIED": "01/31/2024 13:05:59",
    },
    {
        "RECORDNO": "2",
        "CUSTOMERID": "C002",
        "NAME": None,
        "STATUS": "inactive",
        "PARENTID": "C001",
        "TOTALDUE": "-0.20",
        "CREDITLIMIT": None,
        "ONHOLD": "true",
        "DISPLAYCONTACT.EMAIL1": None,
        "DISPLAYCONTACT.MAILADDRESS.CITY": "Zürich",
        "WHENMODIFIED": "12/01/2023 00:00:00",
    },
]


def test_query_page_gets_explicit_dtypes_per_kind() -> None:
    df = page_to_frame(make_page("CUSTOMER", CUSTOMERS), "CUSTOMER")
    assert list(df.columns) == list(CUSTOMERS[0])
    assert df["RECORDNO"].dtype == frames.STR_DTYPE  # an id, never a number
    assert df["NAME"].dtype == frames.STR_DTYPE
    assert df["STATUS"].dtype == frames.STATUS_DTYPE
    assert df["TOTALDUE"].dtype == np.dtype(object)
    assert df["ONHOLD"].dtype == pd.BooleanDtype()
    assert df["WHENMODIFIED"].dtype == np.dtype("datetime64[s]")
    assert df["RECORDNO"].tolist() == ["1", "2"]
    assert df["STATUS"].tolist() == ["active", "inactive"]
    assert df["ONHOLD"].tolist() == [False, True]
    assert df["WHENMODIFIED"].tolist() == [
        pd.Timestamp("2024-01-31 13:05:59"),
        pd.Timestamp("2023-12-01 00:00:00"),
    ]
    assert df["DISPLAYCONTACT.MAILADDRESS.CITY"].tolist() == ["Boston", "Zürich"]


def test_money_is_exact_decimal_never_float() -> None:
    df = page_to_frame(make_page("CUSTOMER", CUSTOMERS), "CUSTOMER")
    due = df["TOTALDUE"].tolist()
    assert due == [Decimal("1234.50"), Decimal("-0.20")]
    assert all(type(v) is Decimal for v in due)
    assert str(due[0]) == "1234.50"  # the wire's scale is kept
    assert df["CREDITLIMIT"][0] + Decimal("0.20") == Decimal("0.30")  # 0.1 + 0.2 exactly
    assert df["CREDITLIMIT"][1] is None


def test_empty_element_is_empty_text_but_missing_id() -> None:
    df = page_to_frame(make_page("CUSTOMER", CUSTOMERS), "CUSTOMER")
    assert df["NAME"][1] == ""  # text: an empty element is the empty string
    assert df["DISPLAYCONTACT.EMAIL1"][1] == ""
    assert pd.isna(df["PARENTID"][0])  # id: an empty element is no id
    assert df["PARENTID"][1] == "C001"


def test_nested_read_by_query_page_equals_dotted_query_page() -> None:
    flat = page_to_frame(make_page("CUSTOMER", CUSTOMERS), "CUSTOMER")
    nested_page = make_page("CUSTOMER", CUSTOMERS, function="readByQuery", nested=True)
    assert nested_page.data[0].tag == "customer"
    assert nested_page.data[0].find("DISPLAYCONTACT/MAILADDRESS/CITY") is not None
    nested = page_to_frame(nested_page, "CUSTOMER", fields=list(CUSTOMERS[0]))
    pd.testing.assert_frame_equal(nested, flat)


def test_fields_choose_and_order_columns_and_type_absent_ones() -> None:
    wanted = ["WHENMODIFIED", "CUSTOMERID", "CURRENCY", "ONETIME", "TERMNAME", "CUSTTYPE"]
    df = page_to_frame(make_page("CUSTOMER", CUSTOMERS), "CUSTOMER", fields=wanted)
    assert list(df.columns) == wanted
    assert df["CURRENCY"].dtype == frames.STR_DTYPE and df["CURRENCY"].isna().all()
    assert df["ONETIME"].dtype == pd.BooleanDtype() and df["ONETIME"].isna().all()
    # Absent from the record is not the same as empty: no "" for a text field never sent.
    assert df["CUSTTYPE"].isna().all()


def test_unknown_custom_field_is_str() -> None:
    records = [{"RECORDNO": "1", "CUSTOMERID": "C1", "REGION_CODE": "12"}]
    df = page_to_frame(make_page("CUSTOMER", records), "CUSTOMER")
    assert df["REGION_CODE"].dtype == frames.STR_DTYPE
    assert df["REGION_CODE"].tolist() == ["12"]


def test_time_entry_kinds_int_qty_date_bool() -> None:
    records = [
        {"RECORDNO": "7", "LINENO": "1", "ENTRYDATE": "02/29/2024", "QTY": "7.75",
         "BILLABLE": "true", "EXTBILLRATE": "150.00", "NOTES": None},
        {"RECORDNO": "8", "LINENO": None, "ENTRYDATE": None, "QTY": "0.25",
         "BILLABLE": None, "EXTBILLRATE": "150.00", "NOTES": "call"},
    ]  # fmt: skip
    df = page_to_frame(make_page("TIMESHEETENTRY", records), "TIMESHEETENTRY")
    assert df["LINENO"].dtype == pd.Int64Dtype()
    assert df["LINENO"][0] == 1 and df["LINENO"].isna()[1]
    assert df["ENTRYDATE"].dtype == np.dtype("datetime64[s]")
    assert df["ENTRYDATE"][0] == pd.Timestamp("2024-02-29")
    assert pd.isna(df["ENTRYDATE"][1])
    assert df["QTY"].tolist() == [Decimal("7.75"), Decimal("0.25")]
    assert df["BILLABLE"][0] is np.True_ or df["BILLABLE"][0] == True  # noqa: E712
    assert df["BILLABLE"].isna()[1]
    assert df["NOTES"].tolist() == ["", "call"]


def test_pages_concatenate_and_fields_missing_from_a_page_are_absent() -> None:
    one = make_page("CUSTOMER", [{"RECORDNO": "1", "NAME": "A", "TOTALDUE": "1.00"}])
    two = make_page("CUSTOMER", [{"RECORDNO": "2", "TOTALDUE": "2.00", "ONHOLD": "true"}])
    df = pages_to_frame([one, two], "CUSTOMER")
    assert list(df.columns) == ["RECORDNO", "NAME", "TOTALDUE", "ONHOLD"]
    assert df["RECORDNO"].tolist() == ["1", "2"]
    assert df["NAME"][0] == "A" and pd.isna(df["NAME"][1])
    assert pd.isna(df["ONHOLD"][0]) and bool(df["ONHOLD"][1])
    assert df.index.equals(pd.RangeIndex(2))


def test_empty_and_absent_text_across_a_flat_and_an_irregular_page() -> None:
    flat = make_page("CUSTOMER", [{"RECORDNO": "1", "NAME": None}])
    irregular = make_page(
        "CUSTOMER",
        [{"RECORDNO": "2", "NAME": "B"}, {"RECORDNO": "3"}, {"RECORDNO": "4", "NAME": None}],
        function="readByQuery",
        nested=True,
    )
    df = pages_to_frame([flat, irregular], "CUSTOMER")
    assert df["NAME"][0] == "" and df["NAME"][1] == "B" and df["NAME"][3] == ""
    assert pd.isna(df["NAME"][2])  # record 3 has no NAME element at all


def test_typing_in_chunks_gives_the_same_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = [{"RECORDNO": "9", "ONETIME": "true", "REGION": "west"}]  # new columns, late
    pages = [make_page("CUSTOMER", CUSTOMERS), make_page("CUSTOMER", CUSTOMERS),
             make_page("CUSTOMER", extra, function="readByQuery", nested=True)]  # fmt: skip
    whole = pages_to_frame(pages, "CUSTOMER")
    monkeypatch.setattr(frames, "CHUNK_ROWS", 2)
    chunked = pages_to_frame(pages, "CUSTOMER")
    pd.testing.assert_frame_equal(chunked, whole)
    assert whole["ONETIME"].dtype == pd.BooleanDtype()
    assert whole["ONETIME"].isna().sum() == 4 and bool(whole["ONETIME"][4])
    assert whole["REGION"].tolist()[-1] == "west"
    assert whole["STATUS"].dtype == frames.STATUS_DTYPE
    assert whole.index.equals(pd.RangeIndex(5))


def test_irregular_records_are_matched_by_name_not_position() -> None:
    # Same field count, different order: a positional shortcut would swap the values.
    records = [
        {"RECORDNO": "1", "CUSTOMERID": "C1", "NAME": "One"},
        {"NAME": "Two", "RECORDNO": "2", "CUSTOMERID": "C2"},
        {"RECORDNO": "3", "CUSTOMERID": "C3", "NAME": "Three"},
    ]
    df = page_to_frame(make_page("CUSTOMER", records), "CUSTOMER")
    assert df["NAME"].tolist() == ["One", "Two", "Three"]
    assert df["CUSTOMERID"].tolist() == ["C1", "C2", "C3"]


def test_a_nested_group_in_a_later_record_is_not_read_as_empty() -> None:
    records = [{"RECORDNO": "1", "DISPLAYCONTACT.EMAIL1": "a@x.example"}]
    page = make_page("CUSTOMER", records, function="read", nested=True)
    # Record 2 repeats the shape but its group is empty in record 1's place: build by hand.
    second = etree.SubElement(page.data, "CUSTOMER")
    etree.SubElement(second, "RECORDNO").text = "2"
    etree.SubElement(etree.SubElement(second, "DISPLAYCONTACT"), "EMAIL1").text = "b@x.example"
    df = page_to_frame(page, "CUSTOMER")
    assert df["DISPLAYCONTACT.EMAIL1"].tolist() == ["a@x.example", "b@x.example"]
    assert "DISPLAYCONTACT" not in df.columns


def test_comments_in_a_page_parsed_elsewhere_are_ignored() -> None:
    raw = b"<data><CUSTOMER><!-- c --><RECORDNO>1</RECORDNO></CUSTOMER><!-- x --></data>"
    data = etree.fromstring(raw)  # a parser that keeps comments
    df = page_to_frame(Page("CUSTOMER", "query", data, 1), "CUSTOMER")
    assert df["RECORDNO"].tolist() == ["1"]


def test_read_with_owned_lines_header_and_lines() -> None:
    header = {"RECORDNO": "40", "RECORDID": "INV-1", "TOTALENTERED": "300.00"}
    lines = [
        {"RECORDNO": "401", "AMOUNT": "100.00", "LINE_NO": "1", "ACCOUNTNO": "4000"},
        {"RECORDNO": "402", "AMOUNT": "200.00", "LINE_NO": "2", "ACCOUNTNO": "4000"},
    ]
    other = {"RECORDNO": "41", "RECORDID": "INV-2", "TOTALENTERED": "5.00"}
    page = make_page(
        "ARINVOICE",
        [header, other],
        function="read",
        lines={0: ("ARINVOICEITEMS", "ARINVOICEITEM", lines),
               1: ("ARINVOICEITEMS", "ARINVOICEITEM", [{"RECORDNO": "411", "AMOUNT": "5"}])},
    )  # fmt: skip
    head = page_to_frame(page, "ARINVOICE")
    assert list(head.columns) == ["RECORDNO", "RECORDID", "TOTALENTERED"]
    assert head["TOTALENTERED"].tolist() == [Decimal("300.00"), Decimal("5.00")]
    items = lines_to_frame([page], "ARINVOICEITEM")
    assert list(items.columns)[:2] == ["RECORDKEY", "RECORDNO"]
    assert items["RECORDKEY"].tolist() == ["40", "40", "41"]
    assert items["RECORDNO"].tolist() == ["401", "402", "411"]
    assert items["AMOUNT"].tolist() == [Decimal("100.00"), Decimal("200.00"), Decimal("5")]
    assert items["LINE_NO"].dtype == pd.Int64Dtype()


def test_a_line_key_is_always_its_parent_recordno() -> None:
    item = {"RECORDNO": "401", "RECORDKEY": "999", "AMOUNT": "1.00"}
    page = make_page(
        "ARINVOICE",
        [{"RECORDNO": "40"}],
        function="read",
        lines={0: ("ARINVOICEITEMS", "ARINVOICEITEM", [item])},
    )
    assert lines_to_frame([page], "ARINVOICEITEM")["RECORDKEY"].tolist() == ["40"]


def test_lines_of_an_object_nobody_owns() -> None:
    with pytest.raises(ConfigError, match="CUSTOMER"):
        lines_to_frame([], "CUSTOMER")


def test_empty_pages_give_typed_empty_frame() -> None:
    page = make_page("CUSTOMER", [])
    df = pages_to_frame([page, page], "CUSTOMER", fields=["RECORDNO", "TOTALDUE", "WHENMODIFIED"])
    assert len(df) == 0
    assert df["RECORDNO"].dtype == frames.STR_DTYPE
    assert df["WHENMODIFIED"].dtype == np.dtype("datetime64[s]")
    assert list(pages_to_frame([], "CUSTOMER").columns) == []


@pytest.mark.parametrize(
    ("field", "bad", "kind"),
    [
        ("ENTRYDATE", "13/45/2025", "date"),
        ("ENTRYDATE", "02/30/2024", "date"),
        ("ENTRYDATE", "2024-01-05", "date"),
        ("ENTRYDATE", "01/05/2024 10:00:00", "date"),
        ("WHENMODIFIED", "01/05/2024 24:00:00", "date and time"),
        ("WHENMODIFIED", "yesterday", "date and time"),
        ("QTY", "abc", "quantity"),
        ("QTY", "NaN", "quantity"),
        ("EXTBILLRATE", "1e5", "amount"),
        ("EXTBILLRATE", "1,000.00", "amount"),
        ("LINENO", "1.5", "whole number"),
        ("BILLABLE", "yes", "boolean"),
    ],
)
def test_bad_values_name_object_field_and_value(field: str, bad: str, kind: str) -> None:
    records = [{"RECORDNO": "1", field: "01/01/2024" if kind == "date" else None},
               {"RECORDNO": "2", field: bad}]  # fmt: skip
    with pytest.raises(MalformedResponseError) as err:
        page_to_frame(make_page("TIMESHEETENTRY", records), "TIMESHEETENTRY")
    message = str(err.value)
    assert f"TIMESHEETENTRY.{field}" in message
    assert repr(bad) in message
    assert kind in message
    assert err.value.system == "intacct"
    assert err.value.operation == "query"


def test_whole_number_beyond_64_bits_is_refused() -> None:
    records = [{"RECORDNO": "1", "LINENO": "9223372036854775807"},
               {"RECORDNO": "2", "LINENO": "9223372036854775808"}]  # fmt: skip
    with pytest.raises(MalformedResponseError, match=r"'9223372036854775808'.*whole number"):
        page_to_frame(make_page("TIMESHEETENTRY", records), "TIMESHEETENTRY")


def _general_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "_flat_columns", lambda *args: None)


def _regular_records(n: int) -> list[Record]:
    return [
        {"RECORDNO": str(i), "CUSTOMERID": f"C{i}", "NAME": None if i % 3 else f"N {i} & <co>",
         "STATUS": "active" if i % 4 else "inactive", "TOTALDUE": f"{i}.{i % 100:02d}",
         "ONHOLD": "true" if i % 5 else "false", "WHENMODIFIED": f"0{1 + i % 9}/1{i % 10}/2024 "
         f"0{i % 10}:1{i % 10}:00", "DISPLAYCONTACT.EMAIL1": None if i % 7 else f"{i}@x.example"}
        for i in range(1, n + 1)
    ]  # fmt: skip


def test_flat_path_gives_what_the_general_path_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = [make_page("CUSTOMER", _regular_records(300)), make_page("CUSTOMER", [])]
    flat = pages_to_frame(pages, "CUSTOMER")
    _general_path_only(monkeypatch)
    general = pages_to_frame(pages, "CUSTOMER")
    pd.testing.assert_frame_equal(flat, general)
    assert flat["NAME"].tolist()[:3] == ["", "", "N 3 & <co>"]
    assert flat["TOTALDUE"][299] == Decimal("300.00")


def test_a_nested_field_in_an_unsampled_record_leaves_the_flat_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = make_page("CUSTOMER", _regular_records(300))
    odd = page.data[100]  # not among the records whose field names are sampled
    etree.SubElement(odd.find("NAME"), "FIRST").text = "Ann"
    odd.find("NAME").text = None
    df = page_to_frame(page, "CUSTOMER")
    assert df["NAME.FIRST"][100] == "Ann" and pd.isna(df["NAME"][100])
    assert df["NAME.FIRST"].isna().sum() == 299
    _general_path_only(monkeypatch)
    pd.testing.assert_frame_equal(df, page_to_frame(page, "CUSTOMER"))


def test_bad_status_is_refused_not_silently_missing() -> None:
    with pytest.raises(MalformedResponseError, match=r"'T' in CUSTOMER\.STATUS"):
        page_to_frame(make_page("CUSTOMER", [{"STATUS": "T"}]), "CUSTOMER")


def test_tolerated_variants_of_the_wire_formats() -> None:
    records = [
        {"ENTRYDATE": "1/5/2024", "WHENMODIFIED": "04/01/2012", "BILLABLE": "True"},
        {"ENTRYDATE": "12/31/2024", "WHENMODIFIED": "04/01/2012 08:30:00", "BILLABLE": "FALSE"},
    ]
    df = page_to_frame(make_page("TIMESHEETENTRY", records), "TIMESHEETENTRY")
    assert df["ENTRYDATE"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-12-31")]
    assert df["WHENMODIFIED"].tolist() == [
        pd.Timestamp("2012-04-01"),
        pd.Timestamp("2012-04-01 08:30:00"),
    ]
    assert df["BILLABLE"].tolist() == [True, False]


def test_duplicate_fields_are_refused() -> None:
    with pytest.raises(ConfigError):
        page_to_frame(make_page("CUSTOMER", CUSTOMERS), "CUSTOMER", fields=["NAME", "NAME"])
    with pytest.raises(ConfigError):
        page_to_frame(make_page("CUSTOMER", CUSTOMERS), "CUSTOMER", fields="NAME")


def test_object_outside_the_catalogue_is_all_str() -> None:
    df = page_to_frame(make_page("WIDGET", [{"RECORDNO": "1", "AMOUNT": "1.00"}]), "WIDGET")
    assert df["AMOUNT"].dtype == frames.STR_DTYPE


def test_dtype_of_matches_built_columns() -> None:
    df = page_to_frame(make_page("CUSTOMER", CUSTOMERS), "CUSTOMER")
    for name in df.columns:
        assert df[name].dtype == frames.dtype_of(CUSTOMER.fields.get(name)), name


# --------------------------------------------------------------------------- property

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")), max_size=12)
_WIRE = {
    "CUSTOMERID": st.from_regex(r"C[0-9]{1,4}", fullmatch=True),
    "NAME": _TEXT,
    "TOTALDUE": st.decimals(min_value=-(10**9), max_value=10**9, places=2),
    "ONHOLD": st.booleans(),
    "STATUS": st.sampled_from(["active", "inactive"]),
    "WHENMODIFIED": st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)
    ).map(lambda d: d.replace(microsecond=0)),  # the wire has whole seconds
}


def _wire(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%m/%d/%Y %H:%M:%S")
    return str(value)


@st.composite
def _customer_pages(draw: st.DrawFn) -> list[list[dict[str, object]]]:
    pages = []
    for _ in range(draw(st.integers(1, 3))):
        rows = []
        for _ in range(draw(st.integers(0, 6))):
            names = draw(st.permutations(list(_WIRE)))[: draw(st.integers(1, len(_WIRE)))]
            rows.append({n: draw(st.none() | _WIRE[n]) for n in names})
        pages.append(rows)
    return pages


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages=_customer_pages(), nested=st.booleans(), chunk=st.sampled_from([1, 4, 10_000]))
def test_frame_matches_a_plain_reading_of_the_records(
    pages: list[list[dict[str, object]]], nested: bool, chunk: int
) -> None:
    built = [
        make_page(
            "CUSTOMER",
            [{k: None if v is None else _wire(v) for k, v in row.items()} for row in rows],
            function="readByQuery" if nested else "query",
            nested=nested,
        )
        for rows in pages
    ]
    fields = list(_WIRE)
    with patch.object(frames, "CHUNK_ROWS", chunk):
        df = pages_to_frame(built, "CUSTOMER", fields=fields)
    for name in fields:
        assert df[name].dtype == frames.dtype_of(CUSTOMER.fields[name]), name
    rows = [row for page in pages for row in page]
    assert len(df) == len(rows)
    for i, row in enumerate(rows):
        for name in fields:
            got = df[name][i]
            if name not in row:
                assert pd.isna(got), (name, got)
            elif row[name] is None:
                assert got == "" if name == "NAME" else pd.isna(got), (name, got)
            elif name == "WHENMODIFIED":
                assert got == pd.Timestamp(row[name])
            else:
                assert got == row[name], (name, got, row[name])
