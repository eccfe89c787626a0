"""POST and DELETE endpoints: create, update, delete, teams, custom fields, time entries.

Each write runs in one store transaction: validate (400 naming the field), merge into the
stored record, re-derive and re-render, answer with the record as the detail endpoint
shows it (spec §5: "returns the updated object"). Time entries follow spec §4.5: created
unsubmitted they get a negative SID; submitting gives them a new positive one.

Citations: "spec §N" is docs/specs/bigtime-rest-api.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from recon.sandbox.bigtime import catalogue as cat
from recon.sandbox.bigtime import guesses, render, udfs, validate
from recon.sandbox.bigtime.reads import Endpoint, must_exist, not_found, udf_array
from recon.sandbox.bigtime.reply import Call, Reply, bad_request
from recon.sandbox.bigtime.store import BigtimeStore, Record
from recon.sandbox.bigtime.values import ValueProblem

#: Fields that must be unique within a kind (contract: duplicate ClientId/ProjectCode -> 400).
UNIQUE: Mapping[str, str] = {"client": "ClientId", "project": "ProjectCode"}
#: Fields a created client/project/staff record starts with unless the body sets them.
_NEW_RECORD_DEFAULTS: Mapping[str, Any] = {"IsInactive": False}


# --- clients, projects, staff -------------------------------------------------------------------


def create(kind: str) -> Endpoint:
    resource = cat.resource(kind)

    def endpoint(store: BigtimeStore, call: Call) -> Reply:
        if kind == "staff":
            validate.flag(call, "inviteUser")  # accepted; the sandbox never sends e-mail
        body = validate.object_body(call)
        with store.transaction():
            rec = validate.fields(resource, body, store.names())
            validate.require(resource, rec)
            rec = {**_NEW_RECORD_DEFAULTS, **rec}
            _check_unique(store, kind, rec, None)
            _write_udfs(store, kind, rec, body_udfs=rec.pop("UdfList", None), current=None)
            sid = store.next_sid(kind)
            rec[resource.id_field] = sid
            rec["DtCreated"] = rec["DtModified"] = store.now()
            store.put_record(kind, rec)
            return Reply.json(store.record_text(kind, sid) or b"{}")

    return endpoint


def update(kind: str) -> Endpoint:
    resource = cat.resource(kind)

    def endpoint(store: BigtimeStore, call: Call) -> Reply:
        sid = call.args[0]
        body = validate.object_body(call)
        with store.transaction():
            current = store.record(kind, sid)
            if current is None:
                raise not_found(kind, sid)
            changes = validate.fields(resource, body, store.names())
            new_udfs = changes.pop("UdfList", None)
            rec = {**current, **changes}
            validate.require(resource, rec)
            _check_unique(store, kind, rec, sid)
            _write_udfs(store, kind, rec, body_udfs=new_udfs, current=current.get("UdfList"))
            rec["DtModified"] = store.now()
            store.put_record(kind, rec)
            return Reply.json(store.record_text(kind, sid) or b"{}")

    return endpoint


def delete(kind: str) -> Endpoint:
    def endpoint(store: BigtimeStore, call: Call) -> Reply:
        sid = call.args[0]
        with store.transaction():
            must_exist(store, kind, sid)
            for others, count in _users_of(store, kind, sid):
                if count:
                    label = kind.capitalize()
                    text = guesses.IN_USE_TEXT.format(
                        what=label, sid=sid, count=count, others=others
                    )
                    raise bad_request(text)
            store.delete_record(kind, sid)
        return Reply.message(200, guesses.DELETED_TEXT)

    return endpoint


def _users_of(store: BigtimeStore, kind: str, sid: int) -> list[tuple[str, int]]:
    """Records that point at ``kind`` ``sid`` and so forbid deleting it."""
    if kind == "client":
        return [
            ("projects", store.count("project", "client_sid", sid)),
            ("invoices", store.count("invoice", "client_sid", sid)),
        ]
    if kind == "project":
        return [
            ("time entries", store.time_count("project_sid", sid)),
            ("invoices", store.count("invoice", "project_sid", sid)),
        ]
    return [("time entries", store.time_count("staff_sid", sid))]


def _check_unique(store: BigtimeStore, kind: str, rec: Record, sid: int | None) -> None:
    name = UNIQUE.get(kind)
    value = rec.get(name) if name else None
    if not name or value is None or value == "":
        return
    taken = [s for s in store.find_code(kind, value) if s != sid]
    if taken:
        raise bad_request(f"{name} {value!r} is already used by {kind} {taken[0]}.")


def _write_udfs(
    store: BigtimeStore,
    kind: str,
    rec: Record,
    *,
    body_udfs: list[Any] | None,
    current: list[Any] | None,
) -> None:
    """Set ``rec["UdfList"]`` for project/staff: current values plus those in the body."""
    if kind not in ("project", "staff"):
        return
    defs = store.udf_defs(kind)
    result = udfs.complete(defs, current)
    for item in body_udfs or ():
        has_sid = isinstance(item, Mapping) and any(str(k).lower() == "sid" for k in item)
        by: Literal["Sid", "Name"] = "Sid" if has_sid else "Name"
        try:
            result = udfs.apply(defs, result, [item], by)
        except ValueProblem as exc:
            raise bad_request(f"UdfList: {exc}.") from None
    rec["UdfList"] = result


# --- project teams and custom fields ------------------------------------------------------------


def set_team(store: BigtimeStore, call: Call) -> Reply:
    """``POST /project/team/{sid}``: the array given becomes the whole team."""
    sid = call.args[0]
    items = validate.array_body(call)
    with store.transaction():
        must_exist(store, "project", sid)
        names = store.names()
        members: list[Record] = []
        key = cat.TEAM_STAFF_FIELD
        for item in items:
            if not isinstance(item, Mapping):
                raise bad_request("Each team member must be a JSON object.")
            member = validate.fields(cat.TEAM_MEMBER, item, names)
            staff = member.get(key)
            if staff is None:
                raise bad_request(f"{key} is required for each team member.")
            if any(m[key] == staff for m in members):
                raise bad_request(f"{key} {staff} appears twice in the team.")
            members.append(member)
        store.set_team(sid, members)
        if guesses.TEAM_CHANGE_STAMPS_PROJECT:
            project = store.record("project", sid)
            if project is not None:
                project["DtModified"] = store.now()
                store.put_record("project", project)
        team = store.team(sid)
    return Reply.json(render.array(render.record_bytes(cat.TEAM_MEMBER, m) for m in team))


def set_custom_fields(kind: str, by: Literal["Sid", "Name"]) -> Endpoint:
    """``POST /project/CustomFields[ByName]/{sid}``, ``/staff/UDFList[ByName]/{sid}``."""

    def endpoint(store: BigtimeStore, call: Call) -> Reply:
        sid = call.args[0]
        items = validate.array_body(call)
        with store.transaction():
            rec = store.record(kind, sid)
            if rec is None:
                raise not_found(kind, sid)
            try:
                rec["UdfList"] = udfs.apply(store.udf_defs(kind), rec.get("UdfList"), items, by)
            except ValueProblem as exc:
                raise bad_request(f"{exc}.") from None
            rec["DtModified"] = store.now()
            store.put_record(kind, rec)
        return Reply.json(udf_array(rec["UdfList"]))

    return endpoint


# --- time entries -------------------------------------------------------------------------------


def create_time(store: BigtimeStore, call: Call) -> Reply:
    """``POST /time?MarkSubmitted=``: negative SID unless submitted (spec §4.5)."""
    submit = validate.flag(call, cat.MARK_SUBMITTED_PARAM)
    body = validate.object_body(call)
    with store.transaction():
        names = store.names()
        rec = validate.fields(cat.TIME, body, names)
        validate.require(cat.TIME, rec)
        validate.time_rules(rec, names)
        rec = {**_time_defaults(rec), **rec}
        rec["SID"] = store.next_sid("time") if submit else store.next_unsubmitted_sid()
        store.put_time(rec)
        return Reply.json(store.time_text(rec["SID"]) or b"{}")


def _time_defaults(rec: Record) -> Record:
    # HoursBillable/ChargeBillable "default" when left out (spec §4.5, a client's finding).
    billable = Decimal(0) if rec.get("NoCharge") else rec.get("Hours_IN")
    return {
        "NoCharge": False,
        "IsApproved": False,
        "HoursBillable": billable,
        "ChargeBillable": Decimal(guesses.DEFAULT_CHARGE_BILLABLE),
    }


def update_time(store: BigtimeStore, call: Call) -> Reply:
    """``POST /time/{sid}``: submitting an unsubmitted entry renumbers it (old SID gone)."""
    sid = call.args[0]
    submit = validate.flag(call, cat.MARK_SUBMITTED_PARAM)
    body = validate.object_body(call)
    with store.transaction():
        current = store.time_record(sid)
        if current is None:
            raise not_found("time", sid)
        names = store.names()
        rec = {**current, **validate.fields(cat.TIME, body, names)}
        validate.require(cat.TIME, rec)
        validate.time_rules(rec, names)
        if submit and sid < 0:
            rec["SID"] = store.next_sid("time")
        store.put_time(rec, replaces=sid)
        return Reply.json(store.time_text(rec["SID"]) or b"{}")


def delete_time(store: BigtimeStore, call: Call) -> Reply:
    sid = call.args[0]
    with store.transaction():
        if store.time_text(sid) is None:
            raise not_found("time", sid)
        store.delete_time(sid)
    return Reply.message(200, guesses.DELETED_TEXT)
