"""The decision ledger (``recon.ledger``): tamper detection and the auditor's exports."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from recon.errors import ConfigError
from recon.ledger import GENESIS, LEDGER_COLUMNS, LedgerCheck, chain_hash, verify_rows
from recon.store import Store
from tests.store.test_store import RUN, seeded_store

INJECTION = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A store with 12 ledger rows: prepared, planned, decisions and a whole push."""
    store, plan = seeded_store(tmp_path / "recon.sqlite3")
    ids = [c.change_id for c in plan.changes]
    store.decide(RUN, ids[0], "approve", by="jane", comment=INJECTION)
    store.decide(RUN, ids[1], "reject", by="jane", comment="-not ours")
    store.decide(RUN, ids[2], "approve", by="omar")
    store.decide(RUN, ids[3], "defer", by="omar", comment="ask Pat")
    store.mark(RUN, ids[0], "sending")
    store.mark(RUN, ids[0], "applied", remote_id="1042")
    store.mark(RUN, ids[2], "sending")
    store.mark(RUN, ids[2], "unknown", error="@gateway timed out")
    store.mark(RUN, ids[2], "sending")
    store.mark(RUN, ids[2], "applied", remote_id="1043")
    assert len(store.ledger()) == 12
    return store


def _tamper(store: Store, *statements: tuple[str, tuple]) -> None:
    """Raw SQL by someone who first drops the append-only triggers."""
    with sqlite3.connect(store.path) as db:
        db.execute("DROP TRIGGER ledger_no_update")
        db.execute("DROP TRIGGER ledger_no_delete")
        for sql, args in statements:
            db.execute(sql, args)
    db.close()


def _row(store: Store, seq: int) -> dict:
    return store.ledger().set_index("seq").loc[seq].to_dict()


def test_a_clean_ledger_verifies(store: Store) -> None:
    check = store.verify_ledger()
    assert check == LedgerCheck(ok=True, rows=12, head_hash=check.head_hash)
    assert bool(check) and check.first_bad_seq is None and check.problem == ""
    ledger = store.ledger()
    assert ledger["seq"].tolist() == list(range(1, 13))
    assert ledger["prev_hash"].iloc[0] == GENESIS
    assert ledger["prev_hash"].iloc[1:].tolist() == ledger["hash"].iloc[:-1].tolist()
    assert check.head_hash == ledger["hash"].iloc[-1]
    assert ledger["action"].tolist() == [
        "prepared",
        "planned",
        *["decided"] * 4,
        "sending",
        "pushed",
        "sending",
        "push_unknown",
        "sending",
        "pushed",
    ]


def test_rows_cannot_be_changed_while_the_triggers_stand(store: Store) -> None:
    with sqlite3.connect(store.path) as db:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE ledger SET actor = 'mallory' WHERE seq = 3")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM ledger WHERE seq = 12")
    db.close()
    assert store.verify_ledger().ok


@pytest.mark.parametrize("column", [c for c in LEDGER_COLUMNS if c != "seq"])
def test_an_edit_of_any_column_is_found_at_its_row(store: Store, column: str) -> None:
    old = _row(store, 5)[column]
    sql = f'UPDATE ledger SET "{column}" = ? WHERE seq = 5'  # noqa: S608 -- our column names
    _tamper(store, (sql, (old + "x",)))
    check = store.verify_ledger()
    assert not check.ok
    assert check.first_bad_seq == 5
    assert "row 5" in check.problem


def test_an_edited_outcome_is_explained(store: Store) -> None:
    _tamper(store, ("UPDATE ledger SET outcome = 'approve' WHERE seq = 4", ()))
    check = store.verify_ledger()
    assert (check.first_bad_seq, check.problem, check.rows) == (
        4,
        "row 4 was altered (its hash does not match)",
        3,
    )


@pytest.mark.parametrize(("seq", "first_bad"), [(1, 1), (6, 6), (11, 11)])
def test_a_deleted_row_is_found(store: Store, seq: int, first_bad: int) -> None:
    _tamper(store, ("DELETE FROM ledger WHERE seq = ?", (seq,)))
    check = store.verify_ledger()
    assert (check.ok, check.first_bad_seq) == (False, first_bad)
    assert "missing" in check.problem


def test_reordered_rows_are_found(store: Store) -> None:
    _tamper(
        store,
        ("UPDATE ledger SET seq = -1 WHERE seq = 4", ()),
        ("UPDATE ledger SET seq = 4 WHERE seq = 7", ()),
        ("UPDATE ledger SET seq = 7 WHERE seq = -1", ()),
    )
    check = store.verify_ledger()
    assert (check.ok, check.first_bad_seq) == (False, 4)
    assert "does not follow row 3" in check.problem


@pytest.mark.parametrize("keep", [0, 5, 11])
def test_a_truncated_tail_is_found(store: Store, keep: int) -> None:
    _tamper(store, ("DELETE FROM ledger WHERE seq > ?", (keep,)))
    check = store.verify_ledger()
    assert (check.ok, check.first_bad_seq, check.rows) == (False, keep + 1, keep)
    assert "truncated" in check.problem


def _forge(seq: int, prev: str, *, good_hash: bool) -> tuple[str, tuple]:
    values = (seq, "2024-05-01T00:00:00+00:00", "mallory", "decided", RUN, "chg-x", "customer")
    values += ("C9", "bigtime", "null", "null", "approve", "", "")
    digest = chain_hash(prev, values) if good_hash else "f" * 64
    marks = ", ".join("?" * len(LEDGER_COLUMNS))
    return f"INSERT INTO ledger VALUES ({marks})", (*values, prev, digest)  # noqa: S608


@pytest.mark.parametrize("good_hash", [False, True])
def test_a_forged_row_at_the_end_is_found(store: Store, good_hash: bool) -> None:
    last = _row(store, 12)["hash"]
    _tamper(store, _forge(13, last, good_hash=good_hash))
    check = store.verify_ledger()
    assert (check.ok, check.first_bad_seq) == (False, 13)
    assert ("appended outside recon" if good_hash else "altered") in check.problem


def test_a_replaced_row_breaks_the_link_after_it(store: Store) -> None:
    # A forger who recomputes row 6's hash is still caught: row 7 points at the old row 6.
    prev = _row(store, 5)["hash"]
    _tamper(store, ("DELETE FROM ledger WHERE seq = 6", ()), _forge(6, prev, good_hash=True))
    check = store.verify_ledger()
    assert (check.ok, check.first_bad_seq) == (False, 7)
    assert check.problem == "row 7 does not follow row 6 (reordered or inserted)"


def test_a_rewritten_last_row_is_found_by_the_head(store: Store) -> None:
    prev = _row(store, 11)["hash"]
    _tamper(store, ("DELETE FROM ledger WHERE seq = 12", ()), _forge(12, prev, good_hash=True))
    check = store.verify_ledger()
    assert (check.ok, check.first_bad_seq) == (False, 12)
    assert "rewritten" in check.problem


def test_appends_continue_the_chain_after_reopen(store: Store) -> None:
    again = Store(store.path)
    again.save_run("r2", profile="sandbox", prepared_by="sam")
    assert again.verify_ledger() == LedgerCheck(
        ok=True, rows=13, head_hash=again.ledger()["hash"].iloc[-1]
    )


def test_verify_rows_without_seq_in_the_hash() -> None:
    first = ("a", "b")
    h1 = chain_hash(GENESIS, first)
    h2 = chain_hash(h1, ("c", "d"))
    rows = [(1, *first, GENESIS, h1), (2, "c", "d", h1, h2)]
    assert verify_rows(rows, seq_hashed=False).ok
    assert verify_rows(rows).first_bad_seq == 1  # seq hashed: these hashes do not match
    assert verify_rows([rows[1]], seq_hashed=False).problem.startswith("row 1 missing")


# --- exports ----------------------------------------------------------------------------------
def test_csv_export_for_the_auditor(store: Store, tmp_path: Path) -> None:
    out = store.export_ledger(tmp_path / "ledger.csv")
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(LEDGER_COLUMNS)
    assert len(rows) == 13
    expected = store.ledger().astype(str).values.tolist()
    guarded = {INJECTION, "-not ours", "@gateway timed out"}
    for got, want in zip(rows[1:], expected, strict=True):
        assert got == ["'" + v if v in guarded else v for v in want]
    assert sum("'" + INJECTION in r for r in rows) == 1
    assert not list(tmp_path.glob(".*.tmp"))


def test_excel_export_guards_formulas(store: Store, tmp_path: Path) -> None:
    out = store.export_ledger(tmp_path / "ledger.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["Ledger"]
    assert [c.value for c in ws[1]] == list(LEDGER_COLUMNS)
    assert ws.max_row == 13
    assert [ws.cell(row=r, column=1).value for r in range(2, 14)] == list(range(1, 13))
    detail = LEDGER_COLUMNS.index("detail") + 1
    cell = ws.cell(row=3 + 1, column=detail)  # seq 3: the first decision
    assert (cell.value, cell.data_type, cell.quotePrefix) == (INJECTION, "s", True)
    ledger = store.ledger()
    assert [ws.cell(row=r, column=16).value for r in range(2, 14)] == ledger["hash"].tolist()
    check = wb["Check"]
    assert [c.value for c in check[2]][:4] == [True, 12, None, None]


def test_excel_export_of_a_broken_ledger_says_so(store: Store, tmp_path: Path) -> None:
    _tamper(store, ("UPDATE ledger SET actor = 'mallory' WHERE seq = 8", ()))
    wb = openpyxl.load_workbook(store.export_ledger(tmp_path / "ledger.xlsx"))
    assert [c.value for c in wb["Check"][2]][:3] == [False, 7, 8]
    assert wb["Ledger"].max_row == 13  # every row is still exported, for the auditor to see


@pytest.mark.parametrize(
    ("name", "message"), [("ledger.txt", "use a .csv or .xlsx"), ("no/ledger.csv", "no/")]
)
def test_bad_export_paths(store: Store, tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        store.export_ledger(tmp_path / name)
