"""The demo firm's public credentials and addresses: what the embedded ``sandbox`` profile
sends and recon's sandboxes accept.

They are not secrets (the README lists them). They live here, below both the product and the
sandboxes, so the product's embedded profile never imports the emulator (the import-linter
contract "the product never imports the sandbox"). A test sets distinctive values through the
environment variables in :data:`OVERRIDES`; the sandboxes (which accept them) and the profile
(which sends them) both read them, so every run can be searched for a leaked secret afterwards.
"""

from __future__ import annotations

import os

# --- Intacct (the XML gateway) -----------------------------------------------------------------
#: Web Services sender authorised for company :data:`INTACCT_COMPANY_ID`.
INTACCT_SENDER_ID = "recon-sandbox"
INTACCT_SENDER_PASSWORD = "sandbox-sender"  # noqa: S105 - public demo credential
INTACCT_COMPANY_ID = "DEMO"
INTACCT_USER_ID = "xml_gateway"
INTACCT_USER_PASSWORD = "sandbox"  # noqa: S105 - public demo credential
#: The gateway's path, as on api.intacct.com.
INTACCT_GATEWAY_PATH = "/ia/xml/xmlgw.phtml"

# --- BigTime (REST API v2) ---------------------------------------------------------------------
#: Firm API key (``X-Auth-ApiToken``) accepted for :data:`BIGTIME_FIRM`.
BIGTIME_API_TOKEN = "sandbox-token"  # noqa: S105 - public demo credential
#: The demo firm id (``X-Auth-Realm``).
BIGTIME_FIRM = "demo-firm"
#: The demo user (a firm admin) for ``POST /session``.
BIGTIME_USER_ID = "accountant@demo.example"
BIGTIME_USER_PASSWORD = "sandbox"  # noqa: S105 - public demo credential
#: The API root below the host, as on iq.bigtime.net.
BIGTIME_API_PATH = "/BigtimeData/api/v2"

#: Environment variable -> the demo credential it replaces.
OVERRIDES = {
    "RECON_SANDBOX_SENDER_PASSWORD": INTACCT_SENDER_PASSWORD,
    "RECON_SANDBOX_USER_PASSWORD": INTACCT_USER_PASSWORD,
    "RECON_SANDBOX_API_TOKEN": BIGTIME_API_TOKEN,
    "RECON_SANDBOX_BIGTIME_PASSWORD": BIGTIME_USER_PASSWORD,
}


def _value(env: str) -> str:
    return os.environ.get(env) or OVERRIDES[env]


def intacct_sender_password() -> str:
    return _value("RECON_SANDBOX_SENDER_PASSWORD")


def intacct_user_password() -> str:
    return _value("RECON_SANDBOX_USER_PASSWORD")


def bigtime_api_token() -> str:
    return _value("RECON_SANDBOX_API_TOKEN")


def bigtime_password() -> str:
    return _value("RECON_SANDBOX_BIGTIME_PASSWORD")
