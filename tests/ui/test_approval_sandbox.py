"""The approval form against the sandboxes: decide by clicking, push for real, read it back.

The plan is the demo firm's, from a real pull of a private copy of it (the push tests'
``reviewed`` run); the form's ``push_fn`` runs the real :func:`recon.push.push` with the
writers of :func:`recon.push.open_writers` over HTTP to this test's own sandboxes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from recon.push import PushReport, open_writers, push
from recon.store import Store
from recon.ui import ApprovalForm
from tests.push.conftest import (  # noqa: F401  (fixtures used by name)
    LOCKED_TIME,
    PUSH_RUN,
    ReviewedRun,
    Systems,
    copies,
    pristine,
    profile_of,
    reviewed,
    systems,
)


def test_decide_by_clicking_then_push_to_the_sandboxes(
    systems: Systems,  # noqa: F811
    reviewed: ReviewedRun,  # noqa: F811
    tmp_path: Path,
) -> None:
    plan = reviewed.plan
    db = tmp_path / "recon.sqlite3"
    store = Store(db)
    store.save_run(PUSH_RUN, profile="sandbox", prepared_by="preparer")
    store.save_plan(plan)
    profile = profile_of(systems)

    def push_fn(progress: Callable[..., None]) -> PushReport:
        with open_writers(profile) as writers:
            return push(store, PUSH_RUN, writers, by="jane", progress=progress)

    form = ApprovalForm(store, PUSH_RUN, user="jane", push_fn=push_fn)

    # Customers to BigTime: approve one, reject one, bulk-approve the rest of the filter.
    form.entity_filter.value = "customer"
    form.target_filter.value = "bigtime"
    customers = [c for c in plan.changes if c.entity == "customer" and c.target == "bigtime"]
    assert form.filtered_ids() == [c.change_id for c in customers] and len(customers) >= 3
    first, rejected = customers[0], customers[1]
    form.row(first.change_id).buttons["approve"].click()
    form.row(rejected.change_id).comment.value = "not this one"
    form.row(rejected.change_id).buttons["reject"].click()
    form.state_filter.value = "undecided"  # the rest: a bulk decision covers the filter
    assert set(form.filtered_ids()) == {c.change_id for c in customers[2:]}
    form.bulk_buttons["approve"].click()
    form.state_filter.value = ""
    # And one time entry to Intacct, found by text.
    form.entity_filter.value = "time_entry"
    form.target_filter.value = "intacct"
    # (not one on an approved Intacct timesheet: those are held, review only)
    entry = next(
        c
        for c in plan.changes
        if c.entity == "time_entry" and c.pushable and c.key not in LOCKED_TIME
    )
    form.text_filter.value = entry.key
    assert entry.change_id in form.filtered_ids()
    form.row(entry.change_id).buttons["approve"].click()

    approved = [c for c in customers if c is not rejected] + [entry]
    assert not form.push_panel.button.disabled
    form.push_panel.button.click()

    bar = form.push_panel.progress
    assert bar.max == len(approved) and bar.value == bar.max
    assert bar.bar_style == "success"
    table = form.push_panel.outcomes.value
    shown = dict(re.findall(r'data-change-id="([^"]+)" data-state="([^"]+)"', table))
    assert shown == {c.change_id: "applied" for c in approved}
    for change in approved:
        if change.action == "create":
            assert copies(systems, change) == 1, change.label

    again = Store(db)  # reopened: everything decided and pushed is on disk
    decisions = again.decisions(PUSH_RUN)
    assert {k: d.decision for k, d in decisions.items()} == {
        **{c.change_id: "approve" for c in approved},
        rejected.change_id: "reject",
    }
    assert {d.by for d in decisions.values()} == {"jane"}
    assert decisions[rejected.change_id].comment == "not this one"
    outbox = {i.change_id: i for i in again.outbox(PUSH_RUN)}
    assert set(outbox) == {c.change_id for c in approved}
    assert {i.state for i in outbox.values()} == {"applied"}
    assert all(i.remote_id for i in outbox.values())
    assert again.verify_ledger().ok
    # A new form on the same run shows the same: nothing lived only in the widgets.
    reopened = ApprovalForm(again, PUSH_RUN, user="jane", push_fn=push_fn)
    assert reopened.push_panel.button.disabled  # nothing left to push
