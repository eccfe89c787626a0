"""A second run pulls only what changed, and finds exactly what a full pull finds (issue 15).

Through ``reconcile_run`` on the sandboxes: the first run of a profile pulls everything and
keeps a snapshot (``recon.snapshot``); the next asks Intacct for what changed since and
BigTime for the details whose stamp moved. Request counts are exact (they are
deterministic on the demo firm); changes, creations and deletions on both sides between
the runs must be found by the incremental run exactly as by a full one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest

from recon.config import sandbox_profile
from recon.connect import bigtime_client
from recon.intacct import incremental as intacct_changes
from recon.job import ReconcileRun, reconcile_run
from recon.runner import find_notebook
from recon.sandbox.intacct.values import now_storage
from recon.snapshot import snapshot_path
from recon.status import StatusTile
from recon.store import Store
from tests.demo_sandboxes import Served, served_copy
from tests.scenarios import YEAR

SAID = ["entity", "kind", "key", "field", "intacct_value", "bigtime_value"]


def rows(run: ReconcileRun) -> list[tuple[str, ...]]:
    frame = pd.read_csv(run.reports["findings"], dtype=str, keep_default_na=False)
    return sorted(frame[SAID].itertuples(index=False, name=None))


def run(served: Served, tmp: Path, name: str, **params: Any) -> ReconcileRun:
    store = Store(served.data / "recon.sqlite3")
    return reconcile_run("sandbox", **YEAR, store=store, output_dir=tmp / name, **params)


def test_the_second_run_asks_only_for_what_changed(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        assert not snapshot_path("sandbox").exists()
        first = run(served, tmp_path, "first")
        second = run(served, tmp_path, "second")
    assert first.summary["pull"] == {"mode": "full", "why": "first run"}
    assert second.summary["pull"]["mode"] == "changes"
    # The demo firm's year. First: BigTime's lists, one time sheet per staffer and the
    # details no list carries (a project's detail and team, a staffer's detail); Intacct's
    # query pages. Second: BigTime's lists and sheets only; Intacct reads its one-page
    # objects whole and the time entries as changes plus a count. Expenses (issue 16), on
    # both runs: BigTime's POST /expense/reportbyfilter for the period, and one more over
    # the search window for the expense only Intacct holds (recon.period's counterparts);
    # Intacct's expense lines of the period (one page), and the reports they belong to -- a
    # bound read that asks for the period's lines again for their RECORDKEYs, then for the
    # reports (two queries).
    assert first.summary["requests"] == {"BigTime": 333, "Intacct": 36}
    assert second.summary["requests"] == {"BigTime": 55, "Intacct": 25}
    bt_second = second.summary["requests_by_endpoint"]["BigTime"]
    assert not {"GET /project/detail/{id}", "GET /staff/detail/{id}"} & set(bt_second)
    assert rows(first) == rows(second) != []


def _stamp() -> str:
    """Now, as the Intacct sandbox stores WHENMODIFIED (company time, kept in UTC)."""
    return now_storage(dt.datetime.now(dt.UTC))


def _change_intacct(served: Served) -> dict[str, str]:
    """As a person would in Intacct: a time entry's hours changed, one deleted, one added;
    a customer renamed. Returns the keys touched, by what happened to them."""
    store = served.intacct.store
    first, second, third = store.first("TIMESHEETENTRY", 3)
    changed = store.get("TIMESHEETENTRY", first)
    deleted = store.get("TIMESHEETENTRY", second)
    template = store.get("TIMESHEETENTRY", third)
    assert changed and deleted and template
    store.update("TIMESHEETENTRY", first, {"QTY": "7.75", "WHENMODIFIED": _stamp()})
    store.delete("TIMESHEETENTRY", [second])
    added = {k: v for k, v in template.items() if k != "RECORDNO"}
    added.update({"BIGTIME_ENTRYID": "99999001", "QTY": "1.5", "WHENMODIFIED": _stamp()})
    store.insert("TIMESHEETENTRY", added)
    (customer,) = store.first("CUSTOMER", 1)
    row = store.get("CUSTOMER", customer)
    assert row
    store.update("CUSTOMER", customer, {"NAME": "Renamed In Intacct", "WHENMODIFIED": _stamp()})
    return {
        "changed": str(changed["BIGTIME_ENTRYID"]),
        "deleted": str(deleted["BIGTIME_ENTRYID"]),
        "added": "99999001",
        "customer": str(row["CUSTOMERID"]),
    }


def _change_bigtime(served: Served) -> dict[str, str]:
    """As a person would in BigTime (its API): a project's terms and its team lead changed
    (detail and team only), a time entry deleted, a client created."""
    profile = sandbox_profile(served.intacct_url, served.bigtime_url)
    with bigtime_client(profile.require_bigtime()) as bt:
        project = bt.projects()[0]
        sid = project["SystemId"]
        terms = [t["Id"] for t in bt.reference_list("term")]
        detail = bt.project(sid)
        other = next(t for t in terms if t != detail.get("DefaultInvoiceTermSid"))
        bt.update("project", sid, {"DefaultInvoiceTermSid": other})
        team = bt.project_team(sid)
        staff = [s["StaffSID"] for s in bt.staff()]
        lead = next(s for s in staff if s not in {m.get("staffsid") for m in team})
        bt.set_project_team(sid, [{"staffsid": lead, "TeamLead": True}])
        staffer = staff[0]
        entry = bt.time_sheet(staffer, dt.date(2025, 1, 1), dt.date(2025, 12, 31))[0]
        bt.delete("time", entry["SID"])
        bt.create("client", {"Nm": "Created In BigTime", "ClientId": "C99001"})
    return {"project": str(project["ProjectCode"]), "entry": str(entry["SID"]), "client": "C99001"}


@pytest.mark.parametrize("whole_below", [intacct_changes.WHOLE_BELOW, 1], ids=["pages", "every"])
def test_an_incremental_run_finds_exactly_what_a_full_run_finds(
    whole_below: int,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "every": each Intacct object is read as changes and counted, not only the large ones
    # (payment applications bound to their invoices too), as at a larger firm.
    monkeypatch.setattr(intacct_changes, "WHOLE_BELOW", whole_below)
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        before = run(served, tmp_path, "before")
        intacct = _change_intacct(served)
        bigtime = _change_bigtime(served)
        incremental = run(served, tmp_path, "incremental")
        full = run(served, tmp_path, "full", full="true")
    assert incremental.summary["pull"]["mode"] == "changes"
    assert full.summary["pull"] == {"mode": "full", "why": "asked for"}
    assert incremental.summary["unread"] == [] == full.summary["unread"]
    assert rows(incremental) == rows(full)
    # ...and the changes are in it: not two runs that missed the same thing.
    new = set(rows(incremental)) - set(rows(before))
    keys = {(entity, key) for entity, _, key, *_ in new}
    assert {
        ("time_entry", intacct["changed"]),
        ("time_entry", intacct["deleted"]),
        ("time_entry", intacct["added"]),
        ("customer", intacct["customer"]),
        ("project", bigtime["project"]),
        ("time_entry", bigtime["entry"]),
        ("customer", bigtime["client"]),
    } <= keys, keys
    assert sum(incremental.summary["requests"].values()) < sum(full.summary["requests"].values())


def test_a_longer_period_builds_on_the_snapshot_and_still_misses_nothing(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A nightly "month so far" run ends a day later each night: the snapshot still serves,
    and records dated in the added days that nobody changed since are found all the same
    (the count differs, the object is read whole)."""
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        store = Store(served.data / "recon.sqlite3")
        reconcile_run("sandbox", start="2025-01-01", end="2025-10-31", store=store,
                      output_dir=tmp_path / "october")  # fmt: skip
        longer = run(served, tmp_path, "year")
        full = run(served, tmp_path, "full", full=True)
    assert longer.summary["pull"]["mode"] == "changes"
    assert rows(longer) == rows(full) != []


def test_the_status_tile_asks_for_a_full_pull_and_says_what_was_pulled(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        store = Store(served.data / "recon.sqlite3")
        # The tile as 10_reconcile's first cell shows it.
        nb = nbformat.read(find_notebook("10_reconcile"), as_version=4)
        (cell,) = [c for c in nb.cells if "StatusTile" in c.source]
        scope: dict[str, Any] = {}
        exec(cell.source.rsplit("\n", 1)[0], scope)  # noqa: S102 - our own notebook
        tile = eval(cell.source.rsplit("\n", 1)[1], {**scope, "store": store})  # noqa: S307
        assert isinstance(tile, StatusTile) and tile.full_pull_button.disabled  # no runs yet

        run(served, tmp_path, "first")
        run(served, tmp_path, "second")
        tile.refresh()
        assert "Pulled: only changes since" in tile.html.value
        assert tile.profile_picker.options == ("sandbox",)
        tile.profile_picker.value = "sandbox"
        tile.full_pull_button.click()
        assert "The next run of sandbox pulls everything" in tile.message.value
        third = run(served, tmp_path, "third")
        tile.refresh()
    assert third.summary["pull"] == {"mode": "full", "why": "asked for"}
    assert "Pulled: everything (asked for)" in tile.html.value
