"""Solver protocol, declared parameters, and the search state every solver reports into.

A solver is a class with ``name``, ``problem``, ``description``, declared ``params`` (a
:class:`~netopt.params.ParamSpace`: types, defaults, ranges) and

* ``supports(instance) -> str``: empty when it can solve ``instance``, else the reason;
* ``_solve(instance, state, *, seed, initial, params)``: search, calling ``state.improve`` on each
  new best solution and stopping when ``state.should_stop()``. All run state lives in locals or a
  run object, never on the solver, so one solver object can run several searches at once.

:meth:`Solver.solve` wraps that with parameter and warm-start validation, the feasibility pre-check,
Ctrl-C handling (the first Ctrl-C stops the search and returns the best solution so far)
and the independent validation of the final routes, so every solver's ``Result`` is
built the same way.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, ClassVar, Sequence

from ..exceptions import SolverParameterError, UnsupportedInstanceError
from ..model import Result, RoutingInstance, RoutingSolution
from ..params import Params, ParamSpace
from ..validate import check_routes
from .warm_start import warm_start_routes


ProgressFn = Callable[["SearchState"], None]


def check_limits(time_limit: float, max_iterations: int | None = None, seed: int = 0) -> None:
    """Time limit (positive, finite seconds), iteration cap (>= 1) and seed (0 <= seed < 2**63) or a clear error."""
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not 0 < time_limit < math.inf:
        raise SolverParameterError(f"time limit must be positive, finite seconds, got {time_limit!r}")
    if max_iterations is not None and (isinstance(max_iterations, bool) or not isinstance(max_iterations, int)
                                       or max_iterations < 1):
        raise SolverParameterError(f"max iterations must be an integer >= 1, got {max_iterations!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise SolverParameterError(f"seed must be an integer in 0..2^63-1, got {seed!r}")


class SearchState:
    """Incumbent, history and stopping rules shared by a solver and its caller.

    ``improve(cost, routes)`` records a new best (feasible) solution; ``should_stop()``
    is True past the time limit, past ``max_iterations`` or after Ctrl-C.
    """

    def __init__(self, time_limit: float, max_iterations: int | None = None, progress: ProgressFn | None = None,
                 start: float | None = None):
        check_limits(time_limit, max_iterations)
        self.time_limit = float(time_limit)
        self.max_iterations = max_iterations
        self.progress = progress
        #: ``time.perf_counter()`` when the clock started (earlier than now when work before the
        #: search, e.g. a learned warm start, counts against the time limit)
        self.start = time.perf_counter() if start is None else float(start)
        self.iterations = 0
        self.best_cost: float | None = None
        self.best_routes: list[list[int]] | None = None
        self.best_types: list[int] | None = None  # the vehicle type of each best route (rich instances)
        self.history: list[list[float]] = []
        self.interrupted = False
        self.timed_out = False

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def remaining(self) -> float:
        return max(0.0, self.time_limit - self.elapsed())

    def improve(self, cost: float, routes: Sequence[Sequence[int]], vehicle_types: Sequence[int] | None = None) -> bool:
        """Offer a solution (with the vehicle type of each route when the instance has several);
        keeps it when it beats the incumbent. Returns True when kept."""
        if self.best_cost is not None and cost >= self.best_cost - 1e-12:
            return False
        self.best_cost = float(cost)
        self.best_routes = [list(map(int, r)) for r in routes if len(r)]
        self.best_types = None if vehicle_types is None else [int(k) for r, k in zip(routes, vehicle_types) if len(r)]
        self.history.append([round(self.elapsed(), 4), float(cost)])
        if self.progress is not None:
            self.progress(self)
        return True

    def tick(self, n: int = 1) -> None:
        self.iterations += n
        if self.progress is not None:
            self.progress(self)

    def should_stop(self) -> bool:
        if self.interrupted:
            return True
        if self.max_iterations is not None and self.iterations >= self.max_iterations:
            return True
        if self.elapsed() >= self.time_limit:
            self.timed_out = True
            return True
        return False


@contextmanager
def interrupt_guard(state: SearchState):
    """First Ctrl-C sets ``state.interrupted`` (the search stops, best so far is returned);
    a second one raises KeyboardInterrupt as usual. No-op outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if state.interrupted:
            raise KeyboardInterrupt
        state.interrupted = True

    old = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


class Solver:
    """Base class of routing solvers; subclasses set the class attributes and ``_solve``."""

    name: ClassVar[str] = ""
    problem: ClassVar[str] = "routing"
    description: ClassVar[str] = ""
    params: ClassVar[ParamSpace] = ParamSpace("solver", {})
    #: the rich-VRP features (:attr:`RoutingInstance.features`) this solver models; others are refused
    features: ClassVar[frozenset[str]] = frozenset()
    #: whether warm starts are taken on instances with such features (each route with its vehicle type)
    rich_warm_starts: ClassVar[bool] = False

    def supports(self, instance: RoutingInstance) -> str:
        """Empty string when ``instance`` can be solved, else a one-line reason."""
        return ""

    def check_instance(self, instance: RoutingInstance) -> None:
        """Raise before any work (compilation included) when ``instance`` is provably infeasible
        (:class:`~netopt.exceptions.InfeasibleInstanceError`, whichever solver is asked) or this solver
        cannot solve it (:class:`~netopt.exceptions.UnsupportedInstanceError`, with the reason)."""
        instance.check_feasible()
        missing = self.unsupported_features(instance)
        why = f"it does not model {', '.join(missing)} ({instance.variant})" if missing else self.supports(instance)
        if why:
            raise UnsupportedInstanceError(f"solver {self.name} cannot solve {instance.name}: {why}")

    def unsupported_features(self, instance: RoutingInstance) -> list[str]:
        """The features of ``instance`` this solver does not model (never solved by ignoring them)."""
        return [f for f in instance.features if f not in self.features]

    def resolve_params(self, given: dict[str, Any] | None = None) -> Params:
        """Defaults merged with ``given``, converted and range-checked (:class:`~netopt.params.ParamSpace`);
        unknown names and out-of-range values fail loudly, before any work."""
        return self.params.resolve(given)

    def solve(
        self,
        instance: RoutingInstance,
        *,
        time_limit: float = 10.0,
        seed: int = 0,
        max_iterations: int | None = None,
        initial: RoutingSolution | Sequence[RoutingSolution] | None = None,
        progress: ProgressFn | None = None,
        clock_start: float | None = None,
        **params: Any,
    ) -> Result:
        """Solve ``instance`` within ``time_limit`` seconds; same seed, same result.

        ``params`` are this solver's declared parameters (:attr:`params`), checked before any work.
        ``initial`` is one warm-start solution or several (e.g. a learned policy's): each is checked
        against the instance, repaired where it repeats or misses customers (with a
        :class:`~netopt.exceptions.NetoptWarning`), and seeds the search. ``clock_start`` (a
        ``time.perf_counter()`` value) starts the clock earlier, when work done before the call
        counts against ``time_limit``; call :meth:`prepare` before that work then.

        The returned routes went through :func:`netopt.validate.check_routes`; an
        infeasible outcome has ``objective=None`` and the violations in ``message``.
        """
        check_limits(time_limit, max_iterations, seed)
        resolved = self.resolve_params(params)
        self.check_instance(instance)
        if initial is not None and instance.features and not self.rich_warm_starts:
            raise UnsupportedInstanceError(f"solver {self.name}: warm starts are for CVRP, VRPTW and TSP instances, "
                                           f"not {instance.variant} ({instance.name}); solver ils takes them")
        starts = warm_start_routes(instance, initial)
        compile_s = self.prepare(resolved, instance)  # JIT compilation / model loading is not charged to the time limit
        state = SearchState(time_limit, max_iterations, progress, start=clock_start)
        for routes in starts:
            rep = check_routes(instance, routes, vehicle_types=routes.vehicle_types)
            if rep.feasible:
                state.improve(rep.cost, routes, routes.vehicle_types)
        with interrupt_guard(state):
            extra = self._solve(instance, state, seed=seed, initial=starts, params=resolved) or {}
        extra["compile_s"] = round(compile_s, 4)
        return self._result(instance, state, resolved.to_json(), seed, extra)

    def prepare(self, params: Params | None = None, instance: RoutingInstance | None = None) -> float:
        """One-off set-up before the clock starts (compiling Numba kernels, loading a model for the
        resolved ``params`` and, where it matters, the kind of ``instance``); returns seconds spent.
        Repeated calls are cheap."""
        return 0.0

    def _solve(self, instance: RoutingInstance, state: SearchState, *, seed: int,
               initial: list[list[list[int]]], params: Params) -> dict | None:
        """Search, calling ``state.improve`` on each new best; ``initial`` holds checked warm starts
        (routes of customer indices); returns extra facts for ``Result.extra``."""
        raise NotImplementedError

    def _result(self, instance, state: SearchState, params: dict, seed: int, extra: dict) -> Result:
        runtime = state.elapsed()
        common = dict(
            problem=instance.problem,
            instance=instance.name,
            instance_sha256=instance.sha256,
            solver=self.name,
            params=params,
            seed=seed,
            runtime_s=round(runtime, 4),
            iterations=state.iterations,
            history=state.history,
            extra=extra,
        )
        if state.best_routes is None:
            return Result(status="infeasible", objective=None, message="no feasible solution found", **common)
        sol = RoutingSolution(instance, state.best_routes, state.best_types)
        if not sol.is_feasible:  # a solver bug: never report it as a solution
            return Result(
                status="error", objective=None, solution=sol.to_dict(),
                message="solver returned an invalid solution: " + "; ".join(sol.violations()[:3]), **common,
            )
        if abs(sol.cost - state.best_cost) > 1e-6 * max(1.0, abs(sol.cost)):
            return Result(
                status="error", objective=None, solution=sol.to_dict(),
                message=f"solver reported cost {state.best_cost} but the routes cost {sol.cost}", **common,
            )
        if state.interrupted:
            status = "interrupted"
        elif extra.pop("optimal", False):
            status = "optimal"
        elif state.timed_out:
            status = "time_limit"
        else:
            status = "feasible"
        return Result(status=status, objective=round(sol.cost, 9), solution=sol.to_dict(), **common)
