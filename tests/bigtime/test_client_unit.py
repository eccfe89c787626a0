"""BigTimeClient against scripted replies: auth styles, reads, writes, settlement, secrets.

The scripted server (``test_transport.ScriptedServer``) answers by route; the replies are
shaped like the contract's wire rules (lists are bare arrays, dates ``...T00:00:00``, keys
in varying case), and every expectation below is computed here, not read from the client.

Citations: "evidence §N" is docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from recon.bigtime import uncertain
from recon.bigtime.client import BigTimeClient, BigTimeCredentials, BigTimeSettings
from recon.errors import (
    AuthenticationError,
    ConfigError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SessionExpiredError,
    ValidationError,
    WriteOutcomeUnknown,
)
from tests.bigtime.test_transport import (
    HTML,
    HTML_PAGE,
    Reply,
    ScriptedServer,
    Seen,
    Sleeps,
    message,
    reply_json,
)
from tests.waiting import wait_until

API_KEY = "K3y+/sEcReT/abcdef=="
PASSWORD = "pa55-w0rd!xyz"
USER = "accountant@demo.example"
FIRM = "demo-firm"
API = BigTimeCredentials(firm=FIRM, api_token=API_KEY)
LOGIN = BigTimeCredentials(firm=FIRM, user_id=USER, password=PASSWORD)

Route = Reply | list[Reply] | Callable[[Seen], Reply]


class Routes:
    """Replies by ``"METHOD /path"`` (path lower-cased). A list is consumed in order and
    its last reply repeats. ``POST /session`` answers a fresh token each time."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes = {
            k.split(" ", 1)[0] + " " + k.split(" ", 1)[1].lower(): v
            for k, v in (routes or {}).items()
        }
        self.tokens = (f"tok-{n}-9f8e7d" for n in itertools.count(1))
        self.issued: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, seen: Seen) -> Reply:
        key = f"{seen.method} {seen.path.lower()}"
        with self._lock:
            route = self.routes.get(key)
            if route is None and key == "POST /session":
                token = next(self.tokens)
                self.issued.append(token)
                return reply_json(
                    {"token": token, "firm": FIRM, "staffsid": 21, "userid": USER,
                     "fname": "Ada", "sname": "Count", "IsFirmAdmin": True}
                )  # fmt: skip
            if isinstance(route, list):
                return route.pop(0) if len(route) > 1 else route[0]
        if route is None:
            return message(404, f"No HTTP resource was found that matches {seen.path}")
        return route(seen) if callable(route) else route


def bt(srv: ScriptedServer, creds: BigTimeCredentials = API, **kw: Any) -> BigTimeClient:
    settings: dict[str, Any] = dict(
        base_url=srv.base_url, timeout=2.0, connect_timeout=2.0, max_retries=2,
        backoff=0.001, retry_after_cap=0.01, sleep=Sleeps(),
    )  # fmt: skip
    settings.update(kw)
    return BigTimeClient(creds, BigTimeSettings(**settings))


def raw(text: str, status: int = 200) -> Reply:
    """A reply whose JSON is written by hand (exact decimals, odd key case)."""
    return Reply(status, text.encode())


# --- credentials and settings -------------------------------------------------------


def test_credentials_never_show_secrets() -> None:
    for creds in (API, LOGIN):
        for text in (repr(creds), str(creds), repr(BigTimeClient(creds))):
            assert API_KEY not in text and PASSWORD not in text
    assert FIRM in repr(API) and USER in repr(LOGIN)
    assert API.secrets() == (API_KEY,) and LOGIN.secrets() == (PASSWORD,)


@pytest.mark.parametrize(
    "kw",
    [
        {"api_token": "k"},  # an API key needs the firm id
        {"firm": "f"},
        {"firm": "f", "user_id": "u"},
        {"firm": "f", "api_token": "k", "user_id": "u", "password": "p"},
    ],
)
def test_credentials_are_checked(kw: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        BigTimeCredentials(**kw)


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigError):
        BigTimeSettings(base_url="ftp://x")
    with pytest.raises(ConfigError):
        BigTimeSettings(timeout=0)
    with pytest.raises(ConfigError):
        BigTimeSettings(concurrency=0)
    assert BigTimeSettings().base_url == "https://iq.bigtime.net/BigtimeData/api/v2"


# --- API key --------------------------------------------------------------------------


def test_api_key_is_sent_on_every_call_without_a_session() -> None:
    with ScriptedServer(Routes({"GET /client": raw('[{"SystemId": 1, "Nm": "Acme"}]')})) as srv:
        with bt(srv) as client:
            client.clients()
            client.clients()
            assert client.session is None and client.login() is None
    assert srv.calls() == ["GET /client", "GET /client"]
    for seen in srv.seen:
        assert seen.headers["X-Auth-ApiToken"] == API_KEY
        assert seen.headers["X-Auth-Realm"] == FIRM
        assert "X-Auth-Token" not in seen.headers


def test_api_key_401_is_not_retried_and_says_where_to_look() -> None:
    with ScriptedServer(Routes({"GET /client": message(401, "Invalid API token")})) as srv:
        with pytest.raises(AuthenticationError) as info:
            bt(srv).clients()
    assert srv.calls() == ["GET /client"]  # no login, no second try
    text = str(info.value)
    assert not isinstance(info.value, SessionExpiredError)
    assert "check the API key and firm id (My Company > Integrations > API Keys" in text
    assert "Company Info" in text and "Invalid API token" in text and API_KEY not in text


# --- user session ---------------------------------------------------------------------


def test_login_is_lazy_and_its_token_signs_the_calls() -> None:
    routes = Routes({"GET /client": raw("[]")})
    with ScriptedServer(routes) as srv:
        client = bt(srv, LOGIN)
        assert srv.hits == 0 and client.session is None
        client.clients()
        client.clients()
    assert srv.calls() == ["POST /session", "GET /client", "GET /client"]
    assert srv.seen[0].json() == {"UserId": USER, "Pwd": PASSWORD, "Firm": FIRM}
    assert "X-Auth-Token" not in srv.seen[0].headers
    for seen in srv.seen[1:]:
        assert seen.headers["X-Auth-Token"] == routes.issued[0]
        assert seen.headers["X-Auth-Realm"] == FIRM
    session = client.session
    assert session is not None and session.staff_sid == 21 and session.is_firm_admin
    assert routes.issued[0] not in repr(session)


def test_a_refused_session_token_gets_one_fresh_login_and_one_retry() -> None:
    routes = Routes({"GET /client": [message(401, "Session expired"), raw('[{"Nm": "A"}]')]})
    with ScriptedServer(routes) as srv:
        assert bt(srv, LOGIN).clients() == [{"Nm": "A"}]
    assert srv.calls() == ["POST /session", "GET /client", "POST /session", "GET /client"]
    assert srv.seen[1].headers["X-Auth-Token"] == routes.issued[0]
    assert srv.seen[3].headers["X-Auth-Token"] == routes.issued[1] != routes.issued[0]


def test_a_second_401_after_the_fresh_login_is_an_authentication_error() -> None:
    with ScriptedServer(Routes({"GET /client": message(401, "Denied")})) as srv:
        with pytest.raises(AuthenticationError) as info:
            bt(srv, LOGIN).clients()
    assert type(info.value) is AuthenticationError  # not "expired": a new login did not help
    assert info.value.status == 401 and info.value.operation == "GET /client"
    assert srv.calls() == ["POST /session", "GET /client"] * 2


def test_a_write_refused_for_its_session_token_is_resent_once_after_login() -> None:
    time_entry = raw('{"SID": -1, "Hours_IN": 1.5}')
    routes = Routes({"POST /time": [message(401, "expired"), time_entry]})
    with ScriptedServer(routes) as srv:
        got = bt(srv, LOGIN).create_time({"StaffSID": 1, "Hours_IN": Decimal("1.5")})
    assert got["SID"] == -1
    assert srv.calls() == ["POST /session", "POST /time", "POST /session", "POST /time"]


def test_wrong_login_is_an_authentication_error_without_retry() -> None:
    with ScriptedServer(Routes({"POST /session": message(401, "Invalid login")})) as srv:
        with pytest.raises(AuthenticationError, match="user id, password") as info:
            bt(srv, LOGIN).clients()
    assert srv.calls() == ["POST /session"]
    assert PASSWORD not in str(info.value)


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"firm": FIRM}, "no session token"),
        ({"token": "t", "firm": ""}, "names no firm"),
        ([], "expected a JSON object"),
    ],
)
def test_a_login_answer_without_token_or_firm_is_malformed(answer: Any, problem: str) -> None:
    with ScriptedServer(Routes({"POST /session": reply_json(answer)})) as srv:
        with pytest.raises(MalformedResponseError, match=problem):
            bt(srv, LOGIN).clients()


def test_a_login_into_another_firm_is_refused() -> None:
    answer = reply_json({"TOKEN": "t-1", "FIRM": "other-firm"})
    with ScriptedServer(Routes({"POST /session": answer})) as srv:
        with pytest.raises(AuthenticationError, match="other-firm"):
            bt(srv, LOGIN).clients()
    assert srv.calls() == ["POST /session"]


def test_login_without_firm_uses_the_firm_bigtime_answers() -> None:
    creds = BigTimeCredentials(user_id=USER, password=PASSWORD)
    with ScriptedServer(Routes({"GET /client": raw("[]")})) as srv:
        bt(srv, creds).clients()
    assert "Firm" not in srv.seen[0].json()
    assert srv.seen[1].headers["X-Auth-Realm"] == FIRM


def test_concurrent_reads_share_one_login() -> None:
    arrived: list[int] = []

    def slow_login(seen: Seen) -> Reply:
        # The sign-in answers only once all eight reads have been asked for.
        wait_until(lambda: len(arrived) == 8, "all eight reads to start")
        return reply_json({"token": "tok-shared-1", "firm": FIRM})

    def read(n: int) -> list[Any]:
        arrived.append(n)
        return client.time_sheet(1, date(2025, 1, 1), date(2025, 1, 31))

    routes = Routes({"POST /session": slow_login, "GET /time/sheet/1": raw("[]")})
    with ScriptedServer(routes) as srv:
        client = bt(srv, LOGIN)
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(read, range(8)))
    assert results == [[]] * 8
    assert srv.calls().count("POST /session") == 1 and srv.hits == 9


def test_secrets_never_reach_logs_or_messages(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, urllib3 included
    routes = Routes(
        {
            "GET /client": [message(401, "expired"), raw('[{"Nm": "A"}]')],
            "GET /staff": message(400, "bad request"),
            "POST /time": Reply(500, b""),
        }
    )
    errors: list[Exception] = []
    with ScriptedServer(routes) as srv:
        client = bt(srv, LOGIN)
        client.clients()
        for call in (client.staff, lambda: client.create_time({"Notes": "x"})):
            try:
                call()
            except (ValidationError, WriteOutcomeUnknown) as exc:
                errors.append(exc)
    assert len(errors) == 2 and len(routes.issued) == 2
    assert "POST /session" in caplog.text and "GET /client" in caplog.text
    shown = [caplog.text, repr(client), repr(client.session), *map(str, errors), *map(repr, errors)]
    for secret in (PASSWORD, *routes.issued):
        for text in shown:
            assert secret not in text


def test_api_key_never_reaches_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with ScriptedServer(
        Routes({"GET /client": raw("[]"), "GET /staff": message(401, "no")})
    ) as srv:
        client = bt(srv)
        client.clients()
        with pytest.raises(AuthenticationError) as info:
            client.staff()
    assert "GET /client" in caplog.text
    assert API_KEY not in caplog.text and API_KEY not in str(info.value)


# --- reads ----------------------------------------------------------------------------


def test_reads_normalise_keys_and_keep_decimals() -> None:
    routes = Routes(
        {
            "GET /client": raw('[{"systemid": 1, "NM": "Acme", "clientid": "C-1", "Extra": 1.10}]'),
            "GET /staff/detail/7": raw(
                '{"StaffSid": 7, "fname": "Ada", "UDFLIST": [{"sid": 11, "name": "Employee ID",'
                ' "value": "E-7"}], "Start_Dt": "2020-01-06T00:00:00"}'
            ),
            "GET /project/team/3": raw(
                '[{"staffsid": 7, "staffnm": "Ada Count", "TEAMLEAD": true}]'
            ),
            "GET /time/sheet/7": raw('[{"sid": -2, "hours_in": 7.25, "CHARGEBILLABLE": 1250.50}]'),
        }
    )
    with ScriptedServer(routes) as srv:
        client = bt(srv)
        assert client.clients() == [
            {"SystemId": 1, "Nm": "Acme", "ClientId": "C-1", "Extra": Decimal("1.10")}
        ]
        assert client.staffer(7) == {
            "StaffSID": 7,
            "FName": "Ada",
            "UdfList": [{"Sid": 11, "Name": "Employee ID", "Value": "E-7"}],
            "Start_dt": "2020-01-06T00:00:00",
        }
        assert client.project_team(3) == [  # evidence §2.5: StaffNm, not Nm
            {"StaffSid": 7, "StaffNm": "Ada Count", "TeamLead": True}
        ]
        (entry,) = client.time_sheet(7, date(2025, 1, 1), date(2025, 1, 31))
    assert entry == {"SID": -2, "Hours_IN": Decimal("7.25"), "ChargeBillable": Decimal("1250.50")}
    assert str(entry["ChargeBillable"]) == "1250.50"
    assert srv.seen[1].query == {"View": "Detailed"}
    assert srv.seen[3].query == {"StartDt": "2025-01-01", "EndDt": "2025-01-31", "View": "Detailed"}


def test_read_parameters_follow_the_contract() -> None:
    with ScriptedServer(lambda seen: raw("[]")) as srv:
        client = bt(srv)
        client.clients()
        client.projects(show_inactive=False)
        client.reference_list("vendor")
        client.field_values("LookupProjectType", show_inactive=False)
        client.invoice_history(date(2025, 1, 1), date(2025, 3, 31))
        client.invoice_drafts()
        client.tasks(4)
        client.time_by_project(4, date(2025, 2, 1), date(2025, 2, 28))
    got = [(s.path, s.query) for s in srv.seen]
    assert got == [
        ("/client", {"ShowInactive": "true"}),
        ("/project", {}),
        ("/picklist/IAList", {"ListType": "Vendor", uncertain.SHOW_INACTIVE_PARAM: "true"}),
        ("/picklist/FieldValues/LookupProjectType", {}),
        ("/invoice/history", {"startDt": "2025-01-01", "endDt": "2025-03-31"}),
        ("/invoice/drafts", {}),
        ("/task/listByProject/4", {"showCompleted": "true"}),
        ("/time/ByProject/4", {"StartDt": "2025-02-01", "EndDt": "2025-02-28", "View": "Detailed"}),
    ]


def test_every_reference_list_has_a_path() -> None:
    with ScriptedServer(lambda seen: raw('[{"id": 1, "name": "X", "code": "D1"}]')) as srv:
        client = bt(srv)
        for name, endpoint in uncertain.LISTS.items():
            assert client.reference_list(name) == [{"Id": 1, "Name": "X", "Code": "D1"}]
            assert srv.seen[-1].path == endpoint.path
    with pytest.raises(ConfigError, match="unknown BigTime reference list"):
        client.reference_list("nope")


def test_get_bytes_is_the_raw_body_and_get_normalises_by_path() -> None:
    body = b'[{"systemid": 5, "nm": "Acme", "Amt": 10.50}]'
    with ScriptedServer(lambda seen: Reply(200, body)) as srv:
        client = bt(srv)
        assert client.get_bytes("/client", {"ShowInactive": True}) == body
        assert client.get("/Client") == [{"SystemId": 5, "Nm": "Acme", "Amt": Decimal("10.50")}]
        assert client.get("/report/data/1") == [
            {"systemid": 5, "nm": "Acme", "Amt": Decimal("10.50")}
        ]
        assert client.get("/x", resource="project")[0]["SystemId"] == 5
        with pytest.raises(ConfigError):
            client.get_bytes("http://elsewhere.example/client")
        with pytest.raises(ConfigError):
            client.client("1; drop")  # type: ignore[arg-type]
    assert srv.seen[0].query == {"ShowInactive": "true"}


def test_vocabulary_is_a_mapping() -> None:
    answer = raw(
        '[{"id": "PROJECT", "name": "engagement"}, {"ID": "LABOR_CODE", "Name": "work code"}]'
    )
    with ScriptedServer(Routes({"GET /settings/vocabulary": answer})) as srv:
        assert bt(srv).vocabulary() == {"PROJECT": "engagement", "LABOR_CODE": "work code"}


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (Reply(200, HTML_PAGE, HTML), "HTML page"),
        (Reply(200, b""), "the body is empty"),
        (Reply(200, b'[{"Nm": "A"'), "not valid JSON"),
        (raw('{"Nm": "A"}'), "expected a JSON array, got an object"),
        (raw('[{"Nm": "A"}, "B"]'), "item 1 of the array"),
    ],
)
def test_malformed_read_answers(reply: Reply, problem: str) -> None:
    with ScriptedServer(Routes({"GET /client": reply})) as srv:
        with pytest.raises(MalformedResponseError) as info:
            bt(srv).clients()
    assert str(info.value).startswith("GET /client: ") and problem in str(info.value)
    assert srv.hits == 1


def test_malformed_detail_answer() -> None:
    with ScriptedServer(Routes({"GET /client/detail/3": raw("[]")})) as srv:
        with pytest.raises(
            MalformedResponseError, match="GET /client/detail/3: expected a JSON object"
        ):
            bt(srv).client(3)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(400, ValidationError), (404, NotFoundError), (405, PermissionDeniedError)],
)
def test_read_refusals(status: int, kind: type[Exception]) -> None:
    with ScriptedServer(
        Routes({"GET /invoice/history": message(status, "startDt is required")})
    ) as srv:
        with pytest.raises(kind, match="startDt is required"):
            bt(srv).invoice_history(date(2025, 1, 1), date(2025, 1, 2))
    assert srv.hits == 1


def test_reads_retry_5xx_and_429_then_succeed() -> None:
    sleeps = Sleeps()
    replies = [
        Reply(502, HTML_PAGE, HTML),
        message(429, "slow").header("Retry-After", "5"),
        raw("[]"),
    ]
    with ScriptedServer(Routes({"GET /project": replies})) as srv:
        assert bt(srv, sleep=sleeps).projects() == []
    assert srv.hits == 3 and len(sleeps) == 2 and sleeps[1] == 0.01  # Retry-After capped


# --- writes ---------------------------------------------------------------------------


def test_create_time_unsubmitted_has_a_negative_sid() -> None:
    answer = raw('{"sid": -3, "DT": "2025-03-04T00:00:00", "Hours_IN": 1.50, "IsSubmitted": false}')
    with ScriptedServer(Routes({"POST /time": answer})) as srv:
        got = bt(srv).create_time(
            {"dt": date(2025, 3, 4), "projectsid": 12, "StaffSID": 21, "hours_in": Decimal("1.50")}
        )
    assert got == {
        "SID": -3,
        "Dt": "2025-03-04T00:00:00",
        "Hours_IN": Decimal("1.50"),
        "IsSubmitted": False,
    }
    seen = srv.seen[0]
    assert seen.query == {"MarkSubmitted": "false"}
    assert seen.body == b'{"Dt":"2025-03-04","ProjectSID":12,"StaffSID":21,"Hours_IN":1.50}'
    assert seen.headers["Content-Type"].startswith("application/json")


def test_update_time_with_submit_returns_the_new_positive_sid() -> None:
    answer = raw('{"SID": 456, "IsSubmitted": true}')
    with ScriptedServer(Routes({"POST /time/-123": answer})) as srv:
        got = bt(srv).update_time(-123, {"Notes": "done"}, submit=True)
    assert got["SID"] == 456
    assert srv.seen[0].path == "/time/-123" and srv.seen[0].query == {"MarkSubmitted": "true"}


def test_create_routes_by_resource() -> None:
    routes = Routes(
        {
            "POST /client/detail": raw('{"SystemId": 9, "Nm": "New"}'),
            "POST /staff/add": raw('{"StaffSid": 31, "EMail": "n@x"}'),
            "POST /project/detail/4": raw('{"SystemId": 4, "Nm": "Renamed"}'),
            "POST /time": raw('{"SID": -1}'),
            "POST /time/-1": raw('{"SID": -1}'),
        }
    )
    with ScriptedServer(routes) as srv:
        client = bt(srv)
        assert client.create("client", {"nm": "New"})["SystemId"] == 9
        assert client.create("staff", {"email": "n@x"})["StaffSID"] == 31
        assert client.update("project", 4, {"NM": "Renamed"})["Nm"] == "Renamed"
        assert client.create("time", {"Notes": "n"})["SID"] == -1
        assert client.update("time", -1, {"Notes": "n"})["SID"] == -1
        with pytest.raises(ConfigError):
            client.create("invoice", {})
    assert srv.seen[0].json() == {"Nm": "New"}
    assert srv.seen[1].query == {"inviteUser": "false"}
    assert srv.seen[2].json() == {"Nm": "Renamed"}
    assert srv.seen[3].query == srv.seen[4].query == {"MarkSubmitted": "false"}


def test_delete() -> None:
    routes = Routes(
        {
            "DELETE /client/detail/3": raw('{"Message": "deleted"}'),
            "DELETE /time/-2": Reply(204, b""),
            "DELETE /project/detail/5": message(400, "time entries point at this project"),
        }
    )
    with ScriptedServer(routes) as srv:
        client = bt(srv)
        assert client.delete("client", 3) is None
        assert client.delete("time", -2) is None
        with pytest.raises(ValidationError, match="time entries point at this project"):
            client.delete("project", 5)
    assert srv.calls() == ["DELETE /client/detail/3", "DELETE /time/-2", "DELETE /project/detail/5"]


def test_team_and_custom_fields() -> None:
    routes = Routes(
        {
            "POST /project/team/4": raw('[{"staffsid": 7, "teamlead": true, "contactrole": 2}]'),
            "POST /project/customfieldsbyname/4": raw(
                '[{"sid": 1, "name": "PO Number", "value": "PO-1"}]'
            ),
            "POST /staff/udflistbyname/7": raw(
                '[{"Sid": 11, "Name": "Employee ID", "Value": "E-7"}]'
            ),
        }
    )
    with ScriptedServer(routes) as srv:
        client = bt(srv)
        team = client.set_project_team(4, [{"staffsid": 7, "TEAMLEAD": True, "ContactRole": 2}])
        udfs = client.set_custom_fields("project", 4, {"PO Number": "PO-1"})
        client.set_custom_fields("staff", 7, {"Employee ID": "E-7"})
        with pytest.raises(ConfigError):
            client.set_custom_fields("client", 1, {})
    assert team == [{"StaffSid": 7, "TeamLead": True, "ContactRole": 2}]
    assert udfs == [{"Sid": 1, "Name": "PO Number", "Value": "PO-1"}]
    assert srv.seen[0].json() == [{"StaffSid": 7, "TeamLead": True, "ContactRole": 2}]
    assert srv.seen[1].json() == [{"Name": "PO Number", "Value": "PO-1"}]


@pytest.mark.parametrize(
    "reply",
    [
        Reply(action="drop"),
        Reply(500, b'{"Message": "boom"}'),
        Reply(524, b""),
        Reply(200, b'{"SID": -4, "Hours_IN": 1.5, "Notes": "cut', action="truncate"),
        Reply(200, b'{"SID": -4, "Hours'),
        Reply(200, HTML_PAGE, HTML),
        Reply(200, b""),
        raw('[{"SID": -4}]'),
        raw('{"Hours_IN": 1.5}'),
    ],
    ids=["drop", "500", "524", "truncated", "cut-json", "html-200", "empty-200", "list", "no-sid"],
)
def test_writes_whose_outcome_is_unknown(reply: Reply) -> None:
    sleeps = Sleeps()
    with ScriptedServer(Routes({"POST /time": reply})) as srv:
        with pytest.raises(WriteOutcomeUnknown) as info:
            bt(srv, sleep=sleeps).create_time({"StaffSID": 1, "Hours_IN": Decimal("1.5")})
    assert (srv.hits, sleeps) == (1, [])  # never resent
    assert (info.value.system, info.value.operation) == ("bigtime", "POST /time")


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (message(400, "Hours_IN must be between 0 and 24"), ValidationError),
        (message(404, "No such project"), NotFoundError),
        (message(405, "No permission"), PermissionDeniedError),
        (message(429, "slow").header("Retry-After", "1"), RateLimitedError),
    ],
)
def test_write_refusals_are_definite(reply: Reply, kind: type[Exception]) -> None:
    with ScriptedServer(Routes({"POST /time": reply})) as srv:
        with pytest.raises(kind) as info:
            bt(srv).create_time({"Hours_IN": Decimal("30")})
    assert not isinstance(info.value, WriteOutcomeUnknown) and srv.hits == 1
    assert json.loads(reply.body)["Message"] in str(info.value)


def test_float_bodies_are_refused_before_sending() -> None:
    with ScriptedServer(Routes()) as srv:
        with pytest.raises(ConfigError, match="Decimal"):
            bt(srv).create_time({"Hours_IN": 1.5})
    assert srv.hits == 0


# --- settlement -----------------------------------------------------------------------

CLIENTS = (
    '[{"SystemId": 1, "ClientId": "C-1", "Nm": "Old"},'
    ' {"SystemId": 2, "ClientId": "c-2", "Nm": "New"}]'
)


def test_settle_create_finds_a_client_by_its_exact_client_id() -> None:
    """A record whose key differs in case or spacing is not proof that this create landed."""
    detail = raw('{"SystemId": 2, "ClientId": "c-2", "Nm": "New", "Notes": "n"}')
    routes = Routes({"GET /client": raw(CLIENTS), "GET /client/detail/2": detail})
    with ScriptedServer(routes) as srv:
        client = bt(srv)
        assert client.settle_create("client", {"clientid": "c-2", "Nm": "New"})["Notes"] == "n"
        assert client.settle_create("client", {"ClientId": "C-2", "Nm": "New"}) is None
        assert client.settle_create("client", {"ClientId": " c-2 ", "Nm": "New"}) is None
        assert client.settle_create("client", {"ClientId": "C-3", "Nm": "Nope"}) is None
        assert client.settle_create("client", {"ClientId": "c-2"}, exclude=[2]) is None
        with pytest.raises(ConfigError, match="no ClientId"):
            client.settle_create("client", {"Nm": "New"})
    assert srv.seen[0].query == {"ShowInactive": "true"}  # an inactive record counts too
    assert srv.calls()[:2] == ["GET /client", "GET /client/detail/2"]


def test_settle_create_finds_projects_and_staff() -> None:
    routes = Routes(
        {
            "GET /project": raw('[{"SystemId": 5, "ProjectCode": "P-5"}]'),
            "GET /project/detail/5": raw('{"SystemId": 5, "ProjectCode": "P-5"}'),
            "GET /staff": raw('[{"StaffSID": 8, "EMail": "Ada@Example.com"}]'),
            "GET /staff/detail/8": raw('{"StaffSid": 8, "EMail": "Ada@Example.com"}'),
        }
    )
    with ScriptedServer(routes) as srv:
        client = bt(srv)
        assert client.settle_create("project", {"ProjectCode": "P-5"}) == {
            "SystemId": 5,
            "ProjectCode": "P-5",
        }
        assert client.settle_create("staff", {"email": "Ada@Example.com"})["StaffSID"] == 8
        assert client.settle_create("staff", {"email": "ada@example.com"}) is None  # exact
        assert client.settle_create("staff", {"EMail": "bob@example.com"}) is None


SHEET = (
    '[{"SID": 101, "Dt": "2025-03-04T00:00:00", "StaffSID": 21, "ProjectSID": 12,'
    ' "Hours_IN": 1.50, "Notes": "Design review"},'
    ' {"SID": -3, "Dt": "2025-03-04T00:00:00", "StaffSID": 21, "ProjectSID": 12,'
    ' "Hours_IN": 2.00, "Notes": null}]'
)
TIME_BODY = {"Dt": date(2025, 3, 4), "StaffSID": 21, "ProjectSID": 12, "Hours_IN": Decimal("1.5")}


def test_settle_create_of_a_time_entry_reads_the_day_of_the_sheet() -> None:
    with ScriptedServer(Routes({"GET /time/sheet/21": raw(SHEET)})) as srv:
        client = bt(srv)
        found = client.settle_create("time", {**TIME_BODY, "Notes": "Design review"})
        assert found is not None and found["SID"] == 101
        assert client.settle_create("time", {**TIME_BODY, "Notes": "Other"}) is None
        assert client.settle_create("time", {**TIME_BODY, "Hours_IN": Decimal("2")})["SID"] == -3
        assert (
            client.settle_create("time", {**TIME_BODY, "Hours_IN": Decimal("2")}, exclude=[-3])
            is None
        )
        with pytest.raises(ConfigError, match="Hours_IN"):
            client.settle_create("time", {"Dt": "2025-03-04", "StaffSID": 21, "ProjectSID": 12})
    assert srv.seen[0].query == {"StartDt": "2025-03-04", "EndDt": "2025-03-04", "View": "Detailed"}


def test_settle_update_compares_every_writable_field_sent() -> None:
    detail = raw(
        '{"SystemId": 4, "Nm": "Renamed", "StartDt": "2025-01-06T00:00:00", "ClientId": 3,'
        ' "IsInactive": false, "UdfList": [{"Sid": 1, "Name": "PO Number", "Value": "PO-1"},'
        ' {"Sid": 2, "Name": "PO Amount", "Value": "2500.00"}],'
        ' "DtModified": "2025-05-05T10:00:00"}'
    )
    with ScriptedServer(Routes({"GET /project/detail/4": detail})) as srv:
        client = bt(srv)
        body = {"nm": "Renamed", "startdt": date(2025, 1, 6), "CLIENTID": "3", "IsInactive": False}
        assert client.settle_update("project", 4, body)
        assert client.settle_update(
            "project", 4, {"UdfList": [{"name": "po number", "Value": "PO-1"}]}
        )
        assert client.settle_update(
            "project", 4, {"UdfList": [{"Name": "PO Amount", "Value": Decimal("2500")}]}
        )
        assert not client.settle_update(
            "project", 4, {"UdfList": [{"Name": "PO Number", "Value": "PO-2"}]}
        )
        assert not client.settle_update("project", 4, {"Nm": "renamed"})  # case is data here
        assert not client.settle_update("project", 4, {"Nm": "Renamed "})  # and spacing
        assert not client.settle_update("project", 4, {"Nm": " Renamed"})
        assert not client.settle_update("project", 4, {"StartDt": "2025-01-07"})
        assert not client.settle_update("project", 4, {"Notes": "not in the record"})
        # read-only and unknown fields are ignored, as BigTime ignores them on write
        assert client.settle_update("project", 4, {"Nm": "Renamed", "DtModified": "x", "Zzz": 1})
        with pytest.raises(ConfigError, match="nothing writable"):
            client.settle_update("project", 4, {"SystemId": 4})
    assert srv.seen[0].query == {"View": "Detailed"}


def test_settle_update_of_time_compares_decimals_and_follows_a_new_sid() -> None:
    entry = raw('{"SID": -3, "Hours_IN": 2.00, "Dt": "2025-03-04T00:00:00", "NoCharge": false}')
    routes = Routes(
        {
            "GET /time/-3": entry,
            "GET /time/-9": message(404, "gone"),
            "GET /time/sheet/21": raw(SHEET),
            "GET /client/detail/77": message(404, "gone"),
        }
    )
    with ScriptedServer(routes) as srv:
        client = bt(srv)
        assert client.settle_update("time", -3, {"hours_in": Decimal("2"), "NoCharge": "false"})
        assert not client.settle_update("time", -3, {"Hours_IN": Decimal("2.01")})
        # -9 was submitted by the update and renumbered: look for it on the sheet instead
        body = {**TIME_BODY, "Notes": "Design review"}
        assert client.settle_update("time", -9, body)
        assert not client.settle_update("time", -9, {**body, "Notes": "other"})
        assert not client.settle_update("time", -9, {"Notes": "x"})  # no StaffSID/Dt to search
        assert not client.settle_update("client", 77, {"Nm": "x"})
