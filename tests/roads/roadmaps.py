"""Tiny synthetic OSM maps written with pyosmium (no dataset needed)."""

from __future__ import annotations

import itertools

LAT0, LON0, DLAT, DLON = 60.0, 24.0, 0.0005, 0.001  # grid steps of about 55.6 m both ways at 60 N


def node_ll(i: int, j: int) -> tuple[float, float]:
    """(lat, lon) of grid node (row i, column j)."""
    return LAT0 + DLAT * i, LON0 + DLON * j


def gid(i: int, j: int) -> int:
    """OSM id of grid node (row i, column j): 1..9."""
    return 1 + 3 * i + j


def write_map(path, ways, extra_nodes=(), buildings=()):
    import osmium
    from osmium.osm.mutable import Node, Way

    with osmium.SimpleWriter(str(path), overwrite=True) as w:
        for i in range(3):
            for j in range(3):
                lat, lon = node_ll(i, j)
                w.add_node(Node(id=gid(i, j), location=(lon, lat), tags={}))
        for nid, lat, lon, tags in extra_nodes:
            w.add_node(Node(id=nid, location=(lon, lat), tags=tags))
        for wid, nodes, tags in ways:
            w.add_way(Way(id=wid, nodes=nodes, tags=tags))
        for wid, nodes, tags in buildings:
            w.add_way(Way(id=wid, nodes=nodes, tags=tags))
    return path


GRID_WAYS = [
    (101, [1, 2, 3], {"highway": "residential"}),
    (102, [4, 5, 6], {"highway": "residential", "oneway": "yes", "name": "One-way east"}),
    (103, [7, 8, 9], {"highway": "residential", "maxspeed": "20"}),
    (104, [1, 4, 7], {"highway": "tertiary"}),
    (105, [2, 5, 8], {"highway": "residential", "oneway": "-1", "maxspeed": "30 mph"}),
    (106, [3, 6, 9], {"highway": "residential"}),
    (107, [3, 10], {"highway": "service", "oneway": "yes"}),  # a one-way trap: 10 is a dead end
    (108, [1, 11], {"highway": "footway"}),
    (109, [9, 12], {"highway": "service", "access": "private"}),
]


def grid_map(path):
    """A 3 x 3 street grid (rows 0..2 south to north, columns 0..2 west to east, about 55.6 m apart):
    row 1 is one-way east, column 1 one-way south (``oneway=-1`` on a northbound way, 30 mph),
    row 2 has ``maxspeed=20``; a one-way service stub 3 -> 10 is a trap (dropped by the strongly
    connected filter); a footway and a private service road are not drivable. Addresses: one node
    (``Grid St 1``) and one building (``Grid St 2``)."""
    extra = [(10, LAT0 - DLAT, LON0 + 2 * DLON, {}), (11, LAT0 - DLAT, LON0, {}),
             (12, LAT0 + 3 * DLAT, LON0 + 2 * DLON, {}),
             (20, LAT0 + 0.5 * DLAT, LON0 + 0.5 * DLON, {"addr:street": "Grid St", "addr:housenumber": "1"}),
             (21, LAT0 + 1.4 * DLAT, LON0 + 1.4 * DLON, {}), (22, LAT0 + 1.4 * DLAT, LON0 + 1.6 * DLON, {}),
             (23, LAT0 + 1.6 * DLAT, LON0 + 1.6 * DLON, {}), (24, LAT0 + 1.6 * DLAT, LON0 + 1.4 * DLON, {})]
    bld = [(201, [21, 22, 23, 24, 21], {"building": "yes", "addr:street": "Grid St", "addr:housenumber": "2"})]
    return write_map(path, GRID_WAYS, extra, bld)


def shaped_grid(side: int, seed: int):
    """A RoadGraph: a side x side street grid whose blocks are bent by 2 shape points each, random
    one-way streets (either direction), a two-way dead end and a one-way ring of shape points."""
    import numpy as np

    from netopt.roads.graph import RoadGraph

    rng = np.random.default_rng(seed)
    lat, lon, tail, head = [], [], [], []

    def node(a, b):
        lat.append(LAT0 + a * DLAT)
        lon.append(LON0 + b * DLON)
        return len(lat) - 1

    def street(path, mode):
        for u, v in itertools.pairwise(path):
            if mode in ("both", "fwd"):
                tail.append(u), head.append(v)
            if mode in ("both", "bwd"):
                tail.append(v), head.append(u)

    grid = [[node(i, j) for j in range(side)] for i in range(side)]
    for i in range(side):
        for j in range(side):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < side and j + dj < side:
                    a, b = grid[i][j], grid[i + di][j + dj]
                    bend = rng.uniform(-0.2, 0.2)
                    mid = [node(i + di * f + dj * bend, j + dj * f + di * bend) for f in (1 / 3, 2 / 3)]
                    street([a, *mid, b], rng.choice(["both", "both", "fwd", "bwd"]))
    dead = [grid[0][0], node(-0.5, -0.3), node(-1.0, -0.2)]
    street(dead, "both")
    ring = [node(side - 1 + 0.3, side - 1 + 0.3 * np.cos(x)) for x in np.linspace(0, 5, 4)]
    street([grid[side - 1][side - 1], ring[0]], "both")
    street([*ring, ring[0]], "fwd")
    return RoadGraph.from_edges(lat, lon, tail, head, rng.choice([30.0, 50.0], size=len(tail)))
