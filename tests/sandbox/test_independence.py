"""The sandboxes stand on the spec, not on the clients they test.

1. No module under ``recon/sandbox`` imports a client package (``recon.intacct``,
   ``recon.bigtime``): a guess a client makes must not be "confirmed" by its own emulator.
2. The Intacct sandbox's catalogue and the client's schema agree on objects, fields, kinds and
   keys; so do the guesses both sides make (each keeps its own, written down twice).
3. The sandbox's catalogue stands on the specs in ``docs/specs``: it serves every field real
   clients select (docs/specs/intacct-fields.md), and each field it serves is named by the spec
   or declared a guess in ``recon.sandbox.intacct.guesses``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from lxml.builder import E

import recon.sandbox
from recon.intacct import schema as client_schema
from recon.intacct import uncertain
from recon.sandbox.intacct import catalogue, guesses
from tests.sandbox.conftest import Client, errornos

SANDBOX = Path(recon.sandbox.__file__).resolve().parent
# The specs are part of the repository (docs/README.md lists them).
ROOT = Path(__file__).resolve().parents[2]


# --- 1. imports -------------------------------------------------------------------------------


def _imported(path: Path, root: Path) -> set[str]:
    """Every module ``path`` imports, absolute; ``from a import b`` gives ``a`` and ``a.b``.

    ``root`` is the directory holding the top-level package (relative imports resolve
    against the module's own name below it).
    """
    parts = path.relative_to(root).with_suffix("").parts
    package = list(parts[:-1])  # a module's package; for __init__ the package itself
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            anchor = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join([*anchor, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def _is_dynamic_import(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__")


def _offenders(forbidden: str) -> list[str]:
    out = []
    for path in sorted(SANDBOX.rglob("*.py")):
        found = _imported(path, SANDBOX.parents[1])
        bad = sorted(m for m in found if m == forbidden or m.startswith(forbidden + "."))
        out.extend(f"{path.relative_to(SANDBOX.parents[1])}: {m}" for m in bad)
    return out


@pytest.mark.parametrize("forbidden", ["recon.intacct", "recon.bigtime"])
def test_no_sandbox_module_imports_a_client(forbidden: str) -> None:
    assert _offenders(forbidden) == []


def test_the_import_scan_sees_every_import_form(tmp_path: Path) -> None:
    probe = tmp_path / "recon" / "sandbox" / "intacct" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(
        "import recon.intacct.schema\n"
        "from recon import intacct\n"
        "from ...bigtime import uncertain\n"
        "if TYPE_CHECKING:\n"
        "    from recon.intacct.client import IntacctClient\n"
        "importlib.import_module('recon.intacct.xmlsafe')\n"
    )
    found = _imported(probe, tmp_path)
    assert {
        "recon.intacct.schema", "recon.intacct", "recon.bigtime.uncertain",
        "recon.intacct.client", "recon.intacct.xmlsafe",
    } <= found  # fmt: skip


# --- 2. sandbox catalogue == client schema ------------------------------------------------------


def test_both_sides_know_the_same_objects() -> None:
    assert set(catalogue.OBJECTS) == set(client_schema.OBJECTS)


@pytest.mark.parametrize("name", sorted(client_schema.OBJECTS))
def test_every_client_field_is_served_with_the_same_kind(name: str) -> None:
    client, served = client_schema.OBJECTS[name], catalogue.OBJECTS[name]
    # The client selects every field of its schema: one the sandbox (and the spec) does not
    # know would fail the whole pull on a real account.
    assert [f for f in client.fields if f not in served.fields] == []
    assert {f: k for f, k in client.fields.items() if served.fields[f] != k} == {}


@pytest.mark.parametrize("name", sorted(client_schema.OBJECTS))
def test_keys_names_lines_and_references_agree(name: str) -> None:
    client, served = client_schema.OBJECTS[name], catalogue.OBJECTS[name]
    assert client.id_field == served.id_field
    assert client.name_field == served.name_field
    assert client.lines == (tuple(served.lines) if served.lines else None)
    assert dict(client.references) == dict(served.references)


def test_the_guesses_both_sides_make_agree() -> None:
    assert guesses.TIMESHEETENTRY_PARENT_KEY == uncertain.TIMESHEETENTRY_PARENT_KEY
    assert guesses.TIMESHEET_EDITABLE_STATES == uncertain.TIMESHEET_OPEN_STATES
    assert catalogue.TIMESHEETENTRY_LINK_FIELD == uncertain.TIMESHEETENTRY_LINK_FIELD
    assert guesses.REPLAY_ERRORNO == uncertain.REPLAY_ERRORNO
    assert guesses.REPLAY_DESCRIPTION2 == uncertain.REPLAY_DESCRIPTION2
    assert guesses.READMORE_RESULT_TTL_SECONDS == uncertain.READMORE_RESULT_TTL_SECONDS
    assert guesses.MAX_READ_KEYS == uncertain.MAX_READ_KEYS
    assert guesses.MAX_RECORDS_PER_WRITE == uncertain.MAX_RECORDS_PER_WRITE
    for name in catalogue.OBJECTS:
        assert guesses.record_element(name, "readByQuery") == uncertain.readbyquery_element(name)
    text = guesses.INVALID_SESSION_TEXT.lower()
    assert any(f in text for f in uncertain.SESSION_INVALID_TEXT_FRAGMENTS)


# --- 3. sandbox catalogue == spec ---------------------------------------------------------------


def _spec(path: str) -> str:
    """A spec's text, by its path from the repository root."""
    return (ROOT / path).read_text(encoding="utf-8")


def _fields_md() -> dict[str, list[str]]:
    """docs/specs/intacct-fields.md: object -> the fields listed under its ``## OBJECT`` heading."""
    out: dict[str, list[str]] = {}
    for block in re.split(r"^## ", _spec("docs/specs/intacct-fields.md"), flags=re.M)[1:]:
        heading, _, body = block.partition("\n")
        out[heading.strip()] = re.findall(r"`([A-Z0-9_.]+)`", body)
    return out


def test_every_field_real_clients_select_is_served() -> None:
    listed = _fields_md()
    assert listed, "no object found in docs/specs/intacct-fields.md"
    missing = {
        obj: [f for f in fields if f not in catalogue.OBJECTS[obj].fields]
        for obj, fields in listed.items()
        if obj in catalogue.OBJECTS
    }
    assert {obj: m for obj, m in missing.items() if m} == {}


def _declared_guesses() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {
        "TIMESHEETENTRY": {guesses.TIMESHEETENTRY_PARENT_KEY},
        "PROJECT": {guesses.PROJECT_MANAGER_KEY},
        "PROJECTTYPE": set(guesses.PROJECTTYPE_FIELDS),
        "TIMETYPE": set(guesses.TIMETYPE_FIELDS),
        "ARTERM": set(guesses.ARTERM_RULE_FIELDS),
        "ARPYMTDETAIL": {guesses.PAYMENT_DETAIL_PARENT_KEY, *guesses.PAYMENT_DETAIL_READ_FIELDS},
        # Issue 16: the spec gives expense reports no fields; every one is a guess.
        "EEXPENSES": set(guesses.EXPENSE_HEADER_FIELDS),
        "EEXPENSESITEM": {guesses.EXPENSE_LINE_PARENT_KEY, *guesses.EXPENSE_LINE_FIELDS},
    }
    for obj, fields in guesses.UNLISTED_FIELDS.items():
        out.setdefault(obj, set()).update(fields)
    for obj, fields in catalogue.CUSTOM_FIELDS.items():
        out.setdefault(obj, set()).update(fields)
    return out


def test_every_served_field_is_named_by_the_spec_or_declared_a_guess() -> None:
    listed = _fields_md()
    api = _spec("docs/specs/intacct-xml-api.md")
    words = set(re.findall(r"[A-Z][A-Z0-9_]+", api))
    words |= {w + "*" for w in re.findall(r"([A-Z][A-Z0-9_]+)\*", api)}  # TRX_TOTAL*
    declared = _declared_guesses()
    unfounded = {}
    for name, spec in catalogue.OBJECTS.items():
        bad = [
            f
            for f in spec.fields
            if f not in listed.get(name, ())
            and f not in declared.get(name, ())
            and not _named_by_api_spec(f, words)
        ]
        if bad:
            unfounded[name] = bad
    assert unfounded == {}


def _named_by_api_spec(field: str, words: set[str]) -> bool:
    head, _, rest = field.partition(".")
    if rest and rest in catalogue.CONTACT_FIELDS:
        return head in words  # a contact reference: the CONTACT record's fields
    return all(_word(part, words) for part in field.split("."))


def _word(name: str, words: set[str]) -> bool:
    return name in words or any(w.endswith("*") and name.startswith(w[:-1]) for w in words)


def test_a_query_selecting_any_listed_field_succeeds_on_the_running_sandbox(client: Client) -> None:
    # docs/specs/intacct-fields.md: "a query selecting any of these must succeed (empty value
    # where the demo firm has no data), and an unknown field must fail the way the real gateway
    # does".
    for obj, fields in _fields_md().items():
        if obj not in catalogue.OBJECTS:
            continue
        select = E.select(*(E.field(f) for f in fields))
        data = client.ok(E.query(E.object(obj), select, E.pagesize("1")))
        assert data.get("listtype") == obj


def test_a_field_the_spec_does_not_know_fails_as_on_the_gateway(client: Client) -> None:
    # ITEM.BASEPRICE: once in the client's schema, in no spec; selecting it fails the query.
    result = client.one(
        E.query(E.object("ITEM"), E.select(E.field("ITEMID"), E.field("BASEPRICE")))
    )
    assert result.findtext("status") == "failure"
    assert errornos(result) == [guesses.UNKNOWN_FIELD_ERRORNO]
    assert "BASEPRICE" in (result.findtext(".//description2") or "")
