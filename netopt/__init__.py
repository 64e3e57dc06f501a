"""netopt: network and graph optimization from the command line and from Python.

The flat public API::

    import netopt
    inst = netopt.load_instance("X-n101-k25.vrp")          # VRPLIB / TSPLIB / Solomon / netopt JSON
    res = netopt.solve(inst, solver="ortools", time_limit=5, seed=0)
    res.objective, res.status, res.solution["routes"][0]["visits"]

    m = netopt.Model()                                      # or build one in Python (rich variants too)
    depot = m.add_depot(0, 0)
    m.add_client(3, 4, delivery=2)
    m.add_vehicle_type(capacity=10, num_available=2, start_depot=depot, fixed_cost=5)
    res = netopt.solve(m.instance(), solver="ortools")
"""

from __future__ import annotations

from importlib.metadata import version as _version

from .exceptions import (
    InfeasibleInstanceError,
    InstanceFormatError,
    NetoptError,
    UnknownSolverError,
)
from .model import Result, RoutingInstance, RoutingSolution, VehicleType
from .solvers.registry import DEFAULT_SOLVER

__version__ = _version("netopt")  # one source: pyproject.toml


def __getattr__(name: str):
    if name == "Model":  # the Python builder; imported on first use, so `import netopt` stays light
        from .io.builder import Model

        return Model
    raise AttributeError(f"module 'netopt' has no attribute {name!r}")


def load_instance(path, *, rounding: str = "auto") -> RoutingInstance:
    """Read a routing instance; see :func:`netopt.io.load_instance`."""
    from .io import load_instance as _load

    return _load(path, rounding=rounding)


def get_solver(name: str):
    """A solver instance by registry name; unknown names raise :class:`UnknownSolverError`."""
    from .solvers import get_solver as _get

    return _get(name)


def solve(instance, solver: str = DEFAULT_SOLVER, *, time_limit: float = 10.0, seed: int = 0, **params) -> Result:
    """Solve an instance (or a path to one) with a registered solver; returns a validated :class:`Result`."""
    if not isinstance(instance, RoutingInstance):
        instance = load_instance(instance)
    return get_solver(solver).solve(instance, time_limit=time_limit, seed=seed, **params)


__all__ = [
    "DEFAULT_SOLVER", "InfeasibleInstanceError", "InstanceFormatError", "Model", "NetoptError", "Result",
    "RoutingInstance", "RoutingSolution", "UnknownSolverError", "VehicleType", "get_solver", "load_instance",
    "solve",
]
