"""Authentication: firm API keys, user sessions (sliding expiry), 401s, secrets kept out."""

from __future__ import annotations

import requests

from recon.sandbox import bigtime as creds
from recon.sandbox.bigtime.auth import Auth
from recon.sandbox.bigtime.server import BigtimeSandbox
from tests.clock import FakeClock
from tests.sandbox.bigtime_helpers import Api, decode, login, message, session_api

pytest_plugins = ["tests.sandbox.bigtime_fixtures"]


def test_api_key_reads_and_header_names_are_case_insensitive(bt_sandbox: BigtimeSandbox) -> None:
    api = Api(bt_sandbox, {"x-auth-apitoken": creds.API_TOKEN, "X-AUTH-REALM": creds.FIRM})
    names = [c["Nm"] for c in api.ok("GET", "/client")]
    assert names == ["Acme Corp", "Beta LLC"]


def test_missing_or_wrong_credentials_are_401_with_a_message(bt_sandbox: BigtimeSandbox) -> None:
    cases = [
        {},
        {"X-Auth-ApiToken": creds.API_TOKEN},  # no realm
        {"X-Auth-Realm": creds.FIRM},  # no key
        {"X-Auth-ApiToken": "not-the-key", "X-Auth-Realm": creds.FIRM},
        {"X-Auth-ApiToken": creds.API_TOKEN, "X-Auth-Realm": "other-firm"},
        {"X-Auth-Token": "no-such-session", "X-Auth-Realm": creds.FIRM},
    ]
    for headers in cases:
        resp = Api(bt_sandbox, headers).get("/client")
        assert resp.status_code == 401, headers
        text = message(resp)
        assert text and creds.API_TOKEN not in text and "not-the-key" not in text


def test_login_answers_the_session_object(bt_sandbox: BigtimeSandbox) -> None:
    resp = login(bt_sandbox)
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"token", "firm", "staffsid", "userid", "fname", "sname", "IsFirmAdmin"}
    assert body["firm"] == creds.FIRM
    assert (body["staffsid"], body["fname"], body["sname"]) == (1, "Ann", "Lee")  # by e-mail
    assert body["IsFirmAdmin"] is True
    assert isinstance(body["token"], str) and len(body["token"]) >= 20


def test_session_token_authenticates_calls(bt_sandbox: BigtimeSandbox) -> None:
    api = session_api(bt_sandbox)
    assert [s["StaffSID"] for s in api.ok("GET", "/staff")] == [1, 2]
    wrong_realm = Api(bt_sandbox, {**api.http.headers, "X-Auth-Realm": "other-firm"})
    assert wrong_realm.get("/staff").status_code == 401


def test_login_keys_any_case_and_query_parameters(bt_sandbox: BigtimeSandbox) -> None:
    body = {"userid": creds.USER_ID.upper(), "PWD": creds.USER_PASSWORD, "firm": creds.FIRM}
    assert requests.post(bt_sandbox.url + "/SESSION", json=body, timeout=10).status_code == 200
    params = {"UserId": creds.USER_ID, "Pwd": creds.USER_PASSWORD}
    resp = requests.post(bt_sandbox.url + "/session", params=params, timeout=10)
    assert resp.status_code == 200 and resp.json()["token"]


def test_wrong_login_is_401_and_missing_fields_400(bt_sandbox: BigtimeSandbox) -> None:
    assert login(bt_sandbox, Pwd="wrong").status_code == 401
    assert login(bt_sandbox, UserId="nobody@demo.example").status_code == 401
    wrong_firm = login(bt_sandbox, Firm="other-firm")
    assert wrong_firm.status_code == 401 and "wrong" not in message(wrong_firm)
    missing = requests.post(bt_sandbox.url + "/session", json={"UserId": "x"}, timeout=10)
    assert missing.status_code == 400 and message(missing)
    not_json = requests.post(bt_sandbox.url + "/session", data=b"{nope", timeout=10)
    assert not_json.status_code == 400


def test_sessions_slide_and_expire(bt_sandbox: BigtimeSandbox, bt_clock: FakeClock) -> None:
    api = session_api(bt_sandbox)  # ttl 600 s in the fixture
    bt_clock.advance(500)
    assert api.get("/client").status_code == 200  # use pushes expiry to now + 600
    bt_clock.advance(500)
    assert api.get("/client").status_code == 200
    bt_clock.advance(601)
    resp = api.get("/client")
    assert resp.status_code == 401 and message(resp)
    # API keys do not expire.
    assert Api(bt_sandbox).get("/client").status_code == 200


def test_expire_all_drops_sessions_only(bt_sandbox: BigtimeSandbox) -> None:
    api = session_api(bt_sandbox)
    assert bt_sandbox.auth.expire_all() == 1
    assert api.get("/client").status_code == 401
    assert Api(bt_sandbox).get("/client").status_code == 200
    assert session_api(bt_sandbox).get("/client").status_code == 200  # a new login works


def test_secrets_stay_out_of_reprs() -> None:
    auth = Auth(60, FakeClock())
    session = auth.login(creds.USER_ID, creds.USER_PASSWORD, None)
    assert session is not None
    text = repr(session) + repr(session.user)
    assert session.token not in text and creds.USER_PASSWORD not in text
    assert auth.login(creds.USER_ID, creds.USER_PASSWORD, "other-firm") is None


def test_the_session_route_is_post_only(bt_api: Api) -> None:
    resp = bt_api.get("/session")
    assert resp.status_code == 405 and "POST" in resp.headers["Allow"]
    assert decode(resp)["Message"]
