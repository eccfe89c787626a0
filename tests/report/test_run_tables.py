"""Every reconcile leaves ``findings.csv`` and the to-do-by-hand list beside its reports.

Issue 13, points 6 and 7, on the product path (:func:`recon.job.reconcile_run` against the
demo firm served by both sandboxes): ``findings.csv`` holds exactly the demo firm's planted
disagreements with the documented columns; ``todo_by_hand.csv`` and the Excel report's
"To do by hand" sheet hold exactly the plan's review-only changes, each saying where.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from recon.job import reconcile_run
from recon.report.findings import FINDINGS_COLUMNS, TODO_COLUMNS
from recon.store import Store
from tests.demo_sandboxes import served_copy

YEAR = {"start": "2025-01-01", "end": "2025-12-31"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    monkeypatch = pytest.MonkeyPatch()
    dest = tmp_path_factory.mktemp("tables") / "demo"
    try:
        with served_copy(tmp_path_factory, dest, monkeypatch) as served:
            store = Store(served.data / "recon.sqlite3")
            yield reconcile_run("sandbox", **YEAR, store=store), served
    finally:
        monkeypatch.undo()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_findings_csv_is_every_planted_disagreement_with_documented_columns(run) -> None:  # type: ignore[no-untyped-def]
    done, served = run
    path = done.reports["findings"]
    assert path.name == "findings.csv" and path.parent == done.reports["html"].parent
    rows = read_csv(path)
    assert list(rows[0]) == list(FINDINGS_COLUMNS)
    manifest = json.loads((served.data / "manifest.json").read_text(encoding="utf-8"))
    planted = {(m["entity"], m["kind"], m["key"], m["field"] or "") for m in manifest}
    assert {(r["entity"], r["kind"], r["key"], r["field"]) for r in rows} == planted
    assert len(rows) == done.summary["findings"] == len(manifest)
    by_key = {(r["entity"], r["key"], r["field"]): r for r in rows}
    spaced = by_key[("customer", "C10027", "name")]
    assert spaced["intacct_value"] == "Prairie State Analytics Corp."
    assert spaced["bigtime_value"] == "Prairie State Analytics Corp. "  # spacing kept
    assert (spaced["cosmetic"], spaced["entity_label"]) == ("yes", "Client")
    assert spaced["name"].startswith("Prairie State Analytics Corp.")
    assert by_key[("customer", "C10012", "name")]["cosmetic"] == "no"
    assert by_key[("employee", "E1029", "last_name")]["name"]  # first and last name
    hours = by_key[("time_entry", "1019231", "hours")]
    assert hours["money_impact"] != "" and hours["name"]  # staffer, date, engagement
    assert by_key[("invoice", "INV-25-00779", "")]["money_impact"] == "5256.25"


def test_review_only_changes_are_a_to_do_list_with_where(run) -> None:  # type: ignore[no-untyped-def]
    done, _ = run
    review = [c for c in done.plan.changes if not c.pushable]
    assert review, "the demo plan has changes recon cannot push"
    rows = read_csv(done.reports["todo"])
    assert list(rows[0]) == list(TODO_COLUMNS)
    assert [r["change_id"] for r in rows] == [c.change_id for c in review]
    department = next(r for r in rows if (r["entity"], r["key"]) == ("department", "DATA"))
    assert "My Company > Field Values" in department["where"]
    assert department["system"] == "BigTime" and department["name"] == "Data and Analytics"

    book = openpyxl.load_workbook(done.reports["excel"], read_only=True)
    assert "To do by hand" in book.sheetnames
    cells = [str(c) for row in book["To do by hand"].iter_rows(values_only=True) for c in row]
    assert "DATA" in cells and any("My Company > Field Values" in c for c in cells)
