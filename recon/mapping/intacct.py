"""Intacct pulled frames -> canonical frames, one per entity (:mod:`recon.canonical`).

>>> frames = recon.intacct.pull.pull_all(client)          # {"CUSTOMER": ..., ...}
>>> canonical = to_canonical(frames)                       # {"customer": ..., ...}

Intacct already keys everything the way recon does (CUSTOMERID, PROJECTID, EMPLOYEEID ...),
so most entities are a choice of columns: each canonical column names its Intacct field in
:data:`recon.canonical.ENTITIES` (``Col.intacct``) and that field is the pulled frame's
column. The exceptions:

- ``item``: only the non-inventory item types (:data:`NON_INVENTORY_ITEMTYPES`), the items
  BigTime can bill as services, should a frame hold others.
- ``time_entry``: keyed by the custom field carrying the BigTime entry id across
  (:data:`recon.intacct.uncertain.TIMESHEETENTRY_LINK_FIELD`); an entry without it was not
  synced from BigTime: it is kept with no key (counted), and the diff pairs it by what it
  says (``recon.diff.time``).
- ``expense``: EEXPENSESITEM lines keyed by the custom field carrying the BigTime expense
  id (:data:`recon.intacct.uncertain.EXPENSE_LINK_FIELD`), with the employee and report
  number of their EEXPENSES report (the line's RECORDKEY is the report's RECORDNO). A line
  without the link was not synced from BigTime: left out, counted.
- ``payment``: the ARPYMTDETAIL amounts summed per invoice (RECORDKEY is the invoice's
  RECORDNO), for invoices with a non-zero total; an invoice nobody paid has no row.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import partial
from types import MappingProxyType

import numpy as np
import pandas as pd

from recon.canonical import ENTITIES, ENTITY_ORDER
from recon.intacct.uncertain import (
    EXPENSE_LINE_PARENT_KEY,
    EXPENSE_LINK_FIELD,
    NON_INVENTORY_ITEMTYPES,
    TIMESHEETENTRY_LINK_FIELD,
)
from recon.mapping.common import (
    LEFT_OUT,
    Frames,
    Mapper,
    MappingReport,
    Rows,
    column,
    finish,
    key_table,
    map_all,
    map_one,
    nonzero,
    require,
    resolve,
)

SYSTEM = "intacct"
#: Prefix of the stand-in key an Intacct time entry without the link field has while
#: :func:`finish` runs (a NUL byte: no pulled entry id starts with it).
_UNLINKED = "\x00unlinked:"
#: The objects a payment is read from: the applications, and the invoices they point at.
PAYMENT_DETAIL, INVOICE = "ARPYMTDETAIL", "ARINVOICE"


def _report(report: MappingReport | None) -> MappingReport:
    return MappingReport(SYSTEM) if report is None else report


def _plain(entity: str, frames: Frames, report: MappingReport) -> pd.DataFrame:
    """An entity whose every column is one field of its object."""
    spec = ENTITIES[entity]
    frame = require(frames, spec.intacct_object, SYSTEM, entity)
    if entity == "item" and "ITEMTYPE" in frame.columns:
        # Stock items never go to BigTime (docs/DESIGN.md: non-inventory items only).
        frame = frame[frame["ITEMTYPE"].isin(NON_INVENTORY_ITEMTYPES).to_numpy()]
    data = {c.name: column(frame, c.intacct, _dtype(c.kind)) for c in spec.columns}
    why = f"no {spec.col(spec.key).intacct}: left out"
    return finish(entity, data, frame.index, report, _rows(entity, frame), why)


#: Canonical columns that name a record, the first group the entity has wins.
_NAME_COLUMNS = (("name",), ("first_name", "last_name"), ("title",), ("description",))


def _rows(entity: str, frame: pd.DataFrame) -> Rows:
    """Who the rows of an entity's Intacct object are: RECORDNO, name, key field."""
    spec = ENTITIES[entity]
    names = next((g for g in _NAME_COLUMNS if all(n in spec.names for n in g)), ())
    fields = tuple(spec.col(n).intacct for n in names if n != spec.key)
    key = spec.col(spec.key).intacct
    return Rows(frame, f"Intacct {spec.intacct_object}", "RECORDNO", fields, key)


def _dtype(kind: str) -> str:
    # The dtype an absent field's all-missing column gets (frames.py's for that kind).
    return {"money": "object", "hours": "object", "date": "datetime64[s]", "bool": "boolean",
            "int": "Int64"}.get(kind, "str")  # fmt: skip


def map_time_entry(frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """TIMESHEETENTRY -> ``time_entry``, keyed by the BigTime entry id link field.

    Parameters
    ----------
    frames:
        Pulled frames by Intacct object; needs ``TIMESHEETENTRY``.
    report:
        Collects what could not be mapped (a new one when ``None``).

    Returns
    -------
    pandas.DataFrame
        Exactly the canonical ``time_entry`` columns, sorted by ``entry_id``. Entries
        without the link field (keyed in Intacct directly) are kept with a missing
        ``entry_id``, after the keyed ones, and counted in ``report.unkeyed``: the diff
        matches them by employee, project, date, time type and hours.
    """
    report = _report(report)
    spec = ENTITIES["time_entry"]
    frame = require(frames, spec.intacct_object, SYSTEM, "time_entry")
    fields = {c.name: c.intacct for c in spec.columns} | {"entry_id": TIMESHEETENTRY_LINK_FIELD}
    data = {c.name: column(frame, fields[c.name], _dtype(c.kind)) for c in spec.columns}
    link = data["entry_id"].astype("str")
    unlinked = (link.isna() | link.str.strip().eq("")).to_numpy()
    report.note(
        "unkeyed", "time_entry", int(unlinked.sum()),
        "%d time_entry row(s) have no %s (entered in Intacct): kept without a key, matched "
        "by content", int(unlinked.sum()), TIMESHEETENTRY_LINK_FIELD,
    )  # fmt: skip
    # finish() leaves keyless rows out; a stand-in key that no entry id can equal keeps them
    # through it (and out of its duplicate count), and is blanked again after.
    numbers = pd.Series(np.arange(int(unlinked.sum()))).astype("str")
    link = link.copy()
    link[unlinked] = (_UNLINKED + numbers.str.zfill(len(str(len(numbers))))).to_numpy()
    out = finish("time_entry", data | {"entry_id": link}, frame.index, report)
    keyless = out["entry_id"].str.startswith(_UNLINKED).to_numpy()
    if not keyless.any():
        return out
    out = out.assign(entry_id=out["entry_id"].mask(keyless))
    # Keyed entries in key order, then those without a key in their pulled order.
    return pd.concat([out[~keyless], out[keyless]], ignore_index=True)


def map_payment(frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """ARPYMTDETAIL (+ ARINVOICE) -> ``payment``: amount paid per invoice number.

    Each ARPYMTDETAIL row applies ``PAYMENTAMOUNT`` of one payment to the invoice whose
    RECORDNO is its ``RECORDKEY``. Amounts are summed per invoice as Decimal; invoices with
    a zero sum get no row (an unpaid invoice has no payment on either side). An application
    to an invoice the pull does not hold is counted as dangling and left out.
    """
    report = _report(report)
    detail = require(frames, PAYMENT_DETAIL, SYSTEM, "payment")
    invoices = require(frames, INVOICE, SYSTEM, "payment")
    numbers = resolve(
        column(detail, "RECORDKEY"), key_table(invoices, "RECORDNO", "RECORDID"), report,
        "payment", "invoice_no", Rows(detail, f"Intacct {PAYMENT_DETAIL}", "RECORDNO"),
        f"applies to an {INVOICE} not pulled (or without RECORDID): left out",
        LEFT_OUT,
    )  # fmt: skip
    amount = column(detail, "PAYMENTAMOUNT", "object")
    known = numbers.notna().to_numpy()
    # Object (Decimal) sums stay exact; None amounts are skipped by sum.
    paid = pd.Series(amount.to_numpy()[known], dtype=object).groupby(
        numbers.to_numpy()[known], sort=True
    ).sum()  # fmt: skip
    paid = paid[nonzero(paid.to_numpy())]
    index = pd.RangeIndex(len(paid))
    data = {"invoice_no": pd.Series(paid.index, dtype="str"), "paid_amount": paid.to_numpy()}
    return finish("payment", data, index, report)


#: The objects an expense is read from: the lines, and the reports they belong to.
EXPENSE_LINE, EXPENSE_REPORT = "EEXPENSESITEM", "EEXPENSES"
_HEADER = EXPENSE_REPORT + "."


def map_expense(frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """EEXPENSESITEM (+ EEXPENSES) -> ``expense``, keyed by the BigTime expense id link.

    A column whose ``Col.intacct`` is ``"EEXPENSES.<field>"`` is the line's report's field
    (the employee, the report number), found by the line's RECORDKEY; a line whose report
    the pull does not hold gets none (counted as dangling).
    """
    report = _report(report)
    spec = ENTITIES["expense"]
    lines = require(frames, EXPENSE_LINE, SYSTEM, "expense")
    headers = require(frames, EXPENSE_REPORT, SYSTEM, "expense")
    rows = Rows(lines, f"Intacct {EXPENSE_LINE}", "RECORDNO", (), EXPENSE_LINK_FIELD)
    parent = column(lines, EXPENSE_LINE_PARENT_KEY)
    data: dict[str, pd.Series] = {}
    for c in spec.columns:
        if c.intacct.startswith(_HEADER):
            field = c.intacct.removeprefix(_HEADER)
            data[c.name] = resolve(
                parent, key_table(headers, "RECORDNO", field), report, "expense", c.name, rows,
                f"its {EXPENSE_REPORT} report is not in the pull",
            )  # fmt: skip
        else:
            name = EXPENSE_LINK_FIELD if c.name == spec.key else c.intacct
            data[c.name] = column(lines, name, _dtype(c.kind))
    why = f"no {EXPENSE_LINK_FIELD} (entered in Intacct, not synced from BigTime): left out"
    return finish("expense", data, lines.index, report, rows, why)


_SPECIAL: Mapping[str, Mapper] = {
    "time_entry": map_time_entry,
    "payment": map_payment,
    "expense": map_expense,
}

#: Canonical entity -> its mapper, in :data:`recon.canonical.ENTITY_ORDER`.
MAPPERS: Mapping[str, Mapper] = MappingProxyType(
    {e: _SPECIAL.get(e, partial(_plain, e)) for e in ENTITY_ORDER}
)
#: Canonical entity -> the Intacct object whose absence from a pull skips the entity: the
#: first its records are read from (the registry's ``intacct_objects``).
SOURCES: Mapping[str, str] = MappingProxyType(
    {e: ENTITIES[e].intacct_objects[0] for e in ENTITY_ORDER}
)


def map_entity(entity: str, frames: Frames, report: MappingReport | None = None) -> pd.DataFrame:
    """The canonical frame of one entity from Intacct pulled frames.

    Parameters
    ----------
    entity:
        A name of :data:`recon.canonical.ENTITIES` (``"customer"``, ``"time_entry"`` ...).
    frames:
        Pulled frames by Intacct object name (:func:`recon.intacct.pull.pull_all`).
    report:
        Collects what could not be mapped (a new one when ``None``).

    Raises
    ------
    ConfigError
        Unknown entity, or ``frames`` lacks an object the entity is read from.
    """
    return map_one(MAPPERS, SYSTEM, entity, frames, report)


def to_canonical(
    frames: Frames, report: MappingReport | None = None, entities: Collection[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Every canonical entity the Intacct pull holds, as canonical frames.

    Parameters
    ----------
    frames:
        Pulled frames by Intacct object name. An entity whose object is not among them is
        left out of the result (an empty frame would read as "everything deleted").
    report:
        Collects what could not be mapped, over all entities (a new one when ``None``;
        either way every count is logged).
    entities:
        Only these canonical entities (of those the pull holds); ``None``: all.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Entity -> frame with exactly its canonical columns and dtypes, sorted by key, in
        :data:`recon.canonical.ENTITY_ORDER`.
    """
    return map_all(MAPPERS, SOURCES, SYSTEM, frames, report, entities)
