"""Pull what changed since the last run, and find what was deleted (issue 15).

>>> frames = pull_changed(client, ["CUSTOMER", "TIMESHEETENTRY"], last, start=s, end=e)

``last`` holds the frames the previous successful pull of the same period produced (the
profile's snapshot, :mod:`recon.snapshot`). For each object the pull then costs:

- **An object that fits in one page** (most master data): read whole again, one request --
  no cheaper way exists (an incremental read plus a deletion check is two).
- **A larger object**: one ``query`` for ``WHENMODIFIED >= since`` (the newest stamp in
  ``last`` less :data:`~recon.intacct.uncertain.INCREMENTAL_MARGIN`: Intacct's own clock,
  so no skew with ours), merged into ``last`` by RECORDNO; then a **count** of the records
  the full pull would hold (one request: a page of one record and its ``totalcount``). The
  merged frame holds every record there now (an unchanged one was there before, a changed
  one was just read) plus any deleted since, or moved out of the period; equal counts
  therefore mean nothing was deleted. Only when they differ is the **key listing** read
  (RECORDNO alone, one request per 2,000 records) and the missing records dropped. If
  the listing names a record the merge lacks (a change Intacct did not stamp), the
  object is read whole: a snapshot never hides a record.
- **An object bound to its invoices** (payment applications): as a larger object, but its
  changes are asked for whatever their invoice and those of the period's invoices kept (one
  query, where asking by the invoices' keys takes one per 1,000 invoices); its count is by
  those keys; a record of an invoice no longer in the period is dropped at once.

Nothing here decides *whether* a run may be incremental (first run, ``full``, an old
snapshot, another period): :mod:`recon.snapshot` does, and passes no ``last`` for a full
pull.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from datetime import date, datetime

import pandas as pd

from recon.errors import ReconError, concerns_one_read
from recon.intacct import uncertain
from recon.intacct.filters import F, Filter
from recon.intacct.frames import pages_to_frame
from recon.intacct.pull import (
    PULL_SPECS,
    QueryClient,
    check_period,
    key_values,
    pull,
    pull_all,
    pull_by_keys,
    spec_for,
    with_extra_fields,
)
from recon.intacct.quoting import MAX_IN_VALUES
from recon.intacct.request import MAX_QUERY_PAGESIZE

log = logging.getLogger(__name__)

KEY = "RECORDNO"
#: An object with fewer records than this (one page) is read whole: one request, where an
#: incremental read and its count are two.
WHOLE_BELOW = MAX_QUERY_PAGESIZE


def pull_changed(
    client: QueryClient,
    objects: Iterable[str],
    last: Mapping[str, pd.DataFrame],
    *,
    start: date,
    end: date,
    extra_fields: Mapping[str, Sequence[str]] | None = None,
    failed: MutableMapping[str, ReconError] | None = None,
) -> dict[str, pd.DataFrame]:
    """The frames :func:`recon.intacct.pull.pull_all` would return for ``start`` .. ``end``,
    read as changes to ``last`` where that costs fewer requests.

    An object missing from ``last``, or held there with other columns (the mapping file's
    extra fields changed), is pulled whole. ``failed`` as in ``pull_all``.

    Raises
    ------
    ConfigError
        A bad period or extra field.
    """
    check_period(start, end)
    extras = {spec_for(o).object: f for o, f in (extra_fields or {}).items()}
    out: dict[str, pd.DataFrame] = {}
    for obj in (spec_for(o).object for o in objects):
        fields = with_extra_fields(PULL_SPECS[obj], extras.get(obj, ()))
        try:
            out[obj] = _Object(client, obj, fields, start, end, out).frame(last.get(obj))
        except ReconError as exc:
            if failed is None or not concerns_one_read(exc):
                raise
            failed[obj] = exc
    return out


class _Object:
    """One object's pull for the period: whole, or as changes to its last frame."""

    def __init__(
        self,
        client: QueryClient,
        obj: str,
        fields: tuple[str, ...],
        start: date,
        end: date,
        pulled: Mapping[str, pd.DataFrame],
    ) -> None:
        self.client, self.obj, self.fields = client, obj, fields
        self.spec = PULL_SPECS[obj]
        self.start, self.end = start, end
        # A bound object's invoices: read once from the parent pulled before it (None when
        # the parent is not among the objects asked for).
        parent = pulled.get(self.spec.bound.parent) if self.spec.bound is not None else None
        self.parent_keys: list[str] | None = None
        if self.spec.bound is not None and parent is not None:
            self.parent_keys = key_values(parent[self.spec.bound.parent_field])

    def frame(self, last: pd.DataFrame | None) -> pd.DataFrame:
        since = self._since(last)
        if last is None or since is None or len(last) < WHOLE_BELOW:
            return self._whole()
        if self.spec.bound is not None:
            if self.parent_keys is None:
                return self._whole()
            # A record of an invoice no longer in the period is no longer the period's.
            last = last[last[self.spec.bound.field].astype("str").isin(self.parent_keys)]
        changed = self._read(since)
        merged = _upsert(last, changed)
        count = self._count()
        if len(merged) == count:
            return merged
        listed = set(key_values(self._keys()[KEY]))
        if not listed <= set(key_values(merged[KEY])):
            log.warning("Intacct %s holds records no change showed: read whole", self.obj)
            return self._whole()
        return merged[merged[KEY].astype("str").isin(listed)].reset_index(drop=True)

    # --- the reads ---------------------------------------------------------------------

    @property
    def _extra(self) -> tuple[str, ...]:
        return self.fields[len(self.spec.fields) :]

    def _whole(self) -> pd.DataFrame:
        if self.spec.bound is None:
            return pull(self.client, self.obj, start=self.start, end=self.end,
                        extra_fields=self._extra)  # fmt: skip
        if self.parent_keys is None:  # its parent is not among the objects asked for
            return pull_all(self.client, [self.obj], extra_fields={self.obj: self._extra},
                            start=self.start, end=self.end)[self.obj]  # fmt: skip
        return pull_by_keys(self.client, self.obj, self.spec.bound.field, self.parent_keys,
                            extra_fields=self._extra)  # fmt: skip

    def _read(self, since: datetime) -> pd.DataFrame:
        if self.spec.bound is None:
            return pull(self.client, self.obj, since=since, start=self.start, end=self.end,
                        extra_fields=self._extra)  # fmt: skip
        # Every record changed since, whatever its invoice (a page or two), kept when its
        # invoice is the period's: one query, where asking by the invoices' keys takes one
        # per 1,000 invoices.
        changed = pull(self.client, self.obj, since=since, extra_fields=self._extra)
        mine = changed[self.spec.bound.field].astype("str").isin(set(self.parent_keys or []))
        return changed[mine].reset_index(drop=True)

    def _keys(self) -> pd.DataFrame:
        """RECORDNO alone of the records the whole pull would hold."""
        frames = []
        for flt in self._filters():
            pages = self.client.query(self.obj, [KEY], filter=flt, orderby=[KEY])
            frames.append(pages_to_frame(pages, self.obj, (KEY,)))
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def _count(self) -> int:
        """How many records the whole pull would hold: one request per filter (a page of
        one record, and its ``totalcount``)."""
        return sum(self.client.count(self.obj, flt) for flt in self._filters())

    # --- filters -------------------------------------------------------------------------

    def _filters(self) -> list[Filter | None]:
        """The whole pull's filters: the period's, or one per 1,000 of a bound object's
        invoices (an ``in`` takes no more, docs/specs/intacct-xml-api.md §3.4)."""
        if self.spec.bound is None:
            return [self.spec.query_filter(None, self.start, self.end)]
        keys = self.parent_keys or []
        base = self.spec.query_filter(None)
        chunks = [keys[at : at + MAX_IN_VALUES] for at in range(0, len(keys), MAX_IN_VALUES)]
        field = F(self.spec.bound.field)
        return [field.isin(c) if base is None else base & field.isin(c) for c in chunks]

    def _since(self, last: pd.DataFrame | None) -> datetime | None:
        """The newest WHENMODIFIED in ``last``, less the margin; None: no incremental read."""
        if last is None or not self.spec.incremental or "WHENMODIFIED" not in last.columns:
            return None
        if tuple(last.columns) != self.fields or not len(last):
            return None
        newest = pd.to_datetime(last["WHENMODIFIED"]).max()
        if pd.isna(newest):
            return None
        stamp: datetime = newest.to_pydatetime().replace(tzinfo=None)
        return stamp - uncertain.INCREMENTAL_MARGIN


def _upsert(last: pd.DataFrame, changed: pd.DataFrame) -> pd.DataFrame:
    """``last`` with each record of ``changed`` replacing its namesake (by RECORDNO), and
    the new ones appended; in RECORDNO order, as a whole pull gives them."""
    if not len(changed):
        return last.reset_index(drop=True)
    kept = last[~last[KEY].astype("str").isin(set(key_values(changed[KEY])))]
    both = pd.concat([kept, changed], ignore_index=True) if len(kept) else changed
    order = pd.to_numeric(both[KEY], errors="coerce")
    return both.iloc[order.argsort(kind="stable")].reset_index(drop=True)
