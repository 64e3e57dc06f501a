"""Seeded instance generators, best-known values, and the shared benchmark folder."""

from .generate import generate_cvrp, generate_tsp
from .known import best_known, shared_datasets

__all__ = ["best_known", "generate_cvrp", "generate_tsp", "shared_datasets"]
