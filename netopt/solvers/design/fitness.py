"""Fitness of designs: exact user equilibrium (with a cache and warm starts), and the interface a
surrogate (the GNN) implements.

A fitness maps a batch of designs ``(k, candidates)`` to objectives ``(k,)``. The search methods
only call ``evaluate``; ``ExactFitness.rescore`` re-solves chosen designs at a tight gap.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import ExitStack
from typing import Protocol

import numpy as np

from ...parallel import engine, run_tasks
from ..assignment import Assignment, assign
from .problems import DesignProblem


class Fitness(Protocol):
    """What the design searches need; a GNN surrogate implements the same."""

    name: str
    evaluations: int

    def evaluate(self, designs: np.ndarray, parents: list | None = None) -> np.ndarray: ...


def design_key(design: np.ndarray) -> bytes:
    return np.round(np.asarray(design, np.float64), 9).tobytes()


class ExactFitness:
    """Objective from user equilibrium solved to ``gap``; each design is solved once (cached).

    Warm starts: a design starts from the equilibrium of its parent when given (``parents``),
    else from the last design solved; keeps up to ``keep`` equilibria for that.
    """

    name = "exact"

    def __init__(self, problem: DesignProblem, gap: float = 1e-5, method: str = "gp", keep: int = 256):
        self.problem = problem
        self.gap = gap
        self.method = method
        self.keep = keep
        self.cache: dict[bytes, float] = {}
        self.states: OrderedDict[bytes, Assignment] = OrderedDict()
        self.last: Assignment | None = None
        self.evaluations = 0  # UE solves

    def _solve(self, design: np.ndarray, warm: Assignment | None, gap: float) -> Assignment:
        net, is_open = self.problem.network_for(design)
        return assign(net, self.method, gap=gap, is_open=is_open, warm_start=warm)

    def evaluate(self, designs, parents=None) -> np.ndarray:
        designs = np.atleast_2d(np.asarray(designs, np.float64))
        out = np.empty(len(designs))
        for i, d in enumerate(designs):
            key = design_key(d)
            if key in self.cache:
                out[i] = self.cache[key]
                continue
            warm = self.last
            if parents is not None and parents[i] is not None:
                warm = self.states.get(design_key(parents[i]), warm)
            res = self._solve(d, warm, self.gap)
            self.evaluations += 1
            self.last = res
            self.states[key] = res
            if len(self.states) > self.keep:
                self.states.popitem(last=False)
            out[i] = self.cache[key] = self.problem.objective(res.tstt, d)
        return out

    def equilibrium(self, design: np.ndarray) -> Assignment:
        """The equilibrium of a design at the search gap (kept from the search, else solved now)."""
        key = design_key(design)
        if key not in self.states:
            self.cache.pop(key, None)
            self.evaluate(np.asarray(design, np.float64)[None, :])
        return self.states[key]

    def rescore(self, design: np.ndarray, gap: float = 1e-8) -> tuple[float, Assignment]:
        """Exact objective at a tight gap (warm-started from the search's equilibrium)."""
        key = design_key(design)
        res = self._solve(design, self.states.get(key, self.last), gap)
        return self.problem.objective(res.tstt, design), res


def evaluate_designs_task(problem: DesignProblem, designs: np.ndarray, gap: float) -> np.ndarray:
    """Top-level (picklable) task for process pools and Dask workers: a fresh exact fitness."""
    return ExactFitness(problem, gap=gap).evaluate(designs)


class PooledFitness:
    """Exact fitness evaluated in parallel, on :func:`netopt.parallel.engine`: local processes, or a
    Dask cluster when a scheduler address is given (the same engine as ``netopt bench``). Use it
    in a ``with`` block (the pool lives for the block). Results are cached here; each worker
    solves its chunk with warm starts between the designs of that chunk."""

    name = "exact"

    def __init__(self, problem: DesignProblem, gap: float = 1e-5, workers: int = 2, scheduler: str | None = None):
        self.problem, self.gap, self.workers, self.scheduler = problem, gap, max(1, workers), scheduler
        self.local = ExactFitness(problem, gap)  # the cache, and rescoring
        self.evaluations = 0
        self._stack: ExitStack | None = None
        self._runner = None

    def __enter__(self):
        self._stack = ExitStack()
        self._runner = self._stack.enter_context(engine(self.workers, self.scheduler))
        return self

    def __exit__(self, *exc):
        stack, self._stack, self._runner = self._stack, None, None
        return stack.__exit__(*exc) if stack is not None else False

    def evaluate(self, designs, parents=None) -> np.ndarray:
        designs = np.atleast_2d(np.asarray(designs, np.float64))
        keys = [design_key(d) for d in designs]
        todo = list(dict.fromkeys(k for k in keys if k not in self.local.cache))
        if todo:
            rows = {k: d for k, d in zip(keys, designs)}
            chunks = [np.array([rows[k] for k in todo[i:: self.workers]]) for i in range(min(self.workers, len(todo)))]
            key_chunks = [todo[i:: self.workers] for i in range(len(chunks))]
            if self._stack is None:
                raise RuntimeError("PooledFitness.evaluate outside its `with` block")
            values = [None] * len(chunks)
            for o in run_tasks(evaluate_designs_task, [(self.problem, c, self.gap) for c in chunks], self._runner):
                if o.error is not None:
                    raise o.error
                values[o.index] = o.value
            for ks, vs in zip(key_chunks, values):
                for k, v in zip(ks, vs):
                    self.local.cache[k] = float(v)
            self.evaluations += len(todo)
        return np.array([self.local.cache[k] for k in keys])

    def rescore(self, design, gap=1e-8):
        return self.local.rescore(design, gap)
