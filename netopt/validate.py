"""The one independent validator every routing solution goes through.

Plain Python loops over the instance arrays, written to be obviously correct rather than
fast: each required client visited exactly once (optional ones at most once), vehicle
capacity along every trip and in every load dimension (deliveries still on board plus pickups made), linehauls before
backhauls, time windows (Solomon semantics: wait when early, late arrival is a violation)
with release times and shift windows, route duration and distance limits, reload depots
and their number, which vehicle types may serve which client, vehicles per type, and the
reported cost against a recomputed one (fixed, distance and duration costs plus the prizes
of skipped optional clients).

Routes are lists of *internal* client indices (depots ``0..D-1`` at the ends left out; a
depot inside a route is a reload).
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

    visits: list[int]  # internal indices; depots inside the route are reloads
    load: int | tuple[int, ...]  # total delivered (all trips; per load dimension when there are several)
    distance: float
    duration: float  # shortest possible duration (latest feasible departure from the depot)
    vehicle_type: int = 0
    cost: float = 0.0  # fixed cost + unit distance and duration costs of this route
    trips: int = 1


@dataclass
class ValidationReport:
    """What :func:`check_routes` found. ``feasible`` is True iff ``violations`` is empty."""

    cost: float
    routes: list[RouteStats]
    violations: list[str] = field(default_factory=list)
    uncollected_prizes: float = 0.0

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
    vehicle_types: Sequence[int] | None = None,
) -> ValidationReport:
    """Recompute cost, loads and schedules of ``routes`` and list every violation.

    Parameters
    ----------
    instance
        The instance the routes are for.
    routes
        One list of internal client indices per vehicle; empty routes are ignored. A depot
        index inside a route is a reload stop (multi-trip); the start and end depots are left out.
    reported_cost
        The cost a solver or file claims; a mismatch is a violation.
    vehicle_types
        The vehicle type index of each route (same length as ``routes``); may be left out when
        the instance has one vehicle type.

    The cost is the sum over routes of the type's fixed cost, unit distance cost x distance and
    unit duration cost x duration, plus the prizes of the optional clients left unvisited.

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
    n1, nd = inst.num_nodes, inst.num_depots
    nid = inst.node_ids
    dist, dur, st = inst.distance, inst.duration, inst.service_times
    tw, release = inst.time_windows, inst.release_times
    dims = inst.load_dims
    dem, pick = inst.load_rows()  # (a row of loads per node, one per dimension)
    types = inst.vehicle_types
    violations: list[str] = []
    seen: dict[int, int] = {}
    stats: list[RouteStats] = []
    used = [0] * len(types)
    total = 0.0

    if vehicle_types is not None and len(vehicle_types) != len(routes):
        violations.append(f"{len(vehicle_types)} vehicle types given for {len(routes)} routes")
        vehicle_types = None
    for r, route in enumerate(routes, start=1):
        try:
            visits = [operator.index(v) for v in route]  # 2.9 is refused, never truncated to 2
        except TypeError:
            bad_v = next(v for v in route if not isinstance(v, (int, np.integer)) or isinstance(v, bool))
            violations.append(f"route {r}: non-integer node index {bad_v!r}")
            continue
        if not visits:
            continue
        if vehicle_types is not None:
            k = vehicle_types[r - 1]
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < len(types):
                violations.append(f"route {r}: unknown vehicle type {k!r}")
                continue
        elif len(types) == 1:
            k = 0
        else:
            violations.append(f"route {r}: no vehicle type given (the instance has {len(types)})")
            continue
        k = int(k)
        vt = types[k]
        used[k] += 1
        bad = [v for v in visits if not 0 <= v < n1 or (v < nd and v not in vt.reload_depots)]
        if bad:
            if 0 <= bad[0] < nd:
                why = "not one of its reload depots" if vt.reload_depots else "it has no reloads"
                violations.append(f"route {r}: depot node index {bad[0]} inside the route (vehicle type {k}: {why})")
            else:
                violations.append(f"route {r}: unknown node index {bad[0]}")
            continue
        for v in visits:
            if v < nd:
                continue
            if v in seen:
                violations.append(f"customer {nid[v]} visited twice (routes {seen[v]} and {r})")
            else:
                seen[v] = r
            if not vt.may_serve(v):
                violations.append(f"route {r}: vehicle type {k} may not serve customer {nid[v]}")
        path = [vt.start_depot, *visits, vt.end_depot]
        trips = _trips(path, nd)
        if vt.max_reloads is not None and len(trips) - 1 > vt.max_reloads:
            violations.append(f"route {r}: {len(trips) - 1} reloads, the limit is {vt.max_reloads}")
        load = [0] * dims
        for number, trip in enumerate(trips, start=1):
            clients = trip[1:-1]
            on = f"trip {number}: " if len(trips) > 1 else ""
            for j, cap in enumerate(vt.capacities):
                load[j] += sum(int(dem[v, j]) for v in clients)
                peak = _peak_load(clients, dem[:, j], pick[:, j])
                if peak > cap:
                    which = f" in load dimension {j + 1}" if dims > 1 else ""
                    violations.append(f"route {r}: {on}load {peak} exceeds capacity {cap}{which}")
            if inst.linehauls_first and clients:
                if pick[clients[0]].any() and not dem[clients[0]].any():
                    violations.append(f"route {r}: starts a trip with backhaul customer {nid[clients[0]]}")
                back = next((v for v in clients if pick[v].any()), None)
                if back is not None:
                    after = clients[clients.index(back) + 1:]
                    line = next((v for v in after if dem[v].any()), None)
                    if line is not None:
                        violations.append(f"route {r}: linehaul customer {nid[line]} after backhaul customer {nid[back]}")
        length = sum(float(dist[a, b]) for a, b in zip(path, path[1:]))
        if vt.max_distance is not None and length > vt.max_distance + 1e-9:
            violations.append(f"route {r}: distance {length:g} exceeds the limit {vt.max_distance:g}")

        # schedule: leave the depot as early as possible (not before the trip's release time), wait when early
        early, late = inst.shift_window(vt)
        ready = _ready_times(path, nd, release)
        arrivals = _forward(path, early, dur, st, tw, ready)
        for j, v in enumerate(path[1:], start=1):
            close = tw[v, 1] if tw is not None else np.inf
            if j == len(path) - 1:
                close = min(close, late)
            if arrivals[j] > close + 1e-9:
                where = "the depot" if v < nd else f"customer {nid[v]}"
                violations.append(
                    f"route {r}: arrives at {where} at {arrivals[j]:g}, after its time window closes ({close:g})"
                )
        duration = _min_duration(path, late, arrivals, dur, st, tw, ready)
        if vt.max_duration is not None and duration > vt.max_duration + 1e-9:
            violations.append(f"route {r}: duration {duration:g} exceeds the limit {vt.max_duration:g}")
        cost = vt.fixed_cost + vt.unit_distance_cost * length + vt.unit_duration_cost * duration
        total += cost
        stats.append(RouteStats(visits, load[0] if dims == 1 else tuple(load), length, duration, k, cost, len(trips)))

    req = inst.required
    missing = [int(nid[v]) for v in inst.clients if req[v] and v not in seen]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        violations.append(f"{len(missing)} customer(s) not visited: {shown}")
    prizes = 0.0
    if inst.prizes is not None:
        prizes = float(sum(float(inst.prizes[v]) for v in inst.clients if not req[v] and v not in seen))
        total += prizes
    if len(types) == 1:
        if inst.num_vehicles is not None and len(stats) > inst.num_vehicles:
            violations.append(f"{len(stats)} routes but the fleet has {inst.num_vehicles} vehicles")
    else:
        for k, t in enumerate(types):
            if t.num_available is not None and used[k] > t.num_available:
                violations.append(f"{used[k]} routes of vehicle type {k} but the fleet has {t.num_available}")
    if reported_cost is not None and not cost_matches(float(reported_cost), total):
        violations.append(f"reported cost {reported_cost:g} differs from the recomputed cost {total:.10g}")
    return ValidationReport(total, stats, violations, prizes)


def _trips(path: list[int], nd: int) -> list[list[int]]:
    """Split a route ``[start, .., end]`` at its depot stops into trips that each begin and end at a depot."""
    trips, cur = [], [path[0]]
    for v in path[1:]:
        cur.append(v)
        if v < nd:
            trips.append(cur)
            cur = [v]
    return trips


def _peak_load(clients: list[int], dem, pick) -> int:
    """Largest load on board during one trip: the deliveries still to make plus the pickups made."""
    on_board = sum(int(dem[v]) for v in clients)
    peak = on_board
    for v in clients:
        on_board += int(pick[v]) - int(dem[v])
        peak = max(peak, on_board)
    return peak


def _ready_times(path: list[int], nd: int, release) -> list[float]:
    """For each position of ``path``: the earliest time a vehicle may leave it (a depot: the largest release
    time of the next trip's clients; a client: 0)."""
    ready = [0.0] * len(path)
    if release is None:
        return ready
    start = 0
    for j in range(1, len(path)):
        if path[j] < nd:
            ready[start] = max((float(release[v]) for v in path[start + 1:j]), default=0.0)
            start = j
    return ready


def _forward(path, t0, dur, st, tw, ready=None) -> list[float]:
    """Arrival time at each position of ``path`` when leaving the first depot at ``t0`` (no earlier than it is ready)."""
    start = t0 if ready is None else max(t0, ready[0])
    arrivals = [start]
    for j, (a, b) in enumerate(zip(path, path[1:]), start=1):
        arrive = start + float(st[a]) + float(dur[a, b])
        arrivals.append(arrive)
        start = max(arrive, float(tw[b, 0])) if tw is not None else arrive
        if ready is not None:
            start = max(start, ready[j])
    return arrivals


def _min_duration(path, late, arrivals, dur, st, tw, ready=None) -> float:
    """Shortest route duration: depart as late as possible without arriving anywhere late.

    Duration (return time minus departure) never grows with a later departure, so the
    latest departure that keeps every visit inside its window gives the minimum. Without
    time windows, or for a route that is late anyway, it is the earliest-departure duration.
    """
    first = arrivals[0]
    earliest = arrivals[-1] - first
    if tw is None:
        return earliest
    # backward pass: latest start of service at each position that keeps the rest on time
    latest = min(float(tw[path[-1], 1]), late)
    for a, b in zip(reversed(path[:-1]), reversed(path[1:])):
        latest = min(float(tw[a, 1]), latest - float(dur[a, b]) - float(st[a]))
    if latest < first:  # infeasible route: keep the plain schedule
        return earliest
    depart = latest
    back = _forward(path, depart, dur, st, tw, ready)[-1]
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
