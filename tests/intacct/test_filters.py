"""The query filter expression API: operators, value rendering, flattening, orderby."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from recon.errors import ConfigError
from recon.intacct.filters import F, Order, modified_since, orderby


def xml(el: etree._Element) -> str:
    return etree.tostring(el, encoding="unicode")


def leaf(op: str, field: str, *values: str) -> str:
    inner = f"<field>{field}</field>" + "".join(f"<value>{v}</value>" for v in values)
    return f"<{op}>{inner}</{op}>"


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (F("STATUS") == "active", leaf("equalto", "STATUS", "active")),
        (F("STATUS") != "active", leaf("notequalto", "STATUS", "active")),
        (F("TOTALDUE") < Decimal("10.50"), leaf("lessthan", "TOTALDUE", "10.50")),
        (F("TOTALDUE") <= 3, leaf("lessthanorequalto", "TOTALDUE", "3")),
        (F("WHENDUE") > date(2024, 2, 1), leaf("greaterthan", "WHENDUE", "02/01/2024")),
        (
            F("WHENMODIFIED") >= datetime(2024, 1, 31, 13, 4, 5),
            leaf("greaterthanorequalto", "WHENMODIFIED", "01/31/2024 13:04:05"),
        ),
        (F("ONHOLD") == True, leaf("equalto", "ONHOLD", "true")),  # noqa: E712 - builds a filter
        (F("NAME").like("A%"), leaf("like", "NAME", "A%")),
        (F("NAME").notlike("_B%"), leaf("notlike", "NAME", "_B%")),
        (F("STATE").isin(["Posted", "Paid"]), leaf("in", "STATE", "Posted", "Paid")),
        (F("STATE").notin(["Draft"]), leaf("notin", "STATE", "Draft")),
        (F("QTY").between(1, 8), leaf("between", "QTY", "1", "8")),
        (F("PARENTID").isnull(), leaf("isnull", "PARENTID")),
        (F("PARENTID").isnotnull(), leaf("isnotnull", "PARENTID")),
        (F("DISPLAYCONTACT.EMAIL1") == "a@b.c", leaf("equalto", "DISPLAYCONTACT.EMAIL1", "a@b.c")),
    ],
)
def test_each_operator_renders_per_spec(flt: object, expected: str) -> None:
    assert xml(flt.to_element()) == f"<filter>{expected}</filter>"  # type: ignore[attr-defined]


def test_and_or_flatten_and_nest() -> None:
    a, b, c, d = (F(n) == 1 for n in "ABCD")
    flat = a & (b & c) & d
    el = flat.to_element()
    assert [child.tag for child in el] == ["and"]  # exactly one top-level operator
    assert [g.findtext("field") for g in el[0]] == ["A", "B", "C", "D"]
    mixed = (a | b) & (c | d)
    assert xml(mixed.node()) == (
        "<and><or>" + leaf("equalto", "A", "1") + leaf("equalto", "B", "1") + "</or>"
        "<or>" + leaf("equalto", "C", "1") + leaf("equalto", "D", "1") + "</or></and>"
    )
    assert [g.tag for g in (a | b | c).node()] == ["equalto"] * 3


def test_values_are_xml_escaped_by_lxml() -> None:
    el = (F("NAME") == "A & B <C>").to_element()
    assert "A &amp; B &lt;C&gt;" in xml(el)
    assert el.findtext("equalto/value") == "A & B <C>"


def test_python_and_or_are_refused() -> None:
    with pytest.raises(TypeError):
        assert (F("A") == 1) and (F("B") == 2)  # the mistake under test


@pytest.mark.parametrize(
    "build",
    [
        lambda: F("A B"),
        lambda: F("A") == None,  # noqa: E711
        lambda: F("A") == 1.5,
        lambda: F("A").isin([]),
        lambda: F("A").isin(range(1001)),
        lambda: F("A").isin("abc"),
        lambda: F("A").between(5, 1),
        lambda: F("A").between(1, "x"),
    ],
)
def test_misuse_is_a_config_error(build: object) -> None:
    with pytest.raises(ConfigError):
        build()  # type: ignore[operator]


def test_orderby_and_modified_since() -> None:
    el = orderby("RECORDNO", F("NAME").desc(), Order("X"))
    assert xml(el) == (
        "<orderby><order><field>RECORDNO</field><ascending/></order>"
        "<order><field>NAME</field><descending/></order>"
        "<order><field>X</field><ascending/></order></orderby>"
    )
    with pytest.raises(ConfigError):
        orderby()
    since = modified_since(datetime(2024, 1, 31))
    assert xml(since.node()) == leaf("greaterthanorequalto", "WHENMODIFIED", "01/31/2024 00:00:00")
    with pytest.raises(ConfigError):
        modified_since(date(2024, 1, 31))  # type: ignore[arg-type]
