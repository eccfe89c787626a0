"""One pull per BigTime entity recon reconciles: REST reads -> typed DataFrames.

>>> clients = pull_clients(bt)                                   # list + details
>>> time = pull_time(bt, date(2025, 1, 1), date(2025, 1, 31))     # per-staffer sheets
>>> frames = pull_all(bt, date(2025, 1, 1), date(2025, 12, 31))   # {"client": ..., ...}

BigTime has no paging and no modified-since filter (spec §1, NOT FOUND): a list endpoint
returns every record in its Basic view, and the Detailed view comes one record at a time.
The lists carry most of what recon compares (docs/specs/bigtime-evidence.md §2.2-2.4), so a
record's detail is read only when a field recon compares is not on the list
(:data:`uncertain.LIST_FIELDS` and :data:`uncertain.DETAIL_FIELDS` say which field comes from
where, on what evidence): clients never, projects (terms, custom fields, and the team for
the manager) and staff (custom fields, cost centres, class) yes -- and then only for a
record that is new or whose ``DtModified`` moved since the last run (``known``, the
profile's snapshot: :mod:`recon.snapshot`). Details are fetched concurrently, at most
``concurrency`` requests in flight (default ``bt.settings.concurrency``; no published
limit, :data:`uncertain.DEFAULT_CONCURRENCY` is polite). Results keep the list's order,
whatever order the answers arrive in.

Only time entries and invoices are dated, so only they can be re-pulled for a window
(``/time/Sheet`` and ``/invoice/history`` take one, both ends inclusive); everything else
is pulled whole. Inactive records are always included: a sync must see them. Single
records can be fetched again by what BigTime can find them by: time entries by id
(:func:`pull_time_entries`), invoices by number within a window
(:func:`pull_invoices_numbered`), for a period's counterparts (:mod:`recon.period`).

Frames are typed by :mod:`recon.bigtime.frames`; custom fields become ``Udf.<name>``
columns and the nested ``UdfList``/``Lines`` columns are dropped (lines are their own frame).

Citations: "spec §N" is docs/specs/bigtime-rest-api.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from typing import Any, Literal, Protocol, TypeVar, overload

import pandas as pd

from recon.bigtime import resources, uncertain
from recon.bigtime.fetch import fetch_all, fetch_in_order
from recon.bigtime.framebuilder import FrameBuilder
from recon.bigtime.frames import flatten_udfs, id_array, records_to_frame
from recon.bigtime.resources import Resource
from recon.canonical import LIST_PREFIX
from recon.errors import (
    ConfigError,
    MalformedResponseError,
    NotFoundError,
    ReconError,
    concerns_one_read,
)

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_R = TypeVar("_R")
_Record = dict[str, Any]

#: Custom fields the Intacct integration creates (spec §4.11): always a column, even empty.
PROJECT_UDFS: tuple[str, ...] = (
    uncertain.UDF_PO_NUMBER,
    uncertain.UDF_PO_AMOUNT,
    uncertain.UDF_SO_NUMBER,
)
STAFF_UDFS: tuple[str, ...] = (uncertain.UDF_EMPLOYEE_ID,)
#: The project team lead's staff id, added to the project frame (spec §4.2: PM = team lead).
TEAM_LEAD_COLUMN = "TeamLeadSid"
#: The parent column of the project-team frame.
TEAM_PROJECT_COLUMN = "ProjectSid"

#: Time entries :func:`pull_time` gathers before typing them in one batch (except in the
#: last wave of sheets). Typing ~700 entries costs about as much again in fixed per-column
#: costs; three times that keeps those under a quarter of the typing.
TYPE_BATCH_ROWS = 2000


@dataclass(frozen=True)
class Known:
    """One record's detail as a pull last read it, with the ``DtModified`` it had then (and
    a project's team, read with it): reused while the list shows the same stamp."""

    stamp: str
    detail: _Record
    team: tuple[_Record, ...] | None = None


#: Record kind (``"client"``, ``"project"``, ``"staff"``) -> system id -> :class:`Known`.
KnownDetails = Mapping[str, Mapping[int, Known]]
#: What a pull fills in for the next run: the same shape, every record it holds now.
LearnedDetails = MutableMapping[str, dict[int, Known]]


#: The entity names :func:`pull_all` returns (and accepts in ``entities``), in this order.
ENTITIES: tuple[str, ...] = (
    "client",
    "project",
    "project_team",
    "staff",
    "time",
    "invoice",
    "invoice_line",
    "task",
    "expense",
    *(LIST_PREFIX + name for name in uncertain.LISTS),
)


class _Settings(Protocol):
    @property
    def concurrency(self) -> int: ...


class BigTimeReader(Protocol):
    """What a pull needs of :class:`recon.bigtime.client.BigTimeClient`."""

    @property
    def settings(self) -> _Settings: ...

    def clients(self, show_inactive: bool = True) -> list[_Record]: ...
    def client(self, sid: int) -> _Record: ...
    def projects(self, show_inactive: bool = True) -> list[_Record]: ...
    def project(self, sid: int) -> _Record: ...
    def project_team(self, sid: int) -> list[_Record]: ...
    def staff(self, show_inactive: bool = True) -> list[_Record]: ...
    def staffer(self, sid: int) -> _Record: ...
    def reference_list(self, name: str, show_inactive: bool = True) -> list[_Record]: ...
    def time_sheet_bytes(self, staff_sid: int, start: date, end: date) -> bytes: ...
    def time_entry(self, sid: int) -> _Record: ...
    def invoice_history(self, start: date, end: date) -> list[_Record]: ...
    def invoice(self, sid: int) -> _Record: ...
    def expenses(self, start: date, end: date) -> list[_Record]: ...
    def tasks(self, project_sid: int, show_completed: bool = True) -> list[_Record]: ...
    def vocabulary(self) -> dict[str, str]: ...


# --------------------------------------------------------------------------- one per entity


def pull_clients(
    bt: BigTimeReader,
    *,
    concurrency: int | None = None,
    known: KnownDetails | None = None,
    learned: LearnedDetails | None = None,
) -> pd.DataFrame:
    """Every client (inactive too), in the list's order, from the list alone.

    Parameters
    ----------
    bt:
        A :class:`~recon.bigtime.client.BigTimeClient` (or anything with its reads).
    concurrency:
        Detail requests in flight at once; ``None`` uses ``bt.settings.concurrency``.
    known, learned:
        Details read by the last run, and where this one puts those it holds now
        (:class:`Known`): a record whose list stamp is unchanged is not read again.

    Returns
    -------
    pandas.DataFrame
        Columns of the ``client`` resource, typed by :func:`~recon.bigtime.frames.records_to_frame`.
        A client lacking a compared field on the list is read in full (its detail); one
        deleted between the list and that call is left out.
    """
    read = _Detailed("client", bt.client, _workers(bt, concurrency), known, learned)
    rows = read(bt.clients(show_inactive=True), resources.CLIENT)
    return records_to_frame("client", [r for _, r, _ in rows], operation="GET /client")


def pull_projects(
    bt: BigTimeReader,
    *,
    concurrency: int | None = None,
    known: KnownDetails | None = None,
    learned: LearnedDetails | None = None,
) -> pd.DataFrame:
    """Every project (inactive too), Detailed view, with its team lead and custom fields.

    Adds ``TeamLeadSid`` (the first team member flagged ``TeamLead`` in
    ``/project/team/{sid}``; NaN when none) and one ``Udf.<name>`` column per custom field
    (:data:`PROJECT_UDFS` always), replacing ``UdfList``. A project's detail and team are
    read when it is new or its stamp moved (see :func:`pull_clients`).
    """
    fetched = _project_details(bt, bt.projects(show_inactive=True), _workers(bt, concurrency),
                               known, learned)  # fmt: skip
    return _project_frame(fetched)


def pull_project_team(
    bt: BigTimeReader,
    *,
    project_sids: Sequence[int] | None = None,
    concurrency: int | None = None,
) -> pd.DataFrame:
    """Every project's team in one frame: ``ProjectSid`` then the team-member fields.

    Parameters
    ----------
    project_sids:
        Only these projects; ``None`` for all (inactive too), in the list's order.
    concurrency:
        As in :func:`pull_clients`.
    """
    if project_sids is None:
        project_sids = _sids(bt.projects(show_inactive=True), resources.PROJECT)
    sids = _unique(project_sids)
    teams = fetch_all(bt.project_team, sids, _workers(bt, concurrency))
    return _team_frame(list(zip(sids, teams, strict=True)))


def pull_staff(
    bt: BigTimeReader,
    *,
    concurrency: int | None = None,
    known: KnownDetails | None = None,
    learned: LearnedDetails | None = None,
) -> pd.DataFrame:
    """Every staffer (inactive too), Detailed view, custom fields as ``Udf.<name>`` columns.

    :data:`STAFF_UDFS` (``Udf.Employee ID``) is always a column. See :func:`pull_clients`.
    """
    listed = bt.staff(show_inactive=True)
    return _staff_frame(bt, listed, _workers(bt, concurrency), known, learned)


def pull_list(bt: BigTimeReader, name: str) -> pd.DataFrame:
    """One reference list of :data:`uncertain.LISTS`, inactive items included.

    Raises
    ------
    ConfigError
        ``name`` is not in :data:`uncertain.LISTS`.
    """
    if name not in uncertain.LISTS:
        known = ", ".join(uncertain.LISTS)
        raise ConfigError(f"no BigTime reference list {name!r}; use one of: {known}")
    items = bt.reference_list(name, show_inactive=True)
    return records_to_frame("picklist_item", items, operation=f"GET {uncertain.LISTS[name].path}")


def pull_time(
    bt: BigTimeReader,
    start: date,
    end: date,
    *,
    staff_sids: Sequence[int] | None = None,
    concurrency: int | None = None,
) -> pd.DataFrame:
    """Time entries dated ``start`` .. ``end`` (inclusive), one time sheet per staffer.

    Parameters
    ----------
    start, end:
        The window (dates, not datetimes), passed to ``/time/Sheet/{staffsid}``.
    staff_sids:
        Only these staffers' sheets; ``None`` for every staffer, active and inactive (an
        inactive staffer's past time still counts), in the staff list's order.
    concurrency:
        Sheets fetched at once; ``None`` uses ``bt.settings.concurrency``.

    Returns
    -------
    pandas.DataFrame
        Columns of the ``time`` resource; rows staffer by staffer (in ``staff_sids``
        order), each sheet in BigTime's order (date, then SID).

    Raises
    ------
    ConfigError
        ``start``/``end`` not dates, or ``start`` after ``end``.
    MalformedResponseError
        A sheet is not a JSON array of time entries.
    """
    _check_window(start, end)
    workers = _workers(bt, concurrency)
    if staff_sids is None:
        staff_sids = _sids(bt.staff(show_inactive=True), resources.STAFF)

    def sheet(sid: int) -> bytes:
        return bt.time_sheet_bytes(sid, start, end)

    # Workers only wait on the wire; this thread decodes each sheet as it comes (in staff
    # order) while the next ones are in flight. It types in batches (TYPE_BATCH_ROWS),
    # paying each column's fixed cost per batch, not per sheet; in the last wave it types
    # each sheet at once, so that little is left to do when the last sheet lands.
    sids = _unique(staff_sids)
    builder = FrameBuilder("time")
    with closing(fetch_in_order(sheet, sids, workers)) as sheets:
        try:
            for i, (sid, body) in enumerate(zip(sids, sheets, strict=True)):
                builder.add(body, operation=_sheet_operation(sid))
                builder.decode()
                last_wave = len(sids) - 1 - i <= workers  # every sheet still due is in flight
                if last_wave or builder.pending >= TYPE_BATCH_ROWS:
                    builder.flush()
        except ReconError:
            builder.flush()  # a sheet typed late still fails before a later sheet's error
            raise
    return builder.frame()


@overload
def pull_invoices(
    bt: BigTimeReader,
    start: date,
    end: date,
    *,
    lines: Literal[False] = False,
    concurrency: int | None = None,
) -> pd.DataFrame: ...


@overload
def pull_invoices(
    bt: BigTimeReader,
    start: date,
    end: date,
    *,
    lines: Literal[True],
    concurrency: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]: ...


def pull_invoices(
    bt: BigTimeReader,
    start: date,
    end: date,
    *,
    lines: bool = False,
    concurrency: int | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Invoices dated ``start`` .. ``end`` (``/invoice/history``), optionally with lines.

    Parameters
    ----------
    start, end:
        The invoice-date window, both required by BigTime (spec §4.7).
    lines:
        Also fetch each invoice's detail (concurrently) and return its ``Lines``.
    concurrency:
        Detail requests in flight at once (``lines=True`` only).

    Returns
    -------
    pandas.DataFrame or tuple of two
        The headers (``invoice`` columns less ``Lines``); with ``lines=True``,
        ``(headers, lines)`` where lines has the ``invoice_line`` columns, ``InvoiceSid``
        filled from its invoice where BigTime left it out, in invoice then line order.

    Raises
    ------
    ConfigError
        A bad window.
    """
    _check_window(start, end)
    history = bt.invoice_history(start, end)
    if not lines:
        return _invoice_headers(history)
    return _invoice_headers(history), _invoice_lines(bt, history, _workers(bt, concurrency))


def pull_invoices_numbered(
    bt: BigTimeReader,
    numbers: Iterable[str],
    start: date,
    end: date,
    *,
    concurrency: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The invoices numbered ``numbers`` among those dated ``start`` .. ``end``, with lines.

    BigTime reads one invoice only by its own SID (``/invoice/detail/{sid}``), which the
    other system does not hold, and spec §4.7 lists no look-up by invoice number: the
    invoice history of the window is read (one request, headers only) and the numbers
    picked out of it; only those invoices' details are fetched, for their lines.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``(headers, lines)`` as :func:`pull_invoices` with ``lines=True`` returns them; a
        number not found in the window has no row.
    """
    _check_window(start, end)
    wanted = {n for n in numbers if isinstance(n, str)}
    history = [
        record
        for record in bt.invoice_history(start, end)
        if isinstance(record, dict) and _lookup(record, "InvoiceNbr") in wanted
    ]
    return _invoice_headers(history), _invoice_lines(bt, history, _workers(bt, concurrency))


def pull_time_entries(
    bt: BigTimeReader, sids: Iterable[int], *, concurrency: int | None = None
) -> pd.DataFrame:
    """Time entries by id (``/time/{sid}``, one request each, concurrently), any date.

    An id BigTime does not know (404) has no row: asking by id is how a caller learns
    that an entry is not there. Columns as :func:`pull_time`'s.
    """

    def entry(sid: int) -> _Record | None:
        try:
            return bt.time_entry(sid)
        except NotFoundError:
            return None

    found = fetch_all(entry, _unique(sids), _workers(bt, concurrency))
    records = [record for record in found if record is not None]
    return records_to_frame("time", records, operation="GET /time/{sid}")


def pull_expenses(bt: BigTimeReader, start: date, end: date) -> pd.DataFrame:
    """Expense entries dated ``start`` .. ``end``: one ``POST /expense/reportbyfilter``
    (docs/specs/bigtime-evidence.md §2.10) -- every field compared is on it, so no entry
    is read by id (and ``GET /expense/report/{id}`` answers only id 0 anyway)."""
    _check_window(start, end)
    records = bt.expenses(start, end)
    return records_to_frame(
        "expense", records, operation=f"POST {uncertain.EXPENSE_BY_FILTER_PATH}"
    )


def _invoice_headers(history: list[_Record]) -> pd.DataFrame:
    """Invoice history records as the ``invoice`` frame (``Lines`` are their own frame)."""
    headers = records_to_frame("invoice", history, operation="GET /invoice/history")
    return headers.drop(columns=["Lines"])


def _invoice_lines(bt: BigTimeReader, history: list[_Record], workers: int) -> pd.DataFrame:
    """The lines of the invoices in ``history``, each invoice's from its detail."""
    sids = _sids(history, resources.INVOICE)
    details = fetch_all(_or_none(bt.invoice), sids, workers)
    line_records = [
        _with_parent(line, "InvoiceSid", sid)
        for sid, detail in zip(sids, details, strict=True)
        if detail is not None
        for line in _nested(detail, "Lines", "invoice")
    ]
    return records_to_frame("invoice_line", line_records, operation="GET /invoice/detail/{sid}")


def pull_tasks(
    bt: BigTimeReader,
    *,
    project_sids: Sequence[int] | None = None,
    concurrency: int | None = None,
) -> pd.DataFrame:
    """Every task of every project (completed too), in project order.

    Tasks exist only under a project (spec §4.9), so this is one request per project;
    ``project_sids`` narrows it. ``ProjectSid`` is filled from the project when missing.
    """
    if project_sids is None:
        project_sids = _sids(bt.projects(show_inactive=True), resources.PROJECT)
    sids = _unique(project_sids)

    def tasks(sid: int) -> list[_Record]:
        return [_with_parent(t, "ProjectSid", sid) for t in bt.tasks(sid, show_completed=True)]

    found = fetch_all(tasks, sids, _workers(bt, concurrency))
    return records_to_frame(
        "task", list(chain.from_iterable(found)), operation="GET /task/listByProject/{sid}"
    )


def pull_vocabulary(bt: BigTimeReader) -> dict[str, str]:
    """The firm's lexicon, ``{"PROJECT": "engagement", ...}`` (``/settings/vocabulary``)."""
    return dict(bt.vocabulary())


def pull_all(
    bt: BigTimeReader,
    start: date,
    end: date,
    *,
    entities: Iterable[str] | None = None,
    concurrency: int | None = None,
    failed: MutableMapping[str, ReconError] | None = None,
    known: KnownDetails | None = None,
    learned: LearnedDetails | None = None,
) -> dict[str, pd.DataFrame]:
    """Pull several entities (all of :data:`ENTITIES` by default) into typed frames.

    Parameters
    ----------
    start, end:
        The window of the dated entities: ``time`` and ``invoice``/``invoice_line``. A
        re-pull of a period passes ``entities=("time", "invoice", "invoice_line")``.
    entities:
        Names from :data:`ENTITIES` (``"list:<name>"`` for a reference list).
    concurrency:
        Requests in flight at once within each entity's pull.
    failed:
        When given, a read that fails with an error concerning that read alone
        (:func:`recon.errors.concerns_one_read`: BigTime answered it with a failure, such
        as a 404 for a guessed picklist path or a 500 after the retries) leaves out the
        entities it feeds, their error put here under their names (a failed project list
        leaves out projects, teams and tasks; a failed time sheet only time). The other
        entities are still pulled. Without it, the first failure raises; refused
        credentials and no answer at all always raise.
    known, learned:
        The details the last run read, and where this run puts those it holds now (see
        :func:`pull_clients`): a record whose list stamp is unchanged is not read again.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Entity name -> frame, in :data:`ENTITIES` order. The project and staff lists are
        read once and shared by the entities that need them.

    Raises
    ------
    ConfigError
        An unknown entity name, or a bad window.
    """
    wanted = _check_entities(entities)
    _check_window(start, end)
    workers = _workers(bt, concurrency)
    attempt = _Attempts(wanted, failed)
    out: dict[str, Any] = {}
    if "client" in wanted:
        out["client"] = attempt(
            ("client",),
            lambda: pull_clients(bt, concurrency=workers, known=known, learned=learned),
        )
    out.update(_pull_project_side(bt, wanted, workers, attempt, known, learned))
    if wanted & {"staff", "time"}:
        listed = attempt(("staff", "time"), lambda: bt.staff(show_inactive=True))
        staff_sids = None
        if listed is not None:
            staff_sids = attempt(("staff", "time"), lambda: _sids(listed, resources.STAFF))
        if listed is not None and staff_sids is not None and "staff" in wanted:
            out["staff"] = attempt(
                ("staff",), lambda: _staff_frame(bt, listed, workers, known, learned)
            )
        if staff_sids is not None and "time" in wanted:
            out["time"] = attempt(
                ("time",),
                lambda: pull_time(bt, start, end, staff_sids=staff_sids, concurrency=workers),
            )
    if wanted & {"invoice", "invoice_line"}:
        history = attempt(("invoice", "invoice_line"), lambda: bt.invoice_history(start, end))
        if history is not None and "invoice" in wanted:
            out["invoice"] = attempt(("invoice",), lambda: _invoice_headers(history))
        if history is not None and "invoice_line" in wanted:
            out["invoice_line"] = attempt(
                ("invoice_line",), lambda: _invoice_lines(bt, history, workers)
            )
    if "expense" in wanted:
        out["expense"] = attempt(("expense",), lambda: pull_expenses(bt, start, end))
    names = [
        e.removeprefix(LIST_PREFIX) for e in ENTITIES if e in wanted and e.startswith(LIST_PREFIX)
    ]

    def one_list(name: str) -> pd.DataFrame | None:
        return attempt((LIST_PREFIX + name,), lambda: pull_list(bt, name))

    lists = fetch_all(one_list, names, workers)
    out.update({LIST_PREFIX + name: frame for name, frame in zip(names, lists, strict=True)})
    return {name: out[name] for name in ENTITIES if name in wanted and out.get(name) is not None}


class _Attempts:
    """Runs one read of :func:`pull_all`. With ``failed`` given, a failure that concerns
    that read alone is recorded for the wanted entities it feeds, and the read gives None;
    otherwise (and for refused credentials, no answer at all, a bad argument) it raises."""

    def __init__(self, wanted: set[str], failed: MutableMapping[str, ReconError] | None) -> None:
        self.wanted, self.failed = wanted, failed

    def __call__(self, feeds: Iterable[str], read: Callable[[], _R]) -> _R | None:
        try:
            return read()
        except ReconError as exc:
            if self.failed is None or not concerns_one_read(exc):
                raise
            for name in feeds:
                if name in self.wanted:
                    self.failed.setdefault(name, exc)
            return None


# --------------------------------------------------------------------------- projects


def _pull_project_side(
    bt: BigTimeReader,
    wanted: set[str],
    workers: int,
    attempt: _Attempts,
    known: KnownDetails | None,
    learned: LearnedDetails | None,
) -> dict[str, Any]:
    """project, project_team and task frames from one read of the project list."""
    side = ("project", "project_team", "task")
    if not wanted & set(side):
        return {}
    listed = attempt(side, lambda: bt.projects(show_inactive=True))
    sids = None if listed is None else attempt(side, lambda: _sids(listed, resources.PROJECT))
    if listed is None or sids is None:
        return {}
    out: dict[str, Any] = {}
    if "project" in wanted:
        # The teams come with the details: a failed detail read leaves both out.
        fetched = attempt(
            ("project", "project_team"),
            lambda: _project_details(bt, listed, workers, known, learned),
        )
        if fetched is not None:
            out["project"] = attempt(("project",), lambda: _project_frame(fetched))
            if "project_team" in wanted:
                teams = [(s, team) for s, _, team in fetched]
                out["project_team"] = attempt(("project_team",), lambda: _team_frame(teams))
    elif "project_team" in wanted:
        out["project_team"] = attempt(
            ("project_team",),
            lambda: pull_project_team(bt, project_sids=sids, concurrency=workers),
        )
    if "task" in wanted:
        out["task"] = attempt(
            ("task",), lambda: pull_tasks(bt, project_sids=sids, concurrency=workers)
        )
    return out


_Fetched = tuple[int, _Record, list[_Record]]


def _project_details(
    bt: BigTimeReader,
    listed: list[_Record],
    workers: int,
    known: KnownDetails | None = None,
    learned: LearnedDetails | None = None,
) -> list[_Fetched]:
    """(sid, detail, team) per project still there; one worker does both calls in turn."""
    read = _Detailed("project", bt.project, workers, known, learned, team=bt.project_team)
    return [(sid, record, team or []) for sid, record, team in read(listed, resources.PROJECT)]


def _project_frame(fetched: list[_Fetched]) -> pd.DataFrame:
    frame = records_to_frame(
        "project", [detail for _, detail, _ in fetched], operation="GET /project/detail/{sid}"
    )
    frame[TEAM_LEAD_COLUMN] = id_array([_team_lead(team) for _, _, team in fetched])
    return flatten_udfs(frame, names=PROJECT_UDFS)


def _team_lead(team: list[_Record]) -> Any:
    """The first member flagged team lead (BigTime's approver; recon's project manager)."""
    for member in team:
        if _lookup(member, uncertain.TEAM_LEAD_FIELD) is True:
            return _lookup(member, "StaffSid")
    return None


def _team_frame(teams: list[tuple[int, list[_Record]]]) -> pd.DataFrame:
    parents: list[int] = []
    members: list[_Record] = []
    for sid, team in teams:
        for member in team:
            # The parent comes from the request; a ProjectSid echoed in the body would
            # otherwise turn up again as an unknown column.
            members.append({k: v for k, v in member.items() if k.lower() != "projectsid"})
            parents.append(sid)
    frame = records_to_frame("team_member", members, operation="GET /project/team/{sid}")
    frame.insert(0, TEAM_PROJECT_COLUMN, id_array(parents))
    return frame


def _staff_frame(
    bt: BigTimeReader,
    listed: list[_Record],
    workers: int,
    known: KnownDetails | None = None,
    learned: LearnedDetails | None = None,
) -> pd.DataFrame:
    read = _Detailed("staff", bt.staffer, workers, known, learned)
    details = [record for _, record, _ in read(listed, resources.STAFF)]
    frame = records_to_frame("staff", details, operation="GET /staff/detail/{sid}")
    return flatten_udfs(frame, names=STAFF_UDFS)


# --------------------------------------------------------------------------- list or detail


class _Detailed:
    """The records of one list, each as the list gives it or, where a compared field is not
    on the list (:data:`uncertain.DETAIL_FIELDS`, or a :data:`uncertain.LIST_FIELDS` key the
    record lacks), as its detail says -- read now only when the record is new or its
    :data:`uncertain.MODIFIED_FIELD` moved since ``known`` was read."""

    def __init__(
        self,
        kind: str,
        detail: Callable[[int], _Record],
        workers: int,
        known: KnownDetails | None,
        learned: LearnedDetails | None,
        team: Callable[[int], list[_Record]] | None = None,
    ) -> None:
        self.kind, self.detail, self.team, self.workers = kind, detail, team, workers
        self.known: Mapping[int, Known] = (known or {}).get(kind, {})
        self.learned = learned
        self.listed_fields = tuple(f.lower() for f in uncertain.LIST_FIELDS[kind])
        self.always = bool(uncertain.DETAIL_FIELDS[kind]) or team is not None

    def __call__(
        self, listed: list[_Record], res: Resource
    ) -> list[tuple[int, _Record, list[_Record] | None]]:
        sids = _sids(listed, res)
        rows: dict[int, tuple[int, _Record, list[_Record] | None]] = {}
        to_read: list[tuple[int, str | None]] = []
        for sid, record in zip(sids, listed, strict=True):
            if sid in rows:
                continue
            stamp = _stamp(record)
            if not self._needs_detail(record):
                rows[sid] = (sid, record, None)
            elif (prior := self._reusable(sid, stamp)) is not None:
                rows[sid] = (sid, prior.detail, None if prior.team is None else list(prior.team))
                self._learn(sid, prior)
            else:
                to_read.append((sid, stamp))
        read = _or_none(self._read, self.kind)
        reads = fetch_all(read, [sid for sid, _ in to_read], self.workers)
        for (sid, stamp), got in zip(to_read, reads, strict=True):
            if got is None:
                continue
            record, team = got
            rows[sid] = (sid, record, team)
            if stamp is not None:
                self._learn(sid, Known(stamp, record, None if team is None else tuple(team)))
        return [rows[sid] for sid in _unique(sids) if sid in rows]

    def _needs_detail(self, record: _Record) -> bool:
        if self.always:
            return True
        present = {k.lower() for k in record}
        return any(f not in present for f in self.listed_fields)

    def _reusable(self, sid: int, stamp: str | None) -> Known | None:
        prior = self.known.get(sid)
        if prior is None or stamp is None or prior.stamp != stamp:
            return None
        # A team is read again unless a change to it moves the project's stamp (UNCERTAIN).
        stamped = uncertain.TEAM_CHANGE_STAMPS_PROJECT
        if self.team is not None and (prior.team is None or not stamped):
            return None
        return prior

    def _read(self, sid: int) -> tuple[_Record, list[_Record] | None]:
        return self.detail(sid), None if self.team is None else self.team(sid)

    def _learn(self, sid: int, known: Known) -> None:
        if self.learned is not None:
            self.learned.setdefault(self.kind, {})[sid] = known


def _stamp(record: _Record) -> str | None:
    """The list record's modification stamp as text, or None when it has none."""
    value = _lookup(record, uncertain.MODIFIED_FIELD)
    return None if value is None or value == "" else str(value)


# --------------------------------------------------------------------------- helpers


def _workers(bt: BigTimeReader, concurrency: int | None) -> int:
    workers = bt.settings.concurrency if concurrency is None else concurrency
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"BigTime pull concurrency must be a whole number >= 1: {workers!r}")
    return workers


def _or_none(fetch: Callable[[int], _R], what: str = "record") -> Callable[[int], _R | None]:
    """``fetch``, with a record deleted since the list call (404) answered as ``None``."""

    def fetch_or_none(sid: int) -> _R | None:
        try:
            return fetch(sid)
        except NotFoundError:
            log.warning("BigTime %s %s vanished between the list and its detail", what, sid)
            return None

    return fetch_or_none


def _sids(records: Iterable[_Record], res: Resource) -> list[int]:
    """The system ids of list records, in order (key matched case-insensitively)."""
    out = []
    for record in records:
        sid = _lookup(record, res.id_field) if isinstance(record, dict) else None
        if isinstance(sid, bool) or not isinstance(sid, int):  # ids go into paths: ints only
            raise MalformedResponseError(
                f"a BigTime {res.name} list record has no usable {res.id_field} ({sid!r}).",
                system="bigtime",
                operation=f"GET {res.list_path}",
            )
        out.append(sid)
    return out


def _unique(sids: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(sids))


def _lookup(record: Mapping[str, Any], name: str) -> Any:
    """``record[name]`` with the key in any letter case (spec §1), or None."""
    if name in record:
        return record[name]
    folded = name.lower()
    return next((v for k, v in record.items() if k.lower() == folded), None)


def _with_parent(record: Any, key: str, sid: int) -> Any:
    """``record`` with ``key`` set to the parent's ``sid`` when BigTime left it out or null."""
    if not isinstance(record, dict) or _lookup(record, key) is not None:
        return record  # non-objects are refused, with their position, by records_to_frame
    folded = key.lower()
    spelt = next((k for k in record if k.lower() == folded), key)
    return {**record, spelt: sid}


def _nested(record: _Record, key: str, resource: str) -> list[Any]:
    items = _lookup(record, key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise MalformedResponseError(
            f"a BigTime {resource} holds {key} that is not an array.",
            system="bigtime",
            operation=f"GET /{resource}/detail/{{sid}}",
        )
    return items


def _check_window(start: date, end: date) -> None:
    for label, day in (("start", start), ("end", end)):
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ConfigError(f"BigTime pull {label} must be a date, not {day!r}")
    if start > end:
        raise ConfigError(f"BigTime pull window starts after it ends: {start} > {end}")


def _check_entities(entities: Iterable[str] | None) -> set[str]:
    if entities is None:
        return set(ENTITIES)
    wanted = set([entities] if isinstance(entities, str) else entities)
    unknown = sorted(wanted - set(ENTITIES))
    if unknown:
        raise ConfigError(
            f"recon does not pull {unknown} from BigTime; use some of: {', '.join(ENTITIES)}"
        )
    return wanted


def _sheet_operation(staff_sid: object) -> str:
    return "GET " + uncertain.TIME_SHEET_PATH.replace("{sid}", str(staff_sid))
