"""The review and approval form: the accountant decides on a run's changes, then pushes them.

>>> form = ApprovalForm(store, run_id, user="jane", push_fn=run_push)  # doctest: +SKIP
>>> form.widget                                    # display it in JupyterLab  # doctest: +SKIP

Every click is written to the store (one short, durable transaction) *before* the form
changes, and everything the form shows is read back from the store afterwards: widget
state is not saved by papermill or nbconvert and a tab may be closed at any moment, so a
new form on the same run shows every decision made so far (issue 5, section 2).
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections import Counter
from collections.abc import Callable

import ipywidgets as w

from recon.errors import ConfigError, ReconError
from recon.lexicon import Lexicon
from recon.plan import Change
from recon.store import DECISIONS, Store
from recon.ui.changes_view import (
    DECISION_BUTTONS,
    DECISION_PAST,
    ChangeRow,
    change_title,
    counts_html,
    esc,
    group_html,
    system_label,
)
from recon.ui.filters import STATE_CHOICES, ChangeFilter, Selector, present
from recon.ui.push_panel import PushFn, PushPanel, PushReportLike, summary
from recon.ui.state import Snapshot, read_snapshot

log = logging.getLogger("recon.ui")

_ERROR_STYLE = "color:#a50e0e;background:#fdecea;padding:4px 8px;border-radius:3px"
_INFO_STYLE = "color:#0d652d;background:#e6f4ea;padding:4px 8px;border-radius:3px"


class ApprovalForm:
    """Review a run's plan: filter, approve / reject / defer, push the approved changes.

    Parameters
    ----------
    store:
        Where the plan is read from and every decision is written to.
    run_id:
        The run to review (its plan must be saved in ``store``).
    user:
        Who is deciding; recorded with every decision.
    lexicon:
        The firm's words for entities and columns (BigTime's defaults when None).
    push_fn:
        Runs the push with a progress callback ``(done, total, outcome)`` and returns a report
        with ``outcomes`` (see :mod:`recon.ui.push_panel`); None disables "Push approved".
    page_size:
        Changes shown per page.
    require_other_than_preparer:
        Segregation of duties: refuse decisions by whoever prepared the run. None: the
        store's setting.

    Attributes
    ----------
    widget:
        The form (an ipywidgets container) to display.
    entity_filter, action_filter, target_filter, state_filter, text_filter:
        The filter widgets; setting ``.value`` filters.
    bulk_comment, bulk_buttons:
        Comment and approve / reject / defer buttons for every change that passes the filters.
    counts, message:
        The counts line and the last result or error (HTML widgets).
    push_panel:
        ``button``, ``progress``, ``outcomes`` of the push.

    Raises
    ------
    ConfigError
        Unknown run, no saved plan, an empty user or a page size below 1.
    """

    def __init__(
        self,
        store: Store,
        run_id: str,
        *,
        user: str,
        lexicon: Lexicon | None = None,
        push_fn: PushFn | None = None,
        page_size: int = 20,
        require_other_than_preparer: bool | None = None,
    ) -> None:
        if not isinstance(user, str) or not user.strip():
            raise ConfigError("user (who decides) must be a non-empty name")
        if not isinstance(page_size, int) or page_size < 1:
            raise ConfigError(f"page_size must be a whole number >= 1, got {page_size!r}")
        self.store, self.run_id, self.user = store, run_id, user
        self.lexicon = lexicon or Lexicon.default()
        self.page_size = page_size
        self.require_other_than_preparer = require_other_than_preparer
        self._push_fn = push_fn
        self.plan = store.load_plan(run_id)
        self.prepared_by = store.prepared_by(run_id)
        self._selector = Selector(self.plan)
        self._rows: dict[str, ChangeRow] = {}
        self._page = 0
        self._filtered: list[Change] = []
        self._snapshot: Snapshot = read_snapshot(store, self.plan)
        self._build()
        self._draw()

    # --- public API -------------------------------------------------------------------------
    @property
    def filter(self) -> ChangeFilter:
        """The filter the widgets hold now."""
        return ChangeFilter(
            entity=self.entity_filter.value,
            action=self.action_filter.value,
            target=self.target_filter.value,
            text=self.text_filter.value,
            state=self.state_filter.value,
        )

    @property
    def snapshot(self) -> Snapshot:
        """What the store said after the last step."""
        return self._snapshot

    def filtered_ids(self) -> list[str]:
        """Ids of every change passing the filters (all pages), in plan order."""
        return [c.change_id for c in self._filtered]

    def page_ids(self) -> list[str]:
        """Ids of the changes on the page shown."""
        start = self._page * self.page_size
        return [c.change_id for c in self._filtered[start : start + self.page_size]]

    def row(self, change_id: str) -> ChangeRow:
        """The widgets of a change on the page shown (KeyError when it is not shown)."""
        if change_id not in self.page_ids():
            raise KeyError(f"{change_id} is not on the page shown")
        return self._rows[change_id]

    def decide(self, change_id: str, decision: str, comment: str = "") -> bool:
        """What a change's button does: store the decision, then show it. False on error
        (the message says why; nothing decided before is lost)."""
        change = self.plan.by_id().get(change_id)
        title = change_title(change, self.lexicon) if change else change_id
        verb = DECISION_BUTTONS.get(decision, decision).lower()

        def act() -> str:
            self.store.decide(
                self.run_id,
                change_id,
                decision,  # type: ignore[arg-type]  # the store checks it
                by=self.user,
                comment=comment,
                require_other_than_preparer=self.require_other_than_preparer,
            )
            return f"{DECISION_PAST[decision]} {title}."

        return self._guarded(f"Could not {verb} {title}", act)

    def decide_filtered(self, decision: str) -> bool:
        """What a bulk button does: one decision for every change passing the filters, in one
        transaction (all or none), with the filter recorded as the decision's rule. Changes
        already sent are left as they are."""
        verb = DECISION_BUTTONS.get(decision, decision).lower()
        flt = self.filter
        decidable = self._decidable(decision)
        open_ids = [c.change_id for c in self._bulk_targets(decision)]
        kept = len(decidable) - len(open_ids)
        skipped = len(self._filtered) - len(self._decidable())
        review_only = len(self._decidable()) - len(decidable)

        def act() -> str:
            if not open_ids and kept:
                return (
                    f"Nothing to {verb}: the {kept:,} changes passing the filters are already "
                    "decided; choose their state in the state filter to change them together."
                )
            if not open_ids and review_only:
                return (
                    f"Nothing to {verb}: the {review_only:,} changes passing the filters are "
                    "review only; recon cannot push them, they are done by hand."
                )
            if not open_ids:
                return f"Nothing to {verb}: no change passing the filters can be decided."
            self.store.decide_many(
                self.run_id,
                open_ids,
                decision,  # type: ignore[arg-type]  # the store checks it
                by=self.user,
                comment=self.bulk_comment.value,
                rule=f"bulk {decision} of {len(open_ids)} changes; filter: {flt.describe()}",
                require_other_than_preparer=self.require_other_than_preparer,
            )
            left = f"; {skipped:,} already sent were left as they are" if skipped else ""
            if review_only:
                left += f"; {review_only:,} review-only (done by hand) cannot be approved"
            if kept:
                left += (
                    f"; {kept:,} already decided were left as they are (choose their "
                    "state in the state filter to change them together)"
                )
            return f"{DECISION_PAST[decision]} {len(open_ids):,} changes ({flt.describe()}){left}."

        return self._guarded(f"Could not {verb} the {len(open_ids):,} changes", act)

    def push(self) -> PushReportLike | None:
        """What "Push approved" does: run the push with the progress bar, then show every
        change's outcome. None when nothing was pushed (the message says why)."""
        ready = len(self._snapshot.ready())
        if self.push_panel.push_fn is None or ready == 0:
            why = (
                "no push is connected"
                if self.push_panel.push_fn is None
                else "nothing approved is waiting"
            )
            self._say(f"Nothing to push: {why}.")
            return None
        result: list[PushReportLike] = []

        def act() -> str:
            result.append(self.push_panel.run(ready))
            return f"Push finished: {summary(result[0].outcomes)}."

        self._guarded("The push stopped", act)
        return result[0] if result else None

    def refresh(self) -> None:
        """Read the store again (e.g. after a push elsewhere) and redraw."""
        self._reload()

    def _repr_mimebundle_(self, **kwargs: object) -> object:
        # Lets a notebook cell that ends with ``form`` display the widget.
        return self.widget._repr_mimebundle_(**kwargs)

    # --- building -----------------------------------------------------------------------------
    def _build(self) -> None:
        changes = self.plan.changes
        lex = self.lexicon
        entities = present(c.entity for c in changes)
        self.entity_filter = w.Dropdown(
            description="Show",
            options=[("All records", "")]
            + [(lex.label(e, plural=True, capital=True), e) for e in entities],
        )
        self.action_filter = w.Dropdown(
            description="Action",
            options=[("Any action", "")]
            + [(a.capitalize(), a) for a in present(c.action for c in changes)],
        )
        self.target_filter = w.Dropdown(
            description="Target",
            options=[("Either system", "")]
            + [(system_label(t), t) for t in present(c.target for c in changes)],
        )
        self.state_filter = w.Dropdown(
            description="State", options=[(label, v) for v, label in STATE_CHOICES.items()]
        )
        # Filter on Enter / leaving the box, not on every key (each filter redraws the page).
        self.text_filter = w.Text(
            description="Text", placeholder="key, value or rule", continuous_update=False
        )
        for widget in self._filter_widgets():
            widget.observe(self._on_filter, names="value")
        self.bulk_comment = w.Text(placeholder="Comment for the bulk decision (optional)")
        self.bulk_buttons = {d: w.Button(layout=w.Layout(width="auto")) for d in DECISIONS}
        for decision, button in self.bulk_buttons.items():
            button.on_click(lambda _b, d=decision: self.decide_filtered(d))
        self.prev_button = w.Button(description="Previous", icon="arrow-left")
        self.next_button = w.Button(description="Next", icon="arrow-right")
        self.prev_button.on_click(lambda _b: self._turn(-1))
        self.next_button.on_click(lambda _b: self._turn(+1))
        self.page_label = w.HTML()
        self.counts = w.HTML()
        self.message = w.HTML()
        self.changes_box = w.VBox()
        self.push_panel = PushPanel(self._push_fn, self.plan.by_id(), lex)
        self.push_panel.button.on_click(lambda _b: self.push())
        self.widget = w.VBox(
            [
                w.HTML(self._header()),
                self.counts,
                self.message,
                w.HBox([self.entity_filter, self.action_filter, self.target_filter]),
                w.HBox([self.state_filter, self.text_filter]),
                w.HBox([self.bulk_comment, *self.bulk_buttons.values()]),
                w.HBox([self.prev_button, self.page_label, self.next_button]),
                self.changes_box,
                self.push_panel.widget,
            ]
        )

    def _filter_widgets(self) -> tuple[w.ValueWidget, ...]:
        return (
            self.entity_filter,
            self.action_filter,
            self.target_filter,
            self.state_filter,
            self.text_filter,
        )

    def _header(self) -> str:
        require = self.require_other_than_preparer
        if require is None:
            require = self.store.require_other_than_preparer
        same = self.user.strip().casefold() == self.prepared_by.strip().casefold()
        warn = ""
        if require and same:
            warn = (
                f'<div style="{_ERROR_STYLE}">You prepared this run: another person must '
                "decide on its changes (segregation of duties).</div>"
            )
        return (
            f"<h3>Changes of run {esc(self.run_id)}</h3>"
            f"<div>{len(self.plan.changes):,} proposed changes, prepared by "
            f"{esc(self.prepared_by)}; reviewing as <b>{esc(self.user)}</b></div>{warn}"
        )

    # --- drawing ------------------------------------------------------------------------------
    def _draw(self) -> None:
        """Lay out the page from the last snapshot and the filters."""
        snap = self._snapshot
        self._filtered = self._selector.select(self.filter, snap)
        pages = max(1, math.ceil(len(self._filtered) / self.page_size))
        self._page = min(self._page, pages - 1)
        self.changes_box.children = self._page_children()
        start = self._page * self.page_size
        end = min(start + self.page_size, len(self._filtered))
        shown = f"{start + 1:,}-{end:,} of {len(self._filtered):,}" if self._filtered else "none"
        self.page_label.value = f"&nbsp;Page {self._page + 1} of {pages} (changes {shown})&nbsp;"
        self.prev_button.disabled = self._page == 0
        self.next_button.disabled = self._page >= pages - 1
        for decision, button in self.bulk_buttons.items():
            open_count = len(self._bulk_targets(decision))
            button.description = f"{DECISION_BUTTONS[decision]} all {open_count:,} filtered"
            button.disabled = open_count == 0
        self.counts.value = counts_html(snap.counts())
        self.push_panel.set_ready(len(snap.ready()))

    def _page_children(self) -> list[w.Widget]:
        start = self._page * self.page_size
        page = self._filtered[start : start + self.page_size]
        if not page:
            return [w.HTML("<i>No change passes the filters.</i>")]
        totals = Counter(c.entity for c in self._filtered)
        children: list[w.Widget] = []
        last = None
        for change in page:
            if change.entity != last:
                heading = group_html(change.entity, self.lexicon, totals[change.entity])
                children.append(w.HTML(heading))
                last = change.entity
            children.append(self._row_for(change).widget)
        return children

    def _row_for(self, change: Change) -> ChangeRow:
        # Rows are kept across redraws so a comment typed but not yet used survives a click
        # elsewhere; only their content is updated from the store.
        status = self._snapshot.status(change.change_id)
        row = self._rows.get(change.change_id)
        if row is None:
            row = ChangeRow(change, status, self.lexicon, self.decide)
            self._rows[change.change_id] = row
        else:
            row.update(status)
        return row

    def _decidable(self, decision: str = "") -> list[Change]:
        """Filtered changes that can take ``decision`` (any, when empty): not sent yet, and
        for an approval, pushable."""
        return [
            c
            for c in self._filtered
            if not self._snapshot.status(c.change_id).locked
            and (c.pushable or decision != "approve")
        ]

    def _bulk_targets(self, decision: str = "") -> list[Change]:
        """What a bulk button decides. It never silently replaces what someone decided one by
        one: with the state filter on "Any state" it covers undecided changes only; to change
        decided ones together, filter by their state (the recorded rule then says so)."""
        if self.filter.state:
            return self._decidable(decision)
        decided = self._snapshot.decisions
        return [c for c in self._decidable(decision) if c.change_id not in decided]

    # --- events -------------------------------------------------------------------------------
    def _on_filter(self, _change: object) -> None:
        self._page = 0
        self._draw()

    def _turn(self, step: int) -> None:
        self._page = max(0, self._page + step)
        self._draw()

    def _reload(self) -> None:
        self._snapshot = read_snapshot(self.store, self.plan)
        self._draw()

    def _guarded(self, failure: str, act: Callable[[], str]) -> bool:
        """Run one store step; then redraw from the store and say what happened."""
        try:
            said = act()
        except (ReconError, sqlite3.Error) as exc:
            self._after_error(f"{failure}: {exc}")
            return False
        except Exception as exc:
            # A widget callback has no caller to raise to: an error left in the kernel log is
            # an error the accountant never sees. Log it for the IT person, show it here.
            log.exception("approval form: %s", failure)
            self._after_error(f"{failure}: unexpected {type(exc).__name__}: {exc}")
            return False
        self._reload()
        self._say(said)
        return True

    def _after_error(self, text: str) -> None:
        try:
            self._reload()
        except (ReconError, sqlite3.Error):
            log.exception("approval form: the store cannot be read again")
        self._say(text, error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        kind, style = ("error", _ERROR_STYLE) if error else ("info", _INFO_STYLE)
        self.message.value = f'<div data-kind="{kind}" style="{style}">{esc(text)}</div>'
