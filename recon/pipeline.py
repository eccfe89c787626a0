"""One reconciliation, as the demo, the notebooks and the tests run it: pull -> map -> diff.

>>> pulled = pull_both(profile, date(2025, 1, 1), date(2025, 12, 31))  # doctest: +SKIP
>>> rec = reconcile(pulled)                                            # doctest: +SKIP
>>> rec.diff.summary()                                                 # doctest: +SKIP

Each step returns an immutable value the next one only reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from recon.bigtime.pull import pull_all as pull_bigtime
from recon.bigtime.pull import pull_vocabulary
from recon.config import BigTimeProfile, IntacctProfile, Profile
from recon.connect import bigtime_client, intacct_client
from recon.diff import CompareRules, Diff, diff_all
from recon.intacct.pull import pull_all as pull_intacct
from recon.mapping import MappingReport, to_canonical_bigtime, to_canonical_intacct

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
    """Pull every entity of both systems side by side (they are independent).

    ``start``/``end`` bound BigTime's dated entities (time, invoices).
    """
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="pull") as pool:
        ia = pool.submit(_pull_intacct, profile.intacct)
        bt = pool.submit(_pull_bigtime, profile.require_bigtime(), start, end)
        intacct, (bigtime, vocabulary) = ia.result(), bt.result()
    return Pulled(intacct, bigtime, vocabulary, start, end)


def reconcile(pulled: Pulled, rules: CompareRules | None = None) -> Reconciliation:
    """Map both pulls to canonical frames and diff them."""
    ia_report, bt_report = MappingReport("intacct"), MappingReport("bigtime")
    intacct = to_canonical_intacct(pulled.intacct, ia_report)
    bigtime = to_canonical_bigtime(pulled.bigtime, bt_report)
    diff = diff_all(intacct, bigtime, rules)
    return Reconciliation(pulled, intacct, bigtime, ia_report, bt_report, diff)


def _pull_intacct(profile: IntacctProfile) -> dict[str, pd.DataFrame]:
    with intacct_client(profile) as client:
        return dict(pull_intacct(client))


def _pull_bigtime(
    profile: BigTimeProfile, start: dt.date, end: dt.date
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    with bigtime_client(profile) as client:
        return pull_bigtime(client, start, end), pull_vocabulary(client)
