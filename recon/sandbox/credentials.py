"""The sandboxes' demo credentials, each overridable from the environment: the product's
:mod:`recon.demo_credentials`, which the embedded ``sandbox`` profile sends (the sandbox
imports it; the product never imports the sandbox)."""

from __future__ import annotations

from recon.demo_credentials import (
    OVERRIDES,
    bigtime_api_token,
    bigtime_password,
    intacct_sender_password,
    intacct_user_password,
)

__all__ = [
    "OVERRIDES",
    "bigtime_api_token",
    "bigtime_password",
    "intacct_sender_password",
    "intacct_user_password",
]
