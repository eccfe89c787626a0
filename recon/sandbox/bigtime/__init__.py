"""A loopback emulator of BigTime's REST API v2 (``/BigtimeData/api/v2``).

The sandbox stands on the evidence of what BigTime answers (``specs/bigtime-evidence.md``),
never on recon's client: it imports nothing of ``recon.bigtime`` or ``recon.intacct``.

Modules, each with one job:

- ``catalogue`` the sandbox's own description of the API: paths, fields, kinds, evidence
- ``guesses``   every guess the sandbox makes (messages, defaults, paths), all UNCERTAIN
- ``values``    input values -> storage form, per field kind
- ``render``    storage form -> BigTime's JSON text (PascalCase keys, ``YYYY-MM-DD`` dates)
- ``derive``    denormalised read-only fields (ProjectNm, ClientNm, FullName ...)
- ``store``     the persistent SQLite store with pre-rendered JSON per record
- ``seeding``   loading a ``BigtimeSeed`` dict into the store (batched, streamable)
- ``auth``      firm API keys and user sessions with sliding expiry
- ``reply``     the request/answer types and :class:`~recon.sandbox.bigtime.reply.ApiError`
- ``validate``  request bodies and query parameters -> checked storage values
- ``reads``     GET endpoints
- ``writes``    POST/DELETE endpoints
- ``reports``   ``/report/data``, expenses, task budget status, time totals
- ``routing``   the case-insensitive route table
- ``service``   request -> answer (auth, routing, errors), no HTTP
- ``server``    the HTTP server with fault injection

The demo credentials below are what the sandbox accepts; they are not secrets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

#: Firm API key (``X-Auth-ApiToken``) accepted for :data:`FIRM`.
API_TOKEN = "sandbox-token"  # noqa: S105 - public demo credential of the sandbox
#: The demo firm id (``X-Auth-Realm``).
FIRM = "demo-firm"
#: The demo firm's numeric tenant id, which the realm header also takes (ev §2.1, OBS:
#: "either slug or tenant ID both work").
TENANT_ID = "40417"
#: The demo user (a firm admin) for ``POST /session``.
USER_ID = "accountant@demo.example"
USER_PASSWORD = "sandbox"  # noqa: S105 - public demo credential of the sandbox

#: The API root below the host, as on iq.bigtime.net (spec §1).
API_PATH = "/BigtimeData/api/v2"

if TYPE_CHECKING:
    from recon.sandbox.bigtime.server import BigtimeSandbox
    from recon.sandbox.bigtime.store import BigtimeStore

__all__ = [
    "API_PATH",
    "API_TOKEN",
    "FIRM",
    "TENANT_ID",
    "USER_ID",
    "USER_PASSWORD",
    "BigtimeSandbox",
    "BigtimeStore",
]


def __getattr__(name: str) -> Any:
    # Lazy, so importing the credentials does not import SQLite and the HTTP server.
    if name == "BigtimeSandbox":
        from recon.sandbox.bigtime.server import BigtimeSandbox

        return BigtimeSandbox
    if name == "BigtimeStore":
        from recon.sandbox.bigtime.store import BigtimeStore

        return BigtimeStore
    raise AttributeError(name)
