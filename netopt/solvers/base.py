"""Solver protocol, declared parameters, and the search state every solver reports into.

A solver is a class with ``name``, ``problem``, ``description``, declared ``params`` and

* ``supports(instance) -> str``: empty when it can solve ``instance``, else the reason;
* ``_solve(instance, state, initial, **params)``: search, calling ``state.improve`` on each
  new best solution and stopping when ``state.should_stop()``.

:meth:`Solver.solve` wraps that with parameter validation, the feasibility pre-check,
Ctrl-C handling (the first Ctrl-C stops the search and returns the best solution so far)
and the independent validation of the final routes, so every solver's ``Result`` is
built the same way.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Sequence

from ..exceptions import SolverParameterError, UnsupportedInstanceError
from ..model import Result, RoutingInstance, RoutingSolution


@dataclass(frozen=True)
class Param:
    """A declared solver parameter; ``choices`` restricts its values."""

    type: type
    default: Any
    help: str
    choices: tuple | None = None

    def convert(self, solver: str, name: str, value: Any) -> Any:
        if self.type is bool and isinstance(value, str):
            low = value.strip().lower()
            if low not in ("1", "0", "true", "false", "yes", "no"):
                raise SolverParameterError(f"solver {solver}: parameter {name}: expected true/false, got {value!r}")
            value = low in ("1", "true", "yes")
        try:
            value = self.type(value)
        except (TypeError, ValueError):
            raise SolverParameterError(
                f"solver {solver}: parameter {name}: expected {self.type.__name__}, got {value!r}"
            ) from None
        if self.choices and value not in self.choices:
            raise SolverParameterError(
                f"solver {solver}: parameter {name}: {value!r} is not one of {', '.join(map(str, self.choices))}"
            )
        return value


ProgressFn = Callable[["SearchState"], None]


class SearchState:
    """Incumbent, history and stopping rules shared by a solver and its caller.

    ``improve(cost, routes)`` records a new best (feasible) solution; ``should_stop()``
    is True past the time limit, past ``max_iterations`` or after Ctrl-C.
    """

    def __init__(self, time_limit: float, max_iterations: int | None = None, progress: ProgressFn | None = None):
        if not time_limit > 0:
            raise SolverParameterError(f"time limit must be positive seconds, got {time_limit!r}")
        self.time_limit = float(time_limit)
        self.max_iterations = max_iterations
        self.progress = progress
        self.start = time.perf_counter()
        self.iterations = 0
        self.best_cost: float | None = None
        self.best_routes: list[list[int]] | None = None
        self.history: list[list[float]] = []
        self.interrupted = False
        self.timed_out = False

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def remaining(self) -> float:
        return max(0.0, self.time_limit - self.elapsed())

    def improve(self, cost: float, routes: Sequence[Sequence[int]]) -> bool:
        """Offer a solution; keeps it when it beats the incumbent. Returns True when kept."""
        if self.best_cost is not None and cost >= self.best_cost - 1e-12:
            return False
        self.best_cost = float(cost)
        self.best_routes = [list(map(int, r)) for r in routes if len(r)]
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
    params: ClassVar[dict[str, Param]] = {}
    #: True when the solver can prove optimality (then ``status`` may be ``optimal``)
    exact: ClassVar[bool] = False

    def supports(self, instance: RoutingInstance) -> str:
        """Empty string when ``instance`` can be solved, else a one-line reason."""
        return ""

    def resolve_params(self, given: dict[str, Any]) -> dict[str, Any]:
        """Defaults merged with ``given`` (strings are converted); unknown names fail loudly."""
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            valid = ", ".join(sorted(self.params)) or "none"
            raise SolverParameterError(f"solver {self.name}: unknown parameter {unknown[0]!r} (valid: {valid})")
        out = {k: p.default for k, p in self.params.items()}
        for k, v in given.items():
            out[k] = self.params[k].convert(self.name, k, v)
        return out

    def solve(
        self,
        instance: RoutingInstance,
        *,
        time_limit: float = 10.0,
        seed: int = 0,
        max_iterations: int | None = None,
        initial: RoutingSolution | None = None,
        progress: ProgressFn | None = None,
        **params: Any,
    ) -> Result:
        """Solve ``instance`` within ``time_limit`` seconds; same seed, same result.

        The returned routes went through :func:`netopt.validate.check_routes`; an
        infeasible outcome has ``objective=None`` and the violations in ``message``.
        """
        why = self.supports(instance)
        if why:
            raise UnsupportedInstanceError(f"solver {self.name} cannot solve {instance.name}: {why}")
        resolved = self.resolve_params(params)
        instance.check_feasible()
        compile_s = self.prepare(resolved, instance)  # JIT compilation / model loading is not charged to the time limit
        state = SearchState(time_limit, max_iterations, progress)
        if initial is not None and initial.is_feasible:
            state.improve(initial.cost, initial.routes)
        with interrupt_guard(state):
            extra = self._solve(instance, state, seed=seed, initial=initial, **resolved) or {}
        extra["compile_s"] = round(compile_s, 4)
        return self._result(instance, state, resolved, seed, extra)

    def prepare(self, params: dict[str, Any] | None = None, instance: RoutingInstance | None = None) -> float:
        """One-off set-up before the clock starts (compiling Numba kernels, loading a model for the
        resolved ``params`` and, where it matters, the kind of ``instance``); returns seconds spent.
        Repeated calls are cheap."""
        return 0.0

    def _solve(self, instance, state: SearchState, *, seed: int, initial, **params) -> dict | None:
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
        sol = RoutingSolution(instance, state.best_routes)
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
