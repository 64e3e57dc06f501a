"""Multi-trip routes with release times (the summaries of ``_trip_kernels``): route costs, every move's
delta, the cheap filter and insertions against the twin ``naive_vrp.vehicle_route_cost``, which splits
the route into trips at its depot visits and waits for each trip's release time itself."""

from __future__ import annotations

import numpy as np
import pytest

import naive_vrp as naive
from netopt.model import RoutingInstance
from netopt.model.fleet import VehicleType
from netopt.solvers.vrp import _kernels as K
from netopt.solvers.vrp import hgs

SLOTS = [0, 0, 1]  # the vehicle type of each route slot
COPIES = 3  # reload nodes per reload depot


def trip_instance(seed: int, tw: bool, pickups: bool) -> RoutingInstance:
    """Two depots, ten clients with release times, two vehicle types of one capacity that reload at
    different depots (type 1 may serve only some clients, and reload at most twice). No duration cost or limit: the twin's
    duration is the plain elapsed time."""
    rng = np.random.default_rng(seed)
    n1 = 12
    xy = rng.uniform(0, 100, (n1, 2))
    d = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))
    dem = np.r_[0, 0, rng.integers(1, 6, n1 - 2)]
    pick = np.r_[0, 0, rng.integers(0, 4, n1 - 2)] if pickups else None
    st = np.r_[0, 0, rng.integers(0, 10, n1 - 2)].astype(float)
    release = np.r_[0, 0, rng.integers(0, 200, n1 - 2)].astype(float)
    tws = naive.random_windows(rng, d, 900, 500, (40, 200)) if tw else None
    allowed = tuple(int(c) for c in rng.choice(np.arange(2, n1), 7, replace=False))
    types = (VehicleType(9, 2, fixed_cost=10, unit_distance_cost=1.5, reload_depots=(0,)),
             VehicleType(9, 1, start_depot=1, end_depot=0, reload_depots=(0, 1), allowed_clients=allowed,
                         max_distance=600.0, tw_late=800.0 if tw else None, max_reloads=2))
    return RoutingInstance(f"trips{seed}", d, dem, num_depots=2, vehicle_types=types, time_windows=tws,
                           service_times=st, coordinates=xy, pickups=pick, release_times=release)


def random_routes(inst, data, seed):
    """Clients dealt to the slots (each to a vehicle that may serve it) with reload nodes at random places
    (first, last, side by side too), and one reload node of each depot left out; as kernel arrays."""
    rng = np.random.default_rng(seed + 100)
    R = [[] for _ in SLOTS]
    for c in rng.permutation(np.arange(2, inst.num_nodes)):
        ok = [r for r, t in enumerate(SLOTS) if inst.vehicle_types[t].may_serve(int(c))]
        R[int(rng.choice(ok))].append(int(c))
    for dep in (0, 1):
        for c in np.flatnonzero(data.depot_of == dep)[:-1]:
            r = 2 if dep == 1 else int(rng.integers(len(SLOTS)))  # (only slot 2's vehicle reloads at depot 1)
            R[r].insert(int(rng.integers(len(R[r]) + 1)), int(c))
    return (R, *hgs._route_arrays(R, len(SLOTS), data.n))


def searched(seed, tw, pickups):
    inst = trip_instance(seed, tw, pickups)
    data = hgs._Data(inst, 5, SLOTS, COPIES)
    prm = data.prm(4.0, 2.0)
    R, routes, rlen = random_routes(inst, data, seed)
    st = K.ls_state(routes, rlen, data.neigh, data.kd)
    K.ls_setup(st, data.kd, prm, data.ncnt, data.angle, seed)

    def cost(route, r):  # the twin, on instance nodes (a reload node is its depot)
        return naive.vehicle_route_cost([int(data.src[v]) for v in route], inst, inst.vehicle_types[SLOTS[r]], prm)

    return inst, data, prm, R, routes, rlen, st, cost


CASES = [(0, False, False), (1, True, False), (2, True, True), (3, False, True)]


def test_reload_nodes_copy_their_depot():
    inst = trip_instance(0, True, False)
    data = hgs._Data(inst, 5, SLOTS, COPIES)
    copies = np.flatnonzero(data.depot_of >= 0)
    assert list(data.depot_of[copies]) == [0] * COPIES + [1] * COPIES and copies[0] == inst.num_nodes
    kd = data.kd
    for c in copies:
        dep = data.depot_of[c]
        assert np.array_equal(kd.dist[c, :inst.num_nodes], inst.distance[dep])
        assert kd.optional[c] and kd.prize[c] == 0 and kd.dem[c] == 0
        assert c not in data.neigh[2:inst.num_nodes].ravel()  # in no client's list
        # which vehicle classes may stop there: type 0 reloads at depot 0 only
        assert ((kd.allow[c] >> kd.ri[0, K.RI_BIT]) & 1 == 1) == (dep == 0)
        assert (kd.allow[c] >> kd.ri[2, K.RI_BIT]) & 1 == 1


@pytest.mark.parametrize("seed,tw,pickups", CASES)
def test_trip_move_deltas_and_filter_match_the_twin(seed, tw, pickups):
    inst, data, prm, R, routes, rlen, st, cost = searched(seed, tw, pickups)
    for r in range(len(SLOTS)):
        assert st.rcost[r] == pytest.approx(cost(R[r], r)), r
    nodes = [v for v in range(2, data.n + 1) if st.node_route[v] >= 0]
    checked, forbidden, filtered = naive.check_every_move(st, R, data.kd, prm, cost, nodes, [0] + nodes, 2)
    assert checked > 300 and forbidden > 0 and filtered > 0


@pytest.mark.parametrize("seed,tw,pickups", CASES[:2])
def test_trip_insertions_match_the_twin(seed, tw, pickups):
    """Every position of the left-out reload nodes (one of each depot) costs what the twin says."""
    inst, data, prm, R, routes, rlen, st, cost = searched(seed, tw, pickups)
    out = [v for v in range(2, data.n + 1) if st.node_route[v] < 0]
    assert len(out) == 2 and all(data.depot_of[v] >= 0 for v in out)
    for v in out:
        for r in range(len(SLOTS)):
            for p in range(rlen[r] + 1):
                got = K.insertion_delta(v, r, p, routes, rlen, st.fwd, st.bwd, st.rcost, data.kd, prm)
                ref = cost(R[r][:p] + [v] + R[r][p:], r) - cost(R[r], r)
                assert got == pytest.approx(ref, abs=1e-6) or got > 1e19 and ref > 1e19, (v, r, p)
