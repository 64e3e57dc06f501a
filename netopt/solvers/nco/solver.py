"""``nco``: the learned construction policy as a solver (greedy multi-start + sampling, then polish).

The policy (:mod:`netopt.solvers.nco.policy`, torch imported lazily) builds ``min(n, pomo)``
greedy solutions from different first customers and ``samples`` sampled ones; the best
``polish`` distinct ones get HGS's granular local search (:func:`netopt.solvers.vrp.hgs.polish_routes`)
while time is left. Model loading is done in ``prepare()``, before the clock starts; construction
and local search count against the time limit.
"""

from __future__ import annotations

import time

from ...validate import check_routes
from ..base import Param, SearchState, Solver
from ..registry import register


@register
class NCO(Solver):
    name = "nco"
    description = ("Learned attention policy (POMO multi-start + sampling; netopt nco train), best solution after "
                   "a quick HGS local search; CVRP and TSP, asymmetric distance/duration matrices.")
    params = {
        "samples": Param(int, 64, "sampled rollouts besides the greedy multi-start (count)"),
        "pomo": Param(int, 100, "greedy rollouts, each from a different first customer (at most n)"),
        "augment": Param(int, 1, "greedy rollouts run on this many of the 8 symmetric copies of the coordinates "
                         "(8 = POMO's augmentation: 1.5-2 % shorter constructions for 5-8x the policy time on CPU)",
                         choices=tuple(range(1, 9))),
        "polish": Param(int, 8, "best distinct constructions improved by local search (0 = none)"),
        "model": Param(str, "", "policy checkpoint (empty = the shipped one for the problem)"),
        "device": Param(str, "auto", "torch device: auto (CUDA when present), cpu, cuda", choices=("auto", "cpu", "cuda")),
    }

    def supports(self, instance) -> str:
        from . import unsupported

        if instance.num_customers < 1:
            return "needs at least one customer"
        return unsupported(instance)

    def prepare(self, params=None, instance=None) -> float:
        from ..vrp.hgs import warm_up
        from . import load, policy_problem

        t = time.perf_counter()
        warm_up()
        if params is not None:
            load(params["model"] or None, policy_problem(instance), params["device"])
        return time.perf_counter() - t

    def _solve(self, instance, state: SearchState, *, seed: int, initial, samples, pomo, augment, polish, model, device):
        from ..vrp.hgs import polish_routes
        from . import policy_solutions

        t = time.perf_counter()
        sols = policy_solutions(instance, model=model or None, samples=samples, pomo=pomo, augment=augment, seed=seed,
                                device=device)
        construct_s = time.perf_counter() - t

        def offer(routes) -> None:
            rep = check_routes(instance, routes)
            if rep.feasible:
                state.improve(rep.cost, routes)

        for _, routes in sols[:1]:
            offer(routes)
        state.tick()
        for i, (_, routes) in enumerate(sols[:polish]):
            if state.should_stop():
                break
            offer(polish_routes(instance, routes, seed=seed + i))
            state.tick()
        return {"construct_s": round(construct_s, 4), "constructed": len(sols),
                "policy_best": round(sols[0][0], 6) if sols else None}
