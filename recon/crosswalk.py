"""The remembered crosswalk: which Intacct and BigTime records are the same thing.

When :func:`recon.match.propose` suggests that BigTime ``BT-7`` is Intacct ``C10012``, the
accountant accepts or rejects it here. Decisions live in a SQLite file (by default
``crosswalk.sqlite3`` in :func:`recon.config.data_dir`) as an append-only history: one row per
accept / reject / undo with the UTC time, who and a note, each row carrying the SHA-256 of
the one before it so an edited history is detected (:meth:`Crosswalk.verify`). The current
state of a pair is its latest row; an ``undo`` clears it.

Accepted pairs are *links*: :func:`apply_links` rekeys BigTime rows to the linked Intacct
key, so the next diff pairs them and compares their fields. Rejected pairs are never proposed
again.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import pandas as pd

from recon.canonical import ENTITIES
from recon.config import data_dir
from recon.errors import ConfigError, ReconError
from recon.ledger import GENESIS, chain_hash, verify_rows

__all__ = [
    "DEFAULT_FILENAME",
    "HISTORY_COLUMNS",
    "REFERENCES",
    "Crosswalk",
    "apply_links",
    "apply_links_all",
]

DEFAULT_FILENAME = "crosswalk.sqlite3"

Action = Literal["accept", "reject", "undo"]

#: Columns of :meth:`Crosswalk.history`.
HISTORY_COLUMNS = ("seq", "at", "entity", "intacct_key", "bigtime_key", "action", "who", "note")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    entity TEXT NOT NULL,
    intacct_key TEXT NOT NULL,
    bigtime_key TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('accept', 'reject', 'undo')),
    who TEXT NOT NULL,
    note TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_pair ON history (entity, intacct_key, bigtime_key);
CREATE TRIGGER IF NOT EXISTS history_no_update BEFORE UPDATE ON history
BEGIN SELECT RAISE(ABORT, 'the crosswalk history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS history_no_delete BEFORE DELETE ON history
BEGIN SELECT RAISE(ABORT, 'the crosswalk history is append-only'); END;
CREATE VIEW IF NOT EXISTS decision AS
    SELECT h.entity, h.intacct_key, h.bigtime_key, h.action
    FROM history AS h
    JOIN (SELECT MAX(seq) AS seq FROM history GROUP BY entity, intacct_key, bigtime_key) AS m
      ON h.seq = m.seq
    WHERE h.action != 'undo';
"""

#: Canonical columns that hold another entity's key: rekeying an entity's records rekeys
#: these too (:func:`apply_links_all`), so a linked customer's projects and invoices follow.
REFERENCES: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        "customer": (("project", "customer_id"), ("invoice", "customer_id")),
        "project": (("time_entry", "project_id"), ("invoice", "project_id")),
        "employee": (
            ("employee", "manager_id"),
            ("project", "manager_id"),
            ("time_entry", "employee_id"),
        ),
        "department": (("project", "department_id"), ("employee", "department_id")),
        "location": (("project", "location_id"), ("employee", "location_id")),
        "class": (("project", "class_id"), ("employee", "class_id")),
        "project_type": (("project", "project_type"),),
        "time_type": (("time_entry", "time_type"),),
        "ar_term": (("project", "term_name"), ("invoice", "term_name")),
        "gl_account": (("expense_type", "gl_account_no"), ("checking_account", "gl_account_no")),
        "invoice": (("payment", "invoice_no"),),
    }
)


def _entity(entity: object) -> str:
    if not isinstance(entity, str) or entity not in ENTITIES:
        raise ConfigError(f"unknown entity {entity!r}; known: {', '.join(ENTITIES)}")
    return entity


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{what} must be a non-empty string, got {value!r}")
    return value


class Crosswalk:
    """Accepted and rejected pairs of records, remembered across runs.

    Parameters
    ----------
    path:
        The SQLite file; created (with its folder) if missing. Default:
        ``recon.config.data_dir() / "crosswalk.sqlite3"``.

    Examples
    --------
    >>> cw = Crosswalk(tmp / "crosswalk.sqlite3")                       # doctest: +SKIP
    >>> cw.accept("customer", "C10012", "BT-7", by="jane")               # doctest: +SKIP
    >>> cw.links("customer")                                             # doctest: +SKIP
    {'BT-7': 'C10012'}
    """

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            path = data_dir() / DEFAULT_FILENAME
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"Crosswalk({str(self.path)!r})"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One short connection per call: safe from widget callbacks on other threads.
        # WAL + synchronous=FULL: a decision reported as saved survives a crash.
        with closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            yield db

    # --- decisions ----------------------------------------------------------------------------
    def accept(
        self, entity: str, intacct_key: str, bigtime_key: str, *, by: str, note: str = ""
    ) -> None:
        """Link two records: from now on BigTime ``bigtime_key`` is Intacct ``intacct_key``.

        Raises
        ------
        ConfigError
            Either record is already linked to another one (undo that link first), or a bad
            argument.
        """
        self._record("accept", entity, intacct_key, bigtime_key, by, note)

    def reject(
        self, entity: str, intacct_key: str, bigtime_key: str, *, by: str, note: str = ""
    ) -> None:
        """Remember that the two records are *not* the same; they are never proposed again."""
        self._record("reject", entity, intacct_key, bigtime_key, by, note)

    def undo(
        self, entity: str, intacct_key: str, bigtime_key: str, *, by: str, note: str = ""
    ) -> None:
        """Withdraw the current decision (accept or reject) on a pair.

        Raises
        ------
        ConfigError
            There is no current decision on that pair.
        """
        self._record("undo", entity, intacct_key, bigtime_key, by, note)

    def _record(self, action: Action, entity: str, ik: str, bk: str, by: str, note: str) -> None:
        entity = _entity(entity)
        ik, bk = _text(ik, "intacct_key"), _text(bk, "bigtime_key")
        by = _text(by, "by (who decided)")
        if not isinstance(note, str):
            raise ConfigError(f"note must be a string, got {note!r}")
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # the checks and the insert see one state
            try:
                self._check(db, action, entity, ik, bk)
                self._append(db, (entity, ik, bk, action, by, note))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @staticmethod
    def _check(db: sqlite3.Connection, action: Action, entity: str, ik: str, bk: str) -> None:
        label = f"{entity} Intacct {ik!r} / BigTime {bk!r}"
        if action == "undo":
            row = db.execute(
                "SELECT 1 FROM decision WHERE entity=? AND intacct_key=? AND bigtime_key=?",
                (entity, ik, bk),
            ).fetchone()
            if row is None:
                raise ConfigError(f"nothing to undo: no current decision on {label}")
            return
        if action != "accept":
            return
        clash = db.execute(
            "SELECT intacct_key, bigtime_key FROM decision WHERE entity=? AND action='accept' "
            "AND ((bigtime_key=? AND intacct_key!=?) OR (intacct_key=? AND bigtime_key!=?))",
            (entity, bk, ik, ik, bk),
        ).fetchone()
        if clash is not None:
            raise ConfigError(
                f"cannot link {label}: {entity} Intacct {clash[0]!r} is already linked to "
                f"BigTime {clash[1]!r}; undo that link first"
            )

    @staticmethod
    def _append(db: sqlite3.Connection, row: tuple[str, ...]) -> None:
        last = db.execute("SELECT hash FROM history ORDER BY seq DESC LIMIT 1").fetchone()
        prev = last[0] if last else GENESIS
        at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        full = (at, *row)
        db.execute(
            "INSERT INTO history (at, entity, intacct_key, bigtime_key, action, who, note, "
            "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*full, prev, chain_hash(prev, full)),
        )

    # --- reading ------------------------------------------------------------------------------
    def _current(self, entity: str, action: str) -> list[tuple[str, str]]:
        with self._connect() as db:
            return db.execute(
                "SELECT intacct_key, bigtime_key FROM decision WHERE entity=? AND action=? "
                "ORDER BY intacct_key, bigtime_key",
                (_entity(entity), action),
            ).fetchall()

    def links(self, entity: str) -> dict[str, str]:
        """Accepted pairs of ``entity`` as ``{bigtime_key: intacct_key}``."""
        return {bk: ik for ik, bk in self._current(entity, "accept")}

    def all_links(self) -> dict[str, dict[str, str]]:
        """Accepted pairs of every entity that has some, as ``{entity: {bigtime_key:
        intacct_key}}`` (what :func:`apply_links_all` takes), read in one query."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT entity, intacct_key, bigtime_key FROM decision WHERE action='accept' "
                "ORDER BY entity, intacct_key, bigtime_key"
            ).fetchall()
        out: dict[str, dict[str, str]] = {}
        for entity, ik, bk in rows:
            out.setdefault(entity, {})[bk] = ik
        return out

    def rejected(self, entity: str) -> set[tuple[str, str]]:
        """Rejected pairs of ``entity`` as ``{(intacct_key, bigtime_key)}``."""
        return set(self._current(entity, "reject"))

    def history(self, entity: str | None = None) -> pd.DataFrame:
        """Every decision ever recorded, oldest first (columns :data:`HISTORY_COLUMNS`)."""
        sql = f"SELECT {', '.join(HISTORY_COLUMNS)} FROM history"  # noqa: S608 -- fixed names
        args: tuple[str, ...] = ()
        if entity is not None:
            sql, args = sql + " WHERE entity=?", (_entity(entity),)
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY seq", args).fetchall()
        frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
        return frame.astype({c: "str" for c in HISTORY_COLUMNS if c != "seq"} | {"seq": "int64"})

    def verify(self) -> int:
        """Check the hash chain; return the number of rows checked.

        Raises
        ------
        ReconError
            A row was changed, removed or inserted outside this class.
        """
        cols = "seq, at, entity, intacct_key, bigtime_key, action, who, note, prev_hash, hash"
        with self._connect() as db:
            rows = db.execute(f"SELECT {cols} FROM history ORDER BY seq").fetchall()  # noqa: S608
        # The history's hash never covered ``seq`` (kept so existing files still verify).
        check = verify_rows(rows, seq_hashed=False)
        if not check.ok:
            raise ReconError(
                f"crosswalk history {self.path} was altered at row {check.first_bad_seq}"
            )
        return check.rows


# --- the key link ------------------------------------------------------------------------------
def _links(entity: str, crosswalk: Crosswalk | Mapping[str, str]) -> Mapping[str, str]:
    return crosswalk.links(entity) if isinstance(crosswalk, Crosswalk) else crosswalk


def _rekey(frame: pd.DataFrame, column: str, links: Mapping[str, str]) -> pd.DataFrame:
    if not links or column not in frame.columns:
        return frame
    values = frame[column]
    out = frame.copy()  # copy-on-write: cheap, and the caller's frame is left alone
    out[column] = values.where(~values.isin(list(links)), values.map(dict(links)))
    return out


def apply_links(
    entity: str, bigtime_frame: pd.DataFrame, crosswalk: Crosswalk | Mapping[str, str]
) -> pd.DataFrame:
    """``bigtime_frame`` with linked keys replaced by their Intacct keys, sorted by key.

    Parameters
    ----------
    entity:
        The canonical entity of the frame.
    bigtime_frame:
        A canonical BigTime frame (needs the entity's key column).
    crosswalk:
        The crosswalk, or a ``{bigtime_key: intacct_key}`` mapping.

    Notes
    -----
    If BigTime also holds a record under the Intacct key, the result has that key twice and
    the diff reports it as a duplicate -- the two BigTime records need merging.
    """
    key = ENTITIES[_entity(entity)].key
    if not isinstance(bigtime_frame, pd.DataFrame) or key not in bigtime_frame.columns:
        raise ConfigError(f"BigTime {entity} frame must be a DataFrame with a {key!r} column")
    out = _rekey(bigtime_frame, key, _links(entity, crosswalk))
    return out.sort_values(key, kind="stable").reset_index(drop=True)


def apply_links_all(
    bigtime_frames: Mapping[str, pd.DataFrame],
    crosswalk: Crosswalk | Mapping[str, Mapping[str, str]],
) -> dict[str, pd.DataFrame]:
    """Every BigTime frame with links applied to keys *and* to columns that refer to them.

    A linked customer's projects and invoices then point at the Intacct customer key, so
    they compare equal too (:data:`REFERENCES` lists which columns refer to which entity).
    ``crosswalk`` may be a :class:`Crosswalk` or ``{entity: {bigtime_key: intacct_key}}``.
    """
    out = dict(bigtime_frames)
    for entity in ENTITIES:
        links = (
            crosswalk.links(entity)
            if isinstance(crosswalk, Crosswalk)
            else crosswalk.get(entity, {})
        )
        if not links:
            continue
        # A frame without its canonical key (a mapping file pairs it by another column and
        # ignores that one) keeps its rows: only the columns referring to it are rekeyed.
        if entity in out and ENTITIES[entity].key in out[entity].columns:
            out[entity] = apply_links(entity, out[entity], links)
        for target, column in REFERENCES.get(entity, ()):
            if target in out:
                out[target] = _rekey(out[target], column, links)
                if column == ENTITIES[target].key:  # payment rows are keyed by invoice
                    out[target] = out[target].sort_values(column, kind="stable", ignore_index=True)
    return out
