"""Every citation of a document resolves to a file under ``docs/`` and to a section in it.

recon's comments and docstrings cite the specifications and notes in ``docs/`` (listed in
``docs/README.md``). A citation names the document by its path from the repository root, then
the section: ``docs/specs/bigtime-rest-api.md §4.11``, ``docs/specs/intacct-xml-api.md §2.4,
§2.5``, ``docs/ENGINEERING-NOTES.md "Exactly-once writes"`` (an unnumbered document: by the
start of a heading). A file that cites a document often may declare a short form once::

    Citations: "spec §N" is docs/specs/bigtime-rest-api.md, "ev §N" docs/specs/bigtime-evidence.md.

(or ``docs/specs/bigtime-rest-api.md ("spec §N")``); ``spec §4.11`` and ``ev §2.4`` then name
those documents, and a declared bare ``"§N"`` is what an unqualified ``§4.5`` names. Each
``§`` must resolve to exactly one document, by the first of: a document path right before it;
a declared short form right before it; continuing a list (``§2.4, §2.5``, ``§4.2/§4.11``,
``§1 (DOC) and §4.3``; ranges ``§1.2-§4`` and ``§4.1-4.3``); the file's declared bare form.

A section number is the number a heading starts with (``### 4.11 Cost centers`` is §4.11,
``## 3. Status codes and errors`` is §3). Under a numbered heading with no numbered
subheadings, the points of a numbered list are its subsections: ``bigtime-evidence.md``
§3.5 is point 5 of its §3.

Nothing may point outside the repository (``/work/shared``, ``../shared``, ``shared/specs``),
name a document in ``docs/`` by anything but its path (``specs/bigtime-evidence.md``,
``bigtime-evidence.md``, ``ENGINEERING-NOTES``, ``DESIGN "What syncs"``, ``STYLE lesson 4``),
or name a file in ``docs/`` that does not exist. This file is not scanned: its self-checks
hold dangling citations on purpose.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED_DIRS = ("recon", "tests", "benchmarks")
SCANNED_FILES = ("README.md",)
SUFFIXES = frozenset({".py", ".md", ".txt", ".html", ".toml", ".cfg"})
_NUM = r"\d+(?:\.\d+)*"
_DOC = r"docs/[\w./-]+?\.md"
#: One citation: ``§4.11``, ``§ 4``, a range ``§1.2-§4`` / ``§4.1-4.3``.
_CITE = re.compile(rf"§\s?(?P<num>{_NUM})(?:\s?[-–]\s?§?\s?(?P<end>{_NUM}))?")
#: A document's path right before a citation (optionally closed by backticks or quotes).
_DOC_BEFORE = re.compile(rf"(?P<doc>{_DOC})[`'\"]*\s*$")
#: The word right before a citation: a short form such as ``spec``, ``ev``, ``evidence``.
_WORD_BEFORE = re.compile(r"(?<![\w-])(?P<word>[A-Za-z][\w-]*)\s?$")
#: What may stand between two citations of one list: an evidence grade, then a separator.
_LIST_GAP = re.compile(r"^\s*(?:\(?[A-Z][A-Z+-]+\)?\s*)?(?:[,;/–-]|,?\s*(?:and|or))\s*$")
#: A declared short form, ``"spec §N"`` or ``"§N"``, then (soon after) the document's path.
_DECLARED = re.compile(rf"\"(?:(?P<word>[A-Za-z][\w-]*)\s)?§N\"(?=.{{0,160}}?(?P<doc>{_DOC}))")
#: The same the other way round: the document's path, then ``("spec §N")``.
_DECLARED_AFTER = re.compile(
    rf"(?P<doc>{_DOC})[`'\"]*\s*\([^()\"]{{0,20}}(?P<q>\"(?:(?P<word>[A-Za-z][\w-]*)\s)?§N\")"
)
#: A document cited by the start of one of its headings: ``docs/DESIGN.md "What syncs"``.
_TITLED = re.compile(rf"(?P<doc>{_DOC})`*,?\s\"(?P<title>[^\"§]+)\"")
#: A place outside the repository.
_OUTSIDE = re.compile(
    r"/work/(?:shared|main|wt)\b|(?:\.\./)+shared\b|(?<![\w/])shared/(?:specs|fixtures)"
)
#: An unnumbered document named without its path (``DESIGN "What syncs"``, ``STYLE lesson 4``).
_BARE_NAME = re.compile(
    r"(?<![\w/.-])(?:ENGINEERING-NOTES(?![\w-])|(?:DESIGN|STYLE)(?=\.md|:| \"|,| lesson|'s))"
)


@dataclass
class Doc:
    """One document under ``docs/``: section number -> heading, and every heading."""

    sections: dict[str, str] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)


def parse_doc(text: str) -> Doc:
    """The numbered sections and the headings of one Markdown document."""
    doc = Doc()
    points: dict[str, dict[str, str]] = {}
    current: str | None = None
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if fenced or line.startswith("```"):
            continue
        heading = re.match(r"#{1,6}\s+(.*)", line)
        if heading:
            title = heading.group(1).strip()
            doc.titles.append(title)
            number = re.match(rf"({_NUM})\.?(?:\s|$)", title)
            current = number.group(1) if number else None
            if current:
                doc.sections[current] = title
            continue
        point = re.match(r"(\d+)\.\s+(.*)", line)
        if point and current:
            points.setdefault(current, {})[point.group(1)] = point.group(2)
    for parent, items in points.items():
        if not any(s.startswith(parent + ".") for s in doc.sections):
            doc.sections.update({f"{parent}.{n}": f"point {n}: {t}" for n, t in items.items()})
    return doc


@functools.cache
def load_docs(root: Path = ROOT) -> dict[str, Doc]:
    """Every Markdown document under ``docs/``, by its path from the repository root."""
    return {
        path.relative_to(root).as_posix(): parse_doc(path.read_text(encoding="utf-8"))
        for path in sorted((root / "docs").rglob("*.md"))
    }


class _Flat:
    """A file's text with its lines joined by one space and comment markers dropped, so that
    a citation broken across two lines of a comment or a docstring reads as one."""

    def __init__(self, text: str) -> None:
        parts: list[str] = []
        self.starts: list[int] = []
        offset = 0
        for i, line in enumerate(text.splitlines()):
            piece = line if i == 0 else re.sub(r"^\s*(?:#:?\s?)?", "", line)
            if i:
                parts.append(" ")
                offset += 1
            self.starts.append(offset)
            parts.append(piece)
            offset += len(piece)
        self.text = "".join(parts)

    def line(self, pos: int) -> int:
        """The 1-based line of ``pos``."""
        return bisect.bisect_right(self.starts, pos)


@dataclass(frozen=True)
class Citation:
    """One ``§`` citation: where it is, the document it resolved to (None: none), sections."""

    line: int
    doc: str | None
    numbers: tuple[str, ...]
    text: str


def declarations(text: str) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """A file's declared short forms (``""`` for the bare ``"§N"``) -> document; conflicts."""
    flat = _Flat(text)
    declared: dict[str, str] = {}
    conflicts: list[tuple[int, str]] = []
    after = list(_DECLARED_AFTER.finditer(flat.text))
    quotes = {m.start("q") for m in after}
    for m in [*after, *(m for m in _DECLARED.finditer(flat.text) if m.start() not in quotes)]:
        word = (m.group("word") or "").lower()
        if declared.setdefault(word, m.group("doc")) != m.group("doc"):
            conflicts.append((flat.line(m.start()), f'"{word} §N" declared for two documents'))
    return declared, conflicts


def citations(text: str) -> list[Citation]:
    """Every ``§`` citation in ``text``, resolved to its document as the module doc says."""
    flat = _Flat(text)
    s = flat.text
    declared, _ = declarations(text)
    found: list[Citation] = []
    previous: tuple[int, str] | None = None
    for m in _CITE.finditer(s):
        before = s[max(0, m.start() - 120) : m.start()]
        doc_before = _DOC_BEFORE.search(before)
        word = _WORD_BEFORE.search(before)
        cited: str | None
        if doc_before:
            cited = doc_before.group("doc")
        elif word and word.group("word").lower() in declared:
            cited = declared[word.group("word").lower()]
        elif previous and _LIST_GAP.match(s[previous[0] : m.start()]):
            cited = previous[1]
        else:
            cited = declared.get("")
        previous = (m.end(), cited) if cited else None
        numbers = tuple(n for n in (m.group("num"), m.group("end")) if n)
        found.append(Citation(flat.line(m.start()), cited, numbers, m.group(0)))
    return found


def check_text(text: str, docs: dict[str, Doc], where: str = "<text>") -> list[str]:
    """Every problem with the citations in ``text``, one message each."""
    flat = _Flat(text)
    s = flat.text
    errors: list[str] = []

    def err(line: int, message: str) -> None:
        errors.append(f"{where}:{line}: {message}")

    for m in _OUTSIDE.finditer(s):
        err(flat.line(m.start()), f"points outside the repository: {m.group(0)!r}")
    for m in _BARE_NAME.finditer(s):
        err(flat.line(m.start()), f"names {m.group(0)} without its path (docs/...)")
    for path in docs:
        name = Path(path).name
        if name == "README.md":  # the repository's own README.md is another file
            continue
        for m in re.finditer(rf"(?P<prefix>[\w./-]*){re.escape(name)}", s):
            if m.group("prefix") != path[: -len(name)]:
                err(flat.line(m.start()), f"{m.group(0)!r} is not the path of {path}")
    for m in re.finditer(rf"(?<![\w/.-]){_DOC}", s):
        if m.group(0) not in docs:
            err(flat.line(m.start()), f"{m.group(0)} does not exist")
    for m in _TITLED.finditer(s):
        doc = docs.get(m.group("doc"))
        title = m.group("title").lower()
        if doc is not None and not any(t.lower().startswith(title) for t in doc.titles):
            err(flat.line(m.start()), f'{m.group("doc")} has no heading "{m.group("title")}"')
    for line, message in declarations(text)[1]:
        err(line, message)
    for c in citations(text):
        if c.doc is None:
            err(c.line, f"{c.text!r} names no document (see docs/README.md)")
        elif c.doc in docs:
            for number in c.numbers:
                if number not in docs[c.doc].sections:
                    err(c.line, f"{c.doc} has no section §{number}")
    return errors


def scanned_files(root: Path = ROOT) -> Iterator[Path]:
    """The files whose citations are checked."""
    for name in SCANNED_FILES:
        yield root / name
    for top in SCANNED_DIRS:
        for path in sorted((root / top).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and path.name != "test_docs.py":
                yield path


def test_every_citation_resolves() -> None:
    docs = load_docs()
    errors: list[str] = []
    for path in scanned_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        errors += check_text(text, docs, path.relative_to(ROOT).as_posix())
    assert not errors, "\n".join(errors)


def test_the_documents_are_in_docs_and_indexed() -> None:
    docs = load_docs()
    for name in (
        "docs/specs/intacct-xml-api.md",
        "docs/specs/intacct-fields.md",
        "docs/specs/bigtime-rest-api.md",
        "docs/specs/bigtime-evidence.md",
        "docs/DESIGN.md",
        "docs/ENGINEERING-NOTES.md",
        "docs/STYLE.md",
    ):
        assert name in docs, name
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    for name in docs:
        if name != "docs/README.md":
            assert f"({Path(name).relative_to('docs').as_posix()})" in index, name


def test_sections_are_read_from_the_headings() -> None:
    docs = load_docs()
    rest = docs["docs/specs/bigtime-rest-api.md"].sections
    assert rest["4.11"].startswith("4.11 Cost centers") and rest["1"] == "1. Transport basics"
    assert {"2.1", "9"} <= set(rest) and "1.1" not in rest
    assert {"1.4", "2.5", "3.6", "5", "9"} <= set(docs["docs/specs/intacct-xml-api.md"].sections)
    evidence = docs["docs/specs/bigtime-evidence.md"].sections
    assert {"0", "2.15", "3.1", "3.15", "4.1", "4.6"} <= set(evidence)
    assert evidence["3.5"].startswith("point 5: **Team member keys")
    assert "2.16" not in evidence and "3.16" not in evidence


# --- the checker catches what it must ---------------------------------------------------------

_REST = "docs/specs/bigtime-rest-api.md"
_EV = "docs/specs/bigtime-evidence.md"
_IA = "docs/specs/intacct-xml-api.md"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (f"# Client (BigTime's name for Customer), {_REST} §4.99.", "no section §4.99"),
        (f"# see {_REST} §4.1-4.30", "no section §4.30"),
        (f"# ({_REST} §4.1, §4.77)", "no section §4.77"),
        ("# docs/specs/bigtime-api.md §4.1", "does not exist"),
        ("# the lexicon (spec §4.11)", "names no document"),
        ("# the lexicon (§4.11)", "names no document"),
        (f'"""\n"spec §N" is {_REST}.\n"""\n# realm (ev §2.1)', "names no document"),
        (f'"""\n"ev §N" is {_EV}.\n"""\n# realm (ev §3.16)', "no section §3.16"),
        (f'"""\n"§N" is {_IA}.\n"""\n# (§2.7)', "no section §2.7"),
        (f'"""\n"§N" is {_IA}, "§N" {_REST}.\n"""', "declared for two documents"),
        ("# read /work/shared/specs/intacct-xml-api.md", "outside the repository"),
        ("# read ../shared/specs", "outside the repository"),
        ("# specs/bigtime-evidence.md §2.1", "is not the path"),
        ("# (bigtime-evidence.md §2.1)", "is not the path"),
        ('# (DESIGN "What syncs")', "without its path"),
        ("# (ENGINEERING-NOTES, papermill #400)", "without its path"),
        ("# one place for each (STYLE lesson 4)", "without its path"),
        ('# (docs/DESIGN.md "Field mappings")', 'no heading "Field mappings"'),
    ],
)
def test_a_dangling_citation_fails(text: str, fragment: str) -> None:
    errors = check_text(text, load_docs())
    assert any(fragment in e for e in errors), errors


@pytest.mark.parametrize(
    "text",
    [
        f"# {_REST} §4.11 and {_EV} §2.4, §2.5; §3.1",
        f"# ``{_REST}`` §2.1-§4, §4.1-4.3 and §4.2/§4.11, §1 (DOC) and §5",
        f'"""\n"spec §N" is {_REST}, "ev §N" {_EV}.\n"""\nx = f"{{OBS}} ev§2.4"  # spec §4.3',
        f'"""\n"§N" and "spec §N" are {_IA}.\n"""\n# §5 PROJECT; Spec §1.1',
        f'"""From {_REST} ("spec §N") and\n{_EV} ("ev §N", seen).\n"""\n# spec §4.3, ev §2.4',
        '# (docs/DESIGN.md "What syncs"; docs/ENGINEERING-NOTES.md "Exactly-once writes")',
        f"# a comment broken after the path {_EV}\n# §2.13 on the next line",
        '"DESIGN", "PM", "CONSULT"  # an item id, not a document',
    ],
)
def test_a_good_citation_passes(text: str) -> None:
    assert check_text(text, load_docs()) == []


def test_a_dangling_citation_in_a_scanned_file_fails(tmp_path: Path) -> None:
    for name in ("recon", "tests", "benchmarks", "docs/specs"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "README.md").write_text("recon\n", encoding="utf-8")
    (tmp_path / "docs/specs/bigtime-rest-api.md").write_text("## 4. Entities\n", "utf-8")
    module = tmp_path / "recon" / "lexicon.py"
    module.write_text(f'"""Terms ({_REST} §4.11)."""\n', encoding="utf-8")
    docs = load_docs(tmp_path)
    found = [
        e
        for path in scanned_files(tmp_path)
        for e in check_text(path.read_text("utf-8"), docs, path.relative_to(tmp_path).as_posix())
    ]
    assert found == [f"recon/lexicon.py:1: {_REST} has no section §4.11"]
