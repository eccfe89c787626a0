"""Settle BigTime writes whose outcome is unknown, by reading back and comparing.

BigTime has no idempotency key (spec §5), so a write that raised
:class:`~recon.errors.WriteOutcomeUnknown` cannot be resent safely: it may have landed. The
only way to know is to look (docs/ENGINEERING-NOTES.md "Exactly-once writes"):

- a create is found by the resource's ``natural_key`` (:mod:`recon.bigtime.resources`):
  client ``ClientId``, project ``ProjectCode``, staffer ``EMail`` (each through the list,
  inactive rows included), time entry by the staffer's sheet for that ``Dt`` matching
  ``ProjectSID``, ``Hours_IN`` and ``Notes``;
- an update is confirmed when the record shows every writable field that was sent
  (names in any case; numbers compared as Decimal, dates as dates, text exactly: a write
  whose whole point is letter case or spacing is confirmed only by the exact text).

Limits: a natural key only identifies a record if it is unique. BigTime refuses duplicate
``ClientId``/``ProjectCode``, but two identical time entries are legal -- pass the SIDs
that existed before the write as ``exclude`` to tell a new one from an old twin.

Citations: "spec §N" is docs/specs/bigtime-rest-api.md, "evidence §N"
docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from recon.bigtime import resources, uncertain
from recon.bigtime.normalise import NESTED, normalise_record, parse_date, parse_datetime
from recon.bigtime.resources import Field, Resource
from recon.errors import ConfigError, NotFoundError

if TYPE_CHECKING:
    from recon.bigtime.client import BigTimeClient

log = logging.getLogger("recon.bigtime")


def settle_create(
    client: BigTimeClient,
    resource_name: str,
    body: Mapping[str, Any],
    *,
    exclude: Iterable[int] = (),
) -> dict[str, Any] | None:
    """The record a create of ``body`` produced, or None if it did not land.

    Parameters
    ----------
    client:
        The client to read with.
    resource_name:
        ``"client"``, ``"project"``, ``"staff"`` or ``"time"``.
    body:
        The body that was sent (keys in any case).
    exclude:
        SIDs known to exist before the write; never taken for the new record.

    Returns
    -------
    dict or None
        The landed record (Detailed view; time: as on the sheet), or None.

    Raises
    ------
    ConfigError
        ``body`` lacks a natural-key field, so nothing could identify the record.
    """
    res = resources.resource(resource_name)
    sent = normalise_record(body, res)
    skip = set(exclude)
    if res is resources.TIME:
        return _landed_time(client, sent, skip, res.natural_key)
    readers = {
        "client": (client.clients, client.client),
        "project": (client.projects, client.project),
        "staff": (client.staff, client.staffer),
    }
    if res.name not in readers:
        raise ConfigError(f"cannot settle a create of BigTime {res.name!r} records")
    wanted = _key_values(res, sent, res.natural_key)
    listing, detail = readers[res.name]
    rows = [
        row
        for row in listing(show_inactive=True)
        if _sid(row, res) not in skip and all(_same_key(row.get(k), v) for k, v in wanted.items())
    ]
    found = _newest(rows, res, wanted)
    return detail(_sid(found, res)) if found is not None else None


def settle_update(
    client: BigTimeClient, resource_name: str, sid: int, body: Mapping[str, Any]
) -> bool:
    """True if record ``sid`` shows every writable field of ``body``, else False.

    Fields BigTime ignores on write (unknown or read-only, spec §5) are not compared. A
    time entry submitted by the update has a new SID (spec §4.5); when ``sid`` is gone
    and ``body`` holds ``StaffSID`` and ``Dt``, the staffer's sheet for that day is
    searched for an entry showing the body instead.
    """
    res = resources.resource(resource_name)
    sent = _writable_fields(res, body)
    if not sent:
        raise ConfigError(f"nothing writable to compare in the BigTime {res.name} update")
    try:
        record = _read_detail(client, res, sid)
    except NotFoundError:
        if res is resources.TIME and {"StaffSID", "Dt"} <= sent.keys():
            return any(shows(res, e, sent) for e in _sheet_day(client, sent))
        return False
    return shows(res, record, sent)


def shows(res: Resource, record: Mapping[str, Any], sent: Mapping[str, Any]) -> bool:
    """True if ``record`` holds every (canonical) field of ``sent`` with an equal value."""
    got = normalise_record(record, res)
    for name, value in sent.items():
        spec = res.field(name)
        if name not in got or not same_value(spec, got[name], value):
            log.debug("BigTime %s: field %s differs from what was sent", res.name, name)
            return False
    return True


def same_value(spec: Field | None, got: Any, sent: Any) -> bool:
    """Equal as BigTime means it: numbers as Decimal, dates as dates, null == ``""``, text
    exactly (case and spacing count: they may be what the write was for)."""
    if _empty(got) and _empty(sent):
        return True
    kind = spec.kind if spec is not None else "text"
    if kind == "ref" and _unset_ref(got) and _unset_ref(sent):
        return True  # BigTime answers "no reference" as 0 (TypeId, evidence §2.4)
    try:
        if kind in ("money", "hours", "int", "sid", "ref"):
            return _number(got) == _number(sent)
        if kind == "date":
            return parse_date(got) == parse_date(sent)
        if kind == "datetime":
            return parse_datetime(got) == parse_datetime(sent)
    except (ValueError, InvalidOperation, TypeError):
        return False
    if kind == "bool":
        return _boolean(got) == _boolean(sent)
    if kind == "list":
        nested = NESTED.get(spec.name) if spec is not None else None
        return _list_shows(got, sent, nested)
    return _plain_equal(got, sent)


# --- helpers --------------------------------------------------------------------------


def _landed_time(
    client: BigTimeClient, sent: dict[str, Any], skip: set[int], key: tuple[str, ...]
) -> dict[str, Any] | None:
    required = tuple(k for k in key if k != "Notes")  # no notes = empty notes
    wanted = _key_values(resources.TIME, sent, required)
    wanted["Notes"] = sent.get("Notes")
    res = resources.TIME
    rows = [
        e
        for e in _sheet_day(client, sent)
        if _sid(e, res) not in skip
        and all(same_value(res.field(k), e.get(k), v) for k, v in wanted.items())
    ]
    return _newest(rows, res, wanted)


def _sheet_day(client: BigTimeClient, sent: Mapping[str, Any]) -> list[dict[str, Any]]:
    day = parse_date(sent.get("Dt"))
    if day is None:
        raise ConfigError("cannot settle a BigTime time entry without its Dt")
    return client.time_sheet(int(sent["StaffSID"]), day, day)


def _read_detail(client: BigTimeClient, res: Resource, sid: int) -> dict[str, Any]:
    readers = {
        "client": client.client,
        "project": client.project,
        "staff": client.staffer,
        "time": client.time_entry,
        "invoice": client.invoice,
        "task": client.task,
    }
    if res.name not in readers:
        raise ConfigError(f"cannot settle an update of BigTime {res.name!r} records")
    return readers[res.name](sid)


def _key_values(res: Resource, sent: Mapping[str, Any], key: tuple[str, ...]) -> dict[str, Any]:
    missing = [k for k in key if _blank(sent.get(k))]
    if missing:
        raise ConfigError(
            f"cannot settle a BigTime {res.name} create: the body has no {', '.join(missing)}"
        )
    return {k: sent[k] for k in key}


def _writable_fields(res: Resource, body: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in body.items():
        spec = res.field(key)
        if spec is not None and spec.writable:
            out[spec.name] = value
    return out


def _newest(rows: list[dict[str, Any]], res: Resource, wanted: Mapping[str, Any]) -> Any:
    if len(rows) > 1:
        log.warning(
            "BigTime %s: %d records match %s; taking the newest",
            res.name, len(rows), ", ".join(wanted),
        )  # fmt: skip
    # Newest = largest |SID| (unsubmitted time entries count down from -1, spec §4.5).
    return max(rows, key=lambda r: abs(_sid(r, res) or 0), default=None)


def _sid(row: Mapping[str, Any], res: Resource) -> Any:
    return normalise_record(row, res).get(res.id_field)


def _same_key(got: Any, sent: Any) -> bool:
    # Exactly: a record whose key differs in case or spacing is another record (or ours not
    # as it was meant), never proof that this create landed.
    return _text(got) == _text(sent)


def _same_name(got: Any, sent: Any) -> bool:
    # A custom field's *name* is matched as BigTime matches it (case-insensitively).
    return _text(got).strip().casefold() == _text(sent).strip().casefold()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _unset_ref(value: Any) -> bool:
    """No reference: null, ``""`` or :data:`uncertain.UNSET_REF` (0)."""
    if _empty(value):
        return True
    return not isinstance(value, bool) and value in (uncertain.UNSET_REF, str(uncertain.UNSET_REF))


def _blank(value: Any) -> bool:
    """No usable value (a key field of a create must have one)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _empty(value: Any) -> bool:
    """Null or the empty string, which BigTime answers alike; whitespace is a value."""
    return value is None or value == ""


def _number(value: Any) -> Decimal | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    return Decimal(value) if isinstance(value, int | Decimal) else Decimal(str(value).strip())


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _plain_equal(got: Any, sent: Any) -> bool:
    """Text (or a value of unknown kind): numbers as Decimal, otherwise the exact text."""
    if isinstance(got, int | Decimal) or isinstance(sent, int | Decimal):
        try:
            return _number(got) == _number(sent)
        except (InvalidOperation, TypeError):
            return False
    return _text(got) == _text(sent)


def _list_shows(got: Any, sent: Any, nested: Resource | None) -> bool:
    """Every sent item (e.g. ``{"Name": "PO Number", "Value": "PO-1"}``) is in ``got``."""
    if not isinstance(got, list) or not isinstance(sent, list):
        return False
    for item in sent:
        if not isinstance(item, Mapping):
            return False
        want = normalise_record(item, nested) if nested else dict(item)
        have = [normalise_record(g, nested) if nested else g for g in got if isinstance(g, Mapping)]
        if not any(all(_item_same(h.get(k), v, k) for k, v in want.items()) for h in have):
            return False
    return True


def _item_same(got: Any, sent: Any, key: str) -> bool:
    # UDF names are matched like BigTime matches them (case-insensitively); values exactly.
    if key == "Name":
        return _same_name(got, sent)
    return (_empty(got) and _empty(sent)) or _plain_equal(got, sent)
