"""JSON decoding with Decimal, canonical key spelling, dates, exact JSON encoding."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recon.bigtime import resources
from recon.bigtime.normalise import (
    decode_json,
    encode_json,
    expect_list,
    expect_object,
    lookup,
    normalise,
    normalise_record,
    parse_date,
    parse_datetime,
    resource_for_path,
)
from recon.errors import ConfigError, MalformedResponseError

# --- decoding ------------------------------------------------------------------------


def test_numbers_decode_to_int_and_decimal_never_float() -> None:
    data = decode_json(b'{"a": 7, "b": 7.25, "c": 1250.50, "d": 1e2, "e": -0.1}', doing="GET /x")
    assert data == {
        "a": 7,
        "b": Decimal("7.25"),
        "c": Decimal("1250.50"),
        "d": Decimal("1E+2"),
        "e": Decimal("-0.1"),
    }
    assert type(data["a"]) is int
    assert all(type(v) is Decimal for k, v in data.items() if k != "a")
    assert str(data["c"]) == "1250.50"  # the digits as sent, no float rounding


def test_decimal_survives_where_float_would_not() -> None:
    data = decode_json(b"[0.1, 12345678901234567.89]", doing="GET /x")
    assert data == [Decimal("0.1"), Decimal("12345678901234567.89")]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "the body is empty"),
        (b"   \r\n", "the body is empty"),
        (b"<!DOCTYPE html><html><body>Error</body></html>", "HTML page"),
        (b"<html><body>Oops</body></html>", "HTML page"),
        (b'<?xml version="1.0"?><Error/>', "XML/HTML document"),
        (b'{"a": 1', "not valid JSON"),
        (b'[{"a": NaN}]', "not valid JSON"),
        (b"[Infinity]", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
    ],
)
def test_undecodable_bodies_are_malformed_with_a_clear_message(body: bytes, problem: str) -> None:
    with pytest.raises(MalformedResponseError) as info:
        decode_json(body, doing="GET /client")
    err = info.value
    assert str(err).startswith("GET /client: ") and problem in str(err)
    assert (err.system, err.operation) == ("bigtime", "GET /client")
    assert "Oops" not in str(err)  # never the body itself


def test_wrong_shapes_are_malformed() -> None:
    with pytest.raises(
        MalformedResponseError, match=r"GET /client: expected a JSON array, got an object"
    ):
        expect_list({"Nm": "x"}, resources.CLIENT, doing="GET /client")
    with pytest.raises(MalformedResponseError, match="item 1 of the array is a int value"):
        expect_list([{"Nm": "x"}, 3], resources.CLIENT, doing="GET /client")
    with pytest.raises(MalformedResponseError, match="expected a JSON object, got an array"):
        expect_object([], resources.CLIENT, doing="GET /client/detail/1")
    with pytest.raises(MalformedResponseError, match="got null"):
        expect_object(None, resources.CLIENT, doing="GET /client/detail/1")


# --- key normalisation ---------------------------------------------------------------


def test_known_keys_take_the_canonical_spelling_unknown_keys_stay() -> None:
    got = normalise_record(
        {"systemid": 3, "NM": "Acme", "clientID": "C-1", "SomethingNew": {"x": 1}},
        resources.CLIENT,
    )
    assert got == {"SystemId": 3, "Nm": "Acme", "ClientId": "C-1", "SomethingNew": {"x": 1}}


def test_staff_detail_id_spelling_becomes_the_list_spelling() -> None:
    assert normalise_record({"StaffSid": 7, "email": "a@b"}, resources.STAFF) == {
        "StaffSID": 7,
        "EMail": "a@b",
    }


def test_nested_udf_list_and_invoice_lines_are_normalised() -> None:
    project = normalise_record(
        {"systemId": 1, "udflist": [{"sid": 1, "NAME": "PO Number", "value": "PO-9"}]},
        resources.PROJECT,
    )
    assert project == {"SystemId": 1, "UdfList": [{"Sid": 1, "Name": "PO Number", "Value": "PO-9"}]}
    invoice = normalise_record(
        {"SID": 4, "lines": [{"linenbr": 1, "AMT": Decimal("10.00"), "odd": True}]},
        resources.INVOICE,
    )
    assert invoice == {"Sid": 4, "Lines": [{"LineNbr": 1, "Amt": Decimal("10.00"), "odd": True}]}


def test_first_of_two_case_twins_wins() -> None:
    assert normalise_record({"Nm": "first", "NM": "second"}, resources.CLIENT) == {"Nm": "first"}


def test_normalise_lists_and_passthrough() -> None:
    team = normalise([{"staffsid": 1, "teamlead": True}], resources.TEAM_MEMBER)
    assert team == [{"StaffSid": 1, "TeamLead": True}]
    assert normalise([{"nm": 1}], None) == [{"nm": 1}]
    assert normalise(5, resources.CLIENT) == 5


def test_lookup_is_case_insensitive_exact_first() -> None:
    obj = {"token": "a", "Firm": "f"}
    assert lookup(obj, "TOKEN") == "a" and lookup(obj, "firm") == "f"
    assert lookup(obj, "missing", 0) == 0


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/client", "client"),
        ("/Client/Detail/12", "client"),
        ("/BigtimeData/api/v2/client/detail", "client"),
        ("/project?ShowInactive=true", "project"),
        ("/project/team/3", "team_member"),
        ("/project/CustomFields/3", "udf"),
        ("/project/CustomFieldsByName/3", "udf"),
        ("/staff", "staff"),
        ("/staff/detail/9", "staff"),
        ("/staff/add", "staff"),
        ("/staff/UDFList/9", "udf"),
        ("/time/Sheet/9", "time"),
        ("/time/ByProject/2", "time"),
        ("/time/-4", "time"),
        ("/time", "time"),
        ("/invoice/history", "invoice"),
        ("/invoice/detail/5", "invoice"),
        ("/task/listByProject/2", "task"),
        ("/task/detail/8", "task"),
        ("/picklist/QBClasses", "picklist_item"),
        ("/picklist/FieldValues/LookupProjectType", "picklist_item"),
    ],
)
def test_resource_for_path(path: str, name: str) -> None:
    found = resource_for_path(path)
    assert found is not None and found.name == name


def test_uncatalogued_paths_have_no_resource() -> None:
    assert resource_for_path("/settings/vocabulary") is None
    assert resource_for_path("/report/data/3") is None


# --- dates ---------------------------------------------------------------------------


def test_dates_in_both_wire_styles() -> None:
    assert parse_date("2025-01-31") == date(2025, 1, 31)
    assert parse_date("2025-01-31T00:00:00") == date(2025, 1, 31)
    assert parse_date(datetime(2025, 1, 31, 9)) == date(2025, 1, 31)
    assert parse_date(None) is None and parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("31/01/2025")
    with pytest.raises(ValueError):
        parse_date(20250131)


def test_datetimes() -> None:
    assert parse_datetime("2025-01-31T14:05:00") == datetime(2025, 1, 31, 14, 5)
    assert parse_datetime("2025-01-31T14:05:00.1234567") == datetime(2025, 1, 31, 14, 5, 0, 123456)
    assert parse_datetime(date(2025, 1, 31)) == datetime(2025, 1, 31)
    assert parse_datetime(None) is None
    with pytest.raises(ValueError):
        parse_datetime("yesterday")


# --- encoding ------------------------------------------------------------------------


def test_encode_writes_decimals_exactly_and_dates_as_iso() -> None:
    body = {
        "Dt": date(2025, 3, 4),
        "Hours_IN": Decimal("1.50"),
        "Big": Decimal("1E+3"),
        "ProjectSID": 12,
        "NoCharge": False,
        "Notes": 'Design "review" – café',
        "TaskSID": None,
        "UdfList": [{"Name": "PO Amount", "Value": Decimal("2500.00")}],
    }
    text = encode_json(body).decode()
    assert text == (
        '{"Dt":"2025-03-04","Hours_IN":1.50,"Big":1000,"ProjectSID":12,"NoCharge":false,'
        '"Notes":"Design \\"review\\" – café","TaskSID":null,'
        '"UdfList":[{"Name":"PO Amount","Value":2500.00}]}'
    )
    assert decode_json(text.encode(), doing="x")["Hours_IN"] == Decimal("1.50")


def test_encode_refuses_floats_and_non_finite_decimals() -> None:
    with pytest.raises(ConfigError, match="not float"):
        encode_json({"Hours_IN": 1.5})
    with pytest.raises(ConfigError, match="finite"):
        encode_json([Decimal("NaN")])
    with pytest.raises(ConfigError, match="set"):
        encode_json({"x": {1, 2}})


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4))
def test_decimal_round_trip_through_the_wire_is_exact(value: Decimal) -> None:
    back = decode_json(encode_json({"v": value}), doing="x")["v"]
    assert back == value and not isinstance(back, float)
