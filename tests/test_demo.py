"""``recon demo`` end to end: seed, serve, run both notebooks through papermill with the demo
profile's auto-approve rules; run twice, the second finds what the first left unapproved."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from recon.autoapprove import parse_rules
from recon.config import load_profile
from recon.demo import DEMO_PROFILE, run_demo
from recon.sandbox.firm import generate
from recon.store import Store
from tests.test_secrets import SECRETS, leaks


def _applied_keys(data: Path) -> set[tuple[str, str]]:
    store = Store(data / "recon.sqlite3", create=False)
    ledger = store.ledger()
    done = ledger[(ledger["action"] == "pushed") & (ledger["outcome"] == "applied")]
    return set(zip(done["entity"], done["key"], strict=True))


def test_demo_twice_pushes_by_rule_then_finds_only_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Distinctive sandbox secrets: after both runs, nothing recon wrote or logged holds one.
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    data = tmp_path / "demo"
    out = io.StringIO()
    first = run_demo(data, out=out)
    firm = generate(seed=7, scale=1)
    assert first.ok and first.findings == len(firm.manifest)

    # What the rules cover, worked out from the stored plan and the written-down rules.
    monkeypatch.setenv("RECON_CONFIG", str(data / "config.toml"))
    rules = parse_rules(load_profile(DEMO_PROFILE).auto_approve, DEMO_PROFILE)
    store = Store(data / "recon.sqlite3", create=False)
    run_id = first.reconcile.summary["outcome"]["run_id"]
    plan = store.load_plan(run_id)
    covered = [c for c in plan.changes if any(r.matches(c) for r in rules)]
    # Time on the demo's approved Intacct timesheets is held, review only (never rewritten).
    still_queued = {i.change_id for i in store.outbox(run_id) if i.state == "pending"}
    held = [c for c in covered if c.change_id in still_queued]
    assert [c.entity for c in held] == ["time_entry"] * 2
    applied = len(covered) - len(held)
    assert covered and first.pushed["applied"] == applied and first.pushed["held"] == len(held)
    assert all(d.by == "auto-approve" for d in store.decisions(run_id).values())
    assert store.verify_ledger().ok

    text = out.getvalue()
    assert f"Found {len(firm.manifest)} differences" in text
    assert f"Pushed {len(covered)} approved changes: {applied} applied, 2 held." in text
    for run in (first.reconcile, first.push):
        assert str(run.notebook) in text and run.notebook.is_file()
        nb = nbformat.read(run.notebook, as_version=4)
        assert nb.metadata["papermill"]["parameters"]["profile"] == DEMO_PROFILE
    assert "report.html" in text and (first.reconcile.folder / "reports" / "report.xlsx").is_file()

    again_out = io.StringIO()
    second = run_demo(data, out=again_out)
    assert second.ok
    assert "No new change matched the demo profile's auto-approve rules." in again_out.getvalue()
    assert "rules:\n" not in again_out.getvalue()  # never a colon with nothing after it
    assert second.findings == len(firm.manifest) - applied
    assert second.pushed.get("applied", 0) == 0
    # Nothing the first run pushed is proposed again.
    again = store.load_plan(second.reconcile.summary["outcome"]["run_id"])
    assert not {(c.entity, c.key) for c in again.changes} & _applied_keys(data)
    summary = json.loads((second.push.folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["outcome"]["push"]["auto_approved"] == 0

    printed = out.getvalue() + caplog.text
    assert caplog.records, "debug logging was on: the logs are searched too"
    assert leaks(tmp_path, printed, list(SECRETS.values())) == []


def test_demo_command_reports_a_bad_data_dir_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proc = subprocess.run(
        [sys.executable, "-m", "recon", "demo", "--data", str(blocker / "sub")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("recon demo:")


def test_the_review_hint_is_commands_that_work_pasted_as_printed(tmp_path: Path) -> None:
    """Issue 13: the demo's closing hint named `recon` and `jupyter`, which are not on PATH
    after `make demo` (they live in .venv/bin)."""
    import shlex
    import subprocess

    from recon.demo import review_hint

    data = tmp_path / "a folder with spaces" / "demo"
    serve, lab = [line.strip() for line in review_hint(data).splitlines()[1::2]]
    recon_cmd, sandbox, flag, where = shlex.split(serve)
    assert (sandbox, flag, Path(where)) == ("sandbox", "--data", data)
    ran = subprocess.run([recon_cmd, "sandbox", "--help"], capture_output=True, text=True)
    assert ran.returncode == 0 and "--data" in ran.stdout
    *env, jupyter, verb, notebook = shlex.split(lab)
    assert dict(e.split("=", 1) for e in env) == {
        "RECON_DATA_DIR": str(data), "RECON_CONFIG": str(data / "config.toml"),
    }  # fmt: skip
    assert verb == "lab" and Path(notebook).is_file()
    ran = subprocess.run([jupyter, "lab", "--version"], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
