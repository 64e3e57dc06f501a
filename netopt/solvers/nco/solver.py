"""``nco``: the learned construction policy as a solver (greedy multi-start + sampling, then polish).

The policy (:mod:`netopt.solvers.nco.policy`, torch imported lazily) builds ``min(n, pomo)``
greedy solutions from different first customers and ``samples`` sampled ones; the best
``polish`` distinct ones get HGS's granular local search (:func:`netopt.solvers.vrp.hgs.polish_routes`)
while time is left. Model loading is done in ``prepare()``, before the clock starts; construction
(at most :data:`CONSTRUCT_SHARE` of the time limit) and local search count against the time limit.
"""

from __future__ import annotations

import time

from ...params import Param, ParamSpace
from ...validate import check_routes
from ..base import SearchState, Solver
from ..registry import register
from ..vrp.hgs import polish_routes, warm_up
from . import ROLLOUT_PARAMS

#: share of the time limit the policy's rollouts may take before local search starts
CONSTRUCT_SHARE = 0.7


@register
class NCO(Solver):
    name = "nco"
    description = ("Learned attention policy (POMO multi-start + sampling; netopt nco train), best solution after "
                   "a quick HGS local search; CVRP and TSP, asymmetric distance/duration matrices.")
    params = ParamSpace("solver nco", {
        **ROLLOUT_PARAMS,
        "polish": Param(int, 8, "best distinct constructions improved by local search (count; 0 = none)", low=0),
    })

    def supports(self, instance) -> str:
        from . import unsupported

        if instance.num_customers < 1:
            return "needs at least one customer"
        return unsupported(instance)

    def prepare(self, params=None, instance=None) -> float:
        from . import load, policy_problem

        t = time.perf_counter()
        warm_up()
        if params is not None:
            load(params.model or None, policy_problem(instance), params.device)
        return time.perf_counter() - t

    def _solve(self, instance, state: SearchState, *, seed: int, initial, params):
        from . import policy_solutions
        from .policy import FIRST_STARTS

        p = params
        t = time.perf_counter()
        sols = policy_solutions(instance, model=p.model or None, samples=p.samples, pomo=p.pomo, augment=p.augment,
                                seed=seed, device=p.device, deadline=state.start + CONSTRUCT_SHARE * state.time_limit)
        if not sols:  # nothing finished in time: a few greedy rollouts always run (as HGS's first education does)
            sols = policy_solutions(instance, model=p.model or None, samples=0, pomo=min(p.pomo, FIRST_STARTS),
                                    seed=seed, device=p.device)
        construct_s = time.perf_counter() - t

        def offer(routes) -> None:
            rep = check_routes(instance, routes)
            if rep.feasible:
                state.improve(rep.cost, routes)

        for _, routes in sols[:1]:
            offer(routes)
        state.tick()
        polish_s = 0.0  # the longest polish so far: one cannot be interrupted, so none starts without that time
        for i, (_, routes) in enumerate(sols[:p.polish]):
            if state.should_stop() or state.remaining() < polish_s:
                break
            t = time.perf_counter()
            offer(polish_routes(instance, routes, seed=seed + i))
            polish_s = max(polish_s, time.perf_counter() - t)
            state.tick()
        return {"construct_s": round(construct_s, 4), "constructed": len(sols),
                "policy_best": round(sols[0][0], 6) if sols else None}
