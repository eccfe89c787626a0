"""The README's two commands, run as a new user would: in a fresh copy of the project in a
temporary folder, with nothing installed (each builds its own ``.venv``).

``make demo`` runs for real, end to end. ``make test`` runs for real too -- venv, install,
ruff over the whole tree, pytest -- on a part of the suite (``PYTEST_ARGS``): the whole
suite inside the whole suite would double its time, and CI runs ``make test`` in full on a
clean clone anyway (``.ci/run``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INNER = "RECON_FRESH_CLONE"


def readme_commands() -> list[str]:
    """The commands in the README's "two commands" block, comments stripped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## The two commands.*?```sh\n(.*?)```", text, re.S)
    assert block, "the README has a '## The two commands' section with a sh block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def fresh_copy(dest: Path) -> Path:
    """The project's files as git sees them (tracked and new, not ignored), nothing built."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source, target = ROOT / name, dest / name
        if source.is_symlink():  # recon/notebooks -> ../notebooks: a clone makes the link
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(os.readlink(source))
        elif source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(bool(os.environ.get(INNER)), reason="already inside a fresh copy's run")
@pytest.mark.skipif(
    shutil.which("git") is None or shutil.which("make") is None, reason="no git/make"
)
def test_the_readme_commands_work_in_a_fresh_copy(tmp_path: Path) -> None:
    assert readme_commands() == ["make demo", "make test"]
    project = fresh_copy(tmp_path / "recon")
    assert not (project / ".venv").exists()
    keep = ("PATH", "HOME", "LANG", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS")
    env = {k: v for k, v in os.environ.items() if k in keep or k.startswith("PIP_")}
    env.update({
        INNER: "1",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    })  # fmt: skip

    demo = subprocess.run(
        ["make", "demo"], cwd=project, env=env, capture_output=True, text=True, timeout=600
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert re.search(r"Found \d+ differences", demo.stdout)
    assert "Pushed" in demo.stdout and (tmp_path / "data" / "recon" / "demo" / "runs").is_dir()

    part = "PYTEST_ARGS=tests/test_packaging.py tests/test_cli.py"
    test = subprocess.run(
        ["make", "test", part], cwd=project, env=env, capture_output=True, text=True, timeout=600
    )
    assert test.returncode == 0, test.stdout[-3000:] + test.stderr[-3000:]
    assert re.search(r"\d+ passed", test.stdout)
