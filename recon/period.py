"""Counterparts across the period's edge: fetched by key from the other system before mapping.

A period pull (:func:`recon.pipeline.pull_both`) holds, on each side, the dated records
inside the period. A record whose date differs between the systems across the period's
edge -- an invoice dated 30 September in Intacct and 1 October in BigTime, a time entry
moved to the next day over a month end -- is then inside on one side only, and the diff
would call it missing on the other. This step asks the other system for exactly those keys
and adds what it finds to that side's pulled frames, so the diff pairs the two records and
reports the date as what it is: a field difference. A key the other system does not hold
at all stays one-sided (it is missing there, whatever the period).

>>> found = fetch_counterparts(ia_frames, bt_frames, ia, bt, start, end)  # doctest: +SKIP
>>> found.intacct["ARINVOICE"], found.sought                            # doctest: +SKIP

Data flows one way: pull -> this step -> map -> diff. It reads the pulled frames' key
columns (the fields the canonical keys are mapped from) and returns new frames; nothing
pulled is changed in place.

How each dated entity is looked up:

- time entries (key: BigTime's entry id): in Intacct by the link field
  (``BIGTIME_ENTRYID in (...)``, chunks of 1,000); in BigTime by id (``/time/{sid}``,
  one request per entry, concurrently: BigTime has no read of several ids at once). Past
  :data:`MAX_TIME_LOOKUPS` ids, every staffer's time sheet over the search window is read
  instead (one request per staffer, however many entries are sought).
- invoices (key: the invoice number): in Intacct by ``RECORDID in (...)``, bringing their
  lines, payment applications and payment headers along the same bounds the period pull
  uses; BigTime can read an invoice only by its own SID, which Intacct does not hold, and
  has no look-up by number, so the invoice history of a bounded window around the period
  (:data:`SEARCH_DAYS` either side) is searched for the numbers instead.
- payments are bounded by their invoices (:mod:`recon.intacct.pull`), so they follow: an
  invoice fetched here brings its payment applications (Intacct) or its ``PaidAmt``
  (BigTime, on the invoice record). They are never looked up on their own.

Intacct time entries without a link id are matched by content, date included
(:mod:`recon.diff.time`); they have no key to look up and are left as they are.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd

from recon.bigtime.pull import (
    BigTimeReader,
    pull_expenses,
    pull_invoices_numbered,
    pull_time,
    pull_time_entries,
)
from recon.canonical import ENTITIES
from recon.intacct.pull import PULL_SPECS, QueryClient, key_values, pull_by_keys
from recon.intacct.uncertain import EXPENSE_LINK_FIELD, TIMESHEETENTRY_LINK_FIELD

log = logging.getLogger(__name__)

Frames = Mapping[str, pd.DataFrame]

#: Days either side of the period in which BigTime is searched by window (its invoice
#: history; time sheets past :data:`MAX_TIME_LOOKUPS`). A record re-dated across a
#: period's edge is usually days off; a quarter either side is generous and still bounded.
SEARCH_DAYS = 92
#: Time entries BigTime is asked for one by one at most. Beyond, the staffers' sheets over
#: the search window cost fewer requests (one per staffer); so many entries on one side
#: only usually means the two pulls disagree about the period, not that dates moved.
MAX_TIME_LOOKUPS = 100


@dataclass(frozen=True)
class Dated:
    """A dated canonical entity and the pulled columns its key is mapped from."""

    entity: str
    #: (Intacct object, field) holding the key (recon.mapping.intacct).
    intacct: tuple[str, str]
    #: (BigTime frame, column) holding the key (recon.mapping.bigtime).
    bigtime: tuple[str, str]


#: The pulled columns a dated entity's key is mapped from: Intacct's field, BigTime's column.
_KEY_COLUMNS: Mapping[str, tuple[str, str]] = {
    "time_entry": (TIMESHEETENTRY_LINK_FIELD, "SID"),
    "invoice": ("RECORDID", "InvoiceNbr"),
    "expense": (EXPENSE_LINK_FIELD, "SID"),
}

#: The entities a period bounds by their own date (the registry's ``period_date``), looked
#: up by key; payments follow their invoices.
DATED: tuple[Dated, ...] = tuple(
    Dated(name, (e.intacct_objects[0], _KEY_COLUMNS[name][0]),
          (e.bigtime_frame, _KEY_COLUMNS[name][1]))
    for name, e in ENTITIES.items()
    if e.period_date is not None
)  # fmt: skip


@dataclass(frozen=True)
class Sought:
    """Keys of one entity inside the period on one side only, looked up in ``system``."""

    entity: str
    #: The system asked: ``"intacct"`` (for keys only BigTime's period holds) or ``"bigtime"``.
    system: str
    keys: tuple[str, ...]
    #: The keys the system holds after all: dated outside the period there.
    found: tuple[str, ...]


@dataclass(frozen=True)
class Counterparts:
    """Both sides' pulled frames with the counterparts added, and what was sought."""

    intacct: dict[str, pd.DataFrame]
    bigtime: dict[str, pd.DataFrame]
    sought: tuple[Sought, ...]


def one_sided(intacct: Frames, bigtime: Frames) -> dict[str, tuple[list[str], list[str]]]:
    """Per dated entity both sides pulled: ``(keys only Intacct holds, keys only BigTime
    holds)``, as text in pulled order (blank keys left out: they cannot be looked up)."""
    out = {}
    for d in DATED:
        (obj, field), (frame, column) = d.intacct, d.bigtime
        if obj not in intacct or frame not in bigtime:
            continue
        ia_keys = _keys(intacct[obj], field)
        bt_keys = _keys(bigtime[frame], column)
        ia_set, bt_set = set(ia_keys), set(bt_keys)
        out[d.entity] = (
            [k for k in ia_keys if k not in bt_set],
            [k for k in bt_keys if k not in ia_set],
        )
    return out


def fetch_counterparts(
    intacct: Frames,
    bigtime: Frames,
    ia: QueryClient,
    bt: BigTimeReader,
    start: dt.date,
    end: dt.date,
    *,
    max_time_lookups: int = MAX_TIME_LOOKUPS,
    extra_fields: Mapping[str, Sequence[str]] | None = None,
) -> Counterparts:
    """Look up, in the other system, the dated records the period holds on one side only.

    Parameters
    ----------
    intacct, bigtime:
        The period's pulled frames (:func:`recon.intacct.pull.pull_all`,
        :func:`recon.bigtime.pull.pull_all`); read, never changed.
    ia, bt:
        Clients of the two systems (the pull's own).
    start, end:
        The period pulled (both inclusive); BigTime's search window is built around it
        (:data:`SEARCH_DAYS` either side).
    max_time_lookups:
        At most this many time entries are read from BigTime one by one; more are searched
        in the time sheets of the window.
    extra_fields:
        Intacct object -> more fields to select (the period pull's ``extra_fields``: a
        mapping file's custom fields), so a record found here carries them too.

    Returns
    -------
    Counterparts
        New frame mappings holding every pulled record plus those found (rows appended),
        and one :class:`Sought` per entity and system asked. Nothing asked, nothing sent.
    """
    wanted = one_sided(intacct, bigtime)
    for_intacct = {e: bt_only for e, (_, bt_only) in wanted.items() if bt_only}
    for_bigtime = {e: ia_only for e, (ia_only, _) in wanted.items() if ia_only}
    margin = dt.timedelta(days=SEARCH_DAYS)
    window = (start - margin, end + margin)
    # The two systems are asked at once: the lookups are independent.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="counterparts") as pool:
        ia_job = pool.submit(_from_intacct, ia, intacct, for_intacct, extra_fields or {})
        bt_job = pool.submit(_from_bigtime, bt, bigtime, for_bigtime, window, max_time_lookups)
        (ia_frames, ia_sought), (bt_frames, bt_sought) = ia_job.result(), bt_job.result()
    sought = (*ia_sought, *bt_sought)
    for s in sought:
        log.info(
            "%d %s key(s) inside %s..%s on one side only; %s holds %d of them outside it",
            len(s.keys), s.entity, start, end, s.system, len(s.found),
        )  # fmt: skip
    return Counterparts(ia_frames, bt_frames, sought)


# --------------------------------------------------------------------------- Intacct


def _from_intacct(
    client: QueryClient,
    frames: Frames,
    wanted: Mapping[str, list[str]],
    extra: Mapping[str, Sequence[str]],
) -> tuple[dict[str, pd.DataFrame], list[Sought]]:
    out, sought = dict(frames), []
    for d in DATED:
        keys = wanted.get(d.entity)
        if not keys:
            continue
        obj, field = d.intacct
        found = pull_by_keys(client, obj, field, keys, extra_fields=extra.get(obj, ()))
        _add_with_dependants(client, out, obj, found, extra)
        sought.append(Sought(d.entity, "intacct", tuple(keys), tuple(key_values(found[field]))))
    return out, sought


def _add_with_dependants(
    client: QueryClient,
    frames: dict[str, pd.DataFrame],
    obj: str,
    found: pd.DataFrame,
    extra: Mapping[str, Sequence[str]],
) -> None:
    """Add ``found`` records of ``obj`` to ``frames``, then, as the period pull bounds them,
    the records of the pulled objects bound to them (an invoice's lines and payment
    applications, those applications' payment headers)."""
    new = _new_records(frames[obj], found)
    if new.empty:
        return
    frames[obj] = _append(frames[obj], new)
    for child, spec in PULL_SPECS.items():
        bound = spec.bound
        if bound is None or bound.parent != obj or child not in frames:
            continue
        keys = key_values(new[bound.parent_field])
        more = pull_by_keys(client, child, bound.field, keys, extra_fields=extra.get(child, ()))
        _add_with_dependants(client, frames, child, more, extra)


def _new_records(pulled: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """``found`` less the records ``pulled`` holds already (a payment header shared by an
    invoice of the period and one found here); RECORDNO identifies an Intacct record."""
    if found.empty or "RECORDNO" not in found or "RECORDNO" not in pulled:
        return found
    held = set(key_values(pulled["RECORDNO"]))
    return found[~found["RECORDNO"].astype("str").isin(held).to_numpy()]


# --------------------------------------------------------------------------- BigTime


def _from_bigtime(
    bt: BigTimeReader,
    frames: Frames,
    wanted: Mapping[str, list[str]],
    window: tuple[dt.date, dt.date],
    max_time_lookups: int,
) -> tuple[dict[str, pd.DataFrame], list[Sought]]:
    out, sought = dict(frames), []
    keys = wanted.get("time_entry")
    if keys:
        found = _time_entries(bt, frames, keys, window, max_time_lookups)
        out["time"] = _append(out["time"], found)
        sought.append(Sought("time_entry", "bigtime", tuple(keys), tuple(_keys(found, "SID"))))
    keys = wanted.get("invoice")
    if keys:
        headers, lines = pull_invoices_numbered(bt, keys, *window)
        out["invoice"] = _append(out["invoice"], headers)
        if "invoice_line" in out:
            out["invoice_line"] = _append(out["invoice_line"], lines)
        found_numbers = tuple(_keys(headers, "InvoiceNbr"))
        sought.append(Sought("invoice", "bigtime", tuple(keys), found_numbers))
    keys = wanted.get("expense")
    if keys and "expense" in out:  # issue 16: one read of the window, no read by id
        window_expenses = pull_expenses(bt, *window)
        ids = window_expenses["SID"].astype("str").isin(set(keys)).to_numpy(bool)
        found = window_expenses[ids].reset_index(drop=True)
        out["expense"] = _append(out["expense"], found)
        sought.append(Sought("expense", "bigtime", tuple(keys), tuple(_keys(found, "SID"))))
    return out, sought


def _time_entries(
    bt: BigTimeReader,
    frames: Frames,
    keys: list[str],
    window: tuple[dt.date, dt.date],
    max_lookups: int,
) -> pd.DataFrame:
    """BigTime's entries with these ids: by id, or past ``max_lookups`` from the sheets."""
    # Only a whole number can be a BigTime entry id; any other link finds nothing.
    sids = [int(k) for k in keys if k.lstrip("-").isdigit()]
    if len(sids) <= max_lookups:
        return pull_time_entries(bt, sids) if sids else frames["time"].iloc[:0]
    staff = frames.get("staff")
    staff_sids = [int(s) for s in key_values(staff["StaffSID"])] if staff is not None else None
    sheets = pull_time(bt, *window, staff_sids=staff_sids)
    wanted = {str(sid) for sid in sids}
    return sheets[sheets["SID"].astype("str").isin(wanted).to_numpy()].reset_index(drop=True)


# --------------------------------------------------------------------------- helpers


def _keys(frame: pd.DataFrame, column: str) -> list[str]:
    """A pulled key column as distinct non-blank texts (BigTime's integer ids too)."""
    if column not in frame:
        return []
    return key_values(frame[column])


def _append(frame: pd.DataFrame, more: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s rows, then ``more``'s. Both were typed from the same catalogue (the same
    object or resource), so the columns keep their dtypes."""
    if more.empty:
        return frame
    if frame.empty:
        return more.reset_index(drop=True)
    return pd.concat([frame, more], ignore_index=True)
