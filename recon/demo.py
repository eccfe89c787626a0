"""``recon demo``: the main job on the embedded defaults.

Seed the demo firm into a sandbox data directory on first use, start the Intacct and BigTime
sandboxes on free loopback ports, pull every entity of both systems into typed DataFrames
through the real clients over HTTP, map both to one canonical shape, diff them, print the
summary and write the text, HTML and Excel reports. (Approvals and pushes come next.)
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pandas as pd

from recon.bigtime.pull import LIST_PREFIX
from recon.config import sandbox_profile
from recon.diff import Diff, time_aggregate
from recon.lexicon import Lexicon
from recon.pipeline import Pulled, pull_both, reconcile
from recon.report import RunInfo, build_report, render_text, write_reports
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.seed import MANIFEST_FILE, prepare

#: The demo firm keeps its books for calendar 2025 (see ``recon.sandbox.firm``).
DEMO_START = dt.date(2025, 1, 1)
DEMO_END = dt.date(2025, 12, 31)


@dataclass(frozen=True)
class DemoResult:
    """What the demo pulled (frames per Intacct object and per BigTime entity), what it
    found, and where the reports are."""

    intacct: Mapping[str, pd.DataFrame]
    bigtime: Mapping[str, pd.DataFrame]
    vocabulary: Mapping[str, str] = field(default_factory=dict)
    diff: Diff | None = None
    reports: Mapping[str, Path] = field(default_factory=dict)


def run_demo(data: Path, *, scale: int = 1, fresh: bool = False, out: TextIO) -> DemoResult:
    """Run the demo and print its summary to ``out``; return the pulled frames."""
    started = time.perf_counter()
    if prepare(data, scale=scale, fresh=fresh):
        print(f"Generated the demo firm (scale {scale}) in {data}", file=out)
    with IntacctSandbox(data, port=0) as intacct, BigtimeSandbox(data, port=0) as bigtime:
        print(f"Intacct sandbox listening at {intacct.url}", file=out)
        print(f"BigTime sandbox listening at {bigtime.url}", file=out)
        profile = sandbox_profile(intacct_url=intacct.url, bigtime_url=bigtime.url)
        pulled = pull_both(profile, DEMO_START, DEMO_END)
    print(summary_text(pulled), file=out)
    print(f"Pulled {pulled.records:,} records from both systems.\n", file=out)
    result = _reconcile(pulled, data, out)
    manifest = json.loads((data / MANIFEST_FILE).read_text(encoding="utf-8"))
    print(f"The demo firm has {len(manifest)} planted disagreements (listed in "
          f"{data / MANIFEST_FILE}); the diff reports "
          f"{len(result.diff.findings()) if result.diff else 0} findings.", file=out)  # fmt: skip
    for kind, path in result.reports.items():
        print(f"  {kind:<5} report: {path}", file=out)
    print(f"Done in {time.perf_counter() - started:.1f} s.", file=out)
    return result


def _reconcile(pulled: Pulled, data: Path, out: TextIO) -> DemoResult:
    """Map both pulls, diff them, print the summary and write the reports."""
    rec = reconcile(pulled)
    diff = rec.diff
    hours = time_aggregate(rec.intacct["time_entry"], rec.bigtime["time_entry"], by="week")
    when = dt.datetime.now(dt.UTC)
    report = build_report(
        diff,
        RunInfo(title="Demo firm: Intacct and BigTime", generated_at=when, profile="sandbox"),
        Lexicon.from_vocabulary(pulled.vocabulary),
        hours=hours,
    )
    print(render_text(report), file=out)
    folder = data / "reports" / when.strftime("%Y%m%dT%H%M%SZ")
    paths = write_reports(report, folder)
    return DemoResult(pulled.intacct, pulled.bigtime, pulled.vocabulary, diff, paths)


#: Design entity -> (Intacct object, BigTime frame) that hold it (DESIGN.md's table).
PAIRS: tuple[tuple[str, str, str], ...] = (
    ("customer", "CUSTOMER", "client"),
    ("project", "PROJECT", "project"),
    ("employee", "EMPLOYEE", "staff"),
    ("vendor", "VENDOR", LIST_PREFIX + "vendor"),
    ("department", "DEPARTMENT", LIST_PREFIX + "costcentera"),
    ("location", "LOCATION", LIST_PREFIX + "costcenterb"),
    ("class", "CLASS", LIST_PREFIX + "class"),
    ("project type", "PROJECTTYPE", LIST_PREFIX + "projecttype"),
    ("time type", "TIMETYPE", LIST_PREFIX + "laborcode"),
    ("expense type", "EEACCOUNTLABEL", LIST_PREFIX + "expensecode"),
    ("item", "ITEM", LIST_PREFIX + "item"),
    ("GL account", "GLACCOUNT", LIST_PREFIX + "glaccount"),
    ("checking account", "CHECKINGACCOUNT", LIST_PREFIX + "checkingaccount"),
    ("credit card", "CREDITCARD", LIST_PREFIX + "creditcard"),
    ("AR term", "ARTERM", LIST_PREFIX + "term"),
    ("time entry", "TIMESHEETENTRY", "time"),
    ("invoice", "ARINVOICE", "invoice"),
    ("invoice line", "ARINVOICEITEM", "invoice_line"),
)


def _count(frames: Mapping[str, pd.DataFrame], name: str) -> str:
    frame = frames.get(name)
    return "-" if frame is None else f"{len(frame):,}"


def _row(entity: str, obj: str, ia: str, frame: str, bt: str) -> str:
    return f"{entity:<17} {obj:<16} {ia:>8}   {frame:<21} {bt:>8}"


def summary_text(result: DemoResult | Pulled) -> str:
    """A fixed-width table: per entity, the records each system holds."""
    head = _row("entity", "Intacct object", "records", "BigTime", "records")
    lines = [head, "-" * len(head)]
    for entity, obj, frame in PAIRS:
        lines.append(_row(entity, obj, _count(result.intacct, obj), frame,
                          _count(result.bigtime, frame)))  # fmt: skip
    # BigTime has no payment records (spec §4.8): an invoice's PaidAmt reflects them.
    invoices = result.bigtime.get("invoice")
    paid = "-" if invoices is None else f"{sum(bool(v) for v in invoices['PaidAmt'].dropna()):,}"
    lines.append(_row("payment", "ARPYMTDETAIL", _count(result.intacct, "ARPYMTDETAIL"),
                      "paid invoices", paid))  # fmt: skip
    shown = {obj for _, obj, _ in PAIRS} | {"ARPYMTDETAIL"}
    shown_bt = {frame for _, _, frame in PAIRS}
    extra_ia = [f"{k} {len(v):,}" for k, v in result.intacct.items() if k not in shown]
    extra_bt = [f"{k} {len(v):,}" for k, v in result.bigtime.items() if k not in shown_bt]
    lines.append("")
    lines.append("Also pulled from Intacct: " + ", ".join(extra_ia))
    lines.append("Also pulled from BigTime: " + ", ".join(extra_bt))
    return "\n".join(lines)
