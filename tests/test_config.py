from __future__ import annotations

from pathlib import Path

import pytest

from recon.bigtime import uncertain as bigtime_uncertain
from recon.config import Secret, load_profile, profile_names, sandbox_profile
from recon.connect import bigtime_client, intacct_client
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


# --- the services' limits: ceiling, snapshot age, concurrency, BigTime's rate (issue 15) -----

# GOOD ends inside [profiles.acme.intacct]: its concurrency goes there.
LIMITS = (
    """
[profiles.acme]
max_requests = 500
full_pull_after_days = 0
"""
    + GOOD
    + """concurrency = 1

[profiles.acme.bigtime]
base_url = "https://iq.bigtime.net/BigtimeData/api/v2"
firm = "abcd-efg-hijk"
api_token_env = "T_ACME_BT_TOKEN"
concurrency = 6
requests_per_minute = 30
"""
)


@pytest.fixture
def bt_env(monkeypatch, pw_env) -> None:
    monkeypatch.setenv("T_ACME_BT_TOKEN", "tok")


def test_the_limits_reach_the_profile_and_the_clients(tmp_path: Path, bt_env) -> None:
    path = tmp_path / "c.toml"
    path.write_text(LIMITS)
    profile = load_profile("acme", path)
    assert (profile.max_requests, profile.full_pull_after_days) == (500, 0)
    with intacct_client(profile.intacct) as ia, bigtime_client(profile.require_bigtime()) as bt:
        assert ia.settings.concurrency == 1
        assert (bt.settings.concurrency, bt.settings.requests_per_minute) == (6, 30.0)
    # A caller's own setting wins over the profile's (connect's keyword arguments).
    with bigtime_client(profile.require_bigtime(), requests_per_minute=10) as bt:
        assert bt.settings.requests_per_minute == 10


def test_without_limits_the_defaults_hold(tmp_path: Path, bt_env) -> None:
    path = tmp_path / "c.toml"
    path.write_text(GOOD + BIGTIME_KEY)
    profile = load_profile("acme", path)
    assert (profile.max_requests, profile.full_pull_after_days) == (None, 7)
    with intacct_client(profile.intacct) as ia, bigtime_client(profile.require_bigtime()) as bt:
        assert ia.settings.concurrency == 2  # Intacct: one or two jobs at once per company
        assert bt.settings.concurrency == bigtime_uncertain.DEFAULT_CONCURRENCY
        assert bt.settings.requests_per_minute is None  # unlimited


def test_a_sandbox_profile_takes_the_limits_too(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        "[profiles.demo]\nsandbox = true\nmax_requests = 90\n"
        "[profiles.demo.intacct]\nconcurrency = 1\n"
        "[profiles.demo.bigtime]\nrequests_per_minute = 12.5\n"
    )
    profile = load_profile("demo", path)
    bt = profile.require_bigtime()
    assert (profile.name, profile.max_requests, profile.intacct.concurrency) == ("demo", 90, 1)
    assert (bt.requests_per_minute, bt.concurrency) == (12.5, None)
    assert profile.intacct.company_id == "DEMO" and bt.firm == "demo-firm"


def _with(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


BAD_LIMITS = [
    ("max_requests = 500", "max_requests = 0", "profile 'acme': max_requests must be a whole "
     "number >= 1, not 0; correct it under [profiles.acme]"),
    ("max_requests = 500", "max_requests = 2.5", "max_requests must be a whole number >= 1, "
     "not 2.5"),
    ("max_requests = 500", 'max_requests = "500"', "max_requests must be a whole number >= 1, "
     "not '500'"),
    ("max_requests = 500", "max_requests = true", "max_requests must be a whole number >= 1, "
     "not True"),
    ("full_pull_after_days = 0", "full_pull_after_days = -1", "profile 'acme': "
     "full_pull_after_days must be a whole number >= 0, not -1"),
    ("concurrency = 1", "concurrency = 0", "profile 'acme': intacct.concurrency must be a "
     "whole number >= 1, not 0; correct it under [profiles.acme.intacct]"),
    ("concurrency = 6", "concurrency = -2", "profile 'acme': bigtime.concurrency must be a "
     "whole number >= 1, not -2; correct it under [profiles.acme.bigtime]"),
    ("requests_per_minute = 30", "requests_per_minute = 0", "profile 'acme': "
     "bigtime.requests_per_minute must be a number above 0 (e.g. 30), not 0; correct it "
     "under [profiles.acme.bigtime]"),
    ("requests_per_minute = 30", "requests_per_minute = inf", "requests_per_minute must be a "
     "number above 0 (e.g. 30), not inf"),
    ("requests_per_minute = 30", "requests_per_minute = nan", "requests_per_minute must be a "
     "number above 0 (e.g. 30), not nan"),
    ("requests_per_minute = 30", 'requests_per_minute = "30/min"', "requests_per_minute must "
     "be a number above 0 (e.g. 30), not '30/min'"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "said"), BAD_LIMITS, ids=[b[1] for b in BAD_LIMITS])
def test_a_bad_limit_is_one_message_saying_what_and_where(
    tmp_path: Path, bt_env, old: str, new: str, said: str
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(_with(LIMITS, old, new))
    with pytest.raises(ConfigError) as refused:
        load_profile("acme", path)
    message = str(refused.value)
    assert said in message and "\n" not in message
    assert message.endswith("in the config file, or leave it out for the default.")


def test_a_bad_limit_of_a_sandbox_profile_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[profiles.demo]\nsandbox = true\n[profiles.demo.bigtime]\nconcurrency = 0\n")
    with pytest.raises(ConfigError, match=r"'demo': bigtime\.concurrency must be a whole number"):
        load_profile("demo", path)
