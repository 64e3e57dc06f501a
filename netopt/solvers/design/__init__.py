"""Bi-level network design: problems (DNDP, lane addition, CNDP), fitness, GA / enumeration / greedy."""

from .fitness import ExactFitness, Fitness
from .problems import KINDS, DesignProblem, lane_addition, load_cndp, load_dndp
from .search import METHODS, solve_design

__all__ = ["KINDS", "METHODS", "DesignProblem", "ExactFitness", "Fitness", "lane_addition", "load_cndp",
           "load_dndp", "solve_design"]
