"""Transport: retry policy per operation, size cap, status handling, redaction in logs.

Runs against :class:`CannedServer`, a stdlib HTTP server on 127.0.0.1:0 that answers with
canned replies in sequence (``test_client_unit`` imports it too).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from recon.errors import (
    ControlError,
    GatewayError,
    MalformedResponseError,
    RateLimitedError,
    TransportError,
    WriteOutcomeUnknown,
)
from recon.intacct import uncertain
from recon.intacct.redact import MASK, redact
from recon.intacct.transport import Call, Transport, TransportConfig, retry_after_seconds
from tests.fixtures import INTACCT as FIXTURES

OK_BODY = (
    FIXTURES / "extracted/php-OnlineClientTest-readByQuery-customer-single-page.xml"
).read_bytes()
XML = {"Content-Type": 'text/xml; encoding="UTF-8"'}


@dataclass
class Reply:
    """One canned answer. ``action``: ``reply``, ``drop`` (close, send nothing), ``hang``
    (wait ``delay`` seconds, then drop) or ``truncate`` (promise more bytes than sent)."""

    status: int = 200
    body: bytes = OK_BODY
    headers: dict[str, str] = field(default_factory=lambda: dict(XML))
    action: str = "reply"
    delay: float = 0.0


Responder = Reply | Callable[[bytes], Reply]


class CannedServer:
    """Answers POSTs on 127.0.0.1 with ``replies`` in order; records every request body."""

    def __init__(self, replies: list[Responder] | Callable[[bytes], Reply], port: int = 0):
        self.replies = replies
        self.requests: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/ia/xml/xmlgw.phtml"

    @property
    def hits(self) -> int:
        return len(self.requests)

    def start(self) -> CannedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> CannedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, body: bytes, path: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.paths.append(path)
            self.headers.append(headers)
            if callable(self.replies):
                responder: Responder = self.replies
            elif self.replies:
                responder = self.replies.pop(0)
            else:
                return Reply(500, b"no canned reply left", {"Content-Type": "text/plain"})
        return responder(body) if callable(responder) else responder

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                reply = server._next(body, self.path, dict(self.headers))
                if reply.action in ("drop", "hang"):
                    time.sleep(reply.delay)
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                extra = 100 if reply.action == "truncate" else 0
                self.send_header("Content-Length", str(len(reply.body) + extra))
                self.end_headers()
                self.wfile.write(reply.body)
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        return Handler


class Sleeps(list[float]):
    """A sleep function that records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def transport(sleeps: Sleeps, **kw: object) -> Transport:
    config = dict(
        connect_timeout=2.0, read_timeout=2.0, max_retries=3, sleep=sleeps, jitter=lambda: 0.5
    )
    config.update(kw)
    return Transport(TransportConfig(**config))  # type: ignore[arg-type]


READ = Call("Intacct readByQuery", controlids=("r1",))
WRITE = Call("Intacct create", write=True, controlids=("w1", "w2"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- reads retry ------------------------------------------------------------------------


def test_read_retries_429_honouring_retry_after() -> None:
    sleeps = Sleeps()
    with CannedServer([Reply(429, b"", {"Retry-After": "7"}), Reply()]) as srv:
        resp = transport(sleeps).exchange(srv.url, b"<request/>", READ)
    assert resp.results[0].ok
    assert (srv.hits, sleeps) == (2, [7.0])


def test_retry_after_is_capped() -> None:
    sleeps = Sleeps()
    replies = [Reply(429, b"", {"Retry-After": "3600"}), Reply()]
    with CannedServer(replies) as srv:  # type: ignore[arg-type]
        transport(sleeps).exchange(srv.url, b"<request/>", READ)
    assert sleeps == [uncertain.RETRY_AFTER_CAP_SECONDS]


def test_retry_after_parsing() -> None:
    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30)), now) == 30.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=30)), now) == 0.0
    assert retry_after_seconds("2.5") == 2.5
    assert retry_after_seconds("99999") == uncertain.RETRY_AFTER_CAP_SECONDS
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("nan") is None
    assert retry_after_seconds(None) is None


def test_gw0010_in_body_is_retried_for_reads() -> None:
    gw = (
        b"<response><control><status>failure</status></control><errormessage><error>"
        b"<errorno>GW-0010</errorno><description>Rate limit</description></error>"
        b"</errormessage></response>"
    )
    sleeps = Sleeps()
    with CannedServer([Reply(200, gw), Reply()]) as srv:
        assert transport(sleeps).exchange(srv.url, b"<request/>", READ).results
    assert srv.hits == 2 and len(sleeps) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_read_retries_5xx_with_backoff(status: int) -> None:
    sleeps = Sleeps()
    html = {"Content-Type": "text/html"}
    with CannedServer([Reply(status, b"<html>busy</html>", html)] * 2 + [Reply()]) as srv:
        transport(sleeps, backoff_base=1.0).exchange(srv.url, b"<request/>", READ)
    assert srv.hits == 3
    assert sleeps == [0.75, 1.5]  # base * 2**n, equal jitter at 0.5


def test_backoff_is_exponential_jittered_and_capped() -> None:
    lo = TransportConfig(backoff_base=1.0, backoff_max=5.0, jitter=lambda: 0.0)
    hi = TransportConfig(backoff_base=1.0, backoff_max=5.0, jitter=lambda: 0.999999)
    assert [lo.backoff(n) for n in range(4)] == [0.5, 1.0, 2.0, 2.5]
    assert [round(hi.backoff(n), 3) for n in range(4)] == [1.0, 2.0, 4.0, 5.0]


def test_read_gives_up_after_max_retries() -> None:
    sleeps = Sleeps()
    with CannedServer([Reply(502, b"", {})] * 10) as srv:
        with pytest.raises(GatewayError) as info:
            transport(sleeps, max_retries=2).exchange(srv.url, b"<request/>", READ)
    assert info.value.status == 502
    assert srv.hits == 3 and len(sleeps) == 2


def test_read_retries_dropped_connection_and_truncated_body() -> None:
    sleeps = Sleeps()
    with CannedServer([Reply(action="drop"), Reply(action="truncate"), Reply()]) as srv:
        assert transport(sleeps).exchange(srv.url, b"<request/>", READ).results
    assert srv.hits == 3 and len(sleeps) == 2


def test_read_retries_read_timeout() -> None:
    sleeps = Sleeps()
    with CannedServer([Reply(action="hang", delay=0.6), Reply()]) as srv:
        assert transport(sleeps, read_timeout=0.2).exchange(srv.url, b"<r/>", READ).results
    assert srv.hits == 2 and len(sleeps) == 1


def test_read_retries_524() -> None:
    """A read is safe to ask again: one 524 (the CDN gave up) must not fail a reconcile."""
    sleeps = Sleeps()
    with CannedServer([Reply(524, b"", {}), Reply()]) as srv:
        assert transport(sleeps).exchange(srv.url, b"<request/>", READ).results
    assert srv.hits == 2 and len(sleeps) == 1


def test_read_524_every_time_ends_in_one_clear_error() -> None:
    sleeps = Sleeps()
    with CannedServer([Reply(524, b"", {})] * 3) as srv:
        with pytest.raises(GatewayError, match="524, Intacct took too long") as info:
            transport(sleeps, max_retries=2).exchange(srv.url, b"<request/>", READ)
    assert info.value.status == 524
    assert (srv.hits, len(sleeps)) == (3, 2)


def test_connect_failure_is_retried_then_reported() -> None:
    sleeps = Sleeps()
    url = f"http://127.0.0.1:{free_port()}/gw"
    with pytest.raises(TransportError, match="could not connect") as info:
        transport(sleeps, max_retries=2).exchange(url, b"<r/>", READ)
    assert not isinstance(info.value, WriteOutcomeUnknown)
    assert len(sleeps) == 2


# --- writes are never retried blindly ---------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        Reply(524, b"", {}),
        Reply(502, b"", {}),
        Reply(500, OK_BODY),
        Reply(action="drop"),
        Reply(action="truncate"),
        Reply(200, b"<response><control><status>succ"),
        Reply(200, b"<html>oops</html>", {"Content-Type": "text/html"}),
    ],
    ids=["524", "502", "500-xml", "drop", "truncate", "cut-xml", "html"],
)
def test_write_after_sending_is_outcome_unknown(reply: Reply) -> None:
    sleeps = Sleeps()
    with CannedServer([reply, Reply()]) as srv:
        with pytest.raises(WriteOutcomeUnknown) as info:
            transport(sleeps).exchange(srv.url, b"<request/>", WRITE)
    assert srv.hits == 1 and sleeps == []
    assert info.value.controlids == ("w1", "w2")
    assert "w1, w2" in str(info.value)


def test_write_read_timeout_is_outcome_unknown() -> None:
    sleeps = Sleeps()
    with CannedServer([Reply(action="hang", delay=0.6), Reply()]) as srv:
        with pytest.raises(WriteOutcomeUnknown):
            transport(sleeps, read_timeout=0.2).exchange(srv.url, b"<r/>", WRITE)
    assert srv.hits == 1 and sleeps == []


def test_write_429_is_a_refusal_not_retried() -> None:
    sleeps = Sleeps()
    with CannedServer([Reply(429, b"", {"Retry-After": "5"}), Reply()]) as srv:
        with pytest.raises(RateLimitedError) as info:
            transport(sleeps).exchange(srv.url, b"<request/>", WRITE)
    assert info.value.retry_after == 5.0
    assert (srv.hits, sleeps) == (1, [])


def test_write_that_never_left_is_retried() -> None:
    port = free_port()
    servers: list[CannedServer] = []

    def sleep_then_start(seconds: float) -> None:  # the gateway comes up during the backoff
        if not servers:
            servers.append(CannedServer([Reply()], port=port).start())

    url = f"http://127.0.0.1:{port}/ia/xml/xmlgw.phtml"
    try:
        config = TransportConfig(connect_timeout=2, read_timeout=2, sleep=sleep_then_start)
        resp = Transport(config).exchange(url, b"<request/>", WRITE)
    finally:
        for srv in servers:
            srv.stop()
    assert resp.results[0].ok
    assert servers[0].hits == 1


# --- statuses, bodies, size -------------------------------------------------------------


def test_xml_error_body_on_http_401_is_parsed() -> None:
    body = (
        b"<response><control><status>failure</status></control><errormessage><error>"
        b"<errorno>XMLGW_JPP0002</errorno><description>Sign-in information is incorrect. "
        b"Please check your request.</description></error></errormessage></response>"
    )
    with CannedServer([Reply(401, body, {"Content-Type": "application/xml"})]) as srv:
        with pytest.raises(ControlError) as info:
            transport(Sleeps()).exchange(srv.url, b"<request/>", READ)
    assert info.value.errorno == "XMLGW_JPP0002" and info.value.status == 401


def test_non_xml_4xx_and_redirects_are_gateway_errors() -> None:
    replies = [
        Reply(403, b"forbidden", {"Content-Type": "text/plain"}),
        Reply(302, b"", {"Location": "http://127.0.0.1:1/elsewhere"}),
    ]
    with CannedServer(replies) as srv:  # type: ignore[arg-type]
        t = transport(Sleeps())
        with pytest.raises(GatewayError, match="HTTP 403"):
            t.exchange(srv.url, b"<request/>", READ)
        with pytest.raises(GatewayError, match="redirect"):
            t.exchange(srv.url, b"<request/>", READ)
    assert srv.hits == 2


def test_response_size_is_capped() -> None:
    big = b"<response>" + b"<x/>" * 5000 + b"</response>"
    with CannedServer([Reply(200, big), Reply(200, big)]) as srv:
        t = transport(Sleeps(), max_response_bytes=1000)
        with pytest.raises(MalformedResponseError, match=r"too large|larger than"):
            t.exchange(srv.url, b"<request/>", READ)
        with pytest.raises(WriteOutcomeUnknown):
            t.exchange(srv.url, b"<request/>", WRITE)


def test_request_is_a_post_with_xml_content_type() -> None:
    with CannedServer([Reply()]) as srv:
        transport(Sleeps()).exchange(srv.url, b"<request>x</request>", READ)
    assert srv.requests == [b"<request>x</request>"]
    assert srv.headers[0]["Content-Type"] == "application/xml"
    assert srv.paths == ["/ia/xml/xmlgw.phtml"]


# --- redaction ----------------------------------------------------------------------------


def test_redact_masks_sensitive_elements() -> None:
    xml = (
        "<request><control><senderid>me</senderid><password>s3nd</password></control>"
        '<login><password type="x">us3r</password></login><sessionid>SID..</sessionid>'
        "<x><password/></x><CUSTOMER><TAXID>12-345</TAXID><SHIPTO.TAXID>9</SHIPTO.TAXID>"
        "<PASSWORDHINT>kept</PASSWORDHINT></CUSTOMER><password>cut-off"
    )
    out = redact(xml.encode())
    for secret in ("s3nd", "us3r", "SID..", "12-345", ">9<", "cut-off"):
        assert secret not in out
    assert "<senderid>me</senderid>" in out and "<PASSWORDHINT>kept</PASSWORDHINT>" in out
    assert f'<password type="x">{MASK}</password>' in out
    assert "<x><password/></x>" in out


def test_redact_masks_given_secrets_anywhere() -> None:
    assert redact("token=abc123 and abc1234", ["abc123", "abc1234", ""]) == (
        f"token={MASK} and {MASK}"
    )


def test_logs_never_show_passwords_or_session_ids(caplog: pytest.LogCaptureFixture) -> None:
    session = (FIXTURES / "craibuc-PsIntacct/Create-Session.Response.xml").read_bytes()
    body = (
        b"<request><control><senderid>snd</senderid><password>SENDER-PW</password></control>"
        b"<operation><authentication><login><userid>u</userid><password>USER-PW</password>"
        b"</login></authentication></operation></request>"
    )
    call = Call("Intacct sign-in", secrets=("SENDER-PW", "USER-PW"))
    caplog.set_level(logging.DEBUG, logger="recon.intacct")
    with CannedServer([Reply(502, b"USER-PW echoed", {}), Reply(200, session)]) as srv:
        transport(Sleeps()).exchange(srv.url, body, call)
    text = caplog.text
    assert "POST" in text and "HTTP 200" in text and "retry 1 of 3" in text
    for secret in ("SENDER-PW", "USER-PW", "4dfZhgdAZ3jR-tyznJZ_UUbCeND_3A.."):
        assert secret not in text
    assert MASK in text
