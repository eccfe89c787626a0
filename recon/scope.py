"""What a reconciliation of some entities pulls, and what a read that failed costs it.

``recon run 10_reconcile -p entities customer,project`` pulls only what those entities are
compared from: their own records and the records and lists their mapping resolves
references through (:data:`NEEDS`). A read that fails on its own -- a guessed BigTime
picklist path this firm answers 404, a 500 after the retries -- does not stop the run:
the pull goes on, and the entities that need what could not be read are not compared, and
said so (:class:`Unread`). Refused credentials and an unreachable host still stop it
(:func:`recon.errors.concerns_one_read`): then nothing could be read.

>>> intacct, bigtime = frames_to_pull(["project"])   # doctest: +SKIP
>>> not_compared(unread)                             # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from recon.bigtime.pull import ENTITIES as BIGTIME_FRAMES
from recon.canonical import ENTITIES, ENTITY_ORDER, LIST_PREFIX, Entity
from recon.errors import ReconError
from recon.intacct.pull import PULL_SPECS
from recon.lexicon import Lexicon


@dataclass(frozen=True)
class Needs:
    """The pulled frames one canonical entity is mapped from, on each side."""

    #: Intacct objects (:data:`recon.intacct.pull.PULL_SPECS` names).
    intacct: tuple[str, ...]
    #: BigTime frames (:data:`recon.bigtime.pull.ENTITIES` names).
    bigtime: tuple[str, ...]


def _needs(entity: Entity) -> Needs:
    """Its Intacct objects; its own BigTime frame, then those it looks ids up in."""
    lookups = (ENTITIES[e].bigtime_frame for e in entity.bigtime_lookups)
    return Needs(entity.intacct_objects, tuple(dict.fromkeys((entity.bigtime_frame, *lookups))))


#: Canonical entity -> the pulled frames its mapping reads: its own records first, then
#: those it resolves references through, as the registry states them
#: (:class:`recon.canonical.Entity`: ``intacct_objects``, ``bigtime_frame`` and the frames
#: of its ``bigtime_lookups``) -- a project's client (``ClientId``), its team lead's
#: "Employee ID" (staff), its type, cost centers, class and terms (lists); a time entry's
#: staffer, project and labor code; an invoice's client, project and terms; an Intacct
#: payment's applications and the invoices they apply to. tests/mapping/test_scope_needs.py
#: maps every entity from a pull that records what is asked of it, and checks this table
#: against that. Nothing else reads the pulled frames between the pull and the diff but
#: the period's counterparts (:mod:`recon.period`), which look up time entries and
#: invoices in frames these already name.
NEEDS: Mapping[str, Needs] = MappingProxyType({name: _needs(e) for name, e in ENTITIES.items()})


#: What :class:`Unread` calls the things recon reads besides the frames: the firm's
#: lexicon, and the look-up of a period's counterparts (:mod:`recon.period`).
VOCABULARY, COUNTERPARTS = "vocabulary", "counterparts"

#: BigTime frame -> what it holds, in BigTime's default words (the lists' own names).
_BIGTIME_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "client": "clients",
        "project": "projects",
        "project_team": "project teams",
        "staff": "staff",
        "time": "time entries",
        "invoice": "invoices",
        "invoice_line": "invoice lines",
        "task": "tasks",
        LIST_PREFIX + "costcentera": "Cost Center 1 values",
        LIST_PREFIX + "costcenterb": "Cost Center 2 values",
        LIST_PREFIX + "costcenterc": "Cost Center 3 values",
        LIST_PREFIX + "class": "classes",
        LIST_PREFIX + "projecttype": "project types",
        LIST_PREFIX + "laborcode": "labor codes",
        LIST_PREFIX + "expensecode": "expense codes",
        LIST_PREFIX + "term": "invoice terms",
        LIST_PREFIX + "glaccount": "GL accounts",
        LIST_PREFIX + "creditcard": "credit cards",
        LIST_PREFIX + "vendor": "vendors",
        LIST_PREFIX + "item": "service items",
        LIST_PREFIX + "checkingaccount": "checking accounts",
        VOCABULARY: "lexicon (settings/vocabulary)",
        COUNTERPARTS: "time entries and invoices dated outside the period",
    }
)


def describe(system: str, what: str) -> str:
    """``"BigTime Cost Center 2 values"``, ``"Intacct ARINVOICE records"``."""
    if system == "bigtime":
        return "BigTime " + _BIGTIME_WORDS.get(what, what)
    if what == COUNTERPARTS:
        return "Intacct " + _BIGTIME_WORDS[COUNTERPARTS]
    return f"Intacct {what} records"


def frames_to_pull(entities: Collection[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(Intacct objects, BigTime frames)`` that comparing ``entities`` needs, in pull
    order -- no more, even for every entity: what no comparison reads (BigTime's tasks and
    invoice lines, one request per project or invoice) is not pulled (issue 15)."""
    needed = [NEEDS[e] for e in ENTITY_ORDER if e in entities]
    intacct = {obj for n in needed for obj in n.intacct}
    bigtime = {frame for n in needed for frame in n.bigtime}
    return (
        tuple(obj for obj in PULL_SPECS if obj in intacct),
        tuple(frame for frame in BIGTIME_FRAMES if frame in bigtime),
    )


def needing(system: str, what: str, entities: Iterable[str]) -> tuple[str, ...]:
    """The entities of ``entities`` whose mapping reads ``what`` of ``system`` (in entity
    order); the dated ones for :data:`COUNTERPARTS`; none for the :data:`VOCABULARY`."""
    wanted = set(entities)
    if what == COUNTERPARTS:
        return tuple(e for e in ENTITY_ORDER if e in wanted and ENTITIES[e].dated)
    return tuple(
        e for e in ENTITY_ORDER if e in wanted and what in getattr(NEEDS[e], system)
    )  # fmt: skip


@dataclass(frozen=True)
class Unread:
    """One thing a run could not read, why, and the entities left uncompared for it."""

    #: ``"intacct"`` or ``"bigtime"``.
    system: str
    #: The pulled frame (``"list:costcenterb"``, ``"ARINVOICE"``), :data:`VOCABULARY` or
    #: :data:`COUNTERPARTS`.
    what: str
    #: The same in words: ``"BigTime Cost Center 2 values"``.
    label: str
    #: The error, one line: ``"GET /picklist/FieldValues/CostCenterB failed (HTTP 404) ..."``.
    why: str
    #: Canonical entities not compared because of it (none: nothing compared needs it).
    entities: tuple[str, ...]

    def as_json(self, lexicon: Lexicon | None = None) -> dict[str, Any]:
        """``outcome.json``'s shape: system, what, label, why, entities, and ``said``: the
        :meth:`sentence`, in the firm's words (``recon run`` prints it)."""
        return {
            "system": self.system,
            "what": self.what,
            "label": self.label,
            "why": self.why,
            "entities": list(self.entities),
            "said": self.sentence(lexicon),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Unread:
        """The :class:`Unread` :meth:`as_json` wrote."""
        return cls(
            str(data["system"]), str(data["what"]), str(data["label"]), str(data["why"]),
            tuple(data.get("entities", ())),
        )  # fmt: skip

    def sentence(self, lexicon: Lexicon | None = None) -> str:
        """``could not read BigTime Cost Center 2 values: <why>; location not compared``."""
        lexicon = lexicon or Lexicon.default()
        said = f"could not read {self.label}: {self.why.rstrip('.')}"
        if not self.entities:
            return f"{said}; nothing compared needs it"
        names = ", ".join(lexicon.label(e, plural=True) for e in self.entities)
        return f"{said}; {names} not compared"


def one_line(exc: BaseException) -> str:
    """An error's message on one line (a message may span several)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def unread(
    system: str, failed: Mapping[str, ReconError], entities: Iterable[str]
) -> tuple[Unread, ...]:
    """One :class:`Unread` per frame in ``failed`` (a pull's ``failed`` mapping), for a run
    comparing ``entities``. An Intacct object bound to one that failed (lines, payments to
    their invoices) says it needed that one."""
    wanted = tuple(entities)
    out = []
    for what, exc in failed.items():
        why = one_line(exc)
        spec = PULL_SPECS.get(what) if system == "intacct" else None
        parent = spec.bound.parent if spec is not None and spec.bound is not None else None
        if parent is not None and failed.get(parent) is exc:
            why = f"it is read by its {parent} records, which could not be read"
        out.append(Unread(system, what, describe(system, what), why, needing(system, what, wanted)))
    return tuple(out)


def not_compared(unread: Iterable[Unread]) -> tuple[str, ...]:
    """Every entity some :class:`Unread` leaves uncompared, in entity order."""
    hit = {e for u in unread for e in u.entities}
    return tuple(e for e in ENTITY_ORDER if e in hit)


__all__ = [
    "COUNTERPARTS",
    "NEEDS",
    "VOCABULARY",
    "Needs",
    "Unread",
    "describe",
    "frames_to_pull",
    "needing",
    "not_compared",
    "one_line",
    "unread",
]
