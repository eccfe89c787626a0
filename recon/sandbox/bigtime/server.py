"""The BigTime sandbox HTTP server: the REST API on loopback, with fault injection.

``/BigtimeData/api/v2/...`` is the API (see :mod:`recon.sandbox.bigtime.routing`);
``/__sandbox__/faults`` and ``/__sandbox__/counters`` switch faults and read counters
(see :mod:`recon.sandbox.faults`). HTTP/1.1 keep-alive, a Content-Length on every answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Unpack
from urllib.parse import urlsplit

from recon.sandbox import faults as fx
from recon.sandbox.bigtime import API_PATH, guesses
from recon.sandbox.bigtime.auth import Auth
from recon.sandbox.bigtime.reply import Reply
from recon.sandbox.bigtime.service import BigtimeService, is_write, relative_path
from recon.sandbox.bigtime.store import BigtimeStore
from recon.sandbox.http import MAX_REQUEST_BYTES, Binding, LoopbackSandbox, SandboxHandler


class _Handler(SandboxHandler):
    def read_body(self) -> bytes | None:
        """The request body, or None once refused (too large)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._chunked()
        return super().read_body()

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
                self.refuse_too_large()
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def refuse_too_large(self) -> None:
        reply = Reply.message(413, "Request too large.")
        fx.send(self, 413, reply.body, reply.content_type, {"Connection": "close"})
        self.close_connection = True

    def _serve(self) -> None:
        body = self.unhandled_body()
        if body is not None:
            self.server.sandbox.serve(self, body)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve


class BigtimeSandbox(LoopbackSandbox, system="BigTime", api_path=API_PATH, handler=_Handler):
    """BigTime's REST API v2 on loopback: both sign-in styles, records in a persistent store.

    Parameters
    ----------
    data_dir:
        Where ``bigtime.sqlite3`` lives (kept across restarts).
    host, port, faults:
        Bind address (port 0 picks a free one) and fault plan: see
        :class:`~recon.sandbox.http.Binding` and :attr:`url`.
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
        session_ttl: float = guesses.DEFAULT_SESSION_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
        **binding: Unpack[Binding],
    ) -> None:
        self.store = BigtimeStore(data_dir, clock=clock)
        super().__init__(**binding)
        self.auth = Auth(session_ttl, clock)
        self.service = BigtimeService(self.store, self.auth)

    # --- one API request, with faults ---------------------------------------------------------

    def serve(self, handler: SandboxHandler, body: bytes) -> None:
        """Answer one API request: counted by endpoint, then as the fault plan says."""
        method, target = handler.command, handler.path
        self.counters.incr(self.service.endpoint_name(method, target))
        path = urlsplit(target).path
        request = fx.RequestInfo(
            "write" if is_write(method, target) else "read",
            method,
            relative_path(path) or path,  # outside the API root, rules see the whole path
        )
        headers = dict(handler.headers.items())
        self.serve_with_faults(
            handler,
            request,
            lambda draw: self.service.handle(
                method, target, headers, body, refuse_key=draw.refuse_key
            ),
        )

    def fault_answer(self, kind: str) -> Reply:
        if kind == "rate_limit":
            return Reply.message(429, guesses.RATE_LIMIT_TEXT)
        if kind == "bad_gateway":
            return Reply(502, guesses.BAD_GATEWAY_HTML, "text/html")
        if kind == "timeout_524":
            return Reply(524, guesses.TIMEOUT_524_HTML, "text/html")
        return Reply.message(500, guesses.INTERNAL_ERROR_TEXT)

    def expire_sessions(self) -> None:
        # API keys do not expire; the rule's refuse_key reaches the service via the draw.
        self.auth.expire_all()
