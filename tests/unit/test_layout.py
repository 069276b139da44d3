"""The package's layout rules (issue 13): no import cycles, every module under about 400 lines.

The import graph is read from the source with :mod:`ast` (nothing is imported): every
``import dyadstats...`` and ``from dyadstats... import ...`` counts, at module level, inside a
function or under ``TYPE_CHECKING`` alike, because each is a dependency a reader has to follow.
An edge goes to the module named; ``from package import name`` goes to ``package.name`` when that
is a module and to the package's ``__init__`` otherwise. Importing ``a.b`` also runs ``a``'s
``__init__``, but that implicit edge is left out: a package re-exporting its own modules would
otherwise close a "cycle" with each of them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "dyadstats"
MAX_LINES = 400

# Modules allowed over MAX_LINES, each with its reason (none since the multiverse became a
# package and the bench harness moved to benchmarks/, issue 15).
LONG_MODULES: dict[str, str] = {}
# Import cycles known and owned elsewhere; each entry is the cycle's sorted module set.
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """``src/dyadstats/frame/build.py`` -> ``dyadstats.frame.build`` (packages by their ``__init__``)."""
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def _imported(node: ast.AST, here: str, is_package: bool, known: Mapping[str, Path]) -> Iterator[str]:
    """The package's modules one import statement names."""
    top = next(iter(known)).split(".")[0]
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name == top or alias.name.startswith(top + "."):
                yield alias.name
        return
    if not isinstance(node, ast.ImportFrom):
        return
    if node.level:
        # a relative import: climb from the importing module's package
        base = here.split(".") if is_package else here.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module or ""
    if source != top and not source.startswith(top + "."):
        return
    for alias in node.names:
        sub = f"{source}.{alias.name}"
        yield sub if sub in known else source


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the package modules it imports (any import statement anywhere in its source)."""
    known = package_modules(root)
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        targets = {t for node in ast.walk(tree) for t in _imported(node, name, is_package, known)}
        unknown = sorted(t for t in targets if t not in known)
        assert not unknown, f"{path}: imports {unknown}, which are not modules of the package"
        graph[name] = targets - {name}
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


# --- the checker checked on hand-built graphs and packages -------------------------------------

def test_cycles_finds_a_three_cycle_and_ignores_a_dag() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) == []


def test_import_graph_reads_every_kind_of_import(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("from pkg.sub.b import B\n")
    (root / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub import b\n"
        "def f():\n    import pkg.c\n"
    )
    (root / "sub" / "b.py").write_text("from . import c\nfrom .. import a\nB = 1\n")
    (root / "sub" / "c.py").write_text("from pkg.sub import B\n")
    (root / "c.py").write_text("import json\n")
    graph = import_graph(root)
    assert graph == {
        "pkg": set(),
        "pkg.a": {"pkg.sub.b", "pkg.c"},
        "pkg.c": set(),
        "pkg.sub": {"pkg.sub.b"},
        "pkg.sub.b": {"pkg.sub.c", "pkg.a"},
        "pkg.sub.c": {"pkg.sub"},
    }
    assert cycles(graph) == [["pkg.a", "pkg.sub", "pkg.sub.b", "pkg.sub.c"]]


# --- the package itself ------------------------------------------------------------------------

def test_no_import_cycles() -> None:
    found = [c for c in cycles(import_graph()) if frozenset(c) not in KNOWN_CYCLES]
    assert not found, f"import cycles in src/dyadstats: {found}"


def test_known_cycles_still_exist() -> None:
    """An exception that no longer applies is removed, so the list cannot hide a new cycle."""
    present = {frozenset(c) for c in cycles(import_graph())}
    stale = [sorted(c) for c in KNOWN_CYCLES if c not in present]
    assert not stale, f"KNOWN_CYCLES lists cycles that are gone: {stale}"


@pytest.mark.parametrize("name", sorted(package_modules()))
def test_module_is_short(name: str) -> None:
    lines = line_count(package_modules()[name])
    if name in LONG_MODULES:
        pytest.skip(f"{name}: {lines} lines, allowed: {LONG_MODULES[name]}")
    assert lines <= MAX_LINES, f"{name} has {lines} lines (> {MAX_LINES}): split it by concern"


def test_long_module_exceptions_are_still_needed() -> None:
    modules = package_modules()
    stale = [n for n in LONG_MODULES if n not in modules or line_count(modules[n]) <= MAX_LINES]
    assert not stale, f"LONG_MODULES lists modules that are gone or short now: {stale}"
