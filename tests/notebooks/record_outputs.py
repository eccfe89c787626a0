"""Record the contract outputs nbval checks: run the three notebooks top to bottom against
a fresh demo firm (both sandboxes on free ports) and keep only the outputs of cells marked
``# NBVAL_CHECK_OUTPUT``; every other output is cleared, so the committed notebooks stay
small, deterministic and secret-free.

Usage (after changing a notebook or what a contract cell prints)::

    .venv/bin/python tests/notebooks/record_outputs.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ("00_connect", "10_reconcile", "20_review_and_push")
CHECK = "# NBVAL_CHECK_OUTPUT"


def keep_contracts(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if not cell.source.startswith(CHECK):
            cell.outputs, cell.execution_count = [], None
        # nbval treats a cell without an execution count as never run: keep the contract's.
    nb.metadata.pop("widgets", None)
    return nb


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from recon.demo import demo_environment
    from recon.sandbox.bigtime.server import BigtimeSandbox
    from recon.sandbox.intacct.server import IntacctSandbox
    from recon.sandbox.seed import prepare

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "demo"
        prepare(data, scale=1)
        with IntacctSandbox(data, port=0) as ia, BigtimeSandbox(data, port=0) as bt:
            os.environ.update(demo_environment(data, ia.url, bt.url))
            for name in NOTEBOOKS:
                path = ROOT / "notebooks" / f"{name}.ipynb"
                nb = nbformat.read(path, as_version=4)
                NotebookClient(
                    nb, kernel_name="python3", resources={"metadata": {"path": tmp}}
                ).execute()
                nbformat.write(keep_contracts(nb), path)
                print(f"recorded {path}")


if __name__ == "__main__":
    main()
