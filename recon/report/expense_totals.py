"""The reports' expense sums: per expense report and per project-month (issue 16).

Two tables beside the entry-level findings, as the hours by week are beside the time
entries (:func:`recon.report.model.hours_table`): the groups whose sums differ, and a note
with both sides' totals. Why a view and not findings: :mod:`recon.diff.expenses`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

import pandas as pd

from recon.canonical import Kind
from recon.diff.expenses import By, differing, expense_totals
from recon.lexicon import Lexicon
from recon.report.model import RunInfo, Table, table_from_frame

_TITLES: Mapping[str, str] = MappingProxyType(
    {"report": "Expenses by report", "project_month": "Expenses by project and month"}
)
_KINDS: Mapping[str, Mapping[str, Kind]] = MappingProxyType(
    {
        "report": {"employee_id": "id", "report_id": "id"},
        "project_month": {"project_id": "id", "month": "text"},
    }
)
_AMOUNTS: dict[str, Kind] = {
    "amount_intacct": "money",
    "amount_bigtime": "money",
    "difference": "money",
}


def expense_tables(
    intacct: pd.DataFrame,
    bigtime: pd.DataFrame,
    run: RunInfo | None = None,
    lexicon: Lexicon | None = None,
) -> tuple[Table, Table]:
    """The two expense views of canonical ``expense`` frames: by report, by project-month."""
    return (
        _table(intacct, bigtime, "report", run, lexicon),
        _table(intacct, bigtime, "project_month", run, lexicon),
    )


def _table(
    intacct: pd.DataFrame,
    bigtime: pd.DataFrame,
    by: By,
    run: RunInfo | None,
    lexicon: Lexicon | None,
) -> Table:
    run = run or RunInfo()
    labels = (lexicon or Lexicon.default()).column_labels("expense")
    totals = expense_totals(intacct, bigtime, by)
    shown = differing(totals)
    total = {n: sum(totals[n].tolist(), Decimal("0.00")) for n in _AMOUNTS}
    note = (
        f"{len(shown):,} of {len(totals):,} groups differ. Total expenses: "
        f"{run.intacct_label} {total['amount_intacct']:,}, "
        f"{run.bigtime_label} {total['amount_bigtime']:,}, "
        f"difference {total['difference']:,} ({run.intacct_label} minus {run.bigtime_label})."
    )
    headings = {
        **{c: labels.get(c, c) for c in _KINDS[by]},
        "month": "Month of",
        "amount_intacct": f"Amount in {run.intacct_label}",
        "amount_bigtime": f"Amount in {run.bigtime_label}",
        "difference": "Difference",
    }
    return table_from_frame(_TITLES[by], shown, {**_KINDS[by], **_AMOUNTS}, headings, note)
