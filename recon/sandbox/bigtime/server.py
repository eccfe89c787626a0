"""The BigTime sandbox HTTP server: the REST API on loopback, with fault injection.

``/BigtimeData/api/v2/...`` is the API (see :mod:`recon.sandbox.bigtime.routing`);
``/__sandbox__/faults`` and ``/__sandbox__/counters`` switch faults and read counters
(see :mod:`recon.sandbox.faults`). HTTP/1.1 keep-alive, a Content-Length on every answer.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from types import TracebackType

from recon.sandbox import faults as fx
from recon.sandbox.bigtime import API_PATH, guesses
from recon.sandbox.bigtime.auth import Auth
from recon.sandbox.bigtime.reply import Reply
from recon.sandbox.bigtime.service import BigtimeService, is_write
from recon.sandbox.bigtime.store import BigtimeStore

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 32 * 1024 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: BigtimeSandbox

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up mid-response (or a dropped-connection fault) is not news.
        log.debug("sandbox connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms on Linux) on every keep-alive answer smaller than a segment.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: a request line of POST /session may carry a password in its query

    def _body(self) -> bytes | None:
        """The request body, or None once refused (too large)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            return self._too_large()
        return self.rfile.read(length) if length else b""

    def _chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_REQUEST_BYTES:
                return self._too_large()
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _too_large(self) -> None:
        reply = Reply.message(413, "Request too large.")
        fx.send(self, 413, reply.body, reply.content_type, {"Connection": "close"})
        self.close_connection = True

    def _serve(self) -> None:
        body = self._body()
        if body is None:
            return
        sandbox = self.server.sandbox
        if fx.handle_admin(self, sandbox.faults, sandbox.counters, body):
            return
        sandbox.serve(self, body)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve


class BigtimeSandbox:
    """A loopback BigTime REST API (v2) backed by a persistent store.

    Parameters
    ----------
    data_dir:
        Where ``bigtime.sqlite3`` lives (kept across restarts).
    host, port:
        Bind address; port 0 picks a free port (see :attr:`url`).
    faults:
        A shared :class:`~recon.sandbox.faults.FaultPlan` (a new one by default).
    session_ttl:
        Session duration in seconds (sliding); firm API keys never expire.
    clock:
        Seconds since the epoch; tests pass a fake clock to expire sessions.

    Examples
    --------
    >>> with BigtimeSandbox(tmp_path) as sb:  # doctest: +SKIP
    ...     requests.get(sb.url + "/client", headers={"X-Auth-ApiToken": API_TOKEN,
    ...                                              "X-Auth-Realm": FIRM})
    """

    def __init__(
        self,
        data_dir: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: fx.FaultPlan | None = None,
        session_ttl: float = guesses.DEFAULT_SESSION_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = BigtimeStore(data_dir, clock=clock)
        self.faults = faults or fx.FaultPlan()
        self.counters = fx.RequestCounter()
        self.auth = Auth(session_ttl, clock)
        self.service = BigtimeService(self.store, self.auth)
        self._host, self._port = host, port
        self._server: _Server | None = None
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
        """The API root, ``http://127.0.0.1:<port>/BigtimeData/api/v2``."""
        return self.base_url + API_PATH

    def start(self) -> BigtimeSandbox:
        """Bind and serve in a daemon thread; returns ``self``."""
        if self._stopped:
            raise RuntimeError(
                "a stopped sandbox cannot restart; open a new one on the same data_dir"
            )
        if self._server is not None:
            return self
        server = _Server((self._host, self._port), _Handler)
        server.sandbox = self
        self._server = server
        # A short poll interval keeps stop() quick (tests start and stop many sandboxes).
        self._thread = Thread(
            target=server.serve_forever, args=(0.05,), name="bigtime-sandbox", daemon=True
        )
        self._thread.start()
        return self

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

    def __enter__(self) -> BigtimeSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- one API request, with faults ---------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        method, target = handler.command, handler.path
        self.counters.incr(self.service.endpoint_name(method, target))
        draw = self.faults.draw("write" if is_write(method, target) else "read")
        for kind in draw.fired:
            self.counters.incr(f"fault:{kind}")
        if draw.latency:
            time.sleep(draw.latency)
        if draw.expire_sessions:
            self.auth.expire_all()
        fault = draw.response
        if fault is not None and not fault.applies_request:
            self._refuse(handler, fault)
            return
        reply = self.service.handle(method, target, dict(handler.headers.items()), body)
        if fault is None:
            fx.send(handler, reply.status, reply.body, reply.content_type, dict(reply.headers))
        elif fault.kind == "timeout_524":
            fx.send(handler, 524, guesses.TIMEOUT_524_HTML, "text/html")
        elif fault.kind == "truncate":
            fx.send(handler, reply.status, reply.body, reply.content_type, truncate=True)
        else:  # drop after applying
            fx.drop(handler)

    @staticmethod
    def _refuse(handler: BaseHTTPRequestHandler, fault: fx.Fault) -> None:
        if fault.kind == "rate_limit":
            reply = Reply.message(429, guesses.RATE_LIMIT_TEXT)
            retry = {"Retry-After": str(math.ceil(fault.retry_after))}
            fx.send(handler, 429, reply.body, reply.content_type, retry)
        elif fault.kind == "bad_gateway":
            fx.send(handler, 502, guesses.BAD_GATEWAY_HTML, "text/html")
        elif fault.kind == "server_error":
            reply = Reply.message(500, guesses.INTERNAL_ERROR_TEXT)
            fx.send(handler, 500, reply.body, reply.content_type)
        else:  # drop before applying
            fx.drop(handler)
