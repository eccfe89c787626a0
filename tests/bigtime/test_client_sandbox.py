"""The real BigTime client against the BigTime sandbox over HTTP on loopback (no mocks).

Reads run against the demo firm with both auth styles and are checked against the firm's
own seed; writes run on a private copy of the firm per test.

Citations: "evidence §N" is docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from recon.bigtime import resources, uncertain
from recon.bigtime.client import BigTimeClient
from recon.errors import (
    AuthenticationError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from recon.sandbox import bigtime as creds
from recon.sandbox.bigtime.server import BigtimeSandbox
from tests.bigtime.conftest import (
    SESSION_ENDPOINT,
    SESSION_TTL,
    YEAR_END,
    YEAR_START,
    DemoSeed,
    FakeClock,
    assert_matches_seed,
    counted,
    credentials,
    fast_settings,
    is_exact_number,
)

# --- reads: clients, projects, staff -------------------------------------------------------


def _spread(records: list[dict[str, Any]], n: int = 3) -> list[dict[str, Any]]:
    """First, middle and last record (a few exact records, not just the first)."""
    picks = [records[0], records[len(records) // 2], records[-1]]
    return picks[:n]


def test_clients_match_the_seed(bt: BigTimeClient, demo_seed: DemoSeed) -> None:
    seeded = demo_seed.raw["client"]
    listed = bt.clients(show_inactive=True)
    assert [c["SystemId"] for c in listed] == [c["SystemId"] for c in seeded]
    active = [c["SystemId"] for c in seeded if not c["IsInactive"]]
    assert [c["SystemId"] for c in bt.clients(show_inactive=False)] == active
    assert not any("Notes" in c for c in listed)  # Basic view: Detailed-only fields absent
    for want in _spread(seeded):
        assert_matches_seed(bt.client(want["SystemId"]), want, resources.CLIENT)


def test_projects_match_the_seed_with_show_inactive(bt: BigTimeClient, demo_seed: DemoSeed) -> None:
    seeded = demo_seed.raw["project"]
    inactive = {p["SystemId"] for p in seeded if p["IsInactive"]}
    assert inactive, "the demo firm must have inactive projects for this test to mean anything"
    listed = [p["SystemId"] for p in bt.projects(show_inactive=True)]
    assert sorted(listed) == sorted(p["SystemId"] for p in seeded)
    active = [p["SystemId"] for p in bt.projects(show_inactive=False)]
    assert sorted(active) == sorted(set(listed) - inactive)


def test_project_detail_udfs_and_team_lead(bt: BigTimeClient, demo_seed: DemoSeed) -> None:
    want = next(p for p in demo_seed.raw["project"] if any(u["Value"] for u in p["UdfList"]))
    sid = want["SystemId"]
    got = bt.project(sid)
    assert_matches_seed(got, want, resources.PROJECT, skip=("UdfList",))
    udfs = [(u["Sid"], u["Name"], u["Value"]) for u in want["UdfList"]]
    assert [(u["Sid"], u["Name"], u["Value"]) for u in got["UdfList"]] == udfs
    assert [(u["Sid"], u["Name"], u["Value"]) for u in bt.project_custom_fields(sid)] == udfs

    team = bt.project_team(sid)
    # The seed spells the member id as BigTime sends it, staffsid (evidence §2.5).
    expected = {(m["staffsid"], m["ContactRole"], m["TeamLead"]) for m in demo_seed.team(sid)}
    assert {(m["StaffSid"], m["ContactRole"], m[uncertain.TEAM_LEAD_FIELD]) for m in team} == (
        expected
    )
    staff = demo_seed.by_sid("staff")
    lead = [m for m in team if m[uncertain.TEAM_LEAD_FIELD] is True]
    assert len(lead) == 1
    assert staff[lead[0]["StaffSid"]]["SName"] in lead[0]["StaffNm"]  # derived (evidence §2.5)


def test_staff_match_the_seed(bt: BigTimeClient, demo_seed: DemoSeed) -> None:
    seeded = demo_seed.raw["staff"]
    listed = bt.staff(show_inactive=True)
    assert sorted(s["StaffSID"] for s in listed) == sorted(s["StaffSID"] for s in seeded)
    active = sorted(s["StaffSID"] for s in seeded if not s["IsInactive"])
    assert len(active) < len(seeded)
    assert sorted(s["StaffSID"] for s in bt.staff(show_inactive=False)) == active
    # The inactive staffer: a terminated one, with dates and an Employee ID.
    want = next(s for s in seeded if s["IsInactive"])
    got = bt.staffer(want["StaffSID"])
    assert "StaffSid" not in got  # the detail's spelling is normalised to the list's
    assert_matches_seed(got, want, resources.STAFF, skip=("UdfList",))
    employee = bt.staff_custom_fields(want["StaffSID"])
    assert [(u["Name"], u["Value"]) for u in employee] == [
        (u["Name"], u["Value"]) for u in want["UdfList"]
    ]
    assert employee[0]["Name"] == uncertain.UDF_EMPLOYEE_ID
    assert employee[0]["Value"] == want["IAEmployeeId"]


@pytest.mark.parametrize("name", sorted(uncertain.LISTS))
def test_reference_lists_match_the_seed(bt: BigTimeClient, demo_seed: DemoSeed, name: str) -> None:
    seeded = demo_seed.raw["lists"][name]
    items = bt.reference_list(name, show_inactive=True)
    # FieldValues lists send Id as a string (evidence §2.11): ids compare as text.
    assert [str(i["Id"]) for i in items] == [str(i["Id"]) for i in seeded]
    for got, want in zip(items, seeded, strict=True):
        assert_matches_seed(got, want, resources.PICKLIST_ITEM, skip=("Id",))
    active = [str(i["Id"]) for i in seeded if not i["IsInactive"]]
    assert [str(i["Id"]) for i in bt.reference_list(name, show_inactive=False)] == active


def test_field_values_and_unknown_list(bt: BigTimeClient, demo_seed: DemoSeed) -> None:
    types = bt.field_values("LookupProjectType")
    assert [i["Name"] for i in types] == [i["Name"] for i in demo_seed.raw["lists"]["projecttype"]]
    assert bt.field_values("StatusBilling") == []  # a known key the firm has no values for
    with pytest.raises(ConfigError, match="unknown BigTime reference list"):
        bt.reference_list("nosuchlist")


def test_vocabulary(bt: BigTimeClient, demo_seed: DemoSeed) -> None:
    assert bt.vocabulary() == {v["id"]: v["name"] for v in demo_seed.raw["vocabulary"]}


# --- reads: time, invoices, tasks ---------------------------------------------------------------


def _busiest(entries: list[dict[str, Any]], key: str) -> int:
    counts: dict[int, int] = {}
    for entry in entries:
        counts[entry[key]] = counts.get(entry[key], 0) + 1
    return max(counts, key=counts.__getitem__)


def test_time_sheet_window_is_inclusive_and_exact(bt: BigTimeClient, demo_seed: DemoSeed) -> None:
    staff = _busiest(demo_seed.time, "StaffSID")
    mine = sorted(demo_seed.time_where(YEAR_START, YEAR_END, StaffSID=staff), key=_dt_sid)
    # A window whose both ends are days with entries, so inclusiveness is tested.
    start, end = date.fromisoformat(mine[10]["Dt"]), date.fromisoformat(mine[60]["Dt"])
    want = sorted(demo_seed.time_where(start, end, StaffSID=staff), key=_dt_sid)
    sheet = bt.time_sheet(staff, start, end)
    assert [t["SID"] for t in sheet] == [t["SID"] for t in want]
    assert sheet[0]["Dt"].startswith(start.isoformat())
    assert sheet[-1]["Dt"].startswith(end.isoformat())
    for got, expected in zip(sheet[:5], want[:5], strict=True):
        assert_matches_seed(got, expected, resources.TIME)
    raw = json.loads(bt.time_sheet_bytes(staff, start, end), parse_float=Decimal)
    assert [t["SID"] for t in raw] == [t["SID"] for t in want]


def _dt_sid(entry: dict[str, Any]) -> tuple[str, int]:
    return entry["Dt"], entry["SID"]


def test_time_by_project_and_entry(bt: BigTimeClient, demo_seed: DemoSeed) -> None:
    project = _busiest(demo_seed.time, "ProjectSID")
    start, end = date(2025, 4, 1), date(2025, 6, 30)
    want = demo_seed.time_where(start, end, ProjectSID=project)
    got = bt.time_by_project(project, start, end)
    assert sorted(t["SID"] for t in got) == sorted(t["SID"] for t in want)
    entry = want[len(want) // 2]
    one = bt.time_entry(entry["SID"])
    assert_matches_seed(one, entry, resources.TIME)
    assert isinstance(one["Hours_IN"], Decimal)  # "10.00" stays Decimal("10.00"), never float
    projects = demo_seed.by_sid("project")
    assert one["ProjectNm"] == projects[project]["Nm"]  # denormalised by the server


def test_invoices_history_detail_and_drafts(bt: BigTimeClient, demo_seed: DemoSeed) -> None:
    start, end = date(2025, 3, 1), date(2025, 6, 30)
    seeded = [i for i in demo_seed.raw["invoice"] if "2025-03-01" <= i["InvoiceDt"] <= "2025-06-30"]
    history = bt.invoice_history(start, end)
    assert sorted(i["Sid"] for i in history) == sorted(i["Sid"] for i in seeded)
    assert all(not i.get("Lines") for i in history)
    want = max(seeded, key=lambda i: len(i["Lines"]))
    got = bt.invoice(want["Sid"])
    assert_matches_seed(got, want, resources.INVOICE, skip=("Lines",))
    assert len(got["Lines"]) == len(want["Lines"]) >= 2
    for line, expected in zip(got["Lines"], want["Lines"], strict=True):
        assert_matches_seed(line, expected, resources.INVOICE_LINE)
    assert sum(line["Amt"] for line in got["Lines"]) == sum(item["Amt"] for item in want["Lines"])
    assert bt.invoice_drafts() == []


def test_tasks_show_completed(bt: BigTimeClient, demo_seed: DemoSeed) -> None:
    tasks = demo_seed.raw["task"]
    project = next(t["ProjectSid"] for t in tasks if t["IsArchived"])
    mine = [t for t in tasks if t["ProjectSid"] == project]
    got = bt.tasks(project, show_completed=True)
    assert sorted(t["TaskSid"] for t in got) == sorted(t["TaskSid"] for t in mine)
    open_ = sorted(t["TaskSid"] for t in mine if not t["IsArchived"])
    assert sorted(t["TaskSid"] for t in bt.tasks(project, show_completed=False)) == open_
    want = mine[0]
    assert_matches_seed(bt.task(want["TaskSid"]), want, resources.TASK)


def test_generic_get_paths_any_case(bt: BigTimeClient, demo_seed: DemoSeed) -> None:
    data = bt.get("/BigTimeData/API/V2/Client", params={"ShowInactive": "true"})
    assert len(data) == len(demo_seed.raw["client"])
    assert "SystemId" in data[0]
    assert bt.get_bytes(f"/client/detail/{data[0]['SystemId']}").startswith(b"{")


def test_read_refusals_carry_the_server_message(bt: BigTimeClient) -> None:
    with pytest.raises(NotFoundError) as missing:
        bt.client(999_999)
    assert missing.value.status == 404 and missing.value.system == "bigtime"
    assert missing.value.operation == "GET /client/detail/999999"
    assert "999999 was not found" in missing.value.errors[0].description
    assert "999999 was not found" in str(missing.value)
    # The client always sends both dates; a bare GET shows the server's 400 reaching us.
    with pytest.raises(ValidationError, match="startDt is required"):
        bt.get(uncertain.INVOICE_HISTORY_PATH)
    with pytest.raises(PermissionDeniedError) as verb:  # wrong verb on a known route
        bt.request("DELETE", "/client")
    assert verb.value.status == 405


# --- authentication ---------------------------------------------------------------------


def test_user_login_is_lazy_and_made_once(user_reader: BigTimeClient, bt_sandbox) -> None:
    before = counted(bt_sandbox, SESSION_ENDPOINT)
    assert user_reader.session is None
    user_reader.clients()
    user_reader.projects()
    user_reader.staff()
    assert counted(bt_sandbox, SESSION_ENDPOINT) == before + 1
    session = user_reader.session
    assert session is not None and session.firm == creds.FIRM and session.is_firm_admin
    for text in (repr(session), repr(user_reader), repr(user_reader.credentials)):
        assert session.token not in text and creds.USER_PASSWORD not in text


def test_api_key_never_signs_in(api_reader: BigTimeClient, bt_sandbox) -> None:
    before = counted(bt_sandbox, SESSION_ENDPOINT)
    api_reader.clients()
    bt_sandbox.faults.add("expire_session", count=1)  # sessions only: keys stay valid
    api_reader.clients()
    assert counted(bt_sandbox, SESSION_ENDPOINT) == before
    assert api_reader.session is None and creds.API_TOKEN not in repr(api_reader)


@pytest.mark.parametrize("style", ["apikey", "user"])
def test_debug_log_never_shows_a_secret(
    read_faults: BigtimeSandbox, caplog: pytest.LogCaptureFixture, style
) -> None:
    read_faults.faults.add("expire_session", count=1, only="read")  # a re-login, logged too
    with caplog.at_level(logging.DEBUG, logger="recon.bigtime"):
        with BigTimeClient(credentials(style), fast_settings(read_faults.url)) as bt:
            bt.vocabulary()
            bt.vocabulary()
            token = bt.session.token if bt.session else creds.API_TOKEN
    assert "GET /settings/vocabulary" in caplog.text  # the log did record the exchanges
    for secret in (creds.API_TOKEN, creds.USER_PASSWORD, token):
        assert secret not in caplog.text


SETUP_MISTAKES = [
    ("apikey", {"api_token": "wrong-key-7f3a"}, "API key", "wrong-key-7f3a"),
    ("apikey", {"firm": "another-firm"}, "firm id", creds.API_TOKEN),
    ("user", {"password": "wrong-pw-9c1d"}, "password", "wrong-pw-9c1d"),
    ("user", {"user_id": "nobody@demo.example"}, "user id", creds.USER_PASSWORD),
    ("user", {"firm": "another-firm"}, "firm", creds.USER_PASSWORD),
]


@pytest.mark.parametrize(("style", "changes", "fragment", "secret"), SETUP_MISTAKES)
def test_setup_mistakes_get_a_clear_message(
    read_faults: BigtimeSandbox, style, changes, fragment: str, secret: str
) -> None:
    bt_sandbox = read_faults
    before = counted(bt_sandbox, SESSION_ENDPOINT)
    with BigTimeClient(credentials(style, **changes), fast_settings(bt_sandbox.url)) as bad:
        with pytest.raises(AuthenticationError) as exc:
            bad.clients()
    error = exc.value
    assert error.status == 401 and error.system == "bigtime"
    assert fragment.lower() in str(error).lower()
    shown = " ".join([str(error), repr(error), error.operation, *(d.text() for d in error.errors)])
    assert secret not in shown
    # A refused login is not retried (it is definite): one POST /session at most.
    assert counted(bt_sandbox, SESSION_ENDPOINT) - before == (1 if style == "user" else 0)


def test_expired_session_means_one_fresh_login(
    user_reader: BigTimeClient, bt_sandbox, demo_seed: DemoSeed
) -> None:
    user_reader.staff()
    before = counted(bt_sandbox, SESSION_ENDPOINT)
    token = user_reader.session.token
    bt_sandbox.faults.add("expire_session", count=1)
    assert len(user_reader.clients()) == len(demo_seed.raw["client"])
    assert counted(bt_sandbox, SESSION_ENDPOINT) == before + 1
    assert user_reader.session.token != token


def test_session_expiry_by_clock_relogs_once(
    user_writer: BigTimeClient, bt_write_sandbox: BigtimeSandbox, bt_clock: FakeClock
) -> None:
    user_writer.clients()
    bt_clock.advance(SESSION_TTL - 1)
    user_writer.clients()  # sliding expiry: still the same session
    assert counted(bt_write_sandbox, SESSION_ENDPOINT) == 1
    bt_clock.advance(SESSION_TTL + 1)
    created = user_writer.create("client", {"ClientId": "CLK-1", "Nm": "After expiry"})
    assert counted(bt_write_sandbox, SESSION_ENDPOINT) == 2
    assert counted(bt_write_sandbox, "POST /client/detail") == 2  # 401, then the resend
    assert [c["SystemId"] for c in user_writer.clients() if c["ClientId"] == "CLK-1"] == [
        created["SystemId"]
    ]


def test_refused_fresh_session_is_an_authentication_error(
    user_writer: BigTimeClient, bt_write_sandbox: BigtimeSandbox
) -> None:
    n = len(user_writer.clients())
    bt_write_sandbox.faults.add("expire_session", count=2, only="write")
    with pytest.raises(AuthenticationError, match="freshly signed-in") as exc:
        user_writer.create("client", {"ClientId": "NEVER", "Nm": "Never"})
    assert exc.value.status == 401 and exc.value.operation == "POST /client/detail"
    assert counted(bt_write_sandbox, SESSION_ENDPOINT) == 2  # one re-login, not a loop
    assert len(user_writer.clients()) == n


# --- writes ---------------------------------------------------------------------------------


def _codes(bt: BigTimeClient, kind: str, key: str, value: str) -> list[int]:
    listing = {"client": bt.clients, "project": bt.projects, "staff": bt.staff}[kind]
    res = resources.resource(kind)
    return [r[res.id_field] for r in listing(show_inactive=True) if r[key] == value]


def test_client_create_update_delete(writer: BigTimeClient, demo_seed: DemoSeed) -> None:
    n = len(demo_seed.raw["client"])
    body = {"ClientId": "T-C1", "Nm": "Test Client", "City": "Springfield", "Notes": "new"}
    created = writer.create("client", body)
    sid = created["SystemId"]
    assert is_exact_number(sid) and sid > 0 and sid not in demo_seed.by_sid("client")
    assert {k: created[k] for k in body} == body
    assert {k: writer.client(sid)[k] for k in body} == body
    assert len(writer.clients()) == n + 1

    updated = writer.update("client", sid, {"nm": "Renamed Client", "CITY": "Shelbyville"})
    assert (updated["Nm"], updated["City"], updated["Notes"]) == (
        "Renamed Client",
        "Shelbyville",
        "new",
    )
    assert writer.client(sid)["Nm"] == "Renamed Client"

    writer.delete("client", sid)
    with pytest.raises(NotFoundError):
        writer.client(sid)
    assert len(writer.clients()) == n


def test_project_with_team_and_custom_fields(writer: BigTimeClient, demo_seed: DemoSeed) -> None:
    client = demo_seed.raw["client"][1]["SystemId"]
    kind = demo_seed.raw["lists"]["projecttype"][0]["Id"]
    body = {
        "ProjectCode": "T-P1",
        "Nm": "Test engagement",
        "ClientId": client,
        "TypeId": kind,
        "StartDt": date(2025, 6, 1),
    }
    created = writer.create("project", body)
    sid = created["SystemId"]
    assert created["StartDt"].startswith("2025-06-01") and created["ClientId"] == client
    assert [u["Name"] for u in created["UdfList"]] == [
        u["Name"] for u in demo_seed.raw["udf_definitions"]["project"]
    ]

    values = {uncertain.UDF_PO_NUMBER: "PO-T1", uncertain.UDF_PO_AMOUNT: "1250.50"}
    answer = writer.set_custom_fields("project", sid, values)
    assert {u["Name"]: u["Value"] for u in answer if u["Value"]} == values
    assert {u["Name"]: u["Value"] for u in writer.project(sid)["UdfList"] if u["Value"]} == values

    staff = [s["StaffSID"] for s in demo_seed.raw["staff"] if not s["IsInactive"]][:3]
    team = [
        {"StaffSid": staff[0], "ContactRole": 1, "TeamLead": True},
        {"StaffSid": staff[1], "ContactRole": 2, "TeamLead": False},
        {"staffsid": staff[2], "contactrole": 2, "teamlead": False},  # keys in any case
    ]
    stored = writer.set_project_team(sid, team)
    want = {(staff[0], 1, True), (staff[1], 2, False), (staff[2], 2, False)}
    assert {(m["StaffSid"], m["ContactRole"], m["TeamLead"]) for m in stored} == want
    assert {(m["StaffSid"], m["ContactRole"], m["TeamLead"]) for m in writer.project_team(sid)} == (
        want
    )
    writer.set_project_team(sid, team[1:2])  # the team is replaced, not merged
    assert [m["StaffSid"] for m in writer.project_team(sid)] == [staff[1]]

    writer.update("project", sid, {"EndDt": "2025-12-31", "Nm": "Renamed engagement"})
    got = writer.project(sid)
    assert got["EndDt"].startswith("2025-12-31") and got["Nm"] == "Renamed engagement"
    assert {u["Name"]: u["Value"] for u in got["UdfList"] if u["Value"]} == values  # kept
    writer.delete("project", sid)
    with pytest.raises(NotFoundError):
        writer.project(sid)


def test_staff_with_employee_id(writer: BigTimeClient) -> None:
    body = {
        "FName": "Tess",
        "SName": "Tester",
        "EMail": "tess@demo.example",
        "Start_dt": "2025-02-03",
    }
    created = writer.create("staff", body)
    sid = created["StaffSID"]
    assert is_exact_number(sid) and sid > 0
    answer = writer.set_custom_fields("staff", sid, {uncertain.UDF_EMPLOYEE_ID: "E9001"})
    assert [(u["Name"], u["Value"]) for u in answer] == [(uncertain.UDF_EMPLOYEE_ID, "E9001")]
    assert writer.staff_custom_fields(sid)[0]["Value"] == "E9001"
    writer.update("staff", sid, {"Title": "Senior tester"})
    got = writer.staffer(sid)
    assert got["Title"] == "Senior tester" and got["Start_dt"].startswith("2025-02-03")
    assert got["UdfList"][0]["Value"] == "E9001"
    assert _codes(writer, "staff", "EMail", "tess@demo.example") == [sid]
    writer.delete("staff", sid)
    assert _codes(writer, "staff", "EMail", "tess@demo.example") == []


def _time_body(seed: DemoSeed, notes: str, hours: str = "1.25") -> dict[str, Any]:
    entry = seed.time[0]
    return {
        "StaffSID": entry["StaffSID"],
        "ProjectSID": entry["ProjectSID"],
        "BudgCatID": entry["BudgCatID"],
        "Dt": date(2025, 7, 4),
        "Hours_IN": Decimal(hours),
        "Notes": notes,
    }


def test_time_entry_negative_sid_and_renumbering(
    writer: BigTimeClient, demo_seed: DemoSeed
) -> None:
    body = _time_body(demo_seed, "unsubmitted at first")
    draft = writer.create_time(body)
    old = draft["SID"]
    assert old < 0 and draft["IsSubmitted"] is False
    assert draft["Hours_IN"] == Decimal("1.25")
    assert writer.time_entry(old)["Notes"] == "unsubmitted at first"

    edited = writer.update_time(old, {"Hours_IN": Decimal("1.50")})
    assert edited["SID"] == old  # an edit that does not submit keeps the SID

    submitted = writer.update_time(old, {"Notes": "now submitted"}, submit=True)
    new = submitted["SID"]
    assert (
        new > 0
        and submitted["IsSubmitted"] is True
        and new not in {t["SID"] for t in demo_seed.time}
    )
    with pytest.raises(NotFoundError):
        writer.time_entry(old)
    got = writer.time_entry(new)
    assert (got["Hours_IN"], got["Notes"]) == (Decimal("1.50"), "now submitted")
    day = writer.time_sheet(body["StaffSID"], body["Dt"], body["Dt"])
    assert new in [t["SID"] for t in day] and old not in [t["SID"] for t in day]

    # Settlement finds the entry under its new number.
    final = {**body, "Hours_IN": Decimal("1.50"), "Notes": "now submitted"}
    assert writer.settle_create("time", final)["SID"] == new
    assert writer.settle_update("time", old, final) is True

    writer.delete("time", new)
    with pytest.raises(NotFoundError):
        writer.time_entry(new)


def test_time_entry_submitted_at_once(writer: BigTimeClient, demo_seed: DemoSeed) -> None:
    entry = writer.create_time(_time_body(demo_seed, "submitted at once"), submit=True)
    assert entry["SID"] > max(t["SID"] for t in demo_seed.time)
    assert entry["IsSubmitted"] is True


VALIDATION_CASES = [
    ("client", {"ClientId": "NO-NAME"}, "Nm is required"),
    ("client", {"ClientId": "{existing}", "Nm": "Duplicate"}, "already used"),
    ("project", {"Nm": "Orphan"}, "ClientId is required"),
    ("project", {"Nm": "Bad ref", "ClientId": 999_999}, "ClientId 999999 is not a known client"),
    ("project", {"Nm": "Bad date", "ClientId": "{client}", "StartDt": "2025-13-45"}, "StartDt"),
    ("staff", {"FName": "No", "SName": "Mail"}, "EMail is required"),
    ("time", {"Hours_IN": Decimal(25)}, "Hours_IN must be between 0 and 24"),
    ("time", {"ProjectSID": 999_999}, "ProjectSID 999999 is not a known project"),
]


@pytest.mark.parametrize(("kind", "body", "message"), VALIDATION_CASES)
def test_validation_error_carries_the_server_message(
    api_writer: BigTimeClient,
    bt_write_sandbox: BigtimeSandbox,
    demo_seed: DemoSeed,
    kind: str,
    body: dict[str, Any],
    message: str,
) -> None:
    seeded = demo_seed.raw["client"][0]
    fill = {"{existing}": seeded["ClientId"], "{client}": seeded["SystemId"]}
    body = {k: fill.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    if kind == "time":
        body = {**_time_body(demo_seed, "invalid"), **body}
    writes = sum(v for k, v in bt_write_sandbox.counters.snapshot().items() if k.startswith("POST"))
    with pytest.raises(ValidationError) as exc:
        api_writer.create(kind, body)
    error = exc.value
    assert error.status == 400 and error.errorno == "400"
    assert message in error.errors[0].description and message in str(error)
    assert error.operation.startswith("POST /")
    after = sum(v for k, v in bt_write_sandbox.counters.snapshot().items() if k.startswith("POST"))
    assert after == writes + 1  # a definite refusal is never resent
    if kind == "time":
        day = api_writer.time_sheet(body["StaffSID"], body["Dt"], body["Dt"])
        assert not [t for t in day if t["Notes"] == "invalid"]


def test_invalid_team_and_custom_field_names(
    api_writer: BigTimeClient, demo_seed: DemoSeed
) -> None:
    project = demo_seed.raw["project"][0]["SystemId"]
    before = api_writer.project_team(project)
    with pytest.raises(ValidationError, match="not a known staff"):
        api_writer.set_project_team(project, [{"StaffSid": 999_999, "TeamLead": True}])
    assert api_writer.project_team(project) == before
    with pytest.raises(ValidationError, match="no custom field"):
        api_writer.set_custom_fields("project", project, {"No Such Field": "x"})
    with pytest.raises(ConfigError):
        api_writer.create("invoice", {"InvoiceNbr": "X"})  # recon never writes invoices


def test_delete_guards(api_writer: BigTimeClient, demo_seed: DemoSeed) -> None:
    project = demo_seed.time[0]["ProjectSID"]
    staff = demo_seed.time[0]["StaffSID"]
    client = demo_seed.by_sid("project")[project]["ClientId"]
    for kind, sid, why in (
        ("client", client, "projects"),
        ("project", project, "time entries"),
        ("staff", staff, "time entries"),
    ):
        with pytest.raises(ValidationError, match=f"cannot be deleted.*{why}"):
            api_writer.delete(kind, sid)
    assert api_writer.client(client)["SystemId"] == client
    assert api_writer.project(project)["SystemId"] == project
    assert api_writer.staffer(staff)["StaffSID"] == staff
    with pytest.raises(NotFoundError):
        api_writer.delete("client", 999_999)
