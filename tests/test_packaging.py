"""recon as a package: dependencies declared once (pyproject.toml; environment.yml mirrors
them), the notebooks shipped inside it, and a wheel that works installed anywhere."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from recon.demo import DEMO_END, DEMO_PROFILE, DEMO_START, demo_environment
from recon.runner import NOTEBOOKS_DIR
from tests.test_cli_sandbox import BIGTIME_URL, INTACCT_URL
from tests.test_fresh_clone import INNER, fresh_copy

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("00_connect", "10_reconcile", "20_review_and_push")
_REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*$")


def _normalise(requirement: str) -> tuple[str, str]:
    match = _REQ.match(requirement)
    assert match, f"cannot read requirement {requirement!r}"
    name, spec = match.groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def _pyproject() -> set[tuple[str, str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs.extend(extra)
    return {_normalise(r) for r in reqs}


def _environment_yml() -> set[tuple[str, str]]:
    # A deliberately small reader: environment.yml is a flat list, and a YAML library is
    # not worth a dependency for it.
    deps: set[tuple[str, str]] = set()
    in_deps = False
    for raw in (ROOT / "environment.yml").read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        if in_deps and line.startswith("  - ") and not line.startswith("  - pip:"):
            item = line[4:].strip()
            name = _normalise(item)[0]
            if name not in {"python", "pip"}:
                deps.add(_normalise(item))
    return deps


def test_environment_yml_matches_pyproject() -> None:
    assert _environment_yml() == _pyproject()


def test_python_floor_is_311() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    assert "python>=3.11" in (ROOT / "environment.yml").read_text()


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in ci.split("\n")[-2:][0] or ci.rstrip().endswith("make test")
    assert "make test" in readme and "make demo" in readme


def test_the_packaged_notebooks_are_the_ones_a_person_opens() -> None:
    """One copy of each notebook: ``recon/notebooks`` (package data) links to ``notebooks/``."""
    link = ROOT / "recon" / "notebooks"
    assert link.is_symlink() and os.readlink(link) == "../notebooks"
    assert NOTEBOOKS_DIR.resolve() == (ROOT / "notebooks").resolve()
    assert sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb")) == list(NOTEBOOKS)
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "notebooks/*.ipynb" in package_data["package-data"]["recon"]


def _clean_env(tmp_path: Path, venv: Path) -> dict[str, str]:
    """A new user's shell: the venv's bin first, no PYTHONPATH, home and data in tmp_path."""
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep or k.startswith("PIP_")}
    home = tmp_path / "home"
    home.mkdir()
    env.update({
        "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "HOME": str(home),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    })  # fmt: skip
    return env


def _run(args: list[str | Path], env: Mapping[str, str], cwd: Path) -> str:
    proc = subprocess.run(
        [str(a) for a in args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )
    said = proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, f"{' '.join(map(str, args[:3]))} ...: {said}"
    return proc.stdout


@contextmanager
def _sandboxes(recon: Path, data: Path, env: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """``recon sandbox`` over ``data`` on free ports, as the demo's closing hint suggests."""
    proc = subprocess.Popen(
        [str(recon), "sandbox", "--data", str(data), "--intacct-port", "0", "--bigtime-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        urls: dict[str, str] = {}
        assert proc.stdout is not None
        for line in proc.stdout:  # ends at EOF if the sandbox dies
            for name, pattern in (("intacct", INTACCT_URL), ("bigtime", BIGTIME_URL)):
                if match := pattern.search(line):
                    urls[name] = match.group(1)
            if len(urls) == 2:
                break
        assert len(urls) == 2, proc.stderr.read() if proc.stderr else "no URLs printed"
        yield urls["intacct"], urls["bigtime"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(bool(os.environ.get(INNER)), reason="already inside a fresh copy's run")
def test_an_installed_wheel_runs_the_demo_and_recon_run_anywhere(tmp_path: Path) -> None:
    """Build the wheel from a fresh copy of the project, ``pip install`` it (not editable)
    into a new venv, delete the copy, then run ``recon demo`` and ``recon run 10_reconcile``
    from an unrelated folder: everything they need, the notebooks included, is installed."""
    project = fresh_copy(tmp_path / "project")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = _clean_env(tmp_path, venv)
    python, recon, work = venv / "bin" / "python", venv / "bin" / "recon", tmp_path / "work"
    work.mkdir()
    dist = tmp_path / "dist"
    _run([python, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, project], env, work)
    (wheel,) = dist.glob("recon-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert {f"recon/notebooks/{n}.ipynb" for n in NOTEBOOKS} <= set(zf.namelist())
    _run([python, "-m", "pip", "install", "--quiet", wheel], env, work)
    shutil.rmtree(project)  # from here on nothing can come from a source tree
    where = _run([python, "-c", "import recon; print(recon.__file__)"], env, work)
    installed = Path(where.strip()).parent
    assert installed.is_relative_to(venv) and not (installed / "notebooks").is_symlink()

    shown = _run([recon, "demo"], env, work)
    assert re.search(r"Found \d+ differences", shown) and "Pushed" in shown, shown
    data = tmp_path / "data" / "recon" / "demo"
    (executed,) = (data / "runs" / DEMO_PROFILE).glob("*-10_reconcile/10_reconcile.ipynb")
    papermill = json.loads(executed.read_text(encoding="utf-8"))["metadata"]["papermill"]
    assert (
        Path(papermill["input_path"]).resolve()
        == (installed / "notebooks" / "10_reconcile.ipynb").resolve()
    )

    with _sandboxes(recon, data, env) as (intacct_url, bigtime_url):
        period = ["-p", "start", str(DEMO_START), "-p", "end", str(DEMO_END)]
        line = _run(
            [recon, "run", "10_reconcile", "-p", "profile", DEMO_PROFILE, *period],
            {**env, **demo_environment(data, intacct_url, bigtime_url)},
            work,
        )
    assert re.search(r"^10_reconcile clean: \d+ differences .*; folder ", line, re.M), line
