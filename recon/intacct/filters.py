"""A small expression API that builds the ``<filter>`` and ``<orderby>`` of a ``query``.

>>> from recon.intacct.filters import F
>>> flt = (F("STATUS") == "active") & (F("WHENMODIFIED") >= datetime(2024, 1, 31))

Spec §3.4: a ``<filter>`` holds exactly one top-level operator; ``and``/``or`` need at least two
children and nest freely; leaves are ``equalto`` ... ``notlike`` (field + value), ``between``
(field + two values, lower first), ``in``/``notin`` (field + 1..1000 values) and
``isnull``/``isnotnull`` (field only). ``query`` compares *display* values (``STATUS`` is
``active``), unlike readByQuery's stored codes. Values are rendered as Intacct writes them:
dates ``MM/DD/YYYY``, datetimes ``MM/DD/YYYY HH:MM:SS``, Decimals plain, booleans
``true``/``false``.

Citations: "spec §N" is docs/specs/intacct-xml-api.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from recon.errors import ConfigError
from recon.intacct.quoting import MAX_IN_VALUES, Quotable, field_name, xml_text

FilterValue = Quotable


def filter_value(value: FilterValue) -> str:
    """The text of one ``<value>``; ``None`` is refused (use :meth:`Field.isnull`)."""
    return xml_text(value)


class Filter:
    """Base of every filter node; combine with ``&`` and ``|``."""

    def __and__(self, other: Filter) -> Filter:
        return _combine(And, self, other)

    def __or__(self, other: Filter) -> Filter:
        return _combine(Or, self, other)

    def __bool__(self) -> bool:
        # `a and b` would silently drop `a`; make the mistake loud.
        raise TypeError("combine Intacct filters with & and |, not 'and'/'or'")

    def node(self) -> etree._Element:
        """The operator element (``<equalto>``, ``<and>`` ...)."""
        raise NotImplementedError

    def to_element(self) -> etree._Element:
        """The ``<filter>`` element holding exactly one top-level operator."""
        wrapper = etree.Element("filter")
        wrapper.append(self.node())
        return wrapper


@dataclass(frozen=True, eq=False)
class Condition(Filter):
    """One leaf: ``op`` is the Intacct element name (``equalto``, ``in``, ``isnull`` ...)."""

    op: str
    field: str
    values: tuple[str, ...] = ()

    def node(self) -> etree._Element:
        el = etree.Element(self.op)
        etree.SubElement(el, "field").text = self.field
        for value in self.values:
            etree.SubElement(el, "value").text = value
        return el


@dataclass(frozen=True, eq=False)
class And(Filter):
    """All of ``parts`` (two or more)."""

    parts: tuple[Filter, ...]

    def node(self) -> etree._Element:
        return _group("and", self.parts)


@dataclass(frozen=True, eq=False)
class Or(Filter):
    """Any of ``parts`` (two or more)."""

    parts: tuple[Filter, ...]

    def node(self) -> etree._Element:
        return _group("or", self.parts)


def _group(tag: str, parts: tuple[Filter, ...]) -> etree._Element:
    el = etree.Element(tag)
    for part in parts:
        el.append(part.node())
    return el


def _combine(kind: type[And] | type[Or], left: Filter, right: Filter) -> Filter:
    if not isinstance(right, Filter):
        return NotImplemented
    # Flatten a & (b & c) into one <and> with three children: same meaning, shallower XML.
    parts: list[Filter] = []
    for side in (left, right):
        parts.extend(side.parts if isinstance(side, kind) else (side,))
    return kind(tuple(parts))


@dataclass(frozen=True)
class Order:
    """One ``<order>`` of an ``<orderby>``."""

    field: str
    descending: bool = False

    def node(self) -> etree._Element:
        el = etree.Element("order")
        etree.SubElement(el, "field").text = field_name(self.field)
        etree.SubElement(el, "descending" if self.descending else "ascending")
        return el


class Field:
    """A field to compare: ``F("STATUS") == "active"`` builds a :class:`Condition`."""

    __hash__ = None  # type: ignore[assignment]  # == builds a filter, so no hashing

    def __init__(self, name: str) -> None:
        self.name = field_name(name)

    def __repr__(self) -> str:
        return f"F({self.name!r})"

    def _leaf(self, op: str, *values: FilterValue) -> Condition:
        return Condition(op, self.name, tuple(filter_value(v) for v in values))

    def __eq__(self, value: FilterValue) -> Condition:  # type: ignore[override]  # == builds a filter
        return self._leaf("equalto", value)

    def __ne__(self, value: FilterValue) -> Condition:  # type: ignore[override]  # != builds a filter
        return self._leaf("notequalto", value)

    def __lt__(self, value: FilterValue) -> Condition:
        return self._leaf("lessthan", value)

    def __le__(self, value: FilterValue) -> Condition:
        return self._leaf("lessthanorequalto", value)

    def __gt__(self, value: FilterValue) -> Condition:
        return self._leaf("greaterthan", value)

    def __ge__(self, value: FilterValue) -> Condition:
        return self._leaf("greaterthanorequalto", value)

    def like(self, pattern: str) -> Condition:
        """``like`` with ``%`` and ``_`` wildcards."""
        return self._leaf("like", pattern)

    def notlike(self, pattern: str) -> Condition:
        return self._leaf("notlike", pattern)

    def isin(self, values: Iterable[FilterValue]) -> Condition:
        """``in``: 1..1000 values (spec §3.4)."""
        return self._leaf("in", *_listed(values))

    def notin(self, values: Iterable[FilterValue]) -> Condition:
        return self._leaf("notin", *_listed(values))

    def between(self, low: FilterValue, high: FilterValue) -> Condition:
        """``between`` with exactly two values, lower first (spec §3.4)."""
        try:
            reversed_range = low > high  # type: ignore[operator]  # unlike types raise TypeError
        except TypeError as exc:
            raise ConfigError("between needs two values of the same type") from exc
        if reversed_range:
            raise ConfigError("between needs the lower value first")
        return self._leaf("between", low, high)

    def isnull(self) -> Condition:
        return self._leaf("isnull")

    def isnotnull(self) -> Condition:
        return self._leaf("isnotnull")

    def asc(self) -> Order:
        return Order(self.name)

    def desc(self) -> Order:
        return Order(self.name, descending=True)


F = Field


def _listed(values: Iterable[FilterValue]) -> list[FilterValue]:
    if isinstance(values, str | bytes):
        raise ConfigError("isin/notin need a list of values, not one string")
    items = list(values)
    if not 1 <= len(items) <= MAX_IN_VALUES:
        raise ConfigError(f"in/notin take 1 to {MAX_IN_VALUES} values, got {len(items)}")
    return items


def orderby(*orders: str | Order) -> etree._Element:
    """An ``<orderby>`` element: plain names sort ascending, :class:`Order` says otherwise.

    Without an ``orderby`` the row order of a ``query`` is undefined (spec §3.4), so offset
    paging could skip or repeat rows.
    """
    if not orders:
        raise ConfigError("orderby needs at least one field")
    el = etree.Element("orderby")
    for order in orders:
        el.append((order if isinstance(order, Order) else Order(order)).node())
    return el


def modified_since(when: datetime) -> Condition:
    """``WHENMODIFIED >= when`` for incremental pulls (datetime literal MM/DD/YYYY HH:MM:SS).

    ``when`` must be naive, in the company's time zone: Intacct datetimes carry no zone.
    """
    if not isinstance(when, datetime):
        raise ConfigError("modified_since needs a datetime")
    return Field("WHENMODIFIED") >= when
