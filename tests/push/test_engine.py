"""The push loop against both sandboxes over HTTP: stale guard, refusals, held changes,
resuming a push that stopped mid-way, writers missing, and the report.

Plans here are the demo firm's real plan (``reviewed``), or a few of its changes plus
changes built for a case (a refused create and what depends on it).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from recon.errors import ConfigError, StoreConflict
from recon.intacct.uncertain import TIMESHEETENTRY_LINK_FIELD, TIMESHEETENTRY_PARENT_KEY
from recon.plan import Change, Plan
from recon.push import OUTCOME_STATES, Outcome, PushReport, open_writers, push
from recon.push.engine import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, stale_words
from recon.push.writers import Writer
from recon.store import Store
from tests.push.conftest import (
    PUSH_RUN,
    ReviewedRun,
    Systems,
    copies,
    make_change,
    profile_of,
    stored_run,
)


def by_key(plan: Plan, key: str, target: str | None = None) -> Change:
    return next(
        c for c in plan.changes if c.key == key and c.pushable and target in (None, c.target)
    )


def writes_served(systems: Systems) -> int:
    """Write requests both sandboxes answered (Intacct functions, BigTime POST/DELETE)."""
    ia = systems.intacct.counters.snapshot()
    bt = systems.bigtime.counters.snapshot()
    ia_writes = sum(ia.get(name, 0) for name in ("create", "update", "delete"))
    bt_writes = sum(n for name, n in bt.items() if name.split(" ")[0] in ("POST", "DELETE"))
    return ia_writes + bt_writes - bt.get("POST /session", 0)


def states(report: PushReport) -> dict[str, str]:
    return {o.change_id: o.state for o in report.outcomes}


def outcome(report: PushReport, change: Change) -> Outcome:
    return next(o for o in report.outcomes if o.change_id == change.change_id)


def box_state(store: Store, change: Change) -> str:
    item = store.item(PUSH_RUN, change.change_id)
    assert item is not None
    return item.state


# --- the stale-approval guard ------------------------------------------------------------


def test_a_record_changed_since_review_is_not_sent(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    plan = reviewed.plan
    renamed, project = by_key(plan, "C10012"), by_key(plan, "P26-0001")
    others = [by_key(plan, "C10018"), by_key(plan, "E1037")]
    chosen = [renamed, project, *others]
    store = stored_run(tmp_path / "db.sqlite3", plan, approve=[c.change_id for c in chosen])
    # Between the review and the push, someone edits the client in BigTime and creates
    # the project in Intacct by hand.
    sid = next(c["SystemId"] for c in systems.bt.clients() if c.get("ClientId") == "C10012")
    systems.bt.update("client", sid, {"Nm": "Calumet Pharmacy (by hand)"})
    systems.ia.create(
        "PROJECT",
        [{"PROJECTID": "P26-0001", "NAME": "By hand", "PROJECTCATEGORY": "Contract"}],
        "by-hand-1",
    )

    report = push(store, PUSH_RUN, writers)

    assert states(report) == {
        renamed.change_id: "stale",
        project.change_id: "stale",
        **{c.change_id: "applied" for c in others},
    }
    said = outcome(report, renamed).message
    assert said.startswith(
        "changed since reviewed: client C10012 Calumet Pharmacy Corp. in BigTime: "
        "Client name is now"
    )
    assert "name is now 'Calumet Pharmacy (by hand)', was 'Calumet Pharmacy' when reviewed" in said
    assert "nothing was sent" in said
    assert "already exists in Intacct" in outcome(report, project).message
    for change in (renamed, project):
        item = store.item(PUSH_RUN, change.change_id)
        assert item is not None and (item.state, item.attempts) == ("stale", 0)
        assert item.error == outcome(report, change).message
    # Nothing overwritten: the hand edits stand.
    assert writers["bigtime"].current(renamed) == {"name": "Calumet Pharmacy (by hand)"}
    assert writers["intacct"].current(project)["name"] == "By hand"  # type: ignore[index]
    ledger = store.ledger(PUSH_RUN)
    assert sorted(ledger.loc[ledger["action"].eq("stale"), "change_id"]) == sorted(
        [renamed.change_id, project.change_id]
    )
    assert ledger["action"].eq("sending").sum() == 2


def test_stale_words_accept_a_partly_applied_change_only_after_a_send() -> None:
    change = make_change(
        "project", "P1", "update", "bigtime", [("name", "Old", "New"), ("manager_id", "E1", "E2")]
    )
    partly = {"name": "New", "manager_id": "E1"}
    assert stale_words(change, partly, sent_before=True) == ""
    assert "name is now 'New', was 'Old'" in stale_words(change, partly, sent_before=False)
    moved = stale_words(change, {"name": "Other", "manager_id": None}, sent_before=True)
    assert "Project name is now 'Other'" in moved
    assert "Manager ID is now (empty), was 'E1'" in moved
    assert "no longer in BigTime" in stale_words(change, None, sent_before=False)
    create = make_change("customer", "C1", "create", "bigtime", [("name", None, "A")])
    assert stale_words(create, None, sent_before=False) == ""
    assert "already exists in BigTime" in stale_words(create, {"name": "A"}, sent_before=True)


def orphan_project() -> Change:
    """A project create Intacct refuses: its customer does not exist."""
    return make_change("project", "P99-0001", "create", "intacct", [
        ("project_id", None, "P99-0001"), ("name", None, "Orphan"), ("customer_id", None, "NOPE"),
    ])  # fmt: skip


def entry_on(template: Change, key: str, prereq: Change) -> Change:
    """A time entry create like ``template``, keyed ``key``, on the project ``prereq`` makes."""
    fields = [
        (f.field, None, key if f.field == "entry_id" else prereq.key
         if f.field == "project_id" else f.after)
        for f in template.fields
    ]  # fmt: skip
    return replace(make_change("time_entry", key, "create", "intacct", fields),
                   depends_on=(prereq.change_id,))  # fmt: skip


def count_intacct_writes(systems: Systems) -> None:
    """From now on the Intacct sandbox counts write requests (``fault:latency``)."""
    systems.intacct.faults.add("latency", seconds=0, only="write")


def intacct_write_requests(systems: Systems) -> int:
    return systems.intacct.counters.snapshot().get("fault:latency", 0)


# --- refusals and what waits for them ----------------------------------------------------


def test_a_refused_change_fails_in_words_and_holds_what_depends_on_it(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    demo = reviewed.plan
    project = by_key(demo, "P26-0001")
    entry = by_key(demo, "1024824")
    orphan = orphan_project()
    on_orphan = entry_on(entry, "9900001", orphan)
    on_rejected = entry_on(entry, "9900002", project)
    fine = [by_key(demo, "C10012"), by_key(demo, "1024454")]
    plan = Plan(PUSH_RUN, (fine[0], project, orphan, on_orphan, on_rejected, fine[1]))
    store = stored_run(tmp_path / "db.sqlite3", plan, reject=[project.change_id])

    report = push(store, PUSH_RUN, writers)

    assert states(report) == {
        fine[0].change_id: "applied",
        orphan.change_id: "failed",
        on_orphan.change_id: "held",
        on_rejected.change_id: "held",
        fine[1].change_id: "applied",
    }
    failed = outcome(report, orphan).message
    assert failed.startswith("Intacct refused to create project P99-0001: ")
    assert "NOPE" in failed and "Nothing was written" in failed
    assert "run a new reconciliation" in failed
    item = store.item(PUSH_RUN, orphan.change_id)
    assert item is not None and (item.state, item.error) == ("failed", failed)
    assert outcome(report, on_orphan).message == (
        f"time entry 9900001: waits for project P99-0001 ({orphan.change_id}) which failed"
    )
    assert "which was rejected" in outcome(report, on_rejected).message
    for change in (on_orphan, on_rejected):  # held: not marked, still queued
        assert box_state(store, change) == "pending"
    for change in (orphan, on_orphan, on_rejected):
        assert copies(systems, change) == 0

    writes = writes_served(systems)
    again = push(store, PUSH_RUN, writers)  # a failed change waits for a new approval
    assert states(again) == {on_orphan.change_id: "held", on_rejected.change_id: "held"}
    assert "which failed" in outcome(again, on_orphan).message
    assert writes_served(systems) == writes


class RacingWriter:
    """The real writer, with someone else writing the same record just before the send."""

    def __init__(self, writer: Writer, race: dict[str, object]) -> None:
        self.writer, self.race, self.system = writer, race, writer.system

    def current(self, change: Change) -> dict[str, str | None] | None:
        return self.writer.current(change)

    def apply(self, change: Change, idem_key: str) -> str:
        body = self.race.pop(change.key, None)
        if body is not None:
            self.writer.client.create("client", body)  # type: ignore[attr-defined]
        return self.writer.apply(change, idem_key)

    def settle(self, change: Change, idem_key: str) -> str | None:
        return self.writer.settle(change, idem_key)


def test_a_create_that_collides_fails_with_the_remote_text(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    demo = reviewed.plan
    create, fine = by_key(demo, "C10041"), by_key(demo, "C10018")
    probe = make_change("project", "P25-0014", "update", "bigtime", [("customer_id", None, "x")])
    was = (writers["bigtime"].current(probe) or {})["customer_id"]
    moved = replace(
        make_change("project", "P25-0014", "update", "bigtime", [("customer_id", was, "C10041")]),
        depends_on=(create.change_id,),
    )
    plan = Plan(PUSH_RUN, (create, fine, moved))
    store = stored_run(tmp_path / "db.sqlite3", plan)
    racing = {**writers, "bigtime": RacingWriter(writers["bigtime"], {
        "C10041": {"ClientId": "C10041", "Nm": "Typed in by hand"}})}  # fmt: skip

    report = push(store, PUSH_RUN, racing)  # type: ignore[arg-type]

    assert states(report) == {
        create.change_id: "failed",
        fine.change_id: "applied",
        moved.change_id: "held",
    }
    said = outcome(report, create).message
    assert said.startswith(
        "BigTime refused to create client C10041 Evergreen Community Foundation Corp.: "
    )
    assert "already used" in said and "run a new reconciliation" in said
    assert (
        "waits for client C10041 Evergreen Community Foundation Corp."
        in outcome(report, moved).message
    )
    assert copies(systems, create) == 1  # the one typed in by hand
    assert writers["bigtime"].current(moved) == {"customer_id": was}


# --- Intacct batches --------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [DEFAULT_BATCH_SIZE, 1])
def test_a_batch_gives_each_change_its_own_outcome(
    systems: Systems,
    writers: dict[str, Writer],
    reviewed: ReviewedRun,
    tmp_path: Path,
    batch_size: int,
) -> None:
    demo = reviewed.plan
    orphan = orphan_project()
    fine = [by_key(demo, "E1037"), by_key(demo, "1024454"), by_key(demo, "INV-25-00779")]
    between = by_key(demo, "C10012")  # BigTime: one request of its own, as ever
    plan = Plan(PUSH_RUN, (fine[0], orphan, between, *fine[1:]))
    store = stored_run(tmp_path / "db.sqlite3", plan)
    count_intacct_writes(systems)
    seen: list[tuple[int, int]] = []

    report = push(store, PUSH_RUN, writers, batch_size=batch_size,
                  progress=lambda d, t, _o: seen.append((d, t)))  # fmt: skip

    assert states(report) == {
        **{c.change_id: "applied" for c in (*fine, between)},
        orphan.change_id: "failed",
    }
    intacct = [fine[0], orphan, *fine[1:]]
    assert intacct_write_requests(systems) == (1 if batch_size >= len(intacct) else len(intacct))
    assert seen == [(n, 5) for n in range(1, 6)]  # progress per change, batched or not
    failed = outcome(report, orphan).message
    assert failed.startswith("Intacct refused to create project P99-0001: ")
    assert "NOPE" in failed and "Nothing was written" in failed
    for change in fine:  # the refusal of one function stopped none of the others
        item = store.item(PUSH_RUN, change.change_id)
        assert item is not None and (item.state, item.attempts) == ("applied", 1), item
        assert item.remote_id and outcome(report, change).remote_id == item.remote_id
        assert writers["intacct"].current(change) == change.after(), change.label
    assert copies(systems, orphan) == 0
    ledger = store.ledger(PUSH_RUN)
    pushing = ledger["action"].isin(["sending", "pushed", "push_failed"])
    rows = ledger[pushing & ledger["change_id"].isin([c.change_id for c in intacct])]
    actions = rows["action"].tolist()
    if batch_size > 1:  # every change of the batch marked sending before the request left
        assert actions == ["sending"] * 4 + ["pushed", "push_failed", "pushed", "pushed"]
    else:
        assert actions == ["sending", "pushed", "sending", "push_failed"] + [
            "sending", "pushed"] * 2  # fmt: skip


def test_a_change_never_shares_a_request_with_its_prerequisite(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    demo = reviewed.plan
    employee, project = by_key(demo, "E1037"), by_key(demo, "P26-0001")
    on_project = entry_on(by_key(demo, "1024824"), "9900003", project)
    plan = Plan(PUSH_RUN, (employee, project, on_project))
    store = stored_run(tmp_path / "db.sqlite3", plan)
    count_intacct_writes(systems)

    report = push(store, PUSH_RUN, writers)

    assert set(states(report).values()) == {"applied"}
    # The entry waited for the batch that created its project: two requests, not one.
    assert intacct_write_requests(systems) == 2
    assert [o.change_id for o in report.outcomes] == [c.change_id for c in plan.changes]
    assert writers["intacct"].current(on_project) == on_project.after()


def two_entries_of_one_timesheet(systems: Systems, taken: set[str]) -> tuple[str, str]:
    """The BigTime entry ids of two entries on one open (Draft) Intacct timesheet no demo
    change touches (recon never rewrites a submitted or approved one)."""
    link, parent = TIMESHEETENTRY_LINK_FIELD, TIMESHEETENTRY_PARENT_KEY
    sheets: dict[str, list[str]] = {}
    for page in systems.ia.query("TIMESHEETENTRY", ["RECORDNO", parent, link, "STATE"]):
        for rec in page.records():
            entry, sheet = rec.findtext(link) or "", rec.findtext(parent) or ""
            if entry and entry not in taken and rec.findtext("STATE") == "Draft":
                sheets.setdefault(sheet, []).append(entry)
    first, second = next(entries for entries in sheets.values() if len(entries) >= 2)[:2]
    return first, second


def test_two_updates_of_one_timesheet_never_share_a_request(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    """A timesheet update resends every entry as read: built from the same read, the second
    would undo the first. Each goes in a request of its own, built after the one before."""
    taken = {c.key for c in reviewed.plan.changes if c.entity == "time_entry"}
    keys = two_entries_of_one_timesheet(systems, taken)
    probe = [make_change("time_entry", k, "update", "intacct", [("notes", None, "")]) for k in keys]
    before = [(writers["intacct"].current(c) or {})["notes"] for c in probe]
    changes = [
        make_change("time_entry", key, "update", "intacct", [("notes", was, f"Batch note {n}")])
        for n, (key, was) in enumerate(zip(keys, before, strict=True))
    ]
    other = by_key(reviewed.plan, "E1037")
    plan = Plan(PUSH_RUN, (changes[0], other, changes[1]))
    store = stored_run(tmp_path / "db.sqlite3", plan)
    count_intacct_writes(systems)

    report = push(store, PUSH_RUN, writers)

    assert set(states(report).values()) == {"applied"}
    for change in changes:  # both notes stand: the second update kept the first
        assert writers["intacct"].current(change) == change.after(), change.label
    assert intacct_write_requests(systems) == 2


def test_a_batch_size_out_of_range_is_refused(tmp_path: Path) -> None:
    change = make_change("customer", "C1", "update", "bigtime", [("name", "A", "B")])
    store = stored_run(tmp_path / "db.sqlite3", Plan(PUSH_RUN, (change,)))
    for size in (0, MAX_BATCH_SIZE + 1, True, 2.0):
        with pytest.raises(ConfigError, match="batch_size"):
            push(store, PUSH_RUN, {}, batch_size=size)  # type: ignore[arg-type]
    assert box_state(store, change) == "pending"


# --- resuming a push that stopped ---------------------------------------------------------


def test_rows_left_in_doubt_are_settled_first_and_never_applied_twice(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    demo = reviewed.plan
    landed = [by_key(demo, "1024824"), by_key(demo, "C10041")]  # sent, answer lost
    never_left = [by_key(demo, "E1037"), by_key(demo, "C10012")]  # marked, then the crash
    in_doubt = by_key(demo, "C10018")  # a push ended with it unknown
    waiting = by_key(demo, "C10027")
    chosen = [*landed, *never_left, in_doubt, waiting]
    store = stored_run(tmp_path / "db.sqlite3", demo, approve=[c.change_id for c in chosen])
    for change in [*landed, *never_left, in_doubt]:
        item = store.mark(PUSH_RUN, change.change_id, "sending")
        if change in landed:
            writers[change.target].apply(change, item.idem_key)
    store.mark(PUSH_RUN, in_doubt.change_id, "unknown", error="no answer")
    client_posts = systems.bigtime.counters.snapshot().get("POST /client", 0)

    report = push(store, PUSH_RUN, writers)

    assert set(states(report).values()) == {"applied"}
    order = [o.change_id for o in report.outcomes]
    settled = {landed[0].change_id, landed[1].change_id, never_left[0].change_id}
    assert set(order[:3]) == settled  # settled before anything new is sent
    assert order[3:] == [
        c.change_id for c in demo.changes if c in (never_left[1], in_doubt, waiting)
    ]
    for change in chosen:
        assert writers[change.target].current(change) == change.after(), change.label
    for change in (*landed, never_left[0]):
        assert copies(systems, change) == 1, change.label
    # The BigTime create that had landed was found, not created again.
    assert systems.bigtime.counters.snapshot().get("POST /client", 0) == client_posts
    attempts = {i.change_id: i.attempts for i in store.outbox(PUSH_RUN)}
    assert attempts == {  # Intacct settles by resending (no new mark); BigTime sends anew
        **{c.change_id: 1 for c in (*landed, never_left[0], waiting)},
        never_left[1].change_id: 2,
        in_doubt.change_id: 2,
    }
    assert all(i.remote_id for i in store.outbox(PUSH_RUN))
    assert store.verify_ledger().ok


def test_a_row_in_doubt_whose_record_was_edited_since_is_not_sent(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    demo = reviewed.plan
    crashed, unknown = by_key(demo, "C10012"), by_key(demo, "C10018")  # never arrived
    store = stored_run(
        tmp_path / "db.sqlite3", demo, approve=[crashed.change_id, unknown.change_id]
    )
    for change in (crashed, unknown):
        store.mark(PUSH_RUN, change.change_id, "sending")
    store.mark(PUSH_RUN, unknown.change_id, "unknown", error="no answer")
    for client in systems.bt.clients():  # meanwhile both are renamed by hand
        if client.get("ClientId") in ("C10012", "C10018"):
            systems.bt.update("client", client["SystemId"], {"Nm": "Renamed by hand"})

    report = push(store, PUSH_RUN, writers)

    # The store lets only a row never sent, or left sending, become stale.
    assert states(report) == {crashed.change_id: "stale", unknown.change_id: "failed"}
    for change in (crashed, unknown):
        said = outcome(report, change).message
        assert said.startswith(
            f"changed since reviewed: {change.label} in BigTime: Client name is now"
        )
        assert writers["bigtime"].current(change) == {"name": "Renamed by hand"}


# --- what a push cannot do now ----------------------------------------------------------


def test_a_change_without_its_writer_or_decision_is_skipped_and_stays_queued(
    systems: Systems, writers: dict[str, Writer], reviewed: ReviewedRun, tmp_path: Path
) -> None:
    demo = reviewed.plan
    bigtime, intacct = by_key(demo, "C10012"), by_key(demo, "E1037")
    revoked = by_key(demo, "1024454")
    chosen = [bigtime, intacct, revoked]
    store = stored_run(tmp_path / "db.sqlite3", demo, approve=[c.change_id for c in chosen])

    def reviewer_changes_mind(done: int, total: int, o: Outcome) -> None:
        # While the push runs (its first outcome is in), a change it will send is rejected:
        # the push read it as approved, so it reaches the batch, whose "sending" mark
        # refuses it.
        if o.change_id == bigtime.change_id:
            store.decide(PUSH_RUN, revoked.change_id, "reject", by="reviewer")

    report = push(store, PUSH_RUN, {"intacct": writers["intacct"]},
                  progress=reviewer_changes_mind)  # fmt: skip

    assert states(report) == {
        bigtime.change_id: "skipped",
        intacct.change_id: "applied",
        revoked.change_id: "skipped",
    }
    assert "no connection to BigTime" in outcome(report, bigtime).message
    assert "not approved" in outcome(report, revoked).message
    assert box_state(store, bigtime) == "pending" and box_state(store, revoked) == "pending"
    assert writers["intacct"].current(revoked) == revoked.before()  # not sent

    report = push(store, PUSH_RUN, writers)
    assert states(report) == {bigtime.change_id: "applied"}


def test_open_writers_gives_a_writer_per_system_of_the_profile(
    systems: Systems, reviewed: ReviewedRun
) -> None:
    profile = profile_of(systems)
    change = by_key(reviewed.plan, "C10012")
    with open_writers(profile, intacct_settings={"backoff_base": 0.01}) as both:
        assert sorted(both) == ["bigtime", "intacct"]
        assert [w.system for w in both.values()] == list(both)
        assert both["bigtime"].current(change) == change.before()
    with open_writers(replace(profile, bigtime=None)) as only:
        assert list(only) == ["intacct"]


# --- the report -------------------------------------------------------------------------------


def test_the_report_counts_every_state_and_names_each_record() -> None:
    change = make_change("customer", "C1", "update", "bigtime", [("name", "A", "B")])
    outcomes = (
        Outcome(change.change_id, "applied", "17", "customer C1: updated in BigTime (id 17)"),
        Outcome("chg-unknown", "held", None, "waits"),
        Outcome("chg-other", "held", None, "waits too"),
    )
    report = PushReport("r", outcomes, {change.change_id: change})
    assert report.counts() == {**dict.fromkeys(OUTCOME_STATES, 0), "applied": 1, "held": 2}
    frame = report.frame()
    assert list(frame.columns) == [
        "change_id", "entity", "key", "action", "target", "state", "remote_id", "message",
    ]  # fmt: skip
    assert frame.iloc[0][["entity", "key", "target", "remote_id"]].tolist() == [
        "customer", "C1", "bigtime", "17",
    ]  # fmt: skip
    assert frame["entity"].tolist()[1:] == ["", ""]
    assert frame["remote_id"].tolist()[1:] == [None, None]
    assert PushReport("r").frame().empty
    assert report == PushReport("r", outcomes)  # the names do not make reports differ


def test_a_push_of_a_run_without_a_plan_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    with pytest.raises(StoreConflict, match="unknown run"):
        push(store, "nope", {})
    store.save_run("empty", profile="sandbox", prepared_by="p")
    with pytest.raises(StoreConflict, match="no saved plan"):
        push(store, "empty", {})
