"""VRPLIB / TSPLIB reader: CVRP, CVRPTW (Solomon as VRPLIB), TSP, ATSP and PyVRP's dialect of
the rich variants (HFVRP, MDVRPTW, PCVRPTW, VRPB, MTVRPTWR, SDVRPTW).

Supported: ``EDGE_WEIGHT_TYPE`` EUC_2D, CEIL_2D, ATT, GEO and EXPLICIT (all TSPLIB
``EDGE_WEIGHT_FORMAT`` s: FULL_MATRIX, UPPER/LOWER_ROW, UPPER/LOWER_DIAG_ROW and their
_COL twins); sections NODE_COORD, DEMAND (or LINEHAUL), BACKHAUL, DEPOT (several depots:
the first node ids), TIME_WINDOW, SERVICE_TIME, RELEASE_TIME, PRIZE, EDGE_WEIGHT and the
per-vehicle sections of :mod:`netopt.io.fleet` (DISPLAY_DATA and TOUR are skipped); headers
CAPACITY, VEHICLES, SERVICE_TIME (customers), DISTANCE (route length limit), and
VEHICLES_MAX_DURATION / VEHICLES_MAX_DISTANCE / ... for every vehicle. Durations equal
distances, as in the Solomon conversion. As in ``pyvrp.read``, a client with prize 0 is
required and one with a prize is optional; TYPE VRPB puts linehauls before backhauls.

Loads in several dimensions (weight, volume, ...), as PyVRP's dialect gives them: ``L`` values after
the node id on every DEMAND / LINEHAUL / BACKHAUL row (the same ``L`` on every row and in both
sections) and ``L`` capacities after the vehicle number on every ``CAPACITY_SECTION`` row; the
``CAPACITY`` header holds one value (one dimension), as in ``pyvrp.read``. The writer gives such an
instance a ``CAPACITY_SECTION`` (an unlimited fleet as one vehicle per customer).

``rounding="auto"`` is CVRPLIB's nearest integer for CVRP and TSP, DIMACS (truncate to one
decimal) for instances with time windows, and for PyVRP's benchmark types the convention its
best-known solutions use (:data:`AUTO_ROUNDING`: ``x10`` / ``x1000`` scale every distance and
time value, as ``pyvrp.read``'s ``dimacs`` and ``exact``). Costs are in the file's units: PyVRP's
HFVRP files store fixed and unit distance costs times 100, so with ``x1000`` an HFVRP cost is
1e5 times the literature's (some of its ``.sol`` files state it so, others in the original units).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .._limits import check_dense
from ..exceptions import InstanceFormatError
from ..model import RoutingInstance
from ..model import distances as DM
from ..model.routing import MAX_LOAD_DIMS
from . import distances as D
from . import fleet as F
from ._text import read_text

#: the most vehicles a file may declare (the largest in PyVRP's collection: 7,875)
MAX_VEHICLES = 1_000_000

SECTIONS = {
    "NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION", "TIME_WINDOW_SECTION",
    "SERVICE_TIME_SECTION", "EDGE_WEIGHT_SECTION", "DISPLAY_DATA_SECTION", "TOUR_SECTION",
    "LINEHAUL_SECTION", "BACKHAUL_SECTION", "RELEASE_TIME_SECTION", "PRIZE_SECTION",
} | F.SECTIONS
_IGNORED_SECTIONS = {"DISPLAY_DATA_SECTION", "TOUR_SECTION"}
#: sections that only a vehicle-routing problem has (a TSP with one of them mixes incompatible data)
_VRP_ONLY_SECTIONS = {"LINEHAUL_SECTION", "BACKHAUL_SECTION", "RELEASE_TIME_SECTION", "PRIZE_SECTION"}
TYPES = {"CVRP": "cvrp", "CVRPTW": "vrptw", "VRPTW": "vrptw", "TSP": "tsp", "ATSP": "tsp"}
#: PyVRP's rich types: the problem is "vrptw" when the file has time windows, else "cvrp"
RICH_TYPES = ("HFVRP", "MDVRP", "MDVRPTW", "PCVRP", "PCVRPTW", "VRPB", "VRPBTW", "MTVRP", "MTVRPTW", "MTVRPTWR",
              "SDVRP", "SDVRPTW", "VRP")
#: the rounding of PyVRP's benchmark sets, by TYPE (the one their best-known solutions use)
AUTO_ROUNDING = {"HFVRP": "x1000", "MDVRPTW": "x1000", "SDVRPTW": "x1000", "PCVRPTW": "x10", "MTVRPTWR": "x10",
                 "VRPB": "nint"}
WEIGHT_TYPES = ("EUC_2D", "CEIL_2D", "ATT", "GEO", "EXPLICIT")
FORMATS = (
    "FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW", "LOWER_DIAG_ROW",
    "UPPER_COL", "LOWER_COL", "UPPER_DIAG_COL", "LOWER_DIAG_COL",
)
_HEADER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*?)\s*$")
_SECTION = re.compile(r"^([A-Z_]+_SECTION)\s*:?\s*$")


def parse(text: str, path) -> tuple[dict[str, tuple[str, int]], dict[str, list[tuple[int, list[str]]]]]:
    """Split a VRPLIB file into headers ``{KEY: (value, line)}`` and sections ``{NAME: [(line, tokens)]}``."""
    headers: dict[str, tuple[str, int]] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "EOF":
            break
        m = _SECTION.match(line)
        if m:
            name = m.group(1)
            if name not in SECTIONS:
                raise InstanceFormatError(path, name, f"unknown section (known: {', '.join(sorted(SECTIONS))})", lineno)
            if name in sections:
                raise InstanceFormatError(path, name, "section appears twice", lineno)
            sections[name] = []
            current = name
            continue
        if line[0].isalpha() and not _is_number(line.split()[0]):
            m = _HEADER.match(line)
            if not m:
                raise InstanceFormatError(path, line.split()[0][:40], "not a 'KEY : value' line or a known section", lineno)
            key = m.group(1).upper()
            if key.endswith("_SECTION"):
                raise InstanceFormatError(path, key, f"unknown section (known: {', '.join(sorted(SECTIONS))})", lineno)
            if current is not None and key not in _KNOWN_HEADERS:
                raise InstanceFormatError(path, current, f"unexpected text {line[:40]!r}", lineno)
            headers[key] = (m.group(2).strip().strip('"').strip(), lineno)
            current = None
            continue
        if current is None:
            raise InstanceFormatError(path, None, f"data outside any section: {line[:40]!r}", lineno)
        sections[current].append((lineno, line.split()))
    return headers, sections


_KNOWN_HEADERS = {
    "NAME", "TYPE", "COMMENT", "DIMENSION", "CAPACITY", "EDGE_WEIGHT_TYPE", "EDGE_WEIGHT_FORMAT",
    "NODE_COORD_TYPE", "DISPLAY_DATA_TYPE", "VEHICLES", "SERVICE_TIME", "DISTANCE", "EDGE_DATA_FORMAT",
} | set(F.VALUE_HEADERS)


def _is_number(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


class _Reader:
    def __init__(self, path, headers, sections):
        self.path, self.headers, self.sections = path, headers, sections

    def err(self, field, msg, line=None):
        return InstanceFormatError(self.path, field, msg, line)

    def header(self, key, required=False):
        if key not in self.headers:
            if required:
                raise self.err(key, "missing")
            return None
        return self.headers[key][0]

    def number(self, key, kind=float, required=False, positive=False):
        raw = self.header(key, required)
        if raw is None:
            return None
        try:
            val = float(raw)
            if not np.isfinite(val):
                raise ValueError
            if kind is int:
                if val != int(val):
                    raise ValueError
                val = int(val)
        except ValueError:
            raise self.err(key, f"expected {'an integer' if kind is int else 'a number'}, got {raw!r}",
                           self.headers[key][1]) from None
        if positive and val <= 0:
            raise self.err(key, f"must be positive, got {raw}", self.headers[key][1])
        if val < 0:
            raise self.err(key, f"must not be negative, got {raw}", self.headers[key][1])
        return val

    def rows(self, name, width, ids, required=True, kind=float):
        """Rows ``id v1 .. v{width}`` for each node id, as a ``(dim, width)`` array in ``ids`` order."""
        if name not in self.sections:
            if required:
                raise self.err(name, "missing section")
            return None
        pos = {v: i for i, v in enumerate(ids)}
        out = np.full((len(ids), width), np.nan)
        seen = set()
        for line, toks in self.sections[name]:
            if len(toks) != width + 1:
                raise self.err(name, f"expected {width + 1} values per row (id and {width}), got {len(toks)}", line)
            nid = self._int(name, toks[0], line)
            if nid not in pos:
                raise self.err(name, f"node {nid} is not one of the {len(ids)} nodes", line)
            if nid in seen:
                raise self.err(name, f"node {nid} listed twice", line)
            seen.add(nid)
            for k, tok in enumerate(toks[1:]):
                out[pos[nid], k] = self._float(name, tok, line)
            if kind is int and not np.all((out[pos[nid]] == np.round(out[pos[nid]])) & (np.abs(out[pos[nid]]) <= 2.0**53)):
                raise self.err(name, f"node {nid}: expected integers, got {' '.join(toks[1:])}", line)
        if len(seen) != len(ids):
            missing = next(v for v in ids if v not in seen)
            raise self.err(name, f"no row for node {missing} ({len(seen)} of {len(ids)} nodes given)")
        return out

    def loads(self, name, ids, required=True):
        """A load section: rows ``id q1 .. qL`` with the same ``L`` (1..MAX_LOAD_DIMS load dimensions,
        as in PyVRP's dialect) on every row, as a ``(dim, L)`` array in ``ids`` order."""
        if name not in self.sections:
            return self.rows(name, 1, ids, required, kind=int)
        rows = self.sections[name]
        width = len(rows[0][1]) - 1 if rows else 1
        if not 1 <= width <= MAX_LOAD_DIMS:
            raise self.err(name, f"expected a node id and 1 to {MAX_LOAD_DIMS} values (one per load dimension), "
                                 f"got {len(rows[0][1]) - 1} after the id", rows[0][0])
        for line, toks in rows:
            got = len(toks) - 1
            if got != width:
                raise self.err(name, f"{got} value{'s' * (got != 1)} after the node id, but the first row has "
                                     f"{width} (one per load dimension)", line)
        return self.rows(name, width, ids, required, kind=int)

    def _float(self, field, tok, line):
        try:
            v = float(tok)
        except ValueError:
            raise self.err(field, f"non-numeric value {tok[:20]!r}", line) from None
        if not np.isfinite(v):
            raise self.err(field, f"non-finite value {tok[:20]!r}", line)
        return v

    def _int(self, field, tok, line):
        v = self._float(field, tok, line)
        if v != int(v):
            raise self.err(field, f"expected an integer node id, got {tok[:20]!r}", line)
        return int(v)


def read_vrplib(path, rounding: str = "auto", dense: bool | None = None) -> RoutingInstance:
    """Read a VRPLIB (CVRP, CVRPTW) or TSPLIB (TSP, ATSP) file.

    Parameters
    ----------
    path
        The ``.vrp`` / ``.tsp`` / ``.atsp`` file.
    rounding
        ``auto`` (nint; dimacs when there are time windows), ``nint``, ``dimacs`` or ``none``;
        only for coordinate instances with EUC_2D distances.
    dense
        Coordinate instances only: build the dense distance matrix (True) or keep the points and
        compute distances on demand (False, :class:`~netopt.model.distances.PointDistances`);
        ``None``: dense up to :data:`~netopt.model.distances.DENSE_NODES` nodes. Explicit matrices are always dense.
    """
    text, sha = read_text(path)
    headers, sections = parse(text, path)
    r = _Reader(path, headers, sections)
    name = r.header("NAME") or Path(path).stem

    # no TYPE: a CVRP with a CAPACITY, PyVRP's generic VRP with per-vehicle capacities only, else a TSP
    typ = (r.header("TYPE") or ("CVRP" if "CAPACITY" in headers else
                                "VRP" if "CAPACITY_SECTION" in sections else "TSP")).upper()
    if typ in RICH_TYPES:
        problem = "vrptw" if "TIME_WINDOW_SECTION" in sections else "cvrp"
    elif typ in TYPES:
        problem = TYPES[typ]
    else:
        raise r.err("TYPE", f"unsupported problem type {typ!r} (supported: {', '.join([*TYPES, *RICH_TYPES])})",
                    headers["TYPE"][1])
    if "DEMAND_SECTION" in sections and "LINEHAUL_SECTION" in sections:
        raise r.err("LINEHAUL_SECTION", "give deliveries once: DEMAND_SECTION or LINEHAUL_SECTION, not both")
    if problem == "tsp":
        routing_only = sorted(k for k in sections if k in F.SECTIONS or k in _VRP_ONLY_SECTIONS)
        if routing_only:
            raise r.err(routing_only[0], f"a {typ} has one vehicle and no loads: this section does not apply")
    dim = r.number("DIMENSION", int, required=True, positive=True)
    if dim < 2:
        raise r.err("DIMENSION", f"need at least 2 nodes, got {dim}", headers["DIMENSION"][1])

    ewt = (r.header("EDGE_WEIGHT_TYPE") or "").upper()
    if not ewt:
        raise r.err("EDGE_WEIGHT_TYPE", "missing")
    if ewt not in WEIGHT_TYPES:
        raise r.err("EDGE_WEIGHT_TYPE", f"unsupported {ewt!r} (supported: {', '.join(WEIGHT_TYPES)})",
                    headers["EDGE_WEIGHT_TYPE"][1])

    # compare DIMENSION with the data present before allocating anything of that size
    if "NODE_COORD_SECTION" in sections:
        rows = sections["NODE_COORD_SECTION"]
        if len(rows) != dim:
            raise r.err("NODE_COORD_SECTION", f"{len(rows):,} rows for DIMENSION {dim:,}")
    elif ewt != "EXPLICIT":
        raise r.err("NODE_COORD_SECTION", f"missing section (needed for EDGE_WEIGHT_TYPE {ewt})")
    if ewt == "EXPLICIT":
        _explicit_count(r, dim)
    points = ewt != "EXPLICIT" and DM.keeps_points(dim, dense)
    if not points:  # the distance matrix, its reordered copy and the instance's own (Euclidean: plus temporaries)
        check_dense("distance matrix", (dim, dim), copies=3 if ewt == "EXPLICIT" else 6, where=str(path))

    # node ids: from the coordinate section when present, else 1..dim
    coords = None
    if "NODE_COORD_SECTION" in sections:
        ids = [r._int("NODE_COORD_SECTION", toks[0], line) for line, toks in rows]
        coords = r.rows("NODE_COORD_SECTION", 2, ids)
    else:
        ids = list(range(1, dim + 1))

    tw_needed = problem == "vrptw"
    if rounding != "auto" and rounding not in D.ROUNDINGS:
        raise r.err("rounding", f"unknown convention {rounding!r} (choose from auto, {', '.join(D.ROUNDINGS)})")
    if ewt == "EUC_2D":
        if rounding == "auto":
            rounding = AUTO_ROUNDING.get(typ, "dimacs" if tw_needed else "nint")
    elif rounding != "auto":
        raise r.err("rounding", f"--round {rounding} applies to EUC_2D distances; {ewt} defines its own")
    else:
        rounding = {"CEIL_2D": "ceil", "ATT": "att", "GEO": "geo", "EXPLICIT": "exact"}[ewt]
    if points:
        dist = None  # PointDistances of the reordered points, below
        if not np.all(np.isfinite(coords)) or not np.isfinite(DM.PointDistances(coords, rounding).longest()):
            raise r.err("NODE_COORD_SECTION", "coordinates so large that distances overflow to infinity")
    elif ewt != "EXPLICIT":
        dist = D.matrix(coords, rounding)
    else:
        dist = _explicit(r, dim)
    if dist is not None:
        D.check_finite(dist, path, "NODE_COORD_SECTION")

    def times(a):  # a time, duration or prize in the units of a scaled convention
        return D.scale_values(a, rounding)

    is_vrp = problem in ("cvrp", "vrptw")
    vehicles = r.number("VEHICLES", int, positive=True)
    if vehicles is not None and vehicles > MAX_VEHICLES:  # before any per-vehicle list is made
        raise r.err("VEHICLES", f"{vehicles:,} vehicles is absurd (at most {MAX_VEHICLES:,})", headers["VEHICLES"][1])
    dem_sec = "LINEHAUL_SECTION" if "LINEHAUL_SECTION" in sections else "DEMAND_SECTION"
    if is_vrp:
        demands = r.loads(dem_sec, ids)  # (dim, L): L load dimensions
        dims = demands.shape[1]
        if "CAPACITY" in headers and len(r.header("CAPACITY").split()) > 1:
            raise r.err("CAPACITY", "one value for every vehicle; with several load dimensions give each "
                                    "vehicle's capacities in CAPACITY_SECTION (PyVRP's dialect)", headers["CAPACITY"][1])
        if "CAPACITY" in headers and dims > 1:
            raise r.err("CAPACITY", f"1 value for the {dims} load dimensions of {dem_sec}; give each vehicle's "
                                    f"{dims} capacities in CAPACITY_SECTION", headers["CAPACITY"][1])
        capacity = r.number("CAPACITY", int, positive=True, required="CAPACITY_SECTION" not in sections)
        depots = _depots(r, ids) if "DEPOT_SECTION" in sections or typ not in RICH_TYPES else [ids[0]]
    else:
        capacity, demands, depots, vehicles = 1, np.zeros((dim, 1)), [ids[0]], 1
        if "DEPOT_SECTION" in sections:
            depots = _depots(r, ids)
    nd = len(depots)
    if nd >= dim:
        raise r.err("DEPOT_SECTION", f"{nd} depots leave no client among the {dim} nodes")

    tws = r.rows("TIME_WINDOW_SECTION", 2, ids, required=tw_needed)
    service = np.zeros(dim)
    if "SERVICE_TIME_SECTION" in sections:
        service = r.rows("SERVICE_TIME_SECTION", 1, ids)[:, 0]
    elif "SERVICE_TIME" in headers:
        service[:] = r.number("SERVICE_TIME")
        for dep in depots:
            service[ids.index(dep)] = 0.0
    max_distance = r.number("DISTANCE", positive=True)
    pickups = r.loads("BACKHAUL_SECTION", ids, required=False)
    if pickups is not None and pickups.shape[1] != demands.shape[1]:
        raise r.err("BACKHAUL_SECTION", f"{pickups.shape[1]} load dimension(s) per row, {dem_sec} has "
                                        f"{demands.shape[1]}", sections["BACKHAUL_SECTION"][0][0])
    release = r.rows("RELEASE_TIME_SECTION", 1, ids, required=False)
    prizes = r.rows("PRIZE_SECTION", 1, ids, required=False)

    # depots first (a single depot may be anywhere; several must be the first node ids, as in
    # PyVRP's dialect, so that .sol locations are internal indices), clients in file order
    if nd == 1:
        d = ids.index(depots[0])
        order = np.array([d] + [i for i in range(dim) if i != d])
    else:
        if sorted(ids.index(v) for v in depots) != list(range(nd)):
            raise r.err("DEPOT_SECTION", f"the {nd} depots must be the first {nd} nodes of the file")
        order = np.arange(dim)
    dist = DM.PointDistances(coords[order], rounding) if points else dist[np.ix_(order, order)]
    for sec, a in ((dem_sec, demands), ("BACKHAUL_SECTION", pickups)):
        nonzero = None if a is None else (a[order][:nd].reshape(nd, -1) != 0).any(1)
        if nonzero is not None and nonzero.any():
            k = int(np.argmax(nonzero))
            raise r.err(sec, f"depot {ids[order[k]]} has non-zero demand "
                             f"{' '.join(f'{q:g}' for q in np.atleast_1d(a[order[k]]))}")

    if F.has_vehicle_data(r) or nd > 1:
        node_index = {ids[i]: k for k, i in enumerate(order)}
        types, fleet = F.read_vehicle_types(r, vehicles, capacity, max_distance, node_index, nd, rounding,
                                            load_dims=demands.shape[1], loads_from=dem_sec)
        kwargs = dict(vehicle_types=types, fleet=fleet)
    else:
        kwargs = dict(capacity=capacity, num_vehicles=vehicles,
                      max_distance=None if max_distance is None else float(times(max_distance)))
    return RoutingInstance(
        name=name,
        distance=dist,
        demands=demands[order].astype(np.int64),  # ((dim, 1): one load dimension, squeezed by the model)
        time_windows=None if tws is None else times(tws[order]),
        service_times=times(service[order]),
        coordinates=None if coords is None else coords[order],
        node_ids=np.array(ids)[order],
        rounding=rounding,
        problem=problem,
        source=str(path),
        sha256=sha,
        num_depots=nd,
        pickups=None if pickups is None else pickups[order].astype(np.int64),
        linehauls_first=typ in ("VRPB", "VRPBTW") and pickups is not None,
        release_times=None if release is None else times(release[order, 0]),
        prizes=None if prizes is None else times(prizes[order, 0]),
        required=None if prizes is None else prizes[order, 0] == 0,
        **kwargs,
    )


def _depots(r: _Reader, ids) -> list[int]:
    if "DEPOT_SECTION" not in r.sections:
        raise r.err("DEPOT_SECTION", "missing section (no depot given)")
    found = []
    for line, toks in r.sections["DEPOT_SECTION"]:
        for tok in toks:
            v = r._int("DEPOT_SECTION", tok, line)
            if v == -1:
                break
            if v not in ids:
                raise r.err("DEPOT_SECTION", f"depot {v} is not one of the nodes", line)
            if v in found:
                raise r.err("DEPOT_SECTION", f"depot {v} listed twice", line)
            found.append(v)
    if not found:
        raise r.err("DEPOT_SECTION", "no depot listed")
    return found


def _explicit_count(r: _Reader, dim: int) -> str:
    """Check the format and that EDGE_WEIGHT_SECTION holds as many values as DIMENSION needs; returns the format."""
    fmt = (r.header("EDGE_WEIGHT_FORMAT", required=True) or "").upper()
    if fmt == "FUNCTION":
        raise r.err("EDGE_WEIGHT_FORMAT", "FUNCTION needs coordinates, not EXPLICIT weights")
    if fmt not in FORMATS:
        raise r.err("EDGE_WEIGHT_FORMAT", f"unsupported {fmt!r} (supported: {', '.join(FORMATS)})")
    if "EDGE_WEIGHT_SECTION" not in r.sections:
        raise r.err("EDGE_WEIGHT_SECTION", "missing section (needed for EDGE_WEIGHT_TYPE EXPLICIT)")
    diag = "DIAG" in fmt
    expected = {"FULL_MATRIX": dim * dim}.get(fmt, dim * (dim + 1) // 2 if diag else dim * (dim - 1) // 2)
    count = sum(len(toks) for _, toks in r.sections["EDGE_WEIGHT_SECTION"])
    if count != expected:
        raise r.err("EDGE_WEIGHT_SECTION", f"{count:,} values, expected {expected:,} for {fmt} with DIMENSION {dim:,}")
    return fmt


def _explicit(r: _Reader, dim: int) -> np.ndarray:
    fmt = _explicit_count(r, dim)
    diag = "DIAG" in fmt
    vals = [r._float("EDGE_WEIGHT_SECTION", tok, line) for line, toks in r.sections["EDGE_WEIGHT_SECTION"] for tok in toks]
    if fmt == "FULL_MATRIX":
        return np.array(vals).reshape(dim, dim)
    m = np.zeros((dim, dim))
    # a *_COL format lists the transpose of the matching *_ROW format; symmetric either way
    upper = fmt.startswith("UPPER") != fmt.endswith("_COL")
    rows, cols = (np.triu_indices if upper else np.tril_indices)(dim, 0 if diag else (1 if upper else -1))
    m[rows, cols] = vals
    m = m + m.T - np.diag(np.diag(m))
    np.fill_diagonal(m, 0.0)
    return m


def format_vrplib(inst: RoutingInstance) -> str:
    """VRPLIB text for ``inst``: EUC_2D when the distances are the rounded coordinates, else EXPLICIT.

    Durations other than the distances cannot be written to VRPLIB; use instance JSON for them.
    """
    from ..exceptions import NetoptError

    if inst.duration is not inst.distance and not np.array_equal(inst.duration, inst.distance):
        raise NetoptError(f"{inst.name}: VRPLIB cannot hold a duration matrix that differs from distances; write .json")
    n1 = inst.num_nodes
    ids = inst.node_ids
    typ = {"cvrp": "CVRP", "vrptw": "CVRPTW", "tsp": "TSP"}[inst.problem]
    euc = (
        inst.coordinates is not None
        and inst.rounding in ("nint", "dimacs", "none")
        and (not inst.dense  # computed from these very points
             or np.array_equal(D.round_distances(D.euclidean(inst.coordinates), inst.rounding), inst.distance))
    )
    if typ == "TSP" and not inst.is_symmetric:
        typ = "ATSP"
    out = [f"NAME : {inst.name}", f"TYPE : {typ}", f"DIMENSION : {n1}"]
    # several load dimensions: PyVRP's dialect has no CAPACITY header for them, only a CAPACITY_SECTION
    # row per vehicle (an unlimited fleet as one vehicle per customer, as pyvrp.read assumes without VEHICLES)
    vehicles = inst.num_vehicles if inst.num_vehicles is not None or inst.load_dims == 1 else inst.num_customers
    if vehicles is not None and typ not in ("TSP", "ATSP"):
        out.append(f"VEHICLES : {vehicles}")
    if typ not in ("TSP", "ATSP") and inst.load_dims == 1:
        out.append(f"CAPACITY : {inst.capacity}")
    if inst.max_distance is not None:
        out.append(f"DISTANCE : {inst.max_distance:g}")
    out.append(f"EDGE_WEIGHT_TYPE : {'EUC_2D' if euc else 'EXPLICIT'}")
    if not euc:
        out += ["EDGE_WEIGHT_FORMAT : FULL_MATRIX", "EDGE_WEIGHT_SECTION"]
        out += [" ".join(f"{v:g}" for v in row) for row in inst.distance]
    if inst.coordinates is not None:
        out.append("NODE_COORD_SECTION")
        out += [f"{ids[i]} {x:g} {y:g}" for i, (x, y) in enumerate(inst.coordinates)]
    if typ not in ("TSP", "ATSP"):
        out.append("DEMAND_SECTION")  # a column per load dimension
        out += [" ".join(map(str, [ids[i], *np.atleast_1d(q)])) for i, q in enumerate(inst.demands)]
        if inst.load_dims > 1:
            out.append("CAPACITY_SECTION")
            out += [" ".join(map(str, [k, *inst.capacity])) for k in range(1, vehicles + 1)]
    if inst.time_windows is not None:
        out.append("TIME_WINDOW_SECTION")
        out += [f"{ids[i]} {a:g} {b:g}" for i, (a, b) in enumerate(inst.time_windows)]
    if inst.service_times.any():
        out.append("SERVICE_TIME_SECTION")
        out += [f"{ids[i]} {s:g}" for i, s in enumerate(inst.service_times)]
    out += ["DEPOT_SECTION", str(ids[0]), "-1", "EOF"]
    return "\n".join(out) + "\n"
