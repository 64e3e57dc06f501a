"""How netopt compiles its hot Numba kernels: :func:`kernel`.

``kernel`` is ``numba.njit(cache=True)`` without Numba's reference counting (its runtime, NRT). With
NRT, a call from one compiled function to another increments and decrements the count of every array
it passes (a named tuple of arrays: of each), and so does every read of an array field of a named tuple,
each an atomic operation; the routing search calls small kernels with two dozen arrays some million
times a second and spent 43 % of its samples there (``perf``, on a PCVRPTW instance). Without NRT the
same code makes about twice as many routing ILS iterations a second (the TSP search 1.3 times as many),
with identical results.

The price: a ``kernel`` cannot allocate an array (``np.empty``, ``np.zeros``, a copy, a slice assignment
that may need a temporary; Numba refuses to compile one that does). A kernel that allocates is
``njit(cache=True, _nrt=True)``, explicitly: a kernel without its own setting inherits its caller's, so
one called from a ``kernel`` would compile without NRT and fail. Such a kernel may be called from a
``kernel`` as long as it returns no array it allocated (nothing would free it; ``tests/test_jit.py``
counts Numba's allocations over a solve of every routing variant). Slices and views of the arrays a
kernel was given are fine: their owner outlives the call.

Numba's cache does not see these options: each module of kernels passes this file to
:func:`~netopt._numba_cache.drop_stale`, so that its cached kernels go when the options change.
"""

from __future__ import annotations

from numba import njit


def kernel(fn=None, **options):
    """``@kernel`` or ``@kernel(inline="always")``: ``njit(cache=True, **options)`` without reference
    counting (see the module's docstring)."""
    options = {"cache": True, "_nrt": False, **options}
    return njit(**options) if fn is None else njit(fn, **options)
