"""Run picklable task functions over argument tuples: here, in local processes, or on Dask.

The one engine under everything that fans work out: ``netopt bench run`` (Dask workers), the
design searches' pooled exact fitness (:class:`netopt.solvers.design.fitness.PooledFitness`) and
the GNN training-data generation (:func:`netopt.gnn.data.generate`). It only submits, collects and
reports; the process pool or Dask does the scheduling (and, on Dask, the retries of lost workers).

API
---
``engine(workers=1, scheduler=None)``
    Context manager yielding what :func:`run_tasks` runs on: ``None`` (in-process) for one
    worker, a ``ProcessPoolExecutor`` of ``workers`` spawned processes, or a ``distributed.Client``
    on the scheduler at ``scheduler`` (``"tcp://host:8786"``). Shut down on exit.
``dask_client(workers=None, scheduler=None)``
    Context manager yielding a ``distributed.Client``: connected to ``scheduler`` when given,
    else to a fresh ``LocalCluster`` with ``workers`` single-threaded worker *processes*
    (default: one per core). Closed on exit.
``run_tasks(fn, items, runner=None, *, retries=2)``
    Calls ``fn(*item)`` for every tuple in ``items`` and yields an :class:`Outcome`
    ``(index, args, value, error)`` as each finishes, in completion order. ``runner`` is ``None``
    (the calls run here, one after the other; neither Dask nor a pool is needed), a
    ``concurrent.futures.Executor`` or a ``distributed.Client`` (``fn`` must then be a top-level
    function importable in the workers, its arguments and return value picklable; on Dask a
    worker that dies is retried ``retries`` times). An exception in ``fn`` (or a task lost for
    good) never escapes: it is the outcome's ``error``. Leaving the loop early cancels what is
    still pending.

Dask is optional (``pip install "netopt[dist]"``) and imported only when a cluster is used; without it
a cluster request is a :class:`~netopt.exceptions.MissingDependencyError` (exit 4).

Examples
--------
>>> sorted(o.value for o in run_tasks(pow, [(2, 3), (3, 2)]))      # runner=None: in-process
[8, 9]
>>> [type(o.error).__name__ for o in run_tasks(divmod, [(1, 0)])]
['ZeroDivisionError']
>>> with engine(workers=1) as runner:                               # one worker: in-process
...     runner is None
True

On a cluster::

    with dask_client(workers=4) as client:          # or scheduler="tcp://host:8786"
        for o in run_tasks(my_module.evaluate, [(x, seed) for x in xs], client):
            ...  # o.index, o.value or o.error, as they complete
"""

from __future__ import annotations

import logging
import os
import uuid
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from .exceptions import MissingDependencyError, NetoptError


class ParallelError(NetoptError):
    """Parallel work that cannot start: an unreachable scheduler, fewer than one worker."""

    exit_code = 2


class Outcome(NamedTuple):
    """One finished task: its position in ``items``, its arguments, and its value or error."""

    index: int
    args: tuple
    value: Any
    error: BaseException | None


def require_dask():
    """Import ``distributed`` or raise :class:`MissingDependencyError` saying how to install it."""
    try:
        import distributed
    except ImportError as e:
        raise MissingDependencyError(
            f'running on a Dask cluster needs Dask ({e.name or "distributed"} is missing): pip install "netopt[dist]"'
        ) from None
    return distributed


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None, *, timeout: float = 10.0):
    """A ``distributed.Client`` on an existing scheduler, or on a new local cluster.

    Parameters
    ----------
    workers
        Local worker processes (one thread each); default one per core. Ignored with ``scheduler``.
    scheduler
        Address of a running Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``. Its workers need
        netopt installed and the input files at the same paths (a shared filesystem).
    timeout
        Seconds to wait for the scheduler before raising :class:`ParallelError`.
    """
    distributed = require_dask()
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise ParallelError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
        try:
            yield client
        finally:
            client.close()
        return
    if workers is not None and workers < 1:
        raise ParallelError(f"--workers must be at least 1, got {workers}")
    cluster = distributed.LocalCluster(
        n_workers=workers or default_workers(),
        threads_per_worker=1,  # solvers are single-threaded; one task per process
        processes=True,
        dashboard_address=":0",  # a free port: several clusters may run side by side
        silence_logs=logging.ERROR,
    )
    try:
        client = distributed.Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


@contextmanager
def engine(workers: int = 1, scheduler: str | None = None):
    """What :func:`run_tasks` runs on: the Dask cluster at ``scheduler`` when given, else
    ``workers`` spawned local processes, else (one worker) ``None``, in-process."""
    if scheduler:
        with dask_client(scheduler=scheduler) as client:
            yield client
        return
    if workers < 1:
        raise ParallelError(f"--workers must be at least 1, got {workers}")
    if workers == 1:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def run_tasks(
    fn: Callable[..., Any],
    items: Iterable[tuple],
    runner=None,
    *,
    retries: int = 2,
    key_prefix: str | None = None,
) -> Iterator[Outcome]:
    """Yield an :class:`Outcome` for ``fn(*item)`` of every item, in completion order.

    See the module docstring; ``key_prefix`` names the Dask tasks (visible in the dashboard).
    """
    items = [tuple(it) for it in items]
    if runner is None:
        for i, args in enumerate(items):
            try:
                yield Outcome(i, args, fn(*args), None)
            except Exception as e:
                yield Outcome(i, args, None, e)
        return
    if isinstance(runner, Executor):
        yield from _run_on_executor(fn, items, runner)
        return

    distributed = require_dask()
    prefix = key_prefix or getattr(fn, "__name__", "task")
    token = uuid.uuid4().hex[:10]
    index = {}
    futures = []
    for i, args in enumerate(items):
        fut = runner.submit(fn, *args, key=f"{prefix}-{token}-{i}", retries=retries, pure=False)
        index[fut.key] = i
        futures.append(fut)
    pending = set(futures)
    try:
        for fut in distributed.as_completed(futures, loop=runner.loop):
            pending.discard(fut)
            i = index[fut.key]
            try:
                value = fut.result()
            except Exception as e:  # raised in fn after retries, KilledWorker, CancelledError ...
                yield Outcome(i, items[i], None, e)
            else:
                yield Outcome(i, items[i], value, None)
            fut.release()
    finally:
        if pending:
            runner.cancel(list(pending))


def _run_on_executor(fn, items: list[tuple], pool: Executor) -> Iterator[Outcome]:
    from concurrent.futures import as_completed

    futures = {pool.submit(fn, *args): i for i, args in enumerate(items)}
    pending = set(futures)
    try:
        for fut in as_completed(futures):
            pending.discard(fut)
            i = futures[fut]
            try:
                value = fut.result()
            except Exception as e:  # raised in fn, or a broken pool
                yield Outcome(i, items[i], None, e)
            else:
                yield Outcome(i, items[i], value, None)
    finally:
        for fut in pending:
            fut.cancel()


__all__ = ["Outcome", "ParallelError", "dask_client", "default_workers", "engine", "require_dask", "run_tasks"]
