"""Invoice status: what each side's total and paid amount make of an invoice.

The keyed diff compares invoices by invoice number (customer, project, dates, terms,
total) and payments by the amount paid per invoice (:mod:`recon.diff.engine`). Neither
canonical entity holds a status field: Intacct's ``STATE`` and BigTime's invoice status
both follow from the total and the amount paid, by the same rule (:func:`status_of`). This
module derives that status on each side and lists the invoices where the two differ, for
the side-by-side view. They are deliberately not findings of their own: a status difference
is always the consequence of a ``total`` or ``paid_amount`` finding the keyed diff reports
already, and counting it again would report one disagreement twice.

>>> statuses = invoice_status(frames["invoice"], frames["payment"])  # doctest: +SKIP
>>> status_differences(intacct_frames, bigtime_frames)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from recon.errors import ConfigError

OPEN, PARTIAL, PAID = "open", "partial", "paid"
STATUS_COLUMNS = ("invoice_no", "total", "paid_amount", "status")
DIFFERENCE_COLUMNS = (
    "invoice_no",
    "status_intacct",
    "status_bigtime",
    "total_intacct",
    "total_bigtime",
    "paid_intacct",
    "paid_bigtime",
)
_ZERO = Decimal("0.00")


def status_of(total: Decimal | None, paid: Decimal) -> str | None:
    """``paid`` once the amount paid reaches the total, ``partial`` when something is
    paid, else ``open``; ``None`` without a total (the rule both systems apply)."""
    if total is None:
        return None
    if paid >= total:
        return PAID
    return PARTIAL if paid > 0 else OPEN


def invoice_status(invoice: pd.DataFrame, payment: pd.DataFrame) -> pd.DataFrame:
    """One side's invoices with the amount paid on each and the status they imply.

    Parameters
    ----------
    invoice, payment:
        That side's canonical ``invoice`` and ``payment`` frames (a payment row is the
        amount paid on one invoice; an invoice without one was not paid).

    Returns
    -------
    pandas.DataFrame
        ``invoice_no``, ``total``, ``paid_amount`` (``0.00`` without a payment row) and
        ``status`` (:func:`status_of`), in the invoice frame's order.
    """
    for name, frame, needed in (
        ("invoice", invoice, ("invoice_no", "total")),
        ("payment", payment, ("invoice_no", "paid_amount")),
    ):
        lacking = [c for c in needed if not isinstance(frame, pd.DataFrame) or c not in frame]
        if lacking:
            raise ConfigError(f"invoice_status: the {name} frame lacks {lacking}")
    paid_by = payment.drop_duplicates("invoice_no").set_index("invoice_no")["paid_amount"]
    paid = paid_by.reindex(invoice["invoice_no"].to_numpy()).to_numpy(dtype=object)
    paid = np.where(pd.isna(paid), _ZERO, paid)  # type: ignore[call-overload]  # numpy stubs: no Decimal scalars
    totals = invoice["total"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "invoice_no": invoice["invoice_no"].astype("str").to_numpy(),
            "total": totals,
            "paid_amount": paid,
            "status": _statuses(totals, paid),
        }
    )


def _statuses(totals: np.ndarray, paid: np.ndarray) -> pd.Series:
    """:func:`status_of` over whole columns (Decimal comparisons of object arrays)."""
    known = ~pd.isna(totals)
    settled = np.zeros(len(totals), dtype=bool)
    settled[known] = (paid[known] >= totals[known]).astype(bool)
    some = (paid > _ZERO).astype(bool)
    status = np.where(settled, PAID, np.where(some, PARTIAL, OPEN)).astype(object)
    status[~known] = None
    return pd.Series(status, dtype="str")


def status_differences(
    intacct: Mapping[str, pd.DataFrame], bigtime: Mapping[str, pd.DataFrame]
) -> pd.DataFrame:
    """Invoices on both sides whose derived status differs, with the amounts behind it.

    Parameters
    ----------
    intacct, bigtime:
        Canonical frames by entity; each needs ``invoice`` and ``payment``.

    Returns
    -------
    pandas.DataFrame
        :data:`DIFFERENCE_COLUMNS`, one row per invoice number found once on each side
        whose statuses differ, sorted by invoice number.
    """
    sides = []
    for name, frames in (("intacct", intacct), ("bigtime", bigtime)):
        if "invoice" not in frames or "payment" not in frames:
            raise ConfigError(f"status_differences: the {name} frames need invoice and payment")
        table = invoice_status(frames["invoice"], frames["payment"])
        table = table.dropna(subset=["invoice_no"])  # a missing number pairs with nothing
        sides.append(table.drop_duplicates("invoice_no", keep=False))  # duplicates: not paired
    both = sides[0].merge(sides[1], on="invoice_no", suffixes=("_intacct", "_bigtime"))
    differs = both["status_intacct"].ne(both["status_bigtime"]).fillna(True)
    differs &= ~(both["status_intacct"].isna() & both["status_bigtime"].isna())
    out = both[differs.to_numpy()].rename(
        columns={"paid_amount_intacct": "paid_intacct", "paid_amount_bigtime": "paid_bigtime"}
    )
    out = out.loc[:, list(DIFFERENCE_COLUMNS)].sort_values("invoice_no", kind="stable")
    return out.reset_index(drop=True)
