"""Invoices (monthly per billable project, one line per time type) and customer payments.

Billable time of January..November is invoiced on the last day of its month at the staffer's
rate; December's time is still work in progress. Amounts are summed in integer cents and
turned into ``Decimal`` once (never a float). Payments arrive some days after the due date;
those that would arrive after 31 December 2025 have not arrived (recent invoices are open);
a few are partial, a few invoices are disputed and unpaid. One receipt (ARPYMT) per customer
per receipt day pays all of that customer's invoices settled that day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from recon.sandbox.firm import reference as ref
from recon.sandbox.firm.columns import DATE_DTYPE, conform
from recon.sandbox.firm.sizing import LAST_DAY, LAST_INVOICED_MONTH, day_number
from recon.sandbox.firm.timegen import Time, month_of

Streams = Callable[[str], np.random.Generator]
METHODS = (("Printed Check", ""), ("EFT", "EFT"), ("Online ACH Debit", "ACH"))
METHOD_WEIGHTS = (0.5, 0.35, 0.15)


@dataclass(frozen=True)
class Billing:
    invoice: pd.DataFrame  # canonical
    payment: pd.DataFrame  # canonical: invoices with a non-zero paid amount
    lines: pd.DataFrame  # Intacct-only: invoice_no, line_no, time_type, item_id, hours, amount
    receipts: pd.DataFrame  # Intacct-only: payment_no, invoice_no, amount
    payments: pd.DataFrame  # Intacct-only: payment_no, customer_id, receipt_date, method, doc
    invoiced: np.ndarray  # per time row: True when the entry is on an invoice


def cents_to_money(cents: np.ndarray) -> np.ndarray:
    """Integer cents -> Decimal with two places (object array)."""
    return np.array([Decimal(int(c)).scaleb(-2) for c in cents], dtype=object)


def _month_end(month: np.ndarray) -> np.ndarray:
    """Day number of the last day of 2025 month ``month`` (1..12)."""
    first_next = np.datetime64("2025-01", "M") + month.astype("timedelta64[M]")
    return first_next.astype("datetime64[D]").astype(np.int64) - 1


def _dates(day: np.ndarray) -> pd.Series:
    return pd.Series(day.astype("datetime64[D]")).astype(DATE_DTYPE)


def build_billing(time: Time, projects: pd.DataFrame, streams: Streams) -> Billing:
    """Invoices, their lines and the payments received for them in 2025."""
    billable = np.array([t.billable for t in ref.TIME_TYPES])[time.time_type]
    invoiced = billable & (month_of(time.day) <= LAST_INVOICED_MONTH)
    n_proj = len(projects)
    key = month_of(time.day[invoiced]) * n_proj + time.project_row[invoiced]
    groups, inv = np.unique(key, return_inverse=True)  # ordered by month, then project
    cents = time.quarters[invoiced] * time.rate[invoiced] * 25  # rate $/h -> cents/quarter
    totals = np.asarray(pd.Series(cents).groupby(inv).sum().to_numpy(), dtype=np.int64)
    month, proj = np.divmod(groups, n_proj)
    numbers = np.array([f"INV-25-{i + 1:05d}" for i in range(len(groups))], dtype=object)
    terms = projects["term_name"].to_numpy(dtype=object)[proj]
    due_days = pd.Series(terms).map({n: d for n, _, d, _ in ref.AR_TERMS}).to_numpy(np.int64)
    inv_day = _month_end(month)
    invoice = pd.DataFrame(
        {
            "invoice_no": numbers,
            "customer_id": projects["customer_id"].to_numpy(dtype=object)[proj],
            "project_id": projects["project_id"].to_numpy(dtype=object)[proj],
            "invoice_date": _dates(inv_day),
            "due_date": _dates(inv_day + due_days),
            "term_name": terms,
            "total": cents_to_money(totals),
        }
    )
    lines = _lines(inv, time.time_type[invoiced], time.quarters[invoiced], cents, numbers)
    paid, receipts, payments = _payments(streams("billing.payments"), invoice, totals, inv_day,
                                         due_days)  # fmt: skip
    payment = invoice.loc[paid > 0, ["invoice_no"]].assign(
        paid_amount=cents_to_money(paid[paid > 0])
    )
    return Billing(
        invoice=conform("invoice", invoice),
        payment=conform("payment", payment),
        lines=lines,
        receipts=receipts,
        payments=payments,
        invoiced=invoiced,
    )


def _lines(
    inv: np.ndarray, tt: np.ndarray, quarters: np.ndarray, cents: np.ndarray, numbers: np.ndarray
) -> pd.DataFrame:
    """One line per (invoice, time type), in time-type order within the invoice."""
    n_tt = len(ref.TIME_TYPES)
    keys, which = np.unique(inv * n_tt + tt, return_inverse=True)
    sums = pd.DataFrame({"k": which, "c": cents, "q": quarters}).groupby("k").sum()
    inv_of, tt_of = np.divmod(keys, n_tt)
    line_no = pd.Series(inv_of).groupby(inv_of).cumcount().to_numpy() + 1
    names = np.array([t.name for t in ref.TIME_TYPES], dtype=object)
    items = np.array([t.item_id for t in ref.TIME_TYPES], dtype=object)
    q = sums["q"].to_numpy(np.int64)
    hours = np.array([(Decimal(int(x)) / 4).quantize(Decimal("0.01")) for x in q], dtype=object)
    return pd.DataFrame(
        {
            "invoice_no": numbers[inv_of],
            "line_no": line_no,
            "time_type": names[tt_of],
            "item_id": items[tt_of],
            "hours": hours,
            "amount": cents_to_money(sums["c"].to_numpy(np.int64)),
        }
    )


def _payments(
    rng: np.random.Generator, invoice: pd.DataFrame, totals: np.ndarray, inv_day: np.ndarray,
    due_days: np.ndarray,
) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Paid cents per invoice, receipt lines (ARPYMTDETAIL) and receipts (ARPYMT)."""
    n = len(invoice)
    delay = np.clip(due_days + np.rint(rng.normal(6, 12, n)).astype(np.int64), 5, 120)
    receipt = inv_day + delay
    paid_any = (receipt <= day_number(LAST_DAY)) & (rng.random(n) >= 0.03)
    partial = rng.random(n) < 0.08
    pct = rng.integers(40, 91, n)
    paid = np.where(paid_any, np.where(partial, totals * pct // 100, totals), 0)
    customers = invoice["customer_id"].to_numpy(dtype=object)
    cust_codes, cust_ids = pd.factorize(customers, sort=True)
    rows = np.flatnonzero(paid > 0)
    group_key = receipt[rows] * (len(cust_ids) + 1) + cust_codes[rows]
    groups, payment_no = np.unique(group_key, return_inverse=True)  # by day, then customer
    receipts = pd.DataFrame(
        {
            "payment_no": payment_no + 1,
            "invoice_no": invoice["invoice_no"].to_numpy(dtype=object)[rows],
            "amount": cents_to_money(paid[rows]),
        }
    )
    day, cust = np.divmod(groups, len(cust_ids) + 1)
    method = rng.choice(len(METHODS), size=len(cust_ids), p=METHOD_WEIGHTS)[cust]
    payments = pd.DataFrame(
        {
            "payment_no": np.arange(1, len(groups) + 1),
            "customer_id": np.asarray(cust_ids, dtype=object)[cust],
            "receipt_date": _dates(day),
            "method": [METHODS[m][0] for m in method],
            "docnumber": [f"{METHODS[m][1]}{20001 + i}" for i, m in enumerate(method)],
        }
    )
    return paid, receipts, payments
