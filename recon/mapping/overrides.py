"""A user's overrides of the mapping: fields to ignore, custom fields to compare, another key.

The file is TOML, ``mapping.toml`` beside the profiles' ``config.toml`` (:func:`mapping_path`;
``RECON_MAPPING`` or an explicit path overrides). One table per canonical entity::

    [project]
    ignore = ["description"]        # not compared (dropped from the canonical frames)
    key = "name"                    # pair records by this column instead of project_id
    [[project.extra]]               # a custom field to compare
    name = "region"                 # the canonical column it becomes
    kind = "text"                   # its canonical kind (recon.canonical.Kind)
    intacct = "REGION"              # the Intacct field on the object (pulled as an extra)
    bigtime = "Udf.Region"          # the BigTime column of the pull (a UDF column here)

>>> overrides = load_overrides()                           # empty when there is no file
>>> ia_frames = pull_all(client, extra_fields=overrides.intacct_fields())
>>> ia = overrides.apply_all("intacct", to_canonical_intacct(ia_frames), ia_frames)
>>> rules = overrides.compare_rules(CompareRules.default())

Every mistake in the file is a :class:`MappingFileError` (a ConfigError) naming the file and
the line: tomllib's own line for a syntax error, and for a semantic one (unknown entity or
column, bad kind, a key that cannot be unique) the line where the offending table or value
first appears, found by parsing growing prefixes of the text (tomllib keeps no positions).
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NoReturn, Protocol, Self, TypeVar, get_args

import pandas as pd

from recon.bigtime import uncertain as bt_uncertain
from recon.canonical import ENTITIES, ENTITY_ORDER, Col, Entity, Kind
from recon.config import config_path
from recon.diff.rules import FieldRule
from recon.errors import ConfigError
from recon.intacct.uncertain import TIMESHEETENTRY_LINK_FIELD
from recon.mapping.bigtime import EMPLOYEE_ID
from recon.mapping.common import (
    BOOL_DEFAULT,
    INT_DEFAULT,
    LEFT_OUT,
    Frames,
    MappingReport,
    Rows,
    amounts,
)

log = logging.getLogger("recon.mapping")

Side = Literal["intacct", "bigtime"]
SIDES: tuple[Side, ...] = ("intacct", "bigtime")
#: The mapping file's name, beside ``config.toml``; the environment variable naming another.
MAPPING_FILE, MAPPING_ENV = "mapping.toml", "RECON_MAPPING"
KINDS: tuple[str, ...] = get_args(Kind)
#: Kinds a key column may have: ``bool``/``status`` hold two values, money and hours repeat.
KEY_KINDS = frozenset({"id", "text", "int", "date"})
#: Settings of an entity table, and of one ``[[<entity>.extra]]`` item (all required).
ENTITY_SETTINGS = ("ignore", "key", "extra")
EXTRA_SETTINGS = ("name", "kind", "intacct", "bigtime")
#: An extra column's name: it becomes a DataFrame column and ``<name>_intacct`` in reports.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOML_AT = re.compile(r"at line (\d+), column (\d+)")
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")

#: The pulled BigTime column holding the canonical key of each entity with records of its
#: own (a reference list's item holds it in its list's ``key_field``). ``payment`` is a sum
#: per invoice: it has no record of its own to carry a custom field, so it takes no extras.
_BT_KEY_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "customer": "ClientId",
        "project": "ProjectCode",
        "employee": EMPLOYEE_ID,
        "time_entry": "SID",
        "invoice": "InvoiceNbr",
    }
)


def _bt_key_column(entity: Entity) -> str | None:
    list_name = entity.bigtime_list
    if list_name is not None:
        return bt_uncertain.LISTS[list_name].key_field
    return _BT_KEY_COLUMNS.get(entity.name)


#: Entity -> (pulled BigTime frame, its column holding the canonical key), for joining
#: extras back onto canonical rows; the frame is the registry's ``bigtime_frame``.
_BT_KEYS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        name: (e.bigtime_frame, column)
        for name, e in ENTITIES.items()
        if (column := _bt_key_column(e)) is not None
    }
)
NO_EXTRAS = frozenset(ENTITIES) - frozenset(_BT_KEYS)


class MappingFileError(ConfigError):
    """A bad mapping file: the message names the file and, when known, the line.

    Attributes
    ----------
    path:
        The file.
    line, column:
        1-based position of the problem (``None`` when it has none, e.g. a missing file).
    problem:
        The message without the position.
    """

    def __init__(self, path: Path, line: int | None, problem: str, column: int | None = None):
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"mapping file {where}: {problem}")
        self.path, self.line, self.column, self.problem = path, line, column, problem


@dataclass(frozen=True)
class ExtraField:
    """A custom field compared as one more canonical column."""

    name: str
    kind: Kind
    #: Intacct field on the entity's object (pulled via ``extra_fields``).
    intacct: str
    #: Column of the BigTime pulled frame (``Udf.<Name>`` for a custom field).
    bigtime: str

    def col(self) -> Col:
        return Col(self.name, self.kind, self.intacct, self.bigtime)


@dataclass(frozen=True)
class EntityOverride:
    """One entity's overrides (``key`` None: the canonical key)."""

    entity: str
    ignore: frozenset[str] = frozenset()
    key: str | None = None
    extra: tuple[ExtraField, ...] = ()


class RulesLike(Protocol):
    """What :meth:`MappingOverrides.compare_rules` needs of ``recon.diff.CompareRules``."""

    def with_field(self, entity: str, field: str, rule: Any) -> Self: ...


_Rules = TypeVar("_Rules", bound=RulesLike)


@dataclass(frozen=True)
class MappingOverrides:
    """The overrides of every entity (read-only); :meth:`empty` when there are none.

    Attributes
    ----------
    entities:
        Entity name -> :class:`EntityOverride`, in :data:`recon.canonical.ENTITY_ORDER`.
    source:
        The file they came from, if any.
    """

    entities: Mapping[str, EntityOverride] = field(default_factory=lambda: MappingProxyType({}))
    source: Path | None = None

    @classmethod
    def empty(cls) -> MappingOverrides:
        """No overrides: every entity as :data:`recon.canonical.ENTITIES` has it."""
        return cls()

    def __bool__(self) -> bool:
        return bool(self.entities)

    def _of(self, entity: str) -> EntityOverride:
        _check_entity(entity)
        return self.entities.get(entity) or EntityOverride(entity)

    def key(self, entity: str) -> str:
        """The column records of ``entity`` are paired by."""
        return self._of(entity).key or ENTITIES[entity].key

    def ignored_fields(self, entity: str) -> frozenset[str]:
        """Columns of ``entity`` the user does not want compared."""
        return self._of(entity).ignore

    def extra_fields(self, entity: str) -> tuple[ExtraField, ...]:
        """Custom fields compared as extra columns of ``entity``."""
        return self._of(entity).extra

    def entity(self, entity: str) -> Entity:
        """The canonical entity as overridden: its key, ignored columns out, extras in.

        This is the shape :meth:`apply` gives; the diff reads columns and kinds from it.

        Raises
        ------
        ConfigError
            Unknown entity.
        """
        over, spec = self._of(entity), ENTITIES[entity]
        cols = [c for c in spec.columns if c.name not in over.ignore]
        cols += [x.col() for x in over.extra]
        return replace(spec, key=over.key or spec.key, columns=tuple(cols))

    def intacct_fields(self) -> dict[str, tuple[str, ...]]:
        """Intacct object -> the extra fields to pull for it (``pull_all(extra_fields=...)``)."""
        out: dict[str, tuple[str, ...]] = {}
        for name, over in self.entities.items():
            if over.extra:
                obj = ENTITIES[name].intacct_object
                fields = (*out.get(obj, ()), *(x.intacct for x in over.extra))
                out[obj] = tuple(dict.fromkeys(fields))
        return out

    def compare_rules(self, rules: _Rules) -> _Rules:
        """``rules`` with ``FieldRule(ignore=True)`` for every ignored field.

        Works on ``recon.diff.CompareRules``. A field's other settings are kept when the
        rules expose them through ``rule(entity, field)``.
        """
        for entity, over in self.entities.items():
            # The canonical key takes no rule (keys match exactly); once it is ignored under
            # another key, apply() has dropped it from the frames anyway.
            for name in sorted(over.ignore - {ENTITIES[entity].key}):
                current = _current_rule(rules, entity, name)
                rule = FieldRule(ignore=True) if current is None else replace(current, ignore=True)
                rules = rules.with_field(entity, name, rule)
        return rules

    def apply(
        self,
        entity: str,
        frame: pd.DataFrame,
        side: Side,
        pulled: Frames | None = None,
        report: MappingReport | None = None,
    ) -> pd.DataFrame:
        """One side's canonical frame of ``entity`` with the overrides applied.

        Extra columns are looked up in the side's pulled frames by the canonical key (one
        index look-up per column); then rows are re-keyed (a row without the new key is
        left out and counted in ``report.unkeyed``) and sorted by the key; ignored columns
        are dropped. An entity without overrides comes back as it is.

        Parameters
        ----------
        entity:
            A canonical entity name.
        frame:
            Its canonical frame (:mod:`recon.mapping`'s output for ``side``).
        side:
            ``"intacct"`` or ``"bigtime"``: whose frame, so whose field the extras read.
        pulled:
            That side's pulled frames (``pull_all``'s result); needed when there are extras.
        report:
            Counts rows left out and values not parsed (a new one when ``None``).

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`entity`, in order, typed by kind, sorted by :meth:`key`.

        Raises
        ------
        ConfigError
            Unknown entity or side, ``frame`` lacks canonical columns, or extras without
            ``pulled`` (or without the frame they are read from).
        """
        over = self._of(entity)
        if side not in SIDES:
            raise ConfigError(f"side must be 'intacct' or 'bigtime', not {side!r}")
        if over == EntityOverride(entity):
            return frame
        report = MappingReport(side) if report is None else report
        missing = [c for c in ENTITIES[entity].names if c not in frame.columns]
        if missing:
            raise ConfigError(f"the {side} {entity} frame lacks canonical columns {missing}")
        out = frame.copy(deep=False)
        for extra in over.extra:
            out[extra.name] = _extra_values(entity, side, out, extra, pulled, report)
        spec = self.entity(entity)
        if over.key:
            keyless = out[spec.key].isna().to_numpy()
            report.note(
                "unkeyed", entity, int(keyless.sum()),
                "%d %s row(s) have no %s (the overridden key) and are left out",
                int(keyless.sum()), entity, spec.key,
            )  # fmt: skip
            # Named by the canonical key it had before the mapping file re-keyed it.
            system = "Intacct" if side == "intacct" else "BigTime"
            who = Rows(out, f"{system} {entity}", ENTITIES[entity].key)
            why = f"no {spec.key} (the key the mapping file sets): left out"
            report.leave_out(LEFT_OUT, entity, who, keyless, why)
            out = out[~keyless].sort_values(spec.key, kind="stable")
        return out.loc[:, spec.names].astype(spec.dtypes()).reset_index(drop=True)

    def apply_all(
        self,
        side: Side,
        frames: Mapping[str, pd.DataFrame],
        pulled: Frames | None = None,
        report: MappingReport | None = None,
    ) -> dict[str, pd.DataFrame]:
        """:meth:`apply` to every canonical frame of one side (entity -> frame)."""
        return {e: self.apply(e, f, side, pulled, report) for e, f in frames.items()}


# --------------------------------------------------------------------------- applying


def _check_entity(entity: str) -> None:
    if entity not in ENTITIES:
        raise ConfigError(f"no canonical entity {entity!r}; use one of: {', '.join(ENTITIES)}")


def _current_rule(rules: Any, entity: str, name: str) -> Any:
    getter = getattr(rules, "rule", None)
    if not callable(getter):
        return None
    try:
        return getter(entity, name)
    except (KeyError, LookupError, ConfigError):
        return None


def _source(entity: str, side: Side) -> tuple[str, str]:
    """(pulled frame, its column holding the canonical key) of ``entity`` on ``side``."""
    if side == "bigtime":
        return _BT_KEYS[entity]
    spec = ENTITIES[entity]
    key_field = TIMESHEETENTRY_LINK_FIELD if entity == "time_entry" else spec.col(spec.key).intacct
    return spec.intacct_object, key_field


def _extra_values(
    entity: str,
    side: Side,
    frame: pd.DataFrame,
    extra: ExtraField,
    pulled: Frames | None,
    report: MappingReport,
) -> pd.Series:
    """The extra field's value for each canonical row, found by the row's canonical key."""
    name, raw_key = _source(entity, side)
    field_name = extra.intacct if side == "intacct" else extra.bigtime
    source = None if pulled is None else pulled.get(name)
    if source is None:
        raise ConfigError(
            f"the {entity}.{extra.name} override reads {side} field {field_name!r}: pass the "
            f"pulled {name!r} frame (pulled=...) to apply the overrides"
        )
    keys = frame[ENTITIES[entity].key].astype("str").to_numpy()
    if field_name not in source.columns or raw_key not in source.columns:
        hint = " (pull it with extra_fields=overrides.intacct_fields())" * (side == "intacct")
        log.warning(
            "%s: %s has no %r column%s; %s.%s is empty", side, name, field_name, hint, entity,
            extra.name,
        )  # fmt: skip
        return _typed(pd.Series([None] * len(frame), index=frame.index), extra, entity, report)
    ids = source[raw_key].astype("str")
    keep = (ids.notna() & ~ids.duplicated()).to_numpy()  # the first of a repeated key wins
    where = pd.Index(ids.to_numpy()[keep]).get_indexer(pd.Index(keys))
    values = source[field_name].astype(object).to_numpy()[keep]
    picked = pd.Series(values, dtype=object).reindex(where).set_axis(frame.index)
    return _typed(picked, extra, entity, report)


def _typed(values: pd.Series, extra: ExtraField, entity: str, report: MappingReport) -> pd.Series:
    """``values`` in the canonical dtype of ``extra.kind`` (texts parsed, blanks missing)."""
    kind = extra.kind
    missing = values.isna().to_numpy()
    if kind in ("id", "text", "status"):
        text = values.astype("str")
        return text.where(text.str.strip().ne(""))
    if kind in ("money", "hours"):
        return amounts(values.astype("str"), report, entity, extra.name)
    if kind == "date":
        out = _dates(values.astype("str"))
    elif kind == "int":
        numbers = pd.to_numeric(values.astype("str"), errors="coerce")
        whole = numbers.where(numbers.mod(1).eq(0))
        out = whole.fillna(INT_DEFAULT).astype("int64")
        _note_defaults(report, entity, extra.name, missing, whole.isna().to_numpy(), INT_DEFAULT)
    else:
        text = values.astype("str").str.strip().str.lower()
        flag = pd.Series(pd.NA, index=values.index, dtype="boolean")
        flag[text.isin(_TRUE).fillna(False).to_numpy()] = True
        flag[text.isin(_FALSE).fillna(False).to_numpy()] = False
        _note_defaults(report, entity, extra.name, missing, flag.isna().to_numpy(), BOOL_DEFAULT)
        return flag.fillna(BOOL_DEFAULT).astype(bool)
    bad = int((out.isna().to_numpy() & ~missing).sum())
    report.note(
        "unparsable", (entity, extra.name), bad,
        "%d %s.%s value(s) are no %s, left empty", bad, entity, extra.name, kind,
    )  # fmt: skip
    return out


def _dates(texts: pd.Series) -> pd.Series:
    """Dates from texts in any common form (ISO, Intacct's ``MM/DD/YYYY``); else NaT."""
    try:
        parsed = pd.to_datetime(texts, errors="coerce", format="mixed")
    except (ValueError, TypeError):  # offsets mixed with naive stamps: compare in UTC
        parsed = pd.to_datetime(texts, errors="coerce", format="mixed", utc=True)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.dt.normalize().astype("datetime64[us]")


def _note_defaults(
    report: MappingReport, entity: str, col: str, missing: Any, failed: Any, default: object
) -> None:
    bad = int((failed & ~missing).sum())
    report.note("unparsable", (entity, col), bad, "%d %s.%s value(s) unreadable", bad, entity, col)
    report.note(
        "defaulted", (entity, col), int(failed.sum()),
        "%d %s.%s value(s) are missing, taken as %r", int(failed.sum()), entity, col, default,
    )  # fmt: skip


# --------------------------------------------------------------------------- loading


def mapping_path() -> Path:
    """The mapping file: ``RECON_MAPPING``, else ``mapping.toml`` beside ``config.toml``."""
    override = os.environ.get(MAPPING_ENV)
    return Path(override) if override else config_path().parent / MAPPING_FILE


def load_overrides(path: str | os.PathLike[str] | None = None) -> MappingOverrides:
    """Read and check a mapping file.

    Parameters
    ----------
    path:
        The file; ``None`` reads :func:`mapping_path`, and when that is the default
        location and no file is there, there are no overrides.

    Raises
    ------
    MappingFileError
        The file is missing (when named), unreadable, not TOML, or asks for something
        that does not exist; the message names the file and the line.
    """
    explicit = path is not None or bool(os.environ.get(MAPPING_ENV))
    file = Path(path) if path is not None else mapping_path()
    if not file.is_file():
        if explicit:
            raise MappingFileError(file, None, "no such file; check the path")
        return MappingOverrides.empty()
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise MappingFileError(file, None, f"cannot be read ({exc.strerror})") from None
    return parse_overrides(raw, file)


def parse_overrides(data: bytes | str, path: Path = Path("<mapping>")) -> MappingOverrides:
    """Check a mapping file's text (``path`` names it in errors); see :func:`load_overrides`."""
    text = _decode(data, path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = _TOML_AT.search(str(exc))
        line, col = (int(at[1]), int(at[2])) if at else (None, None)
        problem = _TOML_AT.sub("", str(exc)).strip(" ()")
        raise MappingFileError(path, line, f"not valid TOML: {problem}", col) from None
    checker = _Checker(text, path)
    found = {name: checker.entity(name, table) for name, table in doc.items()}
    ordered = {e: found[e] for e in ENTITY_ORDER if e in found}
    return MappingOverrides(MappingProxyType(ordered), path)


def _decode(data: bytes | str, path: Path) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MappingFileError(path, line, "not UTF-8 text; save it as UTF-8") from None


class _Checker:
    """Turns the parsed document into overrides; each problem names the line it is on."""

    def __init__(self, text: str, path: Path) -> None:
        self.lines, self.path = _Lines(text), path

    def fail(self, where: tuple[str | int, ...], problem: str, value: object = None) -> NoReturn:
        raise MappingFileError(self.path, self.lines.find(where, value), problem)

    def entity(self, name: str, table: object) -> EntityOverride:
        if name not in ENTITIES:
            self.fail((name,), f"unknown entity {name!r}; use one of: {', '.join(ENTITIES)}")
        if not isinstance(table, dict):
            self.fail((name,), f"{name} must be a table ([{name}]), not a {_type(table)}")
        for setting in table:
            if setting not in ENTITY_SETTINGS:
                self.fail(
                    (name, setting),
                    f"unknown setting {setting!r} in [{name}]; use {', '.join(ENTITY_SETTINGS)}",
                )
        extras = self.extras(name, table.get("extra", []))
        key = self.key(name, table.get("key"), extras)
        ignore = self.ignore(name, table.get("ignore", []), extras, key)
        return EntityOverride(name, ignore, key, extras)

    def extras(self, entity: str, items: object) -> tuple[ExtraField, ...]:
        where = (entity, "extra")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            self.fail(where, f"{entity}.extra must be tables ([[{entity}.extra]])")
        if items and entity in NO_EXTRAS:
            self.fail(where, f"{entity} takes no extra fields: it has no record of its own")
        out: list[ExtraField] = []
        for i, item in enumerate(items):
            extra = self.extra_item(entity, i, item)
            taken = {*ENTITIES[entity].names, *(x.name for x in out)}
            if extra.name in taken:
                self.fail(
                    (*where, i, "name"),
                    f"{entity} already has a column {extra.name!r}; name the extra otherwise",
                )
            out.append(extra)
        return tuple(out)

    def extra_item(self, entity: str, i: int, item: dict[str, Any]) -> ExtraField:
        where = (entity, "extra", i)
        for setting in item:
            if setting not in EXTRA_SETTINGS:
                self.fail(
                    (*where, setting),
                    f"unknown setting {setting!r} in [[{entity}.extra]]; "
                    f"use {', '.join(EXTRA_SETTINGS)}",
                )
        absent = [s for s in EXTRA_SETTINGS if s not in item]
        if absent:
            self.fail(where, f"[[{entity}.extra]] needs {', '.join(absent)}")
        for setting in EXTRA_SETTINGS:
            value = item[setting]
            if not isinstance(value, str) or not value.strip():
                self.fail((*where, setting), f"{entity}.extra {setting} must be a non-empty text")
        if not _NAME.fullmatch(item["name"]):
            self.fail(
                (*where, "name"),
                f"extra name {item['name']!r} must be letters, digits and _ (not first a digit)",
            )
        if item["kind"] not in KINDS:
            self.fail(
                (*where, "kind"), f"unknown kind {item['kind']!r}; use one of: {', '.join(KINDS)}"
            )
        intacct, bigtime = item["intacct"].strip(), item["bigtime"].strip()
        return ExtraField(item["name"], item["kind"], intacct, bigtime)

    def key(self, entity: str, key: object, extras: tuple[ExtraField, ...]) -> str | None:
        if key is None:
            return None
        where = (entity, "key")
        kinds = {c.name: c.kind for c in (*ENTITIES[entity].columns, *(x.col() for x in extras))}
        if not isinstance(key, str) or key not in kinds:
            self.fail(where, f"{entity}.key {key!r} is no column; use one of: {', '.join(kinds)}")
        if kinds[key] not in KEY_KINDS:
            self.fail(
                where,
                f"{entity}.key {key!r} is a {kinds[key]} column, which cannot tell records "
                f"apart; use a column of kind {', '.join(sorted(KEY_KINDS))}",
            )
        return None if key == ENTITIES[entity].key else key

    def ignore(
        self, entity: str, names: object, extras: tuple[ExtraField, ...], key: str | None
    ) -> frozenset[str]:
        where = (entity, "ignore")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            self.fail(where, f"{entity}.ignore must be a list of column names")
        known = ENTITIES[entity].names
        the_key = key or ENTITIES[entity].key
        for name in names:
            if name in {x.name for x in extras}:
                self.fail(where, f"{name!r} is an extra field: remove the extra instead", name)
            if name not in known:
                self.fail(
                    where, f"{entity} has no column {name!r}; use some of: {', '.join(known)}", name
                )
            if name == the_key:
                self.fail(where, f"{name!r} is the key of {entity}; it cannot be ignored", name)
        return frozenset(names)


class _Lines:
    """Finds the line where a value of a TOML document first appears.

    tomllib keeps no positions, so the text is parsed line by line as growing prefixes: the
    first prefix that parses and holds the path is where it is. A value in a list spread over
    lines is then sought backwards from there (``value`` as TOML writes it).
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)

    def find(self, path: tuple[str | int, ...], value: object = None) -> int | None:
        for n in range(1, len(self.lines) + 1):
            try:
                doc = tomllib.loads("".join(self.lines[:n]))
            except tomllib.TOMLDecodeError:
                continue  # inside a multi-line value
            if _holds(doc, path):
                return self._element(n, value) if isinstance(value, str) else n
        return None

    def _element(self, last: int, value: str) -> int:
        spelt = (f'"{value}"', f"'{value}'")
        for n in range(last, 0, -1):
            if any(s in self.lines[n - 1] for s in spelt):
                return n
        return last


def _holds(doc: Any, path: Iterable[str | int]) -> bool:
    node = doc
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return False
        elif not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    return True


def _type(value: object) -> str:
    return {str: "text", int: "number", float: "number", bool: "true/false", list: "list"}.get(
        type(value), type(value).__name__
    )
