"""The firm's words for things: labels shown to a user follow its BigTime lexicon.

BigTime lets a firm rename its terms (My Company > Lexicon); ``GET /settings/vocabulary``
answers ``[{"id": "PROJECT", "name": "engagement"}, ...]`` (spec §4.11). recon's canonical
entities keep their names in code; what a user reads -- report headings, widget columns --
goes through a :class:`Lexicon`:

>>> lex = Lexicon.from_vocabulary(pull_vocabulary(bt))     # or the raw list of items
>>> lex.label("project", plural=True, capital=True)
'Engagements'
>>> lex.column_labels("project")["project_type"]
'Engagement type'

The Intacct side keeps Intacct's object names (:meth:`Lexicon.intacct_label`): the lexicon is
BigTime's. A malformed vocabulary never stops a run: what cannot be read is left out with a
logged warning and BigTime's default term stands in.

Citations: "spec §N" and "§N" are docs/specs/bigtime-rest-api.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from recon.bigtime import uncertain
from recon.canonical import CLIENT, ENTITIES, LABOR_CODE, PROJECT, STAFF

log = logging.getLogger("recon.lexicon")

# --- vocabulary ids ---------------------------------------------------------------------------
# The ids that name an entity are the registry's (recon.canonical: CLIENT, PROJECT, STAFF,
# LABOR_CODE, the cost centers). PRJ_TASK is documented in the spec's example (§4.11) too;
# tasks are no entity recon compares.
TASK = "PRJ_TASK"

#: BigTime's default terms, used for any id the firm's vocabulary does not rename
#: (the same as the sandbox's ``DEFAULT_VOCABULARY``). The cost centers' defaults ("Staff
#: Role", "Service Offering") are left out on purpose: with Intacct they hold departments
#: and locations, and those words read better until a firm names them itself.
DEFAULT_TERMS: Mapping[str, str] = MappingProxyType(
    {CLIENT: "client", PROJECT: "project", TASK: "task", LABOR_CODE: "labor code", STAFF: "staff"}
)

#: Canonical entity -> (vocabulary id or None, words after the term, recon's own word
#: when the id has no term), from each entity's :class:`recon.canonical.Term`.
#: ``project_type`` is BigTime's "Project Type": the project term plus "type".
ENTITY_TERMS: Mapping[str, tuple[str | None, str, str]] = MappingProxyType(
    {name: (e.term.vocabulary_id, e.term.suffix, e.term.word) for name, e in ENTITIES.items()}
)

#: Words written otherwise in a column label (``po_number`` -> "PO number").
_WORDS: Mapping[str, str] = MappingProxyType(
    {"id": "ID", "no": "no.", "po": "PO", "so": "SO", "gl": "GL", "ar": "AR", "zip": "ZIP"}
)
#: Last words that do not take a plural ("the staff").
_UNCOUNTABLE = frozenset({"staff", "personnel", "equipment", "information", "time"})
_TRAILING_DIGITS = re.compile(r"^([a-z]+)(\d+)$")


@dataclass(frozen=True)
class Lexicon:
    """Vocabulary id (upper-case) -> the firm's word, over BigTime's defaults.

    Attributes
    ----------
    terms:
        Read-only; every id of :data:`DEFAULT_TERMS`, plus whatever the firm's vocabulary
        holds (ids recon does not know are kept: :meth:`label` answers them too).
    """

    terms: Mapping[str, str] = field(default_factory=lambda: DEFAULT_TERMS)

    @classmethod
    def default(cls) -> Lexicon:
        """BigTime's default terms (a firm that renamed nothing)."""
        return cls(DEFAULT_TERMS)

    @classmethod
    def from_vocabulary(cls, items: object) -> Lexicon:
        """The lexicon of a firm's ``/settings/vocabulary``.

        Parameters
        ----------
        items:
            The raw items (``[{"id": "PROJECT", "name": "engagement"}, ...]``, keys in any
            letter case) or the id -> name mapping ``BigTimeClient.vocabulary()`` returns.
            Ids are matched case-insensitively; a later item overrides an earlier one.

        Returns
        -------
        Lexicon
            BigTime's defaults, overridden by every readable item. Items that are not
            objects, lack an id or a name, or hold non-text or blank ones are left out and
            logged (one warning); a vocabulary that is no list at all gives the defaults.
        """
        terms = dict(DEFAULT_TERMS)
        problems: list[str] = []
        for entry in _entries(items):
            pair = _pair(entry, problems)
            if pair is not None:
                terms[pair[0]] = pair[1]
        if problems:
            log.warning(
                "BigTime vocabulary: %d item(s) ignored, defaults used for them (%s)",
                len(problems), "; ".join(problems[:5]),
            )  # fmt: skip
        return cls(MappingProxyType(terms))

    def term(self, term_id: str) -> str | None:
        """The firm's word for a vocabulary id (any case), or None when it has none."""
        return self.terms.get(term_id.strip().upper()) if isinstance(term_id, str) else None

    def label(self, entity_or_term: str, plural: bool = False, capital: bool = False) -> str:
        """The firm's word for a canonical entity or a vocabulary id.

        Parameters
        ----------
        entity_or_term:
            A canonical entity name (``"customer"`` -> the CLIENT term, ``"employee"`` ->
            STAFF, ``"time_type"`` -> LABOR_CODE, ``"project_type"`` -> PROJECT + "type"
            ...), or a vocabulary id in any case (``"PRJ_TASK"``). Anything else is shown
            as words (``"time_sheet"`` -> "time sheet").
        plural:
            The plural ("engagements"; "staff" stays "staff").
        capital:
            First letter upper-case ("Engagement"); the rest is kept as the firm wrote it.
        """
        words = self._words(entity_or_term)
        if plural:
            words = _plural(words)
        return words[:1].upper() + words[1:] if capital else words

    def intacct_label(self, entity: str) -> str:
        """The Intacct object an entity is read from, named as Intacct names it."""
        spec = ENTITIES.get(entity)
        return spec.intacct_object if spec is not None else entity

    def column_labels(self, entity: str, columns: Iterable[str] | None = None) -> dict[str, str]:
        """Column -> heading for a canonical entity's columns, in the firm's words.

        A column named after an entity takes its term (``project_id`` -> "Engagement
        ID", ``project_type`` -> "Engagement type", ``customer_id`` -> "Client ID",
        ``time_type`` -> "Labor code"); ``name`` is "<entity> name"; the rest are words
        ("po_amount" -> "PO amount", "address1" -> "Address 1").

        Parameters
        ----------
        entity:
            A canonical entity (unknown: its columns must be given).
        columns:
            The columns to label; the entity's canonical columns by default (pass them to
            label extra columns of a mapping override).
        """
        spec = ENTITIES.get(entity)
        names = list(columns) if columns is not None else (spec.names if spec else [])
        return {name: self._column(entity, name) for name in names}

    # ---------------------------------------------------------------------------------------

    def _words(self, name: str) -> str:
        if name in ENTITY_TERMS:
            term_id, suffix, fallback = ENTITY_TERMS[name]
            term = self.term(term_id) if term_id else None
            return term + suffix if term else fallback
        return self.term(name) or _humanised(name)

    def _column(self, entity: str, column: str) -> str:
        tokens = column.split("_")
        for n in range(len(tokens), 0, -1):
            prefix = "_".join(tokens[:n])
            if prefix in ENTITY_TERMS:
                words = " ".join([self._words(prefix), *map(_word, tokens[n:])])
                break
        else:
            words = " ".join(map(_word, tokens))
            if column == "name":
                words = f"{self._words(entity)} name"
        return words[:1].upper() + words[1:]


def _entries(items: object) -> list[Any]:
    """The vocabulary as a list of (raw) items, whatever shape it came in."""
    if isinstance(items, Mapping):
        return [{"id": k, "name": v} for k, v in items.items()]
    if items is None or isinstance(items, str | bytes) or not isinstance(items, Iterable):
        log.warning("BigTime vocabulary is not a list (%s); default terms used", type(items))
        return []
    return list(items)


def _pair(entry: Any, problems: list[str]) -> tuple[str, str] | None:
    """(upper-case id, name) of one item, or None (and a problem noted)."""
    if not isinstance(entry, Mapping):
        problems.append(f"not an object: {type(entry).__name__}")
        return None
    term_id = _lookup(entry, uncertain.VOCABULARY_ID_KEY)
    name = _lookup(entry, uncertain.VOCABULARY_NAME_KEY)
    if not isinstance(term_id, str) or not term_id.strip():
        problems.append(f"no text id ({term_id!r})")
        return None
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{term_id}: no text name ({name!r})")
        return None
    return term_id.strip().upper(), " ".join(name.split())


def _lookup(entry: Mapping[Any, Any], key: str) -> Any:
    """``entry[key]`` with the key in any letter case (BigTime's JSON is case-loose, §1)."""
    if key in entry:
        return entry[key]
    return next((v for k, v in entry.items() if isinstance(k, str) and k.lower() == key), None)


def _word(token: str) -> str:
    if token in _WORDS:
        return _WORDS[token]
    numbered = _TRAILING_DIGITS.match(token)
    return f"{numbered[1]} {numbered[2]}" if numbered else token


def _humanised(name: str) -> str:
    words = " ".join(str(name).replace("_", " ").split())
    return words.lower() if words.isupper() else words


def _plural(words: str) -> str:
    head, _, last = words.rpartition(" ")
    lower = last.lower()
    if not last or lower in _UNCOUNTABLE or lower.endswith("."):
        return words
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    elif lower.endswith("y") and lower[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}" if head else last
