"""Pulls of the demo firm from the BigTime sandbox over HTTP: complete, windowed, typed.

Every expectation is computed from ``firm.bigtime_seed()``. The full pull runs once per
module (about 2 s: ~1,700 requests); the windowed pulls are cheap and run per test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from recon.bigtime import pull, uncertain
from recon.bigtime.client import BigTimeClient
from recon.bigtime.frames import STR_DTYPE
from recon.sandbox.bigtime.server import BigtimeSandbox
from tests.bigtime.conftest import (
    SESSION_ENDPOINT,
    YEAR_END,
    YEAR_START,
    DemoSeed,
    counted,
    make_client,
)

#: A window for the re-pulls: one month, both ends inclusive.
MARCH = (date(2025, 3, 1), date(2025, 3, 31))


@pytest.fixture(scope="module")
def frames(bt_sandbox: BigtimeSandbox) -> Iterator[dict[str, pd.DataFrame]]:
    bt_sandbox.faults.clear()
    with make_client(bt_sandbox, "apikey") as bt:
        yield pull.pull_all(bt, YEAR_START, YEAR_END)


def _invoices(seed: DemoSeed, start: date, end: date) -> list[dict[str, Any]]:
    first, last = start.isoformat(), end.isoformat()
    return [i for i in seed.raw["invoice"] if first <= i["InvoiceDt"] <= last]


def _expected_rows(seed: DemoSeed, entity: str) -> int:
    lists = seed.raw["lists"]
    counts: dict[str, Callable[[], int]] = {
        "client": lambda: len(seed.raw["client"]),
        "project": lambda: len(seed.raw["project"]),
        "project_team": lambda: len(seed.raw["project_team"]),
        "staff": lambda: len(seed.raw["staff"]),
        "time": lambda: len(seed.time_where(YEAR_START, YEAR_END)),
        "invoice": lambda: len(_invoices(seed, YEAR_START, YEAR_END)),
        "invoice_line": lambda: sum(len(i["Lines"]) for i in _invoices(seed, YEAR_START, YEAR_END)),
        "task": lambda: len(seed.raw["task"]),
        "expense": lambda: len(seed.raw["expense"]),  # all of 2025 (issue 16)
    }
    if entity.startswith(pull.LIST_PREFIX):
        return len(lists[entity.removeprefix(pull.LIST_PREFIX)])
    return counts[entity]()


def test_pull_all_returns_every_entity(frames: dict[str, pd.DataFrame]) -> None:
    assert list(frames) == list(pull.ENTITIES)


@pytest.mark.parametrize("entity", pull.ENTITIES)
def test_row_count_equals_the_seed(
    frames: dict[str, pd.DataFrame], demo_seed: DemoSeed, entity: str
) -> None:
    expected = _expected_rows(demo_seed, entity)
    assert expected > 0
    assert len(frames[entity]) == expected


def _sids(values: list[int]) -> list[str]:
    return [str(v) for v in values]


def test_time_frame_is_typed_and_exact(
    frames: dict[str, pd.DataFrame], demo_seed: DemoSeed
) -> None:
    time = frames["time"]
    for column in ("SID", "StaffSID", "ProjectSID", "ClientID", "Notes"):
        assert time[column].dtype == STR_DTYPE, column
    assert time["Dt"].dtype == np.dtype("datetime64[s]")
    assert time["NoCharge"].dtype == pd.BooleanDtype()
    for column in ("Hours_IN", "HoursBillable", "BillRate", "ChargeBillable", "CostRate"):
        assert time[column].dtype == object
        assert all(type(v) is Decimal for v in time[column].dropna()), column

    assert sorted(time["SID"]) == sorted(_sids([t["SID"] for t in demo_seed.time]))
    for column in ("Hours_IN", "ChargeBillable"):  # exact to the cent over 25,000 rows
        assert sum(time[column]) == sum(t[column] for t in demo_seed.time)
    want = demo_seed.time[len(demo_seed.time) // 3]
    row = time.loc[time["SID"] == str(want["SID"])].iloc[0]
    assert row["Dt"] == pd.Timestamp(want["Dt"])
    assert (row["Hours_IN"], row["BillRate"]) == (want["Hours_IN"], want["BillRate"])
    assert row["StaffSID"] == str(want["StaffSID"]) and row["NoCharge"] == want["NoCharge"]


def test_project_frame_has_team_lead_and_udfs(
    frames: dict[str, pd.DataFrame], demo_seed: DemoSeed
) -> None:
    projects = frames["project"].set_index("SystemId")
    assert projects.index.dtype == STR_DTYPE
    assert projects["StartDt"].dtype == np.dtype("datetime64[s]")
    assert projects["IsInactive"].dtype == pd.BooleanDtype()
    assert int(projects["IsInactive"].sum()) == sum(
        p["IsInactive"] for p in demo_seed.raw["project"]
    )
    team = demo_seed.raw["project_team"]  # member ids spelt staffsid, as BigTime sends them
    leads = {m["ProjectSid"]: m["staffsid"] for m in team if m["TeamLead"]}
    for project in demo_seed.raw["project"]:
        got = projects.loc[str(project["SystemId"])]
        assert got[pull.TEAM_LEAD_COLUMN] == str(leads[project["SystemId"]])
        for udf in project["UdfList"]:
            value = got[f"Udf.{udf['Name']}"]
            assert pd.isna(value) if udf["Value"] is None else value == udf["Value"], udf
    assert {f"Udf.{name}" for name in pull.PROJECT_UDFS} <= set(projects.columns)
    team = frames["project_team"]
    assert team[pull.TEAM_PROJECT_COLUMN].dtype == STR_DTYPE
    assert team[uncertain.TEAM_LEAD_FIELD].dtype == pd.BooleanDtype()
    assert int(team[uncertain.TEAM_LEAD_FIELD].sum()) == len(leads)


def test_staff_frame_has_employee_id(frames: dict[str, pd.DataFrame], demo_seed: DemoSeed) -> None:
    staff = frames["staff"].set_index("StaffSID")
    column = f"Udf.{uncertain.UDF_EMPLOYEE_ID}"
    for want in demo_seed.raw["staff"]:
        got = staff.loc[str(want["StaffSID"])]
        udf = next(u["Value"] for u in want["UdfList"] if u["Name"] == uncertain.UDF_EMPLOYEE_ID)
        assert got[column] == udf
        # The Intacct link is empty for the staffer hired in BigTime only.
        linked = want["IAEmployeeId"]
        assert pd.isna(got["IAEmployeeId"]) if linked is None else got["IAEmployeeId"] == linked
        assert got["Start_dt"] == pd.Timestamp(want["Start_dt"])
        assert (
            pd.isna(got["Term_dt"])
            if want["Term_dt"] is None
            else (got["Term_dt"] == pd.Timestamp(want["Term_dt"]))
        )


def test_invoice_frames_are_exact(frames: dict[str, pd.DataFrame], demo_seed: DemoSeed) -> None:
    invoices = frames["invoice"]
    lines = frames["invoice_line"]
    assert "Lines" not in invoices.columns
    assert invoices["InvoiceDt"].dtype == np.dtype("datetime64[s]")
    assert invoices["Status"].dtype == pd.Int64Dtype()
    seeded = demo_seed.raw["invoice"]
    assert sum(invoices["TotalAmt"]) == sum(i["TotalAmt"] for i in seeded)
    assert sum(lines["Amt"]) == sum(line["Amt"] for i in seeded for line in i["Lines"])
    assert lines["InvoiceSid"].dtype == STR_DTYPE
    per_invoice = lines.groupby("InvoiceSid").size()
    assert {sid: int(n) for sid, n in per_invoice.items()} == {
        str(i["Sid"]): len(i["Lines"]) for i in seeded if i["Lines"]
    }


@pytest.mark.parametrize("name", sorted(uncertain.LISTS))
def test_list_frames_match_the_seed(
    frames: dict[str, pd.DataFrame], demo_seed: DemoSeed, name: str
) -> None:
    frame = frames[pull.LIST_PREFIX + name]
    seeded = demo_seed.raw["lists"][name]
    assert list(frame["Id"]) == _sids([i["Id"] for i in seeded])
    assert frame["IsInactive"].dtype == pd.BooleanDtype()
    assert list(frame["IsInactive"]) == [i["IsInactive"] for i in seeded]
    key = uncertain.LISTS[name].key_field
    assert [None if pd.isna(v) else v for v in frame[key]] == [i[key] for i in seeded]


@pytest.mark.parametrize("concurrency", [1, 4])
def test_pull_time_window_only(
    api_reader: BigTimeClient, bt_sandbox: BigtimeSandbox, demo_seed: DemoSeed, concurrency: int
) -> None:
    sheets = counted(bt_sandbox, "GET /time/Sheet")
    time = pull.pull_time(api_reader, *MARCH, concurrency=concurrency)
    want = demo_seed.time_where(*MARCH)
    assert sorted(time["SID"]) == sorted(_sids([t["SID"] for t in want]))
    assert time["Dt"].min() >= pd.Timestamp(MARCH[0]) and time["Dt"].max() <= pd.Timestamp(MARCH[1])
    assert sum(time["Hours_IN"]) == sum(t["Hours_IN"] for t in want)
    assert counted(bt_sandbox, "GET /time/Sheet") - sheets == len(demo_seed.raw["staff"])
    # Rows staffer by staffer in the staff list's order, each sheet by date then SID.
    order = {sid: i for i, sid in enumerate(s["StaffSID"] for s in api_reader.staff())}
    keys = [
        (order[int(s)], d, int(i))
        for s, d, i in zip(time["StaffSID"], time["Dt"], time["SID"], strict=True)
    ]
    assert keys == sorted(keys)


def test_repull_of_a_window(api_reader: BigTimeClient, demo_seed: DemoSeed) -> None:
    got = pull.pull_all(
        api_reader, *MARCH, entities=("time", "invoice", "invoice_line"), concurrency=2
    )
    assert list(got) == ["time", "invoice", "invoice_line"]
    invoices = _invoices(demo_seed, *MARCH)
    assert sorted(got["invoice"]["Sid"]) == sorted(_sids([i["Sid"] for i in invoices]))
    assert len(got["invoice_line"]) == sum(len(i["Lines"]) for i in invoices)
    assert len(got["time"]) == len(demo_seed.time_where(*MARCH))


def test_pull_recovers_from_faults(read_faults: BigtimeSandbox) -> None:
    # Ten faults may all hit one request (the staff list comes first): a budget to match.
    with make_client(read_faults, "apikey", max_retries=10) as bt:
        clean = pull.pull_time(bt, *MARCH, concurrency=4)
        _arm_faults(read_faults)
        faulty = pull.pull_time(bt, *MARCH, concurrency=4)
    assert read_faults.faults.rules() == []  # every fault was met
    pd.testing.assert_frame_equal(faulty, clean)


def _arm_faults(bt_sandbox: BigtimeSandbox) -> None:
    for kind, params in (
        ("rate_limit", {"retry_after": 1}),
        ("server_error", {}),
        ("drop", {"when": "after"}),
        ("truncate", {}),
        ("bad_gateway", {}),
    ):
        bt_sandbox.faults.add(kind, count=2, only="read", **params)


def test_concurrent_pull_relogs_once_after_expiry(
    user_reader: BigTimeClient, bt_sandbox: BigtimeSandbox, demo_seed: DemoSeed
) -> None:
    staff = [s["StaffSID"] for s in demo_seed.raw["staff"]]
    clean = pull.pull_time(user_reader, *MARCH, staff_sids=staff, concurrency=4)
    logins = counted(bt_sandbox, SESSION_ENDPOINT)
    bt_sandbox.faults.add("expire_session", count=1, only="read")
    again = pull.pull_time(user_reader, *MARCH, staff_sids=staff, concurrency=4)
    pd.testing.assert_frame_equal(again, clean)
    assert counted(bt_sandbox, SESSION_ENDPOINT) == logins + 1  # the threads share one login


def test_time_entries_by_id_any_date_unknown_ids_left_out(
    api_reader: BigTimeClient, demo_seed: DemoSeed
) -> None:
    # One entry from each end of the year, and an id BigTime never issued.
    first, last = demo_seed.time[0], demo_seed.time[-1]
    unknown = max(t["SID"] for t in demo_seed.time) + 1_000
    got = pull.pull_time_entries(api_reader, [first["SID"], last["SID"], unknown, first["SID"]])
    assert sorted(got["SID"]) == sorted(_sids([first["SID"], last["SID"]]))
    sheet = pull.pull_time(api_reader, *MARCH)
    assert got.dtypes.to_dict() == sheet.dtypes.to_dict()  # they concatenate as one frame
    row = got.loc[got["SID"] == str(last["SID"])].iloc[0]
    assert row["Dt"] == pd.Timestamp(last["Dt"]) and row["Hours_IN"] == last["Hours_IN"]
    assert pull.pull_time_entries(api_reader, [unknown]).empty


def test_invoices_by_number_within_a_window_with_their_lines(
    api_reader: BigTimeClient, demo_seed: DemoSeed
) -> None:
    march = _invoices(demo_seed, *MARCH)
    june = _invoices(demo_seed, date(2025, 6, 1), date(2025, 6, 30))
    wanted = [march[0]["InvoiceNbr"], june[0]["InvoiceNbr"], "INV-NOT-THERE"]
    headers, lines = pull.pull_invoices_numbered(api_reader, wanted, *MARCH)
    # Only the number dated inside the window is found: BigTime searches no further.
    assert list(headers["InvoiceNbr"]) == [march[0]["InvoiceNbr"]]
    assert len(lines) == len(march[0]["Lines"])
    assert set(lines["InvoiceSid"]) == {str(march[0]["Sid"])}
    full_headers, full_lines = pull.pull_invoices(api_reader, *MARCH, lines=True)
    assert headers.dtypes.to_dict() == full_headers.dtypes.to_dict()
    assert lines.dtypes.to_dict() == full_lines.dtypes.to_dict()
