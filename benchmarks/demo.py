"""Demo benchmark: wall time of ``recon demo`` and of the reconcile notebook at scale.

Prints figures only (no target, exit 0):

(a) ``recon demo`` at ``scale=1`` from nothing (``--fresh``: the demo firm is generated),
    then again on the same data (the second run of a user's day), as the README's command
    runs it: a child process, both sandboxes in it, both notebooks through papermill.
(b) ``recon run 10_reconcile`` at ``--scale`` (default 40: about a million time entries on
    each side), the sandboxes in a process of their own (``recon sandbox``), the notebook's
    kernel pulling from them over HTTP. Seeding is done first and not timed.

For each reconcile the share of its wall time spent pulling, diffing (map + diff + plan),
storing the run and rendering the reports comes from the job's own clock
(``outcome.json``'s ``seconds``); the rest is papermill (kernel start, imports, cells).

Usage::

    .venv/bin/python benchmarks/demo.py [--scale 40] [--part a|b|all] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox_process import sandbox_process

from recon.config import SANDBOX_BIGTIME_URL_ENV, SANDBOX_INTACCT_URL_ENV
from recon.sandbox.seed import prepare


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    # Our own interpreter and module with fixed arguments: nothing untrusted reaches it.
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, proc


def shares(folder: Path, wall: float) -> str:
    outcome = json.loads((folder / "outcome.json").read_text(encoding="utf-8"))
    seconds = outcome["seconds"]
    order = [k for k in ("pull", "diff", "store", "render") if k in seconds]
    parts = [f"{k} {seconds[k]:6.1f} s ({seconds[k] / wall:4.0%})" for k in order]
    rest = wall - sum(seconds.values())
    parts.append(f"papermill+kernel {rest:5.1f} s ({rest / wall:4.0%})")
    return "; ".join(parts)


def latest(runs: Path, stem: str) -> Path:
    folders = sorted(p for p in runs.rglob(f"*-{stem}") if p.is_dir())
    return folders[-1]


def part_a(tmp: Path) -> None:
    data = tmp / "demo"
    env = {**os.environ}
    print("(a) recon demo, scale 1")
    for label, extra in (("first run (--fresh)", ["--fresh"]), ("second run", [])):
        wall, proc = run([sys.executable, "-m", "recon", "demo", "--data", str(data), *extra], env)
        line = next(x for x in proc.stdout.splitlines() if x.startswith("Found "))
        print(f"  {label:<20} {wall:6.1f} s   {line[:60]}")
        folder = latest(data / "runs", "10_reconcile")
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        print(f"    10_reconcile {summary['seconds']:5.1f} s: {shares(folder, summary['seconds'])}")


def part_b(tmp: Path, scale: int, data: Path | None = None) -> None:
    data = data or tmp / f"scale{scale}"
    start = time.perf_counter()
    prepare(data, scale=scale)
    print(f"\n(b) 10_reconcile at scale {scale} (seeded in {time.perf_counter() - start:.0f} s)")
    with sandbox_process(str(data), scale) as (ia_url, bt_url):
        env = {
            **os.environ,
            SANDBOX_INTACCT_URL_ENV: ia_url,
            SANDBOX_BIGTIME_URL_ENV: bt_url,
            "RECON_DATA_DIR": str(tmp / "state"),
            "RECON_RUNS_DIR": str(tmp / "runs"),
        }
        cmd = [sys.executable, "-m", "recon", "run", "10_reconcile", "-p", "start", "2025-01-01",
               "-p", "end", "2025-12-31"]  # fmt: skip
        wall, _ = run(cmd, env)
    folder = latest(tmp / "runs", "10_reconcile")
    outcome = json.loads((folder / "outcome.json").read_text(encoding="utf-8"))
    found = outcome["reconcile"]["findings"]
    print(f"  wall {wall:6.1f} s (recon run, end to end); findings {found:,}")
    print(f"  {shares(folder, wall)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=40)
    parser.add_argument("--part", choices=("a", "b", "all"), default="all")
    parser.add_argument(
        "--data", type=Path, default=None, help="keep the scaled firm here (seeded once)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.part in ("a", "all"):
            part_a(Path(tmp))
        if args.part in ("b", "all"):
            part_b(Path(tmp), args.scale, args.data)


if __name__ == "__main__":
    main()
