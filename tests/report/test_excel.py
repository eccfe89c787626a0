"""recon.report.excel: the workbook reopened with openpyxl -- order, highlights, safety, types."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from recon.diff import diff_all, time_aggregate
from recon.report import build_report, excel, write_excel, write_reports
from recon.report.excel import FILLS, SUMMARY_SHEET, _sheet_names
from tests.report import (
    BIG_MONEY,
    FORMULAS,
    HUGE_MONEY,
    RUN,
    demo_diff,
    demo_report,
    demo_views,
    frame,
    hostile_report,
)


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_excel(demo_report(), tmp_path_factory.mktemp("xl") / "report.xlsx")


@pytest.fixture(scope="module")
def hostile_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_excel(hostile_report(), tmp_path_factory.mktemp("xl") / "report.xlsx")


def sheet_xml(path: Path, index: int) -> str:
    """The raw XML of the index-th sheet (1-based), as Excel will read it."""
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{index}.xml").decode()


def rows_by_key(ws) -> tuple[list[str], dict[str, int]]:
    heads = [c.value for c in ws[1]]
    keys = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    return heads, keys


def test_summary_first_then_one_sheet_per_entity_with_findings(demo_book: Path) -> None:
    wb = openpyxl.load_workbook(demo_book)
    report = demo_report()
    assert wb.sheetnames == [SUMMARY_SHEET, *(s.label for s in report.with_findings)]
    ws = wb[SUMMARY_SHEET]
    labels = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    summary = demo_diff().summary().set_index("entity")
    for section in report.sections:  # every entity is in the summary, with its counts
        row = labels.index(section.label) + 1
        assert ws.cell(row, 3).value == section.compared
        assert ws.cell(row, 4).value == summary.loc[section.entity, "only_in_intacct"]
        assert ws.cell(row, 9).value == summary.loc[section.entity, "duplicates"]
    assert ws.cell(labels.index("Total") + 1, 7).value == int(summary["mismatched_fields"].sum())


def test_highlighted_cells_are_exactly_the_mismatches(demo_book: Path) -> None:
    wb = openpyxl.load_workbook(demo_book)
    for section in demo_report().with_findings:
        ws = wb[section.label]
        heads, keys = rows_by_key(ws)
        m = demo_diff().entities[section.entity].mismatches
        labels = {c.field: c.label for c in section.columns}
        expected = {}
        for key, field, kind in zip(m["key"], m["field"], m["kind"], strict=True):
            for side in ("Intacct", "BigTime"):
                column = heads.index(f"{labels[field]} ({side})") + 1
                expected[(keys[key], column)] = FILLS[kind].fgColor.rgb
        filled = {
            (cell.row, cell.column): cell.fill.fgColor.rgb
            for row in ws.iter_rows()
            for cell in row
            if cell.fill.fill_type == "solid"
        }
        assert filled == expected, section.entity


def test_headers_bold_frozen_filtered_and_sized(demo_book: Path) -> None:
    wb = openpyxl.load_workbook(demo_book)
    section = demo_report().with_findings[0]
    ws = wb[section.label]
    assert all(c.font.bold for c in ws[1]) and ws.freeze_panes == "C2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    assert ws.cell(1, 1).value == section.key_label
    assert ws.column_dimensions["B"].width >= len("Only in Intacct")
    summary = wb[SUMMARY_SHEET]
    assert summary.freeze_panes is not None and summary.auto_filter.ref


def test_formulas_from_the_remote_systems_stay_text(hostile_book: Path) -> None:
    wb = openpyxl.load_workbook(hostile_book)
    ws = wb["Clients"]
    texts = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for formula in (*FORMULAS, "=1+1"):
        cell = texts[formula]  # the exact value, unchanged
        assert cell.data_type == "s" and cell.quotePrefix, formula
    xml = sheet_xml(hostile_book, 2)
    assert "<f>" not in xml and "<f " not in xml
    # an ordinary value gets no quote prefix
    assert texts["Acme"].quotePrefix is False


def test_money_is_numeric_and_exact_dates_are_dates(hostile_book: Path) -> None:
    wb = openpyxl.load_workbook(hostile_book)
    ws = wb["Projects"]
    heads, keys = rows_by_key(ws)
    po = heads.index("PO amount (Intacct)") + 1
    big = ws.cell(keys["P1"], po)
    assert big.data_type == "n" and big.number_format == "#,##0.00"
    assert big.value == float(BIG_MONEY)
    xml = sheet_xml(hostile_book, 3)
    assert f"<v>{BIG_MONEY}</v>" in xml and f"<v>{BIG_MONEY + Decimal('0.01')}</v>" in xml
    assert re.search(r"<v>45000(\.00)?</v>", xml)  # the one-sided P3, as a number
    # more digits than Excel holds: kept as exact text rather than rounded
    assert ws.cell(keys["P2"], po).value == str(HUGE_MONEY)
    begin = ws.cell(keys["P1"], heads.index("Begin date (Intacct)") + 1)
    assert begin.is_date and begin.value == dt.datetime(2025, 3, 1)
    assert begin.number_format == "yyyy-mm-dd"


def test_control_characters_are_escaped_not_refused(hostile_book: Path) -> None:
    ws = openpyxl.load_workbook(hostile_book)["Clients"]
    values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Bell\\u0007 \\u001b[31mred\u202e" in values


def test_sheet_names_are_valid_and_unique() -> None:
    names = _sheet_names(["Time entries", "Summary", "a/b:c*d?[e]", "x" * 40, "x" * 40, ""])
    assert names[0] == "Time entries" and names[1] == "Summary (2)"
    assert names[2] == "a b c d  e"
    assert len(names[3]) == 31 and names[4].endswith(" (2)") and len(names[4]) == 31
    assert names[5] == "Sheet"


def test_hours_sheet_comes_last_with_typed_hours(tmp_path: Path) -> None:
    intacct, bigtime = demo_views()
    aggregate = time_aggregate(intacct["time_entry"], bigtime["time_entry"], by="week")
    report = build_report(demo_diff(), RUN, hours=aggregate, hours_by="week")
    wb = openpyxl.load_workbook(write_excel(report, tmp_path / "r.xlsx"))
    assert wb.sheetnames[-1] == "Hours by week"
    ws = wb["Hours by week"]
    table = report.extras[0]
    assert ws.max_row == len(table.rows) + 1
    assert ws.cell(2, 3).is_date and ws.cell(2, 6).value == float(Decimal(table.rows[0][5]))


def test_a_section_larger_than_a_sheet_is_cut_and_the_summary_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(excel, "MAX_SHEET_ROWS", 3)
    intacct = {"vendor": frame("vendor", *({"vendor_id": f"V{i}"} for i in range(5)))}
    report = build_report(diff_all(intacct, {"vendor": frame("vendor")}), RUN)
    wb = openpyxl.load_workbook(write_excel(report, tmp_path / "r.xlsx"))
    assert wb["Vendors"].max_row == 4 and wb["Vendors"].auto_filter.ref.endswith("4")
    notes = [c.value for row in wb[SUMMARY_SHEET].iter_rows() for c in row]
    assert "Sheet shows the first 3 of 5 rows" in notes


def test_write_reports_writes_the_three_files(tmp_path: Path) -> None:
    out = tmp_path / "run" / "reports"
    paths = write_reports(demo_report(), out)
    assert {k: p.name for k, p in paths.items()} == {
        "text": "summary.txt",
        "html": "report.html",
        "excel": "report.xlsx",
    }
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.xlsx", "summary.txt"]
    assert paths["text"].read_text(encoding="utf-8").startswith("Intacct and BigTime")
    assert openpyxl.load_workbook(paths["excel"]).sheetnames[0] == SUMMARY_SHEET
