"""The Intacct sandbox HTTP server: the gateway on loopback, with fault injection.

``POST /ia/xml/xmlgw.phtml`` is the gateway; ``/__sandbox__/faults`` and
``/__sandbox__/counters`` switch faults and read counters (see :mod:`recon.sandbox.faults`).
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

from recon.intacct import uncertain
from recon.sandbox import faults as fx
from recon.sandbox.intacct import GATEWAY_PATH, guesses, render
from recon.sandbox.intacct.gateway import IntacctGateway, is_write
from recon.sandbox.intacct.store import IntacctStore

log = logging.getLogger(__name__)

CONTENT_TYPE = 'text/xml; encoding="UTF-8"'
MAX_REQUEST_BYTES = 32 * 1024 * 1024
#: GW-0010 text is not published (spec §6): UNCERTAIN.
RATE_LIMIT_TEXT = "Rate limit exceeded: too many requests. Please retry later."
INTERNAL_ERROR_TEXT = "Internal error in the recon sandbox; see its log."
BAD_GATEWAY_BODY = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: IntacctSandbox

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up mid-response (or a dropped-connection fault) is not news.
        log.debug("sandbox connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, a small answer then waits
    # ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: request lines could carry nothing secret, but tests want silence

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            fx.send(self, 413, b"request too large", "text/plain")
            return None
        return self.rfile.read(length) if length else b""

    def _unhandled_body(self) -> bytes | None:
        """The request body, or None once answered (too large, or an admin request)."""
        body = self._body()
        if body is None:
            return None
        sandbox = self.server.sandbox
        if fx.handle_admin(self, sandbox.faults, sandbox.counters, body):
            return None
        return body

    def do_POST(self) -> None:
        body = self._unhandled_body()
        if body is None:
            return
        if self.path.split("?", 1)[0] != GATEWAY_PATH:
            fx.send(self, 404, b"not found", "text/plain")
            return
        self.server.sandbox.serve_gateway(self, body)

    def _other(self) -> None:
        if self._unhandled_body() is None:
            return
        # GET on the gateway has been blocked since 2023 (spec §1.1).
        error = render.gateway_error("GW-0011", "Invalid Request: the gateway accepts POST only.")
        fx.send(self, 405, error, CONTENT_TYPE, {"Allow": "POST"})

    do_GET = do_DELETE = do_PUT = do_PATCH = _other


class IntacctSandbox:
    """A loopback Intacct XML gateway backed by a persistent store.

    Parameters
    ----------
    data_dir:
        Where ``intacct.sqlite3`` lives (kept across restarts).
    host, port:
        Bind address; port 0 picks a free port (see :attr:`url`).
    faults:
        A shared :class:`~recon.sandbox.faults.FaultPlan` (a new one by default).
    session_ttl:
        Session duration in seconds (sliding).
    readmore_ttl:
        Lifetime of readByQuery result ids after their last use, seconds.
    clock:
        Seconds since the epoch; tests pass a fake clock to expire sessions and result ids.

    Examples
    --------
    >>> with IntacctSandbox(tmp_path) as sb:  # doctest: +SKIP
    ...     requests.post(sb.url, data=request_xml)
    """

    def __init__(
        self,
        data_dir: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: fx.FaultPlan | None = None,
        session_ttl: float = guesses.DEFAULT_SESSION_TTL_SECONDS,
        readmore_ttl: float = uncertain.READMORE_RESULT_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = IntacctStore(data_dir)
        self.faults = faults or fx.FaultPlan()
        self.counters = fx.RequestCounter()
        self.gateway = IntacctGateway(
            self.store,
            session_ttl=session_ttl,
            readmore_ttl=readmore_ttl,
            clock=clock,
            counter=self.counters,
        )
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
        """The full gateway URL, ``http://127.0.0.1:<port>/ia/xml/xmlgw.phtml``."""
        return self.base_url + GATEWAY_PATH

    def start(self) -> IntacctSandbox:
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
        self.gateway.endpoint = self.url
        # A short poll interval keeps stop() quick (tests start and stop many sandboxes).
        self._thread = Thread(
            target=server.serve_forever, args=(0.05,), name="intacct-sandbox", daemon=True
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

    def __enter__(self) -> IntacctSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- one gateway request, with faults -----------------------------------------------

    def serve_gateway(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        draw = self.faults.draw("write" if is_write(body) else "read")
        for kind in draw.fired:
            self.counters.incr(f"fault:{kind}")
        if draw.latency:
            time.sleep(draw.latency)
        if draw.expire_sessions:
            self.gateway.sessions.expire_all()
        fault = draw.response
        if fault is not None and not fault.applies_request:
            self._refuse(handler, fault)
            return
        try:
            answer = self.gateway.handle(body)
        except Exception:  # a sandbox bug: answer like a broken gateway, never hang up silently
            log.exception("Intacct sandbox failed on a request")
            fx.send(
                handler, 500, render.gateway_error("GW-0001", INTERNAL_ERROR_TEXT), CONTENT_TYPE
            )
            return
        if fault is None:
            fx.send(handler, 200, answer, CONTENT_TYPE)
        elif fault.kind == "timeout_524":
            fx.send(handler, 524, b"", CONTENT_TYPE)
        elif fault.kind == "truncate":
            fx.send(handler, 200, answer, CONTENT_TYPE, truncate=True)
        else:  # drop after applying
            fx.drop(handler)

    @staticmethod
    def _refuse(handler: BaseHTTPRequestHandler, fault: fx.Fault) -> None:
        if fault.kind == "rate_limit":
            body = render.gateway_error("GW-0010", RATE_LIMIT_TEXT)
            fx.send(
                handler, 429, body, CONTENT_TYPE, {"Retry-After": str(math.ceil(fault.retry_after))}
            )
        elif fault.kind == "bad_gateway":
            fx.send(handler, 502, BAD_GATEWAY_BODY, "text/html")
        elif fault.kind == "server_error":
            body = render.gateway_error("GW-0001", INTERNAL_ERROR_TEXT)
            fx.send(handler, 500, body, CONTENT_TYPE)
        else:  # drop before applying
            fx.drop(handler)
