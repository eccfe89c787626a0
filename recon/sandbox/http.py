"""The HTTP side both sandboxes share: server, request handler, lifecycle, fault dispatch.

A sandbox subclasses :class:`LoopbackSandbox` (and :class:`SandboxHandler` for its routes)
and keeps only what differs: which requests it serves, and the answer each fault puts in
place of its own (:meth:`LoopbackSandbox.fault_answer`). Admin requests
(``/__sandbox__/...``) are served here, by :func:`recon.sandbox.faults.handle_admin`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from types import TracebackType
from typing import ClassVar, Protocol, Self, TypedDict

from recon.sandbox import faults as fx

#: Request bodies longer than this are refused with 413 before they are read.
MAX_REQUEST_BYTES = 32 * 1024 * 1024
#: Seconds between the serving thread's shutdown checks: keeps stop() quick (tests start
#: and stop many sandboxes).
POLL_INTERVAL = 0.05
#: The faults that replace the answer with one of the sandbox's own (drop has none).
ANSWERED_FAULTS = ("rate_limit", "bad_gateway", "server_error", "timeout_524")


class AnswerLike(Protocol):
    """One HTTP answer (:class:`Answer`, or a sandbox's own reply type)."""

    @property
    def status(self) -> int: ...

    @property
    def body(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, body bytes, content type and extra headers."""

    status: int
    body: bytes
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


class Binding(TypedDict, total=False):
    """Where a sandbox listens and which faults it obeys (keyword arguments of every sandbox).

    host, port:
        Bind address (``127.0.0.1`` by default); port 0 (the default) picks a free port.
    faults:
        A shared :class:`~recon.sandbox.faults.FaultPlan` (a new one by default).
    """

    host: str
    port: int
    faults: fx.FaultPlan | None


class _Closeable(Protocol):
    def close(self) -> None: ...


class SandboxServer(ThreadingHTTPServer):
    """A threading server whose connection errors are quiet (DEBUG on the sandbox's log)."""

    daemon_threads = True
    sandbox: LoopbackSandbox
    server_address: tuple[str, int]  # as bound: getsockname() of an AF_INET socket

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up mid-response (or a dropped-connection fault) is not news.
        self.sandbox.log.debug("sandbox connection error from %s", client_address, exc_info=True)


class SandboxHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, quiet, bodies capped; subclasses add the ``do_*`` routes."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms on Linux) on every keep-alive answer smaller than a segment.
    disable_nagle_algorithm = True
    server: SandboxServer

    def log_message(self, format: str, *args: object) -> None:
        # Quiet: tests want silence, and a request line of BigTime's POST /session may carry
        # a password in its query.
        pass

    def read_body(self) -> bytes | None:
        """The request body, or None once refused (too large)."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self.refuse_too_large()
            return None
        return self.rfile.read(length) if length else b""

    def refuse_too_large(self) -> None:
        """Answer 413 to a body over :data:`MAX_REQUEST_BYTES`."""
        fx.send(self, 413, b"request too large", "text/plain")

    def unhandled_body(self) -> bytes | None:
        """The request body, or None once answered (too large, or an admin request)."""
        body = self.read_body()
        if body is None:
            return None
        sandbox = self.server.sandbox
        if fx.handle_admin(self, sandbox.faults, sandbox.counters, body):
            return None
        return body


class LoopbackSandbox:
    """A loopback HTTP server with fault injection, served from a daemon thread.

    A subclass names its system, API path and request handler as class keywords::

        class IntacctSandbox(LoopbackSandbox, system="Intacct", api_path=GATEWAY_PATH,
                             handler=_Handler): ...

    creates ``store`` (closed by :meth:`stop`) and implements :meth:`serve`,
    :meth:`fault_answer` and :meth:`expire_sessions`. It logs to the logger of its module.

    Parameters
    ----------
    host, port, faults:
        See :class:`Binding`.
    """

    #: The system as log lines name it; its lower case names the serving thread.
    system: ClassVar[str]
    #: The API below the host (:attr:`url` is :attr:`base_url` + this).
    api_path: ClassVar[str]
    handler: ClassVar[type[SandboxHandler]]
    log: ClassVar[logging.Logger]
    store: _Closeable

    def __init_subclass__(
        cls, *, system: str, api_path: str, handler: type[SandboxHandler], **kw: object
    ) -> None:
        super().__init_subclass__(**kw)
        cls.system, cls.api_path, cls.handler = system, api_path, handler
        cls.log = logging.getLogger(cls.__module__)

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, faults: fx.FaultPlan | None = None
    ) -> None:
        self.faults = faults or fx.FaultPlan()
        self.counters = fx.RequestCounter()
        #: How the ``latency`` fault waits (in the request's own thread); a test may put a
        #: function of its own here to see the delay, or to hold a request until it says.
        self.sleep: Callable[[float], None] = time.sleep
        self._host, self._port = host, port
        self._server: SandboxServer | None = None
        self._thread: Thread | None = None
        self._stopped = False

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The API's URL: :attr:`base_url` + :attr:`api_path`."""
        return self.base_url + self.api_path

    def start(self) -> Self:
        """Bind and serve in a daemon thread; returns ``self``."""
        if self._stopped:
            raise RuntimeError(
                "a stopped sandbox cannot restart; open a new one on the same data_dir"
            )
        if self._server is not None:
            return self
        server = SandboxServer((self._host, self._port), self.handler)
        server.sandbox = self
        self._server = server
        self._bound()
        self._thread = Thread(
            target=server.serve_forever,
            args=(POLL_INTERVAL,),
            name=f"{self.system.lower()}-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def _bound(self) -> None:
        """Called once the port is bound, before serving: :attr:`url` is known."""

    def stop(self) -> None:
        """Stop serving and close the store (the data stays in ``data_dir``)."""
        self._stopped = True
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.store.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what differs per sandbox -------------------------------------------------------

    def serve(self, handler: SandboxHandler, body: bytes) -> None:
        """Answer one API request (not an admin one), usually by :meth:`serve_with_faults`."""
        raise NotImplementedError

    def fault_answer(self, kind: str) -> AnswerLike:
        """The answer fault ``kind`` (one of :data:`ANSWERED_FAULTS`) sends instead.

        ``server_error`` is also the answer to a request the sandbox itself failed on.
        """
        raise NotImplementedError

    def expire_sessions(self) -> None:
        """Invalidate every open session (the ``expire_session`` fault)."""
        raise NotImplementedError

    # --- one request, with faults -------------------------------------------------------

    def serve_with_faults(
        self,
        handler: BaseHTTPRequestHandler,
        request: fx.RequestInfo,
        answer: Callable[[fx.Draw], AnswerLike],
    ) -> None:
        """Answer one API request with ``answer(draw)``, as the fault plan says.

        ``request`` is what the rules may aim at; ``answer`` gets the draw for the faults a
        sandbox applies itself (``draw.refuse_key``). The request is counted here
        (``http:*`` detail counters), faulted or not, and is "in flight"
        (:meth:`~recon.sandbox.faults.RequestCounter.in_flight`) until its answer is ready:
        before a byte of it is written, so a client that waits for the whole answer never
        sees its next request counted beside this one.
        """
        self.counters.incr("http:requests", detail=True)
        self.counters.incr(f"http:{request.category}", detail=True)
        with self.counters.in_flight():
            deliver = self._prepare(handler, request, answer)
        deliver()

    def _prepare(
        self,
        handler: BaseHTTPRequestHandler,
        request: fx.RequestInfo,
        answer: Callable[[fx.Draw], AnswerLike],
    ) -> Callable[[], None]:
        """Apply the faults and the request; return what sends the answer."""
        draw = self.faults.draw(request)
        for kind in draw.fired:
            self.counters.incr(f"fault:{kind}")
        if draw.latency:
            self.sleep(draw.latency)
        if draw.expire_sessions:
            self.expire_sessions()
        fault = draw.response
        if fault is not None and not fault.applies_request:
            return partial(self._refuse, handler, fault)
        try:
            reply = answer(draw)
        except Exception:  # a sandbox bug: answer like a broken server, never hang up silently
            self.log.exception("%s sandbox failed on a request", self.system)
            return partial(_send, handler, self.fault_answer("server_error"))
        if fault is None:
            return partial(_send, handler, reply)
        if fault.kind == "timeout_524":
            return partial(_send, handler, self.fault_answer("timeout_524"))
        if fault.kind == "truncate":
            return partial(
                fx.send, handler, reply.status, reply.body, reply.content_type, truncate=True
            )
        return partial(fx.drop, handler)  # drop after applying

    def _refuse(self, handler: BaseHTTPRequestHandler, fault: fx.Fault) -> None:
        """A fault that answers before the request is applied (it never is)."""
        if fault.kind not in ANSWERED_FAULTS:  # drop before applying
            fx.drop(handler)
            return
        answer = self.fault_answer(fault.kind)
        headers = dict(answer.headers)
        if fault.kind == "rate_limit":
            headers["Retry-After"] = str(math.ceil(fault.retry_after))
        fx.send(handler, answer.status, answer.body, answer.content_type, headers)


def _send(handler: BaseHTTPRequestHandler, answer: AnswerLike) -> None:
    fx.send(handler, answer.status, answer.body, answer.content_type, dict(answer.headers))
