"""A saved profile's ``[profiles.<name>.settings]`` table: read it, and save it from the
Settings tab of ``00_connect`` (:mod:`recon.settings` parses and checks it either way).

Only the settings that differ from their defaults are written, so a profile saved with the
defaults has no table, and a later default applies to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from recon.config import config_path, read_config
from recon.errors import ConfigError
from recon.profiles.setup import RESERVED_NAMES, check_profile_name
from recon.profiles.store import profiles_table, write_config
from recon.settings import IntegrationSettings, parse_settings


def read_settings(name: str, path: Path | None = None) -> IntegrationSettings:
    """Profile ``name``'s integration settings (defaults for the built-in ``sandbox`` and a
    profile not saved yet). Reads no secret.

    Raises
    ------
    ConfigError
        A bad setting (file, key, value and what is allowed).
    """
    if name in RESERVED_NAMES:
        return IntegrationSettings()
    cfg = path or config_path()
    table = profiles_table(read_config(cfg), cfg).get(name)
    found = table.get("settings") if isinstance(table, dict) else None
    return parse_settings(found, name, cfg)


def save_settings(
    name: str, settings: Mapping[str, object], path: Path | None = None
) -> IntegrationSettings:
    """Check ``settings`` (a ``settings`` table: key -> value) and write the ones that
    differ from the defaults under ``[profiles.<name>.settings]``; everything else in the
    file is kept.

    Raises
    ------
    ConfigError
        A bad setting (the message names the file and ``profiles.<name>.settings.<key>``;
        nothing is written), a reserved name, or a profile not saved yet.
    """
    check_profile_name(name)
    cfg = path or config_path()
    checked = parse_settings(settings, name, cfg)
    data = read_config(cfg)
    profiles = profiles_table(data, cfg)
    table = profiles.get(name)
    if not isinstance(table, dict):
        raise ConfigError(
            f"no saved profile {name!r} in {cfg}: save the profile first (Connection tab), "
            "then its settings."
        )
    changed = checked.as_toml()
    if changed:
        table["settings"] = changed
    else:
        table.pop("settings", None)
    write_config(cfg, data)
    return checked
