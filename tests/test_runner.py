"""``recon run``: papermill runs of the real notebooks against both sandboxes, the exit codes
a scheduler acts on, the run folder, and parameters checked before anything runs."""

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
from recon.runner import (
    EXIT_ABOVE_THRESHOLD,
    EXIT_CLEAN,
    EXIT_FAILED,
    EXIT_USAGE,
    SUMMARY_FILE,
    check_parameters,
    find_notebook,
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
    assert summary["parameters"]["max_differences"] == PLANTED - 1  # converted to a number
    assert (folder / "10_reconcile.ipynb").is_file()
    assert {p.name for p in (folder / "reports").iterdir()} == {
        "summary.txt", "report.html", "report.xlsx",
    }  # fmt: skip
    executed = nbformat.read(folder / "10_reconcile.ipynb", as_version=4)
    texts = [o.get("text", "") for c in executed.cells for o in c.get("outputs", [])]
    assert any(f"Found {PLANTED} differences" in t for t in texts)

    # The 20 notebook pushes nothing nobody approved: clean, zero to push.
    push = recon("run", "20_review_and_push")
    assert push.returncode == EXIT_CLEAN, push.stderr
    (pushed,) = [p for p in (env.data / "runs" / "sandbox").iterdir() if p.name.endswith("push")]
    done = json.loads((pushed / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert done["status"] == "clean" and done["outcome"]["push"]["to_push"] == 0


def test_a_failing_cell_exits_1_and_keeps_the_notebook(env) -> None:
    proc = recon("run", "10_reconcile", "-p", "start", "2025-01-01", "-p", "end", "2024-01-01")
    assert proc.returncode == EXIT_FAILED
    assert "is before start" in proc.stderr and "Traceback" not in proc.stderr
    folder = only_folder(env.data / "runs")
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert summary["status"] == "failed" and "ConfigError" in summary["error"]
    executed = nbformat.read(folder / "10_reconcile.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0]["ename"] == "ConfigError"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["10_reconcile", "-p", "profil", "acme"], "has no parameter 'profil'; its parameters"),
        (["10_reconcile", "-p", "output_dir", "/tmp"], "is set by recon run"),
        (["10_reconcile", "-p", "max_differences", "ten"], "must be a whole number"),
        (["10_reconcile", "-p", "start", "a", "-p", "start", "b"], "given twice"),
        (["20_review_and_push", "-p", "dry_run", "perhaps"], "must be true or false"),
        (["20_review_and_push", "-p", "password", "x"], "looks like a secret"),
        (["no_such_notebook"], "no notebook 'no_such_notebook'"),
        (["10_reconcile", "-p", "profile", "nosuch"], "unknown profile 'nosuch'; known profiles"),
    ],
)
def test_bad_arguments_exit_2_in_one_line_and_run_nothing(
    args: list[str], words: str, tmp_path: Path
) -> None:
    proc = recon("run", *args, "--runs-dir", str(tmp_path / "runs"))
    assert proc.returncode == EXIT_USAGE
    assert words in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "runs").exists()


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


def test_a_cell_timeout_is_told_in_one_line_without_the_cells_source() -> None:
    from nbclient.exceptions import CellTimeoutError

    from recon.runner import _error_words

    cell = nbformat.v4.new_code_cell("secret_looking_source = 1")
    exc = CellTimeoutError.error_from_timeout_and_cell("Timeout waiting for IOPub output", 4, cell)
    words = _error_words(exc)
    assert "\n" not in words and "secret_looking_source" not in words
    assert "Timeout waiting for IOPub output" in words and "run it again" in words
