"""BigTime time entries of the demo firm: built column-wise, handed out as lazy records.

At scale 40 the firm has over a million entries; a million dicts of twenty keys would take
gigabytes. :class:`TimeRecords` keeps one array per field instead (the values are shared
Python objects: a few hundred distinct dates, notes and ``Decimal`` amounts) and builds the
dicts a batch at a time whenever it is read. It is a read-only ``Sequence`` of record dicts,
so ``seed["time"]`` reads like the list the contract shows (``len``, indexing, iteration),
may be iterated any number of times, and every read returns fresh dicts a caller may keep
or change. ``batches()`` hands the same records out as lists of at most ``BATCH_SIZE``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, overload

import numpy as np
import pandas as pd

from recon.sandbox.firm.bigtime_lists import Lookup, Record, View, by_value, dates

BATCH_SIZE = 50_000
ZERO = Decimal("0.00")


class TimeRecords(Sequence[Record]):
    """Time entries in BigTime wire shape (``resources.TIME`` fields), generated on read.

    Parameters
    ----------
    columns:
        Field name -> one value per entry (numpy array) or one value for all (scalar).
    """

    def __init__(self, columns: Mapping[str, Any]) -> None:
        sizes = {len(v) for v in columns.values() if isinstance(v, np.ndarray)}
        if len(sizes) > 1:
            raise ValueError(f"time columns of different lengths {sorted(sizes)}")
        self._keys = tuple(columns)
        self._cols = tuple(columns.values())
        self._len = sizes.pop() if sizes else 0

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        rows = range(self._len)[index]
        if isinstance(rows, int):
            return self._batch(rows, rows + 1)[0]
        if rows.step == 1:
            return self._batch(rows.start, rows.stop)
        return [self._batch(i, i + 1)[0] for i in rows]

    def __iter__(self) -> Iterator[Record]:
        for batch in self.batches():
            yield from batch

    def batches(self, size: int = BATCH_SIZE) -> Iterator[list[Record]]:
        """The records in order, as lists of at most ``size``."""
        for start in range(0, self._len, size):
            yield self._batch(start, min(start + size, self._len))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return False
        if isinstance(other, TimeRecords):
            pairs = zip(self.batches(), other.batches(), strict=True)
            return all(a == b for a, b in pairs)
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # unhashable: == compares the contents

    def __repr__(self) -> str:
        return f"TimeRecords({self._len} entries)"

    def _batch(self, start: int, stop: int) -> list[Record]:
        n = stop - start
        cols = [
            c[start:stop].tolist() if isinstance(c, np.ndarray) else [c] * n for c in self._cols
        ]
        return [dict(zip(self._keys, row, strict=True)) for row in zip(*cols, strict=True)]


def time_records(
    view: View, detail: View, look: Mapping[str, Lookup], tasks: list[Record]
) -> TimeRecords:
    """Every time entry of ``view["time_entry"]``, all submitted and approved (SID > 0)."""
    te, proj = view["time_entry"], view["project"]
    sid = te["entry_id"].to_numpy().astype(np.int64)
    billable = te["billable"].to_numpy(bool)
    hours, rate = te["hours"].to_numpy(object), te["bill_rate"].to_numpy(object)
    row = pd.Index(proj["project_id"]).get_indexer(te["project_id"])
    if (row < 0).any():  # checked here: a -1 row would silently pick the last project
        raise KeyError(
            f"time entries on unknown projects {sorted(set(te['project_id'][row < 0]))[:5]}"
        )
    invoice = _invoice_sids(view, look, row, billable)
    return TimeRecords({
        "SID": sid, "Dt": dates(te["entry_date"]),
        "ProjectSID": look["project"](te["project_id"]),
        "StaffSID": look["staff"](te["employee_id"]),
        "BudgCatID": look["laborcode"](te["time_type"]),
        "TaskSID": _task_sids(proj, look, tasks, row, sid),
        "QBClass": look["class"](proj["class_id"])[row],
        "Hours_IN": hours, "Notes": by_value(te["notes"], str),
        "NoCharge": ~billable, "IsApproved": True, "InvoiceSID": invoice,
        "IsInvoiced": ~pd.isna(invoice),
        "HoursBillable": np.where(billable, hours, ZERO),  # type: ignore[call-overload]  # numpy stubs: no Decimal scalar
        "BillRate": rate, "ChargeBillable": _charges(hours, rate, billable),
        "CostRate": _cost_rates(te, detail["employee"]), "IsSubmitted": True,
    })  # fmt: skip


def _task_sids(
    proj: pd.DataFrame, look: Mapping[str, Lookup], tasks: list[Record], row: np.ndarray,
    sid: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """A task of the entry's project (spread by SID), or None when the project has none."""
    position = {s: i for i, s in enumerate(look["project"](proj["project_id"]))}
    first = np.zeros(len(proj), dtype=np.int64)
    count = np.zeros(len(proj), dtype=np.int64)
    for task in reversed(tasks):  # reversed: the first task of a project is written last
        p = position[task["ProjectSid"]]
        first[p], count[p] = task["TaskSid"], count[p] + 1
    n = count[row]
    picked = first[row] + sid % np.maximum(n, 1)
    return np.where(n > 0, picked.astype(object), None)  # type: ignore[return-value]  # numpy stubs: no None scalar


def _charges(hours: np.ndarray, rate: np.ndarray, billable: np.ndarray) -> np.ndarray:
    """``hours * rate`` in cents for billable entries (one product per distinct pair)."""
    h_code, h_uniq = pd.factorize(pd.Series(hours))
    r_code, r_uniq = pd.factorize(pd.Series(rate))
    pairs, which = np.unique(h_code.astype(np.int64) * len(r_uniq) + r_code, return_inverse=True)
    h_of, r_of = np.divmod(pairs, len(r_uniq))
    table = np.empty(len(pairs), dtype=object)
    table[:] = [(h_uniq[h] * r_uniq[r]).quantize(ZERO) for h, r in zip(h_of, r_of, strict=True)]
    return np.where(billable, table[which], ZERO)  # type: ignore[call-overload]  # numpy stubs: no Decimal scalar


def _cost_rates(te: pd.DataFrame, rates: pd.DataFrame) -> np.ndarray:
    """The staffer's cost rate (Intacct-only detail); None for one with no rate on file."""
    table = np.array([*rates["cost_rate"].tolist(), None], dtype=object)
    return table[pd.Index(rates["employee_id"]).get_indexer(te["employee_id"])]


def _invoice_sids(
    view: View, look: Mapping[str, Lookup], row: np.ndarray, billable: np.ndarray
) -> np.ndarray:
    """The invoice of the entry's project and month, for billable entries that were billed.

    Invoices bill a project's billable time of one month (``billing.py``); months with no
    invoice (December, still work in progress) leave the entry unbilled.
    """
    inv, te = view["invoice"], view["time_entry"]
    inv_row = pd.Index(view["project"]["project_id"]).get_indexer(inv["project_id"])
    inv_key = inv_row.astype(np.int64) * 100_000 + _month_number(inv["invoice_date"])
    entry_key = row.astype(np.int64) * 100_000 + _month_number(te["entry_date"])
    pos = pd.Index(inv_key).get_indexer(entry_key)
    sids = np.array([*look["invoice"](inv["invoice_no"]).tolist(), None], dtype=object)
    return np.where(billable & (pos >= 0), sids[pos], None)  # type: ignore[return-value]  # numpy stubs: no None scalar


def _month_number(days: pd.Series) -> np.ndarray:
    return days.to_numpy().astype("datetime64[M]").astype(np.int64)
