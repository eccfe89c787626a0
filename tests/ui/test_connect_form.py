"""The connect form, driven by setting widget values and clicking, against the real
sandboxes over loopback; secrets in the test keyring (``tests.keyring_backend``)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as w
import pytest
from keyring.backends import fail

from recon.config import load_profile
from recon.profiles import IntacctSetup, save_profile
from recon.sandbox import bigtime as sbt
from recon.sandbox import intacct as sia
from recon.ui.connect_form import ConnectForm
from tests.keyring_backend import ENV, FileKeyring, use_keyring
from tests.test_check import Boxes, boxes, pristine  # noqa: F401  (fixtures used by name)

WRONG_USER_PASSWORD = "Fm3-wrong-USER-secret"


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "config.toml"


@pytest.fixture
def kr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FileKeyring]:
    monkeypatch.setenv(ENV, str(tmp_path / "keyring.json"))
    with use_keyring(FileKeyring()) as backend:
        yield backend  # type: ignore[misc]


def type_sandbox(form: ConnectForm, boxes: Boxes, name: str = "acme") -> None:  # noqa: F811
    """Type the sandbox's ids, URLs and demo credentials, as a person would."""
    form.profile_name.value = name
    form.company_id.value = sia.COMPANY_ID
    form.user_id.value = sia.USER_ID
    form.user_password.value = sia.USER_PASSWORD
    form.sender_id.value = sia.SENDER_ID
    form.sender_password.value = sia.SENDER_PASSWORD
    form.endpoint.value = boxes.intacct_url
    form.bigtime_auth.value = "api_key"
    form.firm.value = sbt.FIRM
    form.api_token.value = sbt.API_TOKEN
    form.base_url.value = boxes.bigtime_url


def all_widgets(root: w.Widget) -> list[w.Widget]:
    """``root`` and every widget inside it (what a notebook's widget state would save)."""
    children = getattr(root, "children", ())
    return [root, *(x for child in children for x in all_widgets(child))]


def ok_lines(html: str) -> list[str]:
    return [s for s in ("intacct", "bigtime") if f'data-system="{s}" data-ok="true"' in html]


def test_defaults_and_password_widgets(cfg: Path) -> None:
    form = ConnectForm(path=cfg)
    assert form.endpoint.value == "https://api.intacct.com/ia/xml/xmlgw.phtml"
    assert form.base_url.value == "https://iq.bigtime.net/BigtimeData/api/v2"
    for secret in (form.user_password, form.sender_password, form.api_token):
        assert isinstance(secret.active, w.Password)
        assert secret.widget.children == (secret.password,)
    assert list(form.rows) == ["sandbox"] and form.rows["sandbox"].remove is None


def test_test_connection_uses_typed_values_without_saving(
    cfg: Path,
    kr: FileKeyring,
    boxes: Boxes,  # noqa: F811
) -> None:
    form = ConnectForm(path=cfg)
    type_sandbox(form, boxes)
    form.test_button.click()
    assert ok_lines(form.message.value) == ["intacct", "bigtime"]
    assert f"connected to company {sia.COMPANY_ID} as user {sia.USER_ID}" in form.message.value
    assert not cfg.exists() and kr.entries() == {}
    assert form.user_password.value == sia.USER_PASSWORD  # kept: the user may save next
    # ... but not in any widget: what a saved notebook's widget state could hold.
    for field in (form.user_password, form.sender_password, form.api_token):
        assert field.password.value == "" and field.password.placeholder.startswith("entered")
    states = [widget.get_state() for widget in all_widgets(form.widget)]
    assert len(states) > 20
    for secret in (sia.USER_PASSWORD, sia.SENDER_PASSWORD, sbt.API_TOKEN):
        assert not any(secret == v for state in states for v in state.values())


def test_test_connection_shows_what_is_wrong(cfg: Path, boxes: Boxes) -> None:  # noqa: F811
    form = ConnectForm(path=cfg)
    type_sandbox(form, boxes)
    form.user_password.value = WRONG_USER_PASSWORD
    form.sender_id.value = sia.UNAUTHORISED_SENDER_ID
    form.bigtime_auth.value = "login"
    form.bigtime_user.value = sbt.USER_ID
    form.bigtime_password.value = sbt.USER_PASSWORD
    report = form.test()
    assert report is not None and not report.system("intacct").ok  # type: ignore[union-attr]
    assert report.system("bigtime").ok  # type: ignore[union-attr]
    assert "Web Services authorizations" in form.message.value
    assert f"signed in to firm {sbt.FIRM} as {sbt.USER_ID}" in form.message.value
    assert WRONG_USER_PASSWORD not in form.message.value


def test_incomplete_form_says_what_is_missing(cfg: Path) -> None:
    form = ConnectForm(path=cfg)
    form.company_id.value = "ACME"
    assert form.test() is None
    assert "Intacct Web Services sender ID is missing" in form.message.value


def test_save_in_keyring_then_test_and_remove_from_the_list(
    cfg: Path,
    kr: FileKeyring,
    boxes: Boxes,  # noqa: F811
) -> None:
    form = ConnectForm(path=cfg)
    type_sandbox(form, boxes)
    form.save_button.click()
    assert "Saved profile acme" in form.message.value
    # The password boxes are emptied so saved widget state cannot hold them.
    for secret in (form.user_password, form.sender_password, form.api_token):
        assert secret.password.value == ""
    text = cfg.read_text()
    assert sia.SENDER_PASSWORD not in text and sbt.API_TOKEN not in text
    assert kr.entries()["recon"]["acme/intacct/sender_password"] == sia.SENDER_PASSWORD
    assert load_profile("acme", cfg).intacct.endpoint == boxes.intacct_url

    assert list(form.rows) == ["sandbox", "acme"]
    form.rows["acme"].test.click()
    assert ok_lines(form.profiles_message.value) == ["intacct", "bigtime"]
    assert "Profile acme" in form.profiles_message.value

    remove = form.rows["acme"].remove
    assert remove is not None
    remove.click()  # first click only asks to confirm
    assert "acme" in form.rows and remove.description == "Confirm remove"
    remove.click()
    assert list(form.rows) == ["sandbox"]
    assert "Removed profile acme." in form.profiles_message.value
    assert kr.entries()["recon"] == {}
    assert "acme" not in tomllib.loads(cfg.read_text()).get("profiles", {})


def test_env_mode_swaps_password_boxes_for_names(
    cfg: Path,
    kr: FileKeyring,
    boxes: Boxes,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    form = ConnectForm(path=cfg)
    type_sandbox(form, boxes)
    form.secrets_mode.value = "env"
    # The typed passwords are gone, and the boxes now take variable names.
    for secret in (form.user_password, form.sender_password, form.api_token):
        assert secret.password.value == ""
        assert isinstance(secret.active, w.Text) and not isinstance(secret.active, w.Password)
        assert secret.widget.children == (secret.name,)
    form.user_password.value = "ACME_INTACCT_USER_PASSWORD"
    form.sender_password.value = "ACME_INTACCT_SENDER_PASSWORD"
    form.api_token.value = "ACME_BIGTIME_API_TOKEN"
    form.test_button.click()
    unset = "ACME_BIGTIME_API_TOKEN, ACME_INTACCT_SENDER_PASSWORD, ACME_INTACCT_USER_PASSWORD"
    assert f"environment variables {unset} not set" in form.message.value
    monkeypatch.setenv("ACME_INTACCT_USER_PASSWORD", sia.USER_PASSWORD)
    monkeypatch.setenv("ACME_INTACCT_SENDER_PASSWORD", sia.SENDER_PASSWORD)
    monkeypatch.setenv("ACME_BIGTIME_API_TOKEN", sbt.API_TOKEN)
    form.test_button.click()
    assert ok_lines(form.message.value) == ["intacct", "bigtime"]
    form.save_button.click()
    table = tomllib.loads(cfg.read_text())["profiles"]["acme"]
    assert table["intacct"]["user_password_env"] == "ACME_INTACCT_USER_PASSWORD"
    assert table["bigtime"]["api_token_env"] == "ACME_BIGTIME_API_TOKEN"
    assert kr.entries() == {}
    assert form.user_password.value == "ACME_INTACCT_USER_PASSWORD"  # names are not secrets
    form.rows["acme"].test.click()
    assert ok_lines(form.profiles_message.value) == ["intacct", "bigtime"]


def test_save_errors_are_shown_and_keep_the_typed_values(
    cfg: Path,
    kr: FileKeyring,
    boxes: Boxes,  # noqa: F811
) -> None:
    form = ConnectForm(path=cfg)
    type_sandbox(form, boxes, name="sandbox")
    assert form.save() is None
    assert "built-in profile" in form.message.value and not cfg.exists()
    form.profile_name.value = "bad name"
    form.save_button.click()
    assert "not allowed" in form.message.value
    assert form.user_password.value == sia.USER_PASSWORD


def test_no_keyring_says_use_environment_variable_names(
    cfg: Path,
    boxes: Boxes,  # noqa: F811
) -> None:
    form = ConnectForm(path=cfg)
    type_sandbox(form, boxes)
    with use_keyring(fail.Keyring()):
        form.save_button.click()
    assert "no usable system keyring" in form.message.value
    assert "environment variable names" in form.message.value
    assert not cfg.exists()


def test_prefill_from_profiles_never_fills_a_secret(cfg: Path, kr: FileKeyring) -> None:
    setup = IntacctSetup(
        company_id="ACME",
        user_id="xml_gateway",
        sender_id="ACME_SENDER",
        user_password="Fm3-user-SECRET",
        sender_password="Fm3-sender-SECRET",
        entity_id="E100",
    )
    save_profile("acme", setup, path=cfg)
    named = IntacctSetup("BETA", "u", "S", user_password="BETA_U", sender_password="BETA_S")
    save_profile("beta", named, secrets="env", path=cfg)

    acme = ConnectForm.from_profile("acme", cfg)
    assert acme.profile_name.value == "acme" and acme.secrets_mode.value == "keyring"
    assert (acme.company_id.value, acme.entity_id.value) == ("ACME", "E100")
    assert acme.user_password.value == "" and acme.sender_password.value == ""
    assert acme.bigtime_auth.value == "none"

    beta = ConnectForm.from_profile("beta", cfg)
    assert beta.secrets_mode.value == "env" and beta.user_password.value == "BETA_U"

    sandbox = ConnectForm.from_profile("sandbox", cfg)
    assert sandbox.profile_name.value == "" and sandbox.company_id.value == sia.COMPANY_ID
    assert sandbox.firm.value == sbt.FIRM and sandbox.api_token.value == ""
    assert "built-in sandbox" in sandbox.message.value

    new = ConnectForm.from_profile("gamma", cfg)
    assert new.profile_name.value == "gamma" and "No profile gamma saved yet" in new.message.value
    assert new.company_id.value == ""


def test_broken_config_file_is_reported(cfg: Path) -> None:
    cfg.write_text("[profiles\n")
    form = ConnectForm.from_profile("acme", cfg)
    assert "not valid TOML" in form.message.value
    assert "not valid TOML" in form.profiles_message.value
