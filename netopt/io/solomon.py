"""The original Solomon VRPTW text format (``C101.txt``: VEHICLE / NUMBER CAPACITY / CUSTOMER table).

Node ids are the file's customer numbers (depot 0). Distances and durations follow the
same conventions as the VRPLIB reader (``auto`` = DIMACS, truncated to one decimal).
"""

from __future__ import annotations

import numpy as np

from .._limits import check_dense
from ..exceptions import InstanceFormatError
from ..model import RoutingInstance
from . import distances as D
from ._text import read_text


def looks_like_solomon(text: str) -> bool:
    head = text[:2000].upper()
    return "CUST NO" in head and "VEHICLE" in head


def read_solomon(path, rounding: str = "auto") -> RoutingInstance:
    text, sha = read_text(path)
    lines = [(i, ln.split()) for i, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not lines:
        raise InstanceFormatError(path, None, "empty file")
    name = " ".join(lines[0][1])
    upper = [" ".join(t).upper() for _, t in lines]
    try:
        v = next(k for k, u in enumerate(upper) if u.startswith("NUMBER") and "CAPACITY" in u)
        c = next(k for k, u in enumerate(upper) if u.startswith("CUST NO"))
    except StopIteration:
        raise InstanceFormatError(path, "VEHICLE", "missing 'NUMBER CAPACITY' or 'CUST NO.' header") from None
    lineno, toks = lines[v + 1]
    try:
        vehicles, capacity = int(toks[0]), int(toks[1])
    except (ValueError, IndexError):
        raise InstanceFormatError(path, "VEHICLE", f"expected 'NUMBER CAPACITY' integers, got {' '.join(toks)!r}", lineno) from None
    rows = []
    for lineno, toks in lines[c + 1:]:
        if len(toks) != 7:
            raise InstanceFormatError(path, "CUSTOMER", f"expected 7 columns (id x y demand ready due service), got {len(toks)}", lineno)
        try:
            rows.append([float(t) for t in toks])
        except ValueError:
            raise InstanceFormatError(path, "CUSTOMER", f"non-numeric value in {' '.join(toks)[:60]!r}", lineno) from None
    if len(rows) < 2:
        raise InstanceFormatError(path, "CUSTOMER", "needs a depot row and at least one customer")
    check_dense("distance matrix", (len(rows), len(rows)), copies=6, where=str(path))
    a = np.array(rows)
    if not np.all(np.isfinite(a)):
        raise InstanceFormatError(path, "CUSTOMER", "non-finite value")
    if rounding == "auto":
        rounding = "dimacs"
    if rounding not in D.ROUNDINGS:
        raise InstanceFormatError(path, "rounding", f"unknown convention {rounding!r}")
    if np.any(a[:, 3] != np.round(a[:, 3])):
        raise InstanceFormatError(path, "DEMAND", "demands must be integers")
    if np.any(a[:, 0] != np.round(a[:, 0])) or np.any(np.abs(a[:, [0, 3]]) > 2.0**53):
        raise InstanceFormatError(path, "CUSTOMER", "customer numbers and demands must be integers below 2^53")
    dist = D.round_distances(D.euclidean(a[:, 1:3]), rounding)
    D.check_finite(dist, path, "CUSTOMER")
    return RoutingInstance(
        name=name,
        distance=dist,
        demands=a[:, 3].astype(np.int64),
        capacity=capacity,
        num_vehicles=vehicles,
        time_windows=a[:, 4:6],
        service_times=a[:, 6],
        coordinates=a[:, 1:3],
        node_ids=a[:, 0].astype(np.int64),
        rounding=rounding,
        problem="vrptw",
        source=str(path),
        sha256=sha,
    )
