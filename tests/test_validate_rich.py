"""The validator on the rich variants: every constraint and cost term, on hand-computed tiny instances.

The instance: points on a line, depots at x = 0 (index 0) and x = 10 (index 1), clients at
x = 1, 2 (indices 2, 3, near depot 0) and x = 11, 12 (indices 4, 5, near depot 1); distance and
duration are |x_i - x_j|.
"""

import numpy as np
import pytest

from netopt.exceptions import InfeasibleInstanceError, InstanceFormatError
from netopt.model import RoutingInstance, RoutingSolution
from netopt.model.fleet import VehicleType
from netopt.validate import check_routes

X = np.array([0.0, 10.0, 1.0, 2.0, 11.0, 12.0])
D = np.abs(X[:, None] - X[None, :])
DEM = np.array([0, 0, 3, 3, 3, 3])


def make(types=None, **kw):
    kw.setdefault("demands", DEM)
    return RoutingInstance("line", D, num_depots=2, vehicle_types=types or
                           (VehicleType(10, 1, start_depot=0), VehicleType(10, 1, start_depot=1)), **kw)


def violations(inst, routes, types=None, cost=None):
    return check_routes(inst, routes, cost, types).violations


def test_multi_depot_routes_start_and_end_at_their_vehicle_depot():
    inst = make()
    rep = check_routes(inst, [[2, 3], [4, 5]], 8, [0, 1])  # 0-1-2-0 and 10-11-12-10: 4 + 4
    assert rep.feasible and rep.cost == 8 and [r.vehicle_type for r in rep.routes] == [0, 1]
    rep = check_routes(inst, [[2, 3], [4, 5]], None, [0, 0])  # both from depot 0: 4 + 24, one vehicle too many
    assert rep.cost == 28 and rep.violations == ["2 routes of vehicle type 0 but the fleet has 1"]
    assert "no vehicle type given" in violations(inst, [[2, 3], [4, 5]])[0]
    assert "unknown vehicle type 7" in violations(inst, [[2, 3], [4, 5]], [0, 7])[0]


def test_fixed_and_unit_costs():
    inst = make((VehicleType(10, 2, start_depot=0, fixed_cost=100, unit_distance_cost=2, unit_duration_cost=0.5),
                 VehicleType(10, 1, start_depot=1)))
    rep = check_routes(inst, [[2, 3], [4, 5]], None, [0, 1])
    assert rep.routes[0].cost == 100 + 2 * 4 + 0.5 * 4 and rep.cost == 110 + 4


def test_prizes_of_skipped_optional_clients_are_paid():
    inst = make(prizes=[0, 0, 0, 0, 0, 7], required=[1, 1, 1, 1, 1, 0])
    rep = check_routes(inst, [[2, 3], [4]], None, [0, 1])
    assert rep.feasible and rep.uncollected_prizes == 7 and rep.cost == 4 + 2 + 7
    assert check_routes(inst, [[2, 3], [4, 5]], None, [0, 1]).cost == 8
    assert "1 customer(s) not visited: 5" in violations(inst, [[2, 3], [5]], [0, 1])  # ids 1..6: index 4 is id 5


def test_pickups_load_peaks_along_the_trip_and_linehauls_come_first():
    pick = [0, 0, 0, 0, 5, 0]
    dem = [0, 0, 3, 3, 0, 3]
    one = (VehicleType(6, 2, start_depot=0), VehicleType(6, 1, start_depot=1))
    inst = make(one, demands=dem, pickups=pick)
    assert violations(inst, [[2, 3, 4], [5]], [0, 1]) == []  # 6 on board, then 3, 0, 5
    assert "load 11 exceeds capacity 6" in violations(inst, [[4, 2, 3], [5]], [0, 1])[0]  # 6 + 5 after the pickup
    vrpb = make(one, demands=dem, pickups=pick, linehauls_first=True)
    assert "route 1: linehaul customer 4 after backhaul customer 5" in violations(vrpb, [[2, 4, 3], [5]], [0, 1])
    assert "starts a trip with backhaul customer 5" in violations(vrpb, [[2, 3], [4], [5]], [0, 0, 1])[0]
    with pytest.raises(InstanceFormatError, match="linehauls_first: needs pickups"):
        make(linehauls_first=True)


def test_reloads_split_a_route_into_trips():
    mt = make((VehicleType(3, 1, start_depot=0, reload_depots=(0,), max_reloads=1), VehicleType(10, 1, start_depot=1)))
    rep = check_routes(mt, [[2, 0, 3], [4, 5]], None, [0, 1])
    assert rep.feasible and rep.routes[0].distance == 1 + 1 + 2 + 2 and rep.routes[0].trips == 2
    assert rep.routes[0].load == 6  # delivered over both trips
    assert "load 6 exceeds capacity 3" in violations(mt, [[2, 3], [4, 5]], [0, 1])[0]
    assert "2 reloads, the limit is 1" in violations(mt, [[2, 0, 0, 3], [4, 5]], [0, 1])[0]
    assert "not one of its reload depots" in violations(mt, [[2, 1, 3], [4, 5]], [0, 1])[0]
    assert "it has no reloads" in violations(make(), [[2, 0, 3], [4, 5]], [0, 1])[0]


def test_release_times_delay_the_trip_that_carries_the_client():
    tw = np.array([[0, 100]] * 6, float)
    tw[2] = [0, 40]
    inst = make(time_windows=tw, release_times=[0, 0, 50, 0, 0, 0])
    assert "arrives at customer 3 at 51, after its time window closes (40)" in \
        violations(inst, [[2, 3], [4, 5]], [0, 1])[0]
    tw = np.array([[0, 100]] * 6, float)
    tw[3] = [0, 5]
    mt = make((VehicleType(10, 1, reload_depots=(0,)), VehicleType(10, 1, start_depot=1)),
              time_windows=tw, release_times=[0, 0, 60, 0, 0, 0])
    rep = check_routes(mt, [[3, 0, 2], [4, 5]], None, [0, 1])
    # trip 1 must reach client index 3 by 5, so it leaves at 3 at the latest and is back at 7;
    # trip 2 waits at the depot for the release at 60 and is back at 62: duration 59
    assert rep.feasible and rep.routes[0].duration == 62 - 3
    free = make((VehicleType(10, 1, reload_depots=(0,)), VehicleType(10, 1, start_depot=1)),
                time_windows=np.array([[0, 100]] * 6, float), release_times=[0, 0, 60, 0, 0, 0])
    assert check_routes(free, [[3, 0, 2], [4, 5]], None, [0, 1]).routes[0].duration == 6  # leave late, no wait


def test_allowed_clients_shift_windows_and_limits():
    sd = make((VehicleType(10, 1, allowed_clients=(2, 3)), VehicleType(10, 1, start_depot=1)))
    assert "vehicle type 0 may not serve customer 5" in violations(sd, [[2, 3, 4], [5]], [0, 1])[0]
    shift = make((VehicleType(10, 1, tw_late=3), VehicleType(10, 1, start_depot=1)))
    assert "arrives at the depot at 4, after its time window closes (3)" in \
        violations(shift, [[2, 3], [4, 5]], [0, 1])[0]
    lim = make((VehicleType(10, 1, max_distance=3, max_duration=3), VehicleType(10, 1, start_depot=1)))
    v = violations(lim, [[2, 3], [4, 5]], [0, 1])
    assert any("distance 4 exceeds the limit 3" in s for s in v) and any("duration 4 exceeds" in s for s in v)


def test_solution_keeps_vehicle_types_and_numbers_vehicles_per_type():
    inst = make((VehicleType(10, 2, start_depot=0), VehicleType(10, 1, start_depot=1)),
                fleet=[1, 0, 0])  # vehicle 0 is at depot 1; vehicles 1 and 2 at depot 0
    sol = RoutingSolution(inst, [[2], [], [4, 5], [3]], [0, 0, 1, 0])
    assert sol.routes == ((2,), (4, 5), (3,)) and sol.vehicle_types == (0, 1, 0)
    assert sol.vehicles() == [1, 0, 2] and sol.is_feasible
    d = sol.to_dict()
    assert [r["vehicle_type"] for r in d["routes"]] == [0, 1, 0] and d["uncollected_prizes"] == 0


@pytest.mark.parametrize("kw, field", [
    (dict(vehicle_types=(VehicleType(10, 0),)), "num_available"),
    (dict(vehicle_types=(VehicleType(10, 1, start_depot=2),)), "start_depot"),
    (dict(vehicle_types=(VehicleType(10, 1, reload_depots=(3,)),)), "reload_depots"),
    (dict(vehicle_types=(VehicleType(10, 1, allowed_clients=(0,)),)), "allowed_clients"),
    (dict(vehicle_types=(VehicleType(10, 1, fixed_cost=-1),)), "fixed_cost"),
    (dict(vehicle_types=(VehicleType(10, 1, tw_early=5, tw_late=1),)), "tw_early"),
    (dict(vehicle_types=(VehicleType(10, 2),), fleet=[0]), "fleet"),
    (dict(vehicle_types=(VehicleType(10, 1),), capacity=10), "capacity"),
    (dict(pickups=[0, 0, -1, 0, 0, 0]), "pickups"),
    (dict(release_times=[0, 0, np.nan, 0, 0, 0]), "release_times"),
    (dict(required=[1, 1, 2, 1, 1, 1]), "required"),
])
def test_bad_rich_fields_name_the_field(kw, field):
    kw.setdefault("vehicle_types", None)
    with pytest.raises(InstanceFormatError, match=field):
        make(kw.pop("vehicle_types"), **kw)


def test_several_depots_need_vehicle_types():
    with pytest.raises(InstanceFormatError, match="vehicle_types: 2 depots need vehicle types"):
        RoutingInstance("x", D, DEM, 10, num_depots=2)


def test_provably_infeasible_rich_instances():
    with pytest.raises(InfeasibleInstanceError, match="customer 3 cannot be served: no vehicle type may serve it"):
        make((VehicleType(10, 1, allowed_clients=(3, 4, 5)), VehicleType(10, 1, start_depot=1,
                                                                         allowed_clients=(3, 4, 5)))).check_feasible()
    tw = np.array([[0, 30]] * 6, float)
    late = make(time_windows=tw, release_times=[0, 0, 40, 0, 0, 0])
    with pytest.raises(InfeasibleInstanceError, match="release time 40 is after the depot closes"):
        late.check_feasible()
    optional = make(time_windows=tw, release_times=[0, 0, 40, 0, 0, 0], prizes=[0, 0, 5, 0, 0, 0],
                    required=[1, 1, 0, 1, 1, 1])
    optional.check_feasible()  # an optional client that cannot be served is simply skipped


def test_features_and_variant_names():
    assert make().features == ("multi_depot", "vehicle_types") and make().variant == "mdvrp"
    cvrp = RoutingInstance("c", D[1:, 1:], DEM[1:], 10)
    assert cvrp.features == () and cvrp.variant == "cvrp"
    hf = RoutingInstance("h", D[1:, 1:], DEM[1:], vehicle_types=(VehicleType(5, 2, fixed_cost=3), VehicleType(9, 1)))
    assert hf.variant == "hfvrp" and "vehicle_costs" in hf.features
