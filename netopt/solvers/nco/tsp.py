"""``tsp-heatmap``: heatmap-guided local search for large symmetric TSP (work in progress)."""

from __future__ import annotations

from ..base import Solver
from ..registry import register


@register
class TspHeatmap(Solver):
    name = "tsp-heatmap"
    problem = "tsp"
    description = "heatmap-guided local search for large symmetric TSP (being built)"

    def supports(self, instance) -> str:
        return "tsp-heatmap is not implemented yet"
