"""recon.report.html: our own output parsed back with lxml.html -- escaping, counts, sections."""

from __future__ import annotations

import lxml.html

from recon.diff import diff_all, time_aggregate
from recon.diff.result import COUNT_NAMES
from recon.lexicon import Lexicon
from recon.report import build_report, render_html
from tests.report import (
    FORMULAS,
    RUN,
    SCRIPT,
    demo_diff,
    demo_report,
    demo_views,
    frame,
    hostile_diff,
    hostile_report,
)


def parse(html: str):
    return lxml.html.document_fromstring(html)


def test_hostile_values_are_text_never_markup() -> None:
    lexicon = Lexicon.from_vocabulary([{"id": "CLIENT", "name": "<b>pwned</b>"}])
    html = render_html(build_report(hostile_diff(), RUN, lexicon))
    doc = parse(html)
    assert doc.xpath("//script") == [] and doc.xpath("//b") == []
    assert SCRIPT not in html and "&lt;script&gt;" in html
    cells = [td.text_content() for td in doc.xpath("//section[@data-entity='customer']//td")]
    assert SCRIPT in cells and "Safe & sound" in cells and FORMULAS[0] in cells
    assert doc.xpath("//section[@data-entity='customer']/h2")[0].text.startswith("<b>pwned</b>s")


def test_page_forbids_scripts_and_external_resources() -> None:
    doc = parse(render_html(demo_report()))
    (csp,) = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert "default-src 'none'" in csp and "script" not in csp
    assert doc.xpath("//script|//link|//img|//iframe") == []


def test_summary_counts_are_the_diffs() -> None:
    diff, doc = demo_diff(), parse(render_html(demo_report()))
    summary = diff.summary().set_index("entity")
    rows = doc.xpath("//table[@class='summary']/tbody/tr[@data-entity]")
    assert [r.get("data-entity") for r in rows] == list(summary.index)
    for row in rows:
        for name in COUNT_NAMES:
            (td,) = row.xpath(f"td[@data-count='{name}']")
            assert (
                int(td.text_content().replace(",", "")) == summary.loc[row.get("data-entity"), name]
            )
    total = doc.xpath("//tr[@class='total']/td[@data-count='mismatched_fields']")[0]
    assert int(total.text_content()) == int(summary["mismatched_fields"].sum())
    assert doc.get_element_by_id("finding-count").text_content() == f"{len(diff.findings()):,}"


def test_one_section_per_entity_with_findings_and_one_row_per_key() -> None:
    report, doc = demo_report(), parse(render_html(demo_report()))
    sections = doc.xpath("//section[@class='entity']")
    assert [s.get("data-entity") for s in sections] == [s.entity for s in report.with_findings]
    for element, section in zip(sections, report.with_findings, strict=True):
        rows = element.xpath(".//table[@class='findings']/tbody/tr")
        assert [r.xpath("td[1]")[0].text_content() for r in rows] == [r.key for r in section.rows]
        ed = demo_diff().entities[section.entity]
        assert len(element.xpath(".//td[starts-with(@class, 'mark-')]")) == 2 * len(ed.mismatches)
    # every summary link points at a section that exists
    for href in doc.xpath("//table[@class='summary']//a/@href"):
        assert doc.get_element_by_id(href[1:]) is not None


def test_marked_cells_carry_their_kind_and_values() -> None:
    doc = parse(render_html(hostile_report()))
    (c3,) = doc.xpath("//section[@data-entity='customer']//tr[td[1]='C3']")
    marked = c3.xpath("td[contains(@class, 'mark-cosmetic')]")
    assert [td.text_content() for td in marked] == ["Acme", "ACME"]


def test_rows_beyond_the_limit_are_left_to_the_workbook() -> None:
    intacct = {"vendor": frame("vendor", *({"vendor_id": f"V{i:03}"} for i in range(12)))}
    report = build_report(diff_all(intacct, {"vendor": frame("vendor")}), RUN)
    doc = parse(render_html(report, max_rows=5))
    assert len(doc.xpath("//section[@data-entity='vendor']//tbody/tr")) == 5
    assert (
        "first 5 of 12 rows"
        in doc.xpath("//section[@data-entity='vendor']/p[@class='note']")[0].text_content()
    )


def test_hours_section_appears_when_given() -> None:
    intacct, bigtime = demo_views()
    aggregate = time_aggregate(intacct["time_entry"], bigtime["time_entry"], by="month")
    report = build_report(demo_diff(), RUN, hours=aggregate, hours_by="month")
    doc = parse(render_html(report))
    (section,) = doc.xpath("//section[@class='extra']")
    assert section.xpath("h2")[0].text == "Hours by month"
    assert len(section.xpath(".//tbody/tr")) == len(report.extras[0].rows) > 0
