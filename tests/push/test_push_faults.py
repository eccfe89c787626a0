"""The fault-injection matrix on pushes: every fault on every change's first write.

For each fault kind and each system, a fault is armed (``count=1``, writes only) before
every change of the push, so each change's first write meets it: a create, an update, a
timesheet rewrite, an invoice adjustment, a project team change. Then the run is pushed
again if anything is left ``unknown``. The end state must be the intended one -- every
change's after values in place, each create's record there once, each invoice adjustment
line added once -- and the outbox all ``applied``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recon.intacct.filters import F
from recon.plan import Change, Plan
from recon.push import push
from recon.push.writers import Writer
from recon.store import Store
from tests.push.conftest import PUSH_RUN, ReviewedRun, Systems, copies, stored_run

#: The records whose changes the matrix pushes, per target system (plan order decides).
SUBSETS = {
    "intacct": ("P26-0001", "E1037", "1024824", "1019231", "INV-25-00779", "INV-25-00774"),
    "bigtime": ("C10041", "C10012", "E1036", "E1010", "P25-0112", "P25-0014"),
}
#: Fault kind (and its parameters) -> does the sandbox apply the write before failing it?
FAULTS: dict[str, tuple[dict[str, object], bool | None]] = {
    "rate_limit": ({"kind": "rate_limit", "retry_after": 0}, None),
    "server_error": ({"kind": "server_error"}, False),
    "bad_gateway": ({"kind": "bad_gateway"}, False),
    "timeout_524": ({"kind": "timeout_524"}, True),
    "drop_before": ({"kind": "drop", "when": "before"}, False),
    "drop_after": ({"kind": "drop", "when": "after"}, True),
    "truncate": ({"kind": "truncate"}, True),
    "expire_session": ({"kind": "expire_session"}, None),
}


def subset(plan: Plan, system: str) -> list[Change]:
    keys = SUBSETS[system]
    chosen = [c for c in plan.changes if c.target == system and c.pushable and c.key in keys]
    assert len(chosen) == len(keys), "the demo firm's plan changed: update SUBSETS"
    return chosen


def invoice_lines(systems: Systems, invoice_no: str) -> int:
    pages = systems.ia.query("ARINVOICE", ["RECORDNO"], filter=F("RECORDID") == invoice_no)
    recordno = next(rec.findtext("RECORDNO") for page in pages for rec in page.data)
    return systems.ia.count("ARINVOICEITEM", F("RECORDKEY") == recordno)


@pytest.mark.parametrize("system", ["intacct", "bigtime"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_change_lands_once_through_the_fault(
    systems: Systems,
    writers: dict[str, Writer],
    reviewed: ReviewedRun,
    tmp_path: Path,
    system: str,
    fault: str,
) -> None:
    changes = subset(reviewed.plan, system)
    store = stored_run(
        tmp_path / "recon.sqlite3", reviewed.plan, approve=[c.change_id for c in changes]
    )
    box = systems.intacct if system == "intacct" else systems.bigtime
    params, applies = FAULTS[fault]
    invoices = [c for c in changes if c.entity == "invoice" and c.action == "update"]
    lines_before = {c.key: invoice_lines(systems, c.key) for c in invoices}

    def arm(*_: object) -> None:  # before the first change, and after each one
        assert box.faults.rules() == [], "the fault did not meet the change's write"
        box.faults.add(count=1, only="write", **params)  # type: ignore[arg-type]

    arm()
    first = push(store, PUSH_RUN, writers, progress=arm, sleep=lambda _s: None)
    box.faults.clear()  # the one armed after the last change

    states = [o.state for o in first.outcomes]
    assert len(states) == len(changes)
    if system == "bigtime" and applies is False:
        # BigTime has no key: a write lost before it ran reads back as not applied and
        # stays in doubt; the next push settles it and sends it.
        assert set(states) == {"unknown"}, first.frame()
        for outcome in first.outcomes:
            assert "next push" in outcome.message
        again = push(store, PUSH_RUN, writers)
        assert [o.state for o in again.outcomes] == ["applied"] * len(changes), again.frame()
    else:  # Intacct resends with the same control id; a landed BigTime write reads back
        assert set(states) == {"applied"}, first.frame()
    attempts = 2 if fault == "rate_limit" or (system == "bigtime" and applies is False) else 1
    check_end_state(systems, store, writers, changes, attempts)
    for change in invoices:  # the adjustment line added once
        assert invoice_lines(systems, change.key) == lines_before[change.key] + 1
    assert store.verify_ledger().ok


def check_end_state(
    systems: Systems, store: Store, writers: dict[str, Writer], changes: list[Change], attempts: int
) -> None:
    for item in store.outbox(PUSH_RUN):
        assert (item.state, item.attempts) == ("applied", attempts), item
    for change in changes:
        assert writers[change.target].current(change) == change.after(), change.label
        if change.action == "create":
            assert copies(systems, change) == 1, change.label


def test_a_write_in_doubt_that_never_arrived_is_sent_by_the_next_push(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    """BigTime, connection dropped before the write ran, every time: it stays unknown
    (never resent blindly) until a push can settle it, then lands once."""
    changes = subset(reviewed.plan, "bigtime")[:2]
    store = stored_run(
        tmp_path / "recon.sqlite3", reviewed.plan, approve=[c.change_id for c in changes]
    )
    systems.bigtime.faults.add("drop", when="before", only="write")
    for _ in range(2):
        report = push(store, PUSH_RUN, writers)
        assert [o.state for o in report.outcomes] == ["unknown", "unknown"]
    assert [i.attempts for i in store.outbox(PUSH_RUN)] == [2, 2]
    systems.bigtime.faults.clear()
    report = push(store, PUSH_RUN, writers)
    assert [o.state for o in report.outcomes] == ["applied", "applied"]
    check_end_state(systems, store, writers, changes, attempts=3)


def test_a_rate_limit_that_does_not_lift_fails_the_change_and_approving_again_retries(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    change = subset(reviewed.plan, "intacct")[0]
    store = stored_run(tmp_path / "recon.sqlite3", reviewed.plan, approve=[change.change_id])
    systems.intacct.faults.add("rate_limit", only="write", retry_after=120)
    waits: list[float] = []
    report = push(store, PUSH_RUN, writers, sleep=waits.append)
    (outcome,) = report.outcomes
    assert outcome.state == "failed"
    assert "rate limit" in outcome.message and "approve the change again" in outcome.message
    assert change.label in outcome.message
    assert waits == [30.0, 30.0, 30.0]  # Retry-After honoured up to the cap, then given up
    item = store.item(PUSH_RUN, change.change_id)
    assert item is not None and (item.state, item.attempts) == ("failed", 4)
    assert copies(systems, change) == 0

    systems.intacct.faults.clear()
    store.decide(PUSH_RUN, change.change_id, "approve", by="reviewer")
    assert [o.state for o in push(store, PUSH_RUN, writers).outcomes] == ["applied"]
    assert copies(systems, change) == 1
