"""Route slots with their own vehicle (depots, shift window, capacity, limits, costs, allowed clients):
the local-search kernels against the twin ``naive_vrp.vehicle_route_cost``, which reads the instance's
vehicle types directly."""

from __future__ import annotations

import numpy as np
import pytest

import naive_vrp as naive
from netopt.model import RoutingInstance
from netopt.model.fleet import VehicleType
from netopt.solvers.vrp import _ils_kernels as I
from netopt.solvers.vrp import _kernels as K
from netopt.solvers.vrp import hgs

SLOTS = [0, 0, 1, 2]  # the vehicle type of each route slot


def fleet_instance(seed: int, tw: bool, loads: str = "deliveries") -> RoutingInstance:
    """Two depots, nine clients, three vehicle types that differ in everything a type can set. With
    client time windows, no duration cost or limit (the twin's duration is the plain elapsed time).
    ``loads``: ``"deliveries"`` only, ``"pickups"`` too at every client (picked up where delivered), or
    ``"vrpb"``: about half the clients are backhauls (pickups only), served after the linehauls, or
    ``"dims"``: deliveries and pickups in three load dimensions, each type with its three capacities."""
    rng = np.random.default_rng(seed)
    n1 = 11
    xy = rng.uniform(0, 100, (n1, 2))
    d = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))
    dem = rng.integers(1, 6, n1)
    dem[:2] = 0
    st = np.r_[0, 0, rng.integers(0, 10, n1 - 2)].astype(float)
    tws = naive.random_windows(rng, d, 700, 400, (30, 150)) if tw else None
    allowed = tuple(int(c) for c in rng.choice(np.arange(2, n1), 6, replace=False))
    caps = ((12, 10, 4), (8, 9, 6), (15, 6, 8)) if loads == "dims" else (12, 8, 15)
    types = (
        VehicleType(caps[0], 2, start_depot=0, fixed_cost=20, unit_distance_cost=1.5, allowed_clients=allowed),
        VehicleType(caps[1], 1, start_depot=1, end_depot=0, fixed_cost=5, unit_duration_cost=0.0 if tw else 0.4,
                    max_distance=260.0),
        VehicleType(caps[2], 1, start_depot=1, tw_early=10.0 if tw else None, tw_late=520.0 if tw else None,
                    max_duration=None if tw else 280.0),
    )
    pick = None
    if loads == "dims":
        dem = np.c_[dem, rng.integers(0, 5, (n1, 2))]
        pick = rng.integers(0, 4, (n1, 3))
        dem[:2] = pick[:2] = 0
    elif loads == "pickups":
        pick = np.r_[0, 0, rng.integers(0, 6, n1 - 2)]
    elif loads == "vrpb":
        back = np.r_[False, False, rng.random(n1 - 2) < 0.5]
        pick = np.where(back, dem, 0)
        dem = np.where(back, 0, dem)
    return RoutingInstance(f"fleet{seed}", d, dem, num_depots=2, vehicle_types=types, time_windows=tws,
                           service_times=st, coordinates=xy, pickups=pick, linehauls_first=loads == "vrpb")


def random_routes(inst, seed):
    """Clients dealt to the slots (each to a vehicle that may serve it), as kernel arrays."""
    rng = np.random.default_rng(seed + 100)
    R = [[] for _ in SLOTS]
    for c in rng.permutation(np.arange(2, inst.num_nodes)):
        ok = [r for r, t in enumerate(SLOTS) if inst.vehicle_types[t].may_serve(int(c))]
        R[int(rng.choice(ok))].append(int(c))
    return (R, *hgs._route_arrays(R, len(SLOTS), inst.num_nodes - 1))


def cost(route, inst, r, prm, arc_big=0.0):
    return naive.vehicle_route_cost(route, inst, inst.vehicle_types[SLOTS[r]], prm, arc_big)


def searched(seed, tw, loads="deliveries"):
    """A fleet instance, its kernel data and penalties, and random routes in a local-search state."""
    inst = fleet_instance(seed, tw, loads)
    data = hgs._Data(inst, 5, SLOTS)
    prm = data.prm(4.0, 2.0)
    R, routes, rlen = random_routes(inst, seed)
    st = K.ls_state(routes, rlen, data.neigh, data.kd)
    K.ls_setup(st, data.kd, prm, data.ncnt, data.angle, seed)
    return inst, data, prm, R, routes, rlen, st


LOADS = [(seed, tw, "deliveries") for seed in range(3) for tw in (False, True)] + [
    (3, False, "pickups"), (4, True, "pickups"), (5, False, "vrpb"), (6, True, "vrpb"), (7, False, "vrpb"),
    (8, False, "dims"), (9, True, "dims")]


@pytest.mark.parametrize("seed,tw,loads", LOADS)
def test_fleet_move_deltas_and_filter_match_the_twin(seed, tw, loads):
    inst, data, prm, R, routes, rlen, st = searched(seed, tw, loads)
    big = data.arc_big if loads == "vrpb" else 0.0
    if loads == "vrpb":  # a forbidden arc costs more than any route without one
        assert big >= 1000 * inst.distance.max(axis=1).sum()

    def cost(route, inst, r, prm):
        return naive.vehicle_route_cost(route, inst, inst.vehicle_types[SLOTS[r]], prm, big)

    for r in range(len(SLOTS)):
        assert st.rcost[r] == pytest.approx(cost(R[r], inst, r, prm)), r
        assert routes[r, 0] == inst.vehicle_types[SLOTS[r]].start_depot
    checked, forbidden, filtered = naive.check_every_move(st, R, data.kd, prm, lambda route, r: cost(route, inst, r, prm),
                                                          range(2, inst.num_nodes), range(inst.num_nodes), 2)
    assert checked > 200 and forbidden > 0 and filtered > 0


@pytest.mark.parametrize("seed,tw,loads", LOADS)
def test_fleet_swap_star_gain_and_type_change(seed, tw, loads):
    inst, data, prm, R, routes, rlen, st = searched(seed, tw, loads)
    big = data.arc_big if loads == "vrpb" else 0.0

    def cost(route, inst, r, prm):
        return naive.vehicle_route_cost(route, inst, inst.vehicle_types[SLOTS[r]], prm, big)

    W = routes.shape[1]
    for r1, r2 in [(0, 2), (1, 3), (0, 3)]:
        if not (rlen[r1] and rlen[r2]):
            continue
        g, bu, bv, bua, bva = K.swap_star(r1, r2, routes, rlen, st.fwd, st.rcost, data.kd, prm, st.ins1c, st.ins1p,
                                          st.ins2c, st.ins2p, np.zeros(W, np.int64), np.zeros(W, np.int64))
        if bu < 0:
            continue
        u, v = R[r1][bu - 1], R[r2][bv - 1]
        assert inst.vehicle_types[SLOTS[r2]].may_serve(u) and inst.vehicle_types[SLOTS[r1]].may_serve(v)
        a, b = np.zeros(W, np.int64), np.zeros(W, np.int64)
        A = list(a[:K.swap_star_route(r1, bu, v, bva, routes, rlen, a)])
        B = list(b[:K.swap_star_route(r2, bv, u, bua, routes, rlen, b)])
        ref = cost(A, inst, r1, prm) + cost(B, inst, r2, prm) - cost(R[r1], inst, r1, prm) - cost(R[r2], inst, r2, prm)
        assert g == pytest.approx(ref, abs=1e-6)
    # a whole route to an empty vehicle of another type, or two routes merged into an empty vehicle:
    # the slot found is the cheapest first empty slot of a type, when that costs less than now
    def first_empty(t):
        return next((s for s in range(len(SLOTS)) if SLOTS[s] == t and not rlen[s]), None)

    buf = np.zeros(W, np.int64)
    for r in range(len(SLOTS)):
        for r2 in [-1] + [q for q in range(len(SLOTS)) if q != r and rlen[q]]:
            if not rlen[r]:
                continue
            visits = R[r] + (R[r2] if r2 >= 0 else [])
            now = cost(R[r], inst, r, prm) + (cost(R[r2], inst, r2, prm) if r2 >= 0 else 0.0)
            options = [(cost(visits, inst, s, prm), s) for t in sorted(set(SLOTS))
                       if (s := first_empty(t)) is not None and (r2 >= 0 or t != SLOTS[r])]
            best = min(options, default=(np.inf, -1))
            got = K._into_empty(r, r2, routes, rlen, st.rcost, data.kd, prm, buf)
            assert got == (best[1] if best[0] < now - K.EPS else -1), (r, r2, best, now)


def prize_state(seed, empty=(), granular=5):
    """A prize-collecting version of ``fleet_instance(seed)`` (about 60 % of the clients optional, with
    prizes) and a local-search state in which half the optional clients are unvisited; the route slots
    ``empty`` are empty (their clients made optional and unvisited)."""
    base = fleet_instance(seed, tw=seed % 2 == 1)
    rng = np.random.default_rng(seed)
    prizes = np.r_[0, 0, rng.uniform(5, 120, base.num_nodes - 2)]
    required = np.r_[True, True, rng.random(base.num_nodes - 2) < 0.4]
    R, routes, rlen = random_routes(base, seed)
    out = [int(c) for c in np.flatnonzero(~required)][::2]  # half the optional clients start unvisited
    for r in empty:
        required[R[r]] = False
        out += R[r]
    inst = RoutingInstance("pc", base.distance, base.demands, num_depots=2, vehicle_types=base.vehicle_types,
                           time_windows=base.time_windows, service_times=base.service_times, prizes=prizes,
                           required=required)
    data = hgs._Data(inst, granular, SLOTS)
    prm = data.prm(4.0, 2.0)
    R = [[c for c in r if c not in out] for r in R]
    routes[:] = 0
    for r, route in enumerate(R):
        routes[r, 1:len(route) + 1] = route
        rlen[r] = len(route)
    st = K.ls_state(routes, rlen, data.neigh, data.kd)
    K.ls_setup(st, data.kd, prm, data.ncnt, data.angle, seed)
    return inst, data, prm, st, routes, rlen, prizes, required


@pytest.mark.parametrize("seed", range(4))
def test_optional_clients_inserted_and_removed_as_the_twin_says(seed):
    """An unvisited optional client goes in where (next to a visited neighbour) the route costs least
    more, if that is less than its prize; a visited one leaves when its route saves more than its prize."""
    inst, data, prm, st, routes, rlen, prizes, required = prize_state(seed)
    tried = changed = 0
    for u in [int(c) for c in np.flatnonzero(~required)]:
        R = [list(routes[r, 1:rlen[r] + 1]) for r in range(len(SLOTS))]
        args = (st.routes, st.rlen, st.fwd, st.bwd, st.node_route, st.node_pos, st.rcost, st.sec)
        if st.node_route[u] < 0:
            options = []
            for w in data.neigh[u, :data.ncnt[u]]:
                if st.node_route[w] < 0:
                    continue
                r, p = st.node_route[w], st.node_pos[w]
                for q in (p - 1, p):
                    new = R[r][:q] + [u] + R[r][q:]
                    options.append((cost(new, inst, r, prm) - cost(R[r], inst, r, prm) - prizes[u], r, q))
            best = min(options, default=(np.inf, -1, -1))
            done = K._try_insert(u, *args, st.nb, data.ncnt, st.last_mod, st.mark, st.cnt, data.kd, prm, data.angle, -1)
            assert done == (best[0] < -K.EPS), (u, best)
            if done:
                assert st.node_route[u] == best[1] and st.node_pos[u] == best[2] + 1
        else:
            r = st.node_route[u]
            ref = cost([c for c in R[r] if c != u], inst, r, prm) - cost(R[r], inst, r, prm) + prizes[u]
            done = K._try_remove(u, *args, st.last_mod, st.mark, st.cnt, st.PA, data.kd, prm, data.angle, -1)
            assert done == (ref < -K.EPS), (u, ref)
            assert (st.node_route[u] < 0) == done
        tried += 1
        changed += done
        assert sorted(v for r in range(len(SLOTS)) for v in routes[r, 1:rlen[r] + 1]) == sorted(
            v for v in range(2, inst.num_nodes) if st.node_route[v] >= 0)
    assert tried >= 3 and changed >= 1


def test_unvisited_optional_client_replaces_a_visited_one_as_the_twin_says():
    """An unvisited optional client takes the place of the visited optional neighbour for which the
    route's cost change plus that neighbour's prize, less its own prize, is lowest, when that is negative
    (the replaced client becomes unvisited); otherwise nothing changes."""
    tried = changed = 0
    for seed in range(8):
        inst, data, prm, st, routes, rlen, prizes, required = prize_state(seed)
        for u in [int(c) for c in np.flatnonzero(~required)]:
            if st.node_route[u] >= 0:
                continue
            R = [list(routes[r, 1:rlen[r] + 1]) for r in range(len(SLOTS))]
            options = []
            for w in data.neigh[u, :data.ncnt[u]]:
                r = st.node_route[w]
                if r < 0 or required[w]:
                    continue
                new = [u if c == w else c for c in R[r]]
                options.append((cost(new, inst, r, prm) - cost(R[r], inst, r, prm) + prizes[w] - prizes[u], r, int(w)))
            best = min(options, default=(np.inf, -1, -1))
            pos = st.node_pos[best[2]] if best[2] >= 0 else -1
            args = (st.routes, st.rlen, st.fwd, st.bwd, st.node_route, st.node_pos, st.rcost, st.sec)
            done = K._try_replace(u, *args, st.nb, data.ncnt, st.last_mod, st.mark, st.cnt, data.kd, prm, data.angle,
                                  -1)
            assert done == (best[0] < -K.EPS), (seed, u, best)
            if done:
                r = best[1]
                assert (st.node_route[u], st.node_pos[u], st.node_route[best[2]]) == (r, pos, -1)
                assert st.rcost[r] == pytest.approx(cost(routes[r, 1:rlen[r] + 1].tolist(), inst, r, prm), abs=1e-6)
            tried += 1
            changed += done
    assert tried >= 10 and changed >= 2 and changed < tried


@pytest.mark.parametrize("scale", [0.1, 1.0])
def test_routes_of_optional_clients_leave_whole_as_the_twin_says(scale):
    """``drop_routes`` empties exactly the routes whose clients are all optional and which, without
    penalties (the naive cost with zero penalties), cost more than their prizes together; the other
    routes keep their visits. Prizes scaled by ``scale``."""
    kept = dropped = 0
    for seed in range(8):
        inst, data, prm, st, routes, rlen, prizes, required = prize_state(seed)
        data.kd.prize[:] *= scale
        before = [routes[r, 1:rlen[r] + 1].tolist() for r in range(len(SLOTS))]
        want = [r for r, route in enumerate(before) if route and not any(required[c] for c in route)
                and cost(route, inst, r, np.zeros_like(prm)) - scale * sum(prizes[c] for c in route) > K.EPS]
        assert I.drop_routes(st, data.kd, prm, data.angle) == len(want)
        for r, route in enumerate(before):
            if r in want:
                assert rlen[r] == 0 and st.rcost[r] == 0.0 and all(st.node_route[c] < 0 for c in route)
            else:
                assert routes[r, 1:rlen[r] + 1].tolist() == route
                assert all(st.node_route[c] == r for c in route)
        kept += sum(1 for r, route in enumerate(before) if route and r not in want)
        dropped += len(want)
    assert dropped >= 1 and kept >= 1


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("most", [3, 20])
def test_open_route_fills_an_empty_route_as_the_twin_says(seed, most):
    """``open_route`` puts an unvisited optional client ``c`` into the empty slot (of those of each type)
    where it alone costs least, then its unvisited optional granular neighbours in their order (at most
    ``most`` clients in all), each at the cheapest position of that route (twin: every position priced
    by the naive route cost); the other routes keep their visits, the summaries agree with the twin."""
    inst, data, prm, st, routes, rlen, prizes, required = prize_state(seed, empty=(2, 3), granular=8)
    before = [routes[r, 1:rlen[r] + 1].tolist() for r in range(len(SLOTS))]
    unvisited = {v for v in range(2, inst.num_nodes) if st.node_route[v] < 0}
    m = I.open_route(st, data.kd, prm, data.ncnt, data.angle, most, 7)
    after = [routes[r, 1:rlen[r] + 1].tolist() for r in range(len(SLOTS))]
    changed = [r for r in range(len(SLOTS)) if after[r] != before[r]]
    assert m >= 2 and len(changed) == 1 and not before[changed[0]]
    re = changed[0]
    assert len(after[re]) == m <= most and set(after[re]) <= unvisited and all(st.mark[v] == 7 for v in after[re])

    def twin(c):
        """The route the kernel should have built from ``c``, and its slot."""
        empties = {}  # vehicle type -> its first empty slot
        for r, t in enumerate(SLOTS):
            if not before[r]:
                empties.setdefault(t, r)
        slot = min((cost([c], inst, r, prm), r) for r in empties.values())[1]
        route = [c]
        for w in st.nb[c, :data.ncnt[c]]:  # (the search's order: ls_setup shuffled each list)
            if len(route) < most and int(w) in unvisited and inst.vehicle_types[SLOTS[slot]].may_serve(int(w)):
                w = int(w)
                route = min((route[:i] + [w] + route[i:] for i in range(len(route) + 1)),
                            key=lambda x: cost(x, inst, slot, prm))
        return route, slot

    assert any(twin(c) == (after[re], re) for c in after[re])  # built from one of its clients
    for r in range(len(SLOTS)):
        assert st.rcost[r] == pytest.approx(cost(after[r], inst, r, prm), abs=1e-6)
        assert all(st.node_route[v] == r and st.node_pos[v] == q + 1 for q, v in enumerate(after[r]))


def test_open_route_needs_an_empty_vehicle_and_unvisited_clients():
    inst, data, prm, st, routes, rlen, prizes, required = prize_state(3)  # every slot used
    assert all(rlen > 0) and any(st.node_route[2:] < 0)
    before = routes.copy()
    assert I.open_route(st, data.kd, prm, data.ncnt, data.angle, 20, 7) == 0
    assert (routes == before).all()
    inst, data, prm, st, routes, rlen, prizes, required = prize_state(3, empty=(3,))
    assert rlen[3] == 0
    for v in range(2, inst.num_nodes):  # every client visited: no one to open a route for
        if st.node_route[v] < 0:
            r, p = I.best_insertion(st, v, np.zeros(inst.num_nodes, np.bool_), data.ncnt, data.kd, prm,
                                    I.NO_NEW_ROUTES)
            I.insert_at(st, v, r, p, data.kd, prm, data.angle)
    before = routes.copy()
    assert I.open_route(st, data.kd, prm, data.ncnt, data.angle, 20, 7) == 0
    assert (routes == before).all()


@pytest.mark.parametrize("scale,back", [(1e-6, False), (1e6, True)])
def test_ruin_route_not_forced_puts_optional_clients_back_only_where_they_pay(scale, back):
    """``ruin_route`` without ``forced`` (``close_route``) empties one whole route; its required clients
    go back, its optional ones only where that costs less than their prize: none with prizes scaled to
    nothing, all with prizes scaled far above any route cost. The other clients stay visited, the
    summaries agree with the twin."""
    ruined = 0
    for seed in range(6):
        inst, data, prm, st, routes, rlen, prizes, required = prize_state(seed)
        data.kd.prize[:] *= scale
        before = [routes[r, 1:rlen[r] + 1].tolist() for r in range(len(SLOTS))]
        n1 = inst.num_nodes
        gone, lst = np.zeros(n1, np.bool_), np.zeros(n1, np.int64)
        m = I.ruin_route(st, data.kd, prm, data.ncnt, data.angle, n1, 5, gone, lst, I.NOT_FORCED)
        moved = set(np.abs(lst[:m]).tolist())
        assert not gone.any() and (m == 0 or moved in [set(r) for r in before if r])
        after = [routes[r, 1:rlen[r] + 1].tolist() for r in range(len(SLOTS))]
        visited = {v for r in after for v in r}
        assert {v for r in before for v in r} - moved <= visited
        assert all(v in visited for v in moved if required[v])
        assert all((v in visited) == back for v in moved if not required[v])
        for r in range(len(SLOTS)):
            assert st.rcost[r] == pytest.approx(cost(after[r], inst, r, prm), abs=1e-6)
        ruined += any(not required[v] for v in moved)
    assert ruined >= 2


@pytest.mark.parametrize("leave_out", [False, True])
def test_perturb_leaving_optional_clients_out(leave_out):
    """``perturb`` with ``leave_out`` (PyVRP's perturbation): of the clients it removes, the optional ones
    that were visited stay unvisited and promising; the required ones and the unvisited optional ones
    go in; the other clients keep their order; the summaries agree with the twin. Without it, a removed
    optional client with prizes scaled far above any route cost goes back in."""
    out_seen = 0
    for seed in range(6):
        inst, data, prm, st, routes, rlen, prizes, required = prize_state(seed)
        data.kd.prize[:] *= 1e6
        before = [routes[r, 1:rlen[r] + 1].tolist() for r in range(len(SLOTS))]
        visited = {v for r in before for v in r}
        n1 = inst.num_nodes
        gone, lst, touched = np.zeros(n1, np.bool_), np.zeros(n1, np.int64), np.zeros(len(SLOTS), np.bool_)
        k = I.perturb(st, data.kd, prm, data.ncnt, data.neigh, data.angle, 8, 5, gone, lst, touched, leave_out, False)
        assert not gone.any() and not touched.any()
        after = [routes[r, 1:rlen[r] + 1].tolist() for r in range(len(SLOTS))]
        now = {v for r in after for v in r}
        removed = set(np.abs(lst[:k]).tolist())
        assert k == 8 and len(removed) == 8
        left = visited - now
        if leave_out:
            assert left == {v for v in removed if v in visited and not required[v]}
            assert all(st.mark[v] == 5 and st.node_route[v] < 0 for v in left)
            out_seen += len(left)
        else:
            assert not left  # prizes far above any cost: every removed client goes back
        assert all(v in now for v in range(2, n1) if required[v])
        assert all(v in now for v in removed if v not in visited)  # unvisited ones toggled in
        assert _kept_order(before, removed | left) == _kept_order(after, removed | left)
        for r in range(len(SLOTS)):
            assert st.rcost[r] == pytest.approx(cost(after[r], inst, r, prm), abs=1e-6)
    assert not leave_out or out_seen >= 3


def _kept_order(R, moved):
    return sorted(tuple(w for w in r if w not in moved) for r in R if any(w not in moved for w in r))


def test_clients_that_no_vehicle_serves_together_are_not_neighbours():
    """Site dependence: the granular lists hold, for each client, the closest clients that some vehicle
    type may serve with it (the twin: the ``g`` closest such, then made symmetric), and no other."""
    rng = np.random.default_rng(3)
    n1, g = 16, 4
    xy = rng.uniform(0, 100, (n1, 2))
    d = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))
    sets = (range(1, 9), range(6, 13), range(11, 16))  # three types, each its own clients (overlapping)
    types = tuple(VehicleType(20, 2, allowed_clients=tuple(s)) for s in sets)
    inst = RoutingInstance("sites", d, np.r_[0, np.ones(n1 - 1, int)], vehicle_types=types, coordinates=xy)
    data = hgs._Data(inst, g, np.repeat(np.arange(3), 2))

    def share(i, j):
        return any(i in s and j in s for s in sets)

    def closest(i, pred):
        return sorted((j for j in range(1, n1) if j != i and pred(i, j)), key=lambda j: (d[i, j], j))[:g]

    want = {i: set(closest(i, share)) for i in range(1, n1)}
    for i in range(1, n1):
        for j in closest(i, share):
            want[j].add(i)
    got = {i: set(data.neigh[i, :data.ncnt[i]].tolist()) for i in range(1, n1)}
    assert got == want
    # (without site dependence some of the closest would be clients no vehicle serves together)
    assert any(not share(i, j) for i in range(1, n1) for j in closest(i, lambda a, b: True))
