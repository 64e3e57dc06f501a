"""Neural combinatorial optimization (NCO) heuristics.

* ``policy``/``train``/``generate``: an attention encoder-decoder policy (POMO multi-start, REINFORCE with a
  shared baseline) that constructs CVRP and TSP solutions, also on asymmetric distance + duration matrices;
  torch is imported lazily (``pip install "netopt[gnn]"``).
* ``heatmap``: parameter-free k-nearest (SoftDist) heatmaps and the heatmap-guided large-TSP local search
  (Numba kernels in ``_kernels.py``).
"""

from __future__ import annotations

from pathlib import Path

CHECKPOINTS = Path(__file__).parent / "checkpoints"


def default_model(problem: str = "cvrp") -> Path:
    """The shipped policy checkpoint for ``problem`` (``checkpoints/<problem>.pt``)."""
    return CHECKPOINTS / f"{problem}.pt"


def policy_problem(instance=None) -> str:
    """The policy kind that builds solutions of ``instance``: ``tsp`` for a TSP, else ``cvrp``
    (also when no instance is known yet)."""
    return "tsp" if instance is not None and instance.problem == "tsp" else "cvrp"


def _resolve(model: str | Path | None, problem: str, device: str):
    from ...exceptions import NetoptError
    from ...gnn import require_torch

    torch = require_torch()
    path = Path(model) if model else default_model(problem)
    if not path.is_file():
        raise NetoptError(f"{path}: no such policy checkpoint (train one with `netopt nco train`)")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return path, device


def load(model: str | Path | None = None, problem: str = "cvrp", device: str = "auto"):
    """Load (once per process) the policy at ``model``, default the shipped one; returns the module."""
    from .policy import cached_policy

    path, device = _resolve(model, problem, device)
    return cached_policy(path, device)


def policy_solutions(instance, *, model: str | Path | None = None, samples: int = 32, pomo: int = 100,
                     augment: int = 1, seed: int = 0, device: str = "auto") -> list[tuple[float, list[list[int]]]]:
    """Distinct policy solutions of ``instance`` (greedy multi-start on ``augment`` symmetric copies +
    ``samples`` sampled), cheapest first, as ``(cost, routes)``; see :func:`netopt.solvers.nco.policy.construct`."""
    from .policy import cached_policy, construct

    problem = policy_problem(instance)
    path, device = _resolve(model, problem, device)
    net = cached_policy(path, device)
    if net.problem != problem:
        from ...exceptions import NetoptError

        raise NetoptError(f"{path}: a {net.problem} policy cannot construct {instance.problem} solutions")
    return construct(net, instance, pomo=pomo, samples=samples, seed=seed, augment=augment, device=device)


def unsupported(instance) -> str:
    """Why the policy cannot build solutions for ``instance`` (empty when it can)."""
    if instance.time_windows is not None or instance.max_duration is not None or instance.max_distance is not None:
        return "the NCO policy builds CVRP and TSP solutions; it does not handle time windows or route limits"
    if instance.problem not in ("cvrp", "tsp"):
        return f"the NCO policy builds CVRP and TSP solutions only, not {instance.problem}"
    return ""
