"""recon.period against both sandboxes: a key one side's period holds alone is fetched from
the other, with what the period pull would have brought along with it.

The demo firm dates every record alike in both systems, so a wider pull on one side stands
in for records dated across the period's edge: each record it holds beyond October (and
the other system holds at all) must come back from the other system by key, exactly once.
Expectations are computed from pulls of the same sandboxes over the wider period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

import pandas as pd
import pytest

from recon.bigtime.client import BigTimeClient
from recon.bigtime.pull import pull_all as pull_bigtime
from recon.config import sandbox_profile
from recon.connect import bigtime_client, intacct_client
from recon.intacct.client import IntacctClient
from recon.intacct.pull import key_values
from recon.intacct.pull import pull_all as pull_intacct
from recon.period import fetch_counterparts, one_sided
from tests.demo_sandboxes import Served, served_copy

OCTOBER = (dt.date(2025, 10, 1), dt.date(2025, 10, 31))
#: October and a few days either side: month-end invoices of 30 September, and the time
#: entries of 29-30 September and 1-2 November.
AROUND = (dt.date(2025, 9, 29), dt.date(2025, 11, 2))
BIGTIME_DATED = ("staff", "time", "invoice", "invoice_line")
Frames = Mapping[str, pd.DataFrame]


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    dest = tmp_path_factory.mktemp("counterparts") / "demo"
    with pytest.MonkeyPatch.context() as mp, served_copy(tmp_path_factory, dest, mp) as s:
        yield s


@pytest.fixture(scope="module")
def clients(sandboxes: Served) -> Iterator[tuple[IntacctClient, BigTimeClient]]:
    profile = sandbox_profile(sandboxes.intacct_url, sandboxes.bigtime_url)
    with intacct_client(profile.intacct) as ia, bigtime_client(profile.require_bigtime()) as bt:
        yield ia, bt


@pytest.fixture(scope="module")
def intacct(clients: tuple[IntacctClient, BigTimeClient]) -> dict[str, Frames]:
    ia, _ = clients
    return {
        "october": pull_intacct(ia, start=OCTOBER[0], end=OCTOBER[1]),
        "around": pull_intacct(ia, start=AROUND[0], end=AROUND[1]),
    }


@pytest.fixture(scope="module")
def bigtime(clients: tuple[IntacctClient, BigTimeClient]) -> dict[str, Frames]:
    _, bt = clients
    return {
        "october": pull_bigtime(bt, *OCTOBER, entities=BIGTIME_DATED),
        "around": pull_bigtime(bt, *AROUND, entities=BIGTIME_DATED),
    }


def _keys(frame: pd.DataFrame, column: str) -> list[str]:
    return sorted(key_values(frame[column]))


def test_nothing_one_sided_nothing_asked(
    clients: tuple[IntacctClient, BigTimeClient], intacct: dict[str, Frames]
) -> None:
    ia, bt = clients
    october = intacct["october"]
    # BigTime's October as the keys Intacct's October holds: nothing is one-sided.
    mirror = {
        "time": pd.DataFrame({"SID": october["TIMESHEETENTRY"]["BIGTIME_ENTRYID"]}),
        "invoice": pd.DataFrame({"InvoiceNbr": october["ARINVOICE"]["RECORDID"]}),
    }
    assert one_sided(october, mirror) == {"time_entry": ([], []), "invoice": ([], [])}
    found = fetch_counterparts(october, mirror, ia, bt, *OCTOBER)
    assert found.sought == ()
    assert all(found.intacct[name] is frame for name, frame in october.items())


def test_intacct_gives_records_by_key_with_their_lines_and_payments(
    clients: tuple[IntacctClient, BigTimeClient],
    intacct: dict[str, Frames],
    bigtime: dict[str, Frames],
) -> None:
    ia, bt = clients
    pulled = {name: len(frame) for name, frame in intacct["october"].items()}
    found = fetch_counterparts(intacct["october"], bigtime["around"], ia, bt, *OCTOBER)

    around = intacct["around"]
    for obj in ("TIMESHEETENTRY", "ARINVOICE", "ARINVOICEITEM", "ARPYMTDETAIL", "ARPYMT"):
        got = found.intacct[obj]["RECORDNO"]
        assert not got.duplicated().any(), obj  # a shared payment header is not repeated
        assert sorted(got) == sorted(around[obj]["RECORDNO"]), obj
    sought = {s.entity: s for s in found.sought if s.system == "intacct"}
    outside = set(_keys(around["ARINVOICE"], "RECORDID")) - set(
        _keys(intacct["october"]["ARINVOICE"], "RECORDID")
    )
    assert outside and set(sought["invoice"].found) == outside
    # New frames came back; the pulled ones are left as they were.
    assert {name: len(frame) for name, frame in intacct["october"].items()} == pulled


@pytest.mark.parametrize("max_time_lookups", [0, 10_000], ids=["by-sheets", "by-id"])
def test_bigtime_gives_entries_by_id_or_sheets_and_invoices_by_number(
    clients: tuple[IntacctClient, BigTimeClient],
    intacct: dict[str, Frames],
    bigtime: dict[str, Frames],
    max_time_lookups: int,
) -> None:
    ia, bt = clients
    found = fetch_counterparts(
        intacct["around"], bigtime["october"], ia, bt, *OCTOBER, max_time_lookups=max_time_lookups
    )

    october, around, ia_around = bigtime["october"], bigtime["around"], intacct["around"]
    # BigTime's records around October that Intacct's wider pull names, plus its October.
    links = set(_keys(ia_around["TIMESHEETENTRY"], "BIGTIME_ENTRYID"))
    want_time = set(_keys(october["time"], "SID")) | (set(_keys(around["time"], "SID")) & links)
    got_time = found.bigtime["time"]["SID"]
    assert not got_time.duplicated().any()
    assert set(got_time) == want_time and len(want_time) > len(october["time"])

    numbers = set(_keys(ia_around["ARINVOICE"], "RECORDID"))
    invoices = around["invoice"]
    wanted = invoices[
        invoices["InvoiceNbr"].isin(numbers | set(_keys(october["invoice"], "InvoiceNbr")))
    ]
    assert sorted(found.bigtime["invoice"]["Sid"]) == sorted(wanted["Sid"])
    lines = around["invoice_line"]
    want_lines = lines[lines["InvoiceSid"].isin(set(wanted["Sid"])).to_numpy()]
    assert len(found.bigtime["invoice_line"]) == len(want_lines)
    assert found.bigtime["time"].dtypes.to_dict() == october["time"].dtypes.to_dict()
