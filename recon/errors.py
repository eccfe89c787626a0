"""One exception tree for recon, rooted at :class:`ReconError`.

Modelled on requests' tree: the type says what the caller may do next. What exists::

    ReconError
    ├── ConfigError              the user's input: a profile, parameter, setting or file
    ├── PlanError                a plan or change built wrong (a bug, not the user's input)
    ├── StoreConflict            the store's state forbids the step (nothing was written)
    ├── XMLSecurityError         a document the hardened XML parser refused
    ├── RemoteError              the remote system answered with a failure
    │   ├── ControlError             Intacct refused the whole request
    │   ├── AuthenticationError      wrong credentials, or a sender not authorised
    │   │   └── SessionExpiredError      a fresh login fixes it
    │   ├── FunctionError            one function (or BigTime call) was refused
    │   │   ├── TransactionAbortedError  rolled back with a failed sibling
    │   │   ├── ReplayRefusedError       the control id already ran
    │   │   ├── ValidationError          BigTime 400
    │   │   ├── NotFoundError            BigTime 404
    │   │   └── PermissionDeniedError    BigTime 405
    │   ├── GatewayError             refused before the API ran
    │   │   └── RateLimitedError         429 / GW-0010: back off (never ran: safe to resend)
    │   └── MalformedResponseError   an answer recon cannot read
    ├── TransportError           no usable answer arrived (a read may be retried)
    │   └── WriteOutcomeUnknown      a write that may or may not have been applied
    ├── OutcomeUnconfirmed       a write's record does not show it: still in doubt
    └── RequestBudgetExceeded    a run reached its request ceiling: the pull stops

A read is retried within the transport's bounded policy on a transport failure, a 5xx and a
rate limit; a write whose outcome is unknown (:class:`WriteOutcomeUnknown`) is settled --
resent with the same idempotency key, or read back -- never retried blindly.

Exceptions carry system, operation, control id and status -- never payloads, passwords,
tokens or session ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ReconError(Exception):
    """Root of every error recon raises on purpose.

    Example::

        >>> try:
        ...     run = recon.reconcile_run("acme", start="2025-10-01", end="2025-10-31")
        >>> except recon.ReconError as exc:  # anything recon refused or could not do
        ...     print(exc)
    """


class ConfigError(ReconError, ValueError):
    """A bad profile, parameter or configuration value supplied by the user.

    Example::

        >>> try:
        ...     recon.load_profile("no-such-profile")
        >>> except recon.ConfigError as exc:
        ...     print(exc)  # what is wrong and what to do
    """


class PlanError(ReconError, ValueError):
    """A plan or change that cannot be right: built from inputs of the wrong kind, holding
    a change id twice, or stored and not reading back. A bug in the code that built it (a
    script, a notebook cell or recon itself), never in the user's settings."""


class StoreConflict(ReconError):
    """The store's state forbids the step asked: a run id used twice, a plan saved over
    another, a decision on a change already sent or only reviewable, a push state that
    cannot follow the current one, a person deciding on a run they prepared. Nothing was
    written; the message says which state holds and what to do instead."""


class XMLSecurityError(ReconError, ValueError):
    """A document was refused by the hardened XML parser (DOCTYPE, entities, depth, syntax)."""


@dataclass(frozen=True)
class RemoteErrorDetail:
    """One ``<error>`` of an Intacct ``<errormessage>`` (or one BigTime message)."""

    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""

    def text(self) -> str:
        """The SDK convention: non-empty pieces joined by spaces."""
        parts = [self.errorno, self.description, self.description2, self.correction]
        return " ".join(p.strip() for p in parts if p and p.strip())


class RemoteError(ReconError):
    """The remote system answered, and the answer was a failure.

    Parameters
    ----------
    message:
        One human sentence: what went wrong and what to do.
    system:
        ``"intacct"`` or ``"bigtime"``.
    operation:
        The function or endpoint, e.g. ``"readByQuery"``.
    errors:
        The remote error details, most specific first.
    controlid:
        The function control id (Intacct) when there is one.
    status:
        HTTP status code when it is meaningful.
    """

    def __init__(
        self,
        message: str,
        *,
        system: str = "intacct",
        operation: str = "",
        errors: tuple[RemoteErrorDetail, ...] = (),
        controlid: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.system = system
        self.operation = operation
        self.errors = tuple(errors)
        self.controlid = controlid
        self.status = status

    @property
    def errorno(self) -> str:
        """The first (most specific) error number, or ``""``."""
        return self.errors[0].errorno if self.errors else ""

    @property
    def errornos(self) -> tuple[str, ...]:
        return tuple(e.errorno for e in self.errors)

    def __str__(self) -> str:
        return self.message


class ControlError(RemoteError):
    """Intacct refused the whole request (sender credentials, XML syntax): nothing ran."""


class AuthenticationError(RemoteError):
    """Wrong company, user, password, or a sender not authorised for the company."""


class SessionExpiredError(AuthenticationError):
    """The session id is invalid or expired; a fresh login fixes it."""


class FunctionError(RemoteError):
    """One function in a request failed (validation, not found, duplicate id ...)."""


class TransactionAbortedError(FunctionError):
    """A function rolled back because another in the same ``transaction="true"`` failed."""


class ReplayRefusedError(FunctionError):
    """Intacct refused a function control id it had already executed (``uniqueid=true``).

    For a resend of a write this means the first send was applied.
    """


class ValidationError(FunctionError):
    """BigTime HTTP 400: the request was refused as invalid (required field, bad reference)."""


class NotFoundError(FunctionError):
    """BigTime HTTP 404: no such record or route."""


class PermissionDeniedError(FunctionError):
    """BigTime HTTP 405: the signed-in user lacks the right (BigTime's documented meaning)."""


class GatewayError(RemoteError):
    """Intacct's gateway (``GW-nnnn``) or an HTTP-level failure before the API ran."""


class RateLimitedError(GatewayError):
    """HTTP 429 / ``GW-0010``: too many requests; back off."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class TransportError(ReconError):
    """The network failed: no usable answer arrived."""

    def __init__(self, message: str, *, system: str = "", operation: str = "") -> None:
        super().__init__(message)
        self.system = system
        self.operation = operation


class WriteOutcomeUnknown(TransportError):
    """A write was sent and no usable answer came back: it may or may not have applied.

    Settle it by resending with the same idempotency key (Intacct ``uniqueid``) or by
    reading the record back (BigTime) -- never by a blind resend.
    """

    def __init__(
        self,
        message: str,
        *,
        system: str = "",
        operation: str = "",
        controlids: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, system=system, operation=operation)
        self.controlids = controlids


class OutcomeUnconfirmed(ReconError):
    """A write of unknown outcome was looked into, and the target does not show it.

    The evidence that it ran (Intacct refusing its control id as a replay) is not matched
    by the record: it does not hold every value the change writes, compared exactly. The
    change stays in doubt -- never "applied" on weaker evidence -- and the message says
    what the record holds instead.
    """


class MalformedResponseError(RemoteError):
    """The remote system answered with something that is not a valid response."""


class RequestBudgetExceeded(ReconError):
    """A run reached its profile's request ceiling (``max_requests``): the request that
    would cross it was not sent, and neither is any after it.

    Not a failure of one read (:func:`concerns_one_read` is False): the pull stops, as it
    does for refused credentials, rather than carrying on with the entity left unread --
    every later read would be refused too. The message names the profile, the ceiling, the
    requests sent per system and the one refused, and what to do.

    Attributes
    ----------
    profile:
        The profile whose run it was (``""`` when the meter was not told).
    limit:
        The ceiling: requests a run may send, both systems together.
    system, endpoint:
        The request refused (``"BigTime"``, ``"GET /client/detail/{id}"``).
    sent:
        Requests sent per system when it was refused (``{"BigTime": 464, "Intacct": 36}``).
    """

    def __init__(
        self, *, profile: str, limit: int, system: str, endpoint: str, sent: dict[str, int]
    ) -> None:
        self.profile, self.limit = profile, limit
        self.system, self.endpoint, self.sent = system, endpoint, dict(sent)
        each = ", ".join(f"{name} {n:,}" for name, n in sorted(self.sent.items()))
        whose = f"profile {profile}" if profile else "this run"
        table = f"[profiles.{profile}]" if profile else "the profile"
        super().__init__(
            f"{whose} stopped at its request ceiling: it has sent {limit:,} requests, its "
            f"max_requests ({each or 'none'}), and the next one, {system} {endpoint}, would "
            "have crossed it. The pull stopped there: nothing was compared, no plan was saved "
            f"and nothing was pushed. Raise max_requests under {table} in config.toml, or "
            "narrow the run: fewer entities, or a shorter period (start, end)."
        )


def concerns_one_read(exc: BaseException) -> bool:
    """Whether ``exc``, raised by a read, concerns that read alone, so the others may go on.

    It does when the system answered this request with a failure: a BigTime 404 (a guessed
    path this firm does not have), 405 or a 5xx after the retries, an Intacct function error,
    a malformed answer. It does not when nothing else could be read either: the credentials
    were refused (:class:`AuthenticationError`), Intacct refused the whole request
    (:class:`ControlError`), or no answer came at all (:class:`TransportError`: the host
    is unreachable) -- nor for a :class:`ConfigError`, a :class:`RequestBudgetExceeded`
    (the run's ceiling: no read after it would be sent either) or a bug.
    """
    return isinstance(exc, RemoteError) and not isinstance(exc, AuthenticationError | ControlError)
