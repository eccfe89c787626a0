"""How one change, the counts and the push outcomes look in the approval form.

Every value shown comes from a remote system (names, notes, error text) or from the firm's
vocabulary and is untrusted: each one goes through :func:`html.escape` before it is put in
markup -- nothing here builds HTML from an unescaped string.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Protocol

import ipywidgets as w

from recon.lexicon import Lexicon
from recon.plan import Change
from recon.plan.model import SYSTEM_LABELS
from recon.store import DECISIONS, OutboxItem
from recon.ui.state import COUNT_LABELS, Status

#: Button words per decision, and the past tense shown in a change's status.
DECISION_BUTTONS: Mapping[str, str] = MappingProxyType(
    {"approve": "Approve", "reject": "Reject", "defer": "Defer"}
)
DECISION_PAST: Mapping[str, str] = MappingProxyType(
    {"approve": "Approved", "reject": "Rejected", "defer": "Deferred"}
)
_BUTTON_STYLE = {"approve": "success", "reject": "danger", "defer": "warning"}
_ACTION_WORDS = {"create": "create in", "update": "update in", "deactivate": "deactivate in"}

_TABLE = "border-collapse:collapse;margin:4px 0"
_CELL = "border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top"
_NEW = "background:#e6f4ea"
_OLD = "background:#fdecea"


class OutcomeLike(Protocol):
    """What the form reads from one push outcome (``recon.push.engine.Outcome``)."""

    @property
    def change_id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def remote_id(self) -> str | None: ...
    @property
    def message(self) -> str: ...


def esc(value: object) -> str:
    """``value`` as text, escaped for HTML (quotes too: values end up in attributes)."""
    return html.escape(str(value), quote=True)


def money(value: Decimal | None) -> str:
    """``Decimal("-1234.5")`` -> ``"-1,234.50"`` (Decimal formatting: no float on the way)."""
    return "" if value is None else f"{value:,.2f}"


def shown(value: str | None) -> str:
    """A field value as the reviewer reads it: absent and empty are told apart."""
    if value is None:
        return "(none)"
    return value if value != "" else "(empty)"


def system_label(system: str) -> str:
    """``"bigtime"`` -> ``"BigTime"``."""
    return SYSTEM_LABELS.get(system, system)


def change_title(change: Change, lexicon: Lexicon) -> str:
    """``"Client C10041 Evergreen Community Foundation Corp."``: the entity in the firm's
    words, the key and the record's name (plain text)."""
    name = getattr(change, "name", "")
    title = f"{lexicon.label(change.entity, capital=True)} {change.key or '(no id)'}"
    return f"{title} {name}" if name and name != change.key else title


def fields_table(change: Change, lexicon: Lexicon) -> str:
    """Field | now in the target | after, one row per field (HTML, every value escaped)."""
    labels = lexicon.column_labels(change.entity, [f.field for f in change.fields])
    now = f"Now in {system_label(change.target)}"
    after = "After" if change.pushable else "Proposed"
    head = "".join(f'<th style="{_CELL}">{esc(h)}</th>' for h in ("Field", now, after))
    rows = [
        f'<tr data-field="{esc(f.field)}"><td style="{_CELL}">{esc(labels[f.field])}</td>'
        f'<td style="{_CELL};{_OLD if f.before is not None else ""}">{esc(shown(f.before))}</td>'
        f'<td style="{_CELL};{_NEW}">{esc(shown(f.after))}</td></tr>'
        for f in change.fields
    ]
    return f'<table style="{_TABLE}"><tr>{head}</tr>{"".join(rows)}</table>'


def push_words(item: OutboxItem, target: str) -> str:
    """Where an approved change stands in the push, in words."""
    words = {
        "pending": "queued for the next push",
        "sending": "was being sent when a push stopped; the next push settles it",
        "applied": f"pushed to {system_label(target)}"
        + (f" (record {item.remote_id})" if item.remote_id else ""),
        "failed": f"push failed: {item.error or 'no reason given'}; fix it and approve again",
        "stale": f"changed in {system_label(target)} since reviewed: not sent; review it and "
        "approve again",
        "unknown": "sent, outcome unknown; the next push settles it",
    }
    return words.get(item.state, item.state)


def status_html(change: Change, status: Status) -> str:
    """The decision, held-back reason, push state and review-only note of one change."""
    d = status.decision
    if d is None:
        parts = ['<span data-decision="undecided">Undecided</span>']
    else:
        said = f" &mdash; &ldquo;{esc(d.comment)}&rdquo;" if d.comment else ""
        how = f" ({esc(d.rule)})" if d.rule else ""
        parts = [
            f'<span data-decision="{esc(d.decision)}"><b>{esc(DECISION_PAST[d.decision])}</b>'
            f" by {esc(d.by)} at {esc(d.at)}{how}{said}</span>"
        ]
    if status.held:
        parts.append(f'<span data-held="1">Held back: {esc(status.held)}</span>')
    if status.push is not None:
        words = push_words(status.push, change.target)
        parts.append(f'<span data-push="{esc(status.push.state)}">{esc(words)}</span>')
    if not change.pushable:
        note = change.note or "recon does not push this change"
        parts.append(f'<span data-review-only="1">Review only: {esc(note)}</span>')
    return "<br>".join(parts)


def change_html(change: Change, status: Status, lexicon: Lexicon) -> str:
    """One change: heading, rule, money impact, side-by-side values and its status."""
    impact = (
        f" &middot; money impact {esc(money(change.money_impact))}"
        if change.money_impact is not None
        else ""
    )
    action = _ACTION_WORDS.get(change.action, change.action)
    return (
        f'<div class="recon-change" data-change-id="{esc(change.change_id)}">'
        f"<b>{esc(change_title(change, lexicon))}</b> &middot; {esc(action)} "
        f"{esc(system_label(change.target))}{impact}"
        f'<br><small>Rule: {esc(change.rule)} <span style="color:#888">'
        f"({esc(change.change_id)})</span></small>"
        f"{fields_table(change, lexicon)}{status_html(change, status)}</div>"
    )


def counts_html(counts: Mapping[str, int]) -> str:
    """The counts line: ``Approved 3 | Rejected 1 | ...`` (each in a ``data-count`` span)."""
    items = [
        f'<span data-count="{esc(key)}">{esc(label)}: <b>{counts.get(key, 0):,}</b></span>'
        for key, label in COUNT_LABELS.items()
    ]
    return " &nbsp;|&nbsp; ".join(items)


def group_html(entity: str, lexicon: Lexicon, total: int) -> str:
    """The heading over one entity's changes on a page."""
    label = lexicon.label(entity, plural=True, capital=True)
    noun = "change" if total == 1 else "changes"
    return (
        f'<h4 data-entity="{esc(entity)}" style="margin:12px 0 2px">'
        f"{esc(label)} ({total:,} {noun})</h4>"
    )


def outcomes_html(
    outcomes: Iterable[OutcomeLike], changes: Mapping[str, Change], lexicon: Lexicon
) -> str:
    """The push's outcomes: one row per change -- record, target, state, remote id, message."""
    head = "".join(
        f'<th style="{_CELL}">{h}</th>'
        for h in ("Change", "Record", "Target", "State", "Remote id", "Message")
    )
    rows = []
    for o in outcomes:
        change = changes.get(o.change_id)
        record = change_title(change, lexicon) if change is not None else ""
        target = system_label(change.target) if change is not None else ""
        cells = (o.change_id, record, target, o.state, o.remote_id or "", o.message)
        tds = "".join(f'<td style="{_CELL}">{esc(c)}</td>' for c in cells)
        attrs = f'data-change-id="{esc(o.change_id)}" data-state="{esc(o.state)}"'
        rows.append(f"<tr {attrs}>{tds}</tr>")
    return f'<table class="recon-outcomes" style="{_TABLE}"><tr>{head}</tr>{"".join(rows)}</table>'


class ChangeRow:
    """The widgets of one change: its card, a comment box and approve / reject / defer.

    Parameters
    ----------
    change, status, lexicon:
        What to show.
    on_decide:
        Called with ``(change_id, decision, comment)`` when a button is clicked; it writes
        to the store and then calls :meth:`update` on the rows.
    """

    def __init__(
        self,
        change: Change,
        status: Status,
        lexicon: Lexicon,
        on_decide: Callable[[str, str, str], object],
    ) -> None:
        self.change = change
        self.lexicon = lexicon
        self.html = w.HTML()
        said = status.decision.comment if status.decision is not None else ""
        self.comment = w.Text(
            value=said, placeholder="Comment (optional)", layout=w.Layout(width="40%")
        )
        self.buttons: dict[str, w.Button] = {
            d: w.Button(description=DECISION_BUTTONS[d], layout=w.Layout(width="auto"))
            for d in DECISIONS
        }
        for decision, button in self.buttons.items():
            button.on_click(
                lambda _b, d=decision: on_decide(change.change_id, d, self.comment.value)
            )
        controls = w.HBox([self.comment, *self.buttons.values()])
        self.widget = w.VBox([self.html, controls], layout=w.Layout(margin="4px 0 10px 0"))
        self.update(status)

    def update(self, status: Status) -> None:
        """Show ``status``; the chosen decision's button is coloured, all are off once sent."""
        self.html.value = change_html(self.change, status, self.lexicon)
        for decision, button in self.buttons.items():
            chosen = status.word == decision
            button.button_style = _BUTTON_STYLE[decision] if chosen else ""
            button.icon = "check" if chosen else ""
            button.disabled = status.locked
        # Review only: recon cannot push it, so there is nothing to approve (it is done by
        # hand; rejecting or deferring it still says what the reviewer thinks).
        self.buttons["approve"].layout.display = None if self.change.pushable else "none"
        self.comment.disabled = status.locked
