"""The Excel workbook of a :class:`~recon.report.model.Report` (``report.xlsx``).

A "Summary" sheet first (the run's heading, counts per entity with links, a colour
legend), then one sheet per entity with findings: one row per key, each differing field's
two values side by side, the differing cells filled by kind (different / cosmetic /
missing vs empty). Header rows are bold and frozen, with an autofilter; columns are sized.

Cells are typed from the canonical strings: money and hours as numbers with two decimals,
dates as dates, ids and text as text. Two safety rules, both because the values come from
the remote systems:

* Formula injection (OWASP "CSV injection"): text starting with ``= + - @`` (or tab / CR)
  would become a formula; it is written as a string cell with Excel's quote prefix, so it
  stays text even when a user edits the cell.
* Characters that XML 1.0 cannot hold (control characters) would make openpyxl refuse the
  workbook; they are written as visible ``\\uXXXX`` escapes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from recon.canonical import Kind
from recon.files import ILLEGAL_XML, atomic_write, put_text
from recon.report.model import MARK_LABELS, MONEY_HEADING, EntitySection, Report, Table

SUMMARY_SHEET = "Summary"

#: Fill (ARGB) of a differing cell, by mark: Excel's own "Bad" and "Neutral" colours.
FILLS = {
    "value": PatternFill("solid", fgColor="FFFFC7CE"),
    "cosmetic": PatternFill("solid", fgColor="FFFFEB9C"),
    "missing_vs_empty": PatternFill("solid", fgColor="FFDDEBF7"),
}
NUMBER_FORMATS: dict[str, str] = {
    "money": "#,##0.00",
    "hours": "0.00",
    "int": "0",
    "date": "yyyy-mm-dd",
}
#: Excel keeps 15 significant digits; a longer number is written as text, never rounded.
EXCEL_DIGITS = 15
#: Rows an Excel sheet holds (1,048,576) less the header: the rest of a huge section is
#: left out and the summary says so (the HTML and text reports cut far earlier).
MAX_SHEET_ROWS = 1_048_575
#: Column width bounds (characters).
MIN_WIDTH, MAX_WIDTH = 8, 60

_BOLD = Font(bold=True)
# Sheet names: at most 31 characters, none of these (Excel's rules).
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")


def build_workbook(report: Report) -> Workbook:
    """The report as an openpyxl :class:`~openpyxl.Workbook` (not yet saved)."""
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = SUMMARY_SHEET
    names = _sheet_names([s.label for s in report.with_findings])
    for section, name in zip(report.with_findings, names, strict=True):
        _entity_sheet(wb.create_sheet(name), section, report)
    for table, name in zip(
        report.extras, _sheet_names([t.title for t in report.extras], names), strict=True
    ):
        _extra_sheet(wb.create_sheet(name), table)
    _summary_sheet(
        summary, report, dict(zip((s.entity for s in report.with_findings), names, strict=True))
    )
    return wb


def write_excel(report: Report, path: str | os.PathLike[str]) -> Path:
    """Save the workbook to ``path`` (atomically: a failed save leaves no half file)."""
    target = Path(path)
    atomic_write(target, build_workbook(report).save)
    return target


# --- values -------------------------------------------------------------------------------------


def put(cell: XlCell, value: str | int | None, kind: Kind = "text") -> None:
    """Write one canonical value as a typed, safe cell."""
    if value is None or value == "":
        return
    if isinstance(value, int):
        cell.value = value
        return
    if kind in ("money", "hours"):
        _put_decimal(cell, value, kind)
    elif kind == "date":
        _put_date(cell, value)
    elif kind == "int" and re.fullmatch(r"-?\d{1,15}", value):
        cell.value = int(value)
        cell.number_format = NUMBER_FORMATS["int"]
    elif kind == "bool" and value in ("true", "false"):
        cell.value = value == "true"
    else:
        put_text(cell, value)


def _put_decimal(cell: XlCell, text: str, kind: Kind) -> None:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        put_text(cell, text)
        return
    if not amount.is_finite() or len(amount.as_tuple().digits) > EXCEL_DIGITS:
        put_text(cell, text)
        return
    cell.value = amount
    cell.number_format = NUMBER_FORMATS[kind]
    # openpyxl serialises numbers with "%.16g" of a float, which is not exact
    # (8831687079961.62 -> 8831687079961.619): store the Decimal's own digits instead.
    # The cell stays numeric (data_type "n"); only its serialised text is replaced.
    cell._value = str(amount)  # type: ignore[attr-defined]  # the stubs omit Cell's private _value


def _put_date(cell: XlCell, text: str) -> None:
    try:
        cell.value = dt.date.fromisoformat(text)
    except ValueError:
        put_text(cell, text)
        return
    cell.number_format = NUMBER_FORMATS["date"]


def _cell(ws: Worksheet, row: int, column: int) -> XlCell:
    """The cell at (``row``, ``column``), one that takes a value (these sheets merge none)."""
    cell = ws.cell(row, column)
    assert isinstance(cell, XlCell)
    return cell


# --- sheets -------------------------------------------------------------------------------------


def _summary_sheet(ws: Worksheet, report: Report, sheets: dict[str, str]) -> None:
    run = report.run
    put_text(_cell(ws, 1, 1), run.title)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    facts = [
        ("Generated", run.when.strftime("%Y-%m-%d %H:%M UTC")),
        ("Prepared by", run.prepared_by),
        ("Profile", run.profile_name),
        ("Systems", f"{run.intacct_label} and {run.bigtime_label}"),
    ]
    row = 2
    for name, value in facts:
        if value:
            put_text(_cell(ws, row, 1), name)
            ws.cell(row, 1).font = _BOLD
            put_text(_cell(ws, row, 2), value)
            row += 1
    for notice in report.notices:
        row += 1
        put_text(_cell(ws, row, 1), notice)
        ws.cell(row, 1).font = _BOLD
    header = row + 1
    heads = ["Entity", f"{run.intacct_label} object", "Compared", *report.count_labels.values()]
    if report.has_money:
        heads.append(MONEY_HEADING)
    _header(ws, header, heads)
    for i, s in enumerate(report.sections, start=header + 1):
        _put_row(
            ws,
            i,
            [s.label, s.intacct_object, s.compared, *(s.counts[c] for c in report.count_labels)],
        )
        if report.has_money and s.money_total is not None:
            put(_cell(ws, i, len(heads)), str(s.money_total), "money")
        if s.entity in sheets:
            quoted = sheets[s.entity].replace("'", "''")
            ws.cell(i, 1).hyperlink = Hyperlink(ref=f"A{i}", location=f"'{quoted}'!A1")
            ws.cell(i, 1).style = "Hyperlink"
        if len(s.rows) > MAX_SHEET_ROWS:
            note = f"Sheet shows the first {MAX_SHEET_ROWS:,} of {len(s.rows):,} rows"
            put_text(_cell(ws, i, len(heads) + 1), note)
    last = header + len(report.sections)
    totals = ["Total", None, report.compared, *(report.totals[c] for c in report.count_labels)]
    _put_row(ws, last + 1, totals)
    for col in range(1, len(heads) + 1):
        ws.cell(last + 1, col).font = _BOLD
    ws.freeze_panes = _cell(ws, header + 1, 1)
    ws.auto_filter.ref = f"A{header}:{get_column_letter(len(heads))}{last}"
    _legend(ws, last + 3)
    _size_columns(ws)


def _legend(ws: Worksheet, row: int) -> None:
    put_text(_cell(ws, row, 1), "Highlighted cells")
    ws.cell(row, 1).font = _BOLD
    for offset, (mark, label) in enumerate(MARK_LABELS.items(), start=1):
        put_text(_cell(ws, row + offset, 1), label)
        ws.cell(row + offset, 1).fill = FILLS[mark]


def _entity_sheet(ws: Worksheet, section: EntitySection, report: Report) -> None:
    run = report.run
    heads = [section.key_label, "Name", "Finding", "Detail"]
    for c in section.columns:
        heads += [f"{c.label} ({run.intacct_label})", f"{c.label} ({run.bigtime_label})"]
    _header(ws, 1, heads)
    for r, row in enumerate(section.rows[:MAX_SHEET_ROWS], start=2):
        if row.key is not None:
            put_text(_cell(ws, r, 1), row.key)
        if row.name:
            put_text(_cell(ws, r, 2), row.name)
        put_text(_cell(ws, r, 3), row.label)
        put(_cell(ws, r, 4), row.detail)
        for i, (col, cell) in enumerate(zip(section.columns, row.cells, strict=True)):
            for j, value in enumerate((cell.intacct, cell.bigtime)):
                target = _cell(ws, r, 5 + 2 * i + j)
                put(target, value, col.kind)
                if cell.mark is not None:
                    target.fill = FILLS[cell.mark]
    ws.freeze_panes = "C2"  # the key and the name stay in sight
    shown = min(len(section.rows), MAX_SHEET_ROWS)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{shown + 1}"
    _size_columns(ws)


def _extra_sheet(ws: Worksheet, table: Table) -> None:
    _header(ws, 1, list(table.headings))
    for r, values in enumerate(table.rows, start=2):
        for c, (value, kind) in enumerate(zip(values, table.kinds, strict=True), start=1):
            put(_cell(ws, r, c), value, kind)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(table.headings), 1))}{len(table.rows) + 1}"
    _size_columns(ws)


def _header(ws: Worksheet, row: int, heads: Sequence[str]) -> None:
    for col, head in enumerate(heads, start=1):
        put_text(_cell(ws, row, col), head)
        ws.cell(row, col).font = _BOLD


def _put_row(ws: Worksheet, row: int, values: Iterable[str | int | None]) -> None:
    for col, value in enumerate(values, start=1):
        put(_cell(ws, row, col), value)


def _size_columns(ws: Worksheet) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                length = len(str(cell.value))
                widths[cell.column] = max(widths.get(cell.column, 0), length)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = max(
            MIN_WIDTH, min(MAX_WIDTH, width + 2)
        )


def _sheet_names(labels: Sequence[str], taken: Iterable[str] = ()) -> list[str]:
    """Valid, unique sheet names for ``labels`` (labels are the firm's words: remote text)."""
    used = {SUMMARY_SHEET.lower(), "history", *(t.lower() for t in taken)}
    names = []
    for label in labels:
        base = _SHEET_FORBIDDEN.sub(" ", ILLEGAL_XML.sub("", label)).strip()[:31] or "Sheet"
        name, n = base, 2
        while name.lower() in used:
            suffix = f" ({n})"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        names.append(name)
    return names
