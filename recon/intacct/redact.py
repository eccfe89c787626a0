"""Mask secrets in Intacct XML (or any text) before it reaches a log line.

A request carries the sender and user passwords (``control/password``, ``login/password``)
or a session id; responses carry session ids (``getAPISession``) and may carry tax ids and
bank account numbers. Every byte recon logs about Intacct traffic goes through :func:`redact`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

#: Elements whose text is masked, matched case-insensitively, also as the last part of a
#: dotted ``query`` path (``<SHIPTO.TAXID>``).
SENSITIVE_ELEMENTS = (
    "password",
    "sessionid",
    "SSN",
    "TAXID",
    "FEDERALID",
    "BANKACCOUNTNO",
    "ROUTINGNO",
    "VENDORACCOUNTNO",
)

# <tag attrs>text</tag>, or an unclosed <tag>text running to the end (a cut log excerpt).
_ELEMENT_RE = re.compile(
    r"<(?P<tag>(?:[\w.-]*\.)?(?:" + "|".join(SENSITIVE_ELEMENTS) + r"))(?P<attrs>\s[^<>]*)?(?<!/)>"
    r"(?P<body>.*?)(?P<end></(?P=tag)\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)


def redact(text: str | bytes, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with sensitive element contents and every given secret masked.

    Parameters
    ----------
    text:
        XML or plain text; bytes are decoded as UTF-8 (invalid bytes replaced).
    secrets:
        Literal values (passwords, session ids) masked wherever they appear, as a second
        line of defence for text that is not XML.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = _ELEMENT_RE.sub(_mask_element, text)
    # Longest first, so a secret that contains another is masked whole.
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _mask_element(match: re.Match[str]) -> str:
    # Self-closing <password/> never matches (the (?<!/) before '>'): nothing to hide.
    attrs = match.group("attrs") or ""
    return f"<{match.group('tag')}{attrs}>{MASK}{match.group('end')}"
