"""The sandbox follows docs/specs/bigtime-evidence.md §3, point by point, on its own catalogue.

Each test names the point of §3 it holds the sandbox to ("§N" and "ev §N" are
docs/specs/bigtime-evidence.md). The last tests check that the sandbox stands apart from the
client: it imports nothing of ``recon.bigtime`` (nor ``recon.intacct``), and every guess it
keeps is marked UNCERTAIN in one place.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import grimp
import requests

from recon.sandbox import bigtime as creds
from recon.sandbox.bigtime import catalogue, guesses
from recon.sandbox.bigtime.server import BigtimeSandbox
from tests.sandbox.bigtime_helpers import Api, message, session_api

pytest_plugins = ["tests.sandbox.bigtime_fixtures"]

ROOT = Path(__file__).resolve().parents[2]
DATE_ONLY = "2024-01-01"


def test_point_1_dates_carry_no_time_part(bt_api: Api) -> None:
    project = bt_api.ok("GET", "/project/detail/1")
    assert project["StartDt"] == DATE_ONLY
    staff = bt_api.ok("GET", "/staff")
    assert staff[0]["Start_dt"] == "2020-01-06"  # on the list (point 14)
    entry = bt_api.ok("GET", "/time/101")
    assert entry["Dt"] == "2024-01-02"
    invoice = bt_api.ok("GET", "/invoice/detail/1")
    assert invoice["InvoiceDt"] == "2024-02-01"
    # Timestamps stay timestamps (point 1: "keep them datetime").
    created = bt_api.ok("POST", "/client/detail", {"Nm": "Stamped"})
    assert len(created["DtCreated"]) == len("2024-01-01T00:00:00")


def test_point_2_and_3_projects_carry_basic_rate_and_the_live_list_fields(bt_api: Api) -> None:
    listed = bt_api.ok("GET", "/project")
    observed = ("Notes", "CostCenterA", "CostCenterB", "CostCenterC", "QBClassDefault",
                "BudgetHours", "InputFees", "StatusProd", "IsAllStaff", "BillingRate")  # fmt: skip
    for project in listed:
        assert isinstance(project["BasicRate"], int | Decimal)  # never null
        for name in observed:
            assert name in project, name
    assert listed[0]["CostCenterA"] == 1 and listed[0]["QBClassDefault"] == 1
    assert listed[0]["IsAllStaff"] is False and listed[0]["IsNoCharge"] is False
    # Detail without View = the list's fields (ev §2.4); Detailed adds the rest.
    assert set(bt_api.ok("GET", "/project/detail/1")) == set(listed[0])
    detailed = bt_api.ok("GET", "/project/detail/1", View="Detailed")
    assert {"UdfList", "DefaultInvoiceTermSid"} <= set(detailed) - set(listed[0])


def test_point_4_an_unknown_view_is_basic_never_a_400(bt_api: Api) -> None:
    basic = bt_api.ok("GET", "/project/detail/1")
    for view in ("ViewChoices.DETAILED", "everything", "", "BASIC"):
        assert bt_api.ok("GET", "/project/detail/1", View=view) == basic, view
    sheet = {"startdt": "2024-01-01", "enddt": "2024-01-31"}
    assert bt_api.ok("GET", "/time/Sheet/1", view="ViewChoices.DETAILED", **sheet)
    assert "UdfList" in bt_api.ok("GET", "/project/detail/1", view="DETAILED")


def test_point_5_team_members_are_staffsid_and_staffnm(bt_api: Api) -> None:
    team = bt_api.ok("GET", "/project/team/1")
    assert [set(m) for m in team] == [{"staffsid", "ContactRole", "TeamLead", "StaffNm"}] * 2
    assert team[0]["staffsid"] == 1 and team[0]["StaffNm"] == "Ann Lee"


def test_point_6_contact_types_are_lookupclientcontacttype(bt_api: Api) -> None:
    assert bt_api.ok("GET", "/picklist/FieldValues/LookupClientContactType") == []
    assert bt_api.get("/picklist/FieldValues/LookupContactType").status_code == 404


def test_point_7_display_name_is_client_project_and_typeid_0_when_unset(bt_api: Api) -> None:
    typed, untyped = bt_api.ok("GET", "/project/detail/1"), bt_api.ok("GET", "/project/detail/2")
    assert typed["DisplayName"] == "Acme Corp:Audit 2024" and typed["TypeId"] == 1
    assert untyped["DisplayName"] == "Beta LLC:Tax 2024" and untyped["TypeId"] == 0
    # DisplayName is derived, and follows renames of the project and of its client.
    bt_api.ok("POST", "/project/detail/2", {"Nm": "Tax FY2024", "DisplayName": "ignored"})
    bt_api.ok("POST", "/client/detail/2", {"Nm": "Beta Holdings"})
    assert bt_api.ok("GET", "/project/detail/2")["DisplayName"] == "Beta Holdings:Tax FY2024"
    assert bt_api.ok("GET", "/invoice/detail/2")["DName"] == "Beta Holdings:Tax FY2024"
    # A TypeId of 0 written is no type, and reads back as 0.
    assert bt_api.ok("POST", "/project/detail/1", {"TypeId": 0})["TypeId"] == 0


def test_point_8_the_realm_takes_the_numeric_tenant_id(bt_sandbox: BigtimeSandbox) -> None:
    for realm in (creds.FIRM, creds.TENANT_ID):
        api = Api(bt_sandbox, {"X-auth-ApiToken": creds.API_TOKEN, "X-auth-realm": realm})
        assert api.get("/client").status_code == 200, realm
    wrong = Api(bt_sandbox, {"X-Auth-ApiToken": creds.API_TOKEN, "X-Auth-Realm": "12345"})
    assert wrong.get("/client").status_code == 401
    user = session_api(bt_sandbox)
    user.http.headers["X-Auth-Realm"] = creds.TENANT_ID
    assert user.get("/client").status_code == 200
    body = {"UserId": creds.USER_ID, "Pwd": creds.USER_PASSWORD, "Firm": creds.TENANT_ID}
    login = requests.post(bt_sandbox.url + "/session", json=body, timeout=30)
    assert login.status_code == 200 and login.json()["firm"] == creds.FIRM


def test_point_9_task_budget_status_has_the_live_keys(bt_api: Api) -> None:
    (fieldwork, review) = bt_api.ok("GET", "/task/BudgetStatusByProject/1")
    assert list(fieldwork) == [f.name for f in catalogue.TASK_BUDGET_STATUS.fields]
    assert "HoursInput" not in fieldwork  # the spec's declared names were wrong (ev §2.14)
    # Task 1 has entry 101 (7.5 h, invoiced) and 103 (8 h, not invoiced), at 150/h.
    assert fieldwork["HrsIn"] == Decimal("15.50") and fieldwork["ChargeIn"] == Decimal("2325.00")
    assert fieldwork["InvoicedToDate"] == Decimal("1125.00")
    assert fieldwork["WipTotal"] == Decimal("1200.00") and review["HrsIn"] == 0
    assert bt_api.get("/task/BudgetStatusByProject/99").status_code == 404


def test_point_10_invoice_history_carries_the_live_fields(bt_api: Api) -> None:
    inv = bt_api.ok("GET", "/invoice/history", startDt="2024-02-01", endDt="2024-02-01")[0]
    assert inv["DName"] == "Acme Corp:Audit 2024" and inv["InvoicePeriod"] == 202402
    assert inv["InvoiceAmt"] == Decimal("1500.00") and inv["TotalAmtDue"] == Decimal("999.75")
    assert inv["IsPaid"] is False and inv["TermsNm"] == "Net 30"
    lines = bt_api.ok("GET", "/invoice/detail/1")["Lines"]
    assert {"LineType", "Source"} <= set(lines[0])


def test_point_11_field_values_ids_are_strings(bt_api: Api) -> None:
    types = bt_api.ok("GET", "/picklist/FieldValues/LookupProjectType")
    assert [t["Id"] for t in types] == ["1", "2"]
    assert bt_api.ok("GET", "/picklist/LaborCodes")[0]["Id"] == 1  # other picklists: numbers


def test_point_12_form_encoded_bodies_are_read(bt_api: Api) -> None:
    form = {"Content-Type": guesses.FORM_MEDIA_TYPE}
    resp = bt_api.request("POST", "/client/detail", data={"Nm": "Form Co", "ClientId": "F1"})
    assert resp.status_code == 200 and resp.json()["Nm"] == "Form Co"
    bad = bt_api.request("POST", "/client/detail", data=b"%%%=&&", headers=form)
    assert bad.status_code == 400 and "form" in message(bad)


def test_point_13_report_data_takes_json_or_form_and_get_reads_the_refresh(bt_api: Api) -> None:
    report = f"/report/data/{guesses.TIME_REPORT_ID}"
    whole = bt_api.ok("GET", report)  # never refreshed: every date
    assert len(whole["Data"]) == 7
    window = {"DT_BEGIN": "2024-01-02", "DT_END": "2024-01-02"}
    by_form = bt_api.request("POST", report, data=window).json()
    by_json = bt_api.ok("POST", report, window)
    assert by_form == by_json and [row[1] for row in by_json["Data"]] == ["2024-01-02"] * 3
    names = [f["FieldNm"] for f in by_json["FieldList"]]
    first = dict(zip(names, by_json["Data"][0], strict=True))
    assert first["tmstaffnm"] == "Ann Lee" and first["tmprojectnm_id"] == 1
    assert bt_api.ok("GET", report) == by_json
    assert bt_api.post(report, {"DT_BEGIN": "soon"}).status_code == 400
    assert bt_api.get("/report/data/4").status_code == 404


def test_point_13_expense_routes(bt_api: Api) -> None:
    body = {"staffsid": 1, "projectsid": 1, "catsid": 1, "dt": "2024-05-06", "CostIN": 12.5,
            "notes": "Parking"}  # fmt: skip
    created = bt_api.ok("POST", "/expense/detail", body)
    assert created["Nt"] == "Parking" and created["IsSubmitted"] is False
    assert created["ClientNm"] == "Acme Corp" and created["CatNm"] == "Travel"
    assert bt_api.ok("GET", f"/expense/detail/{created['SID']}") == created
    assert bt_api.ok("GET", "/expense/report/0", staffsid="1") == [created]
    assert bt_api.ok("GET", "/expense/report/0", staffsid="2") == []
    assert bt_api.get("/expense/report/5").status_code == 500  # as pybt saw (ev §2.10)
    found = bt_api.ok("POST", "/expense/reportbyfilter", None, mindate="2024-05-01",
                      maxdate="2024-05-31", staffsids="1")  # fmt: skip
    assert found == [created]
    assert bt_api.post("/expense/detail", {"staffsid": 1}).status_code == 400
    report = bt_api.ok("POST", f"/report/data/{guesses.EXPENSE_REPORT_ID}",
                       {"DT_BEGIN": "2024-05-01", "DT_END": "2024-05-31"})  # fmt: skip
    names = [f["FieldNm"] for f in report["FieldList"]]
    row = dict(zip(names, report["Data"][0], strict=True))
    assert row["excostin"] == Decimal("12.5") and row["exsourcenm"] == "Ann Lee"


def test_point_13_other_routes_real_clients_call(bt_api: Api) -> None:
    days = bt_api.ok("GET", "/time/TotalByDay/1", StartDt="2024-01-01", EndDt="2024-01-31")
    assert [(d["dt"], d["totalHours"]) for d in days] == [
        ("2024-01-02", Decimal("7.75")), ("2024-01-03", 8), ("2024-01-31", Decimal("1.75"))
    ]  # fmt: skip
    assert bt_api.post("/time/reportbyfilter", {"StartDt": "2024-01-01"}).status_code == 400
    assert bt_api.post("/session/firm", {"token": "x"}).status_code == 403


def test_point_14_staff_list_extras(bt_api: Api) -> None:
    staff = bt_api.ok("GET", "/staff")[0]
    for name in ("Start_dt", "CostFactor", "Rate1", "Rate5", "Capacity"):
        assert name in staff, name


# --- apart from the client -----------------------------------------------------------------------


def _sandbox_files() -> list[Path]:
    return [
        *sorted((ROOT / "recon" / "sandbox" / "bigtime").glob("*.py")),
        *sorted((ROOT / "recon" / "sandbox" / "firm").glob("bigtime_*.py")),
    ]


def test_the_sandbox_never_imports_the_clients() -> None:
    for path in _sandbox_files():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("recon.bigtime", "recon.intacct")), (path, name)


def test_serving_the_sandbox_needs_no_client_module() -> None:
    # Everything the BigTime server and the firm's wire format import, transitively
    # (``import recon`` itself loads the public API, so sys.modules cannot tell).
    graph = grimp.build_graph("recon", exclude_type_checking_imports=True)
    needed = set()
    for start in ("recon.sandbox.bigtime.server", "recon.sandbox.firm.bigtime_wire"):
        needed |= graph.find_upstream_modules(start)
    assert needed and "recon.sandbox.bigtime.store" in needed
    assert sorted(m for m in needed if m.startswith(("recon.bigtime", "recon.intacct"))) == []


def test_every_field_has_evidence_and_guesses_are_marked() -> None:
    grades = ("OBS", "RUN", "DOC", "DECL", "UNCERTAIN")
    for res in catalogue.RESOURCES.values():
        for field in res.fields:
            assert field.evidence.startswith(grades), (res.name, field.name)
    guessed = {(r, f) for r, f, _ in catalogue.guessed_fields()}
    assert ("project", "BudgetHours") in guessed and ("project", "BasicRate") not in guessed
    assert ("team_member", "staffsid") not in guessed
    assert "UNCERTAIN" in (guesses.__doc__ or "")
