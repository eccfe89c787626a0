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

Modules: :mod:`~recon.profiles.setup` (what the form types, the checks, a Profile from typed
values), :mod:`~recon.profiles.store` (writing and removing: config file and keyring),
:mod:`~recon.profiles.listing` (reading saved profiles back), :mod:`~recon.profiles.settings_file`
(a profile's integration settings). Import from ``recon.profiles``.
"""

from recon.bigtime.client import BIGTIME_BASE_URL
from recon.intacct.client import INTACCT_ENDPOINT
from recon.profiles.listing import ProfileInfo, list_profiles, profiles_frame, read_setup
from recon.profiles.settings_file import read_settings, save_settings
from recon.profiles.setup import (
    ENV_NAME,
    PROFILE_NAME,
    RESERVED_NAMES,
    SECRET_KEYS,
    SECRETS_MODES,
    BigTimeSetup,
    IntacctSetup,
    ProfileSetup,
    SecretsMode,
    check_profile_name,
    profile_from_setup,
)
from recon.profiles.store import remove_profile, save_profile

__all__ = [
    "BIGTIME_BASE_URL",
    "ENV_NAME",
    "INTACCT_ENDPOINT",
    "PROFILE_NAME",
    "RESERVED_NAMES",
    "SECRETS_MODES",
    "SECRET_KEYS",
    "BigTimeSetup",
    "IntacctSetup",
    "ProfileInfo",
    "ProfileSetup",
    "SecretsMode",
    "check_profile_name",
    "list_profiles",
    "profile_from_setup",
    "profiles_frame",
    "read_settings",
    "read_setup",
    "remove_profile",
    "save_profile",
    "save_settings",
]
