"""The independent validator: feasible routes, each kind of violation, durations vs brute force."""

import itertools

import numpy as np
import pytest

from netopt.model import RoutingInstance
from netopt.validate import check_routes, cost_matches


def test_feasible_routes(line_cvrp):
    rep = check_routes(line_cvrp, [[1, 2], [3, 4]], reported_cost=12)
    assert rep.feasible and rep.cost == 12 and [r.load for r in rep.routes] == [4, 4]


@pytest.mark.parametrize(
    "routes, cost, pattern",
    [
        ([[1, 2], [3]], None, "1 customer(s) not visited: 5"),
        ([[1, 2], [3, 4, 1]], None, "customer 2 visited twice"),
        ([[1, 2, 3], [4]], None, "load 6 exceeds capacity 5"),
        ([[1, 2], [3, 4]], 13, "reported cost 13 differs"),
        ([[1, 2], [3, 9]], None, "unknown node index 9"),
        ([[1, 2], [0, 3, 4]], None, "depot node index 0 inside the route"),
    ],
)
def test_each_violation_is_reported(line_cvrp, routes, cost, pattern):
    rep = check_routes(line_cvrp, routes, reported_cost=cost)
    assert not rep.feasible
    assert any(pattern in v for v in rep.violations), rep.violations


def test_fleet_and_route_limits(line_cvrp):
    d = line_cvrp.distance
    fleet = RoutingInstance("f", d, line_cvrp.demands, 5, num_vehicles=1)
    assert any("fleet has 1" in v for v in check_routes(fleet, [[1, 2], [3, 4]]).violations)
    lim = RoutingInstance("l", d, line_cvrp.demands, 5, max_distance=6)
    assert any("distance 8 exceeds the limit 6" in v for v in check_routes(lim, [[1, 2], [3, 4]]).violations)
    dur = RoutingInstance("d", d, line_cvrp.demands, 5, max_duration=7, service_times=[0, 1, 1, 1, 1])
    rep = check_routes(dur, [[1, 2], [3, 4]])
    assert rep.routes[1].duration == 10 and any("duration 10 exceeds the limit 7" in v for v in rep.violations)


def test_time_windows(small_vrptw):
    ok = check_routes(small_vrptw, [[2, 1, 3]], reported_cost=16)
    assert ok.feasible, ok.violations
    late = check_routes(small_vrptw, [[1, 2, 3]])
    assert any("arrives at customer 3 at 13, after its time window closes (5)" in v for v in late.violations)
    depot = RoutingInstance("d", small_vrptw.distance, small_vrptw.demands, 10,
                            time_windows=np.array([[0, 25], [10, 12], [0, 5], [20, 30]]),
                            service_times=small_vrptw.service_times)
    assert any("arrives at the depot" in v for v in check_routes(depot, [[2, 1, 3]]).violations)


def test_cost_tolerance_follows_stated_precision():
    assert cost_matches(827.3, 827.3000000001)
    assert cost_matches(827.3, 827.34)  # stated with one decimal
    assert not cost_matches(827.3, 827.36)
    assert not cost_matches(27591, 27592)


def _brute_min_duration(inst, route):
    """Try every integer departure time from the depot; the shortest feasible duration."""
    tw, t, st = inst.time_windows, inst.duration, inst.service_times
    best = None
    for dep in range(int(tw[0, 0]), int(tw[0, 1]) + 1):
        time, ok, prev = float(dep), True, 0
        for v in [*route, 0]:
            time = time + st[prev] + t[prev, v]
            if time > tw[v, 1]:
                ok = False
                break
            time = max(time, tw[v, 0]) if v else time
            prev = v
        if ok:
            best = time - dep if best is None else min(best, time - dep)
    return best


@pytest.mark.parametrize("seed", range(20))
def test_min_duration_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 4
    xy = rng.integers(0, 20, size=(n + 1, 2))
    d = np.rint(np.hypot(*(xy[:, None] - xy[None, :]).transpose(2, 0, 1)))
    open_ = rng.integers(0, 60, size=n + 1)
    tw = np.c_[open_, open_ + rng.integers(5, 40, size=n + 1)].astype(float)
    tw[0] = [0, 200]
    inst = RoutingInstance("r", d, np.zeros(n + 1, int), 1, time_windows=tw,
                           service_times=rng.integers(0, 5, size=n + 1) * np.r_[0, np.ones(n)])
    for route in itertools.permutations(range(1, n + 1)):
        rep = check_routes(inst, [list(route)])
        brute = _brute_min_duration(inst, route)
        if rep.feasible:
            assert brute is not None and rep.routes[0].duration == pytest.approx(brute)
        else:
            assert brute is None
