"""Seeded instance generators, best-known values, and the shared benchmark folder."""

from .generate import generate_cvrp, generate_tsp
from .known import Known, best_known, known_table, shared_datasets

__all__ = ["Known", "best_known", "generate_cvrp", "generate_tsp", "known_table", "shared_datasets"]
