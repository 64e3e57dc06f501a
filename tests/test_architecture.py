"""The package's import graph runs one way: no cycle, and no module imports a higher layer.

Every ``import`` in ``netopt`` counts, including the lazy ones inside functions (they are how a
cycle hides): the graph is read from the source with ``ast``, nothing is imported. A module's
layer is that of the longest prefix in :data:`LAYERS`; a module may import its own layer or
lower ones, and the modules of one layer must not import each other in a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "netopt"

#: lowest first; a module may only import modules of its own layer or of lower ones
LAYERS = {
    # plumbing every layer may use
    "netopt.exceptions": 0, "netopt.params": 0, "netopt._limits": 0, "netopt._torch": 0, "netopt._numba_cache": 0, "netopt._jit": 0,
    "netopt.parallel": 0,
    # data model and the independent validator
    "netopt.model": 1, "netopt.validate": 1,
    # readers and writers, seeded generators, plots
    "netopt.io": 2, "netopt.datasets": 3, "netopt.plot": 3,
    # the solver protocol and registry, then the solver families (a family may build on a lower one)
    "netopt.solvers": 4, "netopt.solvers.base": 4, "netopt.solvers.registry": 4,
    "netopt.solvers.assignment": 5, "netopt.solvers.vrp": 5, "netopt.solvers.fabric": 5,
    "netopt.solvers.design": 6, "netopt.solvers.nco": 6,
    # real roads: OSM graphs, address points, road matrices (uses the assignment engine's Dijkstra)
    "netopt.roads": 6,
    # the GNN surrogate (design fitness), benchmarks over solvers, the command line, the flat API
    "netopt.gnn": 7, "netopt.bench": 8, "netopt.cli": 9, "netopt.__main__": 10, "netopt": 10,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in ROOT.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """netopt modules imported anywhere in ``path`` (``from pkg import sub`` counts as ``pkg.sub``)."""
    is_pkg = path.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # `import netopt.io.vrplib` -> the module itself
                t = t.rpartition(".")[0]
            if t.startswith("netopt") and t != name:
                out.add(t)
    return out


def _layer(mod: str) -> int:
    best = max((p for p in LAYERS if mod == p or mod.startswith(p + ".")), key=len)
    return LAYERS[best]


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {m: _imports(m, p, known) for m, p in mods.items()}


def test_every_module_has_a_layer():
    assert all(m == "netopt" or m.startswith("netopt.") for m in _graph())
    assert _layer("netopt.solvers.vrp.hgs") == LAYERS["netopt.solvers.vrp"]


def test_no_import_from_a_lower_layer_up():
    graph = _graph()
    up = sorted(f"{a} (layer {_layer(a)}) imports {b} (layer {_layer(b)})"
                for a, deps in graph.items() for b in deps if _layer(b) > _layer(a))
    assert not up, "\n".join(up)


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            # a package's __init__ re-exporting its own submodules is not a cycle with them
            if m.startswith(d + "."):
                continue
            if state.get(d) == 1:
                cycles.append(" -> ".join(stack[stack.index(d):] + [d]))
            elif d not in state:
                visit(d, stack)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert not cycles, "\n".join(cycles)


@pytest.mark.parametrize("src,expected", [
    ("from ...model import RoutingInstance", {"netopt.model"}),
    ("from . import _kernels as K", {"netopt.solvers.vrp._kernels"}),
    ("import netopt.io.vrplib", {"netopt.io.vrplib"}),
    ("def f():\n    from ...gnn import load_torch", {"netopt.gnn"}),
])
def test_the_import_reader(tmp_path, src, expected):
    """The checker itself: relative, submodule, absolute and lazy imports are all seen."""
    path = tmp_path / "hgs.py"
    path.write_text(src + "\n")
    known = {"netopt.model", "netopt.solvers.vrp._kernels", "netopt.io.vrplib", "netopt.gnn", "netopt.solvers.vrp"}
    assert _imports("netopt.solvers.vrp.hgs", path, known) == expected
