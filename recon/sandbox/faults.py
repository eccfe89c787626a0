"""Fault injection for the sandboxes, switchable from Python and over HTTP.

A :class:`FaultPlan` holds rules. Each API request a sandbox serves is described by a
:class:`RequestInfo` (its category, HTTP method, path below the API root and, for Intacct,
its functions) and :meth:`FaultPlan.draw` says what to do to it. The category is ``read``
or ``write`` (Intacct: any create/update/delete function makes it a write; BigTime: POST
and DELETE write, except the ``POST /session`` login).

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
expire_session every open session is invalidated before the request is handled (so a
               request carrying a session gets the sandbox's "session expired" answer
               and the client must sign in again). Firm API keys (BigTime) do not
               expire: with ``refuse_key: true`` the rule also refuses the API key of
               the request it fires on (HTTP 401, the body an unknown key gets: a
               revoked or rotated key, or BigTime's auth having a bad moment); the next
               request with the key works again. Without it, API-key callers are
               untouched. Intacct has no API keys: ``refuse_key`` changes nothing there.
============== ====================================================================

Rule fields (Python keywords of :meth:`FaultPlan.add` and JSON keys alike; all optional
but ``kind``). A rule *matches* a request when every targeting field given matches:

- ``only``: ``"read"`` or ``"write"``, the request's category.
- ``method``: the HTTP method, any case (``"POST"``).
- ``path``: a glob (:mod:`fnmatch`, any case; ``*`` also crosses ``/``) on the path below
  the API root, without query: ``"/client/detail/*"``, ``"/time/Sheet/*"``. Intacct's
  path is always ``/`` (the gateway is the API root).
- ``function``, ``object``: Intacct only (never match a BigTime request); any case. A
  request matches when ANY of its functions has that name (``create``, ``update``,
  ``query``, ``readByQuery``, ``getAPISession``, ...) and/or that object (the record tags
  inside ``create``/``update``, the ``<object>`` of ``query``, ``read``, ``readByQuery``,
  ``readByName``, ``delete``); with both, the same function must match both.

Of the matching requests, the rule *fires* on some:

- ``skip``: let the first ``skip`` matching requests through untouched (default 0);
- ``every``: then fire on every ``every``-th one: the Nth, 2Nth, ... (default 1: all);
- ``probability`` (0 < p <= 1, default 1) with ``seed`` (int, default 0): fire on such a
  request with that probability, drawn from the rule's own ``random.Random(seed)``, so the
  same rule on the same sequence of requests fires on the same ones;
- ``count``: fire at most ``count`` times (default: until cleared), then the rule is removed.
  Only firing uses up ``count``; a matching request the rule lets through does not.

A response rule (all kinds but latency and expire_session) after one that already fired
on the request does not see that request: the first one wins. Each rule reports
``matched`` (matching requests it saw) and ``fired``; ``count`` shows what is left, and
``id`` is given by the plan. Examples::

    {"kind": "bad_gateway", "method": "POST", "path": "/client/detail/*", "every": 3, "count": 2}
    {"kind": "timeout_524", "function": "update", "object": "CUSTOMER", "count": 1}
    {"kind": "rate_limit", "probability": 0.2, "seed": 7, "retry_after": 1}
    {"kind": "expire_session", "refuse_key": true, "skip": 4, "count": 1}

From another process (:class:`RemoteFaults` wraps these):

- ``POST /__sandbox__/faults`` adds a JSON rule (or a list; all or none, 400 with the reason
  for a bad one; ``id``, ``matched`` and ``fired`` are ignored, so a listed rule may be
  posted back);
- ``GET /__sandbox__/faults`` lists the active rules; ``?all=1`` lists every rule added since
  the last clear, used-up ones (``count`` 0) included; ``DELETE`` clears rules and record;
- ``GET``/``DELETE /__sandbox__/counters`` reads (and resets) the request counters: Intacct
  counts the functions its gateway ran by name (``"query"``), BigTime requests by endpoint
  (``"GET /time/Sheet"``), both the faults fired (``"fault:bad_gateway"``). ``?all=1`` adds
  the detail counters: per HTTP API request ``"http:requests"``, ``"http:read"``,
  ``"http:write"`` (every request the fault plan sees, faulted ones included: Intacct's
  POSTs to the gateway, every non-admin BigTime request), and, for Intacct,
  per function and object ``"query CUSTOMER"``, ``"update TIMESHEET"`` (functions naming no
  object have only their plain key). They are left out by default, so sums over the
  classic keys (benchmarks add them up) keep their meaning.
"""

from __future__ import annotations

import fnmatch
import json
import random
import socket
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

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
#: Rule fields the plan sets; a JSON rule may carry them (a listed rule posted back).
READ_ONLY_FIELDS = ("id", "matched", "fired")
#: Query values that switch on a flag such as ``?all=1``.
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class RequestInfo:
    """What a fault rule may aim at in one API request.

    Parameters
    ----------
    category:
        ``read`` or ``write``.
    method:
        The HTTP method (``""`` when unknown: a rule naming a method never matches).
    path:
        The path below the API root, without query (``""`` when unknown).
    functions:
        Intacct's ``(function, object)`` pairs, one per object a function names (object
        ``""`` when it names none); empty for BigTime.
    """

    category: Category
    method: str = ""
    path: str = ""
    functions: tuple[tuple[str, str], ...] = ()


@dataclass
class Fault:
    """One rule; see the module docstring. ``count=None`` fires until cleared."""

    kind: str
    count: int | None = None
    only: Category | None = None
    seconds: float = 0.0
    retry_after: float = 1.0
    when: Literal["before", "after"] = "before"
    method: str | None = None
    path: str | None = None
    function: str | None = None
    object: str | None = None
    every: int = 1
    skip: int = 0
    probability: float = 1.0
    seed: int = 0
    refuse_key: bool = False
    id: int = 0
    matched: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)
    # The rule's own generator: a schedule depends on its seed and requests alone.
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.only not in (None, "read", "write"):
            raise ValueError("only must be 'read', 'write' or omitted")
        if self.when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")
        for name in ("method", "path", "function", "object"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{name} must be a non-empty string or omitted")
        if self.method is not None:
            self.method = self.method.upper()
        for name, least in (("every", 1), ("skip", 0)):
            value = getattr(self, name)
            if not _is_int(value) or value < least:
                raise ValueError(f"{name} must be a whole number >= {least}")
        if not _is_int(self.seed):
            raise ValueError("seed must be a whole number")
        p = self.probability
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 < p <= 1:
            raise ValueError("probability must be a number with 0 < probability <= 1")
        if not isinstance(self.refuse_key, bool):
            raise ValueError("refuse_key must be true or false")
        if self.refuse_key and self.kind != "expire_session":
            raise ValueError("refuse_key applies to expire_session only")
        self._rng = random.Random(self.seed)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Fault:
        """A rule from keyword/JSON fields; an unknown field is a ValueError naming it."""
        known = settable_fields()
        unknown = [k for k in spec if k not in known]
        if unknown:
            raise ValueError(
                f"unknown fault field {unknown[0]!r}; known fields: {', '.join(known)}"
            )
        if "kind" not in spec:
            raise ValueError("a fault needs a 'kind'")
        return cls(**spec)

    @property
    def applies_request(self) -> bool:
        """True when the request is applied before the fault spoils the response."""
        return self.kind in ("timeout_524", "truncate") or (
            self.kind == "drop" and self.when == "after"
        )

    def matches(self, request: RequestInfo) -> bool:
        """True when every targeting field given matches ``request``."""
        if self.only not in (None, request.category):
            return False
        if self.method is not None and self.method != request.method.upper():
            return False
        if self.path is not None and not fnmatch.fnmatchcase(
            request.path.lower(), self.path.lower()
        ):
            return False
        if self.function is None and self.object is None:
            return True
        # BigTime requests have no functions: a function/object rule never matches them.
        return any(self._names(fn, obj) for fn, obj in request.functions)

    def _names(self, function: str, obj: str) -> bool:
        return (self.function is None or self.function.lower() == function.lower()) and (
            self.object is None or self.object.lower() == obj.lower()
        )

    def take_turn(self) -> bool:
        """Count one matching request; True when the rule fires on it (skip, every, odds)."""
        self.matched += 1
        nth = self.matched - self.skip
        if nth <= 0 or nth % self.every:
            return False
        # Drawn only for requests the schedule picked, so skip/every do not shift the odds.
        return self.probability >= 1 or self._rng.random() < self.probability

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON-ready fields (what the admin endpoint lists)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def settable_fields() -> tuple[str, ...]:
    """The fields a rule is made of (keywords of :meth:`FaultPlan.add`, JSON keys)."""
    return tuple(
        f.name
        for f in fields(Fault)
        if f.init and not f.name.startswith("_") and f.name not in READ_ONLY_FIELDS
    )


@dataclass
class Draw:
    """What to do to one request.

    ``refuse_key``: refuse the API key of this request (``expire_session`` with
    ``refuse_key``); only a sandbox with API keys (BigTime) acts on it.
    """

    latency: float = 0.0
    expire_sessions: bool = False
    refuse_key: bool = False
    response: Fault | None = None
    fired: list[str] = field(default_factory=list)


class FaultPlan:
    """Thread-safe set of fault rules for one sandbox instance."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        # Every rule added since the last clear, used-up ones included (``rules(all=True)``).
        self._added: list[Fault] = []
        self._next_id = 1

    def add(
        self, kind: str, *, count: int | None = None, only: Category | None = None, **params: Any
    ) -> Fault:
        """Add a rule; see the module docstring for kinds and fields."""
        fault = Fault.from_spec({"kind": kind, "count": count, "only": only, **params})
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            self._faults.append(fault)
            self._added.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every rule, and forget the used-up ones too."""
        with self._lock:
            self._faults.clear()
            self._added.clear()

    def rules(self, *, all: bool = False) -> list[dict[str, Any]]:  # all: as ?all=1
        """The active rules; with ``all``, every rule added since the last clear."""
        with self._lock:
            return [f.to_dict() for f in (self._added if all else self._faults)]

    def draw(self, request: RequestInfo | Category) -> Draw:
        """Pick the faults for one request, using up a count of the rules that fire.

        ``request`` may be a bare category (then no rule naming a method, path, function or
        object matches).
        """
        info = request if isinstance(request, RequestInfo) else RequestInfo(request)
        draw = Draw()
        with self._lock:
            for fault in list(self._faults):
                if fault.kind in RESPONSE_KINDS and draw.response is not None:
                    continue  # the request has its answer: later response rules never see it
                if not fault.matches(info) or not fault.take_turn():
                    continue
                if fault.kind in RESPONSE_KINDS:
                    draw.response = fault
                elif fault.kind == "latency":
                    draw.latency += fault.seconds
                else:
                    draw.expire_sessions = True
                    draw.refuse_key = draw.refuse_key or fault.refuse_key
                fault.fired += 1
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
        specs = [{k: v for k, v in i.items() if k not in READ_ONLY_FIELDS} for i in items]
        for spec in specs:
            Fault.from_spec(spec)  # validate all before adding any
        return [self.add(**spec) for spec in specs]


class RequestCounter:
    """Thread-safe counts of requests served, by function (or endpoint) name.

    ``detail`` counters (``http:*``, Intacct's ``"query CUSTOMER"``) are kept apart and
    only shown by ``snapshot(all=True)``: sums over the classic keys keep their meaning.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._detail: Counter[str] = Counter()
        self._in_flight = 0
        self._max_in_flight = 0

    def incr(self, name: str, n: int = 1, *, detail: bool = False) -> None:
        with self._lock:
            (self._detail if detail else self._counts)[name] += n

    @contextmanager
    def in_flight(self) -> Iterator[None]:
        """Hold while one request is being answered: :attr:`max_in_flight` sees how many
        were at once (a gauge, not a count: kept apart from :meth:`snapshot`)."""
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    @property
    def max_in_flight(self) -> int:
        """The most requests answered at once since the last :meth:`reset`."""
        with self._lock:
            return self._max_in_flight

    def snapshot(self, *, all: bool = False) -> dict[str, int]:  # all: as ?all=1
        """The classic counts; with ``all``, the detail counters as well."""
        with self._lock:
            return {**self._counts, **self._detail} if all else dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._detail.clear()
            self._max_in_flight = self._in_flight  # those still being answered count on


# --- HTTP helpers shared by the sandboxes' request handlers ------------------------------


def handle_admin(
    handler: BaseHTTPRequestHandler, plan: FaultPlan, counter: RequestCounter, body: bytes
) -> bool:
    """Serve ``/__sandbox__/faults`` and ``/__sandbox__/counters``; False for other paths."""
    parts = urlsplit(handler.path)
    path = parts.path
    if not path.startswith(ADMIN_PREFIX):
        return False
    what, method = path[len(ADMIN_PREFIX) :].strip("/"), handler.command
    every = parse_qs(parts.query).get("all", [""])[-1].lower() in TRUE_WORDS
    if what == "faults" and method == "POST":
        try:
            added = plan.apply_json(json.loads(body or b"null"))
        except (ValueError, TypeError) as exc:
            send_json(handler, 400, {"error": str(exc)})
            return True
        send_json(handler, 201, [f.to_dict() for f in added])
    elif what == "faults" and method in ("GET", "DELETE"):
        if method == "DELETE":
            plan.clear()
        send_json(handler, 200, plan.rules(all=every))
    elif what == "counters" and method in ("GET", "DELETE"):
        snapshot = counter.snapshot(all=every)
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
        parts = urlsplit(base_url)
        self.base = f"{parts.scheme}://{parts.netloc}{ADMIN_PREFIX}"
        self.timeout = timeout

    def add(self, kind: str, **params: Any) -> list[dict[str, Any]]:
        """Add one rule (any field of the module docstring); returns it as listed.

        A rule the sandbox refuses raises :class:`requests.HTTPError` (400, the reason in
        its JSON ``error``).
        """
        resp = requests.post(
            self.base + "faults", json={"kind": kind, **params}, timeout=self.timeout
        )
        resp.raise_for_status()
        return resp.json()

    def clear(self) -> None:
        requests.delete(self.base + "faults", timeout=self.timeout).raise_for_status()

    def rules(self, *, all: bool = False) -> list[dict[str, Any]]:  # all: as ?all=1
        """The active rules; with ``all``, every rule since the last clear (used up too)."""
        return requests.get(self.base + "faults", params=_flag(all), timeout=self.timeout).json()

    def counters(self, *, reset: bool = False, all: bool = False) -> dict[str, int]:  # as ?all=1
        """The request counters (``all``: with the detail ones); ``reset`` zeroes them after."""
        method = requests.delete if reset else requests.get
        return method(self.base + "counters", params=_flag(all), timeout=self.timeout).json()


def _flag(on: bool) -> dict[str, str]:
    return {"all": "1"} if on else {}
