"""A year of employee expenses, vectorised, and their two wire forms (issue 16).

Staffers spend on the client projects they work on: about one working day in
:data:`EXPENSE_SHARE` of a staffer's client time brings an expense of one of the firm's
expense types (``reference.EXPENSE_TYPES``), dated that day, on that project. Most are
reimbursable and billable; airfare is mostly paid by the company. A staffer's expenses of a
month form one BigTime expense report (ids from :data:`FIRST_REPORT_ID`); Intacct holds
each report as an EEXPENSES with one EEXPENSESITEM per expense, carrying the BigTime expense
id in the ``BIGTIME_EXPENSEID`` custom field and the BigTime report id as its RECORDID.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from recon.sandbox.firm import reference as ref
from recon.sandbox.firm import wire_format as wf
from recon.sandbox.firm.columns import conform
from recon.sandbox.intacct.catalogue import EXPENSE_LINK_FIELD
from recon.sandbox.intacct.guesses import EXPENSE_LINE_PARENT_KEY

Streams = Callable[[str], np.random.Generator]
View = Mapping[str, pd.DataFrame]

#: Share of client time entries that bring an expense that day.
EXPENSE_SHARE = 0.03
FIRST_EXPENSE_ID = 7_000_001
FIRST_REPORT_ID = 9_001
#: Dollar range per expense type (by position in ``reference.EXPENSE_TYPES``).
_RANGES = ((250, 900), (120, 600), (15, 120), (10, 90), (12, 80), (20, 200), (8, 60), (150, 800))
_COMPANY_PAID = ("Airfare",)


def build_expenses(
    time: pd.DataFrame, internal_projects: list[str], streams: Streams
) -> pd.DataFrame:
    """The canonical ``expense`` frame, from the time entries of client projects."""
    rng = streams("expenses")
    client = ~time["project_id"].isin(internal_projects).to_numpy()
    chosen = np.flatnonzero(client & (rng.random(len(time)) < EXPENSE_SHARE))
    te = time.iloc[chosen].reset_index(drop=True)
    n = len(te)
    kind = rng.integers(len(ref.EXPENSE_TYPES), size=n)
    low, high = np.array(_RANGES).T
    cents = rng.integers(low[kind] * 100, high[kind] * 100 + 1)
    names = np.array([name for name, _, _ in ref.EXPENSE_TYPES], dtype=object)[kind]
    company = np.isin(names, _COMPANY_PAID) & (rng.random(n) < 0.8)
    month = te["entry_date"].dt.month.to_numpy()
    report_key = pd.Series(te["employee_id"].astype(str).to_numpy() + "|" + month.astype(str))
    codes, _ = pd.factorize(report_key, sort=True)
    frame = pd.DataFrame(
        {
            "entry_id": (FIRST_EXPENSE_ID + np.arange(n)).astype(str),
            "employee_id": te["employee_id"],
            "expense_date": te["entry_date"],
            "project_id": te["project_id"],
            "expense_type": names,
            "amount": wf.from_cents(cents),
            "billable": rng.random(n) < 0.85,
            "paid_by_company": company,
            "report_id": (FIRST_REPORT_ID + codes).astype(str),
            "notes": pd.Series(names, dtype="str") + " for " + te["project_id"].astype("str"),
        }
    )
    return conform("expense", frame)


def intacct_expenses(view: View) -> dict[str, pd.DataFrame]:
    """EEXPENSES (one per BigTime report) and EEXPENSESITEM (one per expense) wire frames."""
    ex = view["expense"]
    report_codes, reports = pd.factorize(ex["report_id"], sort=True)
    first = ex.groupby(report_codes)
    employee = first["employee_id"].first().to_numpy(object)
    last_day = wf.day_numbers(first["expense_date"].max())
    totals = pd.Series(wf.to_cents(ex["amount"])).groupby(report_codes).sum().to_numpy(np.int64)
    n = len(reports)
    month = wf.from_days(last_day).dt.strftime("%B %Y")
    headers = wf.wire_frame("EEXPENSES", n, {
        "RECORDNO": wf.recordnos(n), "RECORDID": np.asarray(reports, dtype=object),
        "EMPLOYEEID": employee, "WHENCREATED": wf.dates(wf.from_days(last_day)),
        "WHENPOSTED": wf.dates(wf.from_days(last_day + 3)), "STATE": "Approved",
        "DESCRIPTION": "Expenses, " + month.astype("str"), "BASECURR": "USD", "CURRENCY": "USD",
        "TOTALENTERED": wf.money(wf.from_cents(totals)),
        "TOTALDUE": wf.money(wf.from_cents(totals)), "TOTALPAID": "0.00",
        "AUWHENCREATED": wf.stamps(last_day + 1, np.full(n, 11 * 60)),
        "WHENMODIFIED": wf.stamps(last_day + 1, np.full(n, 11 * 60)),
        "CREATEDBY": wf.AUDIT_USER, "MODIFIEDBY": wf.AUDIT_USER,
    })  # fmt: skip
    order = np.argsort(report_codes, kind="stable")
    line = np.empty(len(ex), dtype=np.int64)
    line[order] = pd.Series(report_codes[order]).groupby(report_codes[order]).cumcount() + 1
    customer = pd.Series(
        view["project"]["customer_id"].to_numpy(), index=view["project"]["project_id"].to_numpy()
    )
    day = wf.day_numbers(ex["expense_date"])
    lines = wf.wire_frame("EEXPENSESITEM", len(ex), {
        "RECORDNO": wf.recordnos(len(ex)),
        EXPENSE_LINE_PARENT_KEY: (report_codes + 1).astype(str).astype(object),
        "LINE_NO": line.astype(str).astype(object), "ENTRYDATE": wf.dates(ex["expense_date"]),
        "ACCOUNTLABEL": ex["expense_type"], "AMOUNT": wf.money(ex["amount"]),
        "TRX_AMOUNT": wf.money(ex["amount"]), "PROJECTID": ex["project_id"],
        "CUSTOMERID": wf.lookup(ex["project_id"], customer),
        "BILLABLE": wf.booleans(ex["billable"]),
        "NONREIMBURSABLE": wf.booleans(ex["paid_by_company"]),
        "DESCRIPTION": wf.text(ex["notes"]), EXPENSE_LINK_FIELD: ex["entry_id"],
        **wf.audit(day + 1, first_minute=12 * 60),
    })  # fmt: skip
    return {"EEXPENSES": headers, "EEXPENSESITEM": lines}


def bigtime_expenses(view: View, look: Mapping[str, Any]) -> list[dict[str, Any]]:
    """BigTime expense records (``POST /expense/reportbyfilter`` shape), all submitted."""
    ex = view["expense"]
    columns = {
        "SID": [int(k) for k in ex["entry_id"]],
        "RptSID": [int(k) for k in ex["report_id"]],
        "StaffSID": look["staff"](ex["employee_id"]),
        "Dt": [d.date().isoformat() for d in ex["expense_date"]],
        "ProjectSID": look["project"](ex["project_id"]),
        "CatSID": look["expensecode"](ex["expense_type"]),
        "Nt": ex["notes"].tolist(),
        "CostIN": [Decimal(a) for a in ex["amount"]],
        "PaidByCo": [bool(v) for v in ex["paid_by_company"]],
        "NoCharge": [not bool(v) for v in ex["billable"]],
        "IsApproved": [True] * len(ex),
    }
    keys = list(columns)
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns.values(), strict=True)]
