"""The one helper that quotes values put into a ``readByQuery`` query string.

``readByQuery`` takes a small SQL-like string (spec §3.1): string literals in single quotes
with ``\\`` and ``'`` escaped by a backslash (``'Jane\\'s Deli'``; the PHP SDK uses
``addcslashes``), dates ``'MM/DD/YYYY'``, datetimes ``'MM/DD/YYYY HH:MM:SS'``, and enum or
boolean fields compared against their stored codes (``STATUS = 'T'``). Every value that enters
a query string goes through :func:`quote` (or :func:`quote_list`), every field name through
:func:`field_name`, and every condition through :func:`cond`: nothing else in recon assembles
query text from values. XML escaping of ``<`` and ``&`` is lxml's job when the string is put
into the ``<query>`` element.

Citations: "spec §N" is docs/specs/intacct-xml-api.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from recon.errors import ConfigError

#: Spec §6: ``in (...)`` takes at most 1,000 values.
MAX_IN_VALUES = 1000

_FIELD_RE = re.compile(r"[A-Za-z0-9_.]+")

#: Operators the readByQuery language knows (spec §3.1), lower-case.
_BINARY_OPS = frozenset({"=", "!=", "<>", "<", "<=", ">", ">=", "like", "not like"})
_LIST_OPS = frozenset({"in", "not in"})
_NULL_OPS = frozenset({"is null", "is not null"})

Quotable = str | int | Decimal | bool | date | datetime


def field_name(name: str) -> str:
    """Return ``name`` if it is a safe Intacct field (or object) name, else raise.

    Parameters
    ----------
    name:
        Letters, digits, ``_`` and ``.`` only (dotted names are related-object fields).

    Raises
    ------
    ConfigError
        For anything else: a name is pasted into query text and element names unquoted.
    """
    if not isinstance(name, str) or not _FIELD_RE.fullmatch(name) or ".." in name:
        raise ConfigError(f"not a valid Intacct field name: {name!r}")
    if name.startswith(".") or name.endswith("."):
        raise ConfigError(f"not a valid Intacct field name: {name!r}")
    return name


def bool_code(value: bool) -> str:
    """The stored code readByQuery compares booleans and STATUS against: ``T`` or ``F``.

    Spec §3.1: ``STATUS = 'F' AND ONETIME = 'T'``. (``query`` filters use display values
    instead; see :mod:`recon.intacct.filters`.)
    """
    if not isinstance(value, bool):
        raise ConfigError(f"expected a bool, got {type(value).__name__}")
    return "T" if value else "F"


def quote(value: Quotable) -> str:
    """Render ``value`` as one readByQuery literal.

    Parameters
    ----------
    value:
        ``str`` (quoted, ``\\`` and ``'`` backslash-escaped), ``int``, ``Decimal`` (plain
        notation, unquoted), ``bool`` (stored code ``'T'``/``'F'``), ``date``
        (``'MM/DD/YYYY'``) or naive ``datetime`` (``'MM/DD/YYYY HH:MM:SS'``).

    Raises
    ------
    ConfigError
        For ``None`` (use ``IS NULL``), floats (money is Decimal), non-finite Decimals,
        timezone-aware datetimes (Intacct datetimes carry no zone) and any other type.
    """
    if isinstance(value, bool):
        return _quote_str(bool_code(value))
    if isinstance(value, int | Decimal):  # numbers go unquoted
        return xml_text(value)
    if isinstance(value, str | date):  # date covers datetime
        return _quote_str(xml_text(value))
    raise ConfigError(f"cannot put a {type(value).__name__} into an Intacct query")


def quote_list(values: Iterable[Quotable]) -> str:
    """Render ``values`` as the parenthesised list of an ``in (...)`` condition.

    Raises
    ------
    ConfigError
        When the list is empty or longer than :data:`MAX_IN_VALUES`.
    """
    items = [quote(v) for v in values]
    if not items:
        raise ConfigError("an 'in' list needs at least one value")
    if len(items) > MAX_IN_VALUES:
        raise ConfigError(f"an 'in' list takes at most {MAX_IN_VALUES} values, got {len(items)}")
    return "(" + ", ".join(items) + ")"


def cond(field: str, op: str, value: Quotable | Iterable[Quotable] | None = None) -> str:
    """One readByQuery condition: ``cond("STATUS", "=", True)`` -> ``STATUS = 'T'``.

    Parameters
    ----------
    field:
        Checked by :func:`field_name`.
    op:
        ``=``, ``!=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, ``like``, ``not like``,
        ``in``, ``not in`` (``value`` an iterable), ``is null``, ``is not null`` (no value).
    """
    name = field_name(field)
    key = " ".join(op.lower().split())
    if key in _NULL_OPS:
        if value is not None:
            raise ConfigError(f"'{op}' takes no value")
        return name + " " + key.upper()
    if key in _LIST_OPS:
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise ConfigError(f"'{op}' needs a list of values")
        return name + " " + key.upper() + " " + quote_list(value)
    if key in _BINARY_OPS:
        if value is None or (isinstance(value, Iterable) and not isinstance(value, str)):
            raise ConfigError(f"'{op}' needs exactly one value")
        return name + " " + (key.upper() if key[0].isalpha() else key) + " " + quote(value)
    raise ConfigError(f"unknown readByQuery operator: {op!r}")


def all_of(*conditions: str) -> str:
    """Join conditions with ``AND``, each parenthesised so precedence cannot surprise."""
    return _join(" AND ", conditions)


def any_of(*conditions: str) -> str:
    """Join conditions with ``OR``, each parenthesised."""
    return _join(" OR ", conditions)


def decimal_text(value: Decimal) -> str:
    """Plain (never scientific) text of a finite Decimal: ``Decimal('1E+3')`` -> ``1000``."""
    if not value.is_finite():
        raise ConfigError(f"not a finite amount: {value}")
    return format(value, "f")


def date_text(value: date) -> str:
    """``MM/DD/YYYY`` (spec §3.1, parameter formats)."""
    # Not strftime: glibc renders %Y of years < 1000 without zero padding.
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"


def datetime_text(value: datetime) -> str:
    """``MM/DD/YYYY HH:MM:SS``; refuses aware datetimes (Intacct dates have no zone)."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        raise ConfigError(
            "Intacct datetimes have no time zone: pass a naive datetime in the company's zone"
        )
    return date_text(value) + f" {value.hour:02d}:{value.minute:02d}:{value.second:02d}"


def xml_text(value: Quotable) -> str:
    """The text Intacct expects inside an element: a ``query`` ``<value>`` or a record field.

    Booleans ``true``/``false``, dates ``MM/DD/YYYY``, datetimes ``MM/DD/YYYY HH:MM:SS``,
    Decimals plain (spec §3.4, §4.1). Unlike :func:`quote`, nothing is quoted or escaped:
    lxml escapes element text.

    Raises
    ------
    ConfigError
        For ``None``, floats and any other type.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return datetime_text(value)
    if isinstance(value, date):
        return date_text(value)
    raise ConfigError(f"cannot send a {type(value).__name__} to Intacct")


def _quote_str(text: str) -> str:
    # Backslash first, then the quote, so an escaped quote is never re-escaped.
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _join(sep: str, conditions: tuple[str, ...]) -> str:
    parts = [c for c in conditions if c]
    if not parts:
        raise ConfigError("nothing to combine")
    if len(parts) == 1:
        return parts[0]
    return sep.join("(" + c + ")" for c in parts)
