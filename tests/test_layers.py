"""The house rules a newcomer relies on, read from the source: no import circles, the day
and clock rules depend on nothing of ours, the product never imports the demo, and no
module grows past about 400 lines (pure data excepted)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WEBAPP = Path(__file__).resolve().parents[1] / "webapp"
# Pure data: tables that read top to bottom, with no logic to split.
DATA_MODULES = {"webapp.seed.checklist", "webapp.demo.tables"}
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(WEBAPP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in WEBAPP.rglob("*.py")}


def _owning_module(name: str) -> str | None:
    """The module that defines ``name`` (``webapp.models.Site`` -> ``webapp.models``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> set[str]:
    """Every module of ours that ``module`` imports, at the top or inside a function, with
    the packages that importing it runs first (a cycle through a package's ``__init__`` is
    still a cycle)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith("webapp"):
                found |= {_owning_module(name), *_packages_run_first(name, module)}
    return found - {None, module}


def _packages_run_first(name: str, importer: str) -> set[str]:
    """The packages whose ``__init__`` runs before ``name`` can be imported: importing
    ``a.b.c`` first runs ``a`` and ``a.b``. The importer's own packages are left out, as
    they are already running when it imports a sibling."""
    parts = name.split(".")
    ancestors = {".".join(parts[:n]) for n in range(1, len(parts))}
    own = {".".join(importer.split(".")[:n]) for n in range(1, importer.count(".") + 2)}
    return {package for package in ancestors - own if package in MODULES}


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in GRAPH[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while not component or component[-1] != module:
                component.append(stack.pop())
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_imports_one_that_imports_it_back():
    assert _cycles() == []


def test_the_day_and_clock_rules_depend_on_nothing_of_ours():
    assert GRAPH["webapp.days"] == set()


def test_the_product_never_imports_the_demo():
    importers = {
        module
        for module, imported in GRAPH.items()
        if not module.startswith("webapp.demo")
        and any(name.startswith("webapp.demo") for name in imported)
    }
    assert importers == set()


@pytest.mark.parametrize("module", sorted(set(MODULES) - DATA_MODULES))
def test_no_module_does_several_jobs(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it along its ideas"
