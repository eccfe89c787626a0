"""The Intacct sandbox HTTP server: the gateway on loopback, with fault injection.

``POST /ia/xml/xmlgw.phtml`` is the gateway; ``/__sandbox__/faults`` and
``/__sandbox__/counters`` switch faults and read counters (see :mod:`recon.sandbox.faults`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Unpack

from recon.sandbox import faults as fx
from recon.sandbox.http import Answer, Binding, LoopbackSandbox, SandboxHandler
from recon.sandbox.intacct import GATEWAY_PATH, guesses, render
from recon.sandbox.intacct.gateway import IntacctGateway, is_write_function, request_functions
from recon.sandbox.intacct.store import IntacctStore

CONTENT_TYPE = 'text/xml; encoding="UTF-8"'
#: GW-0010 text is not published (docs/specs/intacct-xml-api.md §6): UNCERTAIN.
RATE_LIMIT_TEXT = "Rate limit exceeded: too many requests. Please retry later."
INTERNAL_ERROR_TEXT = "Internal error in the recon sandbox; see its log."
BAD_GATEWAY_BODY = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)


class _Handler(SandboxHandler):
    def do_POST(self) -> None:
        body = self.unhandled_body()
        if body is None:
            return
        if self.path.split("?", 1)[0] != GATEWAY_PATH:
            fx.send(self, 404, b"not found", "text/plain")
            return
        self.server.sandbox.serve(self, body)

    def _other(self) -> None:
        if self.unhandled_body() is None:
            return
        # GET on the gateway has been blocked since 2023 (docs/specs/intacct-xml-api.md §1.1).
        error = render.gateway_error("GW-0011", "Invalid Request: the gateway accepts POST only.")
        fx.send(self, 405, error, CONTENT_TYPE, {"Allow": "POST"})

    do_GET = do_DELETE = do_PUT = do_PATCH = _other


class IntacctSandbox(LoopbackSandbox, system="Intacct", api_path=GATEWAY_PATH, handler=_Handler):
    """The Intacct XML gateway on loopback (docs/specs/intacct-xml-api.md §1.1), its data in a
    persistent store.

    Parameters
    ----------
    data_dir:
        The folder of ``intacct.sqlite3``, the company's records: they outlive restarts.
    host, port, faults:
        Bind address (port 0 picks a free one) and fault plan: see
        :class:`~recon.sandbox.http.Binding` and :attr:`url`.
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
        session_ttl: float = guesses.DEFAULT_SESSION_TTL_SECONDS,
        readmore_ttl: float = guesses.READMORE_RESULT_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
        **binding: Unpack[Binding],
    ) -> None:
        self.store = IntacctStore(data_dir)
        super().__init__(**binding)
        self.gateway = IntacctGateway(
            self.store,
            session_ttl=session_ttl,
            readmore_ttl=readmore_ttl,
            clock=clock,
            counter=self.counters,
        )

    def _bound(self) -> None:
        # Sessions name the endpoint to use with them (docs/specs/intacct-xml-api.md §1.4): this
        # sandbox's own.
        self.gateway.endpoint = self.url

    # --- one gateway request, with faults -----------------------------------------------

    def serve(self, handler: SandboxHandler, body: bytes) -> None:
        """Answer one gateway request (``body`` is its XML)."""
        functions = request_functions(body)  # parsed once for both category and aim
        write = any(is_write_function(name) for name, _ in functions)
        # The gateway is the API root: the path below it is always "/".
        request = fx.RequestInfo("write" if write else "read", handler.command, "/", functions)
        self.serve_with_faults(
            handler, request, lambda draw: Answer(200, self.gateway.handle(body), CONTENT_TYPE)
        )

    def fault_answer(self, kind: str) -> Answer:
        if kind == "rate_limit":
            return Answer(429, render.gateway_error("GW-0010", RATE_LIMIT_TEXT), CONTENT_TYPE)
        if kind == "bad_gateway":
            return Answer(502, BAD_GATEWAY_BODY, "text/html")
        if kind == "timeout_524":  # the CDN cut the line: no body
            return Answer(524, b"", CONTENT_TYPE)
        return Answer(500, render.gateway_error("GW-0001", INTERNAL_ERROR_TEXT), CONTENT_TYPE)

    def expire_sessions(self) -> None:
        self.gateway.sessions.expire_all()
