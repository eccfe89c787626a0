"""Key alignment: which rows of the two sides describe the same record.

Canonical frames come sorted by key, and keys of one entity usually share one length (entry
ids, customer ids): then each side's keys are viewed in place as fixed-width byte strings --
as big-endian integers when they fit in eight bytes -- and paired by a binary search of one
sorted side in the other, with duplicates found as equal neighbours. Otherwise one hash
probe of the Intacct keys into the BigTime keys (pyarrow ``index_in``) pairs the rows and a
probe of a side into itself finds its duplicates. Never a Python loop per row.

Rules: a key found more than once on a side is never paired (on either side) -- it is only
reported; a missing key (null) never pairs with anything, so its row is one-sided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recon.diff.result import duplicate_frame


def arrow_strings(series: pd.Series) -> pa.Array:
    """``series`` as one pyarrow ``large_string`` array (zero-copy for pandas' str dtype)."""
    if isinstance(series.dtype, pd.StringDtype | pd.ArrowDtype):
        arr = pa.array(series)
    else:  # object or anything else: convert (missing values -> null)
        arr = pa.array(series.to_numpy(dtype=object), from_pandas=True, type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    return arr


@dataclass(frozen=True)
class Alignment:
    """Row positions (0-based, into each side's frame) of the pairing.

    ``partner[i]`` is the BigTime row paired with Intacct row ``i``, -1 when row ``i`` is
    not paired; ``intacct_rows[j]`` and ``bigtime_rows[j]`` list the pairs in Intacct row
    order. ``only_intacct`` and ``only_bigtime`` are the one-sided rows; ``duplicates`` the
    (side, key, count) table.
    """

    partner: np.ndarray
    only_intacct: np.ndarray
    only_bigtime: np.ndarray
    duplicates: pd.DataFrame

    @property
    def intacct_rows(self) -> np.ndarray:
        return np.flatnonzero(self.partner >= 0)

    @property
    def bigtime_rows(self) -> np.ndarray:
        return self.partner[self.partner >= 0]

    @property
    def paired(self) -> int:
        """Number of pairs."""
        return int(np.count_nonzero(self.partner >= 0))


def _is_sorted(keys: pa.Array) -> bool:
    """Non-decreasing in byte order (enough for equal keys to be neighbours)."""
    if len(keys) < 2 or keys.null_count:
        return len(keys) < 2
    ordered = pc.less_equal(keys[:-1], keys[1:])
    return bool(pc.all(ordered).as_py())


def _common_width(keys: pa.Array) -> int | None:
    """The byte length all keys share, if they are sorted and none is null; else None."""
    if len(keys) == 0 or keys.null_count or not _is_sorted(keys):
        return None
    offsets = np.frombuffer(keys.buffers()[1], np.int64, len(keys) + 1, keys.offset * 8)
    width = int(offsets[1] - offsets[0])
    if width == 0 or not np.all(np.diff(offsets) == width):
        return None
    return width


def _sortable(keys: pa.Array, width: int) -> np.ndarray:
    """Keys of one byte length as a numpy array that sorts and compares like the strings.

    The UTF-8 data buffer is a packed ``S<width>`` array already (zero-copy; numpy compares
    bytes unsigned, as arrow does); keys of up to eight bytes become big-endian integers,
    zero-padded -- the same order and equality, and a much faster binary search.
    """
    start = int(np.frombuffer(keys.buffers()[1], np.int64, 1, keys.offset * 8)[0])
    packed = np.frombuffer(keys.buffers()[2], f"S{width}", len(keys), start)
    if width > 8:
        return packed
    padded = np.zeros((len(keys), 8), np.uint8)
    padded[:, :width] = packed.view(np.uint8).reshape(-1, width)
    return padded.view(">u8").ravel().astype(np.uint64)


def _mark_runs(same: np.ndarray) -> np.ndarray:
    """Rows in a run of equal neighbours, from ``same[i] = key[i + 1] == key[i]``."""
    dup = np.zeros(len(same) + 1, dtype=bool)
    dup[1:] |= same
    dup[:-1] |= same
    return dup


def _neighbours_equal(sorted_keys: np.ndarray) -> np.ndarray:
    return _mark_runs(sorted_keys[1:] == sorted_keys[:-1])


def _duplicated(keys: pa.Array) -> np.ndarray:
    """Mask of rows whose (non-null) key occurs more than once on this side."""
    n = len(keys)
    if n < 2:
        return np.zeros(n, dtype=bool)
    if _is_sorted(keys):
        same = pc.equal(keys[1:], keys[:-1]).to_numpy(zero_copy_only=False)
        return _mark_runs(same)
    first = _positions(keys, keys)
    later = (first >= 0) & (first != np.arange(n))
    dup = np.zeros(n, dtype=bool)
    dup[later] = True
    dup[first[later]] = True
    return dup


def _positions(keys: pa.Array, value_set: pa.Array) -> np.ndarray:
    """For each key, the position of its first occurrence in ``value_set``; -1 if absent."""
    found = pc.index_in(keys, value_set=value_set, skip_nulls=True)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def _partners(intacct: pa.Array, bigtime: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(partner of each Intacct row or -1, Intacct duplicate mask, BigTime duplicate mask)."""
    width = _common_width(intacct)
    if width is None or _common_width(bigtime) != width:
        return _positions(intacct, bigtime), _duplicated(intacct), _duplicated(bigtime)
    # Both sorted, one key width: a binary search finds each key's first occurrence.
    fixed_a, fixed_b = _sortable(intacct, width), _sortable(bigtime, width)
    first = np.searchsorted(fixed_b, fixed_a)
    inside = first < len(fixed_b)
    hit = np.zeros(len(fixed_a), dtype=bool)
    hit[inside] = fixed_b[first[inside]] == fixed_a[inside]
    return np.where(hit, first, -1), _neighbours_equal(fixed_a), _neighbours_equal(fixed_b)


def _duplicate_counts(
    side: str, keys: pa.Array, dup: np.ndarray
) -> tuple[list[str], list[Any], list[int]]:
    if not dup.any():
        return [], [], []
    counted = pc.value_counts(keys.filter(pa.array(dup)))
    values = counted.field("values").to_pylist()
    return [side] * len(values), values, counted.field("counts").to_pylist()


def align(intacct_keys: pa.Array, bigtime_keys: pa.Array) -> Alignment:
    """Pair the rows of two key arrays (see the module docstring for the rules)."""
    partner, dup_a, dup_b = _partners(intacct_keys, bigtime_keys)
    found = partner >= 0
    hit = partner[found]
    paired = found & ~dup_a
    paired[found] &= ~dup_b[hit]
    touched = np.zeros(len(bigtime_keys), dtype=bool)
    touched[hit] = True
    sides_a, keys_a, counts_a = _duplicate_counts("intacct", intacct_keys, dup_a)
    sides_b, keys_b, counts_b = _duplicate_counts("bigtime", bigtime_keys, dup_b)
    return Alignment(
        partner=np.where(paired, partner, -1),
        only_intacct=np.flatnonzero(~found & ~dup_a),
        only_bigtime=np.flatnonzero(~touched & ~dup_b),
        duplicates=duplicate_frame(sides_a + sides_b, keys_a + keys_b, counts_a + counts_b),
    )
