"""Field texts of a parsed ``<data>`` element, as Arrow string columns (the hot path of a pull).

A raw column is a ``large_string`` Arrow array with one value per record: ``""`` for an
empty field element (lxml's ``text`` is ``None`` then, never ``""``), null where the record
has no such element at all. :mod:`recon.intacct.frames` types the columns.

Every page is the ``<data>`` element the hardened parser (:mod:`recon.intacct.xmlsafe`)
made; there are two paths from it to columns:

- **flat** -- a ``query`` page: every record holds the same fields in the same order and no
  field nests. One pass over the tree reads every text into one list, which becomes one
  Arrow array; every column is then a strided ``take`` (Arrow's kernels run without the
  GIL, which the client's threads fetching and parsing the next pages need).
- **general** -- nested (``readByQuery``, ``read``) or irregular pages: one dict per record,
  dotted names for nested groups, matched by name.

The flat path is taken only when it is proven to give what the general path gives: every
record has exactly the first record's number of children, the element count of the page is
exact (so no field nests), and the field names and their order are compared with the first
record's on a sample of records spread over the page (``query`` writes every record from
one select list, so the order cannot vary record to record; a missing, extra or nested
field can, and is caught by the counts).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from recon.intacct.page import Page

#: The Arrow type of every raw column.
TEXT = pa.large_string()
_TAG_SAMPLES = 32  # records per page whose field names are compared with the first one's

Columns = dict[str, pa.Array]


@dataclass(frozen=True)
class Skip:
    """Element paths that never become columns.

    ``wrappers``: owned line collections (``ARINVOICEITEMS``), never descended into.
    ``leaves``: those plus group names (``DISPLAYCONTACT``), which are only columns when
    the schema says so; an empty group element is not a field.
    """

    wrappers: frozenset[str]
    leaves: frozenset[str]


def page_columns(
    page: Page, skip: Skip, wanted: Sequence[str] | None = None
) -> tuple[Columns, int]:
    """The raw columns of one page and its number of records.

    Parameters
    ----------
    page:
        The page; the element children of its ``<data>`` element are the records.
    skip:
        Paths that are not fields.
    wanted:
        Keep only these columns (``None``: every field seen, in order of first appearance).
    """
    data = page.data
    records = [record for record in data if type(record.tag) is str]
    flat = _flat_columns(data, records, skip, None if wanted is None else frozenset(wanted))
    if flat is not None:
        return flat, len(records)
    rows = [record_row(record, skip) for record in records]
    return rows_to_columns(rows, None if wanted is None else list(wanted)), len(records)


def record_row(
    element: etree._Element, skip: Skip, row: dict[str, str | None] | None = None
) -> dict[str, str | None]:
    """Leaf texts of ``element`` by dotted path (``None`` for an empty element), added to
    ``row`` if given; a name already in ``row`` keeps its value."""
    row = {} if row is None else row
    _flatten(element, "", row, skip)
    return row


def rows_to_columns(rows: Sequence[dict[str, str | None]], names: list[str] | None) -> Columns:
    """Columns of ``rows`` (all names seen, in order, when ``names`` is ``None``)."""
    if names is None:
        names = list(dict.fromkeys(name for row in rows for name in row))
    missing: Any = _MISSING
    columns = {}
    for name in names:
        values = [row.get(name, missing) for row in rows]
        # Empty element -> "", absent -> null (see the module docstring).
        encoded = [None if v is missing else (v or "") for v in values]
        columns[name] = pa.array(encoded, type=TEXT)
    return columns


# --------------------------------------------------------------------------- flat path


def _flat_columns(
    data: etree._Element,
    records: list[etree._Element],
    skip: Skip,
    wanted: Collection[str] | None,
) -> Columns | None:
    """Columns of a flat page, or ``None`` when the page must take the general path."""
    if not records:
        return {}
    tags = [child.tag for child in records[0]]
    width = len(tags)
    if not width or len(set(tags)) != width or not all(type(t) is str for t in tags):
        return None
    stride = max(1, len(records) // _TAG_SAMPLES)
    for record in (*records[stride::stride], records[-1]):
        if [child.tag for child in record] != tags:
            return None
    values = _field_texts(records, data, width)
    if values is None:
        return None
    step = width + 1  # each record's fields, then one value that is not a field
    columns = {}
    for i, tag in enumerate(tags):
        if tag not in skip.leaves and (wanted is None or tag in wanted):
            columns[tag] = values.take(np.arange(i, len(values), step))
    return columns


def _field_texts(
    records: list[etree._Element], data: etree._Element, width: int
) -> pa.Array | None:
    """Every field text of the page as one Arrow array: record after record, each record's
    ``width`` fields followed by one value that is not a field (the next record's own
    text); ``None`` if the page is not as regular as its first record.

    One C-driven pass over ``data.iter()`` reads every text (element proxies are made and
    dropped one at a time, which is what keeps this fast); the element count proves that no
    field nests, and that ``data`` holds nothing but the records.
    """
    if [len(record) for record in records].count(width) != len(records):
        return None
    texts = [element.text for element in data.iter()]
    if len(texts) != 1 + len(records) * (width + 1):  # data + records + fields
        return None
    del texts[:2]  # data's own text and the first record's: the fields start here
    # An empty element's text is None: "" in a raw column (null is kept for "absent").
    return pc.fill_null(pa.array(texts, type=TEXT), "")


# --------------------------------------------------------------------------- general path


class _Missing:
    def __repr__(self) -> str:
        return "<absent>"


_MISSING = _Missing()


def _flatten(element: etree._Element, prefix: str, row: dict[str, str | None], skip: Skip) -> None:
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
