"""The Numba cache: cached kernels of a module are dropped when a module they compile in changed (Numba
itself only watches the module's own file); a solver's ``prepare`` compiles all its solve will run; no
kernel is compiled twice for one kind of input."""

from netopt._numba_cache import drop_stale
from support import run_child


def test_drop_stale_removes_cached_kernels_only_when_a_dependency_changed(tmp_path):
    mod, dep = tmp_path / "_b_kernels.py", tmp_path / "_kernels.py"
    mod.write_text("x = 1\n")
    dep.write_text("y = 1\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    other = cache / "_kernels.f-1.py311.nbi"
    other.write_text("")

    def cached():
        f = cache / "_b_kernels.f-3.py311.nbi"
        f.write_text("")
        (cache / "_b_kernels.f-3.py311.1.nbc").write_text("")
        return f

    f = cached()
    drop_stale(str(mod), str(dep))  # never stamped: dropped
    assert not f.exists() and other.exists()
    f = cached()
    drop_stale(str(mod), str(dep))  # same dependency: kept
    assert f.exists()
    dep.write_text("y = 2\n")
    drop_stale(str(mod), str(dep))  # dependency changed: dropped
    assert not f.exists() and not (cache / "_b_kernels.f-3.py311.1.nbc").exists() and other.exists()


# A fresh interpreter: each routing solver prepares for a tiny instance of every variant it models, then
# solves it; what compiles (or loads from the cache) only inside the solve would be charged to the user's
# time limit (the first solve of a rich variant after an install returned its start solution). And no
# kernel may be compiled for a literal int, an omitted default or a second flavour (read-only or not) of
# the same array types: each is a whole extra compilation of the kernel and of all it calls.
_CHILD = r"""
import json, sys
import numpy as np
from numba.core import types
from numba.core.registry import CPUDispatcher
sys.path.insert(0, sys.argv[1])
from test_rich_solvers import make, solvable, variants
from netopt.model import RoutingInstance
from netopt.solvers import get_solver

def signatures():
    out = {}
    for name, mod in list(sys.modules.items()):
        if name.startswith("netopt.") and name.endswith("kernels"):
            for attr, f in vars(mod).items():
                if isinstance(f, CPUDispatcher) and f.__module__ == name:
                    out[f"{name}.{attr}"] = set(f.signatures)
    return out

xy = np.random.default_rng(0).uniform(0, 100, (9, 2))
tw = np.array([[0, 90]] + [[0, 40], [10, 60], [0, 90], [30, 80], [0, 50], [20, 90]], float)
cases = [("cvrp", make(dict(capacity=8))), ("vrptw", make(dict(capacity=8, time_windows=tw)))]
cases += [(n, make(kw)) for n, kw in variants()] + [
    ("tsp-matrix", RoutingInstance.euclidean_tsp(xy, name="m", dense=True)),
    ("tsp-points", RoutingInstance.euclidean_tsp(xy, name="p", dense=False))]
late = []
for solver in ("ils", "hgs", "tsp-heatmap"):
    s = get_solver(solver)
    for name, inst in solvable(s, cases):
        s.prepare(s.resolve_params(None), inst)
        before = signatures()
        s.solve(inst, time_limit=30, seed=0, max_iterations=30)
        late += [f"{solver} on {name}: {k}{sig}" for k, v in signatures().items() for sig in v - before.get(k, set())]
extra = []
for k, v in signatures().items():
    seen = set()
    for sig in v:
        if any(isinstance(a, (types.Literal, types.Omitted)) for a in sig):
            extra.append(f"{k}{sig}")
        flat = str(sig).replace("readonly ", "")
        if flat in seen:
            extra.append(f"{k}{sig} (read-only and writeable)")
        seen.add(flat)
print(json.dumps({"late": late, "extra": extra}))
"""


def test_a_solve_compiles_nothing_its_solver_did_not_prepare_and_no_kernel_twice(tmp_path):
    got = run_child(tmp_path, _CHILD)
    assert got["late"] == [], "\n".join(got["late"])
    assert got["extra"] == [], "\n".join(got["extra"])
