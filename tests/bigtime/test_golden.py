"""Golden BigTime answers (``tests/fixtures/bigtime``) hold BOTH sides to the evidence.

The files are transcribed from docs/specs/bigtime-evidence.md (``SOURCES.md`` says where each
field comes from). Two checks per file:

- the client reads it -- through the real :class:`BigTimeClient`, the pulls and the mapping --
  into the right canonical values (dates without a time part, ``TypeId`` 0 as no type, team
  members as ``staffsid`` + ``StaffNm``, ``BasicRate``, the list's extra fields ...);
- the sandbox answers the same endpoint with the same key spellings, JSON types (for every
  golden value that is not null, i.e. whose type the evidence gives) and formats (dates
  ``YYYY-MM-DD``, ``DisplayName`` "Client:Project").

Neither side's catalogue is consulted for the expectations: they come from the files.

Citations: "evidence §N" is docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from recon.bigtime import pull, resources, uncertain
from recon.bigtime.client import BigTimeClient, BigTimeCredentials
from recon.bigtime.frames import records_to_frame
from recon.mapping.bigtime import map_invoice, map_payment, map_project, map_time_entry
from recon.mapping.common import MappingReport
from recon.sandbox import bigtime as creds
from recon.sandbox.bigtime import guesses
from recon.sandbox.bigtime.server import BigtimeSandbox
from tests.bigtime.conftest import DemoSeed
from tests.bigtime.test_client_unit import PASSWORD, USER, Routes, bt, raw
from tests.bigtime.test_transport import ScriptedServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bigtime"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
GOLDEN_FILES = sorted(p.name for p in FIXTURES.glob("*.json"))


def golden(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes(), parse_float=Decimal)


def golden_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def test_every_golden_file_has_its_sources() -> None:
    sources = (FIXTURES / "SOURCES.md").read_text()
    assert len(GOLDEN_FILES) >= 15
    for name in GOLDEN_FILES:
        assert name in sources, f"{name} has no section in SOURCES.md"


# --- the client side ------------------------------------------------------------------------


def _golden_routes() -> dict[str, Any]:
    routes: dict[str, Any] = {
        "GET /client": raw(golden_text("client_list.json")),
        "GET /project": raw(golden_text("project_list.json")),
        "GET /project/team/5201": raw(golden_text("project_team.json")),
        "GET /project/team/5202": raw("[]"),
        "GET /staff": raw(golden_text("staff_list.json")),
        "GET /time/Sheet/41": raw(golden_text("time_sheet.json")),
        "GET /time/Sheet/42": raw("[]"),
        "GET /invoice/history": raw(golden_text("invoice_history.json")),
        "GET /invoice/detail/7701": raw(golden_text("invoice_detail.json")),
        "GET /picklist/FieldValues/LookupProjectType": raw(
            golden_text("fieldvalues_projecttype.json")
        ),
        "GET /picklist/FieldValues/" + uncertain.CONTACT_TYPE_FIELD: raw(
            golden_text("fieldvalues_contacttype.json")
        ),
        "GET /picklist/LaborCodes": raw(golden_text("picklist_laborcodes.json")),
        "GET /picklist/projects": raw(golden_text("picklist_projects.json")),
        "POST /session": raw(golden_text("session.json")),
        "POST /expense/reportbyfilter": raw(golden_text("expense_reportbyfilter.json")),
        "GET /task/BudgetStatusByProject/5201": raw(golden_text("task_budget_status.json")),
        "POST /report/data/1001": raw(golden_text("report_data_time.json")),
        "POST /report/data/1002": raw(golden_text("report_data_expense_empty.json")),
    }
    # A detail read without View answers the list's fields (evidence §2.4).
    for part, key in (("client", "SystemId"), ("project", "SystemId"), ("staff", "StaffSID")):
        for item in json.loads(golden_text(f"{part}_list.json")):
            routes[f"GET /{part}/detail/{item[key]}"] = raw(json.dumps(item))
    # Lists with no golden file (no evidence of their path or items): empty.
    for name in ("costcentera", "costcenterb", "costcenterc", "class", "term"):
        routes.setdefault("GET " + uncertain.LISTS[name].path, raw("[]"))
    return routes


@pytest.fixture(scope="module")
def golden_bt() -> Iterator[BigTimeClient]:
    with ScriptedServer(Routes(_golden_routes())) as srv, bt(srv) as client:
        yield client


@pytest.fixture(scope="module")
def frames(golden_bt: BigTimeClient) -> dict[str, pd.DataFrame]:
    out = {
        "client": pull.pull_clients(golden_bt),
        "project": pull.pull_projects(golden_bt),
        "project_team": pull.pull_project_team(golden_bt),
        "staff": pull.pull_staff(golden_bt),
        "time": pull.pull_time(golden_bt, date(2024, 3, 1), date(2024, 3, 31)),
    }
    out["invoice"], out["invoice_line"] = pull.pull_invoices(
        golden_bt, date(2024, 3, 1), date(2024, 3, 31), lines=True
    )
    for name in ("projecttype", "laborcode", "costcentera", "costcenterb", "class", "term"):
        out[pull.LIST_PREFIX + name] = pull.pull_list(golden_bt, name)
    return out


def test_client_reads_the_project_list_shape(frames: dict[str, pd.DataFrame]) -> None:
    p = frames["project"].set_index("SystemId")
    assert p["StartDt"].tolist() == [pd.Timestamp("2024-01-15"), pd.Timestamp("2023-02-01")]
    assert pd.isna(p.loc["5201", "EndDt"]) and p.loc["5202", "EndDt"] == pd.Timestamp("2023-06-30")
    assert p["BasicRate"].tolist() == [Decimal("185.00"), Decimal("0.0")]
    assert p.loc["5201", "DisplayName"] == "Harbor Analytics Inc:FY2024 Audit"
    # TypeId 0 is "unclassified", no reference (evidence §2.4).
    assert p.loc["5201", "TypeId"] == "2" and pd.isna(p.loc["5202", "TypeId"])
    # Notes, cost centres and class come with the list already (evidence §2.4).
    assert p.loc["5201", "Notes"] == "Year-end audit fieldwork and report"
    assert (p.loc["5201", "CostCenterA"], p.loc["5201", "QBClassDefault"]) == ("4", "7")
    assert p.loc["5201", "BillingRate"] == "staffA"  # an observed field recon does not type
    assert p.loc["5201", pull.TEAM_LEAD_COLUMN] == "41" and pd.isna(p.loc["5202", "TeamLeadSid"])


def test_client_maps_golden_projects_to_canonical_values(frames: dict[str, pd.DataFrame]) -> None:
    report = MappingReport("bigtime")
    got = map_project(frames, report).set_index("project_id")
    audit, payroll = got.loc["HAR-24-AUD"], got.loc["WDG-23-PAY"]
    assert (audit["name"], audit["customer_id"], audit["status"]) == (
        "FY2024 Audit", "C-2001", "active"
    )  # fmt: skip
    assert audit["project_type"] == "Audit" and pd.isna(payroll["project_type"])
    assert audit["begin_date"] == pd.Timestamp("2024-01-15")
    assert payroll["end_date"] == pd.Timestamp("2023-06-30") and payroll["status"] == "inactive"
    assert audit["description"] == "Year-end audit fieldwork and report"
    # An unclassified project is no dangling reference (TypeId 0 is "none", not an id).
    assert report.dangling[("project", "project_type")] == 0


def test_client_reads_team_members_as_staffsid_and_staffnm(
    frames: dict[str, pd.DataFrame],
) -> None:
    team = frames["project_team"]
    assert team["StaffSid"].tolist() == ["41", "42"]
    assert team["StaffNm"].tolist() == ["Maya Ortiz", "Liam Chen"]
    assert team["TeamLead"].tolist() == [True, False]
    assert team["ContactRole"].tolist() == [1, 2]


def test_client_reads_the_staff_list_extras(frames: dict[str, pd.DataFrame]) -> None:
    s = frames["staff"].set_index("StaffSID")
    assert s.loc["41", "Start_dt"] == pd.Timestamp("2019-08-05")
    assert s.loc["41", "CostFactor"] == Decimal("113.54")
    assert s.loc["42", "Rate1"] == Decimal("140.00") and s.loc["41", "FullName"] == "Maya Ortiz"


def test_client_maps_golden_time_to_canonical_values(frames: dict[str, pd.DataFrame]) -> None:
    t = frames["time"]
    assert t["Dt"].tolist() == [pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-05")]
    assert t["Hours_IN"].tolist() == [Decimal("7.5"), Decimal(2)]
    got = map_time_entry(frames).set_index("entry_id")
    assert got.loc["880311", "project_id"] == "HAR-24-AUD"
    assert got.loc["880311", "entry_date"] == pd.Timestamp("2024-03-04")
    assert got["time_type"].tolist() == ["Fieldwork", "Review"]
    assert got["billable"].tolist() == [True, False]
    assert got.loc["880312", "hours"] == Decimal(2)


def test_client_maps_golden_invoices_to_canonical_values(frames: dict[str, pd.DataFrame]) -> None:
    head = frames["invoice"].iloc[0]
    assert head["InvoicePeriod"] == 202403 and head["InvoiceAmt"] == Decimal("12450.00")
    assert head["DName"] == "Harbor Analytics Inc:FY2024 Audit"
    assert head["InvoiceDtSent"] == pd.Timestamp("2024-04-02")
    invoice = map_invoice(frames).iloc[0]
    assert (invoice["invoice_no"], invoice["customer_id"], invoice["project_id"]) == (
        "10452", "C-2001", "HAR-24-AUD"
    )  # fmt: skip
    assert invoice["invoice_date"] == pd.Timestamp("2024-03-31")
    assert invoice["due_date"] == pd.Timestamp("2024-04-30")
    assert invoice["total"] == Decimal("12450.00")
    assert invoice["term_name"] == "Net 30"  # from TermsNm: the live history has no TermsSid
    assert map_payment(frames).iloc[0]["paid_amount"] == Decimal("5000.00")
    lines = frames["invoice_line"]
    assert lines["Amt"].tolist() == [Decimal("11100.00"), Decimal("1350.00")]
    assert lines["InvoiceSid"].tolist() == ["7701", "7701"]


def test_client_reads_picklists_with_text_or_number_ids(golden_bt: BigTimeClient) -> None:
    types = records_to_frame("picklist_item", golden_bt.field_values("LookupProjectType"))
    assert types["Id"].tolist() == ["1", "2"]
    contacts = golden_bt.field_values(uncertain.CONTACT_TYPE_FIELD)
    assert [(c["Id"], c["Name"]) for c in contacts] == [("1", "Billing"), ("2", "Primary")]
    projects = golden_bt.get("/picklist/projects")
    assert projects[0] == {"Id": 5201, "Group": "Harbor Analytics Inc", "Name": "FY2024 Audit"}


@pytest.mark.parametrize("firm", ["abc3-4567-fgr4", "40417", None])
def test_client_signs_in_with_the_documented_session_answer(firm: str | None) -> None:
    # The realm may be the numeric tenant id (evidence §2.1): the answer names the firm id.
    login = BigTimeCredentials(firm=firm, user_id=USER, password=PASSWORD)
    with ScriptedServer(Routes(_golden_routes())) as srv, bt(srv, login) as client:
        session = client.login()
    assert session is not None
    assert (session.token, session.firm, session.staff_sid) == (
        "asdf-werq-3asdf-ase5-qfaw5e", "abc3-4567-fgr4", 21
    )  # fmt: skip


def test_client_decodes_the_other_golden_answers(golden_bt: BigTimeClient) -> None:
    expense = json.loads(golden_bt.request("POST", "/expense/reportbyfilter"), parse_float=Decimal)
    assert expense[0]["CostIN"] == Decimal("42.80") and expense[0]["Dt"] == "2024-03-04"
    budget = golden_bt.get("/task/BudgetStatusByProject/5201")
    assert budget[0]["TaskNm"] == "Fieldwork"
    report = json.loads(golden_bt.request("POST", "/report/data/1001"), parse_float=Decimal)
    names = [f["FieldNm"] for f in report["FieldList"]]
    assert dict(zip(names, report["Data"][0], strict=True))["tmdt"] == "2024-03-04"


# --- the sandbox side -------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | Decimal | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def assert_like_golden(
    answers: Sequence[Mapping[str, Any]],
    golden_items: Sequence[Mapping[str, Any]],
    where: str,
    *,
    exact_keys: bool = False,
) -> None:
    """Every golden key, spelt alike, in every answer item; same JSON type where the golden
    value says one; dates and timestamps in the golden's format."""
    assert answers, f"{where}: the sandbox answered no item to compare"
    keys = {k for item in golden_items for k in item}
    types: dict[str, set[str]] = {}
    formats: dict[str, re.Pattern[str]] = {}
    for item in golden_items:
        for key, value in item.items():
            if value is None:
                continue
            types.setdefault(key, set()).add(_json_type(value))
            if isinstance(value, str):
                for pattern in (DATE, DATETIME):
                    if pattern.fullmatch(value):
                        formats[key] = pattern
    for i, answer in enumerate(answers):
        missing = keys - set(answer)
        assert not missing, f"{where} item {i}: no {sorted(missing)} (has {sorted(answer)})"
        if exact_keys:
            assert set(answer) == keys, f"{where} item {i}: extra {sorted(set(answer) - keys)}"
        for key, value in answer.items():
            if value is None or key not in types:
                continue
            assert _json_type(value) in types[key], (where, i, key, value)
            if key in formats:
                assert formats[key].fullmatch(value), (where, i, key, value)


class SandboxApi:
    """Plain HTTP to a sandbox with the demo firm's API key."""

    def __init__(self, sandbox: BigtimeSandbox) -> None:
        self.url = sandbox.url
        self.http = requests.Session()
        self.http.headers.update({"X-Auth-ApiToken": creds.API_TOKEN, "X-Auth-Realm": creds.FIRM})

    def call(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.http.request(method, self.url + path, timeout=30, **kw)
        assert resp.status_code == 200, (method, path, resp.status_code, resp.text[:200])
        return json.loads(resp.content, parse_float=Decimal)

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params)


@pytest.fixture
def sandbox_api(bt_sandbox: BigtimeSandbox) -> SandboxApi:
    bt_sandbox.faults.clear()
    return SandboxApi(bt_sandbox)


def test_sandbox_master_data_answers_like_the_golden_files(
    sandbox_api: SandboxApi, demo_seed: DemoSeed
) -> None:
    clients = sandbox_api.get("/client", ShowInactive="true")
    assert_like_golden(clients, golden("client_list.json"), "GET /client")
    projects = sandbox_api.get("/project", ShowInactive="true")
    # The live list's field set is known verbatim (evidence §2.4): exactly these keys.
    assert_like_golden(projects, golden("project_list.json"), "GET /project", exact_keys=True)
    names = {c["SystemId"]: c["Nm"] for c in clients}
    for p in projects:
        assert p["DisplayName"] == f"{names[p['ClientId']]}:{p['Nm']}"
        assert p["BasicRate"] is not None and p["TypeId"] is not None
    sid = projects[0]["SystemId"]
    detail = sandbox_api.get(f"/project/detail/{sid}")
    want = golden("project_list.json")
    assert_like_golden([detail], want, "GET /project/detail", exact_keys=True)
    lead = next(m["ProjectSid"] for m in demo_seed.raw["project_team"])
    team = sandbox_api.get(f"/project/team/{lead}")
    assert_like_golden(team, golden("project_team.json"), "GET /project/team", exact_keys=True)
    staff = sandbox_api.get("/staff", ShowInactive="true")
    assert_like_golden(staff, golden("staff_list.json"), "GET /staff")
    assert any(s["CostFactor"] is not None for s in staff)


def test_sandbox_time_and_invoices_answer_like_the_golden_files(
    sandbox_api: SandboxApi, demo_seed: DemoSeed
) -> None:
    staffer = demo_seed.time[0]["StaffSID"]
    sheet = sandbox_api.get(f"/time/Sheet/{staffer}", StartDt="2025-01-01", EndDt="2025-03-31")
    assert_like_golden(sheet, golden("time_sheet.json"), "GET /time/Sheet")
    # Only keys the client catalogues: its fast decoding path (and the pull benchmark) holds.
    assert set(sheet[0]) <= set(resources.TIME.names())
    history = sandbox_api.get("/invoice/history", startDt="2025-01-01", endDt="2025-12-31")
    assert_like_golden(history, golden("invoice_history.json"), "GET /invoice/history")
    for invoice in history:
        assert invoice["InvoicePeriod"] == int(invoice["InvoiceDt"][:4] + invoice["InvoiceDt"][5:7])
    detail = sandbox_api.get(f"/invoice/detail/{history[0]['Sid']}")
    want = golden("invoice_detail.json")
    assert_like_golden([detail], [want], "GET /invoice/detail")
    assert_like_golden(detail["Lines"], want["Lines"], "GET /invoice/detail Lines")


def test_sandbox_picklists_and_session_answer_like_the_golden_files(
    sandbox_api: SandboxApi, bt_sandbox: BigtimeSandbox
) -> None:
    for path, name in (
        ("/picklist/projects", "picklist_projects.json"),
        ("/picklist/LaborCodes", "picklist_laborcodes.json"),
        ("/picklist/FieldValues/LookupProjectType", "fieldvalues_projecttype.json"),
    ):
        assert_like_golden(sandbox_api.get(path), golden(name), path)
    # The contact-type list is known under its live name (evidence §2.11); nothing seeded.
    assert sandbox_api.get("/picklist/FieldValues/LookupClientContactType") == []
    body = {"UserId": creds.USER_ID, "Pwd": creds.USER_PASSWORD}
    answer = requests.post(bt_sandbox.url + "/session", json=body, timeout=30).json()
    assert_like_golden([answer], [golden("session.json")], "POST /session")


def test_sandbox_reports_answer_like_the_golden_files(
    bt_write_sandbox: BigtimeSandbox, demo_seed: DemoSeed
) -> None:
    sandbox_api = SandboxApi(bt_write_sandbox)  # a POST refreshes a report: a private copy
    want = golden("report_data_time.json")
    # A form-encoded body, as a production script sends it (evidence §2.13).
    window = {"DT_BEGIN": "2025-01-06", "DT_END": "2025-01-10"}
    got = sandbox_api.call("POST", f"/report/data/{guesses.TIME_REPORT_ID}", data=window)
    assert list(got) == list(want)
    assert got["FieldList"] == want["FieldList"]
    columns = [f["FieldNm"] for f in want["FieldList"]]
    rows = [dict(zip(columns, row, strict=True)) for row in got["Data"]]
    assert_like_golden(rows, [dict(zip(columns, want["Data"][0], strict=True))], "report time")
    assert {r["tmdt"] for r in rows} <= {f"2025-01-{d:02d}" for d in range(6, 11)}
    again = sandbox_api.get(f"/report/data/{guesses.TIME_REPORT_ID}")  # the refreshed window
    assert again == got
    empty = golden("report_data_expense_empty.json")
    got = sandbox_api.call("POST", f"/report/data/{guesses.EXPENSE_REPORT_ID}", json=window)
    # The observed columns, a row per demo-firm expense of the window (issue 16).
    assert got["FieldList"] == empty["FieldList"]
    dated = [e for e in demo_seed.raw["expense"] if "2025-01-06" <= e["Dt"] <= "2025-01-10"]
    assert len(got["Data"]) == len(dated) > 0
    project = demo_seed.raw["task"][0]["ProjectSid"]
    budget = sandbox_api.get(f"/task/BudgetStatusByProject/{project}")
    assert_like_golden(
        budget, golden("task_budget_status.json"), "GET /task/BudgetStatusByProject",
        exact_keys=True,
    )  # fmt: skip


def test_sandbox_expenses_answer_like_the_golden_file(
    bt_write_sandbox: BigtimeSandbox, demo_seed: DemoSeed
) -> None:
    api = SandboxApi(bt_write_sandbox)
    project = demo_seed.raw["project"][0]["SystemId"]
    staffer = demo_seed.raw["staff"][0]["StaffSID"]
    # The doc's POST body, as bt_expense sends it (evidence §2.10, §4.4).
    body = {"staffsid": staffer, "projectsid": project, "catsid": 1, "dt": "2025-02-03",
            "CostIN": 42.80, "notes": "Client site visit"}  # fmt: skip
    created = api.call("POST", "/expense/detail", data=json.dumps(body),
                       headers={"Content-Type": "application/json"})  # fmt: skip
    assert created["Nt"] == "Client site visit" and created["CostIN"] == Decimal("42.80")
    found = api.call(
        "POST", "/expense/reportbyfilter",
        json={"mindate": "2025-02-01", "maxdate": "2025-02-28", "view": "basic"},
    )  # fmt: skip
    assert_like_golden(found, golden("expense_reportbyfilter.json"), "POST /expense/reportbyfilter")
    # Unsubmitted: report 0 and a negative id until it is submitted
    # (docs/specs/bigtime-rest-api.md §4.6, §4.5).
    assert created["SID"] < 0 and created["RptSID"] == 0 and created["IsSubmitted"] is False
    seeded = [e["SID"] for e in demo_seed.raw["expense"] if e["Dt"].startswith("2025-02")]
    assert sorted(e["SID"] for e in found) == sorted([*seeded, created["SID"]])
    unsubmitted = api.get("/expense/report/0", staffsid=staffer)
    assert [e["SID"] for e in unsubmitted] == [created["SID"]]
    # A submitted report's id: a 500 (docs/specs/bigtime-evidence.md §2.10).
    report = demo_seed.raw["expense"][0]["RptSID"]
    assert api.http.get(f"{api.url}/expense/report/{report}", timeout=30).status_code == 500
