"""The vehicle sections of PyVRP's VRPLIB dialect, read into vehicle types.

PyVRP's dialect (its ``read()`` is the reference behaviour; the README of each folder of
PyVRP's benchmark collection is the spec) lists vehicles one by one: ``VEHICLES : V`` and,
per vehicle ``1..V``, rows of ``CAPACITY_SECTION`` (one value per load dimension), ``VEHICLES_DEPOT_SECTION``,
``VEHICLES_FIXED_COST_SECTION``, ``VEHICLES_UNIT_DISTANCE_COST_SECTION``,
``VEHICLES_MAX_DURATION_SECTION``, ``VEHICLES_MAX_DISTANCE_SECTION``,
``VEHICLES_MAX_RELOADS_SECTION``, ``VEHICLES_RELOAD_DEPOT_SECTION`` and
``VEHICLES_ALLOWED_CLIENTS_SECTION`` (the last two with a variable number of node ids per
row). A header of the same name without ``_SECTION`` (``CAPACITY : 200``,
``VEHICLES_MAX_DURATION : 450``) gives one value for every vehicle. Vehicles with equal
attributes form one :class:`~netopt.model.fleet.VehicleType`, in order of first appearance;
``fleet`` keeps which vehicle is of which type (route ``k`` of a ``.sol`` is vehicle ``k``).
"""

from __future__ import annotations

import numpy as np

from ..model.fleet import VehicleType
from . import distances as D

#: per-vehicle sections with one value per row: section -> (VehicleType field, kind)
VALUE_SECTIONS = {
    "CAPACITY_SECTION": ("capacity", int),
    "VEHICLES_DEPOT_SECTION": ("start_depot", int),
    "VEHICLES_FIXED_COST_SECTION": ("fixed_cost", float),
    "VEHICLES_UNIT_DISTANCE_COST_SECTION": ("unit_distance_cost", float),
    "VEHICLES_MAX_DURATION_SECTION": ("max_duration", float),
    "VEHICLES_MAX_DISTANCE_SECTION": ("max_distance", float),
    "VEHICLES_MAX_RELOADS_SECTION": ("max_reloads", int),
}
#: fields in the units of the distance convention (times 10 or 1000 for PyVRP's scaled ones)
SCALED_FIELDS = ("fixed_cost", "max_duration", "max_distance")
#: per-vehicle sections with a list of node ids per row
LIST_SECTIONS = {"VEHICLES_RELOAD_DEPOT_SECTION": "reload_depots", "VEHICLES_ALLOWED_CLIENTS_SECTION": "allowed_clients"}
#: headers that set one value for every vehicle (CAPACITY is read by the main reader)
VALUE_HEADERS = {key.removesuffix("_SECTION"): v for key, v in VALUE_SECTIONS.items() if key != "CAPACITY_SECTION"}
SECTIONS = set(VALUE_SECTIONS) | set(LIST_SECTIONS)


def has_vehicle_data(r) -> bool:
    """Whether the file describes its vehicles beyond one capacity and a count."""
    return any(s in r.sections for s in SECTIONS) or any(h in r.headers for h in VALUE_HEADERS)


def read_vehicle_types(r, num_vehicles: int | None, capacity: int | None, max_distance: float | None,
                       node_index: dict[int, int], num_depots: int, rounding: str, load_dims: int = 1,
                       loads_from: str = "DEMAND_SECTION"):
    """``(vehicle_types, fleet)`` from the vehicle sections of reader ``r``; ``fleet`` is None when
    the vehicles of each type are numbered one after another.

    ``capacity`` and ``max_distance`` are the file's ``CAPACITY`` and ``DISTANCE`` headers (or None);
    ``node_index`` maps file node ids to internal indices; depots are internal ``0..num_depots-1``.
    ``load_dims``: the load dimensions of the demands (section ``loads_from``): each
    ``CAPACITY_SECTION`` row gives that many capacities, read as a tuple when there are several.
    """
    if num_vehicles is None:
        raise r.err("VEHICLES", "missing (needed with several depots or per-vehicle data)")
    V = num_vehicles
    attrs: dict[str, list] = {}
    if capacity is not None:
        attrs["capacity"] = [capacity] * V
    if max_distance is not None:
        attrs["max_distance"] = [max_distance] * V
    for key, (fld, kind) in VALUE_HEADERS.items():
        if key in r.headers:
            attrs[fld] = [r.number(key, kind)] * V
    lines: dict[str, list] = {}  # the file line of each vehicle's row, per field read from a section
    for sec, (fld, kind) in VALUE_SECTIONS.items():
        if sec == "CAPACITY_SECTION" and sec in r.sections:  # one capacity per load dimension
            rows = _vehicle_rows(r, sec, V, exact=None)
            for line, toks in rows:
                if len(toks) != load_dims:
                    raise r.err(sec, f"{len(toks)} {'capacity' if len(toks) == 1 else 'capacities'} for the "
                                     f"{load_dims} load dimension(s) of {loads_from}", line)
            lines[fld] = [line for line, _ in rows]
            caps = [tuple(_value(r, sec, [tok], line, int) for tok in toks) for line, toks in rows]
            attrs[fld] = [c[0] if load_dims == 1 else c for c in caps]
        elif sec in r.sections:
            rows = _vehicle_rows(r, sec, V, exact=1)
            lines[fld] = [line for line, _ in rows]
            attrs[fld] = [_value(r, sec, toks, line, kind) for line, toks in rows]
    for sec, fld in LIST_SECTIONS.items():
        if sec in r.sections:
            rows = _vehicle_rows(r, sec, V, exact=None)
            lines[fld] = [line for line, _ in rows]
            attrs[fld] = [tuple(_node(r, sec, tok, line, node_index) for tok in toks) for line, toks in rows]
    if "capacity" not in attrs:
        raise r.err("CAPACITY", "missing (give CAPACITY or CAPACITY_SECTION)")

    if "start_depot" in attrs:  # a depot node id -> its internal index
        where = "VEHICLES_DEPOT_SECTION" if "start_depot" in lines else "VEHICLES_DEPOT"
        attrs["start_depot"] = [_depot(r, where, d, line, node_index, num_depots)
                                for d, line in zip(attrs["start_depot"], lines.get("start_depot", [None] * V))]
    for line, depots in zip(lines.get("reload_depots", ()), attrs.get("reload_depots", ())):
        if any(d >= num_depots for d in depots):
            raise r.err("VEHICLES_RELOAD_DEPOT_SECTION", "a reload stop must be a depot", line)
    for line, clients in zip(lines.get("allowed_clients", ()), attrs.get("allowed_clients", ())):
        if any(c < num_depots for c in clients):
            raise r.err("VEHICLES_ALLOWED_CLIENTS_SECTION", "lists a depot among the allowed clients", line)
    for fld in SCALED_FIELDS:
        if fld in attrs:
            attrs[fld] = [float(D.scale_values(v, rounding)) for v in attrs[fld]]

    names = sorted(attrs)
    groups: dict[tuple, int] = {}
    fleet = np.empty(V, np.int64)
    for k in range(V):
        key = tuple(attrs[f][k] for f in names)
        fleet[k] = groups.setdefault(key, len(groups))
    counts = np.bincount(fleet, minlength=len(groups))
    types = []
    for key, t in groups.items():
        kwargs = dict(zip(names, key))
        for fld in ("capacity", "max_reloads"):
            if fld in kwargs and not isinstance(kwargs[fld], tuple):
                kwargs[fld] = int(kwargs[fld])
        kwargs["num_available"] = int(counts[t])
        members = np.flatnonzero(fleet == t)
        kwargs["name"] = f"{members[0] + 1}" if len(members) == 1 else f"{members[0] + 1}..{members[-1] + 1}" \
            if members[-1] - members[0] + 1 == len(members) else f"{len(members)} vehicles from {members[0] + 1}"
        types.append(VehicleType(**kwargs))
    contiguous = np.all(np.diff(fleet) >= 0)
    return tuple(types), (None if contiguous else fleet)


def _vehicle_rows(r, sec: str, V: int, exact: int | None):
    """The rows of a per-vehicle section in vehicle order, checked: one row per vehicle ``1..V``."""
    rows = r.sections[sec]
    if len(rows) != V:
        raise r.err(sec, f"{len(rows):,} rows for VEHICLES {V:,}")
    out = [None] * V
    for line, toks in rows:
        vid = r._int(sec, toks[0], line)
        if not 1 <= vid <= V:
            raise r.err(sec, f"vehicle {vid} is not one of 1..{V}", line)
        if out[vid - 1] is not None:
            raise r.err(sec, f"vehicle {vid} listed twice", line)
        if exact is not None and len(toks) != exact + 1:
            raise r.err(sec, f"expected {exact + 1} values per row (vehicle and {exact}), got {len(toks)}", line)
        out[vid - 1] = (line, toks[1:])
    return out


def _value(r, sec, toks, line, kind):
    v = r._float(sec, toks[0], line)
    if v < 0:
        raise r.err(sec, f"negative value {toks[0]}", line)
    if kind is int:
        if v != int(v):
            raise r.err(sec, f"expected an integer, got {toks[0]}", line)
        return int(v)
    return v


def _node(r, sec, tok, line, node_index) -> int:
    v = r._int(sec, tok, line)
    if v not in node_index:
        raise r.err(sec, f"node {v} is not one of the nodes", line)
    return node_index[v]


def _depot(r, sec, d, line, node_index, num_depots) -> int:
    if d not in node_index or node_index[d] >= num_depots:
        raise r.err(sec, f"{d} is not a depot (DEPOT_SECTION)", line)
    return node_index[d]
