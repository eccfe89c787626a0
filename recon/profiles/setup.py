"""What the connect form types for a profile, how it is checked, and the Profile it makes.

The checks here are shared by :func:`profile_from_setup` (test before saving) and by
:mod:`recon.profiles.store` (saving), so a profile that tests fine also saves.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from recon.bigtime.client import BIGTIME_BASE_URL
from recon.config import BigTimeProfile, IntacctProfile, Profile, Secret
from recon.errors import ConfigError
from recon.intacct.client import INTACCT_ENDPOINT

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


def checked_intacct(setup: IntacctSetup, mode: SecretsMode) -> dict[str, str]:
    """The Intacct keys to write (secret fields as typed); raise ConfigError on a bad one."""
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


def checked_bigtime(setup: BigTimeSetup, mode: SecretsMode) -> dict[str, str]:
    """The BigTime keys to write (API key or user login); raise ConfigError on a bad one."""
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


def check_mode(secrets: str) -> SecretsMode:
    """Return ``secrets`` if it is one of :data:`SECRETS_MODES`; else raise ConfigError."""
    if secrets not in SECRETS_MODES:
        raise ConfigError(f"secrets must be 'keyring' or 'env', not {secrets!r}.")
    return secrets


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
    mode = check_mode(secrets)
    ia = checked_intacct(intacct, mode)
    bt = checked_bigtime(bigtime, mode) if bigtime is not None else {}
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
