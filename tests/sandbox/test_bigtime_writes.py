"""Writes to clients, projects and staff: validation, duplicates, updates, deletes, teams, UDFs.

Citations: "ev §N" is docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import http.client
import json
from typing import Any

from recon.sandbox.bigtime.server import BigtimeSandbox
from tests.clock import FakeClock
from tests.sandbox.bigtime_helpers import API_KEY_HEADERS, Api, message

pytest_plugins = ["tests.sandbox.bigtime_fixtures"]


def _bad(resp: Any, *words: str) -> None:
    """A 400 whose message names every word (usually the field)."""
    assert resp.status_code == 400, resp.text
    text = message(resp)
    for word in words:
        assert word in text, (word, text)


def test_create_client_answers_detailed_with_a_new_id(bt_api: Api, bt_clock: FakeClock) -> None:
    created = bt_api.ok(
        "POST", "/client/detail", {"nm": "Delta Inc", "CLIENTID": "C4", "QBCustomerId": "D4"}
    )
    assert created["SystemId"] == 4 and created["Nm"] == "Delta Inc"
    assert created["QBCustomerId"] == "D4" and created["IsInactive"] is False
    assert created["DtCreated"] == created["DtModified"] == "2023-11-14T22:13:20"
    assert bt_api.ok("GET", "/client/detail/4", View="Detailed") == created


def test_unknown_and_read_only_fields_are_ignored(bt_api: Api) -> None:
    body = {"Nm": "Echo", "ClientId": "C5", "Colour": "blue", "SystemId": 777, "DtCreated": "x"}
    created = bt_api.ok("POST", "/client/detail", body)
    assert created["SystemId"] == 4 and "Colour" not in created
    assert created["DtCreated"] != "x"


def test_create_validation(bt_api: Api) -> None:
    _bad(bt_api.post("/client/detail", {"ClientId": "C9"}), "Nm")
    _bad(bt_api.post("/client/detail", {"Nm": "  "}), "Nm")
    _bad(bt_api.post("/project/detail", {"Nm": "No client"}), "ClientId")
    _bad(bt_api.post("/project/detail", {"Nm": "X", "ClientId": 99}), "ClientId", "99")
    _bad(bt_api.post("/project/detail", {"Nm": "X", "ClientId": "one"}), "ClientId")
    _bad(
        bt_api.post("/project/detail", {"Nm": "X", "ClientId": 1, "StartDt": "1/2/2024"}), "StartDt"
    )
    _bad(bt_api.post("/project/detail", {"Nm": "X", "ClientId": 1, "TypeId": 9}), "TypeId")
    _bad(
        bt_api.post("/project/detail", {"Nm": "X", "ClientId": 1, "IsInactive": "no"}), "IsInactive"
    )
    _bad(bt_api.post("/client/detail", {"Nm": "X", "CostCenterA": 5}), "CostCenterA")
    _bad(bt_api.post("/staff/add", {"FName": "A", "SName": "B"}, inviteUser="false"), "EMail")
    _bad(bt_api.post("/client/detail", ["not", "an", "object"]))
    resp = bt_api.request(
        "POST", "/client/detail", data=b"{Nm: oops", headers={"Content-Type": "application/json"}
    )
    _bad(resp, "JSON")
    assert len(bt_api.ok("GET", "/client", ShowInactive="true")) == 3  # nothing was created


def test_duplicate_codes_are_400(bt_api: Api) -> None:
    _bad(bt_api.post("/client/detail", {"Nm": "Copy", "ClientId": "C1"}), "ClientId", "C1")
    _bad(bt_api.post("/project/detail", {"Nm": "Copy", "ClientId": 1, "ProjectCode": "P2"}), "P2")
    _bad(bt_api.post("/project/detail/1", {"ProjectCode": "P2"}), "ProjectCode")
    assert bt_api.ok("POST", "/project/detail/1", {"ProjectCode": "P1"})["ProjectCode"] == "P1"


def test_create_project_with_udfs_and_references(bt_api: Api) -> None:
    body = {
        "Nm": "Advisory 2025",
        "ProjectCode": "P4",
        "ClientId": 2,
        "TypeId": 2,
        "StartDt": "2025-01-31",
        "CostCenterA": 1,
        "QBClassDefault": 1,
        "DefaultInvoiceTermSid": 2,
        "UdfList": [{"Name": "po number", "Value": "PO-1"}, {"Sid": 2, "Value": 1250.5}],
    }
    created = bt_api.ok("POST", "/project/detail", body)
    assert created["SystemId"] == 4 and created["StartDt"] == "2025-01-31"  # ev §3.1
    assert [u["Value"] for u in created["UdfList"]] == ["PO-1", "1250.5", None]
    assert [p["ProjectCode"] for p in bt_api.ok("GET", "/project")] == ["P1", "P2", "P4"]
    _bad(
        bt_api.post("/project/detail", {**body, "ProjectCode": "P5", "UdfList": [{"Name": "Zip"}]})
    )


def test_create_staff(bt_api: Api) -> None:
    body = {"FName": "Di", "SName": "Eve", "EMail": "di@demo.example", "ManagerID": 1}
    created = bt_api.ok("POST", "/staff/add", body, inviteUser="false")
    assert created["StaffSid"] == 4 and created["FullName"] == "Di Eve"
    assert created["UdfList"] == [{"Sid": 11, "Name": "Employee ID", "Value": None}]
    _bad(bt_api.post("/staff/add", {**body, "ManagerID": 42}), "ManagerID")


def test_update_merges_fields_and_refreshes_time_names(bt_api: Api) -> None:
    updated = bt_api.ok("POST", "/project/detail/1", {"nm": "Audit FY2024", "Notes": "moved"})
    assert updated["Nm"] == "Audit FY2024" and updated["Notes"] == "moved"
    assert updated["ProjectCode"] == "P1" and updated["UdfList"][0]["Value"] == "PO-77"
    assert bt_api.ok("GET", "/time/101")["ProjectNm"] == "Audit FY2024"
    bt_api.ok("POST", "/client/detail/1", {"Nm": "Acme Holdings"})
    assert bt_api.ok("GET", "/time/101")["ClientNm"] == "Acme Holdings"
    assert bt_api.ok("GET", "/invoice/detail/1")["ClientNm"] == "Acme Holdings"
    assert bt_api.ok("GET", "/picklist/projects")[0]["Group"] == "Acme Holdings"
    staff = bt_api.ok("POST", "/staff/detail/1", {"SName": "Lee-Park"})
    assert staff["FullName"] == "Ann Lee-Park"
    entry = bt_api.ok("GET", "/time/101")
    assert (entry["SName"], entry["SourceNm"]) == ("Lee-Park", "Ann Lee-Park")
    assert bt_api.ok("GET", "/project/team/1")[0]["StaffNm"] == "Ann Lee-Park"  # ev §3.5


def test_moving_a_project_to_another_client_moves_its_time(bt_api: Api) -> None:
    bt_api.ok("POST", "/project/detail/1", {"ClientId": 2})
    entry = bt_api.ok("GET", "/time/101")
    assert (entry["ClientID"], entry["ClientNm"]) == (2, "Beta LLC")


def test_update_validation_and_missing_records(bt_api: Api) -> None:
    _bad(bt_api.post("/client/detail/1", {"Nm": ""}), "Nm")
    _bad(bt_api.post("/project/detail/1", {"ClientId": 99}), "ClientId")
    assert bt_api.post("/client/detail/99", {"Nm": "x"}).status_code == 404
    assert bt_api.ok("GET", "/client/detail/1")["Nm"] == "Acme Corp"


def test_delete_guards(bt_api: Api) -> None:
    _bad(bt_api.delete("/client/detail/1"), "projects")
    _bad(bt_api.delete("/project/detail/1"), "time entries")
    _bad(bt_api.delete("/staff/detail/1"), "time entries")
    assert bt_api.delete("/client/detail/99").status_code == 404
    assert bt_api.ok("GET", "/client/detail/1")["Nm"] == "Acme Corp"


def test_deletes(bt_api: Api) -> None:
    assert bt_api.ok("DELETE", "/client/detail/3") == {"Message": "deleted"}
    assert bt_api.get("/client/detail/3").status_code == 404
    assert bt_api.ok("DELETE", "/project/detail/3") == {"Message": "deleted"}
    assert bt_api.ok("DELETE", "/staff/detail/3") == {"Message": "deleted"}
    assert [s["StaffSID"] for s in bt_api.ok("GET", "/staff", ShowInactive="true")] == [1, 2]
    # Ids are never reused after a delete.
    assert bt_api.ok("POST", "/client/detail", {"Nm": "New"})["SystemId"] == 4


def test_project_team_post_replaces_the_team(bt_api: Api) -> None:
    team = bt_api.ok(
        "POST", "/project/team/2", [{"staffsid": 2, "TeamLead": True}, {"StaffSid": 1}]
    )
    assert team == [  # ev §3.5: members come back as staffsid + StaffNm
        {"staffsid": 2, "ContactRole": None, "TeamLead": True, "StaffNm": "Bo Chan"},
        {"staffsid": 1, "ContactRole": None, "TeamLead": False, "StaffNm": "Ann Lee"},
    ]
    assert bt_api.ok("POST", "/project/team/1", [{"StaffSid": 2, "ContactRole": 3}]) == [
        {"staffsid": 2, "ContactRole": 3, "TeamLead": False, "StaffNm": "Bo Chan"}
    ]
    assert bt_api.ok("GET", "/project/team/1")[0]["staffsid"] == 2
    assert bt_api.ok("POST", "/project/team/1", []) == []


def test_project_team_validation(bt_api: Api) -> None:
    _bad(bt_api.post("/project/team/1", [{"StaffSid": 99}]), "staffsid", "99")
    _bad(bt_api.post("/project/team/1", [{"ContactRole": 1}]), "staffsid")
    _bad(bt_api.post("/project/team/1", [{"StaffSid": 1}, {"StaffSid": 1}]), "twice")
    _bad(bt_api.post("/project/team/1", {"StaffSid": 1}), "array")
    assert bt_api.post("/project/team/99", []).status_code == 404
    assert len(bt_api.ok("GET", "/project/team/1")) == 2  # unchanged


def test_custom_fields_by_sid_and_by_name(bt_api: Api) -> None:
    fields = bt_api.ok("POST", "/project/CustomFields/2", [{"sid": 2, "value": "5000"}])
    assert [f["Value"] for f in fields] == [None, "5000", None]
    fields = bt_api.ok(
        "POST", "/project/CustomFieldsByName/2", [{"Name": "so number", "Value": "S1"}]
    )
    assert [f["Value"] for f in fields] == [None, "5000", "S1"]
    detail = bt_api.ok("GET", "/project/detail/2", View="Detailed")
    assert detail["UdfList"] == fields
    staff = bt_api.ok("POST", "/staff/UDFListByName/2", [{"Name": "Employee ID", "Value": "E2"}])
    assert staff == [{"Sid": 11, "Name": "Employee ID", "Value": "E2"}]
    assert bt_api.ok("POST", "/staff/UDFList/2", [{"Sid": 11, "Value": None}])[0]["Value"] is None


def test_custom_field_errors(bt_api: Api) -> None:
    _bad(bt_api.post("/project/CustomFieldsByName/1", [{"Name": "Colour", "Value": "x"}]), "Colour")
    _bad(bt_api.post("/project/CustomFields/1", [{"Sid": 11, "Value": "x"}]), "11")
    _bad(bt_api.post("/staff/UDFList/1", [{"Sid": 1, "Value": "x"}]))
    _bad(bt_api.post("/project/CustomFields/1", {"Sid": 1}), "array")
    assert bt_api.post("/project/CustomFields/99", []).status_code == 404
    assert bt_api.ok("GET", "/project/CustomFields/1")[0]["Value"] == "PO-77"


def test_a_failed_write_leaves_nothing_behind(bt_sandbox: BigtimeSandbox, bt_api: Api) -> None:
    before = bt_sandbox.store.record_text("project", 1)
    _bad(bt_api.post("/project/detail/1", {"Nm": "Renamed", "TypeId": 99}), "TypeId")
    assert bt_sandbox.store.record_text("project", 1) == before


def test_a_chunked_request_body_is_read(bt_sandbox: BigtimeSandbox) -> None:
    host, port = bt_sandbox.base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        headers = {**API_KEY_HEADERS, "Content-Type": "application/json"}
        body = iter([b'{"Nm": "Chunky', b' Co", "ClientId": "K9"}'])
        conn.request(
            "POST",
            bt_sandbox.url + "/client/detail",
            body=body,
            headers=headers,
            encode_chunked=True,
        )
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read())["Nm"] == "Chunky Co"
        conn.request("GET", bt_sandbox.url + "/client/detail/4", headers=API_KEY_HEADERS)
        assert json.loads(conn.getresponse().read())["ClientId"] == "K9"  # same connection
    finally:
        conn.close()
