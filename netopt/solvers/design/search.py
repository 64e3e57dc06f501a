"""Upper-level searches for network design: genetic algorithm, exhaustive enumeration, greedy.

All three call a fitness (exact UE or a surrogate) on batches of designs, record the best design
over time, stop on the time limit or Ctrl-C, and finally re-score their best designs with exact
equilibrium at a tight gap (``rescore_gap``), which is what is reported.

* ``ga``: generational GA with elitism, binary tournaments, uniform crossover (binary kinds) or
  blend crossover (cndp), bit-flip / Gaussian mutation, budget *repair* instead of a death
  penalty, random immigrants replacing duplicates; for cndp a pattern search polishes the best
  design in the last third of the time.
* ``enumerate``: every design within budget, in Gray-code order so consecutive designs differ by
  one link and warm starts stay close; exact optimum (binary kinds, up to 20 candidates).
* ``greedy``: add the candidate with the best objective decrease per unit cost while it helps
  and fits, then 1-1 swaps while they improve.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

import numpy as np

from ...exceptions import NetoptError, SolverParameterError
from ...model import Result
from ...params import Param, Params, ParamSpace
from ..base import SearchState, interrupt_guard
from .fitness import ExactFitness, PooledFitness, design_key
from .problems import DesignProblem

METHODS = ("ga", "enumerate", "greedy")
MAX_ENUMERATE = 20

#: the declared parameters of each search method (``-p KEY=VALUE`` on the command line)
PARAMS: dict[str, ParamSpace] = {
    "ga": ParamSpace("ndp-ga", {
        "population": Param(int, 24, "designs per generation", low=2),
        "elite": Param(int, 2, "best designs copied unchanged into the next generation", low=0),
        "crossover": Param(float, 0.9, "probability that a child crosses two parents (else a copy of one)", low=0, high=1),
        "mutation": Param(float, -1.0, "per-candidate mutation probability; -1 = 1 / number of candidates",
                          low=0, high=1, special=(-1,)),
        "generations": Param(int, 0, "stop after this many generations; 0 = no limit (the time limit stops the search)",
                             low=1, special=(0,)),
        "first_order": Param(bool, True, "lanes, swap: seed the first generation with first-order designs (candidates "
                             "ranked by travel time saved per cost at the no-design equilibrium flows, filling the "
                             "budget: all, top half, top quarter); false = random designs only"),
        "local": Param(int, 8, "lanes: after each generation, first-order local search from the best design: its "
                       "neighbours (add a lane, drop one and add another or refill the budget) ranked by TSTT at its "
                       "equilibrium flows, the best this many solved exactly, repeated while one improves; 0 = off",
                       low=0),
    }, rules=[(lambda p: p.elite < p.population, "elite must be smaller than population (valid: 0 <= elite < population)")]),
    "enumerate": ParamSpace("ndp-enumerate", {}),
    "greedy": ParamSpace("ndp-greedy", {}),
}


def design_params(method: str, given: Mapping[str, Any] | None = None) -> Params:
    """The parameters of search ``method``: defaults merged with ``given``, range-checked;
    an unknown method or parameter, or a value out of range, is a :class:`SolverParameterError`.

    Examples
    --------
    >>> design_params("ga", {"population": "12"}).population
    12
    >>> design_params("ga", {"population": 0})
    Traceback (most recent call last):
    ...
    netopt.exceptions.SolverParameterError: ndp-ga: parameter population: 0 is out of range (valid: integer >= 2)
    """
    if method not in PARAMS:
        raise SolverParameterError(f"unknown design method {method!r} (choose from {', '.join(METHODS)})")
    return PARAMS[method].resolve(given)


class DesignState(SearchState):
    """Best design so far (``best``, objective ``best_obj``), every design seen (``ranked``), history
    and the stopping rule (:class:`~netopt.solvers.base.SearchState`) shared with the caller's progress bar."""

    def __init__(self, time_limit: float, progress=None):
        super().__init__(time_limit, progress=progress)
        self.best: np.ndarray | None = None
        self.ranked: dict[bytes, tuple[float, np.ndarray]] = {}  # design key -> (objective, design)

    @property
    def best_obj(self) -> float:
        return np.inf if self.best_cost is None else self.best_cost

    def offer(self, designs: np.ndarray, objs: np.ndarray) -> None:
        """Record evaluated designs; a better one becomes ``best`` (one history point each)."""
        for d, f in zip(designs, objs):
            self.ranked[design_key(d)] = (float(f), np.array(d, np.float64))
            if f < self.best_obj - 1e-12:
                self.best_cost, self.best = float(f), np.array(d, np.float64)
                self.history.append([round(self.elapsed(), 4), self.best_cost])
        if self.progress is not None:
            self.progress(self)

    def top(self, k: int) -> list[np.ndarray]:
        return [d for _, d in sorted(self.ranked.values(), key=lambda t: t[0])[:k]]


def genetic(problem: DesignProblem, fitness, state: DesignState, rng: np.random.Generator, *,
            initial: list[np.ndarray] | None = None, equilibrium=None, **params) -> None:
    """Generational GA (see the module docstring); ``params`` as declared in ``PARAMS["ga"]``.
    ``equilibrium(design)`` (an :class:`ExactFitness`'s) gives the flows the local search ranks
    neighbours with; without it there is no local search."""
    p = design_params("ga", params)
    local = p.local if equilibrium is not None and problem.kind == "lanes" else 0
    settled: set[bytes] = set()  # best designs whose first-order neighbourhood brought nothing
    population, elite, crossover = p.population, p.elite, p.crossover
    generations = p.generations or None
    n = problem.size
    pm = p.mutation if p.mutation != -1 else 1.0 / n
    polish_at = state.time_limit * (2 / 3) if problem.kind == "cndp" else np.inf
    pop = [problem.empty()] + [problem.repair(d, rng) for d in (initial or [])]
    while len(pop) < population:
        pop.append(problem.random_design(rng))
    pop = np.array(pop[:population])
    fit = fitness.evaluate(pop)
    state.offer(pop, fit)
    sigma = 0.15
    while not state.should_stop() and state.elapsed() < polish_at and (generations is None or state.iterations < generations):
        order = np.argsort(fit)
        children, parents = [pop[i].copy() for i in order[:elite]], [None] * elite
        seen = {design_key(c) for c in children}
        while len(children) < population:
            a, b = (min(rng.integers(0, population, 2), key=lambda i: fit[i]) for _ in range(2))
            p1, p2 = pop[a], pop[b]
            if rng.random() < crossover:
                if problem.binary:
                    child = np.where(rng.random(n) < 0.5, p1, p2)
                else:  # blend crossover (BLX-0.25)
                    u = rng.uniform(-0.25, 1.25, n)
                    child = p1 + u * (p2 - p1)
            else:
                child = p1.copy()
            flip = rng.random(n) < pm
            if problem.binary:
                child = np.where(flip, 1.0 - child, child)
            else:
                child = child + flip * rng.normal(0.0, sigma, n) * problem.upper
            child = problem.repair(child, rng, fill=rng.random() < 0.5)
            key = design_key(child)
            if key in seen:  # duplicates become random immigrants: diversity
                child = problem.random_design(rng)
                key = design_key(child)
            seen.add(key)
            children.append(child)
            parents.append(p1)
        pop = np.array(children)
        fit = np.empty(population)
        fit[:elite] = [fitness.evaluate(pop[i:i + 1])[0] for i in range(elite)]  # cached
        fit[elite:] = fitness.evaluate(pop[elite:], parents[elite:])
        state.iterations += 1
        state.offer(pop, fit)
        sigma = max(0.02, sigma * 0.97)
        while local and design_key(state.best) not in settled and not state.should_stop():
            key = design_key(state.best)
            picks, pf = local_round(problem, fitness, state, equilibrium, local)
            if design_key(state.best) == key:
                settled.add(key)
            if len(picks):  # the best of them join the population in place of the worst
                worst = np.argsort(fit)[::-1][: min(2, len(picks), population - elite)]
                for w, j in zip(worst, np.argsort(pf)):
                    pop[w], fit[w] = picks[j], pf[j]
    if problem.kind == "cndp" and (generations is None or state.iterations < generations):
        pattern_search(problem, fitness, state)


def first_order_neighbours(problem: DesignProblem, design: np.ndarray, flow: np.ndarray, width: int = 20) -> np.ndarray:
    """Neighbours of a lanes design worth solving, to be ranked by
    :meth:`DesignProblem.fixed_flow_tstt` at the design's equilibrium ``flow``: add one affordable
    lane (of the ``width`` best by first-order saving per cost); drop one of the ``width`` chosen
    lanes that save least per cost and either add one of those best ``width`` instead or refill the
    budget greedily by saving per cost. (Lane swap has no such move here: at fixed flows every
    single swap costs more than it saves on the Sioux Falls instances, the good designs need
    several; A/B in RESULTS, issue 18 stop 16.)"""
    if problem.kind != "lanes":
        raise NetoptError(f"{problem.name}: first-order neighbours are defined for lanes designs, not {problem.kind}")
    d = (np.asarray(design, np.float64) > 0.5).astype(np.float64)
    out: list[np.ndarray] = []
    ratio = problem.first_order_saving(flow) / np.maximum(problem.costs, 1e-300)
    cost, budget = problem.costs, problem.budget + 1e-9
    on, off = np.nonzero(d)[0], np.nonzero(d == 0)[0]
    ranked_off = off[np.argsort(-ratio[off], kind="stable")]
    adds = ranked_off[:width]
    drops = on[np.argsort(ratio[on], kind="stable")][:width]
    spent = float(cost @ d)
    for j in adds:
        if spent + cost[j] <= budget:
            y = d.copy()
            y[j] = 1.0
            out.append(y)
    for i in drops:
        y, s = d.copy(), spent - cost[i]
        y[i] = 0.0
        for j in adds:
            if s + cost[j] <= budget:
                z = y.copy()
                z[j] = 1.0
                out.append(z)
        for j in ranked_off:  # refill greedily
            if s + cost[j] <= budget:
                y[j] = 1.0
                s += cost[j]
        out.append(y)
    return np.array(out).reshape(-1, problem.size)


def local_round(problem: DesignProblem, fitness, state: DesignState, equilibrium, m: int):
    """One step of first-order local search from ``state.best``: its neighbours not yet seen,
    ranked by fixed-flow TSTT at its equilibrium, the best ``m`` solved (``fitness``) and offered
    to ``state``. Returns ``(designs, objectives)`` solved."""
    best = state.best
    flow = equilibrium(best).flow
    nb = first_order_neighbours(problem, best, flow)
    nb = nb[[design_key(y) not in state.ranked for y in nb]] if len(nb) else nb
    if not len(nb):
        return nb, np.zeros(0)
    picks = nb[np.argsort(problem.fixed_flow_tstt(flow, nb), kind="stable")[:m]]
    pf = fitness.evaluate(picks, [best] * len(picks))
    state.offer(picks, pf)
    return picks, pf


def first_order_designs(problem: DesignProblem, flow: np.ndarray, fractions=(1.0, 0.5, 0.25)) -> list[np.ndarray]:
    """Designs built from :meth:`DesignProblem.first_order_saving`: the candidates that save time,
    best saving per cost first, the top ``fraction`` of them added while they fit (budget, swap pairs)."""
    saving = problem.first_order_saving(flow)
    ranked = [k for k in np.argsort(-saving / np.maximum(problem.costs, 1e-300), kind="stable") if saving[k] > 0]
    out: dict[bytes, np.ndarray] = {}
    for frac in fractions:
        d = problem.empty()
        for k in ranked[: int(np.ceil(frac * len(ranked)))]:
            if problem.addable(d)[k]:
                d[k] = 1.0
        out.setdefault(design_key(d), d)
    return list(out.values())


def pattern_search(problem: DesignProblem, fitness, state: DesignState, step: float = 0.1) -> None:
    """Coordinate pattern search around the best continuous design: try +-step*upper on each
    coordinate, move on improvement, halve the step when none helps."""
    x, fx = state.best.copy(), state.best_obj
    h = step
    while not state.should_stop() and h > 1e-4:
        improved = False
        for k in range(problem.size):
            if state.should_stop():
                break
            for s in (+1.0, -1.0):
                y = x.copy()
                y[k] = np.clip(y[k] + s * h * problem.upper[k], 0.0, problem.upper[k])
                if y[k] == x[k]:
                    continue
                fy = fitness.evaluate(y[None, :], [x])[0]
                state.offer(y[None, :], np.array([fy]))
                if fy < fx - 1e-12:
                    x, fx, improved = y, fy, True
                    break
        state.iterations += 1
        if not improved:
            h /= 2


def enumerate_designs(problem: DesignProblem, fitness, state: DesignState) -> bool:
    """Every feasible binary design in Gray-code order; True when all were evaluated."""
    if not problem.binary:
        raise SolverParameterError("enumeration needs a binary design problem (dndp, lanes or swap)")
    n = problem.size
    if n > MAX_ENUMERATE:
        raise SolverParameterError(f"{n} candidates: enumerating 2^{n} designs is out of reach (at most {MAX_ENUMERATE})")
    prev = None
    for i in range(2**n):
        g = i ^ (i >> 1)
        d = np.array([(g >> k) & 1 for k in range(n)], np.float64)
        if not problem.feasible(d):
            continue
        f = fitness.evaluate(d[None, :], [prev])
        state.offer(d[None, :], f)
        state.iterations += 1
        prev = d
        if state.should_stop():
            return False
    return True


def greedy(problem: DesignProblem, fitness, state: DesignState) -> None:
    if not problem.binary:
        raise SolverParameterError("greedy needs a binary design problem (dndp, lanes or swap)")
    x = problem.empty()
    fx = fitness.evaluate(x[None, :])[0]
    state.offer(x[None, :], np.array([fx]))
    spent = 0.0
    while not state.should_stop():
        options = np.nonzero(problem.addable(x))[0]
        if len(options) == 0:
            break
        cands = np.repeat(x[None, :], len(options), axis=0)
        cands[np.arange(len(options)), options] = 1.0
        f = fitness.evaluate(cands, [x] * len(options))
        state.offer(cands, f)
        ratio = (fx - f) / np.maximum(problem.costs[options], 1e-12)
        best = int(np.argmax(ratio))
        if f[best] >= fx - 1e-12:
            break
        x, fx = cands[best], f[best]
        spent += problem.costs[options[best]]
        state.iterations += 1
    improved = True
    while improved and not state.should_stop():  # 1-1 swaps
        improved = False
        on, off = np.nonzero(x == 1)[0], np.nonzero(x == 0)[0]
        moves = [(i, j) for i in on for j in off if spent - problem.costs[i] + problem.costs[j] <= problem.budget + 1e-9]
        for i, j in moves:
            if state.should_stop():
                break
            y = x.copy()
            y[i], y[j] = 0.0, 1.0
            if not problem.feasible(y):  # swap: j may be the reverse of a chosen road
                continue
            fy = fitness.evaluate(y[None, :], [x])[0]
            state.offer(y[None, :], np.array([fy]))
            if fy < fx - 1e-12:
                x, fx, spent, improved = y, fy, spent - problem.costs[i] + problem.costs[j], True
                state.iterations += 1
                break


def solve_design(
    problem: DesignProblem,
    method: str = "ga",
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    gap: float = 1e-5,
    rescore_gap: float = 1e-8,
    rescore_top: int = 5,
    screen_top: int = 20,
    fitness=None,
    workers: int = 1,
    scheduler: str | None = None,
    progress=None,
    **params,
) -> Result:
    """Run a design search and re-score its best designs with exact UE at ``rescore_gap``.

    TSTT converges more slowly than the relative gap: on Sioux Falls it is off by 2e-5 at gap
    1e-6 and by 2e-7 at 1e-8, hence the tight default re-scoring gap (0.1 s per design there).

    ``fitness`` defaults to exact UE at ``gap`` (in ``workers`` processes, or on the Dask
    cluster at ``scheduler``); a surrogate object with ``evaluate`` can be given instead, and is
    then reported next to the exact objective of the re-scored designs.

    Re-scoring in two steps: the search's best ``screen_top`` designs get their exact objective at
    ``gap`` (nothing to do after an exact search, which has them; one warm-started solve each after
    a surrogate's), and the best ``rescore_top`` of those are solved again at ``rescore_gap`` from
    their own equilibrium. After a surrogate's 4.5 s search on Anaheim's swap problems this takes
    0.25-0.28 s, against 1.3-1.7 s for its best 20 solved at the tight gap one after another.
    """
    resolved = design_params(method, params)  # before any fitness or pool is built
    if not time_limit > 0:
        raise SolverParameterError(f"time limit must be positive seconds, got {time_limit}")
    if rescore_top < 1 or screen_top < 1:
        raise SolverParameterError(f"rescore_top and screen_top must be at least 1, got {rescore_top}, {screen_top}")
    if method == "enumerate":
        gap = min(gap, 1e-6)  # an exact optimum needs designs ranked on well-converged equilibria
    rng = np.random.default_rng(seed)
    state = DesignState(time_limit, progress)
    exact = ExactFitness(problem, gap)
    complete = False
    with ExitStack() as stack:
        if fitness is None and (workers > 1 or scheduler):
            fitness = stack.enter_context(PooledFitness(problem, gap, workers, scheduler))
        fitness = fitness or exact
        with interrupt_guard(state):
            if method == "ga":
                seeds = None
                if resolved.first_order and problem.kind in ("lanes", "swap"):
                    seeds = first_order_designs(problem, exact.equilibrium(problem.empty()).flow)
                # the local search ranks neighbours at exact equilibrium flows: with an exact fitness only
                eq = exact.equilibrium if getattr(fitness, "name", None) == "exact" else None
                genetic(problem, fitness, state, rng, initial=seeds, equilibrium=eq, **resolved)
            elif method == "enumerate":
                complete = enumerate_designs(problem, fitness, state)
            else:
                greedy(problem, fitness, state)
    search_time = state.elapsed()
    if state.best is None:
        raise NetoptError(f"{problem.name}: no design was evaluated within {time_limit:g} s")
    # exact re-scoring of the best designs found (with the exact fitness, whatever searched)
    rescorer = fitness.local if isinstance(fitness, PooledFitness) else exact
    screened = state.top(max(screen_top, rescore_top))
    at_gap = rescorer.evaluate(np.array(screened))
    rescored = []
    for i in np.argsort(at_gap, kind="stable")[:rescore_top]:
        obj, res = rescorer.rescore(screened[i], rescore_gap)
        rescored.append((obj, screened[i], res))
    rescored.sort(key=lambda t: t[0])
    obj, best, res = rescored[0]
    bad = problem.violations(best)
    if bad:  # the searches repair every design: this is a bug, never a result to report
        raise NetoptError(f"{problem.name}: the best design is infeasible: {'; '.join(bad)}")
    status = "optimal" if complete else ("interrupted" if state.interrupted else "time_limit" if state.should_stop() else "feasible")
    solution = {
        "design": problem.design_dict(best),
        "vector": best.tolist(),
        "investment": problem.investment(best),
        "budget": problem.budget,
        "objective_search": state.ranked[design_key(best)][0],
        "objective_exact": obj,
        "tstt": res.tstt,
        "relative_gap": res.relative_gap,
        "rescored": [{"objective_exact": o, "objective_search": state.ranked[design_key(d)][0], "vector": d.tolist()}
                     for o, d, _ in rescored],
    }
    return Result(
        problem=f"ndp-{problem.kind}", instance=problem.name, instance_sha256=problem.network.sha256,
        solver=f"ndp-{method}", params={"gap": gap, "rescore_gap": rescore_gap, "fitness": getattr(fitness, "name", "custom"),
                                        "workers": workers, **resolved},
        seed=seed, status=status, objective=obj, runtime_s=round(state.elapsed(), 4), iterations=state.iterations,
        solution=solution, history=state.history,
        extra={"evaluations": getattr(fitness, "evaluations", None), "search_time_s": round(search_time, 4),
               "designs_seen": len(state.ranked), "screened": len(screened)},
    )
