"""Parse Intacct responses into typed results, or into exceptions of :mod:`recon.errors`.

Spec §2: failures arrive at four levels, usually with HTTP 200:

1. control (``control/status=failure``, ``<errormessage>`` under ``<response>``): nothing ran
   -> :class:`ControlError`, or :class:`GatewayError`/:class:`RateLimitedError` for ``GW-nnnn``;
2. authentication (``authentication/status=failure``): nothing ran -> :class:`AuthenticationError`
   or :class:`SessionExpiredError`;
3. function (``result/status=failure|aborted``): reported per :class:`Result`, raised on request
   by :meth:`Result.raise_for_status` / :func:`raise_for_results` as :class:`FunctionError`,
   :class:`ReplayRefusedError` or :class:`TransactionAbortedError`;
4. anything that is not an Intacct response -> :class:`MalformedResponseError` (a refused
   document raises :class:`XMLSecurityError` from the hardened parser).

:class:`WriteResult` is the per-function outcome of a write (with the ``(RECORDNO, id)``
pairs Intacct returns).

Messages follow the SDK convention (non-empty pieces of an error joined by spaces, errors
joined with `` - ``), prefixed with what we were doing. Secret values passed in are masked.

Citations: "spec §N" is docs/specs/intacct-xml-api.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree

from recon.errors import (
    AuthenticationError,
    ControlError,
    FunctionError,
    GatewayError,
    MalformedResponseError,
    RateLimitedError,
    RemoteError,
    RemoteErrorDetail,
    ReplayRefusedError,
    SessionExpiredError,
    TransactionAbortedError,
)
from recon.intacct import schema, uncertain, xmlsafe
from recon.intacct.page import Page

#: Spec §2.4: the bad-sender text of a control-level XL03000006 (observed).
_BAD_SENDER_FRAGMENTS = ("partner id or password",)
#: Spec §2.4: gateway codes; GW-0010 is the HTTP 429 rate limit.
RATE_LIMIT_ERRORNO = "GW-0010"

_SENDER_HINT = (
    "Intacct rejected the Web Services sender: check the Web Services sender ID and sender "
    "password in the profile"
)
_SIGNIN_HINT = (
    "Intacct rejected the sign-in: check the Web Services sender ID/password and the company "
    "ID, user ID and user password in the profile"
)
_NOT_AUTHORIZED_HINT = (
    "this Web Services sender ID is not authorised for the company: in Intacct, go to "
    "Company > Setup > Company > Security and add the sender ID to Web Services authorizations"
)
_LOGIN_HINT = (
    "Intacct rejected the sign-in: check the company ID, the Web Services user ID and user "
    "password (and the entity ID, if any) in the profile"
)
_SESSION_HINT = "the Intacct session is invalid or has expired; sign in again"
_XML_HINT = "Intacct could not read the request XML (a recon bug: please report it)"


@dataclass(frozen=True)
class ControlBlock:
    """``<response><control>``: the echo of the request's control block."""

    status: str
    senderid: str = ""
    controlid: str = ""
    uniqueid: str = ""
    dtdversion: str = ""


@dataclass(frozen=True)
class AuthBlock:
    """``<operation><authentication>`` of a response."""

    status: str
    userid: str = ""
    companyid: str = ""
    locationid: str = ""
    sessiontimestamp: str = ""
    sessiontimeout: str = ""


@dataclass(frozen=True, eq=False)
class Result:
    """One ``<result>``, in the order of the request's functions.

    Attributes
    ----------
    status:
        ``success``, ``failure`` or ``aborted``.
    function, controlid:
        Echo of the function element name and its ``controlid`` attribute.
    data:
        The ``<data>`` element, when there is one.
    key:
        ``<key>`` of legacy create/update functions.
    listtype:
        Text of a legacy ``<listtype>`` element (``get_list``).
    errors:
        The ``<errormessage>`` errors, most specific first.
    """

    status: str
    function: str
    controlid: str
    data: etree._Element | None = None
    key: str | None = None
    listtype: str | None = None
    errors: tuple[RemoteErrorDetail, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def error(self, doing: str = "", note: str = "") -> FunctionError | None:
        """The exception this result stands for, or ``None`` on success."""
        if self.ok:
            return None
        kind: type[FunctionError] = FunctionError
        if self.status == "aborted":
            kind = TransactionAbortedError
        elif any(_is_replay(e) for e in self.errors):
            kind = ReplayRefusedError
        message = (
            f"{_doing(doing)} failed: result status {self.status} for control ID "
            f"{self.controlid}{_joined(self.errors)}{note}"
        )
        return kind(message, operation=self.function, errors=self.errors, controlid=self.controlid)

    def raise_for_status(self, doing: str = "") -> Result:
        """Return ``self`` on success, else raise :meth:`error`."""
        exc = self.error(doing)
        if exc is not None:
            raise exc
        return self

    def to_page(self, obj: str) -> Page:
        """The :class:`Page` of a read function's ``<data>``."""
        if self.data is None:
            raise MalformedResponseError(
                f"Intacct {self.function} result for control ID {self.controlid} has no data",
                operation=self.function,
                controlid=self.controlid,
            )
        attrs = self.data.attrib
        return Page(
            object=obj.upper(),
            function=self.function,
            data=self.data,
            count=_int_attr(attrs.get("count"), len(self.data)),
            totalcount=_int_attr(attrs.get("totalcount"), -1),
            numremaining=_int_attr(attrs.get("numremaining"), -1),
            offset=_int_attr(attrs.get("offset"), -1),
            result_id=attrs.get("resultId") or "",
        )


@dataclass(frozen=True, eq=False)
class Response:
    """A parsed response whose control and authentication levels succeeded."""

    control: ControlBlock
    auth: AuthBlock | None
    results: tuple[Result, ...]
    #: True for an offline (``policyid``) acknowledgement: no operation ran yet (spec §1.5).
    acknowledged: bool = False

    def failures(self) -> tuple[Result, ...]:
        """Results whose status is not ``success`` (failed or aborted)."""
        return tuple(r for r in self.results if not r.ok)

    def raise_for_results(self, doing: str = "") -> Response:
        """Return ``self`` if every function succeeded, else raise (:func:`raise_for_results`)."""
        raise_for_results(self.results, doing)
        return self


def raise_for_results(results: Sequence[Result], doing: str = "") -> None:
    """Raise for the first *failed* result, else for the first aborted one.

    Under ``transaction="true"`` one failing function makes Intacct report every other one
    as ``aborted`` (spec §2.6): the failure is the cause, so it is what gets raised; its
    message says how many others were rolled back.
    """
    failed = [r for r in results if r.status != "success" and r.status != "aborted"]
    aborted = [r for r in results if r.status == "aborted"]
    if not (failed or aborted):
        return
    first = (failed or aborted)[0]
    note = f" ({len(aborted)} other function(s) rolled back)" if failed and aborted else ""
    exc = first.error(doing, note)
    if exc is not None:
        raise exc


# --- writes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteResult:
    """The outcome of one write function.

    Attributes
    ----------
    records:
        ``(RECORDNO, id)`` pairs from the response ``<data>`` (create/update; a failed
        multi-record create may still list the records it did create). Empty for delete.
    """

    object: str
    function: str
    controlid: str
    status: str
    records: tuple[tuple[str, str], ...] = ()
    errors: tuple[RemoteErrorDetail, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def raise_for_status(self, doing: str = "") -> WriteResult:
        """Return ``self`` on success, else raise FunctionError/ReplayRefusedError/…"""
        self._as_result().raise_for_status(doing or f"Intacct {self.function} {self.object}")
        return self

    def _as_result(self) -> Result:
        return Result(self.status, self.function, self.controlid, errors=self.errors)

    @classmethod
    def from_result(cls, obj: str, result: Result) -> WriteResult:
        return cls(
            object=obj,
            function=result.function,
            controlid=result.controlid,
            status=result.status,
            records=_record_ids(obj, result.data),
            errors=result.errors,
        )


def raise_for_writes(results: Sequence[WriteResult], doing: str = "Intacct writes") -> None:
    """Raise for the first failed write (else the first aborted one), as ``raise_for_results``."""
    raise_for_results([r._as_result() for r in results], doing)


def _record_ids(obj: str, data: etree._Element | None) -> tuple[tuple[str, str], ...]:
    if data is None:
        return ()
    known = schema.OBJECTS.get(obj.upper())
    pairs = []
    for record in data:
        recordno = (record.findtext("RECORDNO") or "").strip()
        if known is not None:
            natural = (record.findtext(known.id_field) or "").strip()
        else:  # an object the catalogue lacks: the first field that is not RECORDNO
            natural = next((c.text or "" for c in record if c.tag != "RECORDNO"), "").strip()
        pairs.append((recordno, natural))
    return tuple(pairs)


# --- parsing --------------------------------------------------------------------------


def parse_response(
    body: bytes,
    *,
    doing: str = "",
    session_auth: bool = False,
    secrets: Iterable[str] = (),
    http_status: int | None = None,
) -> Response:
    """Parse ``body`` and raise for control- or authentication-level failures.

    Parameters
    ----------
    body:
        The raw response body.
    doing:
        What we were doing, for messages (``"Intacct readByQuery CUSTOMER"``).
    session_auth:
        The request authenticated with a session id: an authentication failure then
        means the session expired (:class:`SessionExpiredError`).
    secrets:
        Values to mask wherever the response echoes them into error texts.
    http_status:
        Carried into raised exceptions.

    Raises
    ------
    XMLSecurityError
        The hardened parser refused the document.
    MalformedResponseError, ControlError, GatewayError, RateLimitedError,
    AuthenticationError, SessionExpiredError
    """
    ctx = _Context(doing, session_auth, tuple(s for s in secrets if s), http_status)
    return _parse_root(xmlsafe.parse(body), ctx)


def _parse_root(root: etree._Element, ctx: _Context) -> Response:
    if root.tag != "response":
        raise ctx.malformed(f"the answer is a <{root.tag}> document, not an Intacct <response>")
    control = _control_block(root, ctx)
    if control.status != "success":
        raise _control_failure(root, ctx)
    if root.find("acknowledgement") is not None and root.find("operation") is None:
        return Response(control, None, (), acknowledged=True)
    operations = root.findall("operation")
    if len(operations) != 1:
        raise ctx.malformed(f"expected one <operation>, found {len(operations)}")
    auth = _auth_block(operations[0], ctx)
    if auth.status != "success":
        raise _auth_failure(operations[0], auth, ctx)
    results = tuple(_scrubbed(parse_result(r, ctx), ctx) for r in operations[0].findall("result"))
    return Response(control, auth, results)


def parse_result(el: etree._Element, ctx: _Context | None = None) -> Result:
    """One ``<result>`` element -> :class:`Result` (does not raise for a failed status)."""
    ctx = ctx or _Context("", False, (), None)
    status = _text(el, "status")
    if not status:
        raise ctx.malformed("a <result> has no <status>")
    errors_el = el.find("errormessage")
    return Result(
        status=status,
        function=_text(el, "function"),
        controlid=_text(el, "controlid"),
        data=el.find("data"),
        key=_opt_text(el, "key"),
        listtype=_opt_text(el, "listtype"),
        errors=parse_errors(errors_el) if errors_el is not None else (),
    )


def parse_errors(errormessage: etree._Element) -> tuple[RemoteErrorDetail, ...]:
    """The ``<error>`` children of an ``<errormessage>``, in order."""
    return tuple(
        RemoteErrorDetail(
            errorno=_text(e, "errorno"),
            description=_text(e, "description"),
            description2=_text(e, "description2"),
            correction=_text(e, "correction"),
        )
        for e in errormessage.findall("error")
    )


def error_text(errors: Sequence[RemoteErrorDetail]) -> str:
    """SDK convention: each error's non-empty pieces joined by spaces, errors by `` - ``."""
    return " - ".join(t for t in (e.text() for e in errors) if t)


# --- failure classification -----------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    doing: str
    session_auth: bool
    secrets: tuple[str, ...]
    http_status: int | None

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def malformed(self, what: str) -> MalformedResponseError:
        return MalformedResponseError(
            f"{_doing(self.doing)} failed: {what}", status=self.http_status
        )

    def error(
        self, kind: type[RemoteError], hint: str, errors: tuple[RemoteErrorDetail, ...]
    ) -> RemoteError:
        errors = tuple(_scrub_detail(e, self) for e in errors)
        message = f"{_doing(self.doing)} failed: {hint}{_joined(errors)}"
        return kind(message, errors=errors, status=self.http_status)


def _control_block(root: etree._Element, ctx: _Context) -> ControlBlock:
    el = root.find("control")
    if el is None or not _text(el, "status"):
        raise ctx.malformed("the response has no control status")
    return ControlBlock(
        status=_text(el, "status"),
        senderid=_text(el, "senderid"),
        controlid=_text(el, "controlid"),
        uniqueid=_text(el, "uniqueid"),
        dtdversion=_text(el, "dtdversion"),
    )


def _auth_block(operation: etree._Element, ctx: _Context) -> AuthBlock:
    el = operation.find("authentication")
    if el is None or not _text(el, "status"):
        raise ctx.malformed("the operation has no authentication status")
    return AuthBlock(
        status=_text(el, "status"),
        userid=_text(el, "userid"),
        companyid=_text(el, "companyid"),
        locationid=_text(el, "locationid"),
        sessiontimestamp=_text(el, "sessiontimestamp"),
        sessiontimeout=_text(el, "sessiontimeout"),
    )


def _control_failure(root: etree._Element, ctx: _Context) -> RemoteError:
    errors = _errors_under(root)
    errornos = {e.errorno for e in errors}
    if RATE_LIMIT_ERRORNO in errornos:
        return ctx.error(RateLimitedError, "Intacct is rate limiting requests", errors)
    if any(n.upper().startswith("GW-") for n in errornos):
        return ctx.error(GatewayError, "Intacct's gateway refused the request", errors)
    if "XL03000003" in errornos:
        return ctx.error(ControlError, _XML_HINT, errors)
    if "XL03000006" in errornos and _mentions(errors, _BAD_SENDER_FRAGMENTS):
        return ctx.error(ControlError, _SENDER_HINT, errors)
    if "XMLGW_JPP0002" in errornos:  # HTTP 401 "Sign-in information is incorrect"
        return ctx.error(ControlError, _SIGNIN_HINT, errors)
    return ctx.error(ControlError, "Intacct refused the request", errors)


def _auth_failure(operation: etree._Element, auth: AuthBlock, ctx: _Context) -> RemoteError:
    errors = _errors_under(operation)
    if _mentions(errors, uncertain.SENDER_NOT_AUTHORIZED_TEXT_FRAGMENTS):
        return ctx.error(AuthenticationError, _NOT_AUTHORIZED_HINT, errors)
    if ctx.session_auth or _mentions(errors, uncertain.SESSION_INVALID_TEXT_FRAGMENTS):
        return ctx.error(SessionExpiredError, _SESSION_HINT, errors)
    return ctx.error(AuthenticationError, _LOGIN_HINT, errors)


def _errors_under(parent: etree._Element) -> tuple[RemoteErrorDetail, ...]:
    el = parent.find("errormessage")
    return parse_errors(el) if el is not None else ()


def _mentions(errors: Iterable[RemoteErrorDetail], fragments: Iterable[str]) -> bool:
    texts = [(e.description + " " + e.description2).lower() for e in errors]
    return any(f in t for f in fragments for t in texts)


def _is_replay(error: RemoteErrorDetail) -> bool:
    # uncertain.REPLAY_*: the real errorno/text for a refused replay is not published.
    if error.errorno == uncertain.REPLAY_ERRORNO:
        return True
    return _mentions((error,), uncertain.REPLAY_TEXT_FRAGMENTS)


def _scrubbed(result: Result, ctx: _Context) -> Result:
    if not result.errors or not ctx.secrets:
        return result
    errors = tuple(_scrub_detail(e, ctx) for e in result.errors)
    return Result(
        result.status, result.function, result.controlid, result.data, result.key,
        result.listtype, errors,
    )  # fmt: skip


def _scrub_detail(detail: RemoteErrorDetail, ctx: _Context) -> RemoteErrorDetail:
    if not ctx.secrets:
        return detail
    return RemoteErrorDetail(
        ctx.scrub(detail.errorno),
        ctx.scrub(detail.description),
        ctx.scrub(detail.description2),
        ctx.scrub(detail.correction),
    )


# --- small helpers --------------------------------------------------------------------


def _doing(doing: str) -> str:
    return doing or "Intacct request"


def _joined(errors: Sequence[RemoteErrorDetail]) -> str:
    text = error_text(errors)
    return " - " + text if text else ""


def _text(parent: etree._Element, tag: str) -> str:
    return (parent.findtext(tag) or "").strip()


def _opt_text(parent: etree._Element, tag: str) -> str | None:
    el = parent.find(tag)
    return None if el is None else (el.text or "").strip()


def _int_attr(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise MalformedResponseError(f"Intacct sent a non-numeric count: {value!r}") from None
