"""The keyed diff: two systems' canonical frames in, immutable findings out.

>>> from recon.diff import diff_all, CompareRules, FieldRule
>>> rules = CompareRules.default().with_field("project", "name", FieldRule(case=False))
>>> d = diff_all(intacct_frames, bigtime_frames, rules)  # doctest: +SKIP
>>> d.summary(); d.findings(); d.entities["customer"].wide()  # doctest: +SKIP
>>> time_aggregate(ia_time_entries, bt_time_entries, by="week")  # doctest: +SKIP
"""

from __future__ import annotations

from recon.diff.engine import diff_entity
from recon.diff.invoices import invoice_status, status_differences
from recon.diff.result import Diff, EntityDiff
from recon.diff.rules import CompareRules, FieldRule
from recon.diff.time import diff_time, match_by_content, time_aggregate, time_totals
from recon.diff.whole import diff_all

__all__ = [
    "CompareRules",
    "Diff",
    "EntityDiff",
    "FieldRule",
    "diff_all",
    "diff_entity",
    "diff_time",
    "invoice_status",
    "match_by_content",
    "status_differences",
    "time_aggregate",
    "time_totals",
]
