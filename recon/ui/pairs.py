"""Likely pairs: records each system holds under a different key, to accept or reject.

>>> suggestions = suggest_pairs(rec, crosswalk)                       # doctest: +SKIP
>>> PairReview(suggestions, crosswalk, user="jane", lexicon=lexicon)  # doctest: +SKIP

:func:`suggest_pairs` runs :func:`recon.match.propose` over the records only one system holds,
for the entities where matching applies (:data:`SUGGEST_ENTITIES`); :class:`PairReview` shows
each suggestion with its score and reason and records every Accept / Reject / Undo in the
:class:`~recon.crosswalk.Crosswalk` the moment it is clicked (widget state is not saved by
papermill: docs/ENGINEERING-NOTES.md, papermill #400). What the review shows is read back from the
crosswalk after every click, so a new review of the same suggestions shows every decision.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import ipywidgets as w
import pandas as pd

from recon.canonical import ENTITIES
from recon.crosswalk import REFERENCES, Crosswalk, apply_links_all
from recon.diff import Diff
from recon.errors import ConfigError, ReconError
from recon.lexicon import Lexicon
from recon.match import DEFAULT_THRESHOLD, PROPOSAL_COLUMNS, propose
from recon.ui.changes_view import esc

log = logging.getLogger("recon.ui")

#: Entities whose one-sided records are matched by default (match.py's specs; customers
#: first: a project under another customer is strong evidence against a pair, so customers
#: are best accepted before projects are looked at).
SUGGEST_ENTITIES: tuple[str, ...] = ("customer", "project", "employee")

PairState = Literal["accepted", "rejected", "undecided", "linked_elsewhere"]
#: What each state is called in the review.
STATE_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "accepted": "Accepted: the same record",
        "rejected": "Rejected: not the same record",
        "undecided": "Undecided",
        "linked_elsewhere": "One of the two is already linked to another record",
    }
)
_COUNTED = ("accepted", "rejected", "undecided")
_ERROR_STYLE = "color:#a50e0e;background:#fdecea;padding:4px 8px;border-radius:3px"
_INFO_STYLE = "color:#0d652d;background:#e6f4ea;padding:4px 8px;border-radius:3px"
_CELL = "border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top"


# --- suggestions -----------------------------------------------------------------------------
def suggest_pairs(
    source: Any,
    crosswalk: Crosswalk | None = None,
    *,
    entities: Iterable[str] = SUGGEST_ENTITIES,
    threshold: float = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Likely pairs among the records only one system holds, for each matchable entity.

    Parameters
    ----------
    source:
        A :class:`~recon.pipeline.Reconciliation` or a :class:`~recon.diff.Diff` (its
        ``only_in_intacct`` / ``only_in_bigtime`` rows are matched), or a pair
        ``(intacct_frames, bigtime_frames)`` of canonical frames per entity (the records
        whose key the other side lacks are matched, after the crosswalk's links are applied).
    crosswalk:
        Decisions already taken: linked records and rejected pairs are not suggested again,
        and BigTime references follow accepted links (a project under a linked customer
        points at the Intacct customer, so the customer evidence agrees).
    entities:
        Which entities to match (any of :data:`recon.match.SPECS`); entities the source
        lacks are skipped.
    threshold:
        Minimum score (0..100).

    Returns
    -------
    pandas.DataFrame
        :func:`recon.match.propose`'s columns (:data:`recon.match.PROPOSAL_COLUMNS`), the
        entities in the order given, best first within each.

    Raises
    ------
    ConfigError
        A source of another kind, frames without the entity's key or matching columns, an
        entity that cannot be matched, a bad threshold.
    """
    if crosswalk is not None and not isinstance(crosswalk, Crosswalk):
        raise ConfigError(f"crosswalk must be a Crosswalk or None, got {type(crosswalk).__name__}")
    sides = _one_sided(source, crosswalk)
    parts = []
    for entity in dict.fromkeys(entities):
        if entity not in sides:
            continue
        only_ia, only_bt = sides[entity]
        if crosswalk is not None:
            only_bt = _follow_links(entity, only_bt, crosswalk)
        parts.append(propose(entity, only_ia, only_bt, crosswalk=crosswalk, threshold=threshold))
    if not parts:
        return _no_suggestions()
    return pd.concat(parts, ignore_index=True)


def _one_sided(
    source: Any, crosswalk: Crosswalk | None
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Entity -> (rows only in Intacct, rows only in BigTime)."""
    diff = source if isinstance(source, Diff) else getattr(source, "diff", None)
    if isinstance(diff, Diff):
        return {e: (ed.only_in_intacct, ed.only_in_bigtime) for e, ed in diff.entities.items()}
    if isinstance(source, tuple | list) and len(source) == 2:
        ia, bt = source
        if isinstance(ia, Mapping) and isinstance(bt, Mapping):
            return _frames_one_sided(ia, bt, crosswalk)
    raise ConfigError(
        "suggest_pairs needs a Reconciliation, a Diff, or (intacct_frames, bigtime_frames); "
        f"got {type(source).__name__}"
    )


def _frames_one_sided(
    intacct: Mapping[str, pd.DataFrame],
    bigtime: Mapping[str, pd.DataFrame],
    crosswalk: Crosswalk | None,
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    # Links first: a linked record shares its key with Intacct's and is one-sided no more.
    bigtime = apply_links_all(bigtime, crosswalk) if crosswalk is not None else dict(bigtime)
    out = {}
    for entity in ENTITIES:
        if entity not in intacct or entity not in bigtime:
            continue
        key = ENTITIES[entity].key
        ia, bt = intacct[entity], bigtime[entity]
        for side, frame in (("Intacct", ia), ("BigTime", bt)):
            if not isinstance(frame, pd.DataFrame) or key not in frame.columns:
                raise ConfigError(f"{side} {entity} frame must be a DataFrame with {key!r}")
        out[entity] = (ia[~ia[key].isin(bt[key].dropna())], bt[~bt[key].isin(ia[key].dropna())])
    return out


def _follow_links(entity: str, frame: pd.DataFrame, crosswalk: Crosswalk) -> pd.DataFrame:
    """BigTime rows whose references to linked records use the Intacct keys."""
    out = frame
    for source, refs in REFERENCES.items():
        for target, column in refs:
            if target != entity or column == ENTITIES[entity].key or column not in out.columns:
                continue
            links = crosswalk.links(source)
            if links:
                values = out[column]
                out = out.assign(
                    **{column: values.where(~values.isin(list(links)), values.map(links))}
                )
    return out


def _no_suggestions() -> pd.DataFrame:
    """An empty frame shaped as :func:`recon.match.propose`'s."""
    columns = {c: pd.Series([], dtype="str") for c in PROPOSAL_COLUMNS}
    return pd.DataFrame(columns | {"score": pd.Series([], dtype="float64")})


# --- the review widget -----------------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    """One row of the suggestions frame."""

    position: int
    entity: str
    intacct_key: str
    bigtime_key: str
    score: float
    reason: str
    intacct_name: str
    bigtime_name: str

    @property
    def proposal_note(self) -> str:
        """What the crosswalk's history keeps about why the pair was suggested."""
        return f"suggested (score {self.score:.1f}): {self.reason}"


class PairRow:
    """The widgets of one suggestion: its card, a note box, Accept / Reject / Undo.

    Parameters
    ----------
    suggestion:
        What to show.
    lexicon:
        The firm's words for the entity.
    on_decide:
        Called with ``(position, action, note)`` on a click (``"accept"``, ``"reject"``,
        ``"undo"``); it writes to the crosswalk and then calls :meth:`update`.
    """

    def __init__(
        self,
        suggestion: Suggestion,
        lexicon: Lexicon,
        on_decide: Callable[[int, str, str], object],
    ) -> None:
        self.suggestion = suggestion
        self.lexicon = lexicon
        self.html = w.HTML()
        self.note = w.Text(placeholder="Note (optional)", layout=w.Layout(width="40%"))
        self.buttons: dict[str, w.Button] = {
            action: w.Button(description=action.capitalize(), layout=w.Layout(width="auto"))
            for action in ("accept", "reject", "undo")
        }
        for action, button in self.buttons.items():
            button.on_click(lambda _b, a=action: on_decide(suggestion.position, a, self.note.value))
        controls = w.HBox([self.note, *self.buttons.values()])
        self.widget = w.VBox([self.html, controls], layout=w.Layout(margin="4px 0 10px 0"))

    def update(self, state: PairState) -> None:
        """Show ``state``: the chosen button is coloured; what cannot be done is disabled."""
        self.html.value = pair_html(self.suggestion, state, self.lexicon)
        self.buttons["accept"].button_style = "success" if state == "accepted" else ""
        self.buttons["reject"].button_style = "danger" if state == "rejected" else ""
        self.buttons["accept"].disabled = state in ("accepted", "linked_elsewhere")
        self.buttons["reject"].disabled = state == "rejected"
        self.buttons["undo"].disabled = state not in ("accepted", "rejected")


def pair_html(s: Suggestion, state: PairState, lexicon: Lexicon) -> str:
    """One suggestion: both records, the score, the reason and its state (values escaped)."""
    label = lexicon.label(s.entity, capital=True)
    head = "".join(f'<th style="{_CELL}">{h}</th>' for h in ("", "Intacct", "BigTime"))
    rows = "".join(
        f'<tr><th style="{_CELL}">{esc(what)}</th><td style="{_CELL}">{esc(a)}</td>'
        f'<td style="{_CELL}">{esc(b)}</td></tr>'
        for what, a, b in (
            ("Key", s.intacct_key, s.bigtime_key),
            ("Name", s.intacct_name, s.bigtime_name),
        )
    )
    return (
        f'<div class="recon-pair" data-position="{s.position}" data-entity="{esc(s.entity)}" '
        f'data-state="{esc(state)}"><b>{esc(label)}</b> &middot; score <b>{s.score:.1f}</b>'
        f" &middot; {esc(s.reason)}"
        f'<table style="border-collapse:collapse;margin:4px 0"><tr>{head}</tr>{rows}</table>'
        f'<span data-pair-state="{esc(state)}">{esc(STATE_WORDS[state])}</span></div>'
    )


class PairReview:
    """Accept or reject likely pairs; each click is written to the crosswalk at once.

    Parameters
    ----------
    suggestions:
        The frame :func:`suggest_pairs` (or :func:`recon.match.propose`) returns; it needs
        every column of :data:`recon.match.PROPOSAL_COLUMNS`.
    crosswalk:
        Where decisions are recorded (and read back from).
    user:
        Who decides; recorded with every decision.
    lexicon:
        The firm's words for entities; BigTime's defaults when None.
    page_size:
        Suggestions shown per page.

    Attributes
    ----------
    widget:
        The ipywidgets container to display.
    suggestions:
        The :class:`Suggestion` rows, by position (0-based row of the frame).
    counts, message:
        HTML widgets: accepted / rejected / undecided counts, and the last result or error.

    Raises
    ------
    ConfigError
        Not a DataFrame, missing columns, unknown entities or empty keys, not a Crosswalk,
        an empty user, a page size below 1.
    """

    def __init__(
        self,
        suggestions: pd.DataFrame,
        crosswalk: Crosswalk,
        user: str,
        *,
        lexicon: Lexicon | None = None,
        page_size: int = 25,
    ) -> None:
        if not isinstance(crosswalk, Crosswalk):
            raise ConfigError(f"crosswalk must be a Crosswalk, got {type(crosswalk).__name__}")
        if not isinstance(user, str) or not user.strip():
            raise ConfigError("user (who decides) must be a non-empty name")
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ConfigError(f"page_size must be a whole number >= 1, got {page_size!r}")
        self.suggestions = _read_suggestions(suggestions)
        self.crosswalk, self.user = crosswalk, user
        self.lexicon = lexicon or Lexicon.default()
        self.page_size = page_size
        self._page = 0
        self._rows: dict[int, PairRow] = {}
        self._states: list[PairState] = []
        self._build()
        self._reload()

    # --- public API -------------------------------------------------------------------------
    def state(self, position: int) -> PairState:
        """What the crosswalk says about one suggestion now (as of the last redraw)."""
        return self._states[position]

    def states(self) -> dict[str, int]:
        """``accepted`` / ``rejected`` / ``undecided`` -> how many suggestions (a pair whose
        record is linked elsewhere counts as undecided)."""
        out = dict.fromkeys(_COUNTED, 0)
        for s in self._states:
            out[s if s in out else "undecided"] += 1
        return out

    def page_positions(self) -> list[int]:
        """Positions of the suggestions on the page shown."""
        start = self._page * self.page_size
        return list(range(start, min(start + self.page_size, len(self.suggestions))))

    def row(self, position: int) -> PairRow:
        """The widgets of a suggestion on the page shown (KeyError when it is not shown)."""
        if position not in self.page_positions():
            raise KeyError(f"suggestion {position} is not on the page shown")
        return self._rows[position]

    def decide(self, position: int, action: str, note: str = "") -> bool:
        """What a row's button does: ``"accept"``, ``"reject"`` or ``"undo"`` in the crosswalk,
        then redraw. False on error (the message says why; nothing else changes)."""
        if not isinstance(position, int) or not 0 <= position < len(self.suggestions):
            self._say(f"There is no suggestion {position!r}.", error=True)
            return False
        s = self.suggestions[position]
        what = f"{self.lexicon.label(s.entity)} Intacct {s.intacct_key} / BigTime {s.bigtime_key}"
        record = {
            "accept": self.crosswalk.accept,
            "reject": self.crosswalk.reject,
            "undo": self.crosswalk.undo,
        }.get(action)
        if record is None:
            self._say(f"Unknown action {action!r}: use accept, reject or undo.", error=True)
            return False
        note_text = s.proposal_note + (f"; note: {note.strip()}" if note.strip() else "")
        try:
            record(s.entity, s.intacct_key, s.bigtime_key, by=self.user, note=note_text)
        except (ReconError, sqlite3.Error) as exc:
            return self._failed(f"Could not {action} {what}: {exc}")
        except Exception as exc:
            # A widget callback has no caller to raise to: log it for IT, show it here.
            log.exception("pair review: %s failed", action)
            return self._failed(f"Could not {action} {what}: unexpected {type(exc).__name__}")
        self._reload()
        done = {"accept": "Accepted", "reject": "Rejected", "undo": "Undid the decision on"}
        self._say(f"{done[action]} {what}.")
        return True

    def refresh(self) -> None:
        """Read the crosswalk again (e.g. after decisions elsewhere) and redraw."""
        self._reload()

    def _repr_mimebundle_(self, **kwargs: object) -> object:
        return self.widget._repr_mimebundle_(**kwargs)

    # --- building and drawing -----------------------------------------------------------------
    def _build(self) -> None:
        n = len(self.suggestions)
        noun = "suggestion" if n == 1 else "suggestions"
        header = w.HTML(
            f"<h3>Likely pairs</h3><div>{n:,} {noun}; deciding as <b>{esc(self.user)}</b>. "
            "Accept links the two records from the next run on; a rejected pair is never "
            "suggested again.</div>"
        )
        self.counts = w.HTML()
        self.message = w.HTML()
        self.prev_button = w.Button(description="Previous", icon="arrow-left")
        self.next_button = w.Button(description="Next", icon="arrow-right")
        self.prev_button.on_click(lambda _b: self._turn(-1))
        self.next_button.on_click(lambda _b: self._turn(+1))
        self.page_label = w.HTML()
        self.rows_box = w.VBox()
        self.widget = w.VBox(
            [
                header,
                self.counts,
                self.message,
                w.HBox([self.prev_button, self.page_label, self.next_button]),
                self.rows_box,
            ]
        )

    def _reload(self) -> None:
        self._states = _read_states(self.crosswalk, self.suggestions)
        self._draw()

    def _draw(self) -> None:
        pages = max(1, math.ceil(len(self.suggestions) / self.page_size))
        self._page = min(self._page, pages - 1)
        positions = self.page_positions()
        for p in positions:
            if p not in self._rows:  # kept across redraws: a typed note survives a click
                self._rows[p] = PairRow(self.suggestions[p], self.lexicon, self.decide)
            self._rows[p].update(self._states[p])
        if positions:
            self.rows_box.children = [self._rows[p].widget for p in positions]
        else:
            self.rows_box.children = [w.HTML("<i>No likely pairs to review.</i>")]
        shown = f"{positions[0] + 1:,}-{positions[-1] + 1:,}" if positions else "none"
        self.page_label.value = f"&nbsp;Page {self._page + 1} of {pages} ({shown})&nbsp;"
        self.prev_button.disabled = self._page == 0
        self.next_button.disabled = self._page >= pages - 1
        counts = self.states()
        self.counts.value = " &nbsp;|&nbsp; ".join(
            f'<span data-count="{k}">{k.capitalize()}: <b>{counts[k]:,}</b></span>'
            for k in _COUNTED
        )

    def _turn(self, step: int) -> None:
        self._page = max(0, self._page + step)
        self._draw()

    def _failed(self, text: str) -> bool:
        try:
            self._reload()
        except (ReconError, sqlite3.Error):
            log.exception("pair review: the crosswalk cannot be read again")
        self._say(text, error=True)
        return False

    def _say(self, text: str, *, error: bool = False) -> None:
        kind, style = ("error", _ERROR_STYLE) if error else ("info", _INFO_STYLE)
        self.message.value = f'<div data-kind="{kind}" style="{style}">{esc(text)}</div>'


def _read_suggestions(frame: object) -> tuple[Suggestion, ...]:
    """The frame's rows as :class:`Suggestion`, checked."""
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(
            f"suggestions must be the DataFrame suggest_pairs returns, got {type(frame).__name__}"
        )
    missing = [c for c in PROPOSAL_COLUMNS if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"the suggestions lack column(s) {', '.join(missing)}; expected "
            f"{', '.join(PROPOSAL_COLUMNS)} (what suggest_pairs returns)"
        )
    out = []
    records = frame.loc[:, list(PROPOSAL_COLUMNS)].itertuples(index=False, name=None)
    for n, (entity, ik, bk, score, reason, ia_name, bt_name) in enumerate(records):
        if not isinstance(entity, str) or entity not in ENTITIES:
            raise ConfigError(f"suggestion {n}: unknown entity {entity!r}")
        if not all(isinstance(k, str) and k.strip() for k in (ik, bk)):
            raise ConfigError(f"suggestion {n}: both keys must be non-empty text")
        try:
            points = float(score)
        except (TypeError, ValueError):
            raise ConfigError(f"suggestion {n}: score {score!r} is not a number") from None
        out.append(
            Suggestion(n, entity, ik, bk, points, _str(reason), _str(ia_name), _str(bt_name))
        )
    return tuple(out)


def _str(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)  # type: ignore[call-overload]  # pandas-stubs: isna takes no object


def _read_states(crosswalk: Crosswalk, suggestions: tuple[Suggestion, ...]) -> list[PairState]:
    """Each suggestion's state from the crosswalk (two reads per entity)."""
    entities = {s.entity for s in suggestions}
    links = {e: crosswalk.links(e) for e in entities}
    rejected = {e: crosswalk.rejected(e) for e in entities}
    out: list[PairState] = []
    for s in suggestions:
        linked = links[s.entity]
        if linked.get(s.bigtime_key) == s.intacct_key:
            out.append("accepted")
        elif (s.intacct_key, s.bigtime_key) in rejected[s.entity]:
            out.append("rejected")
        elif s.bigtime_key in linked or s.intacct_key in linked.values():
            out.append("linked_elsewhere")
        else:
            out.append("undecided")
    return out
