"""``recon sandbox`` in a child process for the benchmarks (the sandboxes run on other
machines in real life: their work must not compete with the client for one interpreter)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

URLS = {
    "intacct": re.compile(r"Intacct sandbox: (http://127\.0\.0\.1:\d+\S*)"),
    "bigtime": re.compile(r"BigTime sandbox: (http://127\.0\.0\.1:\d+/BigtimeData/api/v2)"),
}


@contextmanager
def sandbox_process(data_dir: str, scale: int = 1) -> Iterator[tuple[str, str]]:
    """``recon sandbox`` in a child process on free ports over ``data_dir`` (seeded at
    ``scale``); yields the (Intacct, BigTime) URLs."""
    # Our own interpreter and module, fixed arguments: nothing untrusted reaches the command.
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "recon", "sandbox", "--intacct-port", "0", "--bigtime-port", "0",
         "--data", data_dir, "--scale", str(scale)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        found: dict[str, str] = {}
        for line in proc.stdout:
            for name, pattern in URLS.items():
                if match := pattern.search(line):
                    found[name] = match.group(1)
            if len(found) == len(URLS):
                break
        else:
            raise SystemExit(f"sandbox did not start: {proc.stderr.read() if proc.stderr else ''}")
        yield found["intacct"], found["bigtime"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
