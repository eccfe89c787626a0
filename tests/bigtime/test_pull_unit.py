"""BigTime pulls against a fake client serving recorded responses (recon.bigtime.pull).

The fake exposes the ``BigTimeClient`` reads the pulls use and answers with JSON bodies in
BigTime's wire shape (contract "Wire rules"); it records every call and the most calls it
saw running at once. Pulls against the real sandbox are integration tests, elsewhere.

Citations: "spec §N" is docs/specs/bigtime-rest-api.md, "evidence §N"
docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from recon.bigtime import pull, resources, uncertain
from recon.bigtime.frames import STR_DTYPE, json_to_frame
from recon.errors import (
    AuthenticationError,
    ConfigError,
    GatewayError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
)
from tests.waiting import wait_for, wait_until

START, END = date(2025, 1, 1), date(2025, 1, 31)

# --------------------------------------------------------------------------- recorded bodies

CLIENT_LIST = """[
 {"SystemId": 11, "ClientId": "NW", "Nm": "Northwind", "IsInactive": false},
 {"SystemId": 12, "ClientId": "CT", "Nm": "Contoso", "IsInactive": false},
 {"SystemId": 13, "ClientId": "OLD", "Nm": "Old Co", "IsInactive": true}
]"""


def client_detail(sid: int) -> str:
    return json.dumps(
        {
            "SystemId": sid,
            "ClientId": f"C{sid}",
            "Nm": f"Client {sid}",
            "IsInactive": sid == 13,
            "Notes": f"detail of {sid}",
            "QBCustomerId": f"CUST-{sid}",
            "CostCenterA": 3,
            "CostCenterB": None,
            "DtCreated": "2024-12-01T09:30:00",
            "DtModified": "2025-01-15T16:00:00",
        }
    )


PROJECT_LIST = """[
 {"SystemId": 21, "ProjectCode": "P-21", "Nm": "Audit", "ClientId": 11},
 {"SystemId": 22, "ProjectCode": "P-22", "Nm": "Tax", "ClientId": 12},
 {"SystemId": 23, "ProjectCode": "P-23", "Nm": "Closed", "ClientId": 13, "IsInactive": true}
]"""

PROJECT_UDFS = {
    21: '[{"Sid": 1, "Name": "PO Number", "Value": "PO-21"},'
    ' {"Sid": 2, "Name": "PO Amount", "Value": "5000.00"}]',
    22: '[{"Sid": 1, "Name": "PO Number", "Value": null}]',
    23: "[]",
}


def project_detail(sid: int) -> str:
    return (
        f'{{"SystemId": {sid}, "ProjectCode": "P-{sid}", "Nm": "Project {sid}", '
        f'"ClientId": {sid - 10}, "StartDt": "2025-01-0{sid - 20}T00:00:00", "EndDt": null, '
        f'"IsInactive": {"true" if sid == 23 else "false"}, "QBClassDefault": 2, '
        f'"UdfList": {PROJECT_UDFS[sid]}}}'
    )


# Team members as BigTime sends them: staffsid (lower case) and StaffNm (evidence §2.5).
TEAMS = {
    21: '[{"staffsid": 31, "ContactRole": 1, "TeamLead": false, "StaffNm": "Ana Okafor"},'
    ' {"staffsid": 32, "ContactRole": 2, "TeamLead": true, "StaffNm": "Ben Smith"}]',
    22: '[{"staffsid": 33, "ContactRole": 1, "TeamLead": true, "StaffNm": "Chloé Nguyen",'
    ' "ProjectSid": 22}]',
    23: "[]",
}

# The staff list spells the id StaffSID, the detail StaffSid (spec §4.3).
STAFF_LIST = """[
 {"StaffSID": 31, "FName": "Ana", "SName": "Okafor", "IsInactive": false},
 {"StaffSID": 32, "FName": "Ben", "SName": "Smith", "IsInactive": false},
 {"StaffSID": 33, "FName": "Chloé", "SName": "Nguyen", "IsInactive": true}
]"""


def staffer_detail(sid: int) -> str:
    return (
        f'{{"StaffSid": {sid}, "FName": "F{sid}", "SName": "S{sid}", "EMail": "s{sid}@x.example",'
        f' "Start_dt": "2020-03-01T00:00:00", "IsInactive": {"true" if sid == 33 else "false"},'
        f' "UdfList": [{{"Sid": 11, "Name": "Employee ID", "Value": "E-{sid}"}}]}}'
    )


def time_sheet(sid: int) -> bytes:
    entries = [
        f'{{"SID": {sid * 100 + n}, "Dt": "2025-01-{10 + n}T00:00:00", "ProjectSID": 21,'
        f' "StaffSID": {sid}, "Hours_IN": {n}.25, "HoursBillable": {n}.25,'
        f' "ChargeBillable": 0.1, "BillRate": 175.00, "NoCharge": false, "IsSubmitted": true}}'
        for n in range(1, 3)
    ]
    return ("[" + ",".join(entries) + "]").encode()


INVOICE_HISTORY = """[
 {"Sid": 41, "InvoiceNbr": "INV-41", "ClientSid": 11, "ProjectSid": 21,
  "InvoiceDt": "2025-01-20T00:00:00", "TotalAmt": 1100.10, "PaidAmt": 0, "Status": 2},
 {"Sid": 42, "InvoiceNbr": "INV-42", "ClientSid": 12, "ProjectSid": 22,
  "InvoiceDt": "2025-01-25T00:00:00", "TotalAmt": 0.30, "PaidAmt": 0.30, "Status": 3}
]"""

INVOICE_DETAILS = {
    41: """{"Sid": 41, "InvoiceNbr": "INV-41", "Lines": [
        {"LineNbr": 1, "InvoiceSid": 41, "Nm": "Fieldwork", "Quantity": 2.5, "Rate": 400,
         "Amt": 1000.00, "AcctSid": 5},
        {"LineNbr": 2, "Nm": "Review", "Quantity": 0.5, "Rate": 200.20, "Amt": 100.10}]}""",
    42: """{"Sid": 42, "InvoiceNbr": "INV-42", "Lines": [
        {"LineNbr": 1, "InvoiceSid": null, "Nm": "Advice", "Quantity": 1, "Rate": 0.1,
         "Amt": 0.1}, {"lineNbr": 2, "invoicesid": 42, "nm": "More", "amt": 0.2}]}""",
}

TASKS = {
    21: '[{"TaskSid": 51, "ProjectSid": 21, "TaskNm": "Plan", "BudgetHours": 10.5,'
    ' "CurrentStatus": 1, "IsArchived": false}]',
    22: '[{"TaskSid": 52, "TaskNm": "File", "BudgetFees": 999.99, "IsArchived": true}]',
    23: "[]",
}


def list_items(name: str) -> str:
    return json.dumps(
        [
            {"Id": 1, "Name": f"{name} one", "Group": None, "IsInactive": False, "Code": "A"},
            {"Id": 2, "Name": f"{name} two", "Group": "g", "IsInactive": True, "DueDays": 30},
        ]
    )


VOCABULARY = {"PROJECT": "engagement", "LABOR_CODE": "work code"}


def decoded(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


# --------------------------------------------------------------------------- the fake


class FakeBigTime:
    """The reads of ``BigTimeClient`` the pulls use, answering from the bodies above.

    Answer order and overlap are set, never left to timing: ``answer_after[call] = other``
    holds ``call``'s answer until ``other`` has answered (a call is ``(method, first
    argument)``), and the first calls wait until ``together`` of them run at once.
    ``latency`` only gives calls the chance to overlap more than allowed.
    """

    def __init__(self, *, concurrency: int = 4, latency: float = 0.0, together: int = 0) -> None:
        self.settings = SimpleNamespace(concurrency=concurrency)
        self.latency = latency
        self.together = together
        self.answer_after: dict[tuple[str, Any], tuple[str, Any]] = {}
        self.failures: dict[tuple[str, Any], Exception] = {}
        self.sheets: dict[int, bytes] = {}
        self.calls: list[tuple[Any, ...]] = []
        self.active = 0
        self.peak = 0
        self._answered: dict[tuple[str, Any], threading.Event] = {}
        self._lock = threading.Lock()

    def _answered_event(self, call: tuple[str, Any]) -> threading.Event:
        with self._lock:
            return self._answered.setdefault(call, threading.Event())

    def _serve(self, method: str, *args: Any, answer: Callable[[], Any]) -> Any:
        call = (method, args[0] if args else None)
        with self._lock:
            self.calls.append((method, *args))
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            wait_until(lambda: self.peak >= self.together, f"{self.together} calls at once")
            if call in self.answer_after:
                first = self.answer_after[call]
                wait_for(self._answered_event(first), f"{first} to answer before {call}")
            time.sleep(self.latency)
            failure = self.failures.get(call)
            if failure is not None:
                raise failure
            return answer()
        finally:
            with self._lock:
                self.active -= 1
            self._answered_event(call).set()

    def called(self, method: str) -> list[tuple[Any, ...]]:
        return [c[1:] for c in self.calls if c[0] == method]

    def clients(self, show_inactive: bool = True) -> list[dict[str, Any]]:
        return self._serve("clients", show_inactive, answer=lambda: decoded(CLIENT_LIST))

    def client(self, sid: int) -> dict[str, Any]:
        return self._serve("client", sid, answer=lambda: decoded(client_detail(sid)))

    def projects(self, show_inactive: bool = True) -> list[dict[str, Any]]:
        return self._serve("projects", show_inactive, answer=lambda: decoded(PROJECT_LIST))

    def project(self, sid: int) -> dict[str, Any]:
        return self._serve("project", sid, answer=lambda: decoded(project_detail(sid)))

    def project_team(self, sid: int) -> list[dict[str, Any]]:
        return self._serve("project_team", sid, answer=lambda: decoded(TEAMS[sid]))

    def staff(self, show_inactive: bool = True) -> list[dict[str, Any]]:
        return self._serve("staff", show_inactive, answer=lambda: decoded(STAFF_LIST))

    def staffer(self, sid: int) -> dict[str, Any]:
        return self._serve("staffer", sid, answer=lambda: decoded(staffer_detail(sid)))

    def reference_list(self, name: str, show_inactive: bool = True) -> list[dict[str, Any]]:
        return self._serve(
            "reference_list", name, show_inactive, answer=lambda: decoded(list_items(name))
        )

    def time_sheet_bytes(self, staff_sid: int, start: date, end: date) -> bytes:
        body = self.sheets.get(staff_sid) or time_sheet(staff_sid)
        return self._serve("time_sheet_bytes", staff_sid, start, end, answer=lambda: body)

    def invoice_history(self, start: date, end: date) -> list[dict[str, Any]]:
        return self._serve("invoice_history", start, end, answer=lambda: decoded(INVOICE_HISTORY))

    def invoice(self, sid: int) -> dict[str, Any]:
        return self._serve("invoice", sid, answer=lambda: decoded(INVOICE_DETAILS[sid]))

    def expenses(self, start: date, end: date) -> list[dict[str, Any]]:
        return self._serve("expenses", start, end, answer=lambda: decoded(EXPENSES))

    def tasks(self, project_sid: int, show_completed: bool = True) -> list[dict[str, Any]]:
        return self._serve(
            "tasks", project_sid, show_completed, answer=lambda: decoded(TASKS[project_sid])
        )

    def vocabulary(self) -> dict[str, str]:
        return self._serve("vocabulary", answer=lambda: dict(VOCABULARY))


#: Two expense entries as POST /expense/reportbyfilter answers (evidence §2.10 fields, and
#: the spec's ids: tests/fixtures/bigtime/expense_reportbyfilter.json).
EXPENSES = """[
 {"SID": 71, "RptSID": 9, "StaffSID": 31, "ProjectSID": 21, "ClientSID": 11,
  "ClientNm": "Client one", "CostIN": 42.80, "CostBill": 42.80, "Dt": "2024-03-04",
  "CatNm": "Mileage", "Nt": "Client site visit", "IsSubmitted": true, "PaidByCo": false},
 {"SID": -2, "RptSID": 0, "StaffSID": 32, "ProjectSID": 22, "CostIN": 10, "Dt": "2024-03-05",
  "CatNm": "Meals", "IsSubmitted": false, "PaidByCo": true}
]"""


def not_found(sid: int) -> NotFoundError:
    return NotFoundError("gone", system="bigtime", operation=f"GET /x/{sid}", status=404)


# --------------------------------------------------------------------------- clients


def test_pull_clients_reads_every_detail_in_list_order() -> None:
    bt = FakeBigTime()
    bt.answer_after = {("client", 11): ("client", 13)}  # the first detail answers last
    frame = pull.pull_clients(bt)
    assert bt.called("clients") == [(True,)]  # inactive clients included
    assert sorted(bt.called("client")) == [(11,), (12,), (13,)]
    assert frame["SystemId"].tolist() == ["11", "12", "13"]
    assert list(frame.columns) == list(resources.CLIENT.names())
    assert frame["Notes"].tolist() == ["detail of 11", "detail of 12", "detail of 13"]
    assert frame["IsInactive"].tolist() == [False, False, True]
    assert frame["CostCenterA"].dtype == STR_DTYPE and frame["CostCenterB"].isna().all()
    assert frame["DtCreated"].dtype == "datetime64[s]"
    assert frame.loc[0, "DtModified"] == pd.Timestamp("2025-01-15 16:00:00")


def test_a_record_deleted_between_list_and_detail_is_left_out() -> None:
    bt = FakeBigTime()
    bt.failures = {("client", 12): not_found(12)}
    assert pull.pull_clients(bt)["SystemId"].tolist() == ["11", "13"]


def test_other_detail_errors_propagate() -> None:
    bt = FakeBigTime()
    bt.failures = {("client", 12): RateLimitedError("slow down", system="bigtime")}
    with pytest.raises(RateLimitedError):
        pull.pull_clients(bt)


# --------------------------------------------------------------------------- projects


def test_pull_projects_adds_team_lead_and_custom_field_columns() -> None:
    bt = FakeBigTime()
    frame = pull.pull_projects(bt)
    assert bt.called("projects") == [(True,)]
    assert (
        sorted(bt.called("project"))
        == sorted(bt.called("project_team"))
        == [
            (21,),
            (22,),
            (23,),
        ]
    )
    assert frame["SystemId"].tolist() == ["21", "22", "23"]
    assert "UdfList" not in frame.columns
    fields = [n for n in resources.PROJECT.names() if n != "UdfList"]
    udfs = ["Udf.PO Number", "Udf.PO Amount", "Udf.SO Number"]
    assert list(frame.columns) == [*fields, pull.TEAM_LEAD_COLUMN, *udfs]
    assert frame["TeamLeadSid"].dtype == STR_DTYPE
    assert frame["TeamLeadSid"].tolist()[:2] == ["32", "33"] and pd.isna(
        frame.loc[2, "TeamLeadSid"]
    )
    assert frame["Udf.PO Number"].tolist()[0] == "PO-21"
    assert frame["Udf.PO Number"].isna().tolist() == [False, True, True]
    assert frame["Udf.SO Number"].isna().all() and frame["Udf.SO Number"].dtype == STR_DTYPE
    assert frame["StartDt"].tolist() == [pd.Timestamp(f"2025-01-0{n}") for n in (1, 2, 3)]
    assert frame["ClientId"].tolist() == ["11", "12", "13"]


def test_pull_project_team_is_one_frame_in_project_order() -> None:
    bt = FakeBigTime()
    bt.answer_after = {("project_team", 21): ("project_team", 22)}
    frame = pull.pull_project_team(bt)
    assert list(frame.columns) == ["ProjectSid", *resources.TEAM_MEMBER.names()]
    assert frame["ProjectSid"].tolist() == ["21", "21", "22"]
    assert frame["StaffSid"].tolist() == ["31", "32", "33"]
    assert frame["TeamLead"].tolist() == [False, True, True]
    assert frame["ContactRole"].dtype == "Int64"
    only = pull.pull_project_team(FakeBigTime(), project_sids=[22, 22])
    assert only["StaffSid"].tolist() == ["33"]


# --------------------------------------------------------------------------- staff, lists


def test_pull_staff_reads_details_with_either_id_spelling() -> None:
    bt = FakeBigTime()
    frame = pull.pull_staff(bt)
    assert bt.called("staff") == [(True,)]
    assert frame["StaffSID"].tolist() == ["31", "32", "33"]
    assert "StaffSid" not in frame.columns and "UdfList" not in frame.columns
    assert frame["Udf.Employee ID"].tolist() == ["E-31", "E-32", "E-33"]
    assert frame["Start_dt"].tolist() == [pd.Timestamp("2020-03-01")] * 3
    assert frame["IsInactive"].tolist() == [False, False, True]


@pytest.mark.parametrize("name", list(uncertain.LISTS))
def test_pull_list_reads_every_reference_list_with_inactive_items(name: str) -> None:
    bt = FakeBigTime()
    frame = pull.pull_list(bt, name)
    assert bt.called("reference_list") == [(name, True)]
    assert list(frame.columns) == list(resources.PICKLIST_ITEM.names())
    assert frame["Id"].tolist() == ["1", "2"] and frame["Id"].dtype == STR_DTYPE
    assert frame["IsInactive"].tolist() == [False, True]
    assert frame["DueDays"].dtype == "Int64" and frame["DueDays"].tolist()[1] == 30


def test_pull_list_refuses_an_unknown_list() -> None:
    with pytest.raises(ConfigError, match="no BigTime reference list 'vendors'"):
        pull.pull_list(FakeBigTime(), "vendors")


# --------------------------------------------------------------------------- time


def test_pull_time_concatenates_sheets_in_staff_order_whatever_answers_first() -> None:
    bt = FakeBigTime()
    bt.answer_after = {  # 33 answers first, then 32, then 31
        ("time_sheet_bytes", 31): ("time_sheet_bytes", 32),
        ("time_sheet_bytes", 32): ("time_sheet_bytes", 33),
    }
    frame = pull.pull_time(bt, START, END)
    assert bt.called("staff") == [(True,)]  # all staff, inactive too
    assert sorted(bt.called("time_sheet_bytes")) == [(s, START, END) for s in (31, 32, 33)]
    assert frame["StaffSID"].tolist() == ["31", "31", "32", "32", "33", "33"]
    assert frame["SID"].tolist() == ["3101", "3102", "3201", "3202", "3301", "3302"]
    assert list(frame.columns) == list(resources.TIME.names())
    assert frame["Hours_IN"].dtype == object
    assert frame["Hours_IN"].tolist()[:2] == [Decimal("1.25"), Decimal("2.25")]
    assert sum(frame["ChargeBillable"]) == Decimal("0.6")  # exact: 6 x 0.1
    assert frame["Dt"].dtype == "datetime64[s]" and frame["NoCharge"].dtype == "boolean"


def test_pull_time_for_some_staff_passes_the_window_through() -> None:
    bt = FakeBigTime()
    frame = pull.pull_time(bt, date(2024, 12, 1), date(2024, 12, 1), staff_sids=[33, 31, 33])
    assert bt.called("staff") == []
    assert bt.called("time_sheet_bytes") in (
        [(33, date(2024, 12, 1), date(2024, 12, 1)), (31, date(2024, 12, 1), date(2024, 12, 1))],
        [(31, date(2024, 12, 1), date(2024, 12, 1)), (33, date(2024, 12, 1), date(2024, 12, 1))],
    )
    assert frame["StaffSID"].tolist() == ["33", "33", "31", "31"]


def test_pull_time_with_no_entries_is_an_empty_typed_frame() -> None:
    bt = FakeBigTime()
    bt.sheets = {31: b"[]", 32: b"[]", 33: b"[]"}
    frame = pull.pull_time(bt, START, END)
    assert len(frame) == 0 and frame["Hours_IN"].dtype == object
    assert frame["SID"].dtype == STR_DTYPE


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_pull_time_never_runs_more_sheets_at_once_than_allowed(workers: int) -> None:
    bt = FakeBigTime(latency=0.01, together=workers)
    pull.pull_time(bt, START, END, staff_sids=list(range(100, 108)), concurrency=workers)
    assert len(bt.called("time_sheet_bytes")) == 8
    assert bt.peak == workers  # side by side, never more


def test_the_default_concurrency_is_the_clients_setting() -> None:
    bt = FakeBigTime(concurrency=2, latency=0.01, together=2)
    pull.pull_time(bt, START, END, staff_sids=list(range(100, 106)))
    assert bt.peak == 2


def test_a_failing_sheet_stops_the_pull() -> None:
    bt = FakeBigTime(concurrency=2)
    bt.failures = {("time_sheet_bytes", 32): RateLimitedError("429", system="bigtime")}
    with pytest.raises(RateLimitedError):
        pull.pull_time(bt, START, END)


def test_a_malformed_sheet_names_the_staffer_path() -> None:
    bt = FakeBigTime()
    bt.sheets = {32: b'{"Message": "not a list"}'}
    with pytest.raises(MalformedResponseError, match="not an array") as caught:
        pull.pull_time(bt, START, END)
    assert caught.value.operation == "GET /time/Sheet/32"


@pytest.mark.parametrize("batch_rows", [1, 3, 10**9])
def test_pull_time_in_any_batches_is_each_sheet_typed_and_joined(
    batch_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pull, "TYPE_BATCH_ROWS", batch_rows)
    bt = FakeBigTime(concurrency=2, latency=0.005)
    bt.sheets = {102: b"[]", 104: b'[{"sid": 1, "staffsid": 104}]'}  # empty; other spelling
    sids = list(range(100, 108))
    frame = pull.pull_time(bt, START, END, staff_sids=sids)
    sheets = [json_to_frame("time", bt.sheets.get(s) or time_sheet(s)) for s in sids]
    pd.testing.assert_frame_equal(
        frame, pd.concat([f for f in sheets if len(f)], ignore_index=True)
    )


def test_a_bad_value_in_a_sheet_names_the_staffer_path() -> None:
    bt = FakeBigTime()
    bt.sheets = {32: time_sheet(32).replace(b"2025-01-11", b"2025-02-30")}
    with pytest.raises(MalformedResponseError, match="2025-02-30") as caught:
        pull.pull_time(bt, START, END)
    assert caught.value.operation == "GET /time/Sheet/32"


def test_a_malformed_sheet_not_yet_typed_is_reported_before_a_later_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pull, "TYPE_BATCH_ROWS", 10**9)  # sheet 100 waits to be typed
    bt = FakeBigTime(concurrency=1, latency=0.002)
    bt.sheets = {100: time_sheet(100).replace(b"true", b'"maybe"')}
    bt.failures = {("time_sheet_bytes", 101): RateLimitedError("429", system="bigtime")}
    with pytest.raises(MalformedResponseError, match="maybe") as caught:
        pull.pull_time(bt, START, END, staff_sids=list(range(100, 108)))
    assert caught.value.operation == "GET /time/Sheet/100"
    assert isinstance(caught.value.__context__, RateLimitedError)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (END, START),
        (datetime(2025, 1, 1), END),
        ("2025-01-01", END),
        (START, None),
    ],
)
def test_a_bad_window_is_refused_before_any_call(start: Any, end: Any) -> None:
    bt = FakeBigTime()
    with pytest.raises(ConfigError):
        pull.pull_time(bt, start, end)
    with pytest.raises(ConfigError):
        pull.pull_invoices(bt, start, end)
    assert bt.calls == []


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_a_bad_concurrency_is_refused(workers: Any) -> None:
    with pytest.raises(ConfigError, match="concurrency"):
        pull.pull_clients(FakeBigTime(), concurrency=workers)


# --------------------------------------------------------------------------- invoices, tasks


def test_pull_invoices_reads_the_history_window() -> None:
    bt = FakeBigTime()
    frame = pull.pull_invoices(bt, START, END)
    assert bt.called("invoice_history") == [(START, END)] and bt.called("invoice") == []
    assert "Lines" not in frame.columns
    assert frame["Sid"].tolist() == ["41", "42"]
    assert frame["TotalAmt"].tolist() == [Decimal("1100.10"), Decimal("0.30")]
    assert str(frame.loc[0, "TotalAmt"]) == "1100.10"
    assert frame["PaidAmt"].tolist()[0] == Decimal(0) and type(frame.loc[0, "PaidAmt"]) is Decimal
    assert frame["Status"].dtype == "Int64"


def test_pull_invoices_with_lines_fills_the_invoice_id() -> None:
    bt = FakeBigTime()
    bt.answer_after = {("invoice", 41): ("invoice", 42)}
    headers, lines = pull.pull_invoices(bt, START, END, lines=True)
    assert sorted(bt.called("invoice")) == [(41,), (42,)]
    assert headers["Sid"].tolist() == ["41", "42"]
    assert list(lines.columns) == list(resources.INVOICE_LINE.names())
    assert lines["InvoiceSid"].tolist() == ["41", "41", "42", "42"]
    assert lines["LineNbr"].tolist() == [1, 2, 1, 2]
    assert lines["Amt"].tolist() == [
        Decimal("1000.00"),
        Decimal("100.10"),
        Decimal("0.1"),
        Decimal("0.2"),
    ]
    assert sum(lines["Amt"][lines["InvoiceSid"] == "41"]) == Decimal("1100.10")


def test_pull_tasks_reads_every_project_and_fills_the_project() -> None:
    bt = FakeBigTime()
    frame = pull.pull_tasks(bt)
    assert sorted(bt.called("tasks")) == [(21, True), (22, True), (23, True)]
    assert frame["TaskSid"].tolist() == ["51", "52"]
    assert frame["ProjectSid"].tolist() == ["21", "22"]
    assert frame["BudgetHours"].tolist()[0] == Decimal("10.5")
    assert frame["IsArchived"].tolist() == [False, True]


def test_pull_vocabulary() -> None:
    assert pull.pull_vocabulary(FakeBigTime()) == VOCABULARY


# --------------------------------------------------------------------------- everything


def test_pull_all_returns_every_entity_reading_shared_lists_once() -> None:
    bt = FakeBigTime(concurrency=3, latency=0.002)
    frames = pull.pull_all(bt, START, END)
    assert list(frames) == list(pull.ENTITIES)
    assert all(isinstance(f, pd.DataFrame) for f in frames.values())
    assert len(bt.called("projects")) == 1 and len(bt.called("staff")) == 1
    assert len(bt.called("project_team")) == 3  # the teams came with the project details
    assert bt.called("invoice_history") == [(START, END)]
    assert bt.called("expenses") == [(START, END)]
    assert frames["expense"]["CostIN"].tolist() == [Decimal("42.80"), Decimal("10.00")]
    assert {c[1:] for c in bt.called("time_sheet_bytes")} == {(START, END)}
    assert bt.peak <= 3
    assert frames["project_team"]["ProjectSid"].tolist() == ["21", "21", "22"]
    assert frames["project"]["TeamLeadSid"].tolist()[:2] == ["32", "33"]
    assert len(frames["time"]) == 6 and len(frames["invoice_line"]) == 4
    assert frames["list:class"]["Name"].tolist() == ["class one", "class two"]
    assert frames["staff"]["Udf.Employee ID"].tolist()[0] == "E-31"
    expected = pull.pull_clients(FakeBigTime())
    pd.testing.assert_frame_equal(frames["client"], expected)


def test_a_repull_of_a_window_reads_only_the_dated_entities() -> None:
    bt = FakeBigTime()
    window = (date(2025, 3, 1), date(2025, 3, 31))
    frames = pull.pull_all(bt, *window, entities=["time", "invoice"])
    assert list(frames) == ["time", "invoice"]
    assert bt.called("invoice_history") == [window] and bt.called("invoice") == []
    assert {c[1:] for c in bt.called("time_sheet_bytes")} == {window}
    assert {c[0] for c in bt.calls} == {"staff", "time_sheet_bytes", "invoice_history"}


def test_pull_all_project_team_alone_and_unknown_entities() -> None:
    bt = FakeBigTime()
    frames = pull.pull_all(bt, START, END, entities=["project_team", "task"])
    assert list(frames) == ["project_team", "task"] and bt.called("project") == []
    assert len(bt.called("projects")) == 1
    with pytest.raises(ConfigError, match="expense_report"):
        pull.pull_all(bt, START, END, entities=["time", "expense_report"])


def test_frames_hold_no_float_anywhere() -> None:
    frames = pull.pull_all(FakeBigTime(), START, END)
    for name, frame in frames.items():
        for column in frame.columns:
            assert not pd.api.types.is_float_dtype(frame[column].dtype), (name, column)
            if frame[column].dtype == object:
                kinds = {type(v) for v in frame[column] if v is not None}
                assert float not in kinds, (name, column)


# --------------------------------------------------------------------------- failed reads


def test_a_failed_read_leaves_out_what_it_feeds_and_the_rest_is_pulled() -> None:
    bt = FakeBigTime()
    gone = NotFoundError("no route", system="bigtime", operation="GET /picklist/x", status=404)
    broken = GatewayError("HTTP 500 after the retries", system="bigtime", status=500)
    bt.failures = {("reference_list", "costcenterb"): gone, ("staff", True): broken}
    failed: dict[str, Exception] = {}
    frames = pull.pull_all(bt, START, END, failed=failed)  # type: ignore[arg-type]
    # The staff list feeds staff and every staffer's time sheet; the picklist only itself.
    assert failed == {"staff": broken, "time": broken, "list:costcenterb": gone}
    assert set(frames) == set(pull.ENTITIES) - set(failed)
    assert bt.called("time_sheet_bytes") == [] and bt.called("staffer") == []
    # Without `failed`, the first failure raises, as it always did.
    with pytest.raises(GatewayError):
        pull.pull_all(bt, START, END)


def test_refused_credentials_raise_even_when_failures_are_collected() -> None:
    bt = FakeBigTime()
    bt.failures = {("clients", True): AuthenticationError("the API key was refused")}
    with pytest.raises(AuthenticationError):
        pull.pull_all(bt, START, END, entities=["client", "project"], failed={})
