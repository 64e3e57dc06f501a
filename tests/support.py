"""Shared test helpers (imported as ``support``; ``conftest`` modules cannot be imported by
name reliably once several folders have one)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def datasets_dir(sub: str) -> Path:
    """A folder of ../shared/datasets, or skip the test when it is absent."""
    p = DATASETS / sub
    if not p.is_dir():
        pytest.skip(f"{p} not present")
    return p


CVRP_TEXT = """NAME : tiny
COMMENT : "typed fixture"
TYPE : CVRP
DIMENSION : 5
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 3 4
3 -3 4
4 0 -5
5 1 1
DEMAND_SECTION
1 0
2 4
3 5
4 6
5 2
DEPOT_SECTION
1
-1
EOF
"""

VRPTW_TEXT = """NAME : tinytw
TYPE : CVRPTW
DIMENSION : 4
VEHICLES : 3
CAPACITY : 10
SERVICE_TIME : 2
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 1 1
3 2 2
4 0 3
DEMAND_SECTION
1 0
2 3
3 3
4 3
TIME_WINDOW_SECTION
1 0 50
2 0 10
3 0 20
4 5 30
DEPOT_SECTION
1
-1
EOF
"""
