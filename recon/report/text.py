"""The plain-text summary of a :class:`~recon.report.model.Report` (``summary.txt``).

Meant for an e-mail body or a scheduler's log: the run's heading, one line of counts per
entity, then each entity's findings (the first :data:`MAX_FINDINGS_PER_ENTITY`; the HTML
report and the workbook hold them all). Output is deterministic for a given report, which
is what the snapshot test relies on.

Values come from the remote systems: control characters and bidirectional-override marks
are shown as ``\\uXXXX`` escapes so a hostile name cannot rewrite a terminal's screen or
reorder what an accountant reads ("Trojan Source").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from recon.report.model import (
    MONEY_HEADING,
    EntitySection,
    Finding,
    Report,
    Table,
    money_text,
)

#: Findings listed per entity in the text summary; the rest are counted.
MAX_FINDINGS_PER_ENTITY = 25
#: Rows listed per extra table (hours, left out of the comparison ...); the rest are counted.
MAX_EXTRA_ROWS = 100
#: A record's name is cut to this many characters in a finding's line.
MAX_NAME_WIDTH = 40

#: Bidirectional controls (Unicode TR9) that can reorder displayed text; shown escaped.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def render_text(report: Report) -> str:
    """The report as plain text, ending with a newline."""
    lines = [*_heading(report), ""]
    if report.notices:
        lines += [*(f"! {safe(n)}" for n in report.notices), ""]
    lines += [*_summary_table(report), ""]
    sections = report.with_findings
    if not sections:
        lines += ["No differences found.", ""]
    for section in sections:
        lines += [*_section(section, report), ""]
    for table in report.extras:
        lines += [*_extra(table), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def safe(text: object) -> str:
    """``text`` with control and bidi characters escaped (shown, never acted upon)."""
    return "".join(_escape(ch) for ch in str(text))


def _escape(ch: str) -> str:
    if ch in _BIDI or unicodedata.category(ch) == "Cc":
        return f"\\u{ord(ch):04x}"
    return ch


def quoted(value: str | None) -> str:
    """A value for a sentence: ``"Acme"``, ``""`` or ``(missing)``.

    Backslashes and quotes are escaped first, so an escape shown is never the value's own.
    """
    if value is None:
        return "(missing)"
    return '"' + safe(value.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _heading(report: Report) -> list[str]:
    run = report.run
    title = safe(run.title)
    rows = [
        ("Generated", run.when.strftime("%Y-%m-%d %H:%M UTC")),
        ("Prepared by", run.prepared_by),
        ("Profile", run.profile),
        ("Systems", f"{run.intacct_label} and {run.bigtime_label}"),  # safe() below
    ]
    facts = [f"{name:<12} {safe(value)}" for name, value in rows if value]
    return [title, "=" * len(title), *facts]


def _summary_table(report: Report) -> list[str]:
    heads = ["Entity", "Compared", *report.count_labels.values()]
    body = [
        [s.label, s.compared, *(s.counts[c] for c in report.count_labels)] for s in report.sections
    ]
    total: list[object] = ["Total", report.compared]
    total += [report.totals[c] for c in report.count_labels]
    if report.has_money:  # per entity only: time worth and invoice totals do not add up
        heads.append(MONEY_HEADING)
        for row, s in zip(body, report.sections, strict=True):
            row.append(money_text(s.money_total))
        total.append("")
    numeric = [False] + [True] * (len(heads) - 1)
    return _grid(heads, [*body, total], numeric, rule_before_last=True)


def _grid(
    heads: Sequence[str],
    rows: Sequence[Sequence[object]],
    numeric: Sequence[bool],
    *,
    rule_before_last: bool = False,
) -> list[str]:
    """A fixed-width table: numeric columns right-aligned, the others left-aligned."""
    cells = [[safe(h) for h in heads]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(heads))]

    def line(row: Sequence[str]) -> str:
        aligned = zip(row, widths, numeric, strict=True)
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in aligned]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(cells[0]), rule, *(line(r) for r in cells[1:])]
    if rule_before_last and rows:
        out.insert(len(out) - 1, rule)
    return out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    return safe(value)


def _section(section: EntitySection, report: Report) -> list[str]:
    n = len(section.findings)
    head = (
        f"{safe(section.label)} ({safe(report.run.intacct_label)} {safe(section.intacct_object)}): "
    )
    head += f"{n:,} finding{'s' if n != 1 else ''}"
    if section.money_total is not None:
        head += f", involving {money_text(section.money_total)}"
    shown = section.findings[:MAX_FINDINGS_PER_ENTITY]
    label_width = max(len(safe(f.label)) for f in shown)
    key_width = max(len(safe(f.key or "(no key)")) for f in shown)
    name_width = min(max(len(safe(f.name)) for f in shown), MAX_NAME_WIDTH)
    lines = [head, "-" * len(head)]
    lines += [_finding(f, report, (label_width, key_width, name_width)) for f in shown]
    if n > len(shown):
        lines.append(f"  ... and {n - len(shown):,} more (see report.html or report.xlsx)")
    return lines


def _finding(f: Finding, report: Report, widths: tuple[int, int, int]) -> str:
    label_width, key_width, name_width = widths
    key = safe(f.key if f.key is not None else "(no key)")
    line = f"  {safe(f.label):<{label_width}}  {key:<{key_width}}"
    if f.kind != "field_mismatch":  # the name ends the line: shown whole
        line += f"  {safe(f.name)}" if f.name else ""
    elif name_width:  # names in a column, the fields after them
        line += f"  {_clipped(safe(f.name), name_width):<{name_width}}"
    if f.kind == "field_mismatch":
        run = report.run
        line += (
            f"  {safe(f.field_label or f.field)}: {safe(run.intacct_label)} {quoted(f.intacct)}"
            f" | {safe(run.bigtime_label)} {quoted(f.bigtime)}"
        )
    elif f.detail:
        line += f"  {safe(f.detail)}"
    return line.rstrip()


def _clipped(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in "..." when cut."""
    return text if len(text) <= width else text[: width - 3] + "..."


def _extra(table: Table) -> list[str]:
    title = safe(table.title)
    lines = [title, "-" * len(title)]
    if table.note:
        lines.append(safe(table.note))
    if not table.rows:
        return [*lines, "(none)"]
    numeric = [k in ("money", "hours", "int") for k in table.kinds]
    shown = table.rows[:MAX_EXTRA_ROWS]
    lines += _grid(table.headings, _as_rows(shown), numeric)
    if len(table.rows) > len(shown):
        more = len(table.rows) - len(shown)
        lines.append(f"  ... and {more:,} more (see report.html or report.xlsx)")
    return lines


def _as_rows(rows: Iterable[Sequence[str | None]]) -> list[list[object]]:
    return [list(r) for r in rows]
