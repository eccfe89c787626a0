"""The two Intacct filter languages, parsed into one predicate tree, compiled to SQL.

- readByQuery's query string (docs/specs/intacct-xml-api.md §3.1): ``<, >, >=, <=, =, !=, <>, like,
  not like, in, not in, IS NULL, IS NOT NULL``, ``AND``/``OR``, a ``NOT`` prefix, parentheses,
  single-quoted literals with backslash-escaped quotes; enum and boolean fields compare against
  stored codes (``STATUS = 'T'``, timesheet ``STATE = 'A'``).
- ``query``'s XML filter tree (docs/specs/intacct-xml-api.md §3.4): ``and``/``or`` (>= 2 children,
  nesting freely), ``equalto`` ... ``between``, ``in``/``notin`` (<= 1000 values),
  ``isnull``/``isnotnull``, ``like``/``notlike``; values are display values.

Literals are converted to storage form while parsing (dates to ISO), so the tree is a
canonical, hashable cache key. String comparison is case-sensitive unless ``caseinsensitive``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal, Union

from lxml import etree

from recon.sandbox.intacct import guesses, values
from recon.sandbox.intacct.catalogue import Kind, ObjectSpec

MAX_IN_VALUES = 1000


class QueryError(Exception):
    """The query or filter is malformed; the message says how."""


class UnknownFieldsError(QueryError):
    """Fields that do not exist on the object."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


# --- predicate tree ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cmp:
    field: str
    op: str  # = != < <= > >=
    value: str


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True)
class Like:
    field: str
    pattern: str
    negate: bool = False


@dataclass(frozen=True)
class Null:
    field: str
    negate: bool = False


@dataclass(frozen=True)
class Between:
    field: str
    low: str
    high: str


@dataclass(frozen=True)
class And:
    items: tuple[Pred, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Pred, ...]


@dataclass(frozen=True)
class Not:
    item: Pred


Pred = Union[Cmp, In, Like, Null, Between, And, Or, Not]  # noqa: UP007 - recursive alias
Mode = Literal["codes", "display"]
Order = tuple[tuple[str, bool], ...]


# --- literal conversion -----------------------------------------------------------------


class _Fields:
    """Resolves field names against a schema and converts literals for them."""

    def __init__(self, schema: ObjectSpec, mode: Mode) -> None:
        self.schema = schema
        self.mode = mode
        self.unknown: list[str] = []

    def name(self, raw: str) -> str:
        name = raw.strip().upper()
        if name not in self.schema.fields and name not in self.unknown:
            self.unknown.append(name)
        return name

    def check(self) -> None:
        if self.unknown:
            raise UnknownFieldsError(self.unknown)

    def literal(self, field: str, text: str) -> str:
        kind = self.schema.fields.get(field)
        if kind is None:
            return text
        if self.mode == "codes":
            text = _code(self.schema.name, field, kind, text)
        if kind in ("date", "datetime"):
            return _date_literal(kind, text)
        if kind in values.NUMERIC_KINDS or field == "RECORDNO":
            return _number_literal(field, text)
        if kind in ("bool", "status"):
            return text.lower()
        return text


def _code(obj: str, field: str, kind: str, text: str) -> str:
    codes: Mapping[str, str] | None = guesses.STATE_CODES.get((obj, field))
    if codes is None and kind == "status":
        codes = guesses.STATUS_CODES
    if codes is None and kind == "bool":
        codes = guesses.BOOL_CODES
    return codes.get(text, text) if codes else text


def _date_literal(kind: Kind, text: str) -> str:
    try:
        if kind == "date" and len(text.strip()) > 10:
            return (values.to_storage("datetime", text) or "")[:10]
        return values.to_storage(kind, text) or ""
    except ValueError:
        raise QueryError(f"Invalid date '{text}': use mm/dd/yyyy or mm/dd/yyyy hh:mm:ss") from None


def _number_literal(field: str, text: str) -> str:
    try:
        Decimal(text.strip())
    except InvalidOperation:
        raise QueryError(f"Invalid number '{text}' for field {field}") from None
    return text.strip()


# --- readByQuery query strings ----------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:\\.|[^'\\])*')
      | (?P<op><=|>=|<>|!=|=|<|>)
      | (?P<punct>[(),])
      | (?P<num>-?\d+(?:\.\d+)?(?![\w.]))
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset({"AND", "OR", "NOT", "LIKE", "IN", "IS", "NULL"})
_SQL_OPS = {"=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(f"Query syntax error near '{text[pos : pos + 20].strip()}'")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])  # \' -> '  (PHP addcslashes)
        elif kind == "word" and value.upper() in _KEYWORDS:
            kind, value = "kw", value.upper()
        tokens.append((kind, value))
        pos = m.end()
    return tokens


class _QueryParser:
    def __init__(self, text: str, fields: _Fields) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.fields = fields

    def peek(self, offset: int = 0) -> tuple[str, str]:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else ("end", "")

    def take(self, kind: str, value: str | None = None) -> str:
        tok = self.peek()
        if tok[0] != kind or (value is not None and tok[1] != value):
            got = tok[1] or "end of query"
            raise QueryError(f"Query syntax error: expected {value or kind}, got '{got}'")
        self.pos += 1
        return tok[1]

    def parse(self) -> Pred | None:
        if not self.tokens:
            return None
        pred = self.or_expr()
        if self.peek()[0] != "end":
            raise QueryError(f"Query syntax error near '{self.peek()[1]}'")
        return pred

    def or_expr(self) -> Pred:
        items = [self.and_expr()]
        while self.peek() == ("kw", "OR"):
            self.pos += 1
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Pred:
        items = [self.not_expr()]
        while self.peek() == ("kw", "AND"):
            self.pos += 1
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Pred:
        if self.peek() == ("kw", "NOT"):
            self.pos += 1
            return Not(self.not_expr())
        if self.peek() == ("punct", "("):
            self.pos += 1
            inner = self.or_expr()
            self.take("punct", ")")
            return inner
        return self.condition()

    def literal(self) -> str:
        kind, value = self.peek()
        if kind not in ("str", "num"):
            raise QueryError(f"Query syntax error: expected a value, got '{value or 'end'}'")
        self.pos += 1
        return value

    def condition(self) -> Pred:
        field = self.fields.name(self.take("word"))
        kind, value = self.peek()
        if kind == "op":
            self.pos += 1
            return Cmp(field, _SQL_OPS[value], self.fields.literal(field, self.literal()))
        negate = False
        if (kind, value) == ("kw", "NOT"):
            self.pos += 1
            negate = True
            kind, value = self.peek()
        if (kind, value) == ("kw", "LIKE"):
            self.pos += 1
            return Like(field, self.literal(), negate)
        if (kind, value) == ("kw", "IN"):
            self.pos += 1
            return In(field, self.in_list(field), negate)
        if (kind, value) == ("kw", "IS") and not negate:
            self.pos += 1
            is_not = self.peek() == ("kw", "NOT")
            self.pos += is_not
            self.take("kw", "NULL")
            return Null(field, is_not)
        raise QueryError(f"Query syntax error: no operator after {field}")

    def in_list(self, field: str) -> tuple[str, ...]:
        self.take("punct", "(")
        items = [self.fields.literal(field, self.literal())]
        while self.peek() == ("punct", ","):
            self.pos += 1
            items.append(self.fields.literal(field, self.literal()))
        self.take("punct", ")")
        if len(items) > MAX_IN_VALUES:
            raise QueryError(f"Too many values in IN list (max {MAX_IN_VALUES})")
        return tuple(items)


def parse_query_string(text: str | None, schema: ObjectSpec) -> Pred | None:
    """Parse a readByQuery ``<query>`` string (``None``: no condition, every record).

    Raises
    ------
    UnknownFieldsError, QueryError
    """
    fields = _Fields(schema, "codes")
    pred = _QueryParser(text or "", fields).parse()
    fields.check()
    return pred


# --- query filters (XML) ----------------------------------------------------------------

_LEAF_OPS = {
    "equalto": "=",
    "notequalto": "!=",
    "lessthan": "<",
    "lessthanorequalto": "<=",
    "greaterthan": ">",
    "greaterthanorequalto": ">=",
}


def _children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _filter_node(el: etree._Element, fields: _Fields) -> Pred:
    tag = el.tag
    if tag in ("and", "or"):
        items = tuple(_filter_node(c, fields) for c in _children(el))
        if len(items) < 2:
            raise QueryError(f"<{tag}> needs at least two conditions")
        return And(items) if tag == "and" else Or(items)
    field_el = el.find("field")
    if field_el is None or not (field_el.text or "").strip():
        raise QueryError(f"<{tag}> needs a <field>")
    field = fields.name(field_el.text or "")
    raw = [v.text or "" for v in el.findall("value")]
    conv = [fields.literal(field, v) for v in raw]
    if tag in _LEAF_OPS or tag in ("like", "notlike"):
        if len(raw) != 1:
            raise QueryError(f"<{tag}> needs exactly one <value>")
        if tag in _LEAF_OPS:
            return Cmp(field, _LEAF_OPS[tag], conv[0])
        return Like(field, raw[0], tag == "notlike")
    if tag == "between":
        if len(conv) != 2:
            raise QueryError("<between> needs exactly two <value> elements")
        return Between(field, conv[0], conv[1])
    if tag in ("in", "notin"):
        if not 1 <= len(conv) <= MAX_IN_VALUES:
            raise QueryError(f"<{tag}> needs 1 to {MAX_IN_VALUES} <value> elements")
        return In(field, tuple(conv), tag == "notin")
    if tag in ("isnull", "isnotnull"):
        return Null(field, tag == "isnotnull")
    raise QueryError(f"Unknown filter operator <{tag}>")


def parse_filter(filter_el: etree._Element | None, schema: ObjectSpec) -> Pred | None:
    """Parse a ``query`` ``<filter>`` element (``None`` or empty: every record)."""
    if filter_el is None:
        return None
    children = _children(filter_el)
    if not children:
        return None
    if len(children) > 1:
        raise QueryError("<filter> takes exactly one operator; combine them with <and>/<or>")
    fields = _Fields(schema, "display")
    pred = _filter_node(children[0], fields)
    fields.check()
    return pred


def parse_orderby(orderby_el: etree._Element | None, schema: ObjectSpec) -> Order:
    """``<orderby><order><field/><descending/></order>...`` -> ((field, descending), ...)."""
    if orderby_el is None:
        return ()
    fields = _Fields(schema, "display")
    out = []
    for order in orderby_el.findall("order"):
        field = fields.name(order.findtext("field") or "")
        out.append((field, order.find("descending") is not None))
    fields.check()
    return tuple(out)


# --- SQL --------------------------------------------------------------------------------


def column(field: str) -> str:
    """Quoted SQL column of a schema field (callers pass only validated schema names)."""
    return "RECORDNO" if field == "RECORDNO" else '"' + field.replace('"', "") + '"'


def _expr(field: str, schema: ObjectSpec, ci: bool, *, as_text: bool = False) -> str:
    kind = schema.fields.get(field)
    col = column(field)
    if field == "RECORDNO":  # the INTEGER primary key: compare and sort it as it is
        return col
    if as_text and kind == "date":
        col = f"(substr({col},6,2)||'/'||substr({col},9,2)||'/'||substr({col},1,4))"
    elif as_text and kind == "datetime":
        col = (
            f"(substr({col},6,2)||'/'||substr({col},9,2)||'/'||substr({col},1,4)||substr({col},11))"
        )
    elif not as_text and kind in values.NUMERIC_KINDS:
        return f"CAST({col} AS NUMERIC)"
    return f"lower({col})" if ci else col


def _param(field: str, schema: ObjectSpec, ci: bool) -> str:
    kind = schema.fields.get(field)
    if kind in values.NUMERIC_KINDS or field == "RECORDNO":
        return "CAST(? AS NUMERIC)"
    return "lower(?)" if ci else "?"


def _glob(pattern: str) -> str:
    # SQLite's LIKE ignores case; GLOB does not. Escape GLOB's own specials first.
    out = []
    for ch in pattern:
        if ch in "*?[":
            out.append(f"[{ch}]")
        elif ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        else:
            out.append(ch)
    return "".join(out)


def to_sql(pred: Pred | None, schema: ObjectSpec, ci: bool = False) -> tuple[str, list[str]]:
    """Compile ``pred`` to a SQL condition and its parameters (``"1"`` for no condition)."""
    if pred is None:
        return "1", []
    params: list[str] = []
    sql = _sql(pred, schema, ci, params)
    return sql, params


def _sql(pred: Pred, schema: ObjectSpec, ci: bool, params: list[str]) -> str:
    if isinstance(pred, (And, Or)):
        joiner = " AND " if isinstance(pred, And) else " OR "
        return "(" + joiner.join(_sql(p, schema, ci, params) for p in pred.items) + ")"
    if isinstance(pred, Not):
        return "(NOT " + _sql(pred.item, schema, ci, params) + ")"
    if isinstance(pred, Null):
        return f"({column(pred.field)} IS {'NOT ' if pred.negate else ''}NULL)"
    if isinstance(pred, Like):
        params.append(_glob(pred.pattern))
        glob = "GLOB lower(?)" if ci else "GLOB ?"
        expr = _expr(pred.field, schema, ci, as_text=True)
        return f"({'NOT ' if pred.negate else ''}{expr} {glob})"
    expr, ph = _expr(pred.field, schema, ci), _param(pred.field, schema, ci)
    if isinstance(pred, Cmp):
        params.append(pred.value)
        return f"({expr} {pred.op} {ph})"
    if isinstance(pred, Between):
        params.extend((pred.low, pred.high))
        return f"({expr} BETWEEN {ph} AND {ph})"
    params.extend(pred.values)
    marks = ", ".join([ph] * len(pred.values))
    return f"({expr} {'NOT IN' if pred.negate else 'IN'} ({marks}))"


def order_sql(order: Order, schema: ObjectSpec) -> str:
    """ORDER BY clause; NULLs last ascending as on Oracle; RECORDNO breaks ties."""
    parts = []
    for field, descending in order:
        expr = _expr(field, schema, False)
        parts.append(f"{expr} DESC NULLS FIRST" if descending else f"{expr} ASC NULLS LAST")
    if not any(f == "RECORDNO" for f, _ in order):
        parts.append("RECORDNO ASC")
    return ", ".join(parts)
