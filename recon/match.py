"""Propose likely pairs among records that one system holds under a different key.

A customer created twice by hand -- once in Intacct as ``C10012 Calumet Pharmacy Corp.`` and
once in BigTime as ``BT-7 Calumet Pharmacy`` -- shows up in the diff as one record only in
Intacct and one only in BigTime. :func:`propose` scores such one-sided records against each
other and proposes the likely pairs, each with a score (0..100) and the reason in plain words.
An accountant accepts or rejects each proposal in the :class:`~recon.crosswalk.Crosswalk`;
accepted pairs rekey the next run's BigTime frames (:func:`~recon.crosswalk.apply_links`), so
the diff pairs them; rejected pairs are never proposed again.

How a pair is scored
--------------------
1. **Normalise** the name (:func:`normalise_name`): NFKC, accents dropped, casefold, ``&`` to
   ``and``, punctuation to spaces, whitespace collapsed; for organisations (customers,
   vendors) a leading "The" and trailing legal suffixes (LLC, Inc, Corp, Holdings...) too.
2. **Block** (why: 5,000 x 5,000 customers is 25M comparisons; blocking keeps a few hundred
   thousand). Two records are compared only if they share a block key: the first
   :data:`BLOCK_PREFIX` characters of any name word (so transposed words and a typo in one
   word still meet), or an identical strong identifier (phone for customers, e-mail for
   employees). A block key whose pairs would exceed :data:`MAX_BLOCK_PAIRS` ("group",
   "services") is skipped -- except that a record left with no usable key keeps its rarest
   one. Missed by design: names that share no word prefix and no identifier.
3. **Score** the names with rapidfuzz, vectorised over the candidate pairs (``cpdist``,
   ``workers=1``, no Python double loop): the better of ``token_sort_ratio`` (word order
   does not matter) and ``ratio`` (a typo in a first letter, which sorting would move);
   when one name's words are a subset of the other's (``token_set_ratio`` higher) the mean
   of that and ``token_set_ratio``, so "Karen Taylor" vs "Karen Taylor-Morales" scores 87.5
   rather than 75 or a blind 100. Project names ("Customer - Engagement") also score what
   follows their common leading words, at half weight, so sibling engagements of one
   customer stay apart.
4. **Supporting evidence** adds or subtracts points (:data:`SPECS`): equal when both sides
   have a value and it agrees, against when both have one and it differs; a missing value
   says nothing. The score is clipped to 0..100.
5. **One-to-one**: pairs at or above the threshold, best first (ties by keys), are taken
   greedily; each record is in at most one proposal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import takewhile
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from recon.canonical import ENTITIES
from recon.crosswalk import Crosswalk, apply_links, apply_links_all
from recon.errors import ConfigError

__all__ = [
    "BLOCK_PREFIX",
    "DEFAULT_THRESHOLD",
    "LEGAL_SUFFIXES",
    "MAX_BLOCK_PAIRS",
    "PROPOSAL_COLUMNS",
    "SPECS",
    "STEPS",
    "Evidence",
    "MatchSpec",
    "apply_links",
    "apply_links_all",
    "normalise_name",
    "propose",
]

#: Proposals scoring below this are not shown. Tuned on the demo firm (scale 1: no two
#: distinct customers, projects, employees or vendors reach 80) and on 5,000 invented
#: customers: a suffix-only rename, case, a typo or swapped words score 90+. Short
#: reference-list renames can fall just below ("Consulting" / "Consulting Services": 84.5).
DEFAULT_THRESHOLD = 85.0

#: Characters of each name word that form a block key (3: "logistics" and "logstics" meet).
BLOCK_PREFIX = 3

#: A block key whose |intacct| x |bigtime| records exceed this is too common to block on.
MAX_BLOCK_PAIRS = 20_000

#: Trailing words that only state a legal form; dropped from organisation names.
LEGAL_SUFFIXES: frozenset[str] = frozenset(
    "llc llp lp ltd limited inc incorporated corp corporation co company holdings plc pc "
    "pllc gmbh ag sa nv bv pty".split()
)

#: The columns of :func:`propose`'s result, in order.
PROPOSAL_COLUMNS = (
    "entity",
    "intacct_key",
    "bigtime_key",
    "score",
    "reason",
    "intacct_name",
    "bigtime_name",
)

EvidenceKind = Literal["text", "digits", "email", "id"]


@dataclass(frozen=True)
class Evidence:
    """A column that supports (or argues against) a pair whose names look alike.

    ``block`` marks a strong identifier: records with equal values are compared even when
    their names share no word.
    """

    column: str
    label: str
    kind: EvidenceKind
    agree: float
    differ: float
    block: bool = False


@dataclass(frozen=True)
class MatchSpec:
    """Which columns of an entity identify a record when the keys do not."""

    entity: str
    names: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    organisation: bool = False
    #: Names share a structural lead ("Customer - Engagement"): also score what follows it.
    tail: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return (ENTITIES[self.entity].key, *self.names, *(e.column for e in self.evidence))


def _spec(
    entity: str,
    *names: str,
    evidence: tuple[Evidence, ...] = (),
    org: bool = False,
    tail: bool = False,
) -> MatchSpec:
    return MatchSpec(entity, names, evidence, org, tail)


# Points are judgement calls, kept here in one place: a shared phone or e-mail is close to
# proof; a shared city is weak (most demo clients are in Chicago); a project under another
# customer is strong evidence against (match customers first, accept, then projects).
SPECS: Mapping[str, MatchSpec] = MappingProxyType(
    {
        s.entity: s
        for s in (
            _spec(
                "customer", "name", org=True,
                evidence=(
                    Evidence("phone", "phone", "digits", 8, 8, block=True),
                    Evidence("zip", "zip", "digits", 4, 4),
                    Evidence("city", "city", "text", 2, 2),
                ),
            ),
            _spec(
                "project", "name", tail=True,
                evidence=(Evidence("customer_id", "customer", "id", 5, 15),),
            ),
            _spec(
                "employee", "first_name", "last_name",
                evidence=(Evidence("email", "e-mail", "email", 15, 10, block=True),),
            ),
            _spec("vendor", "name", org=True),
            _spec("department", "name"),
            _spec("location", "name"),
            _spec("class", "name"),
            _spec("project_type", "name"),
            _spec("time_type", "name"),
            _spec(
                "expense_type", "expense_type",
                evidence=(Evidence("gl_account_no", "GL account", "id", 5, 5),),
            ),
            _spec("item", "name"),
            _spec("gl_account", "title"),
            _spec(
                "checking_account", "bank_name",
                evidence=(Evidence("gl_account_no", "GL account", "id", 5, 5),),
            ),
            _spec(
                "credit_card", "description",
                evidence=(Evidence("card_type", "card type", "text", 3, 3),),
            ),
            _spec("ar_term", "name"),
        )
    }
)  # fmt: skip


# --- normalisation ---------------------------------------------------------------------------
_JOINERS = re.compile(r"['’`.]")  # O'Brien -> obrien, L.L.C. -> llc, St. -> st
_NON_WORD = re.compile(r"[\W_]+")
_THE = re.compile(r"^the\s+(?=\S)", re.IGNORECASE)
# Case-insensitive and with an optional period, so the suffix step works on its own too.
_SUFFIX = re.compile(
    r"(?<=\S)(?:[\s,]+(?:" + "|".join(sorted(LEGAL_SUFFIXES)) + r")\.?)+$", re.IGNORECASE
)

#: The normalisation steps, in the order applied; a reason names the ones a pair needed.
STEPS = ("accents", "case", "punctuation", "legal suffixes")


def _unaccent(text: str) -> str:
    if text.isascii():  # the common case, and 20x faster
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFKC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _unpunct(text: str) -> str:
    return _NON_WORD.sub(" ", _JOINERS.sub("", text.replace("&", " and ")))


def _canon(text: str, organisation: bool, skip: str | None = None) -> str:
    """Every step but ``skip``; whitespace is always collapsed."""
    out = unicodedata.normalize("NFKC", text)
    if skip != "accents":
        out = _unaccent(out)
    if skip != "case":
        out = out.casefold()
    if skip != "punctuation":
        out = _unpunct(out)
    out = " ".join(out.split())
    if organisation and skip != "legal suffixes":
        out = _SUFFIX.sub("", _THE.sub("", out))
    return out


def normalise_name(text: object, *, organisation: bool = False) -> str:
    """The form names are compared in; ``""`` for a missing value.

    NFKC, accents dropped, casefolded, ``&`` read as "and", apostrophes and periods
    removed (``L.L.C.`` -> ``llc``), other punctuation read as a space, whitespace collapsed.

    Parameters
    ----------
    text:
        The raw name (``None``/NA allowed).
    organisation:
        Also drop a leading "the" and trailing legal suffixes (``LLC``, ``Inc.`` ...), never
        the only word.

    Examples
    --------
    >>> normalise_name("  The ACME  Widgets, L.L.C. ", organisation=True)
    'acme widgets'
    """
    if _missing(text):
        return ""
    return _canon(str(text), organisation)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _evidence_value(value: object, kind: EvidenceKind) -> str:
    if _missing(value):
        return ""
    text = str(value).strip()
    if kind == "digits":  # "(312) 555-0100" == "312.555.0100"; ZIP+4 compares on the ZIP
        return re.sub(r"\D", "", text)
    if kind in ("text", "email"):
        return " ".join(_unaccent(text).casefold().split())
    return text


# --- one side's prepared records -------------------------------------------------------------
@dataclass(frozen=True)
class _Side:
    keys: np.ndarray
    raw: np.ndarray
    norm: np.ndarray
    evidence: Mapping[str, np.ndarray]


def _validate(spec: MatchSpec, frame: object, side: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(
            f"{side} records for {spec.entity} must be a DataFrame, got {type(frame).__name__}"
        )
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"{side} {spec.entity} records lack column(s) {', '.join(missing)}; matching "
            f"needs {', '.join(spec.columns)} (the canonical frame from recon.mapping has them)"
        )
    return frame


def _prepare(spec: MatchSpec, frame: pd.DataFrame, skip_keys: Iterable[str]) -> _Side:
    key = ENTITIES[spec.entity].key
    keys = frame[key].astype("str")
    # Null keys cannot be linked; a key present twice is a duplicate the diff reports instead.
    keep = keys.notna() & ~keys.duplicated(keep=False) & ~keys.isin(set(skip_keys))
    rows = frame.loc[keep.to_numpy()]
    raw = [
        " ".join(str(v) for v in values if isinstance(v, str) and v.strip())
        for values in zip(*(rows[c].tolist() for c in spec.names), strict=True)
    ] if len(rows) else []  # fmt: skip
    norm = np.array([normalise_name(r, organisation=spec.organisation) for r in raw], dtype=object)
    named = norm != ""  # a record without a name has nothing to compare
    evidence = {
        e.column: np.array([_evidence_value(v, e.kind) for v in rows[e.column]], dtype=object)[
            named
        ]
        for e in spec.evidence
    }
    return _Side(
        keys=keys[keep].to_numpy(dtype=object)[named],
        raw=np.array(raw, dtype=object)[named] if raw else np.array([], dtype=object),
        norm=norm[named],
        evidence=evidence,
    )


# --- blocking --------------------------------------------------------------------------------
def _blocks(spec: MatchSpec, side: _Side) -> tuple[np.ndarray, list[str]]:
    """(record index, block key) pairs: name-word prefixes plus strong identifiers."""
    recs: list[int] = []
    blocks: list[str] = []
    for i, name in enumerate(side.norm):
        for word in set(name.split()):
            recs.append(i)
            blocks.append("w:" + word[:BLOCK_PREFIX])
    for e in spec.evidence:
        if e.block:
            for i, value in enumerate(side.evidence[e.column]):
                if value:
                    recs.append(i)
                    blocks.append(f"{e.column}:{value}")
    return np.array(recs, dtype=np.int64), blocks


def _rescue(
    rec: np.ndarray, code: np.ndarray, ok: np.ndarray, size: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each record with no usable block key keeps its rarest shared one."""
    has_ok = np.zeros(rec.max(initial=-1) + 1, dtype=bool)
    has_ok[rec[ok[code]]] = True
    idx = np.flatnonzero((size[code] > 0) & ~has_ok[rec])
    idx = idx[np.lexsort((code[idx], size[code[idx]], rec[idx]))]
    first = np.r_[True, rec[idx][1:] != rec[idx][:-1]] if len(idx) else np.zeros(0, dtype=bool)
    return rec[idx][first], code[idx][first]


def _join(ri: np.ndarray, ci: np.ndarray, rb: np.ndarray, cb: np.ndarray, nb: int) -> np.ndarray:
    """Pairs of records sharing a block code, encoded ``intacct_index * nb + bigtime_index``."""
    left = pd.DataFrame({"r": ri, "c": ci})
    both = left.merge(pd.DataFrame({"s": rb, "c": cb}), on="c")
    return both["r"].to_numpy(np.int64) * nb + both["s"].to_numpy(np.int64)


def _candidates(spec: MatchSpec, ia: _Side, bt: _Side) -> tuple[np.ndarray, np.ndarray]:
    """Record index pairs (intacct, bigtime) sharing a usable block key."""
    ri, ki = _blocks(spec, ia)
    rb, kb = _blocks(spec, bt)
    codes, uniques = pd.factorize(np.array(ki + kb, dtype=object))
    ci, cb = codes[: len(ki)], codes[len(ki) :]
    size = np.bincount(ci, minlength=len(uniques)) * np.bincount(cb, minlength=len(uniques))
    ok = (size > 0) & (size <= MAX_BLOCK_PAIRS)
    nb = len(bt.keys)
    found = [_join(ri[ok[ci]], ci[ok[ci]], rb[ok[cb]], cb[ok[cb]], nb)]
    found.append(_join(*_rescue(ri, ci, ok, size), rb, cb, nb))
    found.append(_join(ri, ci, *_rescue(rb, cb, ok, size), nb))
    pairs = np.unique(np.concatenate(found))
    return pairs // nb, pairs % nb


# --- scoring ---------------------------------------------------------------------------------
def _name_scores(spec: MatchSpec, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x, y = a.tolist(), b.tolist()
    # Sorting words forgives word order; plain ratio forgives a typo in a first letter
    # ("Kinzie hParmacy"), which sorting would move elsewhere.
    srt = np.maximum(_cpdist(x, y, fuzz.token_sort_ratio), _cpdist(x, y, fuzz.ratio))
    sub = _cpdist(x, y, fuzz.token_set_ratio)
    # A subset of words ("Karen Taylor" in "Karen Taylor Morales") earns half the gap.
    full = np.where(sub > srt, (srt + sub) / 2, srt)
    if not spec.tail or not len(x):
        return full
    # "Evergreen - ERP Selection" vs "Evergreen - ERP Implementation": the shared lead says
    # nothing about the engagement, so what follows it counts for half.
    ta, tb = _tails(x, y)
    rest = _cpdist(ta, tb, fuzz.token_sort_ratio)
    both = np.array([bool(p and q) for p, q in zip(ta, tb, strict=True)], dtype=bool)
    return np.where(both, np.minimum(full, (full + rest) / 2), full)


def _cpdist(a: list[str], b: list[str], scorer: Callable[..., float]) -> np.ndarray:
    return process.cpdist(a, b, scorer=scorer, processor=None, workers=1, dtype=np.float64)


def _tails(a: list[str], b: list[str]) -> tuple[list[str], list[str]]:
    """What follows the words each pair of names starts with in common ("" if nothing)."""
    out_a, out_b = [], []
    for x, y in zip(a, b, strict=True):
        wx, wy = x.split(), y.split()
        same = takewhile(lambda uv: uv[0] == uv[1], zip(wx, wy, strict=False))
        lead = sum(1 for _ in same)
        out_a.append(" ".join(wx[lead:]) if lead else "")
        out_b.append(" ".join(wy[lead:]) if lead else "")
    return out_a, out_b


def _adjust(spec: MatchSpec, ia: _Side, bt: _Side, i: np.ndarray, b: np.ndarray) -> np.ndarray:
    points = np.zeros(len(i), dtype=np.float64)
    for e in spec.evidence:
        x, y = ia.evidence[e.column][i], bt.evidence[e.column][b]
        known = (x != "") & (y != "")
        points += np.where(known & (x == y), e.agree, 0.0)
        points -= np.where(known & (x != y), e.differ, 0.0)
    return points


def _one_to_one(order: np.ndarray, i: np.ndarray, b: np.ndarray) -> list[int]:
    """Greedy: walk pairs best first, keep each one whose two records are still free."""
    used_i: set[int] = set()
    used_b: set[int] = set()
    kept = []
    for p in order:
        if i[p] not in used_i and b[p] not in used_b:
            used_i.add(int(i[p]))
            used_b.add(int(b[p]))
            kept.append(int(p))
    return kept


# --- reasons ---------------------------------------------------------------------------------
def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _name_reason(a: str, b: str, score: float, org: bool) -> str:
    """Why two names look alike, in words an accountant reads."""
    if a == b:
        return "names identical"
    if _canon(a, org) == _canon(b, org):
        needed = [step for step in STEPS if _canon(a, org, step) != _canon(b, org, step)]
        if " ".join(a.split()) != a or " ".join(b.split()) != b:
            needed.insert(0, "spacing")
        return f"names equal after normalising {_and(needed or ['unicode forms'])}"
    wa, wb = _canon(a, org).split(), _canon(b, org).split()
    if sorted(wa) == sorted(wb):
        return "same words in a different order"
    if set(wa) < set(wb) or set(wb) < set(wa):
        return f"one name's words are all in the other (names {score:.0f}% alike)"
    return f"names {score:.0f}% alike"


def _evidence_reasons(spec: MatchSpec, ia: _Side, bt: _Side, i: int, b: int) -> list[str]:
    out = []
    for e in spec.evidence:
        x, y = ia.evidence[e.column][i], bt.evidence[e.column][b]
        if x and y:
            out.append(f"same {e.label}" if x == y else f"different {e.label}")
    return out


# --- the entry point -------------------------------------------------------------------------
def _check_entity(entity: object) -> MatchSpec:
    if not isinstance(entity, str) or entity not in SPECS:
        known = ", ".join(SPECS)
        why = (
            " (it has no name to match on)"
            if isinstance(entity, str) and entity in ENTITIES
            else ""
        )
        raise ConfigError(f"cannot match {entity!r} records{why}; matchable entities: {known}")
    return SPECS[entity]


def _check_threshold(threshold: object) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise ConfigError(f"threshold must be a number from 0 to 100, got {threshold!r}")
    if not 0 <= threshold <= 100:
        raise ConfigError(f"threshold must be from 0 to 100, got {threshold}")
    return float(threshold)


def _empty() -> pd.DataFrame:
    cols = {c: pd.Series([], dtype="str") for c in PROPOSAL_COLUMNS}
    cols["score"] = pd.Series([], dtype="float64")
    return pd.DataFrame(cols)


def propose(
    entity: str,
    only_intacct: pd.DataFrame,
    only_bigtime: pd.DataFrame,
    *,
    crosswalk: Crosswalk | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Likely pairs between records only in Intacct and records only in BigTime.

    Parameters
    ----------
    entity:
        A canonical entity with a name to match on (a key of :data:`SPECS`).
    only_intacct, only_bigtime:
        Canonical frames (``EntityDiff.only_in_intacct`` / ``.only_in_bigtime``); they need
        the key, the name column(s) and the evidence columns of the entity's spec. Rows with
        a missing key or name, and keys present twice on a side, are left out.
    crosswalk:
        Decisions already taken: records already linked and rejected pairs are not proposed.
    threshold:
        Minimum score (0..100) of a proposal.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROPOSAL_COLUMNS` -- ``entity``, ``intacct_key``, ``bigtime_key``,
        ``score`` (float, one decimal), ``reason`` (plain words), ``intacct_name``,
        ``bigtime_name`` (the names compared) -- best first; each record at most once.

    Raises
    ------
    ConfigError
        Unknown or unmatchable entity, a missing column, a bad threshold.
    """
    spec = _check_entity(entity)
    level = _check_threshold(threshold)
    _validate(spec, only_intacct, "Intacct")
    _validate(spec, only_bigtime, "BigTime")
    links = crosswalk.links(entity) if crosswalk is not None else {}
    rejected = crosswalk.rejected(entity) if crosswalk is not None else set()
    ia = _prepare(spec, only_intacct, links.values())
    bt = _prepare(spec, only_bigtime, links.keys())
    if not len(ia.keys) or not len(bt.keys):
        return _empty()
    i, b = _candidates(spec, ia, bt)
    name = _name_scores(spec, ia.norm[i], bt.norm[b])
    score = np.clip(np.round(name + _adjust(spec, ia, bt, i, b), 1), 0.0, 100.0)
    keep = score >= level
    i, b, name, score = i[keep], b[keep], name[keep], score[keep]
    if rejected:  # dropped before the one-to-one step, so the next best pair can win
        pairs = zip(ia.keys[i], bt.keys[b], strict=True)
        keep = np.array([p not in rejected for p in pairs], dtype=bool)
        i, b, name, score = i[keep], b[keep], name[keep], score[keep]
    order = np.lexsort((bt.keys[b].astype(str), ia.keys[i].astype(str), -score))
    chosen = _one_to_one(order, i, b)
    return _frame(spec, ia, bt, [(int(i[p]), int(b[p]), score[p], name[p]) for p in chosen])


def _frame(
    spec: MatchSpec, ia: _Side, bt: _Side, rows: list[tuple[int, int, float, float]]
) -> pd.DataFrame:
    if not rows:
        return _empty()
    records = []
    for i, b, score, name_score in rows:
        a, z = ia.raw[i], bt.raw[b]
        why = [_name_reason(a, z, name_score, spec.organisation)]
        why += _evidence_reasons(spec, ia, bt, i, b)
        records.append((spec.entity, ia.keys[i], bt.keys[b], float(score), "; ".join(why), a, z))
    out = pd.DataFrame.from_records(records, columns=list(PROPOSAL_COLUMNS))
    return out.astype({c: "str" for c in PROPOSAL_COLUMNS if c != "score"})
