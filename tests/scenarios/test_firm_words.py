"""The firm's words everywhere a person reads (issue 13, point 10), on the product path.

The demo firm's BigTime lexicon calls projects "engagements" and staff "staffers". One
reconcile of the year through :func:`recon.job.reconcile_run` and one push through
:func:`recon.job.push_run` must say so: the rule texts and labels the plan stores (and the
approval form and ledger show), the push's outcome messages, the reports with each record's
name beside its key, the money each entity's differences involve, and the job's text.
What is expected is computed from the demo firm's own views, not typed in.
"""

from __future__ import annotations

import html
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from recon.canonical import record_names
from recon.job import approval_form, push_run, reconcile_run, run_text
from recon.store import Store
from tests.demo_sandboxes import served_copy
from tests.scenarios import YEAR, pick


def test_a_run_speaks_the_firms_lexicon_and_names_each_record(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        store = Store(served.data / "recon.sqlite3")
        run = reconcile_run("sandbox", **YEAR, store=store, prepared_by="pat")
        names = record_names(run.reconciliation.intacct, run.reconciliation.bigtime)
        assert run.lexicon.label("project") == "engagement"  # the demo firm's vocabulary

        # The plan's words: rule texts, the record named by the firm's noun, key and name.
        moved = pick(run.plan, "project", "P25-0014")  # Department AUD in Intacct, TAX in BT
        name = names[("project", "P25-0014")]
        assert moved.label == f"engagement P25-0014 {name}"
        assert moved.rule == (
            "master data flows Intacct -> BigTime: engagement Department ID differs"
        )
        # ... kept by the store, so the form, the ledger and a later push read them too.
        stored = {c.change_id: c for c in store.load_plan(run.run_id).changes}
        assert stored[moved.change_id].label == moved.label
        form = approval_form(run.run_id, store=store, user="jane")
        form.entity_filter.value = "project"
        card = html.unescape(form.row(moved.change_id).html.value)
        assert f"Engagement P25-0014 {name}" in card and moved.rule in card

        # The reports: the name beside the key, the money each entity's differences involve.
        money = run.plan.money_by_entity()
        assert set(money) == {"time_entry", "invoice", "payment", "expense"}
        text = (run.reports["text"]).read_text(encoding="utf-8")
        mismatch = next(ln for ln in text.splitlines() if "  P25-0014  " in ln)
        assert name[:20] in mismatch and 'Department ID: Intacct "AUD" | BigTime "TAX"' in mismatch
        assert (
            f"Invoices (Intacct ARINVOICE): 3 findings, involving {money['invoice']:,.2f}" in text
        )
        sheet = openpyxl.load_workbook(run.reports["excel"])["Engagements"]
        header = [c.value for c in sheet[1]]
        assert header[:2] == ["Engagement ID", "Name"]
        rows = {r[0]: r[1] for r in sheet.iter_rows(min_row=2, max_col=2, values_only=True)}
        assert rows["P25-0014"] == name
        assert f"Invoices                      3   ({money['invoice']:,.2f} involved)" in (
            run_text(run)
        )
        assert sum(money.values(), Decimal(0)) > 0

        # The push's outcome names the record as the firm does.
        created = pick(run.plan, "customer", "C10041")
        store.decide(run.run_id, created.change_id, "approve", by="jane")
        pushed = push_run(run.run_id, store=store, apply_rules=False, output_dir=tmp_path / "p")
        assert pushed.report is not None
        (outcome,) = [o for o in pushed.report.outcomes if o.change_id == created.change_id]
        client = names[("customer", "C10041")]
        assert outcome.message.startswith(f"client C10041 {client}: created in BigTime")
