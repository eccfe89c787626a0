"""On the demo firm, the diff finds every planted disagreement and nothing else.

The findings of ``diff_all`` -- (entity, kind, key, field, Intacct value, BigTime value) --
must equal the manifest's set exactly: on the firm's two views at the default seed, at
another seed and at scale 2 (so nothing is tuned to one firm), and once through the real
pipeline (seed both sandboxes, pull over HTTP on loopback, map, diff). The time aggregate
and the derived invoice statuses are checked against what the plants imply, too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from recon.config import sandbox_profile
from recon.diff import Diff, diff_all, status_differences, time_aggregate, time_totals
from recon.pipeline import pull_both, reconcile
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.firm import Firm, generate
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.seed import DEFAULT_SEED, prepare

Frames = Mapping[str, pd.DataFrame]
Finding = tuple[str, str, str, str | None, str | None, str | None]
FIRMS = [(DEFAULT_SEED, 1), (11, 1), (DEFAULT_SEED, 2)]
#: Flavours planted as a difference only of case or spacing: the diff calls them cosmetic.
COSMETIC_FLAVOURS = {"case_only", "whitespace_only"}


def planted(firm: Firm) -> set[Finding]:
    return {
        (i.entity, i.kind, i.key, i.field, i.intacct_value, i.bigtime_value) for i in firm.manifest
    }


def findings(diff: Diff) -> tuple[set[Finding], pd.DataFrame]:
    rows = diff.findings()
    cols = ["entity", "kind", "key", "field", "intacct_value", "bigtime_value"]
    found = {tuple(r) for r in rows[cols].itertuples(index=False)}
    assert len(found) == len(rows), "a finding is listed twice"
    return found, rows  # type: ignore[return-value]


@pytest.fixture(scope="module", params=FIRMS, ids=lambda p: f"seed{p[0]}-scale{p[1]}")
def firm(request: pytest.FixtureRequest) -> Firm:
    seed, scale = request.param
    return generate(seed=seed, scale=scale)


def test_findings_equal_the_manifest_exactly(firm: Firm):
    found, _ = findings(diff_all(firm.intacct_view, firm.bigtime_view))
    expected = planted(firm)
    assert len(expected) == len(firm.manifest) > 0
    assert found - expected == set(), "findings nobody planted"
    assert expected - found == set(), "planted disagreements the diff missed"


def test_cosmetic_plants_are_reported_as_cosmetic_and_the_rest_as_values(firm: Firm):
    _, rows = findings(diff_all(firm.intacct_view, firm.bigtime_view))
    detail = {(r.entity, r.key, r.field): r.detail for r in rows.itertuples()}
    for item in firm.manifest:
        if item.kind != "field_mismatch":
            continue
        want = "cosmetic" if item.flavour in COSMETIC_FLAVOURS else "value"
        assert detail[(item.entity, item.key, item.field)] == want, item


def test_summary_counts_match_the_manifest(firm: Firm):
    summary = diff_all(firm.intacct_view, firm.bigtime_view).summary().set_index("entity")
    by_kind = Counter((i.entity, i.kind) for i in firm.manifest)
    for entity, row in summary.iterrows():
        assert row["only_in_intacct"] == by_kind[(entity, "missing_in_bigtime")], entity
        assert row["only_in_bigtime"] == by_kind[(entity, "missing_in_intacct")], entity
        assert row["mismatched_fields"] == by_kind[(entity, "field_mismatch")], entity
        assert row["duplicates"] == 0, entity


def _hours_by_plant(firm: Firm) -> dict[tuple[str, str, str], Decimal]:
    """(employee, project, day) -> Intacct minus BigTime hours, from the plants alone.

    Entry attributes are read from the firm's views; nothing comes from the diff.
    """
    ia = firm.intacct_view["time_entry"].set_index("entry_id")
    bt = firm.bigtime_view["time_entry"].set_index("entry_id")
    expected: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)

    def add(row: pd.Series, sign: int) -> None:
        group = (row["employee_id"], row["project_id"], row["entry_date"].date().isoformat())
        expected[group] += sign * row["hours"]

    for item in firm.manifest:
        if item.entity != "time_entry":
            continue
        if item.kind == "missing_in_intacct":
            add(bt.loc[item.key], -1)
        elif item.kind == "missing_in_bigtime":
            add(ia.loc[item.key], +1)
        else:  # an hours or project change: the entry counts where each side puts it
            add(ia.loc[item.key], +1)
            add(bt.loc[item.key], -1)
    return {g: d for g, d in expected.items() if d != 0}


def test_daily_hours_differ_exactly_where_time_plants_put_them(firm: Firm):
    ia, bt = firm.intacct_view["time_entry"], firm.bigtime_view["time_entry"]
    agg = time_aggregate(ia, bt, by="day")
    differing = agg[agg["difference"] != 0]
    got = {
        (e, p, d.date().isoformat()): diff
        for e, p, d, diff in differing[
            ["employee_id", "project_id", "period", "difference"]
        ].itertuples(index=False)
    }
    assert got == _hours_by_plant(firm) and len(got) >= 4  # the time plants do show
    sums = time_totals(agg)
    assert sums["hours_intacct"] == sum(ia["hours"], Decimal(0))
    assert sums["hours_bigtime"] == sum(bt["hours"], Decimal(0))
    assert sums["difference"] == sum(_hours_by_plant(firm).values(), Decimal(0))
    monthly = time_totals(time_aggregate(ia, bt, by="month"))
    assert monthly == sums  # the grouping never loses or invents an hour


def test_invoice_status_differences_are_all_explained_by_amount_plants(firm: Firm):
    statuses = status_differences(firm.intacct_view, firm.bigtime_view)
    amount_plants = {
        i.key
        for i in firm.manifest
        if (i.entity, i.field) == ("invoice", "total") or i.entity == "payment"
    }
    assert set(statuses["invoice_no"]) <= amount_plants
    # A payment plant on an invoice both sides hold always changes its status.
    payment_plants = {i.key for i in firm.manifest if i.entity == "payment"}
    assert payment_plants <= set(statuses["invoice_no"])


# --- through the real pipeline ----------------------------------------------------------------
@pytest.fixture(scope="module")
def pulled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Frames, Frames]:
    """The default demo firm, seeded, served on loopback, pulled and mapped (once)."""
    data: Path = tmp_path_factory.mktemp("firm")
    prepare(data, scale=1)
    with IntacctSandbox(data, port=0) as ia_box, BigtimeSandbox(data, port=0) as bt_box:
        profile = sandbox_profile(intacct_url=ia_box.url, bigtime_url=bt_box.url)
        rec = reconcile(pull_both(profile, date(2025, 1, 1), date(2025, 12, 31)))
    assert rec.intacct_report.clean and rec.bigtime_report.clean
    return rec.intacct, rec.bigtime


def test_pulled_mapped_and_diffed_the_findings_equal_the_manifest(pulled: tuple[Frames, Frames]):
    firm = generate(seed=DEFAULT_SEED, scale=1)  # what prepare() seeds by default
    found, _ = findings(diff_all(*pulled))
    expected = planted(firm)
    assert found - expected == set(), "findings nobody planted"
    assert expected - found == set(), "planted disagreements the diff missed"
