"""The store's SQLite schema and its connections (WAL, ``synchronous=FULL``).

Why these settings: a decision reported as saved must survive a crash of the process or the
machine, and it must be on disk *before* anything is sent (the transactional outbox in
docs/ENGINEERING-NOTES.md "Exactly-once writes"). WAL with ``synchronous=FULL`` fsyncs the log at
every commit; each write is one short ``BEGIN IMMEDIATE`` transaction, so threads of one
process (widget callbacks, the push) queue on SQLite's lock instead of failing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from recon.errors import ConfigError
from recon.ledger import LEDGER_SCHEMA

#: ``PRAGMA user_version`` of the schema below; bump it with a migration in :func:`migrate`.
SCHEMA_VERSION = 1

#: Seconds a writer waits for another thread's transaction before giving up.
BUSY_TIMEOUT = 30.0

_TABLES = """
CREATE TABLE IF NOT EXISTS runs (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    profile TEXT NOT NULL,
    prepared_by TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plan_changes (
    run_id TEXT NOT NULL REFERENCES runs (run_id),
    pos INTEGER NOT NULL,
    change_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (run_id, change_id),
    UNIQUE (run_id, pos)
);
CREATE TABLE IF NOT EXISTS decisions (
    run_id TEXT NOT NULL,
    change_id TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'defer')),
    by TEXT NOT NULL,
    at TEXT NOT NULL,
    comment TEXT NOT NULL,
    rule TEXT,
    seq INTEGER NOT NULL,
    PRIMARY KEY (run_id, change_id),
    FOREIGN KEY (run_id, change_id) REFERENCES plan_changes (run_id, change_id)
);
CREATE TABLE IF NOT EXISTS outbox (
    run_id TEXT NOT NULL,
    change_id TEXT NOT NULL,
    idem_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (
        state IN ('pending', 'sending', 'applied', 'failed', 'stale', 'unknown')),
    attempts INTEGER NOT NULL DEFAULT 0,
    remote_id TEXT,
    error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (run_id, change_id),
    FOREIGN KEY (run_id, change_id) REFERENCES plan_changes (run_id, change_id)
);
"""


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """One short-lived connection in autocommit mode (transactions are explicit)."""
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
    with closing(db):
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        yield db


@contextmanager
def write(path: Path) -> Iterator[sqlite3.Connection]:
    """A write transaction: taken at once (``IMMEDIATE``), committed -- and fsynced -- on exit."""
    with connect(path) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def migrate(path: Path, *, create: bool) -> None:
    """Create the schema (``create``) or check that ``path`` is a recon store.

    Raises
    ------
    ConfigError
        No file (and not ``create``), not a SQLite file, not a recon store, or a store made by
        a newer recon.
    """
    if not create:
        _check_existing(path)
    try:
        with write(path) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ConfigError(
                    f"{path} was written by a newer recon (schema {version}); upgrade recon"
                )
            if version < SCHEMA_VERSION:  # the only step so far: nothing -> schema 1
                for statement in _statements(_TABLES + LEDGER_SCHEMA):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"{path} is not a usable recon database ({exc})") from None


def _check_existing(path: Path) -> None:
    """Refuse a missing file or a foreign one -- read-only, so a wrong path is left untouched."""
    if not path.is_file():
        raise ConfigError(f"no recon database at {path}")
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"{path} is not a usable recon database ({exc})") from None
    if version == 0:
        raise ConfigError(f"{path} is not a recon database")


def _statements(script: str) -> Iterator[str]:
    """The statements of ``script`` (``executescript`` would commit our transaction)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
