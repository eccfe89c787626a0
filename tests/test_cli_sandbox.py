"""``recon sandbox`` serves in the foreground, prints its URL, and answers real requests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from recon.config import sandbox_profile
from recon.connect import intacct_client

URL = re.compile(r"Intacct sandbox: (http://127\.0\.0\.1:\d+/ia/xml/xmlgw\.phtml)")


def test_recon_sandbox_serves_and_prints_its_url(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "recon", "sandbox", "--intacct-port", "0", "--data", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = None
        assert proc.stdout is not None
        for line in proc.stdout:
            match = re.search(
                r"Intacct sandbox: (http://127\.0\.0\.1:\d+/ia/xml/xmlgw\.phtml)", line
            )
            if match:
                url = match.group(1)
                break
        assert url, proc.stderr.read() if proc.stderr else "no URL printed"
        with intacct_client(sandbox_profile(url).intacct) as client:
            assert client.count("CUSTOMER") > 0
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_recon_sandbox_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "recon", "sandbox", "--intacct-port", str(port),
             "--data", str(tmp_path)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert proc.returncode == 1
    assert "cannot listen on port" in proc.stderr and "Traceback" not in proc.stderr
