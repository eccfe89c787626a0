"""The report model: built ONCE from a :class:`~recon.diff.Diff` and the run's metadata.

Compute -> immutable data -> render (datacompy's ``report.py`` pattern, docs/STYLE.md): the
text, HTML and Excel renderers only read a :class:`Report`; none of them looks at the diff
again or decides what counts as a finding. Every label a user reads is settled here, in the
firm's BigTime words (:class:`~recon.lexicon.Lexicon`).

>>> report = build_report(diff, RunInfo(profile="demo"))  # doctest: +SKIP
>>> report.sections[0].label, report.totals["only_in_intacct"]  # doctest: +SKIP
('Clients', 9)

Values stay in their canonical string form (:func:`recon.canonical.canon_str`: money with
two decimals, ISO dates) together with the column's kind, so a renderer can show them as
text or write them as typed cells without a float ever touching a money amount. Values come
from the remote systems and are untrusted: every renderer escapes them for its medium.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

import pandas as pd

from recon.canonical import ENTITIES, Kind, canon_str
from recon.config import Profile, Secret
from recon.diff import Diff, EntityDiff
from recon.diff.result import COSMETIC, COUNT_NAMES, MISSING_VS_EMPTY, VALUE
from recon.errors import ConfigError
from recon.lexicon import Lexicon

FindingKind = Literal["missing_in_bigtime", "missing_in_intacct", "field_mismatch", "duplicate_key"]
Mark = Literal["value", "cosmetic", "missing_vs_empty"]
#: The periods of :func:`recon.diff.time_aggregate`.
Period = Literal["day", "week", "month"]

DEFAULT_TITLE = "Intacct and BigTime reconciliation"

#: What a highlighted cell means, worst first (a row's label is its worst mark's).
MARK_LABELS: Mapping[str, str] = MappingProxyType(
    {VALUE: "Different", MISSING_VS_EMPTY: "Missing vs empty", COSMETIC: "Cosmetic"}
)
_MARK_RANK: dict[str | None, int] = {mark: rank for rank, mark in enumerate(MARK_LABELS)}


@dataclass(frozen=True)
class RunInfo:
    """Who ran what, when: the report's heading. Names only -- never a secret.

    Attributes
    ----------
    title:
        The report's title.
    generated_at:
        When the run happened (time-zone aware; shown in UTC). Defaults to now; tests pass a
        fixed moment so the output is deterministic.
    prepared_by:
        The person (or scheduler) that ran it.
    profile:
        The connection profile's *name* (a :class:`~recon.config.Profile` is accepted and
        reduced to its name, so its secrets cannot reach a report).
    intacct_label, bigtime_label:
        How the two systems are named in headings and columns.
    """

    title: str = DEFAULT_TITLE
    generated_at: dt.datetime | None = None
    prepared_by: str | None = None
    profile: str | Profile | None = None
    intacct_label: str = "Intacct"
    bigtime_label: str = "BigTime"

    def __post_init__(self) -> None:
        when = self.generated_at or dt.datetime.now(dt.UTC)
        if when.tzinfo is None:
            raise ConfigError("RunInfo.generated_at must be time-zone aware (e.g. UTC)")
        object.__setattr__(self, "generated_at", when.astimezone(dt.UTC))
        if isinstance(self.profile, Profile):
            object.__setattr__(self, "profile", self.profile.name)
        for name in ("title", "prepared_by", "profile", "intacct_label", "bigtime_label"):
            value = getattr(self, name)
            # A Secret (or anything else) in a heading is a caller's bug: refuse it loudly
            # rather than print "***" -- or worse, str() of something that is not one.
            if value is not None and (isinstance(value, Secret) or not isinstance(value, str)):
                raise ConfigError(f"RunInfo.{name} must be a plain name (text)")

    @property
    def when(self) -> dt.datetime:
        """``generated_at`` in UTC (never None after construction)."""
        assert self.generated_at is not None
        return self.generated_at

    @property
    def profile_name(self) -> str | None:
        """``profile`` (a name after construction, never a Profile)."""
        assert not isinstance(self.profile, Profile)
        return self.profile

    def side_label(self, side: str) -> str:
        """``"intacct"``/``"bigtime"`` -> that system's label."""
        return self.intacct_label if side == "intacct" else self.bigtime_label


@dataclass(frozen=True)
class Column:
    """One compared field shown in an entity's table."""

    field: str
    label: str
    kind: Kind


@dataclass(frozen=True)
class Cell:
    """One field of one row: both sides' values, and the mark when they differ."""

    intacct: str | None = None
    bigtime: str | None = None
    #: "value" / "cosmetic" / "missing_vs_empty" where this field differs (highlight it).
    mark: Mark | None = None


@dataclass(frozen=True)
class Row:
    """One key with a finding, side by side (the :meth:`EntityDiff.wide` idea).

    ``cells`` line up with the section's ``columns``. A one-sided row carries its side's
    whole record; a mismatch row only the fields that differ.
    """

    key: str | None
    finding: FindingKind
    label: str
    detail: str
    cells: tuple[Cell, ...]
    #: The record's name as the firm knows it ("Harbor Audit"), shown beside the key.
    name: str = ""


@dataclass(frozen=True)
class Finding:
    """One finding in long form (the manifest's vocabulary), for lists."""

    kind: FindingKind
    label: str
    key: str | None
    field: str | None
    field_label: str | None
    intacct: str | None
    bigtime: str | None
    detail: str
    #: The record's name beside its key ("" when it has none).
    name: str = ""


@dataclass(frozen=True)
class EntitySection:
    """One entity's part of the report."""

    entity: str
    label: str
    intacct_object: str
    key_field: str
    key_label: str
    compared: int
    counts: Mapping[str, int]
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    findings: tuple[Finding, ...]
    #: The money the entity's differences involve (time worth, invoice totals, amounts
    #: paid: each proposed change's impact, as an absolute amount), ``None`` for an entity
    #: without money or a report built without a plan.
    money_total: Decimal | None = None

    @property
    def has_findings(self) -> bool:
        return bool(self.findings)


@dataclass(frozen=True)
class Table:
    """A plain extra table (title, headings, string rows), e.g. an hours aggregate."""

    title: str
    headings: tuple[str, ...]
    kinds: tuple[Kind, ...]
    rows: tuple[tuple[str | None, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Report:
    """Everything a renderer shows. Immutable: build it with :func:`build_report`."""

    run: RunInfo
    #: Count name (``COUNT_NAMES``) -> heading, in display order.
    count_labels: Mapping[str, str]
    totals: Mapping[str, int]
    compared: int
    sections: tuple[EntitySection, ...]
    #: Extra tables after the entities: the hours per period, when the build was given them.
    extras: tuple[Table, ...] = field(default=())
    #: Sentences a reader must see before the numbers, shown under the heading: what could
    #: not be read and which entities are therefore not compared, how many records are
    #: left out of the comparison (the tables among :attr:`extras` list them).
    notices: tuple[str, ...] = field(default=())

    @property
    def with_findings(self) -> tuple[EntitySection, ...]:
        """The sections that have at least one finding (each gets its own sheet)."""
        return tuple(s for s in self.sections if s.has_findings)

    @property
    def has_money(self) -> bool:
        """Whether any entity's differences involve money (the summary's money column)."""
        return any(s.money_total is not None for s in self.sections)

    @property
    def finding_count(self) -> int:
        return sum(len(s.findings) for s in self.sections)


#: The summary's money column heading.
MONEY_HEADING = "Money involved"


def money_text(amount: Decimal | None) -> str:
    """``"1,250.00"`` (``""`` for None): a money total as every renderer shows it."""
    return "" if amount is None else f"{amount:,.2f}"


# --- building -----------------------------------------------------------------------------------


def build_report(
    diff: Diff,
    run: RunInfo | None = None,
    lexicon: Lexicon | None = None,
    *,
    hours: pd.DataFrame | None = None,
    hours_by: Period = "week",
    names: Mapping[tuple[str, str], str] | None = None,
    money: Mapping[str, Decimal] | None = None,
) -> Report:
    """The report of one reconciliation run.

    Parameters
    ----------
    diff:
        The run's :class:`~recon.diff.Diff`; every entity in it gets a section (in
        ``ENTITY_ORDER``), those without findings too (their counts are in the summary).
    run:
        Title, time, who and which profile; defaults to "now", nobody, no profile.
    lexicon:
        The firm's words for entities and columns; BigTime's defaults if omitted.
    hours:
        Optional: a :func:`recon.diff.time_aggregate` frame (hours per staff x project x
        period on each side). Its groups whose hours differ become an extra table, after
        the entities, with both sides' totals in its note.
    hours_by:
        The period that frame was aggregated by (``"day"``, ``"week"``, ``"month"``).
    names:
        ``(entity, key) -> name`` (:func:`recon.canonical.record_names`): each row names
        its record beside the key. A one-sided row names it from its own values anyway.
    money:
        Entity -> the money its differences involve (:meth:`recon.plan.Plan.money_by_entity`),
        shown with each entity's counts.

    Returns
    -------
    Report
        Immutable; render it with :mod:`recon.report.text`, ``.html`` or ``.excel``.
    """
    run = run or RunInfo()
    lexicon = lexicon or Lexicon.default()
    names = names or {}
    money = money or {}
    sections = tuple(
        _section(ed, run, lexicon, names, money.get(ed.entity)) for ed in diff.entities.values()
    )
    summed = {name: sum(s.counts[name] for s in sections) for name in COUNT_NAMES}
    return Report(
        run=run,
        count_labels=MappingProxyType(count_labels(run)),
        totals=MappingProxyType(summed),
        compared=sum(s.compared for s in sections),
        sections=sections,
        extras=(hours_table(hours, hours_by, run, lexicon),) if hours is not None else (),
    )


def count_labels(run: RunInfo) -> dict[str, str]:
    """Headings of the count columns, naming the two systems as the run does."""
    return {
        "only_in_intacct": f"Only in {run.intacct_label}",
        "only_in_bigtime": f"Only in {run.bigtime_label}",
        "mismatched_records": "Records differing",
        "mismatched_fields": "Fields differing",
        "cosmetic": "Cosmetic",
        "duplicates": "Duplicate keys",
    }


def finding_label(kind: str, run: RunInfo, mark: str | None = None) -> str:
    """A finding kind (and, for a field mismatch, its mark) in words."""
    if kind == "missing_in_bigtime":
        return f"Only in {run.intacct_label}"
    if kind == "missing_in_intacct":
        return f"Only in {run.bigtime_label}"
    if kind == "duplicate_key":
        return "Duplicate key"
    return MARK_LABELS.get(mark or VALUE, MARK_LABELS[VALUE])


def _section(
    ed: EntityDiff,
    run: RunInfo,
    lexicon: Lexicon,
    names: Mapping[tuple[str, str], str],
    money: Decimal | None,
) -> EntitySection:
    kinds = _kinds(ed)
    fields = _shown_fields(ed, list(kinds))
    labels = lexicon.column_labels(ed.entity, [ed.key, *fields])
    columns = tuple(Column(f, labels[f], kinds[f]) for f in fields)
    rows = (
        *_one_sided_rows(ed, ed.only_in_intacct, "intacct", columns, run),
        *_one_sided_rows(ed, ed.only_in_bigtime, "bigtime", columns, run),
        *_mismatch_rows(ed, columns, labels, run),
        *_duplicate_rows(ed, columns, run),
    )
    rows = tuple(
        replace(r, name=names.get((ed.entity, r.key), "")) if not r.name and r.key else r
        for r in rows
    )
    return EntitySection(
        entity=ed.entity,
        label=lexicon.label(ed.entity, plural=True, capital=True),
        intacct_object=lexicon.intacct_label(ed.entity),
        key_field=ed.key,
        key_label=labels.get(ed.key, ed.key),
        compared=ed.compared,
        counts=MappingProxyType(ed.counts()),
        columns=columns,
        rows=rows,
        findings=_findings(rows, columns),
        money_total=money,
    )


def _kinds(ed: EntityDiff) -> dict[str, Kind]:
    """Column -> kind: the canonical columns, then any extra column a mapping override
    added (shown as text: its values reach the diff as ``canon_str`` strings anyway)."""
    kinds: dict[str, Kind] = {c.name: c.kind for c in ENTITIES[ed.entity].columns}
    extra = [*ed.mismatches["field"], *ed.only_in_intacct.columns, *ed.only_in_bigtime.columns]
    for name in extra:
        kinds.setdefault(str(name), "text")
    return kinds


def _shown_fields(ed: EntityDiff, names: list[str]) -> list[str]:
    """The fields that differ somewhere; all non-key fields when a record is one-sided
    (an accountant needs the whole record to decide whether to create it)."""
    differing = set(ed.mismatches["field"])
    for frame in (ed.only_in_intacct, ed.only_in_bigtime):
        if len(frame):
            differing |= set(frame.columns)
    return [c for c in names if c in differing and c != ed.key]


def _text(value: object) -> str | None:
    """A frame value as ``str | None`` (pandas NA/NaN -> None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]  # pandas-stubs: isna takes no object; this is a scalar
        return None
    return str(value)


#: Fields that name a record, first match wins: a one-sided row's detail ("Acme Corp").
_NAME_FIELDS: tuple[tuple[str, ...], ...] = (
    ("name",),
    ("first_name", "last_name"),
    ("title",),
    ("bank_name",),
    ("description",),
)


def _one_sided_rows(
    ed: EntityDiff, frame: pd.DataFrame, side: str, columns: tuple[Column, ...], run: RunInfo
) -> list[Row]:
    kind: FindingKind = "missing_in_bigtime" if side == "intacct" else "missing_in_intacct"
    label = finding_label(kind, run)
    keys = [canon_str(k, "id") for k in frame[ed.key]]
    values = {c.field: _canon_column(frame, c) for c in columns}
    name_fields = next((f for f in _NAME_FIELDS if all(n in values for n in f)), ())
    rows = []
    for i, key in enumerate(keys):
        found = [values[c.field][i] for c in columns]
        cells = tuple(Cell(intacct=v) if side == "intacct" else Cell(bigtime=v) for v in found)
        name = " ".join(v for n in name_fields if (v := values[n][i]))
        rows.append(Row(key, kind, label, "", cells, name=name))
    return rows


def _canon_column(frame: pd.DataFrame, column: Column) -> list[str | None]:
    """``canon_str`` of each value; all None when the frame lacks the column."""
    if column.field not in frame.columns:
        return [None] * len(frame)
    return [canon_str(v, column.kind) for v in frame[column.field]]


def _mismatch_rows(
    ed: EntityDiff, columns: tuple[Column, ...], labels: Mapping[str, str], run: RunInfo
) -> list[Row]:
    by_key: dict[str, dict[str, Cell]] = {}
    m = ed.mismatches
    for key, fld, a, b, mark in zip(
        m["key"], m["field"], m["intacct"], m["bigtime"], m["kind"], strict=True
    ):
        by_key.setdefault(str(key), {})[str(fld)] = Cell(_text(a), _text(b), mark)
    rows = []
    for key, cells in by_key.items():
        worst = min((c.mark for c in cells.values()), key=lambda k: _MARK_RANK.get(k, 0))
        detail = ", ".join(labels.get(c.field, c.field) for c in columns if c.field in cells)
        shown = tuple(cells.get(c.field, Cell()) for c in columns)
        rows.append(
            Row(key, "field_mismatch", finding_label("field_mismatch", run, worst), detail, shown)
        )
    return rows


def _duplicate_rows(ed: EntityDiff, columns: tuple[Column, ...], run: RunInfo) -> list[Row]:
    d = ed.duplicates
    blank = tuple(Cell() for _ in columns)
    return [
        Row(
            _text(k),
            "duplicate_key",
            finding_label("duplicate_key", run),
            f"{n} rows in {run.side_label(side)}",
            blank,
        )
        for side, k, n in zip(d["side"], d["key"], d["count"], strict=True)
    ]


def _findings(rows: tuple[Row, ...], columns: tuple[Column, ...]) -> tuple[Finding, ...]:
    """Long form, in :meth:`EntityDiff.findings` order: a mismatch row gives one finding per
    marked field (columns are in canonical order, as the diff sorts its fields)."""
    out: list[Finding] = []
    for row in rows:
        if row.finding != "field_mismatch":
            out.append(
                Finding(
                    row.finding, row.label, row.key, None, None, None, None, row.detail, row.name
                )
            )
            continue
        for col, cell in zip(columns, row.cells, strict=True):
            if cell.mark is not None:
                label = MARK_LABELS[cell.mark]
                out.append(
                    Finding(
                        row.finding,
                        label,
                        row.key,
                        col.field,
                        col.label,
                        cell.intacct,
                        cell.bigtime,
                        cell.mark,
                        row.name,
                    )
                )
    return tuple(out)


# --- extra tables -------------------------------------------------------------------------------


def table_from_frame(
    title: str,
    frame: pd.DataFrame,
    kinds: Mapping[str, Kind],
    headings: Mapping[str, str] | None = None,
    note: str = "",
) -> Table:
    """A :class:`Table` of ``frame`` (columns in ``kinds`` order, values as ``canon_str``)."""
    names = list(kinds)
    heads = tuple((headings or {}).get(n, n.replace("_", " ").capitalize()) for n in names)
    columns = [[canon_str(v, kinds[n]) for v in frame[n]] for n in names]
    rows = tuple(zip(*columns, strict=True)) if names else ()
    return Table(title, heads, tuple(kinds[n] for n in names), rows, note)


#: Heading of the period column, by aggregation period.
_PERIOD_HEADINGS: Mapping[str, str] = MappingProxyType(
    {"day": "Day", "week": "Week of", "month": "Month of"}
)
_HOURS_KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        "employee_id": "id",
        "project_id": "id",
        "period": "date",
        "hours_intacct": "hours",
        "hours_bigtime": "hours",
        "difference": "hours",
    }
)


def hours_table(
    aggregate: pd.DataFrame,
    by: Period = "week",
    run: RunInfo | None = None,
    lexicon: Lexicon | None = None,
) -> Table:
    """The groups of a :func:`recon.diff.time_aggregate` frame whose hours differ.

    Only differing groups are listed (the aggregate has one row per staff x project x
    period: tens of thousands); the note gives both sides' exact totals and how many of
    the groups differ, so the table's silence about the rest means "equal".
    """
    run = run or RunInfo()
    labels = (lexicon or Lexicon.default()).column_labels("time_entry")
    differing = aggregate[[d != 0 for d in aggregate["difference"]]]
    # Summed here from the contract's columns (not via the time module's helpers), exactly:
    # Decimal + Decimal, starting from a Decimal so an empty frame gives 0.00.
    total = {
        name: sum(aggregate[name].tolist(), Decimal("0.00"))
        for name in ("hours_intacct", "hours_bigtime", "difference")
    }
    note = (
        f"{len(differing):,} of {len(aggregate):,} groups differ. Total hours: "
        f"{run.intacct_label} {total['hours_intacct']:,}, "
        f"{run.bigtime_label} {total['hours_bigtime']:,}, "
        f"difference {total['difference']:,} ({run.intacct_label} minus {run.bigtime_label})."
    )
    headings = {
        "employee_id": labels["employee_id"],
        "project_id": labels["project_id"],
        "period": _PERIOD_HEADINGS.get(by, "Period"),
        "hours_intacct": f"Hours in {run.intacct_label}",
        "hours_bigtime": f"Hours in {run.bigtime_label}",
        "difference": "Difference",
    }
    return table_from_frame(f"Hours by {by}", differing, _HOURS_KINDS, headings, note)
