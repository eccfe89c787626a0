"""``recon demo`` end to end: seed, serve, pull every object over HTTP, summarise."""

from __future__ import annotations

import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd

from recon.demo import run_demo
from recon.sandbox.firm import generate


def test_demo_pulls_every_intacct_object_the_firm_holds(tmp_path: Path) -> None:
    out = io.StringIO()
    frames = run_demo(tmp_path / "demo", out=out)
    wire = generate(seed=7, scale=1).intacct_frames()
    items = wire["ITEM"]
    expected = {name: len(frame) for name, frame in wire.items()}
    expected["ITEM"] = int(items["ITEMTYPE"].str.startswith("Non-Inventory").sum())
    assert {name: len(frame) for name, frame in frames.items()} == expected

    entries = frames["TIMESHEETENTRY"]
    assert all(isinstance(v, Decimal) for v in entries["QTY"])
    assert pd.api.types.is_datetime64_any_dtype(entries["ENTRYDATE"])
    total = sum(Decimal(v) for v in wire["TIMESHEETENTRY"]["QTY"])
    assert sum(entries["QTY"], Decimal(0)) == total
    text = out.getvalue()
    assert "TIMESHEETENTRY" in text and "planted disagreements" in text


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
