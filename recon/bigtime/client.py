"""The BigTime client: authentication, typed reads, writes and their settlement.

>>> creds = BigTimeCredentials(firm="demo-firm", api_token="sandbox-token")
>>> with BigTimeClient(creds, BigTimeSettings(base_url=url)) as bt:
...     clients = bt.clients(show_inactive=True)

Every ``dict`` returned has its keys in the canonical spelling of
:mod:`recon.bigtime.resources` (unknown keys kept as received) and its numbers as ``int`` or
``Decimal``. Reads are retried (see :mod:`recon.bigtime.transport`); writes never are once
they may have left: a :class:`~recon.errors.WriteOutcomeUnknown` is settled with
:meth:`BigTimeClient.settle_create` / :meth:`BigTimeClient.settle_update`.

Sessions: with a user login, the client signs in on its first call and, when BigTime
refuses the session token (401), signs in once more and resends that request once. Nothing
ran when authentication failed, so the resend is safe for writes too. API keys are never
"renewed": their 401 is an :class:`~recon.errors.AuthenticationError` at once.

Thread-safe for concurrent reads (pulls fetch staffers' time sheets from a thread pool):
one HTTP session shared, sign-in guarded by a lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Self
from urllib.parse import quote

from recon import http, pacing
from recon.bigtime import resources, settle, uncertain
from recon.bigtime.auth import ApiKeyAuth, Auth, BigTimeSession, SessionAuth
from recon.bigtime.normalise import (
    decode_json,
    encode_json,
    expect_list,
    expect_object,
    lookup,
    normalise,
    normalise_record,
    resource_for_path,
)
from recon.bigtime.resources import API_ROOT, Resource
from recon.bigtime.transport import Call, Transport, TransportConfig, unknown_outcome
from recon.errors import (
    AuthenticationError,
    ConfigError,
    MalformedResponseError,
    SessionExpiredError,
)

__all__ = ["BIGTIME_BASE_URL", "BigTimeClient", "BigTimeCredentials", "BigTimeSettings"]

log = logging.getLogger("recon.bigtime")

#: docs/specs/bigtime-rest-api.md §1: production base URL.
BIGTIME_BASE_URL = "https://iq.bigtime.net" + API_ROOT
#: Resources :meth:`BigTimeClient.create` / ``update`` / ``delete`` accept.
WRITABLE_RESOURCES = ("client", "project", "staff", "time")


@dataclass(frozen=True)
class BigTimeCredentials:
    """A firm API key *or* a user login. ``repr`` and ``str`` never show a secret.

    Attributes
    ----------
    firm:
        The firm id (``X-Auth-Realm``); required with an API key, optional with a login
        (BigTime then picks the user's most recent firm, docs/specs/bigtime-rest-api.md §2.1).
    api_token:
        Firm API key (My Company > Integrations > API Keys).
    user_id, password:
        A BigTime user's sign-in, exchanged for a session token by ``POST /session``.
    """

    firm: str | None = None
    api_token: str | None = field(default=None, repr=False)
    user_id: str | None = None
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.api_token and (self.user_id or self.password):
            raise ConfigError("BigTime credentials: give an API key or a user login, not both")
        if self.api_token:
            if not self.firm:
                raise ConfigError("BigTime credentials: an API key needs the firm id")
        elif not (self.user_id and self.password):
            raise ConfigError("BigTime credentials: give firm + api_token, or user_id + password")

    def __repr__(self) -> str:
        if self.api_token:
            return f"BigTimeCredentials(firm={self.firm!r}, api_token='***')"
        return f"BigTimeCredentials(firm={self.firm!r}, user_id={self.user_id!r}, password='***')"

    __str__ = __repr__

    @property
    def uses_api_key(self) -> bool:
        return bool(self.api_token)

    def secrets(self) -> tuple[str, ...]:
        """The values that must never reach a log or a message."""
        return tuple(s for s in (self.api_token, self.password) if s)


@dataclass(frozen=True)
class BigTimeSettings:
    """Where and how to talk to BigTime. Point ``base_url`` at a sandbox to test.

    Attributes
    ----------
    base_url:
        The API root URL, ``.../BigtimeData/api/v2`` (``http`` allowed, for sandboxes).
    timeout, connect_timeout:
        Read and connect timeouts in seconds.
    max_retries, backoff, backoff_max:
        Retries of reads (and of writes that never left); first backoff and its ceiling.
    concurrency:
        Reads a pull runs at once (``uncertain.DEFAULT_CONCURRENCY``); sizes the pool.
    requests_per_minute:
        At most this many requests start in any minute (None: no limit). Every request
        of the client -- reads, look-ups, sign-ins, writes, retries -- goes through one
        :class:`recon.pacing.Pacer`, which spaces them ``60 / requests_per_minute``
        seconds apart; a 429's ``Retry-After`` is honoured on top, as before.
    retry_after_cap:
        Longest ``Retry-After`` honoured (``uncertain.RETRY_AFTER_CAP_SECONDS``).
    max_response_bytes:
        Bodies longer than this are refused.
    sleep:
        Called between retries and for the request rate's waits; tests pass a recorder.
    """

    base_url: str = BIGTIME_BASE_URL
    timeout: float = 30.0
    connect_timeout: float = 5.0
    max_retries: int = 4
    backoff: float = 0.25
    concurrency: int = uncertain.DEFAULT_CONCURRENCY
    backoff_max: float = 30.0
    retry_after_cap: float = uncertain.RETRY_AFTER_CAP_SECONDS
    max_response_bytes: int = TransportConfig.max_response_bytes
    requests_per_minute: float | None = None
    sleep: Callable[[float], None] | None = field(default=None, repr=False, compare=False)
    #: Counts the requests sent (:class:`recon.http.RequestMeter`): a run's budget.
    meter: http.RequestMeter | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        http.check_settings(
            "BigTime", "base URL", self.base_url, self.transport_config(), self.concurrency
        )
        if self.requests_per_minute is not None:
            pacing.check_rate(self.requests_per_minute, "BigTime requests_per_minute")

    def transport_config(self) -> TransportConfig:
        return http.config_from_settings(
            TransportConfig, self, read_timeout="timeout", backoff_base="backoff"
        )


class BigTimeClient:
    """Talks to one BigTime firm through one HTTP session.

    Parameters
    ----------
    credentials:
        API key or user login.
    settings:
        Base URL, timeouts, retries, concurrency.
    """

    def __init__(
        self, credentials: BigTimeCredentials, settings: BigTimeSettings | None = None
    ) -> None:
        self.credentials = credentials
        self.settings = settings or BigTimeSettings()
        self._base = self.settings.base_url.rstrip("/")
        config = self.settings.transport_config()
        if self.settings.requests_per_minute is not None:
            # One pacer for the client: its threads, sign-ins and writes share the rate.
            pacer = pacing.Pacer(self.settings.requests_per_minute, sleep=config.sleep)
            config = replace(config, pacer=pacer)
        self._transport = Transport(config)
        self._auth: Auth
        if credentials.api_token:
            self._auth = ApiKeyAuth(credentials.firm or "", credentials.api_token)
        else:
            self._auth = SessionAuth(
                self._transport,
                self._base,
                credentials.user_id or "",
                credentials.password or "",
                credentials.firm,
            )

    def __repr__(self) -> str:
        return f"BigTimeClient({self.credentials!r}, base_url={self._base!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections."""
        self._transport.close()

    # --- session ----------------------------------------------------------------------

    @property
    def session(self) -> BigTimeSession | None:
        """The current user session (None with an API key or before the first call)."""
        return self._auth.session if isinstance(self._auth, SessionAuth) else None

    def login(self) -> BigTimeSession | None:
        """Sign in now (user login); with an API key there is nothing to do."""
        return self._auth.login() if isinstance(self._auth, SessionAuth) else None

    # --- low level --------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> bytes:
        """Send one request (signed, retried per policy); return the raw 2xx body.

        ``path`` is relative to the API root (``/client``). ``body`` is encoded with
        :func:`recon.bigtime.normalise.encode_json` (Decimal exact, dates ISO).
        """
        rel = _relative(path)
        url = self._base + rel
        data = encode_json(body) if body is not None else None
        query = _params(params)
        for attempt in (1, 2):
            headers = self._auth.headers()
            call = Call.of(method, rel, self._auth.kind, self._secrets())
            try:
                return self._transport.exchange(
                    url, call, params=query, body=data, headers=headers
                ).content
            except SessionExpiredError as exc:
                if attempt == 2 or not self._auth.renew(headers):
                    raise AuthenticationError(
                        f"{call.operation}: BigTime refused a freshly signed-in session too; "
                        "check the user's access to the firm",
                        system="bigtime",
                        operation=call.operation,
                        status=401,
                        errors=exc.errors,
                    ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _secrets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.credentials.secrets(), *self._auth.secrets())))

    def get_bytes(self, path: str, params: Mapping[str, Any] | None = None) -> bytes:
        """GET ``path``; the raw body after the status checks (for fast frame building)."""
        return self.request("GET", path, params=params)

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, resource: str | None = None
    ) -> Any:
        """GET ``path``: decoded JSON, Decimal numbers, keys normalised.

        Keys follow ``resource`` if given, else the resource the path serves (see
        :func:`recon.bigtime.normalise.resource_for_path`); unknown paths keep their keys.
        """
        res = resources.resource(resource) if resource else resource_for_path(path)
        content = self.get_bytes(path, params)
        return normalise(decode_json(content, doing=f"GET {_relative(path)}"), res)

    def _list(self, path: str, res: Resource, params: Mapping[str, Any] | None = None) -> list[Any]:
        doing = f"GET {_relative(path)}"
        data = decode_json(self.get_bytes(path, params), doing=doing)
        return expect_list(data, res, doing=doing)

    def _object(
        self, path: str, res: Resource, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        doing = f"GET {_relative(path)}"
        data = decode_json(self.get_bytes(path, params), doing=doing)
        return expect_object(data, res, doing=doing)

    # --- reads ------------------------------------------------------------------------

    def clients(self, show_inactive: bool = True) -> list[dict[str, Any]]:
        """All clients (Basic view); inactive ones too unless ``show_inactive=False``."""
        return self._list("/client", resources.CLIENT, _inactive(show_inactive))

    def client(self, sid: int) -> dict[str, Any]:
        """One client, ``View=Detailed``."""
        return self._detail(resources.CLIENT, sid)

    def projects(self, show_inactive: bool = True) -> list[dict[str, Any]]:
        return self._list("/project", resources.PROJECT, _inactive(show_inactive))

    def project(self, sid: int) -> dict[str, Any]:
        """One project, ``View=Detailed`` (with ``UdfList``)."""
        return self._detail(resources.PROJECT, sid)

    def project_team(self, sid: int) -> list[dict[str, Any]]:
        """The project's team members (``StaffSid``, ``StaffNm``, ``ContactRole``, ``TeamLead``;
        BigTime sends the id as ``staffsid``, docs/specs/bigtime-evidence.md §2.5)."""
        return self._list(_path(uncertain.PROJECT_TEAM_PATH, sid), resources.TEAM_MEMBER)

    def project_custom_fields(self, sid: int) -> list[dict[str, Any]]:
        return self._list(_path(uncertain.PROJECT_UDF_PATH, sid), resources.UDF)

    def staff(self, show_inactive: bool = True) -> list[dict[str, Any]]:
        """All staffers (Basic view; id key ``StaffSID``)."""
        return self._list("/staff", resources.STAFF, _inactive(show_inactive))

    def staffer(self, sid: int) -> dict[str, Any]:
        """One staffer, ``View=Detailed`` (its ``StaffSid`` normalised to ``StaffSID``)."""
        return self._detail(resources.STAFF, sid)

    def staff_custom_fields(self, sid: int) -> list[dict[str, Any]]:
        return self._list(_path(uncertain.STAFF_UDF_PATH, sid), resources.UDF)

    def reference_list(self, name: str, show_inactive: bool = True) -> list[dict[str, Any]]:
        """A reference list of ``uncertain.LISTS`` (picklist items, inactive ones included)."""
        endpoint = uncertain.LISTS.get(name)
        if endpoint is None:
            known = ", ".join(sorted(uncertain.LISTS))
            raise ConfigError(f"unknown BigTime reference list {name!r}; known: {known}")
        params: dict[str, Any] = dict(endpoint.params)
        if show_inactive:
            params[uncertain.SHOW_INACTIVE_PARAM] = True
        return self._list(endpoint.path, resources.PICKLIST_ITEM, params)

    def field_values(self, field: str, show_inactive: bool = True) -> list[dict[str, Any]]:
        """``/picklist/FieldValues/{field}`` (e.g. ``LookupProjectType``)."""
        params = {uncertain.SHOW_INACTIVE_PARAM: True} if show_inactive else None
        path = "/picklist/FieldValues/" + quote(field, safe="")
        return self._list(path, resources.PICKLIST_ITEM, params)

    def time_sheet(self, staff_sid: int, start: date, end: date) -> list[dict[str, Any]]:
        """A staffer's time entries dated ``start`` .. ``end`` inclusive (Detailed)."""
        return self._list(*self._sheet_args(staff_sid, start, end))

    def time_sheet_bytes(self, staff_sid: int, start: date, end: date) -> bytes:
        """The raw body of :meth:`time_sheet`, for fast frame building."""
        path, _, params = self._sheet_args(staff_sid, start, end)
        return self.get_bytes(path, params)

    def _sheet_args(
        self, staff_sid: int, start: date, end: date
    ) -> tuple[str, Resource, dict[str, Any]]:
        params = {"StartDt": start, "EndDt": end, "View": "Detailed"}
        return _path(uncertain.TIME_SHEET_PATH, staff_sid), resources.TIME, params

    def time_by_project(self, project_sid: int, start: date, end: date) -> list[dict[str, Any]]:
        params = {"StartDt": start, "EndDt": end, "View": "Detailed"}
        return self._list(
            _path(uncertain.TIME_BY_PROJECT_PATH, project_sid), resources.TIME, params
        )

    def time_entry(self, sid: int) -> dict[str, Any]:
        """One time entry (a negative ``sid`` is an unsubmitted one)."""
        return self._object(_path(resources.TIME.detail_path, sid), resources.TIME)

    def invoice_history(self, start: date, end: date) -> list[dict[str, Any]]:
        """Invoices dated ``start`` .. ``end`` (without ``Lines``; both dates required)."""
        params = {"startDt": start, "endDt": end}
        return self._list(uncertain.INVOICE_HISTORY_PATH, resources.INVOICE, params)

    def expenses(self, start: date, end: date) -> list[dict[str, Any]]:
        """Expense entries dated ``start`` .. ``end``: ``POST /expense/reportbyfilter`` with the
        JSON body ``{mindate, maxdate, view}`` (docs/specs/bigtime-evidence.md §2.10)."""
        path = uncertain.EXPENSE_BY_FILTER_PATH
        body = {"mindate": start, "maxdate": end, "view": uncertain.EXPENSE_VIEW}
        doing = f"POST {path}"
        data = decode_json(self.request("POST", path, body=body), doing=doing)
        return expect_list(data, resources.EXPENSE, doing=doing)

    def invoice_drafts(
        self, start: date | None = None, end: date | None = None
    ) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("startDt", start), ("endDt", end)) if v is not None}
        return self._list(uncertain.INVOICE_DRAFTS_PATH, resources.INVOICE, params)

    def invoice(self, sid: int) -> dict[str, Any]:
        """One invoice with its ``Lines``."""
        return self._object(_path(resources.INVOICE.detail_path, sid), resources.INVOICE)

    def tasks(self, project_sid: int, show_completed: bool = True) -> list[dict[str, Any]]:
        params = {"showCompleted": show_completed}
        return self._list(_path(resources.TASK.list_path, project_sid), resources.TASK, params)

    def task(self, sid: int) -> dict[str, Any]:
        return self._object(_path(resources.TASK.detail_path, sid), resources.TASK)

    def vocabulary(self) -> dict[str, str]:
        """The firm's lexicon: ``{"PROJECT": "engagement", ...}``
        (docs/specs/bigtime-rest-api.md §4.11)."""
        doing = f"GET {uncertain.VOCABULARY_PATH}"
        items = expect_list(
            decode_json(self.get_bytes(uncertain.VOCABULARY_PATH), doing=doing), None, doing=doing
        )
        out: dict[str, str] = {}
        for item in items:
            key = lookup(item, uncertain.VOCABULARY_ID_KEY) if isinstance(item, dict) else None
            if not isinstance(key, str):
                raise MalformedResponseError(
                    f"{doing}: a vocabulary item has no {uncertain.VOCABULARY_ID_KEY!r}",
                    system="bigtime",
                    operation=doing,
                )
            out[key] = str(lookup(item, uncertain.VOCABULARY_NAME_KEY) or "")
        return out

    def _detail(self, res: Resource, sid: int) -> dict[str, Any]:
        return self._object(_path(res.detail_path, sid), res, {"View": "Detailed"})

    # --- writes -----------------------------------------------------------------------

    def create(self, resource_name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create a client, project, staffer or time entry; return the new record.

        Raises :class:`~recon.errors.WriteOutcomeUnknown` when the request may have left
        and no usable answer came back: settle it with :meth:`settle_create`.
        """
        res = _writable(resource_name)
        if res is resources.TIME:
            return self.create_time(body)
        params = uncertain.STAFF_CREATE_PARAMS if res is resources.STAFF else None
        return self._write_record("POST", res.create_path, res, body, params, expect_id=True)

    def update(self, resource_name: str, sid: int, body: Mapping[str, Any]) -> dict[str, Any]:
        """Change the fields in ``body`` of one record; return the record as updated.

        For time entries this is :meth:`update_time` with ``submit=False``.
        """
        res = _writable(resource_name)
        if res is resources.TIME:
            return self.update_time(sid, body)
        return self._write_record("POST", _path(res.update_path, sid), res, body)

    def delete(self, resource_name: str, sid: int) -> None:
        """Delete one record (400 -- :class:`~recon.errors.ValidationError` -- while
        other records point at it)."""
        res = _writable(resource_name)
        path = _path(res.delete_path, sid)
        content = self._write("DELETE", path)
        if content.strip():  # an empty 200/204 is fine; anything else must be JSON
            self._decode_write(content, f"DELETE {path}")

    def create_time(self, body: Mapping[str, Any], submit: bool = False) -> dict[str, Any]:
        """Create a time entry (``POST /time?MarkSubmitted=...``); return it.

        An unsubmitted entry comes back with a NEGATIVE ``SID``; with ``submit=True`` it is
        submitted at once and its ``SID`` is positive (docs/specs/bigtime-rest-api.md §4.5).
        """
        params = {uncertain.MARK_SUBMITTED_PARAM: submit}
        return self._write_record(
            "POST", resources.TIME.create_path, resources.TIME, body, params, expect_id=True
        )

    def update_time(
        self, sid: int, body: Mapping[str, Any], submit: bool = False
    ) -> dict[str, Any]:
        """Update a time entry (``POST /time/{sid}?MarkSubmitted=...``); return it.

        With ``submit=True`` an unsubmitted entry is submitted, and BigTime gives it a NEW
        positive ``SID``: the returned record carries it, and the old negative ``sid`` is
        gone (404 from then on). Always use the returned ``SID`` afterwards.
        """
        params = {uncertain.MARK_SUBMITTED_PARAM: submit}
        path = _path(resources.TIME.update_path, sid)
        return self._write_record("POST", path, resources.TIME, body, params, expect_id=True)

    def set_project_team(
        self, sid: int, members: Iterable[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Replace the project's team with ``members``; return the team as stored."""
        res = resources.TEAM_MEMBER
        body = [normalise_record(m, res) for m in members]
        path = _path(uncertain.PROJECT_TEAM_PATH, sid)
        return self._write_list(path, res, body)

    def set_custom_fields(
        self, kind: str, sid: int, values: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """Set custom fields of a ``"project"`` or ``"staff"`` record by field name."""
        paths = {
            "project": uncertain.PROJECT_UDF_BY_NAME_PATH,
            "staff": uncertain.STAFF_UDF_BY_NAME_PATH,
        }
        if kind not in paths:
            raise ConfigError(f"custom fields belong to 'project' or 'staff', not {kind!r}")
        body = [{"Name": name, "Value": value} for name, value in values.items()]
        return self._write_list(_path(paths[kind], sid), resources.UDF, body)

    def _write(
        self, method: str, path: str, body: Any = None, params: Mapping[str, Any] | None = None
    ) -> bytes:
        return self.request(method, path, params=params, body=body)

    def _write_record(
        self,
        method: str,
        path: str,
        res: Resource,
        body: Mapping[str, Any],
        params: Mapping[str, Any] | None = None,
        *,
        expect_id: bool = False,
    ) -> dict[str, Any]:
        doing = f"{method} {path}"
        content = self._write(method, path, normalise_record(body, res), params)
        data = self._decode_write(content, doing)
        if not isinstance(data, dict):
            raise unknown_outcome(doing, "BigTime answered with something other than a record")
        record = normalise_record(data, res)
        sid = record.get(res.id_field)
        if expect_id and (not isinstance(sid, int) or isinstance(sid, bool) or sid == 0):
            raise unknown_outcome(doing, f"BigTime's answer has no {res.id_field}")
        return record

    def _write_list(self, path: str, res: Resource, body: list[Any]) -> list[dict[str, Any]]:
        doing = f"POST {path}"
        data = self._decode_write(self._write("POST", path, body), doing)
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            raise unknown_outcome(doing, "BigTime answered with something other than a list")
        return [normalise_record(item, res) for item in data]

    @staticmethod
    def _decode_write(content: bytes, doing: str) -> Any:
        try:
            return decode_json(content, doing=doing)
        except MalformedResponseError as exc:
            raise unknown_outcome(doing, f"unreadable answer ({exc.message})") from exc

    # --- settlement -------------------------------------------------------------------

    def settle_create(
        self, resource_name: str, body: Mapping[str, Any], *, exclude: Iterable[int] = ()
    ) -> dict[str, Any] | None:
        """Did a create whose outcome is unknown land? The record if so, else None.

        See :func:`recon.bigtime.settle.settle_create`.
        """
        return settle.settle_create(self, resource_name, body, exclude=exclude)

    def settle_update(self, resource_name: str, sid: int, body: Mapping[str, Any]) -> bool:
        """Does record ``sid`` show every writable field of ``body``?

        See :func:`recon.bigtime.settle.settle_update`.
        """
        return settle.settle_update(self, resource_name, sid, body)


# --- helpers --------------------------------------------------------------------------


def _relative(path: str) -> str:
    """``path`` relative to the API root; absolute URLs are refused (credentials stay home)."""
    if "://" in path or path.startswith("//"):
        raise ConfigError(f"BigTime paths are relative to the API root, not URLs: {path!r}")
    rel = "/" + path.lstrip("/")
    if rel.lower().startswith(API_ROOT.lower() + "/"):
        rel = rel[len(API_ROOT) :]
    return rel


def _path(template: str, sid: int) -> str:
    """``template`` with ``{sid}`` filled; the id must be an int (never text in a path)."""
    if not isinstance(sid, int) or isinstance(sid, bool):
        raise ConfigError(f"BigTime ids are integers, got {sid!r}")
    return template.format(sid=sid)


def _inactive(show_inactive: bool) -> dict[str, Any] | None:
    return {"ShowInactive": True} if show_inactive else None


def _params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Query parameters as BigTime reads them: ``true``/``false``, ``YYYY-MM-DD``."""
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, date):
            out[key] = value.isoformat()
        else:
            out[key] = str(value)
    return out


def _writable(name: str) -> Resource:
    if name not in WRITABLE_RESOURCES:
        raise ConfigError(
            f"recon writes BigTime {', '.join(WRITABLE_RESOURCES)} records, not {name!r}"
        )
    return resources.resource(name)
