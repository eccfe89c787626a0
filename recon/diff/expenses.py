"""Expense amounts summed per report and per project-month on each side (issue 16).

The entry-level diff (:mod:`recon.diff.engine`, keyed by the BigTime expense id) says which
expense differs; these sums say what the differences come to where an accountant ties
expenses out: per expense report (the staffer's claim) and per project and month (what is
billed on). They are a view of the same entries, not findings of their own: each entry
that makes a sum differ is already a finding and a proposed change, and counting it again
would double what the manifest, the plan and the ledger hold.

>>> totals = expense_totals(intacct["expense"], bigtime["expense"], "report")  # doctest: +SKIP
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Literal

import pandas as pd

from recon.errors import ConfigError

By = Literal["report", "project_month"]
#: The group columns of each view (``month``: the first day of the expense's month).
GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "report": ("employee_id", "report_id"),
    "project_month": ("project_id", "month"),
}
_NEEDED = ("employee_id", "report_id", "project_id", "expense_date", "amount")
ZERO = Decimal("0.00")


def expense_totals(intacct: pd.DataFrame, bigtime: pd.DataFrame, by: By) -> pd.DataFrame:
    """Amounts per group on each side and their difference.

    Parameters
    ----------
    intacct, bigtime:
        Canonical ``expense`` frames (at least employee, report, project, date, amount).
    by:
        ``"report"`` (employee and report) or ``"project_month"`` (project and month).

    Returns
    -------
    pandas.DataFrame
        The group columns, then ``amount_intacct``, ``amount_bigtime`` and ``difference``
        (Intacct minus BigTime), exact ``Decimal`` (``0.00`` where a side has none); one row
        per group with an expense on either side, sorted by the group columns. A missing
        group value (an expense without a project) is a group of its own.

    Raises
    ------
    ConfigError
        Unknown ``by`` or a frame without the columns.
    """
    if by not in GROUPS:
        raise ConfigError(f"expense_totals by={by!r}: use one of {', '.join(GROUPS)}")
    keys = list(GROUPS[by])
    sums = [
        _sums(side, frame, keys) for side, frame in (("intacct", intacct), ("bigtime", bigtime))
    ]
    both = pd.concat(sums, axis=1).sort_index()
    out = both.map(lambda v: ZERO if v is None or v != v else v).reset_index()  # NaN -> 0.00
    out["difference"] = [
        a - b for a, b in zip(out["amount_intacct"], out["amount_bigtime"], strict=True)
    ]
    return out


def differing(totals: pd.DataFrame) -> pd.DataFrame:
    """The groups whose sums differ."""
    return totals[[d != 0 for d in totals["difference"]]].reset_index(drop=True)


def _sums(side: str, frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    lacking = [c for c in _NEEDED if c not in frame.columns]
    if lacking:
        raise ConfigError(
            f"expense_totals ({side}): the frame lacks {lacking}; pass expense frames"
        )
    groups = pd.DataFrame(
        {
            "employee_id": frame["employee_id"].astype("str").fillna(""),
            "report_id": frame["report_id"].astype("str").fillna(""),
            "project_id": frame["project_id"].astype("str").fillna(""),
            "month": frame["expense_date"].dt.to_period("M").dt.start_time.dt.date.astype("str"),
        }
    )[keys]
    amounts = pd.Series(
        [ZERO if a is None else Decimal(a) for a in frame["amount"]],
        index=frame.index,
        dtype=object,
    )
    summed = amounts.groupby([groups[k].to_numpy() for k in keys]).sum()
    summed.index.names = keys
    return summed.rename(f"amount_{side}")
