"""The accountant's scenarios on the product path, and what they share."""

from __future__ import annotations

from recon.plan import Change, Plan

#: The demo firm's year, the period most scenarios reconcile.
YEAR = {"start": "2025-01-01", "end": "2025-12-31"}


def pick(plan: Plan, entity: str, key: str) -> Change:
    """The one change the plan proposes for the record (a pushable one when it proposes a
    review-only change beside it)."""
    found = [c for c in plan.changes if (c.entity, c.key) == (entity, key)]
    if len(found) > 1:
        found = [c for c in found if c.pushable]
    (change,) = found
    return change
