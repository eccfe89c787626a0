"""recon.report.text: the summary of the demo firm's diff, snapshot-tested (datacompy-style).

Regenerate the snapshot after an intended change with::

    RECON_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/report/test_text.py

and review the change in ``git diff tests/report/snapshots``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from recon.diff import Diff, diff_all
from recon.diff.result import COUNT_NAMES
from recon.report import build_report, render_text
from recon.report.text import MAX_FINDINGS_PER_ENTITY, quoted
from tests.report import RUN, demo_diff, demo_report, frame, hostile_report

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("RECON_UPDATE_SNAPSHOTS") == "1"


def check_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8", newline="\n")
    assert path.exists(), f"no snapshot {path}; run with RECON_UPDATE_SNAPSHOTS=1 to create it"
    assert actual == path.read_text(encoding="utf-8")


def test_demo_summary_matches_the_snapshot() -> None:
    check_snapshot("summary.txt", render_text(demo_report()))


def test_rendering_is_deterministic() -> None:
    assert render_text(demo_report()) == render_text(demo_report())


def test_summary_table_states_the_diffs_counts() -> None:
    text = render_text(demo_report())
    report = demo_report()
    for section in report.sections:
        line = next(ln for ln in text.splitlines() if ln.startswith(section.label + "  "))
        counts = [section.compared, *(section.counts[c] for c in COUNT_NAMES)]
        if section.money_total is not None:  # the money column ends the line
            line, _, money = line.rpartition("  ")
            assert money == f"{section.money_total:,.2f}"
        numbers = [int(n.replace(",", "")) for n in re.findall(r"[\d,]+", line)]
        assert numbers == counts


def test_each_entity_with_money_shows_what_its_differences_involve() -> None:
    report = demo_report()
    text = render_text(report)
    with_money = {s.entity for s in report.sections if s.money_total is not None}
    assert with_money == {"time_entry", "invoice", "payment", "expense"}
    for s in report.sections:
        if s.money_total is not None:
            assert f"involving {s.money_total:,.2f}" in text
    people_know = {"customer", "project", "employee", "vendor"}
    named = [f for s in report.sections if s.entity in people_know for f in s.findings]
    assert named and all(f.name for f in named)
    assert "  P25-0014  Sterling Point Manufacturing - Org De...  Department ID: " in text


def test_every_finding_is_listed_under_its_entity() -> None:
    report = demo_report()
    blocks = render_text(report).split("\n\n")
    labels = {s.entity: s.label for s in report.sections}
    findings = demo_diff().findings()
    assert len(findings) <= MAX_FINDINGS_PER_ENTITY * len(labels)
    for f in findings.itertuples():
        (block,) = [b for b in blocks if b.startswith(labels[f.entity] + " (Intacct ")]
        lines = [ln for ln in block.splitlines() if re.search(rf"  {re.escape(f.key)}\b", ln)]
        assert lines, (f.entity, f.key)
        if f.kind == "field_mismatch":
            wanted = f'Intacct "{f.intacct_value}" | BigTime "{f.bigtime_value}"'
            assert any(wanted in ln for ln in lines), (f.entity, f.key, f.field)


def test_control_and_bidi_characters_are_shown_escaped() -> None:
    text = render_text(hostile_report())
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert r'"Bell\u0007 \u001b[31mred\u202e"' in text
    assert r'"=HYPERLINK(\"http://evil.example\",\"click\")"' in text  # quotes escaped
    # a value's own backslash is escaped too, so it cannot pose as an escape
    assert quoted("a\\u0007\x07") == r'"a\\u0007\u0007"'


def test_long_lists_are_cut_with_a_count() -> None:
    n = MAX_FINDINGS_PER_ENTITY + 7
    intacct = {"vendor": frame("vendor", *({"vendor_id": f"V{i:03}"} for i in range(n)))}
    bigtime = {"vendor": frame("vendor")}
    text = render_text(build_report(diff_all(intacct, bigtime), RUN))
    assert f"Vendors (Intacct VENDOR): {n} findings" in text
    assert "  ... and 7 more (see report.html or report.xlsx)" in text
    assert text.count("Only in Intacct  V") == MAX_FINDINGS_PER_ENTITY


def test_no_findings_says_so() -> None:
    same = {"vendor": frame("vendor", {"vendor_id": "V1"})}
    text = render_text(build_report(Diff({}), RUN))
    assert "No differences found." in text
    text = render_text(build_report(diff_all(same, same), RUN))
    assert "No differences found." in text and "Vendors" in text
