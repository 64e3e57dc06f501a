"""Unsplit routing of flows with unequal sizes (or on failed / unequal-capacity leaf-spines).

``milp``: minimise ``z`` subject to every flow on exactly one live spine and
``sum(size * x) <= z * capacity`` on every leaf-spine link; OR-Tools' SCIP through
``pywraplp`` (imported here, lazily, so that importing :mod:`netopt.solvers.fabric` does not load
OR-Tools). ``greedy``: flows in decreasing size, each onto the live spine that minimises the
resulting max congestion of its two links.
"""

from __future__ import annotations

import numpy as np

from .errors import FabricInputError, UnsupportedInstanceError
from .results import ModelResult, StepLoads, congestion_of_loads
from .topology import TIER_DOWN, TIER_UP

MAX_MILP_FLOWS = 5000


def _step_flows(fabric, coll, st):
    from .skew import network_flows

    hs, hd, z = network_flows(fabric, coll, st.step)
    la, lb = fabric.leaf_of(hs), fabric.leaf_of(hd)
    keep = la != lb
    return la[keep], lb[keep], z[keep]


def _greedy(up_cap, dn_cap, la, lb, z):
    L, S = up_cap.shape
    up = np.zeros((L, S))
    dn = np.zeros((L, S))
    choice = np.empty(la.size, dtype=np.int64)
    inv_u = np.divide(1.0, up_cap, out=np.full_like(up_cap, np.inf), where=up_cap > 0)
    inv_d = np.divide(1.0, dn_cap, out=np.full_like(dn_cap, np.inf), where=dn_cap > 0)
    for f in np.argsort(-z, kind="stable"):
        a, b, w = la[f], lb[f], z[f]
        c = np.maximum((up[a] + w) * inv_u[a], (dn[b] + w) * inv_d[b])
        s = int(np.argmin(c))
        if not np.isfinite(c[s]):
            raise FabricInputError("failed", f"leaves {a} and {b} have no common live spine")
        choice[f] = s
        up[a, s] += w
        dn[b, s] += w
    return choice, up, dn


def _milp(up_cap, dn_cap, la, lb, z, time_limit):
    from ortools.linear_solver import pywraplp

    L, S = up_cap.shape
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover
        raise UnsupportedInstanceError("OR-Tools SCIP is not available")
    solver.SetTimeLimit(int(time_limit * 1000))
    scale = float(z.max())
    x = {}
    for f in range(la.size):
        opts = [s for s in range(S) if up_cap[la[f], s] > 0 and dn_cap[lb[f], s] > 0]
        if not opts:
            raise FabricInputError("failed", f"leaves {la[f]} and {lb[f]} have no common live spine")
        for s in opts:
            x[f, s] = solver.BoolVar(f"x{f}_{s}")
        solver.Add(sum(x[f, s] for s in opts) == 1)
    zvar = solver.NumVar(0, solver.infinity(), "z")
    up_terms: dict = {}
    dn_terms: dict = {}
    for (f, s), var in x.items():
        up_terms.setdefault((la[f], s), []).append(z[f] / scale * var)
        dn_terms.setdefault((lb[f], s), []).append(z[f] / scale * var)
    cap_scale = float(up_cap[up_cap > 0].max())
    for (a, s), terms in up_terms.items():
        solver.Add(sum(terms) <= zvar * (up_cap[a, s] / cap_scale))
    for (b, s), terms in dn_terms.items():
        solver.Add(sum(terms) <= zvar * (dn_cap[b, s] / cap_scale))
    solver.Minimize(zvar)
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        raise UnsupportedInstanceError("the singlepath MILP found no solution within the time limit")
    choice = np.empty(la.size, dtype=np.int64)
    for (f, s), var in x.items():
        if var.solution_value() > 0.5:
            choice[f] = s
    up = np.zeros((L, S))
    dn = np.zeros((L, S))
    np.add.at(up, (la, choice), z)
    np.add.at(dn, (lb, choice), z)
    optimal = status == pywraplp.Solver.OPTIMAL
    bound = solver.Objective().BestBound() * scale / cap_scale
    return choice, up, dn, optimal, bound


def singlepath_general(fabric, coll, steps, method, time_limit, keep):
    """Singlepath by MILP or greedy on a leaf-spine (see the module docstring)."""
    if fabric.kind != "leaf-spine":
        raise UnsupportedInstanceError("MILP/greedy singlepath is implemented for leaf-spine fabrics")
    up_cap, dn_cap = fabric.block(TIER_UP), fabric.block(TIER_DOWN)
    cong, loads, choices, optimal, bounds = [], [], [], True, []
    for st in steps:
        la, lb, z = _step_flows(fabric, coll, st)
        if la.size == 0:
            cong.append(0.0)
            loads.append(None)
            choices.append(None)
            continue
        if method == "milp":
            if la.size > MAX_MILP_FLOWS:
                raise UnsupportedInstanceError(f"MILP singlepath is limited to {MAX_MILP_FLOWS} inter-leaf flows per "
                                               f"step (step {st.step} has {la.size}); use method='greedy'")
            ch, up, dn, opt, bd = _milp(up_cap, dn_cap, la, lb, z, time_limit)
            optimal &= opt
            bounds.append(bd)
        else:
            ch, up, dn = _greedy(up_cap, dn_cap, la, lb, z)
        ld = StepLoads(up, dn)
        loads.append(ld)
        choices.append(ch)
        cong.append(congestion_of_loads(fabric, ld))
    cong = np.array(cong)
    info = {"method": method}
    if method == "milp":
        info["optimal"] = bool(optimal)
        info["bound"] = float(max(bounds)) if bounds else 0.0
    return ModelResult("singlepath", float(cong.max()), cong, info, loads if keep else None,
                       choices if keep else None)
