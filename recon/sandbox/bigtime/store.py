"""The BigTime sandbox's persistent store: one SQLite file, records kept as rendered JSON.

Every record is stored as the bytes the API answers with (its Basic and Detailed texts),
next to the few columns that reads filter on. Time entries, the bulk of a firm, live in
their own table indexed by (StaffSID, Dt) and (ProjectSID, Dt): a time sheet is one index
range joined into a JSON array, with no per-entry work (the pull benchmark depends on it).
Writes re-render the record and the records that copy its name (spec: ProjectNm, ClientNm,
SourceNm ... are denormalised on time entries).

All methods take one re-entrant lock; :meth:`BigtimeStore.transaction` groups statements.

Citations: "spec §N" is docs/specs/bigtime-rest-api.md, "ev §N"
docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time as _time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recon.sandbox.bigtime import catalogue as cat
from recon.sandbox.bigtime import derive, guesses, render, seeding

DB_NAME = "bigtime.sqlite3"
#: A team member's keys (ev §2.5): the lead flag and the lower-case staff id.
LEAD, MEMBER = cat.TEAM_LEAD_FIELD, cat.TEAM_STAFF_FIELD
Record = dict[str, Any]
#: Record types kept in the generic ``record`` table (time has its own).
KINDS = ("client", "project", "staff", "task", "invoice", "expense")
#: Detail endpoints spell the staff id ``StaffSid``; the list spells it ``StaffSID`` (spec §4.3).
DETAIL_ID_KEY: Mapping[str, str] = {
    r.name: r.detail_id_key for r in cat.RESOURCES.values() if r.detail_id_key
}
#: Indexed columns of the ``record`` table -> the field each holds, per kind.
COLUMNS: Mapping[str, Mapping[str, str]] = {
    "client": {"name": "Nm", "code": "ClientId", "inactive": "IsInactive"},
    "project": {
        "name": "Nm",
        "code": "ProjectCode",
        "client_sid": "ClientId",
        "inactive": "IsInactive",
    },
    "staff": {"name": "FullName", "code": "EMail", "inactive": "IsInactive"},
    "task": {
        "name": "TaskNm",
        "project_sid": "ProjectSid",
        "inactive": guesses.TASK_COMPLETED_FIELD,
    },
    "invoice": {
        "name": "InvoiceNbr",
        "code": "InvoiceNbr",
        "client_sid": "ClientSid",
        "project_sid": "ProjectSid",
        "dt": "InvoiceDt",
    },
    # Expenses (ev §2.10) are few: the generic table, ``code`` holding the staffer's id.
    "expense": {
        "code": "StaffSID",
        "client_sid": "ClientSID",
        "project_sid": "ProjectSID",
        "dt": "Dt",
    },
}
_RECORD_COLS = ("name", "code", "client_sid", "project_sid", "dt", "inactive")
#: Placeholders of one ``record`` row: kind, sid, the columns above, basic, detailed.
_RECORD_SLOTS = ", ".join("?" * (len(_RECORD_COLS) + 4))
#: Time columns a query may filter on (never user input: the names are fixed here).
TIME_COLUMNS = ("staff_sid", "project_sid", "task_sid", "invoice_sid")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS record (kind TEXT NOT NULL, sid INTEGER NOT NULL, name TEXT,"
    " code TEXT, client_sid INTEGER, project_sid INTEGER, dt TEXT, inactive INTEGER NOT NULL,"
    " basic BLOB NOT NULL, detailed BLOB NOT NULL, PRIMARY KEY (kind, sid)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS ix_record_code ON record (kind, code)",
    "CREATE INDEX IF NOT EXISTS ix_record_client ON record (kind, client_sid)",
    "CREATE INDEX IF NOT EXISTS ix_record_project ON record (kind, project_sid)",
    "CREATE INDEX IF NOT EXISTS ix_record_dt ON record (kind, dt)",
    "CREATE TABLE IF NOT EXISTS time (sid INTEGER PRIMARY KEY, staff_sid INTEGER NOT NULL,"
    " project_sid INTEGER NOT NULL, task_sid INTEGER, invoice_sid INTEGER, dt TEXT NOT NULL,"
    " body BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS team (project_sid INTEGER NOT NULL, pos INTEGER NOT NULL,"
    " staff_sid INTEGER NOT NULL, role INTEGER, lead INTEGER NOT NULL,"
    " PRIMARY KEY (project_sid, staff_sid))",
    "CREATE INDEX IF NOT EXISTS ix_team_staff ON team (staff_sid)",
    "CREATE TABLE IF NOT EXISTS item (list TEXT NOT NULL, id INTEGER NOT NULL,"
    " pos INTEGER NOT NULL, name TEXT, inactive INTEGER NOT NULL, body BLOB NOT NULL,"
    " PRIMARY KEY (list, id)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS udf_def (owner TEXT NOT NULL, sid INTEGER NOT NULL,"
    " pos INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY (owner, sid)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
_TIME_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_time_staff ON time (staff_sid, dt)",
    "CREATE INDEX IF NOT EXISTS ix_time_project ON time (project_sid, dt)",
    "CREATE INDEX IF NOT EXISTS ix_time_task ON time (task_sid)",
    "CREATE INDEX IF NOT EXISTS ix_time_invoice ON time (invoice_sid)",
)


def _in(values: Sequence[int]) -> tuple[str, list[str]]:
    """``IN (...)`` over a JSON array parameter (any length, one statement)."""
    return "IN (SELECT value FROM json_each(?))", [json.dumps(list(values))]


class StoreNames:
    """Cached name look-ups for :mod:`derive` and reference checks (one per operation)."""

    def __init__(self, store: BigtimeStore) -> None:
        self._store = store
        self._rows: dict[tuple[str, int], tuple[Any, ...] | None] = {}
        self._items: dict[tuple[str, int], tuple[str | None] | None] = {}
        self._staff: dict[int, tuple[str | None, str | None, str | None]] = {}

    def _row(self, kind: str, sid: int | None) -> tuple[Any, ...] | None:
        if sid is None:
            return None
        key = (kind, sid)
        if key not in self._rows:
            self._rows[key] = self._store.row(kind, sid)
        return self._rows[key]

    def exists(self, ref: str, sid: int) -> bool:
        if ref in KINDS:
            return self._row(ref, sid) is not None
        return self._item(ref, sid) is not None

    def _item(self, list_name: str, item_id: int) -> tuple[str | None] | None:
        key = (list_name, item_id)
        if key not in self._items:
            self._items[key] = self._store.item_name(list_name, item_id)
        return self._items[key]

    def client_name(self, sid: int | None) -> str | None:
        row = self._row("client", sid)
        return row[0] if row else None

    def project(self, sid: int | None) -> tuple[str | None, int | None]:
        row = self._row("project", sid)
        return (row[0], row[2]) if row else (None, None)

    def staff(self, sid: int | None) -> tuple[str | None, str | None, str | None]:
        if sid is None or self._row("staff", sid) is None:
            return (None, None, None)
        if sid not in self._staff:
            rec = self._store.record("staff", sid) or {}
            self._staff[sid] = (rec.get("FName"), rec.get("SName"), rec.get("FullName"))
        return self._staff[sid]

    def task_name(self, sid: int | None) -> str | None:
        row = self._row("task", sid)
        return row[0] if row else None

    def task_project(self, sid: int | None) -> int | None:
        row = self._row("task", sid)
        return row[3] if row else None

    def item_name(self, list_name: str, item_id: int | None) -> str | None:
        found = None if item_id is None else self._item(list_name, item_id)
        return found[0] if found else None


class BigtimeStore:
    """Persistent BigTime records in ``<data_dir>/bigtime.sqlite3``.

    Parameters
    ----------
    data_dir:
        Directory for the SQLite file (created if missing; kept across restarts).
    clock:
        Seconds since the epoch, for ``DtCreated``/``DtModified`` stamps.
    """

    def __init__(self, data_dir: str | Path, *, clock: Callable[[], float] = _time.time) -> None:
        self.path = Path(data_dir) / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.clock = clock
        self._depth = 0
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # A scale-40 seed is one large transaction; give the WAL file back after it.
        self._db.execute("PRAGMA journal_size_limit=67108864")
        with self.transaction():
            for statement in (*_SCHEMA, *_TIME_INDEXES):
                self._db.execute(statement)

    # --- transactions ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One SQLite transaction (nested calls join the outer one); rolled back on error."""
        with self.lock:
            self._depth += 1
            if self._depth == 1:
                self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self._depth == 1:
                    self._db.execute("ROLLBACK")
                raise
            else:
                if self._depth == 1:
                    self._db.execute("COMMIT")
            finally:
                self._depth -= 1

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement that returns no rows."""
        with self.lock:
            self._db.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """All rows of a query, fetched under the lock (the connection is shared)."""
        with self.lock:
            return self._db.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row of a query, or None."""
        with self.lock:
            return self._db.execute(sql, params).fetchone()

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.lock:
            self._db.executemany(sql, rows)

    def names(self) -> StoreNames:
        return StoreNames(self)

    def now(self) -> str:
        """The clock as a BigTime timestamp (``DtModified``), UTC."""
        stamp = datetime.fromtimestamp(self.clock(), UTC).replace(tzinfo=None)
        return stamp.isoformat("T", "seconds")

    # --- seeding ------------------------------------------------------------------------------

    def seed(self, seed: Mapping[str, Any]) -> dict[str, int]:
        """Load a ``BigtimeSeed`` dict (see the contract); returns rows added per part.

        ``seed["time"]`` may be any iterable (a generator at scale 40): it is read in
        batches, so the firm never has to fit in memory.

        Raises
        ------
        ConfigError
            An unknown part, field, list name or reference; a bad value; a duplicate id.
        """
        return seeding.load(self, seed)

    def is_empty(self) -> bool:
        """True when the store holds no record, time entry or list item."""
        with self.lock:
            return not any(
                self._db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()  # noqa: S608
                for table in ("record", "time", "item")
            )

    # --- records (client, project, staff, task, invoice) ------------------------------------

    def row(self, kind: str, sid: int) -> tuple[Any, ...] | None:
        """``(name, code, client_sid, project_sid, dt, inactive)`` of one record, or None."""
        sql = (
            "SELECT name, code, client_sid, project_sid, dt, inactive FROM record"
            " WHERE kind = ? AND sid = ?"
        )
        return self.one(sql, (kind, sid))

    def record_text(self, kind: str, sid: int) -> bytes | None:
        """The Detailed JSON text of one record, as the detail endpoint answers."""
        sql = "SELECT detailed FROM record WHERE kind = ? AND sid = ?"
        found = self.one(sql, (kind, sid))
        return found[0] if found else None

    def record(self, kind: str, sid: int) -> Record | None:
        """One record in storage form (keys canonical), or None."""
        text = self.record_text(kind, sid)
        return render.loads(text, cat.resource(kind)) if text is not None else None

    def list_json(
        self, kind: str, *, show_inactive: bool = True, where: str = "", params: Sequence[Any] = ()
    ) -> bytes:
        """Basic texts of a kind as one JSON array, ordered by (dt,) sid.

        ``where`` is an extra condition on fixed column names (never user text).
        """
        sql = "SELECT basic FROM record WHERE kind = ?"
        if not show_inactive:
            sql += " AND inactive = 0"
        if where:
            sql += f" AND {where}"
        sql += " ORDER BY dt, sid"
        return render.array(r[0] for r in self.query(sql, (kind, *params)))

    def records(self, kind: str, *, where: str = "", params: Sequence[Any] = ()) -> list[Record]:
        """Records of a kind in storage form, ordered by (dt,) sid; ``where`` as in
        :meth:`list_json` (fixed column names only)."""
        sql = "SELECT detailed FROM record WHERE kind = ?" + (f" AND {where}" if where else "")  # noqa: S608
        rows = self.query(sql + " ORDER BY dt, sid", (kind, *params))
        return [render.loads(text, cat.resource(kind)) for (text,) in rows]

    def rows(self, kind: str, *, show_inactive: bool = True) -> list[tuple[Any, ...]]:
        """``(sid, name, client_sid, inactive)`` of every record of a kind, by sid."""
        sql = "SELECT sid, name, client_sid, inactive FROM record WHERE kind = ?"
        if not show_inactive:
            sql += " AND inactive = 0"
        return self.query(sql + " ORDER BY sid", (kind,))

    def find_code(self, kind: str, code: str) -> list[int]:
        """Sids of records whose code column (ClientId, ProjectCode, EMail ...) is ``code``."""
        sql = "SELECT sid FROM record WHERE kind = ? AND code = ? ORDER BY sid"
        return [r[0] for r in self.query(sql, (kind, code))]

    def count(self, kind: str, column: str, value: int) -> int:
        """Records of ``kind`` whose ``column`` (client_sid / project_sid) equals ``value``."""
        if column not in ("client_sid", "project_sid"):
            raise ValueError(column)
        sql = f"SELECT COUNT(*) FROM record WHERE kind = ? AND {column} = ?"  # noqa: S608
        return int(self.one(sql, (kind, value))[0])

    def next_sid(self, kind: str) -> int:
        """A fresh positive id, never reused even after deletes (like BigTime's ids)."""
        table = "time" if kind == "time" else "record"
        where = "" if kind == "time" else " WHERE kind = ?"
        params = () if kind == "time" else (kind,)
        with self.lock:
            top = self._db.execute(f"SELECT MAX(sid) FROM {table}{where}", params).fetchone()[0]  # noqa: S608
            sid = max(top or 0, int(self.meta(f"next:{kind}") or 0)) + 1
            self.set_meta(f"next:{kind}", str(sid))
            return sid

    def next_unsubmitted_sid(self, kind: str = "time") -> int:
        """The next negative SID (-1, -2, ...) of a kind: unsubmitted time entries (spec
        §4.5) and expenses (issue 16)."""
        table = "time" if kind == "time" else "record"
        where = "" if kind == "time" else " WHERE kind = ?"
        params = () if kind == "time" else (kind,)
        with self.lock:
            sql = f"SELECT MIN(sid) FROM {table}{where}"  # noqa: S608 - fixed names only
            low = self._db.execute(sql, params).fetchone()[0]
            sid = min(low or 0, int(self.meta(f"next:{kind}-") or 0), 0) - 1
            self.set_meta(f"next:{kind}-", str(sid))
            return sid

    def record_row(self, kind: str, rec: Record, names: derive.Names) -> tuple[Any, ...]:
        """Derive, render and lay out one record as a ``record`` table row."""
        derive.DERIVE[kind](rec, names)
        resource = cat.resource(kind)
        cols = COLUMNS[kind]
        values = [rec.get(cols[c]) if c in cols else None for c in _RECORD_COLS]
        values[4] = values[4][:10] if values[4] else None  # dt: dates compare as text
        values[5] = 1 if values[5] else 0
        basic = render.record_bytes(resource, rec, detailed=False)
        detailed = render.record_bytes(resource, rec, id_key=DETAIL_ID_KEY.get(kind, ""))
        return (kind, rec[resource.id_field], *values, basic, detailed)

    def insert_records(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.executemany(f"INSERT INTO record VALUES ({_RECORD_SLOTS})", rows)  # noqa: S608

    def put_record(self, kind: str, rec: Record) -> Record:
        """Insert or replace one record (its id already set), re-deriving its dependants."""
        with self.transaction():
            sid = rec[cat.resource(kind).id_field]
            old = self.row(kind, sid)
            row = self.record_row(kind, rec, self.names())
            self.execute(f"INSERT OR REPLACE INTO record VALUES ({_RECORD_SLOTS})", row)  # noqa: S608
            if old is not None:
                self._refresh_dependants(kind, sid, old, row)
        return rec

    def _remember(self, kind: str, sid: int) -> None:
        """Keep a deleted id's mark, so :meth:`next_sid` never hands it out again."""
        if sid > 0 and sid > int(self.meta(f"next:{kind}") or 0):
            self.set_meta(f"next:{kind}", str(sid))
        elif sid < 0 and sid < int(self.meta("next:time-") or 0):
            self.set_meta("next:time-", str(sid))

    def delete_record(self, kind: str, sid: int) -> None:
        with self.transaction():
            self._remember(kind, sid)
            self.execute("DELETE FROM record WHERE kind = ? AND sid = ?", (kind, sid))
            if kind == "project":
                self.execute("DELETE FROM team WHERE project_sid = ?", (sid,))
                self.execute("DELETE FROM record WHERE kind = 'task' AND project_sid = ?", (sid,))
            elif kind == "staff":
                self.execute("DELETE FROM team WHERE staff_sid = ?", (sid,))

    def _refresh_dependants(
        self, kind: str, sid: int, old: tuple[Any, ...], new: tuple[Any, ...]
    ) -> None:
        """Re-derive records that copy this record's name (or client) when it changed."""
        if kind == "client" and old[0] != new[2]:
            projects = [r[0] for r in self.rows("project") if r[2] == sid]
            self.refresh_time("project_sid", projects)
            self._refresh_records("project", "client_sid", sid)  # DisplayName
            self._refresh_records("invoice", "client_sid", sid)
            self._refresh_records("expense", "client_sid", sid)
        elif kind == "project" and (old[0], old[2]) != (new[2], new[4]):
            self.refresh_time("project_sid", [sid])
            self._refresh_records("invoice", "project_sid", sid)  # DName
            self._refresh_records("expense", "project_sid", sid)
        elif kind == "staff" and old[0] != new[2]:
            self.refresh_time("staff_sid", [sid])
        elif kind == "task" and old[0] != new[2]:
            self.refresh_time("task_sid", [sid])

    def _refresh_records(self, kind: str, column: str, value: int) -> None:
        sql = f"SELECT sid FROM record WHERE kind = ? AND {column} = ?"  # noqa: S608 - fixed
        for (sid,) in self.query(sql, (kind, value)):
            rec = self.record(kind, sid)
            if rec is not None:
                self.put_record(kind, rec)

    # --- time entries --------------------------------------------------------------------------

    def time_row(self, rec: Record, names: derive.Names) -> tuple[Any, ...]:
        """Derive and render one time entry as a ``time`` table row."""
        derive.time(rec, names)
        body = render.record_bytes(cat.TIME, rec)
        dt = rec["Dt"][:10]
        return (
            rec["SID"],
            rec["StaffSID"],
            rec["ProjectSID"],
            rec.get("TaskSID"),
            rec.get("InvoiceSID"),
            dt,
            body,
        )

    def insert_times(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.executemany("INSERT INTO time VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def drop_time_indexes(self) -> None:
        for statement in _TIME_INDEXES:
            self.execute("DROP INDEX IF EXISTS " + statement.split()[5])

    def create_time_indexes(self) -> None:
        for statement in _TIME_INDEXES:
            self.execute(statement)

    def time_text(self, sid: int) -> bytes | None:
        found = self.one("SELECT body FROM time WHERE sid = ?", (sid,))
        return found[0] if found else None

    def time_record(self, sid: int) -> Record | None:
        text = self.time_text(sid)
        return render.loads(text, cat.TIME) if text is not None else None

    def time_window(self, column: str, sid: int, start: str, end: str) -> bytes:
        """Entries of one staffer / project with ``start <= Dt <= end``, by Dt then SID."""
        if column not in ("staff_sid", "project_sid"):
            raise ValueError(column)
        sql = (
            f"SELECT body FROM time WHERE {column} = ? AND dt BETWEEN ? AND ?"  # noqa: S608
            " ORDER BY dt, sid"
        )
        return render.array(r[0] for r in self.query(sql, (sid, start, end)))

    def time_records(
        self, start: str, end: str, column: str = "", value: int | None = None
    ) -> list[Record]:
        """Entries with ``start <= Dt <= end`` (of one staffer / project / task when
        ``column`` is given), by Dt then SID, in storage form (for reports and rollups)."""
        if column and column not in TIME_COLUMNS:
            raise ValueError(column)
        where = f" AND {column} = ?" if column else ""
        sql = f"SELECT body FROM time WHERE dt BETWEEN ? AND ?{where} ORDER BY dt, sid"  # noqa: S608
        params = (start, end, value) if column else (start, end)
        return [render.loads(body, cat.TIME) for (body,) in self.query(sql, params)]

    def time_count(self, column: str, value: int) -> int:
        if column not in TIME_COLUMNS:
            raise ValueError(column)
        sql = f"SELECT COUNT(*) FROM time WHERE {column} = ?"  # noqa: S608 - fixed names
        return int(self.one(sql, (value,))[0])

    def put_time(self, rec: Record, *, replaces: int | None = None) -> Record:
        """Store one entry (SID set); ``replaces`` is the old SID of a renumbered entry."""
        with self.transaction():
            if replaces is not None and replaces != rec["SID"]:
                self._remember("time", replaces)
                self.execute("DELETE FROM time WHERE sid = ?", (replaces,))
            row = self.time_row(rec, self.names())
            self.execute("INSERT OR REPLACE INTO time VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        return rec

    def delete_time(self, sid: int) -> None:
        with self.transaction():
            self._remember("time", sid)
            self.execute("DELETE FROM time WHERE sid = ?", (sid,))

    def refresh_time(self, column: str, values: Sequence[int]) -> None:
        """Re-derive the names copied onto the entries whose ``column`` is in ``values``."""
        if column not in TIME_COLUMNS or not values:
            return
        clause, params = _in(values)
        sql = f"SELECT body FROM time WHERE {column} {clause}"  # noqa: S608 - fixed names
        names = self.names()
        with self.transaction():
            rows = [
                self.time_row(render.loads(body, cat.TIME), names)
                for (body,) in self.query(sql, params)
            ]
            self.executemany("INSERT OR REPLACE INTO time VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    # --- project teams -------------------------------------------------------------------------

    def team(self, project_sid: int) -> list[Record]:
        """Team members in stored order, each with the staffer's current full name."""
        sql = (
            "SELECT t.staff_sid, r.name, t.role, t.lead FROM team t LEFT JOIN record r"
            " ON r.kind = 'staff' AND r.sid = t.staff_sid WHERE t.project_sid = ? ORDER BY t.pos"
        )
        return [
            {MEMBER: s, "ContactRole": role, LEAD: bool(lead), "StaffNm": n}
            for s, n, role, lead in self.query(sql, (project_sid,))
        ]

    def set_team(self, project_sid: int, members: Sequence[Record]) -> None:
        """Replace a project's team (``staffsid``, ``ContactRole``, lead flag per member)."""
        with self.transaction():
            self.execute("DELETE FROM team WHERE project_sid = ?", (project_sid,))
            self.add_team(project_sid, members)

    def add_team(self, project_sid: int, members: Sequence[Record], start: int = 0) -> None:
        lead = LEAD
        rows = [
            (project_sid, start + i, m[MEMBER], m.get("ContactRole"), 1 if m.get(lead) else 0)
            for i, m in enumerate(members)
        ]
        self.executemany("INSERT INTO team VALUES (?, ?, ?, ?, ?)", rows)

    def team_size(self, project_sid: int) -> int:
        sql = "SELECT COUNT(*) FROM team WHERE project_sid = ?"
        return int(self.one(sql, (project_sid,))[0])

    # --- picklists, custom-field definitions, settings -------------------------------------------

    def item_name(self, list_name: str, item_id: int) -> tuple[str | None] | None:
        sql = "SELECT name FROM item WHERE list = ? AND id = ?"
        return self.one(sql, (list_name, item_id))

    def items_json(self, list_name: str, *, show_inactive: bool) -> bytes:
        sql = "SELECT body FROM item WHERE list = ?"
        if not show_inactive:
            sql += " AND inactive = 0"
        return render.array(r[0] for r in self.query(sql + " ORDER BY pos", (list_name,)))

    def insert_items(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.executemany("INSERT INTO item VALUES (?, ?, ?, ?, ?, ?)", rows)

    def udf_defs(self, owner: str) -> list[tuple[int, str]]:
        """``(Sid, Name)`` of the custom fields a firm defined for ``owner`` (project/staff)."""
        sql = "SELECT sid, name FROM udf_def WHERE owner = ? ORDER BY pos, sid"
        return [(int(s), str(n)) for s, n in self.query(sql, (owner,))]

    def meta(self, key: str) -> str | None:
        found = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return found[0] if found else None

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def vocabulary(self) -> list[dict[str, Any]]:
        stored = self.meta("vocabulary")
        if stored is None:
            return [dict(v) for v in guesses.DEFAULT_VOCABULARY]
        return json.loads(stored)

    def close(self) -> None:
        with self.lock:
            self._db.close()
