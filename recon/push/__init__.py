"""Push approved changes to Intacct and BigTime, exactly once (issue 5, section 4).

:mod:`recon.push.writers` applies changes to their target system (Intacct in batches);
:mod:`recon.push.engine` drives the outbox: resume what is in doubt, guard against stale
approvals, send, report.

>>> from recon.push import open_writers, push
>>> with open_writers(profile) as writers:                 # doctest: +SKIP
...     report = push(store, run_id, writers, by="jane")
"""

from recon.push.engine import (
    DEFAULT_BATCH_SIZE,
    OUTCOME_STATES,
    Outcome,
    PushReport,
    open_writers,
    push,
)

__all__ = ["DEFAULT_BATCH_SIZE", "OUTCOME_STATES", "Outcome", "PushReport", "open_writers", "push"]
