"""BigTime JSON records -> typed pandas DataFrames (the hot path of every BigTime pull).

BigTime answers with bare JSON arrays of objects (contract "Wire rules"). A frame has one
column per field of the resource in :mod:`recon.bigtime.resources` order -- Basic-view
records simply hold no value in the Detailed-only columns -- then one column per key the
catalogue does not know, in order of first appearance. Keys are matched case-insensitively
(docs/specs/bigtime-rest-api.md §1: "none of the fields are case sensitive"); a column is named by
the catalogue's spelling, an unknown one by the first spelling received.

Column types, by the field kind, and what a missing value (JSON ``null`` or no key) is:

- ``sid``, ``ref``: ids as pandas 3 ``str`` (``"123"``, Arrow-backed); NaN. An empty
  string is no id either, nor is a ``ref`` of 0 (:data:`recon.bigtime.uncertain.UNSET_REF`:
  BigTime sends an unclassified project's ``TypeId`` as 0, docs/specs/bigtime-evidence.md §2.4).
- ``text``: ``str``; NaN (``""`` stays ``""``). A JSON number in a text field keeps its
  text (``ClientId`` may be numeric in some firms).
- ``int``: ``Int64``; ``pd.NA``.
- ``money``, ``hours``: ``object`` holding :class:`~decimal.Decimal` made from the JSON
  number's own text (``1250.50`` stays ``Decimal("1250.50")``), never through float;
  ``None``.
- ``date``: ``datetime64[s]`` at midnight; NaT. Both ``2025-01-31`` and the ASP.NET form
  ``2025-01-31T00:00:00`` are accepted (a time part is dropped: the field is a date).
- ``datetime``: ``datetime64[s]``, naive; NaT. Fractions of a second are truncated.
- ``bool``: ``boolean``; ``pd.NA``.
- ``list``: ``object`` holding the Python lists (``UdfList``, ``Lines``); ``None``.
- unknown keys: ``str`` when every value is a string, else ``object`` as received.

A value unfit for its kind (a float in a money column, ``"2025-02-30"`` in a date, a list in
a text field) raises :class:`recon.errors.MalformedResponseError` naming the resource, the
field and the value. Floats are refused rather than converted: one means the JSON was
decoded without ``parse_float=Decimal`` and the amount may already be off.

Speed: columns, not rows. Each column is gathered with one comprehension over the records
and converted once; numbers are Decimal straight out of the JSON decoder, so only integer
literals (``7`` hours) need ``Decimal()``; dates are parsed once per distinct string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any, NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recon.bigtime import uncertain
from recon.bigtime.jsonbody import decode_records
from recon.bigtime.jsonbody import json_type as _json_type
from recon.bigtime.jsonbody import malformed as _malformed
from recon.bigtime.resources import RESOURCES, Resource
from recon.errors import ConfigError

#: The dtype of id, text and all-string unknown columns: pandas 3's ``str`` (Arrow, NaN).
STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)

_NONE = type(None)
_MAX_SHOWN = 80  # characters of a bad value quoted in an error message
# Plain decimals for amounts sent as strings: no exponent, NaN, Infinity, "1_000", spaces.
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_INTEGER = re.compile(r"[+-]?[0-9]+")
# ISO date, optionally with the ASP.NET time part and a .NET fraction (7 digits at most).
_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?)?")
_BOOLS: dict[Any, bool | None] = {True: True, False: False, None: None}
_NAT = np.datetime64("NaT", "s")
#: Distinct date/time texts whose parse is remembered (a few MB at most).
_STAMP_CACHE_SIZE = 65536
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


# --------------------------------------------------------------------------- public API


def json_to_frame(resource: str, body: bytes | str, *, operation: str = "") -> pd.DataFrame:
    """Decode a JSON array body straight to a typed frame (the time-sheet fast path).

    Same columns and types as :func:`records_to_frame`; see the module docstring.

    Raises
    ------
    MalformedResponseError
        Not JSON, not an array, an element not an object, a value unfit for its field.
    ConfigError
        ``resource`` is not in the catalogue.
    """
    res = _resource(resource)
    return records_to_frame(
        res.name, decode_records(res.name, body, operation=operation), operation=operation
    )


def records_to_frame(
    resource: str, records: Sequence[dict[str, Any]], *, operation: str = ""
) -> pd.DataFrame:
    """Turn decoded records of one resource into one typed DataFrame.

    Parameters
    ----------
    resource:
        A name in :data:`recon.bigtime.resources.RESOURCES`, e.g. ``"project"``.
    records:
        JSON objects as decoded with ``parse_float=Decimal`` (what ``BigTimeClient``
        returns); keys in any letter case.
    operation:
        The request the records came from, carried by errors.

    Returns
    -------
    pandas.DataFrame
        One row per record, a fresh ``RangeIndex``; the resource's fields in catalogue
        order, then unknown keys; dtypes as in the module docstring.

    Raises
    ------
    MalformedResponseError
        A record is not an object, two spellings of one field disagree in a record, or a
        value does not fit its field's kind.
    ConfigError
        ``resource`` is not in the catalogue.
    """
    res = _resource(resource)
    for i, record in enumerate(records):
        if type(record) is not dict:
            _malformed(
                f"record {i} of BigTime's {res.name} response is a JSON "
                f"{_json_type(record)}, not an object",
                operation,
            )
    return _typed_frame(res, _gather(res, records, operation), len(records), operation)


def typed_columns(
    resource: str, columns: Mapping[str, Sequence[Any]], *, operation: str = ""
) -> dict[str, Any]:
    """Raw column values (as decoded from JSON) typed as :func:`records_to_frame` types them.

    The columnar twin of :func:`records_to_frame`, for callers that decoded records straight
    into columns (:class:`recon.bigtime.framebuilder.FrameBuilder`): ``pd.DataFrame(result)``
    is the frame ``records_to_frame`` makes of the same records.

    Parameters
    ----------
    resource:
        A name in :data:`recon.bigtime.resources.RESOURCES`.
    columns:
        Field name (the catalogue's exact spelling) -> that field's values, one per record,
        all of one length. A catalogue field left out is missing in every record; any other
        name is an unknown column.
    operation:
        The request the values came from, carried by errors.

    Returns
    -------
    dict[str, array]
        Column name -> typed array (dtypes as in the module docstring): the catalogue's
        fields in its order, then the unknown columns in the mapping's order.

    Raises
    ------
    MalformedResponseError
        A value does not fit its field's kind.
    ConfigError
        ``resource`` is not in the catalogue, or the columns differ in length.
    """
    res = _resource(resource)
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ConfigError(f"typed_columns: columns of different lengths {sorted(lengths)}")
    size = lengths.pop() if lengths else 0
    kinds = {f.name: f.kind for f in res.fields}
    raw: dict[str, tuple[str, list[Any]]] = {
        name: (kind, _as_list(columns.get(name, [None] * size))) for name, kind in kinds.items()
    }
    for name, values in columns.items():
        if name not in kinds:
            raw[name] = ("unknown", _as_list(values))
    return _typed_arrays(res, raw, operation)


def _as_list(values: Sequence[Any]) -> list[Any]:
    return values if type(values) is list else list(values)  # converters never mutate it


def _typed_frame(
    res: Resource, raw: Mapping[str, tuple[str, list[Any]]], size: int, operation: str
) -> pd.DataFrame:
    """Each raw column converted by its kind, in ``raw``'s order, into one frame."""
    return pd.DataFrame(_typed_arrays(res, raw, operation), index=pd.RangeIndex(size), copy=False)


def _typed_arrays(
    res: Resource, raw: Mapping[str, tuple[str, list[Any]]], operation: str
) -> dict[str, Any]:
    return {
        name: _CONVERT[kind](values, _Context(res.name, name, kind, operation))
        for name, (kind, values) in raw.items()
    }


def id_array(values: Sequence[Any]) -> Any:
    """Ids (``int``/``str``/``None``) as a ``str`` array, as in a ``sid``/``ref`` column."""
    return _to_id(list(values), _Context("id", "id", "sid", ""))


def flatten_udfs(
    frame: pd.DataFrame,
    column: str = "UdfList",
    prefix: str = "Udf.",
    *,
    names: Sequence[str] = (),
    keep: bool = False,
) -> pd.DataFrame:
    """One ``str`` column per custom field (``Udf.PO Number`` ...) from a ``UdfList`` column.

    Parameters
    ----------
    frame:
        A project or staff frame holding ``column`` (lists of ``{Sid, Name, Value}``
        objects, keys in any case; ``None`` for a record without custom fields).
    column:
        The list column.
    prefix:
        Put before each custom field's name to make the column name.
    names:
        Custom fields that get a column even when no record holds them (the firm's known
        fields, e.g. :data:`recon.bigtime.uncertain.UDF_PO_NUMBER`), first, in this order.
        Others follow in order of first appearance.
    keep:
        Keep ``column`` itself (dropped by default: the new columns replace it).

    Returns
    -------
    pandas.DataFrame
        A new frame; values are the custom fields' texts (numbers keep their JSON text,
        booleans are ``"true"``/``"false"``), NaN where a record lacks the field. A frame
        without ``column`` comes back with only the ``names`` columns added.

    Raises
    ------
    MalformedResponseError
        An item is not an object or has no ``Name``.
    ConfigError
        A new column's name is already a column of ``frame``.
    """
    lists = frame[column].tolist() if column in frame.columns else [None] * len(frame)
    rows = [_udf_row(items, column) for items in lists]
    order = dict.fromkeys(names)
    for row in rows:
        order.update(dict.fromkeys(row))
    base = frame.drop(columns=[column]) if column in frame.columns and not keep else frame
    new = {prefix + name: pd.array([r.get(name) for r in rows], dtype=STR_DTYPE) for name in order}
    clash = sorted(set(new) & set(base.columns))
    if clash:
        raise ConfigError(f"flatten_udfs would overwrite columns {clash}; use another prefix")
    if not new:
        return base.copy(deep=False)
    return pd.concat([base, pd.DataFrame(new, index=frame.index)], axis=1)


# --------------------------------------------------------------------------- gathering


def _resource(name: str) -> Resource:
    found = RESOURCES.get(name) if isinstance(name, str) else None
    if found is None:
        raise ConfigError(f"no BigTime resource {name!r}; use one of: {', '.join(RESOURCES)}")
    return found


def _gather(
    res: Resource, records: Sequence[dict[str, Any]], operation: str
) -> dict[str, tuple[str, list[Any]]]:
    """Raw values per output column: catalogue fields in order, then unknown keys."""
    uniform = _uniform_columns(records)
    received = uniform if uniform is not None else dict.fromkeys(chain.from_iterable(records))
    spellings: dict[str, list[str]] = {f.name: [] for f in res.fields}
    unknown: dict[str, str] = {}  # lower-case key -> column name (first spelling seen)
    for key in received:
        if type(key) is not str:
            _malformed(f"BigTime's {res.name} record has a non-text key {key!r}", operation)
        name = res.canonical(key) or unknown.setdefault(key.lower(), key)
        spellings.setdefault(name, []).append(key)
    kinds = {f.name: f.kind for f in res.fields}
    out: dict[str, tuple[str, list[Any]]] = {}
    for name, keys in spellings.items():
        kind = kinds.get(name, "unknown")
        if not keys:
            out[name] = (kind, [None] * len(records))
        elif len(keys) > 1:
            out[name] = (kind, _merged(records, keys, _Context(res.name, name, kind, operation)))
        elif uniform is not None:
            out[name] = (kind, uniform[keys[0]])
        else:
            key = keys[0]
            out[name] = (kind, [r.get(key) for r in records])
    return out


def _uniform_columns(records: Sequence[dict[str, Any]]) -> dict[Any, list[Any]] | None:
    """Every column in one C-level transpose, when each record has the first one's keys.

    The usual case (one endpoint, one serializer): equal sizes plus every record holding
    each of the first record's keys prove the key sets equal. ``None`` when they differ.
    """
    if not records:
        return {}
    keys = list(records[0])
    width = len(keys)
    if width < 2 or set(map(len, records)) != {width}:  # itemgetter of 1 key is no tuple
        return None
    try:
        rows = list(map(itemgetter(*keys), records))
    except KeyError:
        return None
    return dict(zip(keys, map(list, zip(*rows, strict=True)), strict=True))


def _merged(records: Sequence[dict[str, Any]], keys: list[str], ctx: _Context) -> list[Any]:
    """One field spelt several ways across records (``StaffSID``/``StaffSid``,
    docs/specs/bigtime-rest-api.md §4.3)."""
    out = []
    for record in records:
        found = [record[k] for k in keys if k in record]
        if any(v != found[0] for v in found[1:]):
            _malformed(
                f"a BigTime {ctx.resource} record holds {ctx.field} twice, spelt "
                f"{[k for k in keys if k in record]}, with different values",
                ctx.operation,
            )
        out.append(found[0] if found else None)
    return out


def _udf_row(items: Any, column: str) -> dict[str, str | None]:
    if items is None or items is pd.NA or (isinstance(items, float) and items != items):
        return {}
    if not isinstance(items, list):
        _malformed(f"BigTime's {column} holds a {_json_type(items)}, not an array", "")
    row: dict[str, str | None] = {}
    for item in items:
        if type(item) is not dict:
            _malformed(f"a {column} item is a {_json_type(item)}, not an object", "")
        folded = {str(k).lower(): v for k, v in item.items()}
        name = folded.get("name")
        if not isinstance(name, str) or not name:
            _malformed(f"a {column} item has no Name", "")
        row.setdefault(name, _udf_text(folded.get("value"), column))
    return row


def _udf_text(value: Any, column: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"  # the JSON spelling
    if isinstance(value, int | Decimal):
        return str(value)
    _malformed(f"a {column} Value is a {_json_type(value)}, not text", "")


# --------------------------------------------------------------------------- typing


@dataclass
class _Context:
    """Where a column came from, for error messages."""

    resource: str
    field: str
    kind: str
    operation: str

    def bad(self, value: object) -> NoReturn:
        text = repr(value)
        shown = text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"
        _malformed(
            f"BigTime sent {shown} in {self.resource}.{self.field}, which is not a valid "
            f"{_EXPECTED[self.kind]}; the response is malformed",
            self.operation,
        )


_EXPECTED = {
    "sid": "id (whole number or text)",
    "ref": "id (whole number or text)",
    "text": "text",
    "int": "whole number",
    "money": "amount (JSON number, decoded as Decimal)",
    "hours": "number of hours (JSON number, decoded as Decimal)",
    "date": "date (YYYY-MM-DD)",
    "datetime": "date and time (YYYY-MM-DDTHH:MM:SS)",
    "bool": "boolean (true/false)",
    "list": "array",
    "unknown": "value",
}


def _only(values: list[Any], allowed: set[type]) -> bool:
    """True when every value's type is allowed (one cheap pass over the column)."""
    return set(map(type, values)) <= allowed


def _require(values: list[Any], allowed: set[type], ctx: _Context) -> None:
    """Raise for the first value whose type is not allowed."""
    wrong = set(map(type, values)) - allowed
    if wrong:
        ctx.bad(next(v for v in values if type(v) in wrong))


def _to_id(values: list[Any], ctx: _Context) -> Any:
    types = set(map(type, values))
    unset = uncertain.UNSET_REF if ctx.kind == "ref" else None
    if types <= {int, _NONE}:
        try:  # Arrow's cast is vectorised: the common case, integer ids
            ints = pa.array(values, type=pa.int64())
            if unset is not None:
                ints = pc.if_else(pc.equal(ints, unset), pa.scalar(None, pa.int64()), ints)
            arrow = pc.cast(ints, pa.large_string())
        except (OverflowError, pa.ArrowException):
            arrow = pa.array([_id_text(v, unset) for v in values], pa.large_string())
        return _str_array(arrow)
    _require(values, {int, str, _NONE}, ctx)
    # Some picklists send Id as a string (docs/specs/bigtime-rest-api.md §4.10,
    # docs/specs/bigtime-evidence.md §2.11); "" is no id.
    texts = [_id_text(v, unset) for v in values]
    return _str_array(pa.array(texts, type=pa.large_string()))


def _id_text(value: Any, unset: int | None) -> str | None:
    if value is None or value == "" or (unset is not None and value in (unset, str(unset))):
        return None
    return str(value)


def _str_array(arrow: pa.Array) -> Any:
    """A ``large_string`` Arrow array as a ``str`` column, wrapped as is (``pd.array`` would
    cast it to its own type again: a fixed cost per column and batch)."""
    return pd.arrays.ArrowStringArray(arrow, dtype=STR_DTYPE)  # type: ignore[call-arg]  # pandas-stubs lack pandas 3's dtype=


def _to_text(values: list[Any], ctx: _Context) -> Any:
    if not _only(values, {str, _NONE}):
        _require(values, {str, _NONE, int, Decimal}, ctx)
        values = [v if v is None or type(v) is str else str(v) for v in values]
    return _str_array(pa.array(values, type=pa.large_string()))


def _to_int(values: list[Any], ctx: _Context) -> Any:
    if not _only(values, {int, _NONE}):
        _require(values, {int, str, _NONE}, ctx)
        values = [_parse_int(v, ctx) if type(v) is str else v for v in values]
    huge = [v for v in values if v is not None and not _INT64_MIN <= v <= _INT64_MAX]
    if huge:
        ctx.bad(huge[0])
    return pd.array(values, dtype="Int64")


def _parse_int(text: str, ctx: _Context) -> int:
    if not _INTEGER.fullmatch(text):
        ctx.bad(text)
    return int(text)


def _to_decimal(values: list[Any], ctx: _Context) -> np.ndarray:
    types = set(map(type, values))
    if not types <= {Decimal, _NONE}:
        # A float means the JSON was decoded without parse_float=Decimal: refused, as is a
        # bool. JSON integer literals (``7`` hours) arrive as int: the one conversion left.
        _require(values, {Decimal, int, str, _NONE}, ctx)
        if str in types:
            values = [_make_decimal(v, ctx) if type(v) is str else v for v in values]
        values = [Decimal(v) if type(v) is int else v for v in values]
    if not _all_finite(values):  # Decimal("NaN") handed to records_to_frame
        ctx.bad(next(v for v in values if v is not None and not v.is_finite()))
    return np.fromiter(values, dtype=object, count=len(values))


def _all_finite(values: list[Decimal | None]) -> bool:
    """One C-level pass instead of a Python loop (zeros and None skipped: both are fine)."""
    return all(map(Decimal.is_finite, filter(None, values)))


def _make_decimal(value: str, ctx: _Context) -> Decimal:
    if not _NUMBER.fullmatch(value):
        ctx.bad(value)
    return Decimal(value)


def _to_stamp(values: list[Any], ctx: _Context) -> np.ndarray:
    _require(values, {str, _NONE}, ctx)
    date_only = ctx.kind == "date"
    cache: dict[str | None, np.datetime64] = {None: _NAT}
    for text in set(values) - cache.keys():  # dates repeat a lot: look each string up once
        stamp = _parse_stamp(text, date_only)
        if stamp is None:
            ctx.bad(text)  # e.g. 2025-02-30, 2025-01-31T25:00:00, 31/01/2025
        cache[text] = stamp
    return np.fromiter(map(cache.__getitem__, values), dtype="datetime64[s]", count=len(values))


@lru_cache(maxsize=_STAMP_CACHE_SIZE)
def _parse_stamp(text: str, date_only: bool) -> np.datetime64 | None:
    """``text`` as a timestamp, or None when it is not one (cached: a year of time sheets
    holds the same ~250 dates in every sheet, and every pull asks again)."""
    if not _STAMP.fullmatch(text):
        return None
    try:
        stamp = np.datetime64(text, "s")  # truncates a fraction of a second
    except ValueError:
        return None
    if date_only:  # BigTime writes dates as midnight timestamps; keep the day
        stamp = stamp.astype("datetime64[D]").astype("datetime64[s]")
    return stamp


def _to_bool(values: list[Any], ctx: _Context) -> Any:
    if not _only(values, {bool, _NONE}):
        _require(values, {bool, str, _NONE}, ctx)
        table = dict(_BOOLS)
        for text in {v for v in values if type(v) is str}:
            folded = text.lower()  # "True" from some tools; the wire says true
            if folded not in ("true", "false"):
                ctx.bad(text)
            table[text] = folded == "true"
        values = list(map(table.__getitem__, values))
    # Through Arrow: the list is read in C, several times faster than pd.array(list).
    arrow = pa.array(values, type=pa.bool_())
    return pd.arrays.BooleanArray(
        arrow.fill_null(False).to_numpy(zero_copy_only=False),
        arrow.is_null().to_numpy(zero_copy_only=False),
    )


def _to_list(values: list[Any], ctx: _Context) -> np.ndarray:
    _require(values, {list, _NONE}, ctx)
    return np.fromiter(values, dtype=object, count=len(values))


def _to_unknown(values: list[Any], ctx: _Context) -> Any:
    if _only(values, {str, _NONE}):
        return _str_array(pa.array(values, type=pa.large_string()))
    return np.fromiter(values, dtype=object, count=len(values))


_CONVERT: dict[str, Callable[[list[Any], _Context], Any]] = {
    "sid": _to_id,
    "ref": _to_id,
    "text": _to_text,
    "int": _to_int,
    "money": _to_decimal,
    "hours": _to_decimal,
    "date": _to_stamp,
    "datetime": _to_stamp,
    "bool": _to_bool,
    "list": _to_list,
    "unknown": _to_unknown,
}
