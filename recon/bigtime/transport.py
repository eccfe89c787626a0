"""Send one BigTime request and get one status-checked body: timeouts, size cap, retries.

The retry policy is decided per *operation*, not per HTTP method (docs/ENGINEERING-NOTES.md:
urllib3 never retries POST, and BigTime reads include ``POST /session``):

- reads (GET, and ``POST /session``) retry with exponential backoff and jitter on
  connection errors, read timeouts, cut bodies, HTTP 429 (honouring ``Retry-After``, capped
  by ``uncertain.RETRY_AFTER_CAP_SECONDS``) and HTTP 5xx;
- writes (any other POST, DELETE) are never retried blindly. BigTime has no idempotency
  key, so a connect failure (the request never left) is the only failure retried; anything
  after the request may have left (read timeout, dropped connection, 5xx, 524, a cut or
  oversized body) raises :class:`WriteOutcomeUnknown`, to be settled by reading back
  (:mod:`recon.bigtime.settle`). A 429 refuses the request before anything ran: it raises
  :class:`RateLimitedError`. 400/401/404/405 are definite refusals.

Status codes become the exception tree of :mod:`recon.errors` with the server's own message
(spec §3; body keys in ``uncertain.ERROR_MESSAGE_KEYS``). Logging goes to
``logging.getLogger("recon.bigtime")``; every header, parameter and body excerpt passes
through :mod:`recon.bigtime.redact` first.

Citations: "spec §N" is docs/specs/bigtime-rest-api.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Literal, TypeVar

from recon import http
from recon.bigtime import uncertain
from recon.bigtime.normalise import body_problem, lookup
from recon.bigtime.redact import redact, redact_headers, redact_params
from recon.errors import (
    AuthenticationError,
    FunctionError,
    GatewayError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RemoteError,
    RemoteErrorDetail,
    SessionExpiredError,
    ValidationError,
    WriteOutcomeUnknown,
)

log = logging.getLogger("recon.bigtime")

SYSTEM = "bigtime"
_RemoteT = TypeVar("_RemoteT", bound=RemoteError)

#: Bodies longer than this are refused. A firm's largest answer is a year of one staffer's
#: time sheet or the invoice history: a few MB. Generous, but bounded.
MAX_RESPONSE_BYTES = 128 * 1024 * 1024
#: Characters of (redacted) body a DEBUG line shows; of a server message an exception shows.
LOG_EXCERPT_CHARS = 2000
MESSAGE_CHARS = 300
#: How a request authenticates; drives what a 401 means (spec §2).
AuthKind = Literal["apikey", "session", "login", "none"]
#: The hint the issue asks for when an API key is refused.
API_KEY_HINT = "check the API key and firm id (My Company > Integrations > API Keys / Company Info)"
#: Hosts the session keeps a connection pool for (requests' default is 10): one API host.
POOL_CONNECTIONS = 2


def is_write(method: str, path: str) -> bool:
    """POST and DELETE are writes, except ``POST /session`` (a sign-in changes nothing) and
    the POSTs that only read (:data:`recon.bigtime.uncertain.READ_POSTS`)."""
    method = method.upper()
    bare = path.split("?", 1)[0].rstrip("/").lower()
    if method == "POST" and (bare == "/session" or bare in uncertain.READ_POSTS):
        return False
    return method in ("POST", "DELETE", "PUT", "PATCH")


@dataclass(frozen=True)
class TransportConfig(http.HttpConfig):
    """BigTime's timeouts, retry policy and limits; one place for each (docs/STYLE.md lesson 4).

    The attributes are those of :class:`recon.http.HttpConfig`, whose timeouts and backoff
    BigTime keeps (5 s to connect, 30 s to answer, 4 retries from 0.25 s); its own are the
    body cap and ``uncertain.RETRY_AFTER_CAP_SECONDS``.
    """

    retry_after_cap: float = uncertain.RETRY_AFTER_CAP_SECONDS
    max_response_bytes: int = MAX_RESPONSE_BYTES


@dataclass(frozen=True)
class Call:
    """What one exchange is: method, API path (for messages), read or write, how it signs.

    ``path`` is relative to the API root and carries no query string, so
    ``operation`` reads ``"POST /time"`` or ``"GET /client/detail/12"``.
    """

    method: str
    path: str
    write: bool = False
    auth: AuthKind = "none"
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def of(
        cls, method: str, path: str, auth: AuthKind = "none", secrets: tuple[str, ...] = ()
    ) -> Call:
        """A call classified read or write by :func:`is_write`."""
        method = method.upper()
        return cls(method, path, is_write(method, path), auth, secrets)

    @property
    def operation(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Reply:
    """A 2xx answer: status, headers and the raw body."""

    status: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)


class Transport:
    """One ``requests.Session`` and the one function that sends (:meth:`exchange`).

    Thread-safe for concurrent reads: the session only pools connections.
    """

    def __init__(self, config: TransportConfig | None = None) -> None:
        self.config = config or TransportConfig()
        self._session = http.new_session(
            self.config, {"Accept": "application/json"}, pool_connections=POOL_CONNECTIONS
        )

    def close(self) -> None:
        self._session.close()

    def exchange(
        self,
        url: str,
        call: Call,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send ``call`` to ``url`` under the retry policy; return the 2xx answer.

        Raises
        ------
        ValidationError, AuthenticationError, SessionExpiredError, NotFoundError,
        PermissionDeniedError, RateLimitedError, GatewayError, FunctionError,
        MalformedResponseError, TransportError, WriteOutcomeUnknown
        """
        return http.with_retries(
            lambda: self._attempt(url, call, params, body, headers or {}),
            self.config,
            call.operation,
            log,
        )

    # --- one attempt ------------------------------------------------------------------

    def _attempt(
        self,
        url: str,
        call: Call,
        params: Mapping[str, str] | None,
        body: bytes | None,
        headers: Mapping[str, str],
    ) -> Reply:
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s: %s %s params=%s headers=%s body=%s",
                call.operation, call.method, url, redact_params(params),
                redact_headers(headers), _excerpt(body or b"", call),
            )  # fmt: skip
        extra = dict(headers)
        if body is not None:
            extra["Content-Type"] = "application/json; charset=utf-8"
        answer = http.send(
            self._session,
            self.config,
            call.method,
            url,
            _failures(call, self.config.max_response_bytes),
            data=body,
            params=dict(params) if params else None,
            headers=extra,
        )
        reply = Reply(answer.status, answer.content, dict(answer.headers))
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s: HTTP %d (%d bytes) %s",
                call.operation, reply.status, len(reply.content), _excerpt(reply.content, call),
            )  # fmt: skip
        check_status(reply, call, self.config.retry_after_cap)
        return reply


def _failures(call: Call, limit: int) -> http.Failures:
    """How the shared HTTP layer words this call's failures."""
    return http.Failures(
        "BigTime",
        call.operation,
        call.write,
        unknown=partial(_unknown, call),
        too_large=partial(_too_large, call, limit),
        system=SYSTEM,
        lost_write="the connection failed after the request was sent ({kind})",
    )


def _too_large(call: Call, limit: int, declared: str | None) -> MalformedResponseError:
    size = f"{declared} bytes" if declared is not None else f"more than {limit} bytes"
    return MalformedResponseError(
        f"{call.operation}: BigTime's answer is too large ({size})",
        system=SYSTEM,
        operation=call.operation,
    )


# --- status -> exception ----------------------------------------------------------------

#: Definite refusals: (exception type, what the status means), spec §3.
_REFUSALS: Mapping[int, tuple[type[RemoteError], str]] = {
    400: (ValidationError, "BigTime refused the request as invalid"),
    403: (PermissionDeniedError, "BigTime refused access"),
    404: (NotFoundError, "no such record or route"),
    # Spec §3: "an invalid permission will return a 405"; it is also the wrong-verb code.
    405: (PermissionDeniedError, "not permitted (no permission, or wrong method for the route)"),
}


def check_status(reply: Reply, call: Call, retry_after_cap: float) -> None:
    """Raise the exception a non-2xx answer means (or the retry signal for reads)."""
    status = reply.status
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        raise _remote(GatewayError, call, status, "redirect refused", reply.content)
    if status == 401:
        raise _unauthorised(call, reply.content)
    if status == 429:
        delay = retry_after_seconds(reply.headers.get("Retry-After"), cap=retry_after_cap)
        exc = _remote(RateLimitedError, call, status, "BigTime is rate limiting", reply.content)
        exc.retry_after = delay
        raise exc if call.write else http.RetrySignal(exc, delay)
    if status >= 500:
        if call.write:
            raise _unknown(call, f"HTTP {status} after the request was sent")
        raise http.RetrySignal(
            _remote(GatewayError, call, status, "BigTime server error", reply.content)
        )
    kind, meaning = _REFUSALS.get(status, (FunctionError, "BigTime refused the request"))
    raise _remote(kind, call, status, meaning, reply.content)


def _unauthorised(call: Call, content: bytes) -> RemoteError:
    if call.auth == "session":
        # A fresh POST /session fixes it (spec §2.1); the client signs in once more.
        return _remote(SessionExpiredError, call, 401, "the session token was refused", content)
    if call.auth == "apikey":
        return _remote(
            AuthenticationError, call, 401, f"the API key was refused; {API_KEY_HINT}", content
        )
    if call.auth == "login":
        return _remote(
            AuthenticationError, call, 401,
            "sign-in refused; check the user id, password and firm id", content,
        )  # fmt: skip
    return _remote(AuthenticationError, call, 401, "not signed in", content)


def _remote(
    kind: type[_RemoteT], call: Call, status: int, meaning: str, content: bytes
) -> _RemoteT:
    said = server_message(content, call.secrets)
    if said:
        detail = said
        message = f"{call.operation} failed (HTTP {status}): {meaning}: {said}"
    else:
        detail = body_problem(content) or "no message"
        message = f"{call.operation} failed (HTTP {status}): {meaning} ({detail})"
    return kind(
        message,
        system=SYSTEM,
        operation=call.operation,
        status=status,
        errors=(RemoteErrorDetail(errorno=str(status), description=detail),),
    )


def server_message(content: bytes, secrets: tuple[str, ...] = ()) -> str:
    """The message of a BigTime error body, one line, bounded and redacted; ``""`` if none.

    The body shape is NOT FOUND (spec §3); ``uncertain.ERROR_MESSAGE_KEYS`` lists the keys
    tried. HTML pages and empty bodies give ``""`` -- a page is never put in a message.
    """
    if body_problem(content):
        return ""
    try:
        data: Any = json.loads(content)
    except (ValueError, RecursionError):
        return ""
    text = ""
    if isinstance(data, str):
        text = data
    elif isinstance(data, dict):
        for key in uncertain.ERROR_MESSAGE_KEYS:
            value = lookup(data, key)
            if isinstance(value, str) and value.strip():
                text = value
                break
    text = " ".join(redact(text, secrets).split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."


# --- write outcomes and helpers --------------------------------------------------------


def unknown_outcome(operation: str, why: str) -> WriteOutcomeUnknown:
    """The error for a BigTime write whose outcome cannot be known from its answer."""
    return WriteOutcomeUnknown(
        f"{operation}: {why}; the write may or may not have been applied. BigTime has no "
        "idempotency key: settle it by reading the record back (settle_create / "
        "settle_update) -- never by a blind resend",
        system=SYSTEM,
        operation=operation,
    )


def _unknown(call: Call, why: str) -> WriteOutcomeUnknown:
    return unknown_outcome(call.operation, why)


def retry_after_seconds(
    value: str | None,
    *,
    cap: float = uncertain.RETRY_AFTER_CAP_SECONDS,
    now: datetime | None = None,
) -> float | None:
    """``Retry-After`` (seconds or HTTP date) in seconds, capped; ``None`` if absent/invalid."""
    return http.retry_after_seconds(value, cap=cap, now=now)


def _excerpt(data: bytes, call: Call) -> str:
    return http.clip(redact(data, call.secrets), LOG_EXCERPT_CHARS)
