"""The records of a flat ``query`` page, read straight from the bytes into text columns.

Why: a 2,000-record ``query`` page is about 100,000 elements. Building lxml's tree for it,
reading every text back out and freeing the tree costs about three times what one pass of
a pattern compiled for the page's record shape costs over the same bytes. So the records
of a flat page are scanned here, and only what surrounds them -- control, authentication,
result status, the ``<data>`` element and its attributes (the *envelope*) -- goes through
the hardened parser (:mod:`recon.intacct.xmlsafe`), as every other document does.

The scanner never widens what recon accepts. It takes a page only when the records are in
a strict subset of XML that the hardened parser would read to exactly the same texts, and
answers ``None`` for anything else, so the caller parses the whole document as before
(which accepts or refuses it as it always did). The subset:

- the body is UTF-8 (declared so, or no encoding declared), holds exactly one ``<data``
  and one ``</data``, and nothing before ``<data`` can hide markup: no ``<!`` (comment,
  CDATA, DOCTYPE) and no processing instruction but the XML declaration;
- between ``<data …>`` and ``</data>`` there are only records, whitespace between them;
  every record has the first record's fields in the first record's order, none nested,
  none repeated, no attributes anywhere, names of ASCII letters, digits, ``_ . -``;
- a field is ``<NAME/>`` or ``<NAME>text</NAME>``; the text holds only characters XML
  allows, no carriage return (the parser would normalise line ends), no ``]]>``, and
  ``&`` only in one of the five predefined entities or a character reference to a
  character XML allows.

What a scanned page gives is what :func:`recon.intacct.extract.page_columns` gives for the
tree of the same page (a property test compares them on generated and mutated pages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from recon.intacct.extract import TEXT, Columns

_NAME = rb"[A-Za-z_][A-Za-z0-9_.\-]*"
_WS = rb"[ \t\n]*"  # XML whitespace less the carriage return, which is refused anyway
_DECL = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_FIRST_RECORD = re.compile(_WS + b"<(" + _NAME + b")>")
_FIRST_FIELD = re.compile(_WS + b"<(" + _NAME + rb")(?:/>|>[^<]*</\1>)")
_SPACE_BETWEEN = re.compile(rb">[ \t\n]+<")
_DATA_OPEN = re.compile(rb"<data[ \t\r\n/>]")
_REFERENCE = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));")
# What may follow an "&": a predefined entity or a character reference; b"" is anything else.
_AMPERSAND = re.compile(rb"&(amp;|lt;|gt;|quot;|apos;|#[0-9]{1,7};|#x[0-9A-Fa-f]{1,6};|)")
_PREDEFINED = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}
#: Records whose fields (shape) a compiled pattern is kept for; a pull has a handful.
_SHAPES_KEPT = 64


class _NotFlat(Exception):
    """The page is outside the scanner's subset: parse the whole document instead."""


@dataclass(frozen=True)
class Scanned:
    """A page whose records were read into columns.

    Attributes
    ----------
    envelope:
        The document with the records cut out of ``<data …></data>``: for the hardened
        parser, which reads everything but the records from it.
    columns:
        Field name -> Arrow ``large_string`` column, one value per record, ``""`` for an
        empty field (as :mod:`recon.intacct.extract` gives them), in the records' order.
    nrecords:
        The number of records.
    source:
        The whole document, from which the record elements can still be parsed.
    """

    envelope: bytes = field(repr=False)
    columns: Columns
    nrecords: int
    source: bytes = field(repr=False)


def scan(body: bytes) -> Scanned | None:
    """The records of ``body`` as columns, or ``None`` if it is not a flat page in the subset
    (see the module docstring) and must be parsed whole."""
    try:
        return _scan(body)
    except _NotFlat:
        return None


def _scan(body: bytes) -> Scanned | None:
    opened = _DATA_OPEN.search(body)
    close = body.rfind(b"</data")
    if opened is None or close < opened.end():
        return None
    _check_prefix(body[: opened.start()])
    open_end = body.index(b">", opened.start()) + 1
    if body[open_end - 2 : open_end] == b"/>" or open_end > close:
        return None
    region = body[open_end:close]
    _check_characters(region)
    referencing, kinds = _references(region)
    tag, fields, spaced = _first_shape(region)
    values = _field_values(region, _pattern(tag, fields, spaced), len(fields))
    columns = _columns(fields, values, referencing, kinds)
    return Scanned(body[:open_end] + body[close:], columns, len(values) // len(fields), body)


def _references(region: bytes) -> tuple[frozenset[bytes], frozenset[bytes]]:
    """The names of the fields whose texts hold references, and the kinds of reference
    (``b"amp;"``, ``b"#38;"``, ...); refuses a bare ``&``, undeclared entities and
    malformed character references, which the parser refuses.

    A reference sits in a text, so the ``<`` before it opens the field that holds it.
    """
    if b"&" not in region:
        return frozenset(), frozenset()
    names, kinds = set(), set()
    for found in _AMPERSAND.finditer(region):
        kind = found.group(1)
        if not kind:
            raise _NotFlat  # "a & b", "&leak;", "&#;", "&#xZZ;"
        kinds.add(kind)
        opened = region.rfind(b"<", 0, found.start())
        names.add(region[opened + 1 : region.find(b">", opened)])
    return frozenset(names), frozenset(kinds)


def _check_characters(region: bytes) -> None:
    """Refuse what a parser would refuse or rewrite in text (each check a C-speed pass)."""
    try:
        region.decode("utf-8")  # the whole region, so each text is: it lies between ASCII
    except UnicodeDecodeError:
        raise _NotFlat from None  # the parser says what is wrong, in its words
    octets = np.frombuffer(region, dtype=np.uint8)
    low = octets[octets < 0x20]  # none in a compact page, line ends and tabs in an indented one
    if np.any((low != 0x09) & (low != 0x0A)):
        raise _NotFlat  # C0 controls XML refuses, or a carriage return (normalised by parsers)
    if b"]" in region and b"]]>" in region:
        raise _NotFlat
    if b"\xef" in region and (b"\xef\xbf\xbe" in region or b"\xef\xbf\xbf" in region):
        raise _NotFlat  # U+FFFE, U+FFFF: not XML characters


def _check_prefix(prefix: bytes) -> None:
    decl = _DECL.match(prefix)
    if decl is not None:
        encoding = _ENCODING.search(decl.group())
        if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
            raise _NotFlat
    after = prefix[decl.end() if decl else 0 :]
    if b"<!" in after or b"<?" in after:
        raise _NotFlat


def _first_shape(region: bytes) -> tuple[bytes, tuple[bytes, ...], bool]:
    """The first record's element name, its field names, and whether whitespace separates
    its elements (pretty-printed pages are; a pattern that allows none is quicker)."""
    opened = _FIRST_RECORD.match(region)
    if opened is None:
        raise _NotFlat
    tag, pos, fields = opened.group(1), opened.end(), []
    while (found := _FIRST_FIELD.match(region, pos)) is not None:
        fields.append(found.group(1))
        pos = found.end()
    if not fields or len(set(fields)) != len(fields):
        raise _NotFlat
    return tag, tuple(fields), _SPACE_BETWEEN.search(region, 0, pos) is not None


@lru_cache(maxsize=_SHAPES_KEPT)
def _pattern(tag: bytes, fields: tuple[bytes, ...], spaced: bool) -> re.Pattern[bytes]:
    """One record of this shape, with the whitespace around it; a field's group is ``None``
    for ``<NAME/>``. ``spaced``: whitespace may also separate the record's elements."""
    ws = _WS if spaced else b""
    parts = [_WS + b"<" + re.escape(tag) + b">"]
    for name in fields:
        quoted = re.escape(name)
        parts.append(ws + b"<" + quoted + b"(?:>([^<]*)</" + quoted + b">|/>)")  # values first
    parts.append(ws + b"</" + re.escape(tag) + b">" + _WS)
    return re.compile(b"".join(parts))


def _field_values(region: bytes, pattern: re.Pattern[bytes], width: int) -> list[bytes | None]:
    """Every field text, record after record; the records must fill ``region`` exactly.

    ``split`` on the record pattern is one C-driven pass: it gives the bytes between
    matches (which must all be empty: nothing but records) and each match's groups.
    """
    pieces = pattern.split(region)
    step = width + 1
    if any(pieces[0::step]):
        raise _NotFlat  # something other than a record of this shape
    del pieces[0::step]
    return pieces


def _columns(
    fields: tuple[bytes, ...],
    values: list[bytes | None],
    referencing: frozenset[bytes],
    kinds: frozenset[bytes],
) -> Columns:
    """One column per field: every ``width``-th value (``""`` for ``<NAME/>``); the values
    are known to be UTF-8, so the bytes are viewed as strings without a second check.
    References are replaced in the fields that hold any."""
    width, columns = len(fields), {}
    for i, name in enumerate(fields):
        texts = values[i::width]
        array = pa.array(texts, type=pa.large_binary()).view(TEXT)
        if None in texts:
            array = pc.fill_null(array, "")
        columns[name.decode("ascii")] = _unescaped(array, kinds) if name in referencing else array
    return columns


def _unescaped(array: pa.Array, kinds: frozenset[bytes]) -> pa.Array:
    """``array`` with its references replaced, exactly as an XML parser reads them (every
    ``&`` is known to start a predefined entity or a character reference)."""
    if any(kind.startswith(b"#") for kind in kinds):
        return pa.array([_REFERENCE.sub(_referenced, v) for v in array.to_pylist()], type=TEXT)
    for name, char in _PREDEFINED.items():  # &amp; last: "&amp;lt;" is "&lt;", not "<"
        if f"{name};".encode() in kinds:
            array = pc.replace_substring(array, f"&{name};", char)
    return array


def _referenced(found: re.Match[str]) -> str:
    name, decimal, hexadecimal = found.groups()
    if name is not None:
        return _PREDEFINED[name]
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if not _xml_char(code):
        raise _NotFlat
    return chr(code)


def _xml_char(code: int) -> bool:
    """XML 1.0's ``Char`` production."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )
