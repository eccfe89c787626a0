"""Expenses through the product path (issue 16): reconcile, review, push, reconcile again.

``reconcile_run`` on the demo firm finds exactly its planted expense disagreements, shows
the sums per report and per project-month in the reports, and plans them in the design's
direction (BigTime -> Intacct; an expense only Intacct holds is for review). Approved and
pushed with ``push_run``, the expenses land in Intacct once, and the next run finds only
what was left for a person.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recon.diff.expenses import differing, expense_totals
from recon.job import push_run, reconcile_run
from recon.sandbox.firm import generate
from recon.store import Store
from tests.demo_sandboxes import served_copy
from tests.scenarios import YEAR, pick


def test_expenses_are_found_summed_planned_pushed_and_then_settled(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    firm = generate()
    planted = [m for m in firm.manifest if m.entity == "expense"]
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        store = Store(served.data / "recon.sqlite3")
        first = reconcile_run("sandbox", **YEAR, store=store, output_dir=tmp_path / "first")
        found = pd.read_csv(first.reports["findings"], dtype=str, keep_default_na=False)
        expenses = found[found["entity"] == "expense"]
        assert sorted(zip(expenses["kind"], expenses["key"], strict=True)) == sorted(
            (m.kind, m.key) for m in planted
        )

        # The sums: exactly the groups the planted expenses fall in, in the text report.
        text = Path(first.reports["text"]).read_text(encoding="utf-8")
        for by, title in (("report", "Expenses by report"),
                          ("project_month", "Expenses by project and month")):  # fmt: skip
            groups = differing(
                expense_totals(firm.intacct_view["expense"], firm.bigtime_view["expense"], by)
            )
            assert f"{len(groups):,} of " in text and title in text
            for difference in groups["difference"]:
                assert f"{difference:,}" in text or str(difference) in text

        # The plan: BigTime -> Intacct; the one only Intacct holds is review only.
        changes = {m.key: pick(first.plan, "expense", m.key) for m in planted}
        gone = next(m.key for m in planted if m.kind == "missing_in_bigtime")
        assert not changes[gone].pushable
        pushable = [c for k, c in changes.items() if k != gone]
        assert {(c.target, c.pushable) for c in pushable} == {("intacct", True)}
        assert sorted(c.action for c in pushable) == [
            "create",
            "update",
            "update",
            "update",
            "update",
        ]
        for change in pushable:
            store.decide(first.run_id, change.change_id, "approve", by="jane")
        done = push_run(first.run_id, push=True, store=store, by="jane", apply_rules=False)
        assert done.report is not None
        outcomes = done.report.frame()
        pushed = outcomes[outcomes["change_id"].isin([c.change_id for c in pushable])]
        assert len(pushed) == 5 and set(pushed["state"]) == {"applied"}, pushed

        second = reconcile_run("sandbox", **YEAR, store=store, output_dir=tmp_path / "second")
        again = pd.read_csv(second.reports["findings"], dtype=str, keep_default_na=False)
        left = again[again["entity"] == "expense"]
        assert list(zip(left["kind"], left["key"], strict=True)) == [("missing_in_bigtime", gone)]
        # Pushed once: the expense created in Intacct is there on one line, in one report.
        created = next(c for c in pushable if c.action == "create")
        lines = served.intacct.store.find(
            "EEXPENSESITEM", "BIGTIME_EXPENSEID", created.key, limit=5
        )
        assert len(lines) == 1
