"""The sandboxes' demo credentials, each overridable from the environment.

The defaults are public (the README lists them) and therefore useless for proving that recon
never leaks a secret: a test sets distinctive values here, and the sandboxes (which accept
them) and the embedded ``sandbox`` profile (which sends them) both read them, so the demo
and every notebook run end to end with secrets that can be searched for afterwards.
"""

from __future__ import annotations

import os

from recon.sandbox import bigtime as bt
from recon.sandbox import intacct as ia

#: Environment variable -> the demo credential it replaces.
OVERRIDES = {
    "RECON_SANDBOX_SENDER_PASSWORD": ia.SENDER_PASSWORD,
    "RECON_SANDBOX_USER_PASSWORD": ia.USER_PASSWORD,
    "RECON_SANDBOX_API_TOKEN": bt.API_TOKEN,
    "RECON_SANDBOX_BIGTIME_PASSWORD": bt.USER_PASSWORD,
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
