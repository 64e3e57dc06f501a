"""Frozen data model: instances, solutions and the versioned Result."""

from .result import SCHEMA_VERSION, Result
from .routing import RoutingInstance
from .network import RoadNetwork
from .solution import RoutingSolution
from .fleet import VehicleType

__all__ = ["RoadNetwork", "RoutingInstance", "RoutingSolution", "Result", "SCHEMA_VERSION", "VehicleType"]
