"""``recon ledger verify`` / ``recon ledger export``: results, exit codes, one clear line."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from recon.cli import main
from recon.store import DEFAULT_FILENAME, Store
from tests.store.test_store import RUN, seeded_store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "recon.sqlite3"
    store, plan = seeded_store(path)
    store.decide(RUN, plan.changes[0].change_id, "approve", by="jane")
    store.decide(RUN, plan.changes[1].change_id, "reject", by="jane")
    return path  # 4 ledger rows


def _one_line(text: str) -> str:
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_verify_ok(db: Path, capsys) -> None:
    assert main(["ledger", "verify", "--db", str(db)]) == 0
    out = capsys.readouterr()
    assert _one_line(out.out) == f"Ledger ok: 4 rows, hash chain intact ({db})"
    assert out.err == ""


def test_verify_uses_the_data_dir_by_default(db: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("RECON_DATA_DIR", str(db.parent))
    db.rename(db.parent / DEFAULT_FILENAME)
    assert main(["ledger", "verify"]) == 0
    assert "Ledger ok: 4 rows" in capsys.readouterr().out


def test_verify_broken_names_the_first_bad_row(db: Path, capsys) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER ledger_no_update")
        conn.execute("UPDATE ledger SET actor = 'mallory' WHERE seq = 3")
    conn.close()
    assert main(["ledger", "verify", "--db", str(db)]) == 1
    out = capsys.readouterr()
    line = _one_line(out.err)
    assert line.startswith("recon ledger: BROKEN at row 3: row 3 was altered")
    assert out.out == ""


@pytest.mark.parametrize("name", ["ledger.csv", "ledger.xlsx"])
def test_export(db: Path, tmp_path: Path, name: str, capsys) -> None:
    target = tmp_path / name
    assert main(["ledger", "export", str(target), "--db", str(db)]) == 0
    assert _one_line(capsys.readouterr().out) == f"Wrote the ledger to {target} (4 rows)"
    if name.endswith(".csv"):
        assert len(target.read_text(encoding="utf-8").splitlines()) == 5
    else:
        assert openpyxl.load_workbook(target)["Ledger"].max_row == 5


def test_export_of_a_broken_ledger_writes_and_fails(db: Path, tmp_path: Path, capsys) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER ledger_no_delete")
        conn.execute("DELETE FROM ledger WHERE seq = 4")
    conn.close()
    target = tmp_path / "ledger.csv"
    assert main(["ledger", "export", str(target), "--db", str(db)]) == 1
    out = capsys.readouterr()
    assert "truncated" in _one_line(out.err)
    assert len(target.read_text(encoding="utf-8").splitlines()) == 4


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["ledger", "verify", "--db", "{tmp}/missing.sqlite3"], "no recon database at"),
        (["ledger", "verify", "--db", "{tmp}"], "no recon database at"),
        (["ledger", "verify", "--db", "{tmp}/junk.txt"], "not a usable recon database"),
        (["ledger", "export", "{tmp}/out.pdf", "--db", "{db}"], "use a .csv or .xlsx file"),
        (["ledger", "export", "{tmp}/none/out.csv", "--db", "{db}"], "none is missing"),
    ],
)
def test_path_problems_get_one_clear_line(db: Path, tmp_path: Path, argv, fragment, capsys) -> None:
    (tmp_path / "junk.txt").write_text("not a database")
    args = [a.format(tmp=tmp_path, db=db) for a in argv]
    assert main(args) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("recon ledger: ") and fragment in line
    assert not (tmp_path / "missing.sqlite3").exists()


def test_ledger_alone_prints_its_help(capsys) -> None:
    assert main(["ledger"]) == 2
    out = capsys.readouterr().out
    assert "verify" in out and "export" in out and "Exit status" in out


def test_a_missing_file_argument_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ledger", "export"])
    assert exc.value.code == 2
    assert "FILE" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["ledger"], ["ledger", "verify"], ["ledger", "export"]])
def test_help(argv: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "recon", *argv, "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert ("--db" in proc.stdout) == (argv != ["ledger"])
    assert "usage: recon ledger" in proc.stdout


def test_the_store_opened_by_the_cli_is_not_modified(db: Path) -> None:
    before = Store(db).ledger()
    assert main(["ledger", "verify", "--db", str(db)]) == 0
    assert Store(db).ledger().equals(before)
