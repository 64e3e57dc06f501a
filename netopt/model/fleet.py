"""Vehicle types: the fleet of a :class:`~netopt.model.RoutingInstance`.

A CVRP has one type (its capacity and fleet size, based at depot 0); a heterogeneous fleet
(HFVRP), several depots (MDVRP), multi-trip vehicles that reload at a depot (MTVRP) and
site-dependent fleets (SDVRP) are several types, each with its own figures. Depots and
clients are *internal* node indices of the instance (depots ``0..D-1``, clients ``D..n``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VehicleType:
    """One kind of vehicle and how many of it there are.

    Parameters
    ----------
    num_available
        Vehicles of this type, or ``None`` for as many as needed.
    capacity
        Load the vehicle carries at once (deliveries and pickups alike), same unit as demands; a
        tuple of one capacity per load dimension when the instance's loads have several (weight,
        volume, ...).
    start_depot, end_depot
        Internal depot indices where its routes start and end (``end_depot`` defaults to the start).
    fixed_cost
        Paid once for each vehicle of this type that is used.
    unit_distance_cost, unit_duration_cost
        Cost per unit of route distance and per unit of route duration.
    tw_early, tw_late
        Shift window: earliest departure from the start depot and latest return to the end
        depot (``None``: the depot's own time window, or unbounded without time windows).
    max_duration, max_distance
        Limits on one route's duration (return minus departure) and distance, or ``None``.
    reload_depots
        Depots where the vehicle may stop inside a route to unload pickups and load the next
        trip's deliveries (multi-trip); empty: one trip per route.
    max_reloads
        Most reload stops in one route (``None``: no limit).
    allowed_clients
        Internal client indices this type may serve (site dependence), or ``None`` for all.
    name
        Label for tables and route JSON.
    """

    capacity: int | tuple[int, ...]
    num_available: int | None = None
    start_depot: int = 0
    end_depot: int | None = None
    fixed_cost: float = 0.0
    unit_distance_cost: float = 1.0
    unit_duration_cost: float = 0.0
    tw_early: float | None = None
    tw_late: float | None = None
    max_duration: float | None = None
    max_distance: float | None = None
    reload_depots: tuple[int, ...] = ()
    max_reloads: int | None = None
    allowed_clients: tuple[int, ...] | None = None
    name: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if isinstance(self.capacity, (list, tuple, np.ndarray)):  # one value per load dimension
            caps = tuple(self.capacity)
            set_(self, "capacity", caps[0] if len(caps) == 1 else caps)
        if self.end_depot is None:
            set_(self, "end_depot", self.start_depot)
        set_(self, "reload_depots", tuple(int(d) for d in self.reload_depots))
        if self.allowed_clients is not None:
            set_(self, "allowed_clients", tuple(sorted({int(c) for c in self.allowed_clients})))

    def problems(self, num_depots: int, num_nodes: int) -> list[tuple[str, str]]:
        """``(field, message)`` for every value out of range for an instance of that size."""
        out = []

        def integer(v) -> bool:
            return not isinstance(v, bool) and isinstance(v, (int, float)) and float(v).is_integer()

        if not self.capacities or not all(integer(c) and c >= 0 for c in self.capacities):
            out.append(("capacity", f"must be a non-negative integer (one per load dimension), got {self.capacity!r}"))
        if self.num_available is not None and (not integer(self.num_available) or self.num_available < 1):
            out.append(("num_available", f"must be a positive integer or None (unlimited), got {self.num_available!r}"))
        for fld in ("start_depot", "end_depot"):
            d = getattr(self, fld)
            if not integer(d) or not 0 <= d < num_depots:
                out.append((fld, f"{d!r} is not one of the {num_depots} depots"))
        for d in self.reload_depots:
            if not 0 <= d < num_depots:
                out.append(("reload_depots", f"{d} is not one of the {num_depots} depots"))
        for fld in ("fixed_cost", "unit_distance_cost", "unit_duration_cost"):
            v = getattr(self, fld)
            if not _finite(v) or v < 0:
                out.append((fld, f"must be a finite non-negative number, got {v!r}"))
        for fld in ("tw_early", "tw_late", "max_duration", "max_distance"):
            v = getattr(self, fld)
            if v is not None and (not _finite(v) or v < 0):
                out.append((fld, f"must be a finite non-negative number or None, got {v!r}"))
        if self.tw_early is not None and self.tw_late is not None and self.tw_early > self.tw_late:
            out.append(("tw_early", f"shift starts at {self.tw_early:g}, after it ends ({self.tw_late:g})"))
        if self.max_reloads is not None and (not integer(self.max_reloads) or self.max_reloads < 0):
            out.append(("max_reloads", f"must be a non-negative integer or None, got {self.max_reloads!r}"))
        if self.allowed_clients is not None:
            bad = [c for c in self.allowed_clients if not num_depots <= c < num_nodes]
            if bad:
                out.append(("allowed_clients", f"{bad[0]} is not a client index ({num_depots}..{num_nodes - 1})"))
        return out

    @property
    def capacities(self) -> tuple:
        """The capacity per load dimension (a 1-tuple for one dimension)."""
        return self.capacity if isinstance(self.capacity, tuple) else (self.capacity,)

    def may_serve(self, client: int) -> bool:
        return self.allowed_clients is None or client in self._allowed_set

    @property
    def _allowed_set(self) -> frozenset[int]:
        s = self.__dict__.get("_allowed")
        if s is None:
            s = frozenset(self.allowed_clients or ())
            object.__setattr__(self, "_allowed", s)
        return s

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["reload_depots"] = list(self.reload_depots)
        if isinstance(self.capacity, tuple):
            d["capacity"] = list(self.capacity)
        d["allowed_clients"] = None if self.allowed_clients is None else list(self.allowed_clients)
        return d


def _finite(v) -> bool:
    try:
        return not isinstance(v, bool) and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False
