"""Readers and writers: VRPLIB / TSPLIB, Solomon text, netopt instance JSON, ``.sol`` and route JSON."""

from __future__ import annotations

from pathlib import Path

from ..model import RoutingInstance
from ._text import read_text
from .instance_json import instance_to_json, read_instance_json
from .solomon import looks_like_solomon, read_solomon
from .output import check_writable, write_atomic
from .solutions import format_sol, read_routes, read_sol
from .tsp_sets import looks_like_tsp_set, read_tsp_set, split_index
from .vrplib import format_vrplib, read_vrplib


def load_instance(path, *, rounding: str = "auto", dense: bool | None = None) -> RoutingInstance:
    """Read a routing instance, choosing the reader from the name and content.

    ``path`` may be ``-`` or ``/dev/stdin`` (read once, at most 1 GiB). ``.json`` (or text starting
    with ``{``): netopt instance JSON; a Solomon table (``CUST NO.`` header): Solomon text;
    a random-uniform TSP set (``x1 y1 ... output ...`` lines, ``.txt`` or ``.zip``; ``file#i`` picks
    instance ``i``, 0-based): :func:`~netopt.io.tsp_sets.read_tsp_set`; anything else: VRPLIB / TSPLIB.
    ``rounding``: ``auto`` | ``nint`` | ``dimacs`` | ``none`` (see :mod:`netopt.io.distances`).
    ``dense``: for instances given by coordinates (VRPLIB/TSPLIB, TSP sets), build the n x n distance
    matrix (True) or compute distances from the points (False, a
    :class:`~netopt.model.distances.PointDistances`); ``None``: dense up to
    :data:`~netopt.model.distances.DENSE_NODES` nodes. Instance JSON and Solomon files are always dense.
    """
    base, index = split_index(path)
    p = Path(base)
    if index is not None or looks_like_tsp_set(p):
        return read_tsp_set(p, index or 0, dense)
    if p.suffix.lower() == ".json":
        return read_instance_json(p)
    text, _ = read_text(p)
    if text.lstrip().startswith("{"):  # instance JSON without a .json name (e.g. on standard input)
        return read_instance_json(p)
    if looks_like_tsp_set(p, text):
        return read_tsp_set(p, 0, dense)
    if text.lstrip().startswith("<NUMBER OF"):
        from ..exceptions import InstanceFormatError

        raise InstanceFormatError(p, None, "a TNTP road network, not a routing instance (use `netopt assign` or `netopt ndp`)")
    if looks_like_solomon(text):
        return read_solomon(p, rounding)
    return read_vrplib(p, rounding, dense)


__all__ = [
    "check_writable", "format_sol", "format_vrplib", "instance_to_json", "load_instance", "read_instance_json",
    "read_routes", "read_sol", "read_solomon", "read_tsp_set", "read_vrplib", "write_atomic",
]
