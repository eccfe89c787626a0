"""Profiles -> clients. The one place that turns resolved secrets into a client."""

from __future__ import annotations

from typing import Any

from recon.bigtime.client import BigTimeClient, BigTimeCredentials, BigTimeSettings
from recon.config import BigTimeProfile, IntacctProfile
from recon.intacct.client import IntacctClient, IntacctCredentials, IntacctSettings


def intacct_client(profile: IntacctProfile, **settings: Any) -> IntacctClient:
    """A client for ``profile``; keyword arguments override :class:`IntacctSettings`."""
    credentials = IntacctCredentials(
        sender_id=profile.sender_id,
        sender_password=profile.sender_password.reveal(),
        company_id=profile.company_id,
        user_id=profile.user_id,
        user_password=profile.user_password.reveal(),
        entity_id=profile.entity_id,
    )
    if profile.concurrency is not None:
        settings.setdefault("concurrency", profile.concurrency)
    return IntacctClient(credentials, IntacctSettings(endpoint_url=profile.endpoint, **settings))


def bigtime_client(profile: BigTimeProfile, **settings: Any) -> BigTimeClient:
    """A client for ``profile``; keyword arguments override :class:`BigTimeSettings`."""
    credentials = BigTimeCredentials(
        firm=profile.firm,
        api_token=profile.api_token.reveal() if profile.api_token else None,
        user_id=profile.user_id,
        password=profile.password.reveal() if profile.password else None,
    )
    if profile.concurrency is not None:
        settings.setdefault("concurrency", profile.concurrency)
    if profile.requests_per_minute is not None:
        settings.setdefault("requests_per_minute", profile.requests_per_minute)
    return BigTimeClient(credentials, BigTimeSettings(base_url=profile.base_url, **settings))
