"""Solvers and their registry. See :mod:`netopt.solvers.base` for the protocol."""

from .base import Param, SearchState, Solver
from .registry import available_solvers, get_solver, register

__all__ = ["Param", "SearchState", "Solver", "available_solvers", "get_solver", "register"]
