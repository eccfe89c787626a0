"""The route table: paths below the API root, matched case-insensitively (IIS/ASP.NET,
docs/specs/bigtime-rest-api.md §1).

A pattern's ``{sid}`` segment matches an integer (negative for unsubmitted time entries),
``{field}`` any one segment. A path that fits no pattern is a 404; a pattern that fits
with a verb it does not serve is a 405 (the contract's "wrong verb on a known route").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from recon.sandbox.bigtime import catalogue as cat
from recon.sandbox.bigtime import guesses, reads, reports, writes
from recon.sandbox.bigtime.reads import Endpoint
from recon.sandbox.bigtime.reply import Call, Reply
from recon.sandbox.bigtime.store import BigtimeStore

#: The login route; the service answers it itself (it needs the session registry).
SESSION_PATH = "/session"


def _login_placeholder(store: BigtimeStore, call: Call) -> Reply:  # pragma: no cover
    raise NotImplementedError("POST /session is answered by the service")


@dataclass(frozen=True)
class Route:
    """One path pattern and the endpoint serving each verb on it."""

    pattern: str
    methods: Mapping[str, Endpoint]
    segments: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        parts = tuple(s.lower() for s in self.pattern.strip("/").split("/") if s)
        object.__setattr__(self, "segments", parts)

    @property
    def name(self) -> str:
        """The pattern without placeholders, for request counters (``/time/Sheet``)."""
        kept = [s for s in self.pattern.strip("/").split("/") if not s.startswith("{")]
        return "/" + "/".join(kept)

    @property
    def literals(self) -> int:
        return sum(not s.startswith("{") for s in self.segments)

    def match(self, parts: list[str]) -> tuple[object, ...] | None:
        """The placeholder values when ``parts`` (lower-cased segments) fit, else None."""
        if len(parts) != len(self.segments):
            return None
        args: list[object] = []
        for want, got in zip(self.segments, parts, strict=True):
            if want == "{sid}":
                try:
                    args.append(int(got))
                except ValueError:
                    return None
            elif want.startswith("{"):
                args.append(got)
            elif want != got:
                return None
        return tuple(args)


class Router:
    """Finds the route of a path; literal segments win over placeholders."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = sorted(routes, key=lambda r: -r.literals)

    def match(self, path: str) -> tuple[Route, tuple[object, ...]] | None:
        parts = [unquote(s).lower() for s in path.strip("/").split("/") if s]
        for route in self.routes:
            args = route.match(parts)
            if args is not None:
                return route, args
        return None


def _r(pattern: str, **methods: Endpoint) -> Route:
    return Route(pattern, methods)


def _record_routes(kind: str, create_path: str) -> list[Route]:
    resource = cat.resource(kind)
    return [
        _r(resource.list_path, GET=reads.listing(kind)),
        _r(create_path, POST=writes.create(kind)),
        _r(
            resource.detail_path,
            GET=reads.detail(kind),
            POST=writes.update(kind),
            DELETE=writes.delete(kind),
        ),
    ]


def _picklist_routes() -> list[Route]:
    paths = {e.path for e in guesses.LISTS.values() if "/fieldvalues/" not in e.path.lower()}
    routes = [_r(p, GET=reads.picklist) for p in sorted(paths)]
    routes.append(_r(cat.FIELD_VALUES_PATH, GET=reads.picklist))
    for kind, path in (("client", "clients"), ("project", "projects"), ("staff", "staff")):
        routes.append(_r(f"/picklist/{path}", GET=reads.record_picklist(kind)))
    return routes


ROUTES: list[Route] = [
    _r(SESSION_PATH, POST=_login_placeholder),
    _r(cat.SESSION_FIRM_PATH, POST=reports.refuse(403, guesses.SESSION_FIRM_TEXT)),
    *_record_routes("client", cat.CLIENT.create_path),
    *_record_routes("project", cat.PROJECT.create_path),
    *_record_routes("staff", cat.STAFF.create_path),
    _r(cat.PROJECT_TEAM_PATH, GET=reads.team, POST=writes.set_team),
    _r(
        cat.PROJECT_UDF_PATH,
        GET=reads.custom_fields("project"),
        POST=writes.set_custom_fields("project", "Sid"),
    ),
    _r(guesses.PROJECT_UDF_BY_NAME_PATH, POST=writes.set_custom_fields("project", "Name")),
    _r(
        cat.STAFF_UDF_PATH,
        GET=reads.custom_fields("staff"),
        POST=writes.set_custom_fields("staff", "Sid"),
    ),
    _r(guesses.STAFF_UDF_BY_NAME_PATH, POST=writes.set_custom_fields("staff", "Name")),
    _r(cat.TIME_SHEET_PATH, GET=reads.time_sheet),
    _r(cat.TIME_BY_PROJECT_PATH, GET=reads.time_by_project),
    _r(cat.TIME_TOTAL_BY_DAY_PATH, GET=reports.time_total_by_day),
    _r(
        cat.TIME_REPORT_BY_FILTER_PATH,
        POST=reports.refuse(400, guesses.TIME_REPORT_BY_FILTER_TEXT),
    ),
    _r(cat.TIME.create_path, POST=writes.create_time),
    _r(
        cat.TIME.detail_path,
        GET=reads.time_entry,
        POST=writes.update_time,
        DELETE=writes.delete_time,
    ),
    _r(cat.INVOICE_HISTORY_PATH, GET=reads.invoice_history),
    _r(cat.INVOICE_DRAFTS_PATH, GET=reads.invoice_drafts),
    _r(cat.INVOICE.detail_path, GET=reads.detail("invoice", always_detailed=True)),
    _r(cat.TASK.list_path, GET=reads.tasks_by_project),
    _r(cat.TASK.detail_path, GET=reads.detail("task")),
    _r(cat.TASK_BUDGET_STATUS_PATH, GET=reports.task_budget_status),
    _r(cat.EXPENSE.create_path, POST=reports.create_expense),
    _r(cat.EXPENSE.detail_path, GET=reports.expense_detail),
    _r(cat.EXPENSE_REPORT_BY_FILTER_PATH, POST=reports.expense_report_by_filter),
    _r(cat.EXPENSE_REPORT_PATH, GET=reports.expense_report),
    _r(cat.REPORT_DATA_PATH, GET=reports.report_data, POST=reports.report_data),
    _r(cat.VOCABULARY_PATH, GET=reads.vocabulary),
    *_picklist_routes(),
]

ROUTER = Router(ROUTES)
