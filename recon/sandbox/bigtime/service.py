"""One API request -> one answer, with no HTTP: root, route, verb, auth, endpoint, errors.

Order follows ASP.NET Web API: an unknown route is a 404 and a wrong verb a 405 before
authentication is looked at; every other call needs a firm API key or a session (401).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from recon.sandbox.bigtime import API_PATH, guesses, render, validate
from recon.sandbox.bigtime import catalogue as cat
from recon.sandbox.bigtime.auth import Auth
from recon.sandbox.bigtime.reply import ApiError, Call, Reply
from recon.sandbox.bigtime.routing import ROUTER, SESSION_PATH, Route, Router
from recon.sandbox.bigtime.store import BigtimeStore

log = logging.getLogger(__name__)


def relative_path(path: str) -> str | None:
    """``path`` below the API root (matched case-insensitively), or None outside it."""
    root = API_PATH.lower()
    lowered = path.lower()
    if lowered == root or lowered.startswith(root + "/"):
        return path[len(root) :] or "/"
    return None


def media_type(headers: Mapping[str, str]) -> str:
    """The request's ``Content-Type`` without parameters, lower case (``""`` when none)."""
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return value.split(";", 1)[0].strip().lower()


def is_write(method: str, target: str) -> bool:
    """BigTime's fault category: POST and DELETE write, except ``POST /session`` (a login)."""
    if method not in ("POST", "DELETE"):
        return False
    rel = relative_path(urlsplit(target).path) or ""
    return not (method == "POST" and rel.strip("/").lower() == SESSION_PATH.strip("/"))


class BigtimeService:
    """The API behind the HTTP server.

    Parameters
    ----------
    store:
        The records.
    auth:
        API keys and sessions.
    router:
        The route table (the sandbox's by default).
    """

    def __init__(self, store: BigtimeStore, auth: Auth, router: Router = ROUTER) -> None:
        self.store = store
        self.auth = auth
        self.router = router

    def route(self, target: str) -> tuple[Route, tuple[Any, ...], str] | None:
        """The route, placeholder values and relative path of a request target."""
        rel = relative_path(urlsplit(target).path)
        if rel is None:
            return None
        found = self.router.match(rel)
        return (found[0], found[1], rel) if found else None

    def endpoint_name(self, method: str, target: str) -> str:
        """Short name for request counters, e.g. ``GET /time/Sheet``."""
        found = self.route(target)
        return f"{method} {found[0].name}" if found else f"{method} (unknown)"

    def handle(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        refuse_key: bool = False,
    ) -> Reply:
        """Answer one request; never raises (a sandbox bug is a 500, as ASP.NET answers).

        ``refuse_key``: an API key on this request is refused (401) as if unknown: the
        ``expire_session`` fault with ``refuse_key`` (see :mod:`recon.sandbox.faults`).
        """
        try:
            return self._handle(method, target, headers, body, refuse_key)
        except ApiError as exc:
            return exc.reply()
        except Exception:
            log.exception("BigTime sandbox failed on %s %s", method, urlsplit(target).path)
            return Reply.message(500, guesses.INTERNAL_ERROR_TEXT)

    def _handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes, refuse_key: bool
    ) -> Reply:
        parts = urlsplit(target)
        found = self.route(target)
        if found is None:
            return Reply.message(404, guesses.NO_ROUTE_TEXT.format(path=parts.path))
        route, args, rel = found
        endpoint = route.methods.get(method)
        if endpoint is None:
            allow = ", ".join(sorted(route.methods))
            text = guesses.BAD_METHOD_TEXT.format(method=method)
            return Reply.message(405, text, {"Allow": allow})
        params = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
        kind = media_type(headers)
        call = Call(method, rel, args, params, body, content_type=kind)
        if route.pattern == SESSION_PATH:
            return self.login(call)
        caller = self.auth.check(headers, refuse_key=refuse_key)
        if caller is None:
            return Reply.message(401, guesses.UNAUTHORISED_TEXT)
        return endpoint(self.store, Call(method, rel, args, params, body, caller, kind))

    def login(self, call: Call) -> Reply:
        """``POST /session``: body keys (or query parameters) any case,
        docs/specs/bigtime-rest-api.md §2.1."""
        fields = dict(call.params)
        fields.update({str(k).lower(): v for k, v in validate.object_body(call).items()})
        user = fields.get(cat.SESSION_USER_KEY.lower())
        password = fields.get(cat.SESSION_PASSWORD_KEY.lower())
        firm = fields.get(cat.SESSION_FIRM_KEY.lower())
        if not isinstance(user, str) or not isinstance(password, str) or not user:
            return Reply.message(400, guesses.LOGIN_MISSING_TEXT)
        session = self.auth.login(user, password, firm if isinstance(firm, str) else None)
        if session is None:
            return Reply.message(401, guesses.LOGIN_FAILED_TEXT)
        staffsid, fname, sname = self._staffer_of(user)
        answer = {
            "token": session.token,
            "firm": session.user.firm,
            "staffsid": staffsid,
            "userid": session.user.number,
            "fname": fname,
            "sname": sname,
            "IsFirmAdmin": session.user.is_admin,
        }
        return Reply.json(render.dumps(answer))

    def _staffer_of(self, user_id: str) -> tuple[int, str | None, str | None]:
        """The staffer whose e-mail is the login, else the demo guesses."""
        for sid in self.store.find_code("staff", user_id):
            rec = self.store.record("staff", sid) or {}
            return sid, rec.get("FName"), rec.get("SName")
        return guesses.DEMO_USER_STAFFSID, guesses.DEMO_USER_FNAME, guesses.DEMO_USER_SNAME
