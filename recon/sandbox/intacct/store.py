"""The sandbox's persistent store: one SQLite file, one table per Intacct object.

Columns are the catalogue's wire field names (dotted names for nested fields, e.g.
``DISPLAYCONTACT.EMAIL1``); ``RECORDNO`` is the integer primary key and never reused
(AUTOINCREMENT, as Intacct never reuses a RECORDNO). Values are in storage form
(see :mod:`recon.sandbox.intacct.values`).

Two caches keep large reads fast and are invalidated on every write: the ordered RECORDNO
list of a filter/sort (keyed by the predicate tree) and serialized record fragments keyed
by object, rendering style and RECORDNO. All methods take one re-entrant lock; the gateway
holds it for a whole request, which is also how Intacct runs one API job per company at a
time (docs/specs/intacct-xml-api.md §6).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from array import array
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from recon.errors import ConfigError
from recon.sandbox.intacct import catalogue, values
from recon.sandbox.intacct.catalogue import ObjectSpec, parent_of, references
from recon.sandbox.intacct.querylang import column

DB_NAME = "intacct.sqlite3"
Row = dict[str, str | None]


def storage_columns(schema: ObjectSpec) -> tuple[str, ...]:
    """Storage column order: RECORDNO first, then the schema's fields in catalogue order."""
    return ("RECORDNO", *(f for f in schema.fields if f != "RECORDNO"))


def _index_fields(schema: ObjectSpec) -> list[str]:
    fields = [schema.id_field] if schema.id_field != "RECORDNO" else []
    if "WHENMODIFIED" in schema.fields:
        fields.append("WHENMODIFIED")
    fields.extend(references(schema))
    parent = parent_of(schema.name)
    if parent:
        fields.append(parent[2])
    return list(dict.fromkeys(f for f in fields if f in schema.fields))


def _index_name(obj: str, field: str) -> str:
    return f'"ix_{obj}_{field.replace(".", "_")}"'


class IntacctStore:
    """Persistent records of every catalogue object, in ``<data_dir>/intacct.sqlite3``.

    Parameters
    ----------
    data_dir:
        Directory for the SQLite file (created if missing).
    fragment_limit:
        Serialized record fragments kept in memory before the fragment cache is dropped.
    match_entries:
        Filter/sort results kept in memory (least recently used ones are dropped).
    """

    def __init__(
        self, data_dir: str | Path, *, fragment_limit: int = 300_000, match_entries: int = 64
    ) -> None:
        self.path = Path(data_dir) / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._fragment_limit = fragment_limit
        self._match_entries = match_entries
        self._matches: OrderedDict[tuple[str, Hashable], array[int]] = OrderedDict()
        self._fragments: dict[tuple[str, Hashable], dict[int, bytes]] = {}
        self._fragment_count = 0
        self._savepoints = 0
        self._ensure_schema()

    # --- schema -------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        with self.lock, self.transaction():
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS _replay (sender TEXT, company TEXT, controlid TEXT,"
                " PRIMARY KEY (sender, company, controlid)) WITHOUT ROWID"
            )
            for schema in catalogue.OBJECTS.values():
                self._ensure_table(schema)

    def _ensure_table(self, schema: ObjectSpec) -> None:
        cols = ", ".join(f"{column(c)} TEXT" for c in storage_columns(schema)[1:])
        self._db.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema.name}" '
            f"(RECORDNO INTEGER PRIMARY KEY AUTOINCREMENT, {cols})"
        )
        have = {r[1] for r in self._db.execute(f'PRAGMA table_info("{schema.name}")')}
        for field in storage_columns(schema)[1:]:
            if field not in have:  # the catalogue gained a field since the file was made
                self._db.execute(f'ALTER TABLE "{schema.name}" ADD COLUMN {column(field)} TEXT')
        self._create_indexes(schema)

    def _create_indexes(self, schema: ObjectSpec) -> None:
        for field in _index_fields(schema):
            self._db.execute(
                f"CREATE INDEX IF NOT EXISTS {_index_name(schema.name, field)} "
                f'ON "{schema.name}" ({column(field)})'
            )

    def _drop_indexes(self, schema: ObjectSpec) -> None:
        for field in _index_fields(schema):
            self._db.execute(f"DROP INDEX IF EXISTS {_index_name(schema.name, field)}")

    # --- seeding ------------------------------------------------------------------------

    def seed(self, frames: Mapping[str, pd.DataFrame]) -> dict[str, int]:
        """Add records from DataFrames, one per object; returns rows added per object.

        Parameters
        ----------
        frames:
            Object name -> frame whose columns are wire field names (dotted for nested
            fields), every value a wire-format string (``""`` for empty), with ``RECORDNO``
            already assigned.

        Raises
        ------
        ConfigError
            Unknown object or column, missing RECORDNO, a badly formatted value, or a
            RECORDNO that already exists.
        """
        added: dict[str, int] = {}
        with self.lock, self.transaction():
            for name, frame in frames.items():
                schema = self._schema(name)
                rows, cols = _seed_rows(schema, frame)
                self._drop_indexes(schema)
                sql = (
                    f'INSERT INTO "{schema.name}" ({", ".join(column(c) for c in cols)}) '  # noqa: S608
                    f"VALUES ({', '.join('?' * len(cols))})"
                )
                try:
                    self._db.executemany(sql, rows)
                except sqlite3.IntegrityError as exc:
                    raise ConfigError(f"cannot seed {schema.name}: {exc}") from None
                self._create_indexes(schema)
                added[schema.name] = len(frame)
            self.drop_caches()
        return added

    @staticmethod
    def _schema(name: str) -> ObjectSpec:
        try:
            return catalogue.get(name)
        except KeyError:
            raise ConfigError(f"unknown Intacct object {name!r}") from None

    def is_empty(self) -> bool:
        """True when no object has any record."""
        with self.lock:
            for name in catalogue.OBJECTS:
                if self._db.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone():  # noqa: S608
                    return False
            return True

    def count(self, obj: str) -> int:
        """Number of records of ``obj``."""
        sql = f'SELECT COUNT(*) FROM "{self._schema(obj).name}"'  # noqa: S608 - catalogue name
        with self.lock:
            return int(self._db.execute(sql).fetchone()[0])

    # --- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One SQLite transaction; rolled back (and caches dropped) if the block raises."""
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                self.drop_caches()
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested savepoint inside :meth:`transaction`; undone if the block raises."""
        with self.lock:
            self._savepoints += 1
            name = f"sp{self._savepoints}"
            self._db.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                self._db.execute(f"ROLLBACK TO {name}")
                self._db.execute(f"RELEASE {name}")
                self.drop_caches()
                raise
            finally:
                self._savepoints -= 1
            self._db.execute(f"RELEASE {name}")

    def rollback_all(self) -> None:
        """Undo everything since :meth:`transaction` began (used for ``transaction="true"``)."""
        with self.lock:
            self._db.execute("ROLLBACK")
            self._db.execute("BEGIN IMMEDIATE")
            self.drop_caches()

    # --- reads --------------------------------------------------------------------------

    def match(
        self, obj: str, key: Hashable, where: str, params: Sequence[str], order: str
    ) -> array[int]:
        """RECORDNOs matching a compiled condition, ordered; cached under ``key``."""
        with self.lock:
            cache_key = (obj, key)
            hit = self._matches.get(cache_key)
            if hit is not None:
                self._matches.move_to_end(cache_key)
                return hit
            sql = f'SELECT RECORDNO FROM "{obj}" WHERE {where} ORDER BY {order}'  # noqa: S608
            result = array("q", [r[0] for r in self._db.execute(sql, list(params))])
            self._matches[cache_key] = result
            while len(self._matches) > self._match_entries:
                self._matches.popitem(last=False)
            return result

    def rows(
        self, obj: str, recnos: Sequence[int], fields: Sequence[str]
    ) -> dict[int, tuple[Any, ...]]:
        """``RECORDNO -> (values of fields...)`` for the records that exist (storage form)."""
        if not recnos:
            return {}
        cols = ", ".join(column(f) for f in fields)
        sql = (
            f'SELECT RECORDNO, {cols} FROM "{obj}" '  # noqa: S608 - catalogue names
            "WHERE RECORDNO IN (SELECT value FROM json_each(?))"
        )
        with self.lock:
            cur = self._db.execute(sql, [json.dumps(list(recnos))])
            return {r[0]: r[1:] for r in cur}

    def get(self, obj: str, recno: int) -> Row | None:
        """One record as ``field -> storage value``, or ``None``."""
        cols = storage_columns(catalogue.get(obj))
        found = self.rows(obj, [recno], cols)
        return dict(zip(cols, found[recno], strict=True)) if recno in found else None

    def find(self, obj: str, field: str, value: str, *, limit: int = 1) -> list[int]:
        """RECORDNOs of records whose ``field`` equals ``value`` (storage form)."""
        sql = f'SELECT RECORDNO FROM "{obj}" WHERE {column(field)} = ? ORDER BY RECORDNO LIMIT ?'  # noqa: S608
        with self.lock:
            return [r[0] for r in self._db.execute(sql, [value, limit])]

    def first(self, obj: str, limit: int) -> list[int]:
        sql = f'SELECT RECORDNO FROM "{obj}" ORDER BY RECORDNO LIMIT ?'  # noqa: S608
        with self.lock:
            return [r[0] for r in self._db.execute(sql, [limit])]

    # --- writes -------------------------------------------------------------------------

    def insert(self, obj: str, row: Mapping[str, str | None]) -> int:
        """Insert one record (storage form, RECORDNO assigned here); returns its RECORDNO."""
        fields = [f for f in row if f != "RECORDNO"]
        sql = (
            f'INSERT INTO "{obj}" ({", ".join(column(f) for f in fields)}) '  # noqa: S608
            f"VALUES ({', '.join('?' * len(fields))})"
        )
        with self.lock:
            recno = self._db.execute(sql, [row[f] for f in fields]).lastrowid or 0
            self.invalidate(obj, [recno])
            return recno

    def update(self, obj: str, recno: int, row: Mapping[str, str | None]) -> None:
        """Set the given fields of one record (storage form)."""
        fields = [f for f in row if f != "RECORDNO"]
        if not fields:
            return
        sets = ", ".join(f"{column(f)} = ?" for f in fields)
        sql = f'UPDATE "{obj}" SET {sets} WHERE RECORDNO = ?'  # noqa: S608
        with self.lock:
            self._db.execute(sql, [*(row[f] for f in fields), recno])
            self.invalidate(obj, [recno])

    def delete(self, obj: str, recnos: Sequence[int]) -> None:
        sql = f'DELETE FROM "{obj}" WHERE RECORDNO IN (SELECT value FROM json_each(?))'  # noqa: S608
        with self.lock:
            self._db.execute(sql, [json.dumps(list(recnos))])
            self.invalidate(obj, recnos)

    # --- replay memory (uniqueid=true) --------------------------------------------------

    def replay_seen(self, sender: str, company: str, controlid: str) -> bool:
        with self.lock:
            sql = "SELECT 1 FROM _replay WHERE sender = ? AND company = ? AND controlid = ?"
            return self._db.execute(sql, [sender, company, controlid]).fetchone() is not None

    def replay_remember(self, sender: str, company: str, controlid: str) -> None:
        with self.lock:
            self._db.execute(
                "INSERT OR IGNORE INTO _replay VALUES (?, ?, ?)", [sender, company, controlid]
            )

    # --- caches -------------------------------------------------------------------------

    def fragments(self, obj: str, style: Hashable) -> dict[int, bytes]:
        """The fragment cache of one object and rendering style (read it, then :meth:`keep`)."""
        with self.lock:
            return self._fragments.setdefault((obj, style), {})

    def keep(self, obj: str, style: Hashable, made: Mapping[int, bytes]) -> None:
        """Add freshly rendered fragments, dropping the whole cache when it is full."""
        with self.lock:
            if self._fragment_count + len(made) > self._fragment_limit:
                self._fragments.clear()
                self._fragment_count = 0
            self._fragments.setdefault((obj, style), {}).update(made)
            self._fragment_count += len(made)

    def invalidate(self, obj: str, recnos: Sequence[int]) -> None:
        """Forget cached results of ``obj`` and fragments of the given records."""
        with self.lock:
            for key in [k for k in self._matches if k[0] == obj]:
                del self._matches[key]
            for (o, _), cache in self._fragments.items():
                if o == obj:
                    for r in recnos:
                        cache.pop(r, None)

    def drop_caches(self) -> None:
        with self.lock:
            self._matches.clear()
            self._fragments.clear()
            self._fragment_count = 0

    def close(self) -> None:
        with self.lock:
            self._db.close()


def _seed_rows(
    schema: ObjectSpec, frame: pd.DataFrame
) -> tuple[Iterator[tuple[Any, ...]], list[str]]:
    cols = [str(c) for c in frame.columns]
    unknown = [c for c in cols if c not in schema.fields]
    if unknown:
        raise ConfigError(f"{schema.name}: unknown field(s) {', '.join(unknown)}")
    if "RECORDNO" not in cols:
        raise ConfigError(f"{schema.name}: the frame has no RECORDNO column")
    arrays: list[Iterable[Any]] = []
    for c in cols:
        if c == "RECORDNO":
            try:
                arrays.append([int(v) for v in frame[c].tolist()])
            except (TypeError, ValueError):
                raise ConfigError(f"{schema.name}: RECORDNO must be integers") from None
            continue
        try:
            arrays.append(values.series_to_storage(schema.fields[c], c, frame[c]))
        except ValueError as exc:
            raise ConfigError(f"{schema.name}: {exc}") from None
    return zip(*arrays, strict=True), cols
