"""The Settings tab of the connect form (issue 16, point 5): it shows a profile's integration
settings with their defaults, saves them into ``[profiles.<name>.settings]`` where
``load_profile`` (and so every run) reads them, and refuses a bad value with the config
file's own message, writing nothing."""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

from recon.config import load_profile
from recon.ui.connect_form import ConnectForm
from recon.ui.settings_tab import DEFAULT_CHOICE

SAVED = """
[profiles.acme]
sandbox = true
max_differences = 60

[profiles.acme.settings]
week_start = "sunday"
invoice_account = "4010"

[profiles.acme.settings.only_in_target]
customer = "create_in_source"
"""


def saved(cfg: Path) -> dict[str, object]:
    with cfg.open("rb") as fh:
        return tomllib.load(fh)["profiles"]["acme"]  # type: ignore[no-any-return]


def said(form: ConnectForm) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", form.settings.message.value))


def test_the_settings_tab_shows_the_profiles_settings_and_the_defaults(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(SAVED, encoding="utf-8")
    form = ConnectForm.from_profile("acme", cfg)
    assert form.widget.titles == ("Connection", "Settings")
    assert form.widget.children[1] is form.settings.widget
    tab = form.settings
    assert (tab.week_start.value, tab.texts["invoice_account"].value) == ("sunday", "4010")
    assert tab.only_in_target["customer"].value == "create_in_source"
    # Everything else at its default, shown as such.
    assert tab.texts["project_category"].value == "Contract"
    assert tab.timesheet_state.value == "Draft"
    assert tab.texts["money_tolerance"].value == "0"
    assert tab.sync["invoice"].value == DEFAULT_CHOICE
    assert tab.approver_must_differ.value is False
    # The built-in sandbox: every default.
    assert ConnectForm.from_profile("sandbox", cfg).settings.week_start.value == "monday"


def test_the_settings_tab_saves_what_a_run_then_reads(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(SAVED, encoding="utf-8")
    form = ConnectForm.from_profile("acme", cfg)
    tab = form.settings
    tab.week_start.value = "tuesday"
    tab.sync["invoice"].value = "review"
    tab.only_in_target["customer"].value = DEFAULT_CHOICE
    tab.texts["hours_tolerance"].value = "0.25"
    tab.approver_must_differ.value = True
    tab.save_button.click()

    assert "Saved the settings of profile acme" in said(form)
    table = saved(cfg)
    assert table["max_differences"] == 60 and table["sandbox"] is True  # the rest is kept
    assert table["settings"] == {
        "sync": {"invoice": "review"},
        "invoice_account": "4010",
        "week_start": "tuesday",
        "hours_tolerance": "0.25",
        "approver_must_differ": True,
    }
    settings = load_profile("acme", cfg).settings
    assert (settings.week_start_day, settings.approver_must_differ) == (1, True)
    assert settings.only_in_target == {}

    # All back to the defaults: the table goes.
    tab.show(type(settings)())
    tab.save_button.click()
    assert "settings" not in saved(cfg)


def test_the_settings_tab_refuses_a_bad_value_with_the_files_message(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(SAVED, encoding="utf-8")
    before = cfg.read_text(encoding="utf-8")
    form = ConnectForm.from_profile("acme", cfg)
    form.settings.texts["money_tolerance"].value = "a cent"
    form.settings.save_button.click()
    assert said(form).startswith(
        f"Settings not saved: {cfg}: profiles.acme.settings.money_tolerance = 'a cent' is not "
        "allowed; it must be a number >= 0"
    )
    form.settings.texts["money_tolerance"].value = "0"
    form.settings.texts["invoice_account"].value = " "
    form.settings.save_button.click()
    assert "profiles.acme.settings.invoice_account" in said(form)
    assert cfg.read_text(encoding="utf-8") == before  # nothing written

    # A profile not saved yet has no settings to save.
    form.profile_name.value = "newco"
    form.settings.texts["invoice_account"].value = "4000"
    form.settings.save_button.click()
    assert "no saved profile 'newco'" in said(form) and "save the profile first" in said(form)


def test_a_bad_saved_table_is_said_in_the_tab(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(SAVED + 'colour = "blue"\n', encoding="utf-8")
    form = ConnectForm.from_profile("acme", cfg)
    assert "profiles.acme.settings.only_in_target.colour" in said(form)
