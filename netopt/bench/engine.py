"""Run picklable task functions over argument tuples on a Dask cluster.

This is the small engine under ``netopt bench run``; NDP training-data generation and
design-fitness batches reuse it when a scheduler is given. Dask does the scheduling,
retries and worker management; this module only submits, collects and reports.

API
---
``dask_client(workers=None, scheduler=None)``
    Context manager yielding a ``distributed.Client``: connected to ``scheduler``
    (``"tcp://host:8786"``) when given, else to a fresh ``LocalCluster`` with ``workers``
    single-threaded worker *processes* (default: one per core). Closed on exit.
``run_tasks(fn, items, client=None, *, retries=2)``
    Calls ``fn(*item)`` for every tuple in ``items`` and yields an :class:`Outcome`
    ``(index, args, value, error)`` as each finishes, in completion order. With a client
    the calls run on its workers (``fn`` must be a top-level function importable there,
    its arguments and return value picklable); a worker that dies is retried ``retries``
    times by Dask. With ``client=None`` the calls run here, one after the other, and
    Dask is not needed. An exception in ``fn`` (or a task lost for good) never escapes:
    it is the outcome's ``error``. Leaving the loop early cancels what is still pending.

Examples
--------
>>> from netopt.bench import run_tasks
>>> sorted(o.value for o in run_tasks(pow, [(2, 3), (3, 2)]))      # client=None: in-process
[8, 9]
>>> [type(o.error).__name__ for o in run_tasks(divmod, [(1, 0)])]
['ZeroDivisionError']

On a cluster::

    with dask_client(workers=4) as client:          # or scheduler="tcp://host:8786"
        for o in run_tasks(my_module.evaluate, [(x, seed) for x in xs], client):
            ...  # o.index, o.value or o.error, as they complete
"""

from __future__ import annotations

import logging
import os
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from ..exceptions import MissingDependencyError, NetoptError


class BenchError(NetoptError):
    """A benchmark request that cannot be carried out (no instance matched, unreachable scheduler ...)."""

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
            f'running benchmarks needs Dask ({e.name or "distributed"} is missing): pip install "netopt[dist]"'
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
        netopt installed and the instance files at the same paths (a shared filesystem).
    timeout
        Seconds to wait for the scheduler before raising :class:`BenchError`.
    """
    distributed = require_dask()
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise BenchError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
        try:
            yield client
        finally:
            client.close()
        return
    if workers is not None and workers < 1:
        raise BenchError(f"--workers must be at least 1, got {workers}")
    cluster = distributed.LocalCluster(
        n_workers=workers or default_workers(),
        threads_per_worker=1,  # solvers are single-threaded; one run per process
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


def run_tasks(
    fn: Callable[..., Any],
    items: Iterable[tuple],
    client=None,
    *,
    retries: int = 2,
    key_prefix: str | None = None,
) -> Iterator[Outcome]:
    """Yield an :class:`Outcome` for ``fn(*item)`` of every item, in completion order.

    See the module docstring; ``key_prefix`` names the Dask tasks (visible in the dashboard).
    """
    items = [tuple(it) for it in items]
    if client is None:
        for i, args in enumerate(items):
            try:
                yield Outcome(i, args, fn(*args), None)
            except Exception as e:
                yield Outcome(i, args, None, e)
        return

    distributed = require_dask()
    prefix = key_prefix or getattr(fn, "__name__", "task")
    token = uuid.uuid4().hex[:10]
    index = {}
    futures = []
    for i, args in enumerate(items):
        fut = client.submit(fn, *args, key=f"{prefix}-{token}-{i}", retries=retries, pure=False)
        index[fut.key] = i
        futures.append(fut)
    pending = set(futures)
    try:
        for fut in distributed.as_completed(futures, loop=client.loop):
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
            client.cancel(list(pending))
