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
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from recon.bigtime.pull import LIST_PREFIX, BigTimeReader, pull_vocabulary
from recon.bigtime.pull import pull_all as pull_bigtime
from recon.config import Profile
from recon.connect import bigtime_client, intacct_client
from recon.diff import CompareRules, Diff, diff_all
from recon.intacct.pull import QueryClient
from recon.intacct.pull import pull_all as pull_intacct
from recon.mapping import MappingReport, to_canonical_bigtime, to_canonical_intacct
from recon.period import Sought, fetch_counterparts

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


def pull_both(profile: Profile, start: dt.date, end: dt.date) -> Pulled:
    """Pull every entity of both systems for one period, then the counterparts it splits.

    ``start``/``end`` (both inclusive) bound the dated entities on both sides alike: time
    entries and invoices by their date, invoice lines and payments by their invoice
    (:mod:`recon.intacct.pull`; BigTime's paid amount is on its invoice). The two pulls
    are independent and run side by side; then records inside the period on one side
    only are looked up by key on the other (:func:`recon.period.fetch_counterparts`).
    """
    with (
        intacct_client(profile.intacct) as ia,
        bigtime_client(profile.require_bigtime()) as bt,
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="pull") as pool,
    ):
        ia_job = pool.submit(_pull_intacct, ia, start, end)
        bt_job = pool.submit(_pull_bigtime, bt, start, end)
        intacct, (bigtime, vocabulary) = ia_job.result(), bt_job.result()
        found = fetch_counterparts(intacct, bigtime, ia, bt, start, end)
    return Pulled(found.intacct, found.bigtime, vocabulary, start, end, found.sought)


def reconcile(pulled: Pulled, rules: CompareRules | None = None) -> Reconciliation:
    """Map both pulls to canonical frames and diff them."""
    ia_report, bt_report = MappingReport("intacct"), MappingReport("bigtime")
    intacct = to_canonical_intacct(pulled.intacct, ia_report)
    bigtime = to_canonical_bigtime(pulled.bigtime, bt_report)
    diff = diff_all(intacct, bigtime, rules)
    return Reconciliation(pulled, intacct, bigtime, ia_report, bt_report, diff)


def _pull_intacct(client: QueryClient, start: dt.date, end: dt.date) -> dict[str, pd.DataFrame]:
    return dict(pull_intacct(client, start=start, end=end))


def _pull_bigtime(
    client: BigTimeReader, start: dt.date, end: dt.date
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    return pull_bigtime(client, start, end), pull_vocabulary(client)


#: Design entity -> (Intacct object, BigTime frame) that hold it (DESIGN.md's table).
PAIRS: tuple[tuple[str, str, str], ...] = (
    ("customer", "CUSTOMER", "client"),
    ("project", "PROJECT", "project"),
    ("employee", "EMPLOYEE", "staff"),
    ("vendor", "VENDOR", LIST_PREFIX + "vendor"),
    ("department", "DEPARTMENT", LIST_PREFIX + "costcentera"),
    ("location", "LOCATION", LIST_PREFIX + "costcenterb"),
    ("class", "CLASS", LIST_PREFIX + "class"),
    ("project type", "PROJECTTYPE", LIST_PREFIX + "projecttype"),
    ("time type", "TIMETYPE", LIST_PREFIX + "laborcode"),
    ("expense type", "EEACCOUNTLABEL", LIST_PREFIX + "expensecode"),
    ("item", "ITEM", LIST_PREFIX + "item"),
    ("GL account", "GLACCOUNT", LIST_PREFIX + "glaccount"),
    ("checking account", "CHECKINGACCOUNT", LIST_PREFIX + "checkingaccount"),
    ("credit card", "CREDITCARD", LIST_PREFIX + "creditcard"),
    ("AR term", "ARTERM", LIST_PREFIX + "term"),
    ("time entry", "TIMESHEETENTRY", "time"),
    ("invoice", "ARINVOICE", "invoice"),
    ("invoice line", "ARINVOICEITEM", "invoice_line"),
)


def _count(frames: Mapping[str, pd.DataFrame], name: str) -> str:
    frame = frames.get(name)
    return "-" if frame is None else f"{len(frame):,}"


def _row(entity: str, obj: str, ia: str, frame: str, bt: str) -> str:
    return f"{entity:<17} {obj:<16} {ia:>8}   {frame:<21} {bt:>8}"


def pulled_text(result: Pulled) -> str:
    """A fixed-width table: per entity, the records each system holds."""
    head = _row("entity", "Intacct object", "records", "BigTime", "records")
    lines = [head, "-" * len(head)]
    for entity, obj, frame in PAIRS:
        lines.append(_row(entity, obj, _count(result.intacct, obj), frame,
                          _count(result.bigtime, frame)))  # fmt: skip
    # BigTime has no payment records (spec §4.8): an invoice's PaidAmt reflects them.
    invoices = result.bigtime.get("invoice")
    paid = "-" if invoices is None else f"{sum(bool(v) for v in invoices['PaidAmt'].dropna()):,}"
    lines.append(_row("payment", "ARPYMTDETAIL", _count(result.intacct, "ARPYMTDETAIL"),
                      "paid invoices", paid))  # fmt: skip
    shown = {obj for _, obj, _ in PAIRS} | {"ARPYMTDETAIL"}
    shown_bt = {frame for _, _, frame in PAIRS}
    extra_ia = [f"{k} {len(v):,}" for k, v in result.intacct.items() if k not in shown]
    extra_bt = [f"{k} {len(v):,}" for k, v in result.bigtime.items() if k not in shown_bt]
    lines.append("")
    lines.append("Also pulled from Intacct: " + ", ".join(extra_ia))
    lines.append("Also pulled from BigTime: " + ", ".join(extra_bt))
    return "\n".join(lines)
