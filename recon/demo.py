"""``recon demo``: the main job on the embedded defaults.

For now (the Intacct half): seed the demo firm into a sandbox data directory on first use,
start the Intacct sandbox on a free loopback port, pull every Intacct entity into typed
DataFrames through the real client over HTTP, and print a summary.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import pandas as pd

from recon.config import sandbox_profile
from recon.connect import intacct_client
from recon.intacct.pull import pull_all
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.seed import MANIFEST_FILE, prepare


def run_demo(
    data: Path, *, scale: int = 1, fresh: bool = False, out: TextIO
) -> Mapping[str, pd.DataFrame]:
    """Run the demo and print its summary to ``out``; return the pulled frames."""
    started = time.perf_counter()
    if prepare(data, scale=scale, fresh=fresh):
        print(f"Generated the demo firm (scale {scale}) in {data}", file=out)
    with IntacctSandbox(data, port=0) as sandbox:
        print(f"Intacct sandbox listening at {sandbox.url}", file=out)
        with intacct_client(sandbox_profile(intacct_url=sandbox.url).intacct) as client:
            frames = pull_all(client)
    elapsed = time.perf_counter() - started
    print(summary_text(frames), file=out)
    manifest = json.loads((data / MANIFEST_FILE).read_text(encoding="utf-8"))
    print(
        f"\nThe demo firm has {len(manifest)} planted disagreements with BigTime "
        f"(listed in {data / MANIFEST_FILE}); reconciling them arrives with the BigTime side.",
        file=out,
    )
    print(f"Pulled {sum(len(f) for f in frames.values()):,} records in {elapsed:.1f} s.", file=out)
    return frames


def _money_total(frame: pd.DataFrame, column: str) -> str:
    if column not in frame.columns:
        return ""
    total = sum((v for v in frame[column] if isinstance(v, Decimal)), Decimal(0))
    return f"{column} {total:,.2f}"


_TOTALS = {
    "TIMESHEETENTRY": "QTY",
    "ARINVOICE": "TOTALENTERED",
    "ARPYMT": "TOTALENTERED",
    "PROJECT": "POAMOUNT",
}


def summary_text(frames: Mapping[str, pd.DataFrame]) -> str:
    """A fixed-width table: object, records, columns, and a control total where it helps."""
    lines = [f"{'Intacct object':<16} {'records':>9} {'columns':>8}  control total", "-" * 60]
    for name, frame in frames.items():
        total = _money_total(frame, _TOTALS.get(name, ""))
        lines.append(f"{name:<16} {len(frame):>9,} {len(frame.columns):>8}  {total}".rstrip())
    return "\n".join(lines)
