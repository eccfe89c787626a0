"""BigTime JSON bodies -> Python values: numbers exact, every failure worded.

msgspec decodes (about twice as fast as the stdlib); whatever it refuses goes through the
stdlib decoder, which says exactly what is wrong. Numbers with a fraction or an exponent
become :class:`~decimal.Decimal` made from their own text (``1250.50`` stays
``Decimal("1250.50")``), never through float; integers stay ``int``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NoReturn

import msgspec

from recon.errors import MalformedResponseError

SYSTEM = "bigtime"


def decode_records(
    resource: str, body: bytes | str, *, operation: str = ""
) -> list[dict[str, Any]]:
    """Decode a BigTime JSON array body into its records, numbers exact.

    Parameters
    ----------
    resource:
        The resource the body holds (for error messages), e.g. ``"time"``.
    body:
        The response body, UTF-8 (a byte-order mark is tolerated).
    operation:
        The request, e.g. ``"GET /time/Sheet/12"``, carried by errors.

    Returns
    -------
    list[dict]
        The records; non-integer numbers are :class:`~decimal.Decimal`, integers ``int``.

    Raises
    ------
    MalformedResponseError
        Not JSON, not an array, or an element that is not an object.
    """
    data = _fast_decode(body)
    if data is _UNDECODED:  # the stdlib decoder says exactly what is wrong
        data = _decode_or_explain(resource, body, operation)
    if not isinstance(data, list):
        malformed(
            f"BigTime's {resource} response is a JSON {json_type(data)}, not an array",
            operation,
        )
    return data


class _Decimals(dict[str, Decimal]):
    """JSON number text -> its Decimal, each text converted once.

    Amounts repeat a lot (a firm has a few rates; hours come in quarters): a year of time
    sheets holds a few hundred distinct numbers among 100,000+. Decimals are immutable, so
    sharing one between records is safe. Cleared when full, to stay bounded.
    """

    def __missing__(self, text: str) -> Decimal:
        if len(self) >= _DECIMAL_CACHE_SIZE:
            self.clear()
        value = self[text] = Decimal(text)
        return value


_DECIMAL_CACHE_SIZE = 65536
#: For msgspec's ``float_hook``, which receives the text of each number with a fraction or
#: exponent: the amount as an exact Decimal, as ``parse_float=Decimal`` makes it.
exact_decimal: Callable[[str], Decimal] = _Decimals().__getitem__

_UNDECODED = object()
#: msgspec decodes JSON about twice as fast as the stdlib.
_DECODER = msgspec.json.Decoder(float_hook=exact_decimal)


def _fast_decode(body: bytes | str) -> Any:
    """The decoded body, or ``_UNDECODED`` for anything msgspec refuses (not JSON, NaN, a
    byte-order mark, deep nesting): the stdlib path then decides and words the error."""
    if isinstance(body, str):
        return _UNDECODED
    try:
        return _DECODER.decode(body)
    except (msgspec.DecodeError, RecursionError, ValueError):
        return _UNDECODED


def _decode_or_explain(resource: str, body: bytes | str, operation: str) -> Any:
    try:
        text = body if isinstance(body, str) else bytes(body).decode("utf-8-sig")
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        malformed(f"BigTime's {resource} response is not UTF-8 ({exc.reason})", operation)
    except json.JSONDecodeError as exc:
        malformed(f"BigTime's {resource} response is not JSON ({exc.msg} at {exc.pos})", operation)
    except (ValueError, RecursionError) as exc:
        malformed(f"BigTime's {resource} response is not usable JSON ({exc})", operation)


def _refuse_constant(name: str) -> NoReturn:
    # json.loads accepts NaN/Infinity by default; they are not JSON and not amounts.
    raise ValueError(f"{name} is not a JSON number")


def json_type(value: object) -> str:
    """What JSON calls the type of a decoded ``value`` (for messages)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return "number"
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def malformed(message: str, operation: str) -> NoReturn:
    """Raise :class:`MalformedResponseError` for BigTime's answer to ``operation``."""
    raise MalformedResponseError(message + ".", system=SYSTEM, operation=operation)
