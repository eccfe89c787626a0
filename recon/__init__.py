"""recon: keep Sage Intacct and BigTime in agreement, with an accountant in control.

The handful of things a notebook or a script needs; the widgets are in :mod:`recon.ui`.

>>> import recon
>>> run = recon.reconcile_run("sandbox", start="2025-10-01", end="2025-10-31")  # doctest: +SKIP
>>> print(recon.run_text(run))                      # what differs, per entity   # doctest: +SKIP
>>> recon.approval_form(run.run_id).widget          # approve, reject, defer     # doctest: +SKIP
>>> done = recon.push_run(run.run_id, push=True)    # send what was approved     # doctest: +SKIP

Reconcile and push
    :func:`reconcile_run` pulls both systems for a period, compares, plans the changes, saves
    them and writes the reports; :func:`approval_form` opens the review of a run;
    :func:`push_run` sends what was approved, each change exactly once.
Where things are kept
    :class:`Store` (runs, plans, decisions, the push's outbox and the hash-chained ledger),
    :class:`Crosswalk` (accepted pairs of records), :func:`load_profile` and
    :func:`profiles_frame` (connection profiles; secrets stay in the keyring or environment).
Errors
    Every error recon raises on purpose is a :class:`ReconError`; a :class:`ConfigError`
    is the user's input (a profile, a parameter, a file) and says what to change.
"""

from __future__ import annotations

from recon.check import check_connection
from recon.config import Profile, load_profile
from recon.crosswalk import Crosswalk
from recon.errors import ConfigError, ReconError
from recon.job import (
    PushRun,
    ReconcileRun,
    approval_form,
    default_user,
    push_run,
    push_text,
    reconcile_run,
    resolve_run,
    run_profile,
    run_text,
)
from recon.pipeline import pulled_text
from recon.profiles import profiles_frame
from recon.runner import StatusTile
from recon.status import status_html
from recon.store import Store
from recon.version import __version__

__all__ = [
    "ConfigError",
    "Crosswalk",
    "Profile",
    "PushRun",
    "ReconError",
    "ReconcileRun",
    "StatusTile",
    "Store",
    "__version__",
    "approval_form",
    "check_connection",
    "default_user",
    "load_profile",
    "profiles_frame",
    "pulled_text",
    "push_run",
    "push_text",
    "reconcile_run",
    "resolve_run",
    "run_profile",
    "run_text",
    "status_html",
]
