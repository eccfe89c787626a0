"""Request bytes -> response bytes, as the Intacct XML gateway answers (no HTTP here).

Order of checks (docs/specs/intacct-xml-api.md §9): parse (``XL03000003``) -> request shape ->
sender (``XL03000006``) -> transport policy -> per operation: authentication (login or session) ->
functions, one ``<result>`` each, in order. ``transaction="true"`` rolls the operation back on the
first failure: that function ``failure`` + ``XL03000009``, all others ``aborted`` with
``XL03000009`` only. ``uniqueid=true`` refuses function control ids that already completed for this
sender and company (remembered in the store, so across restarts).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from recon import xmlsafe
from recon.errors import XMLSecurityError
from recon.sandbox import credentials as demo_secrets
from recon.sandbox import intacct as creds
from recon.sandbox.faults import RequestCounter
from recon.sandbox.intacct import approvals, failures, guesses, reads, render, writes
from recon.sandbox.intacct.context import Call, arg
from recon.sandbox.intacct.failures import Detail, FunctionFailure
from recon.sandbox.intacct.reads import ResultSets
from recon.sandbox.intacct.sessions import Session, SessionRegistry
from recon.sandbox.intacct.store import IntacctStore

log = logging.getLogger(__name__)

AUTHORISED = frozenset({(creds.SENDER_ID, creds.COMPANY_ID)})


def _senders() -> dict[str, str]:
    # Read per login: a test may set distinctive passwords (recon.sandbox.credentials).
    return {
        creds.SENDER_ID: demo_secrets.intacct_sender_password(),
        creds.UNAUTHORISED_SENDER_ID: creds.UNAUTHORISED_SENDER_PASSWORD,
    }


def _users() -> dict[tuple[str, str], str]:
    return {(creds.COMPANY_ID, creds.USER_ID): demo_secrets.intacct_user_password()}


WRITE_FUNCTIONS = frozenset({"create", "update", "delete", "approve", "decline"})
MAX_CONTROLID = 256


class _ControlFailure(Exception):
    def __init__(self, echo: render.ControlEcho, *errors: Detail) -> None:
        super().__init__(errors[0].description2)
        self.echo = echo
        self.errors = errors


@dataclass(frozen=True)
class _Control:
    echo: render.ControlEcho
    sender: str
    uniqueid: bool


@dataclass(frozen=True)
class _Auth:
    userid: str
    companyid: str
    locationid: str
    session: Session | None
    errors: tuple[Detail, ...] = ()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def is_write(body: bytes) -> bool:
    """True when the request holds a create/update/delete/approve/decline (or legacy write)
    function."""
    return any(is_write_function(name) for name, _ in request_functions(body))


def is_write_function(name: str) -> bool:
    """True for create/update/delete, approve/decline (docs/specs/intacct-xml-api.md §4.6)
    and the legacy writes (``create_sotransaction``)."""
    return name in WRITE_FUNCTIONS or name.split("_", 1)[0] in WRITE_FUNCTIONS


def request_functions(body: bytes) -> tuple[tuple[str, str], ...]:
    """``(function, object)`` of each function of a request, for fault rules to aim at.

    A function naming several objects (a create of a CUSTOMER and a PROJECT) gives a pair
    per object; one naming none gives ``(name, "")``. Empty when the body does not parse
    (the gateway answers that itself).
    """
    try:
        root = xmlsafe.parse(body)
    except XMLSecurityError:
        return ()
    pairs: list[tuple[str, str]] = []
    for fn in root.iterfind("operation/content/function"):
        for child in fn:
            if not isinstance(child.tag, str):
                continue
            objects = function_objects(child) or ("",)
            pairs.extend((child.tag, obj) for obj in objects)
    return tuple(pairs)


def function_objects(el: etree._Element) -> tuple[str, ...]:
    """The objects (upper case) one function element names, in order, once each.

    ``create``/``update``/``approve``/``decline`` name theirs by the record tags inside;
    the others (``query``, ``read``, ``readByQuery``, ``readByName``, ``delete``,
    ``readMore``) by ``<object>``.
    """
    if el.tag in ("create", "update", "approve", "decline"):
        tags = (str(c.tag).upper() for c in el if isinstance(c.tag, str))
        return tuple(dict.fromkeys(tags))
    obj = (el.findtext("object") or "").strip().upper()
    return (obj,) if obj else ()


class IntacctGateway:
    """The gateway's logic over an :class:`IntacctStore`.

    Parameters
    ----------
    store:
        The records.
    session_ttl, readmore_ttl:
        Session duration and readMore result-set lifetime, seconds.
    clock:
        Seconds since the epoch (tests pass a fake clock).
    endpoint:
        The URL ``getAPISession`` returns (the server sets it once it has a port).
    counter:
        Counts functions served, by name, and (detail counters) by name and object.
    """

    def __init__(
        self,
        store: IntacctStore,
        *,
        session_ttl: float = guesses.DEFAULT_SESSION_TTL_SECONDS,
        readmore_ttl: float,
        clock: Callable[[], float] = time.time,
        endpoint: str = "",
        counter: RequestCounter | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.sessions = SessionRegistry(session_ttl, clock)
        self.result_sets = ResultSets(readmore_ttl, clock)
        self.endpoint = endpoint
        self.counter = counter or RequestCounter()
        self._functions: dict[str, Callable[[etree._Element, Call], None]] = {
            "readByQuery": lambda el, call: reads.read_by_query(el, call, self.result_sets),
            "readMore": lambda el, call: reads.read_more(el, call, self.result_sets),
            "query": reads.query,
            "read": reads.read,
            "readByName": reads.read_by_name,
            "create": writes.create,
            "update": writes.update,
            "delete": writes.delete,
            "approve": approvals.approve,
            "decline": approvals.decline,
        }

    # --- request ------------------------------------------------------------------------

    def handle(self, body: bytes) -> bytes:
        """Answer one request body."""
        resp = render.Response()
        try:
            root = xmlsafe.parse(body)
            control = self._control(root)
        except XMLSecurityError as exc:
            return self._control_failure(render.ControlEcho(), failures.parse_error(str(exc)))
        except _ControlFailure as exc:
            return self._control_failure(exc.echo, *exc.errors)
        resp.control(control.echo, "success")
        with self.store.lock:
            for op in root.findall("operation"):
                self._operation(op, control, resp)
        return resp.to_bytes()

    @staticmethod
    def _control_failure(echo: render.ControlEcho, *errors: Detail) -> bytes:
        resp = render.Response()
        resp.control(echo, "failure")
        render.errormessage(resp.root, errors)
        return resp.to_bytes()

    def _control(self, root: etree._Element) -> _Control:
        ctrl = root.find("control") if root.tag == "request" else None
        if ctrl is None:
            raise _ControlFailure(
                render.ControlEcho(), failures.parse_error("expected <request><control>")
            )
        sender, controlid = arg(ctrl, "senderid") or "", arg(ctrl, "controlid") or ""
        uniqueid_text = arg(ctrl, "uniqueid")
        dtd = arg(ctrl, "dtdversion")
        echo = render.ControlEcho(
            sender, controlid, uniqueid_text or str(guesses.UNIQUEID_DEFAULT).lower(), dtd or "3.0"
        )
        problem = self._shape_problem(root, sender, controlid, uniqueid_text, dtd)
        if problem:
            raise _ControlFailure(echo, failures.parse_error(problem))
        password = _senders().get(sender)
        if password is None or not _same(password, arg(ctrl, "password") or ""):
            raise _ControlFailure(echo, failures.bad_sender())
        policy = arg(ctrl, "policyid")
        if policy is not None:  # synchronous only (docs/specs/intacct-xml-api.md §1.5)
            raise _ControlFailure(echo, failures.bad_policy(policy))
        uniqueid = (
            guesses.UNIQUEID_DEFAULT if uniqueid_text is None else uniqueid_text in ("true", "1")
        )
        return _Control(echo, sender, uniqueid)

    @staticmethod
    def _shape_problem(
        root: etree._Element, sender: str, controlid: str, uniqueid: str | None, dtd: str | None
    ) -> str:
        """What the request schema (api.xsd) would reject, or ``""``."""
        if not sender or not controlid:
            return (
                "Element 'control': Missing child element(s). Expected is ( senderid, controlid )."
            )
        if len(controlid) > MAX_CONTROLID:
            return f"Element 'controlid': longer than {MAX_CONTROLID} characters."
        if uniqueid not in (None, "true", "false", "1", "0"):
            return f"Element 'uniqueid': '{uniqueid}' is not a valid value of type 'xs:boolean'."
        if dtd not in (None, "3.0"):
            return f"Element 'dtdversion': '{dtd}' is not supported by this gateway; use 3.0."
        operations = root.findall("operation")
        if not operations:
            return "Element 'request': Missing child element(s). Expected is ( operation )."
        for op in operations:
            if op.find("authentication") is None:
                return (
                    "Element 'operation': Missing child element(s). Expected is ( authentication )."
                )
            for fn in op.iterfind("content/function"):
                children = [c for c in fn if isinstance(c.tag, str)]
                cid = fn.get("controlid")
                if not cid or len(cid) > MAX_CONTROLID:
                    return "Element 'function': attribute 'controlid' is required (1-256 chars)."
                if len(children) != 1:
                    return "Element 'function': exactly one function element is expected."
        return ""

    # --- authentication -----------------------------------------------------------------

    def _authenticate(self, auth_el: etree._Element, sender: str) -> _Auth:
        login = auth_el.find("login")
        if login is not None:
            return self._login(login, sender)
        sessionid = arg(auth_el, "sessionid")
        session = self.sessions.touch(sessionid) if sessionid else None
        if session is None:
            return _Auth("", "", "", None, (failures.bad_session(),))
        if (sender, session.companyid) not in AUTHORISED:
            error = failures.sender_not_authorised(sender, session.companyid)
            return _Auth(session.userid, session.companyid, "", None, (error,))
        return _Auth(session.userid, session.companyid, session.locationid, session)

    def _login(self, login: etree._Element, sender: str) -> _Auth:
        userid, companyid = arg(login, "userid") or "", arg(login, "companyid") or ""
        locationid = arg(login, "locationid") or ""
        password = _users().get((companyid, userid))
        if companyid == creds.COMPANY_ID and (sender, companyid) not in AUTHORISED:
            return _Auth(
                userid, companyid, "", None, (failures.sender_not_authorised(sender, companyid),)
            )
        if password is None or not _same(password, arg(login, "password") or ""):
            return _Auth(userid, companyid, "", None, (failures.bad_signin(),))
        if locationid and not self.store.find("LOCATION", "LOCATIONID", locationid):
            return _Auth(userid, companyid, "", None, (failures.bad_signin(),))
        return _Auth(userid, companyid, locationid, None)

    # --- operation ----------------------------------------------------------------------

    def _operation(self, op: etree._Element, control: _Control, resp: render.Response) -> None:
        op_el = etree.SubElement(resp.root, "operation")
        auth_el = op.find("authentication")
        assert auth_el is not None  # the envelope check refused an operation without one
        auth = self._authenticate(auth_el, control.sender)
        if auth.errors:
            render.authentication(op_el, "failure", auth.userid, auth.companyid)
            render.errormessage(op_el, auth.errors)
            return
        now = self.clock()
        expires = auth.session.expires_at if auth.session else now + self.sessions.ttl
        render.authentication(
            op_el,
            "success",
            auth.userid,
            auth.companyid,
            (auth.locationid, _iso(now), _iso(expires)),
        )
        functions = list(op.iterfind("content/function"))
        transaction = (op.get("transaction") or "false").lower() == "true"
        with self.store.transaction():
            for i, fn in enumerate(functions):
                errors = self._function(fn, control, auth, resp, op_el)
                if transaction and errors:  # nothing after the failure runs
                    self.store.rollback_all()
                    self._abort(op_el, functions, i, errors)
                    break

    def _abort(
        self,
        op_el: etree._Element,
        functions: list[etree._Element],
        failed: int,
        errors: tuple[Detail, ...],
    ) -> None:
        for old in op_el.findall("result"):
            op_el.remove(old)
        for i, fn in enumerate(functions):
            status = "failure" if i == failed else "aborted"
            el = render.result(op_el, status, _function_name(fn), fn.get("controlid") or "")
            own = errors if i == failed else ()
            render.errormessage(el, (*own, failures.rolled_back()))

    def _function(
        self,
        fn: etree._Element,
        control: _Control,
        auth: _Auth,
        resp: render.Response,
        op_el: etree._Element,
    ) -> tuple[Detail, ...]:
        """Run one function; returns its errors (empty on success)."""
        name, controlid = _function_name(fn), fn.get("controlid") or ""
        result_el = render.result(op_el, "success", name, controlid)
        self.counter.incr(name)
        for obj in function_objects(_function_element(fn)):  # "query CUSTOMER" (detail)
            self.counter.incr(f"{name} {obj}", detail=True)
        if control.uniqueid and self.store.replay_seen(control.sender, auth.companyid, controlid):
            errors: tuple[Detail, ...] = (failures.replay(controlid),)
        else:
            call = Call(
                self.store, resp, result_el, control.sender, auth.companyid, auth.userid,
                auth.locationid, _owner(auth), datetime.fromtimestamp(self.clock(), UTC),
            )  # fmt: skip
            errors = self._execute(name, _function_element(fn), call, auth)
            if not errors and control.uniqueid:
                self.store.replay_remember(control.sender, auth.companyid, controlid)
        if errors:
            result_el[0].text = "failure"
            render.errormessage(result_el, errors)
        return errors

    def _execute(
        self, name: str, el: etree._Element, call: Call, auth: _Auth
    ) -> tuple[Detail, ...]:
        handler = self._functions.get(name)
        if name == "getAPISession":
            handler = lambda el, call: self._get_api_session(el, call, auth)  # noqa: E731
        if handler is None:
            return (failures.unsupported_function(name),)
        partial: FunctionFailure | None = None
        try:
            with self.store.savepoint():
                try:
                    handler(el, call)
                except writes.PartialFailure as exc:
                    partial = exc  # the records that were saved stay saved
        except FunctionFailure as exc:
            return exc.errors
        except Exception as exc:  # a sandbox bug must not kill the connection
            log.exception("sandbox function %s failed", name)
            return (failures.business(f"Internal sandbox error in {name}: {type(exc).__name__}"),)
        return partial.errors if partial else ()

    def _get_api_session(self, el: etree._Element, call: Call, auth: _Auth) -> None:
        wanted = arg(el, "locationid")
        if wanted and not self.store.find("LOCATION", "LOCATIONID", wanted):
            raise FunctionFailure(failures.business(f"Invalid location ID '{wanted}' specified."))
        session = auth.session
        if session is None or (wanted is not None and wanted != session.locationid):
            location = auth.locationid if wanted is None else wanted
            session = self.sessions.create(auth.userid, auth.companyid, location)
        render.api_session(
            call.response, call.result, session.sessionid, self.endpoint, session.locationid
        )


def _function_element(fn: etree._Element) -> etree._Element:
    return next(c for c in fn if isinstance(c.tag, str))


def _function_name(fn: etree._Element) -> str:
    return str(_function_element(fn).tag)


def _owner(auth: _Auth) -> str:
    return auth.session.sessionid if auth.session else f"{auth.companyid}/{auth.userid}"
