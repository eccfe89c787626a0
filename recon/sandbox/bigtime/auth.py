"""Who may call: firm API keys (permanent) and user sessions (sliding expiry), spec §2.

A call authenticates with ``X-Auth-ApiToken`` + ``X-Auth-Realm`` (a firm API key) or
``X-Auth-Token`` + ``X-Auth-Realm`` (a session from ``POST /session``). The realm must be
the firm the key or session belongs to: its id (slug) or its numeric tenant id, which a live
firm also took (ev §2.1, OBS). Keys and tokens are secrets: they never appear in a repr, a
log line or an answer other than the login that issued them.

The ``expire_session`` fault ends every session (:meth:`Auth.expire_all`); keys never
expire, but the fault's ``refuse_key`` option refuses the key of the one request it fires
on (``check(..., refuse_key=True)``: 401 as for an unknown key).

Citations: "spec §N" is docs/specs/bigtime-rest-api.md, "ev §N"
docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from recon.sandbox import credentials as demo_secrets
from recon.sandbox.bigtime import FIRM, TENANT_ID, USER_ID, guesses
from recon.sandbox.sessions import SessionTable


@dataclass(frozen=True)
class User:
    """A BigTime login. ``password`` is kept out of the repr."""

    user_id: str
    password: str = field(repr=False)
    firm: str
    number: int
    is_admin: bool = True


@dataclass
class Session:
    """One user session. ``token`` is a secret: it is kept out of the repr."""

    token: str = field(repr=False)
    user: User
    expires_at: float


@dataclass(frozen=True)
class Caller:
    """Who made an authenticated call."""

    firm: str
    user: User | None  # None for a firm API key


class Auth:
    """API keys and sessions of the sandbox.

    Parameters
    ----------
    ttl:
        Session lifetime in seconds, pushed forward on every use (sliding).
    clock:
        Seconds since the epoch (tests pass a fake clock).
    api_keys, users:
        Key -> firm, and the users who may log in; the demo credentials by default.
    tenants:
        Firm -> its numeric tenant id (the realm header takes either); the demo firm's by
        default.
    """

    def __init__(
        self,
        ttl: float = guesses.DEFAULT_SESSION_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
        *,
        api_keys: Mapping[str, str] | None = None,
        users: tuple[User, ...] | None = None,
        tenants: Mapping[str, str] | None = None,
    ) -> None:
        self._keys = dict(api_keys or {demo_secrets.bigtime_api_token(): FIRM})
        self._tenants = dict({FIRM: TENANT_ID} if tenants is None else tenants)
        password = demo_secrets.bigtime_password()
        demo = User(USER_ID, password, FIRM, guesses.DEMO_USER_NUMBER)
        self._users = {u.user_id.lower(): u for u in users or (demo,)}
        self._sessions: SessionTable[Session] = SessionTable(ttl, clock)

    @property
    def ttl(self) -> float:
        """Session lifetime in seconds after its last use."""
        return self._sessions.ttl

    def issued(self) -> tuple[str, ...]:
        """The tokens of the sessions issued so far (tests search recon's output for them)."""
        return self._sessions.issued()

    def login(self, user_id: str, password: str, firm: str | None) -> Session | None:
        """A new session, or None when the user, password or (given) firm is wrong."""
        user = self._users.get(user_id.strip().lower())
        if user is None or not hmac.compare_digest(user.password.encode(), password.encode()):
            return None
        if firm and not self.is_realm_of(firm.strip(), user.firm):
            return None
        token = secrets.token_urlsafe(24)
        return self._sessions.add(token, lambda expires: Session(token, user, expires))

    def check(self, headers: Mapping[str, str], *, refuse_key: bool = False) -> Caller | None:
        """The caller of a request with these headers (names any case), or None (401).

        ``refuse_key`` refuses an API key for this one check, as if it were unknown (fault
        injection: a revoked key, or auth having a bad moment); sessions are unaffected.
        """
        lowered = {k.lower(): v.strip() for k, v in headers.items()}
        realm = lowered.get("x-auth-realm")
        if not realm:
            return None
        key = lowered.get("x-auth-apitoken")
        if key:
            if refuse_key:
                return None
            firm = self._firm_of_key(key)
            return Caller(firm, None) if firm and self.is_realm_of(realm, firm) else None
        token = lowered.get("x-auth-token")
        session = self._sessions.touch(token) if token else None
        if session is None or not self.is_realm_of(realm, session.user.firm):
            return None
        return Caller(session.user.firm, session.user)

    def is_realm_of(self, realm: str, firm: str) -> bool:
        """True when ``realm`` names ``firm``: its id or its numeric tenant id (ev §2.1)."""
        return realm == firm or realm == self._tenants.get(firm)

    def _firm_of_key(self, key: str) -> str | None:
        for known, firm in self._keys.items():
            if hmac.compare_digest(known.encode(), key.encode()):
                return firm
        return None

    def expire_all(self) -> int:
        """Invalidate every session (fault injection); API keys stay valid. Returns how many."""
        return self._sessions.expire_all()
