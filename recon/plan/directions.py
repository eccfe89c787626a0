"""Which way each entity flows, and what a record found only in the target system becomes.

docs/DESIGN.md "What syncs": Intacct is the book of record for master data (customers, projects,
employees, vendors, every reference list), so it flows Intacct -> BigTime; a project or staffer
created in BigTime may be created in Intacct. Time entries and invoices flow BigTime -> Intacct;
recon never removes posted time or invoices. Payments flow Intacct -> BigTime, but BigTime has no
payment API (its own Intacct integration carries them), so they are review-only. Removals
deactivate; nothing is hard-deleted.

>>> from recon.plan import DEFAULT_DIRECTIONS, Direction
>>> mine = {**DEFAULT_DIRECTIONS, "vendor": Direction("intacct", "review")}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from recon.canonical import ENTITIES, ENTITY_ORDER, DirectionKind
from recon.errors import ConfigError
from recon.lexicon import Lexicon
from recon.plan.model import SYSTEM_LABELS, SYSTEMS, System
from recon.settings import INTACCT_TO_BIGTIME, REVIEW, IntegrationSettings

OnlyInTarget = Literal["deactivate", "create_in_source", "review"]
ONLY_IN_TARGET: tuple[OnlyInTarget, ...] = ("deactivate", "create_in_source", "review")


@dataclass(frozen=True)
class Direction:
    """How one entity flows between the two systems.

    Parameters
    ----------
    source:
        The system of record (``"intacct"`` or ``"bigtime"``); the other is the target.
        A record only in the source is created in the target; a field that differs is
        updated in the target to the source's value.
    only_in_target:
        What a record found only in the target becomes: ``"deactivate"`` it there
        (status -> inactive; the entity needs a status column), ``"create_in_source"``
        (the target may originate records: a project created in BigTime), or ``"review"``
        (shown, never pushed).
    pushable:
        ``False``: every change of the entity is shown for review only.
    note:
        Why recon does not push (review-only changes carry it).

    Raises
    ------
    ConfigError
        An unknown system or ``only_in_target``, or a non-bool ``pushable``.
    """

    source: System
    only_in_target: OnlyInTarget = "deactivate"
    pushable: bool = True
    note: str = ""

    def __post_init__(self) -> None:
        if self.source not in SYSTEMS:
            raise ConfigError(
                f"Direction source {self.source!r}: use {' or '.join(map(repr, SYSTEMS))}"
            )
        if self.only_in_target not in ONLY_IN_TARGET:
            raise ConfigError(
                f"Direction only_in_target {self.only_in_target!r}: use one of "
                f"{', '.join(ONLY_IN_TARGET)}"
            )
        if not isinstance(self.pushable, bool):
            raise ConfigError(f"Direction pushable must be True or False, got {self.pushable!r}")
        if not isinstance(self.note, str):
            raise ConfigError(f"Direction note must be text, got {type(self.note).__name__}")

    @property
    def target(self) -> System:
        """The system changes are written to."""
        return "bigtime" if self.source == "intacct" else "intacct"


_MASTER = Direction("intacct", "deactivate")
_ORIGINATES_IN_BIGTIME = Direction("intacct", "create_in_source")
_POSTED = Direction("bigtime", "review", note="recon never removes posted time or invoices")
_PAYMENTS = Direction(
    "intacct",
    "review",
    pushable=False,
    note="BigTime has no payment API; its own Intacct integration carries payments",
)

# BigTime's picklists are read-only in its API (docs/specs/bigtime-rest-api.md §4.10): its own
# Intacct integration fills them, or a firm admin adds a value under My Company > Field Values.
_READ_ONLY_LIST = Direction(
    "intacct",
    "deactivate",
    pushable=False,
    note="BigTime's lists are read-only in its API: its Intacct integration keeps them, or add "
    "or change the value in BigTime (My Company > Field Values)",
)

#: The :class:`Direction` of each kind of flow (``recon.canonical.DirectionKind``).
DIRECTIONS_BY_KIND: Mapping[DirectionKind, Direction] = MappingProxyType(
    {
        "master": _MASTER,
        "originates_in_bigtime": _ORIGINATES_IN_BIGTIME,
        "posted": _POSTED,
        "payments": _PAYMENTS,
        "read_only_list": _READ_ONLY_LIST,
    }
)
#: Reference lists BigTime holds as picklists (everything but customers, projects, staff).
READ_ONLY_LISTS = frozenset(n for n, e in ENTITIES.items() if e.direction == "read_only_list")

#: The design's directions, per canonical entity (read-only): its kind's, in the registry.
DEFAULT_DIRECTIONS: Mapping[str, Direction] = MappingProxyType(
    {name: DIRECTIONS_BY_KIND[ENTITIES[name].direction] for name in ENTITY_ORDER}
)


def resolve_directions(directions: Mapping[str, Direction]) -> dict[str, Direction]:
    """``directions`` over :data:`DEFAULT_DIRECTIONS`: an entity it does not name keeps
    the default.

    Raises
    ------
    ConfigError
        Not a mapping, an unknown entity, a value that is not a :class:`Direction`, or
        ``"deactivate"`` for an entity without a status column.
    """
    if not isinstance(directions, Mapping):
        raise ConfigError(
            f"directions must be a mapping entity -> Direction, got {type(directions).__name__}"
        )
    unknown = [name for name in directions if name not in ENTITIES]
    if unknown:
        raise ConfigError(f"directions name unknown entities {unknown}; known: {ENTITY_ORDER}")
    for name, direction in directions.items():
        if not isinstance(direction, Direction):
            raise ConfigError(
                f"directions[{name!r}] must be a recon.plan.Direction, got {direction!r}"
            )
        if direction.only_in_target == "deactivate" and "status" not in ENTITIES[name].names:
            raise ConfigError(
                f"directions[{name!r}]: a {name} has no status to deactivate; use "
                f"only_in_target='review' or 'create_in_source'"
            )
    return {**DEFAULT_DIRECTIONS, **directions}


def settings_directions(settings: IntegrationSettings) -> dict[str, Direction]:
    """The directions a profile's ``[settings]`` ask for, over :data:`DEFAULT_DIRECTIONS`.

    ``sync.<entity> = "review"`` keeps the design's way but pushes nothing of the entity;
    ``"intacct_to_bigtime"``/``"bigtime_to_intacct"`` names the system of record. A record
    only in the target keeps the design's fate while the way is the design's, and is only
    reviewed when the way is turned (recon does not deactivate the book of record's records
    on a guess); ``only_in_target.<entity>`` decides it either way.
    """
    out: dict[str, Direction] = {}
    for name in sorted(set(settings.sync) | set(settings.only_in_target)):
        default = DEFAULT_DIRECTIONS[name]
        way = settings.sync.get(name)
        source: System = default.source
        fate = default.only_in_target
        if way not in (None, REVIEW):
            source = "intacct" if way == INTACCT_TO_BIGTIME else "bigtime"
            fate = fate if source == default.source else "review"
        fate = settings.only_in_target.get(name, fate)  # type: ignore[assignment]  # checked by recon.settings
        if way == REVIEW:
            note = f'the profile\'s settings make it review-only (sync.{name} = "review")'
            out[name] = Direction(source, fate, pushable=False, note=note)
        else:
            out[name] = Direction(source, fate, pushable=default.pushable, note=default.note)
    return resolve_directions(out)


# --- the rule texts ---------------------------------------------------------------------------
#: What flows, in words, for the entities that are not master data.
_FLOWS = {
    "time_entry": "time flows",
    "invoice": "invoices flow",
    "payment": "payments flow",
    "expense": "expenses flow",
}


def label(entity: str, lexicon: Lexicon | None = None) -> str:
    """``"engagement"``: the entity in the firm's words (BigTime's defaults without one)."""
    return (lexicon or Lexicon.default()).label(entity)


def flow(entity: str, direction: Direction) -> str:
    """``"master data flows Intacct -> BigTime"``."""
    what = _FLOWS.get(entity, "master data flows")
    return f"{what} {SYSTEM_LABELS[direction.source]} -> {SYSTEM_LABELS[direction.target]}"


def create_rule(entity: str, direction: Direction, lexicon: Lexicon | None = None) -> str:
    return f"{flow(entity, direction)}: {label(entity, lexicon)} missing in {_tgt(direction)}"


def create_in_source_rule(entity: str, direction: Direction, lexicon: Lexicon | None = None) -> str:
    src, tgt, what = SYSTEM_LABELS[direction.source], _tgt(direction), label(entity, lexicon)
    article = "an" if what[:1].lower() in "aeiou" else "a"
    return f"{article} {what} created in {tgt} may go to {src}: {what} missing in {src}"


def update_rule(
    entity: str,
    direction: Direction,
    fields: list[str],
    cosmetic: bool,
    lexicon: Lexicon | None = None,
) -> str:
    """``"master data flows Intacct -> BigTime: engagement Department ID differs"``: the
    fields as the report and the form head them."""
    lex = lexicon or Lexicon.default()
    verb = "differs" if len(fields) == 1 else "differ"
    words = ", ".join(lex.column_labels(entity, fields).values())
    text = f"{flow(entity, direction)}: {lex.label(entity)} {words} {verb}"
    return text + (" (only in letter case or spacing)" if cosmetic else "")


def deactivate_rule(entity: str, direction: Direction, lexicon: Lexicon | None = None) -> str:
    return (
        f"{flow(entity, direction)}: {label(entity, lexicon)} only in {_tgt(direction)}; "
        "deactivate it there (recon never hard-deletes)"
    )


def review_rule(entity: str, direction: Direction, lexicon: Lexicon | None = None) -> str:
    return f"{flow(entity, direction)}: {label(entity, lexicon)} only in {_tgt(direction)}"


def review_note(direction: Direction) -> str:
    """``"only in Intacct: review; recon never removes posted time or invoices"``."""
    why = direction.note or "recon does not remove it"
    return f"only in {_tgt(direction)}: review; {why}"


def not_pushable_note(entity: str, direction: Direction, lexicon: Lexicon | None = None) -> str:
    return direction.note or (
        f"recon does not push {label(entity, lexicon)} changes; shown for review"
    )


def _tgt(direction: Direction) -> str:
    return SYSTEM_LABELS[direction.target]
