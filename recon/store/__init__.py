"""recon's state: runs, plans, decisions, the outbox and the decision ledger (``recon.store``).

One SQLite file (default ``recon.config.data_dir() / "recon.sqlite3"``) written durably --
WAL, ``synchronous=FULL``, one short transaction per write -- before anything is sent:

* ``runs``: who prepared which run against which profile, and its summary;
* ``plan_changes``: each run's plan, change by change, in dependency order;
* ``decisions``: the current approve / reject / defer per change;
* ``outbox``: approved changes with the idempotency key made at approval and their push
  state (``pending -> sending -> applied | failed | stale | unknown``);
* ``ledger``: append-only and hash-chained (:mod:`recon.ledger`), one row per step.

Modules: :mod:`~recon.store.schema` (tables, connections), :mod:`~recon.store.plans`
(changes as JSON), :mod:`~recon.store.core` (the :class:`Store`).
"""

from __future__ import annotations

from recon.ledger import LEDGER_COLUMNS, LedgerCheck
from recon.plan.model import DECISIONS
from recon.store.core import Store
from recon.store.records import (
    DEFAULT_FILENAME,
    LEDGER_ACTIONS,
    LOCKED,
    PUSH_ACTOR,
    STATES,
    TO_PUSH,
    TRANSITIONS,
    Decision,
    OutboxItem,
    new_idem_key,
)

__all__ = [
    "DECISIONS",
    "DEFAULT_FILENAME",
    "LEDGER_ACTIONS",
    "LEDGER_COLUMNS",
    "LOCKED",
    "PUSH_ACTOR",
    "STATES",
    "TO_PUSH",
    "TRANSITIONS",
    "Decision",
    "LedgerCheck",
    "OutboxItem",
    "Store",
    "new_idem_key",
]
