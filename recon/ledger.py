"""The decision ledger: an append-only, hash-chained SQLite table an auditor can check.

Every row records one step -- a run prepared, a change decided, a push sent, applied or
refused -- with who, when (UTC), the record, its before and after values, the outcome and the
remote record id. Each row carries the SHA-256 of the row before it (``prev_hash``) and its
own (``hash`` over ``prev_hash`` and the canonical JSON of every other column, ``seq``
included), so a row edited, deleted, reordered or inserted with raw SQL breaks the chain at
that row (:func:`verify`). A one-row ``ledger_head`` table, written in the same transaction as
each row, remembers the last ``seq`` and hash: a truncated tail is detected too. (Someone who
rewrites the head *and* recomputes every hash is not detected -- no self-contained chain can
see that; keep an exported copy, or the head hash, somewhere else for that.)

The chain helpers (:data:`GENESIS`, :func:`chain_hash`) are shared with
:mod:`recon.crosswalk`. This module imports nothing heavy: pandas and openpyxl load only
when a frame is built or an export written.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recon.errors import ConfigError
from recon.files import FORMULA_PREFIXES, atomic_write, put_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "GENESIS",
    "LEDGER_COLUMNS",
    "LEDGER_SCHEMA",
    "LedgerCheck",
    "LedgerEntry",
    "append",
    "chain_hash",
    "export",
    "frame",
    "verify",
    "verify_rows",
]

#: The ``prev_hash`` of the first row of a chain.
GENESIS = "0" * 64

#: Columns of the ledger, in order (the hash covers all but the last two).
LEDGER_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "run_id",
    "change_id",
    "entity",
    "key",
    "target",
    "before",
    "after",
    "outcome",
    "remote_id",
    "detail",
    "prev_hash",
    "hash",
)
_HASHED = LEDGER_COLUMNS[:-2]
_SELECT = ", ".join(f'"{c}"' for c in LEDGER_COLUMNS)

LEDGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    run_id TEXT NOT NULL,
    change_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    "key" TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    outcome TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_run ON ledger (run_id, change_id);
CREATE TABLE IF NOT EXISTS ledger_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
"""


def chain_hash(prev: str, values: Sequence[object]) -> str:
    """SHA-256 (hex) of ``prev`` and ``values`` as one JSON array.

    ``json.dumps`` of str / int / None is deterministic, so this is the canonical form; the
    crosswalk's history has always been hashed exactly this way.
    """
    return hashlib.sha256(json.dumps([prev, *values]).encode()).hexdigest()


@dataclass(frozen=True)
class LedgerEntry:
    """One row to append (``seq``, ``at`` and the hashes are filled in by :func:`append`).

    ``before`` / ``after`` are ``{column: canonical value}`` mappings (stored as JSON with
    sorted keys); the text fields are plain strings -- never a secret.
    """

    actor: str
    action: str
    run_id: str
    change_id: str = ""
    entity: str = ""
    key: str = ""
    target: str = ""
    before: Mapping[str, object] | None = None
    after: Mapping[str, object] | None = None
    outcome: str = ""
    remote_id: str = ""
    detail: str = ""


@dataclass(frozen=True)
class LedgerCheck:
    """The result of :func:`verify`.

    Attributes
    ----------
    ok:
        True when the whole chain and its head agree.
    rows:
        Rows checked.
    first_bad_seq:
        The first row that is altered, missing, out of order or forged (None when ok).
    problem:
        One sentence for a person ("" when ok).
    """

    ok: bool
    rows: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_hash: str = field(default=GENESIS, repr=False)

    def __bool__(self) -> bool:
        return self.ok


def _json(value: Mapping[str, object] | None) -> str:
    return json.dumps(None if value is None else dict(value), sort_keys=True)


def append(db: sqlite3.Connection, entry: LedgerEntry) -> tuple[int, str]:
    """Append ``entry`` inside the caller's open write transaction; return ``(seq, at)``.

    The caller holds ``BEGIN IMMEDIATE``: the row, the head and the caller's own change
    commit together or not at all.
    """
    head = db.execute("SELECT seq, hash FROM ledger_head WHERE one = 1").fetchone()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    values = (
        seq,
        at,
        entry.actor,
        entry.action,
        entry.run_id,
        entry.change_id,
        entry.entity,
        entry.key,
        entry.target,
        _json(entry.before),
        _json(entry.after),
        entry.outcome,
        entry.remote_id,
        entry.detail,
    )
    digest = chain_hash(prev, values)
    marks = ", ".join("?" * len(LEDGER_COLUMNS))
    db.execute(f"INSERT INTO ledger ({_SELECT}) VALUES ({marks})", (*values, prev, digest))  # noqa: S608 -- fixed names
    db.execute(
        "INSERT INTO ledger_head (one, seq, hash) VALUES (1, ?, ?) "
        "ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        (seq, digest),
    )
    return seq, at


# --- checking ------------------------------------------------------------------------------------
def verify_rows(rows: Iterable[Sequence[Any]], *, seq_hashed: bool = True) -> LedgerCheck:
    """Walk a chain of ``(seq, *values, prev_hash, hash)`` rows in ``seq`` order (from 1).

    Returns the first row whose ``seq`` is not the next one (a row before it is missing),
    whose ``prev_hash`` is not the previous row's hash (reordered, inserted or a row before
    it removed), or whose hash does not match its contents (edited). ``seq_hashed`` says
    whether ``seq`` is one of the hashed values (the ledger) or not (the crosswalk history).
    """
    prev, expected, count = GENESIS, 1, 0
    start = 0 if seq_hashed else 1
    for row in rows:
        seq, values, prev_hash, digest = row[0], tuple(row[start:-2]), row[-2], row[-1]
        if seq != expected:
            gap = f"row {expected}" if seq == expected + 1 else f"rows {expected}..{seq - 1}"
            return _bad(count, expected, f"{gap} missing (deleted) before row {seq}")
        if prev_hash != prev:
            return _bad(
                count, seq, f"row {seq} does not follow row {seq - 1} (reordered or inserted)"
            )
        if chain_hash(prev, values) != digest:
            return _bad(count, seq, f"row {seq} was altered (its hash does not match)")
        prev, expected, count = digest, expected + 1, count + 1
    return LedgerCheck(ok=True, rows=count, head_hash=prev)


def _bad(rows: int, seq: int, problem: str) -> LedgerCheck:
    return LedgerCheck(ok=False, rows=rows, first_bad_seq=seq, problem=problem)


def verify(db: sqlite3.Connection) -> LedgerCheck:
    """Check the whole ledger of ``db``: the chain, then that it ends where the head says."""
    rows = db.execute(f"SELECT {_SELECT} FROM ledger ORDER BY seq")  # noqa: S608 -- fixed names
    check = verify_rows(rows)
    if not check.ok:
        return check
    last = check.rows  # seqs are 1..rows once the chain holds
    head = db.execute("SELECT seq, hash FROM ledger_head WHERE one = 1").fetchone()
    auto = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'ledger'").fetchone()
    recorded = max(head[0] if head else 0, auto[0] if auto else 0)
    if recorded > last:
        gap = f"row {last + 1}" if recorded == last + 1 else f"rows {last + 1}..{recorded}"
        return _bad(last, last + 1, f"{gap} missing at the end (the ledger was truncated)")
    if head is None and last:
        return _bad(last, 1, "the ledger head is missing (rows were written outside recon)")
    if head is not None and head[0] < last:
        return _bad(last, head[0] + 1, f"row {head[0] + 1} was appended outside recon")
    if head is not None and head[1] != check.head_hash:
        # The chain holds but ends elsewhere: the last row was rewritten, hash and all.
        return _bad(last, last, f"row {last} was rewritten (the ledger head records another hash)")
    return check


# --- reading and export --------------------------------------------------------------------------
def read(db: sqlite3.Connection, run_id: str | None = None) -> Iterator[tuple[Any, ...]]:
    """Ledger rows (all :data:`LEDGER_COLUMNS`) in ``seq`` order, optionally of one run."""
    sql = f"SELECT {_SELECT} FROM ledger"  # noqa: S608 -- fixed names
    if run_id is None:
        return db.execute(sql + " ORDER BY seq")
    return db.execute(sql + " WHERE run_id = ? ORDER BY seq", (run_id,))


def frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """Ledger rows as a DataFrame: ``seq`` int64, every other column str."""
    import pandas as pd

    out = pd.DataFrame(list(rows), columns=list(LEDGER_COLUMNS))
    return out.astype({c: "str" for c in LEDGER_COLUMNS if c != "seq"} | {"seq": "int64"})


def export(
    rows: Iterable[Sequence[Any]], path: str | Path, check: LedgerCheck | None = None
) -> Path:
    """Write ledger rows to ``path``: ``.csv`` or ``.xlsx`` by suffix, atomically.

    Text that a spreadsheet would run as a formula (leading ``= + - @`` tab or CR) is
    guarded: in Excel as a quote-prefixed string cell; in CSV with a leading ``'`` (OWASP's
    advice), so the CSV shows such a value with one extra quote. The Excel file gets a
    "Check" sheet with ``check`` (the chain's state when exported).

    Raises
    ------
    ConfigError
        Another suffix, or a folder that does not exist.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ConfigError(f"cannot export the ledger to {target.name!r}: use a .csv or .xlsx file")
    if not target.parent.is_dir():
        raise ConfigError(
            f"cannot export the ledger to {target}: folder {target.parent} is missing"
        )
    data = list(rows)
    if suffix == ".csv":
        atomic_write(target, lambda tmp: _write_csv(data, tmp))
    else:
        atomic_write(target, lambda tmp: _workbook(data, check).save(tmp))
    return target


def _csv_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _write_csv(rows: list[Sequence[Any]], tmp: Path) -> None:
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(LEDGER_COLUMNS)
        out.writerows([_csv_safe(v) for v in row] for row in rows)


def _workbook(rows: list[Sequence[Any]], check: LedgerCheck | None) -> Any:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ledger"
    ws.append(list(LEDGER_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        ws.cell(row=r, column=1, value=int(row[0]))
        for c, value in enumerate(row[1:], start=2):
            cell = ws.cell(row=r, column=c)
            assert isinstance(cell, Cell)  # a new sheet merges no cells
            put_text(cell, str(value))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    if check is not None:
        sheet = wb.create_sheet("Check")
        sheet.append(["ok", "rows", "first_bad_seq", "problem", "checked_at"])
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        sheet.append([check.ok, check.rows, check.first_bad_seq, check.problem or None, at])
    return wb
