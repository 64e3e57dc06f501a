"""What every congestion model returns: per-step link loads, a model's result, and the maximum
congestion of a set of loads (shared by :mod:`.models` and :mod:`.milp`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import FabricInputError
from .topology import TIER_DOWN, TIER_DOWN2, TIER_UP, TIER_UP2, Fabric


@dataclass
class StepLoads:
    """Bytes on each switch tier in one step: ``up``/``down`` ``(L, S)``; ``up2``/``down2``
    ``(A, h)`` for fat-trees (``None`` for leaf-spine)."""

    up: np.ndarray
    down: np.ndarray
    up2: np.ndarray | None = None
    down2: np.ndarray | None = None


@dataclass
class ModelResult:
    """Outcome of one model: ``max_congestion`` (s) over steps, per-step values, extras."""

    model: str
    max_congestion: float
    step_congestion: np.ndarray
    info: dict = field(default_factory=dict)
    loads: list | None = None
    assignment: list | None = None


def congestion_of_loads(fabric: Fabric, loads: StepLoads) -> float:
    """Max of ``load / capacity`` over switch links with capacity > 0 (raises if a failed link
    carries load)."""
    m = 0.0
    pairs = [(loads.up, fabric.block(TIER_UP)), (loads.down, fabric.block(TIER_DOWN))]
    if loads.up2 is not None:
        pairs += [(loads.up2, fabric.block(TIER_UP2)), (loads.down2, fabric.block(TIER_DOWN2))]
    for ld, cap in pairs:
        live = cap > 0
        if np.any(ld[~live] > 0):
            raise FabricInputError("assignment", "traffic routed over a failed link")
        if np.any(live):
            m = max(m, float(np.max(ld[live] / cap[live])))
    return m
