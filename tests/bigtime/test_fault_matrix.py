"""Each injected fault x (read, write) against the BigTime sandbox, settlement of lost
answers, and malformed answers from a real (scripted) HTTP server.

Reads recover and return the right data; writes are never sent twice by the client and
never applied twice; every failure reaches the caller as a clear exception of the recon
tree. BigTime has no idempotency key, so a write whose answer was lost is settled the way
the push settles it: read back (``settle_create`` / ``settle_update``), resend only if it
did not land.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from recon.bigtime import uncertain
from recon.bigtime.client import BigTimeClient
from recon.errors import (
    AuthenticationError,
    GatewayError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    ReconError,
    TransportError,
    ValidationError,
    WriteOutcomeUnknown,
)
from recon.sandbox import bigtime as creds
from recon.sandbox.bigtime import API_PATH
from recon.sandbox.bigtime.server import BigtimeSandbox
from tests.bigtime.conftest import (
    SESSION_ENDPOINT,
    DemoSeed,
    Sleeps,
    counted,
    make_client,
)
from tests.waiting import Gate

#: The Retry-After cap of the test settings (``fast_settings``); the sandbox sends ``1``.
RETRY_AFTER_CAP = 0.05

# --- reads ------------------------------------------------------------------------------------

READ_FAULTS = [
    ("latency", {"seconds": 0.02}),
    ("rate_limit", {"retry_after": 1}),
    ("server_error", {}),
    ("bad_gateway", {}),
    ("timeout_524", {}),
    ("drop", {"when": "before"}),
    ("drop", {"when": "after"}),
    ("truncate", {}),
    ("expire_session", {}),
]
#: Faults that spoil the answer, so the client must retry (one back-off sleep each).
RETRIED = {"rate_limit", "server_error", "bad_gateway", "timeout_524", "drop", "truncate"}


def _fault_id(value: Any) -> str:
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items()) or "-"
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, bool):
        return "applied" if value else "not-applied"
    return "ok" if value is None else str(value)


@pytest.mark.parametrize("count", [1, 2])
@pytest.mark.parametrize(("kind", "params"), READ_FAULTS, ids=_fault_id)
def test_reads_recover(
    bt: BigTimeClient,
    bt_sandbox: BigtimeSandbox,
    demo_seed: DemoSeed,
    sleeps: Sleeps,
    kind: str,
    params: dict[str, Any],
    count: int,
) -> None:
    want = demo_seed.raw["invoice"][3]
    fired = counted(bt_sandbox, f"fault:{kind}")
    bt_sandbox.faults.add(kind, count=count, only="read", **params)

    # A retried fault is met `count` times by one read; the others once per read.
    for _ in range(1 if kind in RETRIED else count):
        got = bt.invoice(want["Sid"])

    assert got["InvoiceNbr"] == want["InvoiceNbr"] and got["TotalAmt"] == want["TotalAmt"]
    assert isinstance(got["TotalAmt"], Decimal)
    assert [line["Amt"] for line in got["Lines"]] == [line["Amt"] for line in want["Lines"]]
    assert counted(bt_sandbox, f"fault:{kind}") - fired == count  # every fault was met
    assert bt_sandbox.faults.rules() == []
    expected_sleeps = count if kind in RETRIED else 0
    assert len(sleeps.calls) == expected_sleeps
    if kind == "rate_limit":  # Retry-After honoured, capped by the settings
        assert sleeps.calls == [RETRY_AFTER_CAP] * count


def test_read_time_sheet_recovers_from_mixed_faults(
    api_reader: BigTimeClient, bt_sandbox: BigtimeSandbox, demo_seed: DemoSeed
) -> None:
    entry = demo_seed.time[100]
    day = date.fromisoformat(entry["Dt"])
    want = [t["SID"] for t in demo_seed.time_where(day, day, StaffSID=entry["StaffSID"])]
    bt_sandbox.faults.add("truncate", count=1, only="read")
    bt_sandbox.faults.add("rate_limit", count=1, only="read", retry_after=0)
    bt_sandbox.faults.add("drop", count=1, only="read", when="after")
    got = api_reader.time_sheet(entry["StaffSID"], day, day)
    assert sorted(t["SID"] for t in got) == sorted(want)


# (kind, params, exception when the fault never clears)
READ_EXHAUSTED = [
    ("rate_limit", {"retry_after": 1}, RateLimitedError),
    ("server_error", {}, GatewayError),
    ("bad_gateway", {}, GatewayError),
    ("timeout_524", {}, GatewayError),
    ("drop", {"when": "before"}, TransportError),
    ("truncate", {}, TransportError),
]


STATUS = {"rate_limit": 429, "server_error": 500, "bad_gateway": 502, "timeout_524": 524}


@pytest.mark.parametrize(("kind", "params", "error"), READ_EXHAUSTED, ids=_fault_id)
def test_read_gives_up_with_a_clear_error(
    api_reader: BigTimeClient,
    bt_sandbox: BigtimeSandbox,
    sleeps: Sleeps,
    kind: str,
    params: dict[str, Any],
    error: type[ReconError],
) -> None:
    before = counted(bt_sandbox, "GET /client")
    bt_sandbox.faults.add(kind, only="read", **params)  # never clears
    with pytest.raises(error) as exc:
        api_reader.clients()
    failure = exc.value
    assert not isinstance(failure, WriteOutcomeUnknown)  # a read has no outcome to settle
    message = str(failure)
    assert "GET /client" in message and failure.operation == "GET /client"
    assert "<html" not in message.lower()  # an error page is described, never pasted
    retries = api_reader.settings.max_retries
    assert counted(bt_sandbox, "GET /client") - before == retries + 1
    assert len(sleeps.calls) == retries
    if isinstance(failure, GatewayError):
        assert failure.status == STATUS[kind] and failure.errors
        assert failure.errorno == str(STATUS[kind])
    if kind == "rate_limit":
        assert failure.retry_after == RETRY_AFTER_CAP


def test_read_timeout_is_retried_then_gives_up(
    read_faults: BigtimeSandbox, demo_seed: DemoSeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A delayed request is held until the test ends, so only the client's read timeout
    # ends the wait; an undelayed answer has a second to come.
    gate = Gate()
    monkeypatch.setattr(read_faults, "sleep", gate)
    try:
        with make_client(read_faults, "apikey", timeout=1.0, max_retries=1) as slow:
            read_faults.faults.add("latency", count=1, only="read", seconds=5)
            assert len(slow.clients()) == len(demo_seed.raw["client"])  # 2nd try answers
            read_faults.faults.add("latency", count=2, only="read", seconds=5)
            with pytest.raises(TransportError, match=r"GET /client.*no answer"):
                slow.clients()
    finally:
        gate.open()
    assert gate.asked == [5, 5, 5]


# --- writes ---------------------------------------------------------------------------------

# (kind, params, exception of the first send or None, was the first send applied?)
WRITE_CASES = [
    ("latency", {"seconds": 0.02}, None, True),
    ("rate_limit", {"retry_after": 1}, RateLimitedError, False),
    ("server_error", {}, WriteOutcomeUnknown, False),
    ("bad_gateway", {}, WriteOutcomeUnknown, False),
    ("timeout_524", {}, WriteOutcomeUnknown, True),
    ("drop", {"when": "before"}, WriteOutcomeUnknown, False),
    ("drop", {"when": "after"}, WriteOutcomeUnknown, True),
    ("truncate", {}, WriteOutcomeUnknown, True),
    ("expire_session", {}, None, True),
]


def _client_ids(bt: BigTimeClient, code: str) -> list[int]:
    return [c["SystemId"] for c in bt.clients(show_inactive=True) if c["ClientId"] == code]


@pytest.mark.parametrize(("kind", "params", "error", "applied"), WRITE_CASES, ids=_fault_id)
def test_writes_apply_exactly_once(
    writer: BigTimeClient,
    bt_write_sandbox: BigtimeSandbox,
    sleeps: Sleeps,
    kind: str,
    params: dict[str, Any],
    error: type[ReconError] | None,
    applied: bool,
) -> None:
    writer.clients()  # signed in before the fault is armed
    body = {"ClientId": f"FLT-{kind}", "Nm": f"Fault {kind}", "Notes": "exactly once"}
    sends = counted(bt_write_sandbox, "POST /client/detail")
    bt_write_sandbox.faults.add(kind, count=1, only="write", **params)

    if error is None:
        writer.create("client", body)
    else:
        with pytest.raises(error) as exc:
            writer.create("client", body)
        failure = exc.value
        assert "POST /client/detail" in str(failure) and failure.operation == "POST /client/detail"
        assert "<html" not in str(failure).lower()
        for secret in (creds.API_TOKEN, creds.USER_PASSWORD):
            assert secret not in str(failure)
        if error is WriteOutcomeUnknown:
            assert "settle" in str(failure)  # tells the caller what to do
        if error is RateLimitedError:
            assert failure.retry_after == RETRY_AFTER_CAP

    sent = counted(bt_write_sandbox, "POST /client/detail") - sends
    relogin = kind == "expire_session" and writer.session is not None
    assert sent == (2 if relogin else 1)  # never resent blindly (a 401 ran nothing)
    assert sleeps.calls == []
    assert len(_client_ids(writer, body["ClientId"])) == (1 if applied else 0)

    # Settle by reading back; resend only what did not land.
    landed = writer.settle_create("client", body)
    assert (landed is not None) is applied
    if landed is None:
        writer.create("client", body)
    assert len(_client_ids(writer, body["ClientId"])) == 1


def test_write_rate_limit_then_delete_settles(
    api_writer: BigTimeClient, bt_write_sandbox: BigtimeSandbox
) -> None:
    sid = api_writer.create("client", {"ClientId": "DEL-1", "Nm": "To delete"})["SystemId"]
    bt_write_sandbox.faults.add("drop", count=1, only="write", when="before")
    with pytest.raises(WriteOutcomeUnknown, match=f"DELETE /client/detail/{sid}"):
        api_writer.delete("client", sid)
    assert api_writer.client(sid)["SystemId"] == sid  # not applied: still there
    bt_write_sandbox.faults.add("drop", count=1, only="write", when="after")
    with pytest.raises(WriteOutcomeUnknown):
        api_writer.delete("client", sid)
    with pytest.raises(NotFoundError):  # applied: a read-back settles it
        api_writer.client(sid)


# --- settlement of lost answers, per write kind -------------------------------------------------


@dataclass
class WriteKind:
    """How to create, update and count one kind of record on the demo firm."""

    name: str
    create: Callable[[DemoSeed], dict[str, Any]]
    change: dict[str, Any]
    key: str
    extra: dict[str, Any] = field(default_factory=dict)


def _time_body(seed: DemoSeed) -> dict[str, Any]:
    entry = seed.time[5]
    return {
        "StaffSID": entry["StaffSID"],
        "ProjectSID": entry["ProjectSID"],
        "Dt": date(2025, 8, 15),
        "Hours_IN": Decimal("2.75"),
        "Notes": "settle me",
    }


WRITE_KINDS = [
    WriteKind(
        "client", lambda s: {"ClientId": "SET-C", "Nm": "Settle Co"}, {"Nm": "Settled"}, "ClientId"
    ),
    WriteKind(
        "project",
        lambda s: {
            "ProjectCode": "SET-P",
            "Nm": "Settle job",
            "ClientId": s.raw["client"][2]["SystemId"],
        },
        {"Nm": "Settled job", "EndDt": "2025-11-30"},
        "ProjectCode",
    ),
    WriteKind(
        "staff",
        lambda s: {"FName": "Set", "SName": "Tle", "EMail": "settle@demo.example"},
        {"Title": "Settled"},
        "EMail",
    ),
    WriteKind("time", _time_body, {"Hours_IN": Decimal("3.25"), "Notes": "settled"}, "Notes"),
]


def _count(bt: BigTimeClient, kind: WriteKind, body: dict[str, Any]) -> int:
    """How many records carry the body's natural key (time: on the staffer's day)."""
    if kind.name == "time":
        day = bt.time_sheet(body["StaffSID"], body["Dt"], body["Dt"])
        return sum(t["Notes"] == body["Notes"] and t["Hours_IN"] == body["Hours_IN"] for t in day)
    listing = {"client": bt.clients, "project": bt.projects, "staff": bt.staff}[kind.name]
    return sum(r[kind.key] == body[kind.key] for r in listing(show_inactive=True))


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("kind", WRITE_KINDS, ids=lambda k: k.name)
def test_lost_create_is_settled_by_read_back(
    api_writer: BigTimeClient,
    bt_write_sandbox: BigtimeSandbox,
    demo_seed: DemoSeed,
    kind: WriteKind,
    when: str,
) -> None:
    body = kind.create(demo_seed)
    applied = when == "after"
    bt_write_sandbox.faults.add("drop", count=1, only="write", when=when)
    with pytest.raises(WriteOutcomeUnknown):
        api_writer.create(kind.name, body)
    assert _count(api_writer, kind, body) == (1 if applied else 0)

    landed = api_writer.settle_create(kind.name, body)
    assert (landed is not None) is applied
    if landed is None:
        landed = api_writer.create(kind.name, body)
        assert api_writer.settle_create(kind.name, body) == _detail(api_writer, kind, landed)
    assert _count(api_writer, kind, body) == 1


def _detail(bt: BigTimeClient, kind: WriteKind, record: dict[str, Any]) -> dict[str, Any]:
    """The record as settle_create reads it back (detail view; time: from the sheet)."""
    if kind.name == "time":
        day = bt.time_sheet(record["StaffSID"], date(2025, 8, 15), date(2025, 8, 15))
        return next(t for t in day if t["SID"] == record["SID"])
    reader = {"client": bt.client, "project": bt.project, "staff": bt.staffer}[kind.name]
    key = {"client": "SystemId", "project": "SystemId", "staff": "StaffSID"}[kind.name]
    return reader(record[key])


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("kind", WRITE_KINDS, ids=lambda k: k.name)
def test_lost_update_is_settled_by_read_back(
    api_writer: BigTimeClient,
    bt_write_sandbox: BigtimeSandbox,
    demo_seed: DemoSeed,
    kind: WriteKind,
    when: str,
) -> None:
    body = kind.create(demo_seed)
    record = api_writer.create(kind.name, body)
    sid = next(v for k, v in record.items() if k in ("SystemId", "StaffSID", "SID"))
    applied = when == "after"
    assert api_writer.settle_update(kind.name, sid, kind.change) is False  # not yet

    bt_write_sandbox.faults.add("drop", count=1, only="write", when=when)
    with pytest.raises(WriteOutcomeUnknown):
        api_writer.update(kind.name, sid, kind.change)
    assert api_writer.settle_update(kind.name, sid, kind.change) is applied
    if not applied:
        api_writer.update(kind.name, sid, kind.change)
    assert api_writer.settle_update(kind.name, sid, kind.change) is True
    assert _count(api_writer, kind, {**body, **kind.change}) == 1


@pytest.mark.parametrize("when", ["before", "after"])
def test_lost_submit_is_settled_after_renumbering(
    api_writer: BigTimeClient, bt_write_sandbox: BigtimeSandbox, demo_seed: DemoSeed, when: str
) -> None:
    body = _time_body(demo_seed)
    draft = api_writer.create_time(body)
    old = draft["SID"]
    assert old < 0
    change = {"StaffSID": body["StaffSID"], "Dt": body["Dt"], "Notes": "submitted"}
    bt_write_sandbox.faults.add("drop", count=1, only="write", when=when)
    with pytest.raises(WriteOutcomeUnknown):
        api_writer.update_time(old, change, submit=True)
    applied = when == "after"
    if applied:
        with pytest.raises(NotFoundError):  # renumbered: the old SID is gone
            api_writer.time_entry(old)
    assert api_writer.settle_update("time", old, change) is applied
    if not applied:
        api_writer.update_time(old, change, submit=True)
    found = api_writer.settle_create("time", {**body, "Notes": "submitted"})
    assert found is not None and found["SID"] > 0
    day = api_writer.time_sheet(body["StaffSID"], body["Dt"], body["Dt"])
    assert [t["SID"] for t in day if t["Notes"] == "submitted"] == [found["SID"]]


@pytest.mark.parametrize("when", ["before", "after"])
def test_lost_custom_fields_and_team_are_settled(
    api_writer: BigTimeClient, bt_write_sandbox: BigtimeSandbox, demo_seed: DemoSeed, when: str
) -> None:
    project = demo_seed.raw["project"][0]["SystemId"]
    values = [{"Name": uncertain.UDF_SO_NUMBER, "Value": f"SO-{when}"}]
    bt_write_sandbox.faults.add("drop", count=1, only="write", when=when)
    with pytest.raises(WriteOutcomeUnknown, match="CustomFieldsByName"):
        api_writer.set_custom_fields("project", project, {uncertain.UDF_SO_NUMBER: f"SO-{when}"})
    applied = when == "after"
    assert api_writer.settle_update("project", project, {"UdfList": values}) is applied

    staff = demo_seed.raw["staff"][0]["StaffSID"]
    bt_write_sandbox.faults.add("truncate", count=1, only="write")
    with pytest.raises(WriteOutcomeUnknown, match="/project/team"):
        api_writer.set_project_team(project, [{"StaffSid": staff, "TeamLead": True}])
    assert [m["StaffSid"] for m in api_writer.project_team(project)] == [staff]


# --- malformed answers from a real HTTP server ---------------------------------------------------


@dataclass
class Scripted:
    """A loopback HTTP server answering each API path with a scripted (status, type, body)."""

    server: ThreadingHTTPServer
    script: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{API_PATH}"


class _ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0].removeprefix(API_PATH)
        scripted: Scripted = self.server.scripted
        scripted.hits.append(f"{self.command} {path}")
        status, ctype, body = scripted.script.get(path, (404, "application/json", b"{}"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _serve


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ScriptedHandler)
    server.daemon_threads = True
    result = Scripted(server)
    server.scripted = result  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield result
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


HTML = "text/html"
JSON = "application/json"
LOGIN_PAGE = b"<!DOCTYPE html><html><body><h1>Sign in to BigTime</h1></body></html>"

# (answer with HTTP 200, what the message must say)
MALFORMED_READS = [
    ((HTML, LOGIN_PAGE), "HTML page"),
    ((JSON, b""), "empty"),
    ((JSON, b"   \r\n"), "empty"),
    (
        (JSON, b'[{"SystemId": 1, "Nm": "Acme", "ClientId": "C1"}, {"SystemId": 2, "N'),
        "not valid JSON",
    ),
    (("text/plain", b"Service temporarily unavailable"), "not valid JSON"),
    ((JSON, b'[{"SystemId": NaN}]'), "not valid JSON"),
    ((JSON, b'{"Message": "ok"}'), "expected a JSON array"),
    ((JSON, b"[1, 2]"), "not an object"),
    ((JSON, b"<?xml version='1.0'?><error/>"), "XML/HTML"),
]


@pytest.mark.parametrize(("answer", "problem"), MALFORMED_READS, ids=lambda v: str(v)[:30])
def test_malformed_read_is_a_clear_error(scripted: Scripted, answer, problem: str) -> None:
    scripted.script["/client"] = (200, *answer)
    with make_client(scripted.url, "apikey") as bt:
        with pytest.raises(MalformedResponseError) as exc:
            bt.clients()
    failure = exc.value
    assert problem in str(failure) and str(failure).startswith("GET /client:")
    assert failure.system == "bigtime" and failure.operation == "GET /client"
    assert b"Sign in" not in str(failure).encode() and "temporarily" not in str(failure)
    assert scripted.hits == ["GET /client"]  # a 200 is an answer: not retried


def test_malformed_detail_and_login_name_their_endpoint(scripted: Scripted) -> None:
    scripted.script["/client/detail/5"] = (200, JSON, b'["not", "an", "object"]')
    scripted.script["/session"] = (200, HTML, LOGIN_PAGE)
    with make_client(scripted.url, "apikey") as bt:
        with pytest.raises(
            MalformedResponseError, match=r"^GET /client/detail/5: expected a JSON object"
        ):
            bt.client(5)
    with make_client(scripted.url, "user") as bt:
        with pytest.raises(MalformedResponseError, match=r"^POST /session: an HTML page"):
            bt.clients()
    scripted.script["/session"] = (200, JSON, b'{"firm": "demo-firm"}')
    with make_client(scripted.url, "user") as bt:
        with pytest.raises(MalformedResponseError, match="no session token"):
            bt.clients()


@pytest.mark.parametrize(
    "answer", [(HTML, LOGIN_PAGE), (JSON, b""), (JSON, b'{"SystemId": 7, "Nm"'), (JSON, b"[]")]
)
def test_malformed_write_answer_is_an_unknown_outcome(scripted: Scripted, answer) -> None:
    scripted.script["/client/detail"] = (200, *answer)
    with make_client(scripted.url, "apikey") as bt:
        with pytest.raises(WriteOutcomeUnknown, match=r"^POST /client/detail: ") as exc:
            bt.create("client", {"ClientId": "X", "Nm": "X"})
    assert "Sign in" not in str(exc.value)
    assert scripted.hits == ["POST /client/detail"]  # never resent


def test_error_pages_and_statuses_from_a_real_server(scripted: Scripted) -> None:
    scripted.script["/client"] = (500, HTML, b"<html><body>Runtime Error</body></html>")
    scripted.script["/project"] = (401, HTML, b"<html><body>401 Unauthorized</body></html>")
    scripted.script["/staff"] = (400, "text/plain", b"Bad request")
    scripted.script["/client/detail/5"] = (404, JSON, b'{"Message": "Client 5 was not found."}')
    scripted.script["/client/detail/6"] = (302, HTML, b"")
    scripted.script["/client/detail"] = (503, HTML, b"<html>down</html>")
    with make_client(scripted.url, "apikey", max_retries=1) as bt:
        with pytest.raises(GatewayError) as gateway:
            bt.clients()
        assert gateway.value.status == 500 and "Runtime Error" not in str(gateway.value)
        assert "HTML page" in gateway.value.errors[0].description
        assert scripted.hits.count("GET /client") == 2  # retried once, then given up
        with pytest.raises(AuthenticationError, match="API key was refused"):
            bt.projects()
        with pytest.raises(ValidationError, match="no message"):
            bt.staff()
        with pytest.raises(NotFoundError, match="Client 5 was not found"):
            bt.client(5)
        with pytest.raises(GatewayError, match="redirect refused"):
            bt.client(6)
        with pytest.raises(WriteOutcomeUnknown, match="HTTP 503"):
            bt.create("client", {"ClientId": "X", "Nm": "X"})
    assert scripted.hits.count("POST /client/detail") == 1
    assert SESSION_ENDPOINT not in scripted.hits  # an API key never signs in
