"""JSON in and out of BigTime: Decimal numbers, canonical key spelling, dates.

BigTime matches field names case-insensitively and spells some of them differently by
endpoint (``StaffSID`` in the staff list, ``StaffSid`` in its detail):
docs/specs/bigtime-rest-api.md §1 (DOC) and §4.3. Every object received is therefore rewritten to
the canonical spelling of :mod:`recon.bigtime.resources`; keys the catalogue does not know are kept
as received. Numbers are decoded with ``parse_float=Decimal``: integers stay ``int``, everything
with a fraction or exponent becomes ``Decimal`` -- never ``float`` (money is Decimal end to end).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

from recon.bigtime import resources
from recon.bigtime.resources import API_ROOT, Resource
from recon.errors import ConfigError, MalformedResponseError

#: Nested list fields and the resource their items follow.
NESTED: Mapping[str, Resource] = {
    "UdfList": resources.UDF,
    "Lines": resources.INVOICE_LINE,
}

# Path (relative to the API root, lower case) -> resource of what it answers. Order matters:
# the first match wins, so the more specific routes come first.
_ROUTES: tuple[tuple[re.Pattern[str], Resource], ...] = tuple(
    (re.compile(pattern), resources.resource(name))
    for pattern, name in (
        (r"^/project/team/", "team_member"),
        (r"^/project/customfields(byname)?/", "udf"),
        (r"^/staff/udflist(byname)?/", "udf"),
        (r"^/client(/detail(/-?\d+)?)?/?$", "client"),
        (r"^/project(/detail(/-?\d+)?)?/?$", "project"),
        (r"^/staff(/detail(/-?\d+)?|/add)?/?$", "staff"),
        (r"^/time(/sheet/-?\d+|/byproject/-?\d+|/-?\d+)?/?$", "time"),
        (r"^/invoice/(history|drafts|detail/-?\d+)/?$", "invoice"),
        (r"^/task/(listbyproject|detail)/-?\d+/?$", "task"),
        (r"^/expense/(reportbyfilter|detail(/-?\d+)?)/?$", "expense"),
        (r"^/picklist/", "picklist_item"),
    )
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$")


# --- decoding --------------------------------------------------------------------------


def decode_json(content: bytes, *, doing: str) -> Any:
    """Decode a BigTime JSON body; numbers with a fraction become ``Decimal``.

    Raises
    ------
    MalformedResponseError
        The body is empty, an HTML/XML page, or not valid JSON (``NaN`` included). The
        message names ``doing`` and what was wrong, never the body itself.
    """
    problem = body_problem(content)
    if problem:
        _malformed(doing, problem)
    try:
        return json.loads(content, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, NaN, depth
        _malformed(doing, f"the body is not valid JSON ({type(exc).__name__})")


def body_problem(content: bytes) -> str:
    """Why ``content`` cannot be a JSON answer at a glance, or ``""`` if it might be."""
    head = content.lstrip()[:64].lower()
    if not head:
        return "the body is empty"
    if head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page came back instead of JSON"
    if head.startswith(b"<"):
        return "an XML/HTML document came back instead of JSON"
    return ""


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number BigTime sends")


def _malformed(doing: str, problem: str) -> NoReturn:
    raise MalformedResponseError(f"{doing}: {problem}", system="bigtime", operation=doing)


# --- key normalisation -----------------------------------------------------------------


def normalise(data: Any, resource: Resource | None) -> Any:
    """``data`` with every object's keys in ``resource``'s canonical spelling.

    Lists are normalised item by item; ``resource=None`` returns ``data`` unchanged.
    """
    if resource is None:
        return data
    if isinstance(data, list):
        return [normalise(item, resource) for item in data]
    if isinstance(data, Mapping):
        return normalise_record(data, resource)
    return data


def normalise_record(obj: Mapping[str, Any], resource: Resource) -> dict[str, Any]:
    """One object with known keys respelled canonically and nested lists normalised.

    Unknown keys are kept as received. If two received keys differ only in case (never
    seen), the first one wins, so a later duplicate cannot silently replace a value.
    """
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = resource.canonical(key) or key
        if name in out:
            continue
        nested = NESTED.get(name)
        if nested is not None and isinstance(value, list):
            value = [normalise(item, nested) for item in value]
        out[name] = value
    return out


def expect_list(data: Any, resource: Resource | None, *, doing: str) -> list[Any]:
    """``data`` as a normalised list of objects, or :class:`MalformedResponseError`."""
    if not isinstance(data, list):
        _malformed(doing, f"expected a JSON array, got {_kind(data)}")
    for i, item in enumerate(data):
        if resource is not None and not isinstance(item, dict):
            _malformed(doing, f"item {i} of the array is {_kind(item)}, not an object")
    return normalise(data, resource)


def expect_object(data: Any, resource: Resource | None, *, doing: str) -> dict[str, Any]:
    """``data`` as a normalised object, or :class:`MalformedResponseError`."""
    if not isinstance(data, dict):
        _malformed(doing, f"expected a JSON object, got {_kind(data)}")
    return normalise(data, resource)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else f"a {type(value).__name__} value"


def lookup(obj: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """``obj[key]`` with ``key`` matched case-insensitively (exact spelling first)."""
    if key in obj:
        return obj[key]
    lower = key.lower()
    for k, v in obj.items():
        if k.lower() == lower:
            return v
    return default


def resource_for_path(path: str) -> Resource | None:
    """The resource whose objects ``path`` answers with, or None when not catalogued.

    ``path`` is relative to the API root (the root itself is also stripped if present);
    BigTime matches paths case-insensitively (docs/specs/bigtime-rest-api.md §1).
    """
    rel = path.split("?", 1)[0].lower()
    root = API_ROOT.lower()
    if rel.startswith(root):
        rel = rel[len(root) :]
    rel = "/" + rel.lstrip("/")
    for pattern, resource in _ROUTES:
        if pattern.search(rel):
            return resource
    return None


# --- dates -----------------------------------------------------------------------------


def parse_date(value: Any) -> date | None:
    """A BigTime date: ``"2025-01-31"`` or ASP.NET's ``"2025-01-31T00:00:00"``.

    ``None`` and ``""`` give None; a ``date``/``datetime`` gives its date; anything else
    that is not a date raises ``ValueError``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value.strip()):
        return date.fromisoformat(value.strip()[:10])
    raise ValueError(f"not a BigTime date: {value!r}")


def parse_datetime(value: Any) -> datetime | None:
    """A BigTime timestamp (``"2025-01-31T14:05:00"``, fractions and offsets allowed)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str) and _DATE_RE.match(value.strip()):
        return datetime.fromisoformat(value.strip())
    raise ValueError(f"not a BigTime timestamp: {value!r}")


# --- encoding --------------------------------------------------------------------------


def encode_json(value: Any) -> bytes:
    """``value`` as JSON bytes, with ``Decimal`` written as an exact JSON number.

    ``json.dumps`` cannot write a Decimal without a float round trip, so bodies are
    written here. Dates become ``YYYY-MM-DD`` (docs/specs/bigtime-rest-api.md §4: dates on input).
    Floats are refused: money and hours are Decimal end to end.

    Raises
    ------
    ConfigError
        A float, a non-finite Decimal, or a value JSON cannot hold.
    """
    return _encode(value).encode("utf-8")


def _encode(value: Any) -> str:
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ConfigError(f"cannot send {value} to BigTime: not a finite number")
        return format(value, "f")
    if isinstance(value, datetime):
        return json.dumps(value.isoformat(timespec="seconds"))
    if isinstance(value, date):
        return json.dumps(value.isoformat())
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k), ensure_ascii=False)}:{_encode(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    if isinstance(value, float):
        raise ConfigError("BigTime bodies take Decimal, not float (money is never a float)")
    raise ConfigError(f"cannot send a {type(value).__name__} to BigTime as JSON")
