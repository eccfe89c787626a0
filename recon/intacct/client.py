"""The Intacct client: session, paging (readMore / concurrent offsets), reads and writes.

Citations: "spec §N" is docs/specs/intacct-xml-api.md.

>>> with IntacctClient(credentials, IntacctSettings(endpoint_url=url)) as client:
...     for page in client.query("CUSTOMER", ["RECORDNO", "CUSTOMERID", "NAME"]):
...         ...

Sessions (spec §1.4): the client signs in with ``getAPISession`` in a request of its own,
then sends every call with the returned session id to the returned endpoint. When Intacct
answers that the session is invalid or expired (authentication-level ``XL03000006``), it
signs in once more and resends that request once. Nothing ran when authentication failed,
so the resend is safe for reads and writes alike; writes are safe against any *other*
duplicate because they always go with ``uniqueid=true`` and the caller's stable function
control ids (spec §4.5): Intacct refuses a control id it has already executed.

Thread-safe: pages of one ``query`` are fetched from worker threads sharing the session.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, islice
from typing import Any, Self
from urllib.parse import urlsplit

from lxml import etree

from recon import http
from recon.errors import (
    ConfigError,
    MalformedResponseError,
    RemoteErrorDetail,
    SessionExpiredError,
    WriteOutcomeUnknown,
)
from recon.intacct import request as rq
from recon.intacct import uncertain
from recon.intacct.filters import Filter, Order
from recon.intacct.filters import modified_since as _modified_since
from recon.intacct.page import Page
from recon.intacct.response import Response, Result, WriteResult, raise_for_writes
from recon.intacct.transport import Call, Transport, TransportConfig

__all__ = [
    "INTACCT_ENDPOINT",
    "IntacctClient",
    "IntacctCredentials",
    "IntacctSession",
    "IntacctSettings",
    "WriteCall",
    "WriteResult",
    "raise_for_writes",
]

log = logging.getLogger("recon.intacct")

#: Spec §1.1: "always, initially"; a session may then name another endpoint.
INTACCT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
#: Pages of a paged ``query`` in flight, being parsed, or read and waiting for the consumer,
#: per request in flight. More than one, so that requests keep going out while pages are
#: parsed and while the consumer is busy with a page; at 1 a pull of 50 pages at
#: concurrency 4 took 1.5x its floor instead of 1.2x.
PAGES_AHEAD_PER_WORKER = 2
_ROLLED_BACK = RemoteErrorDetail(
    "XL03000009",
    description2="Not reported by Intacct: the transaction was rolled back.",
)


@dataclass(frozen=True)
class IntacctCredentials:
    """Web Services sender + user sign-in. ``repr`` and ``str`` never show a password.

    Attributes
    ----------
    sender_id, sender_password:
        The Web Services sender (partner) credentials.
    company_id, user_id, user_password:
        The Web Services user of the company.
    entity_id:
        Location (entity) id to sign in to in a multi-entity company; ``None`` = top level.
    """

    sender_id: str
    sender_password: str = field(repr=False)
    company_id: str
    user_id: str
    user_password: str = field(repr=False)
    entity_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("sender_id", "sender_password", "company_id", "user_id", "user_password"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ConfigError(f"Intacct credentials: {name} is missing")

    def __repr__(self) -> str:
        return (
            f"IntacctCredentials(sender_id={self.sender_id!r}, sender_password='***', "
            f"company_id={self.company_id!r}, user_id={self.user_id!r}, "
            f"user_password='***', entity_id={self.entity_id!r})"
        )

    __str__ = __repr__

    def secrets(self) -> tuple[str, ...]:
        """The values that must never reach a log or a message."""
        return (self.sender_password, self.user_password)


@dataclass(frozen=True)
class IntacctSettings:
    """Where and how to talk to Intacct. Point ``endpoint_url`` at a sandbox to test.

    Attributes
    ----------
    endpoint_url:
        The XML gateway URL used for sign-in (``http`` allowed, for loopback sandboxes).
    connect_timeout, read_timeout, max_retries, backoff_base, backoff_max:
        See :class:`recon.intacct.transport.TransportConfig`.
    concurrency:
        ``query`` pages fetched at once (``uncertain.DEFAULT_QUERY_CONCURRENCY``).
    readbyquery_pagesize, query_pagesize:
        Default page sizes (spec §3.6 maxima: 1,000 and 2,000).
    max_response_bytes:
        Bodies longer than this are refused.
    sleep:
        Called between retries; tests pass a recorder.
    """

    endpoint_url: str = INTACCT_ENDPOINT
    # The transport's defaults, named once there (docs/STYLE.md lesson 4).
    connect_timeout: float = TransportConfig.connect_timeout
    read_timeout: float = TransportConfig.read_timeout
    max_retries: int = TransportConfig.max_retries
    backoff_base: float = TransportConfig.backoff_base
    backoff_max: float = TransportConfig.backoff_max
    concurrency: int = uncertain.DEFAULT_QUERY_CONCURRENCY
    readbyquery_pagesize: int = rq.MAX_READBYQUERY_PAGESIZE
    query_pagesize: int = rq.MAX_QUERY_PAGESIZE
    max_response_bytes: int = TransportConfig.max_response_bytes
    sleep: Callable[[float], None] | None = field(default=None, repr=False, compare=False)
    #: Counts the requests sent (:class:`recon.http.RequestMeter`): a run's budget.
    meter: http.RequestMeter | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        http.check_settings(
            "Intacct", "endpoint", self.endpoint_url, self.transport_config(), self.concurrency
        )

    def transport_config(self) -> TransportConfig:
        return http.config_from_settings(TransportConfig, self)


@dataclass(frozen=True)
class IntacctSession:
    """A signed-in session: its id (never shown) and the endpoint to use with it."""

    session_id: str = field(repr=False)
    endpoint: str
    location_id: str = ""
    user_id: str = ""
    company_id: str = ""
    timeout: str = ""


WriteCall = rq.Function | tuple[etree._Element, str]


class IntacctClient:
    """Talks to one Intacct company through one HTTP session.

    Parameters
    ----------
    credentials:
        Sender and user sign-in.
    settings:
        Endpoint, timeouts, retries, concurrency, page sizes.
    """

    def __init__(
        self, credentials: IntacctCredentials, settings: IntacctSettings | None = None
    ) -> None:
        self.credentials = credentials
        self.settings = settings or IntacctSettings()
        self._sender = rq.Sender(credentials.sender_id, credentials.sender_password)
        self._transport = Transport(self.settings.transport_config())
        self._lock = threading.Lock()
        self._session: IntacctSession | None = None

    def __repr__(self) -> str:
        return (
            f"IntacctClient(company_id={self.credentials.company_id!r}, "
            f"user_id={self.credentials.user_id!r}, endpoint={self.settings.endpoint_url!r})"
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Forget the session and close the HTTP connections."""
        with self._lock:
            self._session = None
        self._transport.close()

    # --- session ----------------------------------------------------------------------

    @property
    def session(self) -> IntacctSession | None:
        """The current session, if signed in."""
        return self._session

    def login(self) -> IntacctSession:
        """Sign in now (``getAPISession`` in a request of its own, spec §1.4)."""
        with self._lock:
            self._session = self._login()
            return self._session

    def _current_session(self) -> IntacctSession:
        with self._lock:  # one sign-in at a time; other threads wait and reuse it
            if self._session is None:
                self._session = self._login()
            return self._session

    def _drop_session(self, stale: IntacctSession) -> None:
        with self._lock:
            if self._session is stale:  # another thread may already have signed in again
                self._session = None

    def _login(self) -> IntacctSession:
        creds = self.credentials
        fn = rq.get_api_session()
        auth = rq.LoginAuth(creds.user_id, creds.company_id, creds.user_password, creds.entity_id)
        body = rq.request_bytes(self._sender, auth, [fn])
        doing = "Intacct sign-in"
        call = Call(doing, controlids=(fn.controlid,), secrets=creds.secrets())
        response = self._transport.exchange(self.settings.endpoint_url, body, call)
        result = _match_results(response, [fn], doing, transaction=False, write=False)[0]
        data = result.raise_for_status(doing).data
        api = data.find("api") if data is not None else None
        if api is None or not (api.findtext("sessionid") or "").strip():
            raise MalformedResponseError(f"{doing} failed: no session id in the answer")
        session_id = (api.findtext("sessionid") or "").strip()
        endpoint = (api.findtext("endpoint") or "").strip() or self.settings.endpoint_url
        _check_endpoint(self.settings.endpoint_url, endpoint)
        auth_block = response.auth
        log.info(
            "signed in to Intacct company %s as %s (endpoint host %s)",
            creds.company_id, creds.user_id, urlsplit(endpoint).hostname,
        )  # fmt: skip
        return IntacctSession(
            session_id=session_id,
            endpoint=endpoint,
            location_id=(api.findtext("locationid") or "").strip(),
            user_id=auth_block.userid if auth_block else "",
            company_id=auth_block.companyid if auth_block else "",
            timeout=auth_block.sessiontimeout if auth_block else "",
        )

    # --- low level --------------------------------------------------------------------

    def execute(
        self,
        functions: Sequence[rq.Function],
        *,
        transaction: bool = False,
        write: bool = False,
        on_the_wire: threading.Semaphore | None = None,
    ) -> list[Result]:
        """Send ``functions`` in one request; return one :class:`Result` per function.

        Function-level failures are *returned* (see :meth:`Result.raise_for_status`);
        control- and authentication-level failures raise. A request holding a generic
        create/update/delete is always sent as a write (``uniqueid=true``, no blind retry).
        ``on_the_wire`` is held while the request is sent and answered (see :class:`Call`).
        """
        functions = list(functions)
        if not functions:
            raise ConfigError("execute needs at least one function")
        write = write or any(f.is_write for f in functions)
        doing = _describe(functions)
        controlids = tuple(f.controlid for f in functions)
        if len(set(controlids)) != len(controlids):
            raise ConfigError(f"{doing}: function control ids must be unique in a request")
        for attempt in (1, 2):
            session = self._current_session()
            body = rq.request_bytes(
                self._sender, rq.SessionAuth(session.session_id), functions,
                uniqueid=write, transaction=transaction,
            )  # fmt: skip
            secrets = (*self.credentials.secrets(), session.session_id)
            call = Call(
                doing, write, controlids, session_auth=True, secrets=secrets,
                on_the_wire=on_the_wire,
            )  # fmt: skip
            try:
                response = self._transport.exchange(session.endpoint, body, call)
            except SessionExpiredError:
                if attempt == 2:
                    raise
                log.info("%s: the Intacct session expired; signing in again", doing)
                self._drop_session(session)
                continue
            return _match_results(response, functions, doing, transaction, write)
        raise AssertionError("unreachable")  # pragma: no cover

    # --- reads ------------------------------------------------------------------------

    def read_by_query(
        self,
        obj: str,
        query: str = "",
        fields: Iterable[str] | None = None,
        pagesize: int | None = None,
    ) -> Iterator[Page]:
        """Pages of a ``readByQuery``, then ``readMore`` by resultId until none remain.

        ``query`` is built with :mod:`recon.intacct.quoting`; readByQuery compares stored
        codes (``STATUS = 'T'``). Pages come from one server-side snapshot (spec §3.2).
        """
        size = pagesize or self.settings.readbyquery_pagesize
        first = rq.read_by_query(obj, query, fields, size)  # validate before the first next()
        return self._read_more_pages(obj, first)

    def _read_more_pages(self, obj: str, first: rq.Function) -> Iterator[Page]:
        page = self._read_page(first, obj)
        yield page
        while page.numremaining > 0:
            if not page.result_id or page.count == 0:
                raise MalformedResponseError(
                    f"Intacct readByQuery {obj}: {page.numremaining} rows remain but the page "
                    "gives no way to read them"
                )
            previous = page.numremaining
            page = self._read_page(rq.read_more(page.result_id), obj)
            if page.numremaining >= previous:
                raise MalformedResponseError(f"Intacct readMore {obj}: numremaining did not drop")
            yield page

    def query(
        self,
        obj: str,
        select: Sequence[str],
        filter: Filter | None = None,
        orderby: Sequence[str | Order] | etree._Element | None = None,
        pagesize: int | None = None,
        concurrency: int | None = None,
        caseinsensitive: bool = False,
        expect_many: bool = False,
    ) -> Iterator[Page]:
        """Pages of a ``query``: offset 0 first, then the other offsets concurrently.

        With ``expect_many`` the first ``concurrency`` offsets are sent together instead,
        without waiting for offset 0 to say how many rows there are: that saves one round
        trip on a large object, and costs up to ``concurrency - 1`` empty calls (API
        transactions) if the object turns out to fit in fewer pages. Pulls ask for it only
        for objects that are large by nature (time entries, invoice lines).

        Pages are yielded in offset order; at most ``concurrency`` requests are in flight,
        and at most ``PAGES_AHEAD_PER_WORKER * concurrency`` pages are in flight or waiting,
        so memory stays bounded. Without ``orderby`` the rows are ordered by
        RECORDNO when it is selected: an unordered query may skip or repeat rows across
        offsets (spec §3.4). If rows appear while paging, the pages past the first
        ``totalcount`` are read one by one until ``numremaining`` is 0.
        """
        size = pagesize or self.settings.query_pagesize
        workers = concurrency or self.settings.concurrency
        if workers < 1:
            raise ConfigError("concurrency must be at least 1")
        if orderby is None and "RECORDNO" in (s.upper() for s in select):
            orderby = ("RECORDNO",)

        def build(offset: int) -> rq.Function:
            return rq.query(obj, select, filter, orderby, size, offset, caseinsensitive)

        first = build(0)  # validate before the first next()
        if expect_many and workers > 1:
            return self._speculative_pages(obj, build, size, workers)
        return self._offset_pages(obj, first, build, workers)

    def _offset_pages(
        self, obj: str, first_fn: rq.Function, build: Callable[[int], rq.Function], workers: int
    ) -> Iterator[Page]:
        first = self._read_page(first_fn, obj)
        yield first
        if first.numremaining <= 0:
            return
        yield from self._resume_from(obj, build, workers, first)

    def _speculative_pages(
        self,
        obj: str,
        build: Callable[[int], rq.Function],
        size: int,
        workers: int,
    ) -> Iterator[Page]:
        """Like :meth:`_offset_pages`, but the first wave goes out before offset 0 is back."""
        end: list[int | None] = [None]  # known once offset 0 has answered

        def offsets() -> Iterator[int]:
            offset = size
            while end[0] is None or offset < end[0]:
                yield offset
                offset += size

        def seen(offset: int, page: Page) -> None:
            # Runs before the next offset is drawn, so no call goes past the last page.
            if offset == 0:
                end[0] = page.count + page.numremaining if page.count == size else size

        fetched = self._fetch_ordered(obj, chain([0], offsets()), build, workers, seen)
        with closing(fetched):
            _, first = next(fetched)
            yield first
            if first.numremaining <= 0:
                return
            if first.count != size:
                # The server capped our page size: the speculative offsets are wrong.
                fetched.close()
                yield from self._resume_from(obj, build, workers, first)
                return
            # The first wave may have gone past the end: those pages are empty, drop them.
            yield from self._ordered_then_rest(obj, fetched, build, first, stop=end[0])

    def _resume_from(
        self, obj: str, build: Callable[[int], rq.Function], workers: int, first: Page
    ) -> Iterator[Page]:
        step = first.count  # the server's real page length, even if it capped our pagesize
        if step <= 0:
            raise MalformedResponseError(f"Intacct query {obj}: rows remain after an empty page")
        end = step + first.numremaining
        fetched = self._fetch_ordered(obj, range(step, end, step), build, workers)
        yield from self._ordered_then_rest(obj, fetched, build, first)

    def _ordered_then_rest(
        self,
        obj: str,
        fetched: Generator[tuple[int, Page], None, None],
        build: Callable[[int], rq.Function],
        first: Page,
        stop: int | None = None,
    ) -> Iterator[Page]:
        last, last_offset = first, 0
        with closing(fetched):  # a consumer that stops early stops the workers too
            for offset, page in fetched:
                if stop is not None and offset >= stop:
                    continue
                last, last_offset = page, offset
                yield page
        while last.numremaining > 0 and last.count > 0:  # rows added while we paged
            last_offset += last.count
            last = self._read_page(build(last_offset), obj)
            yield last

    def _fetch_ordered(
        self,
        obj: str,
        offsets: Iterable[int],
        build: Callable[[int], rq.Function],
        workers: int,
        seen: Callable[[int, Page], None] | None = None,
    ) -> Generator[tuple[int, Page], None, None]:
        """Pages of ``offsets`` in order, read by one pool, ``workers`` requests in flight.

        Each thread of the pool fetches a page and parses it (:meth:`_read_page`: the same
        retries and re-sign-in as any read). There is a thread for each page of the window
        (``PAGES_AHEAD_PER_WORKER * workers`` pages in flight, being parsed or waiting for
        the consumer), and a thread holds one of ``workers`` wire slots only while its
        request is on the wire: so the next request leaves while a page is parsed, a
        consumer busy with a page does not hold back the next requests either, and memory
        stays bounded. (A pool of ``workers`` threads waits for each parse, ~10 ms a
        2,000-record page, before sending again: a pull at concurrency 4 took 1.3x its
        floor or more.)

        ``seen`` hears the first page before any offset past the first ``workers`` is drawn
        (offset 0 decides where a speculative read ends).
        """
        todo = iter(offsets)
        window = workers * PAGES_AHEAD_PER_WORKER
        pending: deque[tuple[int, Future[Page]]] = deque()
        wire = threading.Semaphore(workers)
        with ThreadPoolExecutor(max_workers=window, thread_name_prefix="intacct-page") as pool:

            def top_up(size: int) -> None:
                for offset in islice(todo, max(0, size - len(pending))):
                    pending.append((offset, pool.submit(self._read_page, build(offset), obj, wire)))

            try:
                top_up(workers)
                if seen is not None and pending:
                    offset, future = pending.popleft()
                    page = future.result()
                    seen(offset, page)  # before any offset past the first wave is drawn
                    top_up(window)
                    yield offset, page
                while pending:
                    top_up(window)  # the next requests go out before this page is waited for
                    offset, future = pending.popleft()
                    yield offset, future.result()
            finally:  # the consumer stopped early or a page failed: drop what has not started
                for _, future in pending:
                    future.cancel()

    def read(
        self, obj: str, keys: Iterable[str | int], fields: Iterable[str] | None = None
    ) -> Page:
        """``read`` by RECORDNO (at most ``uncertain.MAX_READ_KEYS`` keys)."""
        return self._read_page(rq.read(obj, keys, fields), obj)

    def read_by_name(
        self, obj: str, keys: Iterable[str], fields: Iterable[str] | None = None
    ) -> Page:
        """``readByName`` by natural id (at most ``uncertain.MAX_READ_KEYS`` keys)."""
        return self._read_page(rq.read_by_name(obj, keys, fields), obj)

    def count(self, obj: str, filter: Filter | None = None) -> int:
        """Rows matching ``filter``: a one-row ``query`` and its ``totalcount``."""
        page = self._read_page(rq.query(obj, ["RECORDNO"], filter, pagesize=1), obj)
        if page.totalcount < 0:
            raise MalformedResponseError(f"Intacct query {obj}: no totalcount in the answer")
        return page.totalcount

    @staticmethod
    def modified_since(when: datetime) -> Filter:
        """The ``WHENMODIFIED >= when`` filter for incremental pulls (naive datetime)."""
        return _modified_since(when)

    def _read_page(
        self, fn: rq.Function, obj: str, on_the_wire: threading.Semaphore | None = None
    ) -> Page:
        (result,) = self.execute([fn], on_the_wire=on_the_wire)
        return result.raise_for_status(f"Intacct {fn.name} {obj}").to_page(obj)

    # --- writes -----------------------------------------------------------------------

    def create(self, obj: str, records: Sequence[Mapping[str, Any]], controlid: str) -> WriteResult:
        """Create up to ``uncertain.MAX_RECORDS_PER_WRITE`` records in one function.

        ``controlid`` is the idempotency key: keep it (persisted) and resend with the same
        one to settle a :class:`WriteOutcomeUnknown`; a :class:`ReplayRefusedError` on the
        resend means the first send was applied.
        """
        return self._write_one(rq.create(obj, records, controlid), obj)

    def update(self, obj: str, records: Sequence[Mapping[str, Any]], controlid: str) -> WriteResult:
        """Update records identified by RECORDNO or natural id (spec §4.2)."""
        return self._write_one(rq.update(obj, records, controlid), obj)

    def delete(self, obj: str, recordnos: Iterable[str | int], controlid: str) -> WriteResult:
        """Delete records by RECORDNO (spec §4.3)."""
        return self._write_one(rq.delete(obj, recordnos, controlid), obj)

    def _write_one(self, fn: rq.Function, obj: str) -> WriteResult:
        (result,) = self.execute([fn], write=True)
        return WriteResult.from_result(obj, result).raise_for_status()

    def execute_writes(
        self, calls: Sequence[WriteCall], *, transaction: bool = False
    ) -> list[WriteResult]:
        """Send several write functions in one request; report each one's outcome.

        Parameters
        ----------
        calls:
            :class:`recon.intacct.request.Function` values (from ``request.create`` …) or
            ``(function element, controlid)`` pairs, e.g. a legacy ``<create_invoice>``.
        transaction:
            All succeed or all roll back; a rolled-back function reports ``aborted``.

        Returns
        -------
        list[WriteResult]
            In call order, failed ones included: nothing is raised for function-level
            failures (use :meth:`WriteResult.raise_for_status` or :func:`raise_for_writes`).
        """
        functions = [_as_write_function(c) for c in calls]
        results = self.execute(functions, transaction=transaction, write=True)
        pairs = zip(functions, results, strict=True)
        return [WriteResult.from_result(_write_object(f), r) for f, r in pairs]


# --- helpers --------------------------------------------------------------------------


def _match_results(
    response: Response,
    functions: Sequence[rq.Function],
    doing: str,
    transaction: bool,
    write: bool,
) -> list[Result]:
    """One result per function, by control id; refuse answers that do not fit the request."""
    if response.acknowledged:
        raise MalformedResponseError(
            f"{doing}: Intacct queued the request offline; recon sends synchronous requests only"
        )
    by_id = {r.controlid: r for r in response.results}
    expected = {f.controlid for f in functions}
    if len(by_id) != len(response.results) or not by_id.keys() <= expected:
        raise MalformedResponseError(f"{doing}: the results do not match the request's functions")
    missing = [f for f in functions if f.controlid not in by_id]
    if missing:
        rolled_back = transaction and any(r.status == "failure" for r in response.results)
        if not rolled_back:
            ids = tuple(f.controlid for f in missing)
            if write:
                raise WriteOutcomeUnknown(
                    f"{doing}: Intacct reported no result for control IDs {', '.join(ids)}; "
                    "settle them by resending with the same control IDs",
                    system="intacct", operation=doing, controlids=ids,
                )  # fmt: skip
            raise MalformedResponseError(f"{doing}: Intacct sent no result for some functions")
        for f in missing:  # spec §2.6: everything in a failed transaction rolled back
            by_id[f.controlid] = Result("aborted", f.name, f.controlid, errors=(_ROLLED_BACK,))
    return [by_id[f.controlid] for f in functions]


def _check_endpoint(configured: str, returned: str) -> None:
    """Refuse a session endpoint that would carry the sender password to a strange host."""
    conf, ret = urlsplit(configured), urlsplit(returned)
    host = ret.hostname or ""
    same_host = host == conf.hostname or {host, conf.hostname} <= http.LOOPBACK_HOSTS
    intacct = ret.scheme == "https" and (host == "intacct.com" or host.endswith(".intacct.com"))
    downgrade = conf.scheme == "https" and ret.scheme != "https"
    if ret.scheme not in ("http", "https") or downgrade or not (same_host or intacct):
        raise MalformedResponseError(
            f"Intacct sign-in returned a session endpoint on an unexpected host ({host!r}); "
            "recon will not send credentials there"
        )


def _as_write_function(call: WriteCall) -> rq.Function:
    if isinstance(call, rq.Function):
        rq.check_controlid(call.controlid)
        return call
    if isinstance(call, tuple) and len(call) == 2 and isinstance(call[0], etree._Element):
        return rq.Function(rq.check_controlid(call[1]), call[0])
    raise ConfigError("execute_writes takes Function values or (element, controlid) pairs")


def _write_object(fn: rq.Function) -> str:
    body = fn.body
    if fn.name == "delete":
        return (body.findtext("object") or "").upper()
    if fn.name in ("create", "update") and len(body):
        return str(body[0].tag).upper()
    return fn.name  # legacy functions (create_invoice ...) name their object themselves


def _describe(functions: Sequence[rq.Function]) -> str:
    names = ", ".join(dict.fromkeys(f.name for f in functions))
    return f"Intacct {names}"
