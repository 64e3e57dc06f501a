"""``netopt._jit.kernel``: Numba kernels without reference counting. Such a kernel cannot allocate, and
nothing a routing or TSP solve runs leaks an array (Numba's allocation counters, ``NUMBA_NRT_STATS=1``, in a
fresh interpreter: they are read when Numba starts)."""

import numpy as np
import pytest
from numba.core.errors import TypingError
from numba.core.registry import CPUDispatcher

from netopt._jit import kernel
from netopt.solvers.nco import _kernels as _tsp_kernels
from netopt.solvers.nco import _mcts_kernels
from netopt.solvers.vrp import _ils_kernels, _kernels, _trip_kernels
from support import run_child

# the kernels that allocate, and so keep NRT (explicitly)
ALLOCATING = {_kernels: {"split", "ox_crossover", "succ_pred"}, _ils_kernels: set(), _trip_kernels: set(),
              _tsp_kernels: {"greedy_tour", "lk_move"}, _mcts_kernels: set()}


def test_a_kernel_that_allocates_does_not_compile():
    @kernel(cache=False)
    def alloc(n):
        a = np.zeros(n)
        return a.sum()

    with pytest.raises(TypingError, match="zeros"):
        alloc(3)


@pytest.mark.parametrize("mod", list(ALLOCATING), ids=lambda m: m.__name__)
def test_every_search_kernel_but_the_allocating_ones_runs_without_reference_counting(mod):
    seen = set()
    for name, f in vars(mod).items():
        if isinstance(f, CPUDispatcher) and f.__module__ == mod.__name__:
            seen.add(name)
            # (explicitly True where it allocates: a kernel without the option inherits its caller's)
            assert f.targetoptions.get("_nrt") is (name in ALLOCATING[mod]), f"{mod.__name__}.{name}"
    assert ALLOCATING[mod] <= seen and len(seen) >= 5


_CHILD = r"""
import gc, json, sys
import numpy as np
from numba import njit
from numba.core.runtime import rtsys
sys.path.insert(0, sys.argv[1])
from test_rich_solvers import make, solvable, variants
from netopt._jit import kernel
from netopt.model import RoutingInstance
from netopt.solvers import get_solver

def held():
    gc.collect()
    s = rtsys.get_allocation_stats()
    return s.alloc - s.free

# the check itself: a kernel without reference counting that keeps an array another one allocated leaks it
@njit
def fresh(n):
    return np.zeros(n)

@kernel(cache=False)
def keep(n):
    return fresh(n)[0]

fresh(1)  # (starts Numba's runtime, whose counters start then)
h = held()
keep(5)
toy = held() - h
cases = [("cvrp", make(dict(capacity=8)))] + [(n, make(kw)) for n, kw in variants()]
leaks = {}
for solver in ("ils", "hgs"):
    s = get_solver(solver)
    for name, inst in solvable(s, cases):
        s.solve(inst, time_limit=30, seed=0, max_iterations=3)  # (compiles and caches what it allocates once)
        h = held()
        s.solve(inst, time_limit=30, seed=1, max_iterations=60)
        leaks[f"{solver} on {name}"] = held() - h
tsp = RoutingInstance.euclidean_tsp(np.random.default_rng(0).uniform(0, 100, (40, 2)), name="p", dense=False)
for search in ("ils", "mcts"):
    s = get_solver("tsp-heatmap")
    s.solve(tsp, time_limit=30, seed=0, max_iterations=3, search=search)
    h = held()
    s.solve(tsp, time_limit=30, seed=1, max_iterations=200, search=search)
    leaks[f"tsp-heatmap {search}"] = held() - h
print(json.dumps({"toy": toy, "leaks": leaks}))
"""


def test_no_solve_leaks_an_array(tmp_path):
    got = run_child(tmp_path, _CHILD, NUMBA_NRT_STATS="1")
    assert got["toy"] == 1  # the check sees a leak
    assert len(got["leaks"]) >= 12 and "tsp-heatmap mcts" in got["leaks"]
    assert {k: v for k, v in got["leaks"].items() if v} == {}
