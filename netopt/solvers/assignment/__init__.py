"""User-equilibrium traffic assignment (Frank-Wolfe family and path-based gradient projection)."""

from .ue import METHODS, Assignment, assign, relative_gap

__all__ = ["METHODS", "Assignment", "assign", "relative_gap"]
