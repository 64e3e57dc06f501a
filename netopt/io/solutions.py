"""Solution files: CVRPLIB ``.sol`` (``Route #k: ...`` and ``Cost X``) and netopt route JSON.

``.sol`` files number nodes by their internal index: depots ``0..D-1`` and clients from ``D`` in
file order (for VRPLIB's depot 1, ``.sol`` customer c is node c+1). A depot inside a route is a
reload stop. When the instance has several vehicle types, route ``k`` is vehicle ``k`` of the
fleet (PyVRP's convention: empty routes keep the alignment), which gives its vehicle type.
Route JSON uses the instance file's own node ids (depot 1, customers 2..n+1 for VRPLIB) and
names each route's ``vehicle_type``.
"""

from __future__ import annotations

import json
import re
import warnings

from ..exceptions import InvalidSolutionError, NetoptError, NetoptWarning, SolutionFormatError
from ..model import RoutingInstance, RoutingSolution
from ._text import read_text

_ROUTE = re.compile(r"^Route\s*#?\s*(\d+)\s*:(.*)$", re.IGNORECASE)
_COST = re.compile(r"^Cost\s*:?\s*(\S+)\s*$", re.IGNORECASE)
#: other ``Key: value`` lines of a solution file (PyVRP's ``Optimal: True``, ``Time: 12.3``): kept as notes
_NOTE = re.compile(r"^[A-Za-z][A-Za-z _-]{0,39}:\s*\S.*$")


def read_sol(path, instance: RoutingInstance) -> tuple[RoutingSolution, float | None]:
    """Read a CVRPLIB ``.sol`` file; returns the solution and the cost it states (or None)."""
    text, _ = _read(path)
    routes, types, cost = [], [], None
    inst = instance
    nd, n1 = inst.num_depots, inst.num_nodes
    lowest = 0 if any(t.reload_depots for t in inst.vehicle_types) else nd
    by_vehicle = len(inst.vehicle_types) > 1
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        m = _ROUTE.match(line)
        if m:
            try:
                visits = [int(t) for t in m.group(2).split()]
            except ValueError:
                raise InvalidSolutionError(f"{path}:{lineno}: Route: non-integer customer in {line[:60]!r}") from None
            bad = [v for v in visits if not lowest <= v < n1]
            if bad:
                raise InvalidSolutionError(
                    f"{path}:{lineno}: Route: customer {bad[0]} outside {nd}..{n1 - 1} of {inst.name}"
                )
            k = 0
            if by_vehicle:
                k = inst.vehicle_type_of(int(m.group(1)) - 1)
                if k is None:
                    raise InvalidSolutionError(f"{path}:{lineno}: Route #{m.group(1)}: the fleet of {inst.name} has "
                                               f"no vehicle {m.group(1)}")
            routes.append(visits)
            types.append(k)
            continue
        m = _COST.match(line)
        if m:
            try:
                cost = float(m.group(1))
            except ValueError:
                raise SolutionFormatError(f"{path}:{lineno}: Cost: non-numeric value {m.group(1)!r}") from None
            continue
        if _NOTE.match(line):
            continue
        raise SolutionFormatError(f"{path}:{lineno}: expected 'Route #k: ...' or 'Cost X', got {line[:40]!r}")
    if not routes:
        raise SolutionFormatError(f"{path}: no 'Route #k:' lines")
    return RoutingSolution(instance, routes, types if by_vehicle else None), cost


def format_sol(solution: RoutingSolution) -> str:
    """``.sol`` text; with several vehicle types, route ``k`` is vehicle ``k`` and unused vehicles
    are empty routes (as PyVRP writes them), so the file says which vehicle drives which route."""
    inst = solution.instance
    if len(inst.vehicle_types) > 1:
        by_vehicle = dict(zip(solution.vehicles(), solution.routes))
        last = max([*by_vehicle, (inst.num_vehicles or 0) - 1])
        lines = [f"Route #{v + 1}: {' '.join(map(str, by_vehicle.get(v, ())))}".rstrip() for v in range(last + 1)]
    else:
        lines = [f"Route #{k}: {' '.join(map(str, r))}" for k, r in enumerate(solution.routes, start=1)]
    cost = solution.cost
    lines.append(f"Cost {int(cost) if float(cost).is_integer() else round(cost, 6)}")
    return "\n".join(lines) + "\n"


def read_routes(path, instance: RoutingInstance) -> tuple[RoutingSolution, float | None]:
    """Read routes from route JSON, a netopt Result JSON, or a ``.sol`` file (by content).

    Returns the solution and the cost the file claims (None when it claims none).
    """
    text, _ = _read(path)
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return read_sol(path, instance)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SolutionFormatError(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
    named = data.get("instance") if isinstance(data, dict) else None
    if named is not None and str(named) != instance.name:
        warnings.warn(f"{path}: the routes name instance {str(named)[:60]!r}, not {instance.name!r}",
                      NetoptWarning, stacklevel=2)
    if isinstance(data, dict) and "solution" in data and "schema_version" in data:  # a Result
        claimed = data.get("objective")
        status = data.get("status")
        data = data["solution"]
        if data is None:
            raise SolutionFormatError(f"{path}: solution: the result holds no solution (status {status!r})")
    else:
        claimed = data.get("cost") if isinstance(data, dict) else None
    routes = data.get("routes") if isinstance(data, dict) else data
    if not isinstance(routes, list):
        raise SolutionFormatError(f"{path}: routes: expected a list of routes")
    out, types = [], []
    for k, r in enumerate(routes, start=1):
        visits = r.get("visits") if isinstance(r, dict) else r
        if not isinstance(visits, list):
            raise SolutionFormatError(f"{path}: routes[{k - 1}].visits: expected a list of node ids")
        out.append(visits)
        types.append(r.get("vehicle_type") if isinstance(r, dict) else None)
    if claimed is not None and (isinstance(claimed, bool) or not isinstance(claimed, (int, float))):
        raise SolutionFormatError(f"{path}: cost: expected a number, got {claimed!r}")
    if len(instance.vehicle_types) == 1:
        types = None
    elif any(t is None for t in types):
        raise SolutionFormatError(f"{path}: routes[{types.index(None)}].vehicle_type: missing (instance "
                                  f"{instance.name} has {len(instance.vehicle_types)} vehicle types)")
    return RoutingSolution.from_node_ids(instance, out, source=str(path), vehicle_types=types), claimed


def _read(path):
    try:
        return read_text(path)
    except NetoptError as e:  # report as a solution-file problem
        raise SolutionFormatError(str(e)) from None
