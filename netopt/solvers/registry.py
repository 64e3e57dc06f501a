"""Solver registry: ``@register`` a class, ``get_solver(name)`` an instance.

Lookups fail loudly with the list of valid names; nothing falls back to another solver.
"""

from __future__ import annotations

import importlib

from ..exceptions import UnknownSolverError
from .base import Solver

#: solver used when none is named (``netopt solve``, :func:`netopt.solve`)
DEFAULT_SOLVER = "ils"

_REGISTRY: dict[str, type[Solver]] = {}
#: modules that register the built-in solvers; imported on first lookup (they import heavy packages lazily)
_BUILTIN = ("netopt.solvers.vrp.ortools", "netopt.solvers.vrp.hgs", "netopt.solvers.vrp.ils",
            "netopt.solvers.vrp.pyvrp",
            "netopt.solvers.nco.tsp", "netopt.solvers.nco.solver")
_loaded = False


def register(cls: type[Solver]) -> type[Solver]:
    """Class decorator adding a solver under ``cls.name``; a duplicate name is an error."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"a solver named {cls.name!r} is already registered ({_REGISTRY[cls.name].__name__})")
    _REGISTRY[cls.name] = cls
    return cls


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        for mod in _BUILTIN:
            importlib.import_module(mod)
        _loaded = True


def available_solvers() -> dict[str, type[Solver]]:
    """Name -> class of every registered solver, sorted by name."""
    _load_builtins()
    return dict(sorted(_REGISTRY.items()))


def get_solver(name: str) -> Solver:
    """A new instance of the solver registered as ``name``.

    Examples
    --------
    >>> get_solver("ortools").name
    'ortools'
    >>> get_solver("nope")
    Traceback (most recent call last):
    ...
    netopt.exceptions.UnknownSolverError: unknown solver 'nope' (available: ...ortools...)
    """
    solvers = available_solvers()
    try:
        return solvers[name]()
    except KeyError:
        raise UnknownSolverError(f"unknown solver {name!r} (available: {', '.join(solvers)})") from None
