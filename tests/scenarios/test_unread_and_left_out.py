"""The accountant's month on the product path: a reconcile of some entities pulls only what
they need; a read that fails costs the entities that need it and nothing else, and says so;
a record the comparison cannot hold is listed with the reason, never silently dropped.

Against both sandboxes serving the demo firm, through ``recon.job.reconcile_run`` (what the
10_reconcile notebook runs) and ``python -m recon run``. A failed read is made on the
server's side: the BigTime sandbox without its Cost Center 2 picklist (the path is one of
recon's guesses, ``recon.bigtime.uncertain.LISTS``; a firm without it answers 404 exactly
so), or a fault rule answering 500 to every try. A staffer loses his "Employee ID" through
the BigTime API.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from recon.bigtime import uncertain
from recon.config import SANDBOX_BIGTIME_URL_ENV, load_profile
from recon.connect import bigtime_client
from recon.errors import AuthenticationError, TransportError
from recon.job import OUTCOME_FILE, ReconcileRun, reconcile_run, run_text
from recon.mapping.bigtime import NO_EMPLOYEE_ID
from recon.runner import EXIT_FAILED, SUMMARY_FILE
from recon.sandbox.bigtime import reads
from recon.store import Store
from tests.demo_sandboxes import Served, served_copy
from tests.scenarios import YEAR

#: The Cost Center 2 picklist's path, and the entities whose mapping reads it: location
#: itself, and projects and staff (their location) -- in the demo firm's words.
COST_CENTER_2 = uncertain.LISTS["costcenterb"].path
NEED_COST_CENTER_2 = ["project", "employee", "location"]
NOT_COMPARED = "engagements, staffers, locations not compared"
#: findings.csv columns that identify a finding and what it says.
SAID = ["entity", "kind", "key", "field", "intacct_value", "bigtime_value", "detail"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo firm served once for the module's read-only runs (each test that changes
    the firm or the sandbox's routes puts it back, or uses a copy of its own)."""
    dest = tmp_path_factory.mktemp("unread") / "demo"
    with pytest.MonkeyPatch.context() as mp, served_copy(tmp_path_factory, dest, mp) as s:
        yield s


@pytest.fixture(scope="module")
def full_year(demo: Served) -> pd.DataFrame:
    """findings.csv of a full reconcile of the year: what narrower runs must agree with."""
    run = reconcile_run("sandbox", **YEAR, store=Store(), prepared_by="pat")
    assert run.summary["unread"] == [] and run.summary["left_out"] == 0
    return findings(run)


def findings(run: ReconcileRun) -> pd.DataFrame:
    return pd.read_csv(run.reports["findings"], dtype=str, keep_default_na=False)


def rows(frame: pd.DataFrame, entities: list[str] | None = None, *, but: bool = False) -> list:
    """The findings of ``entities`` (all others with ``but``), sorted, as tuples."""
    if entities is not None:
        frame = frame[frame["entity"].isin(entities) != but]
    return sorted(frame[SAID].itertuples(index=False, name=None))


def requested(served: Served) -> tuple[set[str], set[str]]:
    """(BigTime endpoints, Intacct objects queried) since the counters were last reset."""
    bigtime = {k for k in served.bigtime.counters.snapshot() if not k.startswith("fault:")}
    intacct = served.intacct.counters.snapshot(all=True)
    return bigtime, {k.split(" ", 1)[1] for k in intacct if k.startswith("query ")}


# --------------------------------------------------------------------------- entities


def test_entities_narrow_the_pull_and_find_what_the_full_run_finds(
    demo: Served, full_year: pd.DataFrame
) -> None:
    for served in (demo.bigtime, demo.intacct):
        served.counters.reset()
    # full: what a narrowed pull reads, not what an earlier run's snapshot saves it.
    customers = reconcile_run("sandbox", **YEAR, entities="customer", store=Store(), full=True)
    bigtime, intacct = requested(demo)
    # The client list carries every field compared: no detail read (issue 15).
    assert bigtime == {"GET /client", "GET /settings/vocabulary"}
    assert intacct == {"CUSTOMER"}
    assert rows(findings(customers)) == rows(full_year, ["customer"]) != []

    for served in (demo.bigtime, demo.intacct):
        served.counters.reset()
    projects = reconcile_run("sandbox", **YEAR, entities="project", store=Store(), full=True)
    bigtime, intacct = requested(demo)
    # A project's own records, its client, its team lead (team and staff: the manager's
    # "Employee ID") and the lists its type, cost centers, class and terms resolve through.
    assert bigtime == {
        "GET /project", "GET /project/detail", "GET /project/team",
        "GET /client", "GET /staff", "GET /staff/detail",
        "GET /picklist/FieldValues", "GET /picklist/QBClasses", "GET /settings/vocabulary",
    }  # fmt: skip
    assert demo.bigtime.counters.snapshot()["GET /picklist/FieldValues"] == 4  # type, 2 cc, terms
    assert intacct == {"PROJECT"}  # Intacct holds a project's references as its keys
    assert rows(findings(projects)) == rows(full_year, ["project"]) != []
    assert projects.summary["entities"] == ["project"] and projects.summary["unread"] == []


# --------------------------------------------------------------------------- failed reads


def test_a_list_that_answers_404_leaves_its_entities_uncompared_and_the_rest_exact(
    demo: Served, full_year: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This firm's BigTime has no such picklist: the sandbox answers 404, as for any path
    # it does not know.
    monkeypatch.delitem(reads.PICKLISTS, COST_CENTER_2.lower())
    run = reconcile_run("sandbox", **YEAR, store=Store(), prepared_by="pat")

    (unread,) = run.summary["unread"]
    assert {k: v for k, v in unread.items() if k not in ("why", "said")} == {
        "system": "bigtime", "what": "list:costcenterb", "label": "BigTime Cost Center 2 values",
        "entities": NEED_COST_CENTER_2,
    }  # fmt: skip
    assert f"GET {COST_CENTER_2} failed (HTTP 404)" in unread["why"]
    why = unread["why"].rstrip(".")
    assert unread["said"] == f"could not read BigTime Cost Center 2 values: {why}; {NOT_COMPARED}"
    outcome = json.loads((run.output_dir / OUTCOME_FILE).read_text(encoding="utf-8"))
    assert outcome["unread"] == [unread] and outcome["reconcile"]["unread"] == [unread]
    assert run.summary["not_compared"] == NEED_COST_CENTER_2

    # Everything else is compared exactly as in the full run; those three not at all.
    found = findings(run)
    others = rows(full_year, NEED_COST_CENTER_2, but=True)
    assert rows(found, NEED_COST_CENTER_2, but=True) == others != []
    assert rows(found, NEED_COST_CENTER_2) == []
    assert rows(full_year, NEED_COST_CENTER_2) != []  # there was something to lose
    assert not set(NEED_COST_CENTER_2) & set(run.reconciliation.diff.entities)

    said = f"could not read BigTime Cost Center 2 values: GET {COST_CENTER_2} failed (HTTP 404)"
    text = run_text(run)
    assert said in text and NOT_COMPARED in text
    summary = run.reports["text"].read_text(encoding="utf-8")
    assert said in summary and "Could not be read" in summary
    assert said in run.reports["html"].read_text(encoding="utf-8")
    book = openpyxl.load_workbook(run.reports["excel"], read_only=True)
    assert "Could not be read" in book.sheetnames


def test_recon_run_exits_1_with_one_line_when_a_list_fails_after_the_retries(
    demo: Served,
) -> None:
    # Every try of the Cost Center 2 picklist gets a 500: the client's retries fail too.
    rule = demo.bigtime.faults.add("server_error", method="GET", path=COST_CENTER_2)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "recon", "run", "10_reconcile",
             "-p", "start", YEAR["start"], "-p", "end", YEAR["end"]],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        demo.bigtime.faults.clear()
    assert rule.fired > 1  # retried, then given up
    assert proc.returncode == EXIT_FAILED, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(
        "recon run: could not read BigTime Cost Center 2 values: "
        f"GET {COST_CENTER_2} failed (HTTP 500)"
    )
    assert NOT_COMPARED in proc.stderr
    (folder,) = (demo.data / "runs" / "sandbox").glob("*-10_reconcile")
    assert proc.stdout.startswith("10_reconcile incomplete: ")
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert summary["status"] == "incomplete" and summary["exit_code"] == EXIT_FAILED
    (unread,) = summary["outcome"]["unread"]
    assert unread["what"] == "list:costcenterb" and unread["entities"] == NEED_COST_CENTER_2
    # The reports of what could be read are kept.
    kept = {p.name for p in (folder / "reports").iterdir()}
    assert kept >= {"summary.txt", "report.html", "report.xlsx", "findings.csv"}
    assert summary["outcome"]["reconcile"]["findings"] > 0


def test_an_intacct_object_that_fails_costs_what_reads_it_and_what_is_bound_to_it(
    demo: Served, full_year: pd.DataFrame
) -> None:
    # Intacct answers every query of invoices with a 500, retries included.
    demo.intacct.faults.add("server_error", function="query", object="ARINVOICE")
    try:
        run = reconcile_run("sandbox", **YEAR, entities="customer,invoice,payment", store=Store())
    finally:
        demo.intacct.faults.clear()
    said = {(u["system"], u["what"], tuple(u["entities"])) for u in run.summary["unread"]}
    # Payment applications are read by their invoices' keys: they could not be read either.
    assert said == {
        ("intacct", "ARINVOICE", ("invoice", "payment")),
        ("intacct", "ARPYMTDETAIL", ("payment",)),
    }
    assert run.summary["not_compared"] == ["invoice", "payment"]
    assert rows(findings(run)) == rows(full_year, ["customer"]) != []


def test_refused_credentials_still_stop_the_whole_run(demo: Served) -> None:
    # BigTime refuses the firm's API key on every request: nothing could be read.
    demo.bigtime.faults.add("expire_session", refuse_key=True)
    try:
        with pytest.raises(AuthenticationError):
            reconcile_run("sandbox", **YEAR, entities="customer", store=Store())
    finally:
        demo.bigtime.faults.clear()


def test_an_unreachable_host_still_stops_the_whole_run(
    demo: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:  # a port nobody listens on once this socket closes
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv(SANDBOX_BIGTIME_URL_ENV, f"http://127.0.0.1:{port}/BigtimeData/api/v2")
    with pytest.raises(TransportError):
        reconcile_run("sandbox", **YEAR, entities="customer", store=Store())


# --------------------------------------------------------------------------- left out


@pytest.fixture
def own_demo(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Served]:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as s:
        yield s


def test_a_staffer_without_an_employee_id_is_listed_as_left_out(own_demo: Served) -> None:
    with bigtime_client(load_profile("sandbox").require_bigtime()) as bt:
        sid = bt.staff(show_inactive=True)[0]["StaffSID"]
        staffer = bt.staffer(sid)
        employee_id = next(
            u["Value"] for u in staffer["UdfList"] if u["Name"] == uncertain.UDF_EMPLOYEE_ID
        )
        bt.set_custom_fields("staff", sid, {uncertain.UDF_EMPLOYEE_ID: ""})
        (after,) = [u for u in bt.staffer(sid)["UdfList"] if u["Name"] == uncertain.UDF_EMPLOYEE_ID]
        assert not after["Value"]  # really gone, as the pull will see it
    name = f"{staffer['FName']} {staffer['SName']}"

    run = reconcile_run("sandbox", **YEAR, store=Store(), prepared_by="pat")

    assert run.summary["left_out"] == 1
    reasons = {(r["entity"], r["kind"]): r for r in run.summary["left_out_reasons"]}
    assert reasons["employee", "left_out"] == {
        "system": "bigtime", "entity": "employee", "kind": "left_out", "field": None,
        "reason": NO_EMPLOYEE_ID, "count": 1,
    }  # fmt: skip
    found = findings(run)
    (row,) = found[found["kind"] == "left_out"].to_dict("records")
    assert row["entity"] == "employee" and row["key"] == "" and row["name"] == name
    assert row["detail"] == f"BigTime staffer {sid}: {NO_EMPLOYEE_ID}"
    # Its time and the projects it leads are compared with the staffer left empty, each
    # listed; the Intacct employee shows as only in Intacct: nothing is silently missing.
    unresolved = found[found["kind"] == "unresolved"]
    assert run.summary["unresolved"] == len(unresolved) > 0
    assert set(unresolved["field"]) <= {"employee_id", "manager_id"}
    assert set(unresolved["bigtime_value"]) == {str(sid)}
    kinds = set(found[["entity", "kind", "key"]].itertuples(index=False, name=None))
    assert ("employee", "missing_in_bigtime", employee_id) in kinds

    text = run_text(run)
    assert "Left out of the comparison: 1 record not compared" in text
    assert f"1 BigTime staffer record: {NO_EMPLOYEE_ID}" in text  # the demo's word
    summary = run.reports["text"].read_text(encoding="utf-8")
    assert "Left out of the comparison" in summary and f"BigTime staffer {sid}" in summary
    assert f"BigTime staffer {sid}" in run.reports["html"].read_text(encoding="utf-8")
    book = openpyxl.load_workbook(run.reports["excel"], read_only=True)
    assert "Left out of the comparison" in book.sheetnames
