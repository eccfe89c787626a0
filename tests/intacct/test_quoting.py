"""The readByQuery quoting helper: literals, lists, names, conditions, and a round-trip property."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recon.errors import ConfigError
from recon.intacct.quoting import (
    MAX_IN_VALUES,
    all_of,
    any_of,
    bool_code,
    cond,
    field_name,
    quote,
    quote_list,
    xml_text,
)


def unquote(text: str, start: int = 0) -> tuple[str, int]:
    """Reference reader of one quoted literal at ``start``: (value, index after the literal).

    It follows the readByQuery rule (backslash escapes the next character) and nothing else,
    so it finds where the server would think the literal ends.
    """
    assert text[start] == "'", text
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            out.append(text[i + 1])
            i += 2
        elif ch == "'":
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise ValueError("unterminated literal")


def unquote_list(text: str) -> list[str]:
    assert text.startswith("(") and text.endswith(")")
    values, i = [], 1
    while True:
        value, i = unquote(text, i)
        values.append(value)
        if text[i] == ")":
            assert i == len(text) - 1, "text after the list"
            return values
        assert text[i : i + 2] == ", "
        i += 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jane's Deli", r"'Jane\'s Deli'"),
        ("back\\slash", r"'back\\slash'"),
        ("\\'", r"'\\\''"),
        ("", "''"),
        ("a < b & c", "'a < b & c'"),  # XML escaping is lxml's job, not the literal's
        (42, "42"),
        (-7, "-7"),
        (Decimal("1234.50"), "1234.50"),
        (Decimal("1E+3"), "1000"),
        (True, "'T'"),
        (False, "'F'"),
        (date(2024, 1, 31), "'01/31/2024'"),
        (date(999, 2, 3), "'02/03/0999'"),
        (datetime(2024, 1, 31, 7, 5, 9), "'01/31/2024 07:05:09'"),
    ],
)
def test_quote_renders_each_type(value: object, expected: str) -> None:
    assert quote(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [None, 1.5, Decimal("NaN"), Decimal("Infinity"), b"bytes", datetime(2024, 1, 1, tzinfo=UTC)],
)
def test_quote_refuses_unsafe_or_ambiguous_values(value: object) -> None:
    with pytest.raises(ConfigError):
        quote(value)  # type: ignore[arg-type]


def test_bool_code_is_the_stored_code() -> None:
    assert (bool_code(True), bool_code(False)) == ("T", "F")
    with pytest.raises(ConfigError):
        bool_code(1)  # type: ignore[arg-type]


def test_xml_text_is_unquoted_display_form() -> None:
    assert xml_text(True) == "true"
    assert xml_text("Jane's") == "Jane's"
    assert xml_text(date(2024, 3, 4)) == "03/04/2024"
    with pytest.raises(ConfigError):
        xml_text(None)  # type: ignore[arg-type]


def test_quote_list_and_limits() -> None:
    assert quote_list(["a", "b'c", 3]) == r"('a', 'b\'c', 3)"
    assert len(unquote_list(quote_list(str(i) for i in range(MAX_IN_VALUES)))) == MAX_IN_VALUES
    with pytest.raises(ConfigError):
        quote_list([])
    with pytest.raises(ConfigError):
        quote_list(range(MAX_IN_VALUES + 1))


@pytest.mark.parametrize("name", ["STATUS", "DISPLAYCONTACT.EMAIL1", "custom_field_1"])
def test_field_name_accepts_plain_and_dotted(name: str) -> None:
    assert field_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "A B", "A;DROP", "A'", "A=1", ".A", "A.", "A..B", "NAME)", 5, "É"]
)
def test_field_name_refuses_anything_else(name: object) -> None:
    with pytest.raises(ConfigError):
        field_name(name)  # type: ignore[arg-type]


def test_cond_builds_each_operator_family() -> None:
    assert cond("STATUS", "=", True) == "STATUS = 'T'"
    assert cond("NAME", "like", "A%") == "NAME LIKE 'A%'"
    assert cond("NAME", "NOT  like", "A%") == "NAME NOT LIKE 'A%'"
    assert cond("WHENMODIFIED", ">=", datetime(2024, 1, 31)) == (
        "WHENMODIFIED >= '01/31/2024 00:00:00'"
    )
    assert cond("STATE", "in", ["A", "S"]) == "STATE IN ('A', 'S')"
    assert cond("PARENTID", "is null") == "PARENTID IS NULL"
    assert cond("PARENTID", "IS NOT NULL") == "PARENTID IS NOT NULL"


@pytest.mark.parametrize(
    ("field", "op", "value"),
    [
        ("A", "=", None),
        ("A", "in", "abc"),
        ("A", "is null", 1),
        ("A", "; DROP", 1),
        ("A B", "=", 1),
        ("A", "=", ["x"]),
    ],
)
def test_cond_refuses_misuse(field: str, op: str, value: object) -> None:
    with pytest.raises(ConfigError):
        cond(field, op, value)  # type: ignore[arg-type]


def test_all_of_and_any_of_parenthesise() -> None:
    a, b = cond("A", "=", 1), cond("B", "=", "x")
    assert all_of(a, b) == "(A = 1) AND (B = 'x')"
    assert any_of(a, all_of(a, b)) == "(A = 1) OR ((A = 1) AND (B = 'x'))"
    assert all_of(a) == a
    with pytest.raises(ConfigError):
        all_of()


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_quote_round_trips_and_never_breaks_out(text: str) -> None:
    literal = quote(text)
    value, end = unquote(literal)
    assert value == text
    assert end == len(literal)  # the literal closes exactly at its end: nothing escapes it
    condition = cond("NAME", "=", text)
    prefix = "NAME = "
    assert condition.startswith(prefix)
    assert unquote(condition, len(prefix)) == (text, len(condition))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab'\\ ,()"), max_size=8), min_size=1))
def test_quote_list_round_trips(values: list[str]) -> None:
    assert unquote_list(quote_list(values)) == values
