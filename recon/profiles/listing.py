"""Read saved profiles back: the list for the picker, and one profile as the form shows it.

Only the file is read: no secret is resolved, so nothing here touches the keyring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from recon.bigtime.client import BIGTIME_BASE_URL
from recon.config import Profile, config_path, keyring_service, read_config, sandbox_profile
from recon.errors import ConfigError
from recon.intacct.client import INTACCT_ENDPOINT
from recon.profiles.setup import (
    RESERVED_NAMES,
    SECRET_KEYS,
    BigTimeSetup,
    IntacctSetup,
    ProfileSetup,
    SecretsMode,
)
from recon.profiles.store import profiles_table

if TYPE_CHECKING:
    import pandas as pd


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
    profiles = profiles_table(read_config(cfg), cfg)
    infos = [_profile_info(sandbox_profile())]
    infos += [_info(n, profiles[n]) for n in sorted(profiles) if n not in RESERVED_NAMES]
    return infos


def profiles_frame(path: Path | None = None) -> pd.DataFrame:
    """:func:`list_profiles` as a DataFrame (one row per profile), for notebooks.

    Example::

        >>> recon.profiles_frame()  # one row per profile, no secrets
    """
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
    profiles = profiles_table(read_config(cfg), cfg)
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
