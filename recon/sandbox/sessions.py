"""Sliding-expiry session tables both sandboxes use.

Intacct: docs/specs/intacct-xml-api.md §1.4; BigTime: docs/specs/bigtime-rest-api.md §2.1.

A session lives ``ttl`` seconds after its last use; the clock is injected so tests can age
sessions without waiting, and :meth:`SessionTable.expire_all` is the ``expire_session``
fault. What a session holds, and how its id is made, stays with each sandbox.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class Expiring(Protocol):
    """A session: anything with a settable expiry time (seconds since the epoch)."""

    expires_at: float


S = TypeVar("S", bound=Expiring)


class SessionTable(Generic[S]):
    """Thread-safe sessions by id; any use before expiry extends it by ``ttl`` seconds.

    Parameters
    ----------
    ttl:
        Session lifetime in seconds after its last use.
    clock:
        Seconds since the epoch (tests pass a fake clock).
    """

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self.ttl = ttl
        self._clock = clock
        self._sessions: dict[str, S] = {}
        # The last ids handed out, live or not: a test searches recon's output for them.
        self._issued: deque[str] = deque(maxlen=10_000)
        self._lock = threading.Lock()

    def add(self, key: str, make: Callable[[float], S]) -> S:
        """Keep ``make(expires_at)`` under ``key`` (a secret id) and return it."""
        session = make(self._clock() + self.ttl)
        with self._lock:
            self._sessions[key] = session
            self._issued.append(key)
        return session

    def issued(self) -> tuple[str, ...]:
        """The ids of the last 10,000 sessions issued (expired ones too)."""
        with self._lock:
            return tuple(self._issued)

    def touch(self, key: str) -> S | None:
        """The live session with this id, its expiry pushed forward; ``None`` if invalid."""
        now = self._clock()
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            if session.expires_at <= now:
                del self._sessions[key]
                return None
            session.expires_at = now + self.ttl
            return session

    def expire_all(self) -> int:
        """Invalidate every session (fault injection); returns how many there were."""
        with self._lock:
            n = len(self._sessions)
            self._sessions.clear()
            return n
