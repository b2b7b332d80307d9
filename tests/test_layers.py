"""The import graph: derive -> verify -> handout -> command line, one way, with no cycles.

Every ``import`` in every module counts, including those inside functions (a deferred import is
still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = {"initproof.derive": ROOT / "derive", "initproof.verify": ROOT / "verify", "initproof": ROOT / "initproof"}
LAYERS = ("initproof.derive", "initproof.verify", "initproof.handout", "initproof")
"""Lowest first: a module may import from its own layer and the layers before it."""


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = [p for p in path.relative_to(folder).with_suffix("").parts if p != "__init__"]
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> set[str]:
    """The modules of this project that ``module`` imports."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                out.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {name for name in out if name in MODULES and name != module}


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _layer(module: str) -> int:
    return next(k for k, prefix in enumerate(LAYERS) if module == prefix or module.startswith(prefix + "."))


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_a_later_layer(module: str) -> None:
    later = [name for name in GRAPH[module] if _layer(name) > _layer(module)
             and name != "initproof"]  # the top package only names the distribution
    assert later == []


def test_the_import_graph_has_no_cycle() -> None:
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = 1
        for name in sorted(GRAPH[module]):
            if state.get(name) == 1:
                return [*path, module, name]
            if name not in state and (cycle := visit(name, [*path, module])):
                return cycle
        state[module] = 2
        return None

    cycles = [cycle for module in sorted(GRAPH) if module not in state and (cycle := visit(module, []))]
    assert cycles == []


def test_the_graph_sees_deferred_imports() -> None:
    assert "initproof.verify.memo" in GRAPH["initproof.cli"]  # imported inside a command's function
    assert "initproof.derive.registry" in GRAPH["initproof.derive.library.constants"]
