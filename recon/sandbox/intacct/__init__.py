"""A loopback emulator of the Sage Intacct XML gateway (``/ia/xml/xmlgw.phtml``).

It stands on the spec (``docs/specs/intacct-*.md``), not on the client it tests: it
imports nothing from ``recon.intacct``, so a wrong guess in the client fails here.

Modules, each with one job:

- ``catalogue``  the objects served: fields, kinds, keys, lines, references, what is writable
- ``guesses``    every UNCERTAIN guess the sandbox makes (shapes, error texts, codes, limits)
- ``values``     wire <-> storage conversion and validation of field values
- ``querylang``  readByQuery query strings and ``query`` filters -> one predicate tree -> SQL
- ``store``      the persistent SQLite store, seeding, caches
- ``sessions``   API sessions with sliding expiry
- ``render``     response XML (lxml element API) and cached record fragments
- ``reads``      readByQuery, readMore, query, read, readByName
- ``writes``     create, update, delete with validation
- ``gateway``    request bytes -> response bytes (no HTTP)
- ``server``     the HTTP server with fault injection

The demo credentials it accepts are :mod:`recon.demo_credentials` (the embedded profile
sends them); they are not secrets. The server is
:class:`recon.sandbox.intacct.server.IntacctSandbox`.
"""

from __future__ import annotations

from recon.demo_credentials import INTACCT_COMPANY_ID as COMPANY_ID
from recon.demo_credentials import INTACCT_GATEWAY_PATH as GATEWAY_PATH
from recon.demo_credentials import INTACCT_SENDER_ID as SENDER_ID
from recon.demo_credentials import INTACCT_SENDER_PASSWORD as SENDER_PASSWORD
from recon.demo_credentials import INTACCT_USER_ID as USER_ID
from recon.demo_credentials import INTACCT_USER_PASSWORD as USER_PASSWORD

#: A valid sender that is NOT authorised for :data:`COMPANY_ID` (docs/specs/intacct-xml-api.md §2.5
#: auth error).
UNAUTHORISED_SENDER_ID = "recon-unauthorised"
UNAUTHORISED_SENDER_PASSWORD = "sandbox-sender"  # noqa: S105 - public demo credential

__all__ = [
    "COMPANY_ID",
    "GATEWAY_PATH",
    "SENDER_ID",
    "SENDER_PASSWORD",
    "UNAUTHORISED_SENDER_ID",
    "UNAUTHORISED_SENDER_PASSWORD",
    "USER_ID",
    "USER_PASSWORD",
]
