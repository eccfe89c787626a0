"""The firm as it really is: one set of canonical frames both systems should agree on.

Planting (``plant.py``) then makes each system's view depart from this truth in exactly the
ways the manifest lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from recon.sandbox.firm import reference as ref
from recon.sandbox.firm.billing import build_billing
from recon.sandbox.firm.expenses import build_expenses
from recon.sandbox.firm.parties import INTERNAL_CUSTOMER, build_parties
from recon.sandbox.firm.plan import spare_counts
from recon.sandbox.firm.sizing import sizes, stream
from recon.sandbox.firm.timegen import build_time, count_entries


@dataclass(frozen=True)
class Truth:
    frames: dict[str, pd.DataFrame]
    #: Keys nothing points at, per entity: reserved for planted "missing" items.
    spares: dict[str, list[str]]
    #: Keys that must not receive plants (the firm's own internal customer and projects).
    internal: dict[str, list[str]]
    #: Employee ids fit to manage a project or a person (senior, staying, regular).
    managers: list[str]
    #: Per time-entry row: True when the entry is not on any invoice.
    open_entries: np.ndarray
    #: Intacct-only facts the wire renderer needs (contacts, rates, invoice lines, receipts).
    detail: dict[str, pd.DataFrame]


def build_truth(seed: int, scale: int) -> Truth:
    """Generate the whole firm for ``seed`` and ``scale``."""
    streams = partial(stream, seed, scale)
    parties = build_parties(streams, sizes(scale), spare_counts(scale))
    time = build_time(parties, streams)
    billing = build_billing(time, parties.frames["project"], streams)
    projects = parties.frames["project"]["project_id"]
    internal_projects = projects.iloc[: parties.n_internal].tolist()
    frames = {
        **ref.reference_frames(),
        **parties.frames,
        "time_entry": time.frame,
        "invoice": billing.invoice,
        "payment": billing.payment,
        "expense": build_expenses(time.frame, internal_projects, streams),
    }
    emp = parties.frames["employee"]
    seniors = (parties.level < ref.MANAGER_LEVELS) & ~parties.emp_is_spare
    seniors &= emp["status"].to_numpy() == "active"
    return Truth(
        frames=frames,
        spares={**ref.spares(), **parties.spares},
        internal={
            "customer": [INTERNAL_CUSTOMER],
            "project": internal_projects,
        },
        managers=emp["employee_id"][seniors].tolist(),
        open_entries=~billing.invoiced,
        detail={
            **parties.detail,
            "invoice_line": billing.lines,
            "receipt": billing.receipts,
            "payment_header": billing.payments,
        },
    )


def time_entry_count(seed: int, scale: int) -> int:
    """How many time entries ``generate(seed, scale)`` holds before planting (cheap)."""
    streams = partial(stream, seed, scale)
    return count_entries(build_parties(streams, sizes(scale), spare_counts(scale)), streams)
