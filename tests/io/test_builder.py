"""The Python builder: what it builds equals what the file reader builds, and bad input names the field."""

import numpy as np
import pytest

import netopt
from netopt.exceptions import InstanceFormatError
from netopt.io.builder import Model
from netopt.validate import check_routes


def test_builder_makes_the_rich_instance_a_file_would():
    m = netopt.Model()
    d0, d1 = m.add_depot(0, 0, tw=(0, 100)), m.add_depot(10, 0)
    a = m.add_client(1, 0, delivery=3, tw=(0, 50), service=1)
    b = m.add_client(2, 0, pickup=2, release=5)
    c = m.add_client(11, 0, delivery=1, prize=7, required=False)
    m.add_vehicle_type(capacity=5, num_available=1, start_depot=d0, reload_depots=(d0,), fixed_cost=10)
    m.add_vehicle_type(capacity=5, num_available=2, start_depot=d1, allowed_clients=(c,))
    inst = m.instance(name="built")
    assert inst.num_depots == 2 and inst.num_customers == 3
    assert inst.demands.tolist() == [0, 0, 3, 0, 1] and inst.pickups.tolist() == [0, 0, 0, 2, 0]
    assert inst.required.tolist() == [True, True, True, True, False] and inst.prizes[4] == 7
    assert inst.vehicle_types[1].allowed_clients == (4,) and inst.vehicle_types[0].reload_depots == (0,)
    assert inst.time_windows[2].tolist() == [0, 50] and inst.time_windows[1, 1] >= 100  # open until the end
    rep = check_routes(inst, [[2, 0, 3]], None, [0])  # client c skipped: its prize is paid
    assert rep.feasible and rep.cost == 10 + (1 + 1 + 2 + 2) + 7


def test_edges_override_euclidean_distances():
    m = Model()
    d = m.add_depot(0, 0)
    a = m.add_client(3, 4, delivery=1)
    m.add_vehicle_type(capacity=1)
    m.add_edge(d, a, 9, duration=20)
    inst = m.instance()
    assert inst.distance[0, 1] == 9 and inst.distance[1, 0] == 5 and inst.duration[0, 1] == 20
    assert inst.rounding == "exact" and not inst.is_symmetric


@pytest.mark.parametrize("build, field", [
    (lambda m: m.instance(), "depots"),
    (lambda m: (m.add_depot(), m.instance()), "clients"),
    (lambda m: (m.add_depot(), m.add_client(1, 1), m.instance()), "vehicle_types"),
    (lambda m: (m.add_depot(), m.add_client(1, 1), m.add_vehicle_type(capacity=1, start_depot="depot"),
                m.instance()), "start_depot"),
    (lambda m: (m.add_depot(), m.add_client(1, 1, delivery=-2), m.add_vehicle_type(capacity=1), m.instance()),
     "demands"),
])
def test_bad_models_name_the_field(build, field):
    with pytest.raises(InstanceFormatError, match=field):
        build(Model())


def test_solve_a_built_instance():
    m = Model()
    d = m.add_depot(0, 0)
    for x, y in [(1, 0), (0, 1), (-1, 0), (0, -1)]:
        m.add_client(x, y, delivery=1)
    m.add_vehicle_type(capacity=2, num_available=2, start_depot=d)
    res = netopt.solve(m.instance(), solver="hgs", time_limit=0.5, seed=0)
    assert res.status in ("feasible", "optimal", "time_limit") and np.isclose(res.objective, 4 + 2 * np.sqrt(2))
