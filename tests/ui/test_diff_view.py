"""The reconcile notebook's differences (``recon.ui.diff_view``): tables parsed back from HTML.

Inputs are the demo firm's real diff and small hand-made canonical frames; expectations are
read from the :class:`EntityDiff` itself (its mismatches and one-sided rows), never from the
view's own helpers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace

import lxml.html
import pandas as pd
import pytest

from recon.canonical import ENTITIES, canon_str
from recon.diff import Diff, EntityDiff, diff_all, diff_entity
from recon.errors import ConfigError
from recon.lexicon import Lexicon
from recon.sandbox.firm import generate
from recon.ui.diff_view import MARK_CLASSES, DiffBrowser, side_by_side
from tests.diff.diff_helpers import frame

SCRIPT = "<script>alert('x')</script>"
SYSTEMS = {"intacct": "Intacct", "bigtime": "BigTime"}


@lru_cache(maxsize=1)
def demo_diff() -> Diff:
    firm = generate()
    return diff_all(firm.intacct_view, firm.bigtime_view)


def parse(html: str):
    return lxml.html.fragment_fromstring(html, create_parent="div")


def table(doc, section: str) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """(header rows, body cell texts, body cell classes) of one section's table."""
    (sec,) = doc.xpath(f"//section[@data-section='{section}']")
    heads = [[th.text_content() for th in tr.xpath("th")] for tr in sec.xpath(".//thead/tr")]
    body = sec.xpath(".//tbody/tr")
    texts = [[td.text_content() for td in tr.xpath("td")] for tr in body]
    classes = [[td.get("class", "") for td in tr.xpath("td")] for tr in body]
    return heads, texts, classes


def expanded_header(doc, section: str) -> list[tuple[str, str]]:
    (sec,) = doc.xpath(f"//section[@data-section='{section}']")
    rows = sec.xpath(".//thead/tr")
    top = []
    for th in rows[0].xpath("th"):
        top += [th.text_content()] * int(th.get("colspan", "1"))
    return list(zip(top, [th.text_content() for th in rows[1].xpath("th")], strict=True))


def shown(value: object) -> str:
    if value is None:
        return "(none)"
    return value if value != "" else "(empty)"


# --- the differing records -----------------------------------------------------------------------
@pytest.mark.parametrize("entity", ["customer", "project", "employee", "time_entry"])
def test_each_differing_record_is_one_row_with_both_values_marked(entity: str) -> None:
    ed = demo_diff().entities[entity]
    if ed.mismatches.empty:
        pytest.skip(f"the demo has no {entity} mismatch")
    lex = Lexicon.default()
    labels = lex.column_labels(entity, [*ed.mismatches["field"].unique(), ed.key])
    doc = parse(side_by_side(ed, lex).to_html())
    columns = expanded_header(doc, "mismatched")
    _, texts, classes = table(doc, "mismatched")
    keys = list(dict.fromkeys(ed.mismatches["key"]))
    assert [row[0] for row in texts] == keys  # one row per key, in the diff's order
    assert columns[0][0] == labels[ed.key]
    expected_marks = {}
    for key, fld, a, b, kind in ed.mismatches.itertuples(index=False, name=None):
        for side, value in (("intacct", a), ("bigtime", b)):
            expected_marks[(key, labels[fld], SYSTEMS[side])] = (shown(value), MARK_CLASSES[kind])
    seen = {}
    for row_texts, row_classes in zip(texts, classes, strict=True):
        for (label, system), text, cls in zip(columns, row_texts, row_classes, strict=True):
            marked = [c for c in cls.split() if c.startswith("recon-diff-")]
            if marked:
                seen[(row_texts[0], label, system)] = (text, marked[0])
            elif system:
                assert text == "", (row_texts[0], label, system)  # unmarked -> not a difference
    assert seen == expected_marks


def test_the_finding_column_names_the_worst_difference() -> None:
    ia = frame("customer", {"customer_id": "C1", "name": "Acme", "city": "Chicago"})
    bt = frame("customer", {"customer_id": "C1", "name": "ACME", "city": "Evanston"})
    cosmetic_only = frame("customer", {"customer_id": "C1", "name": "ACME", "city": "Chicago"})
    both = side_by_side(diff_entity("customer", ia, bt))
    only = side_by_side(diff_entity("customer", ia, cosmetic_only))
    assert both.section("mismatched").frame.iloc[0, 1] == "Different"
    assert only.section("mismatched").frame.iloc[0, 1] == "Cosmetic"


def test_missing_and_empty_are_told_apart() -> None:
    ia = frame("customer", {"customer_id": "C1", "phone": None})
    bt = frame("customer", {"customer_id": "C1", "phone": ""})
    ed = diff_entity("customer", ia, bt)
    (kind,) = ed.mismatches["kind"]
    doc = parse(side_by_side(ed).to_html())
    _, texts, classes = table(doc, "mismatched")
    assert texts[0][2:] == ["(none)", "(empty)"]
    assert all(MARK_CLASSES[kind] in c for c in classes[0][2:])


def test_money_and_dates_are_shown_exactly_as_the_diff_states_them() -> None:
    big = Decimal("8831687079961.62")  # a float would print ...961.6 or ...961.619
    huge = Decimal("123456789012345678.25")
    ia = frame(
        "project",
        {"project_id": "P1", "po_amount": big, "begin_date": dt.datetime(2025, 3, 1)},
        {"project_id": "P2", "po_amount": huge},
    )
    bt = frame(
        "project",
        {"project_id": "P1", "po_amount": big + Decimal("0.01")},
        {"project_id": "P2", "po_amount": Decimal("1.5")},
    )
    ed = diff_entity("project", ia, bt)
    view = side_by_side(ed)
    cells = set(view.section("mismatched").frame.to_numpy().ravel())
    for value in ed.mismatches["intacct"].tolist() + ed.mismatches["bigtime"].tolist():
        assert shown(value) in cells
    assert {"8831687079961.62", "8831687079961.63", "123456789012345678.25", "1.50"} <= cells
    assert "2025-03-01" in cells


def test_style_marks_the_differing_cells_with_a_background() -> None:
    doc_html = side_by_side(demo_diff().entities["customer"]).to_html()
    for css_class in MARK_CLASSES.values():
        assert f"td.{css_class}" in doc_html  # the class has a rule in the table's style
    assert "background-color" in doc_html


# --- one-sided records and duplicates -----------------------------------------------------------
@pytest.mark.parametrize("side", ["intacct", "bigtime"])
def test_records_one_system_holds_get_their_own_section(side: str) -> None:
    ia = frame(
        "customer",
        {"customer_id": "C1", "name": "Shared"},
        {"customer_id": "C2", "name": "Only Intacct", "zip": "60601"},
    )
    bt = frame(
        "customer",
        {"customer_id": "C1", "name": "Shared"},
        {"customer_id": "B9", "name": "Only BigTime", "city": "Evanston"},
    )
    ed = diff_entity("customer", ia, bt)
    rows = ed.only_in_intacct if side == "intacct" else ed.only_in_bigtime
    view = side_by_side(ed)
    assert view.section("mismatched") is None  # the shared record agrees
    doc = parse(view.to_html())
    heads, texts, _ = table(doc, f"only_in_{side}")
    (sec,) = doc.xpath(f"//section[@data-section='only_in_{side}']/h4")
    assert f"only in {SYSTEMS[side]}" in sec.text_content()
    labels = Lexicon.default().column_labels("customer")
    assert heads[0] == [labels[c] for c in ENTITIES["customer"].names]
    expected = [
        ["" if (t := canon_str(v, c.kind)) is None else t for c, v in zip(
            ENTITIES["customer"].columns, row, strict=True
        )]
        for row in rows.itertuples(index=False, name=None)
    ]  # fmt: skip
    assert texts == expected


def test_duplicate_keys_are_listed() -> None:
    ia = frame("customer", {"customer_id": "C1"}, {"customer_id": "C1"}, {"customer_id": "C2"})
    bt = frame("customer", {"customer_id": "C1"}, {"customer_id": "C2"})
    ed = diff_entity("customer", ia, bt)
    _, texts, _ = table(parse(side_by_side(ed).to_html()), "duplicates")
    assert texts == [
        [SYSTEMS[s], k, str(n)] for s, k, n in ed.duplicates.itertuples(index=False, name=None)
    ]


# --- the firm's words, escaping, size ------------------------------------------------------------
def test_labels_follow_the_firms_lexicon() -> None:
    lex = Lexicon.from_vocabulary([{"id": "PROJECT", "name": "engagement"}])
    ed = demo_diff().entities["project"]
    view = side_by_side(ed, lex)
    doc = parse(view.to_html())
    assert view.label == "Engagements"
    titles = [h.text_content() for h in doc.xpath("//h4")]
    assert titles and all(t.startswith("Engagements") for t in titles)
    header = expanded_header(doc, "mismatched")
    assert header[0][0] == "Engagement ID"
    if "name" in set(ed.mismatches["field"]):
        assert ("Engagement name", "Intacct") in header


def test_hostile_values_and_words_are_text_never_markup() -> None:
    lex = Lexicon.from_vocabulary([{"id": "CLIENT", "name": "<b>pwned</b>"}])
    ia = frame("customer", {"customer_id": "C1", "name": SCRIPT}, {"customer_id": SCRIPT})
    bt = frame("customer", {"customer_id": "C1", "name": "Safe & sound"})
    html = side_by_side(diff_entity("customer", ia, bt), lex).to_html()
    doc = parse(html)
    assert doc.xpath("//script") == [] and doc.xpath("//td//b | //th//b | //h4//b") == []
    cells = [td.text_content() for td in doc.xpath("//td")]
    assert SCRIPT in cells and "Safe & sound" in cells
    assert any(h.text_content().startswith("<b>pwned</b>") for h in doc.xpath("//h4"))


def test_a_large_diff_shows_the_first_rows_and_says_how_many() -> None:
    n, limit = 450, 40
    ia = frame("customer", *({"customer_id": f"C{i:04d}", "name": "A"} for i in range(n)))
    bt = frame("customer", *({"customer_id": f"C{i:04d}", "name": "B"} for i in range(n)))
    extra = frame("customer", *({"customer_id": f"X{i:04d}"} for i in range(n)))
    ed = diff_entity("customer", pd.concat([ia, extra], ignore_index=True), bt)
    view = side_by_side(ed, limit=limit)
    doc = parse(view.to_html())
    for name in ("mismatched", "only_in_intacct"):
        _, texts, _ = table(doc, name)
        assert len(texts) == limit
        (note,) = doc.xpath(f"//section[@data-section='{name}']/p[@class='recon-limit']")
        assert f"first {limit:,} of {n:,}" in note.text_content()
    _, texts, _ = table(doc, "mismatched")
    assert [r[0] for r in texts] == sorted(set(ed.mismatches["key"]))[:limit]


def test_no_differences_says_so() -> None:
    ia = frame("customer", {"customer_id": "C1"})
    view = side_by_side(diff_entity("customer", ia, ia))
    assert view.sections == () and view.styler is None
    assert "No differences: 1 clients compared" in view.to_html()


@pytest.mark.parametrize("bad", [None, "customer", pd.DataFrame()])
def test_side_by_side_refuses_what_is_not_an_entity_diff(bad: object) -> None:
    with pytest.raises(ConfigError, match="EntityDiff"):
        side_by_side(bad)  # type: ignore[arg-type]


def test_side_by_side_refuses_an_unknown_entity_and_a_bad_limit() -> None:
    ed = demo_diff().entities["customer"]
    stranger = EntityDiff(
        "spaceship", "id", ed.only_in_intacct, ed.only_in_bigtime, ed.mismatches, ed.duplicates
    )
    with pytest.raises(ConfigError, match="unknown entity 'spaceship'"):
        side_by_side(stranger)
    for limit in (0, -1, 2.5, True):
        with pytest.raises(ConfigError, match="limit"):
            side_by_side(ed, limit=limit)  # type: ignore[arg-type]


# --- the browser widget ----------------------------------------------------------------------
def shown_counts(browser: DiffBrowser) -> dict[str, int]:
    doc = parse(browser.counts.value)
    return {
        s.get("data-count"): int(s.xpath("b")[0].text_content().replace(",", ""))
        for s in doc.xpath("//span[@data-count]")
    }


def test_browser_opens_on_the_first_entity_with_findings_and_switches() -> None:
    diff = demo_diff()
    lex = Lexicon.from_vocabulary({"CLIENT": "patron"})
    browser = DiffBrowser(SimpleNamespace(diff=diff), lex)  # a Reconciliation has .diff
    assert [v for _, v in browser.entity.options] == list(diff.entities)
    first = next(e for e, ed in diff.entities.items() if len(ed.findings()))
    assert browser.entity.value == first
    label = f"Patrons ({len(_keys(diff, 'customer')):,} with findings)"
    assert (label, "customer") in browser.entity.options
    for entity in ("project", "payment"):
        browser.entity.value = entity
        ed = diff.entities[entity]
        assert parse(browser.table.value).xpath("//div/@data-entity") == [entity]
        assert shown_counts(browser) == {**ed.counts(), "compared": ed.compared}
        assert browser.view is not None and browser.view.entity == entity


def _keys(diff: Diff, entity: str) -> set[tuple[str, object, str]]:
    """Records with a finding: a differing key once, a duplicate key once per side."""
    found = diff.entities[entity].findings()
    return {
        (kind, key, "" if kind == "field_mismatch" else detail)
        for kind, key, detail in zip(found["kind"], found["key"], found["detail"], strict=True)
    }


def test_browser_show_refuses_an_unknown_entity() -> None:
    browser = DiffBrowser(demo_diff())
    view = browser.show("employee")
    assert browser.entity.value == "employee" and view.entity == "employee"
    with pytest.raises(ConfigError, match="no entity 'spaceship'"):
        browser.show("spaceship")
    assert browser.entity.value == "employee"


def test_browser_of_an_empty_diff_says_nothing_was_compared() -> None:
    browser = DiffBrowser(Diff({}))
    assert browser.entity.disabled and browser.entity.options == ()
    assert "No entities were compared" in browser.table.value and browser.view is None


def test_browser_of_a_diff_without_findings_shows_the_first_entity() -> None:
    ia = frame("customer", {"customer_id": "C1"})
    browser = DiffBrowser(Diff({"customer": diff_entity("customer", ia, ia)}))
    assert browser.entity.value == "customer"
    assert "No differences" in browser.table.value
    assert browser.entity.options[0][0] == "Clients (no differences)"


@pytest.mark.parametrize("bad", [None, "diff", SimpleNamespace(diff="not a diff")])
def test_browser_refuses_what_is_not_a_diff(bad: object) -> None:
    with pytest.raises(ConfigError, match="Diff"):
        DiffBrowser(bad)
