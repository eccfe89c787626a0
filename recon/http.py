"""HTTP plumbing both clients share: retry policy, session, capped reads, network failures.

What is here is the same for Intacct and BigTime (docs/ENGINEERING-NOTES.md: urllib3 never retries
on its own, requests has no default timeout). What each API *means* by a status or a body --
Intacct's 524 and XML errors, BigTime's status mapping and 401 re-login -- stays in
:mod:`recon.intacct.transport` and :mod:`recon.bigtime.transport`, which word every failure
through a :class:`Failures` of their own.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter

from recon.errors import (
    ConfigError,
    MalformedResponseError,
    ReconError,
    RequestBudgetExceeded,
    TransportError,
    WriteOutcomeUnknown,
)
from recon.pacing import Pacer
from recon.version import __version__

T = TypeVar("T")

#: Hosts that are this machine (sandboxes): never proxied, and interchangeable as endpoints.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
USER_AGENT = f"recon/{__version__}"
#: Bytes read at a time from a streamed body, so the size cap applies while reading.
READ_CHUNK_BYTES = 65536
#: Every pool holds at least this many keep-alive connections (settings' concurrency may ask more).
MIN_POOL_SIZE = 10
#: Config fields a client's settings never set (sized, or injected by tests).
_NOT_FROM_SETTINGS = frozenset({"pool_size", "sleep", "jitter"})
#: Failures of a read worth another attempt: no (complete) answer arrived.
RETRYABLE_NETWORK = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class HttpConfig:
    """Timeouts, retry policy and limits of one transport.

    The defaults suit an API that answers in seconds (BigTime's transport keeps them); a
    system's own ``TransportConfig`` subclasses this and overrides what differs, so each
    client still declares its policy in one place (docs/STYLE.md lesson 4).

    Attributes
    ----------
    connect_timeout, read_timeout:
        Seconds; requests has no default timeout, so both are always passed.
    max_retries:
        Extra attempts after the first, for reads (and for writes that never left).
    backoff_base, backoff_max:
        Attempt ``n`` waits ``min(backoff_max, backoff_base * 2**n)``, its upper half jittered.
    retry_after_cap:
        Longest ``Retry-After`` honoured, in seconds.
    max_response_bytes:
        A longer body is cut off and refused.
    pool_size:
        Keep-alive connections kept per host (at least the read concurrency).
    sleep, jitter:
        Injected for fast tests (``jitter`` returns a float in ``[0, 1)``).
    """

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 4
    backoff_base: float = 0.25
    backoff_max: float = 30.0
    retry_after_cap: float = 60.0
    max_response_bytes: int = 128 * 1024 * 1024
    pool_size: int = MIN_POOL_SIZE
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False, compare=False)
    #: Counts every request this transport sends (a run's budget), when given.
    meter: RequestMeter | None = field(default=None, repr=False, compare=False)
    #: Spaces the sends (a request rate), when given: one per client, shared by its threads.
    pacer: Pacer | None = field(default=None, repr=False, compare=False)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (equal jitter)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return ceiling / 2 + ceiling / 2 * self.jitter()


C = TypeVar("C", bound=HttpConfig)


class ClientSettings(Protocol):
    """What :func:`config_from_settings` needs of a client's settings besides the policy."""

    @property
    def concurrency(self) -> int: ...

    @property
    def sleep(self) -> Callable[[float], None] | None: ...


def config_from_settings(config_type: type[C], settings: ClientSettings, **renamed: str) -> C:
    """A client's ``TransportConfig`` from its settings.

    Each policy field of ``config_type`` takes the settings attribute of the same name, or of
    the name ``renamed`` maps it to (``read_timeout="timeout"``); a field the settings lack
    keeps its default. The pool holds at least ``settings.concurrency`` connections, and
    ``settings.sleep=None`` keeps :func:`time.sleep`.
    """
    unknown = [name for name in renamed.values() if not hasattr(settings, name)]
    if unknown:
        raise TypeError(f"settings have no {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for spec in fields(config_type):
        name = renamed.get(spec.name, spec.name)
        if spec.name not in _NOT_FROM_SETTINGS and hasattr(settings, name):
            values[spec.name] = getattr(settings, name)
    if settings.sleep is not None:
        values["sleep"] = settings.sleep
    return config_type(pool_size=max(MIN_POOL_SIZE, settings.concurrency), **values)


def check_settings(
    system: str, url_name: str, url: str, config: HttpConfig, concurrency: int
) -> None:
    """Refuse a client's settings no transport can work with; ``system`` starts each message.

    ``config`` is the transport config the settings make (its timeouts and retries).

    Raises
    ------
    ConfigError
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{system} {url_name} must be an http(s) URL: {url!r}")
    if min(config.connect_timeout, config.read_timeout) <= 0 or config.max_retries < 0:
        raise ConfigError(f"{system} timeouts must be > 0 and max_retries >= 0")
    if concurrency < 1:
        raise ConfigError(f"{system} concurrency must be at least 1")


# --- one call's failures, worded by its system -----------------------------------------


@dataclass(frozen=True)
class Failures:
    """How one system words the failures of one call (the shared code decides *which*).

    Attributes
    ----------
    remote:
        The system as messages name it (``"Intacct"``, ``"BigTime"``).
    operation:
        What the call does; every message starts with it.
    write:
        A write is never retried once it may have left: its failures become ``unknown``.
    unknown:
        The system's :class:`~recon.errors.WriteOutcomeUnknown` for a reason.
    too_large:
        The system's error for a body over the cap, given the declared ``Content-Length``
        (``None`` when the body streamed past the cap).
    system:
        ``TransportError.system`` of the network errors raised.
    lost_write:
        The reason a write's connection failed after it left; ``{kind}`` is the exception.
    """

    remote: str
    operation: str
    write: bool
    unknown: Callable[[str], WriteOutcomeUnknown]
    too_large: Callable[[str | None], MalformedResponseError]
    system: str = ""
    lost_write: str = "connection failed after the request was sent ({kind})"

    def network(self, exc: requests.exceptions.RequestException, url: str = "") -> Exception:
        """The error (or the :class:`RetrySignal`) a failed request means."""
        kind = type(exc).__name__
        at = f" at {origin(url)}" if origin(url) else ""
        if isinstance(exc, requests.exceptions.SSLError):
            return self._transport(f"TLS error talking to {self.remote}{at} ({kind})")
        if never_sent(exc):  # safe to retry for writes too: no byte of the request left
            why = (
                f"could not connect to {self.remote}{at} ({kind}); check the URL in the "
                "profile and that this machine can reach it"
            )
            return RetrySignal(self._transport(why, exc))
        if self.write:
            return self.unknown(self.lost_write.format(kind=kind))
        if isinstance(exc, RETRYABLE_NETWORK):
            return RetrySignal(self._transport(f"no answer from {self.remote} ({kind})", exc))
        return self._transport(kind)

    def _transport(self, why: str, cause: BaseException | None = None) -> TransportError:
        error = TransportError(
            f"{self.operation} failed: {why}", system=self.system, operation=self.operation
        )
        # Kept for `raise final from final.__cause__` once the retries run out.
        error.__cause__ = cause
        return error


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: what a message may name (never a path, query or
    ``user:password@``)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return ""
    if not parts.scheme or not host:
        return ""
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def never_sent(exc: requests.exceptions.RequestException) -> bool:
    """True when the failure happened while connecting, so no byte of the request left."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError) or not exc.args:
        return False
    inner = exc.args[0]
    if isinstance(inner, urllib3.exceptions.MaxRetryError):
        inner = inner.reason
    # NewConnectionError (refused, DNS failure) subclasses ConnectTimeoutError in urllib3 2.
    return isinstance(inner, urllib3.exceptions.ConnectTimeoutError)


# --- retries ------------------------------------------------------------------------------


class RetrySignal(Exception):
    """Internal signal: this attempt failed in a way the policy retries."""

    def __init__(self, final: ReconError, delay: float | None = None) -> None:
        super().__init__(str(final))
        self.final = final
        self.delay = delay


def with_retries(
    attempt: Callable[[], T], config: HttpConfig, operation: str, log: logging.Logger
) -> T:
    """Run ``attempt`` until it returns, retrying each :class:`RetrySignal` it raises.

    The wait is the signal's own delay (``Retry-After``) or ``config.backoff``; after
    ``config.max_retries`` retries the last failure is raised.
    """
    retries = 0
    while True:
        try:
            return attempt()
        except RetrySignal as retry:
            if retries >= config.max_retries:
                raise retry.final from retry.final.__cause__
            delay = retry.delay if retry.delay is not None else config.backoff(retries)
            retries += 1
            log.warning(
                "%s: %s; retry %d of %d in %.2f s",
                operation, retry.final, retries, config.max_retries, delay,
            )  # fmt: skip
            config.sleep(delay)


def retry_after_seconds(
    value: str | None, *, cap: float, now: datetime | None = None
) -> float | None:
    """``Retry-After`` (seconds or HTTP date) in seconds, capped; ``None`` if absent/invalid."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, min(seconds, cap))


# --- the wire -----------------------------------------------------------------------------


def new_session(
    config: HttpConfig, headers: Mapping[str, str], *, pool_connections: int = DEFAULT_POOLSIZE
) -> requests.Session:
    """A ``requests.Session`` pooling ``config.pool_size`` connections a host, never retrying."""
    session = requests.Session()
    # max_retries=0 is requests' Retry(0, read=False): urllib3 never retries on its own.
    adapter = HTTPAdapter(
        pool_connections=pool_connections, pool_maxsize=config.pool_size, max_retries=0
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({**headers, "User-Agent": USER_AGENT})
    return session


@dataclass(frozen=True)
class Answer:
    """What one attempt got back: status, headers and the whole (capped) body."""

    status: int
    headers: Mapping[str, str]
    content: bytes


def send(
    session: requests.Session,
    config: HttpConfig,
    method: str,
    url: str,
    failures: Failures,
    *,
    data: bytes | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    endpoint: str | None = None,
) -> Answer:
    """One attempt: send, read the body under the cap; failures worded by ``failures``.

    ``endpoint`` names the request for the config's meter (default: method and path, the
    record ids folded; Intacct names its functions instead, as every request is a POST to
    the one gateway). Every attempt is counted by the meter, which may refuse it (the
    run's ceiling), then waits for the config's pacer, if any (the request rate).

    Raises
    ------
    RetrySignal
        For a failure the policy retries (see :meth:`Failures.network`).
    RequestBudgetExceeded
        The meter's ceiling is reached: this request was not sent.
    TransportError, WriteOutcomeUnknown, and ``failures.too_large`` for a body over the cap
    """
    if config.meter is not None:  # first: a request over the ceiling waits for nothing
        config.meter.count(failures.remote, endpoint or endpoint_of(method, url))
    if config.pacer is not None:
        config.pacer.wait()
    try:
        resp = session.request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            timeout=(config.connect_timeout, config.read_timeout),
            stream=True,  # so the size cap applies while reading, not after
            allow_redirects=False,  # a redirect would carry the credentials elsewhere
            proxies=proxies_for(url),  # type: ignore[arg-type]  # requests reads a None value as "no proxy"; its hints allow str only
        )
        try:
            content = read_capped(resp, config.max_response_bytes, failures.too_large)
        finally:
            resp.close()
    except requests.exceptions.RequestException as exc:
        raise failures.network(exc, url) from exc
    except MalformedResponseError as exc:  # body over the size cap
        if failures.write:
            raise failures.unknown(str(exc)) from exc
        raise
    return Answer(resp.status_code, resp.headers, content)


class RequestMeter:
    """The requests a run sends, per system and endpoint (thread-safe): what a run costs
    the services, recorded in its ``outcome.json`` and said in ``recon run``'s result.

    With a ``limit`` (a profile's ``max_requests``) it is also the run's ceiling: the
    request that would cross it is refused before it is sent, and so is every one after.

    >>> meter = RequestMeter(limit=1, profile="acme")
    >>> meter.count("BigTime", "GET /client/detail/{id}")
    >>> meter.total(), meter.by_system()
    (1, {'BigTime': 1})
    >>> meter.count("Intacct", "query")
    Traceback (most recent call last):
    recon.errors.RequestBudgetExceeded: profile acme stopped at its request ceiling: ...
    """

    def __init__(self, limit: int | None = None, *, profile: str = "") -> None:
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise TypeError(f"limit must be a whole number or None, not {limit!r}")
        if limit is not None and limit < 1:
            raise ConfigError(f"max_requests must be a whole number >= 1, not {limit}")
        self.limit, self.profile = limit, profile
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()
        self._total = 0
        self._refused: RequestBudgetExceeded | None = None

    def count(self, system: str, endpoint: str) -> None:
        """One request of ``system`` to ``endpoint``, about to be sent.

        Raises
        ------
        RequestBudgetExceeded
            It would cross the limit: it is not counted and must not be sent.
        """
        with self._lock:  # the check and the count together: threads never overshoot
            if self.limit is not None and self._total >= self.limit:
                refused = RequestBudgetExceeded(
                    profile=self.profile, limit=self.limit, system=system, endpoint=endpoint,
                    sent=self._by_system(),
                )  # fmt: skip
                self._refused = self._refused or refused
                raise refused
            self._counts[(system, endpoint)] += 1
            self._total += 1

    @property
    def refused(self) -> RequestBudgetExceeded | None:
        """The first request refused at the limit, or None."""
        with self._lock:
            return self._refused

    def total(self) -> int:
        with self._lock:
            return self._total

    def by_system(self) -> dict[str, int]:
        """System -> requests, systems in name order."""
        with self._lock:
            return self._by_system()

    def _by_system(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (system, _), n in self._counts.items():
            out[system] += n
        return dict(sorted(out.items()))

    def by_endpoint(self) -> dict[str, dict[str, int]]:
        """System -> endpoint -> requests, most requested first (JSON-able)."""
        with self._lock:
            items = sorted(self._counts.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))
        out: dict[str, dict[str, int]] = {}
        for (system, endpoint), n in items:
            out.setdefault(system, {})[endpoint] = n
        return out


#: Path segments that name one record (``/client/detail/123``), counted as one endpoint.
_RECORD_ID = re.compile(r"^-?\d+$")


def endpoint_of(method: str, url: str) -> str:
    """``"GET /client/detail/{id}"``: a request's method and path with record ids folded,
    the API root left out (everything up to and including ``/api/v2``)."""
    path = urlsplit(url).path
    _, found, rest = path.partition("/api/v2")
    path = rest if found else path
    parts = ["{id}" if _RECORD_ID.match(p) else p for p in path.split("/")]
    return f"{method.upper()} {'/'.join(parts) or '/'}"


def read_capped(
    resp: requests.Response, limit: int, too_large: Callable[[str | None], MalformedResponseError]
) -> bytes:
    """The whole body, refused with ``too_large(declared)`` once it is over ``limit`` bytes."""
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(declared)
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_content(chunk_size=READ_CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise too_large(None)
        chunks.append(chunk)
    return b"".join(chunks)


def proxies_for(url: str) -> dict[str, str | None] | None:
    """No proxy for a loopback host, else ``None`` (requests' own choice)."""
    # A loopback sandbox must not be sent through an HTTP(S)_PROXY from the environment;
    # None values override the environment's proxies in requests' merge.
    host = urlsplit(url).hostname or ""
    return {"http": None, "https": None} if host in LOOPBACK_HOSTS else None


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters for a log line, saying how much was left out."""
    if len(text) > limit:
        return text[:limit] + f"... ({len(text) - limit} more chars)"
    return text
