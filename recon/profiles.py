"""Save, list and remove profiles in the config file; secrets go to the keyring or stay in
environment variables, never into the file.

>>> save_profile(  # doctest: +SKIP
...     "acme",
...     IntacctSetup(company_id="ACME", user_id="xml_gateway", user_password="...",
...                  sender_id="ACME_SENDER", sender_password="..."),
...     BigTimeSetup(firm="abcd-efg-hijk", api_token="..."),
...     secrets="keyring",
... )

``secrets="keyring"`` stores each secret in the system keyring (service ``recon``, user name
``<profile>/<system>/<key>``) and writes ``<key>_keyring = true``; ``secrets="env"`` takes the
*names* of environment variables in the secret fields and writes ``<key>_env = "NAME"`` (for
unattended hosts, which usually have no keyring). :func:`recon.config.load_profile` reads
both.

The file is rewritten whole (``tomli_w``), atomically, with mode 0600: other profiles and
keys recon does not write (``auto_approve`` rules, ``max_differences``, other tables) are
kept, comments are not.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import tomli_w

from recon.bigtime.client import BIGTIME_BASE_URL
from recon.config import (
    KEYRING_SERVICE,
    BigTimeProfile,
    IntacctProfile,
    Profile,
    Secret,
    config_path,
    keyring_service,
    keyring_username,
    no_keyring_message,
    read_config,
    sandbox_profile,
)
from recon.errors import ConfigError
from recon.intacct.client import INTACCT_ENDPOINT

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BIGTIME_BASE_URL",
    "INTACCT_ENDPOINT",
    "BigTimeSetup",
    "IntacctSetup",
    "ProfileInfo",
    "ProfileSetup",
    "SecretsMode",
    "check_profile_name",
    "list_profiles",
    "profile_from_setup",
    "profiles_frame",
    "read_setup",
    "remove_profile",
    "save_profile",
]

SecretsMode = Literal["keyring", "env"]
SECRETS_MODES: tuple[SecretsMode, ...] = ("keyring", "env")

PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]+")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: The embedded profile (recon's own sandboxes) cannot be overwritten or removed.
RESERVED_NAMES = ("sandbox",)

#: Secret keys of each section, in the order the form shows them.
SECRET_KEYS: Mapping[str, tuple[str, ...]] = {
    "intacct": ("sender_password", "user_password"),
    "bigtime": ("api_token", "password"),
}
#: Keys recon writes in each section; saving replaces exactly these and keeps the rest.
_WRITTEN: Mapping[str, tuple[str, ...]] = {
    "intacct": ("endpoint", "sender_id", "company_id", "user_id", "entity_id"),
    "bigtime": ("base_url", "firm", "user_id"),
}
_HEADER = (
    "# recon profiles (written by recon.profiles / the 00_connect notebook).\n"
    "# Secrets are never kept here: <key>_keyring = true reads the system keyring,\n"
    '# <key>_env = "NAME" reads environment variable NAME.\n\n'
)


@dataclass(frozen=True)
class IntacctSetup:
    """What the connect form asks for Intacct.

    The two secret fields hold the secret values (keyring mode) or the names of the
    environment variables holding them (env mode); neither is ever shown in ``repr``.
    """

    company_id: str
    user_id: str
    sender_id: str
    user_password: str = field(default="", repr=False)
    sender_password: str = field(default="", repr=False)
    entity_id: str = ""
    endpoint: str = INTACCT_ENDPOINT


@dataclass(frozen=True)
class BigTimeSetup:
    """What the connect form asks for BigTime: a firm API key, or a user login.

    ``api_token`` / ``password`` hold values (keyring mode) or variable names (env mode).
    """

    firm: str
    api_token: str = field(default="", repr=False)
    user_id: str = ""
    password: str = field(default="", repr=False)
    base_url: str = BIGTIME_BASE_URL

    @property
    def uses_api_key(self) -> bool:
        """A firm API key unless a user login is given (the key is preferred)."""
        return bool(self.api_token) or not (self.user_id or self.password)


@dataclass(frozen=True)
class ProfileSetup:
    """A saved profile as the form shows it: ids and URLs, no secret values.

    In env mode the secret fields hold the variable names (not secrets); in keyring mode
    they are empty.
    """

    name: str
    intacct: IntacctSetup
    bigtime: BigTimeSetup | None
    secrets: SecretsMode


@dataclass(frozen=True)
class ProfileInfo:
    """One line of :func:`list_profiles`: where a profile points and how its secrets are kept."""

    name: str
    systems: tuple[str, ...]
    intacct_endpoint: str = ""
    intacct_company: str = ""
    bigtime_base_url: str = ""
    bigtime_firm: str = ""
    #: "keyring", "environment variables", both joined by " + ", "built-in demo
    #: credentials", or "incomplete".
    secrets: str = ""

    def line(self) -> str:
        """``acme: intacct (company ACME), bigtime (firm x); secrets in keyring``."""
        parts = []
        if "intacct" in self.systems:
            parts.append(f"intacct (company {self.intacct_company or '?'})")
        if "bigtime" in self.systems:
            parts.append(f"bigtime (firm {self.bigtime_firm or '?'})")
        where = ", ".join(parts) or "no systems"
        return f"{self.name}: {where}; secrets: {self.secrets or 'none'}"


# --- checks -------------------------------------------------------------------------------


def check_profile_name(name: str) -> str:
    """Return ``name`` if it may be saved; else raise a ConfigError saying why."""
    if not isinstance(name, str) or not PROFILE_NAME.fullmatch(name):
        raise ConfigError(
            f"profile name {name!r} is not allowed: use letters, digits, '-' and '_' only "
            "(for example acme or acme-prod)."
        )
    if name in RESERVED_NAMES:
        raise ConfigError(
            f"{name!r} is recon's built-in profile (its own sandboxes) and cannot be replaced "
            "or removed; choose another name."
        )
    return name


def _need(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{what} is missing.")
    return value.strip()


def _url(value: str, what: str) -> str:
    url = _need(value, what)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what} must be an http(s) URL such as {_example(what)}.")
    return url


def _example(what: str) -> str:
    return BIGTIME_BASE_URL if what.startswith("BigTime") else INTACCT_ENDPOINT


def _secret_field(value: str, what: str, mode: SecretsMode) -> str:
    if mode == "keyring":
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{what} is missing.")
        return value  # a secret: kept exactly as typed
    name = (value or "").strip() if isinstance(value, str) else ""
    if not ENV_NAME.fullmatch(name):
        # Never echo the value: a user may have typed the secret itself into the name box.
        raise ConfigError(
            f"{what}: give the NAME of the environment variable that holds it (letters, "
            "digits and '_', not starting with a digit), not the secret itself."
        )
    return name


def _checked_intacct(setup: IntacctSetup, mode: SecretsMode) -> dict[str, str]:
    values = {
        "endpoint": _url(setup.endpoint, "Intacct endpoint URL"),
        "sender_id": _need(setup.sender_id, "Intacct Web Services sender ID"),
        "company_id": _need(setup.company_id, "Intacct company ID"),
        "user_id": _need(setup.user_id, "Intacct user ID"),
    }
    entity = (setup.entity_id or "").strip()
    if entity:
        values["entity_id"] = entity
    values["sender_password"] = _secret_field(
        setup.sender_password, "Intacct sender password", mode
    )
    values["user_password"] = _secret_field(setup.user_password, "Intacct user password", mode)
    return values


def _checked_bigtime(setup: BigTimeSetup, mode: SecretsMode) -> dict[str, str]:
    values = {
        "base_url": _url(setup.base_url, "BigTime base URL"),
        "firm": _need(setup.firm, "BigTime firm ID"),
    }
    user = (setup.user_id or "").strip()
    if setup.api_token and (user or setup.password):
        raise ConfigError("BigTime: give an API key or a user login, not both.")
    if setup.api_token or not (user or setup.password):
        values["api_token"] = _secret_field(setup.api_token, "BigTime API key", mode)
        return values
    values["user_id"] = _need(user, "BigTime user ID")
    values["password"] = _secret_field(setup.password, "BigTime password", mode)
    return values


def _check_mode(secrets: str) -> SecretsMode:
    if secrets not in SECRETS_MODES:
        raise ConfigError(f"secrets must be 'keyring' or 'env', not {secrets!r}.")
    return secrets  # type: ignore[return-value]


# --- profile from typed values (test before saving) -----------------------------------------


def profile_from_setup(
    name: str,
    intacct: IntacctSetup,
    bigtime: BigTimeSetup | None = None,
    *,
    secrets: SecretsMode = "keyring",
    environ: Mapping[str, str] | None = None,
) -> Profile:
    """A :class:`~recon.config.Profile` from typed values, without saving anything.

    In env mode the secrets are read from ``environ`` (default ``os.environ``).

    Raises
    ------
    ConfigError
        A missing field, a bad URL, a bad variable name or unset variables (all named).
    """
    mode = _check_mode(secrets)
    ia = _checked_intacct(intacct, mode)
    bt = _checked_bigtime(bigtime, mode) if bigtime is not None else {}
    values = {
        **{f"intacct.{k}": v for k, v in ia.items()},
        **{f"bigtime.{k}": v for k, v in bt.items()},
    }
    found = _secret_values(values, mode, os.environ if environ is None else environ)
    intacct_profile = IntacctProfile(
        endpoint=ia["endpoint"],
        sender_id=ia["sender_id"],
        company_id=ia["company_id"],
        user_id=ia["user_id"],
        sender_password=found["intacct.sender_password"],
        user_password=found["intacct.user_password"],
        entity_id=ia.get("entity_id"),
    )
    bigtime_profile = None
    if bigtime is not None:
        bigtime_profile = BigTimeProfile(
            base_url=bt["base_url"],
            firm=bt["firm"],
            api_token=found.get("bigtime.api_token"),
            user_id=bt.get("user_id"),
            password=found.get("bigtime.password"),
        )
    return Profile(name=name or "unsaved", intacct=intacct_profile, bigtime=bigtime_profile)


def _secret_values(
    values: Mapping[str, str], mode: SecretsMode, env: Mapping[str, str]
) -> dict[str, Secret]:
    """``"system.key"`` -> the secret: the value itself, or (env mode) the variable's value."""
    wanted = {f"{system}.{key}" for system, keys in SECRET_KEYS.items() for key in keys} & set(
        values
    )
    if mode == "keyring":
        return {k: Secret(values[k]) for k in wanted}
    unset = sorted({values[k] for k in wanted if not env.get(values[k])})
    if unset:
        plural = "s" if len(unset) > 1 else ""
        raise ConfigError(
            f"environment variable{plural} {', '.join(unset)} not set in this kernel; export "
            "them before starting Jupyter, or keep the secrets in the keyring."
        )
    return {k: Secret(env[values[k]]) for k in wanted}


# --- the file -----------------------------------------------------------------------------


def _profiles_table(data: dict[str, object], path: Path) -> dict[str, object]:
    profiles = data.setdefault("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{path}: 'profiles' must be a table; fix or remove the file.")
    return profiles


def _write_config(path: Path, data: Mapping[str, object]) -> None:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename), mode 0600."""
    text = _HEADER + tomli_w.dumps(dict(data))
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml.tmp", dir=path.parent)
    except OSError as exc:
        raise ConfigError(f"cannot write {path} ({exc.strerror}).") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:  # mkstemp: mode 0600 already
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _section(
    old: object, written: Mapping[str, str], system: str, mode: SecretsMode
) -> dict[str, object]:
    """The new ``system`` table: ``old``'s unknown keys kept, recon's keys replaced."""
    refs = (f"{key}_{how}" for key in SECRET_KEYS[system] for how in ("env", "keyring"))
    ours = {*_WRITTEN[system], *refs}
    kept = old.items() if isinstance(old, dict) else ()
    table: dict[str, object] = {k: v for k, v in kept if k not in ours}
    for key, value in written.items():
        if key in SECRET_KEYS[system]:
            table[f"{key}_keyring" if mode == "keyring" else f"{key}_env"] = (
                True if mode == "keyring" else value
            )
        else:
            table[key] = value
    return table


def _keyring_entries(name: str, table: object) -> Iterator[tuple[str, str]]:
    """(service, user name) of every keyring secret profile ``table`` refers to."""
    if not isinstance(table, dict):
        return
    for system, keys in SECRET_KEYS.items():
        section = table.get(system)
        if not isinstance(section, dict):
            continue
        for key in keys:
            service = keyring_service(section.get(f"{key}_keyring"))
            if service is not None:
                yield service, keyring_username(name, system, key)


def save_profile(
    name: str,
    intacct: IntacctSetup,
    bigtime: BigTimeSetup | None = None,
    *,
    secrets: SecretsMode = "keyring",
    path: Path | None = None,
) -> Path:
    """Save profile ``name`` (replacing one of that name); return the config file's path.

    Parameters
    ----------
    name:
        Letters, digits, ``-`` and ``_``; not ``sandbox``.
    intacct, bigtime:
        Ids and URLs, and the secrets: their values (``secrets="keyring"``) or the names of
        the environment variables that hold them (``secrets="env"``). ``bigtime=None``
        saves a profile without BigTime (an existing BigTime section is then dropped).
    secrets:
        ``"keyring"``: values go to the system keyring, the file says ``<key>_keyring =
        true``. ``"env"``: the file says ``<key>_env = "NAME"``.
    path:
        The config file (default :func:`recon.config.config_path`).

    Raises
    ------
    ConfigError
        Bad name, missing field, bad URL or variable name, no usable keyring.
    """
    check_profile_name(name)
    mode = _check_mode(secrets)
    cfg = path or config_path()
    ia = _checked_intacct(intacct, mode)
    bt = _checked_bigtime(bigtime, mode) if bigtime is not None else None
    data = read_config(cfg)
    profiles = _profiles_table(data, cfg)
    old = profiles.get(name)
    table: dict[str, object] = dict(old) if isinstance(old, dict) else {}
    # `sandbox = true` would make load_profile ignore the sections written now.
    table.pop("sandbox", None)
    table["intacct"] = _section(table.get("intacct"), ia, "intacct", mode)
    if bt is not None:
        table["bigtime"] = _section(table.get("bigtime"), bt, "bigtime", mode)
    else:
        table.pop("bigtime", None)
    stored = _store_in_keyring(name, ia, bt) if mode == "keyring" else set()
    profiles[name] = table
    _write_config(cfg, data)
    _forget_in_keyring(e for e in _keyring_entries(name, old) if e not in stored)
    return cfg


def _store_in_keyring(
    name: str, ia: Mapping[str, str], bt: Mapping[str, str] | None
) -> set[tuple[str, str]]:
    """Put the profile's secrets in the keyring; return the (service, user) entries written."""
    import keyring
    from keyring.errors import KeyringError

    stored: set[tuple[str, str]] = set()
    for system, values in (("intacct", ia), ("bigtime", bt or {})):
        for key in SECRET_KEYS[system]:
            if key not in values:
                continue
            user = keyring_username(name, system, key)
            try:
                keyring.set_password(KEYRING_SERVICE, user, values[key])
            except KeyringError as exc:
                raise ConfigError(no_keyring_message(name, exc)) from None
            stored.add((KEYRING_SERVICE, user))
    return stored


def _forget_in_keyring(entries: Iterator[tuple[str, str]]) -> list[str]:
    """Delete keyring entries; return a note for each that could not be deleted."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    notes = []
    for service, user in entries:
        try:
            keyring.delete_password(service, user)
        except PasswordDeleteError:
            continue  # already gone
        except KeyringError as exc:
            notes.append(
                f"keyring entry {user!r} (service {service!r}) could not be deleted "
                f"({type(exc).__name__}); delete it with your keyring tool."
            )
    return notes


def remove_profile(name: str, path: Path | None = None) -> list[str]:
    """Remove profile ``name`` from the config file and its secrets from the keyring.

    Returns notes about keyring entries that could not be deleted (empty when all went);
    the profile is removed from the file either way.

    Raises
    ------
    ConfigError
        Bad or reserved name, or no such profile.
    """
    check_profile_name(name)
    cfg = path or config_path()
    data = read_config(cfg)
    profiles = _profiles_table(data, cfg)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(f"no saved profile {name!r} in {cfg} (saved profiles: {known}).")
    old = profiles.pop(name)
    _write_config(cfg, data)
    return _forget_in_keyring(_keyring_entries(name, old))


# --- reading back -------------------------------------------------------------------------


def _secrets_kind(table: Mapping[str, object]) -> str:
    kinds = []
    for system, keys in SECRET_KEYS.items():
        section = table.get(system)
        if not isinstance(section, dict):
            continue
        for key in keys:
            if keyring_service(section.get(f"{key}_keyring")) is not None:
                kinds.append("keyring")
            elif f"{key}_env" in section:
                kinds.append("environment variables")
    return " + ".join(dict.fromkeys(kinds)) or "incomplete"


def _info(name: str, table: object) -> ProfileInfo:
    if not isinstance(table, dict):
        return ProfileInfo(name, (), secrets="incomplete")
    if table.get("sandbox") is True:
        return _profile_info(replace(sandbox_profile(), name=name))
    ia, bt = table.get("intacct"), table.get("bigtime")
    ia = ia if isinstance(ia, dict) else {}
    bt = bt if isinstance(bt, dict) else {}
    systems = tuple(s for s, t in (("intacct", ia), ("bigtime", bt)) if t)
    return ProfileInfo(
        name=name,
        systems=systems,
        intacct_endpoint=str(ia.get("endpoint", "")),
        intacct_company=str(ia.get("company_id", "")),
        bigtime_base_url=str(bt.get("base_url", "")),
        bigtime_firm=str(bt.get("firm", "")),
        secrets=_secrets_kind(table),
    )


def _profile_info(profile: Profile) -> ProfileInfo:
    bt = profile.bigtime
    return ProfileInfo(
        name=profile.name,
        systems=("intacct", "bigtime") if bt else ("intacct",),
        intacct_endpoint=profile.intacct.endpoint,
        intacct_company=profile.intacct.company_id,
        bigtime_base_url=bt.base_url if bt else "",
        bigtime_firm=bt.firm if bt else "",
        secrets="built-in demo credentials",
    )


def list_profiles(path: Path | None = None) -> list[ProfileInfo]:
    """Every profile: the built-in ``sandbox`` first, then the saved ones by name.

    Reads the file only: no secret is resolved (a profile whose keyring entry is gone is
    still listed).
    """
    cfg = path or config_path()
    profiles = _profiles_table(read_config(cfg), cfg)
    infos = [_profile_info(sandbox_profile())]
    infos += [_info(n, profiles[n]) for n in sorted(profiles) if n not in RESERVED_NAMES]
    return infos


def profiles_frame(path: Path | None = None) -> pd.DataFrame:
    """:func:`list_profiles` as a DataFrame (one row per profile), for notebooks."""
    import pandas as pd

    rows = []
    for info in list_profiles(path):
        row = asdict(info)
        row["systems"] = ", ".join(info.systems)
        rows.append(row)
    return pd.DataFrame(rows)


def read_setup(name: str, path: Path | None = None) -> ProfileSetup:
    """Profile ``name`` as the form shows it, without any secret value.

    Env-mode profiles give their variable names; keyring-mode ones leave secrets empty.
    ``sandbox`` gives the built-in sandbox's ids and URLs.

    Raises
    ------
    ConfigError
        Unknown profile, or one without an ``intacct`` table.
    """
    if name == "sandbox":
        return _setup_of(sandbox_profile())
    cfg = path or config_path()
    profiles = _profiles_table(read_config(cfg), cfg)
    table = profiles.get(name)
    if not isinstance(table, dict):
        known = ", ".join(["sandbox", *sorted(profiles)])
        raise ConfigError(f"unknown profile {name!r}; known profiles: {known} (file: {cfg}).")
    if table.get("sandbox") is True:
        return _setup_of(replace(sandbox_profile(), name=name))
    ia, bt = table.get("intacct"), table.get("bigtime")
    if not isinstance(ia, dict):
        raise ConfigError(f"profile {name!r} has no [profiles.{name}.intacct] section.")
    # Any secret kept in an environment variable: show the names (they are not secrets).
    env = "environment variables" in _secrets_kind(table)
    mode: SecretsMode = "env" if env else "keyring"
    return ProfileSetup(name, _intacct_setup(ia), _bigtime_setup(bt), mode)


def _text(section: Mapping[str, object], key: str, default: str = "") -> str:
    value = section.get(key)
    return value if isinstance(value, str) else default


def _intacct_setup(ia: Mapping[str, object]) -> IntacctSetup:
    return IntacctSetup(
        company_id=_text(ia, "company_id"),
        user_id=_text(ia, "user_id"),
        sender_id=_text(ia, "sender_id"),
        user_password=_text(ia, "user_password_env"),
        sender_password=_text(ia, "sender_password_env"),
        entity_id=_text(ia, "entity_id"),
        endpoint=_text(ia, "endpoint", INTACCT_ENDPOINT),
    )


def _bigtime_setup(bt: object) -> BigTimeSetup | None:
    if not isinstance(bt, dict):
        return None
    return BigTimeSetup(
        firm=_text(bt, "firm"),
        api_token=_text(bt, "api_token_env"),
        user_id=_text(bt, "user_id"),
        password=_text(bt, "password_env"),
        base_url=_text(bt, "base_url", BIGTIME_BASE_URL),
    )


def _setup_of(profile: Profile) -> ProfileSetup:
    ia, bt = profile.intacct, profile.bigtime
    intacct = IntacctSetup(
        company_id=ia.company_id,
        user_id=ia.user_id,
        sender_id=ia.sender_id,
        entity_id=ia.entity_id or "",
        endpoint=ia.endpoint,
    )
    bigtime = None
    if bt is not None:
        bigtime = BigTimeSetup(firm=bt.firm, user_id=bt.user_id or "", base_url=bt.base_url)
    return ProfileSetup(profile.name, intacct, bigtime, "keyring")
