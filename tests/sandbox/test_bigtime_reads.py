"""Reads: lists, detail views, teams, custom fields, time windows, invoices, tasks, picklists.

Citations: "spec §N" is docs/specs/bigtime-rest-api.md, "ev §N"
docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import http.client
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import requests

from recon.sandbox.bigtime import catalogue as rs
from recon.sandbox.bigtime import guesses
from recon.sandbox.bigtime.server import BigtimeSandbox
from tests.sandbox.bigtime_helpers import API_KEY_HEADERS, Api, decode, message

pytest_plugins = ["tests.sandbox.bigtime_fixtures"]

SHEET = "/time/Sheet/{}"


def test_lists_are_bare_arrays_of_basic_records(bt_api: Api) -> None:
    clients = bt_api.ok("GET", "/client")
    assert isinstance(clients, list)
    assert list(clients[0]) == list(rs.CLIENT.names(detailed=False))
    assert "QBCustomerId" not in clients[0]  # Detailed only
    staff = bt_api.ok("GET", "/staff")
    assert next(iter(staff[0])) == "StaffSID" and "UdfList" not in staff[0]
    assert [p["ProjectCode"] for p in bt_api.ok("GET", "/project")] == ["P1", "P2"]


def test_show_inactive_includes_inactive_rows(bt_api: Api) -> None:
    assert len(bt_api.ok("GET", "/client")) == 2
    everyone = bt_api.ok("GET", "/client", ShowInactive="true")
    assert [c["SystemId"] for c in everyone] == [1, 2, 3]
    assert everyone[2]["IsInactive"] is True
    assert [s["StaffSID"] for s in bt_api.ok("GET", "/staff", showinactive="TRUE")] == [1, 2, 3]
    assert bt_api.get("/client", ShowInactive="maybe").status_code == 400


def test_detail_views_and_staff_id_spelling(bt_api: Api) -> None:
    basic = bt_api.ok("GET", "/client/detail/2")
    assert "QBCustomerId" not in basic
    detailed = bt_api.ok("GET", "/client/detail/2", View="Detailed")
    assert detailed["QBCustomerId"] == "BETA" and detailed["Nm"] == "Beta LLC"
    staff = bt_api.ok("GET", "/staff/detail/1", view="detailed")
    assert "StaffSid" in staff and "StaffSID" not in staff  # spec §4.3: casing varies
    assert staff["FullName"] == "Ann Lee" and staff["Start_dt"] == "2020-01-06"  # ev §3.1
    assert staff["UdfList"] == [{"Sid": 11, "Name": "Employee ID", "Value": "E1"}]
    assert "StaffSid" in bt_api.ok("GET", "/staff/detail/1")
    # ev §3.4: an unknown View is the default (Basic), not a 400.
    assert bt_api.ok("GET", "/client/detail/1", View="Everything") == bt_api.ok(
        "GET", "/client/detail/1"
    )


def test_project_detail_has_udfs_and_references(bt_api: Api) -> None:
    project = bt_api.ok("GET", "/project/detail/1", View="Detailed")
    assert project["ClientId"] == 1 and project["StartDt"] == "2024-01-01"  # ev §3.1
    assert project["UdfList"] == [
        {"Sid": 1, "Name": "PO Number", "Value": "PO-77"},
        {"Sid": 2, "Name": "PO Amount", "Value": None},
        {"Sid": 3, "Name": "SO Number", "Value": "SO-9"},
    ]
    assert "UdfList" not in bt_api.ok("GET", "/project/detail/1")


def test_paths_and_parameters_match_any_case(bt_sandbox: BigtimeSandbox) -> None:
    base = bt_sandbox.base_url + "/BIGTIMEDATA/Api/V2"
    params = {"sTaRtDt": "2024-01-01", "ENDDT": "2024-01-31"}
    resp = requests.get(base + "/TIME/sheet/1", params=params, headers=API_KEY_HEADERS, timeout=10)
    assert resp.status_code == 200 and len(resp.json()) == 4
    resp = requests.get(base + "/Client/Detail/1", headers=API_KEY_HEADERS, timeout=10)
    assert resp.json()["Nm"] == "Acme Corp"


def test_unknown_routes_and_records_are_404_wrong_verbs_405(bt_api: Api) -> None:
    for path in ("/customer", "/client/detail/abc", "/client/detail/1/more", "/picklist/StaffList"):
        resp = bt_api.get(path)
        assert resp.status_code == 404, path
        assert message(resp)
    outside = requests.get(bt_api.sandbox.base_url + "/api/v1/client", timeout=10)
    assert outside.status_code == 404
    for path in ("/client/detail/99", "/project/detail/99", "/staff/detail/99", "/time/999"):
        resp = bt_api.get(path)
        assert resp.status_code == 404 and "99" in message(resp)
    resp = bt_api.request("PUT", "/client/detail/1", json={"Nm": "x"})
    assert resp.status_code == 405 and set(resp.headers["Allow"].split(", ")) == {
        "GET",
        "POST",
        "DELETE",
    }
    assert bt_api.delete("/client").status_code == 405


def test_every_answer_has_a_content_length(bt_api: Api) -> None:
    for resp in (bt_api.get("/client"), bt_api.get("/nope"), bt_api.get("/time/999")):
        assert int(resp.headers["Content-Length"]) == len(resp.content)


def test_project_team(bt_api: Api) -> None:
    team = bt_api.ok("GET", "/project/team/1")
    assert team == [  # ev §3.5: staffsid (lower case) and StaffNm
        {"staffsid": 1, "ContactRole": 1, "TeamLead": True, "StaffNm": "Ann Lee"},
        {"staffsid": 2, "ContactRole": 2, "TeamLead": False, "StaffNm": "Bo Chan"},
    ]
    assert bt_api.ok("GET", "/project/team/2") == []
    assert bt_api.get("/project/team/99").status_code == 404


def test_custom_field_reads(bt_api: Api) -> None:
    fields = bt_api.ok("GET", "/project/CustomFields/1")
    assert [(f["Name"], f["Value"]) for f in fields] == [
        ("PO Number", "PO-77"),
        ("PO Amount", None),
        ("SO Number", "SO-9"),
    ]
    assert bt_api.ok("GET", "/staff/UDFList/1") == [
        {"Sid": 11, "Name": "Employee ID", "Value": "E1"}
    ]
    assert bt_api.ok("GET", "/staff/udflist/2")[0]["Value"] is None
    assert bt_api.get("/staff/UDFList/99").status_code == 404


def test_time_sheet_window_is_inclusive_and_ordered(bt_api: Api) -> None:
    january = bt_api.ok("GET", SHEET.format(1), StartDt="2024-01-02", EndDt="2024-01-31")
    assert [(e["Dt"][:10], e["SID"]) for e in january] == [
        ("2024-01-02", 101),
        ("2024-01-02", 102),
        ("2024-01-03", 103),
        ("2024-01-31", 104),
    ]
    one_day = bt_api.ok("GET", SHEET.format(1), StartDt="2024-02-01", EndDt="2024-02-01")
    assert [e["SID"] for e in one_day] == [105]
    assert bt_api.ok("GET", SHEET.format(1), StartDt="2024-03-01", EndDt="2024-02-01") == []
    assert bt_api.ok("GET", SHEET.format(3), StartDt="2024-01-01", EndDt="2024-12-31") == []


def test_time_entries_carry_derived_names_and_exact_numbers(bt_api: Api) -> None:
    (entry,) = [
        e
        for e in bt_api.ok("GET", SHEET.format(1), StartDt="2024-01-02", EndDt="2024-01-02")
        if e["SID"] == 101
    ]
    assert list(entry) == list(rs.TIME.names())
    assert entry["ProjectNm"] == "Audit 2024" and entry["ClientID"] == 1
    assert entry["ClientNm"] == "Acme Corp" and entry["SourceNm"] == "Ann Lee"
    assert (entry["FName"], entry["SName"]) == ("Ann", "Lee")
    assert entry["BudgCatNm"] == "Senior work" and entry["TaskNm"] == "Fieldwork"
    assert entry["QBClassNm"] == "Advisory"
    assert entry["Hours_IN"] == Decimal("7.5") and entry["ChargeBillable"] == Decimal("1125.00")
    assert entry["IsSubmitted"] is True and entry["IsInvoiced"] is True
    assert bt_api.ok("GET", "/time/101") == entry


def test_time_sheet_needs_both_dates(bt_api: Api) -> None:
    for params in ({}, {"StartDt": "2024-01-01"}, {"EndDt": "2024-01-31"}):
        resp = bt_api.get(SHEET.format(1), **params)
        assert resp.status_code == 400 and "Dt" in message(resp)
    resp = bt_api.get(SHEET.format(1), StartDt="2024-13-01", EndDt="2024-12-31")
    assert resp.status_code == 400
    assert bt_api.get(SHEET.format(99), StartDt="2024-01-01", EndDt="2024-12-31").status_code == 404


def test_time_by_project(bt_api: Api) -> None:
    entries = bt_api.ok("GET", "/time/ByProject/2", StartDt="2024-01-01", EndDt="2024-03-15")
    assert [e["SID"] for e in entries] == [201, 202]
    assert bt_api.get("/time/ByProject/2", StartDt="2024-01-01").status_code == 400
    resp = bt_api.get("/time/ByProject/99", StartDt="2024-01-01", EndDt="2024-01-02")
    assert resp.status_code == 404


def test_invoice_history_window_and_detail(bt_api: Api) -> None:
    history = bt_api.ok("GET", "/invoice/history", startDt="2024-02-01", endDt="2024-03-15")
    assert [i["InvoiceNbr"] for i in history] == ["INV-1", "INV-2"]
    assert all("Lines" not in i for i in history)
    assert history[0]["ClientNm"] == "Acme Corp" and history[0]["PaidAmt"] == Decimal("500.25")
    assert bt_api.ok("GET", "/invoice/history", startDt="2024-02-02", endDt="2024-03-14") == []
    for params in ({}, {"startDt": "2024-01-01"}, {"endDt": "2024-12-31"}):
        assert bt_api.get("/invoice/history", **params).status_code == 400
    invoice = bt_api.ok("GET", "/invoice/detail/1")
    assert [line["Amt"] for line in invoice["Lines"]] == [Decimal("1125.00"), Decimal("375.00")]
    assert {line["InvoiceSid"] for line in invoice["Lines"]} == {1}
    assert bt_api.get("/invoice/detail/9").status_code == 404


def test_invoice_drafts_list_exists_and_is_empty(bt_api: Api) -> None:
    assert bt_api.ok("GET", "/invoice/drafts") == []
    assert bt_api.ok("GET", "/invoice/drafts", startDt="2024-01-01", endDt="2024-12-31") == []
    assert bt_api.get("/invoice/drafts", startDt="soon").status_code == 400


def test_tasks(bt_api: Api) -> None:
    assert [t["TaskSid"] for t in bt_api.ok("GET", "/task/listByProject/1")] == [1]
    everything = bt_api.ok("GET", "/task/listByProject/1", showCompleted="true")
    assert [t["TaskSid"] for t in everything] == [1, 2]
    task = bt_api.ok("GET", "/task/detail/1")
    assert task["FullName"] == "Audit: Fieldwork" and task["ProjectSid"] == 1
    assert bt_api.get("/task/detail/5").status_code == 404
    assert bt_api.get("/task/listByProject/99").status_code == 404


def test_vocabulary_has_lower_case_keys(bt_api: Api) -> None:
    assert bt_api.ok("GET", "/settings/vocabulary") == [
        {"id": "PROJECT", "name": "engagement"},
        {"id": "CLIENT", "name": "customer"},
    ]


def test_reference_picklists_leave_inactive_out_unless_asked(bt_api: Api) -> None:
    centres = bt_api.ok("GET", "/picklist/FieldValues/CostCenterA")
    # ev §3.11: FieldValues items carry Id as a string.
    assert [(i["Id"], i["Name"], i["Code"]) for i in centres] == [("1", "Consulting", "D1")]
    everything = bt_api.ok("GET", "/picklist/fieldvalues/costcentera", showinactive="true")
    assert [i["Id"] for i in everything] == ["1", "2"] and everything[1]["IsInactive"] is True
    assert list(centres[0]) == list(rs.PICKLIST_ITEM.names())
    terms = bt_api.ok("GET", "/picklist/FieldValues/InvoiceTerms")
    assert [t["DueDays"] for t in terms] == [30, 60]
    assert bt_api.ok("GET", "/picklist/CreditCards")[0]["CardType"] == "Visa"
    assert bt_api.ok("GET", "/picklist/QBAccountList")[0]["AcctNbr"] == "4000"
    assert [c["Name"] for c in bt_api.ok("GET", "/picklist/QBClasses")] == ["Advisory"]
    assert bt_api.ok("GET", "/picklist/LaborCodes")[0]["Group"] == "Labor"


def test_every_contract_list_is_served(bt_api: Api) -> None:
    for name, endpoint in guesses.LISTS.items():
        items = bt_api.ok("GET", endpoint.path, **dict(endpoint.params))
        assert items, name


def test_ialist_needs_a_known_list_type(bt_api: Api) -> None:
    assert bt_api.ok("GET", "/picklist/IAList", ListType="vendor")[0]["Code"] == "V1"
    assert bt_api.ok("GET", "/picklist/IAList", listtype="Item")[0]["Code"] == "I1"
    for params in ({}, {"ListType": "Planet"}):
        resp = bt_api.get("/picklist/IAList", **params)
        assert resp.status_code == 400 and "Vendor" in message(resp)


def test_field_values_known_but_unseeded_is_empty_unknown_is_404(bt_api: Api) -> None:
    assert bt_api.ok("GET", "/picklist/FieldValues/StatusBilling") == []
    assert bt_api.get("/picklist/FieldValues/NoSuchList").status_code == 404


def test_record_picklists(bt_api: Api) -> None:
    projects = bt_api.ok("GET", "/picklist/projects")
    assert [(p["Id"], p["Name"], p["Group"]) for p in projects] == [
        (1, "Audit 2024", "Acme Corp"),
        (2, "Tax 2024", "Beta LLC"),
    ]
    assert len(bt_api.ok("GET", "/picklist/Projects", showinactive="true")) == 3
    assert [c["Name"] for c in bt_api.ok("GET", "/picklist/clients")] == ["Acme Corp", "Beta LLC"]
    staff = bt_api.ok("GET", "/picklist/staff", showinactive="true")
    assert [(s["Name"], s["IsInactive"]) for s in staff] == [
        ("Ann Lee", False),
        ("Bo Chan", False),
        ("Cy Dee", True),
    ]


def test_money_goes_out_as_json_numbers_without_float_rounding(bt_api: Api) -> None:
    raw = bt_api.get("/invoice/detail/1").content
    assert b'"PaidAmt":500.25' in raw and b'"Quantity":7.5' in raw
    assert decode(bt_api.get("/invoice/detail/2"))["TotalAmt"] == Decimal("99.99")


def test_keep_alive_serves_several_requests_on_one_connection(bt_sandbox: BigtimeSandbox) -> None:
    host, port = bt_sandbox.base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        for path in ("/client", "/staff", "/nowhere", "/client/detail/1"):
            conn.request("GET", bt_sandbox.url + path, headers=API_KEY_HEADERS)
            resp = conn.getresponse()
            body = resp.read()
            assert resp.version == 11 and int(resp.headers["Content-Length"]) == len(body)
            assert resp.headers.get("Connection", "").lower() != "close"
        assert conn.sock is not None  # never reconnected
    finally:
        conn.close()


def test_concurrent_reads_and_writes(bt_sandbox: BigtimeSandbox) -> None:
    entry = {"Dt": "2024-04-01", "ProjectSID": 2, "StaffSID": 2, "Hours_IN": 1}

    def work(i: int) -> list[int]:
        api = Api(bt_sandbox)
        codes = []
        for _ in range(10):
            if i % 2:
                codes.append(api.post("/time", entry, MarkSubmitted="true").status_code)
            else:
                resp = api.get(SHEET.format(2), StartDt="2024-01-01", EndDt="2024-12-31")
                codes.append(resp.status_code)
                assert isinstance(resp.json(), list)
        return codes

    with ThreadPoolExecutor(4) as pool:
        codes = [c for batch in pool.map(work, range(4)) for c in batch]
    assert codes == [200] * 40
    sheet = Api(bt_sandbox).ok("GET", SHEET.format(2), StartDt="2024-04-01", EndDt="2024-04-01")
    assert sorted(e["SID"] for e in sheet) == list(range(203, 223))
