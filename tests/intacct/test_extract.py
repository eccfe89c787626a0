"""recon.intacct.extract: a query page, parsed by the one hardened parser, read into columns.

Pages are read as the client reads them: the answer's bytes through ``parse_response``
(which parses with :mod:`recon.intacct.xmlsafe`), the result's page, then
:func:`extract.page_columns`. The flat path (one pass over the tree) is a shortcut of the
general path (a dict per record), so every test compares the two on the same document: the
same columns, or the same refusal.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from recon.errors import ReconError
from recon.intacct import extract, xmlsafe
from recon.intacct.extract import Skip
from recon.intacct.response import parse_response
from tests.fixtures import INTACCT as FIXTURES
from tests.fixtures import INTACCT_RESPONSES

NO_SKIP = Skip(frozenset(), frozenset())


def envelope(data: etree._Element) -> bytes:
    """A successful query response around ``data``, as the gateway sends it."""
    resp = etree.Element("response")
    control = etree.SubElement(resp, "control")
    etree.SubElement(control, "status").text = "success"
    op = etree.SubElement(resp, "operation")
    auth = etree.SubElement(op, "authentication")
    etree.SubElement(auth, "status").text = "success"
    result = etree.SubElement(op, "result")
    etree.SubElement(result, "status").text = "success"
    etree.SubElement(result, "function").text = "query"
    etree.SubElement(result, "controlid").text = "f-1"
    result.append(data)
    return xmlsafe.to_bytes(resp)


def page_bytes(
    records: list[dict[str, str | None]], obj: str = "CUSTOMER", indent: bool = False
) -> bytes:
    data = etree.Element("data", listtype=obj, count=str(len(records)), numremaining="0")
    for values in records:
        record = etree.SubElement(data, obj)
        for name, value in values.items():
            etree.SubElement(record, name).text = value
    body = envelope(data)
    if indent:
        root = xmlsafe.parse(body)
        etree.indent(root, space="    ")
        body = xmlsafe.to_bytes(root)
    return body


@contextmanager
def general_path_only() -> Iterator[None]:
    with patch.object(extract, "_flat_columns", lambda *args: None):
        yield


def read(body: bytes) -> object:
    """What the client makes of ``body`` as a query page: (columns as lists, count), or
    the type of the error that refused it."""
    try:
        # Through to_page as the client reads a page (it checks the paging attributes:
        # a count="3>" is refused).
        page = parse_response(body).results[0].to_page("CUSTOMER")
        columns, count = extract.page_columns(page, NO_SKIP)
    except ReconError as exc:  # refused, or an error the document reports
        return type(exc)
    return {name: values.to_pylist() for name, values in columns.items()}, count


def read_by_general_path(body: bytes) -> object:
    with general_path_only():
        return read(body)


def takes_flat_path(body: bytes) -> bool:
    page = parse_response(body).results[0].to_page("CUSTOMER")
    records = [record for record in page.data if type(record.tag) is str]
    return extract._flat_columns(page.data, records, NO_SKIP, None) is not None


# --------------------------------------------------------------------------- the texts

SAMPLE = [
    {"RECORDNO": "1", "NAME": "Acme & Sons <intl>", "NOTE": None, "CITY": "Zürich"},
    {"RECORDNO": "2", "NAME": "\"quoted\" 'single' ]]", "NOTE": "", "CITY": "  spaced  "},
    {"RECORDNO": "3", "NAME": "tab\there\nnewline", "NOTE": "x > y", "CITY": "日本 😀"},
]


@pytest.mark.parametrize("indent", [False, True], ids=["compact", "indented"])
def test_a_flat_page_reads_the_texts_it_carries(indent: bool) -> None:
    body = page_bytes(SAMPLE, indent=indent)
    assert takes_flat_path(body)
    got = read(body)
    assert got == read_by_general_path(body)
    columns, count = got  # type: ignore[misc]
    assert count == 3
    assert columns["NAME"][0] == "Acme & Sons <intl>"
    assert columns["NOTE"] == ["", "", "x > y"]  # <NOTE/> and <NOTE></NOTE> alike
    assert columns["CITY"] == ["Zürich", "  spaced  ", "日本 😀"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A &amp;lt; B", "A &lt; B"),
        ("&gt;&quot;&apos;&amp;gt;", ">\"'&gt;"),
        ("&lt;&amp;lt;", "<&lt;"),
        ("&#38;&#x41;&#x1F600;", "&A😀"),  # character references
        ("&lt;&gt;&quot;&apos;", "<>\"'"),
        ("   ", "   "),  # a whitespace-only value is a value
        ("a&#13;b&#xD;", "a\rb\r"),  # a referenced carriage return is kept, unlike a raw one
    ],
)
def test_references_and_blank_values_read_as_the_parser_reads_them(
    text: str, expected: str
) -> None:
    body = (
        b"<response><control><status>success</status></control><operation><authentication>"
        b"<status>success</status></authentication><result><status>success</status>"
        b"<function>query</function><controlid>f</controlid><data count='2'>"
        b"<CUSTOMER><RECORDNO>1</RECORDNO><NAME>" + text.encode() + b"</NAME></CUSTOMER>"
        b"<CUSTOMER><RECORDNO>2</RECORDNO><NAME></NAME></CUSTOMER>"
        b"</data></result></operation></response>"
    )
    assert takes_flat_path(body)
    assert read(body) == read_by_general_path(body)
    assert read(body)[0]["NAME"] == [expected, ""]  # type: ignore[index]


FIRST = b"<RECORDNO>1</RECORDNO>"


def first_value(text: bytes) -> tuple[bytes, bytes]:
    """An edit of the first record's RECORDNO text."""
    return FIRST, b"<RECORDNO>" + text + b"</RECORDNO>"


# Pages the parser accepts that are not plain flat pages: each edit is made to a good page.
IRREGULAR = {
    "comment in a record": (FIRST, b"<RECORDNO>1</RECORDNO><!-- x -->"),
    "CDATA value": first_value(b"<![CDATA[1]]>"),
    "attribute on a field": (FIRST, b'<RECORDNO a="1">1</RECORDNO>'),
    "nested field": first_value(b"<X>1</X>"),
    "field missing": (b"<RECORDNO>2</RECORDNO>", b""),
    "field repeated": (b"<RECORDNO>2</RECORDNO>", b"<RECORDNO>2</RECORDNO><RECORDNO>2</RECORDNO>"),
    "carriage return": first_value(b"1\r\n"),
    "processing instruction": (FIRST, b"<?pi x?><RECORDNO>1</RECORDNO>"),
    "non-UTF-8 declaration": (b"encoding='UTF-8'", b"encoding='ISO-8859-1'"),
}


@pytest.mark.parametrize("name", sorted(IRREGULAR))
def test_irregular_pages_read_as_the_general_path_reads_them(name: str) -> None:
    old, new = IRREGULAR[name]
    body = page_bytes(SAMPLE).replace(old, new, 1)
    assert body != page_bytes(SAMPLE)
    got = read(body)
    assert isinstance(got, tuple)  # the parser accepts every one of them
    assert got == read_by_general_path(body)


def test_a_second_data_element_or_an_empty_page() -> None:
    second = b"<result><status>success</status><function>query</function><data/></result>"
    two = page_bytes(SAMPLE).replace(b"</result>", b"</result>" + second, 1)
    assert read(two) == read_by_general_path(two) == read(page_bytes(SAMPLE))
    empty = page_bytes([])
    assert read(empty) == read_by_general_path(empty) == ({}, 0)


def test_the_records_of_a_page_are_its_data_elements() -> None:
    page = parse_response(page_bytes(SAMPLE)).results[0].to_page("CUSTOMER")
    assert [r.findtext("RECORDNO") for r in page.records()] == ["1", "2", "3"]
    assert page.count == 3


def test_the_columns_are_arrow_strings_in_field_order() -> None:
    page = parse_response(page_bytes(SAMPLE)).results[0].to_page("CUSTOMER")
    columns, count = extract.page_columns(page, NO_SKIP)
    assert count == 3
    assert all(col.type == pa.large_string() for col in columns.values())
    assert list(columns) == ["RECORDNO", "NAME", "NOTE", "CITY"]


# --------------------------------------------------------------------------- properties

NAMES = st.from_regex(r"[A-Z_][A-Z0-9_.]{0,12}", fullmatch=True)
# Any text XML can carry (lxml escapes it on the way out); surrogates cannot be encoded.
TEXTS = st.one_of(
    st.none(),
    st.text(
        st.characters(
            blacklist_categories=("Cs",),
            blacklist_characters="\r\ufffe\uffff",
            min_codepoint=0x20,
        )
        | st.sampled_from("\t\n&<>\"' ]"),
        max_size=12,
    ),
)


@st.composite
def pages(draw: st.DrawFn) -> tuple[list[dict[str, str | None]], bool]:
    names = draw(st.lists(NAMES, min_size=1, max_size=6, unique=True))
    rows = draw(st.lists(st.fixed_dictionaries({n: TEXTS for n in names}), min_size=1, max_size=8))
    return [{n: row[n] for n in names} for row in rows], draw(st.booleans())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_generated_flat_pages_read_back_the_texts_written(
    page: tuple[list[dict[str, str | None]], bool],
) -> None:
    rows, indent = page
    body = page_bytes(rows, indent=indent)
    assert takes_flat_path(body)
    got = read(body)
    assert got == read_by_general_path(body)
    written = {name: [row[name] or "" for row in rows] for name in rows[0]}
    assert got == (written, len(rows))


SNIPPETS = [
    b"<", b">", b"&", b"&amp;", b"&#0;", b"&#x41;", b"&#;", b"&#x", b"&leak;", b"]]>", b"\r",
    b"\x00", b"\x01",
    b"\xff", b"\xef\xbf\xbe", b"<!-- c -->", b"<![CDATA[x]]>", b"<?pi?>", b"<!DOCTYPE r>",
    b"<X>", b"</X>", b"<X/>", b" a='1'", b"/", b" ", b"\n", b"<data>", b"</data>",
    b"<CUSTOMER>", b"</CUSTOMER>", b"<NAME>", b"</NAME>",
]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.randoms(use_true_random=False),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(SNIPPETS), st.integers(0, 3)), max_size=3),
)
def test_mutated_pages_are_read_alike_or_refused_alike(
    rng: random.Random, edits: list[tuple[float, bytes, int]]
) -> None:
    """Insert markup, odd characters and broken bytes anywhere, delete a few bytes: the
    flat path reads the result exactly as the general path does, or both refuse it."""
    body = bytearray(page_bytes(SAMPLE, indent=rng.random() < 0.5))
    for where, snippet, cut in edits:
        at = int(where * len(body))
        body[at : at + cut] = snippet
    assert read(bytes(body)) == read_by_general_path(bytes(body))


# --------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("path", INTACCT_RESPONSES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_captured_answer_reads_the_same_by_either_path(path: Path) -> None:
    body = path.read_bytes()
    seen = outcome(body)
    with general_path_only():
        assert seen == outcome(body)


def outcome(body: bytes) -> object:
    """Everything a caller can see of an answer: each result's status, records and paging
    attributes, or the error (type and words)."""
    try:
        response = parse_response(body)
    except ReconError as exc:
        return type(exc), str(exc)
    seen: list[object] = []
    for result in response.results:
        if result.data is None:
            seen.append(result.status)
            continue
        page = result.to_page("X")
        columns, count = extract.page_columns(page, NO_SKIP)
        texts = {name: values.to_pylist() for name, values in columns.items()}
        seen.append((result.status, texts, count, page.count, page.totalcount, page.offset))
    return seen
