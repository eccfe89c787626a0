""" "Test connection" against the real sandboxes over loopback: what works, and every set-up
mistake in plain words, never with a secret in them.

The fixtures here (``pristine``, ``boxes``, ``html_server``) are imported by the form and
doctor tests; the demo firm is seeded once per test process (``_seeded``).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from recon import check as check_module
from recon.check import ConnectionReport, SystemCheck, check_connection
from recon.config import Profile, Secret, sandbox_profile
from recon.connect import intacct_client
from recon.sandbox import bigtime as sbt
from recon.sandbox import intacct as sia
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.seed import DEFAULT_SEED, prepare

#: Distinctive wrong secrets: none may appear in any words, repr or text.
WRONG = {
    "sender": "Zq7-wrong-SENDER-secret",
    "user": "Zq7-wrong-USER-secret",
    "token": "Zq7-wrong-TOKEN-secret",
    "password": "Zq7-wrong-BT-PASSWORD",
}


#: The seeded data directory per test session (keyed by its temp path factory): one
#: seeding serves this module and the modules that import the fixtures.
_SEEDED: dict[int, Path] = {}


def _seeded(factory: pytest.TempPathFactory) -> Path:
    if id(factory) not in _SEEDED:
        data = factory.mktemp("check-pristine") / "data"
        prepare(data, scale=1, seed=DEFAULT_SEED)
        _SEEDED[id(factory)] = data
    return _SEEDED[id(factory)]


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo firm, seeded once per process; the checks only sign in and read."""
    return _seeded(tmp_path_factory)


@dataclass(frozen=True)
class Boxes:
    intacct_url: str
    bigtime_url: str

    def profile(self) -> Profile:
        return sandbox_profile(intacct_url=self.intacct_url, bigtime_url=self.bigtime_url)


@pytest.fixture
def boxes(pristine: Path) -> Iterator[Boxes]:
    """Both sandboxes on loopback port 0, stopped after the test."""
    with IntacctSandbox(pristine, port=0) as ia, BigtimeSandbox(pristine, port=0) as bt:
        yield Boxes(ia.url, bt.url)


class _HtmlPage(BaseHTTPRequestHandler):
    """Answers every request with a web page: a URL that is not an API."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html><body>Welcome</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def html_server() -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a loopback web server that is no API."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_no_secret(report: ConnectionReport | SystemCheck) -> None:
    text = f"{report!r} {report}"
    text += report.text() if isinstance(report, ConnectionReport) else report.words
    for secret in WRONG.values():
        assert secret not in text


# --- what works ---------------------------------------------------------------------------


def test_sandbox_profile_connects_with_stable_words(boxes: Boxes) -> None:
    report = check_connection(boxes.profile())
    assert report.ok and [c.system for c in report.checks] == ["intacct", "bigtime"]
    expected = (
        f"Intacct: connected to company {sia.COMPANY_ID} as user {sia.USER_ID}.\n"
        f"BigTime: connected to firm {sbt.FIRM} with the firm API key."
    )
    assert report.text() == expected == str(report)
    # The contract line holds no port, URL or timing.
    assert "127.0.0.1" not in report.text() and "http" not in report.text()
    assert report.system("intacct").get("company") == sia.COMPANY_ID  # type: ignore[union-attr]
    assert report.system("bigtime").get("auth") == "api key"  # type: ignore[union-attr]
    assert "sandbox-sender" not in repr(report) and sbt.API_TOKEN not in repr(report)


def test_bigtime_user_login_signs_in(boxes: Boxes) -> None:
    base = boxes.profile().require_bigtime()
    login = replace(base, api_token=None, user_id=sbt.USER_ID, password=Secret(sbt.USER_PASSWORD))
    check = check_module.check_bigtime(login)
    assert check.ok, check.words
    assert check.words == f"BigTime: signed in to firm {sbt.FIRM} as {sbt.USER_ID}."
    assert check.get("user") == sbt.USER_ID


def test_entity_sign_in_names_the_entity(boxes: Boxes) -> None:
    profile = boxes.profile()
    with intacct_client(profile.intacct) as client:
        page = next(client.read_by_query("LOCATION", fields=["LOCATIONID"], pagesize=1))
    entity = page.data.findtext("location/LOCATIONID")
    assert entity
    check = check_module.check_intacct(replace(profile.intacct, entity_id=entity))
    assert check.ok and check.get("entity") == entity
    assert check.words == (
        f"Intacct: connected to company {sia.COMPANY_ID}, entity {entity}, as user {sia.USER_ID}."
    )


def test_profile_without_bigtime_checks_intacct_only(boxes: Boxes) -> None:
    report = check_connection(replace(boxes.profile(), bigtime=None))
    assert report.ok and [c.system for c in report.checks] == ["intacct"]
    assert report.system("bigtime") is None


# --- Intacct set-up mistakes --------------------------------------------------------------


def _intacct(boxes: Boxes, **changes: object) -> SystemCheck:
    profile = replace(boxes.profile().intacct, **changes)  # type: ignore[arg-type]
    check = check_module.check_intacct(profile)
    assert not check.ok
    assert_no_secret(check)
    return check


def test_wrong_sender_password_names_the_sender(boxes: Boxes) -> None:
    check = _intacct(boxes, sender_password=Secret(WRONG["sender"]))
    assert f"sender ID {sia.SENDER_ID!r} or its sender password is wrong" in check.words


def test_unauthorised_sender_says_where_to_authorise_it(boxes: Boxes) -> None:
    check = _intacct(
        boxes,
        sender_id=sia.UNAUTHORISED_SENDER_ID,
        sender_password=Secret(sia.UNAUTHORISED_SENDER_PASSWORD),
    )
    assert f"{sia.UNAUTHORISED_SENDER_ID!r} is not authorised for company" in check.words
    assert "Company > Setup > Company > Security > Web Services authorizations" in check.words


def test_wrong_user_password_names_user_and_company(boxes: Boxes) -> None:
    check = _intacct(boxes, user_password=Secret(WRONG["user"]))
    assert f"company {sia.COMPANY_ID!r} refused user {sia.USER_ID!r}" in check.words
    assert "user password" in check.words and "sender" not in check.words


def test_wrong_entity_is_mentioned(boxes: Boxes) -> None:
    check = _intacct(boxes, entity_id="NO-SUCH-ENTITY")
    assert "entity ID 'NO-SUCH-ENTITY'" in check.words


def test_unreachable_intacct_says_cannot_reach(boxes: Boxes) -> None:
    url = f"http://127.0.0.1:{free_port()}/ia/xml/xmlgw.phtml"
    check = _intacct(boxes, endpoint=url)
    assert check.words.startswith(f"Intacct: cannot reach {url}")


def test_intacct_url_of_another_service_asks_about_the_url(boxes: Boxes) -> None:
    check = _intacct(boxes, endpoint=boxes.bigtime_url)  # answers 404
    assert "HTTP 404" in check.words and "is the endpoint URL right?" in check.words


def test_intacct_web_page_is_a_malformed_answer(boxes: Boxes, html_server: str) -> None:
    check = _intacct(boxes, endpoint=html_server + "/ia/xml/xmlgw.phtml")
    assert "not an Intacct XML gateway answer" in check.words


def test_intacct_bad_url_and_missing_secret_are_config_words(boxes: Boxes) -> None:
    assert "http(s) URL" in _intacct(boxes, endpoint="ftp://example.com/x").words
    assert "user_password is missing" in _intacct(boxes, user_password=Secret("")).words
    assert "not a valid URL" in _intacct(boxes, endpoint="http://[::1/x").words
    words = check_module.check_bigtime(
        replace(boxes.profile().require_bigtime(), base_url="http://[::1/x")
    ).words
    assert words.startswith("BigTime: the base URL is not a valid URL")


def test_url_credentials_are_never_repeated(boxes: Boxes) -> None:
    url = f"http://me:{WRONG['user']}@127.0.0.1:{free_port()}/ia/xml/xmlgw.phtml"
    check = _intacct(boxes, endpoint=url)
    assert "me:" not in check.words and "cannot reach http://127.0.0.1:" in check.words


# --- BigTime set-up mistakes --------------------------------------------------------------


def _bigtime(boxes: Boxes, **changes: object) -> SystemCheck:
    profile = replace(boxes.profile().require_bigtime(), **changes)  # type: ignore[arg-type]
    check = check_module.check_bigtime(profile)
    assert not check.ok
    assert_no_secret(check)
    return check


def test_wrong_bigtime_token_says_where_keys_are(boxes: Boxes) -> None:
    check = _bigtime(boxes, api_token=Secret(WRONG["token"]))
    assert "HTTP 401" in check.words and "My Company > Integrations > API Keys" in check.words
    assert f"firm ID {sbt.FIRM!r}" in check.words


def test_wrong_bigtime_firm_is_refused_too(boxes: Boxes) -> None:
    check = _bigtime(boxes, firm="not-our-firm")
    assert "firm ID 'not-our-firm' was refused" in check.words


def test_wrong_bigtime_login(boxes: Boxes) -> None:
    check = _bigtime(boxes, api_token=None, user_id=sbt.USER_ID, password=Secret(WRONG["password"]))
    assert f"sign-in refused for {sbt.USER_ID!r}" in check.words and "password" in check.words


def test_unreachable_bigtime(boxes: Boxes) -> None:
    url = f"http://127.0.0.1:{free_port()}/BigtimeData/api/v2"
    assert _bigtime(boxes, base_url=url).words.startswith(f"BigTime: cannot reach {url}")


def test_bigtime_wrong_path_and_web_page(boxes: Boxes, html_server: str) -> None:
    words = _bigtime(boxes, base_url=boxes.bigtime_url + "/extra").words
    assert "'not found' (HTTP 404)" in words and "is the base URL right?" in words
    words = _bigtime(boxes, base_url=html_server + "/BigtimeData/api/v2").words
    assert "not a BigTime API answer" in words


def test_whole_report_of_a_broken_profile(boxes: Boxes) -> None:
    profile = boxes.profile()
    broken = replace(
        profile,
        intacct=replace(profile.intacct, user_password=Secret(WRONG["user"])),
        bigtime=replace(profile.require_bigtime(), api_token=Secret(WRONG["token"])),
    )
    report = check_connection(broken)
    assert not report.ok and [c.ok for c in report.checks] == [False, False]
    assert len(report.text().splitlines()) == 2
    assert_no_secret(report)


def test_words_are_scrubbed_of_secrets_whatever_the_error_says(boxes: Boxes) -> None:
    # A user who typed the password into the user ID box: the error quotes the user ID.
    profile = replace(boxes.profile().intacct, user_id=WRONG["user"])
    check = check_module.check_intacct(replace(profile, user_password=Secret(WRONG["user"])))
    assert not check.ok and "***" in check.words
    assert_no_secret(check)
