"""Time entries: link-id pairing, the content fallback, and hours per period summed exactly."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from recon.canonical import ENTITIES, conform
from recon.diff import (
    diff_all,
    diff_entity,
    diff_time,
    match_by_content,
    time_aggregate,
    time_totals,
)
from recon.diff.time import AGGREGATE_COLUMNS, CONTENT_COLUMNS
from recon.errors import ConfigError
from recon.intacct.frames import pages_to_frame
from recon.intacct.page import Page
from recon.intacct.pull import PULL_SPECS
from recon.intacct.uncertain import TIMESHEETENTRY_LINK_FIELD
from recon.mapping import MappingReport, intacct
from tests.diff.diff_helpers import frame

D = Decimal
DAY = dt.datetime(2025, 3, 4)  # a Tuesday


def entry(entry_id: str | None, **values: object) -> dict[str, object]:
    """One time entry row: E1 on P1, Consulting, 2 hours on :data:`DAY` unless told."""
    base = {
        "entry_id": entry_id,
        "employee_id": "E1",
        "project_id": "P1",
        "entry_date": DAY,
        "time_type": "Consulting",
        "hours": D("2.00"),
        "notes": "work",
    }
    return base | values


def te(*rows: dict[str, object]) -> pd.DataFrame:
    return frame("time_entry", *rows)


def found(ed) -> set[tuple[str, str, str | None, str | None]]:
    """The mismatches as (key, field, intacct, bigtime)."""
    m = ed.mismatches
    return set(zip(m["key"], m["field"], m["intacct"], m["bigtime"], strict=True))


def keys(rows: pd.DataFrame) -> list[str | None]:
    return [None if pd.isna(k) else k for k in rows["entry_id"]]


# --- entry level: the link id -----------------------------------------------------------------
def test_linked_entries_pair_by_entry_id_like_any_keyed_record():
    ia = te(entry("1", hours=D("7.25")), entry("2"), entry("3", notes="a"))
    bt = te(entry("1", hours=D("7.50")), entry("3", notes="b"), entry("4"))
    ed = diff_time(ia, bt)
    assert found(ed) == {("1", "hours", "7.25", "7.50"), ("3", "notes", "a", "b")}
    assert keys(ed.only_in_intacct) == ["2"] and keys(ed.only_in_bigtime) == ["4"]
    assert ed.compared == 2 and ed.entity == "time_entry" and ed.key == "entry_id"
    generic = diff_entity("time_entry", ia, bt)
    assert found(generic) == found(ed) and generic.counts() == ed.counts()


def test_a_linked_entry_is_never_matched_by_content_even_if_its_id_is_unknown():
    # Intacct entry "9" carries a link id BigTime does not know: it stays one-sided even
    # though BigTime entry "5" says the same thing (only unlinked entries fall back).
    ed = diff_time(te(entry("9")), te(entry("5")))
    assert keys(ed.only_in_intacct) == ["9"] and keys(ed.only_in_bigtime) == ["5"]
    assert ed.compared == 0


# --- entry level: the content fallback --------------------------------------------------------
def test_an_unlinked_entry_pairs_by_content_and_is_compared_field_by_field():
    ia = te(entry("1"), entry(None, project_id="P2", notes="typed in Intacct", billable=False))
    bt = te(entry("1"), entry("7", project_id="P2", notes="typed in BigTime", billable=True))
    ed = diff_time(ia, bt)
    assert ed.only_in_intacct.empty and ed.only_in_bigtime.empty
    assert found(ed) == {
        ("7", "billable", "false", "true"),
        ("7", "notes", "typed in Intacct", "typed in BigTime"),
    }
    assert ed.compared == 2
    # Keyed by the BigTime id; sorted by key then canonical column order, as the engine does.
    assert ed.mismatches["field"].tolist() == ["billable", "notes"]


@pytest.mark.parametrize("column", CONTENT_COLUMNS)
def test_any_content_column_that_differs_prevents_the_match(column: str):
    other = {
        "employee_id": "E2",
        "project_id": "P2",
        "entry_date": DAY + dt.timedelta(days=1),
        "time_type": "Travel",
        "hours": D("2.25"),
    }[column]
    ed = diff_time(te(entry(None)), te(entry("7", **{column: other})))
    assert keys(ed.only_in_intacct) == [None] and keys(ed.only_in_bigtime) == ["7"]
    assert ed.mismatches.empty and ed.compared == 0


@pytest.mark.parametrize("column", CONTENT_COLUMNS)
def test_a_missing_content_value_is_no_evidence_not_even_against_missing(column: str):
    blank = {column: None}
    ed = diff_time(te(entry(None, **blank)), te(entry("7", **blank)))
    assert len(ed.only_in_intacct) == 1 and keys(ed.only_in_bigtime) == ["7"]


def test_hours_match_by_value_not_by_spelling():
    ed = diff_time(te(entry(None, hours=D("7.5"))), te(entry("7", hours=D("7.50"))))
    assert ed.only_in_intacct.empty and ed.only_in_bigtime.empty and ed.compared == 1


def test_duplicate_contents_pair_in_row_order_one_to_one_never_twice():
    same = {"notes": None}
    ia = te(
        entry(None, **same | {"notes": "ia-first"}),
        entry(None, **same | {"notes": "ia-second"}),
        entry(None, **same | {"notes": "ia-third"}),
    )
    bt = te(entry("20", notes="bt-first"), entry("21", notes="bt-second"))
    ed = diff_time(ia, bt)
    assert found(ed) == {
        ("20", "notes", "ia-first", "bt-first"),
        ("21", "notes", "ia-second", "bt-second"),
    }
    assert ed.only_in_bigtime.empty and ed.compared == 2
    left = ed.only_in_intacct
    assert keys(left) == [None] and left["notes"].tolist() == ["ia-third"]


def test_more_bigtime_twins_than_intacct_leaves_the_later_ones_one_sided():
    ia = te(entry(None, notes="x"))
    bt = te(entry("30", notes="x"), entry("31", notes="x"), entry("32", notes="x"))
    ed = diff_time(ia, bt)
    assert ed.mismatches.empty and keys(ed.only_in_bigtime) == ["31", "32"]
    assert ed.only_in_intacct.empty


def test_bigtime_entries_already_paired_or_duplicated_are_not_candidates():
    ia = te(entry("1"), entry(None), entry(None))
    # "1" is paired by its link id; "2" occurs twice in BigTime (a duplicate key, reported,
    # never paired): neither may be taken by the unlinked Intacct entries.
    bt = te(entry("1"), entry("2"), entry("2"))
    ed = diff_time(ia, bt)
    assert keys(ed.only_in_intacct) == [None, None] and ed.only_in_bigtime.empty
    assert ed.duplicates.to_dict("records") == [{"side": "bigtime", "key": "2", "count": 2}]
    assert ed.compared == 1


def test_one_sided_frames_keep_canonical_columns_and_dtypes():
    ia = te(entry("2"), entry(None, hours=D("9.00")))
    bt = te(entry("3", hours=D("1.00")))
    ed = diff_time(ia, bt)
    for rows in (ed.only_in_intacct, ed.only_in_bigtime):
        assert list(rows.columns) == ENTITIES["time_entry"].names
        assert rows.dtypes.to_dict() == ia.dtypes.to_dict()
        assert isinstance(rows.index, pd.RangeIndex)
    assert keys(ed.only_in_intacct) == ["2", None]  # keyed in order, unlinked last
    assert ed.findings()["kind"].tolist() == ["missing_in_bigtime"] * 2 + ["missing_in_intacct"]


def test_diff_time_reads_its_frames_and_never_changes_them():
    ia, bt = te(entry("1"), entry(None)), te(entry("1"), entry("5"))
    before = ia.copy(), bt.copy()
    diff_time(ia, bt)
    pd.testing.assert_frame_equal(ia, before[0])
    pd.testing.assert_frame_equal(bt, before[1])


def test_empty_frames():
    empty = te()
    ed = diff_time(empty, empty)
    assert ed.counts() == dict.fromkeys(ed.counts(), 0) and ed.compared == 0
    ed = diff_time(te(entry(None)), empty)
    assert keys(ed.only_in_intacct) == [None] and ed.only_in_bigtime.empty
    ed = diff_time(empty, te(entry("5")))
    assert keys(ed.only_in_bigtime) == ["5"]


def test_diff_all_uses_the_content_fallback_for_time_entries():
    ia = {"time_entry": te(entry(None, notes="a"))}
    bt = {"time_entry": te(entry("8", notes="b"))}
    rows = diff_all(ia, bt).findings()
    assert rows[["kind", "key", "field"]].values.tolist() == [["field_mismatch", "8", "notes"]]


def test_diff_time_checks_its_frames():
    with pytest.raises(ConfigError, match="lacks"):
        diff_time(te(entry("1")).drop(columns="hours"), te(entry("1")))


def _reference_pairs(a: pd.DataFrame, b: pd.DataFrame) -> list[tuple[int, int]]:
    """Slow and obvious: each Intacct row in turn takes the first free BigTime twin."""
    taken: set[int] = set()
    pairs = []
    for i, row in enumerate(a[list(CONTENT_COLUMNS)].itertuples(index=False)):
        if any(pd.isna(v) for v in row):
            continue
        for j, other in enumerate(b[list(CONTENT_COLUMNS)].itertuples(index=False)):
            if j not in taken and tuple(other) == tuple(row):
                taken.add(j)
                pairs.append((i, j))
                break
    return pairs


@pytest.mark.parametrize("seed", range(6))
def test_match_by_content_agrees_with_a_greedy_reference(seed: int):
    rng = np.random.default_rng(seed)

    def side(n: int) -> pd.DataFrame:
        pick = rng.integers
        rows = [
            entry(
                str(i),
                employee_id=["E1", "E2", None][pick(3)],
                project_id=["P1", "P2"][pick(2)],
                entry_date=DAY + dt.timedelta(days=int(pick(2))),
                time_type="Consulting",
                hours=[D("1.00"), D("1"), D("2.50"), None][pick(4)],
            )
            for i in range(n)
        ]
        return te(*rows)

    a, b = side(int(rng.integers(0, 30))), side(int(rng.integers(0, 30)))
    ia_rows, bt_rows = match_by_content(a, b)
    assert list(zip(ia_rows.tolist(), bt_rows.tolist(), strict=True)) == _reference_pairs(a, b)


# --- the Intacct mapping keeps entries without the link field ---------------------------------
def _timesheet_entries(records: list[dict[str, str]]) -> pd.DataFrame:
    data = etree.Element("data")
    for record in records:
        el = etree.SubElement(data, "TIMESHEETENTRY")
        for name, text in record.items():
            etree.SubElement(el, name).text = text
    page = Page("TIMESHEETENTRY", "query", data, count=len(records))
    return pages_to_frame([page], "TIMESHEETENTRY", PULL_SPECS["TIMESHEETENTRY"].fields)


def test_intacct_entries_without_the_link_field_are_mapped_then_matched_by_content():
    common = {"EMPLOYEEID": "E1", "ENTRYDATE": "03/04/2025", "PROJECTID": "P1",
              "TIMETYPE": "Consulting", "BILLABLE": "true"}  # fmt: skip
    pulled = _timesheet_entries([
        {"RECORDNO": "1", TIMESHEETENTRY_LINK_FIELD: "", **common, "QTY": "3.00",
         "DESCRIPTION": "typed in Intacct"},
        {"RECORDNO": "2", TIMESHEETENTRY_LINK_FIELD: "1000005", **common, "QTY": "1.50"},
        {"RECORDNO": "3", **common, "QTY": "8.00"},
    ])  # fmt: skip
    report = MappingReport("intacct")
    mapped = intacct.map_time_entry({"TIMESHEETENTRY": pulled}, report)
    assert keys(mapped) == ["1000005", None, None]  # kept, keyless last in pulled order
    assert mapped["hours"].tolist() == [D("1.50"), D("3.00"), D("8.00")]
    assert report.unkeyed == {"time_entry": 2}
    conform("time_entry", mapped)  # the canonical shape, unchanged
    bt = te(
        entry("1000005", hours=D("1.50"), notes=None, bill_rate=None),
        entry("1000009", hours=D("3.00"), notes="typed in BigTime", bill_rate=None),
    )
    ed = diff_time(mapped, bt)
    assert found(ed) == {("1000009", "notes", "typed in Intacct", "typed in BigTime")}
    assert keys(ed.only_in_intacct) == [None] and ed.only_in_intacct["hours"][0] == D("8.00")
    assert ed.only_in_bigtime.empty


# --- aggregates -------------------------------------------------------------------------------
def agg_rows(agg: pd.DataFrame) -> list[tuple]:
    return [
        (e, p, d.date().isoformat(), str(a), str(b), str(c))
        for e, p, d, a, b, c in agg.itertuples(index=False)
    ]


def hours_on(day: str, hours: str, employee: str = "E1", project: str = "P1", eid=None):
    return entry(eid, entry_date=dt.datetime.fromisoformat(day), hours=D(hours),
                 employee_id=employee, project_id=project)  # fmt: skip


def test_daily_aggregate_sums_each_side_and_differs_exactly():
    ia = te(
        hours_on("2025-03-03", "0.10", eid="1"),
        hours_on("2025-03-03", "0.20", eid="2"),
        hours_on("2025-03-04", "8.00", eid="3", project="P2"),
    )
    bt = te(hours_on("2025-03-03", "0.25", eid="1"), hours_on("2025-03-05", "1.75", eid="9"))
    agg = time_aggregate(ia, bt, by="day")
    assert list(agg.columns) == list(AGGREGATE_COLUMNS)
    assert agg_rows(agg) == [
        ("E1", "P1", "2025-03-03", "0.30", "0.25", "0.05"),  # 0.1 + 0.2 is exactly 0.30
        ("E1", "P1", "2025-03-05", "0.00", "1.75", "-1.75"),
        ("E1", "P2", "2025-03-04", "8.00", "0.00", "8.00"),
    ]
    assert all(isinstance(v, Decimal) for c in AGGREGATE_COLUMNS[3:] for v in agg[c])
    assert time_totals(agg) == {
        "hours_intacct": D("8.30"),
        "hours_bigtime": D("2.00"),
        "difference": D("6.30"),
    }


def test_weeks_start_on_monday_and_months_on_the_first():
    days = ["2025-03-02", "2025-03-03", "2025-03-09", "2025-03-10", "2025-03-31", "2025-04-01"]
    ia = te(*[hours_on(d, "1.00", eid=str(i)) for i, d in enumerate(days)])
    empty = te()
    weekly = time_aggregate(ia, empty, by="week")
    # 2 March 2025 is a Sunday: its week began on Monday 24 February.
    assert [(r[2], r[3]) for r in agg_rows(weekly)] == [
        ("2025-02-24", "1.00"),
        ("2025-03-03", "2.00"),
        ("2025-03-10", "1.00"),
        ("2025-03-31", "2.00"),
    ]
    assert set(pd.DatetimeIndex(weekly["period"]).dayofweek) == {0}
    monthly = time_aggregate(ia, empty, by="month")
    assert [(r[2], r[3]) for r in agg_rows(monthly)] == [
        ("2025-03-01", "5.00"),
        ("2025-04-01", "1.00"),
    ]
    assert str(weekly["period"].dtype) == "datetime64[us]"


def test_aggregate_keeps_more_places_when_hours_have_them_and_skips_missing_hours():
    ia = te(hours_on("2025-03-03", "0.125", eid="1"), entry("2", hours=None))
    bt = te(hours_on("2025-03-03", "0.1", eid="1"))
    agg = time_aggregate(ia, bt, by="day")
    assert agg_rows(agg) == [("E1", "P1", "2025-03-03", "0.125", "0.100", "0.025")]


def test_missing_employee_or_project_is_a_group_of_its_own_on_both_sides():
    ia = te(entry("1", employee_id=None), entry("2"))
    bt = te(entry("1", employee_id=None, hours=D("3.00")))
    agg = time_aggregate(ia, bt, by="month")
    assert agg["employee_id"].isna().tolist() == [False, True]  # missing sorts last
    assert [str(v) for v in agg["difference"]] == ["2.00", "-1.00"]


def test_aggregate_of_empty_frames_has_the_columns_and_dtypes():
    agg = time_aggregate(te(), te(), by="week")
    assert agg.empty and list(agg.columns) == list(AGGREGATE_COLUMNS)
    assert str(agg["period"].dtype) == "datetime64[us]"
    assert time_totals(agg) == dict.fromkeys(("hours_intacct", "hours_bigtime", "difference"), D(0))


@pytest.mark.parametrize("by", ["day", "week", "month"])
def test_aggregate_agrees_with_a_python_reference(by: str):
    rng = np.random.default_rng(len(by))
    quarters = [D(q) / 4 for q in range(1, 33)]

    def side(n: int) -> pd.DataFrame:
        rows = [
            entry(
                str(i),
                employee_id=f"E{rng.integers(3)}",
                project_id=f"P{rng.integers(3)}",
                entry_date=dt.datetime(2025, 1, 1) + dt.timedelta(days=int(rng.integers(90))),
                hours=quarters[rng.integers(len(quarters))],
            )
            for i in range(n)
        ]
        return te(*rows)

    ia, bt = side(400), side(350)
    expected: dict[tuple, list[Decimal]] = defaultdict(lambda: [D(0), D(0)])
    for s, f in enumerate((ia, bt)):
        for e, p, d, h in f[["employee_id", "project_id", "entry_date", "hours"]].itertuples(
            index=False
        ):
            day = d.date()
            start = {
                "day": day,
                "week": day - dt.timedelta(days=day.weekday()),
                "month": day.replace(day=1),
            }[by]
            expected[(e, p, start.isoformat())][s] += h
    agg = time_aggregate(ia, bt, by=by)
    got = {(e, p, d): (a, b, c) for e, p, d, a, b, c in agg_rows(agg)}
    assert got == {k: (f"{a:.2f}", f"{b:.2f}", f"{a - b:.2f}") for k, (a, b) in expected.items()}
    assert list(got) == sorted(got)
    assert time_totals(agg)["hours_intacct"] == sum(ia["hours"], D(0))
    assert time_totals(agg)["hours_bigtime"] == sum(bt["hours"], D(0))


def test_aggregate_refuses_bad_arguments():
    with pytest.raises(ConfigError, match="by="):
        time_aggregate(te(), te(), by="year")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="lacks"):
        time_aggregate(te().drop(columns="hours"), te())
    bad = te(entry("1")).assign(hours=pd.Series(["lots"], dtype=object))
    with pytest.raises(ConfigError, match="not a number"):
        time_aggregate(bad, te())
