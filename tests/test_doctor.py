"""``recon doctor``'s report: versions, places, profiles and their connection checks against
the real sandboxes; a broken profile is one line; no secret value anywhere."""

from __future__ import annotations

import platform
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from keyring.backends import fail

from recon.config import SANDBOX_BIGTIME_URL_ENV, SANDBOX_INTACCT_URL_ENV
from recon.doctor import doctor_report, keyring_backend
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
    assert unset.startswith("profile unset: cannot load: ") and "DX5_S" in unset
    for secret in (WRONG_SENDER, WRONG_TOKEN, sia.SENDER_PASSWORD, sbt.API_TOKEN):
        assert secret not in report


def test_without_check_only_lists(env: Path, boxes: Boxes) -> None:  # noqa: F811
    _save_profiles(boxes)
    report = doctor_report(check=False)
    assert "profiles: sandbox, unset, wrong" in report
    assert "profile sandbox" not in report and "connected" not in report


def test_missing_config_file_and_stopped_sandboxes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_check import free_port

    cfg = tmp_path / "none.toml"
    monkeypatch.setenv(
        SANDBOX_INTACCT_URL_ENV, f"http://127.0.0.1:{free_port()}/ia/xml/xmlgw.phtml"
    )
    monkeypatch.setenv(
        SANDBOX_BIGTIME_URL_ENV, f"http://127.0.0.1:{free_port()}/BigtimeData/api/v2"
    )
    lines = doctor_report(path=cfg).splitlines()
    assert f"config file: {cfg} (not found)" in lines and "profiles: sandbox" in lines
    at = lines.index("profile sandbox: NOT ok")
    assert lines[at + 1].startswith("  Intacct: cannot reach http://127.0.0.1:")
    assert lines[at + 3] == "  (the built-in sandboxes run with: recon sandbox)"


def test_broken_config_file_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "broken.toml"
    cfg.write_text("[profiles\n")
    report = doctor_report(check=False, path=cfg)
    assert "profiles: cannot read the config file: " in report and "not valid TOML" in report


def test_keyring_backend_names_a_missing_keyring() -> None:
    with use_keyring(fail.Keyring()):
        assert "no system keyring" in keyring_backend()
