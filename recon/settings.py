"""A profile's integration settings: the ``[profiles.<name>.settings]`` table of config.toml.

What BigTime's own integration keeps under "Integration Settings > General", in one place:
which entities are pushed and which way, what a record found only in the target becomes,
the invoice and adjustment accounts, the project category and timesheet state a create
needs, the timesheet week start, the default tolerances, and segregation of duties. Every
default is what recon did before the table existed, so a profile without it behaves as
before. For example::

    [profiles.acme.settings]
    invoice_account = "4010"
    week_start = "sunday"
    money_tolerance = "0.05"
    approver_must_differ = true

    [profiles.acme.settings.sync]  # "intacct_to_bigtime", "bigtime_to_intacct" or "review"
    invoice = "review"

    [profiles.acme.settings.only_in_target]  # "deactivate", "create_in_source" or "review"
    customer = "create_in_source"  # a client created in BigTime is created in Intacct

This module sits beside :mod:`recon.config` at the bottom of the layers, so it cannot read
the entity registry (:mod:`recon.canonical`): the entities it names are listed here and
``tests/test_settings.py`` holds them to the registry.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Final

from recon.errors import ConfigError

#: Reads one setting's value (where it is written, its key, the value as TOML gave it).
_Parser = Callable[["_Where", str, object], object]

#: ``sync`` values: the system of record -> the target, or every change review-only.
INTACCT_TO_BIGTIME: Final = "intacct_to_bigtime"
BIGTIME_TO_INTACCT: Final = "bigtime_to_intacct"
REVIEW: Final = "review"

#: The entities recon can push, and the ``sync`` values each takes. Master data may flow
#: either way (both writers create and update them); posted time, invoices and employee
#: expenses have no BigTime writer, so they go to Intacct or are reviewed only. Reference
#: lists and payments are never pushed (BigTime's lists are read-only in its API, it has no
#: payment API): they are not offered.
SYNC_CHOICES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "customer": (INTACCT_TO_BIGTIME, BIGTIME_TO_INTACCT, REVIEW),
        "project": (INTACCT_TO_BIGTIME, BIGTIME_TO_INTACCT, REVIEW),
        "employee": (INTACCT_TO_BIGTIME, BIGTIME_TO_INTACCT, REVIEW),
        "time_entry": (BIGTIME_TO_INTACCT, REVIEW),
        "invoice": (BIGTIME_TO_INTACCT, REVIEW),
        "expense": (BIGTIME_TO_INTACCT, REVIEW),
    }
)
#: ``only_in_target`` values, for the master data that has a status to deactivate
#: (``recon.plan.directions.ONLY_IN_TARGET``).
ONLY_IN_TARGET_CHOICES: tuple[str, ...] = ("deactivate", "create_in_source", "review")
ONLY_IN_TARGET_ENTITIES: tuple[str, ...] = ("customer", "project", "employee")

#: Week days as ``date.weekday()`` numbers (Monday = 0).
WEEKDAYS: Mapping[str, int] = MappingProxyType(
    {
        d: n
        for n, d in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    }
)
#: docs/specs/intacct-xml-api.md §5 TIMESHEET: a generic create takes Draft or Submitted.
TIMESHEET_STATES: tuple[str, ...] = ("Draft", "Submitted")


@dataclass(frozen=True)
class IntegrationSettings:
    """One profile's integration settings; the defaults are recon's behaviour without any.

    Example::

        >>> settings = recon.load_profile("sandbox").settings
        >>> settings.invoice_account, settings.week_start
        ('4000', 'monday')
    """

    #: entity -> ``"intacct_to_bigtime"`` / ``"bigtime_to_intacct"`` / ``"review"``; an
    #: entity not named keeps the design's direction (docs/DESIGN.md "What syncs").
    sync: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: entity -> what a record only in the target becomes (``deactivate`` it there,
    #: ``create_in_source``, ``review``); an entity not named keeps the design's.
    only_in_target: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: GL account of a pushed invoice's lines (IntacctWriter's ``invoice_account``).
    invoice_account: str = "4000"
    #: Item of a pushed invoice's lines (empty: none, as before).
    invoice_item: str = ""
    #: GL account of an adjustment or credit memo (before: the invoice account).
    adjustment_account: str = "4000"
    #: PROJECTCATEGORY of a project created in Intacct.
    project_category: str = "Contract"
    #: STATE of a timesheet created in Intacct (``Draft`` or ``Submitted``). Draft: the
    #: week's later entries are added to it; a Submitted sheet is never rewritten.
    timesheet_state: str = "Draft"
    #: First day of a timesheet week, a lower-case English day name.
    week_start: str = "monday"
    #: Default tolerances (a notebook's or ``recon run -p`` value overrides them).
    money_tolerance: str = "0"
    hours_tolerance: str = "0"
    #: Segregation of duties: whoever prepared a run cannot approve its changes.
    approver_must_differ: bool = False

    @property
    def week_start_day(self) -> int:
        """The week start as ``date.weekday()`` (Monday = 0)."""
        return WEEKDAYS[self.week_start]

    def as_toml(self) -> dict[str, object]:
        """The settings that differ from the defaults, as a ``settings`` table to save."""
        default = IntegrationSettings()
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != getattr(default, f.name):
                out[f.name] = dict(value) if isinstance(value, Mapping) else value
        return out


#: The keys of a ``settings`` table.
KEYS: tuple[str, ...] = tuple(f.name for f in fields(IntegrationSettings))


def parse_settings(table: object, profile: str, path: Path | str) -> IntegrationSettings:
    """``[profiles.<profile>.settings]`` (None when absent) as :class:`IntegrationSettings`.

    Raises
    ------
    ConfigError
        An unknown key or a bad value: one message with the file, the key
        (``profiles.acme.settings.week_start``), the value and what is allowed.
    """
    if table is None:
        return IntegrationSettings()
    where = _Where(profile, Path(path))
    if not isinstance(table, Mapping):
        raise where.bad("", table, f"a table ([profiles.{profile}.settings])")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise where.unknown(unknown[0], KEYS)
    values: dict[str, object] = {}
    for key, value in table.items():
        values[key] = _PARSERS[key](where, key, value)
    return IntegrationSettings(**values)  # type: ignore[arg-type]  # each parser returns its field's type


@dataclass(frozen=True)
class _Where:
    """Where a setting is written, for its error message."""

    profile: str
    path: Path

    def key(self, key: str) -> str:
        return f"profiles.{self.profile}.settings" + (f".{key}" if key else "")

    def bad(self, key: str, value: object, allowed: str) -> ConfigError:
        return ConfigError(
            f"{self.path}: {self.key(key)} = {value!r} is not allowed; it must be {allowed}. "
            "Correct it, or remove it for the default."
        )

    def unknown(self, key: str, known: tuple[str, ...] | Mapping[str, object]) -> ConfigError:
        return ConfigError(
            f"{self.path}: {self.key(key)} is not a setting recon knows; known: "
            f"{', '.join(known)}. Remove it or correct its name."
        )


def _text(where: _Where, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.bad(key, value, "non-empty text in quotes")
    return value.strip()


def _optional_text(where: _Where, key: str, value: object) -> str:
    if not isinstance(value, str):
        raise where.bad(key, value, 'text in quotes ("" for none)')
    return value.strip()


def _choice(choices: tuple[str, ...]) -> _Parser:
    def parse(where: _Where, key: str, value: object) -> str:
        if not isinstance(value, str) or value not in choices:
            raise where.bad(key, value, "one of " + ", ".join(map(repr, choices)))
        return value

    return parse


def _week_start(where: _Where, key: str, value: object) -> str:
    text = value.strip().lower() if isinstance(value, str) else ""
    if text not in WEEKDAYS:
        raise where.bad(key, value, "a day of the week, e.g. 'monday' or 'sunday'")
    return text


def _tolerance(where: _Where, key: str, value: object) -> str:
    ok = isinstance(value, str | int | float) and not isinstance(value, bool)
    try:
        number = Decimal(str(value).strip()) if ok else None
    except decimal.InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0:
        raise where.bad(key, value, 'a number >= 0 in quotes, e.g. "0.05"')
    return str(value).strip()


def _flag(where: _Where, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise where.bad(key, value, "true or false")
    return value


def _per_entity(choices: Mapping[str, tuple[str, ...]]) -> _Parser:
    def parse(where: _Where, key: str, value: object) -> Mapping[str, str]:
        if not isinstance(value, Mapping):
            raise where.bad(key, value, f"a table ([{where.key(key)}]) of entity = value")
        out: dict[str, str] = {}
        for entity, choice in value.items():
            if entity not in choices:
                raise where.unknown(f"{key}.{entity}", choices)
            out[entity] = str(_choice(choices[entity])(where, f"{key}.{entity}", choice))
        return MappingProxyType(out)

    return parse


_PARSERS: Mapping[str, _Parser] = MappingProxyType(
    {
        "sync": _per_entity(SYNC_CHOICES),
        "only_in_target": _per_entity(
            dict.fromkeys(ONLY_IN_TARGET_ENTITIES, ONLY_IN_TARGET_CHOICES)
        ),
        "invoice_account": _text,
        "invoice_item": _optional_text,
        "adjustment_account": _text,
        "project_category": _text,
        "timesheet_state": _choice(TIMESHEET_STATES),
        "week_start": _week_start,
        "money_tolerance": _tolerance,
        "hours_tolerance": _tolerance,
        "approver_must_differ": _flag,
    }
)
