"""Neural combinatorial optimization (NCO) heuristics.

* ``policy``/``train``/``generate``: an attention encoder-decoder policy (POMO multi-start, REINFORCE with a
  shared baseline) that constructs CVRP and TSP solutions, also on asymmetric distance + duration matrices;
  torch is imported lazily (``pip install "netopt[gnn]"``).
* ``heatmap``: parameter-free k-nearest (SoftDist) heatmaps and the heatmap-guided large-TSP local search
  (Numba kernels in ``_kernels.py``).
"""

from __future__ import annotations

from pathlib import Path

from ...params import Param, ParamSpace

CHECKPOINTS = Path(__file__).parent / "checkpoints"

#: the policy's rollout parameters, shared by the ``nco`` solver and :func:`warm_started`
ROLLOUT_PARAMS = {
    "pomo": Param(int, 100, "greedy rollouts, each from a different first customer (count; at most n)", low=1),
    "augment": Param(int, 1, "greedy rollouts run on this many of the 8 symmetric copies of the coordinates "
                     "(8 = POMO's augmentation: 1.5-2 % shorter constructions for 5-8x the policy time on CPU)",
                     low=1, high=8),
    "samples": Param(int, 64, "sampled rollouts besides the greedy multi-start (count)", low=0),
    "model": Param(str, "", "policy checkpoint (empty = the shipped one for the problem)"),
    "device": Param(str, "auto", "torch device: auto (CUDA when present), cpu, cuda", choices=("auto", "cpu", "cuda")),
}

#: the policy's warm start for another solver (:func:`warm_started`; the CLI's ``--init nco``)
WARM_START_PARAMS = ParamSpace("--init nco", {
    **ROLLOUT_PARAMS,
    "pomo": Param(int, 16, "greedy rollouts, each from a different first customer (count; at most n)", low=1),
    "samples": Param(int, 0, "sampled rollouts besides the greedy multi-start (count)", low=0),
    "share": Param(float, 0.2, "largest share of the time limit the policy may take", low=0, high=1, low_open=True),
    "seeds": Param(int, 25, "best distinct policy solutions handed to the solver (count)", low=1),
})


def default_model(problem: str = "cvrp") -> Path:
    """The shipped policy checkpoint for ``problem`` (``checkpoints/<problem>.pt``)."""
    return CHECKPOINTS / f"{problem}.pt"


def policy_problem(instance=None) -> str:
    """The policy kind that builds solutions of ``instance``: ``tsp`` for a TSP, else ``cvrp``
    (also when no instance is known yet)."""
    return "tsp" if instance is not None and instance.problem == "tsp" else "cvrp"


def _resolve(model: str | Path | None, problem: str, device: str):
    from ..._torch import pick_device
    from ...exceptions import NetoptError

    device = pick_device(device)
    path = Path(model) if model else default_model(problem)
    if not path.is_file():
        raise NetoptError(f"{path}: no such policy checkpoint (train one with `netopt nco train`)")
    return path, device


def load(model: str | Path | None = None, problem: str = "cvrp", device: str = "auto"):
    """Load (once per process) the policy at ``model``, default the shipped one; returns the module."""
    from .policy import cached_policy

    path, device = _resolve(model, problem, device)
    return cached_policy(path, device)


def policy_solutions(instance, *, model: str | Path | None = None, samples: int = 32, pomo: int = 100,
                     augment: int = 1, seed: int = 0, device: str = "auto",
                     deadline: float | None = None) -> list[tuple[float, list[list[int]]]]:
    """Distinct policy solutions of ``instance`` (greedy multi-start on ``augment`` symmetric copies +
    ``samples`` sampled), cheapest first, as ``(cost, routes)``; rollouts unfinished at ``deadline``
    (a ``time.perf_counter()`` value) are dropped. See :func:`netopt.solvers.nco.policy.construct`."""
    from .policy import cached_policy, construct

    problem = policy_problem(instance)
    path, device = _resolve(model, problem, device)
    net = cached_policy(path, device)
    if net.problem != problem:
        from ...exceptions import NetoptError

        raise NetoptError(f"{path}: a {net.problem} policy cannot construct {instance.problem} solutions")
    return construct(net, instance, pomo=pomo, samples=samples, seed=seed, augment=augment, device=device,
                     deadline=deadline)


def unsupported(instance) -> str:
    """Why the policy cannot build solutions for ``instance`` (empty when it can)."""
    if instance.features:
        return f"the NCO policy builds CVRP and TSP solutions; it does not model {', '.join(instance.features)}"
    if instance.time_windows is not None or instance.max_duration is not None or instance.max_distance is not None:
        return "the NCO policy builds CVRP and TSP solutions; it does not handle time windows or route limits"
    if instance.problem not in ("cvrp", "tsp"):
        return f"the NCO policy builds CVRP and TSP solutions only, not {instance.problem}"
    return ""


def warm_started(solver, instance, *, time_limit: float, seed: int = 0, nco: dict | None = None, initial=None,
                 max_iterations: int | None = None, progress=None, **params):
    """Solve ``instance`` with ``solver`` (a name or a :class:`~netopt.solvers.Solver`), seeded by
    the policy's best distinct solutions.

    The policy (``nco``: pomo, augment, samples, model, device, share, seeds; see
    :data:`WARM_START_PARAMS`) runs first, for at most ``share`` of ``time_limit``, and its time
    counts against the limit; model loading and JIT compilation do not. ``initial`` (the caller's
    own warm start, one solution or several) goes first. ``params`` are the solver's own. The
    Result's ``extra`` gains ``nco_s``, ``nco_solutions`` and ``nco_best``.
    """
    import time

    from ...exceptions import UnsupportedInstanceError
    from ..base import check_limits
    from ..registry import get_solver
    from ..warm_start import warm_start_routes

    solver = get_solver(solver) if isinstance(solver, str) else solver
    check_limits(time_limit, max_iterations, seed)
    why = unsupported(instance)
    if why:
        raise UnsupportedInstanceError(f"--init nco: {why} ({instance.name})")
    q = WARM_START_PARAMS.resolve(nco)
    resolved = solver.resolve_params(params)  # every parameter is checked before anything loads
    given = warm_start_routes(instance, initial)  # checked (and repaired) before anything loads
    t = time.perf_counter()
    load(q.model or None, policy_problem(instance), q.device)
    solver.prepare(resolved, instance)
    compile_s = time.perf_counter() - t
    start = time.perf_counter()
    sols = policy_solutions(instance, model=q.model or None, samples=q.samples, pomo=q.pomo, augment=q.augment,
                            seed=seed, device=q.device, deadline=start + q.share * time_limit)
    nco_s = time.perf_counter() - start
    res = solver.solve(instance, time_limit=time_limit, seed=seed, max_iterations=max_iterations,
                       initial=[*given, *(r for _, r in sols[:q.seeds])] or None, progress=progress,
                       clock_start=start, **params)
    res.params = {**res.params, "init": "nco", **{f"nco_{k}": v for k, v in q.to_json().items()}}
    res.extra.update(nco_s=round(nco_s, 4), nco_solutions=len(sols), nco_best=round(sols[0][0], 6) if sols else None,
                     compile_s=round(compile_s + res.extra.get("compile_s", 0.0), 4))
    return res
