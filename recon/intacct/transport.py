"""Send one Intacct request and get one parsed response: timeouts, size cap, retry policy.

Every Intacct call is a POST, reads included, so retry policy is decided per *operation*
(ENGINEERING-NOTES, urllib3 never retries POST):

- reads retry with exponential backoff and jitter on connection errors, read timeouts,
  HTTP 429 / ``GW-0010`` (honouring ``Retry-After``, capped by
  ``uncertain.RETRY_AFTER_CAP_SECONDS``) and HTTP 5xx -- but never on 524 (spec §1.1: "CDN
  cut connection but Intacct still processing request");
- writes are never retried blindly: a connect failure (the request never left) is retried;
  anything after the request left (read timeout, dropped connection, 5xx, 524, cut or
  unreadable body) raises :class:`WriteOutcomeUnknown` carrying the function control ids, to
  be settled by a resend with the same control ids under ``uniqueid=true``. A 429 is a
  refusal by the gateway before anything ran: it raises :class:`RateLimitedError`.

Logging goes to ``logging.getLogger("recon.intacct")``; every request or response text is
passed through :func:`recon.intacct.redact.redact` first.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from recon import __version__
from recon.errors import (
    GatewayError,
    MalformedResponseError,
    RateLimitedError,
    ReconError,
    TransportError,
    WriteOutcomeUnknown,
    XMLSecurityError,
)
from recon.intacct import uncertain, xmlsafe
from recon.intacct.redact import redact
from recon.intacct.response import Response, parse_response

log = logging.getLogger("recon.intacct")

#: Spec §1.1: 524 means the CDN gave up while Intacct may still be processing.
HTTP_CDN_TIMEOUT = 524
#: Characters of (redacted) XML a DEBUG line shows.
LOG_EXCERPT_CHARS = 4000
#: Hosts that are this machine (sandboxes): never proxied, and interchangeable as endpoints.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_RETRYABLE_NETWORK = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class TransportConfig:
    """Timeouts, retry policy and limits; one place for each (STYLE lesson 4).

    Attributes
    ----------
    connect_timeout, read_timeout:
        Seconds; requests has no default timeout, so both are always passed. The PHP SDK
        waits 300 s for an answer.
    max_retries:
        Extra attempts after the first, for reads (and for writes that never left).
    backoff_base, backoff_max:
        Attempt ``n`` waits ``min(backoff_max, backoff_base * 2**n)``, the upper half of it
        jittered.
    max_response_bytes:
        A longer body is cut off and refused.
    pool_size:
        Keep-alive connections kept per host (at least the query concurrency).
    sleep, jitter:
        Injected for fast tests (``jitter`` returns a float in ``[0, 1)``).
    """

    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_response_bytes: int = xmlsafe.MAX_DOCUMENT_BYTES
    pool_size: int = 10
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (equal jitter)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return ceiling / 2 + ceiling / 2 * self.jitter()


@dataclass(frozen=True)
class Call:
    """What one exchange is about: drives retry policy, messages and redaction."""

    doing: str
    write: bool = False
    controlids: tuple[str, ...] = ()
    session_auth: bool = False
    secrets: tuple[str, ...] = field(default=(), repr=False)


class _Retry(Exception):
    """Internal signal: this attempt failed in a way the policy retries."""

    def __init__(self, final: ReconError, delay: float | None = None) -> None:
        super().__init__(str(final))
        self.final = final
        self.delay = delay


class Transport:
    """One ``requests.Session`` and the one function that sends (:meth:`exchange`)."""

    def __init__(self, config: TransportConfig | None = None) -> None:
        self.config = config or TransportConfig()
        self._session = requests.Session()
        # max_retries=0 is requests' Retry(0, read=False): urllib3 never retries on its own.
        adapter = HTTPAdapter(pool_maxsize=self.config.pool_size, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.headers.update(
            {
                "Content-Type": "application/xml",
                "Accept": "application/xml, text/xml",
                "User-Agent": f"recon/{__version__}",
            }
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
        attempt = 0
        while True:
            try:
                return self._attempt(url, body, call)
            except _Retry as retry:
                if attempt >= self.config.max_retries:
                    raise retry.final from retry.final.__cause__
                delay = retry.delay if retry.delay is not None else self.config.backoff(attempt)
                attempt += 1
                log.warning(
                    "%s: %s; retry %d of %d in %.2f s",
                    call.doing, retry.final, attempt, self.config.max_retries, delay,
                )  # fmt: skip
                self.config.sleep(delay)

    # --- one attempt ------------------------------------------------------------------

    def _attempt(self, url: str, body: bytes, call: Call) -> Response:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s: POST %s (%d bytes) %s", call.doing, url, len(body), _excerpt(body, call))
        try:
            status, content_type, retry_after, content = self._post(url, body)
        except requests.exceptions.RequestException as exc:
            raise _network_failure(exc, call) from exc
        except MalformedResponseError as exc:  # body over the size cap
            if call.write:
                raise _unknown(call, str(exc)) from exc
            raise
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s: HTTP %d (%d bytes) %s", call.doing, status, len(content),
                      _excerpt(content, call))  # fmt: skip
        _check_status(status, content_type, retry_after, call)
        return _parse(content, status, call)

    def _post(self, url: str, body: bytes) -> tuple[int, str, str | None, bytes]:
        resp = self._session.post(
            url,
            data=body,
            timeout=(self.config.connect_timeout, self.config.read_timeout),
            stream=True,  # so the size cap applies while reading, not after
            allow_redirects=False,  # a redirected POST would resend credentials elsewhere
            proxies=_proxies_for(url),
        )
        try:
            content = _read_capped(resp, self.config.max_response_bytes)
        finally:
            resp.close()
        return (
            resp.status_code,
            resp.headers.get("Content-Type", ""),
            resp.headers.get("Retry-After"),
            content,
        )


def _read_capped(resp: requests.Response, limit: int) -> bytes:
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise MalformedResponseError(f"Intacct response too large ({declared} bytes)")
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > limit:
            raise MalformedResponseError(f"Intacct response larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _check_status(status: int, content_type: str, retry_after: str | None, call: Call) -> None:
    """Raise for HTTP statuses that decide the outcome before the body is read as XML."""
    if status == HTTP_CDN_TIMEOUT:
        if call.write:
            raise _unknown(call, "HTTP 524: the CDN gave up but Intacct may still be processing")
        # Spec §1.1: the SDKs never retry 524, for reads either.
        raise GatewayError(
            f"{call.doing} failed: HTTP 524, Intacct took too long; try a smaller page or later",
            status=status,
        )
    if status == 429:
        delay = retry_after_seconds(retry_after)
        exc = RateLimitedError(
            f"{call.doing} failed: HTTP 429, Intacct is rate limiting requests",
            status=status,
            retry_after=delay,
        )
        raise exc if call.write else _Retry(exc, delay)
    if status >= 500:
        if call.write:
            raise _unknown(call, f"HTTP {status} after the request was sent")
        raise _Retry(GatewayError(f"{call.doing} failed: HTTP {status}", status=status))
    if 300 <= status < 400:
        raise GatewayError(f"{call.doing} failed: HTTP {status} redirect refused", status=status)
    if status >= 400 and "xml" not in content_type.lower():
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
        raise _Retry(exc) from exc
    except (XMLSecurityError, MalformedResponseError) as exc:
        if call.write:
            raise _unknown(call, f"unreadable answer ({exc})") from exc
        raise


def _network_failure(exc: requests.exceptions.RequestException, call: Call) -> Exception:
    kind = type(exc).__name__
    if isinstance(exc, requests.exceptions.SSLError):
        return TransportError(
            f"{call.doing} failed: TLS error talking to Intacct ({kind})", operation=call.doing
        )
    if _never_sent(exc):
        final = TransportError(
            f"{call.doing} failed: could not connect to Intacct ({kind})", operation=call.doing
        )
        final.__cause__ = exc
        return _Retry(final)
    if call.write:
        return _unknown(call, f"connection failed after the request was sent ({kind})")
    if isinstance(exc, _RETRYABLE_NETWORK):
        final = TransportError(
            f"{call.doing} failed: no answer from Intacct ({kind})", operation=call.doing
        )
        final.__cause__ = exc
        return _Retry(final)
    return TransportError(f"{call.doing} failed: {kind}", operation=call.doing)


def _never_sent(exc: requests.exceptions.RequestException) -> bool:
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
    return max(0.0, min(seconds, uncertain.RETRY_AFTER_CAP_SECONDS))


def _proxies_for(url: str) -> dict[str, str | None] | None:
    # A loopback sandbox must not be sent through an HTTP(S)_PROXY from the environment;
    # None values override the environment's proxies in requests' merge.
    host = urlsplit(url).hostname or ""
    return {"http": None, "https": None} if host in LOOPBACK_HOSTS else None


def _excerpt(data: bytes, call: Call) -> str:
    text = redact(data, call.secrets)
    if len(text) > LOG_EXCERPT_CHARS:
        return text[:LOG_EXCERPT_CHARS] + f"... ({len(text) - LOG_EXCERPT_CHARS} more chars)"
    return text
