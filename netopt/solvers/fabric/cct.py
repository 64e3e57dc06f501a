"""Flow-level collective completion time (CCT) under max-min fair sharing.

Every step starts when the previous one has finished (a barrier); within a step all (sub)flows
start together and share links max-min fairly, with rates recomputed whenever a flow completes
(progressive filling, :func:`netopt.solvers.fabric._kernels.maxmin_completion`). Host NIC links
are included. A step's duration times its repeat count, summed over steps, is the CCT in seconds.

Routing per model (leaf-spine only):

``spray``      each flow occupies every live spine path with weight ``1/P`` (fluid spraying);
``ecmp``       each of ``qps`` queue pairs (``size/qps`` bytes) on one uniformly random live spine;
``singlepath`` the equitable-colouring assignment (one spine per flow);
``split``      ``k`` subflows of ``size/k`` bytes on the spines of the minimal-split assignment.

The model materialises flows, so it is meant for up to a few hundred thousand (sub)flows per step
(``max_flows``); larger problems return ``None``.
"""

from __future__ import annotations

import numpy as np

from . import _kernels
from .collectives import Collective
from .errors import FabricInputError, UnsupportedInstanceError
from .topology import TIER_DOWN, TIER_UP, Fabric

__all__ = ["step_completion_time", "completion_time", "flow_links"]


def flow_links(fabric: Fabric, hs, hd, spine, size, spray_mask=None):
    """CSR ``(indptr, links, coef)`` of (sub)flows from host ``hs`` to host ``hd``.

    ``spine[f]`` is the spine of an inter-leaf subflow (ignored for intra-leaf ones); when
    ``spray_mask`` (``F x S`` bool) is given, flow ``f`` is instead sprayed evenly over the spines
    marked in its row.
    """
    N, S, H = fabric.n_hosts, fabric.n_spines, fabric.hosts_per_leaf
    hs = np.asarray(hs, np.int64)
    hd = np.asarray(hd, np.int64)
    la, lb = hs // H, hd // H
    inter = la != lb
    F = hs.size
    if spray_mask is None:
        per = np.where(inter, 4, 2)
    else:
        P = spray_mask.sum(axis=1)
        if np.any(inter & (P == 0)):
            raise FabricInputError("failed", "a flow has no live spine")
        per = np.where(inter, 2 + 2 * P, 2)
    indptr = np.concatenate([[0], np.cumsum(per)]).astype(np.int64)
    links = np.empty(indptr[-1], dtype=np.int64)
    coef = np.ones(indptr[-1])
    links[indptr[:-1]] = hs
    links[indptr[:-1] + 1] = N + hd
    fi = np.flatnonzero(inter)
    if spray_mask is None:
        sp = np.asarray(spine, np.int64)[fi]
        links[indptr[fi] + 2] = fabric.off_up + la[fi] * S + sp
        links[indptr[fi] + 3] = fabric.off_down + lb[fi] * S + sp
    else:
        rows, cols = np.nonzero(spray_mask[fi])
        f = fi[rows]
        order_in_flow = np.arange(rows.size) - np.searchsorted(rows, rows, side="left")
        Pf = P[f]
        base = indptr[f] + 2
        links[base + order_in_flow] = fabric.off_up + la[f] * S + cols
        links[base + Pf + order_in_flow] = fabric.off_down + lb[f] * S + cols
        coef[base + order_in_flow] = 1.0 / Pf
        coef[base + Pf + order_in_flow] = 1.0 / Pf
    return indptr, links, coef, np.asarray(size, np.float64)


def _solve(fabric, indptr, links, coef, size, rtol=1e-9):
    if size.size == 0:
        return 0.0
    cap = np.ascontiguousarray(fabric.capacity)
    if np.any(cap[links] <= 0):
        raise FabricInputError("assignment", "a flow uses a failed link")
    t, _ = _kernels.maxmin_completion(indptr, links, coef, size, cap, rtol)
    return float(t)


def step_completion_time(fabric: Fabric, coll: Collective, t: int, model: str, *, seed: int = 0, qps: int = 1,
                         assignment=None, k: int = 1, max_flows: int = 300_000) -> float | None:
    """Duration (s) of one run of step ``t`` under ``model`` (see the module docstring).

    ``assignment``: the :class:`~netopt.solvers.fabric.models.Assignment` of the step for
    ``singlepath`` (``k=1``) and ``split`` (its ``k``). Returns ``None`` above ``max_flows``.
    """
    if fabric.kind != "leaf-spine":
        raise UnsupportedInstanceError("flow-level completion time is implemented for leaf-spine fabrics")
    n = int((coll.step == t).sum()) + (coll.n_ranks * (coll.n_ranks - 1) if t == 0 and coll.pair_bytes > 0 else 0)
    mult = {"ecmp": qps, "split": k}.get(model, 1)
    if n * mult > max_flows:
        return None
    s, d, z = coll.step_flows(t)
    hs, hd = coll.placement[s], coll.placement[d]
    H, S = fabric.hosts_per_leaf, fabric.n_spines
    la, lb = hs // H, hd // H
    up_live, dn_live = fabric.block(TIER_UP) > 0, fabric.block(TIER_DOWN) > 0
    if model == "spray":
        mask = up_live[la] & dn_live[lb]
        return _solve(fabric, *flow_links(fabric, hs, hd, None, z, spray_mask=mask))
    if model == "ecmp":
        rng = np.random.default_rng(seed)
        hs2, hd2 = np.repeat(hs, qps), np.repeat(hd, qps)
        mask = up_live[hs2 // H] & dn_live[hd2 // H]
        P = mask.sum(axis=1)
        pick = (rng.random(hs2.size) * np.maximum(P, 1)).astype(np.int64)
        # index of the pick-th live spine in each row
        csum = np.cumsum(mask, axis=1)
        spine = np.argmax(csum > pick[:, None], axis=1)
        return _solve(fabric, *flow_links(fabric, hs2, hd2, spine, np.repeat(z / qps, qps)))
    if model in ("singlepath", "split"):
        if assignment is None:
            raise FabricInputError("assignment", f"model {model!r} needs the step's assignment")
        hs2, hd2 = np.repeat(hs, k), np.repeat(hd, k)
        la2, lb2 = hs2 // H, hd2 // H
        inter = la2 != lb2
        spine = np.zeros(hs2.size, dtype=np.int64)
        if hasattr(assignment, "flow_colours"):
            spine[inter] = assignment.flow_colours(la2[inter], lb2[inter])
        else:  # per-flow spine choice from the MILP/greedy (inter-leaf flows in order)
            spine[inter] = np.asarray(assignment, np.int64)
        return _solve(fabric, *flow_links(fabric, hs2, hd2, spine, np.repeat(z / k, k)))
    raise FabricInputError("model", f"unknown model {model!r}")


def completion_time(fabric: Fabric, coll: Collective, model: str, *, assignments=None, k: int = 1, **kw):
    """CCT (s): sum over steps of repeat count times :func:`step_completion_time` (``None`` when a
    step is too large)."""
    total = 0.0
    for t in range(coll.n_steps):
        a = None if assignments is None else assignments[t]
        v = step_completion_time(fabric, coll, t, model, assignment=a, k=k, **kw)
        if v is None:
            return None
        total += v * int(coll.step_repeat[t])
    return total
