"""recon.intacct.flatscan: flat query pages read straight into columns.

The scanner is a second reader of the same bytes, so every test here compares it with the
one it shortcuts: the hardened parser's tree, read by ``extract.tree_columns``. For any
document the two must agree -- the same columns, or the same refusal -- and for the pages
Intacct sends the scanner must actually be taken (else the pull's speed figures lie).
"""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from recon.errors import MalformedResponseError, ReconError, XMLSecurityError
from recon.intacct import extract, flatscan, xmlsafe
from recon.intacct.extract import Skip
from recon.intacct.response import parse_response
from tests.fixtures import INTACCT as FIXTURES
from tests.fixtures import INTACCT_RESPONSES

NO_SKIP = Skip(frozenset(), frozenset())
REFUSED = (XMLSecurityError, MalformedResponseError)
CANARY = "canary-7f3a9e"


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


def by_tree(body: bytes) -> object:
    """What the tree reader makes of ``body``: (columns as lists, count) or the error type."""
    try:
        response = parse_response(body)
        # Through to_page as the client reads a page (it checks the paging attributes:
        # a count="3>" is refused either way).
        data = response.results[0].to_page("CUSTOMER").data
        assert data is not None
        columns, count = extract.tree_columns(data, NO_SKIP)
    except ReconError as exc:  # refused, or an error the document reports
        return type(exc)
    return {name: values.to_pylist() for name, values in columns.items()}, count


def by_scan(body: bytes) -> object:
    """What the client makes of ``body`` as a query page: (columns, count) or the error type."""
    try:
        response = parse_response(body, scan_records=True)
        page = response.results[0].to_page("CUSTOMER")
        columns, count = extract.page_columns(page, NO_SKIP)
    except ReconError as exc:
        return type(exc)
    return {name: values.to_pylist() for name, values in columns.items()}, count


def scanned(body: bytes) -> bool:
    return parse_response(body, scan_records=True).results[0].scanned is not None


# --------------------------------------------------------------------------- same texts

SAMPLE = [
    {"RECORDNO": "1", "NAME": "Acme & Sons <intl>", "NOTE": None, "CITY": "Zürich"},
    {"RECORDNO": "2", "NAME": "\"quoted\" 'single' ]]", "NOTE": "", "CITY": "  spaced  "},
    {"RECORDNO": "3", "NAME": "tab\there\nnewline", "NOTE": "x > y", "CITY": "日本 😀"},
]


@pytest.mark.parametrize("indent", [False, True], ids=["compact", "indented"])
def test_a_flat_page_is_scanned_to_the_trees_texts(indent: bool) -> None:
    body = page_bytes(SAMPLE, indent=indent)
    assert scanned(body)
    got = by_scan(body)
    assert got == by_tree(body)
    columns, count = got  # type: ignore[misc]
    assert count == 3
    assert columns["NAME"][0] == "Acme & Sons <intl>"
    assert columns["NOTE"] == ["", "", "x > y"]  # <NOTE/> and <NOTE></NOTE> alike


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A &amp;lt; B", "A &lt; B"),  # &amp; is replaced last
        ("&gt;&quot;&apos;&amp;gt;", ">\"'&gt;"),  # replaced before the scan
        ("&lt;&amp;lt;", "<&lt;"),  # replaced column by column
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
    assert scanned(body)
    assert by_scan(body) == by_tree(body)
    assert by_scan(body)[0]["NAME"] == [expected, ""]  # type: ignore[index]


FIRST = b"<RECORDNO>1</RECORDNO>"


def first_value(text: bytes) -> tuple[bytes, bytes]:
    """An edit of the first record's RECORDNO text."""
    return FIRST, b"<RECORDNO>" + text + b"</RECORDNO>"


# What the scanner must hand back to the parser: each is inserted into a good page.
NOT_SCANNED = {
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
# ...and what the parser refuses, so the client must too.
REFUSED_INSIDE = {
    "undeclared entity": first_value(b"&leak;"),
    "bare ampersand": first_value(b"a & b"),
    "char ref to NUL": first_value(b"&#0;"),
    "control character": first_value(b"\x01"),
    "U+FFFE": first_value("\ufffe".encode()),
    "]]> in a value": first_value(b"a]]>b"),
    "mismatched close": (FIRST, b"<RECORDNO>1</RECORDN0>"),
    "bad UTF-8": first_value(b"\xff"),
    "UTF-8 surrogate": first_value(b"\xed\xa0\x80"),
    "overlong UTF-8": first_value(b"\xc0\xbc"),
    "U+FFFF": first_value("\uffff".encode()),
    "char ref to U+FFFE": first_value(b"&#xFFFE;"),
    "empty char ref": first_value(b"&#;"),
    "bad hex char ref": first_value(b"&#xZZ;"),
    "unterminated entity": first_value(b"&amp"),
    "unclosed record": (b"</CUSTOMER>", b""),
    "truncated": (b"</data>", b"</da"),
    "DOCTYPE": (b"<response>", b"<!DOCTYPE response><response>"),
    "entity from the DOCTYPE": (
        b"<response>",
        f'<!DOCTYPE response [<!ENTITY leak "{CANARY}">]><response>'.encode(),
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_SCANNED))
def test_what_the_scanner_cannot_vouch_for_goes_to_the_parser(name: str) -> None:
    old, new = NOT_SCANNED[name]
    body = page_bytes(SAMPLE).replace(old, new, 1)
    assert body != page_bytes(SAMPLE)
    assert flatscan.scan(body) is None
    assert by_scan(body) == by_tree(body)


@pytest.mark.parametrize("name", sorted(REFUSED_INSIDE))
def test_what_the_parser_refuses_the_client_refuses(name: str) -> None:
    old, new = REFUSED_INSIDE[name]
    body = page_bytes(SAMPLE).replace(old, new, 1)
    assert body != page_bytes(SAMPLE)
    with pytest.raises(XMLSecurityError) as info:
        parse_response(body, scan_records=True)
    assert CANARY not in str(info.value)
    assert by_tree(body) is XMLSecurityError


def test_entity_declared_in_a_doctype_never_reaches_a_column(tmp_path: Path) -> None:
    secret = tmp_path / "canary.txt"
    secret.write_text(CANARY)
    good = page_bytes(SAMPLE)
    decl, rest = good.split(b"?>", 1)
    body = (
        decl + b"?>"
        + f'<!DOCTYPE response [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'.encode()
        + rest.replace(FIRST, b"<RECORDNO>&x;</RECORDNO>", 1)
    )  # fmt: skip
    assert flatscan.scan(body) is None  # markup before <data>: not the scanner's to read
    with pytest.raises(XMLSecurityError) as info:
        parse_response(body, scan_records=True)
    assert CANARY not in str(info.value)


def test_a_second_data_element_or_an_empty_page_takes_the_tree() -> None:
    second = b"<result><status>success</status><function>query</function><data/></result>"
    two = page_bytes(SAMPLE).replace(b"</result>", b"</result>" + second, 1)
    assert flatscan.scan(two) is not None  # the scan itself cannot tell ...
    assert not scanned(two)  # ... but the envelope can: the whole document is parsed
    assert by_scan(two) == by_tree(two)
    empty = page_bytes([])
    assert not scanned(empty)
    assert by_scan(empty) == by_tree(empty)


def test_records_of_a_scanned_page_are_still_there() -> None:
    body = page_bytes(SAMPLE)
    page = parse_response(body, scan_records=True).results[0].to_page("CUSTOMER")
    assert page.columns is not None and page.data is None
    assert [r.findtext("RECORDNO") for r in page.records()] == ["1", "2", "3"]
    assert page.count == 3


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
def test_generated_flat_pages_are_scanned_to_the_trees_texts(
    page: tuple[list[dict[str, str | None]], bool],
) -> None:
    rows, indent = page
    body = page_bytes(rows, indent=indent)
    assert scanned(body)
    assert by_scan(body) == by_tree(body)


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
    client reads the result exactly as the hardened parser's tree does, or refuses it."""
    body = bytearray(page_bytes(SAMPLE, indent=rng.random() < 0.5))
    for where, snippet, cut in edits:
        at = int(where * len(body))
        body[at : at + cut] = snippet
    assert by_scan(bytes(body)) == by_tree(bytes(body))


def test_the_scanners_columns_are_arrow_strings() -> None:
    found = flatscan.scan(page_bytes(SAMPLE))
    assert found is not None and found.nrecords == 3
    assert all(col.type == pa.large_string() for col in found.columns.values())
    assert list(found.columns) == ["RECORDNO", "NAME", "NOTE", "CITY"]


# --------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("path", INTACCT_RESPONSES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_captured_answer_reads_the_same_scanned_or_not(path: Path) -> None:
    body = path.read_bytes()
    assert outcome(body, scan=True) == outcome(body, scan=False)


def outcome(body: bytes, scan: bool) -> object:
    """Everything a caller can see of an answer: each result's status, records and paging
    attributes, or the error (type and words)."""
    try:
        response = parse_response(body, scan_records=scan)
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
