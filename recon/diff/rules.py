"""How each canonical field is compared: normalisation for text, tolerance for amounts.

A :class:`FieldRule` says how one field is compared; :class:`CompareRules` holds a rule per
canonical kind (the defaults) and overrides per ``(entity, field)``. Rules never make a
raw difference disappear silently except through a tolerance: a text difference that
vanishes under the field's normalisation is still reported, as ``"cosmetic"``, so the
accountant sees ``"Acme"`` against ``"ACME"`` and decides.
"""

from __future__ import annotations

import decimal
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType

from recon.canonical import ENTITIES, Kind
from recon.errors import ConfigError

#: Kinds held as text: normalisation (case, whitespace, unicode) applies to them.
TEXT_KINDS: frozenset[str] = frozenset({"id", "text", "status"})
#: Kinds held as numbers: tolerances apply to them.
NUMERIC_KINDS: frozenset[str] = frozenset({"money", "hours", "int"})

# Tolerance arithmetic runs in a context wide enough that subtracting two amounts is exact:
# the default 28 digits would round a difference of amounts with more digits than that.
_EXACT = decimal.Context(prec=200, traps=[decimal.InvalidOperation])


def _tolerance(name: str, value: object) -> Decimal:
    """``value`` as a non-negative finite Decimal; floats are refused (money is never float)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ConfigError(
            f"{name} must be a Decimal, an int or a numeric string (got {type(value).__name__}:"
            f" {value!r}); floats are refused because amounts are compared exactly"
        )
    try:
        tol = Decimal(value)
    except decimal.InvalidOperation:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not tol.is_finite() or tol < 0:
        raise ConfigError(f"{name} must be a finite number >= 0, got {value!r}")
    return tol


@dataclass(frozen=True)
class FieldRule:
    """How one field is compared.

    Parameters
    ----------
    case:
        Text: a difference only in letter case is ``"cosmetic"`` (casefold).
    whitespace:
        Text: a difference only in surrounding or repeated whitespace is ``"cosmetic"``.
    unicode:
        Text: a difference only in Unicode form (NFC/NFKC: composed accents, full-width
        letters, ligatures, no-break spaces) is ``"cosmetic"``.
    abs_tol, rel_tol:
        Money, hours, int: a difference with ``|intacct - bigtime| <= abs_tol + rel_tol *
        |bigtime|`` is not a finding (relative to the BigTime side, as datacompy does). A
        difference exactly equal to the tolerance is within it.
    ignore:
        The field is not compared at all.
    dates_as_dates:
        Dates: compare the calendar day only; ``False`` compares the full timestamps.
    """

    case: bool = True
    whitespace: bool = True
    unicode: bool = True
    abs_tol: Decimal = Decimal(0)
    rel_tol: Decimal = Decimal(0)
    ignore: bool = False
    dates_as_dates: bool = True

    def __post_init__(self) -> None:
        # Frozen: the validated Decimal replaces what the caller passed (int, str).
        object.__setattr__(self, "abs_tol", _tolerance("abs_tol", self.abs_tol))
        object.__setattr__(self, "rel_tol", _tolerance("rel_tol", self.rel_tol))

    @property
    def normalises(self) -> bool:
        """Whether any text normalisation is switched on."""
        return self.case or self.whitespace or self.unicode

    def normalise(self, text: str) -> str:
        """``text`` in the form two values are compared in for the "cosmetic" test."""
        if self.unicode:
            text = unicodedata.normalize("NFKC", text)
        if self.case:
            text = text.casefold()
            if self.unicode:  # casefolding can leave a string that is not NFKC any more
                text = unicodedata.normalize("NFKC", text)
        if self.whitespace:
            text = " ".join(text.split())
        return text

    def within(self, intacct: Decimal, bigtime: Decimal) -> bool:
        """Whether two amounts are within this rule's tolerance (exact Decimal arithmetic)."""
        if not self.abs_tol and not self.rel_tol:
            return intacct == bigtime
        with decimal.localcontext(_EXACT):
            allowed = self.abs_tol + self.rel_tol * abs(bigtime)
            return abs(intacct - bigtime) <= allowed


#: Identifiers match exactly, but a difference only in letter case is still flagged as
#: cosmetic (``"C-001"`` against ``"c-001"``): a typing slip rather than another record.
_ID_RULE = FieldRule(whitespace=False, unicode=False)

_DEFAULTS: Mapping[str, FieldRule] = MappingProxyType(
    {
        "id": _ID_RULE,
        "text": FieldRule(),
        "status": FieldRule(),
        "money": FieldRule(),
        "hours": FieldRule(),
        "int": FieldRule(),
        "date": FieldRule(),
        "bool": FieldRule(),
    }
)

_EXACT_TEXT = FieldRule(case=False, whitespace=False, unicode=False)


def _check_field(entity: str, name: str) -> None:
    if entity not in ENTITIES:
        raise ConfigError(f"unknown entity {entity!r}; known: {', '.join(ENTITIES)}")
    spec = ENTITIES[entity]
    if name not in spec.names:
        raise ConfigError(f"{entity} has no field {name!r}; its fields: {', '.join(spec.names)}")
    if name == spec.key:
        raise ConfigError(f"{entity}.{name} is the key: keys are matched exactly, take no rule")


@dataclass(frozen=True)
class CompareRules:
    """Comparison rules: a default :class:`FieldRule` per kind, overrides per field.

    Build with :meth:`default` (or :meth:`exact`), then refine with :meth:`with_field` and
    :meth:`with_kind`; every method returns a new object.
    """

    by_kind: Mapping[str, FieldRule] = field(default_factory=lambda: _DEFAULTS)
    by_field: Mapping[tuple[str, str], FieldRule] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __post_init__(self) -> None:
        missing = set(_DEFAULTS) - set(self.by_kind)
        if missing:
            raise ConfigError(f"CompareRules.by_kind lacks kinds: {sorted(missing)}")
        object.__setattr__(self, "by_kind", MappingProxyType(dict(self.by_kind)))
        object.__setattr__(self, "by_field", MappingProxyType(dict(self.by_field)))

    @classmethod
    def default(cls) -> CompareRules:
        """Text normalised (case, whitespace, unicode) into "cosmetic" findings; ids exact
        except case-only (cosmetic); money, hours and ints with tolerance 0; dates as dates."""
        return cls()

    @classmethod
    def exact(cls) -> CompareRules:
        """No normalisation at all: every text difference is a ``"value"`` finding."""
        kinds = dict(_DEFAULTS)
        kinds.update({k: _EXACT_TEXT for k in TEXT_KINDS})
        return cls(by_kind=kinds)

    def with_field(self, entity: str, name: str, rule: FieldRule) -> CompareRules:
        """A copy where ``entity.name`` is compared by ``rule``."""
        _check_field(entity, name)
        if not isinstance(rule, FieldRule):
            raise ConfigError(f"rule for {entity}.{name} must be a FieldRule, got {rule!r}")
        return replace(self, by_field={**self.by_field, (entity, name): rule})

    def with_kind(self, kind: Kind, rule: FieldRule) -> CompareRules:
        """A copy where every field of ``kind`` without its own override uses ``rule``."""
        if kind not in _DEFAULTS:
            raise ConfigError(f"unknown kind {kind!r}; known: {', '.join(_DEFAULTS)}")
        return replace(self, by_kind={**self.by_kind, kind: rule})

    def rule(self, entity: str, name: str) -> FieldRule:
        """The rule that applies to ``entity.name``."""
        override = self.by_field.get((entity, name))
        if override is not None:
            return override
        return self.by_kind[ENTITIES[entity].col(name).kind]
