"""Datacenter congestion analysis: packet spraying vs singlepath routing for collective traffic.

Reproduces and extends Addanki, Goyal and Marinos, *Challenging the Need for Packet Spraying in
Large-Scale Distributed Training* (arXiv:2407.00550): on leaf-spine fabrics, collectives routed on
single paths with minimal flow splitting reach the maximum congestion of ideal packet spraying.

Pieces
------
:mod:`.topology`      :class:`Fabric` (flat link arrays): :func:`leaf_spine`, :func:`fat_tree`, failures.
:mod:`.collectives`   :class:`Collective` (flows src/dst/size/step): ring, tree, recursive
                      doubling/halving, all-to-all, reduce-scatter/all-gather; placements.
:mod:`.traffic`       aggregation of a step to leaf-pair matrices (no per-flow Python loops).
:mod:`.results`       :class:`StepLoads` and :class:`ModelResult`, what every model returns.
:mod:`.models`        spraying, ECMP (Monte Carlo and exact multinomial maximum), best
                      singlepath (equitable edge colouring / MILP), minimal split.
:mod:`.cct`           flow-level completion time under max-min fair sharing.
:mod:`.analysis`      :func:`analyze` (all models side by side) and :func:`sweep`.

Congestion is measured in seconds: bytes on a link divided by its capacity in bytes/s.

Examples
--------
>>> from netopt.solvers.fabric import leaf_spine, ring_allreduce, spray, singlepath, min_split
>>> fab = leaf_spine(leaves=4, spines=4, hosts_per_leaf=2)
>>> ring = ring_allreduce(8, 1e9)
>>> round(singlepath(fab, ring).max_congestion / spray(fab, ring).max_congestion, 6)
4.0
>>> min_split(fab, ring).info["k"]
4
"""

from .analysis import SWEEP_PARAMS, analyze, build, sweep
from .cct import completion_time, step_completion_time
from .collectives import (
    COLLECTIVES,
    Collective,
    all_gather,
    all_to_all,
    double_binary_tree,
    halving_doubling,
    make_collective,
    placement,
    read_placement,
    recursive_doubling,
    reduce_scatter,
    ring_allreduce,
)
from .errors import FabricInputError
from .models import (
    Assignment,
    ModelResult,
    StepLoads,
    ecmp_exact,
    ecmp_monte_carlo,
    equitable_assign,
    min_split,
    multinomial_max_cdf,
    singlepath,
    spray,
)
from .topology import GBIT, Fabric, fat_tree, leaf_spine
from .traffic import StepTraffic, all_step_traffic, step_traffic

__all__ = [
    "SWEEP_PARAMS", "analyze", "build", "sweep", "completion_time", "step_completion_time", "COLLECTIVES",
    "Collective", "all_gather", "all_to_all", "double_binary_tree", "halving_doubling", "make_collective",
    "placement", "read_placement", "recursive_doubling", "reduce_scatter", "ring_allreduce", "FabricInputError",
    "Assignment", "ModelResult", "StepLoads", "ecmp_exact", "ecmp_monte_carlo", "equitable_assign", "min_split",
    "multinomial_max_cdf", "singlepath", "spray", "GBIT", "Fabric", "fat_tree", "leaf_spine", "StepTraffic",
    "all_step_traffic", "step_traffic",
]
