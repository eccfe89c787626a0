"""What both mappings share: the report of what could not be mapped, lookups, finishing.

Every step is a whole-column operation (index look-ups, ``where``, ``astype``); nothing
loops over rows, so a million time entries map in seconds.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from recon.canonical import ENTITIES, ENTITY_ORDER, conform
from recon.errors import ConfigError

log = logging.getLogger("recon.mapping")

Frames = Mapping[str, pd.DataFrame]

#: A missing ``bool`` value becomes ``False`` and a missing ``int`` ``0``: the canonical
#: ``bool``/``int64`` columns hold no NA. Each one filled is counted in
#: :attr:`MappingReport.defaulted` (and logged), so the choice never hides silently.
BOOL_DEFAULT = False
INT_DEFAULT = 0
#: Ids quoted in one log line at most (the rest are counted).
_SAMPLES = 5
#: Characters a typed-in amount may carry around its digits (``"$5,000.00"``).
_AMOUNT_NOISE = str.maketrans("", "", "$, \t")


#: :attr:`LeftOut.kind`: the record is not compared at all / it is compared, one value left
#: empty because recon could not resolve or read it.
LEFT_OUT, UNRESOLVED = "left_out", "unresolved"


@dataclass(frozen=True)
class LeftOut:
    """One record the comparison leaves out, or one value of a record it compares empty.

    Attributes
    ----------
    system:
        ``"intacct"`` or ``"bigtime"``: whose record.
    entity:
        The canonical entity it would be compared as.
    kind:
        :data:`LEFT_OUT` (not compared: no key, an application to an invoice not pulled)
        or :data:`UNRESOLVED` (compared, with ``field`` empty: a reference that resolves to
        nothing, an amount that is no number).
    record:
        How the system knows the record: ``"staffer 17"``, ``"ARPYMTDETAIL 2041"``.
    key:
        Its canonical key, when it has one (a left-out record usually has none).
    name:
        Its name, when it has one (``"Ann Lee"``); ``""`` otherwise.
    field:
        The canonical field left empty (``UNRESOLVED``); None for a whole record.
    value:
        What the record holds there that could not be used (the id that resolves to
        nothing, the text that is no amount); None for a record without a key.
    reason:
        Why, in words, the same for every record left out for it (the reports count by
        it): ``'no "Employee ID" custom field value ...: left out'``.
    """

    system: str
    entity: str
    kind: str
    record: str
    key: str | None
    name: str
    field: str | None
    value: str | None
    reason: str


@dataclass(frozen=True)
class Rows:
    """Who the rows of one pulled frame are, for :attr:`MappingReport.left_out`.

    ``frame``'s ``id_col`` names each record in its system (shown as ``"<what> <id>"``),
    ``names`` are the columns of its name (joined by spaces) and ``key`` the column its
    canonical key is read from. Only the rows left out are ever looked at.
    """

    frame: pd.DataFrame
    what: str
    id_col: str
    names: tuple[str, ...] = ()
    key: str | None = None

    def describe(self, mask: np.ndarray) -> list[tuple[str, str | None, str]]:
        """``(record, key, name)`` of the rows where ``mask`` is set, in order."""
        picked = self.frame[mask]
        ids = _texts(column(picked, self.id_col))
        keys = _texts(column(picked, self.key)) if self.key else [None] * len(picked)
        parts = [_texts(column(picked, c)) for c in self.names]
        names = [" ".join(p for p in row if p) for row in zip(*parts, strict=True)] if parts else []
        names = names or [""] * len(picked)
        records = [f"{self.what} {i}" if i else f"{self.what} (no id)" for i in ids]
        return list(zip(records, keys, names, strict=True))


def _texts(values: pd.Series) -> list[str | None]:
    """Each value as stripped text; missing or blank as None."""
    return [_text(v) for v in values.tolist()]


def _text(value: Any) -> str | None:
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        value = value.date().isoformat()  # a date, not "2025-01-03 00:00:00"
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value).strip() or None


@dataclass
class MappingReport:
    """What one mapping could not resolve or had to leave out; every count is also logged.

    Attributes
    ----------
    system:
        ``"intacct"`` or ``"bigtime"``: whose pull was mapped.
    dangling:
        ``(entity, column) -> n``: references that resolve to nothing in the pull (a BigTime
        id of a record or list item that is not there, or that holds no key), left NA.
    unkeyed:
        ``entity -> n``: rows without a key (a BigTime staffer without the "Employee ID"
        custom field: left out; an Intacct time entry without the link field: kept keyless,
        for the time diff's fallback match).
    duplicates:
        ``entity -> n``: rows whose key another row of the same side also has (kept: the
        diff must see them).
    defaulted:
        ``(entity, column) -> n``: missing ``bool``/``int`` values given
        :data:`BOOL_DEFAULT`/:data:`INT_DEFAULT`.
    unparsable:
        ``(entity, column) -> n``: texts that should hold an amount and do not (left None).
    left_out:
        Each record counted in ``unkeyed`` and left out, each reference counted in
        ``dangling`` and each text in ``unparsable``, one :class:`LeftOut` apiece, when the
        mapping said who the rows are (:class:`Rows`): what the reports list as "left out
        of the comparison".
    """

    system: str = ""
    dangling: Counter[tuple[str, str]] = field(default_factory=Counter)
    unkeyed: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    defaulted: Counter[tuple[str, str]] = field(default_factory=Counter)
    unparsable: Counter[tuple[str, str]] = field(default_factory=Counter)
    left_out: list[LeftOut] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True when nothing was left NA, left out, duplicated or defaulted."""
        counters = (self.dangling, self.unkeyed, self.duplicates, self.defaulted, self.unparsable)
        return not any(c.total() for c in counters)

    def note(self, counter: str, where: Any, n: int, message: str, *args: object) -> None:
        """Add ``n`` to ``counter[where]`` and log ``message`` once (nothing when ``n == 0``)."""
        if n:
            getattr(self, counter)[where] += n
            log.warning("%s: " + message, self.system, *args)

    def leave_out(
        self,
        kind: str,
        entity: str,
        rows: Rows | None,
        mask: np.ndarray,
        reason: str,
        field: str | None = None,
        values: Any = None,
    ) -> None:
        """Add a :class:`LeftOut` for each row of ``rows`` where ``mask`` is set (nothing
        when ``rows`` is None: the caller cannot say who they are, the counters still do).
        ``values``: what each masked row holds that could not be used, in order."""
        if rows is None or not mask.any():
            return
        described = rows.describe(mask)
        held = [None] * len(described) if values is None else [_text(v) for v in values]
        self.left_out.extend(
            LeftOut(self.system, entity, kind, record, key, name, field, value, reason)
            for (record, key, name), value in zip(described, held, strict=True)
        )


# --------------------------------------------------------------------------- frames


def require(frames: Frames, name: str, system: str, needed_by: str) -> pd.DataFrame:
    """``frames[name]``, or a ConfigError saying which pull to add.

    Raises
    ------
    ConfigError
        ``name`` is not in ``frames``.
    """
    found = frames.get(name)
    if found is None:
        raise ConfigError(
            f"mapping {needed_by} from {system} needs the pulled {name!r} frame; "
            f"pull it too (frames given: {', '.join(frames) or 'none'})"
        )
    return found


def column(frame: pd.DataFrame, name: str, dtype: Any = "str") -> pd.Series:
    """``frame[name]``, or an all-missing column of ``dtype`` when the pull lacks it.

    A custom field the firm does not have, or a field left out of a pull, is no value for
    every record (not an error).
    """
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.array([None] * len(frame), dtype=dtype), index=frame.index)


def status_from_inactive(inactive: pd.Series) -> pd.Series:
    """BigTime ``IsInactive`` -> canonical status; unknown (NA) stays NA."""
    flag = inactive.astype("boolean")
    out = np.where(flag.fillna(False).to_numpy(bool), "inactive", "active").astype(object)
    out[flag.isna().to_numpy()] = None
    return pd.Series(out, index=inactive.index, dtype="str")


def amounts(
    texts: pd.Series, report: MappingReport, entity: str, col: str, rows: Rows | None = None
) -> pd.Series:
    """Amounts typed into a text field (a custom field) as Decimal, one parse per text.

    ``$`` signs, thousands commas and spaces are ignored; a text that is still no number
    becomes None and is counted in :attr:`MappingReport.unparsable` (and, with ``rows``,
    listed in :attr:`MappingReport.left_out`).
    """
    codes, uniques = pd.factorize(texts.astype("str"), use_na_sentinel=True)
    parsed = [_amount(str(u)) for u in uniques]
    # Blank is no value, not a bad one; code -1 (missing) picks the trailing entries.
    bad = np.array(
        [p is None and bool(str(u).strip()) for u, p in zip(uniques, parsed, strict=True)] + [False]
    )
    values = np.array([*parsed, None], dtype=object)[codes]
    n_bad = int(bad[codes].sum())
    samples = sorted({str(u) for u, b in zip(uniques, bad, strict=False) if b})
    report.note(
        "unparsable", (entity, col), n_bad,
        "%d %s.%s value(s) are not amounts, left empty (e.g. %s)", n_bad, entity, col,
        samples[:_SAMPLES],
    )  # fmt: skip
    if n_bad:
        lost = bad[codes]
        said = texts.astype("str").to_numpy()[lost]
        why = "not an amount: compared as empty"
        report.leave_out(UNRESOLVED, entity, rows, lost, why, col, said)
    return pd.Series(values, index=texts.index, dtype=object)


def nonzero(values: Any) -> np.ndarray:
    """Boolean mask of the amounts that are a non-zero Decimal (one test per distinct value).

    A missing amount, or a sum over no amounts (``0``), is not a payment.
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    table = np.array([isinstance(u, Decimal) and u != 0 for u in uniques] + [False])
    return table[codes]


def _amount(text: str) -> Decimal | None:
    cleaned = text.translate(_AMOUNT_NOISE)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


# --------------------------------------------------------------------------- look-ups


def key_table(frame: pd.DataFrame, id_col: str, value_col: str) -> pd.Series:
    """``id -> value`` of one pulled frame (ids as text; the first of a repeated id wins).

    A column the frame lacks gives an empty table: every reference then dangles.
    """
    if id_col not in frame.columns:
        return pd.Series([], index=pd.Index([], dtype="str"), dtype="str")
    ids = frame[id_col].astype("str")
    values = column(frame, value_col).astype("str")
    keep = ids.notna().to_numpy() & ~ids.duplicated().to_numpy()
    return pd.Series(values.to_numpy()[keep], index=pd.Index(ids.to_numpy()[keep], dtype="str"))


def resolve(
    ids: pd.Series,
    table: pd.Series,
    report: MappingReport,
    entity: str,
    col: str,
    rows: Rows | None = None,
    why: str = "it refers to nothing in the pull",
    kind: str = UNRESOLVED,
) -> pd.Series:
    """The values ``table`` holds for ``ids``; an id that resolves to nothing gives NA.

    Counted in :attr:`MappingReport.dangling` (and logged with a few sample ids): an id not
    in ``table``, or one whose record holds no value (a staffer without "Employee ID").
    With ``rows`` (who the referring rows are), each is also listed in
    :attr:`MappingReport.left_out` as ``kind`` with its id and the reason ``why`` (for
    :data:`UNRESOLVED`, with ": compared as empty" after it).
    """
    ids = ids.astype("str")
    found = pd.Series(table.reindex(ids.to_numpy()).to_numpy(), index=ids.index, dtype="str").where(
        lambda s: s.ne("")
    )
    lost = ids.notna() & found.isna()
    n = int(lost.sum())
    report.note(
        "dangling", (entity, col), n,
        "%d %s.%s reference(s) resolve to nothing in the pull, left empty (ids %s)",
        n, entity, col, sorted(set(ids[lost]))[:_SAMPLES],
    )  # fmt: skip
    if n and rows is not None:
        mask = lost.to_numpy()
        why += ": compared as empty" if kind == UNRESOLVED else ""
        report.leave_out(kind, entity, rows, mask, why, col, ids.to_numpy()[mask])
    return found


# --------------------------------------------------------------------------- finishing


def finish(
    entity: str,
    data: Mapping[str, Any],
    index: pd.Index,
    report: MappingReport,
    rows: Rows | None = None,
    why: str | None = None,
) -> pd.DataFrame:
    """The canonical frame of ``entity`` from its columns (``conform``-ed and sorted by key).

    Blank texts become NA (Intacct sends an empty element for "no value"); rows without a
    key are left out and rows sharing a key are kept, both counted; missing ``bool``/``int``
    values get their default, counted. With ``rows`` (who the rows are, aligned with
    ``index``) each row left out is listed in :attr:`MappingReport.left_out`, ``why`` its
    reason (default: it has no key).
    """
    spec = ENTITIES[entity]
    frame = pd.DataFrame({c.name: _typed(data[c.name], c.kind, index) for c in spec.columns})
    keyless = frame[spec.key].isna()
    report.note(
        "unkeyed", entity, int(keyless.sum()),
        "%d %s row(s) have no %s and are left out", int(keyless.sum()), entity, spec.key,
    )  # fmt: skip
    report.leave_out(LEFT_OUT, entity, rows, keyless.to_numpy(), why or f"no {spec.key}: left out")
    frame = frame[~keyless.to_numpy()]
    repeated = int(frame[spec.key].duplicated(keep=False).sum())
    report.note(
        "duplicates", entity, repeated,
        "%d %s row(s) share their %s with another row (kept)", repeated, entity, spec.key,
    )  # fmt: skip
    for col in spec.columns:
        if col.kind in ("bool", "int"):
            frame[col.name] = _defaulted(frame[col.name], col.kind, report, entity, col.name)
    return conform(entity, frame, sort=True)


def _typed(values: Any, kind: str, index: pd.Index) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(values, index=index)
    series = series.set_axis(index) if not series.index.equals(index) else series
    if kind in ("id", "text", "status"):
        text = series.astype("str")
        return text.where(text.ne(""))
    if kind in ("money", "hours"):
        obj = series.astype(object)
        return obj.where(obj.notna(), None)
    if kind == "bool":
        return series.astype("boolean")
    if kind == "int":
        return series.astype("Int64")
    return series


def _defaulted(
    values: pd.Series, kind: str, report: MappingReport, entity: str, col: str
) -> pd.Series:
    missing = int(values.isna().sum())
    default = BOOL_DEFAULT if kind == "bool" else INT_DEFAULT
    report.note(
        "defaulted", (entity, col), missing,
        "%d %s.%s value(s) are missing, taken as %r", missing, entity, col, default,
    )  # fmt: skip
    return values.fillna(default).astype(bool if kind == "bool" else np.int64)


#: One entity's mapping from a system's pulled frames.
Mapper = Callable[[Frames, MappingReport], pd.DataFrame]


def map_one(
    mappers: Mapping[str, Mapper],
    system: str,
    entity: str,
    frames: Frames,
    report: MappingReport | None,
) -> pd.DataFrame:
    """``mappers[entity]`` on ``frames`` (a new report for ``system`` when ``None``)."""
    mapper = mappers.get(entity)
    if mapper is None:
        raise ConfigError(f"no canonical entity {entity!r}; use one of: {', '.join(mappers)}")
    return mapper(frames, MappingReport(system) if report is None else report)


def map_all(
    mappers: Mapping[str, Mapper],
    sources: Mapping[str, str],
    system: str,
    frames: Frames,
    report: MappingReport | None,
    entities: Collection[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Every entity whose own frame (``sources``) was pulled (of ``entities``, when given),
    in entity order, one report."""
    report = MappingReport(system) if report is None else report
    return {
        e: mappers[e](frames, report)
        for e in ENTITY_ORDER
        if sources[e] in frames and (entities is None or e in entities)
    }
