"""User-equilibrium traffic assignment (Frank-Wolfe family and path-based gradient projection)."""

from __future__ import annotations

import numpy as np

from ...exceptions import InstanceFormatError
from ...model import RoadNetwork
from . import _kernels as K
from .ue import METHODS, Assignment, assign, relative_gap


def beckmann(network: RoadNetwork, flow) -> float:
    """Beckmann objective of link ``flow`` on ``network``: the sum over links of the integral of
    the link cost (BPR + fixed cost) from 0 to the flow; user equilibrium minimises it.

    Examples
    --------
    >>> net = RoadNetwork("one link", 2, 2, init=[0], term=[1], capacity=[10], fftt=[2], b=[0],
    ...                   demand=[[0, 5], [0, 0]])
    >>> beckmann(net, [5.0])                     # constant cost 2 over 5 vehicles
    10.0
    """
    x = np.ascontiguousarray(flow, dtype=np.float64)
    if x.shape != (network.num_links,):
        raise InstanceFormatError("<flow>", "flow", f"expected {network.num_links} link flows, got shape {x.shape}")
    return float(K.beckmann(x, network.fftt, network.b, network.capacity, network.power, network.fixed_cost))


__all__ = ["METHODS", "Assignment", "assign", "beckmann", "relative_gap"]
