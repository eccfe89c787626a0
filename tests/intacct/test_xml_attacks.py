"""Hostile XML is refused everywhere a response is read, and nothing leaks or is fetched.

Each attack goes through the hardened parser, the response parser and the transport (served
by a canned loopback gateway). A canary file and a loopback "attacker" HTTP server prove that
no external entity or DTD was ever read or fetched.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recon.errors import (
    MalformedResponseError,
    ReconError,
    RemoteError,
    WriteOutcomeUnknown,
    XMLSecurityError,
)
from recon.intacct import xmlsafe
from recon.intacct.response import Response, parse_response
from recon.intacct.transport import Call, Transport, TransportConfig
from tests.fixtures import INTACCT as FIXTURES
from tests.intacct.test_transport import CannedServer, Reply, Sleeps

GOOD = (FIXTURES / "jfcote87-intacct/execProjectSuccess.xml").read_bytes()
REFUSED = (XMLSecurityError, MalformedResponseError)


class Attacker:
    """A loopback HTTP server that records every fetch and serves the canary."""

    def __init__(self, canary: str) -> None:
        self.fetched: list[str] = []
        attacker = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # an entity or DTD fetch would land here
                attacker.fetched.append(self.path)
                body = f'<!ENTITY leak "{canary}">'.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def canary() -> str:
    return f"CANARY-{uuid.uuid4().hex}"


@pytest.fixture
def attacker(canary: str) -> Iterator[Attacker]:
    srv = Attacker(canary)
    yield srv
    srv.stop()


def attacks(tmp: Path, canary: str, base: str) -> dict[str, bytes]:
    secret = tmp / "canary.txt"
    secret.write_text(canary)
    dtd = tmp / "canary.dtd"
    dtd.write_text(f'<!ENTITY leak "{canary}">')
    lol = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    big = "x" * 20000
    docs = {
        "billion-laughs": f"<!DOCTYPE response [{''.join(lol)}]><response>&lol9;</response>",
        "quadratic-blowup": (
            f'<!DOCTYPE response [<!ENTITY a "{big}">]><response>{"&a;" * 20000}</response>'
        ),
        "external-entity-file": (
            f'<!DOCTYPE response [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
            "<response><control><status>&x;</status></control></response>"
        ),
        "external-entity-url": (
            f'<!DOCTYPE response [<!ENTITY x SYSTEM "{base}/entity">]><response>&x;</response>'
        ),
        "parameter-entity-file": (
            f'<!DOCTYPE response [<!ENTITY % p SYSTEM "{dtd.as_uri()}"> %p;]>'
            "<response>&leak;</response>"
        ),
        "parameter-entity-url": (
            f'<!DOCTYPE response [<!ENTITY % p SYSTEM "{base}/param.dtd"> %p;]>'
            "<response>&leak;</response>"
        ),
        "external-dtd-url": (
            f'<!DOCTYPE response SYSTEM "{base}/evil.dtd"><response>&leak;</response>'
        ),
        "external-dtd-no-entity": f'<!DOCTYPE response SYSTEM "{base}/evil.dtd">'
        + GOOD.decode().split("?>", 1)[1],
        "plain-doctype": "<!DOCTYPE response>" + GOOD.decode().split("?>", 1)[1],
        "undeclared-entity": "<response><control><status>&leak;</status></control></response>",
        "deep-nesting": "<response>" + "<a>" * 300 + "</a>" * 300 + "</response>",
    }
    out = {k: ('<?xml version="1.0"?>' + v).encode() for k, v in docs.items()}
    for cut in (40, len(GOOD) // 2, len(GOOD) - 5):
        out[f"truncated-{cut}"] = GOOD[:cut]
    out["empty"] = b""
    out["not-xml"] = b"<html><body>Bad gateway</body>"
    return out


NAMES = [
    "billion-laughs", "quadratic-blowup", "external-entity-file", "external-entity-url",
    "parameter-entity-file", "parameter-entity-url", "external-dtd-url",
    "external-dtd-no-entity", "plain-doctype", "undeclared-entity", "deep-nesting",
    "truncated-40", f"truncated-{len(GOOD) // 2}", f"truncated-{len(GOOD) - 5}", "empty",
    "not-xml",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_attack_is_refused_by_every_reader(
    name: str,
    tmp_path: Path,
    canary: str,
    attacker: Attacker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    doc = attacks(tmp_path, canary, attacker.base)[name]
    caplog.set_level(logging.DEBUG, logger="recon.intacct")
    seen: list[str] = []

    with pytest.raises(XMLSecurityError) as info:
        xmlsafe.parse(doc)
    seen.append(str(info.value))

    with pytest.raises(REFUSED) as info2:
        parse_response(doc, doing="attack")
    seen.append(str(info2.value))

    sleeps = Sleeps()
    config = TransportConfig(connect_timeout=2, read_timeout=2, sleep=sleeps, max_retries=1)
    with CannedServer([Reply(200, doc), Reply(200, doc)]) as srv:
        transport = Transport(config)
        with pytest.raises(REFUSED) as info3:
            transport.exchange(srv.url, b"<request/>", Call("Intacct readByQuery"))
        with pytest.raises(WriteOutcomeUnknown) as info4:  # a write cannot tell what happened
            transport.exchange(srv.url, b"<request/>", Call("Intacct create", write=True))
        transport.close()
    seen += [str(info3.value), str(info4.value), caplog.text]

    assert attacker.fetched == []  # no entity, parameter entity or DTD was fetched
    assert srv.hits == 2 and sleeps == []  # a refused document is not retried
    assert not any(canary in text for text in seen)


def query_page() -> bytes:
    """A good one-page ``query`` answer with three flat records."""
    return (
        b"<?xml version='1.0' encoding='UTF-8'?>\n<response><control><status>success</status>"
        b"</control><operation><authentication><status>success</status></authentication>"
        b"<result><status>success</status><function>query</function><controlid>f-1</controlid>"
        b"<data listtype='CUSTOMER' count='3' numremaining='0'>"
        + b"".join(
            b"<CUSTOMER><RECORDNO>%d</RECORDNO><NAME>N %d</NAME></CUSTOMER>" % (n, n)
            for n in (1, 2, 3)
        )
        + b"</data></result></operation></response>"
    )


FIRST = b"<RECORDNO>1</RECORDNO>"


def first_value(text: bytes) -> tuple[bytes, bytes]:
    """An edit of the first record's RECORDNO text."""
    return FIRST, b"<RECORDNO>" + text + b"</RECORDNO>"


# What the parser refuses inside (or around) a query page's records: edits of a good page.
REFUSED_IN_A_PAGE = {
    "undeclared entity": first_value(b"&leak;"),
    "bare ampersand": first_value(b"a & b"),
    "char ref to NUL": first_value(b"&#0;"),
    "control character": first_value(b"\x01"),
    "U+FFFE": first_value("\ufffe".encode()),
    "]]> in a value": first_value(b"a]]>b"),
    "mismatched close": (FIRST, b"<RECORDNO>1</RECORDN0>"),
    "bad UTF-8": first_value(b"\xff"),
    "UTF-8 surrogate": first_value(b"\xed\xa0\x80"),
    "overlong UTF-8": first_value(b"\xc0\xbc"),
    "U+FFFF": first_value("\uffff".encode()),
    "char ref to U+FFFE": first_value(b"&#xFFFE;"),
    "empty char ref": first_value(b"&#;"),
    "bad hex char ref": first_value(b"&#xZZ;"),
    "unterminated entity": first_value(b"&amp"),
    "unclosed record": (b"</CUSTOMER>", b""),
    "truncated": (b"</data>", b"</da"),
    "DOCTYPE": (b"<response>", b"<!DOCTYPE response><response>"),
    "entity from the DOCTYPE": (
        b"<response>",
        b'<!DOCTYPE response [<!ENTITY leak "CANARY-in-a-page">]><response>',
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED_IN_A_PAGE))
def test_a_query_page_the_parser_refuses_is_refused(name: str) -> None:
    old, new = REFUSED_IN_A_PAGE[name]
    body = query_page().replace(old, new, 1)
    assert body != query_page()
    assert len(parse_response(query_page()).results[0].to_page("CUSTOMER").records()) == 3
    with pytest.raises(XMLSecurityError) as info:
        parse_response(body)
    assert "CANARY" not in str(info.value)


def test_an_external_entity_in_a_record_never_reaches_a_value(tmp_path: Path, canary: str) -> None:
    secret = tmp_path / "canary.txt"
    secret.write_text(canary)
    decl, rest = query_page().split(b"?>", 1)
    body = (
        decl + b"?>"
        + f'<!DOCTYPE response [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'.encode()
        + rest.replace(FIRST, b"<RECORDNO>&x;</RECORDNO>", 1)
    )  # fmt: skip
    with pytest.raises(XMLSecurityError) as info:
        parse_response(body)
    assert canary not in str(info.value)


def test_xinclude_is_not_processed(tmp_path: Path, canary: str) -> None:
    secret = tmp_path / "canary.txt"
    secret.write_text(canary)
    doc = (
        '<response xmlns:xi="http://www.w3.org/2001/XInclude"><control><status>success'
        f'</status></control><xi:include href="{secret.as_uri()}" parse="text"/></response>'
    ).encode()
    root = xmlsafe.parse(doc)
    assert canary not in xmlsafe.to_bytes(root).decode()
    with pytest.raises(MalformedResponseError):  # and it is not a usable response anyway
        parse_response(doc)


def test_good_fixture_still_parses() -> None:
    assert len(parse_response(GOOD).results) == 2


TOKENS = [
    "<response>", "</response>", "<control>", "</control>", "<status>success</status>",
    "<status>failure</status>", "<operation>", "</operation>", "<authentication>",
    "</authentication>", "<result>", "</result>", "<data count='x'>", "</data>",
    "<errormessage><error><errorno>GW-0010</errorno></error></errormessage>",
    "<!DOCTYPE r>", "&amp;", "&x;", "&#0;", "&#65;", "<![CDATA[", "]]>", "<?pi x?>", "<!--",
    "-->", "\x00", "\xff", "é", "<a b='1' b='2'>", "<?xml version='1.0'?>",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=400), st.lists(st.sampled_from(TOKENS), max_size=25)))
def test_parser_returns_an_element_or_refuses(data: bytes | list[str]) -> None:
    doc = data if isinstance(data, bytes) else "".join(data).encode("utf-8", "surrogatepass")
    try:
        root = xmlsafe.parse(doc)
    except XMLSecurityError:
        return
    assert root.tag is not None
    try:
        parsed = parse_response(doc)
    except (XMLSecurityError, RemoteError) as exc:  # Malformed, Control, Gateway ...
        assert isinstance(exc, ReconError)
    else:
        assert isinstance(parsed, Response)
