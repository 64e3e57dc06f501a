"""Solvers and their registry. See :mod:`netopt.solvers.base` for the protocol."""

from ..params import Param, Params, ParamSpace
from .base import SearchState, Solver
from .registry import DEFAULT_SOLVER, available_solvers, get_solver, register

__all__ = ["DEFAULT_SOLVER", "Param", "ParamSpace", "Params", "SearchState", "Solver", "available_solvers",
           "get_solver", "register"]
