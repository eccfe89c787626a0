"""One reconciliation, as the demo, the notebooks and the tests run it: pull -> map -> diff.

>>> pulled = pull_both(profile, date(2025, 1, 1), date(2025, 12, 31))  # doctest: +SKIP
>>> rec = reconcile(pulled)                                            # doctest: +SKIP
>>> rec.diff.summary()                                                 # doctest: +SKIP

Each step returns an immutable value the next one only reads. Both systems are pulled for
the same period (dated records inside it, master data whole); a record inside it on one
side only is then looked up by key on the other (:mod:`recon.period`), so a record dated
across the period's edge is compared -- its date a difference -- and not called missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from recon.bigtime.pull import BigTimeReader, Known, KnownDetails, pull_vocabulary
from recon.bigtime.pull import pull_all as pull_bigtime
from recon.canonical import ENTITIES, ENTITY_ORDER
from recon.config import Profile
from recon.connect import bigtime_client, intacct_client
from recon.crosswalk import apply_links_all
from recon.diff import CompareRules, Diff, diff_all
from recon.errors import ReconError, RemoteError, concerns_one_read
from recon.http import RequestMeter
from recon.intacct.incremental import pull_changed
from recon.intacct.pull import QueryClient
from recon.intacct.pull import pull_all as pull_intacct
from recon.mapping import (
    MappingOverrides,
    MappingReport,
    to_canonical_bigtime,
    to_canonical_intacct,
)
from recon.period import Counterparts, Sought, fetch_counterparts
from recon.scope import COUNTERPARTS, VOCABULARY, Unread, frames_to_pull, not_compared
from recon.scope import unread as unread_reads
from recon.snapshot import PullSnapshot

Frames = Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class Pulled:
    """Both systems as pulled: typed frames per Intacct object and per BigTime entity."""

    intacct: Frames
    bigtime: Frames
    #: The firm's BigTime lexicon (``{"PROJECT": "engagement", ...}``).
    vocabulary: Mapping[str, str] = field(default_factory=dict)
    start: dt.date | None = None
    end: dt.date | None = None
    #: The dated keys inside the period on one side only, looked up on the other
    #: (:func:`recon.period.fetch_counterparts`); what was found is in the frames.
    counterparts: tuple[Sought, ...] = ()
    #: The canonical entities the pull was for (:func:`recon.scope.frames_to_pull`).
    entities: tuple[str, ...] = ENTITY_ORDER
    #: What could not be read, and the entities left uncompared for it.
    unread: tuple[Unread, ...] = ()
    #: What the next run of the profile can build on (:mod:`recon.snapshot`); None when a
    #: read failed (the last good snapshot stays).
    snapshot: PullSnapshot | None = None

    @property
    def compared(self) -> tuple[str, ...]:
        """The entities to map and compare: those pulled for, less those :attr:`unread`
        leaves uncompared."""
        lost = set(not_compared(self.unread))
        return tuple(e for e in self.entities if e not in lost)

    @property
    def records(self) -> int:
        return sum(len(f) for f in self.intacct.values()) + sum(
            len(f) for f in self.bigtime.values()
        )


@dataclass(frozen=True)
class Reconciliation:
    """Both sides in one canonical shape per entity, what mapping could not resolve, the diff."""

    pulled: Pulled
    intacct: Frames
    bigtime: Frames
    intacct_report: MappingReport
    bigtime_report: MappingReport
    diff: Diff


def pull_both(
    profile: Profile,
    start: dt.date,
    end: dt.date,
    overrides: MappingOverrides | None = None,
    *,
    entities: Collection[str] | None = None,
    meter: RequestMeter | None = None,
    last: PullSnapshot | None = None,
) -> Pulled:
    """Pull every entity of both systems for one period, then the counterparts it splits.

    ``meter`` counts every request both clients send (the run's budget, in its outcome).

    ``last``: the profile's snapshot (:func:`recon.snapshot.load_snapshot`): Intacct is
    asked only for what changed since (:mod:`recon.intacct.incremental`), BigTime reads
    again only the details whose stamp moved. None pulls everything. The result's
    ``snapshot`` is what the next run can build on.

    ``start``/``end`` (both inclusive) bound the dated entities on both sides alike: time
    entries and invoices by their date, invoice lines and payments by their invoice
    (:mod:`recon.intacct.pull`; BigTime's paid amount is on its invoice). The two pulls
    are independent and run side by side; then records inside the period on one side
    only are looked up by key on the other (:func:`recon.period.fetch_counterparts`).

    ``overrides`` (the user's mapping file, :func:`recon.mapping.load_overrides`): the
    Intacct fields its extras read are selected too -- an Intacct custom field is in no
    query unless asked for. BigTime needs nothing more: its pull keeps every custom field
    as a ``Udf.<name>`` column.

    ``entities`` (canonical names; default all): only what comparing them needs is pulled
    (:func:`recon.scope.frames_to_pull`). A read that fails on its own (a 404, a 500
    after the retries; :func:`recon.errors.concerns_one_read`) does not stop the pull: it
    is in :attr:`Pulled.unread` with the entities it leaves uncompared. Refused
    credentials and an unreachable host raise, as before.
    """
    extra = overrides.intacct_fields() if overrides else {}
    wanted = ENTITY_ORDER if entities is None else tuple(e for e in ENTITY_ORDER if e in entities)
    taken = dt.datetime.now(dt.UTC)
    learned: dict[str, dict[int, Known]] = {}
    with (
        intacct_client(profile.intacct, meter=meter) as ia,
        bigtime_client(profile.require_bigtime(), meter=meter) as bt,
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="pull") as pool,
    ):
        ia_job = pool.submit(_pull_intacct, ia, start, end, extra, wanted, last)
        known = last.bigtime if last else None
        bt_job = pool.submit(_pull_bigtime, bt, start, end, wanted, known, learned)
        (intacct, ia_unread), (bigtime, vocabulary, bt_unread) = ia_job.result(), bt_job.result()
        found, cp_unread = _counterparts(
            lambda: fetch_counterparts(intacct, bigtime, ia, bt, start, end, extra_fields=extra),
            intacct, bigtime, wanted,
        )  # fmt: skip
    unread = (*ia_unread, *bt_unread, *cp_unread)
    snapshot = None
    if not unread:
        base = last or PullSnapshot(profile.name, taken, start, end)
        snapshot = base.updated(taken, start, end, intacct, learned)
    return Pulled(
        found.intacct, found.bigtime, vocabulary, start, end, found.sought, wanted, unread,
        snapshot,
    )  # fmt: skip


def reconcile(
    pulled: Pulled,
    rules: CompareRules | None = None,
    *,
    overrides: MappingOverrides | None = None,
    links: Mapping[str, Mapping[str, str]] | None = None,
) -> Reconciliation:
    """Map both pulls to canonical frames, apply the user's mapping file and accepted
    pairs, and diff them.

    Parameters
    ----------
    overrides:
        The user's mapping file (:func:`recon.mapping.load_overrides`): ignored fields
        leave the frames and the comparison, extra fields join both (read from ``pulled``:
        pull with the same overrides), another key pairs records by it.
    links:
        Accepted likely pairs, ``{entity: {bigtime_key: intacct_key}}``
        (:meth:`recon.crosswalk.Crosswalk.all_links`): each pair's BigTime record takes
        the Intacct key, so the two are compared field by field instead of one being
        "only in Intacct" and the other "only in BigTime".
    """
    overrides = overrides or MappingOverrides.empty()
    ia_report, bt_report = MappingReport("intacct"), MappingReport("bigtime")
    # Only the entities pulled for and read whole (a frame another one needs may be there).
    compared = pulled.compared
    intacct = to_canonical_intacct(pulled.intacct, ia_report, overrides, entities=compared)
    bigtime = to_canonical_bigtime(pulled.bigtime, bt_report, overrides, entities=compared)
    # Links after the overrides: an extra field is looked up by the BigTime record's own
    # key. Rekeying also rewrites the columns referring to a linked record (a linked
    # customer's projects and invoices), so those compare equal too.
    if links:
        bigtime = apply_links_all(bigtime, links)
    specs = None
    if overrides:
        # The diff reads each entity's columns, key and kinds from its overridden shape;
        # an ignored field also gets an ignore rule (the frames no longer hold it anyway).
        specs = {e: overrides.entity(e) for e in intacct}
        rules = overrides.compare_rules(rules or CompareRules.default())
    diff = diff_all(intacct, bigtime, rules, specs)
    return Reconciliation(pulled, intacct, bigtime, ia_report, bt_report, diff)


def _pull_intacct(
    client: QueryClient,
    start: dt.date,
    end: dt.date,
    extra: Mapping[str, Sequence[str]],
    entities: tuple[str, ...],
    last: PullSnapshot | None,
) -> tuple[dict[str, pd.DataFrame], tuple[Unread, ...]]:
    """What ``entities`` need of Intacct, and what of it could not be read; only what
    changed since ``last`` when there is one."""
    needed = frames_to_pull(entities)
    failed: dict[str, ReconError] = {}
    if last is None:
        frames = dict(pull_intacct(client, needed[0], start=start, end=end,
                                   extra_fields=extra, failed=failed))  # fmt: skip
    else:
        frames = pull_changed(client, needed[0], last.intacct_for(start, end), start=start,
                              end=end, extra_fields=extra, failed=failed)  # fmt: skip
    return frames, unread_reads("intacct", failed, entities)


def _pull_bigtime(
    client: BigTimeReader,
    start: dt.date,
    end: dt.date,
    entities: tuple[str, ...],
    known: KnownDetails | None,
    learned: dict[str, dict[int, Known]],
) -> tuple[dict[str, pd.DataFrame], dict[str, str], tuple[Unread, ...]]:
    """What ``entities`` need of BigTime, the firm's lexicon (BigTime's default words when
    it cannot be read), and what could not be read; the details read go into ``learned``."""
    needed = frames_to_pull(entities)
    failed: dict[str, ReconError] = {}
    frames = pull_bigtime(client, start, end, entities=needed[1], failed=failed,
                          known=known, learned=learned)  # fmt: skip
    try:
        vocabulary = pull_vocabulary(client)
    except ReconError as exc:
        if not concerns_one_read(exc):
            raise
        vocabulary, failed[VOCABULARY] = {}, exc
    return frames, vocabulary, unread_reads("bigtime", failed, entities)


def _counterparts(
    fetch: Callable[[], Counterparts], intacct: Frames, bigtime: Frames, entities: tuple[str, ...]
) -> tuple[Counterparts, tuple[Unread, ...]]:
    """``fetch()``; when a look-up fails on its own, the frames as pulled and the dated
    entities left uncompared (a record across the period's edge would read as missing)."""
    try:
        return fetch(), ()
    except ReconError as exc:
        if not concerns_one_read(exc):
            raise
        system = exc.system if isinstance(exc, RemoteError) else ""
        said = unread_reads(system or "intacct", {COUNTERPARTS: exc}, entities)
        return Counterparts(dict(intacct), dict(bigtime), ()), said


_ABBREVIATIONS = {"gl": "GL", "ar": "AR"}


def _words(entity: str) -> str:
    """``"GL account"``: a canonical entity name as the design's table writes it."""
    return " ".join(_ABBREVIATIONS.get(w, w) for w in entity.split("_"))


#: Design entity -> (Intacct object, BigTime frame) that hold it (the registry's; the table
#: of docs/DESIGN.md "What syncs"), then the invoice lines both pull with their invoices.
#: Payments are counted apart (:func:`pulled_text`): BigTime holds them as the amount paid
#: on an invoice.
PAIRS: tuple[tuple[str, str, str], ...] = (
    *((_words(name), e.intacct_object, e.bigtime_frame)
      for name, e in ENTITIES.items() if name != "payment"),
    ("invoice line", "ARINVOICEITEM", "invoice_line"),
)  # fmt: skip


def _count(frames: Mapping[str, pd.DataFrame], name: str) -> str:
    frame = frames.get(name)
    return "-" if frame is None else f"{len(frame):,}"


def _row(entity: str, obj: str, ia: str, frame: str, bt: str) -> str:
    return f"{entity:<17} {obj:<16} {ia:>8}   {frame:<21} {bt:>8}"


def pulled_text(result: Pulled) -> str:
    """A fixed-width table: per entity, the records each system holds.

    Example::

        >>> print(recon.pulled_text(run.reconciliation.pulled))
    """
    head = _row("entity", "Intacct object", "records", "BigTime", "records")
    lines = [head, "-" * len(head)]
    for entity, obj, frame in PAIRS:
        lines.append(_row(entity, obj, _count(result.intacct, obj), frame,
                          _count(result.bigtime, frame)))  # fmt: skip
    # BigTime has no payment records (docs/specs/bigtime-rest-api.md §4.8): an invoice's PaidAmt
    # reflects them.
    invoices = result.bigtime.get("invoice")
    paid = "-" if invoices is None else f"{sum(bool(v) for v in invoices['PaidAmt'].dropna()):,}"
    applications = ENTITIES["payment"].intacct_objects[0]
    lines.append(_row("payment", applications, _count(result.intacct, applications),
                      "paid invoices", paid))  # fmt: skip
    shown = {obj for _, obj, _ in PAIRS} | {applications}
    shown_bt = {frame for _, _, frame in PAIRS}
    extra_ia = [f"{k} {len(v):,}" for k, v in result.intacct.items() if k not in shown]
    extra_bt = [f"{k} {len(v):,}" for k, v in result.bigtime.items() if k not in shown_bt]
    lines.append("")
    lines.append("Also pulled from Intacct: " + ", ".join(extra_ia))
    lines.append("Also pulled from BigTime: " + ", ".join(extra_bt))
    return "\n".join(lines)
