"""netopt's own JSON instance format, for data VRPLIB cannot hold: asymmetric real-road
distance AND duration matrices with time windows.

``{"format": "netopt-routing", "schema_version": 1, "name", "distance": [[..]], "duration": [[..]],
"demands", "capacity", "num_vehicles", "time_windows", "service_times", "max_duration",
"max_distance", "coordinates", "node_ids"}``; node 0 is the depot; optional fields may be null.

Loads in several dimensions (weight, volume, ...): ``demands`` (and ``pickups``) as a list per node
of one value per dimension, ``capacity`` as a list of one value per dimension (per vehicle type too).

The rich variants add ``num_depots`` (nodes ``0..D-1`` are depots), ``pickups``, ``linehauls_first``,
``release_times``, ``prizes``, ``required`` and ``vehicle_types``: a list of objects with the fields
of :class:`~netopt.model.fleet.VehicleType` (``capacity`` required; depots and allowed clients as
internal indices), which replaces ``capacity`` / ``num_vehicles`` / ``max_duration`` /
``max_distance``; ``fleet`` gives each vehicle's type when vehicles are listed one by one.
"""

from __future__ import annotations

import json

from .._limits import check_dense
from ..exceptions import InstanceFormatError
from ..model import RoutingInstance
from ..model.fleet import VehicleType
from ._text import read_text

FORMAT = "netopt-routing"
_FIELDS = ("distance", "duration", "demands", "capacity", "num_vehicles", "time_windows", "service_times",
           "max_duration", "max_distance", "coordinates", "node_ids", "problem", "num_depots", "pickups",
           "linehauls_first", "release_times", "prizes", "required", "fleet")
_TYPE_FIELDS = tuple(VehicleType.__dataclass_fields__)


def read_instance_json(path) -> RoutingInstance:
    text, sha = read_text(path)
    # parsed JSON numbers take ~4x their text (Python floats in lists), the arrays built from them more
    check_dense("parsed JSON document", (len(text),), itemsize=8, where=str(path))
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise InstanceFormatError(path, None, f"invalid JSON: {e.msg}", e.lineno) from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise InstanceFormatError(path, "format", f'expected "{FORMAT}"')
    if d.get("schema_version") != 1:
        raise InstanceFormatError(path, "schema_version", f"unsupported value {d.get('schema_version')!r}")
    for key in ("distance", "demands") if d.get("vehicle_types") is not None else ("distance", "demands", "capacity"):
        if d.get(key) is None:
            raise InstanceFormatError(path, key, "missing")
    kwargs = {k: d[k] for k in _FIELDS if d.get(k) is not None}
    for key in ("demands", "pickups"):  # a list per node for loads in several dimensions: all of one length
        _check_rows(path, key, kwargs.get(key))
    if d.get("vehicle_types") is not None:
        kwargs["vehicle_types"] = _vehicle_types(path, d["vehicle_types"])
    return RoutingInstance(name=str(d.get("name") or "instance"), rounding="exact", source=str(path), sha256=sha, **kwargs)


def _check_rows(path, key, value) -> None:
    if not isinstance(value, list) or not any(isinstance(v, list) for v in value):
        return
    def size(v) -> str:
        return "a number" if not isinstance(v, list) else f"{len(v)} value{'s' * (len(v) != 1)}"

    for i, v in enumerate(value):
        if size(v) != size(value[0]):
            raise InstanceFormatError(path, key, f"node {i} has {size(v)}, node 0 {size(value[0])}: give every "
                                                 "node one value per load dimension")


def _vehicle_types(path, raw) -> tuple[VehicleType, ...]:
    if not isinstance(raw, list) or not raw:
        raise InstanceFormatError(path, "vehicle_types", "expected a non-empty list of vehicle types")
    out = []
    for k, t in enumerate(raw):
        if not isinstance(t, dict):
            raise InstanceFormatError(path, f"vehicle_types[{k}]", "expected an object")
        unknown = sorted(set(t) - set(_TYPE_FIELDS))
        if unknown:
            raise InstanceFormatError(path, f"vehicle_types[{k}].{unknown[0]}",
                                      f"unknown field (known: {', '.join(_TYPE_FIELDS)})")
        if "capacity" not in t:
            raise InstanceFormatError(path, f"vehicle_types[{k}].capacity", "missing")
        for fld in ("reload_depots", "allowed_clients"):
            v = t.get(fld)
            if v is not None and (not isinstance(v, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                                                       for i in v)):
                raise InstanceFormatError(path, f"vehicle_types[{k}].{fld}", "expected a list of node indices")
        try:
            out.append(VehicleType(**t))
        except (TypeError, ValueError) as e:
            raise InstanceFormatError(path, f"vehicle_types[{k}]", str(e)) from None
    return tuple(out)


def instance_to_json(inst: RoutingInstance) -> str:
    def arr(a):
        return None if a is None else a.tolist()

    d = {
        "format": FORMAT, "schema_version": 1, "name": inst.name, "problem": inst.problem,
        "distance": arr(inst.distance),
        "duration": None if inst.duration is inst.distance else arr(inst.duration),
        "demands": arr(inst.demands), "capacity": inst.capacity, "num_vehicles": inst.num_vehicles,
        "time_windows": arr(inst.time_windows), "service_times": arr(inst.service_times),
        "max_duration": inst.max_duration, "max_distance": inst.max_distance,
        "coordinates": arr(inst.coordinates), "node_ids": arr(inst.node_ids),
    }
    if inst.features:
        for k in ("capacity", "num_vehicles", "max_duration", "max_distance"):
            d.pop(k)
        d.update(num_depots=inst.num_depots, pickups=arr(inst.pickups), linehauls_first=inst.linehauls_first,
                 release_times=arr(inst.release_times), prizes=arr(inst.prizes), required=arr(inst.required),
                 vehicle_types=[t.to_dict() for t in inst.vehicle_types], fleet=arr(inst.fleet))
    return json.dumps(d)
