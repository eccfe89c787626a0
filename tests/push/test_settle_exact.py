"""Settling a write of unknown outcome compares what the change is about, exactly.

Issue 12: a 429 (or 502) hit BigTime's update that removes the trailing space from
customer C10027's name; the push settled it by reading the record back with a comparison
that stripped spaces, so the unfixed name looked fixed and the change was recorded
``applied`` while BigTime still held the space. Every change the demo firm plants because
of letter case or spacing alone is pushed here through a write that fails *before* it
lands, then through one that fails *after* it lands: the first must never be recorded
applied (and lands on a later push), the second must be.

Intacct settles by resending with the same control id: a replay refusal says the id ran
before. The refusal's wording is UNCERTAIN, so it must be confirmed by the record too: a
replay whose record does not show the change stays in doubt, in plain words.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recon.errors import OutcomeUnconfirmed
from recon.plan import Change, Plan
from recon.push import push
from recon.push.writers import Writer
from tests.push.conftest import PUSH_RUN, ReviewedRun, Systems, make_change, stored_run

#: The demo firm's case-only and whitespace-only disagreements (manifest P003, P004, P008,
#: P009, P019): (entity, key, field) of changes pushed to BigTime.
COSMETIC = (
    ("customer", "C10018", "name"),  # case only
    ("customer", "C10027", "name"),  # a trailing space
    ("project", "P25-0062", "name"),  # case only
    ("project", "P25-0018", "description"),  # a doubled space
    ("employee", "E1005", "email"),  # case only
)
#: Faults the sandbox answers BEFORE applying the write: it never lands.
NOT_LANDED = {
    "rate_limit": {"kind": "rate_limit", "retry_after": 0},
    "bad_gateway": {"kind": "bad_gateway"},
    "server_error": {"kind": "server_error"},
    "drop_before": {"kind": "drop", "when": "before"},
}


def cosmetic_change(plan: Plan, entity: str, key: str, field: str) -> Change:
    (change,) = [
        c
        for c in plan.changes
        if (c.entity, c.key, c.action, c.target) == (entity, key, "update", "bigtime")
    ]
    (fc,) = [f for f in change.fields if f.field == field]
    assert fc.before != fc.after and fc.before is not None and fc.after is not None
    folded = (" ".join(fc.before.split()).casefold(), " ".join(fc.after.split()).casefold())
    assert folded[0] == folded[1], "the demo change is no longer cosmetic"
    return change


@pytest.mark.parametrize("fault", list(NOT_LANDED))
@pytest.mark.parametrize(("entity", "key", "field"), COSMETIC, ids=lambda v: str(v))
def test_a_cosmetic_bigtime_update_that_did_not_land_is_never_recorded_applied(
    systems: Systems,
    writers: dict[str, Writer],
    reviewed: ReviewedRun,
    tmp_path: Path,
    entity: str,
    key: str,
    field: str,
    fault: str,
) -> None:
    change = cosmetic_change(reviewed.plan, entity, key, field)
    store = stored_run(tmp_path / "recon.sqlite3", reviewed.plan, approve=[change.change_id])
    bigtime = writers["bigtime"]
    systems.bigtime.faults.add(count=1, only="write", **NOT_LANDED[fault])  # type: ignore[arg-type]

    (first,) = push(store, PUSH_RUN, writers, sleep=lambda _s: None).outcomes

    now = bigtime.current(change)
    assert now is not None
    if first.state == "applied":  # only a resend after the 429 may have made it so
        assert fault == "rate_limit", first.message
        assert now == change.after(), "recorded applied, but BigTime does not show it"
    else:
        assert first.state == "unknown", first.message
        assert now == change.before(), "the fault's write must not have landed"
        assert "does not show the change" in first.message and "next push" in first.message
        (again,) = push(store, PUSH_RUN, writers).outcomes
        assert again.state == "applied", again.message
        assert bigtime.current(change) == change.after()
    item = store.item(PUSH_RUN, change.change_id)
    assert item is not None and item.state == "applied"
    assert store.verify_ledger().ok


@pytest.mark.parametrize(("entity", "key", "field"), COSMETIC, ids=lambda v: str(v))
def test_a_cosmetic_bigtime_update_that_landed_without_an_answer_is_applied(
    systems: Systems,
    writers: dict[str, Writer],
    reviewed: ReviewedRun,
    tmp_path: Path,
    entity: str,
    key: str,
    field: str,
) -> None:
    """The other half: the exact text there, the read-back confirms it (no resend)."""
    change = cosmetic_change(reviewed.plan, entity, key, field)
    store = stored_run(tmp_path / "recon.sqlite3", reviewed.plan, approve=[change.change_id])
    systems.bigtime.faults.add("timeout_524", count=1, only="write")
    systems.bigtime.counters.reset()

    (outcome,) = push(store, PUSH_RUN, writers).outcomes

    assert outcome.state == "applied", outcome.message
    assert writers["bigtime"].current(change) == change.after()
    writes = [n for n in systems.bigtime.counters.snapshot() if n.startswith("POST /")]
    assert sum(systems.bigtime.counters.snapshot()[n] for n in writes) == 1  # not resent


def spaced_name(systems: Systems, key: str) -> tuple[str, Change]:
    """Customer ``key``'s name in Intacct, and a change to Intacct adding a trailing space."""
    probe = make_change("customer", key, "update", "intacct", [("name", None, None)])
    now = systems.intacct_writer().current(probe)
    assert now is not None and now["name"] is not None
    name = now["name"]
    assert name == name.strip()
    return name, make_change("customer", key, "update", "intacct", [("name", name, name + " ")])


def test_an_intacct_replay_is_confirmed_by_the_record_not_taken_alone(systems: Systems) -> None:
    """A control id that ran before -- another change's -- is refused as a replay; this
    change's record does not show it, so it is not applied."""
    writer = systems.intacct_writer()
    name, spaced = spaced_name(systems, "C10027")
    other = make_change("customer", "C10012", "update", "intacct", [("phone", None, "555-0100")])
    writer.apply(other, "k-shared")
    with pytest.raises(OutcomeUnconfirmed, match=r"k-shared.*already ran.*name differ"):
        writer.settle(spaced, "k-shared")
    assert writer.current(spaced) == {"name": name}
    assert writer.settle(spaced, "k-own") != ""  # its own id: sent now, applied, shown
    assert writer.current(spaced) == spaced.after()
    assert writer.settle(spaced, "k-own") != ""  # a replay the record confirms


def test_an_intacct_replay_the_record_does_not_show_stays_in_doubt(
    systems: Systems, tmp_path: Path
) -> None:
    """The write landed (HTTP 524) and its settle went unanswered too; before the next
    push someone changed the name in Intacct. The resend is refused as a replay, but the
    record does not show the change: it stays unknown, in words, push after push, until
    the record reads as the change says."""
    writer = systems.intacct_writer()
    name, spaced = spaced_name(systems, "C10027")
    store = stored_run(tmp_path / "recon.sqlite3", Plan(PUSH_RUN, (spaced,)))
    writers: dict[str, Writer] = {"intacct": writer}
    systems.intacct.faults.add("timeout_524", count=2, only="write")  # the send and its settle

    (first,) = push(store, PUSH_RUN, writers).outcomes

    assert first.state == "unknown", first.message
    assert writer.current(spaced) == spaced.after()  # it did land
    meddle = make_change("customer", "C10027", "update", "intacct", [("name", None, "Renamed")])
    writer.apply(meddle, "by-hand-1")
    for _ in range(2):
        (outcome,) = push(store, PUSH_RUN, writers).outcomes
        assert outcome.state == "unknown", outcome.message
        assert "not confirmed" in outcome.message and "name differ" in outcome.message
        assert "correct it in Intacct and the next push confirms it" in outcome.message
    assert writer.current(spaced) == {"name": "Renamed"}

    restore = make_change("customer", "C10027", "update", "intacct", [("name", None, name + " ")])
    writer.apply(restore, "by-hand-2")
    (last,) = push(store, PUSH_RUN, writers).outcomes
    assert last.state == "applied", last.message
    assert store.verify_ledger().ok
