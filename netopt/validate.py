"""The one independent validator every routing solution goes through.

Plain Python loops over the instance arrays, written to be obviously correct rather than
fast: each customer visited exactly once, vehicle capacity, time windows (Solomon
semantics: wait when early, late arrival is a violation), route duration and distance
limits, fleet size, and the reported cost against a recomputed one.

Routes are lists of *internal* customer indices (1..n, depot 0 left out).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .model.routing import RoutingInstance

#: relative tolerance when comparing a reported cost with the recomputed one
COST_RTOL = 1e-9


@dataclass
class RouteStats:
    """Per-route figures recomputed by the validator."""

    visits: list[int]  # internal indices
    load: int
    distance: float
    duration: float  # shortest possible duration (latest feasible departure from the depot)


@dataclass
class ValidationReport:
    """What :func:`check_routes` found. ``feasible`` is True iff ``violations`` is empty."""

    cost: float
    routes: list[RouteStats]
    violations: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def num_routes(self) -> int:
        return len(self.routes)


def _decimals(x: float) -> int:
    """Number of decimals in the shortest repr of ``x`` (``827.3`` -> 1)."""
    r = repr(float(x))
    if "e" in r or "." not in r:
        return 0
    return len(r.split(".")[1].rstrip("0"))


def cost_matches(reported: float, computed: float) -> bool:
    """True when ``reported`` equals ``computed`` up to float noise and the precision it was written with."""
    tol = max(COST_RTOL * max(1.0, abs(computed)), 0.5 * 10.0 ** -_decimals(reported) if _decimals(reported) < 6 else 0.0)
    return abs(reported - computed) <= tol


def check_routes(
    instance: RoutingInstance,
    routes: Sequence[Sequence[int]],
    reported_cost: float | None = None,
) -> ValidationReport:
    """Recompute cost, loads and schedules of ``routes`` and list every violation.

    Parameters
    ----------
    instance
        The instance the routes are for.
    routes
        One list of internal customer indices per vehicle; empty routes are ignored.
    reported_cost
        The cost a solver or file claims; a mismatch is a violation.

    Examples
    --------
    >>> import numpy as np
    >>> inst = RoutingInstance("t", np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]]), np.array([0, 1, 1]), 1)
    >>> check_routes(inst, [[1, 2]]).violations
    ['route 1: load 2 exceeds capacity 1']
    >>> check_routes(inst, [[1], [2]], reported_cost=4).feasible
    True
    """
    inst = instance
    n1 = inst.num_nodes
    nid = inst.node_ids
    dist, dur, st = inst.distance, inst.duration, inst.service_times
    tw = inst.time_windows
    violations: list[str] = []
    seen: dict[int, int] = {}
    stats: list[RouteStats] = []
    total = 0.0

    for r, route in enumerate(routes, start=1):
        try:
            visits = [operator.index(v) for v in route]  # 2.9 is refused, never truncated to 2
        except TypeError:
            bad_v = next(v for v in route if not isinstance(v, (int, np.integer)) or isinstance(v, bool))
            violations.append(f"route {r}: non-integer node index {bad_v!r}")
            continue
        if not visits:
            continue
        bad = [v for v in visits if not 1 <= v < n1]
        if bad:
            violations.append(f"route {r}: unknown or depot node index {bad[0]}")
            continue
        for v in visits:
            if v in seen:
                violations.append(f"customer {nid[v]} visited twice (routes {seen[v]} and {r})")
            else:
                seen[v] = r
        path = [0, *visits, 0]
        load = sum(int(inst.demands[v]) for v in visits)
        length = sum(float(dist[a, b]) for a, b in zip(path, path[1:]))
        total += length
        if load > inst.capacity:
            violations.append(f"route {r}: load {load} exceeds capacity {inst.capacity}")
        if inst.max_distance is not None and length > inst.max_distance + 1e-9:
            violations.append(f"route {r}: distance {length:g} exceeds the limit {inst.max_distance:g}")

        # schedule: leave the depot as early as possible, wait when early
        t0 = float(tw[0, 0]) if tw is not None else 0.0
        arrivals = _forward(path, t0, dur, st, tw)
        if tw is not None:
            for k, v in enumerate(path[1:], start=1):
                if arrivals[k] > tw[v, 1] + 1e-9:
                    where = "the depot" if v == 0 else f"customer {nid[v]}"
                    violations.append(
                        f"route {r}: arrives at {where} at {arrivals[k]:g}, after its time window closes ({tw[v, 1]:g})"
                    )
        duration = _min_duration(path, t0, arrivals, dur, st, tw)
        if inst.max_duration is not None and duration > inst.max_duration + 1e-9:
            violations.append(f"route {r}: duration {duration:g} exceeds the limit {inst.max_duration:g}")
        stats.append(RouteStats(visits, load, length, duration))

    missing = [int(nid[v]) for v in range(1, n1) if v not in seen]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        violations.append(f"{len(missing)} customer(s) not visited: {shown}")
    if inst.num_vehicles is not None and len(stats) > inst.num_vehicles:
        violations.append(f"{len(stats)} routes but the fleet has {inst.num_vehicles} vehicles")
    if reported_cost is not None and not cost_matches(float(reported_cost), total):
        violations.append(f"reported cost {reported_cost:g} differs from the recomputed cost {total:.10g}")
    return ValidationReport(total, stats, violations)


def _forward(path, t0, dur, st, tw) -> list[float]:
    """Arrival time at each position of ``path`` when leaving the depot at ``t0``."""
    arrivals = [t0]
    start = t0
    for a, b in zip(path, path[1:]):
        arrive = start + float(st[a]) + float(dur[a, b])
        arrivals.append(arrive)
        start = max(arrive, float(tw[b, 0])) if tw is not None else arrive
    return arrivals


def _min_duration(path, t0, arrivals, dur, st, tw) -> float:
    """Shortest route duration: depart as late as possible without arriving anywhere late.

    Duration (return time minus departure) never grows with a later departure, so the
    latest departure that keeps every visit inside its window gives the minimum. Without
    time windows, or for a route that is late anyway, it is the earliest-departure duration.
    """
    earliest = arrivals[-1] - t0
    if tw is None:
        return earliest
    # backward pass: latest start of service at each position that keeps the rest on time
    latest = float(tw[path[-1], 1])
    for a, b in zip(reversed(path[:-1]), reversed(path[1:])):
        latest = min(float(tw[a, 1]), latest - float(dur[a, b]) - float(st[a]))
    if latest < t0:  # infeasible route: keep the plain schedule
        return earliest
    depart = latest
    back = _forward(path, depart, dur, st, tw)[-1]
    return min(earliest, back - depart)


def check_flows(network, flow, is_open=None, rtol: float = 1e-6) -> list[str]:
    """Flow conservation of link flows against the OD demand, plus sign and closed-link checks.

    At every node, inflow - outflow must equal the demand ending there minus the demand
    starting there (within ``rtol`` of the total demand). Returns the violations (empty = valid).

    Examples
    --------
    >>> import numpy as np
    >>> from netopt.model import RoadNetwork
    >>> net = RoadNetwork("two", 2, 2, init=[0, 0], term=[1, 1], capacity=[1, 1], fftt=[1, 1],
    ...                   demand=np.array([[0, 2.0], [0, 0]]))
    >>> check_flows(net, np.array([1.5, 0.5]))
    []
    >>> check_flows(net, np.array([1.0, 0.5]))[0]
    'node 1: outflow minus inflow is 1.5, its demand needs 2'
    """
    import numpy as np

    net = network
    x = np.asarray(flow, dtype=np.float64)
    problems: list[str] = []
    if x.shape != (net.num_links,):
        return [f"expected {net.num_links} link flows, got shape {x.shape}"]
    if not np.all(np.isfinite(x)):
        return ["non-finite link flow"]
    tol = rtol * max(1.0, net.total_demand)
    neg = np.nonzero(x < -tol)[0]
    if len(neg):
        a = neg[0]
        problems.append(f"link {net.init[a] + 1}->{net.term[a] + 1}: negative flow {x[a]:g}")
    if is_open is not None:
        closed = np.nonzero(~np.asarray(is_open, bool) & (np.abs(x) > tol))[0]
        if len(closed):
            a = closed[0]
            problems.append(f"link {net.init[a] + 1}->{net.term[a] + 1} is closed but carries {x[a]:g}")
    out = np.zeros(net.num_nodes)
    np.add.at(out, net.init, x)
    np.add.at(out, net.term, -x)
    need = np.zeros(net.num_nodes)
    z = net.num_zones
    need[:z] += net.demand.sum(1) - net.demand.sum(0)
    bad = np.nonzero(np.abs(out - need) > tol)[0]
    for i in bad[:5]:
        problems.append(f"node {i + 1}: outflow minus inflow is {out[i]:.10g}, its demand needs {need[i]:.10g}")
    inflow = np.zeros(net.num_nodes)
    np.add.at(inflow, net.term, x)
    for i in range(min(net.first_thru_node - 1, net.num_nodes)):
        ends = net.demand[:, i].sum() if i < z else 0.0
        if inflow[i] > ends + tol:  # more arrives than ends here: the centroid passes traffic through
            problems.append(f"centroid {i + 1} is used as a through node ({inflow[i]:g} arrive, {ends:g} end there)")
            break
    return problems
