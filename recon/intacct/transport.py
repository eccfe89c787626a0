"""Send one Intacct request and get one parsed response: timeouts, size cap, retry policy.

Every Intacct call is a POST, reads included, so retry policy is decided per *operation*
(docs/ENGINEERING-NOTES.md: urllib3 never retries POST):

- reads retry with exponential backoff and jitter on connection errors, read timeouts,
  HTTP 429 / ``GW-0010`` (honouring ``Retry-After``, capped by
  ``uncertain.RETRY_AFTER_CAP_SECONDS``) and HTTP 5xx, 524 included: the SDKs refuse to
  retry a 524 (spec §1.1: "CDN cut connection but Intacct still processing request")
  because a *write* may still land; a read changes nothing, so asking again is safe, and one
  slow answer must not fail a whole reconcile;
- writes are never retried blindly: a connect failure (the request never left) is retried;
  anything after the request left (read timeout, dropped connection, 5xx, 524, cut or
  unreadable body) raises :class:`WriteOutcomeUnknown` carrying the function control ids, to
  be settled by a resend with the same control ids under ``uniqueid=true``. A 429 is a
  refusal by the gateway before anything ran: it raises :class:`RateLimitedError`.

Logging goes to ``logging.getLogger("recon.intacct")``; every request or response text is
passed through :func:`recon.intacct.redact.redact` first.

Citations: "spec §N" is docs/specs/intacct-xml-api.md.
"""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from recon import http
from recon.errors import (
    GatewayError,
    MalformedResponseError,
    RateLimitedError,
    WriteOutcomeUnknown,
    XMLSecurityError,
)
from recon.http import LOOPBACK_HOSTS as LOOPBACK_HOSTS  # re-exported: its first home
from recon.intacct import uncertain, xmlsafe
from recon.intacct.redact import redact
from recon.intacct.response import Response, parse_response

log = logging.getLogger("recon.intacct")

#: Spec §1.1: 524 means the CDN gave up while Intacct may still be processing.
HTTP_CDN_TIMEOUT = 524
#: Characters of (redacted) XML a DEBUG line shows.
LOG_EXCERPT_CHARS = 4000


@dataclass(frozen=True)
class TransportConfig(http.HttpConfig):
    """Intacct's timeouts, retry policy and limits; one place for each (docs/STYLE.md lesson 4).

    The attributes are those of :class:`recon.http.HttpConfig`; Intacct waits longer and
    backs off more than the shared defaults, like its PHP SDK (which waits 300 s for an
    answer). ``retry_after_cap`` is ``uncertain.RETRY_AFTER_CAP_SECONDS``.
    """

    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    max_retries: int = 5
    backoff_base: float = 0.5
    retry_after_cap: float = uncertain.RETRY_AFTER_CAP_SECONDS
    max_response_bytes: int = xmlsafe.MAX_DOCUMENT_BYTES


@dataclass(frozen=True)
class Call:
    """What one exchange is about: drives retry policy, messages and redaction."""

    doing: str
    write: bool = False
    controlids: tuple[str, ...] = ()
    session_auth: bool = False
    secrets: tuple[str, ...] = field(default=(), repr=False)
    #: Held while the request is on the wire (sent, answer read), not while it is parsed:
    #: the threads of one paged read share it, so at most its concurrency are in flight.
    on_the_wire: threading.Semaphore | None = field(default=None, repr=False, compare=False)


class Transport:
    """One ``requests.Session`` and the one function that sends (:meth:`exchange`)."""

    def __init__(self, config: TransportConfig | None = None) -> None:
        self.config = config or TransportConfig()
        self._session = http.new_session(
            self.config, {"Content-Type": "application/xml", "Accept": "application/xml, text/xml"}
        )

    def close(self) -> None:
        self._session.close()

    def exchange(self, url: str, body: bytes, call: Call) -> Response:
        """POST ``body`` to ``url`` under the retry policy; return the parsed response.

        Raises
        ------
        TransportError, WriteOutcomeUnknown, GatewayError, RateLimitedError,
        MalformedResponseError, XMLSecurityError, ControlError, AuthenticationError
        """
        return http.with_retries(
            lambda: self._attempt(url, body, call), self.config, call.doing, log
        )

    # --- one attempt ------------------------------------------------------------------

    def _attempt(self, url: str, body: bytes, call: Call) -> Response:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s: POST %s (%d bytes) %s", call.doing, url, len(body), _excerpt(body, call))
        limit = self.config.max_response_bytes
        failures = http.Failures(
            "Intacct", call.doing, call.write, partial(_unknown, call), partial(_too_large, limit)
        )
        with call.on_the_wire or nullcontext():
            answer = http.send(
            self._session, self.config, "POST", url, failures, data=body,
            endpoint=call.doing.removeprefix("Intacct "),
        )  # fmt: skip
        status, content = answer.status, answer.content
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s: HTTP %d (%d bytes) %s", call.doing, status, len(content),
                      _excerpt(content, call))  # fmt: skip
        _check_status(answer, call, self.config.retry_after_cap)
        return _parse(content, status, call)


def _too_large(limit: int, declared: str | None) -> MalformedResponseError:
    if declared is not None:
        return MalformedResponseError(f"Intacct response too large ({declared} bytes)")
    return MalformedResponseError(f"Intacct response larger than {limit} bytes")


def _check_status(answer: http.Answer, call: Call, retry_after_cap: float) -> None:
    """Raise for HTTP statuses that decide the outcome before the body is read as XML."""
    status = answer.status
    if status == HTTP_CDN_TIMEOUT:
        if call.write:
            raise _unknown(call, "HTTP 524: the CDN gave up but Intacct may still be processing")
        # A read is safe to ask again (the SDKs' refusal is about writes): retried like a 5xx.
        raise http.RetrySignal(
            GatewayError(
                f"{call.doing} failed: HTTP 524, Intacct took too long; try a smaller page "
                "or later",
                status=status,
            )
        )
    if status == 429:
        delay = http.retry_after_seconds(answer.headers.get("Retry-After"), cap=retry_after_cap)
        exc = RateLimitedError(
            f"{call.doing} failed: HTTP 429, Intacct is rate limiting requests",
            status=status,
            retry_after=delay,
        )
        raise exc if call.write else http.RetrySignal(exc, delay)
    if status >= 500:
        if call.write:
            raise _unknown(call, f"HTTP {status} after the request was sent")
        raise http.RetrySignal(GatewayError(f"{call.doing} failed: HTTP {status}", status=status))
    if 300 <= status < 400:
        raise GatewayError(f"{call.doing} failed: HTTP {status} redirect refused", status=status)
    if status >= 400 and "xml" not in answer.headers.get("Content-Type", "").lower():
        raise GatewayError(f"{call.doing} failed: HTTP {status}", status=status)


def _parse(content: bytes, status: int, call: Call) -> Response:
    try:
        return parse_response(
            content,
            doing=call.doing,
            session_auth=call.session_auth,
            secrets=call.secrets,
            http_status=status,
        )
    except RateLimitedError as exc:  # GW-0010 in the body of a 200/4xx
        if call.write:
            raise
        raise http.RetrySignal(exc) from exc
    except (XMLSecurityError, MalformedResponseError) as exc:
        if call.write:
            raise _unknown(call, f"unreadable answer ({exc})") from exc
        raise


def _unknown(call: Call, why: str) -> WriteOutcomeUnknown:
    ids = ", ".join(call.controlids) or "(none)"
    return WriteOutcomeUnknown(
        f"{call.doing}: {why}; the write may or may not have been applied. Settle it by "
        f"resending with the same control IDs ({ids}) -- never with new ones",
        system="intacct",
        operation=call.doing,
        controlids=call.controlids,
    )


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` (seconds or HTTP date) in seconds, capped; ``None`` if absent/invalid."""
    return http.retry_after_seconds(value, cap=uncertain.RETRY_AFTER_CAP_SECONDS, now=now)


def _excerpt(data: bytes, call: Call) -> str:
    return http.clip(redact(data, call.secrets), LOG_EXCERPT_CHARS)
