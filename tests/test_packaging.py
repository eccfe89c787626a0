"""Dependencies are declared once in pyproject.toml; environment.yml must mirror them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
