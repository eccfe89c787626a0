"""Column-wise helpers: canonical rows -> field changes, keys and money, without a pandas
lookup per row.

Each column is factorised once and ``canon_str`` runs once per distinct value (the same
function the diff and the manifest use), so a 100k-row frame costs a few vectorised passes
plus one tuple per row.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from recon.canonical import ENTITIES, Kind, canon_str
from recon.plan.model import FieldChange

#: Money impacts are rounded to cents, half up (hours x rate has four places).
ROUNDING = ROUND_HALF_UP
ZERO = Decimal("0.00")
#: The columns a time entry's money impact is made of.
TIME_MONEY_FIELDS = ("hours", "bill_rate", "billable")
#: The one money column of the entities whose impact is an amount (an expense's: issue 16).
AMOUNT_FIELD = {"invoice": "total", "payment": "paid_amount", "expense": "amount"}


def kind_of(entity: str, column: str, dtype: object = None) -> Kind:
    """The column's canonical kind; for a column the canonical shape lacks (a user's extra
    custom field), one guessed from its dtype."""
    spec = ENTITIES[entity]
    if column in spec.names:
        return spec.col(column).kind
    kind = getattr(dtype, "kind", "O")
    guessed: dict[str, Kind] = {"M": "date", "b": "bool", "i": "int", "u": "int"}
    return guessed.get(kind, "text")


def _codes(values: pd.Series, kind: Kind) -> tuple[np.ndarray, list[str | None]]:
    """Factorised column: codes (-1: missing) and the canonical string of each distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes), [canon_str(u, kind) for u in uniques]


def canon_list(values: pd.Series, kind: Kind) -> list[str | None]:
    """``canon_str`` of every value of a column, in order."""
    codes, strings = _codes(values, kind)
    table = np.empty(len(strings) + 1, dtype=object)
    table[: len(strings)] = strings
    table[-1] = None
    return table[codes].tolist()


def row_fields(
    entity: str, rows: pd.DataFrame, *, as_before: bool
) -> list[tuple[FieldChange, ...]]:
    """Each row's non-missing columns as field changes, in column order.

    ``as_before=False``: ``before=None, after=value`` (a create); ``True``: ``before=value,
    after=None`` (a record's current values, for a review-only removal).
    """
    columns = []
    for name in rows.columns:
        codes, strings = _codes(rows[name], kind_of(entity, name, rows[name].dtype))
        table = np.empty(len(strings) + 1, dtype=object)
        for i, text in enumerate(strings):
            pair = (text, None) if as_before else (None, text)
            table[i] = FieldChange(str(name), *pair) if text is not None else None
        table[-1] = None
        columns.append(table[codes])
    if not columns:
        return [() for _ in range(len(rows))]
    return [tuple(f for f in row if f is not None) for row in zip(*columns, strict=True)]


# --- money, in integer cents ------------------------------------------------------------------
# Impacts are computed from the canonical strings -- the values as they would be written (two
# places) -- as int64 counts of cents (hours in hundredths x rate in cents = 1/10000 dollars),
# so a 100k-row plan costs a few numpy passes and one Decimal per distinct amount.


def _units(texts: list[str | None] | np.ndarray, places: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Canonical numbers as int64 counts of ``10**-places`` and a mask of the present ones
    (a value with more places is rounded half up)."""
    codes, uniques = pd.factorize(np.asarray(texts, dtype=object), use_na_sentinel=True)
    table = [int(Decimal(u).scaleb(places).quantize(Decimal(1), ROUNDING)) for u in uniques]
    values = np.array([*table, 0], dtype=np.int64)[codes]
    return values, codes >= 0


def _flags(texts: list[str | None] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Canonical booleans (``"true"``/``"false"``) and a mask of the present ones."""
    arr = np.asarray(texts, dtype=object)
    return arr == "true", (arr == "true") | (arr == "false")


def _time_worth(
    hours: list[str | None] | np.ndarray,
    rate: list[str | None] | np.ndarray,
    billable: list[str | None] | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Cents a time entry is worth: hours x bill rate if billable, 0 if not.

    Non-billable time moves no revenue, so it is worth nothing whatever its rate; unknown
    when the hours, the billable flag or (for billable time) the rate are missing.
    """
    h, h_ok = _units(hours)
    r, r_ok = _units(rate)
    b, b_ok = _flags(billable)
    product = h * r  # 1/10000 dollars
    rounded = np.sign(product) * ((np.abs(product) + 50) // 100)  # half up, away from zero
    worth = np.where(b, rounded, 0)
    return worth, h_ok & b_ok & (r_ok | ~b)


def _decimals(cents: np.ndarray, valid: np.ndarray) -> list[Decimal | None]:
    codes, uniques = pd.factorize(cents)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[: len(uniques)] = [Decimal(int(u)).scaleb(-2) for u in uniques]
    table[-1] = None
    return table[np.where(valid, codes, -1)].tolist()


def row_amounts(entity: str, rows: pd.DataFrame) -> list[Decimal | None]:
    """Each row's money impact if created: time worth, invoice total, amount paid; ``None``
    for entities without one."""
    if entity == "time_entry" and all(c in rows.columns for c in TIME_MONEY_FIELDS):
        texts = [canon_list(rows[c], kind_of(entity, c)) for c in TIME_MONEY_FIELDS]
        return _decimals(*_time_worth(*texts))
    amount = AMOUNT_FIELD.get(entity)
    if amount is None or amount not in rows.columns:
        return [None] * len(rows)
    return _decimals(*_units(canon_list(rows[amount], "money")))


def update_amounts(
    entity: str,
    group: np.ndarray,
    fields: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    current: dict[str, list[str | None]],
) -> list[Decimal | None]:
    """The money each update moves: worth (or amount) after minus before.

    Parameters
    ----------
    group:
        For each mismatch row, the update (0..n-1) it belongs to.
    fields, before, after:
        Each mismatch row's field and canonical values in the target now / to write.
    current:
        Money column -> the source record's canonical value per update, for the columns an
        update leaves alone (equal on both sides, or the diff would list them).

    Returns
    -------
    list
        ``0.00`` where no money column changes; ``None`` for entities without money, or
        when a needed value is missing.
    """
    n = int(group.max()) + 1 if len(group) else 0
    amount = AMOUNT_FIELD.get(entity)
    names: tuple[str, ...]
    if entity == "time_entry":
        names = TIME_MONEY_FIELDS
    elif amount is not None:
        names = (amount,)
    else:
        return [None] * n
    touched = np.zeros(n, dtype=bool)
    sides: dict[str, list[np.ndarray]] = {}
    for name in names:
        now = np.asarray(current.get(name, [None] * n), dtype=object)
        was, will = now.copy(), now.copy()
        rows = np.flatnonzero(fields == name)
        was[group[rows]], will[group[rows]] = before[rows], after[rows]
        touched[group[rows]] = True
        sides[name] = [was, will]
    if entity == "time_entry":
        (old, old_ok), (new, new_ok) = (
            _time_worth(*(sides[c][i] for c in TIME_MONEY_FIELDS)) for i in (0, 1)
        )
    else:
        (old, old_ok), (new, new_ok) = (_units(sides[names[0]][i]) for i in (0, 1))
    delta = np.where(touched, new - old, 0)
    return _decimals(delta, ~touched | (old_ok & new_ok))


def negate(amount: Decimal | None) -> Decimal | None:
    """A removal takes the record's amount away (``0.00`` stays ``0.00``)."""
    return None if amount is None else (-amount if amount else ZERO)
