"""Mask BigTime secrets in anything recon logs: headers, JSON bodies, query strings, text.

BigTime's secrets travel in three places (docs/specs/bigtime-rest-api.md §2): the
``X-Auth-ApiToken`` / ``X-Auth-Token`` headers, the ``Pwd`` of the ``POST /session`` body (or query
string, which some clients use) and the ``token`` of its answer. Every byte about BigTime traffic
that reaches a log line goes through :func:`redact` or :func:`redact_headers` first; the literal
secret values are masked as well, as a second line of defence for text of unknown shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

MASK = "***"

#: Header names whose values are secret (HTTP header names are case-insensitive).
SENSITIVE_HEADERS = ("X-Auth-Token", "X-Auth-ApiToken", "Authorization", "Cookie", "Set-Cookie")
#: JSON keys / query parameters whose values are secret, matched case-insensitively
#: (BigTime ignores key case, docs/specs/bigtime-rest-api.md §1, so ``pwd`` and ``PWD`` are the same
#: key).
SENSITIVE_KEYS = ("Pwd", "Password", "token", "X-Auth-Token", "X-Auth-ApiToken", "ApiToken")

_KEYS = "|".join(re.escape(k) for k in sorted(SENSITIVE_KEYS, key=len, reverse=True))
# "Pwd": "value" (a JSON string, escapes included) or "token": 123 (a bare scalar).
_JSON_RE = re.compile(
    r'(?P<key>"(?:' + _KEYS + r')"\s*:\s*)(?:"(?:[^"\\]|\\.)*"?|[^,}\]\s]+)', re.IGNORECASE
)
# Pwd=value in a query string or form body, up to the next separator.
_QUERY_RE = re.compile(r"(?P<key>(?:^|[?&;\s])(?:" + _KEYS + r")=)[^&;\s#]*", re.IGNORECASE)
# "X-Auth-Token: value" in a dumped header block or an http.client debug line.
_HEADER_RE = re.compile(
    r"(?P<key>(?:" + "|".join(re.escape(h) for h in SENSITIVE_HEADERS) + r")['\"]?\s*[:=]\s*"
    r"['\"]?)[^'\"\r\n,}\\]*",  # a backslash ends it too: "\r\n" escaped in debug lines
    re.IGNORECASE,
)


def redact(text: str | bytes, secrets: Iterable[str] = ()) -> str:
    """Return ``text`` with secret values masked.

    Parameters
    ----------
    text:
        A JSON body, a URL or query string, a header dump or free text; bytes are decoded
        as UTF-8 with invalid bytes replaced.
    secrets:
        Literal values (API key, session token, password) masked wherever they appear.

    Returns
    -------
    str
        The text with every sensitive value replaced by :data:`MASK`.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = _JSON_RE.sub(lambda m: f'{m.group("key")}"{MASK}"', text)
    text = _QUERY_RE.sub(lambda m: f"{m.group('key')}{MASK}", text)
    text = _HEADER_RE.sub(lambda m: f"{m.group('key')}{MASK}", text)
    # Longest first, so a secret that contains another is masked whole.
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with the values of :data:`SENSITIVE_HEADERS` masked."""
    secret = {h.lower() for h in SENSITIVE_HEADERS}
    return {k: (MASK if k.lower() in secret else v) for k, v in headers.items()}


def redact_params(params: Mapping[str, object] | None) -> dict[str, object]:
    """A copy of query ``params`` with the values of :data:`SENSITIVE_KEYS` masked."""
    secret = {k.lower() for k in SENSITIVE_KEYS}
    return {k: (MASK if k.lower() in secret else v) for k, v in (params or {}).items()}
