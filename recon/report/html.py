"""The HTML report of a :class:`~recon.report.model.Report` (``report.html``).

A jinja2 template (``templates/report.html``, shipped as package data) with autoescape ON:
names, notes and even the firm's vocabulary come from the remote systems and are untrusted,
so every value is escaped; the page also carries a Content-Security-Policy that forbids
scripts and external resources, should a value ever slip through. The renderer only lays out
what the model holds: it decides nothing about findings.
"""

from __future__ import annotations

from functools import lru_cache

import jinja2

from recon.report.model import MARK_LABELS, MONEY_HEADING, Report, money_text

#: Rows shown per entity in the HTML page (a browser chokes on huge tables); the workbook
#: always has every row.
MAX_HTML_ROWS = 1000

_TEMPLATE = "report.html"
_NUMERIC = ("money", "hours", "int")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # autoescape=True (not select_autoescape): the template is HTML whatever its name is.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("recon.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(report: Report, max_rows: int = MAX_HTML_ROWS) -> str:
    """The report as one self-contained HTML page (inline CSS, no script).

    Parameters
    ----------
    report:
        The report model.
    max_rows:
        Rows shown per entity table; a note says how many more the workbook holds.
    """
    template = _environment().get_template(_TEMPLATE)
    return template.render(
        report=report,
        run=report.run,
        generated=report.run.when.strftime("%Y-%m-%d %H:%M UTC"),
        mark_labels=MARK_LABELS,
        numeric=_NUMERIC,
        max_rows=max_rows,
        money_heading=MONEY_HEADING,
        money_text=money_text,
    )
