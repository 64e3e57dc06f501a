"""How netopt compiles its hot Numba kernels: :func:`kernel`.

``kernel`` is ``numba.njit(cache=True)`` without Numba's reference counting (its runtime, NRT). With
NRT, a call from one compiled function to another increments and decrements the count of every array
it passes (a named tuple of arrays: of each), and so does every read of an array field of a named tuple,
each an atomic operation; the routing search calls small kernels with two dozen arrays some million
times a second and spent 43 % of its samples there (``perf``, on a PCVRPTW instance). Without NRT the
same code runs twice as many iterations a second, with identical results.

The price: a kernel compiled this way cannot allocate an array (``np.empty``, ``np.zeros``, a copy; Numba
refuses to compile one that does) and must not keep an array returned by a kernel that allocated it
(nothing would free it). Kernels that allocate stay ``njit(cache=True)`` and are called from Python only.
Slices and views of the arrays a kernel was given are fine: Python owns those arrays for the call.
"""

from __future__ import annotations

from numba import njit


def kernel(fn=None, **options):
    """``@kernel`` or ``@kernel(inline="always")``: ``njit(cache=True, **options)`` without reference
    counting (see the module's docstring)."""
    options = {"cache": True, "_nrt": False, **options}
    return njit(**options) if fn is None else njit(fn, **options)
