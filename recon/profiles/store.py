"""Write and remove profiles: the config file (atomic, mode 0600) and the keyring entries.

Saving replaces only the keys recon writes (:data:`_WRITTEN` and the secret references);
everything else in the file is kept, comments excepted (``tomli_w`` rewrites it whole).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import tomli_w

from recon.config import (
    KEYRING_SERVICE,
    config_path,
    keyring_service,
    keyring_username,
    no_keyring_message,
    read_config,
)
from recon.errors import ConfigError
from recon.profiles.setup import (
    SECRET_KEYS,
    BigTimeSetup,
    IntacctSetup,
    SecretsMode,
    check_mode,
    check_profile_name,
    checked_bigtime,
    checked_intacct,
)

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


def profiles_table(data: dict[str, object], path: Path) -> dict[str, object]:
    """The ``profiles`` table of config ``data`` (created if absent; shared, not copied).

    Raises
    ------
    ConfigError
        ``profiles`` is there but is not a table.
    """
    profiles = data.setdefault("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{path}: 'profiles' must be a table; fix or remove the file.")
    return profiles


def write_config(path: Path, data: Mapping[str, object]) -> None:
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
    mode = check_mode(secrets)
    cfg = path or config_path()
    ia = checked_intacct(intacct, mode)
    bt = checked_bigtime(bigtime, mode) if bigtime is not None else None
    data = read_config(cfg)
    profiles = profiles_table(data, cfg)
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
    write_config(cfg, data)
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
    profiles = profiles_table(data, cfg)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(f"no saved profile {name!r} in {cfg} (saved profiles: {known}).")
    old = profiles.pop(name)
    write_config(cfg, data)
    return _forget_in_keyring(_keyring_entries(name, old))
