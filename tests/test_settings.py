"""``[profiles.<name>.settings]`` (issue 16, point 5): the defaults are recon's behaviour
before the table existed, and every bad setting is one ConfigError naming the file, the key,
the value and what is allowed. What each setting changes is shown on the product path in
``tests/scenarios/test_settings.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from recon.canonical import ENTITIES
from recon.config import load_profile
from recon.errors import ConfigError
from recon.job import reconcile_run
from recon.plan import DEFAULT_DIRECTIONS, settings_directions
from recon.push import intacct_writer
from recon.push.engine import intacct_writer_settings
from recon.settings import (
    KEYS,
    ONLY_IN_TARGET_CHOICES,
    ONLY_IN_TARGET_ENTITIES,
    SYNC_CHOICES,
    IntegrationSettings,
    parse_settings,
)


def profile_with(tmp_path: Path, settings: str, name: str = "acme") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[profiles.{name}]\nsandbox = true\n\n{settings}", encoding="utf-8")
    return path


def test_the_defaults_are_todays_behaviour() -> None:
    default = IntegrationSettings()
    assert load_profile("sandbox").settings == default
    assert settings_directions(default) == dict(DEFAULT_DIRECTIONS)
    assert intacct_writer_settings(default) == {
        "project_category": intacct_writer.PROJECT_CATEGORY,
        "timesheet_state": intacct_writer.TIMESHEET_STATE,
        "invoice_account": intacct_writer.INVOICE_LINE_ACCOUNT,
        "week_start": intacct_writer.TIMESHEET_WEEK_START,
        "invoice_item": None,
        "adjustment_account": intacct_writer.INVOICE_LINE_ACCOUNT,
    }
    assert default.week_start_day == intacct_writer.TIMESHEET_WEEK_START
    assert default.adjustment_account == intacct_writer.INVOICE_LINE_ACCOUNT  # adjustments
    assert (default.invoice_item, default.money_tolerance, default.hours_tolerance) == (
        "",
        "0",
        "0",
    )
    assert default.approver_must_differ is False
    assert default.as_toml() == {}


def test_the_entities_offered_are_the_registrys_pushable_ones() -> None:
    # recon.settings sits below the registry and names entities itself: they must exist,
    # and be the ones recon pushes (reference lists and payments never are).
    pushable = {n for n, d in DEFAULT_DIRECTIONS.items() if d.pushable}
    assert set(SYNC_CHOICES) == pushable
    assert set(ONLY_IN_TARGET_ENTITIES) <= {n for n in ENTITIES if "status" in ENTITIES[n].names}
    assert all(DEFAULT_DIRECTIONS[n].only_in_target in ONLY_IN_TARGET_CHOICES for n in pushable)


def test_a_settings_table_is_read_from_a_sandbox_profile(tmp_path: Path) -> None:
    path = profile_with(
        tmp_path,
        '[profiles.acme.settings]\nweek_start = "Sunday"\ninvoice_item = "SVC-CONS"\n'
        'money_tolerance = "0.05"\napprover_must_differ = true\n'
        '[profiles.acme.settings.only_in_target]\ncustomer = "create_in_source"\n',
    )
    settings = load_profile("acme", path).settings
    assert (settings.week_start, settings.week_start_day) == ("sunday", 6)
    assert (settings.invoice_item, settings.money_tolerance) == ("SVC-CONS", "0.05")
    assert settings.approver_must_differ is True
    assert settings.only_in_target == {"customer": "create_in_source"}
    assert settings_directions(settings)["customer"].only_in_target == "create_in_source"
    assert settings.as_toml() == {
        "only_in_target": {"customer": "create_in_source"},
        "invoice_item": "SVC-CONS",
        "week_start": "sunday",
        "money_tolerance": "0.05",
        "approver_must_differ": True,
    }
    assert parse_settings(settings.as_toml(), "acme", path) == settings


@pytest.mark.parametrize(
    ("table", "key", "allowed"),
    [
        ('[profiles.acme.settings]\nweekstart = "monday"', "settings.weekstart", "not a setting"),
        ('[profiles.acme.settings]\nweek_start = "Mon"', "settings.week_start", "a day of"),
        ("[profiles.acme.settings]\nweek_start = 1", "settings.week_start", "a day of the week"),
        ('[profiles.acme.settings]\ninvoice_account = ""', "settings.invoice_account", "non-empty"),
        ("[profiles.acme.settings]\ninvoice_item = 4000", "settings.invoice_item", "text"),
        ('[profiles.acme.settings]\nadjustment_account = " "', "settings.adjustment_account",
         "non-empty"),
        ("[profiles.acme.settings]\nproject_category = 3", "settings.project_category", "text"),
        ('[profiles.acme.settings]\ntimesheet_state = "Approved"', "settings.timesheet_state",
         "'Draft', 'Submitted'"),
        ('[profiles.acme.settings]\nmoney_tolerance = "a cent"', "settings.money_tolerance",
         "a number >= 0"),
        ('[profiles.acme.settings]\nhours_tolerance = "-0.25"', "settings.hours_tolerance",
         "a number >= 0"),
        ("[profiles.acme.settings]\nhours_tolerance = true", "settings.hours_tolerance",
         "a number >= 0"),
        ('[profiles.acme.settings]\napprover_must_differ = "yes"',
         "settings.approver_must_differ", "true or false"),
        ('[profiles.acme.settings]\nsync = "review"', "settings.sync", "a table"),
        ('[profiles.acme.settings.sync]\nvendor = "review"', "settings.sync.vendor",
         "not a setting"),
        ('[profiles.acme.settings.sync]\ninvoice = "intacct_to_bigtime"', "settings.sync.invoice",
         "'bigtime_to_intacct', 'review'"),
        ('[profiles.acme.settings.only_in_target]\ninvoice = "review"',
         "settings.only_in_target.invoice", "not a setting"),
        ('[profiles.acme.settings.only_in_target]\ncustomer = "delete"',
         "settings.only_in_target.customer", "'deactivate', 'create_in_source', 'review'"),
    ],
)  # fmt: skip
def test_a_bad_setting_is_refused_naming_file_key_and_what_is_allowed(
    tmp_path: Path, table: str, key: str, allowed: str
) -> None:
    path = profile_with(tmp_path, table)
    with pytest.raises(ConfigError) as caught:
        load_profile("acme", path)
    said = str(caught.value)
    assert said.startswith(f"{path}: profiles.acme.{key}")
    assert allowed in said
    assert "\n" not in said


def test_a_real_profile_takes_settings_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_PW", "x")
    path = tmp_path / "config.toml"
    path.write_text(
        "[profiles.acme.intacct]\n"
        'endpoint = "https://api.intacct.com/ia/xml/xmlgw.phtml"\nsender_id = "S"\n'
        'company_id = "C"\nuser_id = "U"\nsender_password_env = "T_PW"\n'
        'user_password_env = "T_PW"\n\n[profiles.acme.settings]\nproject_category = "Internal"\n'
        "typo = 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"profiles\.acme\.settings\.typo is not a setting"):
        load_profile("acme", path)


def test_a_bad_setting_stops_a_run_before_any_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = profile_with(tmp_path, '[profiles.acme.settings]\nweek_start = "someday"')
    monkeypatch.setenv("RECON_CONFIG", str(path))
    # The sandboxes are not even running: the profile is refused first.
    with pytest.raises(ConfigError, match=r"profiles\.acme\.settings\.week_start = 'someday'"):
        reconcile_run("acme", start="2025-01-01", end="2025-01-31")


def test_keys_are_the_dataclass_fields() -> None:
    assert set(KEYS) == set(IntegrationSettings().__dataclass_fields__)
