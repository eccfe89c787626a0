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


def test_demo_pulls_every_object_both_systems_hold(tmp_path: Path) -> None:
    out = io.StringIO()
    result = run_demo(tmp_path / "demo", out=out)
    firm = generate(seed=7, scale=1)
    wire = firm.intacct_frames()
    frames = result.intacct
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

    seed = firm.bigtime_seed()
    bt = result.bigtime
    for entity in ("client", "project", "staff", "time", "invoice", "task"):
        assert len(bt[entity]) == len(seed[entity]), entity
    assert len(bt["project_team"]) == len(seed["project_team"])
    assert len(bt["invoice_line"]) == sum(len(i["Lines"]) for i in seed["invoice"])
    for name, items in seed["lists"].items():
        assert len(bt[f"list:{name}"]) == len(items), name
    hours = sum((Decimal(r["Hours_IN"]) for r in seed["time"]), Decimal(0))
    assert sum(bt["time"]["Hours_IN"], Decimal(0)) == hours
    assert f"{len(seed['time']):,}" in text and "BigTime sandbox listening" in text

    # The reconciliation: every planted disagreement found, nothing else, and the reports.
    assert result.diff is not None
    found = {(f.entity, f.kind, f.key, f.field) for f in result.diff.findings().itertuples()}
    planted = {(m.entity, m.kind, m.key, m.field) for m in firm.manifest}
    assert found == planted
    assert set(result.reports) == {"text", "html", "excel"}
    assert all(p.is_file() and p.stat().st_size > 0 for p in result.reports.values())
    assert "Engagement" in result.reports["text"].read_text(encoding="utf-8")  # firm's lexicon


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
