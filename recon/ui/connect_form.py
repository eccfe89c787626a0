"""The connection form of ``00_connect``: type the ids, test the connection, save a profile;
its Settings tab keeps the profile's integration settings (:mod:`recon.ui.settings_tab`).

>>> form = ConnectForm.from_profile("acme")  # doctest: +SKIP
>>> form.widget                              # display it in JupyterLab  # doctest: +SKIP

"Test connection" signs in with the values typed, without saving anything
(:func:`recon.check.check_connection`). "Save profile" writes ids and URLs to the config
file and the secrets to the system keyring, or, for unattended hosts, the *names* of the
environment variables that hold them (:func:`recon.profiles.save_profile`).

Secrets: the password boxes are :class:`ipywidgets.Password`; their values are cleared after
a save and whenever the storage choice changes, so a saved notebook's widget state does
not keep them (docs/ENGINEERING-NOTES.md "Secrets"). Prefilling never fills a secret.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import ipywidgets as w

from recon.check import ConnectionReport, check_connection, scrub
from recon.config import config_path, load_profile, profile_names
from recon.errors import ReconError
from recon.profiles import (
    BIGTIME_BASE_URL,
    INTACCT_ENDPOINT,
    RESERVED_NAMES,
    BigTimeSetup,
    IntacctSetup,
    ProfileInfo,
    ProfileSetup,
    SecretsMode,
    list_profiles,
    profile_from_setup,
    read_settings,
    read_setup,
    remove_profile,
    save_profile,
)
from recon.ui.settings_tab import SettingsTab

__all__ = ["BIGTIME_AUTH_CHOICES", "SECRETS_CHOICES", "ConnectForm", "SecretField"]

log = logging.getLogger("recon.ui")
T = TypeVar("T")

_ERROR_STYLE = "color:#a50e0e;background:#fdecea;padding:4px 8px;border-radius:3px"
_INFO_STYLE = "color:#0d652d;background:#e6f4ea;padding:4px 8px;border-radius:3px"
#: Layouts as dicts: ipywidgets makes one Layout per widget (no widget is built on import).
_WIDE = {"width": "32em"}
_LABEL = {"description_width": "12em"}

#: (label, value) of the storage toggle.
SECRETS_CHOICES: tuple[tuple[str, SecretsMode], ...] = (
    ("system keyring", "keyring"),
    ("environment variable names", "env"),
)
#: (label, value) of the BigTime sign-in toggle; "none" saves a profile without BigTime.
BIGTIME_AUTH_CHOICES: tuple[tuple[str, str], ...] = (
    ("firm API key", "api_key"),
    ("user login", "login"),
    ("not used", "none"),
)


class SecretField:
    """One secret: a Password box (keyring mode) or a Text box for a variable NAME (env mode).

    Parameters
    ----------
    label:
        What the secret is, e.g. ``"User password"``.
    env_example:
        A variable name shown as the placeholder in env mode.
    """

    def __init__(self, label: str, env_example: str) -> None:
        self.label = label
        # The typed secret is moved out of the widget as soon as it arrives (on Enter or when
        # the box loses focus): a widget's value can be saved with the notebook's widget
        # state, a Python attribute cannot.
        self.password = w.Password(
            description=label, style=_LABEL, layout=_WIDE, continuous_update=False
        )
        self._typed = ""
        self.password.observe(self._stash, names="value")
        self.name = w.Text(
            description=f"{label} variable",
            placeholder=env_example,
            style=_LABEL,
            layout=_WIDE,
        )
        self.widget = w.Box([self.password])
        self.mode: SecretsMode = "keyring"

    @property
    def active(self) -> w.Password | w.Text:
        """The box in use: the Password box, or the variable-name box in env mode."""
        return self.name if self.mode == "env" else self.password

    @property
    def value(self) -> str:
        return str(self.name.value) if self.mode == "env" else self._typed

    @value.setter
    def value(self, value: str) -> None:
        self.active.value = value

    def _stash(self, change: dict[str, object]) -> None:
        typed = str(change.get("new") or "")
        if not typed:
            return
        self._typed = typed
        self.password.value = ""
        self.password.placeholder = "entered (type again to replace)"

    def use(self, mode: SecretsMode) -> None:
        """Switch boxes; both are emptied so a typed secret never lingers in the other."""
        self.mode = mode
        self.clear_secret()
        self.name.value = ""
        self.widget.children = (self.active,)

    def clear_secret(self) -> None:
        """Forget the typed secret (variable names are not secrets and stay)."""
        self._typed = ""
        self.password.value = ""
        self.password.placeholder = ""


@dataclass
class ProfileRow:
    """A saved profile's line in the list, with its buttons."""

    info: ProfileInfo
    label: w.HTML
    test: w.Button
    remove: w.Button | None
    widget: w.HBox


class ConnectForm:
    """Connection form for Intacct and BigTime, with the saved profiles below it.

    Parameters
    ----------
    path:
        The config file (default :func:`recon.config.config_path`).
    setup:
        Values to show (see :meth:`from_profile`); no secret is ever prefilled.

    Attributes
    ----------
    widget:
        The form to display.
    profile_name, secrets_mode:
        Name to save under; ``"keyring"`` or ``"env"`` (a toggle).
    company_id, user_id, user_password, sender_id, sender_password, entity_id, endpoint:
        Intacct. ``user_password`` and ``sender_password`` are :class:`SecretField`.
    bigtime_auth, firm, api_token, bigtime_user, bigtime_password, base_url:
        BigTime; ``bigtime_auth`` is ``"api_key"``, ``"login"`` or ``"none"``.
    test_button, save_button, message:
        The buttons and the last result (HTML).
    rows, profiles_message:
        The saved profiles (name -> :class:`ProfileRow`) and the result of their buttons.
    settings:
        The Settings tab (:class:`~recon.ui.settings_tab.SettingsTab`): the integration
        settings of the profile named in ``profile_name``, saved with its own button.
    """

    def __init__(self, *, path: Path | None = None, setup: ProfileSetup | None = None) -> None:
        self.path = path
        self._build()
        if setup is not None:
            self.fill(setup)
        self.refresh_profiles()

    @classmethod
    def from_profile(cls, name: str, path: Path | None = None) -> ConnectForm:
        """A form showing saved profile ``name`` (ids, URLs, variable names; no secret).

        ``sandbox`` shows the built-in sandboxes' ids and URLs with an empty name (the
        built-in profile cannot be overwritten). An unknown name gives an empty form
        with that name and a note.
        """
        try:
            known = name in profile_names(path)
            setup = read_setup(name, path) if known else None
        except ReconError as exc:
            form = cls(path=path)
            form._say(str(exc), error=True)
            return form
        form = cls(path=path, setup=setup)
        if setup is None:
            form.profile_name.value = name
            form._say(f"No profile {name} saved yet: fill in the form, test it, and save it.")
        if name in RESERVED_NAMES:
            form.profile_name.value = ""
            form._say(
                "Showing the built-in sandbox's ids and URLs. Type a profile name, the "
                "passwords, and save to keep your own profile."
            )
        return form

    # --- building -----------------------------------------------------------------------

    def _build(self) -> None:
        def text(label: str, value: str = "", placeholder: str = "") -> w.Text:
            return w.Text(
                value=value, description=label, placeholder=placeholder, style=_LABEL, layout=_WIDE
            )

        self.profile_name = text("Profile name", placeholder="e.g. acme")
        self.secrets_mode = w.ToggleButtons(
            options=SECRETS_CHOICES, value="keyring", description="Keep secrets in", style=_LABEL
        )
        self.company_id = text("Company ID")
        self.user_id = text("User ID")
        self.user_password = SecretField("User password", "ACME_INTACCT_USER_PASSWORD")
        self.sender_id = text("Sender ID", placeholder="Web Services sender ID")
        self.sender_password = SecretField("Sender password", "ACME_INTACCT_SENDER_PASSWORD")
        self.entity_id = text("Entity ID", placeholder="optional: sign in to one entity")
        self.endpoint = text("Endpoint URL", INTACCT_ENDPOINT)
        self.bigtime_auth = w.ToggleButtons(
            options=BIGTIME_AUTH_CHOICES, value="api_key", description="Sign in with", style=_LABEL
        )
        self.firm = text("Firm ID", placeholder="shown next to the firm's API keys")
        self.api_token = SecretField("API key", "ACME_BIGTIME_API_TOKEN")
        self.bigtime_user = text("User ID", placeholder="the user's e-mail")
        self.bigtime_password = SecretField("Password", "ACME_BIGTIME_PASSWORD")
        self.base_url = text("Base URL", BIGTIME_BASE_URL)
        self.test_button = w.Button(description="Test connection", icon="plug")
        self.save_button = w.Button(description="Save profile", icon="save", button_style="primary")
        self.message = w.HTML()
        self.profiles_box = w.VBox()
        self.profiles_message = w.HTML()
        self.rows: dict[str, ProfileRow] = {}
        self._bigtime_box = w.VBox()
        self.secrets_mode.observe(lambda _c: self._on_mode(), names="value")
        self.bigtime_auth.observe(lambda _c: self._show_bigtime(), names="value")
        self.test_button.on_click(lambda _b: self.test())
        self.save_button.on_click(lambda _b: self.save())
        self._show_bigtime()
        connection = w.VBox(
            [
                w.HTML("<h3>Connect recon to Intacct and BigTime</h3>"),
                self.profile_name,
                self.secrets_mode,
                w.HTML("<b>Sage Intacct</b>"),
                self.company_id,
                self.user_id,
                self.user_password.widget,
                self.sender_id,
                self.sender_password.widget,
                self.entity_id,
                self.endpoint,
                w.HTML("<b>BigTime</b>"),
                self.bigtime_auth,
                self._bigtime_box,
                w.HBox([self.test_button, self.save_button]),
                self.message,
                w.HTML("<b>Saved profiles</b>"),
                self.profiles_box,
                self.profiles_message,
            ]
        )
        # The profile named above; like BigTime's "Integration Settings > General".
        self.settings = SettingsTab(lambda: str(self.profile_name.value), self.path)
        self.widget = w.Tab(
            children=[connection, self.settings.widget], titles=("Connection", "Settings")
        )

    def _secret_fields(self) -> tuple[SecretField, ...]:
        return (self.user_password, self.sender_password, self.api_token, self.bigtime_password)

    def _on_mode(self) -> None:
        for secret in self._secret_fields():
            secret.use(self.secrets_mode.value)

    def _show_bigtime(self) -> None:
        auth = self.bigtime_auth.value
        if auth == "none":
            self._bigtime_box.children = ()
            return
        middle = [self.api_token.widget] if auth == "api_key" else []
        if auth == "login":
            middle = [self.bigtime_user, self.bigtime_password.widget]
        self._bigtime_box.children = (self.firm, *middle, self.base_url)

    def fill(self, setup: ProfileSetup) -> None:
        """Show ``setup``'s values (and its settings in the Settings tab); secret boxes are
        filled only with variable names."""
        self.profile_name.value = setup.name
        try:
            self.settings.show(read_settings(setup.name, self.path))
        except ReconError as exc:  # a bad table in the file: say so where it is edited
            self.settings.say(f"The saved settings cannot be read: {exc}", error=True)
        self.secrets_mode.value = setup.secrets
        self._on_mode()  # empties every secret box even when the mode did not change
        ia, bt = setup.intacct, setup.bigtime
        self.company_id.value, self.user_id.value = ia.company_id, ia.user_id
        self.sender_id.value, self.entity_id.value = ia.sender_id, ia.entity_id
        self.endpoint.value = ia.endpoint
        if setup.secrets == "env":
            self.user_password.value = ia.user_password
            self.sender_password.value = ia.sender_password
        if bt is None:
            self.bigtime_auth.value = "none"
            return
        self.bigtime_auth.value = "api_key" if bt.uses_api_key else "login"
        self.firm.value, self.base_url.value = bt.firm, bt.base_url
        self.bigtime_user.value = bt.user_id
        if setup.secrets == "env":
            self.api_token.value = bt.api_token
            self.bigtime_password.value = bt.password

    # --- what the buttons do ------------------------------------------------------------

    def setups(self) -> tuple[IntacctSetup, BigTimeSetup | None]:
        """The typed values (secrets or variable names, per the storage choice)."""
        intacct = IntacctSetup(
            company_id=self.company_id.value,
            user_id=self.user_id.value,
            sender_id=self.sender_id.value,
            user_password=self.user_password.value,
            sender_password=self.sender_password.value,
            entity_id=self.entity_id.value,
            endpoint=self.endpoint.value,
        )
        auth = self.bigtime_auth.value
        if auth == "none":
            return intacct, None
        bigtime = BigTimeSetup(firm=self.firm.value, base_url=self.base_url.value)
        if auth == "api_key":
            bigtime = BigTimeSetup(
                firm=bigtime.firm, base_url=bigtime.base_url, api_token=self.api_token.value
            )
        else:
            bigtime = BigTimeSetup(
                firm=bigtime.firm,
                base_url=bigtime.base_url,
                user_id=self.bigtime_user.value,
                password=self.bigtime_password.value,
            )
        return intacct, bigtime

    def test(self) -> ConnectionReport | None:
        """What "Test connection" does: check the typed values without saving them."""
        intacct, bigtime = self.setups()

        def act() -> ConnectionReport:
            profile = profile_from_setup(
                self.profile_name.value.strip() or "unsaved",
                intacct,
                bigtime,
                secrets=self.secrets_mode.value,
            )
            return check_connection(profile)

        report = self._guarded("Could not test the connection", act, self.message)
        if report is not None:
            self.message.value = report_html(report)
        return report

    def save(self) -> Path | None:
        """What "Save profile" does; clears the password boxes once saved."""
        intacct, bigtime = self.setups()
        name = self.profile_name.value.strip()
        mode = self.secrets_mode.value

        def act() -> Path:
            return save_profile(name, intacct, bigtime, secrets=mode, path=self.path)

        saved = self._guarded("Could not save the profile", act, self.message)
        if saved is None:
            return None
        for secret in self._secret_fields():
            secret.clear_secret()
        where = (
            "the secrets are in the system keyring"
            if mode == "keyring"
            else "the secrets are read from the environment variables it names"
        )
        self._say(f"Saved profile {name} to {saved}; {where}.")
        self.refresh_profiles()
        return saved

    # --- saved profiles -----------------------------------------------------------------

    def refresh_profiles(self) -> None:
        """Rebuild the list of saved profiles from the config file."""
        try:
            infos = list_profiles(self.path)
        except ReconError as exc:
            self.rows = {}
            self.profiles_box.children = ()
            self._say(str(exc), error=True, target=self.profiles_message)
            return
        self.rows = {info.name: self._row(info) for info in infos}
        self.profiles_box.children = tuple(r.widget for r in self.rows.values())

    def _row(self, info: ProfileInfo) -> ProfileRow:
        label = w.HTML(html.escape(info.line()), layout={"width": "40em"})
        test = w.Button(description="Test", icon="plug", layout={"width": "7em"})
        test.on_click(lambda _b: self.test_saved(info.name))
        remove = None
        if info.name not in RESERVED_NAMES:
            remove = w.Button(description="Remove", icon="trash", layout={"width": "9em"})
            remove.on_click(lambda _b: self._remove_clicked(info.name))
        buttons = [b for b in (test, remove) if b is not None]
        return ProfileRow(info, label, test, remove, w.HBox([label, *buttons]))

    def test_saved(self, name: str) -> ConnectionReport | None:
        """What a saved profile's "Test" does: load it (secrets resolved) and check it."""
        target = self.profiles_message
        report = self._guarded(
            f"Could not test profile {name}",
            lambda: check_connection(load_profile(name, self.path)),
            target,
        )
        if report is not None:
            target.value = report_html(report, title=f"Profile {name}")
        return report

    def _remove_clicked(self, name: str) -> None:
        # Two clicks: removing also deletes the profile's secrets from the keyring.
        button = self.rows[name].remove
        if button is None:
            return
        if button.button_style != "danger":
            button.button_style = "danger"
            button.description = "Confirm remove"
            return
        self.remove_saved(name)

    def remove_saved(self, name: str) -> bool:
        """Remove a saved profile (and its keyring entries); True when it was removed."""
        notes = self._guarded(
            f"Could not remove profile {name}",
            lambda: remove_profile(name, self.path),
            self.profiles_message,
        )
        if notes is None:
            return False
        self.refresh_profiles()
        said = " ".join([f"Removed profile {name}.", *notes])
        self._say(said, error=bool(notes), target=self.profiles_message)
        return True

    # --- messages -----------------------------------------------------------------------

    def _guarded(self, failure: str, act: Callable[[], T], target: w.HTML) -> T | None:
        """Run one step; show a ConfigError (or anything unexpected) instead of raising."""
        try:
            return act()
        except ReconError as exc:
            self._say(f"{failure}: {self._scrub(str(exc))}", error=True, target=target)
        except Exception as exc:
            # A button callback has no caller to raise to: show it, and log the type for the
            # IT person (not the message: it is not ours and might quote a typed value).
            log.error("connect form: %s: unexpected %s", failure, type(exc).__name__)
            said = f"{failure}: unexpected {type(exc).__name__}: {self._scrub(str(exc))}"
            self._say(said, error=True, target=target)
        return None

    def _scrub(self, text: str) -> str:
        return scrub(text, (str(s.password.value) for s in self._secret_fields()))

    def _say(self, text: str, *, error: bool = False, target: w.HTML | None = None) -> None:
        style = _ERROR_STYLE if error else _INFO_STYLE
        (target or self.message).value = f'<div style="{style}">{html.escape(text)}</div>'

    @property
    def config_file(self) -> Path:
        """The config file this form saves to."""
        return self.path or config_path()


def report_html(report: ConnectionReport, title: str = "") -> str:
    """A check's lines, each marked as working or not (HTML, escaped)."""
    lines = []
    if title:
        lines.append(f"<b>{html.escape(title)}</b>")
    for check in report.checks:
        style = _INFO_STYLE if check.ok else _ERROR_STYLE
        mark = "✔" if check.ok else "✘"
        lines.append(
            f'<div style="{style}" data-system="{check.system}" data-ok="{str(check.ok).lower()}">'
            f"{mark} {html.escape(check.words)}</div>"
        )
    return "\n".join(lines)
