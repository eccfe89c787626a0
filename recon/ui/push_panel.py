"""The "Push approved" part of the approval form: button, progress bar, outcomes table.

The form does not import the push engine: it takes a ``push_fn`` that runs the push and
calls the progress callback it is given after each change, e.g.::

    push_fn = lambda progress: push(store, run_id, writers, by=user, progress=progress)

so the form works (and is tested) with any function of that shape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import ipywidgets as w

from recon.lexicon import Lexicon
from recon.plan import Change
from recon.ui.changes_view import OutcomeLike, change_title, esc, outcomes_html


class PushReportLike(Protocol):
    """What the form reads from a push report (``recon.push.engine.PushReport``)."""

    @property
    def outcomes(self) -> Sequence[OutcomeLike]: ...


#: The progress callback a push calls: ``(done, total, outcome of the change just done)``.
Progress = Callable[[int, int, OutcomeLike], None]
#: Runs the push with the given progress callback and returns its report.
PushFn = Callable[[Progress], PushReportLike]


class PushPanel:
    """Button, progress bar, last-step line and outcomes table of one push.

    Parameters
    ----------
    push_fn:
        Runs the push (None: the button stays disabled).
    changes:
        Change id -> change, to name each outcome's record.
    lexicon:
        The firm's words.
    """

    def __init__(
        self, push_fn: PushFn | None, changes: Mapping[str, Change], lexicon: Lexicon
    ) -> None:
        self.push_fn = push_fn
        self.changes = changes
        self.lexicon = lexicon
        self.button = w.Button(
            description="Push approved", icon="upload", button_style="primary", disabled=True
        )
        self.progress = w.IntProgress(
            min=0, max=1, value=0, description="Push", layout=w.Layout(visibility="hidden")
        )
        self.step = w.HTML()
        self.outcomes = w.HTML()
        self.widget = w.VBox([w.HBox([self.button, self.progress, self.step]), self.outcomes])

    def set_ready(self, ready: int) -> None:
        """Enable the button when ``ready`` changes can be pushed and there is a push_fn."""
        self.button.disabled = self.push_fn is None or ready == 0
        noun = "change" if ready == 1 else "changes"
        self.button.description = f"Push {ready:,} approved {noun}" if ready else "Push approved"
        if self.push_fn is None:
            self.button.tooltip = "No push is connected to this form"

    def run(self, ready: int) -> PushReportLike:
        """Run the push, showing progress, then every change's outcome.

        Raises whatever ``push_fn`` raises (the bar turns red first); the caller shows it.
        """
        if self.push_fn is None:
            raise RuntimeError("this form has no push connected (push_fn=None)")
        self.button.disabled = True
        self.outcomes.value = ""
        self.step.value = ""
        self.progress.layout.visibility = "visible"
        self.progress.bar_style = ""
        self.progress.value = 0
        self.progress.max = max(ready, 1)
        try:
            report = self.push_fn(self._progress)
        except BaseException:
            self.progress.bar_style = "danger"
            raise
        outcomes = list(report.outcomes)
        self.outcomes.value = outcomes_html(outcomes, self.changes, self.lexicon)
        clean = all(o.state == "applied" for o in outcomes)
        self.progress.bar_style = "success" if clean else "warning"
        return report

    def _progress(self, done: int, total: int, outcome: OutcomeLike) -> None:
        self.progress.max = max(total, 1)
        self.progress.value = min(done, self.progress.max)
        self.progress.description = f"{done:,}/{total:,}"
        change = self.changes.get(outcome.change_id)
        what = change_title(change, self.lexicon) if change is not None else outcome.change_id
        self.step.value = f"{esc(what)}: {esc(outcome.state)}"


def summary(outcomes: Sequence[OutcomeLike]) -> str:
    """``"3 applied, 1 failed"``: the outcomes counted by state (plain text)."""
    counts = Counter(o.state for o in outcomes)
    return ", ".join(f"{n:,} {state}" for state, n in sorted(counts.items())) or "nothing to do"
