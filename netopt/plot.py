"""Plots drawn with matplotlib (Agg backend, imported lazily so the CLI starts fast)."""

from __future__ import annotations

import io

from .exceptions import NetoptError
from .io import write_atomic
from .model import RoutingSolution


def _save(fig, path) -> None:
    """Render ``fig`` as PNG and write it like every output (atomic replace, through a symlink,
    into a device or FIFO; a write error is one line, exit 1)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png")
    finally:
        plt.close(fig)
    write_atomic(path, buf.getvalue())


def plot_routes(solution: RoutingSolution, path) -> None:
    """Draw each route over the clients: one colour per route, or per vehicle type when the fleet has
    several types (with a legend); depots are black squares, reload stops split a route into trips,
    and optional clients left out are hollow circles."""
    inst = solution.instance
    if inst.coordinates is None:
        raise NetoptError(f"{inst.name}: no coordinates to plot (explicit distance matrix)")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xy = inst.coordinates
    nd = inst.num_depots
    types = solution.vehicle_types
    by_type = types is not None and len(inst.vehicle_types) > 1
    fig, ax = plt.subplots(figsize=(7, 7), dpi=110)
    cmap = plt.get_cmap("tab10" if by_type else "tab20")
    labelled = set()
    for k, r in enumerate(solution.routes):
        t = inst.vehicle_types[types[k] if types is not None else 0]
        pts = xy[[t.start_depot, *r, t.end_depot]]
        colour = cmap(types[k] % 10) if by_type else cmap(k % 20)
        label = None
        if by_type and types[k] not in labelled:
            labelled.add(types[k])
            label = f"type {types[k]}: capacity {t.capacity}" + (f", {t.name}" if t.name else "")
        ax.plot(pts[:, 0], pts[:, 1], "-", lw=1.2, color=colour, label=label)
    visited = {v for r in solution.routes for v in r}
    served = [v for v in inst.clients if v in visited or inst.required[v]]
    skipped = [v for v in inst.clients if v not in visited and not inst.required[v]]
    ax.scatter(xy[served, 0], xy[served, 1], s=10, c="0.3", zorder=3)
    if skipped:
        ax.scatter(xy[skipped, 0], xy[skipped, 1], s=22, facecolors="none", edgecolors="0.4", zorder=3,
                   label=f"{len(skipped)} optional clients skipped")
    ax.scatter(xy[:nd, 0], xy[:nd, 1], s=80, marker="s", c="k", zorder=4, label="depot" if nd == 1 else "depots")
    if by_type or skipped or nd > 1:
        ax.legend(loc="best", fontsize=7)
    status = "feasible" if solution.is_feasible else "INFEASIBLE"
    ax.set_title(f"{inst.name}: cost {solution.cost:,.10g}, {solution.num_routes} routes ({status})")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    _save(fig, path)


def plot_network(network, flow, path) -> None:
    """Draw links coloured and thickened by volume/capacity; node coordinates from the TNTP node
    file when known, else a deterministic force-directed layout."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx
    import numpy as np
    from matplotlib.collections import LineCollection

    net = network
    xy = net.node_xy
    if xy is None or np.isnan(xy).any():
        g = nx.DiGraph()
        g.add_nodes_from(range(net.num_nodes))
        g.add_edges_from(zip(net.init.tolist(), net.term.tolist()))
        pos = nx.kamada_kawai_layout(g.to_undirected()) if net.num_nodes <= 500 else nx.spring_layout(g, seed=0)
        xy = np.array([pos[i] for i in range(net.num_nodes)])
    voc = np.where(net.capacity > 0, flow / np.maximum(net.capacity, 1e-12), 0.0)
    p, q = xy[net.init], xy[net.term]
    # shift each direction sideways so two-way links show both volumes
    d = q - p
    nrm = np.hypot(d[:, 0], d[:, 1])[:, None]
    off = np.c_[-d[:, 1], d[:, 0]] / np.maximum(nrm, 1e-12) * 0.006 * np.ptp(xy, axis=0).max()
    segs = np.stack([p + off, q + off], axis=1)
    fig, ax = plt.subplots(figsize=(8, 8), dpi=110)
    lc = LineCollection(segs, array=voc, cmap="RdYlGn_r", linewidths=0.8 + 3.0 * np.clip(voc, 0, 2), clim=(0, max(1.5, voc.max())))
    ax.add_collection(lc)
    ax.scatter(xy[:, 0], xy[:, 1], s=6, c="k", zorder=3)
    ax.autoscale()
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([]), ax.set_yticks([])
    fig.colorbar(lc, ax=ax, shrink=0.7, label="volume / capacity")
    ax.set_title(f"{net.name}: equilibrium volume/capacity (max {voc.max():.2f})")
    fig.tight_layout()
    _save(fig, path)
