"""Decisions carry over from run to run while the change is the same (issue 13, point 2).

Two consecutive reconciles of the demo firm through :func:`recon.job.reconcile_run`: a
reject, a defer and an approval not yet pushed in the first hold in the second, saying where
they came from (the form, the ledger). Then a value moves in BigTime: that change is a new
one, undecided again, while the others still hold.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from recon.config import sandbox_profile
from recon.connect import bigtime_client
from recon.job import approval_form, reconcile_run
from recon.store import Store
from tests.demo_sandboxes import served_copy
from tests.scenarios import YEAR, pick


def test_reject_defer_and_unpushed_approval_hold_until_the_values_move(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        store = Store(served.data / "recon.sqlite3")
        first = reconcile_run("sandbox", **YEAR, store=store, prepared_by="pat")
        rejected = pick(first.plan, "customer", "C10012")  # a rename in BigTime
        deferred = pick(first.plan, "project", "P25-0107")
        approved = pick(first.plan, "employee", "E1029")
        store.decide(first.run_id, rejected.change_id, "reject", by="jane", comment="ours")
        store.decide(first.run_id, deferred.change_id, "defer", by="jane", comment="ask Bo")
        store.decide(first.run_id, approved.change_id, "approve", by="omar")

        second = reconcile_run("sandbox", **YEAR, store=store, prepared_by="pat")

        assert second.summary["carried"] == 3
        now = store.decisions(second.run_id)
        assert {c: d.decision for c, d in now.items()} == {
            rejected.change_id: "reject",
            deferred.change_id: "defer",
            approved.change_id: "approve",
        }
        said = now[rejected.change_id]
        assert (said.by, said.comment) == ("jane", "ours")
        assert said.rule is not None and f"carried over from run {first.run_id}" in said.rule
        assert [i.change_id for i in store.outbox(second.run_id)] == [approved.change_id]
        ledger = store.ledger(second.run_id)
        carried = ledger[ledger["detail"].str.contains("carried over", na=False)]
        assert len(carried) == 3
        form = approval_form(second.run_id, store=store, user="omar")
        form.entity_filter.value = "customer"
        card = html.unescape(form.row(rejected.change_id).html.value)
        assert "Rejected" in card and f"carried over from run {first.run_id}" in card

        # C10012 is renamed again in BigTime: the proposed change's "before" moved.
        with bigtime_client(sandbox_profile().bigtime) as bt:
            (client,) = [c for c in bt.clients(show_inactive=True) if c["ClientId"] == "C10012"]
            bt.update("client", int(client["SystemId"]), {"Nm": "Calumet Pharmacy Group"})
        third = reconcile_run("sandbox", **YEAR, store=store, prepared_by="pat")

        renamed = pick(third.plan, "customer", "C10012")
        assert renamed.change_id != rejected.change_id
        assert renamed.before()["name"] == "Calumet Pharmacy Group"
        later = store.decisions(third.run_id)
        assert renamed.change_id not in later  # a new change: undecided again
        assert later[deferred.change_id].decision == "defer"
        assert later[approved.change_id].decision == "approve"
        assert store.verify_ledger().ok
