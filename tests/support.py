"""Shared test helpers (imported as ``support``; ``conftest`` modules cannot be imported by
name reliably once several folders have one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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

# Braess network as a DNDP file: the middle link 3->4 is the one candidate (cost 5); building it hurts.
BRAESS_DNDP = """<NUMBER OF ZONES> 2
<NUMBER OF NODES> 4
<FIRST THRU NODE> 1
<NUMBER OF LINKS> 4
<NUMBER OF NEW LINKS> 1
<END OF METADATA>
~ init term cap len fftt b power speed toll type cost ;
1 3 1 0 0.00000001 1000000000 1 0 0 1 0 ;
1 4 1 0 50 0.02 1 0 0 1 0 ;
3 2 1 0 50 0.02 1 0 0 1 0 ;
4 2 1 0 0.00000001 1000000000 1 0 0 1 0 ;
3 4 1 0 10 0.1 1 0 0 1 5 ;
"""
BRAESS_TRIPS = "<NUMBER OF ZONES> 2\n<END OF METADATA>\nOrigin 1\n 2 : 6.0;\n"


def grid_arcs() -> tuple[list[tuple[int, int]], dict]:
    """The two-way links of a 3x3 grid whose 4 corners are nodes 0..3 (the zones), and the map
    from grid coordinates to node index (for adding diagonal candidates)."""
    coords = [(i, j) for i in range(3) for j in range(3)]
    order = [0, 2, 6, 8, 1, 3, 4, 5, 7]  # corners first so they are the zones
    idx = {coords[k]: r for r, k in enumerate(order)}
    arcs = []
    for (i, j) in coords:
        for di, dj in ((0, 1), (1, 0)):
            if (i + di, j + dj) in idx:
                a, b = idx[(i, j)], idx[(i + di, j + dj)]
                arcs += [(a, b), (b, a)]
    return arcs, idx


# ----------------------------------------------------------------------------- PyVRP's dialect (rich variants)
#: two depots (1, 2) and four clients; vehicles 1 and 3 at depot 1, vehicle 2 at depot 2 (types not contiguous)
MD_HF = """NAME: tiny-md
TYPE: MDVRPTW
DIMENSION: 6
VEHICLES: 3
EDGE_WEIGHT_TYPE: EUC_2D
NODE_COORD_SECTION
1 0 0
2 10 0
3 1 0
4 2 0
5 11 0
6 12 0
DEMAND_SECTION
1 0
2 0
3 3
4 3
5 3
6 3
CAPACITY_SECTION
1 10
2 10
3 5
VEHICLES_FIXED_COST_SECTION
1 100
2 100
3 50
VEHICLES_DEPOT_SECTION
1 1
2 2
3 1
DEPOT_SECTION
1
2
-1
EOF
"""

#: one depot, prizes (client 6 optional), backhauls, release times, reloads at the depot, allowed clients
MT_PC = """NAME: tiny-mt
TYPE: MTVRPTWR
DIMENSION: 5
VEHICLES: 2
CAPACITY: 6
SERVICE_TIME: 1
EDGE_WEIGHT_TYPE: EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 0 5
4 6 8
5 -3 -4
DEMAND_SECTION
1 0
2 4
3 4
4 2
5 1
TIME_WINDOW_SECTION
1 0 100
2 0 100
3 0 100
4 0 100
5 0 100
RELEASE_TIME_SECTION
1 0
2 0
3 20
4 0
5 0
PRIZE_SECTION
1 0
2 0
3 0
4 0
5 9
VEHICLES_RELOAD_DEPOT_SECTION
1 1
2 1
VEHICLES_ALLOWED_CLIENTS_SECTION
1 2 3 4 5
2 2 4
DEPOT_SECTION
1
-1
EOF
"""


def run_child(tmp_path: Path, source: str, **env: str) -> dict:
    """Run ``source`` in a fresh interpreter (with ``env`` added to the environment; its ``sys.argv[1]``
    is tests/solvers/vrp, for the tiny instances there) and return the JSON of its last output line."""
    script = tmp_path / "child.py"
    script.write_text(source)
    here = Path(__file__).parent
    res = subprocess.run([sys.executable, str(script), str(here / "solvers" / "vrp")], capture_output=True,
                         text=True, timeout=1800, cwd=here, env={**os.environ, **env})
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])
