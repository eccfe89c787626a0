"""IntacctClient against a tiny fake gateway on 127.0.0.1 (real HTTP, canned logic).

The fake gateway here only knows what each test needs; the full emulator lives in
``recon.sandbox.intacct`` and has its own integration tests.
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from lxml import etree

from recon.errors import (
    AuthenticationError,
    ConfigError,
    FunctionError,
    MalformedResponseError,
    ReplayRefusedError,
    SessionExpiredError,
    TransactionAbortedError,
    WriteOutcomeUnknown,
)
from recon.intacct import client as client_module
from recon.intacct import request as rq
from recon.intacct import transport as transport_module
from recon.intacct import uncertain, xmlsafe
from recon.intacct.client import (
    IntacctClient,
    IntacctCredentials,
    IntacctSettings,
    raise_for_writes,
)
from recon.intacct.filters import F
from tests.intacct.test_transport import CannedServer, Reply, Sleeps
from tests.waiting import wait_until

CREDS = IntacctCredentials(
    sender_id="SENDER",
    sender_password="SENDER-PW-1",
    company_id="ACME",
    user_id="xml_gateway",
    user_password="USER-PW-2",
)

Handler = Callable[[etree._Element], etree._Element]  # function body -> <result>


def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    el.text = text
    return el


def result(
    status: str, fn: etree._Element, data: etree._Element | None = None, errors: tuple = ()
) -> etree._Element:
    el = etree.Element("result")
    sub(el, "status", status)
    sub(el, "function", str(fn.tag))
    sub(el, "controlid", fn.getparent().get("controlid"))
    if data is not None:
        el.append(data)
    if errors:
        msg = sub(el, "errormessage")
        for errorno, text in errors:
            err = sub(msg, "error")
            sub(err, "errorno", errorno)
            sub(err, "description", "")
            sub(err, "description2", text)
    return el


def data(records: list[etree._Element], **attrs: object) -> etree._Element:
    el = etree.Element("data", {k: str(v) for k, v in attrs.items()})
    el.extend(records)
    return el


def record(tag: str, **fields: object) -> etree._Element:
    el = etree.Element(tag)
    for name, value in fields.items():
        sub(el, name, str(value))
    return el


class Gateway:
    """Enough of the Intacct gateway: sender check, login, sessions, dispatch by function."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.handlers: dict[str, Handler] = {}
        self.sessions: set[str] = set()
        self.logins = 0
        self.endpoint = ""
        self.requests: list[etree._Element] = []
        self.expire_after: int | None = None  # invalidate every session after N function calls
        self.calls = 0
        self.reject_sessions = False
        self.inflight = 0
        self.max_inflight = 0

    def __call__(self, body: bytes) -> Reply:
        req = xmlsafe.parse(body)
        with self.lock:
            self.requests.append(req)
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            return Reply(200, xmlsafe.to_bytes(self.answer(req)))
        finally:
            with self.lock:
                self.inflight -= 1

    def answer(self, req: etree._Element) -> etree._Element:
        resp = etree.Element("response")
        control = sub(resp, "control")
        sub(control, "status", "success")
        sub(control, "senderid", req.findtext("control/senderid"))
        sub(control, "controlid", req.findtext("control/controlid"))
        sub(control, "uniqueid", req.findtext("control/uniqueid"))
        sub(control, "dtdversion", "3.0")
        op = sub(resp, "operation")
        auth = sub(op, "authentication")
        if not self.authenticate(req.find("operation/authentication")):
            sub(auth, "status", "failure")
            sub(auth, "userid", "")
            sub(auth, "companyid", "")
            err = sub(sub(op, "errormessage"), "error")
            sub(err, "errorno", "XL03000006")
            login = req.find("operation/authentication/login") is not None
            text = "Sign-in information is incorrect" if login else "Invalid session"
            sub(err, "description2", text)
            return resp
        sub(auth, "status", "success")
        sub(auth, "userid", CREDS.user_id)
        sub(auth, "companyid", CREDS.company_id)
        sub(auth, "sessiontimeout", "2030-01-01T00:00:00+00:00")
        for fn in req.iterfind("operation/content/function"):
            res = self.run(fn[0])
            if res is not None:
                op.append(res)
        return resp

    def authenticate(self, auth: etree._Element) -> bool:
        login = auth.find("login")
        with self.lock:
            if login is not None:
                return login.findtext("password") == CREDS.user_password
            return not self.reject_sessions and auth.findtext("sessionid") in self.sessions

    def run(self, fn: etree._Element) -> etree._Element | None:
        if fn.tag == "getAPISession":
            with self.lock:
                self.logins += 1
                sid = f"SID-{self.logins}-secret.."
                self.sessions.add(sid)
            api = etree.Element("api")
            sub(api, "sessionid", sid)
            sub(api, "endpoint", self.endpoint)
            sub(api, "locationid", "")
            wrapper = etree.Element("data")
            wrapper.append(api)
            return result("success", fn, wrapper)
        with self.lock:
            self.calls += 1
            if self.expire_after is not None and self.calls >= self.expire_after:
                self.sessions.clear()
                self.expire_after = None
        return self.handlers[str(fn.tag)](fn)

    def bodies(self, tag: str) -> list[etree._Element]:
        return [f[0] for r in self.requests for f in r.iterfind("operation/content/function")
                if f[0].tag == tag]  # fmt: skip


@pytest.fixture
def gateway() -> Iterator[tuple[Gateway, CannedServer, CannedServer]]:
    """A gateway behind two servers: sign-in at ``login``, the session endpoint at ``api``."""
    gw = Gateway()
    with CannedServer(gw) as login, CannedServer(gw) as api:
        gw.endpoint = api.url
        yield gw, login, api


def client_for(login: CannedServer, **kw: object) -> IntacctClient:
    settings = IntacctSettings(
        endpoint_url=login.url, connect_timeout=2, read_timeout=5, sleep=Sleeps(), **kw
    )  # type: ignore[arg-type]
    return IntacctClient(CREDS, settings)


def rows(n: int, tag: str = "customer") -> list[etree._Element]:
    return [record(tag, RECORDNO=i, CUSTOMERID=f"C{i:04d}") for i in range(1, n + 1)]


# --- session ------------------------------------------------------------------------------


def test_login_once_then_session_at_the_returned_endpoint(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, api = gateway
    gw.handlers["read"] = lambda fn: result("success", fn, data(rows(1, "CUSTOMER"), count=1))
    with client_for(login) as client:
        assert client.read("CUSTOMER", [1]).count == 1
        client.read("CUSTOMER", [1])
        assert client.session is not None and client.session.endpoint == api.url
    assert (login.hits, api.hits) == (1, 2)
    sign_in = xmlsafe.parse(login.requests[0])
    assert [f[0].tag for f in sign_in.iterfind("operation/content/function")] == ["getAPISession"]
    assert sign_in.findtext("operation/authentication/login/companyid") == "ACME"
    assert sign_in.findtext("control/uniqueid") == "false"
    for body in api.requests:
        req = xmlsafe.parse(body)
        assert req.find("operation/authentication/login") is None
        assert req.findtext("operation/authentication/sessionid") == "SID-1-secret.."
        assert req.findtext("control/senderid") == "SENDER"


def test_expired_session_signs_in_again_and_retries_once(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, api = gateway
    gw.handlers["read"] = lambda fn: result("success", fn, data(rows(1, "CUSTOMER"), count=1))
    with client_for(login) as client:
        client.read("CUSTOMER", [1])
        gw.sessions.clear()  # the session expires on the server
        assert client.read("CUSTOMER", [1]).count == 1
        assert (login.hits, api.hits, gw.logins) == (2, 3, 2)
        sids = [
            xmlsafe.parse(b).findtext("operation/authentication/sessionid") for b in api.requests
        ]
        assert sids == ["SID-1-secret..", "SID-1-secret..", "SID-2-secret.."]

        gw.reject_sessions = True  # now every session fails: one re-login and retry, then raise
        with pytest.raises(SessionExpiredError) as info:
            client.read("CUSTOMER", [1])
    assert (login.hits, api.hits) == (3, 5)
    assert "secret" not in str(info.value)


def test_returned_endpoint_on_a_strange_host_is_refused(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    gw.endpoint = "https://evil.example.com/ia/xml/xmlgw.phtml"
    with client_for(login) as client, pytest.raises(MalformedResponseError, match="unexpected"):
        client.login()
    gw.endpoint = "https://api.intacct.com/ia/xml/xmlgw.phtml"
    with client_for(login) as client:
        assert client.login().endpoint == gw.endpoint  # the real gateway is always trusted


def test_wrong_user_password_is_an_authentication_error(gateway) -> None:  # type: ignore[no-untyped-def]
    _, login, _ = gateway
    bad = IntacctCredentials("SENDER", "SENDER-PW-1", "ACME", "xml_gateway", "WRONG-PW")
    settings = IntacctSettings(endpoint_url=login.url, sleep=Sleeps())
    with IntacctClient(bad, settings) as client, pytest.raises(AuthenticationError) as info:
        client.login()
    assert type(info.value) is AuthenticationError
    assert "WRONG-PW" not in str(info.value)


# --- reads ----------------------------------------------------------------------------------


def test_read_by_query_follows_read_more(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    all_rows = rows(25)
    state = {"served": 0}

    def serve(fn: etree._Element, size: int = 10) -> etree._Element:
        start = state["served"]
        chunk = all_rows[start : start + size]
        state["served"] += len(chunk)
        remaining = len(all_rows) - state["served"]
        rid = "RID-7765" if remaining else ""
        attrs = dict(listtype="customer", count=len(chunk), totalcount=len(all_rows))
        return result("success", fn, data(chunk, numremaining=remaining, resultId=rid, **attrs))

    gw.handlers["readByQuery"] = serve
    gw.handlers["readMore"] = serve
    with client_for(login) as client:
        pages = list(client.read_by_query("CUSTOMER", "STATUS = 'T'", ["RECORDNO"], pagesize=10))
    assert [p.count for p in pages] == [10, 10, 5]
    assert [p.function for p in pages] == ["readByQuery", "readMore", "readMore"]
    ids = [r.findtext("RECORDNO") for p in pages for r in p.records()]
    assert ids == [str(i) for i in range(1, 26)]
    (first,) = gw.bodies("readByQuery")
    assert (first.findtext("query"), first.findtext("pagesize")) == ("STATUS = 'T'", "10")
    assert [b.findtext("resultId") for b in gw.bodies("readMore")] == ["RID-7765"] * 2


def test_read_by_query_refuses_a_stuck_continuation(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    stuck = data(rows(1), count=1, totalcount=5, numremaining=4, resultId="")
    gw.handlers["readByQuery"] = lambda fn: result("success", fn, stuck)
    with client_for(login) as client:
        pages = client.read_by_query("CUSTOMER")
        next(pages)
        with pytest.raises(MalformedResponseError):
            next(pages)


def query_handler(
    gw: Gateway,
    total: Callable[[], int],
    delay: bool = True,
    hold: Callable[[int], None] | None = None,
) -> None:
    """``query`` pages of ``total()`` customers; ``hold(offset)`` runs before each answer."""

    def serve(fn: etree._Element) -> etree._Element:
        offset, size = int(fn.findtext("offset")), int(fn.findtext("pagesize"))
        if hold is not None:
            hold(offset)
        if delay:  # later offsets answer faster: completion order differs from offset order
            time.sleep(0.05 + random.random() * 0.03 - offset / 10000)
        n = total()
        chunk = [record("CUSTOMER", RECORDNO=i + 1) for i in range(offset, min(n, offset + size))]
        remaining = max(0, n - offset - len(chunk))
        attrs = dict(listtype="CUSTOMER", totalcount=n, offset=offset, count=len(chunk))
        return result("success", fn, data(chunk, numremaining=remaining, **attrs))

    gw.handlers["query"] = serve


def test_query_pages_concurrently_and_yields_in_order(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    ten_asked, twenty_done = threading.Event(), threading.Event()

    def hold(offset: int) -> None:
        # Offsets 10 and 20 are asked for together and 20 answers first. The waits stay
        # under the client's read timeout: one that runs out shows in max_inflight.
        if offset == 10:
            ten_asked.set()
            twenty_done.wait(4)
        elif offset == 20:
            ten_asked.wait(4)
            twenty_done.set()

    query_handler(gw, lambda: 95, delay=False, hold=hold)
    flt = F("STATUS") == "active"
    with client_for(login) as client:
        pages = list(
            client.query("CUSTOMER", ["RECORDNO", "NAME"], flt, pagesize=10, concurrency=3)
        )
    assert [p.offset for p in pages] == list(range(0, 100, 10))
    ids = [int(r.findtext("RECORDNO")) for p in pages for r in p.records()]
    assert ids == list(range(1, 96))
    offsets = sorted(int(b.findtext("offset")) for b in gw.bodies("query"))
    assert offsets == list(range(0, 100, 10))  # each page fetched exactly once
    assert 2 <= gw.max_inflight <= 3
    body = gw.bodies("query")[0]
    assert body.findtext("orderby/order/field") == "RECORDNO"  # stable paging by default
    assert body.findtext("filter/equalto/value") == "active"


def test_query_reads_rows_added_while_paging(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    grown = {"n": 30}

    def total() -> int:
        n = grown["n"]
        grown["n"] = 45  # rows appear after the first page
        return n

    query_handler(gw, total, delay=False)
    with client_for(login) as client:
        pages = list(client.query("CUSTOMER", ["RECORDNO"], pagesize=10, concurrency=2))
    ids = [int(r.findtext("RECORDNO")) for p in pages for r in p.records()]
    assert ids == list(range(1, 46))


def test_query_consumer_can_stop_early(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    query_handler(gw, lambda: 1000, delay=False)
    with client_for(login) as client:
        pages = client.query("CUSTOMER", ["RECORDNO"], pagesize=10, concurrency=2)
        assert [p.offset for p in itertools.islice(pages, 2)] == [0, 10]
        pages.close()
    assert len(gw.bodies("query")) <= 5  # first page + a bounded window, not 100 pages


class _WatchedPool(ThreadPoolExecutor):
    """The client's thread pools, keeping every call submitted to them (``submitted``)."""

    submitted: ClassVar[list[Future[Any]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self.submitted.append(future)
        return future


def test_requests_keep_going_out_while_the_consumer_is_busy(gateway, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    query_handler(gw, lambda: 100, delay=False)
    monkeypatch.setattr(client_module, "ThreadPoolExecutor", _WatchedPool)
    monkeypatch.setattr(_WatchedPool, "submitted", [])
    # the first page, then PAGES_AHEAD_PER_WORKER * concurrency pages: never more
    window = 1 + client_module.PAGES_AHEAD_PER_WORKER * 2
    with client_for(login) as client:
        pages = client.query("CUSTOMER", ["RECORDNO"], pagesize=10, concurrency=2)
        assert [p.offset for p in itertools.islice(pages, 2)] == [0, 10]
        # The consumer is busy with page 10: the pages ahead go out meanwhile. Once every
        # call the client has handed its pools is done, no request can go out until the
        # consumer asks for the next page.
        wait_until(
            lambda: all(f.done() for f in _WatchedPool.submitted),
            "the pages ahead to be fetched",
        )
        sent = len(gw.bodies("query"))
        rest = [p.offset for p in pages]
    assert sent == window
    assert rest == list(range(20, 100, 10))
    assert gw.max_inflight <= 2


def test_the_next_requests_leave_while_pages_are_parsed(gateway, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    query_handler(gw, lambda: 100, delay=False)
    serve, parse, parsing = gw.handlers["query"], transport_module.parse_response, [0]
    seen: list[tuple[int, int]] = []  # (requests in flight, pages being parsed) at each request

    def slow_parse(*args, **kwargs):  # type: ignore[no-untyped-def]
        with gw.lock:
            parsing[0] += 1
        try:
            time.sleep(0.05)
            return parse(*args, **kwargs)
        finally:
            with gw.lock:
                parsing[0] -= 1

    def watched(fn: etree._Element) -> etree._Element:
        with gw.lock:
            seen.append((gw.inflight, parsing[0]))
        time.sleep(0.02)
        return serve(fn)

    monkeypatch.setattr(transport_module, "parse_response", slow_parse)
    gw.handlers["query"] = watched
    with client_for(login) as client:
        pages = list(client.query("CUSTOMER", ["RECORDNO"], pagesize=10, concurrency=2))
    assert [p.offset for p in pages] == list(range(0, 100, 10))
    assert gw.max_inflight <= 2  # parsing threads hold no wire slot, and never exceed it
    assert any(inflight == 2 and busy for inflight, busy in seen)  # both slots busy meanwhile


def test_query_validates_before_any_request(gateway) -> None:  # type: ignore[no-untyped-def]
    _, login, api = gateway
    with client_for(login) as client:
        for bad in (dict(select=[]), dict(select=["A B"]), dict(select=["X"], pagesize=5000)):
            with pytest.raises(ConfigError):
                client.query("CUSTOMER", **bad)  # type: ignore[arg-type]
        with pytest.raises(ConfigError):
            client.read("CUSTOMER", range(uncertain.MAX_READ_KEYS + 1))
    assert (login.hits, api.hits) == (0, 0)


def test_count_and_modified_since(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    query_handler(gw, lambda: 1234, delay=False)
    since = IntacctClient.modified_since(datetime(2024, 1, 31, 8, 0, 0))
    with client_for(login) as client:
        assert client.count("CUSTOMER", since) == 1234
    (body,) = gw.bodies("query")
    assert body.findtext("pagesize") == "1"
    cond = body.find("filter/greaterthanorequalto")
    assert (cond.findtext("field"), cond.findtext("value")) == (
        "WHENMODIFIED", "01/31/2024 08:00:00",
    )  # fmt: skip


def test_function_failure_raises_with_control_id(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    gw.handlers["readByName"] = lambda fn: result(
        "failure", fn, errors=(("Query Failed", "Object definition NOPE not found"),)
    )
    with client_for(login) as client, pytest.raises(FunctionError) as info:
        client.read_by_name("NOPE", ["X"])
    assert "Object definition NOPE not found" in str(info.value)
    assert info.value.controlid == gw.bodies("readByName")[0].getparent().get("controlid")


# --- writes ----------------------------------------------------------------------------------


def created(fn: etree._Element) -> etree._Element:
    records = [
        record(str(rec.tag).lower(), RECORDNO=100 + i, CUSTOMERID=rec.findtext("CUSTOMERID"))
        for i, rec in enumerate(fn)
    ]
    return result("success", fn, data(records, listtype="objects", count=len(records)))


def test_create_sends_uniqueid_and_returns_ids(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, api = gateway
    gw.handlers["create"] = created
    gw.handlers["update"] = created
    gw.handlers["delete"] = lambda fn: result("success", fn)
    recs = [{"CUSTOMERID": "C1", "NAME": "One", "CREDITLIMIT": Decimal("10.00")},
            {"CUSTOMERID": "C2", "NAME": "Two", "DISPLAYCONTACT.EMAIL1": "a@b.c"}]  # fmt: skip
    with client_for(login) as client:
        res = client.create("CUSTOMER", recs, "push-42-create")
        upd = client.update("CUSTOMER", [{"CUSTOMERID": "C1", "NAME": "Uno"}], "push-42-update")
        gone = client.delete("CUSTOMER", [100], "push-42-delete")
    assert res.ok and res.records == (("100", "C1"), ("101", "C2"))
    assert (res.function, res.object, res.controlid) == ("create", "CUSTOMER", "push-42-create")
    assert upd.records == (("100", "C1"),) and gone.ok and gone.records == ()
    for body in api.requests:
        req = xmlsafe.parse(body)
        assert req.findtext("control/uniqueid") == "true"
    fn = xmlsafe.parse(api.requests[0]).find("operation/content/function")
    assert fn.get("controlid") == "push-42-create"
    assert [c.findtext("DISPLAYCONTACT/EMAIL1") for c in fn.iterfind("create/CUSTOMER")] == [
        None, "a@b.c",
    ]  # fmt: skip


@pytest.mark.parametrize("controlid", [None, "", "x" * 257])
def test_writes_need_a_caller_control_id(gateway, controlid) -> None:  # type: ignore[no-untyped-def]
    _, login, api = gateway
    with client_for(login) as client, pytest.raises(ConfigError):
        client.create("CUSTOMER", [{"CUSTOMERID": "C1"}], controlid)
    assert (login.hits, api.hits) == (0, 0)


def test_write_failures_and_replays(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    gw.handlers["create"] = lambda fn: result(
        "failure",
        fn,
        errors=(
            ("BL34000061", "Another Customer with the given value(s) C1  already exists"),
            ("BL01001973", "Could not create customer record!"),
        ),
    )
    gw.handlers["update"] = lambda fn: result(
        "failure", fn, errors=((uncertain.REPLAY_ERRORNO, "already been processed"),)
    )
    with client_for(login) as client:
        with pytest.raises(FunctionError) as info:
            client.create("CUSTOMER", [{"CUSTOMERID": "C1"}], "c-1")
        assert type(info.value) is FunctionError
        assert info.value.errornos == ("BL34000061", "BL01001973")
        assert " - BL01001973 Could not create customer record!" in str(info.value)
        with pytest.raises(ReplayRefusedError):
            client.update("CUSTOMER", [{"CUSTOMERID": "C1"}], "u-1")


def test_write_without_answer_is_outcome_unknown_and_not_resent(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, api = gateway
    gw.handlers["create"] = created
    with client_for(login) as client:
        client.login()
        api.replies = [Reply(502, b"", {})]  # the next answer is a bad gateway
        with pytest.raises(WriteOutcomeUnknown) as info:
            client.create("CUSTOMER", [{"CUSTOMERID": "C1"}], "c-9")
    assert info.value.controlids == ("c-9",)
    assert api.hits == 1


def test_execute_writes_in_a_transaction_reports_each_function(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    rollback = ("XL03000009", "The entire transaction in this operation has been rolled back.")

    def create(fn: etree._Element) -> etree._Element:
        if fn[0].findtext("CUSTOMERID") == "BAD":
            return result("failure", fn, errors=(("BL01001973", "Invalid customer"), rollback))
        return result("aborted", fn, errors=(rollback,))

    gw.handlers["create"] = create
    calls = [
        rq.create("CUSTOMER", [{"CUSTOMERID": "OK1"}], "t-1"),
        (rq.create("CUSTOMER", [{"CUSTOMERID": "BAD"}], "ignored").body, "t-2"),
        rq.create("CUSTOMER", [{"CUSTOMERID": "OK3"}], "t-3"),
    ]
    with client_for(login) as client:
        results = client.execute_writes(calls, transaction=True)
    assert [(r.controlid, r.status) for r in results] == [
        ("t-1", "aborted"), ("t-2", "failure"), ("t-3", "aborted"),
    ]  # fmt: skip
    assert all(r.object == "CUSTOMER" for r in results)
    req = gw.requests[-1]
    assert req.find("operation").get("transaction") == "true"
    assert req.findtext("control/uniqueid") == "true"
    with pytest.raises(FunctionError) as info:
        raise_for_writes(results)
    assert type(info.value) is FunctionError and info.value.controlid == "t-2"
    assert "2 other function(s) rolled back" in str(info.value)
    with pytest.raises(TransactionAbortedError):
        results[0].raise_for_status()


def test_transaction_results_left_out_count_as_rolled_back(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    gw.handlers["delete"] = lambda fn: (
        result("failure", fn, errors=(("BL01001973", "Cannot find customer"),))
        if fn.findtext("keys") == "1"
        else None  # the gateway omits the others
    )
    calls = [rq.delete("CUSTOMER", [1], "d-1"), rq.delete("CUSTOMER", [2], "d-2")]
    with client_for(login) as client:
        results = client.execute_writes(calls, transaction=True)
        assert [r.status for r in results] == ["failure", "aborted"]
        with pytest.raises(WriteOutcomeUnknown) as info:  # no transaction: unknown, not aborted
            client.execute_writes([rq.delete("CUSTOMER", [2], "d-3")])
    assert info.value.controlids == ("d-3",)


# --- secrets ----------------------------------------------------------------------------------


def test_credentials_never_show_passwords() -> None:
    for text in (repr(CREDS), str(CREDS), f"{CREDS}"):
        assert "SENDER-PW-1" not in text and "USER-PW-2" not in text
        assert "SENDER" in text and "xml_gateway" in text
    with pytest.raises(ConfigError, match="user_password"):
        IntacctCredentials("S", "p", "C", "U", "")


def test_settings_are_validated() -> None:
    for bad in (dict(endpoint_url="ftp://x"), dict(read_timeout=0), dict(concurrency=0)):
        with pytest.raises(ConfigError):
            IntacctSettings(**bad)  # type: ignore[arg-type]


def test_logs_never_show_passwords_or_session_ids(gateway, caplog) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    caplog.set_level(logging.DEBUG, logger="recon.intacct")
    gw.handlers["read"] = lambda fn: result("success", fn, data(rows(1, "CUSTOMER"), count=1))
    gw.handlers["create"] = created
    with client_for(login) as client:
        client.read("CUSTOMER", [1])
        gw.sessions.clear()
        client.create("CUSTOMER", [{"CUSTOMERID": "C1"}], "c-1")
        assert "secret" not in repr(client.session)
    text = caplog.text
    assert "getAPISession" in text and "signing in again" in text
    for secret in ("SENDER-PW-1", "USER-PW-2", "SID-1-secret..", "SID-2-secret.."):
        assert secret not in text


def test_concurrent_pages_share_one_fresh_login(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    query_handler(gw, lambda: 200)
    with client_for(login) as client:
        client.login()
        gw.expire_after = 2  # the session dies under the in-flight pages
        pages = list(client.query("CUSTOMER", ["RECORDNO"], pagesize=10, concurrency=4))
    ids = [int(r.findtext("RECORDNO")) for p in pages for r in p.records()]
    assert ids == list(range(1, 201))
    assert gw.logins == 2  # threads that saw the expiry reused one new session


def capped_query_handler(gw: Gateway, n: int, cap: int) -> None:
    """A gateway that serves at most ``cap`` rows a page whatever pagesize says."""

    def serve(fn: etree._Element) -> etree._Element:
        offset = int(fn.findtext("offset"))
        size = min(cap, int(fn.findtext("pagesize")))
        chunk = [record("CUSTOMER", RECORDNO=i + 1) for i in range(offset, min(n, offset + size))]
        attrs = dict(listtype="CUSTOMER", totalcount=n, offset=offset, count=len(chunk))
        return result(
            "success", fn, data(chunk, numremaining=max(0, n - offset - len(chunk)), **attrs)
        )

    gw.handlers["query"] = serve


@pytest.mark.parametrize(("total", "calls"), [(95, 10), (25, 4), (5, 4), (0, 4)])
def test_expect_many_sends_the_first_wave_at_once(gateway, total, calls) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    query_handler(gw, lambda: total, delay=False)
    with client_for(login) as client:
        pages = list(
            client.query("CUSTOMER", ["RECORDNO"], pagesize=10, concurrency=4, expect_many=True)
        )
    ids = [int(r.findtext("RECORDNO")) for p in pages for r in p.records()]
    assert ids == list(range(1, total + 1))
    assert all(p.count > 0 for p in pages[1:])  # pages past the end are dropped
    # every page once; a small result costs at most concurrency - 1 extra calls (fewer when
    # the first answer arrives before the speculative ones have started: they are cancelled)
    needed = max(1, -(-total // 10))
    sent = len(gw.bodies("query"))
    assert needed <= sent <= calls
    assert len({b.findtext("offset") for b in gw.bodies("query")}) == sent


def test_expect_many_recovers_when_the_server_caps_the_page_size(gateway) -> None:  # type: ignore[no-untyped-def]
    gw, login, _ = gateway
    capped_query_handler(gw, n=47, cap=5)
    with client_for(login) as client:
        pages = list(
            client.query("CUSTOMER", ["RECORDNO"], pagesize=10, concurrency=3, expect_many=True)
        )
    ids = [int(r.findtext("RECORDNO")) for p in pages for r in p.records()]
    assert ids == list(range(1, 48))
