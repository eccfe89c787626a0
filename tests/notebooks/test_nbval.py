"""nbval runs the three notebooks top to bottom against both sandboxes (lax mode): every cell
must run, and the cells marked ``# NBVAL_CHECK_OUTPUT`` must print exactly what is recorded
in the committed notebook (refresh with ``tests/notebooks/record_outputs.py``)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.demo_sandboxes import served_copy
from tests.notebooks.record_outputs import CHECK, NOTEBOOKS, ROOT


def test_committed_notebooks_hold_only_contract_outputs() -> None:
    for name in NOTEBOOKS:
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, f"{name}: one parameters cell"
        checked = [c for c in code if c.source.startswith(CHECK)]
        assert checked and all(c.outputs for c in checked), f"{name}: recorded contracts"
        assert all(not c.outputs for c in code if not c.source.startswith(CHECK)), name
        # Thin notebooks: logic lives in recon, a cell is a few calls.
        assert all(len(c.source.splitlines()) <= 14 for c in code), name


def test_notebooks_pass_nbval_against_the_sandboxes(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [str(ROOT / "notebooks" / f"{n}.ipynb") for n in NOTEBOOKS]
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch):
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
             "-p", "no:cacheprovider", "-q", "-o", "addopts=", *paths],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    passed = re.search(r"(\d+) passed", proc.stdout)
    cells = sum(
        sum(c.cell_type == "code" for c in nbformat.read(p, as_version=4).cells) for p in paths
    )
    assert passed and int(passed.group(1)) == cells, proc.stdout[-2000:]
