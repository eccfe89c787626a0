"""Pages of Intacct read results -> typed pandas DataFrames (the hot path of every pull).

Records are the children of ``page.data``; fields are the children of a record. ``query``
returns related-object fields as elements already named with the dotted path
(``<DISPLAYCONTACT.EMAIL1>``); ``read``/``readByQuery`` nest them
(``<DISPLAYCONTACT><EMAIL1>``), which becomes the same column ``DISPLAYCONTACT.EMAIL1``. An
owned line collection inside a ``read`` record (``<ARINVOICEITEMS><ARINVOICEITEM>``) is left
out of the header frame; :func:`lines_to_frame` extracts it.

Column types, by the schema kind of the field (:mod:`recon.intacct.schema`), and what a
missing value is:

- ``id``: pandas 3 ``str`` (StringDtype, Arrow-backed); NaN, for an empty element too
  (no id is no id).
- ``text``: ``str``; ``""`` for an empty element, NaN only when the record has no such
  element at all.
- ``money``, ``qty``: ``object`` holding :class:`~decimal.Decimal` (exact, never through
  float, the wire's scale kept); ``None``.
- ``int``: ``Int64``; ``pd.NA``.
- ``date``: ``datetime64[s]``; NaT. Dates as dates: the wire ``MM/DD/YYYY`` has no time,
  so the time part is midnight.
- ``datetime``: ``datetime64[s]``, naive (Intacct datetimes carry no zone); NaT.
- ``bool``: ``boolean``; ``pd.NA``.
- ``status``: category with the wire's words ``active``/``inactive``; NaN.
- a field the schema does not know (custom fields): ``str``, as ``id``.

A value that does not fit its kind (``13/45/2025`` in a date field, ``abc`` in a money field)
raises :class:`recon.errors.MalformedResponseError` naming the object, the field and the value.

Speed: a ``query`` page is flat and regular (every record holds the selected fields, in
order), so all its texts are read in one pass over the tree and every column is a slice;
nested or irregular pages fall back to one dict per record. Typing is vectorised where it
can be (Arrow for strings and dates), Decimals and integers are made once per distinct
string, and rows are typed in chunks while later pages of a pull are still arriving.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from recon.errors import ConfigError, MalformedResponseError
from recon.intacct import schema as schemas
from recon.intacct.page import Page
from recon.intacct.schema import Kind, ObjectSchema

#: The dtype of id, text and unknown fields: pandas 3's ``str`` (Arrow-backed, NaN missing).
STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
#: STATUS stays the wire's words; fixed categories so frames of any pull concatenate cleanly.
STATUS_DTYPE = pd.CategoricalDtype(["active", "inactive"])


class _Absent:
    """The record has no element for this field (as opposed to an empty element)."""

    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()
_Raw = str | None  # what a field element holds: its text, None when empty

# Wire shapes (spec §2.3): zero-padded MM/DD/YYYY and MM/DD/YYYY HH:MM:SS, 24-hour. A
# datetime field sent as a plain date is midnight (transaction WHENCREATED is a date).
_DATE_SHAPE = r"^[0-9]{2}/[0-9]{2}/[0-9]{4}$"
_DATETIME_SHAPE = r"^[0-9]{2}/[0-9]{2}/[0-9]{4}( [0-9]{2}:[0-9]{2}:[0-9]{2})?$"
_TO_ISO = r"\3-\1-\2"  # MM/DD/YYYY -> YYYY-MM-DD, which Arrow casts (and range-checks)
_DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "date": ("%m/%d/%Y",),
    "datetime": ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y"),
}
# Plain decimals only: no exponent, NaN, Infinity, ``1_000`` or spaces, all of which
# Decimal() and int() would otherwise accept.
_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
_INTEGER = r"^[+-]?[0-9]+$"
_BOOLS: dict[Any, bool | None] = {"true": True, "false": False, None: None, ABSENT: None}
_STATUS_CODES: dict[Any, int] = {"active": 0, "inactive": 1, None: -1, ABSENT: -1}
_MAX_SHOWN = 80  # characters of a bad value quoted in an error message
_TAG_SAMPLES = 32  # records per page whose field names are compared with the first one
#: Rows typed at once. Typing as pages arrive overlaps the work with the wait for the next
#: pages of a pull; chunks of this size keep the per-call overhead of pandas/Arrow small.
CHUNK_ROWS = 10_000


# --------------------------------------------------------------------------- public API


def pages_to_frame(
    pages: Iterable[Page],
    obj: str | ObjectSchema,
    fields: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Turn read pages of one object into one typed DataFrame.

    Parameters
    ----------
    pages:
        Pages of ``query``, ``readByQuery``/``readMore``, ``read`` or ``readByName``.
    obj:
        The object (name or schema) whose field kinds type the columns. A name the
        catalogue does not know types every column as ``str``.
    fields:
        The columns, in this order; fields absent from every record become all-missing
        columns of their kind, fields not listed are dropped. ``None`` keeps every field
        seen, in order of first appearance.

    Returns
    -------
    pandas.DataFrame
        One row per record, a fresh ``RangeIndex``; dtypes as in the module docstring.

    Raises
    ------
    MalformedResponseError
        A value does not fit its field's kind.
    ConfigError
        ``fields`` names a column twice.
    """
    sch = _schema(obj)
    wanted = _check_fields(fields)
    skip = _skipped_names(sch)
    ctx = _Context(sch.name, "")
    chunks: list[_Chunk] = []
    columns = _Columns(wanted)
    for page in pages:
        ctx.operation = ctx.operation or page.function
        page_columns, nrows, complete = _record_columns(page.data, skip, wanted)
        columns.add(page_columns, nrows, complete=complete)
        if columns.nrows >= CHUNK_ROWS:  # type what we have while later pages arrive
            chunks.append(_typed_chunk(columns, sch, ctx))
            columns = _Columns(wanted)
    if columns.nrows or not chunks:
        chunks.append(_typed_chunk(columns, sch, ctx))
    return _frame(chunks, sch, wanted, ctx)


def page_to_frame(
    page: Page, obj: str | ObjectSchema, fields: Sequence[str] | None = None
) -> pd.DataFrame:
    """One page as a typed DataFrame; see :func:`pages_to_frame`."""
    return pages_to_frame([page], obj, fields)


def lines_to_frame(
    pages: Iterable[Page],
    line_object: str | ObjectSchema,
    fields: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The owned lines nested in ``read`` records, one row per line, typed as ``line_object``.

    ``read`` returns a header with its lines (spec §3.3), e.g. an ``ARINVOICE`` holding
    ``<ARINVOICEITEMS><ARINVOICEITEM>…``. The line's parent-key field (``RECORDKEY`` for
    ARINVOICEITEM, per the parent's schema) is set to the parent's ``RECORDNO`` and comes
    first when ``fields`` is ``None``.

    Parameters
    ----------
    pages:
        Pages of the parent object (``read`` output).
    line_object:
        The line object, e.g. ``"ARINVOICEITEM"``; some catalogue object must own it.
    fields:
        As in :func:`pages_to_frame`.

    Raises
    ------
    ConfigError
        No object in the catalogue owns ``line_object``.
    MalformedResponseError
        A value does not fit its field's kind.
    """
    line = _schema(line_object)
    wrapper, line_tag, parent_key = _owner_lines(line.name)
    wanted = _check_fields(fields)
    skip = _skipped_names(line)
    rows: list[dict[str, _Raw]] = []
    operation = ""
    for page in pages:
        operation = operation or page.function
        for record in page.data:
            box = record.find(wrapper) if type(record.tag) is str else None
            if box is None:
                continue
            recno = record.findtext("RECORDNO")
            for item in box:
                if item.tag == line_tag:
                    row: dict[str, _Raw] = {parent_key: recno or None}
                    _flatten(item, "", row, skip)
                    rows.append(row)
    columns = _Columns(wanted)
    columns.add(_rows_to_columns(rows, wanted), len(rows), complete=False)
    ctx = _Context(line.name, operation)
    return _frame([_typed_chunk(columns, line, ctx)], line, wanted, ctx)


def dtype_of(kind: Kind | None) -> Any:
    """The pandas dtype a column of schema ``kind`` gets (``None``: a field the schema lacks)."""
    return {
        "money": np.dtype(object),
        "qty": np.dtype(object),
        "int": pd.Int64Dtype(),
        "date": np.dtype("datetime64[s]"),
        "datetime": np.dtype("datetime64[s]"),
        "bool": pd.BooleanDtype(),
        "status": STATUS_DTYPE,
    }.get(kind or "text", STR_DTYPE)


# --------------------------------------------------------------------------- records


def _schema(obj: str | ObjectSchema) -> ObjectSchema:
    if isinstance(obj, ObjectSchema):
        return obj
    found = schemas.OBJECTS.get(obj.upper())
    if found is not None:
        return found
    # An object outside the catalogue still converts: RECORDNO is an id, the rest str.
    return ObjectSchema(obj.upper(), "RECORDNO", None, {"RECORDNO": "id"})


def _check_fields(fields: Sequence[str] | None) -> list[str] | None:
    if fields is None:
        return None
    if isinstance(fields, str):
        raise ConfigError("fields must be a list of field names, not one string")
    wanted = list(fields)
    if len(set(wanted)) != len(wanted):
        raise ConfigError(f"fields lists a column twice: {wanted}")
    return wanted


@dataclass(frozen=True)
class _Skip:
    """Element paths that never become columns.

    ``wrappers``: owned line collections (``ARINVOICEITEMS``), never descended into.
    ``leaves``: those plus group names (``DISPLAYCONTACT``), which are only columns when
    the schema says so; an empty group element is not a field.
    """

    wrappers: frozenset[str]
    leaves: frozenset[str]


def _skipped_names(sch: ObjectSchema) -> _Skip:
    groups = {name.rsplit(".", 1)[0] for name in sch.fields if "." in name}
    groups |= {g.split(".")[0] for g in groups}
    wrappers = frozenset([sch.lines[0]] if sch.lines is not None else [])
    return _Skip(wrappers, wrappers | {g for g in groups if g not in sch.fields})


def _owner_lines(line_name: str) -> tuple[str, str, str]:
    for owner in schemas.OBJECTS.values():
        if owner.lines is not None and owner.lines[1] == line_name:
            return owner.lines
    raise ConfigError(f"no Intacct object in the catalogue owns {line_name} lines")


def _record_columns(
    data: etree._Element, skip: _Skip, wanted: list[str] | None
) -> tuple[dict[str, list[Any]], int, bool]:
    """The page's raw columns, its record count, and True when no value is ABSENT."""
    records = [record for record in data if type(record.tag) is str]
    columns = _flat_columns(data, records, skip)
    if columns is None:
        rows: list[dict[str, _Raw]] = []
        for record in records:
            row: dict[str, _Raw] = {}
            _flatten(record, "", row, skip)
            rows.append(row)
        return _rows_to_columns(rows, wanted), len(records), False
    if wanted is not None:
        columns = {name: columns[name] for name in wanted if name in columns}
    return columns, len(records), True


def _flat_columns(
    data: etree._Element, records: list[etree._Element], skip: _Skip
) -> dict[str, list[_Raw]] | None:
    """Columns of a flat page whose records hold the same fields in the same order.

    One C-driven pass over ``data.iter()`` reads every text (element proxies are made and
    dropped one at a time, which is what keeps this fast) and every column is a slice.
    Proven before slicing: every record has exactly the first record's number of fields and
    no field nests (the element count is exact). Checked on a sample of records spread over
    the page: the field names and their order. ``query`` writes every record from the same
    select list, so the order cannot vary record to record; a missing, extra or nested
    field can, and sends the page down the general path. Returns ``None`` for that path.
    """
    if not records:
        return {}
    tags = [child.tag for child in records[0]]
    width = len(tags)
    if not width or len(set(tags)) != width or not all(type(t) is str for t in tags):
        return None
    if [len(record) for record in records].count(width) != len(records):
        return None
    stride = max(1, len(records) // _TAG_SAMPLES)
    for record in (*records[stride::stride], records[-1]):
        if [child.tag for child in record] != tags:
            return None
    texts = [element.text for element in data.iter()]
    if len(texts) != 1 + len(records) * (width + 1):  # data + records + fields: no nesting
        return None
    step = width + 1
    return {tag: texts[2 + i :: step] for i, tag in enumerate(tags) if tag not in skip.leaves}


def _flatten(element: etree._Element, prefix: str, row: dict[str, _Raw], skip: _Skip) -> None:
    """Leaf texts of ``element`` into ``row`` under dotted paths; the first value wins.

    A repeated element inside a record (a multi-value sub-collection other than the owned
    lines) keeps its first occurrence: a record is one row.
    """
    for child in element:
        tag = child.tag
        if type(tag) is not str:  # comments and processing instructions
            continue
        name = prefix + tag
        if len(child):
            if name not in skip.wrappers:
                _flatten(child, name + ".", row, skip)
        elif name not in row and name not in skip.leaves:
            row[name] = child.text


def _rows_to_columns(rows: list[dict[str, _Raw]], wanted: list[str] | None) -> dict[str, list[Any]]:
    names = wanted if wanted is not None else list(dict.fromkeys(k for r in rows for k in r))
    return {name: [row.get(name, ABSENT) for row in rows] for name in names}


@dataclass
class _Columns:
    """Raw column values gathered over pages; a field a page lacks is ABSENT there.

    ``absent`` names the columns that may hold ABSENT, so that the others are never
    scanned for it (a scan costs as much as converting a column).
    """

    wanted: list[str] | None
    values: dict[str, list[Any]] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)
    nrows: int = 0

    def add(self, columns: dict[str, list[Any]], nrows: int, *, complete: bool = True) -> None:
        """Append one page; ``complete=False`` when its columns may hold ABSENT."""
        for name, values in columns.items():
            column = self.values.get(name)
            if column is None:
                column = self.values[name] = [ABSENT] * self.nrows
                if self.nrows:
                    self.absent.add(name)
            column.extend(values)
            if not complete:
                self.absent.add(name)
        self.nrows += nrows
        for name, column in self.values.items():
            if len(column) < self.nrows:
                column.extend([ABSENT] * (self.nrows - len(column)))
                self.absent.add(name)

    def column(self, name: str) -> tuple[list[Any], bool]:
        """The values of ``name`` and whether any of them may be ABSENT."""
        found = self.values.get(name)
        if found is None:
            return [ABSENT] * self.nrows, True
        return found, name in self.absent


# --------------------------------------------------------------------------- typing


@dataclass
class _Context:
    """Where a column came from, for error messages, and the caches shared by its columns."""

    obj: str
    operation: str
    decimals: dict[Any, Decimal | None] = field(default_factory=lambda: {None: None, ABSENT: None})
    ints: dict[Any, int | None] = field(default_factory=lambda: {None: None, ABSENT: None})
    fieldname: str = ""
    kind: str = ""
    absent: bool = False

    def bad(self, value: object) -> MalformedResponseError:
        shown = repr(value if len(str(value)) <= _MAX_SHOWN else str(value)[:_MAX_SHOWN] + "…")
        return MalformedResponseError(
            f"Intacct sent {shown} in {self.obj}.{self.fieldname}, which is not a valid "
            f"{_EXPECTED[self.kind]}; the response is malformed.",
            operation=self.operation,
        )


_EXPECTED = {
    "money": "amount (plain decimal)",
    "qty": "quantity (plain decimal)",
    "int": "whole number",
    "date": "date (MM/DD/YYYY)",
    "datetime": "date and time (MM/DD/YYYY HH:MM:SS)",
    "bool": "boolean (true/false)",
    "status": "status (active/inactive)",
}


@dataclass(frozen=True)
class _Chunk:
    """Typed columns of consecutive rows."""

    arrays: dict[str, Any]
    nrows: int


def _typed_chunk(columns: _Columns, sch: ObjectSchema, ctx: _Context) -> _Chunk:
    names = columns.wanted if columns.wanted is not None else list(columns.values)
    arrays = {}
    for name in names:
        values, absent = columns.column(name)
        arrays[name] = _convert(sch, name, values, absent, ctx)
    return _Chunk(arrays, columns.nrows)


def _convert(sch: ObjectSchema, name: str, values: list[Any], absent: bool, ctx: _Context) -> Any:
    kind = sch.fields.get(name)
    ctx.fieldname, ctx.kind, ctx.absent = name, kind or "text", absent
    return _CONVERT[kind or "id"](values, ctx)


def _frame(
    chunks: list[_Chunk], sch: ObjectSchema, wanted: list[str] | None, ctx: _Context
) -> pd.DataFrame:
    """One DataFrame of the chunks; a column a chunk lacks is all-missing there."""
    if len(chunks) == 1:
        (only,) = chunks
        return pd.DataFrame(only.arrays, index=pd.RangeIndex(only.nrows), copy=False)
    names = (
        wanted if wanted is not None else list(dict.fromkeys(n for c in chunks for n in c.arrays))
    )
    data = {}
    for name in names:
        pieces = [
            c.arrays[name]
            if name in c.arrays
            else _convert(sch, name, [ABSENT] * c.nrows, True, ctx)
            for c in chunks
        ]
        data[name] = pd.concat([pd.Series(p, copy=False) for p in pieces], ignore_index=True)
    return pd.DataFrame(data, copy=False)


def _without_absent(values: list[Any], ctx: _Context) -> list[_Raw]:
    return [None if v is ABSENT else v for v in values] if ctx.absent else values


def _to_str(values: list[Any], ctx: _Context) -> Any:
    """id and unknown fields: an empty element is no value."""
    # Through an Arrow array: several times faster than pd.array(list) for the same result.
    arrow = pa.array(_without_absent(values, ctx), type=pa.large_string())
    return pd.array(arrow, dtype=STR_DTYPE)


def _to_text(values: list[Any], ctx: _Context) -> Any:
    """Free text: an empty element is the empty string, a missing element no value."""
    if ctx.absent:
        values = [None if v is ABSENT else ("" if v is None else v) for v in values]
        return pd.array(values, dtype=STR_DTYPE)
    return pd.array(pc.fill_null(pa.array(values, type=pa.large_string()), ""), dtype=STR_DTYPE)


def _parsed(
    values: list[Any],
    cache: dict[Any, Any],
    pattern: str,
    make: Callable[[str], Any],
    ctx: _Context,
) -> list[Any]:
    """``make`` of each value, parsed once per distinct string after one vectorised check.

    Amounts, hours and counts repeat a lot within a page, and across the money columns of
    one frame (the cache is shared).
    """
    new = list(set(values) - cache.keys())
    if new:
        checked = pc.match_substring_regex(pa.array(new, type=pa.string()), pattern)
        if not pc.all(checked).as_py():
            raise ctx.bad(next(v for v, ok in zip(new, checked.to_pylist(), strict=True) if not ok))
        cache.update(zip(new, map(make, new), strict=True))
    return list(map(cache.__getitem__, values))


def _to_decimal(values: list[Any], ctx: _Context) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = _parsed(values, ctx.decimals, _NUMBER, Decimal, ctx)
    return out


def _to_int(values: list[Any], ctx: _Context) -> Any:
    return pd.array(_parsed(values, ctx.ints, _INTEGER, int, ctx), dtype="Int64")


def _to_bool(values: list[Any], ctx: _Context) -> Any:
    table = dict(_BOOLS)
    for new in set(values) - table.keys():
        folded = new.lower()  # ``True``/``FALSE`` seen from some tools; the wire says true
        if folded not in table:
            raise ctx.bad(new)
        table[new] = table[folded]
    return pd.array(list(map(table.__getitem__, values)), dtype="boolean")


def _to_status(values: list[Any], ctx: _Context) -> Any:
    table = dict(_STATUS_CODES)
    for new in set(values) - table.keys():
        folded = new.lower()
        if folded not in table:
            raise ctx.bad(new)
        table[new] = table[folded]
    codes = np.fromiter(map(table.__getitem__, values), dtype=np.int8, count=len(values))
    return pd.Categorical.from_codes(codes, dtype=STATUS_DTYPE)


def _to_datetime(values: list[Any], ctx: _Context) -> np.ndarray:
    """Vectorised: check the wire shape, rewrite to ISO, let Arrow cast (range-checked)."""
    raw = _without_absent(values, ctx)
    # Work on the distinct strings only (dates repeat a lot), then spread them back.
    encoded = pa.array(raw, type=pa.string()).dictionary_encode()
    distinct = encoded.dictionary
    shape = _DATETIME_SHAPE if ctx.kind == "datetime" else _DATE_SHAPE
    if len(distinct) and pc.all(pc.match_substring_regex(distinct, shape)).as_py():
        iso = pc.replace_substring_regex(distinct, r"^(..)/(..)/(....)", _TO_ISO)
        try:
            stamps = pc.cast(iso, pa.timestamp("s"))
        except pa.ArrowInvalid:
            pass  # e.g. 02/30/2024: let the exact path name the value
        else:
            return stamps.take(encoded.indices).to_numpy(zero_copy_only=False)
    return _to_datetime_exact(raw, ctx)


def _to_datetime_exact(values: list[_Raw], ctx: _Context) -> np.ndarray:
    """The slow path: each distinct value through ``strptime`` (also takes ``1/5/2024``)."""
    formats = _DATE_FORMATS[ctx.kind]

    def make(text: str) -> np.datetime64:
        for fmt in formats:
            try:
                return np.datetime64(datetime.strptime(text, fmt), "s")
            except ValueError:
                continue
        raise ctx.bad(text)

    cache: dict[Any, np.datetime64] = {None: np.datetime64("NaT", "s")}
    for new in set(values) - cache.keys():
        cache[new] = make(new)
    return np.array(list(map(cache.__getitem__, values)), dtype="datetime64[s]")


_CONVERT: dict[str, Callable[[list[Any], _Context], Any]] = {
    "id": _to_str,
    "text": _to_text,
    "money": _to_decimal,
    "qty": _to_decimal,
    "int": _to_int,
    "date": _to_datetime,
    "datetime": _to_datetime,
    "bool": _to_bool,
    "status": _to_status,
}
