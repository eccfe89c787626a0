"""The store: persistence across restarts, seeding (checked, batched, streamed), value kinds.

Citations: "ev §N" is docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from recon.errors import ConfigError
from recon.sandbox.bigtime import catalogue as rs
from recon.sandbox.bigtime import guesses, render
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.bigtime.store import BigtimeStore
from recon.sandbox.bigtime.values import ValueProblem, to_date, to_decimal, to_ref
from tests.clock import FakeClock
from tests.sandbox.bigtime_helpers import Api, demo_seed, session_api

pytest_plugins = ["tests.sandbox.bigtime_fixtures"]


def test_writes_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "bt"
    with BigtimeSandbox(data, clock=FakeClock()) as first:
        first.store.seed(demo_seed())
        api = Api(first)
        api.ok("POST", "/client/detail", {"Nm": "Kept Inc", "ClientId": "K1"})
        draft = api.ok(
            "POST", "/time", {"Dt": "2024-06-03", "ProjectSID": 2, "StaffSID": 2, "Hours_IN": 1}
        )
        api.ok("POST", f"/time/{draft['SID']}", {}, MarkSubmitted="true")
        api.ok("POST", "/project/team/2", [{"StaffSid": 2, "TeamLead": True}])
        api.ok("POST", "/project/CustomFieldsByName/2", [{"Name": "PO Number", "Value": "PO-2"}])
        api.ok("DELETE", "/time/202")
        user = session_api(first)
        before = {
            path: api.get(path).content
            for path in ("/client", "/project/team/2", "/project/CustomFields/2", "/time/203")
        }
    with BigtimeSandbox(data, clock=FakeClock()) as second:
        assert not second.store.is_empty()
        api = Api(second)
        for path, content in before.items():
            assert api.get(path).content == content, path
        assert api.get(f"/time/{draft['SID']}").status_code == 404
        assert api.get("/time/202").status_code == 404
        assert api.ok("POST", "/time", {**draft, "SID": None, "Hours_IN": 2})["SID"] == -2
        assert api.ok("POST", "/client/detail", {"Nm": "Next"})["SystemId"] == 5
        # Sessions live in memory (a restart logs everyone out); the API key is permanent.
        assert Api(second, dict(user.http.headers)).get("/client").status_code == 401


def test_a_stopped_sandbox_does_not_restart(tmp_path: Path) -> None:
    sandbox = BigtimeSandbox(tmp_path).start()
    assert sandbox.url.endswith("/BigtimeData/api/v2") and sandbox.url.startswith(
        "http://127.0.0.1:"
    )
    sandbox.stop()
    with pytest.raises(RuntimeError):
        sandbox.start()
    with pytest.raises(RuntimeError):
        _ = sandbox.base_url


def test_is_empty_and_counts(tmp_path: Path) -> None:
    store = BigtimeStore(tmp_path)
    try:
        assert store.is_empty()
        added = store.seed(demo_seed())
        assert added["time"] == 7 and added["client"] == 3 and added["project_team"] == 2
        assert not store.is_empty()
        assert (tmp_path / "bigtime.sqlite3").exists()
    finally:
        store.close()


def _bad_seed(tmp_path: Path, change: Any, *words: str) -> None:
    seed = demo_seed()
    change(seed)
    store = BigtimeStore(tmp_path / "bad")
    try:
        with pytest.raises(ConfigError) as err:
            store.seed(seed)
        for word in words:
            assert word in str(err.value), (word, str(err.value))
        assert store.is_empty()  # one transaction: nothing half-loaded
    finally:
        store.close()


def test_seed_errors_name_the_problem(tmp_path: Path) -> None:
    _bad_seed(tmp_path, lambda s: s.update(expense_report=[]), "expense_report")
    _bad_seed(tmp_path, lambda s: s["client"][0].update(Colour="red"), "Colour")
    _bad_seed(tmp_path, lambda s: s["client"][0].pop("SystemId"), "SystemId")
    _bad_seed(tmp_path, lambda s: s["client"].append(dict(s["client"][0])), "client")
    _bad_seed(tmp_path, lambda s: s["project"][0].update(ClientId=42), "ClientId", "42")
    _bad_seed(tmp_path, lambda s: s["staff"][2].update(ManagerID=42), "ManagerID")
    _bad_seed(tmp_path, lambda s: s["project"][0].update(StartDt="31/01/2024"), "StartDt")
    _bad_seed(tmp_path, lambda s: s["invoice"][0].update(TotalAmt=1500.0), "TotalAmt")
    _bad_seed(tmp_path, lambda s: s["time"][0].update(StaffSID=99), "StaffSID", "99")
    _bad_seed(tmp_path, lambda s: s["time"][0].update(BudgCatID=99), "BudgCatID")
    _bad_seed(tmp_path, lambda s: s["time"].append(dict(s["time"][0])), "time")
    _bad_seed(tmp_path, lambda s: s["lists"].update(planets=[]), "planets")
    _bad_seed(tmp_path, lambda s: s["project"][0].update(UdfList=[{"Sid": 99}]), "UdfList")
    _bad_seed(tmp_path, lambda s: s["project_team"].append({"ProjectSid": 9, "StaffSid": 1}), "9")
    _bad_seed(tmp_path, lambda s: s["udf_definitions"].update(invoice=[]), "invoice")


def _many_entries(n: int, consumed: list[int]) -> Iterator[dict[str, Any]]:
    for i in range(1, n + 1):
        consumed.append(i)
        yield {
            "SID": 1000 + i,
            "Dt": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "StaffSID": 1 + i % 2,
            "ProjectSID": 1 + i % 2,
            "Hours_IN": Decimal(i % 8) + Decimal("0.25"),
        }


def test_time_streams_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guesses, "SEED_BATCH", 100)
    seed = demo_seed()
    consumed: list[int] = []
    seed["time"] = _many_entries(1050, consumed)
    batches: list[int] = []
    with BigtimeSandbox(tmp_path, clock=FakeClock()) as sandbox:
        insert = sandbox.store.insert_times

        def counting(rows: list[Any]) -> None:
            # Each batch is inserted before the next is read: memory stays bounded.
            batches.append(len(rows))
            assert len(consumed) == sum(batches)
            insert(rows)

        monkeypatch.setattr(sandbox.store, "insert_times", counting)
        assert sandbox.store.seed(seed)["time"] == 1050
        assert len(consumed) == 1050
        api = Api(sandbox)
        year = {"StartDt": "2024-01-01", "EndDt": "2024-12-31"}
        sheets = [api.ok("GET", f"/time/Sheet/{s}", **year) for s in (1, 2)]
        assert sorted(len(s) for s in sheets) == [525, 525]
        days = [e["Dt"] for e in sheets[0]]
        assert days == sorted(days)
        assert (sheets[0][0]["SourceNm"], sheets[1][0]["SourceNm"]) == ("Ann Lee", "Bo Chan")
        assert batches == [100] * 10 + [50]


def test_values_take_wire_and_seed_forms() -> None:
    assert to_date("2025-01-31T00:00:00") == to_date("2025-01-31") == "2025-01-31"
    assert to_decimal("7.25") == Decimal("7.25") and to_decimal(3) == Decimal(3)
    assert to_ref(0) is None and to_ref("12") == 12
    for bad in (lambda: to_decimal(7.25), lambda: to_decimal("NaN"), lambda: to_date("2025-1-5")):
        with pytest.raises(ValueProblem):
            bad()


def test_rendering_round_trips() -> None:
    rec = {"Sid": 7, "InvoiceDt": "2024-02-01", "TotalAmt": Decimal("10.10"), "Lines": []}
    text = render.record_bytes(rs.INVOICE, rec)
    assert b'"TotalAmt":10.10' in text and b'"InvoiceDt":"2024-02-01"' in text  # ev §3.1
    assert render.record_bytes(rs.INVOICE, render.loads(text, rs.INVOICE)) == text
    staff = render.record_bytes(rs.STAFF, {"StaffSID": 3, "FName": "Zoë"}, id_key="StaffSid")
    assert render.loads(staff, rs.STAFF)["StaffSID"] == 3 and "Zoë" in staff.decode()
