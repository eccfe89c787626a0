"""Time entry writes: negative SIDs while unsubmitted, renumbering on submit, validation.

Citations: "ev §N" is docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.sandbox.bigtime_helpers import Api, message

pytest_plugins = ["tests.sandbox.bigtime_fixtures"]

ENTRY = {"Dt": "2024-05-06", "ProjectSID": 1, "StaffSID": 2, "Hours_IN": 1.25, "Notes": "memo"}


def _sheet(api: Api, staff: int = 2) -> list[dict[str, Any]]:
    return api.ok("GET", f"/time/Sheet/{staff}", StartDt="2024-05-01", EndDt="2024-05-31")


def test_unsubmitted_entries_get_negative_sids(bt_api: Api) -> None:
    first = bt_api.ok("POST", "/time", ENTRY, MarkSubmitted="false")
    second = bt_api.ok("POST", "/time", {**ENTRY, "Hours_IN": 2})  # MarkSubmitted defaults false
    assert (first["SID"], second["SID"]) == (-1, -2)
    assert first["IsSubmitted"] is False and first["Hours_IN"] == Decimal("1.25")
    assert first["ProjectNm"] == "Audit 2024" and first["SourceNm"] == "Bo Chan"
    assert first["HoursBillable"] == Decimal("1.25") and first["IsApproved"] is False
    assert first["InvoiceSID"] is None and first["IsInvoiced"] is False
    assert [e["SID"] for e in _sheet(bt_api)] == [-2, -1]  # same day: ordered by SID
    assert bt_api.ok("GET", "/time/-1") == first


def test_submitted_create_gets_the_next_positive_sid(bt_api: Api) -> None:
    entry = bt_api.ok("POST", "/time", ENTRY, markSubmitted="TRUE")
    assert entry["SID"] == 203 and entry["IsSubmitted"] is True


def test_submitting_renumbers_and_the_old_sid_is_gone(bt_api: Api) -> None:
    draft = bt_api.ok("POST", "/time", ENTRY)
    edited = bt_api.ok("POST", f"/time/{draft['SID']}", {"notes": "edited", "Hours_IN": 3})
    assert edited["SID"] == draft["SID"] and edited["Notes"] == "edited"
    submitted = bt_api.ok("POST", f"/time/{draft['SID']}", {}, MarkSubmitted="true")
    assert submitted["SID"] == 203 and submitted["IsSubmitted"] is True
    assert submitted["Notes"] == "edited" and submitted["Hours_IN"] == 3
    assert bt_api.get(f"/time/{draft['SID']}").status_code == 404
    assert bt_api.post(f"/time/{draft['SID']}", {"Notes": "x"}).status_code == 404
    assert [e["SID"] for e in _sheet(bt_api)] == [203]
    # A submitted entry stays submitted (and keeps its SID) when updated again.
    again = bt_api.ok("POST", "/time/203", {"Hours_IN": 4}, MarkSubmitted="false")
    assert (again["SID"], again["IsSubmitted"], again["Hours_IN"]) == (203, True, 4)
    # The negative SID is not handed out again.
    assert bt_api.ok("POST", "/time", ENTRY)["SID"] == -2


def test_changing_the_project_re_derives_names(bt_api: Api) -> None:
    entry = bt_api.ok("POST", "/time/201", {"ProjectSID": 1, "BudgCatID": 1})
    assert (entry["ProjectNm"], entry["ClientNm"], entry["BudgCatNm"]) == (
        "Audit 2024",
        "Acme Corp",
        "Senior work",
    )
    moved = bt_api.ok("GET", "/time/ByProject/1", StartDt="2024-01-02", EndDt="2024-01-02")
    assert 201 in [e["SID"] for e in moved]


def test_time_validation(bt_api: Api) -> None:
    cases = [
        ({k: v for k, v in ENTRY.items() if k != "Dt"}, "Dt"),
        ({k: v for k, v in ENTRY.items() if k != "Hours_IN"}, "Hours_IN"),
        ({**ENTRY, "ProjectSID": 99}, "ProjectSID"),
        ({**ENTRY, "StaffSID": 99}, "StaffSID"),
        ({**ENTRY, "BudgCatID": 9}, "BudgCatID"),
        ({**ENTRY, "QBClass": 9}, "QBClass"),
        ({**ENTRY, "TaskSID": 9}, "TaskSID"),
        ({**ENTRY, "ProjectSID": 2, "TaskSID": 1}, "TaskSID"),
        ({**ENTRY, "Hours_IN": 24.5}, "Hours_IN"),
        ({**ENTRY, "Hours_IN": -1}, "Hours_IN"),
        ({**ENTRY, "Hours_IN": "lots"}, "Hours_IN"),
        ({**ENTRY, "Dt": "2024-02-30"}, "Dt"),
        ({**ENTRY, "NoCharge": "sometimes"}, "NoCharge"),
    ]
    for body, field in cases:
        resp = bt_api.post("/time", body)
        assert resp.status_code == 400, (body, resp.text)
        assert field in message(resp), (field, message(resp))
    resp = bt_api.post("/time", ENTRY, MarkSubmitted="perhaps")
    assert resp.status_code == 400 and "MarkSubmitted" in message(resp)
    assert bt_api.post("/time/101", {"Hours_IN": 25}).status_code == 400
    assert _sheet(bt_api) == []


def test_no_charge_entries_default_to_no_billable_hours(bt_api: Api) -> None:
    entry = bt_api.ok("POST", "/time", {**ENTRY, "NoCharge": True})
    assert entry["NoCharge"] is True and entry["HoursBillable"] == 0
    given = bt_api.ok("POST", "/time", {**ENTRY, "HoursBillable": 1, "ChargeBillable": 150.5})
    assert given["HoursBillable"] == 1 and given["ChargeBillable"] == Decimal("150.5")


def test_read_only_time_fields_are_ignored(bt_api: Api) -> None:
    body = {**ENTRY, "SID": 5000, "ProjectNm": "Fake", "InvoiceSID": 1, "IsSubmitted": True}
    entry = bt_api.ok("POST", "/time", body)
    assert entry["SID"] == -1 and entry["ProjectNm"] == "Audit 2024"
    assert entry["InvoiceSID"] is None and entry["IsSubmitted"] is False


def test_delete_time(bt_api: Api) -> None:
    draft = bt_api.ok("POST", "/time", ENTRY)
    assert bt_api.ok("DELETE", f"/time/{draft['SID']}") == {"Message": "deleted"}
    assert bt_api.get(f"/time/{draft['SID']}").status_code == 404
    assert bt_api.delete(f"/time/{draft['SID']}").status_code == 404
    assert bt_api.ok("DELETE", "/time/202") == {"Message": "deleted"}
    # Deleting every entry of a staffer lets the staffer go.
    bt_api.ok("DELETE", "/time/201")
    assert bt_api.ok("DELETE", "/staff/detail/2") == {"Message": "deleted"}
    assert bt_api.ok("GET", "/project/team/1") == [  # ev §3.5: staffsid + StaffNm
        {"staffsid": 1, "ContactRole": 1, "TeamLead": True, "StaffNm": "Ann Lee"}
    ]
