"""Coordinates-only reading of symmetric TSP files: no n x n distance matrix (issue 20).

:func:`read_tsp_points` reads the files whose distances follow from coordinates (TSPLIB ``TSP``
with ``EUC_2D``, ``CEIL_2D``, ``ATT`` or ``GEO``; the random-uniform sets, ``file#i``) into a
:class:`TspPoints`: coordinates, node ids, the rounding :func:`~netopt.io.load_instance` would apply
and the file's name and digest, the same as that reader's instance except for the matrix
(TSP-10,000: 800 MB less). Anything else (VRP files, ``EXPLICIT`` matrices, ``ATSP``, a
``DEPOT_SECTION``, ``--round dimacs``) gives None: read it with :func:`~netopt.io.load_instance`,
which also reports malformed files.

:func:`tour_length` measures a closed tour edge by edge with the conventions of
:mod:`netopt.io.distances` (entry for entry the matrix that module builds; tests compare them).

Examples
--------
>>> import numpy as np
>>> tour_length(np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 4.0]]), "nint", [0, 1, 2])
12.0
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..model.distances import edge_lengths  # noqa: F401 (this module's API)
from ._text import read_text
from .tsp_sets import looks_like_tsp_set, split_index, tsp_set_instance

#: the edge weight types read from coordinates, with the rounding each implies (EUC_2D: ``--round``)
COORD_TYPES = {"EUC_2D": None, "CEIL_2D": "ceil", "ATT": "att", "GEO": "geo"}
#: the roundings of :class:`TspPoints` (those of :mod:`netopt.io.distances` a coordinates TSP uses)
ROUNDINGS = ("none", "nint", "ceil", "att", "geo")
#: sections a coordinates-only TSP may have (display coordinates are not read)
_SECTIONS = {"NODE_COORD_SECTION", "DISPLAY_DATA_SECTION"}


@dataclass(frozen=True, eq=False)
class TspPoints:
    """A symmetric TSP file's coordinates ``(n, 2)`` (node 0 the first city, which plays the depot),
    file ``node_ids``, ``rounding`` (one of :data:`ROUNDINGS`), ``name``, ``source`` and ``sha256``."""

    name: str
    coordinates: np.ndarray
    node_ids: np.ndarray
    rounding: str
    source: str
    sha256: str

    @property
    def num_nodes(self) -> int:
        return len(self.coordinates)


def read_tsp_points(path, rounding: str = "auto") -> TspPoints | None:
    """The coordinates of a symmetric coordinates TSP file, or None when it is not one (see the
    module docstring); ``rounding`` as for :func:`~netopt.io.load_instance` (``auto`` | ``nint`` |
    ``dimacs`` | ``none``)."""
    base, index = split_index(path)
    p = Path(base)
    if p.suffix.lower() == ".json":
        return None
    if index is None and not looks_like_tsp_set(p):
        text, sha = read_text(p)
        if text.lstrip().startswith("{"):
            return None
        if not looks_like_tsp_set(p, text):
            return _tsplib(p, text, sha, rounding)
    xy, name, sha = tsp_set_instance(p, index or 0)  # the sets are unrounded whatever --round says, as read_tsp_set
    return TspPoints(name, _read_only(xy), _read_only(np.arange(1, len(xy) + 1)), "none", f"{base}#{index or 0}", sha)


def _tsplib(path: Path, text: str, sha: str, rounding: str) -> TspPoints | None:
    from .vrplib import _Reader, parse

    first = text.lstrip()[:20]
    if first.startswith("<NUMBER OF") or "CUST NO" in text[:2000].upper():  # TNTP, Solomon: other readers
        return None
    headers, sections = parse(text, path)
    r = _Reader(path, headers, sections)
    typ = (r.header("TYPE") or ("CVRP" if "CAPACITY" in headers else "TSP")).upper()
    ewt = (r.header("EDGE_WEIGHT_TYPE") or "").upper()
    if typ != "TSP" or ewt not in COORD_TYPES or not set(sections) <= _SECTIONS or "NODE_COORD_SECTION" not in sections:
        return None
    if ewt == "EUC_2D":
        rounding = "nint" if rounding == "auto" else rounding
    elif rounding == "auto":
        rounding = COORD_TYPES[ewt]
    if rounding not in ROUNDINGS:
        return None
    dim = r.number("DIMENSION", int, required=True, positive=True)
    rows = sections["NODE_COORD_SECTION"]
    if dim < 2 or len(rows) != dim:
        return None  # the full reader names the problem
    ids = [r._int("NODE_COORD_SECTION", toks[0], line) for line, toks in rows]
    coords = r.rows("NODE_COORD_SECTION", 2, ids)
    if not np.isfinite(tour_length(coords, rounding, np.arange(dim))):
        return None  # distances overflow: the full reader's error
    return TspPoints(r.header("NAME") or path.stem, _read_only(coords), _read_only(np.array(ids)), rounding, str(path),
                     sha)


def _read_only(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


def tour_length(coordinates: np.ndarray, rounding: str, tour) -> float:
    """Length of the closed tour ``tour`` (indices into ``coordinates``) under ``rounding``."""
    xy = np.asarray(coordinates, dtype=np.float64)
    t = np.asarray(tour, dtype=np.int64)
    return float(edge_lengths(xy[t], xy[np.roll(t, -1)], rounding).sum())


def format_points_routes(points: TspPoints, solution: dict, sol: bool = False) -> str:
    """The route file of a coordinates TSP's ``Result.solution`` (file node ids): route JSON, or with
    ``sol`` the ``.sol`` text (internal indices, the depot 0, as :func:`netopt.io.format_sol` writes)."""
    import json

    if not sol:
        return json.dumps({"instance": points.name, **solution}, indent=2) + "\n"
    index = {int(v): i for i, v in enumerate(points.node_ids)}
    lines = [f"Route #{k}: {' '.join(str(index[v]) for v in r['visits'])}"
             for k, r in enumerate(solution["routes"], start=1)]
    cost = solution["cost"]
    lines.append(f"Cost {int(cost) if float(cost).is_integer() else round(cost, 6)}")
    return "\n".join(lines) + "\n"
