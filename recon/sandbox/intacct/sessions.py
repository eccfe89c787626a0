"""API sessions: opaque ids, sliding expiry, and a switch that expires them all.

Sliding expiry: docs/specs/intacct-xml-api.md §1.4.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from recon.sandbox.sessions import SessionTable


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


class SessionRegistry(SessionTable[Session]):
    """Intacct's API sessions, thread-safe; any use before expiry extends it by ``ttl`` seconds.

    Parameters
    ----------
    ttl:
        Session duration in seconds (Intacct's is company configuration: 1 h here by default).
    clock:
        Seconds since the epoch (tests pass a fake clock).
    """

    def create(self, userid: str, companyid: str, locationid: str) -> Session:
        # Observed ids are ~30 URL-safe characters ending in "..".
        sessionid = secrets.token_urlsafe(22) + ".."
        return self.add(
            sessionid, lambda expires: Session(sessionid, userid, companyid, locationid, expires)
        )
