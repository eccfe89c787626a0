"""Reports of a reconciliation run: a text summary, an HTML page and an Excel workbook.

Compute -> immutable data -> render: :func:`build_report` turns a :class:`~recon.diff.Diff`
and the run's metadata into a :class:`Report` once; the renderers only read it.

>>> from recon.report import RunInfo, build_report, write_reports
>>> report = build_report(diff, RunInfo(profile="demo"))  # doctest: +SKIP
>>> write_reports(report, "out/")  # doctest: +SKIP
{'text': PosixPath('out/summary.txt'), 'html': PosixPath('out/report.html'),
 'excel': PosixPath('out/report.xlsx')}
"""

from __future__ import annotations

import os
from pathlib import Path

from recon.files import atomic_write
from recon.report.excel import build_workbook, write_excel
from recon.report.html import render_html
from recon.report.model import (
    Cell,
    Column,
    EntitySection,
    Finding,
    Report,
    Row,
    RunInfo,
    Table,
    build_report,
    table_from_frame,
)
from recon.report.text import render_text

#: File name of each report :func:`write_reports` writes.
FILE_NAMES = {"text": "summary.txt", "html": "report.html", "excel": "report.xlsx"}

__all__ = [
    "FILE_NAMES",
    "Cell",
    "Column",
    "EntitySection",
    "Finding",
    "Report",
    "Row",
    "RunInfo",
    "Table",
    "build_report",
    "build_workbook",
    "render_html",
    "render_text",
    "table_from_frame",
    "write_excel",
    "write_reports",
]


def write_reports(report: Report, directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``summary.txt``, ``report.html`` and ``report.xlsx`` into ``directory``.

    The directory is created if needed; each file is written atomically (a temporary file
    renamed into place), so a reader never sees half a report and a failure keeps the
    previous run's file.

    Returns
    -------
    dict[str, Path]
        ``{"text": ..., "html": ..., "excel": ...}``: the paths written.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = {kind: out / name for kind, name in FILE_NAMES.items()}
    _write_text(paths["text"], render_text(report))
    _write_text(paths["html"], render_html(report))
    write_excel(report, paths["excel"])
    return paths


def _write_text(path: Path, text: str) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    atomic_write(path, write)
