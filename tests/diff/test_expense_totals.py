"""Expense sums per report and per project-month (recon.diff.expenses, issue 16)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from recon.canonical import conform
from recon.diff.expenses import differing, expense_totals
from recon.errors import ConfigError
from recon.report.expense_totals import expense_tables


def frame(*rows: tuple[str, str, str, str, str, str]) -> pd.DataFrame:
    """Expenses of (id, employee, report, project, date, amount)."""
    data = pd.DataFrame(
        {
            "entry_id": [r[0] for r in rows],
            "employee_id": [r[1] for r in rows],
            "expense_date": pd.to_datetime([r[4] for r in rows]),
            "project_id": [r[3] for r in rows],
            "expense_type": "Meals",
            "amount": [Decimal(r[5]) for r in rows],
            "billable": True,
            "paid_by_company": False,
            "report_id": [r[2] for r in rows],
            "notes": "",
        }
    )
    return conform("expense", data)


IA = frame(
    ("1", "E1", "90", "P1", "2025-03-04", "10.10"),
    ("2", "E1", "90", "P1", "2025-03-20", "5.00"),
    ("3", "E2", "91", "P2", "2025-04-01", "7.25"),
)
BT = frame(
    ("1", "E1", "90", "P1", "2025-03-04", "10.10"),
    ("2", "E1", "90", "P2", "2025-03-20", "5.00"),  # moved to another project
    ("4", "E2", "91", "P2", "2025-04-02", "1.05"),  # only in BigTime; 3 only in Intacct
)


def test_sums_per_report_are_exact_and_list_every_group() -> None:
    totals = expense_totals(IA, BT, "report")
    assert totals.to_dict("records") == [
        {"employee_id": "E1", "report_id": "90", "amount_intacct": Decimal("15.10"),
         "amount_bigtime": Decimal("15.10"), "difference": Decimal("0.00")},
        {"employee_id": "E2", "report_id": "91", "amount_intacct": Decimal("7.25"),
         "amount_bigtime": Decimal("1.05"), "difference": Decimal("6.20")},
    ]  # fmt: skip
    assert differing(totals)["report_id"].tolist() == ["91"]


def test_sums_per_project_month_see_a_moved_expense() -> None:
    totals = differing(expense_totals(IA, BT, "project_month"))
    got = {(r["project_id"], r["month"]): r["difference"] for r in totals.to_dict("records")}
    assert got == {
        ("P1", "2025-03-01"): Decimal("5.00"),
        ("P2", "2025-03-01"): Decimal("-5.00"),
        ("P2", "2025-04-01"): Decimal("6.20"),
    }


def test_the_report_tables_show_only_the_differing_groups() -> None:
    by_report, by_month = expense_tables(IA, BT)
    assert by_report.title == "Expenses by report" and len(by_report.rows) == 1
    assert by_report.rows[0][-1] == "6.20"
    assert by_report.note.startswith("1 of 2 groups differ")
    assert by_month.title == "Expenses by project and month" and len(by_month.rows) == 3


def test_bad_arguments_say_what_is_wrong() -> None:
    with pytest.raises(ConfigError, match="by='week': use one of report, project_month"):
        expense_totals(IA, BT, "week")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"expense_totals \(bigtime\): the frame lacks"):
        expense_totals(IA, BT.drop(columns=["amount"]), "report")
