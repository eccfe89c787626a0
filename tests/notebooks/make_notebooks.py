"""Write ``notebooks/10_reconcile.ipynb`` and ``notebooks/20_review_and_push.ipynb``.

The notebooks are thin on purpose: each cell calls :mod:`recon` and shows what it returns.
Keeping their source here (rather than hand-editing JSON) keeps them reviewable; after a
change run this script, then ``record_outputs.py`` to store the contract outputs nbval
checks. Usage: ``.venv/bin/python tests/notebooks/make_notebooks.py``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
CHECK = "# NBVAL_CHECK_OUTPUT\n"


def _nb(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def _params(source: str) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    return cell


RECONCILE = [
    new_markdown_cell(
        "# Reconcile Intacct and BigTime\n\n"
        "Pulls both systems for the period, shows what disagrees and proposes the changes "
        "that would bring them into agreement. Nothing is written to either system here: "
        "approve and push in `20_review_and_push`.\n\n"
        "Parameters (names and dates only; secrets stay in the profile):\n"
        "- `profile`: a profile from `00_connect` (`sandbox` is recon's own demo firm)\n"
        "- `entities`: `all`, or a comma-separated list such as `customer,project,time_entry`\n"
        "- `start`, `end`: the period for time, invoices and payments\n"
        "- `money_tolerance`, `hours_tolerance`: differences up to these are not reported "
        "(empty: the profile's settings, 0 unless set in `00_connect`'s Settings tab)\n"
        "- `max_differences`: more differences than this make a scheduled run exit with "
        "code 3 (`-1`: the profile's setting)\n"
        "- `full`: `True` pulls everything again; `False` asks only for what changed since "
        "the profile's last pull (a first run, or a snapshot older than the profile's "
        "`full_pull_after_days`, pulls everything anyway)\n"
        "- `output_dir`: set by `recon run`; empty means the runs folder"
    ),
    _params(
        'profile = "sandbox"\n'
        'entities = "all"\n'
        'start = "2025-01-01"\n'
        'end = "2025-12-31"\n'
        'money_tolerance = ""\n'
        'hours_tolerance = ""\n'
        "max_differences = -1\n"
        "full = False\n"
        'output_dir = ""'
    ),
    new_code_cell(
        "import recon\n"
        "from recon.ui import DiffBrowser, PairReview, suggest_pairs\n\n"
        "store = recon.Store()\n"
        "recon.StatusTile(store)"
    ),
    new_markdown_cell("## Pull, compare, plan"),
    new_code_cell(
        "run = recon.reconcile_run(\n"
        "    profile,\n"
        "    start=start,\n"
        "    end=end,\n"
        "    entities=entities,\n"
        "    money_tolerance=money_tolerance,\n"
        "    hours_tolerance=hours_tolerance,\n"
        "    max_differences=None if max_differences == -1 else max_differences,\n"
        "    output_dir=output_dir or None,\n"
        "    store=store,\n"
        "    full=full,\n"
        ")"
    ),
    new_code_cell(CHECK + "print(recon.run_text(run))"),
    new_code_cell("print(recon.pulled_text(run.reconciliation.pulled))"),
    new_markdown_cell(
        "## Side by side\n\nEach record that differs, the two systems' values next to each "
        "other, the differing cells highlighted. Pick an entity."
    ),
    new_code_cell("DiffBrowser(run.reconciliation.diff, run.lexicon)"),
    new_markdown_cell(
        "## Likely pairs\n\nRecords only in one system that look like a record only in the "
        "other. Accept a pair to link them (the next run compares them field by field); "
        "reject it and it is not suggested again."
    ),
    new_code_cell(
        "crosswalk = recon.Crosswalk()\n"
        "suggestions = suggest_pairs(run.reconciliation, crosswalk)\n"
        "PairReview(suggestions, crosswalk, user=recon.default_user(), lexicon=run.lexicon)"
    ),
    new_markdown_cell("## Reports"),
    new_code_cell(
        'print(f"Run {run.run_id}")\n'
        "for kind, path in run.reports.items():\n"
        '    print(f"{kind:>5}: {path}")'
    ),
]

REVIEW = [
    new_markdown_cell(
        "# Review and push\n\n"
        "Approve, reject or defer each proposed change of a run; every decision is saved the "
        "moment you make it. **Push approved** sends the approved changes, each exactly once.\n\n"
        "Opening this notebook, or running it top to bottom, pushes **nothing**: press **Push "
        "approved** in the form to send what you approved. A scheduler asks for the push "
        "explicitly with `push = True` (`recon run 20_review_and_push -p push true`): the "
        "push cell then applies the profile's auto-approve rules (none unless you wrote some "
        "down) and pushes every change already approved.\n\n"
        "Parameters:\n"
        "- `run`: the run to review (empty: the profile's latest)\n"
        "- `profile`: the profile to push with (empty: the one the run was prepared with)\n"
        "- `push`: push what is approved when run top to bottom (a scheduler's choice)\n"
        "- `dry_run`: list what would be pushed; send nothing\n"
        "- `output_dir`: set by `recon run`; empty means the run's folder"
    ),
    _params('run = ""\nprofile = ""\npush = False\ndry_run = False\noutput_dir = ""'),
    new_code_cell(
        "import recon\n\n"
        "store = recon.Store()\n"
        "run_id = recon.resolve_run(store, run, profile or None)\n"
        'print(f"Run {run_id} (profile {recon.run_profile(store, run_id)})")'
    ),
    new_markdown_cell("## Decide"),
    new_code_cell(
        "form = recon.approval_form(run_id, store=store, profile=profile or None, "
        "dry_run=dry_run)\n"
        "form.widget"
    ),
    new_markdown_cell("## Push"),
    new_code_cell(
        "done = recon.push_run(\n"
        "    run_id,\n"
        "    push=push,\n"
        "    dry_run=dry_run,\n"
        "    store=store,\n"
        "    profile=profile or None,\n"
        "    output_dir=output_dir or None,\n"
        ")\n"
        "form.refresh()  # the form shows what the push did"
    ),
    new_code_cell(CHECK + "print(recon.push_text(done))"),
    new_code_cell("done.report.frame() if done.report is not None else None"),
    new_markdown_cell("## The ledger\n\nEvery decision and push, hash-chained, for the auditor."),
    new_code_cell(
        "check = store.verify_ledger()\n"
        'print("ledger intact" if check.ok else f"LEDGER BROKEN at row {check.first_bad_seq}")\n'
        "if done.ledger_export:\n"
        '    print(f"exported to {done.ledger_export}")'
    ),
]


def main() -> None:
    for name, cells in (("10_reconcile", RECONCILE), ("20_review_and_push", REVIEW)):
        path = NOTEBOOKS / f"{name}.ipynb"
        nb = _nb(cells)
        if path.exists():  # keep recorded contract outputs of unchanged cells
            old = nbformat.read(path, as_version=4)
            kept = {c.source: c for c in old.cells if c.cell_type == "code"}
            for cell in nb.cells:
                if cell.cell_type == "code" and cell.source.startswith(CHECK):
                    if cell.source in kept:
                        cell.outputs = kept[cell.source].get("outputs", [])
                        cell.execution_count = kept[cell.source].get("execution_count")
        nbformat.validator.normalize(nb)
        for n, cell in enumerate(nb.cells):
            cell["id"] = f"{name[:2]}-{n:02d}"
        nbformat.write(nb, path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
