"""Bi-level network design: problems (DNDP, lane addition, lane swap, CNDP), fitness, GA / enumeration / greedy."""

from .fitness import ExactFitness, Fitness
from .problems import (
    KINDS,
    DesignProblem,
    lane_addition,
    lane_swap,
    load_cndp,
    load_dndp,
)
from .search import METHODS, PARAMS, design_params, solve_design

__all__ = ["KINDS", "METHODS", "PARAMS", "DesignProblem", "ExactFitness", "Fitness", "design_params",
           "lane_addition", "lane_swap", "load_cndp", "load_dndp", "solve_design"]
