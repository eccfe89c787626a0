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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

import pandas as pd

from recon.bigtime.pull import LIST_PREFIX, pull_vocabulary
from recon.bigtime.pull import pull_all as pull_bigtime
from recon.config import BigTimeProfile, IntacctProfile, sandbox_profile
from recon.connect import bigtime_client, intacct_client
from recon.diff import Diff, diff_all, time_aggregate
from recon.intacct.pull import pull_all as pull_intacct
from recon.lexicon import Lexicon
from recon.mapping import to_canonical_bigtime, to_canonical_intacct
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
        # The two systems are independent: pull them side by side.
        with ThreadPoolExecutor(max_workers=2) as pool:
            ia = pool.submit(_pull_intacct, profile.intacct)
            bt = pool.submit(_pull_bigtime, profile.require_bigtime())
            intacct_frames, (bigtime_frames, vocabulary) = ia.result(), bt.result()
    pulled = DemoResult(intacct=intacct_frames, bigtime=bigtime_frames, vocabulary=vocabulary)
    print(summary_text(pulled), file=out)
    records = sum(len(f) for f in intacct_frames.values()) + sum(
        len(f) for f in bigtime_frames.values()
    )
    print(f"Pulled {records:,} records from both systems.\n", file=out)
    result = _reconcile(pulled, data, out)
    manifest = json.loads((data / MANIFEST_FILE).read_text(encoding="utf-8"))
    print(f"The demo firm has {len(manifest)} planted disagreements (listed in "
          f"{data / MANIFEST_FILE}); the diff reports "
          f"{len(result.diff.findings()) if result.diff else 0} findings.", file=out)  # fmt: skip
    for kind, path in result.reports.items():
        print(f"  {kind:<5} report: {path}", file=out)
    print(f"Done in {time.perf_counter() - started:.1f} s.", file=out)
    return result


def _reconcile(pulled: DemoResult, data: Path, out: TextIO) -> DemoResult:
    """Map both pulls, diff them, print the summary and write the reports."""
    intacct = to_canonical_intacct(pulled.intacct)
    bigtime = to_canonical_bigtime(pulled.bigtime)
    diff = diff_all(intacct, bigtime)
    hours = time_aggregate(intacct["time_entry"], bigtime["time_entry"], by="week")
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
    return replace(pulled, diff=diff, reports=paths)


def _pull_intacct(profile: IntacctProfile) -> dict[str, pd.DataFrame]:
    with intacct_client(profile) as client:
        return pull_intacct(client)


def _pull_bigtime(profile: BigTimeProfile) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    with bigtime_client(profile) as client:
        return pull_bigtime(client, DEMO_START, DEMO_END), pull_vocabulary(client)


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


def summary_text(result: DemoResult) -> str:
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
