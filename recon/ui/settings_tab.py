"""The Settings tab of the ``00_connect`` form: a profile's integration settings, shown with
their defaults and saved into ``[profiles.<name>.settings]`` (like BigTime's "Integration
Settings > General"). A bad value is refused with the message the config file gets
(:func:`recon.settings.parse_settings`); nothing is written then.

>>> tab = SettingsTab(lambda: "acme")  # doctest: +SKIP
>>> tab.show(recon.profiles.read_settings("acme")); tab.widget  # doctest: +SKIP
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import ipywidgets as w

from recon.errors import ReconError
from recon.profiles import save_settings
from recon.settings import (
    ONLY_IN_TARGET_CHOICES,
    ONLY_IN_TARGET_ENTITIES,
    SYNC_CHOICES,
    TIMESHEET_STATES,
    WEEKDAYS,
    IntegrationSettings,
)

__all__ = ["DEFAULT_CHOICE", "SettingsTab"]

_ERROR_STYLE = "color:#a50e0e;background:#fdecea;padding:4px 8px;border-radius:3px"
_INFO_STYLE = "color:#0d652d;background:#e6f4ea;padding:4px 8px;border-radius:3px"
_WIDE = {"width": "32em"}
_LABEL = {"description_width": "16em"}
#: The dropdown value of "as the design has it" (the setting is left out of the file).
DEFAULT_CHOICE = ""
#: What each choice reads as in the tab.
_WORDS = {
    DEFAULT_CHOICE: "default (as recon's design has it)",
    "intacct_to_bigtime": "Intacct -> BigTime",
    "bigtime_to_intacct": "BigTime -> Intacct",
    "review": "review only, never pushed",
    "deactivate": "deactivate it there",
    "create_in_source": "create it in the other system",
}
_TEXTS = (
    ("invoice_account", "Invoice line account"),
    ("invoice_item", "Invoice line item"),
    ("adjustment_account", "Adjustment / credit account"),
    ("project_category", "New project category"),
    ("money_tolerance", "Money tolerance"),
    ("hours_tolerance", "Hours tolerance"),
)


def _dropdown(label: str, choices: tuple[str, ...]) -> w.Dropdown:
    options = [(_WORDS.get(c, c), c) for c in (DEFAULT_CHOICE, *choices)]
    return w.Dropdown(
        options=options, value=DEFAULT_CHOICE, description=label, style=_LABEL, layout=_WIDE
    )


class SettingsTab:
    """The integration settings of the profile ``profile_name()`` names.

    Attributes
    ----------
    sync, only_in_target:
        Entity -> dropdown (the default choice leaves the design's way).
    texts:
        Key -> text box (accounts, item, category, tolerances).
    timesheet_state, week_start, approver_must_differ:
        Their widgets.
    save_button, message, widget:
        "Save settings", what it did, the tab.
    """

    def __init__(self, profile_name: Callable[[], str], path: Path | None = None) -> None:
        self.profile_name, self.path = profile_name, path
        self.sync = {
            e: _dropdown(f"Sync {e.replace('_', ' ')}s", c) for e, c in SYNC_CHOICES.items()
        }
        self.only_in_target = {
            e: _dropdown(f"{e.capitalize()} only in the target", ONLY_IN_TARGET_CHOICES)
            for e in ONLY_IN_TARGET_ENTITIES
        }
        self.texts = {
            k: w.Text(description=label, style=_LABEL, layout=_WIDE) for k, label in _TEXTS
        }
        self.timesheet_state = w.Dropdown(
            options=TIMESHEET_STATES, description="New timesheet state", style=_LABEL, layout=_WIDE
        )
        self.week_start = w.Dropdown(
            options=[(d.capitalize(), d) for d in WEEKDAYS],
            description="Timesheet week starts on",
            style=_LABEL,
            layout=_WIDE,
        )
        self.approver_must_differ = w.Checkbox(
            description="The approver must not be who prepared the run (segregation of duties)",
            indent=False,
        )
        self.save_button = w.Button(
            description="Save settings", icon="save", button_style="primary"
        )
        self.save_button.on_click(lambda _b: self.save())
        self.message = w.HTML()
        self.widget = w.VBox(
            [
                w.HTML("<b>What syncs, and which way</b>"),
                *self.sync.values(),
                w.HTML("<b>A record found only in the target system</b>"),
                *self.only_in_target.values(),
                w.HTML("<b>What recon writes to Intacct</b>"),
                *(
                    self.texts[k]
                    for k in (
                        "invoice_account",
                        "invoice_item",
                        "adjustment_account",
                        "project_category",
                    )
                ),
                self.timesheet_state,
                self.week_start,
                w.HTML("<b>Comparing and approving</b>"),
                self.texts["money_tolerance"],
                self.texts["hours_tolerance"],
                self.approver_must_differ,
                self.save_button,
                self.message,
            ]
        )
        self.show(IntegrationSettings())

    def show(self, settings: IntegrationSettings) -> None:
        """Show ``settings`` (the defaults where the profile sets nothing)."""
        for entity, box in self.sync.items():
            box.value = settings.sync.get(entity, DEFAULT_CHOICE)
        for entity, box in self.only_in_target.items():
            box.value = settings.only_in_target.get(entity, DEFAULT_CHOICE)
        for key, text in self.texts.items():
            text.value = str(getattr(settings, key))
        self.timesheet_state.value = settings.timesheet_state
        self.week_start.value = settings.week_start
        self.approver_must_differ.value = settings.approver_must_differ

    def values(self) -> dict[str, object]:
        """The tab as a ``settings`` table (unchecked; :meth:`save` checks it)."""
        table: dict[str, object] = {k: str(t.value) for k, t in self.texts.items()}
        table["sync"] = {e: b.value for e, b in self.sync.items() if b.value != DEFAULT_CHOICE}
        table["only_in_target"] = {
            e: b.value for e, b in self.only_in_target.items() if b.value != DEFAULT_CHOICE
        }
        table["timesheet_state"] = self.timesheet_state.value
        table["week_start"] = self.week_start.value
        table["approver_must_differ"] = bool(self.approver_must_differ.value)
        return table

    def save(self) -> IntegrationSettings | None:
        """Check and save the tab into the profile's ``settings`` table; None (and the
        message says why) when a value is refused or the profile is not saved yet."""
        name = self.profile_name().strip()
        try:
            saved = save_settings(name, self.values(), self.path)
        except ReconError as exc:
            self.say(f"Settings not saved: {exc}", error=True)
            return None
        self.show(saved)
        self.say(f"Saved the settings of profile {name}; its next run uses them.")
        return saved

    def say(self, text: str, *, error: bool = False) -> None:
        kind, style = ("error", _ERROR_STYLE) if error else ("info", _INFO_STYLE)
        self.message.value = f'<div data-kind="{kind}" style="{style}">{html.escape(text)}</div>'
