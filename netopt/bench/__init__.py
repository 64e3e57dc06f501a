"""Benchmarks and scale-out: run solvers over instance sets on Dask; tables and plots.

* :mod:`netopt.bench.runner`: the VRP benchmark (``run_benchmark``, ``solve_task``, suites,
  ``--seeds`` / ``--solvers`` parsing, resume);
* :mod:`netopt.bench.table`: the tidy table (CSV, Parquet with pyarrow) and the summary;
* :mod:`netopt.bench.report`: performance profile, gap vs time, per-instance gaps, convergence.

The runs go through the package's one engine, :mod:`netopt.parallel` (``dask_client``,
``run_tasks``; re-exported here), which the design searches and the GNN data generation use too.
Dask is optional (``pip install "netopt[dist]"``) and imported only when a cluster is used.

Examples
--------
>>> from netopt.bench import parse_seeds
>>> parse_seeds("0..2,7")
[0, 1, 2, 7]
"""

from ..parallel import Outcome, ParallelError, dask_client, default_workers, require_dask, run_tasks
from .runner import (
    SUITES, BenchError, BenchOutcome, SolverSpec, parse_seeds, parse_solvers, resolve_instances, run_benchmark, solve_task,
)
from .table import collect, summarize, write_table

__all__ = [
    "SUITES", "BenchError", "BenchOutcome", "Outcome", "ParallelError", "SolverSpec", "collect", "dask_client", "default_workers",
    "parse_seeds", "parse_solvers", "require_dask", "resolve_instances", "run_benchmark", "run_tasks", "solve_task",
    "summarize", "write_table",
]
