"""A loopback emulator of BigTime's REST API v2 (``/BigtimeData/api/v2``).

The sandbox stands on the evidence of what BigTime answers (docs/specs/bigtime-evidence.md),
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

The demo credentials it accepts are :mod:`recon.demo_credentials` (the embedded profile
sends them); they are not secrets. The server is
:class:`recon.sandbox.bigtime.server.BigtimeSandbox`.
"""

from __future__ import annotations

from recon.demo_credentials import BIGTIME_API_PATH as API_PATH
from recon.demo_credentials import BIGTIME_API_TOKEN as API_TOKEN
from recon.demo_credentials import BIGTIME_FIRM as FIRM
from recon.demo_credentials import BIGTIME_USER_ID as USER_ID
from recon.demo_credentials import BIGTIME_USER_PASSWORD as USER_PASSWORD

#: The demo firm's numeric tenant id, which the realm header also takes
#: (docs/specs/bigtime-evidence.md §2.1, OBS: "either slug or tenant ID both work").
TENANT_ID = "40417"

__all__ = ["API_PATH", "API_TOKEN", "FIRM", "TENANT_ID", "USER_ID", "USER_PASSWORD"]
