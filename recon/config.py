"""Profiles: where each system is and who we are there; secrets resolved, never stored here.

A profile holds names, ids and URLs. Secrets are *references*: the name of an environment
variable (``<key>_env = "NAME"``, for unattended hosts), or an entry of the system keyring
(``<key>_keyring = true``: service ``recon``, user name ``<profile>/<system>/<key>``, e.g.
``acme/intacct/user_password``; a string instead of ``true`` names another keyring service).
``recon.profiles.save_profile`` (and the 00_connect notebook) write profiles of both kinds.
The embedded ``sandbox`` profile points at recon's own loopback sandboxes with their
documented demo credentials, which are not secrets.

To point recon at real accounts, add a profile to ``config.toml`` in the user config
directory (``recon doctor`` will print where), for example::

    [profiles.acme.intacct]
    endpoint = "https://api.intacct.com/ia/xml/xmlgw.phtml"
    sender_id = "ACME_SENDER"
    company_id = "ACME"
    user_id = "xml_gateway"
    sender_password_env = "ACME_INTACCT_SENDER_PASSWORD"
    user_password_env = "ACME_INTACCT_USER_PASSWORD"

    [profiles.acme.bigtime]
    base_url = "https://iq.bigtime.net/BigtimeData/api/v2"
    firm = "abcd-efg-hijk"             # or the numeric tenant id: firm = 12345
    api_token_env = "ACME_BIGTIME_API_TOKEN"
    # or, to sign in as a user instead of with a firm API key:
    # user_id = "accountant@acme.example"
    # password_env = "ACME_BIGTIME_PASSWORD"
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from recon import demo_credentials as demo
from recon.errors import ConfigError
from recon.settings import IntegrationSettings, parse_settings

APP = "recon"

SANDBOX_INTACCT_PORT = 8765
SANDBOX_BIGTIME_PORT = 8766


def data_dir() -> Path:
    """Where recon keeps state (sandbox data, runs database). ``RECON_DATA_DIR`` overrides."""
    override = os.environ.get("RECON_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP))


def config_path() -> Path:
    """The profiles file. ``RECON_CONFIG`` overrides."""
    override = os.environ.get("RECON_CONFIG")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP)) / "config.toml"


@dataclass(frozen=True)
class Secret:
    """A secret value that never shows itself in ``repr``/``str``/f-strings."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "***"

    def __repr__(self) -> str:
        return "Secret('***')"

    def __format__(self, spec: str) -> str:
        return "***"


#: A snapshot older than this (days) is not trusted: the run pulls everything again.
DEFAULT_FULL_PULL_AFTER_DAYS = 7


@dataclass(frozen=True)
class IntacctProfile:
    """Everything needed to talk to one Intacct company."""

    endpoint: str
    sender_id: str
    company_id: str
    user_id: str
    sender_password: Secret
    user_password: Secret
    entity_id: str | None = None
    #: ``concurrency``: query pages in flight at once (None: the client's default, 2).
    concurrency: int | None = None

    def with_endpoint(self, endpoint: str) -> IntacctProfile:
        return replace(self, endpoint=endpoint)


@dataclass(frozen=True)
class BigTimeProfile:
    """Everything needed to talk to one BigTime firm: a firm API key, or a user login."""

    base_url: str
    firm: str
    api_token: Secret | None = None
    user_id: str | None = None
    password: Secret | None = None
    #: ``concurrency``: requests in flight at once (None: the client's default).
    concurrency: int | None = None
    #: ``requests_per_minute``: at most this many requests a minute (None: unlimited).
    requests_per_minute: float | None = None

    def with_base_url(self, base_url: str) -> BigTimeProfile:
        return replace(self, base_url=base_url)


@dataclass(frozen=True)
class Profile:
    """A named connection: where Intacct and BigTime are and who signs in. Its secrets
    are :class:`Secret` values (read from the keyring or the environment), which never
    show in a print, a log or a repr.

    Example::

        >>> profile = recon.load_profile("sandbox")
        >>> profile.name, profile.intacct.endpoint
    """

    name: str
    intacct: IntacctProfile
    #: None when the profile has no ``[profiles.<name>.bigtime]`` section.
    bigtime: BigTimeProfile | None = None
    #: The ``[[profiles.<name>.auto_approve]]`` tables as written (parsed and checked by
    #: :mod:`recon.autoapprove`); empty by default: nothing is approved without a person.
    auto_approve: tuple[Mapping[str, object], ...] = ()
    #: ``max_differences``: a scheduled reconcile with more findings than this exits with
    #: "differences above threshold" (None: never).
    max_differences: int | None = None
    #: ``max_requests``: a run stops its pull before sending more requests than this, both
    #: systems together (None: no ceiling).
    max_requests: int | None = None
    #: ``full_pull_after_days``: a run pulls everything again when the profile's snapshot
    #: is older than this many days (0: every run pulls everything).
    full_pull_after_days: int = DEFAULT_FULL_PULL_AFTER_DAYS
    #: ``[profiles.<name>.settings]``: directions, accounts, week start, tolerances,
    #: segregation of duties (:mod:`recon.settings`; defaults: recon's behaviour before).
    settings: IntegrationSettings = field(default_factory=IntegrationSettings)

    def require_bigtime(self) -> BigTimeProfile:
        if self.bigtime is None:
            raise ConfigError(
                f"profile {self.name!r} has no [profiles.{self.name}.bigtime] section; add one "
                f"(base_url, firm, api_token_env) to {config_path()}."
            )
        return self.bigtime


#: Where the embedded ``sandbox`` profile finds the sandboxes when they are not on their
#: default ports (``recon demo`` sets these for the notebooks it runs).
SANDBOX_INTACCT_URL_ENV = "RECON_SANDBOX_INTACCT_URL"
SANDBOX_BIGTIME_URL_ENV = "RECON_SANDBOX_BIGTIME_URL"


def sandbox_profile(intacct_url: str | None = None, bigtime_url: str | None = None) -> Profile:
    """The embedded default: recon's own sandboxes on loopback, with their demo credentials.

    ``bigtime_url`` is the API root, ``http://127.0.0.1:<port>/BigtimeData/api/v2``. Without
    arguments the URLs come from ``RECON_SANDBOX_INTACCT_URL`` / ``RECON_SANDBOX_BIGTIME_URL``
    when set, else the default ports.
    """
    url = (
        intacct_url
        or os.environ.get(SANDBOX_INTACCT_URL_ENV)
        or f"http://127.0.0.1:{SANDBOX_INTACCT_PORT}{demo.INTACCT_GATEWAY_PATH}"
    )
    bt_url = (
        bigtime_url
        or os.environ.get(SANDBOX_BIGTIME_URL_ENV)
        or f"http://127.0.0.1:{SANDBOX_BIGTIME_PORT}{demo.BIGTIME_API_PATH}"
    )
    return Profile(
        name="sandbox",
        intacct=IntacctProfile(
            endpoint=url,
            sender_id=demo.INTACCT_SENDER_ID,
            company_id=demo.INTACCT_COMPANY_ID,
            user_id=demo.INTACCT_USER_ID,
            sender_password=Secret(demo.intacct_sender_password()),
            user_password=Secret(demo.intacct_user_password()),
        ),
        bigtime=BigTimeProfile(
            base_url=bt_url,
            firm=demo.BIGTIME_FIRM,
            api_token=Secret(demo.bigtime_api_token()),
        ),
    )


def read_config(path: Path | None = None) -> dict[str, object]:
    """The config file as a dict (``{}`` when it does not exist).

    Raises
    ------
    ConfigError
        The file is not valid TOML.
    """
    return _read_config(path or config_path())


def _read_config(path: Path) -> dict[str, object]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix or remove the file.") from None


def profile_names(path: Path | None = None) -> list[str]:
    profiles = _read_config(path or config_path()).get("profiles", {})
    names = sorted(profiles) if isinstance(profiles, dict) else []
    return ["sandbox", *[n for n in names if n != "sandbox"]]


#: The keyring service recon's secrets are saved under (``<key>_keyring = true``).
KEYRING_SERVICE = APP


def keyring_username(profile: str, system: str, key: str) -> str:
    """The keyring user name of one secret: ``"<profile>/<system>/<key>"``."""
    return f"{profile}/{system}/{key}"


def keyring_service(value: object) -> str | None:
    """The service a ``<key>_keyring`` value names: ``true`` -> ``recon``, a string -> itself,
    ``false``/missing -> None."""
    if value is True:
        return KEYRING_SERVICE
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def has_secret(section: Mapping[str, object], key: str) -> bool:
    """True when ``section`` says where secret ``key`` is kept (env variable or keyring)."""
    return f"{key}_env" in section or keyring_service(section.get(f"{key}_keyring")) is not None


def _resolve_secret(
    section: dict[str, object], key: str, profile: str, system: str = "intacct"
) -> Secret:
    env_name = section.get(f"{key}_env")
    service = keyring_service(section.get(f"{key}_keyring"))
    if service is not None:
        if env_name is not None:
            raise ConfigError(
                f"profile {profile!r}: {system}.{key} is given both as {key}_env and as "
                f"{key}_keyring; keep one of them in {config_path()}."
            )
        return _keyring_secret(service, profile, system, key)
    if not isinstance(env_name, str) or not env_name:
        raise ConfigError(
            f"profile {profile!r}: {system}.{key}_env is missing; set it to the name of the "
            f"environment variable that holds the {key.replace('_', ' ')} (or set "
            f"{key}_keyring = true to read it from the system keyring)."
        )
    value = os.environ.get(env_name)
    if not value:
        raise ConfigError(
            f"profile {profile!r}: environment variable {env_name} (the {system} "
            f"{key.replace('_', ' ')}) is not set; export it before running recon."
        )
    return Secret(value)


def _keyring_secret(service: str, profile: str, system: str, key: str) -> Secret:
    """Read one secret from the system keyring; every way that fails is one ConfigError."""
    import keyring  # imported here: finding a backend may be slow and is not always needed
    from keyring.errors import KeyringError

    user = keyring_username(profile, system, key)
    what = f"the {system} {key.replace('_', ' ')}"
    try:
        value = keyring.get_password(service, user)
    except KeyringError as exc:  # NoKeyringError (no backend), KeyringLocked, InitError ...
        raise ConfigError(no_keyring_message(profile, exc)) from None
    if not value:
        raise ConfigError(
            f"profile {profile!r}: {what} is not in the system keyring (service {service!r}, "
            f"entry {user!r}); run 00_connect and save the profile again."
        )
    return Secret(value)


def no_keyring_message(profile: str, exc: BaseException) -> str:
    """What to say when the system keyring cannot be used (headless hosts have none)."""
    why = type(exc).__name__
    return (
        f"profile {profile!r}: no usable system keyring on this machine ({why}); save the "
        "secrets as environment variable names instead (00_connect: secrets kept as "
        "environment variable names, or <key>_env in the config file)."
    )


def _required(section: dict[str, object], key: str, profile: str, system: str = "intacct") -> str:
    value = section.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"profile {profile!r}: {system}.{key} is missing or empty in the config.")
    return value.strip()


def _firm(section: dict[str, object], profile: str) -> str:
    """The realm: the firm id, or its numeric tenant id, which BigTime also takes
    (docs/specs/bigtime-evidence.md §2.1) -- so ``firm = 12345`` (a TOML integer) is read as the
    text ``"12345"``."""
    value = section.get("firm")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _required(section, "firm", profile, "bigtime")


def _bigtime_section(section: object, profile: str) -> BigTimeProfile | None:
    """The ``bigtime`` table of a profile: base_url, firm, and an API token OR user_id +
    password, each secret as ``<key>_env`` or ``<key>_keyring`` (a firm API key is
    preferred: it does not expire with a user's session)."""
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError(f"profile {profile!r}: bigtime must be a table.")
    base_url = _required(section, "base_url", profile, "bigtime")
    firm = _firm(section, profile)
    bare = BigTimeProfile(base_url=base_url, firm=firm, **_bigtime_tuning(section, profile))
    if has_secret(section, "api_token"):
        token = _resolve_secret(section, "api_token", profile, "bigtime")
        return replace(bare, api_token=token)
    if "user_id" in section or has_secret(section, "password"):
        user = _required(section, "user_id", profile, "bigtime")
        password = _resolve_secret(section, "password", profile, "bigtime")
        return replace(bare, user_id=user, password=password)
    raise ConfigError(
        f"profile {profile!r}: bigtime needs api_token_env or api_token_keyring (a firm API "
        "key), or user_id and password_env / password_keyring (a user login)."
    )


def _bigtime_tuning(section: Mapping[str, object], profile: str) -> dict[str, Any]:
    """``concurrency`` (>= 1) and ``requests_per_minute`` (> 0) of a ``bigtime`` table."""
    return {
        "concurrency": _whole(section, "concurrency", profile, 1, "bigtime"),
        "requests_per_minute": _per_minute(section, "requests_per_minute", profile, "bigtime"),
    }


def _bad_setting(profile: str, system: str, key: str, must: str, value: object) -> ConfigError:
    """One message for a tuning value: where it is, what it must be, what it is."""
    table = f"[profiles.{profile}{'.' + system if system else ''}]"
    return ConfigError(
        f"profile {profile!r}: {system + '.' if system else ''}{key} must be {must}, not "
        f"{value!r}; correct it under {table} in the config file, or leave it out for the "
        "default."
    )


def _whole(
    table: Mapping[str, object], key: str, profile: str, least: int, system: str = ""
) -> int | None:
    """``table[key]`` as a whole number >= ``least``, None when absent."""
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise _bad_setting(profile, system, key, f"a whole number >= {least}", value)
    return value


def _per_minute(
    table: Mapping[str, object], key: str, profile: str, system: str = ""
) -> float | None:
    """``table[key]`` as a finite number > 0, None when absent (``inf`` and ``nan`` are
    TOML floats: neither is a rate)."""
    value = table.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise _bad_setting(profile, system, key, "a number above 0 (e.g. 30)", value)
    return float(value)


def _profile_extras(table: Mapping[str, object], name: str, path: Path) -> dict[str, Any]:
    """``auto_approve`` (a list of tables), ``max_differences`` (a whole number >= 0),
    ``max_requests`` (>= 1), ``full_pull_after_days`` (>= 0) and the ``settings`` table
    (:func:`recon.settings.parse_settings`)."""
    rules = table.get("auto_approve", [])
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise ConfigError(
            f"profile {name!r}: auto_approve must be a list of tables "
            f"([[profiles.{name}.auto_approve]])."
        )
    full = _whole(table, "full_pull_after_days", name, 0)
    return {
        "auto_approve": tuple(rules),
        "max_differences": _whole(table, "max_differences", name, 0),
        "max_requests": _whole(table, "max_requests", name, 1),
        "full_pull_after_days": DEFAULT_FULL_PULL_AFTER_DAYS if full is None else full,
        "settings": parse_settings(table.get("settings"), name, path),
    }


def load_profile(name: str = "sandbox", path: Path | None = None) -> Profile:
    """Load profile ``name``; secrets come from the environment variables or keyring
    entries it names.

    Raises
    ------
    ConfigError
        Unknown profile (the message lists the known ones) or an incomplete profile.

    Example::

        >>> profile = recon.load_profile("acme")  # from config.toml; secrets from the keyring
    """
    if name == "sandbox":
        return sandbox_profile()
    cfg_path = path or config_path()
    profiles = _read_config(cfg_path).get("profiles", {})
    if not isinstance(profiles, dict) or name not in profiles:
        known = ", ".join(profile_names(cfg_path))
        raise ConfigError(f"unknown profile {name!r}; known profiles: {known} (file: {cfg_path}).")
    table = profiles[name]
    if not isinstance(table, dict):
        raise ConfigError(f"profile {name!r} must be a table ([profiles.{name}]).")
    extras = _profile_extras(table, name, cfg_path)
    if table.get("sandbox") is True:
        # Names the embedded sandboxes (demo credentials, not secrets) plus this profile's
        # own rules and limits: how ``recon demo`` writes its auto-approve rule down.
        return _sandbox_with(table, name, extras)
    section = table.get("intacct")
    if not isinstance(section, dict):
        raise ConfigError(f"profile {name!r} has no [profiles.{name}.intacct] section.")
    entity = section.get("entity_id")
    return Profile(
        name=name,
        **extras,
        bigtime=_bigtime_section(table.get("bigtime"), name),
        intacct=IntacctProfile(
            endpoint=_required(section, "endpoint", name),
            sender_id=_required(section, "sender_id", name),
            company_id=_required(section, "company_id", name),
            user_id=_required(section, "user_id", name),
            sender_password=_resolve_secret(section, "sender_password", name),
            user_password=_resolve_secret(section, "user_password", name),
            entity_id=entity if isinstance(entity, str) and entity else None,
            concurrency=_whole(section, "concurrency", name, 1, "intacct"),
        ),
    )


def _sandbox_with(table: Mapping[str, object], name: str, extras: Mapping[str, Any]) -> Profile:
    """The embedded sandbox profile as ``name``, with the profile's rules and limits and its
    ``intacct``/``bigtime`` tables' tuning (concurrency, requests_per_minute): the rest of
    those tables (URLs, credentials) is the sandbox's own."""
    base = sandbox_profile()
    intacct, bigtime = base.intacct, base.require_bigtime()
    section = table.get("intacct", {})
    if not isinstance(section, dict):
        raise ConfigError(f"profile {name!r}: intacct must be a table.")
    if "concurrency" in section:
        intacct = replace(intacct, concurrency=_whole(section, "concurrency", name, 1, "intacct"))
    section = table.get("bigtime", {})
    if not isinstance(section, dict):
        raise ConfigError(f"profile {name!r}: bigtime must be a table.")
    bigtime = replace(bigtime, **_bigtime_tuning(section, name))
    return replace(base, name=name, **extras, intacct=intacct, bigtime=bigtime)
