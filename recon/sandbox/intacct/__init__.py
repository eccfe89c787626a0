"""A loopback emulator of the Sage Intacct XML gateway (``/ia/xml/xmlgw.phtml``).

It stands on the spec (``shared/specs/intacct-*.md``), not on the client it tests: it
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

The demo credentials below are what the sandbox accepts; they are not secrets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

#: Web Services sender authorised for company :data:`COMPANY_ID`.
SENDER_ID = "recon-sandbox"
SENDER_PASSWORD = "sandbox-sender"  # noqa: S105 - public demo credential of the sandbox
#: A valid sender that is NOT authorised for :data:`COMPANY_ID` (spec §2.5 auth error).
UNAUTHORISED_SENDER_ID = "recon-unauthorised"
UNAUTHORISED_SENDER_PASSWORD = "sandbox-sender"  # noqa: S105 - public demo credential
COMPANY_ID = "DEMO"
USER_ID = "xml_gateway"
USER_PASSWORD = "sandbox"  # noqa: S105 - public demo credential of the sandbox

#: The path of the gateway, as on api.intacct.com.
GATEWAY_PATH = "/ia/xml/xmlgw.phtml"

if TYPE_CHECKING:
    from recon.sandbox.intacct.server import IntacctSandbox
    from recon.sandbox.intacct.store import IntacctStore

__all__ = [
    "COMPANY_ID",
    "GATEWAY_PATH",
    "SENDER_ID",
    "SENDER_PASSWORD",
    "UNAUTHORISED_SENDER_ID",
    "UNAUTHORISED_SENDER_PASSWORD",
    "USER_ID",
    "USER_PASSWORD",
    "IntacctSandbox",
    "IntacctStore",
]


def __getattr__(name: str) -> Any:
    # Lazy, so importing the credentials does not import SQLite, lxml and the HTTP server.
    if name == "IntacctSandbox":
        from recon.sandbox.intacct.server import IntacctSandbox

        return IntacctSandbox
    if name == "IntacctStore":
        from recon.sandbox.intacct.store import IntacctStore

        return IntacctStore
    raise AttributeError(name)
