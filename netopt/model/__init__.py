"""Frozen data model: instances, solutions and the versioned Result."""

from .result import SCHEMA_VERSION, Result
from .routing import RoutingInstance
from .solution import RoutingSolution

__all__ = ["RoutingInstance", "RoutingSolution", "Result", "SCHEMA_VERSION"]
