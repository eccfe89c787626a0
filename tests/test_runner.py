"""``recon run``: papermill runs of the real notebooks against both sandboxes, the exit codes
a scheduler acts on, the run folder, the one-line result, parameters checked before anything
runs, and a push that stays with its profile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from recon.config import SANDBOX_BIGTIME_URL_ENV, SANDBOX_INTACCT_URL_ENV
from recon.errors import ConfigError
from recon.job import reconcile_run
from recon.runner import (
    EXIT_ABOVE_THRESHOLD,
    EXIT_CLEAN,
    EXIT_FAILED,
    EXIT_USAGE,
    SUMMARY_FILE,
    RunResult,
    check_parameters,
    find_notebook,
    result_line,
    run_notebook,
)
from recon.sandbox.firm import generate
from tests.demo_sandboxes import served_copy

PLANTED = len(generate().manifest)


@pytest.fixture
def env(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as s:
        yield s


def recon(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recon", *args], capture_output=True, text=True, timeout=300
    )


def only_folder(runs: Path) -> Path:
    (folder,) = [p for p in (runs / "sandbox").iterdir() if p.is_dir()]
    return folder


def test_exit_codes_above_threshold_then_clean(env) -> None:
    period = ["-p", "start", "2025-01-01", "-p", "end", "2025-12-31"]
    above = recon("run", "10_reconcile", *period, "-p", "max_differences", str(PLANTED - 1))
    assert above.returncode == EXIT_ABOVE_THRESHOLD, above.stderr
    folder = only_folder(env.data / "runs")
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert summary["status"] == "above_threshold" and summary["exit_code"] == 3
    assert summary["outcome"]["reconcile"]["findings"] == PLANTED
    undecided = summary["outcome"]["reconcile"]["open"]
    # Nothing decided yet: every change recon can push needs a decision (review-only ones
    # are done by hand, counted apart as the status tile counts them).
    assert undecided == summary["outcome"]["reconcile"]["pushable"] > 0
    sent = summary["outcome"]["reconcile"]["requests"]
    assert set(sent) == {"BigTime", "Intacct"}
    each = f"BigTime {sent['BigTime']:,}, Intacct {sent['Intacct']:,}"
    assert above.stdout == (
        f"10_reconcile above threshold: {PLANTED} differences (threshold {PLANTED - 1}), "
        f"{undecided} need a decision; {sum(sent.values()):,} requests ({each}); "
        f"folder {folder}\n"
    )
    assert summary["parameters"]["max_differences"] == PLANTED - 1  # converted to a number
    # The profile's first run pulls everything (issue 15).
    assert summary["outcome"]["reconcile"]["pull"] == {"mode": "full", "why": "first run"}
    assert (folder / "10_reconcile.ipynb").is_file()
    assert {p.name for p in (folder / "reports").iterdir()} >= {
        "summary.txt", "report.html", "report.xlsx",
    }  # fmt: skip
    executed = nbformat.read(folder / "10_reconcile.ipynb", as_version=4)
    texts = [o.get("text", "") for c in executed.cells for o in c.get("outputs", [])]
    assert any(f"Found {PLANTED} differences" in t for t in texts)

    # The 20 notebook pushes nothing nobody approved: clean, zero to push.
    push = recon("run", "20_review_and_push", "-p", "push", "true")
    assert push.returncode == EXIT_CLEAN, push.stderr
    (pushed,) = [p for p in (env.data / "runs" / "sandbox").iterdir() if p.name.endswith("push")]
    done = json.loads((pushed / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert done["status"] == "clean" and done["outcome"]["push"]["to_push"] == 0
    assert (
        push.stdout
        == f"20_review_and_push clean: 0 pushed, 0 failed, 0 in doubt; folder {pushed}\n"
    )

    # A scheduler can ask for a full pull; by default a second run pulls only changes.
    again = recon("run", "10_reconcile", *period, "-p", "full", "true")
    assert again.returncode in (EXIT_CLEAN, EXIT_ABOVE_THRESHOLD), again.stderr
    folders = [p for p in (env.data / "runs" / "sandbox").iterdir() if p.name not in
               {folder.name, pushed.name}]  # fmt: skip
    (newest,) = folders
    latest = json.loads((newest / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert latest["parameters"]["full"] is True
    assert latest["outcome"]["reconcile"]["pull"] == {"mode": "full", "why": "asked for"}


def test_a_failing_cell_exits_1_and_keeps_the_notebook(env) -> None:
    # A cell fails on something no parameter check can see: the store is not a database.
    (env.data / "recon.sqlite3").write_text("not a database", encoding="utf-8")
    proc = recon("run", "10_reconcile", "-p", "start", "2025-01-01", "-p", "end", "2025-01-31")
    assert proc.returncode == EXIT_FAILED
    assert "not a usable recon database" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    folder = only_folder(env.data / "runs")
    assert proc.stdout == f"10_reconcile failed; folder {folder}\n"
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert summary["status"] == "failed" and "ConfigError" in summary["error"]
    executed = nbformat.read(folder / "10_reconcile.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0]["ename"] == "ConfigError"


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory and no config file: nothing of the user's is read."""
    monkeypatch.setenv("RECON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RECON_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("RECON_RUNS_DIR", raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["10_reconcile", "-p", "profil", "acme"], "has no parameter 'profil'; its parameters"),
        (["10_reconcile", "-p", "output_dir", "/tmp"], "is set by recon run"),
        (["10_reconcile", "-p", "start", "2025-01-01", "-p", "start", "2025-02-01"], "given twice"),
        (["20_review_and_push", "-p", "password", "x"], "looks like a secret"),
        (["no_such_notebook"], "no notebook 'no_such_notebook'"),
        (["10_reconcile", "-p", "profile", "nosuch"], "unknown profile 'nosuch'; known profiles"),
        # Each value is checked, in the user's words: the parameter, the value, what is allowed.
        (
            ["10_reconcile", "-p", "start", "2025-13-01"],
            "parameter start must be a date like 2025-10-01, not '2025-13-01'",
        ),
        (
            ["10_reconcile", "-p", "end", "31/12/2025"],
            "parameter end must be a date like 2025-10-01, not '31/12/2025'",
        ),
        (
            ["10_reconcile", "-p", "start", "2025-12-31", "-p", "end", "2025-01-01"],
            "parameter end (2025-01-01) is before start (2025-12-31)",
        ),
        (
            ["10_reconcile", "-p", "start", "2026-10-01"],  # after the notebook's default end
            "parameter end (2025-12-31) is before start (2026-10-01); end is the notebook's "
            "default, give -p end too",
        ),
        (
            ["10_reconcile", "-p", "entities", "customer,customers"],
            "parameter entities must be all or a comma-separated list of known entities, not "
            "'customer,customers' (unknown: customers); known entities: customer, project, ",
        ),
        (
            ["10_reconcile", "-p", "money_tolerance", "a cent"],
            "parameter money_tolerance must be a number >= 0 like 0.05, not 'a cent'",
        ),
        (
            ["10_reconcile", "-p", "hours_tolerance", "-0.25"],
            "parameter hours_tolerance must be a number >= 0 like 0.05, not '-0.25'",
        ),
        (
            ["10_reconcile", "-p", "max_differences", "ten"],
            "parameter max_differences must be a whole number >= 0 (or -1: the profile's "
            "setting), not 'ten'",
        ),
        (
            ["10_reconcile", "-p", "max_differences", "-2"],
            "parameter max_differences must be a whole number >= 0",
        ),
        (
            ["10_reconcile", "-p", "full", "always"],
            "parameter full must be true or false, not 'always'",
        ),
        (
            ["20_review_and_push", "-p", "dry_run", "yes"],
            "parameter dry_run must be true or false, not 'yes'",
        ),
        (
            ["20_review_and_push", "-p", "dry_run", "1"],
            "parameter dry_run must be true or false, not '1'",
        ),
        (
            ["20_review_and_push", "-p", "dry_run", "on"],
            "parameter dry_run must be true or false, not 'on'",
        ),
        (
            ["20_review_and_push", "-p", "run", "nosuch"],
            "parameter run: no run 'nosuch'; there are no runs in ",
        ),
        (["20_review_and_push"], "there are no runs in "),
    ],
)
def test_bad_arguments_exit_2_in_one_line_and_run_nothing(
    args: list[str], words: str, nowhere: Path
) -> None:
    proc = recon("run", *args, "--runs-dir", str(nowhere / "runs"))
    assert proc.returncode == EXIT_USAGE, proc.stderr
    assert proc.stderr.startswith("recon run: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert words in proc.stderr, proc.stderr
    assert proc.stdout == ""
    assert not (nowhere / "runs").exists() and not (nowhere / "data").exists()


def test_good_values_are_converted_for_the_notebook() -> None:
    reconcile = find_notebook("10_reconcile")
    given = [("start", " 2025-10-01"), ("money_tolerance", "0.05 "), ("max_differences", "-1")]
    assert check_parameters(reconcile, given) == {
        "start": "2025-10-01", "money_tolerance": "0.05", "max_differences": -1,
    }  # fmt: skip
    assert check_parameters(reconcile, [("entities", "customer, vendor")]) == {
        "entities": "customer, vendor"
    }
    push = find_notebook("20_review_and_push")
    for word, value in (("TRUE", True), ("false", False), ("False", False)):
        assert check_parameters(push, [("dry_run", word)]) == {"dry_run": value}


def test_a_notebook_without_a_parameters_cell_is_refused(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    path = tmp_path / "bare.ipynb"
    nbformat.write(nb, path)
    assert find_notebook(path) == path.resolve()
    with pytest.raises(ConfigError, match="no cell tagged 'parameters'"):
        check_parameters(path, [])


def test_an_unreachable_system_fails_in_one_line_and_keeps_the_notebook(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        """
[profiles.away]
sandbox = true
""",
        encoding="utf-8",
    )
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback
    env = {
        **os.environ,
        "RECON_CONFIG": str(config),
        "RECON_DATA_DIR": str(tmp_path / "data"),
        SANDBOX_INTACCT_URL_ENV: closed + "/ia/xml/xmlgw.phtml",
        SANDBOX_BIGTIME_URL_ENV: closed + "/BigtimeData/api/v2",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "recon", "run", "10_reconcile", "-p", "profile", "away"],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert proc.returncode == EXIT_FAILED
    assert proc.stderr.count("\n") == 1 and "127.0.0.1:9" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    (folder,) = (tmp_path / "data" / "runs" / "away").iterdir()
    assert (folder / "10_reconcile.ipynb").is_file()


def test_output_that_trails_the_cells_reply_does_not_fail_a_healthy_run(tmp_path: Path) -> None:
    """Issue 12: a push with no faults exited 1 with nbclient's timeout and pushed nothing.
    papermill fails a cell whose output trails its reply by more than nbclient's 4 s, as
    it can on a busy machine. Here the kernel's flush after the reply (ipykernel flushes
    once before replying, once after) takes 6 s, so its "idle" trails the reply by 6 s."""
    lag = (
        "import sys, time\n"
        "class Lagging:\n"
        "    def __init__(self, inner): self.inner, self.flushes = inner, 0\n"
        "    def write(self, text): return self.inner.write(text)\n"
        "    def flush(self):\n"
        "        self.inner.flush()\n"
        "        self.flushes += 1\n"
        "        if self.flushes == 2:  # after the reply left\n"
        "            sys.stdout = self.inner\n"
        "            time.sleep(6)\n"
        "sys.stdout = Lagging(sys.stdout)\n"
        "print('work done')"
    )
    params = nbformat.v4.new_code_cell("profile = 'sandbox'", metadata={"tags": ["parameters"]})
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(lag)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "lagging.ipynb"
    nbformat.write(nb, path)
    result = run_notebook(path, runs_root=tmp_path / "runs")
    assert (result.status, result.summary["error"]) == ("clean", None)
    executed = nbformat.read(result.notebook, as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "work done\n"


def test_a_cell_timeout_is_told_in_one_line_naming_the_cell() -> None:
    from nbclient.exceptions import CellTimeoutError

    from recon.runner import _error_words

    cell = nbformat.v4.new_code_cell("done = job.push_run(\n    run_id,\n)")
    exc = CellTimeoutError.error_from_timeout_and_cell("Timeout waiting for IOPub output", 4, cell)
    words = _error_words(exc)
    assert "\n" not in words and "in the cell starting 'done = job.push_run('" in words
    assert "Timeout waiting for IOPub output" in words and "run it again" in words


TWO_FIRMS = """
[profiles.acme]
sandbox = true

[[profiles.acme.auto_approve]]
name = "customers to BigTime"
entities = ["customer"]
actions = ["create", "update"]
targets = ["bigtime"]

[profiles.idle]
sandbox = true
"""


@pytest.fixture
def two_firms(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch):
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, TWO_FIRMS) as s:
        yield s


def test_a_push_stays_with_its_profile(two_firms, tmp_path: Path) -> None:
    """Issue point 4: `-p profile acme` pushed the store's latest run, of profile sandbox."""
    year = {"start": "2025-01-01", "end": "2025-12-31", "entities": "customer"}
    acme = reconcile_run("acme", **year, output_dir=tmp_path / "acme")
    other = reconcile_run("sandbox", **year, output_dir=tmp_path / "sandbox")  # the latest
    runs = two_firms.data / "runs"

    refused = [
        (["-p", "run", other.run_id, "-p", "profile", "acme"],
         f"recon run: parameter run: run '{other.run_id}' was prepared under profile sandbox, "
         f"not acme; profile acme's latest run is {acme.run_id} (leave run empty for the "
         "latest)\n"),
        (["-p", "profile", "idle"],
         f"recon run: profile idle has no runs in {two_firms.data / 'recon.sqlite3'} yet; run "
         "10_reconcile with profile idle first\n"),
        (["-p", "run", "nosuch"],
         f"recon run: parameter run: no run 'nosuch'; the latest runs are {other.run_id}, "
         f"{acme.run_id} (leave run empty for the latest)\n"),
    ]  # fmt: skip
    for args, line in refused:
        proc = recon("run", "20_review_and_push", *args)
        assert (proc.returncode, proc.stderr, proc.stdout) == (EXIT_USAGE, line, ""), args
    assert not runs.exists()  # no kernel, no run folder

    proc = recon("run", "20_review_and_push", "-p", "profile", "acme", "-p", "push", "true")
    assert proc.returncode == EXIT_CLEAN, proc.stderr
    (folder,) = (runs / "acme").iterdir()
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert summary["parameters"] == {"profile": "acme", "run": acme.run_id, "push": True}
    push = summary["outcome"]["push"]
    assert summary["outcome"]["run_id"] == acme.run_id and push["run_id"] == acme.run_id
    pushed = push["outcomes"]["applied"]
    assert pushed == push["auto_approved"] > 0  # the acme rule's customers, nothing else
    assert proc.stdout == (
        f"20_review_and_push clean: {pushed} pushed, 0 failed, 0 in doubt; folder {folder}\n"
    )


def _result(notebook: str, status: str, outcome: dict[str, object], folder: Path) -> RunResult:
    summary = {"status": status, "outcome": outcome}
    return RunResult(0, status, folder, folder / f"{notebook}.ipynb", summary)


def test_the_result_line_names_the_counts(tmp_path: Path) -> None:
    outcomes = {"applied": 26, "failed": 1, "stale": 1, "unknown": 2, "held": 3, "skipped": 0}
    push = {"run_id": "r", "dry_run": False, "to_push": 33, "outcomes": outcomes, "failed": 4}
    assert result_line(_result("20_review_and_push", "failed", {"push": push}, tmp_path)) == (
        f"20_review_and_push failed: 26 pushed, 2 failed, 2 in doubt, 3 held back; "
        f"folder {tmp_path}"
    )
    dry = {"dry_run": True, "to_push": 5, "outcomes": {}, "failed": 0}
    assert result_line(_result("20_review_and_push", "clean", {"push": dry}, tmp_path)) == (
        f"20_review_and_push clean: dry run, 5 approved to push, nothing sent; folder {tmp_path}"
    )
    rec = {"findings": 49, "changes": 30, "open": 23, "max_differences": 60}
    assert result_line(_result("10_reconcile", "clean", {"reconcile": rec}, tmp_path)) == (
        f"10_reconcile clean: 49 differences (threshold 60), 23 need a decision; folder {tmp_path}"
    )
    counted = {**rec, "requests": {"BigTime": 1345, "Intacct": 36}}
    assert result_line(_result("10_reconcile", "clean", {"reconcile": counted}, tmp_path)) == (
        "10_reconcile clean: 49 differences (threshold 60), 23 need a decision; "
        f"1,381 requests (BigTime 1,345, Intacct 36); folder {tmp_path}"
    )
    one = {"findings": 1, "changes": 1, "max_differences": None, "above_threshold": False}
    assert result_line(_result("10_reconcile", "clean", {"reconcile": one}, tmp_path)) == (
        f"10_reconcile clean: 1 difference (no threshold), 1 needs a decision; folder {tmp_path}"
    )
    assert result_line(_result("mine", "failed", {}, tmp_path)) == (
        f"mine failed; folder {tmp_path}"
    )
    stopped = {
        "stopped": {"reason": "request_ceiling", "max_requests": 1500, "said": "..."},
        "requests": {"BigTime": 1464, "Intacct": 36},
    }
    assert result_line(_result("10_reconcile", "stopped", {"reconcile": stopped}, tmp_path)) == (
        "10_reconcile stopped: request ceiling 1,500 reached, 1,500 requests (BigTime 1,464, "
        f"Intacct 36); nothing compared or pushed; folder {tmp_path}"
    )
