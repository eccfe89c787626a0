"""``recon demo``: the main job on the embedded defaults, as a scheduler would run it.

Seed the demo firm into a data directory on first use (``--fresh`` starts over), start the
Intacct and BigTime sandboxes in this process on free loopback ports, then run the two
notebooks through papermill exactly as ``recon run`` does: ``10_reconcile`` (pull, diff,
plan, reports) and ``20_review_and_push`` with the demo profile's auto-approve rules, which
cover the demo's safe changes. Print what was found, what was pushed and where the executed
notebooks and reports are. Run it again and it finds only what the first run left
unapproved.

The notebooks find everything through the environment the demo sets for their kernels:
``RECON_DATA_DIR`` / ``RECON_CONFIG`` (the demo's own folder and its ``config.toml``, which
holds the ``demo`` profile and its rules) and ``RECON_SANDBOX_*_URL`` (the sandboxes' ports).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from recon.config import SANDBOX_BIGTIME_URL_ENV, SANDBOX_INTACCT_URL_ENV
from recon.errors import ReconError
from recon.job import entity_count_lines
from recon.runner import RunResult, find_notebook, run_notebook
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.seed import MANIFEST_FILE, prepare

#: The demo firm keeps its books for calendar 2025 (see ``recon.sandbox.firm``).
DEMO_START = dt.date(2025, 1, 1)
DEMO_END = dt.date(2025, 12, 31)
DEMO_PROFILE = "demo"

#: The demo's profile: the embedded sandboxes plus the rules written down for its safe
#: changes. Deactivations, reference lists, invoices and payments are left to a person.
DEMO_CONFIG = f"""\
# Written by `recon demo`: the demo profile and the auto-approve rules it runs with.
# Copy a rule into your own profile (recon doctor prints where the config file is) to let
# scheduled runs push that kind of change without a person approving each one.

[profiles.{DEMO_PROFILE}]
sandbox = true          # recon's own sandboxes, with their demo credentials

[[profiles.{DEMO_PROFILE}.auto_approve]]
name = "master data to BigTime"
entities = ["customer", "project", "employee"]
actions = ["create", "update"]
targets = ["bigtime"]

[[profiles.{DEMO_PROFILE}.auto_approve]]
name = "time to Intacct, up to 2,000 each"
entities = ["time_entry"]
actions = ["create", "update"]
targets = ["intacct"]
max_amount = "2000.00"
"""


@dataclass(frozen=True)
class DemoResult:
    """The two notebook runs of one demo, and what they found and pushed."""

    data: Path
    reconcile: RunResult
    push: RunResult | None
    planted: int

    @property
    def findings(self) -> int:
        return int(self.reconcile.summary["outcome"]["reconcile"]["findings"])

    @property
    def pushed(self) -> Mapping[str, int]:
        if self.push is None:
            return {}
        return dict(self.push.summary["outcome"]["push"]["outcomes"])

    @property
    def ok(self) -> bool:
        return self.reconcile.exit_code == 0 and self.push is not None and self.push.exit_code == 0


def demo_environment(data: Path, intacct_url: str, bigtime_url: str) -> dict[str, str]:
    """What a notebook's kernel needs to work on the demo firm in ``data``: its sandboxes'
    URLs, and ``data`` as the data directory, config file folder and runs folder."""
    return {
        "RECON_DATA_DIR": str(data),
        "RECON_CONFIG": str(data / "config.toml"),
        "RECON_RUNS_DIR": str(data / "runs"),
        SANDBOX_INTACCT_URL_ENV: intacct_url,
        SANDBOX_BIGTIME_URL_ENV: bigtime_url,
    }


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the notebooks' kernels; restore them afterwards."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_demo(data: Path, *, scale: int = 1, fresh: bool = False, out: TextIO) -> DemoResult:
    """Run the demo; print what it found and pushed, and where everything is."""
    started = time.perf_counter()
    if prepare(data, scale=scale, fresh=fresh):
        print(f"Generated the demo firm (scale {scale}) in {data}", file=out)
    config = data / "config.toml"
    config.write_text(DEMO_CONFIG, encoding="utf-8")
    planted = len(json.loads((data / MANIFEST_FILE).read_text(encoding="utf-8")))
    with IntacctSandbox(data, port=0) as intacct, BigtimeSandbox(data, port=0) as bigtime:
        print(f"Intacct sandbox listening at {intacct.url}", file=out)
        print(f"BigTime sandbox listening at {bigtime.url}", file=out)
        with _environment(demo_environment(data, intacct.url, bigtime.url)):
            result = _notebooks(data, planted, out)
    _print_result(result, out)
    print(f"Done in {time.perf_counter() - started:.1f} s.", file=out)
    if not result.ok:
        failed = (
            result.push if result.reconcile.exit_code == 0 and result.push else result.reconcile
        )
        raise ReconError(
            f"{failed.notebook.name} did not finish cleanly ({failed.summary.get('error')}); "
            f"open {failed.notebook} to see which cell and why"
        )
    return result


def _notebooks(data: Path, planted: int, out: TextIO) -> DemoResult:
    period = [("start", str(DEMO_START)), ("end", str(DEMO_END))]
    print("Running 10_reconcile ...", file=out, flush=True)
    rec = run_notebook("10_reconcile", [("profile", DEMO_PROFILE), *period])
    if rec.exit_code != 0:
        return DemoResult(data, rec, None, planted)
    run_id = str(rec.summary["outcome"]["run_id"])
    print("Running 20_review_and_push ...", file=out, flush=True)
    done = run_notebook(
        "20_review_and_push", [("run", run_id), ("profile", DEMO_PROFILE), ("push", "true")]
    )
    return DemoResult(data, rec, done, planted)


def review_hint(data: Path) -> str:
    """How to review the rest in JupyterLab: commands that work pasted into a shell as
    printed (the tools by their full path -- a venv's bin is rarely on PATH -- and every
    path quoted)."""
    bin_dir = Path(sys.executable).parent
    recon_cmd, jupyter = shlex.quote(str(bin_dir / "recon")), shlex.quote(str(bin_dir / "jupyter"))
    notebook = shlex.quote(str(find_notebook("20_review_and_push")))
    # `recon sandbox` serves on the default ports, where the demo profile looks by default.
    env = (
        f"RECON_DATA_DIR={shlex.quote(str(data))} "
        f"RECON_CONFIG={shlex.quote(str(data / 'config.toml'))}"
    )
    return (
        "The rest wait for a person. To review them in JupyterLab, serve the demo firm in one "
        f"terminal:\n  {recon_cmd} sandbox --data {shlex.quote(str(data))}\n"
        f"and in another:\n  {env} {jupyter} lab {notebook}"
    )


def _print_result(result: DemoResult, out: TextIO) -> None:
    rec = result.reconcile.summary.get("outcome", {}).get("reconcile")
    if rec:
        print(
            f"\nFound {rec['findings']} differences (the demo firm has {result.planted} planted "
            f"disagreements; a second run finds what the first left unapproved).",
            file=out,
        )
        for line in entity_count_lines(rec):
            print(line, file=out)
        print(f"The plan proposes {rec['changes']} changes; recon can push {rec['pushable']}.",
              file=out)  # fmt: skip
    push = result.push.summary.get("outcome", {}).get("push") if result.push else None
    if push:
        if push["auto_approved"]:
            print(f"\nAuto-approved {push['auto_approved']} changes by the demo profile's "
                  "rules:", file=out)  # fmt: skip
            for rule in push["rules"]:
                print(f"  {rule}", file=out)
        else:
            print("\nNo new change matched the demo profile's auto-approve rules.", file=out)
        done = ", ".join(f"{n} {state}" for state, n in push["outcomes"].items() if n) or "nothing"
        print(f"Pushed {push['to_push']} approved changes: {done}.", file=out)
        print(review_hint(result.data), file=out)
    print("\nExecuted notebooks and reports:", file=out)
    for run in (result.reconcile, result.push):
        if run is not None:
            print(f"  {run.notebook}  ({run.status})", file=out)
    reports = result.reconcile.folder / "reports"
    if reports.is_dir():
        for path in sorted(reports.iterdir()):
            print(f"  {path}", file=out)
