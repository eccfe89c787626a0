"""Input values -> storage form, one function per field kind of the sandbox catalogue.

Storage form is what :mod:`~recon.sandbox.bigtime.render` emits from: ``int`` for ids and
whole numbers, ``Decimal`` for money and hours (never float: money stays exact), ``str``
``YYYY-MM-DD`` for dates, ``YYYY-MM-DDTHH:MM:SS`` for datetimes, ``bool``, ``list``, and
``None`` for null. Each function raises :class:`ValueProblem` with a short reason; callers
turn it into a 400 (requests) or a :class:`~recon.errors.ConfigError` (seeds).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_WHOLE = re.compile(r"-?\d+")
#: BigTime emits and takes ``2025-01-31`` (docs/specs/bigtime-evidence.md §3.1); a midnight time
#: part is accepted on input.
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(T00:00:00(?:\.0+)?)?")


class ValueProblem(ValueError):
    """A value that does not fit its field's kind; the message says why."""


def to_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueProblem("must be a whole number, not true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())
    raise ValueProblem("must be a whole number")


def to_ref(value: Any) -> int | None:
    """A reference id; 0 means "none" (create bodies carry ``TaskSid: 0``,
    docs/specs/bigtime-rest-api.md §5)."""
    sid = to_int(value)
    return None if sid == 0 else sid


def to_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)  # ASP.NET model binding turns numbers into strings
    raise ValueProblem("must be text")


def to_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, float):
        # Floats never reach here from a request (bodies parse with Decimal); in a seed a
        # float would be a renderer bug that costs cents.
        raise ValueProblem("must be a decimal number (Decimal, int or numeric text)")
    if isinstance(value, int):
        return Decimal(value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueProblem("must be a number") from None
    if not number.is_finite():
        raise ValueProblem("must be a finite number")
    return number


def to_date(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        match = _DATE.fullmatch(value.strip())
        if match:
            try:
                return date.fromisoformat(match.group(1)).isoformat()
            except ValueError:
                pass
    raise ValueProblem("must be a date YYYY-MM-DD")


def to_datetime(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueProblem("must be a timestamp YYYY-MM-DDTHH:MM:SS") from None
        return parsed.replace(tzinfo=None).isoformat(timespec="seconds")
    raise ValueProblem("must be a timestamp YYYY-MM-DDTHH:MM:SS")


def to_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueProblem("must be true or false")


def to_list(value: Any) -> list[Any] | None:
    if value is None or isinstance(value, list):
        return value
    raise ValueProblem("must be a list")


#: Field kind -> coercion into storage form.
COERCE: dict[str, Callable[[Any], Any]] = {
    "sid": to_int,
    "sid_text": to_int,
    "ref": to_ref,
    "int": to_int,
    "text": to_text,
    "money": to_decimal,
    "hours": to_decimal,
    "date": to_date,
    "datetime": to_datetime,
    "bool": to_bool,
    "list": to_list,
}
