"""Fault injection with BigTime's flavour, the admin endpoints and the request counters."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from recon.sandbox.bigtime import API_PATH, API_TOKEN, FIRM
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.faults import RemoteFaults
from tests.sandbox.bigtime_helpers import Api, decode, message, session_api
from tests.waiting import Gate, wait_for

pytest_plugins = ["tests.sandbox.bigtime_fixtures"]

NEW_CLIENT = {"Nm": "Faulty Inc", "ClientId": "F1"}


def _created(api: Api) -> bool:
    """Whether NEW_CLIENT landed (the sandbox is read through a fault-free call)."""
    api.sandbox.faults.clear()
    return any(c["ClientId"] == "F1" for c in api.ok("GET", "/client", ShowInactive="true"))


def test_rate_limit_is_429_with_retry_after_and_not_applied(bt_api: Api) -> None:
    bt_api.sandbox.faults.add("rate_limit", count=1, retry_after=1.5)
    resp = bt_api.post("/client/detail", NEW_CLIENT)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "2"
    assert message(resp)
    assert not _created(bt_api)


def test_server_error_is_500_json_and_not_applied(bt_api: Api) -> None:
    bt_api.sandbox.faults.add("server_error", count=1)
    resp = bt_api.post("/client/detail", NEW_CLIENT)
    assert resp.status_code == 500 and message(resp)
    assert not _created(bt_api)


def test_bad_gateway_is_an_html_page_and_not_applied(bt_api: Api) -> None:
    bt_api.sandbox.faults.add("bad_gateway", count=1)
    resp = bt_api.post("/client/detail", NEW_CLIENT)
    assert resp.status_code == 502 and resp.headers["Content-Type"].startswith("text/html")
    assert b"<html>" in resp.content
    assert not _created(bt_api)


def test_timeout_524_applies_the_request(bt_api: Api) -> None:
    bt_api.sandbox.faults.add("timeout_524", count=1)
    resp = bt_api.post("/client/detail", NEW_CLIENT)
    assert resp.status_code == 524
    assert _created(bt_api)


@pytest.mark.parametrize(("when", "applied"), [("before", False), ("after", True)])
def test_drop(bt_api: Api, when: str, applied: bool) -> None:
    bt_api.sandbox.faults.add("drop", count=1, when=when)
    with pytest.raises(requests.ConnectionError):
        bt_api.post("/client/detail", NEW_CLIENT)
    assert _created(bt_api) is applied


def test_truncate_applies_and_cuts_the_body(bt_api: Api) -> None:
    bt_api.sandbox.faults.add("truncate", count=1)
    with pytest.raises(requests.RequestException):
        bt_api.post("/client/detail", NEW_CLIENT)
    assert _created(bt_api)


def test_truncated_read_arrives_short(bt_sandbox: BigtimeSandbox) -> None:
    full = Api(bt_sandbox).get("/client").content
    bt_sandbox.faults.add("truncate", count=1)
    host, port = bt_sandbox.base_url.removeprefix("http://").split(":")
    request = (
        f"GET {API_PATH}/client HTTP/1.1\r\nHost: {host}\r\n"
        f"X-Auth-ApiToken: {API_TOKEN}\r\nX-Auth-Realm: {FIRM}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request.encode())
        raw = b""
        while chunk := sock.recv(65536):  # the sandbox hangs up after half the body
            raw += chunk
    head, body = raw.split(b"\r\n\r\n", 1)
    assert f"Content-Length: {len(full)}".encode() in head
    assert body == full[: len(full) // 2]


def test_latency_holds_the_answer_back(bt_api: Api) -> None:
    bt_api.sandbox.sleep = gate = Gate()
    bt_api.sandbox.faults.add("latency", seconds=0.2, count=1)
    with ThreadPoolExecutor(1) as pool:
        try:
            held = pool.submit(bt_api.get, "/client")
            wait_for(gate.entered, "the latency fault to hold the request")
            assert not held.done()  # no answer while the fault waits
        finally:
            gate.open()
        assert held.result().status_code == 200
    assert bt_api.get("/client").status_code == 200
    assert gate.asked == [0.2]  # count=1: only the first request waited
    assert bt_api.sandbox.counters.snapshot()["fault:latency"] == 1


def test_expire_session_invalidates_tokens_not_api_keys(bt_sandbox: BigtimeSandbox) -> None:
    user, firm = session_api(bt_sandbox), Api(bt_sandbox)
    assert user.get("/client").status_code == 200
    bt_sandbox.faults.add("expire_session", count=1)
    assert firm.get("/client").status_code == 200  # this request expired all sessions
    assert user.get("/client").status_code == 401
    assert session_api(bt_sandbox).get("/client").status_code == 200


def test_only_and_count_limit_a_fault(bt_api: Api) -> None:
    bt_api.sandbox.faults.add("server_error", only="write", count=2)
    assert bt_api.get("/client").status_code == 200  # a read: untouched
    assert bt_api.post("/session", {"UserId": "x", "Pwd": "y"}).status_code == 401  # a read too
    assert bt_api.delete("/client/detail/3").status_code == 500
    assert bt_api.post("/client/detail", NEW_CLIENT).status_code == 500
    assert bt_api.post("/client/detail", NEW_CLIENT).status_code == 200  # count used up


def test_admin_endpoints_over_http(bt_sandbox: BigtimeSandbox) -> None:
    remote = RemoteFaults(bt_sandbox.url)
    (rule,) = remote.add("rate_limit", count=1, retry_after=3)
    assert rule["kind"] == "rate_limit" and remote.rules()[0]["id"] == rule["id"]
    api = Api(bt_sandbox)
    assert api.get("/client").headers["Retry-After"] == "3"
    assert remote.rules() == []
    remote.add("bad_gateway")
    remote.clear()
    assert api.get("/client").status_code == 200
    bad = requests.post(bt_sandbox.base_url + "/__sandbox__/faults", json={"kind": "x"}, timeout=5)
    assert bad.status_code == 400


def test_counters_name_each_endpoint(bt_api: Api) -> None:
    bt_api.ok("GET", "/time/Sheet/1", StartDt="2024-01-01", EndDt="2024-01-31")
    bt_api.ok("GET", "/TIME/SHEET/2", StartDt="2024-01-01", EndDt="2024-01-31")
    bt_api.ok("GET", "/client/detail/1")
    bt_api.get("/nowhere")
    bt_api.sandbox.faults.add("rate_limit", count=1)
    bt_api.get("/client")
    counts = RemoteFaults(bt_api.sandbox.url).counters(reset=True)
    assert counts == {
        "GET /time/Sheet": 2,
        "GET /client/detail": 1,
        "GET (unknown)": 1,
        "GET /client": 1,
        "fault:rate_limit": 1,
    }
    assert bt_api.sandbox.counters.snapshot() == {}


def test_a_sandbox_bug_is_a_500_message(bt_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kw: object) -> bytes:
        raise RuntimeError("boom")

    monkeypatch.setattr(bt_api.sandbox.store, "list_json", broken)
    resp = bt_api.get("/client")
    assert resp.status_code == 500 and "boom" not in message(resp)
    assert decode(bt_api.get("/client/detail/1"))["Nm"] == "Acme Corp"  # still serving
