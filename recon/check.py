""" "Test connection": sign in to each system of a profile and say in plain words what worked
or what is wrong, and where to fix it.

>>> print(check_connection(load_profile("sandbox")).text())  # doctest: +SKIP
Intacct: connected to company DEMO as user xml_gateway.
BigTime: connected to firm demo-firm with the firm API key.

Intacct: a sign-in (``getAPISession``, docs/specs/intacct-xml-api.md §1.4) through the real client.
BigTime: one cheap authenticated read (:data:`BIGTIME_PROBE`), after ``POST /session`` for a user
login. The success lines carry no timings, ports or URLs, so a notebook can show them as a contract.
Failures name the field or the place in Intacct / BigTime to fix; no secret ever appears (every line
is scrubbed of the profile's secrets as a last guard).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from recon.bigtime import uncertain as bigtime_uncertain
from recon.bigtime.client import BIGTIME_BASE_URL
from recon.config import BigTimeProfile, IntacctProfile, Profile
from recon.connect import bigtime_client, intacct_client
from recon.errors import (
    AuthenticationError,
    ConfigError,
    ControlError,
    GatewayError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ReconError,
    RemoteErrorDetail,
    TransportError,
    XMLSecurityError,
)
from recon.http import origin
from recon.intacct import uncertain as intacct_uncertain
from recon.intacct.client import INTACCT_ENDPOINT

__all__ = [
    "BIGTIME_PROBE",
    "CHECK_CONNECT_TIMEOUT",
    "CHECK_READ_TIMEOUT",
    "CHECK_RETRIES",
    "ConnectionReport",
    "SystemCheck",
    "check_bigtime",
    "check_connection",
    "check_intacct",
    "scrub",
]

#: A person is waiting for the answer: fail fast rather than wait out the clients' long
#: read timeouts and five retries; one retry still rides out a dropped connection.
CHECK_RETRIES = 1
CHECK_CONNECT_TIMEOUT = 5.0
CHECK_READ_TIMEOUT = 30.0
#: The BigTime read used to prove the credentials (``BigTimeClient.vocabulary``): the
#: firm's lexicon is a few dozen bytes, needs no special right and changes nothing
#: (docs/specs/bigtime-rest-api.md §4.11).
BIGTIME_PROBE = bigtime_uncertain.VOCABULARY_PATH
#: Where Intacct keeps the list of senders a company accepts (docs/specs/intacct-xml-api.md §2.5;
#: issue 6).
INTACCT_AUTHORIZATIONS = "Company > Setup > Company > Security > Web Services authorizations"
#: Where BigTime shows firm API keys and the firm id (docs/specs/bigtime-rest-api.md §2.2).
BIGTIME_API_KEYS = "My Company > Integrations > API Keys"
#: Secrets shorter than this are not scrubbed from words: replacing one or two letters
#: everywhere would garble the sentence, and no real password is that short.
_MIN_SCRUB = 4


@dataclass(frozen=True)
class SystemCheck:
    """The outcome of checking one system.

    Attributes
    ----------
    system:
        ``"intacct"`` or ``"bigtime"``.
    ok:
        True when the sign-in (and, for BigTime, one read) worked.
    words:
        One plain-English line, starting with the system's name.
    detail:
        ``(name, value)`` pairs: company, user, entity (Intacct); firm, auth, user (BigTime).
    """

    system: str
    ok: bool
    words: str
    detail: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        """The value of detail ``name`` (``"company"``, ``"firm"`` ...), or None."""
        return dict(self.detail).get(name)


@dataclass(frozen=True)
class ConnectionReport:
    """What "Test connection" found for one profile: one :class:`SystemCheck` per system."""

    profile: str
    checks: tuple[SystemCheck, ...]

    @property
    def ok(self) -> bool:
        """True when every system of the profile answered as it should."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    def system(self, name: str) -> SystemCheck | None:
        """The check of ``"intacct"`` or ``"bigtime"`` (None if the profile lacks it)."""
        return next((c for c in self.checks if c.system == name), None)

    def text(self) -> str:
        """One line per system (stable: no timings, ports or URLs on success)."""
        return "\n".join(c.words for c in self.checks)

    __str__ = text


def check_connection(profile: Profile) -> ConnectionReport:
    """Sign in to Intacct and (if the profile has it) BigTime; never raises for a bad setup.

    Parameters
    ----------
    profile:
        A loaded profile (:func:`recon.config.load_profile`) or one built from a form's
        values (:func:`recon.profiles.profile_from_setup`).

    Example::

        >>> print(recon.check_connection(recon.load_profile("sandbox")).text())
    """
    checks = [check_intacct(profile.intacct)]
    if profile.bigtime is not None:
        checks.append(check_bigtime(profile.bigtime))
    return ConnectionReport(profile.name, tuple(checks))


# --- Intacct ------------------------------------------------------------------------------


def check_intacct(profile: IntacctProfile) -> SystemCheck:
    """Sign in to Intacct with ``profile`` (``getAPISession``); say what happened."""
    secrets = (profile.sender_password.reveal(), profile.user_password.reveal())
    try:
        client = intacct_client(
            profile,
            max_retries=CHECK_RETRIES,
            connect_timeout=CHECK_CONNECT_TIMEOUT,
            read_timeout=CHECK_READ_TIMEOUT,
            concurrency=1,
        )
        with client:
            session = client.login()
    except (ReconError, ValueError) as exc:  # ValueError: a URL urllib cannot even split
        return _failed("intacct", _intacct_trouble(exc, profile), secrets)
    company = session.company_id or profile.company_id
    user = session.user_id or profile.user_id
    entity = session.location_id or profile.entity_id or ""
    where = f"company {company}" + (f", entity {entity}," if entity else "")
    detail = [("company", company), ("user", user)] + ([("entity", entity)] if entity else [])
    words = f"Intacct: connected to {where} as user {user}."
    return SystemCheck("intacct", True, scrub(words, secrets), tuple(detail))


def _intacct_trouble(exc: Exception, p: IntacctProfile) -> str:
    """Plain words for a failed Intacct sign-in (error texts: docs/specs/intacct-xml-api.md §2.4,
    §2.5)."""
    where = _where(p.endpoint)
    url_hint = f"is the endpoint URL right? It is usually {INTACCT_ENDPOINT}"
    shared = _shared_trouble("Intacct", exc, where, "endpoint URL", url_hint)
    if shared is not None:
        return shared
    if isinstance(exc, ControlError) and "XL03000006" in exc.errornos:
        # Control-level XL03000006 "Incorrect Intacct XML Partner ID or password".
        return (
            f"Intacct: the Web Services sender ID {p.sender_id!r} or its sender password is "
            "wrong. Check both (they come with the company's Web Services subscription)."
        )
    if isinstance(exc, AuthenticationError):
        if _mentions(exc.errors, intacct_uncertain.SENDER_NOT_AUTHORIZED_TEXT_FRAGMENTS):
            return (
                f"Intacct: the Web Services sender ID {p.sender_id!r} is not authorised for "
                f"company {p.company_id!r}. In Intacct, go to {INTACCT_AUTHORIZATIONS} and "
                f"add {p.sender_id!r}."
            )
        entity = f" and the entity ID {p.entity_id!r}" if p.entity_id else ""
        return (
            f"Intacct: company {p.company_id!r} refused user {p.user_id!r}: check the company "
            f"ID, the user ID and the user password{entity}. The user must be a Web Services "
            "user of the company."
        )
    if isinstance(exc, ControlError):
        return (
            "Intacct: the sign-in was refused: check the Web Services sender ID and sender "
            "password, and the company ID, user ID and user password."
        )
    if isinstance(exc, MalformedResponseError | XMLSecurityError):
        return f"Intacct: the answer from {where} is not an Intacct XML gateway answer: {url_hint}."
    if isinstance(exc, GatewayError) and exc.status is not None and 300 <= exc.status < 500:
        return f"Intacct: {where} answered HTTP {exc.status}, not Intacct's gateway: {url_hint}."
    if isinstance(exc, GatewayError):
        return f"Intacct: the gateway refused the request ({exc}); try again later."
    return f"Intacct: {exc}"


# --- BigTime ------------------------------------------------------------------------------


def check_bigtime(profile: BigTimeProfile) -> SystemCheck:
    """Sign in to BigTime (user login) and make one cheap read; say what happened."""
    secrets = tuple(s.reveal() for s in (profile.api_token, profile.password) if s is not None)
    try:
        client = bigtime_client(
            profile,
            max_retries=CHECK_RETRIES,
            connect_timeout=CHECK_CONNECT_TIMEOUT,
            timeout=CHECK_READ_TIMEOUT,
            concurrency=1,
        )
        with client:
            session = client.login()
            client.vocabulary()  # decoded and checked: an HTML page is not an answer
    except (ReconError, ValueError) as exc:  # ValueError: a URL urllib cannot even split
        return _failed("bigtime", _bigtime_trouble(exc, profile), secrets)
    firm = session.firm if session is not None else profile.firm
    detail: tuple[tuple[str, str], ...]
    if profile.api_token is not None:
        words = f"BigTime: connected to firm {firm} with the firm API key."
        detail = (("firm", firm), ("auth", "api key"))
    else:
        user = profile.user_id or ""
        words = f"BigTime: signed in to firm {firm} as {user}."
        detail = (("firm", firm), ("auth", "user login"), ("user", user))
    return SystemCheck("bigtime", True, scrub(words, secrets), detail)


def _bigtime_trouble(exc: Exception, p: BigTimeProfile) -> str:
    """Plain words for a failed BigTime check (status meanings: docs/specs/bigtime-rest-api.md
    §3)."""
    where = _where(p.base_url)
    url_hint = f"is the base URL right? It ends in /BigtimeData/api/v2 (usually {BIGTIME_BASE_URL})"
    shared = _shared_trouble("BigTime", exc, where, "base URL", url_hint)
    if shared is not None:
        return shared
    if isinstance(exc, AuthenticationError) and exc.status == 401:
        if p.api_token is not None:
            return (
                f"BigTime: the API key or the firm ID {p.firm!r} was refused (HTTP 401). In "
                f"BigTime, check the key under {BIGTIME_API_KEYS}; the firm ID is shown there."
            )
        return (
            f"BigTime: sign-in refused for {p.user_id!r} (HTTP 401): check the user ID "
            f"(e-mail), the password and the firm ID {p.firm!r}."
        )
    if isinstance(exc, NotFoundError):
        return f"BigTime: {where} answered 'not found' (HTTP 404): {url_hint}."
    if isinstance(exc, PermissionDeniedError):
        return (
            f"BigTime: {where} refused to read the firm's settings (HTTP 405): the user may "
            f"lack the right, or {url_hint}."
        )
    if isinstance(exc, MalformedResponseError):
        return f"BigTime: the answer from {where} is not a BigTime API answer: {url_hint}."
    return f"BigTime: {exc}"


# --- helpers ------------------------------------------------------------------------------


def _shared_trouble(
    system: str, exc: Exception, where: str, url_name: str, url_hint: str
) -> str | None:
    """Words for the troubles both systems share (details, URL, network, rate limit)."""
    if isinstance(exc, ConfigError):
        return f"{system}: the connection details are not complete: {exc}"
    if not isinstance(exc, ReconError):
        return f"{system}: the {url_name} is not a valid URL ({exc}): {url_hint}."
    if isinstance(exc, TransportError):
        return (
            f"{system}: cannot reach {where} ({_reason(exc)}). Check the {url_name} and that "
            "this computer can reach it."
        )
    if isinstance(exc, RateLimitedError):
        return f"{system}: {system} is limiting requests just now (rate limit); try again shortly."
    return None


def _failed(system: str, words: str, secrets: Iterable[str]) -> SystemCheck:
    return SystemCheck(system, False, scrub(words, secrets))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (as a whole token) replaced by ``***``.

    The last guard: whatever an error said, the words do not repeat a secret. Whole tokens
    only, so the demo password ``sandbox`` does not garble the sender ID ``recon-sandbox``;
    secrets shorter than ``_MIN_SCRUB`` are left (no real password is that short).
    """
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= _MIN_SCRUB:
            token = rf"(?<![\w.@-]){re.escape(secret)}(?![\w.@-])"
            text = re.sub(token, "***", text)
    return text


def _where(url: str) -> str:
    """``scheme://host[:port]/path`` of ``url``: never a user:password@ or a query."""
    base = origin(url)
    return base + urlsplit(url).path if base else "the URL given"


def _reason(exc: TransportError) -> str:
    """``could not connect to Intacct (ConnectionError)`` from the transport's message."""
    text = str(exc)
    if " failed: " not in text:
        return type(exc).__name__
    # The transport's own advice ("; check the URL ...") is said by the caller in its words.
    return text.split(" failed: ", 1)[-1].split("; ", 1)[0]


def _mentions(errors: Iterable[RemoteErrorDetail], fragments: Iterable[str]) -> bool:
    texts = [f"{e.description} {e.description2}".lower() for e in errors]
    return any(f in t for f in fragments for t in texts)
