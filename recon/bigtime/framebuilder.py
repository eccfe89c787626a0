"""Many JSON array bodies of one resource -> one typed frame, typed in batches.

A pull of time sheets gets one body per staffer, over a while. Typing each body into its
own frame and concatenating pays every column's fixed cost once per body, and a frame per
body. :class:`FrameBuilder` takes the bodies as they come and decodes and types them
whenever its caller has time -- while waiting for the next answers -- the bodies gathered
so far in one go: the fixed costs are paid per batch, and little is left to do after the
last body.

>>> builder = FrameBuilder("time")
>>> for sid, body in sheets:                     # as they arrive, in order
...     builder.add(body, operation=f"GET /time/Sheet/{sid}")
...     if time_on_our_hands:
...         builder.flush()                      # decode and type what has come so far
>>> frame = builder.frame()

The frame is the one :func:`recon.bigtime.frames.json_to_frame` makes of each body,
concatenated (see :class:`FrameBuilder`); so are the errors.

Speed: a body whose records carry only the catalogue's own spellings -- what BigTime sends
-- is decoded by msgspec straight into rows of a struct made from the catalogue (about
twice as fast as into dicts, and no key matching afterwards). Any other body (other letter
case, unknown keys, not an array of objects, not bytes) takes the general path of
:func:`~recon.bigtime.frames.json_to_frame`, which also words its errors.
"""

from __future__ import annotations

from functools import cache
from operator import attrgetter
from typing import Any, cast

import msgspec
import numpy as np
import pandas as pd

from recon.bigtime.frames import json_to_frame, records_to_frame, typed_columns
from recon.bigtime.jsonbody import exact_decimal
from recon.bigtime.resources import RESOURCES, Resource
from recon.errors import ConfigError, MalformedResponseError

#: One batch typed: column name -> typed array (a fast-path batch), or a frame (a body that
#: took the general path, whose columns may differ).
_Part = dict[str, Any] | pd.DataFrame


class FrameBuilder:
    """Collects JSON array bodies of one resource into one typed frame.

    Three steps, each doing the ones before it: :meth:`add` queues a body (no work),
    :meth:`decode` decodes the queued bodies, :meth:`flush` types what was decoded;
    :meth:`frame` returns the result. A caller does the work whenever it has time.

    Parameters
    ----------
    resource:
        A name in :data:`recon.bigtime.resources.RESOURCES`, e.g. ``"time"``.

    Notes
    -----
    :meth:`frame` equals ``pd.concat([json_to_frame(resource, b, operation=op) for each
    body holding records], ignore_index=True)`` -- the empty typed frame of the resource
    when no body holds any -- and raises what the first wrong body (in the order added)
    makes ``json_to_frame`` raise, naming that body's ``operation``: a body that cannot be
    decoded raises from the step that decodes it, a value unfit for its field from the step
    that types it. After an error the builder is spent. Not thread-safe: one consumer.
    """

    def __init__(self, resource: str) -> None:
        res = RESOURCES.get(resource) if isinstance(resource, str) else None
        if res is None:
            known = ", ".join(RESOURCES)
            raise ConfigError(f"no BigTime resource {resource!r}; use one of: {known}")
        self._res = res
        self._decoder = _row_decoder(res.name)
        self._getters = [(f.name, attrgetter(f"f{i}")) for i, f in enumerate(res.fields)]
        self._queue: list[tuple[bytes | str, str]] = []  # (body, operation) not decoded yet
        self._rows: list[Any] = []  # decoded rows not yet typed, in order
        self._spans: list[tuple[str, int]] = []  # (operation, rows) per body among them
        self._parts: list[_Part] = []  # typed, in order

    @property
    def queued(self) -> int:
        """Bodies added but not decoded yet."""
        return len(self._queue)

    @property
    def pending(self) -> int:
        """Records decoded but not typed yet."""
        return len(self._rows)

    def add(self, body: bytes | str, *, operation: str = "") -> None:
        """Queue one body (a JSON array of records); nothing is decoded yet.

        Parameters
        ----------
        body:
            The response body.
        operation:
            The request it answered, e.g. ``"GET /time/Sheet/12"``, carried by errors.
        """
        self._queue.append((body, operation))

    def decode(self) -> int:
        """Decode the queued bodies, in order; their records wait to be typed.

        Returns
        -------
        int
            The number of records decoded.

        Raises
        ------
        MalformedResponseError
            As :func:`~recon.bigtime.frames.json_to_frame`, for the first wrong body.
        """
        queue, self._queue = self._queue, []
        count = 0
        for body, operation in queue:
            rows = _decode_rows(self._decoder, body)
            if rows is None:  # not BigTime's plain shape: typed alone, in its place in order
                self.flush()
                part = json_to_frame(self._res.name, body, operation=operation)
                if len(part):
                    self._parts.append(part)
                count += len(part)
            elif rows:
                self._rows.extend(rows)
                self._spans.append((operation, len(rows)))
                count += len(rows)
        return count

    def flush(self) -> None:
        """Decode what is queued and type every record not typed yet.

        Raises
        ------
        MalformedResponseError
            As :meth:`decode`; or a value unfit for its field, worded as ``json_to_frame``
            words it for the first body holding one.
        """
        self.decode()
        if not self._rows:
            return
        rows, spans = self._rows, self._spans
        self._rows, self._spans = [], []
        # One C-level pass per column; no tuple per row (25,000 tuples a pull would wake
        # the cyclic garbage collector dozens of times, now and then for a full sweep).
        columns = {name: list(map(get, rows)) for name, get in self._getters}
        try:
            part = typed_columns(self._res.name, columns, operation=spans[0][0])
        except MalformedResponseError as exc:
            batch_error = exc
        else:
            self._parts.append(part)
            return
        # Outside the handler: the body's own error must not chain the batch's (whose
        # operation names the batch's first body, not the wrong one).
        self._blame(columns, spans)
        raise batch_error

    def frame(self) -> pd.DataFrame:
        """Everything added, typed, in the order added, with a fresh ``RangeIndex``.

        Call it once, at the end: the frame holds the builder's own arrays (no copy).
        """
        self.flush()
        parts = self._parts
        if not parts:
            return records_to_frame(self._res.name, [])
        if any(isinstance(part, pd.DataFrame) for part in parts):
            return pd.concat(map(_as_frame, parts), ignore_index=True)
        # Column by column: cheaper than pd.concat of one frame per batch.
        batches = cast(list[dict[str, Any]], parts)
        columns = {name: _concat([part[name] for part in batches]) for name in batches[0]}
        size = len(next(iter(columns.values())))
        return pd.DataFrame(columns, index=pd.RangeIndex(size), copy=False)

    def _blame(self, columns: dict[str, list[Any]], spans: list[tuple[str, int]]) -> None:
        """Type the batch body by body: the first wrong one raises its own error."""
        start = 0
        for operation, size in spans:
            end = start + size
            part = {name: values[start:end] for name, values in columns.items()}
            typed_columns(self._res.name, part, operation=operation)
            start = end


def _as_frame(part: _Part) -> pd.DataFrame:
    if isinstance(part, pd.DataFrame):
        return part
    size = len(next(iter(part.values())))
    return pd.DataFrame(part, index=pd.RangeIndex(size), copy=False)


def _concat(arrays: list[Any]) -> Any:
    """Typed arrays of one column (all of one type and dtype) end to end."""
    if len(arrays) == 1:
        return arrays[0]
    if isinstance(arrays[0], np.ndarray):
        return np.concatenate(arrays)
    # pandas' ExtensionArray interface: how pd.concat joins str, boolean and Int64 arrays.
    return type(arrays[0])._concat_same_type(arrays)


@cache
def _row_decoder(resource: str) -> msgspec.json.Decoder[list[Any]]:
    """A decoder of a JSON array of records holding only the catalogue's spellings.

    Every field is ``Any`` (the frame's typing checks values, with its own messages) and
    defaults to None (absent = null, as in a frame); numbers with a fraction become
    Decimal from their own text (:data:`~recon.bigtime.jsonbody.exact_decimal`). Any
    other key fails the decode (``forbid_unknown_fields``): that body takes the general
    path. Attribute names are positional so that no field name needs to be an identifier.
    """
    res: Resource = RESOURCES[resource]
    row = msgspec.defstruct(
        f"{res.name.title()}Row",
        [(f"f{i}", Any, None) for i in range(len(res.fields))],
        rename={f"f{i}": f.name for i, f in enumerate(res.fields)},
        forbid_unknown_fields=True,
        gc=False,  # rows only hold decoded JSON values: they can be in no reference cycle
    )
    return msgspec.json.Decoder(list[row], float_hook=exact_decimal)  # type: ignore[valid-type]  # a class made at run time


def _decode_rows(decoder: msgspec.json.Decoder[list[Any]], body: bytes | str) -> list[Any] | None:
    """The body's rows, or None when it is not bytes of an array of plain records."""
    if isinstance(body, str):  # the general path handles text (and a byte-order mark)
        return None
    try:
        return decoder.decode(body)
    except (msgspec.DecodeError, RecursionError, ValueError):
        return None
