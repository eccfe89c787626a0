"""The floor plan holds: no import cycles, no lazy module-level re-exports.

The layer and forbidden-import contracts themselves are in ``.importlinter`` and run by
``make test`` (``lint-imports``); these are the two rules import-linter does not check.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

RECON = Path(__file__).resolve().parents[1] / "recon"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _graph() -> dict[str, set[str]]:
    g = grimp.build_graph("recon", exclude_type_checking_imports=True)
    return {m: set(g.find_modules_directly_imported_by(m)) for m in g.modules}


def test_recon_has_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _module_getattr(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(n, ast.FunctionDef) and n.name == "__getattr__" for n in tree.body)


def test_no_module_defines_a_lazy_getattr() -> None:
    # A module-level __getattr__ re-export hides a dependency from readers and from the
    # import contracts; import from the module that defines the name instead.
    offenders = [str(p.relative_to(RECON)) for p in RECON.rglob("*.py") if _module_getattr(p)]
    assert offenders == []


NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: What a notebook may import of recon: the public API and the widgets.
PUBLIC = {"recon", "recon.ui"}


def _recon_imports(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "recon"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "recon":
            found.add(node.module or "")
    return found


def test_notebooks_import_only_the_public_api() -> None:
    import nbformat

    used: set[str] = set()
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        for cell in cells:
            if cell.cell_type == "code" and not cell.source.lstrip().startswith("%"):
                used |= _recon_imports(cell.source)
    assert used and used <= PUBLIC, sorted(used - PUBLIC)
    assert _recon_imports("from recon.job import run_text\nimport recon.store") == {
        "recon.job",
        "recon.store",
    }


def test_the_public_api_is_documented_with_an_example() -> None:
    import inspect

    import recon

    missing = [
        name
        for name in recon.__all__
        if name != "__version__" and ">>> " not in (inspect.getdoc(getattr(recon, name)) or "")
    ]
    assert missing == []
