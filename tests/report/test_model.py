"""recon.report.model: the report is the diff's findings, once, immutable, in firm words."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from recon.config import Secret, sandbox_profile
from recon.diff import Diff, time_aggregate
from recon.diff.result import COUNT_NAMES, mismatch_frame
from recon.errors import ConfigError
from recon.lexicon import Lexicon
from recon.report import RunInfo, build_report
from tests.report import RUN, demo_diff, demo_report, demo_views, hostile_diff, hostile_report


def _long(report) -> list[tuple]:
    return [
        (s.entity, f.kind, f.key, f.field, f.intacct, f.bigtime)
        for s in report.sections
        for f in s.findings
    ]


def _none(value):
    return None if value is None or value != value else value  # NaN -> None


@pytest.mark.parametrize("which", ["demo", "hostile"])
def test_findings_are_exactly_the_diffs_in_its_order(which: str) -> None:
    diff, report = (
        (demo_diff(), demo_report()) if which == "demo" else (hostile_diff(), hostile_report())
    )
    expected = [
        (r.entity, r.kind, r.key, _none(r.field), _none(r.intacct_value), _none(r.bigtime_value))
        for r in diff.findings().itertuples()
    ]
    assert expected  # the data must have findings for this test to mean anything
    assert _long(report) == expected


def test_counts_and_totals_are_the_diffs() -> None:
    diff, report = demo_diff(), demo_report()
    summary = diff.summary().set_index("entity")
    assert [s.entity for s in report.sections] == list(summary.index)
    for s in report.sections:
        assert dict(s.counts) == {c: int(summary.loc[s.entity, c]) for c in COUNT_NAMES}
        assert s.compared == diff.entities[s.entity].compared
    assert dict(report.totals) == {c: int(summary[c].sum()) for c in COUNT_NAMES}
    assert report.finding_count == len(diff.findings())


def test_rows_mark_exactly_the_mismatching_fields() -> None:
    diff, report = demo_diff(), demo_report()
    for s in report.sections:
        m = diff.entities[s.entity].mismatches
        expected = {
            (k, f, kind) for k, f, kind in zip(m["key"], m["field"], m["kind"], strict=True)
        }
        marked = {
            (row.key, col.field, cell.mark)
            for row in s.rows
            for col, cell in zip(s.columns, row.cells, strict=True)
            if cell.mark is not None
        }
        assert marked == expected, s.entity


def test_a_one_sided_row_carries_its_whole_record_in_canonical_form() -> None:
    section = hostile_report().sections[1]  # project: P3 only in Intacct
    row = next(r for r in section.rows if r.key == "P3")
    values = {c.field: cell for c, cell in zip(section.columns, row.cells, strict=True)}
    assert row.finding == "missing_in_bigtime" and row.label == "Only in Intacct"
    assert values["po_amount"].intacct == "45000.00" and values["po_amount"].bigtime is None
    assert values["begin_date"].intacct == "2025-01-01"
    assert values["name"].intacct == "Only in Intacct" and row.name == "Only in Intacct"
    assert all(cell.mark is None for cell in row.cells)


def test_the_report_is_immutable() -> None:
    report = demo_report()
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.compared = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        report.totals["duplicates"] = 5  # type: ignore[index]
    with pytest.raises(TypeError):
        report.sections[0].counts["cosmetic"] = 5  # type: ignore[index]
    assert isinstance(report.sections, tuple) and isinstance(report.sections[0].rows, tuple)


def test_labels_follow_the_firms_lexicon() -> None:
    lexicon = Lexicon.from_vocabulary(
        [{"id": "CLIENT", "name": "patron"}, {"id": "PROJECT", "name": "engagement"}]
    )
    report = build_report(demo_diff(), RUN, lexicon)
    by_entity = {s.entity: s for s in report.sections}
    assert by_entity["customer"].label == "Patrons"
    assert by_entity["customer"].key_label == "Patron ID"
    assert by_entity["project"].label == "Engagements"
    assert by_entity["customer"].intacct_object == "CUSTOMER"  # Intacct keeps its names
    fields = {f.field: f.field_label for f in by_entity["project"].findings if f.field}
    assert fields["location_id"] == "Location ID" and fields["name"] == "Engagement name"


def test_run_info_holds_names_never_secrets() -> None:
    run = RunInfo(profile=sandbox_profile(), generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert run.profile == "sandbox"
    with pytest.raises(ConfigError):
        RunInfo(profile=Secret("hunter2"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        RunInfo(prepared_by=42)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="time-zone aware"):
        RunInfo(generated_at=dt.datetime(2026, 1, 1))


def test_generated_at_is_shown_in_utc() -> None:
    chicago = dt.timezone(dt.timedelta(hours=-6))
    run = RunInfo(generated_at=dt.datetime(2026, 1, 15, 3, 30, tzinfo=chicago))
    assert run.when == dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
    assert RunInfo().when.tzinfo == dt.UTC


def test_hours_table_lists_the_differing_groups_with_exact_totals() -> None:
    intacct, bigtime = demo_views()
    aggregate = time_aggregate(intacct["time_entry"], bigtime["time_entry"], by="week")
    report = build_report(demo_diff(), RUN, hours=aggregate, hours_by="week")
    (table,) = report.extras
    differing = aggregate[[d != 0 for d in aggregate["difference"]]]
    assert len(differing) > 0 and len(table.rows) == len(differing)
    assert table.headings[:3] == ("Staff ID", "Project ID", "Week of")
    first = differing.iloc[0]
    assert table.rows[0] == (
        first["employee_id"],
        first["project_id"],
        first["period"].date().isoformat(),
        f"{first['hours_intacct']:.2f}",
        f"{first['hours_bigtime']:.2f}",
        f"{first['difference']:.2f}",
    )
    total_ia = sum(aggregate["hours_intacct"])
    assert f"Intacct {total_ia:,}" in table.note
    assert f"{len(differing):,} of {len(aggregate):,} groups differ" in table.note
    assert build_report(demo_diff(), RUN).extras == ()


def test_a_field_added_by_a_mapping_override_is_still_reported() -> None:
    base = hostile_diff().entities["customer"]
    extra = mismatch_frame(["C9"], ["region"], ["North"], ["South"], ["value"])
    both = pd.concat([base.mismatches, extra], ignore_index=True)
    ed = dataclasses.replace(base, mismatches=both)
    report = build_report(Diff({"customer": ed}), RUN)
    (finding,) = [f for f in report.sections[0].findings if f.field == "region"]
    assert (finding.key, finding.field_label, finding.intacct, finding.bigtime) == (
        "C9",
        "Region",
        "North",
        "South",
    )
    assert report.sections[0].columns[-1].field == "region"
