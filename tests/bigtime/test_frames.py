"""BigTime JSON -> typed DataFrames (recon.bigtime.frames)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recon.bigtime import resources
from recon.bigtime.frames import (
    STR_DTYPE,
    decode_records,
    flatten_udfs,
    id_array,
    json_to_frame,
    records_to_frame,
    typed_columns,
)
from recon.bigtime.jsonbody import exact_decimal
from recon.errors import ConfigError, MalformedResponseError

# What each kind must become (module docstring of recon.bigtime.frames).
KIND_DTYPES = {
    "sid": STR_DTYPE,
    "ref": STR_DTYPE,
    "text": STR_DTYPE,
    "int": pd.Int64Dtype(),
    "money": np.dtype(object),
    "hours": np.dtype(object),
    "date": np.dtype("datetime64[s]"),
    "datetime": np.dtype("datetime64[s]"),
    "bool": pd.BooleanDtype(),
    "list": np.dtype(object),
}

# A time sheet as the sandbox sends it: dates in the ASP.NET form, numbers as JSON numbers.
TIME_BODY = b"""[
 {"SID": 501, "Dt": "2025-01-31T00:00:00", "ProjectSID": 7, "ProjectNm": "Audit 2025",
  "ClientID": 3, "ClientNm": "Northwind", "StaffSID": 12, "SourceNm": "Ana Okafor",
  "FName": "Ana", "SName": "Okafor", "BudgCatID": 4, "BudgCatNm": "Fieldwork",
  "TaskSID": null, "TaskNm": null, "QBClass": 2, "QBClassNm": "Advisory",
  "Hours_IN": 0.1, "Notes": "", "NoCharge": false, "IsApproved": true, "InvoiceSID": null,
  "IsInvoiced": false, "HoursBillable": 0.2, "BillRate": 175.00, "ChargeBillable": 52.50,
  "CostRate": 80, "IsSubmitted": true},
 {"SID": -3, "Dt": "2025-02-01", "ProjectSID": 7, "StaffSID": 12, "Hours_IN": 7,
  "HoursBillable": 7.25, "BillRate": 12345678901234567.89, "ChargeBillable": 0.30,
  "NoCharge": true, "IsSubmitted": false, "RevisionNotes": "late entry"}
]"""


def frame_of(body: bytes, resource: str = "time") -> pd.DataFrame:
    return json_to_frame(resource, body, operation="GET /time/Sheet/12")


# --------------------------------------------------------------------------- kinds


@pytest.mark.parametrize("name", sorted(resources.RESOURCES))
def test_every_field_has_its_kinds_dtype_even_without_rows(name: str) -> None:
    res = resources.resource(name)
    frame = records_to_frame(name, [])
    assert list(frame.columns) == [f.name for f in res.fields]
    assert len(frame) == 0
    for f in res.fields:
        assert frame[f.name].dtype == KIND_DTYPES[f.kind], f.name


def test_time_sheet_values_are_typed() -> None:
    frame = frame_of(TIME_BODY)
    assert list(frame.columns) == [*resources.TIME.names(), "RevisionNotes"]
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["SID"] == "501" and second["SID"] == "-3"  # ids as text, sign kept
    assert first["ProjectSID"] == "7" and frame["ProjectSID"].dtype == STR_DTYPE
    assert first["Dt"] == pd.Timestamp("2025-01-31")
    assert second["Dt"] == pd.Timestamp("2025-02-01")
    assert frame["NoCharge"].tolist() == [False, True]
    assert frame["TaskSID"].isna().all() and frame["InvoiceSID"].isna().all()
    assert first["Hours_IN"] == Decimal("0.1") and type(first["Hours_IN"]) is Decimal
    assert second["Hours_IN"] == Decimal("7") and type(second["Hours_IN"]) is Decimal
    assert type(first["CostRate"]) is Decimal  # the JSON integer 80 too
    assert first["Notes"] == ""  # an empty string is text, not missing
    assert frame["RevisionNotes"].dtype == STR_DTYPE
    assert pd.isna(first["RevisionNotes"]) and second["RevisionNotes"] == "late entry"


def test_int_datetime_and_list_kinds() -> None:
    task = json_to_frame("task", b'[{"TaskSid": 9, "CurrentStatus": 2, "BudgetFees": 1500}]')
    assert task["CurrentStatus"].tolist() == [2] and task["CurrentStatus"].dtype == "Int64"
    client = json_to_frame(
        "client", b'[{"SystemId": 1, "DtCreated": "2025-01-31T14:05:07.1234567"}]'
    )
    assert client.loc[0, "DtCreated"] == pd.Timestamp("2025-01-31 14:05:07")  # truncated
    udfs = [{"Sid": 1, "Name": "PO Number", "Value": "PO-1"}]
    project = records_to_frame("project", [{"SystemId": 4, "UdfList": udfs}])
    assert project.loc[0, "UdfList"] == udfs and project["UdfList"].dtype == object


def test_both_date_forms_and_datetime_forms() -> None:
    rows = [
        {"SystemId": 1, "StartDt": "2025-01-31", "DtCreated": "2025-01-31"},
        {"SystemId": 2, "StartDt": "2025-01-31T00:00:00", "DtCreated": "2025-01-31T14:05:00"},
        {"SystemId": 3, "StartDt": "2025-01-31T13:45:00", "DtCreated": None},
    ]
    frame = records_to_frame("project", rows)
    assert frame["StartDt"].tolist() == [pd.Timestamp("2025-01-31")] * 3  # a date is a day
    assert frame["DtCreated"].tolist()[:2] == [
        pd.Timestamp("2025-01-31 00:00:00"),
        pd.Timestamp("2025-01-31 14:05:00"),
    ]
    assert pd.isna(frame.loc[2, "DtCreated"])


# --------------------------------------------------------------------------- keys


def test_keys_match_case_insensitively_and_unknown_keys_follow_in_order() -> None:
    rows = [
        {"systemid": 5, "NM": "Acme", "isinactive": False, "Zeta": "z", "alpha": 1},
        {"SYSTEMID": 6, "nm": "Beta", "ISINACTIVE": True, "ZETA": None, "Alpha": "two"},
    ]
    frame = records_to_frame("client", rows)
    fields = list(resources.CLIENT.names())
    assert list(frame.columns) == [*fields, "Zeta", "alpha"]  # first spelling names it
    assert frame["SystemId"].tolist() == ["5", "6"]
    assert frame["Nm"].tolist() == ["Acme", "Beta"]
    assert frame["IsInactive"].tolist() == [False, True]
    assert frame["Zeta"].dtype == STR_DTYPE and pd.isna(frame.loc[1, "Zeta"])
    assert frame["alpha"].dtype == object and frame["alpha"].tolist() == [1, "two"]


def test_staff_list_and_detail_id_spellings_share_one_column() -> None:
    frame = records_to_frame("staff", [{"StaffSID": 1}, {"StaffSid": 2}, {"staffsid": 3}])
    assert frame["StaffSID"].tolist() == ["1", "2", "3"]
    assert "StaffSid" not in frame.columns


def test_two_spellings_in_one_record_must_agree() -> None:
    same = records_to_frame("staff", [{"StaffSID": 1, "StaffSid": 1}])
    assert same["StaffSID"].tolist() == ["1"]
    with pytest.raises(MalformedResponseError, match="StaffSID twice"):
        records_to_frame("staff", [{"StaffSID": 1, "StaffSid": 2}])


def test_irregular_records_give_the_same_frame_as_regular_ones() -> None:
    regular = [{"SID": i, "Notes": f"n{i}", "Hours_IN": Decimal(i)} for i in range(4)]
    irregular = [dict(r) for r in regular]
    irregular[2] = {"Hours_IN": Decimal(2), "SID": 2, "Notes": "n2"}  # other key order
    irregular.append({"SID": 9})
    expected = records_to_frame("time", regular)
    got = records_to_frame("time", irregular)
    pd.testing.assert_frame_equal(got.iloc[:4], expected)
    assert pd.isna(got.loc[4, "Notes"]) and got.loc[4, "Hours_IN"] is None


# --------------------------------------------------------------------------- numbers


def test_decimals_are_exact_and_keep_their_scale() -> None:
    frame = frame_of(TIME_BODY)
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["Hours_IN"] + first["HoursBillable"] == Decimal("0.3")  # not 0.30000000000000004
    assert str(first["BillRate"]) == "175.00"
    assert str(second["ChargeBillable"]) == "0.30"
    assert second["BillRate"] == Decimal("12345678901234567.89")  # beyond float precision
    assert str(second["HoursBillable"]) == "7.25"


def test_money_given_as_plain_decimal_text_is_accepted() -> None:
    frame = records_to_frame("task", [{"BudgetFees": "1250.50"}, {"BudgetFees": "-3"}])
    assert frame["BudgetFees"].tolist() == [Decimal("1250.50"), Decimal("-3")]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("BudgetFees", 0.1),  # a float: decoded without parse_float=Decimal
        ("BudgetFees", True),
        ("BudgetFees", "1e3"),
        ("BudgetFees", "12,50"),
        ("BudgetFees", Decimal("NaN")),
        ("BudgetFees", Decimal("-Infinity")),
        ("BudgetHours", [1]),
        ("CurrentStatus", True),
        ("CurrentStatus", Decimal("2.5")),
        ("CurrentStatus", "two"),
        ("CurrentStatus", 2**64),
        ("TaskNm", ["a"]),
        ("TaskNm", True),
        ("TaskSid", 1.0),
        ("TaskSid", False),
        ("NoCharge", "yes"),
        ("NoCharge", 1),
    ],
)
def test_a_value_unfit_for_its_kind_is_malformed(field: str, value: Any) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        records_to_frame("task", [{"TaskSid": 1}, {field: value}], operation="GET /task/x")
    err = caught.value
    assert err.system == "bigtime" and err.operation == "GET /task/x"
    assert f"task.{field}" in str(err)


@pytest.mark.parametrize("value", ["2025-02-30", "31/01/2025", "2025-01-31Z", "2025-01", ""])
def test_a_bad_date_is_malformed(value: str) -> None:
    with pytest.raises(MalformedResponseError, match=r"project\.StartDt"):
        records_to_frame("project", [{"StartDt": value}])


def test_lenient_spellings_that_are_not_ambiguous() -> None:
    frame = records_to_frame(
        "task",
        [
            {"TaskSid": "T-9", "CurrentStatus": "3", "TaskId": 42, "NoCharge": "True"},
            {"TaskSid": "", "CurrentStatus": None, "TaskId": Decimal("4.50"), "NoCharge": None},
        ],
    )
    assert frame["TaskSid"].tolist()[0] == "T-9" and pd.isna(frame.loc[1, "TaskSid"])
    assert frame["CurrentStatus"].tolist()[0] == 3 and pd.isna(frame.loc[1, "CurrentStatus"])
    assert frame["TaskId"].tolist() == ["42", "4.50"]  # numbers in text keep their text
    assert frame.loc[0, "NoCharge"] == True  # noqa: E712
    assert pd.isna(frame.loc[1, "NoCharge"])


# --------------------------------------------------------------------------- missing values


def test_null_and_absent_are_missing_in_every_kind() -> None:
    null = {name: None for name in resources.PROJECT.names()}
    frame = records_to_frame("project", [null, {}])
    for f in resources.PROJECT.fields:
        values = frame[f.name]
        assert values.isna().all(), f.name
        assert values.dtype == KIND_DTYPES[f.kind], f.name
    assert frame.loc[0, "StartDt"] is pd.NaT
    assert frame.loc[0, "UdfList"] is None


# --------------------------------------------------------------------------- malformed bodies


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<!DOCTYPE html><html>oops</html>", "not JSON"),
        (b'[{"SID": 1}', "not JSON"),
        (b"", "not JSON"),
        (b"\xff\xfe[]", "not UTF-8"),
        (b'{"SID": 1}', "object, not an array"),
        (b'"text"', "string, not an array"),
        (b'[{"SID": 1}, 5]', "record 1 of BigTime's time response is a JSON number"),
        (b'[{"SID": 1}, null]', "record 1 of BigTime's time response is a JSON null"),
        (b'[{"SID": 1, "Hours_IN": NaN}]', "not usable JSON"),
        (b'[{"SID": 1, "Hours_IN": Infinity}]', "not usable JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON"),
    ],
)
def test_malformed_bodies_say_which_resource_and_what(body: bytes, says: str) -> None:
    with pytest.raises(MalformedResponseError, match=says) as caught:
        json_to_frame("time", body, operation="GET /time/Sheet/12")
    assert caught.value.system == "bigtime"
    assert caught.value.operation == "GET /time/Sheet/12"
    assert "time" in str(caught.value)


def test_a_byte_order_mark_and_str_bodies_are_accepted() -> None:
    assert decode_records("time", b'\xef\xbb\xbf[{"SID": 1}]') == [{"SID": 1}]
    assert json_to_frame("time", '[{"SID": 2}]')["SID"].tolist() == ["2"]


def test_an_unknown_resource_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no BigTime resource 'expense_report'"):
        records_to_frame("expense_report", [])
    with pytest.raises(ConfigError):
        json_to_frame("expense_report", b"[]")


def test_typed_columns_types_columns_as_records_to_frame_types_records() -> None:
    records = decode_records("time", TIME_BODY)
    names = [*resources.TIME.names(), "RevisionNotes"]
    columns = {name: [r.get(name) for r in records] for name in reversed(names)}
    del columns["Notes"]  # a catalogue field left out is missing everywhere
    typed = typed_columns("time", columns, operation="GET /time/Sheet/12")
    assert list(typed) == names  # catalogue order, then the unknown column
    expected = records_to_frame(
        "time", [{k: v for k, v in r.items() if k != "Notes"} for r in records]
    )
    pd.testing.assert_frame_equal(pd.DataFrame(typed), expected)


def test_typed_columns_refuses_ragged_columns_and_words_bad_values() -> None:
    with pytest.raises(ConfigError, match="lengths"):
        typed_columns("time", {"SID": [1, 2], "Dt": [None]})
    with pytest.raises(MalformedResponseError, match=r"time\.Dt") as caught:
        typed_columns("time", {"Dt": ["2025-13-01"]}, operation="GET /time/Sheet/9")
    assert caught.value.operation == "GET /time/Sheet/9"
    assert list(typed_columns("time", {})) == list(resources.TIME.names())


def test_equal_amounts_keep_each_their_own_text() -> None:
    frame = frame_of(b'[{"BillRate": 1.50}, {"BillRate": 1.5}, {"BillRate": 1.50}]')
    assert [str(v) for v in frame["BillRate"]] == ["1.50", "1.5", "1.50"]
    assert exact_decimal("2.50") is exact_decimal("2.50")  # made once, shared (immutable)


def test_id_array_matches_an_id_column() -> None:
    ids = id_array([3, None, "x"])
    assert ids.dtype == STR_DTYPE and list(ids[[0, 2]]) == ["3", "x"] and pd.isna(ids[1])


# --------------------------------------------------------------------------- custom fields


def test_flatten_udfs_makes_one_text_column_per_custom_field() -> None:
    rows = [
        {
            "SystemId": 1,
            "UdfList": [
                {"Sid": 1, "Name": "PO Number", "Value": "PO-77"},
                {"sid": 2, "name": "PO Amount", "value": Decimal("1250.50")},
            ],
        },
        {"SystemId": 2, "UdfList": None},
        {"SystemId": 3, "UdfList": [{"Sid": 4, "Name": "Rush", "Value": True}]},
        {"SystemId": 4, "UdfList": []},
    ]
    frame = flatten_udfs(records_to_frame("project", rows), names=["SO Number", "PO Number"])
    assert "UdfList" not in frame.columns
    udf_columns = [c for c in frame.columns if c.startswith("Udf.")]
    assert udf_columns == ["Udf.SO Number", "Udf.PO Number", "Udf.PO Amount", "Udf.Rush"]
    assert all(frame[c].dtype == STR_DTYPE for c in udf_columns)
    assert frame["Udf.PO Number"].tolist()[0] == "PO-77"
    assert frame["Udf.PO Amount"].tolist()[0] == "1250.50"  # the number's own text
    assert frame["Udf.Rush"].tolist()[2] == "true"
    assert frame["Udf.SO Number"].isna().all()
    assert frame["Udf.PO Number"].isna().tolist() == [False, True, True, True]
    assert list(frame.columns[: len(resources.PROJECT.fields) - 1]) == [
        n for n in resources.PROJECT.names() if n != "UdfList"
    ]


def test_flatten_udfs_options_and_errors() -> None:
    frame = records_to_frame("staff", [{"StaffSID": 1, "UdfList": [{"Name": "Employee ID"}]}])
    kept = flatten_udfs(frame, prefix="u_", keep=True)
    assert "UdfList" in kept.columns and pd.isna(kept.loc[0, "u_Employee ID"])
    no_list = flatten_udfs(frame.drop(columns=["UdfList"]), names=["Employee ID"])
    assert no_list["Udf.Employee ID"].isna().all()
    with pytest.raises(ConfigError, match="overwrite"):
        flatten_udfs(frame.assign(**{"Udf.Employee ID": "x"}))
    bad = records_to_frame("staff", [{"StaffSID": 1, "UdfList": [{"Value": "no name"}]}])
    with pytest.raises(MalformedResponseError, match="no Name"):
        flatten_udfs(bad)
    bad = records_to_frame("staff", [{"StaffSID": 1, "UdfList": ["PO"]}])
    with pytest.raises(MalformedResponseError, match="not an object"):
        flatten_udfs(bad)


# --------------------------------------------------------------------------- property


def _json_text(value: Any) -> str:
    """JSON with Decimals written as numbers (their own text), as BigTime sends amounts."""
    if isinstance(value, dict):
        items = (f"{json.dumps(k)}: {_json_text(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(_json_text, value)) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value)


_DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
_UDF = st.fixed_dictionaries(
    {"Sid": st.integers(1, 50), "Name": st.text(max_size=8), "Value": st.none() | st.text()}
)
_VALUES = {
    "sid": st.integers(-(2**53), 2**53),
    "ref": st.integers(0, 2**40) | st.text(max_size=6),
    "text": st.text(max_size=12),
    "int": st.integers(-(2**31), 2**31),
    "money": st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**12)
    | st.integers(-(10**6), 10**6),
    "hours": st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**3),
    "date": st.builds(lambda d, t: d.isoformat() + t, _DAYS, st.sampled_from(["", "T00:00:00"])),
    "datetime": st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)).map(
        lambda d: d.isoformat(timespec="seconds")
    ),
    "bool": st.booleans(),
    "list": st.lists(_UDF, max_size=2),
}


@st.composite
def _records(draw: st.DrawFn, res: resources.Resource) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 5))):
        record: dict[str, Any] = {}
        for f in res.fields:
            how = draw(st.sampled_from(["value", "value", "null", "absent"]))
            if how == "absent":
                continue
            key = draw(st.sampled_from([f.name, f.name.lower(), f.name.upper()]))
            record[key] = None if how == "null" else draw(_VALUES[f.kind])
        extra = draw(st.dictionaries(st.sampled_from(["x_a", "x_b"]), st.text() | st.integers()))
        record.update(extra)
        out.append(record)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["time", "project", "task", "invoice", "picklist_item"]), st.data())
def test_records_and_json_body_give_the_same_frame(name: str, data: st.DataObject) -> None:
    records = data.draw(_records(resources.resource(name)))
    body = ("[" + ", ".join(map(_json_text, records)) + "]").encode()
    from_body = json_to_frame(name, body)
    from_records = records_to_frame(name, records)
    pd.testing.assert_frame_equal(from_body, from_records)
    for f in resources.resource(name).fields:  # and every column typed by its kind
        assert from_body[f.name].dtype == KIND_DTYPES[f.kind]
