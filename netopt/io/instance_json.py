"""netopt's own JSON instance format, for data VRPLIB cannot hold: asymmetric real-road
distance AND duration matrices with time windows.

``{"format": "netopt-routing", "schema_version": 1, "name", "distance": [[..]], "duration": [[..]],
"demands", "capacity", "num_vehicles", "time_windows", "service_times", "max_duration",
"max_distance", "coordinates", "node_ids"}``; node 0 is the depot; optional fields may be null.
"""

from __future__ import annotations

import json

from .._limits import check_dense
from ..exceptions import InstanceFormatError
from ..model import RoutingInstance
from ._text import read_text

FORMAT = "netopt-routing"
_FIELDS = ("distance", "duration", "demands", "capacity", "num_vehicles", "time_windows", "service_times",
           "max_duration", "max_distance", "coordinates", "node_ids", "problem")


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
    for key in ("distance", "demands", "capacity"):
        if d.get(key) is None:
            raise InstanceFormatError(path, key, "missing")
    kwargs = {k: d[k] for k in _FIELDS if d.get(k) is not None}
    return RoutingInstance(name=str(d.get("name") or "instance"), rounding="exact", source=str(path), sha256=sha, **kwargs)


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
    return json.dumps(d)
