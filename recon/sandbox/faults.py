"""Fault injection for the sandboxes, switchable from Python and over HTTP.

A :class:`FaultPlan` holds rules. Each request a sandbox serves is classified ``read`` or
``write`` (Intacct: any create/update/delete function makes it a write; BigTime: the HTTP
method) and :meth:`FaultPlan.draw` says what to do to it:

============== ====================================================================
kind           effect
============== ====================================================================
latency        sleep ``seconds`` before handling the request
rate_limit     HTTP 429 (Intacct body ``GW-0010``) with ``Retry-After: retry_after``
bad_gateway    HTTP 502 with an HTML body; the request is not applied
server_error   HTTP 500 with the sandbox's error body; the request is not applied
timeout_524    the request IS applied, then HTTP 524 with no body (CDN cut the line)
drop           close the socket without a response; ``when`` = ``before``/``after``
               applying the request
truncate       the request is applied; only half of the response body is sent
expire_session every open session is invalidated before the request is handled
============== ====================================================================

Every rule may be limited to the next ``count`` matching requests and to ``only`` reads or
writes. From another process: ``POST /__sandbox__/faults`` with a JSON rule (or a list),
``GET`` lists them, ``DELETE`` clears them; ``GET``/``DELETE /__sandbox__/counters`` reads or
resets the per-function request counters. :class:`RemoteFaults` wraps those calls.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal

import requests

KINDS = (
    "latency",
    "rate_limit",
    "bad_gateway",
    "server_error",
    "timeout_524",
    "drop",
    "truncate",
    "expire_session",
)
#: Kinds that replace the response; the first matching one wins.
RESPONSE_KINDS = frozenset(
    {"rate_limit", "bad_gateway", "server_error", "timeout_524", "drop", "truncate"}
)
ADMIN_PREFIX = "/__sandbox__/"
Category = Literal["read", "write"]


@dataclass
class Fault:
    """One rule. ``count=None`` applies to every matching request until cleared."""

    kind: str
    count: int | None = None
    only: Category | None = None
    seconds: float = 0.0
    retry_after: float = 1.0
    when: Literal["before", "after"] = "before"
    id: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.only not in (None, "read", "write"):
            raise ValueError("only must be 'read', 'write' or omitted")
        if self.when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")

    @property
    def applies_request(self) -> bool:
        """True when the request is applied before the fault spoils the response."""
        return self.kind in ("timeout_524", "truncate") or (
            self.kind == "drop" and self.when == "after"
        )


@dataclass
class Draw:
    """What to do to one request."""

    latency: float = 0.0
    expire_sessions: bool = False
    response: Fault | None = None
    fired: list[str] = field(default_factory=list)


class FaultPlan:
    """Thread-safe set of fault rules for one sandbox instance."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(
        self, kind: str, *, count: int | None = None, only: Category | None = None, **params: Any
    ) -> Fault:
        """Add a rule; see the module docstring for kinds and parameters."""
        fault = Fault(kind, count=count, only=only, **params)
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def draw(self, category: Category) -> Draw:
        """Pick the faults for one request of ``category``, using up one of their counts."""
        draw = Draw()
        with self._lock:
            for fault in list(self._faults):
                if fault.only not in (None, category):
                    continue
                if fault.kind in RESPONSE_KINDS:
                    if draw.response is not None:
                        continue
                    draw.response = fault
                elif fault.kind == "latency":
                    draw.latency += fault.seconds
                else:
                    draw.expire_sessions = True
                draw.fired.append(fault.kind)
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
        return draw

    def apply_json(self, payload: Any) -> list[Fault]:
        """Add rules from a decoded JSON object or list of objects (the HTTP switch)."""
        items = payload if isinstance(payload, list) else [payload]
        if not all(isinstance(i, dict) and "kind" in i for i in items):
            raise ValueError("each fault must be a JSON object with a 'kind'")
        specs = [{k: v for k, v in i.items() if k != "id"} for i in items]
        for spec in specs:
            Fault(**spec)  # validate all before adding any
        return [self.add(**spec) for spec in specs]


class RequestCounter:
    """Thread-safe counts of requests served, by function (or endpoint) name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def incr(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


# --- HTTP helpers shared by the sandboxes' request handlers ------------------------------


def handle_admin(
    handler: BaseHTTPRequestHandler, plan: FaultPlan, counter: RequestCounter, body: bytes
) -> bool:
    """Serve ``/__sandbox__/faults`` and ``/__sandbox__/counters``; False for other paths."""
    path = handler.path.split("?", 1)[0]
    if not path.startswith(ADMIN_PREFIX):
        return False
    what, method = path[len(ADMIN_PREFIX) :].strip("/"), handler.command
    if what == "faults" and method == "POST":
        try:
            added = plan.apply_json(json.loads(body or b"null"))
        except (ValueError, TypeError) as exc:
            send_json(handler, 400, {"error": str(exc)})
            return True
        send_json(handler, 201, [asdict(f) for f in added])
    elif what == "faults" and method in ("GET", "DELETE"):
        if method == "DELETE":
            plan.clear()
        send_json(handler, 200, plan.rules())
    elif what == "counters" and method in ("GET", "DELETE"):
        snapshot = counter.snapshot()
        if method == "DELETE":
            counter.reset()
        send_json(handler, 200, snapshot)
    else:
        send_json(handler, 404, {"error": f"no admin endpoint {method} {path}"})
    return True


def send_json(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
    send(handler, status, json.dumps(payload).encode(), "application/json")


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
    *,
    truncate: bool = False,
) -> None:
    """Send a complete response, or (``truncate``) headers + half the body, then hang up."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    if truncate:
        handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body[: len(body) // 2] if truncate else body)
    if truncate:
        handler.wfile.flush()
        drop(handler)


def drop(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection now, without (the rest of) a response."""
    handler.close_connection = True
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    handler.connection.close()


class RemoteFaults:
    """Switch the faults of a sandbox running in another process.

    Parameters
    ----------
    base_url:
        The sandbox root, e.g. ``http://127.0.0.1:8123`` (any path after it is ignored).
    """

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        parts = requests.utils.urlparse(base_url)
        self.base = f"{parts.scheme}://{parts.netloc}{ADMIN_PREFIX}"
        self.timeout = timeout

    def add(self, kind: str, **params: Any) -> list[dict[str, Any]]:
        resp = requests.post(
            self.base + "faults", json={"kind": kind, **params}, timeout=self.timeout
        )
        resp.raise_for_status()
        return resp.json()

    def clear(self) -> None:
        requests.delete(self.base + "faults", timeout=self.timeout).raise_for_status()

    def rules(self) -> list[dict[str, Any]]:
        return requests.get(self.base + "faults", timeout=self.timeout).json()

    def counters(self, *, reset: bool = False) -> dict[str, int]:
        method = requests.delete if reset else requests.get
        return method(self.base + "counters", timeout=self.timeout).json()
