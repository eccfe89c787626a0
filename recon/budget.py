"""What a run asked of the services, and a run stopped at its request ceiling, in one shape.

A reconcile records the requests it sent per system and per endpoint in its summary (the
store's run row and ``outcome.json``). A profile's ``max_requests`` is the run's ceiling
(:class:`recon.http.RequestMeter`): a run stopped at it is saved with what it sent and
where it stopped (:func:`stopped_summary`), and no plan. ``recon run``'s result line, the
status tile and the push read it back here (:func:`ceiling_reached`, :func:`requests_text`),
so all of them say the same thing.

>>> requests_text({"BigTime": 276, "Intacct": 36})
'312 (BigTime 276, Intacct 36)'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recon.errors import RequestBudgetExceeded
from recon.http import RequestMeter

#: ``summary["stopped"]["reason"]`` of a run stopped at its ceiling.
REQUEST_CEILING = "request_ceiling"


def request_counts(requests: object) -> dict[str, int]:
    """A summary's ``requests`` (system -> count) in system order; empty when it is not
    one (a summary is free-form JSON: what is not recon's shape reads as unknown)."""
    if not isinstance(requests, Mapping):
        return {}
    counts = {str(k): v for k, v in requests.items()}
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in counts.values()):
        return {}
    return dict(sorted(counts.items()))


def by_system_text(counts: Mapping[str, int]) -> str:
    """``"BigTime 276, Intacct 36"``."""
    return ", ".join(f"{system} {n:,}" for system, n in counts.items())


def requests_text(requests: object, unit: str = "") -> str:
    """``"312 (BigTime 276, Intacct 36)"``: a summary's ``requests`` in words, ``unit``
    after the total (``"312 requests (...)"``); ``""`` when there are none."""
    counts = request_counts(requests)
    if not counts:
        return ""
    total = f"{sum(counts.values()):,}" + (f" {unit}" if unit else "")
    return f"{total} ({by_system_text(counts)})"


def stopped_summary(exc: RequestBudgetExceeded, meter: RequestMeter) -> dict[str, Any]:
    """What a run stopped at its ceiling records (JSON-able): where it stopped and why
    (``stopped``), and the requests it sent per system and endpoint."""
    return {
        "stopped": {
            "reason": REQUEST_CEILING,
            "max_requests": exc.limit,
            "system": exc.system,
            "endpoint": exc.endpoint,
            "said": str(exc),
        },
        "max_requests": exc.limit,
        "requests": meter.by_system(),
        "requests_by_endpoint": meter.by_endpoint(),
    }


def ceiling_reached(summary: object) -> int | None:
    """The ceiling a run's ``summary`` says it stopped at, or None (it did not, or the
    summary is not one recon wrote: a summary is free-form JSON)."""
    stopped = summary.get("stopped") if isinstance(summary, Mapping) else None
    if not isinstance(stopped, Mapping) or stopped.get("reason") != REQUEST_CEILING:
        return None
    limit = stopped.get("max_requests")
    return limit if isinstance(limit, int) and not isinstance(limit, bool) else None


def stopped_words(summary: Mapping[str, Any]) -> str:
    """The message a run stopped at its ceiling was stopped with (:func:`stopped_summary`)."""
    stopped = summary.get("stopped")
    said = stopped.get("said") if isinstance(stopped, Mapping) else None
    return str(said) if said else f"stopped at the request ceiling ({ceiling_reached(summary)})"
