"""BigTime's two ways to authenticate (docs/specs/bigtime-rest-api.md §2), behind one interface.

- :class:`ApiKeyAuth` -- a firm API key, sent on every call as ``X-Auth-ApiToken`` with the
  firm id as ``X-Auth-Realm``. It has no session: a 401 means the key or firm id is wrong
  (or revoked), and signing in again cannot help.
- :class:`SessionAuth` -- a user id and password exchanged by ``POST /session`` for a token,
  then sent as ``X-Auth-Token`` + ``X-Auth-Realm``. Sign-in is lazy (first call) and guarded
  by a lock, so threads reading concurrently share one session. When a token is refused
  (401; tokens expire after 24 h or 7 days, docs/specs/bigtime-rest-api.md §2.1)
  :meth:`SessionAuth.renew` drops it and the caller sends once more, which signs in afresh.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from recon.bigtime import uncertain
from recon.bigtime.normalise import decode_json, encode_json, expect_object, lookup
from recon.bigtime.transport import SYSTEM, AuthKind, Call, Transport
from recon.errors import AuthenticationError, MalformedResponseError

log = logging.getLogger("recon.bigtime")

SESSION_PATH = "/session"
TOKEN_HEADER = "X-Auth-Token"  # noqa: S105 - a header name, not a secret
API_TOKEN_HEADER = "X-Auth-ApiToken"  # noqa: S105 - a header name
REALM_HEADER = "X-Auth-Realm"


class Auth(Protocol):
    """How a request signs itself."""

    kind: AuthKind

    def headers(self) -> dict[str, str]:
        """The auth headers for the next request (a session signs in first if needed)."""
        ...

    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log or a message."""
        ...

    def renew(self, stale: Mapping[str, str]) -> bool:
        """After a 401 of a request sent with ``stale`` headers: True if a retry may help."""
        ...


class ApiKeyAuth:
    """Firm API key: fixed headers, no sign-in, nothing to renew."""

    kind: AuthKind = "apikey"

    def __init__(self, firm: str, api_token: str) -> None:
        self._headers = {API_TOKEN_HEADER: api_token, REALM_HEADER: firm}
        self._token = api_token

    def __repr__(self) -> str:
        return f"ApiKeyAuth(firm={self._headers[REALM_HEADER]!r})"

    def headers(self) -> dict[str, str]:
        return dict(self._headers)

    def secrets(self) -> tuple[str, ...]:
        return (self._token,)

    def renew(self, stale: Mapping[str, str]) -> bool:
        return False  # a refused API key stays refused


@dataclass(frozen=True)
class BigTimeSession:
    """What ``POST /session`` returned (docs/specs/bigtime-rest-api.md §2.1).

    ``repr`` never shows the token.
    """

    token: str = field(repr=False)
    firm: str
    staff_sid: int | None = None
    user_id: Any = None
    first_name: str = ""
    last_name: str = ""
    is_firm_admin: bool = False


class SessionAuth:
    """User sign-in: lazy ``POST /session``, one session shared by all threads."""

    kind: AuthKind = "session"

    def __init__(
        self,
        transport: Transport,
        base_url: str,
        user_id: str,
        password: str,
        firm: str | None = None,
    ) -> None:
        self._transport = transport
        self._base_url = base_url
        self._user_id = user_id
        self._password = password
        self._firm = firm
        self._lock = threading.Lock()
        self._session: BigTimeSession | None = None

    def __repr__(self) -> str:
        return f"SessionAuth(user_id={self._user_id!r}, firm={self._firm!r})"

    @property
    def session(self) -> BigTimeSession | None:
        return self._session

    def headers(self) -> dict[str, str]:
        with self._lock:  # one sign-in at a time; other threads wait and reuse it
            if self._session is None:
                self._session = self._login()
            session = self._session
        return {TOKEN_HEADER: session.token, REALM_HEADER: session.firm}

    def secrets(self) -> tuple[str, ...]:
        session = self._session
        return (self._password, session.token) if session else (self._password,)

    def renew(self, stale: Mapping[str, str]) -> bool:
        with self._lock:
            # Another thread may already have signed in again: keep its fresh session.
            if self._session is not None and self._session.token == stale.get(TOKEN_HEADER):
                self._session = None
        log.info("BigTime refused the session token; signing in again")
        return True

    def login(self) -> BigTimeSession:
        """Sign in now, replacing any current session."""
        with self._lock:
            self._session = self._login()
            return self._session

    def _login(self) -> BigTimeSession:
        body: dict[str, str] = {
            uncertain.SESSION_USER_KEY: self._user_id,
            uncertain.SESSION_PASSWORD_KEY: self._password,
        }
        if self._firm:
            body[uncertain.SESSION_FIRM_KEY] = self._firm
        call = Call.of("POST", SESSION_PATH, auth="login", secrets=(self._password,))
        reply = self._transport.exchange(
            self._base_url + SESSION_PATH, call, body=encode_json(body)
        )
        session = parse_session(decode_json(reply.content, doing=call.operation), call.operation)
        if self._firm and not names_firm(self._firm, session.firm):
            raise AuthenticationError(
                f"BigTime signed {self._user_id} in to firm {session.firm!r}, not the "
                f"configured firm {self._firm!r}; check the firm id",
                system=SYSTEM,
                operation=call.operation,
            )
        log.info("signed in to BigTime firm %s as %s", session.firm, self._user_id)
        return session


def names_firm(configured: str, answered: str) -> bool:
    """Whether a session answer's ``firm`` is the configured one.

    The configured firm may be the numeric tenant id, which BigTime takes as a realm too
    (docs/specs/bigtime-evidence.md §2.1); the answer names the firm by its id, which recon cannot
    hold against a tenant number, so a numeric configured firm is taken as matching.
    """
    return configured.strip().isdigit() or answered.lower() == configured.lower()


def parse_session(data: Any, operation: str = "POST /session") -> BigTimeSession:
    """The session object of a ``POST /session`` answer (keys matched in any case)."""
    obj = expect_object(data, None, doing=operation)
    token = lookup(obj, "token")
    firm = lookup(obj, "firm")
    if not isinstance(token, str) or not token.strip():
        raise MalformedResponseError(
            f"{operation}: BigTime's answer has no session token",
            system=SYSTEM,
            operation=operation,
        )
    if not isinstance(firm, str) or not firm.strip():
        raise MalformedResponseError(
            f"{operation}: BigTime's answer names no firm", system=SYSTEM, operation=operation
        )
    staff_sid = lookup(obj, "staffsid")
    return BigTimeSession(
        token=token,
        firm=firm,
        staff_sid=staff_sid if isinstance(staff_sid, int) else None,
        user_id=lookup(obj, "userid"),
        first_name=str(lookup(obj, "fname") or ""),
        last_name=str(lookup(obj, "sname") or ""),
        is_firm_admin=lookup(obj, "IsFirmAdmin") is True,
    )
