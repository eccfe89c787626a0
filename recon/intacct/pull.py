"""One pull for every Intacct object recon reconciles: ``query`` pages -> one typed DataFrame.

>>> customers = pull(client, "CUSTOMER")                       # everything
>>> changed = pull(client, "TIMESHEETENTRY", since=last_run)   # WHENMODIFIED >= last_run
>>> entries = pull(client, "time_entry")                       # or by canonical entity
>>> frames = pull_all(client, since=last_run)                  # read-only mapping
>>> october = pull_all(client, start=date(2025, 10, 1), end=date(2025, 10, 31))

The table :data:`PULL_SPECS` says, per object, which fields are selected (the schema's, less
the few personal ones recon never needs), which records (ITEM: non-inventory types only) and
in which order (RECORDNO, so offset paging neither skips nor repeats rows; spec §3.4).
Incremental pulls add ``WHENMODIFIED >= since`` to the object's own filter. Deletions are not
visible that way (spec notes: only AUDITHISTORY or a full key-set comparison shows them), so
a caller that must see removals pulls fully now and then. ``since`` is a naive datetime in
the company's time zone (Intacct datetimes carry none); subtract a lookback yourself.

A period (``start``/``end``, both inclusive, as BigTime's pull takes it) bounds the dated
objects: time entries by ENTRYDATE and invoices by WHENCREATED (the fields of the canonical
``entry_date`` and ``invoice_date``, the registry's ``period_date``), time sheets by the
week they span. Invoice lines and
payment applications follow the period's invoices (RECORDKEY in their RECORDNOs), payment
headers follow those applications: BigTime's only payment fact is the amount paid on each
invoice of the period, whenever it was paid, so the Intacct side must hold every
application to those same invoices -- no more (a September invoice paid in October has no
BigTime counterpart in October's invoices) and no less. Master data is never date-bound.

Citations: "spec §N" is docs/specs/intacct-xml-api.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from operator import and_
from types import MappingProxyType
from typing import Protocol

import pandas as pd

from recon.canonical import ENTITIES as CANONICAL
from recon.errors import ConfigError, ReconError, concerns_one_read
from recon.intacct import schema as schemas
from recon.intacct.filters import F, Filter, modified_since
from recon.intacct.frames import pages_to_frame
from recon.intacct.page import Page
from recon.intacct.quoting import MAX_IN_VALUES
from recon.intacct.uncertain import NON_INVENTORY_ITEMTYPES

#: Personal and banking fields in the schema that no reconciliation needs: never pulled,
#: so they never reach a DataFrame, a snapshot or a report.
NOT_PULLED = frozenset({"SSN", "TAXID", "BIRTHDATE", "BANKACCOUNTNO", "ROUTINGNO"})
#: A period at least this long pulls a large object as a full pull does (speculative first
#: wave of pages); a month of time entries is a page or two, and empty speculative pages
#: would cost API transactions for nothing.
LONG_PERIOD_DAYS = 92


class QueryClient(Protocol):
    """What a pull needs of :class:`recon.intacct.client.IntacctClient`."""

    def query(
        self,
        obj: str,
        select: Sequence[str],
        *,
        filter: Filter | None = None,
        orderby: Sequence[str] | None = None,
        pagesize: int | None = None,
        concurrency: int | None = None,
        expect_many: bool = False,
    ) -> Iterator[Page]: ...

    def count(self, obj: str, filter: Filter | None = None) -> int: ...


@dataclass(frozen=True)
class PullSpec:
    """How one Intacct object is pulled.

    Attributes
    ----------
    object:
        The Intacct object name (``"CUSTOMER"``).
    fields:
        Selected fields, also the DataFrame's columns in this order.
    filter:
        Which records, or ``None`` for all.
    orderby:
        Sort fields (ascending); RECORDNO keeps offset paging stable.
    incremental:
        True when the object has ``WHENMODIFIED``, so ``since`` can narrow the pull.
    large:
        Many pages even in a small firm (time entries): a full pull sends its first wave
        of pages without waiting for the first page (``IntacctClient.query(expect_many)``).
    dated:
        The fields of the first and last day a record covers (the same field twice for a
        record of one day), when a period bounds the object: it holds the records whose
        days overlap the period. ``None``: not dated (master data, or :attr:`bound`).
    bound:
        For an object that a period bounds through another one (invoice lines through
        their invoices): which of its records belong to the other's records in the period.
    """

    object: str
    fields: tuple[str, ...]
    filter: Filter | None = None
    orderby: tuple[str, ...] = ("RECORDNO",)
    incremental: bool = True
    large: bool = False
    dated: tuple[str, str] | None = None
    bound: Bound | None = None

    def query_filter(
        self, since: datetime | None, start: date | None = None, end: date | None = None
    ) -> Filter | None:
        """The spec's filter, narrowed to ``WHENMODIFIED >= since`` when that is possible,
        and to the period ``start`` .. ``end`` when the object is :attr:`dated`."""
        parts = [self.filter]
        if since is not None and self.incremental:
            parts.append(modified_since(since))  # refuses dates and aware datetimes
        if start is not None and end is not None:
            parts.append(self.period_filter(start, end))
        present = [p for p in parts if p is not None]
        return reduce(and_, present) if present else None

    def period_filter(self, start: date, end: date) -> Filter | None:
        """The records of a :attr:`dated` object within ``start`` .. ``end`` (inclusive)."""
        if self.dated is None:
            return None
        first, last = self.dated
        if first == last:
            return F(first).between(start, end)
        # A record spanning days (a weekly time sheet) belongs to every period it overlaps.
        return (F(first) <= end) & (F(last) >= start)


@dataclass(frozen=True)
class Bound:
    """How a period bounds an object through another: its ``field`` holds the values of
    ``parent_field`` of the ``parent`` records in the period (``ARPYMTDETAIL.RECORDKEY`` in
    the period's ``ARINVOICE.RECORDNO``)."""

    field: str
    parent: str
    parent_field: str


#: Intacct object -> the field of its canonical entity's period date (the registry's
#: ``period_date``: ``time_entry.entry_date`` is ENTRYDATE, ``invoice.invoice_date``
#: WHENCREATED): the date that places a record in a period, on both systems alike.
PERIOD_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        e.intacct_objects[0]: e.col(day).intacct
        for e in CANONICAL.values()
        if (day := e.period_date) is not None
    }
)


def _spec(
    obj: str,
    filter: Filter | None = None,
    *,
    large: bool = False,
    dated: tuple[str, str] | None = None,
    bound: Bound | None = None,
) -> PullSpec:
    """The spec of ``obj``; an object of a dated entity is :attr:`PullSpec.dated` by its
    :data:`PERIOD_FIELDS` field."""
    sch = schemas.get(obj)
    fields = tuple(name for name in sch.fields if name not in NOT_PULLED)
    incremental = sch.has_whenmodified and "WHENMODIFIED" in sch.fields
    day = PERIOD_FIELDS.get(sch.name)
    if dated is None and day is not None:
        dated = (day, day)
    return PullSpec(
        sch.name, fields, filter, incremental=incremental, large=large, dated=dated, bound=bound
    )


#: Lines and payment applications point at their invoice's RECORDNO (spec §5).
_BY_INVOICE = Bound("RECORDKEY", "ARINVOICE", "RECORDNO")


#: Every object recon reconciles (docs/DESIGN.md "What syncs"), in dependency order.
PULL_SPECS: Mapping[str, PullSpec] = MappingProxyType(
    {
        spec.object: spec
        for spec in (
            _spec("CUSTOMER"),
            _spec("PROJECT"),
            _spec("EMPLOYEE"),
            _spec("VENDOR"),
            _spec("DEPARTMENT"),
            _spec("LOCATION"),
            _spec("CLASS"),
            _spec("PROJECTTYPE"),
            _spec("TIMETYPE"),
            _spec("EEACCOUNTLABEL"),
            # Stock items never go to BigTime: only the non-inventory types (UNCERTAIN names).
            _spec("ITEM", F("ITEMTYPE").isin(NON_INVENTORY_ITEMTYPES)),
            _spec("GLACCOUNT"),
            _spec("CHECKINGACCOUNT"),
            _spec("CREDITCARD"),
            _spec("ARTERM"),
            _spec("TIMESHEET", dated=("BEGINDATE", "ENDDATE")),
            # ~25k rows (13 pages) at the smallest; dated by ENTRYDATE (PERIOD_FIELDS)
            _spec("TIMESHEETENTRY", large=True),
            _spec("ARINVOICE"),  # dated by WHENCREATED (PERIOD_FIELDS)
            _spec("ARINVOICEITEM", bound=_BY_INVOICE),
            # A payment header belongs to the period when it paid one of its invoices.
            _spec("ARPYMT", bound=Bound("RECORDNO", "ARPYMTDETAIL", "PAYMENTKEY")),
            # Every application to the period's invoices, whenever it was paid: see above.
            _spec("ARPYMTDETAIL", bound=_BY_INVOICE),
            # Expense lines are dated by ENTRYDATE (PERIOD_FIELDS); a report belongs to the
            # period when one of its lines does (issue 16).
            _spec("EEXPENSESITEM"),
            _spec("EEXPENSES", bound=Bound("RECORDNO", "EEXPENSESITEM", "RECORDKEY")),
        )
    }
)

#: The object names :func:`pull` and :func:`pull_all` accept (and every canonical entity's
#: name: :func:`spec_for`).
ENTITIES: tuple[str, ...] = tuple(PULL_SPECS)


def spec_for(entity: str) -> PullSpec:
    """The :class:`PullSpec` of ``entity``: an Intacct object name (any case), or a
    canonical entity's (``"time_entry"``: the object its records are read from,
    TIMESHEETENTRY; a payment's are its ARPYMTDETAIL applications).

    Raises
    ------
    ConfigError
        ``entity`` is not one recon pulls; the message lists those it does.
    """
    found = None
    if isinstance(entity, str):
        found = PULL_SPECS.get(entity.upper())
        canonical = CANONICAL.get(entity.lower())
        if found is None and canonical is not None:
            found = PULL_SPECS.get(canonical.intacct_objects[0])
    if found is None:
        raise ConfigError(
            f"recon does not pull {entity!r} from Intacct; use one of: {', '.join(ENTITIES)} "
            f"(or a canonical entity: {', '.join(CANONICAL)})"
        )
    return found


def pull(
    client: QueryClient,
    entity: str,
    *,
    since: datetime | None = None,
    concurrency: int | None = None,
    extra_fields: Sequence[str] = (),
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Pull one object into a typed DataFrame (columns = the spec's fields, then the extras).

    Parameters
    ----------
    client:
        An :class:`~recon.intacct.client.IntacctClient` (anything with its ``query``).
    entity:
        An Intacct object name from :data:`ENTITIES`, e.g. ``"CUSTOMER"``, or a canonical
        entity's name, e.g. ``"time_entry"`` (:func:`spec_for`).
    since:
        Naive datetime: only records with ``WHENMODIFIED >= since``. Objects without
        ``WHENMODIFIED`` are pulled in full.
    concurrency:
        Pages in flight at once; ``None`` uses the client's setting.
    extra_fields:
        More fields to select, e.g. a custom field a mapping override compares
        (:meth:`recon.mapping.overrides.MappingOverrides.intacct_fields`). A field the
        catalogue does not know comes as ``str``; one already selected is not repeated.
    start, end:
        A period (dates, both inclusive; give both or neither): a dated object holds only
        its records in it, a bound one those of its parent's records in it (see the
        module docstring); master data is not date-bound and comes whole.

    Raises
    ------
    ConfigError
        Unknown entity, ``since`` not a naive datetime, an extra field that is no field
        name or one recon never pulls (:data:`NOT_PULLED`), or a bad period.
    recon.errors.ReconError
        Whatever the client raises; MalformedResponseError for a value unfit for its field.
    """
    spec = spec_for(entity)
    fields = with_extra_fields(spec, extra_fields)
    period = check_period(start, end)
    if period is not None and spec.bound is not None:
        extras = {spec.object: fields[len(spec.fields) :]}
        return _PeriodPull(client, period, since, extras, concurrency).frame(spec.object)
    pages = client.query(
        spec.object,
        list(fields),
        filter=spec.query_filter(since, *(period or (None, None))),
        orderby=list(spec.orderby),
        concurrency=concurrency,
        expect_many=_expect_many(spec, since, period),
    )
    return pages_to_frame(pages, spec.object, fields)


def _expect_many(spec: PullSpec, since: datetime | None, period: Period | None) -> bool:
    """Speculative pages only where many pages are sure: a large object, pulled whole or
    for a long period (an incremental pull or a month is usually a page or two)."""
    if not spec.large or since is not None:
        return False
    return period is None or (period[1] - period[0]).days + 1 >= LONG_PERIOD_DAYS


Period = tuple[date, date]


def check_period(start: date | None, end: date | None) -> Period | None:
    """``(start, end)``, or ``None`` for no period.

    Raises
    ------
    ConfigError
        Only one of the two given, either not a date (a datetime is refused: periods are
        whole days), or ``start`` after ``end``.
    """
    if start is None and end is None:
        return None
    for label, day in (("start", start), ("end", end)):
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ConfigError(f"an Intacct pull period needs {label} as a date, not {day!r}")
    assert start is not None and end is not None  # checked above; for the type checker
    if start > end:
        raise ConfigError(f"the Intacct pull period starts after it ends: {start} > {end}")
    return start, end


def pull_by_keys(
    client: QueryClient,
    entity: str,
    field: str,
    keys: Iterable[str],
    *,
    since: datetime | None = None,
    concurrency: int | None = None,
    extra_fields: Sequence[str] = (),
) -> pd.DataFrame:
    """The records of one object whose ``field`` is one of ``keys`` (not date-bound).

    One ``query`` per :data:`~recon.intacct.quoting.MAX_IN_VALUES` keys (an ``in`` takes no
    more, spec §3.4), ANDed with the object's own filter and ``since``. Blank and repeated
    keys are dropped; no keys, no request.

    Returns
    -------
    pandas.DataFrame
        As :func:`pull`'s; rows chunk by chunk, each chunk in RECORDNO order.
    """
    spec = spec_for(entity)
    fields = with_extra_fields(spec, extra_fields)
    wanted = list(dict.fromkeys(k for k in keys if isinstance(k, str) and k.strip()))
    base = spec.query_filter(since)
    frames = []
    for at in range(0, len(wanted), MAX_IN_VALUES):
        chosen = F(field).isin(wanted[at : at + MAX_IN_VALUES])
        pages = client.query(
            spec.object,
            list(fields),
            filter=chosen if base is None else base & chosen,
            orderby=list(spec.orderby),
            concurrency=concurrency,
        )
        frames.append(pages_to_frame(pages, spec.object, fields))
    filled = [f for f in frames if len(f)]
    if not filled:
        return frames[0] if frames else pages_to_frame((), spec.object, fields)
    return filled[0] if len(filled) == 1 else pd.concat(filled, ignore_index=True)


def key_values(column: pd.Series) -> list[str]:
    """The distinct non-blank values of a pulled key column, as text, in order."""
    text = column.dropna().astype("str").str.strip()
    return list(dict.fromkeys(text[text.ne("")].tolist()))


class _PeriodPull:
    """Pulls objects for one period, each at most once; a :attr:`PullSpec.bound` object
    is pulled by the keys of its parent's frame (pulled first, or reused)."""

    def __init__(
        self,
        client: QueryClient,
        period: Period,
        since: datetime | None,
        extras: Mapping[str, Sequence[str]],
        concurrency: int | None = None,
    ) -> None:
        self.client, self.period, self.since = client, period, since
        self.extras, self.concurrency = extras, concurrency
        self._frames: dict[str, pd.DataFrame] = {}
        self._parents: dict[str, pd.DataFrame] = {}
        self._failed: dict[str, ReconError] = {}

    def frame(self, obj: str) -> pd.DataFrame:
        """``obj`` for the period (and ``since``), pulled once; a read that failed fails
        again with the same error, without asking again (an object bound to it, too)."""
        if obj in self._failed:
            raise self._failed[obj]
        if obj not in self._frames:
            try:
                self._frames[obj] = self._pull(obj, self.since)
            except ReconError as exc:
                self._failed[obj] = exc
                raise
        return self._frames[obj]

    def _parent(self, obj: str) -> pd.DataFrame:
        # A parent narrowed by `since` would drop the changed children of unchanged parents.
        if self.since is None:
            return self.frame(obj)
        if obj not in self._parents:
            self._parents[obj] = self._pull(obj, None)
        return self._parents[obj]

    def _pull(self, obj: str, since: datetime | None) -> pd.DataFrame:
        spec, extra = PULL_SPECS[obj], self.extras.get(obj, ())
        if spec.bound is None:
            start, end = self.period
            return pull(self.client, obj, since=since, concurrency=self.concurrency,
                        extra_fields=extra, start=start, end=end)  # fmt: skip
        keys = key_values(self._parent(spec.bound.parent)[spec.bound.parent_field])
        return pull_by_keys(self.client, obj, spec.bound.field, keys, since=since,
                            concurrency=self.concurrency, extra_fields=extra)  # fmt: skip


def with_extra_fields(spec: PullSpec, extra_fields: Sequence[str]) -> tuple[str, ...]:
    """The spec's fields, then each extra field not among them (in the order given).

    Raises
    ------
    ConfigError
        ``extra_fields`` is a bare string, holds a blank or non-text name, or names a field
        of :data:`NOT_PULLED` (personal data stays out of every frame).
    """
    if isinstance(extra_fields, str):
        raise ConfigError(f"extra_fields must be a list of field names, not {extra_fields!r}")
    names = [f.strip() if isinstance(f, str) else f for f in extra_fields]
    bad = [f for f in names if not isinstance(f, str) or not f]
    if bad:
        raise ConfigError(f"{spec.object} extra_fields must be field names, not {bad!r}")
    private = sorted({f.upper() for f in names} & NOT_PULLED)
    if private:
        raise ConfigError(f"recon never pulls {private} (personal or banking data)")
    return tuple(dict.fromkeys((*spec.fields, *names)))


def pull_all(
    client: QueryClient,
    entities: Iterable[str] | None = None,
    since: datetime | None = None,
    extra_fields: Mapping[str, Sequence[str]] | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
    failed: MutableMapping[str, ReconError] | None = None,
) -> Mapping[str, pd.DataFrame]:
    """Pull several objects (all of :data:`ENTITIES` by default), one after another.

    ``extra_fields`` maps an object name (any case) to more fields to select for it (see
    :func:`pull`); objects not pulled are not affected. ``start``/``end`` bound the dated
    objects to a period (see :func:`pull`); an object bound through another reuses that
    one's frame when both are pulled.

    ``failed``: when given, an object whose read fails with an error that concerns that
    read alone (:func:`recon.errors.concerns_one_read`: Intacct answered it with a failure)
    is left out of the result and its error put here under the object's name; an object
    bound to it (invoice lines to invoices) is left out with the same error. The other
    objects are still pulled. Without it, the first failure raises; refused credentials and
    no answer at all always raise.

    Returns
    -------
    Mapping[str, pandas.DataFrame]
        A read-only mapping, object name -> frame, in the order asked for.
    """
    names = ENTITIES if entities is None else [spec_for(e).object for e in entities]
    extras = {spec_for(obj).object: f for obj, f in (extra_fields or {}).items()}
    period = check_period(start, end)
    read: Callable[[str], pd.DataFrame]
    if period is None:

        def read(name: str) -> pd.DataFrame:
            return pull(client, name, since=since, extra_fields=extras.get(name, ()))

    else:
        for name, fields in extras.items():
            with_extra_fields(spec_for(name), fields)  # refuse bad extras before any request
        read = _PeriodPull(client, period, since, extras).frame
    out: dict[str, pd.DataFrame] = {}
    for name in names:
        try:
            out[name] = read(name)
        except ReconError as exc:
            if failed is None or not concerns_one_read(exc):
                raise
            failed[name] = exc
    return MappingProxyType(out)
