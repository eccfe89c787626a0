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

Speed: :mod:`recon.intacct.extract` turns each page into Arrow string columns, mostly
without holding the GIL (the client's threads fetch and parse the next pages meanwhile).
Typing works on the distinct strings of a column (amounts, dates and codes repeat a lot):
each is checked and converted once, then spread back with one vectorised ``take``. Rows are
typed in chunks while later pages of a pull are still arriving; the chunks are joined per
column at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recon.errors import ConfigError, MalformedResponseError
from recon.intacct import schema as schemas
from recon.intacct.extract import TEXT, Columns, Skip, page_columns, record_row, rows_to_columns
from recon.intacct.page import Page
from recon.intacct.schema import Kind, ObjectSchema

#: The dtype of id, text and unknown fields: pandas 3's ``str`` (Arrow-backed, NaN missing).
STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
#: STATUS stays the wire's words; fixed categories so frames of any pull concatenate cleanly.
STATUS_DTYPE = pd.CategoricalDtype(["active", "inactive"])

# Wire shapes (docs/specs/intacct-xml-api.md §2.3): zero-padded MM/DD/YYYY and
# MM/DD/YYYY HH:MM:SS, 24-hour. A datetime field sent as a plain date is midnight (transaction
# WHENCREATED is a date).
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
_INTEGER_RE = re.compile(r"[+-]?[0-9]+\Z")
_INT64 = (-(2**63), 2**63 - 1)
_BOOLS: dict[str, bool] = {"true": True, "false": False}
_STATUS_CODES: dict[str, int] = {"active": 0, "inactive": 1}
_NAT = np.datetime64("NaT", "s")
_MAX_SHOWN = 80  # characters of a bad value quoted in an error message
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
        columns.add(*page_columns(page, skip, wanted))
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

    ``read`` returns a header with its lines (docs/specs/intacct-xml-api.md §3.3), e.g. an
    ``ARINVOICE`` holding ``<ARINVOICEITEMS><ARINVOICEITEM>…``. The line's parent-key field
    (``RECORDKEY`` for ARINVOICEITEM, per the parent's schema) is set to the parent's ``RECORDNO``
    and comes first when ``fields`` is ``None``.

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
    rows: list[dict[str, str | None]] = []
    operation = ""
    for page in pages:
        operation = operation or page.function
        for record in page.records():
            box = record.find(wrapper) if type(record.tag) is str else None
            if box is None:
                continue
            recno = record.findtext("RECORDNO")
            for item in box:
                if item.tag == line_tag:
                    rows.append(record_row(item, skip, {parent_key: recno or None}))
    columns = _Columns(wanted)
    columns.add(rows_to_columns(rows, wanted), len(rows))
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


def _skipped_names(sch: ObjectSchema) -> Skip:
    groups = {name.rsplit(".", 1)[0] for name in sch.fields if "." in name}
    groups |= {g.split(".")[0] for g in groups}
    wrappers = frozenset([sch.lines[0]] if sch.lines is not None else [])
    return Skip(wrappers, wrappers | {g for g in groups if g not in sch.fields})


def _owner_lines(line_name: str) -> tuple[str, str, str]:
    for owner in schemas.OBJECTS.values():
        if owner.lines is not None and owner.lines[1] == line_name:
            return owner.lines
    raise ConfigError(f"no Intacct object in the catalogue owns {line_name} lines")


@dataclass
class _Columns:
    """Raw columns gathered over pages, as pieces; a field a page lacks is null there."""

    wanted: list[str] | None
    pieces: dict[str, list[pa.Array]] = field(default_factory=dict)
    nrows: int = 0

    def add(self, columns: Columns, nrows: int) -> None:
        """Append one page's columns (each ``nrows`` long)."""
        for name, values in columns.items():
            pieces = self.pieces.get(name)
            if pieces is None:
                pieces = self.pieces[name] = [pa.nulls(self.nrows, TEXT)] if self.nrows else []
            pieces.append(values)
        for name, pieces in self.pieces.items():
            if name not in columns and nrows:
                pieces.append(pa.nulls(nrows, TEXT))
        self.nrows += nrows

    def names(self) -> list[str]:
        return self.wanted if self.wanted is not None else list(self.pieces)

    def column(self, name: str) -> pa.Array:
        pieces = self.pieces.get(name)
        if not pieces:
            return pa.nulls(self.nrows, TEXT)
        return pieces[0] if len(pieces) == 1 else pa.concat_arrays(pieces)


# --------------------------------------------------------------------------- typing


@dataclass
class _Context:
    """Where a column came from, for error messages."""

    obj: str
    operation: str
    fieldname: str = ""
    kind: str = ""

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
    """Typed columns of consecutive rows, in each kind's joinable form (see ``_KINDS``)."""

    parts: dict[str, Any]
    nrows: int


def _typed_chunk(columns: _Columns, sch: ObjectSchema, ctx: _Context) -> _Chunk:
    parts = {name: _convert(sch, name, columns.column(name), ctx) for name in columns.names()}
    return _Chunk(parts, columns.nrows)


def _convert(sch: ObjectSchema, name: str, values: pa.Array, ctx: _Context) -> Any:
    kind = sch.fields.get(name)
    ctx.fieldname, ctx.kind = name, kind or "text"
    return _KINDS[kind or "id"][0](values, ctx)


def _frame(
    chunks: list[_Chunk], sch: ObjectSchema, wanted: list[str] | None, ctx: _Context
) -> pd.DataFrame:
    """One DataFrame of the chunks; a column a chunk lacks is all-missing there."""
    names = (
        wanted if wanted is not None else list(dict.fromkeys(n for c in chunks for n in c.parts))
    )
    data = {}
    for name in names:
        parts = [
            c.parts[name] if name in c.parts else _convert(sch, name, pa.nulls(c.nrows, TEXT), ctx)
            for c in chunks
        ]
        data[name] = _KINDS[sch.fields.get(name) or "id"][1](parts)
    nrows = sum(c.nrows for c in chunks)
    return pd.DataFrame(data, index=pd.RangeIndex(nrows), copy=False)


def _distinct(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The distinct non-null strings of ``values`` (in order of first appearance) and, per
    row, the index of its string; a null row gets the index ``len(distinct)``."""
    encoded = values.dictionary_encode()
    distinct = encoded.dictionary
    index = encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)
    return distinct, index


def _check(distinct: pa.Array, pattern: str, ctx: _Context) -> None:
    """Raise for the first distinct string that is neither empty nor matches ``pattern``."""
    ok = pc.or_(pc.equal(distinct, ""), pc.match_substring_regex(distinct, pattern))
    if not pc.all(ok, min_count=0).as_py():
        raise ctx.bad(distinct.filter(pc.invert(ok))[0].as_py())


def _lookup(distinct: pa.Array, make: Callable[[str], Any], missing: Any) -> list[Any]:
    """``make`` of each distinct string (``missing`` for ``""``), then ``missing`` (nulls)."""
    return [missing if text == "" else make(text) for text in distinct.to_pylist()] + [missing]


def _to_str(values: pa.Array, ctx: _Context) -> pa.Array:
    """id and unknown fields: an empty element is no value."""
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, TEXT), values)


def _to_text(values: pa.Array, ctx: _Context) -> pa.Array:
    """Free text: an empty element is the empty string, a missing element no value."""
    return values


def _join_str(parts: list[pa.Array]) -> Any:
    # A chunked array: the chunks become the column as they are, nothing is copied.
    return pd.array(pa.chunked_array(parts, type=TEXT), dtype=STR_DTYPE)


def _to_decimal(values: pa.Array, ctx: _Context) -> np.ndarray:
    distinct, index = _distinct(values)
    _check(distinct, _NUMBER, ctx)
    table = np.empty(len(distinct) + 1, dtype=object)
    table[:] = _lookup(distinct, Decimal, None)
    return table[index]


def _join_numpy(parts: list[np.ndarray]) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _masked(values: pa.Array, make: Callable[[str], Any]) -> tuple[np.ndarray, np.ndarray]:
    """(values, mask) of a column whose distinct strings ``make`` turns into Python values;
    ``make`` raises for a string that does not fit."""
    distinct, index = _distinct(values)
    table = _lookup(distinct, make, None)
    mask = np.array([v is None for v in table], dtype=bool)
    return np.array([0 if v is None else v for v in table])[index], mask[index]


def _to_int(values: pa.Array, ctx: _Context) -> tuple[np.ndarray, np.ndarray]:
    def make(text: str) -> int:
        if not _INTEGER_RE.match(text):
            raise ctx.bad(text)
        number = int(text)
        if not _INT64[0] <= number <= _INT64[1]:
            raise ctx.bad(text)
        return number

    data, mask = _masked(values, make)
    return data.astype(np.int64), mask


def _join_int(parts: list[tuple[np.ndarray, np.ndarray]]) -> Any:
    data, mask = (np.concatenate(p) for p in zip(*parts, strict=True))
    return pd.arrays.IntegerArray(data, mask)


def _to_bool(values: pa.Array, ctx: _Context) -> tuple[np.ndarray, np.ndarray]:
    def make(text: str) -> bool:
        # ``True``/``FALSE`` seen from some tools; the wire says true
        found = _BOOLS.get(text, _BOOLS.get(text.lower()))
        if found is None:
            raise ctx.bad(text)
        return found

    data, mask = _masked(values, make)
    return data.astype(bool), mask


def _join_bool(parts: list[tuple[np.ndarray, np.ndarray]]) -> Any:
    data, mask = (np.concatenate(p) for p in zip(*parts, strict=True))
    return pd.arrays.BooleanArray(data, mask)


def _to_status(values: pa.Array, ctx: _Context) -> np.ndarray:
    def make(text: str) -> int:
        code = _STATUS_CODES.get(text, _STATUS_CODES.get(text.lower()))
        if code is None:
            raise ctx.bad(text)
        return code

    distinct, index = _distinct(values)
    return np.array(_lookup(distinct, make, -1), dtype=np.int8)[index]


def _join_status(parts: list[np.ndarray]) -> Any:
    return pd.Categorical.from_codes(_join_numpy(parts), dtype=STATUS_DTYPE)


def _to_datetime(values: pa.Array, ctx: _Context) -> np.ndarray:
    """Vectorised over the distinct strings: check the wire shape, rewrite to ISO, let
    Arrow cast (range-checked); anything else goes through ``strptime`` to be named."""
    distinct, index = _distinct(values)
    shape = _DATETIME_SHAPE if ctx.kind == "datetime" else _DATE_SHAPE
    filled = pc.not_equal(distinct, "")
    if pc.all(
        pc.or_(pc.invert(filled), pc.match_substring_regex(distinct, shape)), min_count=0
    ).as_py():
        iso = pc.replace_substring_regex(distinct, r"^(..)/(..)/(....)", _TO_ISO)
        try:
            stamps = pc.cast(pc.if_else(filled, iso, pa.scalar(None, TEXT)), pa.timestamp("s"))
        except pa.ArrowInvalid:
            pass  # e.g. 02/30/2024: let the exact path name the value
        else:
            table = np.append(stamps.to_numpy(zero_copy_only=False), _NAT)
            return table.astype("datetime64[s]")[index]
    return np.array(_lookup(distinct, _strptime(ctx), _NAT), dtype="datetime64[s]")[index]


def _strptime(ctx: _Context) -> Callable[[str], np.datetime64]:
    """The slow path, one distinct value at a time (also takes ``1/5/2024``)."""
    formats = _DATE_FORMATS[ctx.kind]

    def make(text: str) -> np.datetime64:
        for fmt in formats:
            try:
                return np.datetime64(datetime.strptime(text, fmt), "s")
            except ValueError:
                continue
        raise ctx.bad(text)

    return make


#: Per kind: (typed form of one chunk's column, joining those forms into the frame's column).
_KINDS: dict[str, tuple[Callable[[pa.Array, _Context], Any], Callable[[list[Any]], Any]]] = {
    "id": (_to_str, _join_str),
    "text": (_to_text, _join_str),
    "money": (_to_decimal, _join_numpy),
    "qty": (_to_decimal, _join_numpy),
    "int": (_to_int, _join_int),
    "date": (_to_datetime, _join_numpy),
    "datetime": (_to_datetime, _join_numpy),
    "bool": (_to_bool, _join_bool),
    "status": (_to_status, _join_status),
}
