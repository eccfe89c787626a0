"""The store (``recon.store``): runs, plans, decisions, the outbox, durability, segregation."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from recon.config import Secret
from recon.errors import ConfigError, PlanError, StoreConflict
from recon.plan import Change, FieldChange, Plan
from recon.store import (
    DEFAULT_FILENAME,
    LEDGER_COLUMNS,
    Decision,
    OutboxItem,
    Store,
)
from recon.store.schema import SCHEMA_VERSION, connect

RUN = "run-2024-05-01"
#: Intacct function control ids: [A-Za-z0-9_-], at most 256 characters.
CONTROL_ID = re.compile(r"[A-Za-z0-9_-]{1,256}")


def make_change(n: int, *, pushable: bool = True, depends_on: tuple[str, ...] = ()) -> Change:
    """A hand-made update of customer ``C{n}`` in BigTime."""
    return Change(
        change_id=f"chg-{n:016x}",
        entity="customer",
        key=f"C{n}",
        action="update",
        target="bigtime",
        fields=(
            FieldChange("name", f"Old name {n}", f"New name {n}"),
            FieldChange("phone", None, f"555-{n:04d}"),
        ),
        rule="master data flows Intacct -> BigTime: customer differs",
        money_impact=Decimal(f"{n}.25") if n % 2 else None,
        depends_on=depends_on,
        pushable=pushable,
        note="" if pushable else "review only",
    )


def make_plan(count: int = 6, run_id: str = RUN) -> Plan:
    changes = [make_change(n, pushable=n != 5) for n in range(count)]
    if count > 3:  # change 3 waits for change 2
        changes[3] = make_change(3, depends_on=(changes[2].change_id,))
    return Plan(run_id=run_id, changes=tuple(changes))


def seeded_store(path: Path, count: int = 6, **kwargs: bool) -> tuple[Store, Plan]:
    """A store with run :data:`RUN` prepared by ``pat`` and its plan saved."""
    store = Store(path, **kwargs)
    plan = make_plan(count)
    store.save_run(RUN, profile="sandbox", prepared_by="pat", summary={"changes": count})
    store.save_plan(plan)
    return store, plan


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "recon.sqlite3"


# --- the file ---------------------------------------------------------------------------------
def test_schema_is_durable_wal_with_full_sync(db: Path) -> None:
    Store(db)
    assert db.is_file()
    with connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert repr(Store(db)) == f"Store({str(db)!r})"  # reopening an existing store is fine


def test_default_path_is_in_the_data_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RECON_DATA_DIR", str(tmp_path / "data"))
    assert Store().path == tmp_path / "data" / DEFAULT_FILENAME
    assert (tmp_path / "data" / DEFAULT_FILENAME).is_file()


def test_open_existing_only_refuses_missing_foreign_and_newer(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no recon database at"):
        Store(tmp_path / "missing.sqlite3", create=False)
    assert not (tmp_path / "missing.sqlite3").exists()
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(ConfigError, match="is not a recon database"):
        Store(foreign, create=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign.sqlite3"]  # untouched
    (tmp_path / "junk").write_text("not sqlite")
    with pytest.raises(ConfigError, match="not a usable recon database"):
        Store(tmp_path / "junk", create=False)
    newer = tmp_path / "newer.sqlite3"
    Store(newer)
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ConfigError, match="newer recon"):
        Store(newer)


# --- runs and plans ---------------------------------------------------------------------------
def test_runs_are_listed_and_the_latest_is_known(db: Path) -> None:
    store = Store(db)
    assert store.latest_run() is None
    assert store.runs().empty
    store.save_run("r1", profile="sandbox", prepared_by="pat", summary={"total": Decimal("1.50")})
    store.save_run("r2", profile="acme", prepared_by="sam")
    store.save_plan(make_plan(3, run_id="r2"))
    runs = store.runs()
    assert runs.columns.tolist() == ["run_id", "at", "profile", "prepared_by", "changes", "summary"]
    assert runs[["run_id", "profile", "prepared_by", "changes"]].values.tolist() == [
        ["r1", "sandbox", "pat", 0],
        ["r2", "acme", "sam", 3],
    ]
    assert runs["summary"].tolist() == [{"total": "1.50"}, {}]
    assert store.latest_run() == "r2"
    assert store.prepared_by("r1") == "pat"


def test_saving_a_run_twice(db: Path) -> None:
    store = Store(db)
    store.save_run("r1", profile="sandbox", prepared_by="pat")
    rows = len(store.ledger())
    store.save_run("r1", profile="sandbox", prepared_by="pat")  # a re-run notebook cell
    assert len(store.ledger()) == rows
    with pytest.raises(StoreConflict, match="already exists"):
        store.save_run("r1", profile="sandbox", prepared_by="sam")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"run_id": "has space"}, "run_id must be"),
        ({"run_id": ""}, "run_id must be a non-empty string"),
        ({"profile": " "}, "profile must be a non-empty string"),
        ({"prepared_by": None}, "prepared_by must be a non-empty string"),
        ({"summary": ["not", "a", "dict"]}, "summary must be a dict"),
        ({"summary": {"when": object()}}, "cannot be stored"),
    ],
)
def test_bad_run_values_are_refused(db: Path, kwargs: dict, message: str) -> None:
    args = {"run_id": "r1", "profile": "sandbox", "prepared_by": "pat", "summary": {}} | kwargs
    run_id = args.pop("run_id")
    with pytest.raises(ConfigError, match=message):
        Store(db).save_run(run_id, **args)


def test_plan_round_trips_in_order(db: Path) -> None:
    store, plan = seeded_store(db)
    loaded = Store(db).load_plan(RUN)
    assert isinstance(loaded, Plan)
    assert loaded == plan
    assert [c.change_id for c in loaded.changes] == [c.change_id for c in plan.changes]
    assert loaded.changes[1].money_impact == Decimal("1.25")
    assert loaded.changes[3].depends_on == (plan.changes[2].change_id,)
    assert loaded.changes[5].pushable is False and loaded.changes[5].note == "review only"
    store.save_plan(plan)  # the same plan again: nothing happens
    assert (store.ledger()["action"] == "planned").sum() == 1
    with pytest.raises(StoreConflict, match="already has another plan"):
        store.save_plan(make_plan(4))


def test_plan_needs_its_run_and_load_needs_a_plan(db: Path) -> None:
    store = Store(db)
    with pytest.raises(StoreConflict, match="unknown run 'nope'"):
        store.save_plan(make_plan(2, run_id="nope"))
    store.save_run("r1", profile="sandbox", prepared_by="pat")
    with pytest.raises(StoreConflict, match="has no saved plan"):
        store.load_plan("r1")
    with pytest.raises(PlanError, match="not a plan change"):
        store.save_plan(_NotPlan())


class _NotPlan:
    run_id = "r1"
    changes = ("not a change",)


def test_a_real_plan_round_trips(db: Path) -> None:
    from recon.diff import diff_all
    from recon.plan import make_plan as build
    from recon.sandbox.firm import generate

    firm = generate()
    diff = diff_all(firm.intacct_view, firm.bigtime_view)
    plan = build(diff, firm.intacct_view, firm.bigtime_view, run_id="demo")
    assert len(plan.changes) > 10
    store = Store(db)
    store.save_run("demo", profile="sandbox", prepared_by="pat")
    store.save_plan(plan)
    assert store.load_plan("demo") == plan


# --- decisions and the outbox -----------------------------------------------------------------
def test_approve_queues_with_a_key_that_is_kept_forever(db: Path) -> None:
    store, plan = seeded_store(db)
    cid = plan.changes[0].change_id
    decision = store.decide(RUN, cid, "approve", by="jane", comment="checked")
    assert isinstance(decision, Decision)
    assert (decision.decision, decision.by, decision.comment) == ("approve", "jane", "checked")
    [item] = store.outbox(RUN)
    assert isinstance(item, OutboxItem)
    assert (item.change_id, item.state, item.attempts) == (cid, "pending", 0)
    assert CONTROL_ID.fullmatch(item.idem_key)
    key = item.idem_key
    store.decide(RUN, cid, "reject", by="jane")
    assert store.outbox(RUN) == []
    assert store.item(RUN, cid).idem_key == key  # kept while rejected
    store.decide(RUN, cid, "defer", by="jane")
    store.decide(RUN, cid, "approve", by="omar")
    assert [i.idem_key for i in store.outbox(RUN)] == [key]
    assert Store(db).decisions(RUN)[cid].by == "omar"


def test_keys_are_unique_and_outbox_is_in_plan_order(db: Path) -> None:
    store, plan = seeded_store(db)
    ids = [c.change_id for c in plan.changes]
    pushable = [c for c in ids if c != ids[5]]  # 5: review only
    with pytest.raises(StoreConflict, match="C5 is for review only"):
        store.decide_many(RUN, list(reversed(ids)), "approve", by="jane", rule="bulk: all")
    assert store.decisions(RUN) == {} and store.outbox(RUN) == []  # all or none
    store.decide_many(RUN, list(reversed(pushable)), "approve", by="jane", rule="bulk: all")
    items = store.outbox(RUN)
    assert [i.change_id for i in items] == pushable
    assert len({i.idem_key for i in items}) == len(items)
    decisions = store.decisions(RUN)
    assert list(decisions) == pushable
    assert {d.rule for d in decisions.values()} == {"bulk: all"}
    assert store.item(RUN, ids[5]) is None


def test_decisions_are_latest_per_change(db: Path) -> None:
    store, plan = seeded_store(db)
    a, b = plan.changes[0].change_id, plan.changes[1].change_id
    store.decide(RUN, a, "approve", by="jane")
    store.decide(RUN, a, "defer", by="jane", comment="ask the partner")
    store.decide(RUN, b, "reject", by="omar")
    got = store.decisions(RUN)
    assert {k: (v.decision, v.by, v.comment) for k, v in got.items()} == {
        a: ("defer", "jane", "ask the partner"),
        b: ("reject", "omar", ""),
    }
    assert (got[a].seq, got[b].seq) == (4, 5)  # 1 prepared, 2 planned, 3 the first approve
    ledger = store.ledger().set_index("seq")
    assert ledger.loc[4, ["change_id", "outcome", "at"]].tolist() == [a, "defer", got[a].at]
    assert plan.held_back(got)[plan.changes[3].change_id].startswith("waits for")


@pytest.mark.parametrize(
    ("change_id", "decision", "by", "error", "message"),
    [
        ("chg-nope", "approve", "jane", StoreConflict, "has no change 'chg-nope'"),
        ("chg-0000000000000000", "approved", "jane", ConfigError, "decision must be one of"),
        ("chg-0000000000000000", "approve", "", ConfigError, "by \\(who decides\\) must be"),
    ],
)
def test_bad_decisions_are_refused(db: Path, change_id, decision, by, error, message) -> None:
    store, _ = seeded_store(db)
    with pytest.raises(error, match=message):
        store.decide(RUN, change_id, decision, by=by)
    with pytest.raises(StoreConflict, match="unknown run"):
        store.decide("other", "chg-0000000000000000", "approve", by="jane")


def test_a_bulk_decision_is_all_or_nothing(db: Path) -> None:
    store, plan = seeded_store(db)
    before = len(store.ledger())
    with pytest.raises(StoreConflict, match="has no change"):
        store.decide_many(RUN, [plan.changes[0].change_id, "chg-nope"], "approve", by="jane")
    assert store.decisions(RUN) == {}
    assert store.outbox(RUN) == []
    assert len(store.ledger()) == before


def test_push_states_and_ledger_rows(db: Path) -> None:
    store, plan = seeded_store(db)
    cid = plan.changes[1].change_id
    store.decide(RUN, cid, "approve", by="jane")
    sending = store.mark(RUN, cid, "sending")
    assert (sending.state, sending.attempts) == ("sending", 1)
    unknown = store.mark(RUN, cid, "unknown", error="gateway timed out (524)")
    assert (unknown.state, unknown.error) == ("unknown", "gateway timed out (524)")
    store.mark(RUN, cid, "sending", by="jane")
    done = store.mark(RUN, cid, "applied", remote_id="SID-42")
    assert (done.state, done.attempts, done.remote_id, done.error) == ("applied", 2, "SID-42", None)
    assert store.item(RUN, cid) == done
    rows = store.ledger(RUN)
    rows = rows[rows["change_id"] == cid]
    assert rows[["actor", "action", "outcome", "remote_id", "detail"]].values.tolist() == [
        ["jane", "decided", "approve", "", ""],
        ["recon push", "sending", "sending", "", ""],
        ["recon push", "push_unknown", "unknown", "", "gateway timed out (524)"],
        ["jane", "sending", "sending", "", ""],
        ["recon push", "pushed", "applied", "SID-42", ""],
    ]
    assert set(rows["before"]) == {'{"name": "Old name 1", "phone": null}'}
    assert set(rows["after"]) == {'{"name": "New name 1", "phone": "555-0001"}'}
    assert set(rows[["entity", "key", "target"]].itertuples(index=False)) == {
        ("customer", "C1", "bigtime")
    }


@pytest.mark.parametrize("state", ["sending", "applied", "unknown"])
def test_no_decision_once_sent(db: Path, state: str) -> None:
    store, plan = seeded_store(db)
    cid = plan.changes[0].change_id
    store.decide(RUN, cid, "approve", by="jane")
    store.mark(RUN, cid, "sending")
    if state != "sending":
        store.mark(RUN, cid, state, remote_id="R1" if state == "applied" else None)
    for decision in ("reject", "defer", "approve"):
        with pytest.raises(StoreConflict, match=f"already sent \\(state {state}\\)"):
            store.decide(RUN, cid, decision, by="jane")
    assert store.decisions(RUN)[cid].decision == "approve"


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ((), "applied"),  # pending -> applied skips "sending"
        ((), "unknown"),
        (("sending", "applied"), "sending"),  # nothing after applied
        (("sending", "applied"), "failed"),
        (("stale",), "sending"),  # a stale change is reviewed again first
        (("sending",), "pending"),  # not a state mark() sets
    ],
)
def test_transitions_that_are_refused(db: Path, path: tuple[str, ...], refused: str) -> None:
    store, plan = seeded_store(db)
    cid = plan.changes[0].change_id
    store.decide(RUN, cid, "approve", by="jane")
    for state in path:
        store.mark(RUN, cid, state, remote_id="R1" if state == "applied" else None)
    with pytest.raises((StoreConflict, ConfigError), match=r"cannot go from|state must be one of"):
        store.mark(RUN, cid, refused)
    assert store.item(RUN, cid).state == (path[-1] if path else "pending")


@pytest.mark.parametrize("state", ["failed", "stale"])
def test_reapproval_requeues_a_failed_or_stale_change(db: Path, state: str) -> None:
    store, plan = seeded_store(db)
    cid = plan.changes[0].change_id
    store.decide(RUN, cid, "approve", by="jane")
    key = store.item(RUN, cid).idem_key
    store.mark(RUN, cid, "sending")
    store.mark(RUN, cid, state, error="BL01001973 customer is locked")
    store.decide(RUN, cid, "approve", by="jane", comment="unlocked it")
    item = store.item(RUN, cid)
    assert (item.state, item.idem_key, item.error, item.attempts) == ("pending", key, None, 1)


def test_only_approved_changes_can_be_marked(db: Path) -> None:
    store, plan = seeded_store(db)
    cid = plan.changes[0].change_id
    with pytest.raises(StoreConflict, match="is not approved"):
        store.mark(RUN, cid, "sending")
    store.decide(RUN, cid, "approve", by="jane")
    store.mark(RUN, cid, "sending")
    store.mark(RUN, cid, "failed", error="refused")
    store.decide(RUN, cid, "reject", by="jane")  # the accountant gives up on it
    with pytest.raises(StoreConflict, match="is not approved"):
        store.mark(RUN, cid, "sending")
    review_only = plan.changes[5].change_id
    with pytest.raises(
        StoreConflict, match=r"for review only: recon cannot push it \(review only\)"
    ):
        store.decide(RUN, review_only, "approve", by="jane")  # it is done by hand
    store.decide(RUN, review_only, "defer", by="jane")  # deferring it says something
    with pytest.raises(StoreConflict, match="is not approved"):
        store.mark(RUN, review_only, "sending")


# --- segregation of duties --------------------------------------------------------------------
def test_approver_must_differ_from_preparer_when_asked(db: Path) -> None:
    store, plan = seeded_store(db)
    cid = plan.changes[0].change_id
    with pytest.raises(StoreConflict, match=r"'PAT ' prepared run .*prepared_by 'pat'"):
        store.decide(RUN, cid, "approve", by="PAT ", require_other_than_preparer=True)
    assert store.decisions(RUN) == {}
    store.decide(RUN, cid, "approve", by="pat")  # not asked: allowed
    store.decide(RUN, cid, "approve", by="jane", require_other_than_preparer=True)
    strict = Store(db, require_other_than_preparer=True)
    with pytest.raises(StoreConflict, match="another person must decide"):
        strict.decide_many(RUN, [cid], "reject", by="pat")
    strict.decide(RUN, cid, "defer", by="pat", require_other_than_preparer=False)
    assert strict.decisions(RUN)[cid].decision == "defer"


# --- no secrets -------------------------------------------------------------------------------
SECRET = "hunter2-Sup3rS3cret"


def test_secrets_are_refused_never_stored(db: Path) -> None:
    store, plan = seeded_store(db)
    cid = plan.changes[0].change_id
    secret = Secret(SECRET)
    attempts = [
        lambda: store.decide(RUN, cid, "approve", by=secret),
        lambda: store.decide(RUN, cid, "approve", by="jane", comment=secret),
        lambda: store.decide(RUN, cid, "approve", by="jane", rule=secret),
        lambda: store.save_run("r9", profile=secret, prepared_by="pat"),
        lambda: store.save_run("r9", profile="x", prepared_by="pat", summary={"a": [secret]}),
    ]
    for attempt in attempts:
        with pytest.raises(ConfigError, match="Secret") as err:
            attempt()
        assert SECRET not in str(err.value)
    store.decide(RUN, cid, "approve", by="jane")
    store.mark(RUN, cid, "sending")
    for kwargs in ({"remote_id": secret}, {"error": secret}, {"by": secret}):
        with pytest.raises(ConfigError, match="Secret"):
            store.mark(RUN, cid, "failed", **kwargs)
    assert store.item(RUN, cid).state == "sending"
    data = b"".join(p.read_bytes() for p in db.parent.iterdir())
    assert SECRET.encode() not in data


# --- durability -------------------------------------------------------------------------------
def test_reopen_sees_everything(db: Path) -> None:
    store, plan = seeded_store(db)
    ids = [c.change_id for c in plan.changes]
    store.decide(RUN, ids[0], "approve", by="jane")
    store.mark(RUN, ids[0], "sending")
    store.decide(RUN, ids[1], "reject", by="jane")
    again = Store(db)
    assert again.decisions(RUN) == store.decisions(RUN)
    assert again.outbox(RUN) == store.outbox(RUN)
    assert again.ledger().equals(store.ledger())
    assert again.ledger().columns.tolist() == list(LEDGER_COLUMNS)


_DECIDER = textwrap.dedent(
    """
    import sys
    from recon.store import Store

    store = Store(sys.argv[1])
    for n, cid in enumerate(sys.argv[3:]):  # change 5 is review only: deferred
        decision = "defer" if n == 5 else "approve"
        store.decide(sys.argv[2], cid, decision, by="jane", comment="crash test")
        print(cid, flush=True)  # only once decide() has returned
    """
)


def test_a_killed_writer_loses_no_committed_decision(db: Path, tmp_path: Path) -> None:
    count = 400
    _, plan = seeded_store(db, count=count)
    ids = [c.change_id for c in plan.changes]
    script = tmp_path / "decider.py"
    script.write_text(_DECIDER)
    child = subprocess.Popen(
        [sys.executable, str(script), str(db), RUN, *ids],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    reported = [child.stdout.readline().strip() for _ in range(60)]
    os.kill(child.pid, signal.SIGKILL)  # mid-loop: likely inside a transaction
    child.wait(timeout=30)
    reported += [line.strip() for line in child.stdout if line.strip()]
    assert child.returncode == -signal.SIGKILL
    assert len(reported) < count, "the writer finished before it was killed"
    after = Store(db)
    decided = after.decisions(RUN)
    assert set(reported) <= set(decided)
    assert list(decided) == ids[: len(decided)]  # in order, none skipped
    assert len(decided) - len(reported) <= 1  # at most the one committed, not yet printed
    assert len(after.outbox(RUN)) == len([c for c in ids[: len(decided)] if c != ids[5]])
    check = after.verify_ledger()
    assert check.ok, check.problem
    after.decide(RUN, ids[-1], "approve", by="jane")  # and the store carries on
    assert after.verify_ledger().ok


def test_threads_share_one_store(db: Path) -> None:
    store, plan = seeded_store(db, count=80)
    ids = [c.change_id for c in plan.changes]
    errors: list[BaseException] = []

    def work(part: list[str]) -> None:
        try:
            for cid in part:
                if cid == ids[5]:  # review only
                    store.decide(RUN, cid, "defer", by="jane")
                    continue
                store.decide(RUN, cid, "approve", by="jane")
                store.mark(RUN, cid, "sending")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ids[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.decisions(RUN)) == 80
    assert {i.state for i in store.outbox(RUN)} == {"sending"}
    ledger = store.ledger()
    assert ledger["seq"].tolist() == list(range(1, len(ledger) + 1))
    assert store.verify_ledger().ok
