"""BigTime transport: retry policy per operation, status -> exception, size cap, redaction.

Runs against :class:`ScriptedServer`, a stdlib HTTP server on 127.0.0.1:0 that replays
scripted replies and records every request (``test_client_unit`` imports it too).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from recon.bigtime import uncertain
from recon.bigtime.transport import (
    API_KEY_HINT,
    MESSAGE_CHARS,
    Call,
    Transport,
    TransportConfig,
    is_write,
    retry_after_seconds,
    server_message,
)
from recon.errors import (
    AuthenticationError,
    FunctionError,
    GatewayError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SessionExpiredError,
    TransportError,
    ValidationError,
    WriteOutcomeUnknown,
)

ROOT = "/BigtimeData/api/v2"
JSON = {"Content-Type": "application/json; charset=utf-8"}
HTML = {"Content-Type": "text/html"}
OK_LIST = b'[{"SystemId": 1, "Nm": "Acme"}]'
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    + b"<h1>Bad Gateway</h1>" * 200
    + b"</body></html>"
)


@dataclass
class Reply:
    """One scripted answer. ``action``: ``reply``; ``drop`` (read the request, close without
    answering); ``hang`` (wait ``delay`` s, then drop); ``truncate`` (promise 100 more bytes
    than sent)."""

    status: int = 200
    body: bytes = OK_LIST
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    action: str = "reply"
    delay: float = 0.0

    def header(self, name: str, value: str) -> Reply:
        """This reply with one more header."""
        return Reply(self.status, self.body, {**self.headers, name: value}, self.action, self.delay)


def reply_json(data: Any, status: int = 200, **headers: str) -> Reply:
    return Reply(status, json.dumps(data).encode(), {**JSON, **headers})


def message(status: int, text: str) -> Reply:
    return reply_json({"Message": text}, status)


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    method: str
    path: str  # below the API root, as sent (case kept)
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Responder = Reply | Callable[[Seen], Reply]


class ScriptedServer:
    """Answers requests on 127.0.0.1 with ``replies`` in order (or from a function)."""

    def __init__(self, replies: list[Responder] | Callable[[Seen], Reply], port: int = 0):
        self.replies = replies
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{ROOT}"

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def hits(self) -> int:
        return len(self.seen)

    def calls(self) -> list[str]:
        """``"GET /client"``-style lines, in order."""
        return [f"{s.method} {s.path}" for s in self.seen]

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            if callable(self.replies):
                responder: Responder = self.replies
            elif self.replies:
                responder = self.replies.pop(0)
            else:
                return message(500, "no scripted reply left")
        return responder(seen) if callable(responder) else responder

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                parts = urlsplit(self.path)
                path = parts.path[len(ROOT) :] if parts.path.startswith(ROOT) else parts.path
                seen = Seen(
                    self.command, path, dict(parse_qsl(parts.query)), dict(self.headers), body
                )
                reply = server._next(seen)
                if reply.action in ("drop", "hang"):
                    time.sleep(reply.delay)
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                extra = 100 if reply.action == "truncate" else 0
                self.send_header("Content-Length", str(len(reply.body) + extra))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(reply.body)
                self.close_connection = True

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, *args: object) -> None:
                pass

        return Handler


class Sleeps(list[float]):
    """A sleep function that records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def transport(sleeps: Callable[[float], None], **kw: Any) -> Transport:
    config: dict[str, Any] = dict(
        connect_timeout=2.0,
        read_timeout=2.0,
        max_retries=3,
        backoff_base=0.01,
        retry_after_cap=0.5,
        sleep=sleeps,
        jitter=lambda: 0.5,
    )
    config.update(kw)
    return Transport(TransportConfig(**config))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


READ = Call.of("GET", "/client", auth="apikey", secrets=("the-api-key",))
WRITE = Call.of("POST", "/time", auth="apikey", secrets=("the-api-key",))
DELETE = Call.of("DELETE", "/time/-3", auth="apikey")


def send(srv: ScriptedServer, call: Call, sleeps: Callable[[float], None], **kw: Any) -> bytes:
    body = b'{"Hours_IN": 1.5}' if call.method == "POST" else None
    return transport(sleeps, **kw).exchange(srv.url(call.path), call, body=body).content


# --- classification -----------------------------------------------------------------


def test_is_write_by_method_except_session_login() -> None:
    assert not is_write("GET", "/client")
    assert not is_write("POST", "/session")
    assert not is_write("post", "/Session/")
    assert is_write("POST", "/time")
    assert is_write("POST", "/session/firm")
    assert is_write("DELETE", "/client/detail/3")
    assert Call.of("post", "/time").operation == "POST /time"


# --- reads retry --------------------------------------------------------------------


def test_read_returns_raw_body() -> None:
    with ScriptedServer([Reply()]) as srv:
        assert send(srv, READ, Sleeps()) == OK_LIST
    assert srv.calls() == ["GET /client"]


def test_read_retries_429_honouring_retry_after() -> None:
    sleeps = Sleeps()
    with ScriptedServer([message(429, "slow down").header("Retry-After", "0.2"), Reply()]) as srv:
        assert send(srv, READ, sleeps) == OK_LIST
    assert (srv.hits, sleeps) == (2, [0.2])


def test_retry_after_is_capped_by_the_configured_cap() -> None:
    sleeps = Sleeps()
    with ScriptedServer([message(429, "x").header("Retry-After", "3600"), Reply()]) as srv:
        send(srv, READ, sleeps, retry_after_cap=0.05)
    assert sleeps == [0.05]


def test_retry_after_default_cap_is_the_uncertain_constant() -> None:
    assert TransportConfig().retry_after_cap == uncertain.RETRY_AFTER_CAP_SECONDS
    assert retry_after_seconds("99999") == uncertain.RETRY_AFTER_CAP_SECONDS


def test_retry_after_parsing() -> None:
    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30)), now=now) == 30.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=30)), now=now) == 0.0
    assert retry_after_seconds("2.5") == 2.5
    assert retry_after_seconds("7", cap=1.0) == 1.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("nan") is None
    assert retry_after_seconds(None) is None


def test_429_without_retry_after_uses_backoff() -> None:
    sleeps = Sleeps()
    with ScriptedServer([Reply(429, b""), Reply()]) as srv:
        send(srv, READ, sleeps, backoff_base=1.0)
    assert sleeps == [0.75]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 524])
def test_read_retries_5xx_with_exponential_backoff(status: int) -> None:
    sleeps = Sleeps()
    with ScriptedServer([Reply(status, HTML_PAGE, HTML)] * 2 + [Reply()]) as srv:
        assert send(srv, READ, sleeps, backoff_base=1.0) == OK_LIST
    assert srv.hits == 3
    assert sleeps == [0.75, 1.5]  # base * 2**n, equal jitter at 0.5


def test_backoff_is_exponential_jittered_and_capped() -> None:
    lo = TransportConfig(backoff_base=1.0, backoff_max=5.0, jitter=lambda: 0.0)
    hi = TransportConfig(backoff_base=1.0, backoff_max=5.0, jitter=lambda: 0.999999)
    assert [lo.backoff(n) for n in range(4)] == [0.5, 1.0, 2.0, 2.5]
    assert [round(hi.backoff(n), 3) for n in range(4)] == [1.0, 2.0, 4.0, 5.0]


def test_read_gives_up_after_max_retries_with_the_server_message() -> None:
    sleeps = Sleeps()
    with ScriptedServer([message(500, "database is down")] * 10) as srv:
        with pytest.raises(GatewayError) as info:
            send(srv, READ, sleeps, max_retries=2)
    err = info.value
    assert (srv.hits, len(sleeps)) == (3, 2)
    assert err.status == 500 and err.system == "bigtime" and err.operation == "GET /client"
    assert "database is down" in str(err)
    assert (err.errors[0].errorno, err.errors[0].description) == ("500", "database is down")


def test_read_retries_dropped_connection_and_truncated_body() -> None:
    sleeps = Sleeps()
    with ScriptedServer([Reply(action="drop"), Reply(action="truncate"), Reply()]) as srv:
        assert send(srv, READ, sleeps) == OK_LIST
    assert (srv.hits, len(sleeps)) == (3, 2)


def test_read_retries_read_timeout() -> None:
    sleeps = Sleeps()
    with ScriptedServer([Reply(action="hang", delay=0.5), Reply()]) as srv:
        assert send(srv, READ, sleeps, read_timeout=0.15) == OK_LIST
    assert (srv.hits, len(sleeps)) == (2, 1)


def test_read_timeout_every_time_is_a_transport_error() -> None:
    sleeps = Sleeps()
    with ScriptedServer([Reply(action="hang", delay=0.4)] * 2) as srv:
        with pytest.raises(TransportError, match="no answer from BigTime") as info:
            send(srv, READ, sleeps, read_timeout=0.1, max_retries=1)
    assert not isinstance(info.value, WriteOutcomeUnknown)
    assert srv.hits == 2


def test_connect_failure_is_retried_then_reported() -> None:
    sleeps = Sleeps()
    url = f"http://127.0.0.1:{free_port()}{ROOT}/client"
    with pytest.raises(TransportError, match="could not connect") as info:
        transport(sleeps, max_retries=2).exchange(url, READ)
    assert not isinstance(info.value, WriteOutcomeUnknown)
    assert info.value.system == "bigtime"
    assert len(sleeps) == 2


# --- writes are never retried blindly -----------------------------------------------


def test_write_connect_failure_is_retried_because_nothing_left() -> None:
    port = free_port()
    servers: list[ScriptedServer] = []

    def sleep_then_start(_: float) -> None:  # the server comes up during the backoff
        if not servers:
            servers.append(ScriptedServer([reply_json({"SID": -1})], port=port).start())

    url = f"http://127.0.0.1:{port}{ROOT}/time"
    try:
        got = transport(sleep_then_start).exchange(url, WRITE, body=b"{}")
        assert json.loads(got.content) == {"SID": -1}
        assert servers[0].hits == 1
    finally:
        for srv in servers:
            srv.stop()


@pytest.mark.parametrize(
    "reply",
    [
        Reply(action="drop"),
        Reply(500, b'{"Message": "boom"}'),
        Reply(502, HTML_PAGE, HTML),
        Reply(503, b""),
        Reply(524, b""),
        Reply(action="truncate"),
    ],
    ids=["drop-after-send", "500", "502-html", "503", "524", "truncated-body"],
)
def test_write_outcome_unknown_after_the_request_left(reply: Reply) -> None:
    sleeps = Sleeps()
    with ScriptedServer([reply, Reply()]) as srv:
        with pytest.raises(WriteOutcomeUnknown) as info:
            send(srv, WRITE, sleeps)
    err = info.value
    assert srv.hits == 1 and sleeps == []  # never resent
    assert (err.system, err.operation) == ("bigtime", "POST /time")
    assert "settle" in str(err) and "<html" not in str(err).lower()


def test_write_read_timeout_is_outcome_unknown() -> None:
    with ScriptedServer([Reply(action="hang", delay=0.4), Reply()]) as srv:
        with pytest.raises(WriteOutcomeUnknown):
            send(srv, WRITE, Sleeps(), read_timeout=0.1)
    assert srv.hits == 1


def test_delete_is_a_write_too() -> None:
    with ScriptedServer([Reply(500, b""), Reply()]) as srv:
        with pytest.raises(WriteOutcomeUnknown) as info:
            send(srv, DELETE, Sleeps())
    assert info.value.operation == "DELETE /time/-3" and srv.hits == 1


def test_write_429_is_a_refusal_not_retried() -> None:
    sleeps = Sleeps()
    with ScriptedServer([message(429, "slow").header("Retry-After", "3"), Reply()]) as srv:
        with pytest.raises(RateLimitedError) as info:
            send(srv, WRITE, sleeps)
    assert not isinstance(info.value, WriteOutcomeUnknown)
    assert (srv.hits, sleeps, info.value.retry_after) == (1, [], 0.5)  # capped at 0.5


def test_oversized_body_is_malformed_for_reads_and_unknown_for_writes() -> None:
    big = b"[" + b"1," * 600 + b"1]"
    with ScriptedServer([Reply(body=big), Reply(body=big)]) as srv:
        with pytest.raises(MalformedResponseError, match="too large"):
            send(srv, READ, Sleeps(), max_response_bytes=1000)
        with pytest.raises(WriteOutcomeUnknown, match="too large"):
            send(srv, WRITE, Sleeps(), max_response_bytes=1000)
    assert srv.hits == 2


# --- statuses become the exception tree ---------------------------------------------

REFUSALS = [
    (400, ValidationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (405, PermissionDeniedError),
    (409, FunctionError),
]


@pytest.mark.parametrize("call", [READ, WRITE], ids=["read", "write"])
@pytest.mark.parametrize(("status", "kind"), REFUSALS)
def test_refusals_raise_their_type_with_the_server_message(
    call: Call, status: int, kind: type[Exception]
) -> None:
    sleeps = Sleeps()
    with ScriptedServer([message(status, "Nm is required"), Reply()]) as srv:
        with pytest.raises(kind) as info:
            send(srv, call, sleeps)
    err = info.value
    assert type(err) is kind and not isinstance(err, WriteOutcomeUnknown)
    assert (srv.hits, sleeps) == (1, [])
    assert err.status == status and err.operation == call.operation  # type: ignore[attr-defined]
    assert f"HTTP {status}" in str(err) and "Nm is required" in str(err)
    assert err.errors[0].errorno == str(status)  # type: ignore[attr-defined]


def test_401_of_an_api_key_says_where_to_check() -> None:
    with ScriptedServer([message(401, "Invalid token")]) as srv:
        with pytest.raises(AuthenticationError) as info:
            send(srv, READ, Sleeps())
    assert not isinstance(info.value, SessionExpiredError)
    assert API_KEY_HINT in str(info.value)
    assert "My Company > Integrations > API Keys" in str(info.value)


def test_401_of_a_session_token_is_session_expired() -> None:
    call = Call.of("GET", "/client", auth="session")
    with ScriptedServer([message(401, "Session expired")]) as srv:
        with pytest.raises(SessionExpiredError, match="session token"):
            send(srv, call, Sleeps())


def test_401_of_a_login_names_the_credentials_to_check() -> None:
    call = Call.of("POST", "/session", auth="login")
    with ScriptedServer([message(401, "Bad login")]) as srv:
        with pytest.raises(AuthenticationError, match="user id, password") as info:
            send(srv, call, Sleeps())
    assert not isinstance(info.value, SessionExpiredError)


def test_html_error_page_gives_a_short_clear_message() -> None:
    with ScriptedServer([Reply(404, HTML_PAGE, HTML)]) as srv:
        with pytest.raises(NotFoundError) as info:
            send(srv, READ, Sleeps())
    text = str(info.value)
    assert "HTTP 404" in text and "HTML page" in text
    assert "Bad Gateway" not in text and len(text) < 300


def test_empty_error_body_says_so() -> None:
    with ScriptedServer([Reply(400, b"")]) as srv:
        with pytest.raises(ValidationError, match=r"HTTP 400.*the body is empty"):
            send(srv, READ, Sleeps())


def test_redirects_are_refused_not_followed() -> None:
    with ScriptedServer([Reply(302, b"", {"Location": "http://example.com/"})]) as srv:
        with pytest.raises(GatewayError, match="redirect refused"):
            send(srv, READ, Sleeps())
    assert srv.hits == 1


def test_server_message_reads_each_known_key_and_bounds_it() -> None:
    assert server_message(b'{"message": "lower"}') == "lower"
    assert server_message(b'{"ExceptionMessage": "asp"}') == "asp"
    assert server_message(b'{"error": "err"}') == "err"
    assert server_message(b'"just a string"') == "just a string"
    assert server_message(b'{"Other": "x"}') == ""
    assert server_message(b"not json") == ""
    assert server_message(HTML_PAGE) == ""
    assert server_message(b'{"Message": "a\\n  b"}') == "a b"
    long = json.dumps({"Message": "x" * 5000}).encode()
    assert len(server_message(long)) == MESSAGE_CHARS
    assert server_message(b'{"Message": "token s3cr3t bad"}', ("s3cr3t",)) == "token *** bad"


# --- logging never shows secrets ----------------------------------------------------


def test_debug_logs_mask_auth_headers_and_secret_bodies(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="recon.bigtime")
    login = Call.of("POST", "/session", auth="login", secrets=("pa55word",))
    answer = reply_json({"token": "tok-123", "firm": "f"})
    with ScriptedServer([answer, Reply()]) as srv:
        t = transport(Sleeps())
        t.exchange(srv.url("/session"), login, body=b'{"UserId": "u", "Pwd": "pa55word"}')
        t.exchange(srv.url("/client"), READ, headers={"X-Auth-ApiToken": "the-api-key"})
    assert srv.seen[1].headers["X-Auth-ApiToken"] == "the-api-key"  # it was really sent
    text = caplog.text
    assert "POST /session" in text and "GET /client" in text
    for secret in ("pa55word", "tok-123", "the-api-key"):
        assert secret not in text
