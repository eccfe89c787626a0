"""GET endpoints: each takes the store and a routed :class:`Call`, and returns a :class:`Reply`.

Lists are bare JSON arrays joined from stored texts (spec §1: no paging); detail
endpoints answer the stored Detailed text on ``View=Detailed``, and otherwise re-render it
as Basic: the list's fields (ev §2.4: "same fields as list").

Citations: "spec §N" is docs/specs/bigtime-rest-api.md, "ev §N"
docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from recon.sandbox.bigtime import catalogue as cat
from recon.sandbox.bigtime import guesses, render, validate
from recon.sandbox.bigtime.reply import ApiError, Call, Reply, bad_request
from recon.sandbox.bigtime.store import DETAIL_ID_KEY, BigtimeStore

#: An endpoint: the store and a routed call in, an answer out.
Endpoint = Callable[[BigtimeStore, Call], Reply]
#: Labels of record kinds in "not found" texts.
LABELS: Mapping[str, str] = {
    "client": "Client",
    "project": "Project",
    "staff": "Staff",
    "task": "Task",
    "invoice": "Invoice",
    "time": "Time entry",
    "expense": "Expense",
}


def not_found(kind: str, sid: object) -> ApiError:
    return ApiError(404, guesses.NOT_FOUND_TEXT.format(what=LABELS[kind], sid=sid))


def must_exist(store: BigtimeStore, kind: str, sid: int) -> None:
    if store.row(kind, sid) is None:
        raise not_found(kind, sid)


# --- clients, projects, staff -------------------------------------------------------------------


def listing(kind: str) -> Endpoint:
    def endpoint(store: BigtimeStore, call: Call) -> Reply:
        show = validate.flag(call, "ShowInactive")
        return Reply.json(store.list_json(kind, show_inactive=show))

    return endpoint


def detail(kind: str, *, always_detailed: bool = False) -> Endpoint:
    """``/{kind}/detail/{sid}?View=``; invoices always come with their Lines (spec §4.7)."""

    def endpoint(store: BigtimeStore, call: Call) -> Reply:
        sid = call.args[0]
        detailed = validate.detailed(call) or always_detailed
        text = store.record_text(kind, sid)
        if text is None:
            raise not_found(kind, sid)
        if detailed:
            return Reply.json(text)
        resource = cat.resource(kind)
        rec = render.loads(text, resource)
        basic = render.record_bytes(
            resource, rec, detailed=False, id_key=DETAIL_ID_KEY.get(kind, "")
        )
        return Reply.json(basic)

    return endpoint


def team(store: BigtimeStore, call: Call) -> Reply:
    must_exist(store, "project", call.args[0])
    members = store.team(call.args[0])
    return Reply.json(render.array(render.record_bytes(cat.TEAM_MEMBER, m) for m in members))


def custom_fields(kind: str) -> Endpoint:
    def endpoint(store: BigtimeStore, call: Call) -> Reply:
        rec = store.record(kind, call.args[0])
        if rec is None:
            raise not_found(kind, call.args[0])
        return Reply.json(udf_array(rec.get("UdfList")))

    return endpoint


def udf_array(udfs: object) -> bytes:
    items = udfs if isinstance(udfs, list) else []
    return render.array(render.record_bytes(cat.UDF, u) for u in items)


# --- time ---------------------------------------------------------------------------------------


def time_sheet(store: BigtimeStore, call: Call) -> Reply:
    """``/time/Sheet/{staffsid}``: both dates required, inclusive (spec §4.5)."""
    start, end = validate.date_window(call, "StartDt", "EndDt")
    # Basic and Detailed time entries carry the same fields here; View is not looked at.
    must_exist(store, "staff", call.args[0])
    return Reply.json(store.time_window("staff_sid", call.args[0], start, end))


def time_by_project(store: BigtimeStore, call: Call) -> Reply:
    start, end = validate.date_window(call, "StartDt", "EndDt")
    must_exist(store, "project", call.args[0])
    return Reply.json(store.time_window("project_sid", call.args[0], start, end))


def time_entry(store: BigtimeStore, call: Call) -> Reply:
    text = store.time_text(call.args[0])
    if text is None:
        raise not_found("time", call.args[0])
    return Reply.json(text)


# --- invoices and tasks -------------------------------------------------------------------------


def invoice_history(store: BigtimeStore, call: Call) -> Reply:
    """Invoices dated in the window; both ends required (spec §4.7, DOC)."""
    start, end = validate.date_window(call, "startDt", "endDt")
    return Reply.json(store.list_json("invoice", where="dt BETWEEN ? AND ?", params=(start, end)))


def invoice_drafts(store: BigtimeStore, call: Call) -> Reply:
    # The demo firm keeps no drafts (every seeded invoice is final); the list still exists.
    validate.date_window(call, "startDt", "endDt", required=False)
    return Reply.json(b"[]")


def tasks_by_project(store: BigtimeStore, call: Call) -> Reply:
    must_exist(store, "project", call.args[0])
    show = validate.flag(call, "showCompleted")
    where, params = "project_sid = ?", (call.args[0],)
    return Reply.json(store.list_json("task", show_inactive=show, where=where, params=params))


def vocabulary(store: BigtimeStore, call: Call) -> Reply:
    return Reply.json(render.dumps(store.vocabulary()))


# --- picklists ----------------------------------------------------------------------------------


def _by_path() -> dict[str, list[tuple[str, Mapping[str, str]]]]:
    out: dict[str, list[tuple[str, Mapping[str, str]]]] = {}
    for name, endpoint in guesses.LISTS.items():
        out.setdefault(endpoint.path.lower(), []).append((name, endpoint.params))
    return out


#: Lower-cased picklist path -> (list name, the parameters that select it).
PICKLISTS = _by_path()


def picklist(store: BigtimeStore, call: Call) -> Reply:
    """A seeded reference list; inactive items only with ``showinactive=true`` (spec §4.10)."""
    show = validate.flag(call, guesses.SHOW_INACTIVE_PARAM)
    candidates = PICKLISTS.get(call.path.rstrip("/").lower())
    if candidates is None:
        field = call.path.rstrip("/").rsplit("/", 1)[-1].lower()
        if field in guesses.KNOWN_FIELD_VALUES:
            return Reply.json(b"[]")
        raise ApiError(404, guesses.NO_ROUTE_TEXT.format(path=call.path))
    for name, params in candidates:
        if all((call.param(k) or "").lower() == v.lower() for k, v in params.items()):
            return Reply.json(store.items_json(name, show_inactive=show))
    types = ", ".join(v for _, p in candidates for v in p.values())
    raise bad_request(guesses.LIST_TYPE_TEXT.format(types=types))


def record_picklist(kind: str) -> Endpoint:
    """``/picklist/clients|projects|staff``: Id + Name (+ client name as Group for projects)."""

    def endpoint(store: BigtimeStore, call: Call) -> Reply:
        show = validate.flag(call, guesses.SHOW_INACTIVE_PARAM)
        clients = {sid: name for sid, name, _, _ in store.rows("client")}
        items = (
            {
                "Id": sid,
                "Name": name,
                "Group": clients.get(client_sid) if kind == "project" else None,
                "IsInactive": bool(inactive),
            }
            for sid, name, client_sid, inactive in store.rows(kind, show_inactive=show)
        )
        return Reply.json(render.array(render.record_bytes(cat.PICKLIST_ITEM, i) for i in items))

    return endpoint
