"""``recon sandbox`` serves both sandboxes in the foreground, prints their URLs, and answers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

from recon.config import sandbox_profile
from recon.connect import bigtime_client, intacct_client

INTACCT_URL = re.compile(r"Intacct sandbox: (http://127\.0\.0\.1:\d+/ia/xml/xmlgw\.phtml)")
BIGTIME_URL = re.compile(r"BigTime sandbox: (http://127\.0\.0\.1:\d+/BigtimeData/api/v2)")


def test_recon_sandbox_serves_both_and_prints_their_urls(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "recon", "sandbox", "--intacct-port", "0", "--bigtime-port", "0",
         "--data", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        urls: dict[str, str] = {}
        assert proc.stdout is not None
        for line in proc.stdout:
            for name, pattern in (("intacct", INTACCT_URL), ("bigtime", BIGTIME_URL)):
                if match := pattern.search(line):
                    urls[name] = match.group(1)
            if len(urls) == 2:
                break
        assert len(urls) == 2, proc.stderr.read() if proc.stderr else "no URLs printed"
        profile = sandbox_profile(urls["intacct"], urls["bigtime"])
        with intacct_client(profile.intacct) as client:
            assert client.count("CUSTOMER") > 0
        with bigtime_client(profile.require_bigtime()) as bt:
            assert len(bt.clients()) > 0
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0


def _busy_port_run(tmp_path: Path, option: str) -> subprocess.CompletedProcess[str]:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        other = "--bigtime-port" if option == "--intacct-port" else "--intacct-port"
        return subprocess.run(
            [sys.executable, "-m", "recon", "sandbox", option, str(port), other, "0",
             "--data", str(tmp_path)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip


def test_recon_sandbox_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    for option in ("--intacct-port", "--bigtime-port"):
        proc = _busy_port_run(tmp_path, option)
        assert proc.returncode == 1
        assert "cannot listen on port" in proc.stderr and option in proc.stderr
        assert "Traceback" not in proc.stderr
