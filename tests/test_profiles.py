"""Saving, listing and removing profiles: secrets in the keyring or as variable names, never
in the file; the rest of the file kept; keyring trouble as one clear ConfigError."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail

from recon.config import load_profile, profile_names
from recon.errors import ConfigError
from recon.profiles import (
    BigTimeSetup,
    IntacctSetup,
    check_profile_name,
    list_profiles,
    profile_from_setup,
    profiles_frame,
    read_setup,
    remove_profile,
    save_profile,
)
from tests.keyring_backend import ENV, FileKeyring, use_keyring

ROOT = Path(__file__).resolve().parents[1]
SECRETS = {
    "user_password": "Kx8-user-PASSWORD-value",
    "sender_password": "Kx8-sender-PASSWORD-value",
    "api_token": "Kx8-bigtime-TOKEN-value",
    "password": "Kx8-bigtime-PASSWORD-value",
}


def intacct_setup(**changes: str) -> IntacctSetup:
    values = {
        "company_id": "ACME",
        "user_id": "xml_gateway",
        "sender_id": "ACME_SENDER",
        "user_password": SECRETS["user_password"],
        "sender_password": SECRETS["sender_password"],
    }
    return IntacctSetup(**{**values, **changes})


def bigtime_key(**changes: str) -> BigTimeSetup:
    return BigTimeSetup(**{"firm": "abcd-efg-hijk", "api_token": SECRETS["api_token"], **changes})


def bigtime_login() -> BigTimeSetup:
    return BigTimeSetup(
        firm="abcd-efg-hijk", user_id="ops@acme.example", password=SECRETS["password"]
    )


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "conf" / "config.toml"


@pytest.fixture
def kr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FileKeyring]:
    monkeypatch.setenv(ENV, str(tmp_path / "keyring.json"))
    with use_keyring(FileKeyring()) as backend:
        yield backend  # type: ignore[misc]


def assert_no_secret_in(text: str) -> None:
    for value in SECRETS.values():
        assert value not in text


# --- keyring mode -------------------------------------------------------------------------


def test_keyring_mode_stores_secrets_in_keyring_only(cfg: Path, kr: FileKeyring) -> None:
    assert save_profile("acme", intacct_setup(), bigtime_key(), path=cfg) == cfg
    text = cfg.read_text()
    assert_no_secret_in(text)
    table = tomllib.loads(text)["profiles"]["acme"]
    assert table["intacct"]["user_password_keyring"] is True
    assert table["intacct"]["sender_password_keyring"] is True
    assert table["bigtime"]["api_token_keyring"] is True
    assert table["intacct"]["endpoint"] == "https://api.intacct.com/ia/xml/xmlgw.phtml"
    assert table["bigtime"]["base_url"] == "https://iq.bigtime.net/BigtimeData/api/v2"
    assert kr.entries()["recon"] == {
        "acme/intacct/user_password": SECRETS["user_password"],
        "acme/intacct/sender_password": SECRETS["sender_password"],
        "acme/bigtime/api_token": SECRETS["api_token"],
    }
    profile = load_profile("acme", cfg)
    assert profile.intacct.user_password.reveal() == SECRETS["user_password"]
    assert profile.require_bigtime().api_token.reveal() == SECRETS["api_token"]  # type: ignore[union-attr]
    assert_no_secret_in(repr(profile))


def test_file_is_private_and_written_whole(cfg: Path, kr: FileKeyring) -> None:
    save_profile("acme", intacct_setup(), path=cfg)
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert [p.name for p in cfg.parent.iterdir()] == ["config.toml"]  # no temp file left
    save_profile("acme", intacct_setup(company_id="ACME2"), path=cfg)
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert load_profile("acme", cfg).intacct.company_id == "ACME2"


def test_keyring_entry_of_another_service_is_read(cfg: Path, kr: FileKeyring) -> None:
    kr.set_password("corp-vault", "acme/intacct/user_password", "from-the-vault")
    save_profile("acme", intacct_setup(), path=cfg)
    cfg.write_text(
        cfg.read_text().replace(
            "user_password_keyring = true", 'user_password_keyring = "corp-vault"'
        )
    )
    assert load_profile("acme", cfg).intacct.user_password.reveal() == "from-the-vault"


def test_missing_keyring_entry_says_save_again(cfg: Path, kr: FileKeyring) -> None:
    save_profile("acme", intacct_setup(), path=cfg)
    kr.delete_password("recon", "acme/intacct/sender_password")
    with pytest.raises(ConfigError, match=r"'acme/intacct/sender_password'.*00_connect and save"):
        load_profile("acme", cfg)


def test_no_keyring_backend_is_one_clear_error(cfg: Path, kr: FileKeyring) -> None:
    save_profile("acme", intacct_setup(), path=cfg)
    before = cfg.read_text()
    with use_keyring(fail.Keyring()):
        with pytest.raises(ConfigError, match=r"no usable system keyring.*environment variable"):
            load_profile("acme", cfg)
        with pytest.raises(ConfigError, match=r"no usable system keyring.*environment variable"):
            save_profile("other", intacct_setup(), path=cfg)
    assert cfg.read_text() == before  # nothing written when the keyring refused


def test_env_and_keyring_for_one_secret_is_refused(cfg: Path, kr: FileKeyring) -> None:
    save_profile("acme", intacct_setup(), path=cfg)
    text = cfg.read_text().replace(
        "user_password_keyring = true", 'user_password_keyring = true\nuser_password_env = "X"'
    )
    cfg.write_text(text)
    with pytest.raises(ConfigError, match="both as user_password_env and as user_password_keyring"):
        load_profile("acme", cfg)


# --- env mode -----------------------------------------------------------------------------


def test_env_mode_writes_variable_names(
    cfg: Path, kr: FileKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = intacct_setup(user_password="ACME_USER_PW", sender_password="ACME_SENDER_PW")
    save_profile("acme", names, bigtime_key(api_token="ACME_BT"), secrets="env", path=cfg)
    table = tomllib.loads(cfg.read_text())["profiles"]["acme"]
    assert table["intacct"]["user_password_env"] == "ACME_USER_PW"
    assert table["bigtime"]["api_token_env"] == "ACME_BT"
    assert not any(k.endswith("_keyring") for k in table["intacct"])
    assert kr.entries() == {}
    monkeypatch.setenv("ACME_USER_PW", "u")
    monkeypatch.setenv("ACME_SENDER_PW", "s")
    monkeypatch.setenv("ACME_BT", "t")
    assert load_profile("acme", cfg).intacct.sender_password.reveal() == "s"


def test_env_mode_refuses_what_is_not_a_variable_name(cfg: Path, kr: FileKeyring) -> None:
    # A secret typed where a variable NAME belongs must neither be saved nor echoed.
    with pytest.raises(ConfigError, match="NAME of the environment variable") as caught:
        save_profile("acme", intacct_setup(), secrets="env", path=cfg)
    assert_no_secret_in(str(caught.value))
    assert not cfg.exists()


def test_switching_modes_forgets_old_keyring_entries(cfg: Path, kr: FileKeyring) -> None:
    save_profile("acme", intacct_setup(), bigtime_key(), path=cfg)
    save_profile("acme", intacct_setup(), bigtime_login(), path=cfg)  # key -> login
    assert set(kr.entries()["recon"]) == {
        "acme/intacct/user_password",
        "acme/intacct/sender_password",
        "acme/bigtime/password",
    }
    table = tomllib.loads(cfg.read_text())["profiles"]["acme"]["bigtime"]
    assert "api_token_keyring" not in table and table["user_id"] == "ops@acme.example"
    names = intacct_setup(user_password="U_PW", sender_password="S_PW")
    save_profile("acme", names, None, secrets="env", path=cfg)
    assert kr.entries()["recon"] == {}
    assert "bigtime" not in tomllib.loads(cfg.read_text())["profiles"]["acme"]


# --- the rest of the file -----------------------------------------------------------------

OTHER = """
[profiles.keep.intacct]
endpoint = "https://api.intacct.com/ia/xml/xmlgw.phtml"
sender_id = "K"
company_id = "K"
user_id = "k"
sender_password_env = "K_S"
user_password_env = "K_U"

[profiles.acme]
max_differences = 25
sandbox = true

[profiles.acme.intacct]
note = "kept"

[[profiles.acme.auto_approve]]
entity = "customer"
action = "update"

[mapping]
anything = 1
"""


def test_save_and_remove_keep_other_profiles_and_unknown_keys(cfg: Path, kr: FileKeyring) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_text(OTHER)
    save_profile("acme", intacct_setup(), path=cfg)
    data = tomllib.loads(cfg.read_text())
    acme = data["profiles"]["acme"]
    assert acme["auto_approve"] == [{"entity": "customer", "action": "update"}]
    assert acme["max_differences"] == 25 and acme["intacct"]["note"] == "kept"
    assert "sandbox" not in acme  # the saved connection is what loads now
    assert data["mapping"] == {"anything": 1}
    assert data["profiles"]["keep"]["intacct"]["user_password_env"] == "K_U"
    loaded = load_profile("acme", cfg)
    assert loaded.intacct.company_id == "ACME" and loaded.max_differences == 25
    assert profile_names(cfg) == ["sandbox", "acme", "keep"]

    assert remove_profile("acme", path=cfg) == []
    data = tomllib.loads(cfg.read_text())
    assert list(data["profiles"]) == ["keep"] and data["mapping"] == {"anything": 1}
    assert kr.entries()["recon"] == {}


def test_remove_unknown_or_reserved(cfg: Path, kr: FileKeyring) -> None:
    save_profile("acme", intacct_setup(), path=cfg)
    with pytest.raises(ConfigError, match=r"no saved profile 'nope'.*acme"):
        remove_profile("nope", path=cfg)
    with pytest.raises(ConfigError, match="built-in profile"):
        remove_profile("sandbox", path=cfg)


def test_remove_without_keyring_still_removes_and_says_what_is_left(
    cfg: Path, kr: FileKeyring
) -> None:
    save_profile("acme", intacct_setup(), path=cfg)
    with use_keyring(fail.Keyring()):
        notes = remove_profile("acme", path=cfg)
    assert "acme" not in tomllib.loads(cfg.read_text()).get("profiles", {})
    assert len(notes) == 2 and all("could not be deleted" in n for n in notes)


@pytest.mark.parametrize("name", ["sandbox", "", "a b", "../etc", "acme.prod", "é"])
def test_bad_profile_names_are_refused(name: str, cfg: Path, kr: FileKeyring) -> None:
    with pytest.raises(ConfigError, match=r"not allowed|built-in profile"):
        save_profile(name, intacct_setup(), path=cfg)
    assert not cfg.exists()


def test_good_profile_names() -> None:
    for name in ("acme", "Acme_2", "acme-prod"):
        assert check_profile_name(name) == name


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (intacct_setup(company_id=" "), "Intacct company ID is missing"),
        (intacct_setup(endpoint="api.intacct.com"), "must be an http"),
        (intacct_setup(user_password=""), "Intacct user password is missing"),
    ],
)
def test_incomplete_intacct_is_refused(
    setup: IntacctSetup, message: str, cfg: Path, kr: FileKeyring
) -> None:
    with pytest.raises(ConfigError, match=message):
        save_profile("acme", setup, path=cfg)


def test_bigtime_key_and_login_together_are_refused(cfg: Path, kr: FileKeyring) -> None:
    both = bigtime_key(user_id="ops@acme.example", password="x")
    with pytest.raises(ConfigError, match="API key or a user login, not both"):
        save_profile("acme", intacct_setup(), both, path=cfg)


# --- listing and reading back -------------------------------------------------------------


def test_list_profiles_shows_where_and_how_never_values(cfg: Path, kr: FileKeyring) -> None:
    save_profile("acme", intacct_setup(), bigtime_key(), path=cfg)
    names = intacct_setup(user_password="B_U", sender_password="B_S")
    save_profile("beta", names, secrets="env", path=cfg)
    infos = list_profiles(cfg)
    assert [i.name for i in infos] == ["sandbox", "acme", "beta"]
    sandbox, acme, beta = infos
    assert sandbox.secrets == "built-in demo credentials"
    assert acme.systems == ("intacct", "bigtime") and acme.secrets == "keyring"
    assert acme.intacct_company == "ACME" and acme.bigtime_firm == "abcd-efg-hijk"
    assert beta.systems == ("intacct",) and beta.secrets == "environment variables"
    assert acme.line() == (
        "acme: intacct (company ACME), bigtime (firm abcd-efg-hijk); secrets: keyring"
    )
    frame = profiles_frame(cfg)
    assert list(frame["name"]) == ["sandbox", "acme", "beta"]
    assert frame.loc[1, "systems"] == "intacct, bigtime"
    assert_no_secret_in(repr(infos) + frame.to_string())


def test_read_setup_gives_names_not_secrets(cfg: Path, kr: FileKeyring) -> None:
    save_profile("acme", intacct_setup(entity_id="E1"), bigtime_login(), path=cfg)
    setup = read_setup("acme", cfg)
    assert setup.secrets == "keyring" and setup.intacct.entity_id == "E1"
    assert setup.intacct.user_password == "" and setup.bigtime.password == ""  # type: ignore[union-attr]
    assert setup.bigtime.user_id == "ops@acme.example" and not setup.bigtime.uses_api_key  # type: ignore[union-attr]
    names = intacct_setup(user_password="B_U", sender_password="B_S")
    save_profile("beta", names, bigtime_key(api_token="B_T"), secrets="env", path=cfg)
    beta = read_setup("beta", cfg)
    assert beta.secrets == "env" and beta.intacct.user_password == "B_U"
    assert beta.bigtime.api_token == "B_T" and beta.bigtime.uses_api_key  # type: ignore[union-attr]
    sandbox = read_setup("sandbox", cfg)
    assert sandbox.intacct.company_id == "DEMO" and sandbox.intacct.user_password == ""
    with pytest.raises(ConfigError, match="unknown profile 'nope'"):
        read_setup("nope", cfg)


def test_setups_never_show_secrets() -> None:
    assert_no_secret_in(repr(intacct_setup()) + repr(bigtime_key()) + repr(bigtime_login()))


def test_profile_from_setup_env_mode_reads_the_environment() -> None:
    names = intacct_setup(user_password="T_U", sender_password="T_S")
    env = {"T_U": "user-value", "T_S": "sender-value"}
    profile = profile_from_setup("x", names, secrets="env", environ=env)
    assert profile.intacct.user_password.reveal() == "user-value"
    with pytest.raises(ConfigError, match="environment variable T_S not set"):
        profile_from_setup("x", names, secrets="env", environ={"T_U": "u"})
    keyed = profile_from_setup("x", intacct_setup(), bigtime_login())
    assert keyed.require_bigtime().password.reveal() == SECRETS["password"]  # type: ignore[union-attr]


def test_file_keyring_works_in_a_subprocess_by_name(cfg: Path, kr: FileKeyring) -> None:
    # How notebook kernels (papermill, nbval) get the test keyring.
    save_profile("acme", intacct_setup(), path=cfg)
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "tests.keyring_backend.FileKeyring",
        "PYTHONPATH": str(ROOT),
    }
    code = (
        "import sys, keyring; from recon.config import load_profile; "
        "from pathlib import Path; p = load_profile('acme', Path(sys.argv[1])); "
        "print(type(keyring.get_keyring()).__name__, "
        f"p.intacct.user_password.reveal() == {SECRETS['user_password']!r})"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(cfg)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["FileKeyring", "True"]
