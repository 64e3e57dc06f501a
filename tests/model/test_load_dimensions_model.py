"""Loads in several dimensions in the model and the validator: shapes and capacities checked at the
boundary, the bounds taken over the tightest dimension, every dimension validated."""

import numpy as np
import pytest

from netopt.exceptions import InfeasibleInstanceError, InstanceFormatError
from netopt.model import RoutingInstance
from netopt.model.fleet import VehicleType
from netopt.validate import check_routes

D = np.array([[0, 2, 3, 4], [2, 0, 4, 5], [3, 4, 0, 3], [4, 5, 3, 0]], float)
LOADS = np.array([[0, 0], [3, 1], [2, 4], [1, 3]])  # weight, volume


def test_two_dimensions_read_as_such():
    inst = RoutingInstance("t", D, LOADS, capacity=(6, 5))
    assert inst.load_dims == 2 and inst.capacity == (6, 5)
    assert inst.total_demand == (6, 8) and inst.required_load == (6, 8)
    assert inst.min_vehicles == 2  # volume: ceil(8 / 5); weight alone needs 1
    assert inst.features == ("load_dimensions",) and inst.variant == "cvrp-2dim"
    assert inst.vehicle_types[0].capacities == (6, 5)
    one = RoutingInstance("t", D, LOADS[:, :1], capacity=[6])  # (n+1, 1) is one dimension
    assert one.load_dims == 1 and one.demands.shape == (4,) and one.capacity == 6 and one.features == ()


@pytest.mark.parametrize("kw, field, msg", [
    (dict(demands=LOADS, capacity=6), "capacity", "1 value for 2 load dimensions"),
    (dict(demands=LOADS, capacity=(6, 5, 1)), "capacity", "3 values for 2 load dimensions"),
    (dict(demands=LOADS, capacity=(6, 0)), "capacity", "positive integer"),
    (dict(demands=[[0, 0], [3], [2, 4], [1, 3]], capacity=(6, 5)), "demands", "rows of one integer"),
    (dict(demands=np.zeros((4, 9), int), capacity=(1,) * 9), "demands", "at most 8"),
    (dict(demands=LOADS, pickups=[0, 1, 1, 1], capacity=(6, 5)), "pickups", "as demands"),
    (dict(demands=np.array([[1, 0], [3, 1], [2, 4], [1, 3]]), capacity=(6, 5)), "demands", "depot demand must be 0"),
    (dict(demands=LOADS, vehicle_types=(VehicleType((6, 5), 1), VehicleType(9, 1))), "vehicle_types[1].capacity",
     "1 value for 2"),
])
def test_bad_shapes_and_capacities_name_the_field(kw, field, msg):
    kw = dict(kw)
    with pytest.raises(InstanceFormatError, match=msg) as e:
        RoutingInstance("t", D, kw.pop("demands"), **kw)
    assert e.value.field == field


def test_a_client_above_one_dimension_capacity_is_infeasible():
    inst = RoutingInstance("t", D, LOADS, capacity=(6, 3))
    with pytest.raises(InfeasibleInstanceError, match=r"demand \(2, 4\)"):
        inst.check_feasible()
    fleet = RoutingInstance("t", D, LOADS, vehicle_types=(VehicleType((9, 3), 2), VehicleType((1, 9), 1)))
    with pytest.raises(InfeasibleInstanceError, match="above the capacity of every vehicle type"):
        fleet.check_feasible()  # client 2: too bulky for the first type, too heavy for the second


def test_the_validator_checks_every_dimension():
    inst = RoutingInstance("t", D, LOADS, capacity=(6, 5))
    rep = check_routes(inst, [[1, 2, 3]])
    assert rep.violations == ["route 1: load 8 exceeds capacity 5 in load dimension 2"]
    ok = check_routes(inst, [[1, 3], [2]])
    assert ok.feasible and [s.load for s in ok.routes] == [(4, 4), (2, 4)]
