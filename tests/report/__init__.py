"""Shared data for the report tests: the demo firm's diff and a small hostile diff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache

import pandas as pd

from recon.canonical import conform, record_names
from recon.diff import Diff, diff_all
from recon.plan import make_plan
from recon.report import Report, RunInfo, build_report
from recon.sandbox.firm import generate
from tests.diff.diff_helpers import frame as diff_frame

#: A fixed moment: the reports must be deterministic (snapshot test).
FIXED_AT = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
RUN = RunInfo(generated_at=FIXED_AT, prepared_by="A. Reviewer", profile="demo")

SCRIPT = "<script>alert('x')</script>"
FORMULAS = ('=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1:A9)")
BIG_MONEY = Decimal("8831687079961.62")  # openpyxl's own "%.16g" writes ...961.619
#: More digits than Excel holds: must be written as text, never rounded.
HUGE_MONEY = Decimal("123456789012345678.25")


@lru_cache(maxsize=1)
def demo_views() -> tuple[Mapping[str, pd.DataFrame], Mapping[str, pd.DataFrame]]:
    firm = generate()
    return firm.intacct_view, firm.bigtime_view


@lru_cache(maxsize=1)
def demo_diff() -> Diff:
    intacct, bigtime = demo_views()
    return diff_all(intacct, bigtime)


def demo_report() -> Report:
    """The demo firm's report as a run builds it: each record named beside its key, each
    entity's money total from the plan."""
    intacct, bigtime = demo_views()
    diff = demo_diff()
    money = make_plan(diff, intacct, bigtime, run_id="report-tests").money_by_entity()
    return build_report(diff, RUN, names=record_names(intacct, bigtime), money=money)


def frame(entity: str, *rows: Mapping[str, object]) -> pd.DataFrame:
    """A canonical frame sorted by key; columns a row leaves out get a filler value."""
    return conform(entity, diff_frame(entity, *rows), sort=True)


@lru_cache(maxsize=1)
def hostile_diff() -> Diff:
    """Untrusted values in every position: markup, formulas, control characters, big money,
    dates, a one-sided record each way and a duplicate key."""
    intacct = {
        "customer": frame(
            "customer",
            {"customer_id": "C1", "name": SCRIPT},
            {"customer_id": "C2", "name": FORMULAS[0], "phone": FORMULAS[1]},
            {"customer_id": "C3", "name": "Acme", "city": "Chicago"},
            {"customer_id": "C4", "name": "Bell\x07 \x1b[31mred\u202e"},
            {"customer_id": "C6", "name": "Only here", "city": FORMULAS[3]},
        ),
        "project": frame(
            "project",
            {"project_id": "P1", "po_amount": BIG_MONEY, "begin_date": dt.datetime(2025, 3, 1)},
            {"project_id": "P2", "po_amount": HUGE_MONEY, "end_date": dt.datetime(2025, 12, 31)},
            {"project_id": "P3", "po_amount": Decimal("45000.00"), "name": "Only in Intacct"},
        ),
    }
    bigtime = {
        "customer": frame(
            "customer",
            {"customer_id": "C1", "name": "Safe & sound"},
            {"customer_id": "C2", "name": "Two", "phone": FORMULAS[2]},
            {"customer_id": "C3", "name": "ACME", "city": "Chicago"},
            {"customer_id": "C4", "name": "Bell"},
            {"customer_id": "C5", "name": "Dup one"},
            {"customer_id": "C5", "name": "Dup two"},
            {"customer_id": "C7", "name": "=1+1"},
        ),
        "project": frame(
            "project",
            {"project_id": "P1", "po_amount": BIG_MONEY + Decimal("0.01")},
            {"project_id": "P2", "po_amount": Decimal("1.00"), "end_date": dt.datetime(2026, 1, 2)},
        ),
    }
    return diff_all(intacct, bigtime)


def hostile_report() -> Report:
    return build_report(hostile_diff(), RUN)
