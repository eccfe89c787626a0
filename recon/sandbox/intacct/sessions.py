"""API sessions: opaque ids, sliding expiry (spec §1.4), and a switch that expires them all."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Session:
    """One API session. ``sessionid`` is a secret: it is kept out of the repr."""

    sessionid: str
    userid: str
    companyid: str
    locationid: str
    expires_at: float

    def __repr__(self) -> str:
        return f"Session(userid={self.userid!r}, companyid={self.companyid!r}, ...)"


class SessionRegistry:
    """Thread-safe sessions; any use before expiry extends it by ``ttl`` seconds.

    Parameters
    ----------
    ttl:
        Session duration in seconds (Intacct's is company configuration: 1 h here by default).
    clock:
        Seconds since the epoch (tests pass a fake clock).
    """

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self.ttl = ttl
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, userid: str, companyid: str, locationid: str) -> Session:
        # Observed ids are ~30 URL-safe characters ending in "..".
        sessionid = secrets.token_urlsafe(22) + ".."
        session = Session(sessionid, userid, companyid, locationid, self._clock() + self.ttl)
        with self._lock:
            self._sessions[sessionid] = session
        return session

    def touch(self, sessionid: str) -> Session | None:
        """The live session with this id, its expiry pushed forward; ``None`` if invalid."""
        now = self._clock()
        with self._lock:
            session = self._sessions.get(sessionid)
            if session is None:
                return None
            if session.expires_at <= now:
                del self._sessions[sessionid]
                return None
            session.expires_at = now + self.ttl
            return session

    def expire_all(self) -> int:
        """Invalidate every session (fault injection); returns how many there were."""
        with self._lock:
            n = len(self._sessions)
            self._sessions.clear()
            return n
