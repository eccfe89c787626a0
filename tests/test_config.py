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


BIGTIME_KEY = """
[profiles.acme.bigtime]
base_url = "https://iq.bigtime.net/BigtimeData/api/v2"
firm = "abcd-efg-hijk"
api_token_env = "T_ACME_BT_TOKEN"
"""

BIGTIME_USER = """
[profiles.acme.bigtime]
base_url = "https://iq.bigtime.net/BigtimeData/api/v2"
firm = "abcd-efg-hijk"
user_id = "accountant@acme.example"
password_env = "T_ACME_BT_PW"
"""


@pytest.fixture
def pw_env(monkeypatch) -> None:
    monkeypatch.setenv("T_ACME_SENDER_PW", "a")
    monkeypatch.setenv("T_ACME_USER_PW", "b")


def test_sandbox_profile_has_bigtime_with_demo_api_key() -> None:
    bt = load_profile("sandbox").require_bigtime()
    assert bt.firm == "demo-firm" and bt.api_token is not None
    assert bt.base_url.endswith("/BigtimeData/api/v2") and ":8766/" in bt.base_url
    assert "sandbox-token" not in repr(bt)


def test_bigtime_api_key_profile(tmp_path: Path, monkeypatch, pw_env) -> None:
    path = tmp_path / "c.toml"
    path.write_text(GOOD + BIGTIME_KEY)
    monkeypatch.setenv("T_ACME_BT_TOKEN", "tok-Secret!")
    bt = load_profile("acme", path).require_bigtime()
    assert bt.api_token is not None and bt.api_token.reveal() == "tok-Secret!"
    assert bt.user_id is None and "Secret!" not in repr(bt)


def test_bigtime_firm_may_be_the_numeric_tenant_id(tmp_path: Path, monkeypatch, pw_env) -> None:
    # BigTime's realm takes the firm id or its numeric tenant id (docs/specs/bigtime-evidence.md
    # §2.1).
    path = tmp_path / "c.toml"
    path.write_text(GOOD + BIGTIME_KEY.replace('firm = "abcd-efg-hijk"', "firm = 40417"))
    monkeypatch.setenv("T_ACME_BT_TOKEN", "tok-Secret!")
    assert load_profile("acme", path).require_bigtime().firm == "40417"


def test_bigtime_user_login_profile(tmp_path: Path, monkeypatch, pw_env) -> None:
    path = tmp_path / "c.toml"
    path.write_text(GOOD + BIGTIME_USER)
    monkeypatch.setenv("T_ACME_BT_PW", "pw-Secret!")
    bt = load_profile("acme", path).require_bigtime()
    assert bt.user_id == "accountant@acme.example" and bt.api_token is None
    assert bt.password is not None and bt.password.reveal() == "pw-Secret!"


def test_bigtime_missing_token_env_names_the_variable(tmp_path: Path, monkeypatch, pw_env) -> None:
    path = tmp_path / "c.toml"
    path.write_text(GOOD + BIGTIME_KEY)
    monkeypatch.delenv("T_ACME_BT_TOKEN", raising=False)
    with pytest.raises(ConfigError, match=r"T_ACME_BT_TOKEN.*bigtime api token"):
        load_profile("acme", path)


def test_bigtime_section_without_credentials_says_what_to_add(tmp_path: Path, pw_env) -> None:
    path = tmp_path / "c.toml"
    path.write_text(GOOD + BIGTIME_KEY.replace('api_token_env = "T_ACME_BT_TOKEN"\n', ""))
    with pytest.raises(ConfigError, match="api_token_env"):
        load_profile("acme", path)


def test_profile_without_bigtime_fails_only_when_bigtime_is_needed(cfg: Path, pw_env) -> None:
    profile = load_profile("acme", cfg)
    assert profile.bigtime is None
    with pytest.raises(ConfigError, match=r"no \[profiles\.acme\.bigtime\] section"):
        profile.require_bigtime()
