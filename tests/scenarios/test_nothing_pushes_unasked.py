"""Nothing pushes unless a person presses Push or a scheduler asks (issue 13, point 11).

Tried in a browser: Run All in ``20_review_and_push`` sent everything approved earlier, and
a Voilà page load pushed a client's deactivation. Here, with approved changes waiting: the
review notebook run top to bottom as a person's Run All does (nbclient, no parameters) sends
nothing; ``recon run 20_review_and_push`` without ``-p push true`` sends nothing and says
so; with it, the approved changes are pushed. Writes are counted by the sandboxes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from recon.job import reconcile_run
from recon.runner import find_notebook
from recon.store import Store
from tests.demo_sandboxes import Served, served_copy
from tests.scenarios import YEAR

PUSH = ("run", "20_review_and_push", "-p", "profile", "sandbox")


def writes(served: Served) -> int:
    counts = (
        served.intacct.counters.snapshot(all=True),
        served.bigtime.counters.snapshot(all=True),
    )
    return sum(c.get("http:write", 0) for c in counts)


def recon(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recon", *args], capture_output=True, text=True, timeout=300
    )


def test_opening_and_running_the_review_pushes_nothing_until_asked(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch) as served:
        store = Store(served.data / "recon.sqlite3")
        run = reconcile_run("sandbox", **YEAR, store=store, prepared_by="pat")
        chosen = [c for c in run.plan.changes if c.pushable and c.action == "update"][:2]
        for change in chosen:
            store.decide(run.run_id, change.change_id, "approve", by="jane")
        before = writes(served)

        # A person opens the notebook and runs every cell (Run All, a Voila page load).
        nb = nbformat.read(find_notebook("20_review_and_push"), as_version=4)
        NotebookClient(
            nb, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
        said = [o.get("text", "") for c in nb.cells for o in c.get("outputs", [])]
        assert any("Nothing was pushed: 2 approved changes are waiting" in t for t in said)
        assert writes(served) == before
        assert {i.state for i in store.outbox(run.run_id)} == {"pending"}

        # A scheduler that does not ask: nothing sent, and the line says how to ask.
        quiet = recon(*PUSH)
        assert quiet.returncode == 0, quiet.stderr
        assert "not asked to push (-p push true), 2 approved waiting" in quiet.stdout
        assert writes(served) == before
        assert {i.state for i in store.outbox(run.run_id)} == {"pending"}

        asked = recon(*PUSH, "-p", "push", "true")
        assert asked.returncode == 0, asked.stderr
        assert "2 pushed, 0 failed, 0 in doubt" in asked.stdout
        assert writes(served) > before
        assert {i.state for i in store.outbox(run.run_id)} == {"applied"}

        bad = recon(*PUSH, "-p", "push", "yes")
        assert bad.returncode == 2 and "parameter push must be true or false" in bad.stderr
