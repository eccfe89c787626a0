"""No secret ever lands in what recon writes or prints.

Both sandboxes are given distinctive credentials (``recon.sandbox.credentials``); every
notebook then runs with them end to end through a user profile whose secrets are named
environment variables, with BigTime both by API key and by user login (the demo, through the
embedded profile, is checked the same way in ``tests/test_demo.py``) -- and every byte recon
produced is searched for
the secrets and for every session id the sandboxes issued: executed notebooks (cells and
metadata), reports, summaries, ledger exports, recon's databases, the config file, and
everything the commands printed (with debug logging on).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from recon.sandbox import bigtime as bt_creds
from recon.sandbox import intacct as ia_creds
from recon.sandbox.credentials import OVERRIDES
from recon.store import Store
from tests.demo_sandboxes import seed_copy, seeded, served

SECRETS = {
    "RECON_SANDBOX_SENDER_PASSWORD": "Sndr-Q7xw2v9kLp",
    "RECON_SANDBOX_USER_PASSWORD": "Usr-M4pz8r1tWq",
    "RECON_SANDBOX_API_TOKEN": "Tok-J6hb3n5cRy",
    "RECON_SANDBOX_BIGTIME_PASSWORD": "Btpw-K2fd9s7eZn",
}
#: The user profile names environment variables that hold the same secrets.
PROFILE_ENV = {
    "ACME_SENDER_PW": SECRETS["RECON_SANDBOX_SENDER_PASSWORD"],
    "ACME_USER_PW": SECRETS["RECON_SANDBOX_USER_PASSWORD"],
    "ACME_BT_TOKEN": SECRETS["RECON_SANDBOX_API_TOKEN"],
    "ACME_BT_PW": SECRETS["RECON_SANDBOX_BIGTIME_PASSWORD"],
}
#: Files of the sandboxes' own stores: the remote systems' data, not recon's output.
SANDBOX_FILES = ("intacct.sqlite3", "bigtime.sqlite3")


def _config(intacct_url: str, bigtime_url: str) -> str:
    intacct = f"""
endpoint = "{intacct_url}"
sender_id = "{ia_creds.SENDER_ID}"
company_id = "{ia_creds.COMPANY_ID}"
user_id = "{ia_creds.USER_ID}"
sender_password_env = "ACME_SENDER_PW"
user_password_env = "ACME_USER_PW"
"""
    return f"""
[profiles.acme.intacct]{intacct}
[profiles.acme.bigtime]
base_url = "{bigtime_url}"
firm = "{bt_creds.FIRM}"
api_token_env = "ACME_BT_TOKEN"

[profiles.acmeuser.intacct]{intacct}
[profiles.acmeuser.bigtime]
base_url = "{bigtime_url}"
firm = "{bt_creds.FIRM}"
user_id = "{bt_creds.USER_ID}"
password_env = "ACME_BT_PW"
"""


def recon(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "recon", *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, "RECON_LOG_LEVEL": "DEBUG"},
    )  # fmt: skip
    assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc.stdout + proc.stderr


def leaks(root: Path, printed: str, needles: list[str]) -> list[str]:
    found = [f"output: {n[:4]}..." for n in needles if n in printed]
    files = [p for p in root.rglob("*") if p.is_file() and p.name not in SANDBOX_FILES]
    assert len(files) > 10, "nothing was written: the test would prove nothing"
    for path in files:
        blob = path.read_bytes()
        found += [f"{path.relative_to(root)}: {n[:4]}..." for n in needles if n.encode() in blob]
    return found


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(SECRETS) == set(OVERRIDES)
    for name, value in {**SECRETS, **PROFILE_ENV}.items():
        monkeypatch.setenv(name, value)


def test_every_notebook_run_writes_and_prints_no_secret(
    secret_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory
) -> None:
    data = seed_copy(seeded(tmp_path_factory), tmp_path / "demo")
    period = ["-p", "start", "2025-01-01", "-p", "end", "2025-12-31"]
    printed = []
    with served(data, monkeypatch) as s:
        (data / "config.toml").write_text(_config(s.intacct_url, s.bigtime_url), "utf-8")
        # A BigTime user login: its session token is searched for too.
        printed.append(recon("run", "00_connect", "-p", "profile", "acmeuser"))
        printed.append(recon("run", "00_connect", "-p", "profile", "acme"))
        printed.append(recon("run", "10_reconcile", "-p", "profile", "acme", *period))
        store = Store(data / "recon.sqlite3")
        run_id = store.latest_run()
        assert run_id is not None
        ids = [c.change_id for c in store.load_plan(run_id).changes if c.pushable]
        store.decide_many(run_id, ids[:5], "approve", by="jane")
        printed.append(
            recon("run", "20_review_and_push", "-p", "run", run_id, "-p", "push", "true")
        )
        printed.append(recon("doctor"))
        printed.append(recon("ledger", "export", str(tmp_path / "ledger.csv")))
        sessions = [*s.intacct_sessions, *s.bigtime_sessions]
    # The push's run folder is filed under the run's profile, though none was given.
    assert any(p.name.endswith("20_review_and_push") for p in (data / "runs" / "acme").iterdir())
    text = "\n".join(printed)
    assert "connected" in text.lower() and "applied" in text
    assert s.bigtime_sessions, "the user login's session token is searched for"
    assert len(sessions) >= 3, "the runs signed in: their session ids are searched for too"
    assert leaks(tmp_path, text, [*SECRETS.values(), *sessions]) == []
