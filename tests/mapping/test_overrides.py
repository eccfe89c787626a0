"""A user's mapping file: parsed, checked (every error names its line), and applied to frames.

Frames come from the demo firm (``recon.sandbox.firm.generate``): its canonical views, and
pulled frames built by the real frame builders -- Intacct pages typed by
``recon.intacct.frames``, BigTime project details pulled by ``recon.bigtime.pull`` from a
small reader serving the firm's seed records -- with a custom field added on both sides.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from lxml import etree

from recon.bigtime.pull import pull_projects
from recon.canonical import ENTITIES, canon_str
from recon.errors import ConfigError
from recon.intacct import pull as intacct_pull
from recon.intacct.frames import STR_DTYPE, pages_to_frame
from recon.intacct.page import Page
from recon.mapping import (
    MappingFileError,
    MappingOverrides,
    MappingReport,
    load_overrides,
    mapping_path,
    parse_overrides,
    to_canonical_intacct,
)
from recon.mapping.overrides import KEY_KINDS, KINDS, NO_EXTRAS
from recon.sandbox.firm import Firm, generate

EXAMPLE = """\
# the brief's example
[project]
ignore = ["description"]                 # not compared
key = "name"                             # a different key column
[[project.extra]]                        # a custom field to compare
name = "region"
kind = "text"
intacct = "REGION"
bigtime = "Udf.Region"
"""

REGIONS = ("North", "South", "East", "West")


@pytest.fixture(scope="module")
def firm() -> Firm:
    return generate(seed=7, scale=1)


def write(tmp_path: Path, text: str | bytes, name: str = "mapping.toml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


# --------------------------------------------------------------------------- loading


def test_the_example_file_loads_into_frozen_overrides(tmp_path: Path) -> None:
    overrides = load_overrides(write(tmp_path, EXAMPLE))
    assert overrides.key("project") == "name"
    assert overrides.ignored_fields("project") == frozenset({"description"})
    (extra,) = overrides.extra_fields("project")
    assert (extra.name, extra.kind, extra.intacct, extra.bigtime) == (
        "region", "text", "REGION", "Udf.Region",
    )  # fmt: skip
    spec = overrides.entity("project")
    canonical = ENTITIES["project"]
    assert spec.key == "name"
    assert spec.names == [c for c in canonical.names if c != "description"] + ["region"]
    assert overrides.intacct_fields() == {"PROJECT": ("REGION",)}
    # untouched entities are the canonical ones
    assert overrides.entity("customer") == ENTITIES["customer"]
    assert overrides.key("customer") == "customer_id"
    with pytest.raises(AttributeError):
        overrides.source = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        overrides.entities["customer"] = None  # type: ignore[index]


def test_every_kind_and_a_key_of_each_allowed_kind_load() -> None:
    items = "".join(
        f'[[time_entry.extra]]\nname = "x_{kind}"\nkind = "{kind}"\nintacct = "X_{kind.upper()}"\n'
        f'bigtime = "Udf.X {kind}"\n'
        for kind in KINDS
    )
    overrides = parse_overrides(items)
    assert [x.kind for x in overrides.extra_fields("time_entry")] == list(KINDS)
    for kind in sorted(KEY_KINDS):
        text = items + f'[time_entry]\nkey = "x_{kind}"\n'
        assert parse_overrides(text).key("time_entry") == f"x_{kind}"


def test_no_file_at_the_default_place_means_no_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECON_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("RECON_MAPPING", raising=False)
    assert mapping_path() == tmp_path / "mapping.toml"
    overrides = load_overrides()
    assert overrides == MappingOverrides.empty() and not overrides
    write(tmp_path, EXAMPLE)
    assert load_overrides().key("project") == "name"


def test_the_environment_names_another_file_which_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECON_MAPPING", str(tmp_path / "mine.toml"))
    with pytest.raises(MappingFileError, match="no such file") as err:
        load_overrides()
    assert str(tmp_path / "mine.toml") in str(err.value)
    write(tmp_path, EXAMPLE, "mine.toml")
    assert load_overrides().ignored_fields("project") == {"description"}


def test_a_named_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_overrides(tmp_path / "nope.toml")


# --------------------------------------------------------------------------- bad files

# Each bad file marks the line the error must name with "<-" (a TOML comment where the
# line allows one); the expected line number is computed from the text.
BAD_FILES: dict[str, tuple[str, str]] = {
    "syntax": ('[project]\nignore = ["description"]\nkey = name  # <-\n', "not valid TOML"),
    "unclosed table": ("[project]\n[customer  # <-\n", "not valid TOML"),
    "unknown entity": ('[project]\nkey = "name"\n\n[projet]  # <-\nkey = "name"\n', "projet"),
    "unknown entity, dotted": ('# x\nclients.ignore = ["name"]  # <-\n', "unknown entity"),
    "entity not a table": ("# top\n\nproject = 3  # <-\n[customer]\nignore = []\n", "a table"),
    "setting in the wrong table": ("[customer]\n[vendor]\n\nproject = 3  # <-\n", "in [vendor]"),
    "unknown setting": ('[project]\nkey = "name"\nignroe = ["name"]  # <-\n', "ignroe"),
    "ignore not a list": ('[project]\n\nignore = "description"  # <-\n', "list of column"),
    "ignore not texts": ("[project]\nignore = [1, 2]  # <-\n", "list of column"),
    "ignore unknown column": (
        '[project]\nignore = [\n  "description",\n  "descripton",  # <-\n]\n',
        "descripton",
    ),
    "ignore the key": ('[customer]\nignore = ["name",\n "customer_id"]  # <-\n', "is the key"),
    "ignore the new key": ('[customer]\nkey = "name"\nignore = ["name"]  # <-\n', "is the key"),
    "ignore an extra": (
        '[[project.extra]]\nname = "region"\nkind = "text"\nintacct = "R"\nbigtime = "R"\n'
        '[project]\nignore = ["region"]  # <-\n',
        "remove the extra",
    ),
    "key unknown column": ('[customer]\n\n\nkey = "title"  # <-\n', "no column"),
    "key not a text": ("[customer]\nkey = 5  # <-\n", "no column"),
    "key money": ('[invoice]\nkey = "total"  # <-\n', "cannot tell records apart"),
    "key status": ('[customer]\nkey = "status"  # <-\n', "cannot tell records apart"),
    "key bool": ('[time_entry]\nkey = "billable"  # <-\n', "cannot tell records apart"),
    "extra not tables": ('[project]\nextra = "region"  # <-\n', "must be tables"),
    "extra on payment": (
        '[[payment.extra]]  # <-\nname = "x"\nkind = "text"\nintacct = "X"\nbigtime = "X"\n',
        "no extra fields",
    ),
    "extra lacks settings": (
        '[[project.extra]]\nname = "a"\nkind = "text"\nintacct = "A"\nbigtime = "A"\n\n'
        '[[project.extra]]  # <-\nname = "b"\nkind = "text"\n',
        "needs intacct, bigtime",
    ),
    "extra unknown setting": (
        '[[project.extra]]\nname = "a"\nkind = "text"\nintacct = "A"\nbigtime = "A"\n'
        'bigtme = "B"  # <-\n',
        "bigtme",
    ),
    "extra bad kind": (
        '[[project.extra]]\nname = "a"\nkind = "string"  # <-\nintacct = "A"\nbigtime = "A"\n',
        "unknown kind 'string'",
    ),
    "extra kind not text": (
        '[[project.extra]]\nname = "a"\nkind = 3  # <-\nintacct = "A"\nbigtime = "A"\n',
        "non-empty text",
    ),
    "extra blank field": (
        '[[project.extra]]\nname = "a"\nkind = "text"\nintacct = "  "  # <-\nbigtime = "A"\n',
        "non-empty text",
    ),
    "extra bad name": (
        '[[project.extra]]\nname = "my region"  # <-\nkind = "text"\nintacct = "A"\n'
        'bigtime = "A"\n',
        "letters, digits",
    ),
    "extra clashes": (
        '[[project.extra]]\nname = "status"  # <-\nkind = "text"\nintacct = "A"\nbigtime = "A"\n',
        "already has a column 'status'",
    ),
    "extra twice": (
        '[[project.extra]]\nname = "a"\nkind = "text"\nintacct = "A"\nbigtime = "A"\n'
        '[[project.extra]]\nname = "a"  # <-\nkind = "int"\nintacct = "B"\nbigtime = "B"\n',
        "already has a column 'a'",
    ),
    "inline table": ('project = { key = "total" }  # <-\n', "no column"),
}


def marked_line(text: str) -> int:
    (line,) = [n for n, t in enumerate(text.splitlines(), 1) if "<-" in t]
    return line


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_names_the_file_and_the_line(tmp_path: Path, case: str) -> None:
    text, problem = BAD_FILES[case]
    path = write(tmp_path, text)
    with pytest.raises(MappingFileError) as err:
        load_overrides(path)
    line = marked_line(text)
    assert err.value.line == line
    assert err.value.path == path
    assert f"{path}, line {line}:" in str(err.value)
    assert problem in str(err.value)
    assert isinstance(err.value, ConfigError)


def test_a_file_that_is_not_utf8_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = write(tmp_path, b'[project]\nignore = ["description"]\nkey = "caf\xe9"\n')
    with pytest.raises(MappingFileError, match="UTF-8") as err:
        load_overrides(path)
    assert err.value.line == 3


def test_a_syntax_error_keeps_the_column_too(tmp_path: Path) -> None:
    with pytest.raises(MappingFileError) as err:
        load_overrides(write(tmp_path, '[project]\nkey = "name" x\n'))
    assert (err.value.line, err.value.column) == (2, 14)


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(MappingFileError, match="no such file"):
        load_overrides(tmp_path / "dir.toml")


# --------------------------------------------------------------------------- applying


def intacct_project_frame(firm: Firm, region: dict[str, str | None]) -> pd.DataFrame:
    """PROJECT as the Intacct pull types it: the spec's fields plus REGION, from a page."""
    data = etree.Element("data", listtype="PROJECT", count=str(len(region)))
    for code, value in region.items():
        record = etree.SubElement(data, "PROJECT")
        etree.SubElement(record, "PROJECTID").text = code
        etree.SubElement(record, "REGION").text = value
    fields = intacct_pull.with_extra_fields(intacct_pull.PULL_SPECS["PROJECT"], ["REGION"])
    page = Page("PROJECT", "query", data, count=len(region))
    return pages_to_frame([page], "PROJECT", fields)


@dataclass
class _Settings:
    concurrency: int = 2


class SeedReader:
    """Serves the firm's BigTime seed projects, as the BigTime client would answer them."""

    settings = _Settings()

    def __init__(self, projects: list[dict[str, Any]]) -> None:
        self.by_sid = {p["SystemId"]: p for p in projects}

    def projects(self, show_inactive: bool = True) -> list[dict[str, Any]]:
        return [{"SystemId": sid} for sid in self.by_sid]

    def project(self, sid: int) -> dict[str, Any]:
        return self.by_sid[sid]

    def project_team(self, sid: int) -> list[dict[str, Any]]:
        return []


def bigtime_project_frame(firm: Firm, udfs: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The BigTime project pull of the firm, with extra custom fields (code -> name -> value)."""
    projects = []
    for record in firm.bigtime_seed()["project"]:
        added = udfs.get(record["ProjectCode"], {})
        extra = [{"Sid": 90 + i, "Name": k, "Value": v} for i, (k, v) in enumerate(added.items())]
        projects.append({**record, "UdfList": [*record["UdfList"], *extra]})
    return pull_projects(SeedReader(projects))


def test_a_custom_field_is_compared_on_both_sides(firm: Firm) -> None:
    codes = list(firm.intacct_view["project"]["project_id"])
    ia_region = {c: REGIONS[i % 4] for i, c in enumerate(codes)}
    # BigTime disagrees on every 7th project, and lacks the field on every 11th.
    bt_region = {c: REGIONS[(i + (i % 7 == 0)) % 4] for i, c in enumerate(codes) if i % 11}
    ia_pulled = {"PROJECT": intacct_project_frame(firm, ia_region)}
    bt_pulled = {
        "project": bigtime_project_frame(firm, {c: {"Region": v} for c, v in bt_region.items()})
    }
    assert "Udf.Region" in bt_pulled["project"].columns  # the pull carries any custom field
    overrides = parse_overrides(EXAMPLE.replace('key = "name"', ""))

    ia = overrides.apply("project", firm.intacct_view["project"], "intacct", ia_pulled)
    bt = overrides.apply("project", firm.bigtime_view["project"], "bigtime", bt_pulled)

    for frame, truth in ((ia, ia_region), (bt, bt_region)):
        assert list(frame.columns) == overrides.entity("project").names
        assert "description" not in frame.columns
        assert frame["region"].dtype == "str"
        got = dict(zip(frame["project_id"], frame["region"], strict=True))
        assert {k: v for k, v in got.items() if not pd.isna(v)} == {
            k: v for k, v in truth.items() if k in got
        }
    assert len(ia) == len(firm.intacct_view["project"])
    assert bt["region"].isna().sum() == sum(1 for c in bt["project_id"] if c not in bt_region)


def test_the_custom_field_goes_through_to_canonical_intacct(firm: Firm) -> None:
    codes = list(firm.intacct_view["project"]["project_id"])[:5]
    pulled = {"PROJECT": intacct_project_frame(firm, {c: "North" for c in codes})}
    overrides = parse_overrides(EXAMPLE)
    out = to_canonical_intacct(pulled, overrides=overrides)
    assert list(out) == ["project"]
    assert list(out["project"].columns) == overrides.entity("project").names
    # projects without a NAME have no key under the override: left out
    assert out["project"].empty
    assert "region" not in to_canonical_intacct(pulled)["project"].columns


def test_a_new_key_resorts_and_leaves_out_rows_without_it(firm: Firm) -> None:
    customers = firm.intacct_view["customer"].copy()
    customers.loc[[2, 5], "name"] = None
    overrides = parse_overrides('[customer]\nkey = "name"\n')
    report = MappingReport("intacct")
    out = overrides.apply("customer", customers, "intacct", report=report)
    assert overrides.key("customer") == "name"
    assert report.unkeyed["customer"] == 2
    assert len(out) == len(customers) - 2
    assert list(out["name"]) == sorted(customers["name"].dropna())
    assert list(out.columns) == ENTITIES["customer"].names
    assert list(out.index) == list(range(len(out)))
    assert out.dtypes.equals(customers.dtypes)


def test_an_entity_without_overrides_is_left_as_it_is(firm: Firm) -> None:
    frame = firm.intacct_view["customer"]
    overrides = parse_overrides(EXAMPLE)
    assert overrides.apply("customer", frame, "bigtime") is frame
    assert MappingOverrides.empty().apply("project", frame, "intacct") is frame


def test_only_ignoring_drops_the_columns_and_keeps_rows(firm: Firm) -> None:
    frame = firm.bigtime_view["employee"]
    overrides = parse_overrides('[employee]\nignore = ["title", "email"]\n')
    out = overrides.apply("employee", frame, "bigtime")
    assert list(out.columns) == [c for c in frame.columns if c not in ("title", "email")]
    pd.testing.assert_frame_equal(out, frame.drop(columns=["title", "email"]))


EVERY_KIND = """\
[[time_entry.extra]]
name = "{name}"
kind = "{kind}"
intacct = "RAW"
bigtime = "Raw"
"""

TYPED_CASES: list[tuple[str, list[Any], list[str | None], int]] = [
    # kind, raw values, canonical strings expected, unparsable count
    ("money", ["$1,200.50", "7", None, "n/a", Decimal("3.10")],
     ["1200.50", "7.00", None, None, "3.10"], 1),
    ("hours", ["7.25", " 8 ", "", None, "x"], ["7.25", "8.00", None, None, None], 1),
    ("date", ["01/15/2025", "2025-02-03T00:00:00", None, "13/45/2025", "2025-03-04"],
     ["2025-01-15", "2025-02-03", None, None, "2025-03-04"], 1),
    ("int", ["12", 3, None, "1.5", "x"], ["12", "3", "0", "0", "0"], 2),
    ("bool", ["true", "False", None, "yes", "maybe"],
     ["true", "false", "false", "true", "false"], 1),
    ("text", ["  a ", "", None, "b", 5], ["  a ", None, None, "b", "5"], 0),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "raw", "expected", "unparsable"), TYPED_CASES)
def test_extra_values_are_typed_by_kind(
    kind: str, raw: list[Any], expected: list[str | None], unparsable: int
) -> None:
    keys = [f"T{i}" for i in range(len(raw))]
    canonical = pd.DataFrame({c.name: [None] * len(raw) for c in ENTITIES["time_entry"].columns})
    canonical["entry_id"] = keys
    canonical["billable"], canonical["hours"] = False, Decimal(0)
    canonical = canonical.astype(ENTITIES["time_entry"].dtypes())
    # reversed, plus a key canonical does not have: the look-up is by key, not by position
    pulled = pd.DataFrame({"SID": [*reversed(keys), "T99"], "Raw": [*reversed(raw), "zz"]})
    overrides = parse_overrides(EVERY_KIND.format(name="extra", kind=kind))
    report = MappingReport("bigtime")
    out = overrides.apply("time_entry", canonical, "bigtime", {"time": pulled}, report)
    assert [canon_str(v, kind) for v in out["extra"]] == expected  # type: ignore[arg-type]
    assert out["extra"].dtype == overrides.entity("time_entry").dtypes()["extra"]
    assert report.unparsable[("time_entry", "extra")] == unparsable


def test_intacct_time_entries_join_on_the_link_field(firm: Firm) -> None:
    canonical = firm.intacct_view["time_entry"]
    ids = canonical["entry_id"].to_numpy()
    pulled = pd.DataFrame(
        {"BIGTIME_ENTRYID": ids[::-1], "RAW": [str(i % 3) for i in range(len(ids))][::-1]}
    )
    out = parse_overrides(EVERY_KIND.format(name="n", kind="int")).apply(
        "time_entry", canonical, "intacct", {"TIMESHEETENTRY": pulled}
    )
    assert list(out["n"]) == [i % 3 for i in range(len(ids))]


def test_a_field_the_pull_lacks_is_empty_with_a_warning(
    firm: Firm, caplog: pytest.LogCaptureFixture
) -> None:
    overrides = parse_overrides(EXAMPLE)
    pulled = {"PROJECT": pd.DataFrame({"PROJECTID": ["P1"]})}
    with caplog.at_level(logging.WARNING, "recon.mapping"):
        out = overrides.apply("project", firm.intacct_view["project"], "intacct", pulled)
    assert out["region"].isna().all()
    assert "REGION" in caplog.text and "extra_fields" in caplog.text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"side": "intacct", "pulled": None}, "pass the pulled 'PROJECT' frame"),
        ({"side": "bigtime", "pulled": {"client": pd.DataFrame()}}, "pulled 'project' frame"),
        ({"side": "sage", "pulled": None}, "side must be"),
    ],
)
def test_apply_refuses_what_it_cannot_do(firm: Firm, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_overrides(EXAMPLE).apply("project", firm.intacct_view["project"], **kwargs)


def test_apply_refuses_a_frame_without_the_canonical_columns(firm: Firm) -> None:
    frame = firm.intacct_view["customer"].drop(columns=["city"])
    with pytest.raises(ConfigError, match="lacks canonical columns"):
        parse_overrides('[customer]\nkey = "name"\n').apply("customer", frame, "intacct")
    with pytest.raises(ConfigError, match="no canonical entity"):
        parse_overrides(EXAMPLE).apply("clients", frame, "intacct")


def test_apply_all_applies_per_entity(firm: Firm) -> None:
    overrides = parse_overrides('[customer]\nignore = ["phone"]\n[vendor]\nkey = "name"\n')
    frames = {e: firm.bigtime_view[e] for e in ("customer", "vendor", "department")}
    out = overrides.apply_all("bigtime", frames)
    assert "phone" not in out["customer"].columns
    assert list(out["vendor"]["name"]) == sorted(frames["vendor"]["name"])
    assert out["department"] is frames["department"]


def test_entities_without_a_record_take_no_extras() -> None:
    # An expense is read from two Intacct objects (a line and its report), like a payment.
    assert NO_EXTRAS == {"payment", "expense"}


# --------------------------------------------------------------------------- the diff's rules


def test_compare_rules_flags_ignored_fields_and_keeps_their_settings() -> None:
    diff = pytest.importorskip("recon.diff")
    rules = diff.CompareRules.default().with_field(
        "project", "description", diff.FieldRule(case=False)
    )
    text = '[project]\nignore = ["description", "po_number"]\n[customer]\nkey = "name"\n'
    text += 'ignore = ["customer_id", "phone"]\n'
    out = parse_overrides(text).compare_rules(rules)
    assert out.rule("project", "description") == diff.FieldRule(case=False, ignore=True)
    assert out.rule("project", "po_number").ignore
    assert out.rule("customer", "phone").ignore
    assert not out.rule("project", "name").ignore
    assert not rules.rule("project", "po_number").ignore  # the rules given are not changed


# --------------------------------------------------------------------------- Intacct extra fields


class RecordingClient:
    """Answers ``query`` with one page holding a value for each selected field."""

    def __init__(self) -> None:
        self.selects: dict[str, list[str]] = {}

    def query(self, obj: str, select: Sequence[str], **_: Any) -> Iterator[Page]:
        self.selects[obj] = list(select)
        data = etree.Element("data", listtype=obj, count="1")
        record = etree.SubElement(data, obj)
        for name in ("REGION", "SEGMENT"):
            if name in select:
                etree.SubElement(record, name).text = f"{name.lower()}-1"
        yield Page(obj, "query", data, count=1)


def test_pull_selects_extra_fields_after_the_specs() -> None:
    client = RecordingClient()
    spec = intacct_pull.PULL_SPECS["PROJECT"]
    frame = intacct_pull.pull(client, "project", extra_fields=["REGION", "NAME", " SEGMENT "])
    assert client.selects["PROJECT"] == [*spec.fields, "REGION", "SEGMENT"]
    assert list(frame.columns) == [*spec.fields, "REGION", "SEGMENT"]
    assert frame["REGION"].dtype == STR_DTYPE and frame.loc[0, "REGION"] == "region-1"
    plain = intacct_pull.pull(client, "PROJECT")
    assert client.selects["PROJECT"] == list(spec.fields) and list(plain.columns) == list(
        spec.fields
    )


def test_pull_all_takes_extra_fields_per_object() -> None:
    client = RecordingClient()
    overrides = parse_overrides(EXAMPLE + '[[customer.extra]]\nname = "segment"\nkind = "text"\n'
                                'intacct = "SEGMENT"\nbigtime = "Segment"\n')  # fmt: skip
    frames = intacct_pull.pull_all(
        client, ["customer", "PROJECT", "vendor"], extra_fields=overrides.intacct_fields()
    )
    assert frames["PROJECT"].columns[-1] == "REGION"
    assert frames["CUSTOMER"].columns[-1] == "SEGMENT"
    assert client.selects["VENDOR"] == list(intacct_pull.PULL_SPECS["VENDOR"].fields)


@pytest.mark.parametrize(
    ("extra", "message"),
    [("REGION", "list of field names"), (["SSN"], "never pulls"), ([""], "field names"),
     ([3], "field names")],
)  # fmt: skip
def test_pull_refuses_bad_or_private_extra_fields(extra: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        intacct_pull.pull(RecordingClient(), "EMPLOYEE", extra_fields=extra)
