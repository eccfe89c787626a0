"""Apply changes to BigTime: clients, projects and staff, with ids resolved from fresh reads.

BigTime's API writes clients, projects and staffers (spec §4.1-4.3); its reference lists
(cost centers, classes, labor codes, terms ...) are read-only picklists (spec §4.10), so a
change to one is refused with :class:`~recon.push.writers.UnsupportedChange` before
anything is sent -- :meth:`BigTimeWriter.current` and :meth:`BigTimeWriter.settle` still
read them, so a value added by hand is recognised.

Canonical -> BigTime (docs/DESIGN.md "What syncs", its field mappings; the inverse of
:mod:`recon.mapping.bigtime`):
ids become BigTime system ids -- a customer id the client's ``SystemId``, an employee id the
SID of the staffer whose "Employee ID" custom field holds it, a department the Cost Center 1
item whose ``Code`` is it -- looked up in lists read from BigTime and cached per writer
(dropped after every create, and re-read once when a value is not found). Custom fields go
in the record's ``UdfList`` by name; the project manager is the project's team lead (the
one member flagged ``TeamLead``, spec §4.2), set with ``/project/team``.

BigTime has no idempotency key: a write of unknown outcome is settled by reading back
(a create: :meth:`~recon.bigtime.client.BigTimeClient.settle_create` by natural key; every
change: the record mapped as a pull maps it, compared exactly with what the change writes).

Citations: "spec §N" is docs/specs/bigtime-rest-api.md.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from recon.bigtime import resources, uncertain
from recon.bigtime.frames import flatten_udfs, id_array, records_to_frame
from recon.bigtime.pull import PROJECT_UDFS, STAFF_UDFS, TEAM_LEAD_COLUMN, pull_list
from recon.canonical import ENTITIES
from recon.errors import NotFoundError, RemoteError
from recon.mapping.bigtime import EMPLOYEE_ID, map_entity
from recon.mapping.bigtime_lists import ITEM_ID, LIST_ENTITIES, frame_name
from recon.mapping.common import MappingReport
from recon.push.writers import (
    System,
    UnresolvedReference,
    UnsupportedChange,
    Values,
    canonical_values,
    check_pushable,
    differing,
    record_label,
)

if TYPE_CHECKING:
    from recon.bigtime.client import BigTimeClient
    from recon.plan import Change

log = logging.getLogger("recon.push")

Record = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """Where one canonical column goes in BigTime.

    ``how``: ``field`` (the value as is), ``inactive`` (status -> ``IsInactive``), ``ref``
    (an id resolved through ``lookup``), ``udf`` (custom field ``field``), ``team`` (the
    project's team lead, resolved through ``lookup``).
    """

    how: str
    field: str = ""
    lookup: str = ""


def _f(name: str) -> Target:
    return Target("field", name)


def _ref(name: str, lookup: str) -> Target:
    return Target("ref", name, lookup)


def _list(name: str, list_name: str) -> Target:
    return Target("ref", name, "list:" + list_name)


_INACTIVE = Target("inactive", "IsInactive")

#: Entity -> (BigTime resource, lookup kind of its key, canonical column -> target).
#: Custom fields travel in the record body's ``UdfList`` by name, so a create carries its
#: key ("Employee ID") in the same request -- UNCERTAIN (spec §4.2/§4.11 list only the
#: ``CustomFieldsByName`` endpoints, body unknown); if a firm ignores ``UdfList`` in the
#: body, write them with ``BigTimeClient.set_custom_fields`` instead.
RECORDS: Mapping[str, tuple[str, str, Mapping[str, Target]]] = MappingProxyType({
    "customer": ("client", "client", {
        "customer_id": _f("ClientId"), "name": _f("Nm"), "status": _INACTIVE,
        "address1": _f("Address"), "city": _f("City"), "state": _f("State"), "zip": _f("Zip"),
        "phone": _f("MainPH"),
    }),
    "project": ("project", "project", {
        "project_id": _f("ProjectCode"), "name": _f("Nm"),
        "customer_id": _ref("ClientId", "client"),
        "project_type": _list("TypeId", "projecttype"), "status": _INACTIVE,
        "department_id": _list("CostCenterA", "costcentera"),
        "location_id": _list("CostCenterB", "costcenterb"),
        "class_id": _list("QBClassDefault", "class"),
        "manager_id": Target("team", lookup="staff"),
        "begin_date": _f("StartDt"), "end_date": _f("EndDt"),
        "term_name": _list("DefaultInvoiceTermSid", "term"),
        "po_number": Target("udf", uncertain.UDF_PO_NUMBER),
        "po_amount": Target("udf", uncertain.UDF_PO_AMOUNT),
        "so_number": Target("udf", uncertain.UDF_SO_NUMBER), "description": _f("Notes"),
    }),
    "employee": ("staff", "staff", {
        "employee_id": Target("udf", uncertain.UDF_EMPLOYEE_ID), "first_name": _f("FName"),
        "last_name": _f("SName"), "email": _f("EMail"), "title": _f("Title"),
        "department_id": _list("CostCenterA", "costcentera"),
        "location_id": _list("CostCenterB", "costcenterb"),
        "class_id": _list("IAClassDefaultId", "class"),
        "manager_id": _ref("ManagerID", "staff"),
        "start_date": _f("Start_dt"), "end_date": _f("Term_dt"), "status": _INACTIVE,
    }),
})  # fmt: skip

#: Reference lists the mapping of each record entity resolves ids through (the lists
#: among the registry's ``bigtime_lookups``).
_LISTS_OF: Mapping[str, tuple[str, ...]] = {
    entity: tuple(
        name
        for looked_up in ENTITIES[entity].bigtime_lookups
        if (name := ENTITIES[looked_up].bigtime_list) is not None
    )
    for entity in ("customer", "project", "employee")
}
#: What a lookup kind is called in messages.
_WHAT = {"client": "client (ClientId)", "project": "project (ProjectCode)",
         "staff": "staffer ('Employee ID' custom field)"}  # fmt: skip


class _NoTeam:
    """Marks a change that leaves the project team alone."""


NO_TEAM = _NoTeam()
Team = int | None | _NoTeam


class Lookups:
    """BigTime lists read once per writer: clients, projects, staff details, picklists.

    ``sid(kind, key)`` answers from the cache and re-reads that list once on a miss;
    :meth:`created` forgets what a create made stale, :meth:`invalidate` everything.
    """

    def __init__(self, client: BigTimeClient) -> None:
        self.client = client
        self._frames: dict[str, pd.DataFrame] = {}
        self._staff: dict[str, Record] | None = None

    def invalidate(self) -> None:
        self._frames.clear()
        self._staff = None

    def frame(self, kind: str) -> pd.DataFrame:
        """The cached frame of ``client``, ``project``, ``staff`` or ``list:<name>``."""
        if kind == "staff":
            return self._staff_frame()
        if kind not in self._frames:
            self._frames[kind] = self._read(kind)
        return self._frames[kind]

    def sid(self, kind: str, key: str) -> int | str | None:
        """The BigTime id of the record or list item whose Intacct key is ``key``."""
        for attempt in (1, 2):
            found = _index(self.frame(kind), kind).get(key)
            if found is not None or attempt == 2:
                return found
            self.drop(kind)  # maybe added since the list was read
        return None  # pragma: no cover

    def drop(self, kind: str) -> None:
        if kind == "staff":
            self._staff = None
        self._frames.pop(kind, None)

    def created(self, kind: str, record: Record) -> None:
        """Forget only what a create of ``kind`` made stale. A new staffer's detail (with its
        "Employee ID") is the create's answer: keep it rather than re-read every staffer."""
        if kind == "staff" and self._staff is not None and record.get("StaffSID") is not None:
            self.put_staffer(record)
            return
        self.drop(kind)

    def put_staffer(self, record: Record) -> None:
        """Keep a staffer just read in full (fresher than the cached one)."""
        if self._staff is not None:
            self._staff[str(record.get("StaffSID"))] = record

    def _read(self, kind: str) -> pd.DataFrame:
        if kind == "client":
            return records_to_frame("client", self.client.clients(show_inactive=True))
        if kind == "project":
            return records_to_frame("project", self.client.projects(show_inactive=True))
        return pull_list(self.client, kind.removeprefix("list:"))

    def _staff_frame(self) -> pd.DataFrame:
        if self._staff is None:
            listed = self.client.staff(show_inactive=True)
            sids = [int(r["StaffSID"]) for r in listed if r.get("StaffSID") is not None]
            # Details hold the "Employee ID" custom field: one request per staffer, as a
            # pull reads them, a few at a time.
            workers = max(1, min(self.client.settings.concurrency, len(sids)))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                details = list(pool.map(self._staffer_or_none, sids))
            self._staff = {str(d.get("StaffSID")): d for d in details if d is not None}
        frame = records_to_frame("staff", list(self._staff.values()))
        return flatten_udfs(frame, names=STAFF_UDFS)

    def _staffer_or_none(self, sid: int) -> Record | None:
        try:
            return self.client.staffer(sid)
        except NotFoundError:  # deleted between the list and its detail
            return None


#: Lookup kind -> (column holding the Intacct key, column holding the BigTime id).
_RECORD_KEYS: Mapping[str, tuple[str, str]] = {
    "client": ("ClientId", "SystemId"),
    "project": ("ProjectCode", "SystemId"),
    "staff": (EMPLOYEE_ID, "StaffSID"),
}


def _index(frame: pd.DataFrame, kind: str) -> dict[str, int | str]:
    """``Intacct key -> BigTime id`` of one looked-up frame (the first of a repeated key)."""
    if kind.startswith("list:"):
        key_col, id_col = uncertain.LISTS[kind.removeprefix("list:")].key_field, ITEM_ID
    else:
        key_col, id_col = _RECORD_KEYS[kind]
    if key_col not in frame.columns or id_col not in frame.columns:
        return {}
    out: dict[str, int | str] = {}
    for key, sid in zip(frame[key_col].tolist(), frame[id_col].tolist(), strict=True):
        if isinstance(key, str) and key and sid is not None and not pd.isna(sid):
            out.setdefault(key, _id(sid))
    return out


def _id(value: Any) -> int | str:
    """A BigTime id as the API takes it: an int, or the text some picklists use."""
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text


class BigTimeWriter:
    """Applies changes to one BigTime firm through ``client``.

    Parameters
    ----------
    client:
        A :class:`~recon.bigtime.client.BigTimeClient` allowed to write.

    Notes
    -----
    Not thread-safe (it caches look-ups): one writer per thread.
    """

    system: System = "bigtime"

    def __init__(self, client: BigTimeClient) -> None:
        self.client = client
        self.lookups = Lookups(client)

    def __repr__(self) -> str:
        return f"BigTimeWriter({self.client!r})"

    # --- the Writer protocol --------------------------------------------------------------

    def current(self, change: Change) -> Values | None:
        """The BigTime record's canonical values for ``change.fields``, read now.

        The record (or list) is read fresh and mapped exactly as a pull is
        (:func:`recon.mapping.bigtime.map_entity`); ``None`` when BigTime has no record
        with the change's key.
        """
        frames = self._frames_of(change)
        if frames is None:
            return None
        canonical = map_entity(change.entity, frames, MappingReport("bigtime"))
        return canonical_values(canonical, change)

    def apply(self, change: Change, idem_key: str) -> str:
        """Write the change; return the record's BigTime id (``SystemId`` / ``StaffSID``).

        Every reference is resolved before the first request, so a missing one sends
        nothing. ``idem_key`` is only logged: BigTime has no idempotency key.

        Raises
        ------
        recon.errors.WriteOutcomeUnknown
            A request may have landed: call :meth:`settle`, never ``apply`` again.
        recon.errors.ValidationError
            BigTime refused the write (HTTP 400); the message carries BigTime's text.
        UnsupportedChange, UnresolvedReference
            Refused before sending.
        """
        resource, _, _ = self._record_spec(change)
        check_pushable(change, self.system)
        body, team = self._bodies(change)
        if change.action == "create":
            record = self.client.create(resource, body)
            sid = int(record[resources.resource(resource).id_field])
            self.lookups.created(resource, record)
        else:
            sid = self._existing(change)
            if body:
                self.client.update(resource, sid, body)
        if not isinstance(team, _NoTeam):
            self._team_step(change, sid, team)
        log.info("BigTime %s %s: %s (key %s)", change.action, resource, record_label(change),
                 idem_key)  # fmt: skip
        return str(sid)

    def _team_step(self, change: Change, sid: int, lead: int | None) -> None:
        """Set the team lead after the record was saved; a refusal says the record was."""
        try:
            self._set_team_lead(sid, lead)
        except RemoteError as exc:
            done = "created" if change.action == "create" else "updated"
            raise type(exc)(
                f"{record_label(change)}: BigTime project {sid} was {done}, but setting its "
                f"team lead (project manager) failed: {exc.message}",
                system=exc.system, operation=exc.operation, errors=exc.errors,
                controlid=exc.controlid, status=exc.status,
            ) from exc  # fmt: skip

    def settle(self, change: Change, idem_key: str) -> str | None:
        """Read back: the record's id if the change shows in BigTime, else ``None``.

        "Shows" is judged on the record read now and mapped exactly as a pull maps it
        (:meth:`current`), field by field with the canonical values' own equality -- the
        equality the diff found the difference with. A change made *because* of letter case
        or spacing is therefore confirmed only by the exact text: a comparison that ignored
        them would call a lost write applied (issue 12: a trailing space "removed" by a
        write that never landed).

        A create is found by its natural key (``settle_create``; a staffer by its "Employee
        ID"); when its later steps (the team lead) had not run yet, they are completed
        here, since creating again would duplicate the record. An update counts as applied
        when every field it writes shows -- else ``None``, and resending it is harmless (it
        sets values). For a reference list: applied when the item shows the after values
        (someone made the change by hand).
        """
        if change.entity not in LIST_ENTITIES:
            resource, _, _ = self._record_spec(change)
            if change.action == "create":
                return self._settle_create(change, resource)
        now = self.current(change)  # the record itself is read fresh
        if now is None or differing(change, now):
            return None
        if change.entity in LIST_ENTITIES:
            item = self.lookups.sid(_list_kind(change.entity), change.key_in_target)
            return None if item is None else str(item)
        return str(self._existing(change))

    # --- records --------------------------------------------------------------------------

    def _record_spec(self, change: Change) -> tuple[str, str, Mapping[str, Target]]:
        found = RECORDS.get(change.entity)
        if found is None:
            raise UnsupportedChange(_unsupported(change))
        if change.action not in ("create", "update", "deactivate"):
            raise UnsupportedChange(f"unknown action {change.action!r} for {record_label(change)}")
        return found

    def _sid_of(self, change: Change) -> int | None:
        _, kind, _ = self._record_spec(change)
        sid = self.lookups.sid(kind, change.key_in_target)
        return int(sid) if sid is not None else None

    def _existing(self, change: Change) -> int:
        sid = self._sid_of(change)
        if sid is None:
            _, kind, _ = self._record_spec(change)
            raise UnresolvedReference(
                f"BigTime has no {_WHAT[kind]} {change.key_in_target!r} to {change.action}; "
                "pull again "
                "and review the plan"
            )
        return sid

    def _settle_create(self, change: Change, resource: str) -> str | None:
        sid = self._landed(change, resource)
        if sid is None:
            return None
        self.lookups.invalidate()
        rest = differing(change, self.current(change))
        if rest:  # the record landed, a later step did not: finish it, never create twice
            log.info("BigTime %s %s: completing %s", resource, sid, ", ".join(rest))
            more, team = self._bodies(change, only=rest, action="update")
            if more:
                self.client.update(resource, sid, more)
            if not isinstance(team, _NoTeam):
                self._set_team_lead(sid, team)
        return str(sid)

    def _landed(self, change: Change, resource: str) -> int | None:
        """The SID of the record a create of ``change`` made, if it landed."""
        if resource == "staff":
            # A staffer's natural key (EMail) may match an older staffer; the "Employee ID"
            # travelled in the create itself, so the canonical key finds exactly ours.
            return self._sid_of(change)
        body, _ = self._bodies(change)
        found = self.client.settle_create(resource, body)
        return int(found[resources.resource(resource).id_field]) if found else None

    def _bodies(
        self, change: Change, *, only: Collection[str] | None = None, action: str | None = None
    ) -> tuple[Record, Team]:
        """The record body and the team lead to set (``NO_TEAM``: leave the team alone)."""
        _, _, targets = self._record_spec(change)
        body: Record = {}
        udfs: list[Record] = []
        team: Team = NO_TEAM
        for column, after in _writes(change, action or change.action):
            if only is not None and column not in only:
                continue
            target = targets[column]
            if target.how == "udf":
                udfs.append({"Name": target.field, "Value": after})
            elif target.how == "team":
                team = self._resolve(change, column, target.lookup, after)
            elif target.how == "ref":
                body[target.field] = self._resolve(change, column, target.lookup, after)
            elif target.how == "inactive":
                body[target.field] = None if after is None else after == "inactive"
            else:
                body[target.field] = after
        if udfs:
            body["UdfList"] = udfs
        return body, team

    def _resolve(self, change: Change, column: str, kind: str, key: str | None) -> Any:
        if key is None:
            return None
        sid = self.lookups.sid(kind, key)
        if sid is None:
            what = _WHAT.get(kind) or f"{kind.removeprefix('list:')} list item"
            raise UnresolvedReference(
                f"{record_label(change)}: {column} {key!r} is not in BigTime (no {what}); "
                "push the change that creates it first, or add it in BigTime"
            )
        return sid

    def _set_team_lead(self, sid: int, lead: int | None) -> None:
        """Make ``lead`` the project's only team lead (adding them to the team if needed)."""
        members: list[Record] = []
        for member in self.client.project_team(sid):
            staff = member.get("StaffSid")
            kept = {"StaffSid": staff, "ContactRole": member.get("ContactRole")}
            kept[uncertain.TEAM_LEAD_FIELD] = staff == lead
            members.append({k: v for k, v in kept.items() if v is not None})
        if lead is not None and all(m["StaffSid"] != lead for m in members):
            members.append({"StaffSid": lead, uncertain.TEAM_LEAD_FIELD: True})
        self.client.set_project_team(sid, members)

    # --- reading for current() ------------------------------------------------------------

    def _frames_of(self, change: Change) -> dict[str, pd.DataFrame] | None:
        if change.entity in LIST_ENTITIES:
            kind = _list_kind(change.entity)
            self.lookups.drop(kind)  # read it now: the guard needs today's values
            return {frame_name(kind.removeprefix("list:")): self.lookups.frame(kind)}
        _, kind, _ = self._record_spec(change)
        for attempt in (1, 2):
            sid = self._sid_of(change)
            if sid is None:
                return None
            try:
                return self._record_frames(change.entity, sid)
            except NotFoundError:  # deleted since the list was read
                if attempt == 2:
                    return None
                self.lookups.drop(kind)
        return None  # pragma: no cover

    def _record_frames(self, entity: str, sid: int) -> dict[str, pd.DataFrame]:
        lists = {frame_name(n): self.lookups.frame("list:" + n) for n in _LISTS_OF[entity]}
        if entity == "customer":
            return {"client": records_to_frame("client", [self.client.client(sid)])}
        if entity == "employee":
            self.lookups.frame("staff")  # the others, for the manager's employee id
            self.lookups.put_staffer(self.client.staffer(sid))
            return {"staff": self.lookups.frame("staff"), **lists}
        detail, team = self.client.project(sid), self.client.project_team(sid)
        frame = records_to_frame("project", [detail])
        frame[TEAM_LEAD_COLUMN] = id_array([_lead(team)])
        frame = flatten_udfs(frame, names=PROJECT_UDFS)
        others = {"client": self.lookups.frame("client"), "staff": self.lookups.frame("staff")}
        return {"project": frame, **others, **lists}


# --- helpers ----------------------------------------------------------------------------


def _writes(change: Change, action: str) -> Iterator[tuple[str, str | None]]:
    """``(column, after)`` pairs to write: a create leaves out missing values and always
    carries the key; an update or deactivate never rewrites the key."""
    key = ENTITIES[change.entity].key
    if action == "create" and all(f.field != key for f in change.fields):
        yield key, change.key
    for f in change.fields:
        if action == "create" and f.after is None:
            continue
        if action != "create" and f.field == key:
            continue
        yield f.field, f.after


def _lead(team: list[Record]) -> int | None:
    """The project's team lead, as the pull reads it: the first member flagged."""
    for member in team:
        if member.get(uncertain.TEAM_LEAD_FIELD) is True:
            sid = member.get("StaffSid")
            return int(sid) if sid is not None else None
    return None


def _list_kind(entity: str) -> str:
    return ENTITIES[entity].bigtime_frame


def _unsupported(change: Change) -> str:
    if change.entity in LIST_ENTITIES:
        return (
            f"{record_label(change)}: BigTime's API cannot add, change or deactivate "
            "reference-list values (picklists are read-only); make this change in BigTime "
            "by hand, or let BigTime's own Intacct sync bring it over"
        )
    return (
        f"{record_label(change)}: recon does not write {change.entity.replace('_', ' ')} "
        "records to BigTime; make this change in BigTime by hand"
    )
