from __future__ import annotations

from pathlib import Path

import pytest

from recon.config import Secret, load_profile, profile_names, sandbox_profile
from recon.errors import ConfigError

GOOD = """
[profiles.acme.intacct]
endpoint = "https://api.intacct.com/ia/xml/xmlgw.phtml"
sender_id = "ACME_SENDER"
company_id = "ACME"
user_id = "xml_gateway"
sender_password_env = "T_ACME_SENDER_PW"
user_password_env = "T_ACME_USER_PW"
"""


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(GOOD)
    return path


def test_sandbox_profile_is_embedded() -> None:
    profile = load_profile("sandbox")
    assert profile.intacct.company_id == "DEMO"
    assert profile.intacct.endpoint.endswith("/ia/xml/xmlgw.phtml")


def test_profile_from_file_resolves_secrets_from_env(cfg: Path, monkeypatch) -> None:
    monkeypatch.setenv("T_ACME_SENDER_PW", "s3nder-Secret!")
    monkeypatch.setenv("T_ACME_USER_PW", "us3r-Secret!")
    profile = load_profile("acme", cfg)
    assert profile.intacct.sender_password.reveal() == "s3nder-Secret!"
    text = repr(profile) + str(profile) + f"{profile.intacct.user_password}"
    assert "Secret!" not in text


def test_unknown_profile_names_the_known_ones(cfg: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown profile 'nope'.*sandbox, acme"):
        load_profile("nope", cfg)
    assert profile_names(cfg) == ["sandbox", "acme"]


def test_missing_env_secret_says_which_variable(cfg: Path, monkeypatch) -> None:
    monkeypatch.delenv("T_ACME_SENDER_PW", raising=False)
    monkeypatch.setenv("T_ACME_USER_PW", "x")
    with pytest.raises(ConfigError, match="T_ACME_SENDER_PW"):
        load_profile("acme", cfg)


def test_incomplete_profile_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(GOOD.replace('company_id = "ACME"\n', ""))
    with pytest.raises(ConfigError, match="company_id"):
        load_profile("acme", path)


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[profiles\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_profile("acme", path)


def test_secret_never_formats() -> None:
    s = Secret("hunter2")
    assert "hunter2" not in f"{s} {s!r} {s!s}"
    assert (
        sandbox_profile("http://x/ia/xml/xmlgw.phtml").intacct.endpoint
        == "http://x/ia/xml/xmlgw.phtml"
    )
