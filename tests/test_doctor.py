"""``recon doctor``'s report: versions, places, profiles and their connection checks against
the real sandboxes; a broken profile is one line; each thing is said once; the exit status
says whether every profile connects; no secret value anywhere."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from keyring.backends import fail

from recon.config import SANDBOX_BIGTIME_URL_ENV, SANDBOX_INTACCT_URL_ENV
from recon.doctor import doctor_report, keyring_backend, run_doctor
from recon.profiles import BigTimeSetup, IntacctSetup, save_profile
from recon.sandbox import bigtime as sbt
from recon.sandbox import intacct as sia
from tests.keyring_backend import ENV, FileKeyring, use_keyring
from tests.test_check import Boxes, boxes, pristine  # noqa: F401  (fixtures used by name)

WRONG_SENDER = "Dx5-wrong-SENDER-secret"
WRONG_TOKEN = "Dx5-wrong-TOKEN-secret"


@pytest.fixture
def env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    boxes: Boxes,  # noqa: F811
) -> Iterator[Path]:
    """A config file, a data dir and the sandbox profile pointed at this test's sandboxes."""
    cfg = tmp_path / "config.toml"
    monkeypatch.setenv("RECON_CONFIG", str(cfg))
    monkeypatch.setenv("RECON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(SANDBOX_INTACCT_URL_ENV, boxes.intacct_url)
    monkeypatch.setenv(SANDBOX_BIGTIME_URL_ENV, boxes.bigtime_url)
    monkeypatch.setenv(ENV, str(tmp_path / "keyring.json"))
    with use_keyring(FileKeyring()):
        yield cfg


def _save_profiles(boxes: Boxes) -> None:  # noqa: F811
    # "wrong": the sandbox's ids with a wrong sender password and API key (keyring).
    wrong = IntacctSetup(
        company_id=sia.COMPANY_ID,
        user_id=sia.USER_ID,
        sender_id=sia.SENDER_ID,
        user_password=sia.USER_PASSWORD,
        sender_password=WRONG_SENDER,
        endpoint=boxes.intacct_url,
    )
    bigtime = BigTimeSetup(firm=sbt.FIRM, api_token=WRONG_TOKEN, base_url=boxes.bigtime_url)
    save_profile("wrong", wrong, bigtime)
    # "unset": its secrets are environment variables nobody exported.
    names = IntacctSetup("ACME", "u", "S", user_password="DX5_UNSET_U", sender_password="DX5_S")
    save_profile("unset", names, secrets="env")


def test_report_lists_versions_places_and_checks_every_profile(
    env: Path,
    boxes: Boxes,  # noqa: F811
    tmp_path: Path,
) -> None:
    _save_profiles(boxes)
    report = doctor_report()
    lines = report.splitlines()
    assert lines[0] == f"recon {metadata.version('recon')}"
    assert lines[1] == f"python {platform.python_version()}"
    for lib in ("pandas", "lxml", "requests", "ipywidgets", "papermill"):
        assert f"{lib} {metadata.version(lib)}" in lines[2]
    assert lines[3].startswith(f"keyring: keyring {metadata.version('keyring')}, backend ")
    assert f"config file: {env} (exists)" in lines
    assert f"data dir: {tmp_path / 'data'}" in lines
    assert "profiles: sandbox, unset, wrong" in lines

    at = lines.index("profile sandbox: ok")
    assert (
        lines[at + 1] == f"  Intacct: connected to company {sia.COMPANY_ID} as user {sia.USER_ID}."
    )
    assert lines[at + 2] == f"  BigTime: connected to firm {sbt.FIRM} with the firm API key."
    at = lines.index("profile wrong: NOT ok")
    assert "sender password is wrong" in lines[at + 1]
    assert "API key or the firm ID" in lines[at + 2]
    unset = next(line for line in lines if line.startswith("profile unset: "))
    assert unset.startswith("profile unset: cannot load: environment variable DX5_S")
    assert "'unset'" not in unset  # the line names the profile once
    for secret in (WRONG_SENDER, WRONG_TOKEN, sia.SENDER_PASSWORD, sbt.API_TOKEN):
        assert secret not in report
    assert run_doctor().ok is False


def test_without_check_only_lists(env: Path, boxes: Boxes) -> None:  # noqa: F811
    _save_profiles(boxes)
    report = doctor_report(check=False)
    assert "profiles: sandbox, unset, wrong" in report
    assert "profile sandbox" not in report and "connected" not in report


def test_missing_config_file_and_stopped_sandboxes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "none.toml"
    _closed_sandboxes(monkeypatch)
    found = run_doctor(path=cfg)
    lines = found.text.splitlines()
    assert f"config file: {cfg} (not found)" in lines and "profiles: sandbox" in lines
    at = lines.index("profile sandbox: NOT ok")
    assert lines[at + 1].startswith("  Intacct: cannot reach http://127.0.0.1:")
    assert lines[at + 3] == "  (the built-in sandboxes run with: recon sandbox)"
    assert found.ok is False  # the only profile: nothing connects


def _closed_sandboxes(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_check import free_port

    intacct = f"http://127.0.0.1:{free_port()}/ia/xml/xmlgw.phtml"
    monkeypatch.setenv(SANDBOX_INTACCT_URL_ENV, intacct)
    bigtime = f"http://127.0.0.1:{free_port()}/BigtimeData/api/v2"
    monkeypatch.setenv(SANDBOX_BIGTIME_URL_ENV, bigtime)


def _sandbox_ids_at(intacct_url: str, sender_env: str = "DX5_SENDER") -> str:
    return f"""
endpoint = "{intacct_url}"
sender_id = "{sia.SENDER_ID}"
company_id = "{sia.COMPANY_ID}"
user_id = "{sia.USER_ID}"
sender_password_env = "{sender_env}"
user_password_env = "DX5_USER"
"""


def test_a_profile_that_cannot_connect_exits_1_and_nothing_is_said_twice(
    env: Path,
    boxes: Boxes,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.test_check import free_port

    closed = f"http://127.0.0.1:{free_port()}/ia/xml/xmlgw.phtml"
    env.write_text(
        "[profiles.demo]\nsandbox = true\n\n[profiles.away.intacct]\n" + _sandbox_ids_at(closed),
        encoding="utf-8",
    )
    monkeypatch.setenv("DX5_SENDER", sia.SENDER_PASSWORD)
    monkeypatch.setenv("DX5_USER", sia.USER_PASSWORD)
    proc = subprocess.run(
        [sys.executable, "-m", "recon", "doctor"],
        capture_output=True, text=True, timeout=120, env={**os.environ},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert "profiles: sandbox, away, demo" in lines
    at = lines.index("profile away: NOT ok")
    assert lines[at + 1].startswith("  Intacct: cannot reach http://127.0.0.1:")
    # demo signs in exactly as sandbox does: said once, not checked and printed again.
    assert lines[lines.index("profile sandbox: ok") + 1].startswith("  Intacct: connected")
    assert "profile demo: ok (the same connection as profile sandbox)" in lines
    assert [line for line, n in Counter(lines).items() if n > 1] == []
    assert proc.stderr == ""  # no retry warnings saying again what the report says

    env.write_text("[profiles.demo]\nsandbox = true\n", encoding="utf-8")
    assert run_doctor().ok is True


def test_the_builtin_sandbox_does_not_fail_a_firms_doctor(
    env: Path,
    boxes: Boxes,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A firm's machine need not run recon's sandboxes: with its own profiles set up, the
    built-in sandbox not connecting is said, and does not make the exit status 1."""
    env.write_text("[profiles.firm.intacct]\n" + _sandbox_ids_at(boxes.intacct_url), "utf-8")
    monkeypatch.setenv("DX5_SENDER", sia.SENDER_PASSWORD)
    monkeypatch.setenv("DX5_USER", sia.USER_PASSWORD)
    _closed_sandboxes(monkeypatch)
    found = run_doctor()
    lines = found.text.splitlines()
    assert "profile firm: ok" in lines and "profile sandbox: NOT ok" in lines
    assert (
        "  (the built-in sandboxes run with: recon sandbox; optional, so it does not fail "
        "recon doctor)"
    ) in lines
    assert found.ok is True
    monkeypatch.setenv("DX5_SENDER", WRONG_SENDER)
    assert run_doctor().ok is False


def test_broken_config_file_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "broken.toml"
    cfg.write_text("[profiles\n")
    report = doctor_report(check=False, path=cfg)
    assert "profiles: cannot read the config file: " in report and "not valid TOML" in report


def test_keyring_backend_names_a_missing_keyring() -> None:
    with use_keyring(fail.Keyring()):
        assert "no system keyring" in keyring_backend()
