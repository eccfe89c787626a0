"""ipywidgets forms for JupyterLab (``recon.ui``).

:class:`ApprovalForm` reviews a run's plan: changes grouped by entity with before and after
values side by side, filters, approve / reject / defer one by one or in bulk, and "Push
approved" with a progress bar and the outcomes. Every decision is written to the
:class:`~recon.store.Store` the moment it is made.

Modules: :mod:`~recon.ui.state` (what the store says), :mod:`~recon.ui.filters` (which
changes are shown), :mod:`~recon.ui.changes_view` (HTML of a change, counts, outcomes),
:mod:`~recon.ui.push_panel` (the push), :mod:`~recon.ui.approval` (the form).
:class:`DiffBrowser` shows a run's differences side by side, :class:`PairReview` the likely
pairs of records, :class:`ConnectForm` a connection profile.
"""

from __future__ import annotations

from recon.ui.approval import ApprovalForm
from recon.ui.connect_form import ConnectForm
from recon.ui.diff_view import DiffBrowser
from recon.ui.filters import STATE_CHOICES, ChangeFilter, Selector
from recon.ui.pairs import PairReview, suggest_pairs
from recon.ui.push_panel import Progress, PushFn, PushReportLike
from recon.ui.state import COUNT_LABELS, READY_STATES, Snapshot, Status, read_snapshot

__all__ = [
    "COUNT_LABELS",
    "READY_STATES",
    "STATE_CHOICES",
    "ApprovalForm",
    "ChangeFilter",
    "ConnectForm",
    "DiffBrowser",
    "PairReview",
    "Progress",
    "PushFn",
    "PushReportLike",
    "Selector",
    "Snapshot",
    "Status",
    "read_snapshot",
    "suggest_pairs",
]
