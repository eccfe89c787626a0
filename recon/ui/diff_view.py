"""The reconcile notebook's differences: one entity side by side, the differing cells marked.

>>> view = side_by_side(rec.diff.entities["customer"], lexicon)   # doctest: +SKIP
>>> view                                   # a notebook cell shows its HTML  # doctest: +SKIP
>>> DiffBrowser(rec.diff, lexicon)         # entity dropdown + counts + the table  # doctest: +SKIP

Each differing record is one row with the Intacct and the BigTime value of every differing
field next to each other; the cells that differ carry a CSS class per kind of difference
(:data:`MARK_CLASSES`) and a background, so the eye finds them. Records held by one system
only, and keys found twice, get sections of their own. Labels are the firm's words
(:class:`~recon.lexicon.Lexicon`). Values are the diff's canonical strings (money with two
decimals from a ``Decimal``, ISO dates) shown as text: no float ever touches an amount.

Every value comes from a remote system and is untrusted: the tables are pandas Stylers
rendered with ``escape="html"`` (cells and headings), and every other string goes through
:func:`~recon.ui.changes_view.esc`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd
from pandas.io.formats.style import Styler

from recon.canonical import ENTITIES, Kind, canon_str
from recon.diff import Diff, EntityDiff
from recon.diff.result import COSMETIC, MISSING_VS_EMPTY, VALUE
from recon.errors import ConfigError, ReconError
from recon.lexicon import Lexicon
from recon.report.model import MARK_LABELS, RunInfo, count_labels
from recon.ui.changes_view import esc, shown

if TYPE_CHECKING:
    from pandas.io.formats.style_render import CSSDict

log = logging.getLogger("recon.ui")

#: Rows shown per section by default: a notebook (and the browser behind it) chokes on huge
#: tables; the HTML and Excel reports hold every row.
DEFAULT_LIMIT = 200

#: CSS class of a differing cell, per kind of difference (``EntityDiff.mismatches["kind"]``).
MARK_CLASSES: Mapping[str, str] = MappingProxyType(
    {
        VALUE: "recon-diff-value",
        MISSING_VS_EMPTY: "recon-diff-missing",
        COSMETIC: "recon-diff-cosmetic",
    }
)
#: The backgrounds those classes get (same palette as the approval form's before / after).
_MARK_CSS: Mapping[str, str] = MappingProxyType(
    {
        VALUE: "background-color:#fdecea;color:#a50e0e;font-weight:bold",
        MISSING_VS_EMPTY: "background-color:#e8eaed",
        COSMETIC: "background-color:#fef7e0",
    }
)
#: Worst first, as the report ranks them: a row's "Finding" is its worst cell's.
_MARK_RANK = {mark: rank for rank, mark in enumerate(MARK_LABELS)}
_SYSTEMS = ("intacct", "bigtime")
_SECTION_NAMES = ("mismatched", "only_in_intacct", "only_in_bigtime", "duplicates")
_TABLE_CSS: list[CSSDict] = [
    {"selector": "", "props": "border-collapse:collapse;margin:4px 0 12px 0"},
    {"selector": "th, td", "props": "border:1px solid #ccc;padding:2px 6px;text-align:left"},
    # Cosmetic differences are often spaces: keep them as typed instead of collapsing them.
    {"selector": "td", "props": "white-space:pre-wrap;vertical-align:top"},
]
_TABLE_CSS += [{"selector": f"td.{MARK_CLASSES[k]}", "props": _MARK_CSS[k]} for k in MARK_CLASSES]


@dataclass(frozen=True)
class Section:
    """One table of a :class:`SideBySide`.

    Attributes
    ----------
    name:
        ``"mismatched"``, ``"only_in_intacct"``, ``"only_in_bigtime"`` or ``"duplicates"``.
    title:
        Its heading, in the firm's words.
    total:
        Rows the section has in the diff; ``frame`` holds the first ``limit`` of them.
    frame:
        The rows shown, as text (what the table displays, before escaping).
    styler:
        ``frame`` styled: escaped, differing cells classed (:data:`MARK_CLASSES`).
    """

    name: str
    title: str
    total: int
    frame: pd.DataFrame
    styler: Styler

    @property
    def truncated(self) -> bool:
        """Whether rows were left out (the HTML says how many)."""
        return self.total > len(self.frame)

    def to_html(self) -> str:
        """The heading, a "first N of M" line when cut, and the table."""
        note = ""
        if self.truncated:
            note = (
                f'<p class="recon-limit">Showing the first {len(self.frame):,} of '
                f"{self.total:,}; the HTML and Excel reports list them all.</p>"
            )
        return (
            f'<section class="recon-section" data-section="{esc(self.name)}">'
            f'<h4 style="margin:10px 0 2px">{esc(self.title)}</h4>{note}'
            f"{self.styler.to_html()}</section>"
        )


@dataclass(frozen=True)
class SideBySide:
    """One entity's differences, ready to show (a notebook displays it as HTML).

    Attributes
    ----------
    entity, label:
        The canonical entity and its plural in the firm's words ("Engagements").
    counts:
        :meth:`EntityDiff.counts` plus ``compared``.
    sections:
        The non-empty tables, in order: differing records, only in Intacct, only in
        BigTime, duplicate keys.
    """

    entity: str
    label: str
    counts: Mapping[str, int]
    sections: tuple[Section, ...]

    @property
    def styler(self) -> Styler | None:
        """The main table's Styler: the differing records (else the first section's)."""
        return self.sections[0].styler if self.sections else None

    def section(self, name: str) -> Section | None:
        """The section called ``name`` (None when that section is empty)."""
        return next((s for s in self.sections if s.name == name), None)

    def to_html(self) -> str:
        """Every section; a plain sentence when there is no difference."""
        body = "".join(s.to_html() for s in self.sections)
        if not body:
            body = (
                f'<p class="recon-no-diff">No differences: {self.counts.get("compared", 0):,} '
                f"{esc(self.label.lower())} compared, all equal.</p>"
            )
        return f'<div class="recon-side-by-side" data-entity="{esc(self.entity)}">{body}</div>'

    def _repr_html_(self) -> str:
        return self.to_html()


# --- building the tables ---------------------------------------------------------------------
def side_by_side(
    entity_diff: EntityDiff, lexicon: Lexicon | None = None, limit: int = DEFAULT_LIMIT
) -> SideBySide:
    """One entity's differences side by side, differing cells highlighted.

    Parameters
    ----------
    entity_diff:
        One entity of a :class:`~recon.diff.Diff` (``diff.entities["customer"]``).
    lexicon:
        The firm's words for the entity and its columns; BigTime's defaults when None.
    limit:
        Rows shown per section; a line under the heading says how many there are.

    Returns
    -------
    SideBySide
        Displays itself in a notebook; ``.styler`` is the differing records' pandas
        Styler, ``.sections`` every table (with the text frame behind it).

    Raises
    ------
    ConfigError
        Not an EntityDiff, an entity recon does not know, or a ``limit`` below 1.
    """
    if not isinstance(entity_diff, EntityDiff):
        raise ConfigError(
            f"side_by_side needs one entity's EntityDiff (diff.entities[name]), "
            f"got {type(entity_diff).__name__}"
        )
    if entity_diff.entity not in ENTITIES:
        raise ConfigError(f"unknown entity {entity_diff.entity!r}; known: {', '.join(ENTITIES)}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigError(f"limit must be a whole number >= 1, got {limit!r}")
    lex = lexicon or Lexicon.default()
    ed = entity_diff
    kinds = _kinds(ed)
    labels = _unique(lex.column_labels(ed.entity, list(kinds)))
    builders = (
        _mismatch_section(ed, kinds, labels, limit),
        _one_sided_section(ed, "intacct", kinds, labels, limit),
        _one_sided_section(ed, "bigtime", kinds, labels, limit),
        _duplicate_section(ed, labels, limit),
    )
    noun = lex.label(ed.entity, plural=True)
    sections = tuple(
        _section(name, title.format(noun=noun), total, frame, classes, ed.entity)
        for name, (title, total, frame, classes) in zip(_SECTION_NAMES, builders, strict=True)
        if total
    )
    counts = MappingProxyType({**ed.counts(), "compared": ed.compared})
    return SideBySide(ed.entity, lex.label(ed.entity, plural=True, capital=True), counts, sections)


_Built = tuple[str, int, pd.DataFrame, pd.DataFrame | None]


def _kinds(ed: EntityDiff) -> dict[str, Kind]:
    """Column -> kind: the canonical columns, then any extra column a mapping override added
    (compared as text: its values reach the diff as strings anyway)."""
    kinds: dict[str, Kind] = {c.name: c.kind for c in ENTITIES[ed.entity].columns}
    fields = pd.unique(ed.mismatches["field"])  # not per row: a big diff has millions
    extra = [*fields, *ed.only_in_intacct.columns, *ed.only_in_bigtime.columns]
    for name in extra:
        kinds.setdefault(str(name), "text")
    return kinds


def _unique(labels: Mapping[str, str]) -> dict[str, str]:
    """Headings made unique (a table's columns must be): a clash gets the field's name."""
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    return {f: (f"{lab} ({f})" if seen[lab] > 1 else lab) for f, lab in labels.items()}


def _mismatch_section(
    ed: EntityDiff, kinds: Mapping[str, Kind], labels: Mapping[str, str], limit: int
) -> _Built:
    """One row per key that differs: key, worst finding, then Intacct | BigTime per field."""
    m = ed.mismatches
    keys = list(pd.unique(m["key"]))
    shown_keys = keys[:limit]
    # Only the first ``limit`` keys are laid out: a million mismatches cost one ``isin``.
    part = m[m["key"].isin(shown_keys)]
    fields = [f for f in kinds if f in set(part["field"])]
    key_col, finding_col = (labels[ed.key], ""), ("Finding", "")
    value_cols = [(labels[f], _system(s)) for f in fields for s in _SYSTEMS]
    rows: dict[str, dict[tuple[str, str], str]] = {k: {} for k in shown_keys}
    marks: dict[str, dict[tuple[str, str], str]] = {k: {} for k in shown_keys}
    worst: dict[str, str] = {}
    for key, fld, a, b, kind in zip(
        part["key"], part["field"], part["intacct"], part["bigtime"], part["kind"], strict=True
    ):
        kind = kind if kind in MARK_CLASSES else VALUE
        for side, value in zip(_SYSTEMS, (a, b), strict=True):
            col = (labels[str(fld)], _system(side))
            rows[key][col] = shown(_text(value))  # "(none)" and "(empty)" told apart
            marks[key][col] = MARK_CLASSES[kind]
        worst[key] = min(worst.get(key, kind), kind, key=_MARK_RANK.__getitem__)
    columns = pd.MultiIndex.from_tuples([key_col, finding_col, *value_cols])
    cells = [[rows[k].get(c, "") for c in value_cols] for k in shown_keys]
    frame = pd.DataFrame(
        [[k, MARK_LABELS[worst[k]], *row] for k, row in zip(shown_keys, cells, strict=True)],
        columns=columns,
        dtype=object,
    )
    classes = pd.DataFrame(
        [["", "", *(marks[k].get(c, "") for c in value_cols)] for k in shown_keys],
        columns=columns,
        dtype=object,
    )
    return "{noun} that differ", len(keys), frame, classes


def _one_sided_section(
    ed: EntityDiff, side: str, kinds: Mapping[str, Kind], labels: Mapping[str, str], limit: int
) -> _Built:
    """The whole record for each key one system holds (what to judge a create by)."""
    rows = ed.only_in_intacct if side == "intacct" else ed.only_in_bigtime
    head = rows.head(limit)
    fields = [f for f in kinds if f in head.columns]
    frame = pd.DataFrame(
        {labels[f]: [_blank(canon_str(v, kinds[f])) for v in head[f]] for f in fields},
        columns=[labels[f] for f in fields],
        dtype=object,
    )
    return f"{{noun}} only in {_system(side)}", len(rows), frame, None


def _duplicate_section(ed: EntityDiff, labels: Mapping[str, str], limit: int) -> _Built:
    d = ed.duplicates
    head = d.head(limit)
    frame = pd.DataFrame(
        {
            "System": [_system(s) for s in head["side"]],
            labels[ed.key]: [_blank(_text(k)) for k in head["key"]],
            "Rows": [f"{int(n):,}" for n in head["count"]],
        },
        dtype=object,
    )
    return "{noun} whose key is there more than once", len(d), frame, None


def _section(
    name: str,
    title: str,
    total: int,
    frame: pd.DataFrame,
    classes: pd.DataFrame | None,
    entity: str,
) -> Section:
    title = title[:1].upper() + title[1:]
    styler = (
        Styler(frame, uuid=f"recon-{entity}-{name}", cell_ids=False)
        .format(escape="html", na_rep="")
        .format_index(escape="html", axis="columns")
        .hide(axis="index")
        .set_table_styles(_TABLE_CSS)
    )
    if classes is not None:
        styler = styler.set_td_classes(classes)
    return Section(name, f"{title} ({total:,})", total, frame, styler)


def _system(side: str) -> str:
    return {"intacct": "Intacct", "bigtime": "BigTime"}[side]


def _text(value: object) -> str | None:
    """A frame value as ``str | None`` (pandas NA/NaN -> None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]  # pandas-stubs: isna takes no object; this is a scalar
        return None
    return str(value)


def _blank(value: str | None) -> str:
    return "" if value is None else value


# --- the notebook widget ---------------------------------------------------------------------
class DiffBrowser:
    """Pick an entity, see its counts and its differences side by side.

    Parameters
    ----------
    diff:
        The run's :class:`~recon.diff.Diff` (or anything with a ``.diff``, such as a
        :class:`~recon.pipeline.Reconciliation`).
    lexicon:
        The firm's words; BigTime's defaults when None.
    limit:
        Rows shown per section.

    Attributes
    ----------
    widget:
        The ipywidgets container to display.
    entity:
        The dropdown (value: canonical entity); setting ``.value`` shows that entity.
    counts, table, message:
        HTML widgets: the entity's counts, its :class:`SideBySide`, the last error.
    view:
        The :class:`SideBySide` shown (None when nothing is).

    Raises
    ------
    ConfigError
        Not a diff, or a bad ``limit``.
    """

    def __init__(
        self, diff: Diff | Any, lexicon: Lexicon | None = None, *, limit: int = DEFAULT_LIMIT
    ) -> None:
        self.diff = _as_diff(diff)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ConfigError(f"limit must be a whole number >= 1, got {limit!r}")
        self.lexicon = lexicon or Lexicon.default()
        self.limit = limit
        self.view: SideBySide | None = None
        self._labels = count_labels(RunInfo())
        entities = list(self.diff.entities)
        self.entity = w.Dropdown(
            description="Show",
            options=[(self._option(e), e) for e in entities],
            value=_first_with_findings(self.diff) if entities else None,
            disabled=not entities,
        )
        self.counts = w.HTML()
        self.table = w.HTML()
        self.message = w.HTML()
        self.entity.observe(self._on_entity, names="value")
        self.widget = w.VBox([self.entity, self.counts, self.message, self.table])
        self._draw(self.entity.value)

    def show(self, entity: str) -> SideBySide:
        """Show ``entity`` (a canonical name present in the diff) and return its view.

        Raises
        ------
        ConfigError
            The diff has no such entity.
        """
        if entity not in self.diff.entities:
            known = ", ".join(self.diff.entities) or "none"
            raise ConfigError(f"the diff has no entity {entity!r}; it has: {known}")
        if self.entity.value != entity:
            self.entity.value = entity  # the observer draws it
        else:
            self._draw(entity)
        assert self.view is not None
        return self.view

    def _repr_mimebundle_(self, **kwargs: object) -> object:
        # Lets a notebook cell that ends with ``browser`` display the widget.
        return self.widget._repr_mimebundle_(**kwargs)

    def _option(self, entity: str) -> str:
        n = _finding_records(self.diff.entities[entity])
        label = self.lexicon.label(entity, plural=True, capital=True)
        return f"{label} ({n:,} with findings)" if n else f"{label} (no differences)"

    def _on_entity(self, change: Mapping[str, Any]) -> None:
        self._draw(change["new"])

    def _draw(self, entity: str | None) -> None:
        if entity is None:
            self.view = None
            self.counts.value = ""
            self.table.value = "<p><i>No entities were compared.</i></p>"
            return
        try:
            view = side_by_side(self.diff.entities[entity], self.lexicon, self.limit)
        except Exception as exc:  # a widget callback has no caller: show it, log it
            if not isinstance(exc, ReconError):
                log.exception("diff browser: cannot show %s", entity)
            self.message.value = _error_html(f"Cannot show {entity}: {exc}")
            return
        self.view = view
        self.message.value = ""
        self.counts.value = self._counts_html(view)
        self.table.value = view.to_html()

    def _counts_html(self, view: SideBySide) -> str:
        labels = {**self._labels, "compared": "Compared"}
        items = [
            f'<span data-count="{esc(k)}">{esc(labels[k])}: <b>{view.counts.get(k, 0):,}</b></span>'
            for k in labels
        ]
        return f"<div><b>{esc(view.label)}</b>: " + " &nbsp;|&nbsp; ".join(items) + "</div>"


def _as_diff(diff: object) -> Diff:
    found = diff if isinstance(diff, Diff) else getattr(diff, "diff", None)
    if not isinstance(found, Diff):
        raise ConfigError(
            f"DiffBrowser needs a recon.diff.Diff (or a Reconciliation), got {type(diff).__name__}"
        )
    return found


def _finding_records(ed: EntityDiff) -> int:
    c = ed.counts()
    return c["only_in_intacct"] + c["only_in_bigtime"] + c["mismatched_records"] + c["duplicates"]


def _first_with_findings(diff: Diff) -> str:
    names: Iterable[str] = diff.entities
    return next((e for e in names if _finding_records(diff.entities[e])), next(iter(names)))


def _error_html(text: str) -> str:
    style = "color:#a50e0e;background:#fdecea;padding:4px 8px;border-radius:3px"
    return f'<div data-kind="error" style="{style}">{esc(text)}</div>'
