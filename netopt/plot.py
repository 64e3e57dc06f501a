"""Plots drawn with matplotlib (Agg backend, imported lazily so the CLI starts fast)."""

from __future__ import annotations

from pathlib import Path


from .exceptions import NetoptError
from .model import RoutingSolution


def plot_routes(solution: RoutingSolution, path) -> None:
    """Draw each route in its own colour over the customers; the depot is a black square."""
    inst = solution.instance
    if inst.coordinates is None:
        raise NetoptError(f"{inst.name}: no coordinates to plot (explicit distance matrix)")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xy = inst.coordinates
    fig, ax = plt.subplots(figsize=(7, 7), dpi=110)
    cmap = plt.get_cmap("tab20")
    for k, r in enumerate(solution.routes):
        pts = xy[[0, *r, 0]]
        ax.plot(pts[:, 0], pts[:, 1], "-", lw=1.2, color=cmap(k % 20))
    ax.scatter(xy[1:, 0], xy[1:, 1], s=10, c="0.3", zorder=3)
    ax.scatter([xy[0, 0]], [xy[0, 1]], s=80, marker="s", c="k", zorder=4)
    status = "feasible" if solution.is_feasible else "INFEASIBLE"
    ax.set_title(f"{inst.name}: cost {solution.cost:,.10g}, {solution.num_routes} routes ({status})")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    try:
        fig.savefig(Path(path))
    except OSError as e:
        raise NetoptError(f"{path}: cannot write: {e.strerror}") from None
    finally:
        plt.close(fig)
