"""Accepted likely pairs and the user's ``mapping.toml`` on the product path (issue 13, point 3).

Each scenario runs the demo firm through :func:`recon.job.reconcile_run` (what the
10_reconcile notebook calls) and through the real ``recon run 10_reconcile`` (a subprocess, a
kernel, papermill), reading the CLI's findings from the run folder's ``outcome.json`` and
``reports/findings.csv``:

- a likely pair accepted in the pair review is compared field by field from the next run on,
  instead of "create in BigTime" for one record and "deactivate" for the other;
- ``ignore`` leaves a field out of the comparison; ``extra`` adds a field to pull and compare;
- a bad ``mapping.toml`` is refused with its file, line and problem before anything runs:
  ``recon run`` exits 2 with one line and leaves no run folder, ``reconcile_run`` raises
  before either sandbox sees a request.

The demo firm has no likely pair of its own (no record is held under two keys), so one is
made as a person would: a client typed into BigTime by hand under its own id, with the name,
address and phone of the customer Intacct holds and BigTime lacks -- the name without its
legal suffix.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from recon.config import sandbox_profile
from recon.connect import bigtime_client
from recon.crosswalk import Crosswalk
from recon.errors import ConfigError
from recon.job import OUTCOME_FILE, push_run, reconcile_run
from recon.mapping import MappingFileError
from recon.report.findings import FINDINGS_FILE
from recon.runner import EXIT_CLEAN, EXIT_USAGE
from recon.sandbox.firm import Planted, generate
from recon.store import Store
from recon.ui.pairs import PairReview, suggest_pairs
from tests.demo_sandboxes import Served, served_copy
from tests.scenarios import YEAR

PERIOD = ("-p", "start", YEAR["start"], "-p", "end", YEAR["end"])
MANIFEST: tuple[Planted, ...] = tuple(generate().manifest)
Finding = tuple[str, str, str, str, str, str]  # entity, kind, key, field, intacct, bigtime


def planted() -> set[Finding]:
    return {
        (i.entity, i.kind, i.key, i.field or "", i.intacct_value or "", i.bigtime_value or "")
        for i in MANIFEST
    }


def found(run) -> set[Finding]:
    """What :func:`reconcile_run` found, in :func:`planted`'s terms."""
    cols = ["entity", "kind", "key", "field", "intacct_value", "bigtime_value"]
    rows = run.reconciliation.diff.findings()[cols].fillna("")
    return {tuple(str(v) for v in r) for r in rows.itertuples(index=False)}


def recon_run(served: Served) -> tuple[subprocess.CompletedProcess[str], Path | None]:
    """``recon run 10_reconcile`` for the year; its run folder (None when there is none)."""
    before = set(_runs(served))
    proc = subprocess.run(
        [sys.executable, "-m", "recon", "run", "10_reconcile", *PERIOD],
        capture_output=True,
        text=True,
        timeout=600,
    )
    new = sorted(set(_runs(served)) - before)
    assert len(new) <= 1, new
    return proc, (new[0] if new else None)


def _runs(served: Served) -> list[Path]:
    return list((served.data / "runs" / "sandbox").glob("*-10_reconcile"))


def cli_found(folder: Path) -> tuple[dict, set[Finding]]:
    """The CLI run's outcome and its findings.csv, in :func:`planted`'s terms."""
    outcome = json.loads((folder / OUTCOME_FILE).read_text(encoding="utf-8"))
    with (folder / "reports" / FINDINGS_FILE).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    cols = ("entity", "kind", "key", "field", "intacct_value", "bigtime_value")
    return outcome["reconcile"], {tuple(r[c] for c in cols) for r in rows}


def actions(run, entity: str) -> dict[str, str]:
    """Key -> proposed action of the run's plan for ``entity``."""
    return {c.key: c.action for c in run.plan.changes if c.entity == entity}


# --- an accepted pair -----------------------------------------------------------------------


def test_an_accepted_pair_is_compared_field_by_field(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (missing,) = [i for i in MANIFEST if (i.entity, i.kind) == ("customer", "missing_in_bigtime")]
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        first = reconcile_run("sandbox", **YEAR, output_dir=tmp_path / "first")
        only = first.reconciliation.diff.entities["customer"].only_in_intacct
        customer = only.set_index("customer_id").loc[missing.key]
        # Typed into BigTime by hand: its own id, the name without the legal suffix.
        typed = customer["name"].removesuffix(" Corp.")
        assert typed != customer["name"]
        with bigtime_client(sandbox_profile().bigtime) as bt:
            bt.create("client", {
                "ClientId": "BT-7", "Nm": typed, "Address": customer["address1"],
                "City": customer["city"], "State": customer["state"], "Zip": customer["zip"],
                "MainPH": customer["phone"],
            })  # fmt: skip

        before = reconcile_run("sandbox", **YEAR, output_dir=tmp_path / "before")
        assert actions(before, "customer")[missing.key] == "create"
        assert actions(before, "customer")["BT-7"] == "deactivate"
        # The 10_reconcile notebook's review: suggest, then Accept (the widget's button).
        crosswalk = Crosswalk()  # the data directory's, as the notebook opens it
        suggestions = suggest_pairs(before.reconciliation, crosswalk)
        pairs = list(zip(suggestions["intacct_key"], suggestions["bigtime_key"], strict=True))
        assert pairs == [(missing.key, "BT-7")]
        review = PairReview(suggestions, crosswalk, user="jane")
        review.row(0).buttons["accept"].click()
        assert crosswalk.links("customer") == {"BT-7": missing.key}

        after = reconcile_run("sandbox", **YEAR, output_dir=tmp_path / "after")
        name_differs: Finding = (
            "customer", "field_mismatch", missing.key, "name", customer["name"], typed,
        )  # fmt: skip
        missing_found = {
            f for f in planted() if f[:3] == (missing.entity, missing.kind, missing.key)
        }
        assert len(missing_found) == 1
        assert found(after) == (planted() - missing_found) | {name_differs}
        assert "BT-7" not in actions(after, "customer")
        (change,) = [c for c in after.plan.changes if c.key == missing.key]
        assert (change.action, change.target) == ("update", "bigtime")
        assert [(f.field, f.before, f.after) for f in change.fields] == [
            ("name", typed, customer["name"])
        ]
        assert after.summary["linked_pairs"] == 1
        # The review of this run has nothing left to suggest.
        assert suggest_pairs(after.reconciliation, crosswalk).empty

        proc, folder = recon_run(served)
        assert proc.returncode == EXIT_CLEAN, proc.stderr
        assert folder is not None
        summary, rows = cli_found(folder)
        assert rows == found(after)
        assert summary["findings"] == len(MANIFEST) and summary["linked_pairs"] == 1

        # The pair's update is pushed to the record BigTime holds under its own key.
        assert change.target_key == "BT-7"
        store = Store()
        store.decide(after.run_id, change.change_id, "approve", by="jane")
        pushed = push_run(after.run_id, store=store, apply_rules=False, output_dir=tmp_path / "p")
        assert pushed.report is not None
        (outcome,) = [o for o in pushed.report.outcomes if o.change_id == change.change_id]
        assert outcome.state == "applied", outcome.message
        with bigtime_client(sandbox_profile().bigtime) as bt:
            (client,) = [c for c in bt.clients(show_inactive=True) if c["ClientId"] == "BT-7"]
        assert client["Nm"] == customer["name"]


# --- mapping.toml ---------------------------------------------------------------------------

IGNORE_DESCRIPTION = """\
# Project descriptions are kept in Intacct only.
[project]
ignore = ["description"]
"""

#: A field both systems hold and recon does not compare: the customer's country.
COUNTRY = """\
[[customer.extra]]
name = "country"
kind = "text"
intacct = "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE"
bigtime = "Country"
"""


def test_an_ignored_field_is_left_out_of_the_comparison(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (spacing,) = [i for i in MANIFEST if (i.entity, i.field) == ("project", "description")]
    assert (spacing.id, spacing.key) == ("P009", "P25-0018")
    expected = {f for f in planted() if (f[0], f[3]) != ("project", "description")}
    assert len(expected) == len(MANIFEST) - 1
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        mapping = served.data / "mapping.toml"  # beside config.toml: load_overrides finds it
        mapping.write_text(IGNORE_DESCRIPTION, encoding="utf-8")

        run = reconcile_run("sandbox", **YEAR, output_dir=tmp_path / "run")
        assert found(run) == expected
        assert "description" not in run.reconciliation.intacct["project"].columns
        assert spacing.key not in actions(run, "project")
        assert run.summary["mapping_file"] == str(mapping)

        proc, folder = recon_run(served)
        assert proc.returncode == EXIT_CLEAN, proc.stderr
        assert folder is not None
        summary, rows = cli_found(folder)
        assert rows == expected and summary["findings"] == len(expected)
        assert summary["mapping_file"] == str(mapping)


def test_an_extra_field_is_pulled_and_compared(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sandboxes' custom fields (project PO Number, PO Amount, SO Number; the staff's
    # Employee ID) are all compared already, so the extra is a field both systems hold
    # that recon leaves alone: the customer's country.
    mapping = tmp_path / "elsewhere" / "fields.toml"
    mapping.parent.mkdir()
    mapping.write_text(COUNTRY, encoding="utf-8")
    monkeypatch.setenv("RECON_MAPPING", str(mapping))
    keys = {i.key for i in MANIFEST if i.entity == "customer"}
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        with bigtime_client(sandbox_profile().bigtime) as bt:
            client = next(c for c in bt.clients(show_inactive=True) if c["ClientId"] not in keys)
            bt.update("client", int(client["SystemId"]), {"Country": "CA"})
        moved: Finding = ("customer", "field_mismatch", client["ClientId"], "country", "US", "CA")

        run = reconcile_run("sandbox", **YEAR, output_dir=tmp_path / "run")
        assert found(run) == planted() | {moved}
        (change,) = [c for c in run.plan.changes if c.key == client["ClientId"]]
        assert [(f.field, f.before, f.after) for f in change.fields] == [("country", "CA", "US")]
        # recon has no writer for a field only the mapping file knows: set it by hand; a
        # create (the customer BigTime lacks) is pushed without it.
        assert not change.pushable and "set it by hand in BigTime" in change.note
        (missing,) = [
            i for i in MANIFEST if i.kind == "missing_in_bigtime" and i.entity == "customer"
        ]
        (create,) = [c for c in run.plan.changes if c.key == missing.key]
        assert create.action == "create" and create.pushable
        assert "country" not in {f.field for f in create.fields}

        proc, folder = recon_run(served)
        assert proc.returncode == EXIT_CLEAN, proc.stderr
        assert folder is not None
        summary, rows = cli_found(folder)
        assert rows == planted() | {moved} and summary["mapping_file"] == str(mapping)

        # The extra's Intacct field is selected in the pull: one the firm's Intacct does not
        # have (the README's REGION) is refused by Intacct, naming it, and the run says the
        # customers could not be read -- rather than comparing an empty column.
        mapping.write_text(COUNTRY.replace("DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE", "REGION"))
        region = reconcile_run("sandbox", **YEAR, output_dir=tmp_path / "region")
        (unread,) = region.reconciliation.pulled.unread
        assert (unread.system, unread.what, unread.entities) == (
            "intacct",
            "CUSTOMER",
            ("customer",),
        )
        assert "REGION" in unread.why
        assert "customer" not in region.reconciliation.diff.entities


# --- a bad mapping.toml ---------------------------------------------------------------------

BAD = [
    pytest.param(
        '[project]\nignore = [\n  "name",\n  "descripton",\n]\n',
        4,
        "project has no column 'descripton'; use some of: project_id, name,",
        id="unknown-column",
    ),
    pytest.param(
        '[customer]\nignore = ["phone"]\n[[customer.extra]]\nname = "country"\nkind: text\n',
        5,
        "not valid TOML: Expected '=' after a key in a key/value pair",
        id="not-toml",
    ),
]


@pytest.mark.parametrize(("text", "line", "problem"), BAD)
def test_a_bad_mapping_file_is_refused_before_anything_runs(
    text: str,
    line: int,
    problem: str,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        mapping = served.data / "mapping.toml"
        mapping.write_text(text, encoding="utf-8")
        said = f"mapping file {mapping}, line {line}: {problem}"

        proc, folder = recon_run(served)
        assert proc.returncode == EXIT_USAGE, proc.stderr
        assert proc.stderr.startswith(f"recon run: {said}"), proc.stderr
        assert proc.stderr.count("\n") == 1 and proc.stdout == ""
        assert folder is None and not (served.data / "runs").exists()

        with pytest.raises(MappingFileError) as refused:
            reconcile_run("sandbox", **YEAR, output_dir=tmp_path / "run")
        assert isinstance(refused.value, ConfigError)
        assert str(refused.value).startswith(said)
        assert (refused.value.path, refused.value.line) == (mapping, line)
        assert not (tmp_path / "run").exists()
        # Neither the CLI nor the job sent one request to either system.
        assert served.intacct.counters.snapshot() == {}
        assert served.bigtime.counters.snapshot() == {}
