"""Request bodies and query parameters -> checked storage values, or a 400 naming the field.

BigTime matches body keys and parameter names case-insensitively and ignores fields it
does not know or does not let a caller write (spec §1, §5); values must fit their kind and
references must point at an existing record or list item (contract: unknown id -> 400).
An object body may be JSON or form-encoded (ev §2.13); ``View`` never refuses (ev §2.7).

Citations: "spec §N" is docs/specs/bigtime-rest-api.md, "ev §N"
docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from recon.sandbox.bigtime import guesses
from recon.sandbox.bigtime.catalogue import Resource
from recon.sandbox.bigtime.reply import Call, bad_request
from recon.sandbox.bigtime.store import Record, StoreNames
from recon.sandbox.bigtime.values import COERCE, ValueProblem, to_bool, to_date

#: Hours on one time entry (contract: between 0 and 24).
MAX_HOURS = Decimal(24)


def parse_json(body: bytes) -> Any:
    """The decoded body (numbers with a fraction as ``Decimal``); ``None`` when empty."""
    if not body.strip():
        return None
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(guesses.NOT_JSON_TEXT.format(detail=exc)) from None


def parse_form(body: bytes) -> dict[str, str]:
    """A form-encoded body (``a=1&b=2``); a repeated key keeps its last value."""
    try:
        text = body.decode("utf-8")
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text.strip())))
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(guesses.NOT_FORM_TEXT.format(detail=exc)) from None


def object_body(call: Call) -> dict[str, Any]:
    """The body as an object: JSON, or a form when the caller says so (ev §2.13)."""
    if call.content_type == guesses.FORM_MEDIA_TYPE:
        return parse_form(call.body)
    body = parse_json(call.body)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def array_body(call: Call) -> list[Any]:
    body = parse_json(call.body)
    if not isinstance(body, list):
        raise bad_request("The request body must be a JSON array.")
    return body


def flag(call: Call, name: str, default: bool = False) -> bool:
    """A true/false query parameter (``ShowInactive``, ``MarkSubmitted`` ...)."""
    raw = call.param(name)
    if raw is None or raw == "":
        return default
    try:
        return bool(to_bool(raw))
    except ValueProblem:
        raise bad_request(f"{name} must be true or false.") from None


def detailed(call: Call) -> bool:
    """``View=Detailed`` (any case) asks for the Detailed view; anything else is the default
    Basic view, never a 400 (ev §2.7, ``guesses.DETAILED_VIEW``)."""
    return (call.param("View") or "").strip().lower() == guesses.DETAILED_VIEW


def date_param(call: Call, name: str, *, required: bool) -> str | None:
    raw = call.param(name)
    if raw is None or raw.strip() == "":
        if required:
            raise bad_request(f"{name} is required (YYYY-MM-DD).")
        return None
    try:
        return to_date(raw)
    except ValueProblem:
        raise bad_request(f"{name} must be a date YYYY-MM-DD.") from None


def date_window(call: Call, start: str, end: str, *, required: bool = True) -> tuple[str, str]:
    """Both ends of an inclusive date window; missing optional ends are open."""
    first = date_param(call, start, required=required) or "0000-01-01"
    last = date_param(call, end, required=required) or "9999-12-31"
    return first, last


def fields(resource: Resource, body: Mapping[str, Any], names: StoreNames) -> Record:
    """Writable fields of ``body`` in storage form; unknown and read-only ones are dropped.

    Raises
    ------
    ApiError
        400 for a value of the wrong kind or a reference to nothing.
    """
    rec: Record = {}
    for key, value in body.items():
        field = resource.field(str(key))
        if field is None or not field.writable:
            continue  # ignored, as BigTime does (spec §5)
        try:
            rec[field.name] = COERCE[field.kind](value)
        except ValueProblem as exc:
            raise bad_request(f"{field.name} {exc}.") from None
        ref = rec[field.name]
        if field.kind == "ref" and ref is not None and not names.exists(field.ref, ref):
            raise bad_request(f"{field.name} {ref} is not a known {field.ref}.")
    return rec


def require(resource: Resource, rec: Record) -> None:
    """Every field ``resource`` requires on create must be present and non-empty."""
    for name in resource.required:
        value = rec.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise bad_request(f"{name} is required.")


def time_rules(rec: Record, names: StoreNames) -> None:
    """Hours within a day, and a task that belongs to the entry's project."""
    hours = rec.get("Hours_IN")
    if hours is not None and not Decimal(0) <= hours <= MAX_HOURS:
        raise bad_request("Hours_IN must be between 0 and 24.")
    task = rec.get("TaskSID")
    if task is not None and names.task_project(task) != rec.get("ProjectSID"):
        raise bad_request(f"TaskSID {task} does not belong to project {rec.get('ProjectSID')}.")
