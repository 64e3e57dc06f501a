"""TNTP readers (Transportation Networks for Research): ``_net``, ``_trips``, ``_node``, ``_flow``.

``_net.tntp`` columns: init, term, capacity, length, free-flow time, B, power, speed, toll,
link type, and an optional extra column (the link-addition cost of Rey's DNDP instances).
Metadata ``<TOLL FACTOR>`` / ``<DISTANCE FACTOR>`` set the generalised cost; ``<FIRST THRU
NODE>`` marks centroids (nodes below it) that paths may not pass through.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .._limits import check_dense
from ..exceptions import InstanceFormatError
from ..model import RoadNetwork
from ._text import read_text

_META = re.compile(r"^<([^>]+)>\s*(.*?)\s*$")
_ENTRY = re.compile(r"(\d+)\s*:\s*([^;\s]+)\s*;?")


def _metadata(text: str, path) -> tuple[dict[str, str], list[tuple[int, str]]]:
    meta: dict[str, str] = {}
    lines = text.splitlines()
    body_start = None
    for i, raw in enumerate(lines):
        m = _META.match(raw.strip())
        if m:
            key = m.group(1).strip().upper()
            if key == "END OF METADATA":
                body_start = i + 1
                break
            meta[key] = m.group(2).strip()
        elif raw.strip():
            raise InstanceFormatError(path, "metadata", f"expected '<KEY> value' lines, got {raw.strip()[:40]!r}", i + 1)
    if body_start is None:
        raise InstanceFormatError(path, "<END OF METADATA>", "missing")
    body = [(i + 1, ln) for i, ln in enumerate(lines[body_start:], start=body_start) if ln.strip() and not ln.lstrip().startswith("~")]
    return meta, body


def _meta_number(meta, key, path, kind=int, default=None):
    if key not in meta:
        if default is not None:
            return default
        raise InstanceFormatError(path, f"<{key}>", "missing")
    try:
        v = float(meta[key])
        if not np.isfinite(v) or (kind is int and v != int(v)):
            raise ValueError
        return kind(v)
    except ValueError:
        raise InstanceFormatError(path, f"<{key}>", f"expected a number, got {meta[key]!r}") from None


def read_net(path) -> tuple[dict, np.ndarray, dict[str, float]]:
    """Parse ``_net.tntp``: returns (numeric metadata, link matrix with one row per link, raw metadata).

    The link matrix has 10 columns (standard) or 11 (an extra cost column). Files with
    ``<NUMBER OF NEW LINKS>`` (Rey's DNDP instances) list the new links after the existing ones."""
    text, _ = read_text(path)
    meta, body = _metadata(text, path)
    info = {
        "zones": _meta_number(meta, "NUMBER OF ZONES", path),
        "nodes": _meta_number(meta, "NUMBER OF NODES", path),
        "ftn": _meta_number(meta, "FIRST THRU NODE", path, default=1),
        "links": _meta_number(meta, "NUMBER OF LINKS", path),
        "new_links": _meta_number(meta, "NUMBER OF NEW LINKS", path, default=0),
        "toll_factor": _meta_number(meta, "TOLL FACTOR", path, float, 0.0),
        "distance_factor": _meta_number(meta, "DISTANCE FACTOR", path, float, 0.0),
    }
    rows = []
    width = None
    for lineno, raw in body:
        toks = raw.replace(";", " ").split()
        if not toks:
            continue
        if width is None:
            width = len(toks)
            if width not in (10, 11):
                raise InstanceFormatError(path, "links", f"expected 10 columns (init term capacity length fftt b power speed toll type) or 11 with a cost, got {width}", lineno)
        if len(toks) != width:
            raise InstanceFormatError(path, "links", f"expected {width} columns, got {len(toks)}", lineno)
        try:
            rows.append([float(t) for t in toks])
        except ValueError:
            bad = next(t for t in toks if not _isnum(t))
            raise InstanceFormatError(path, "links", f"non-numeric value {bad[:20]!r}", lineno) from None
    if len(rows) != info["links"] + info["new_links"]:
        what = f"{info['links']}" + (f" + {info['new_links']} new" if info["new_links"] else "")
        raise InstanceFormatError(path, "<NUMBER OF LINKS>", f"says {what} but the file has {len(rows)} link rows")
    a = np.array(rows)
    if not np.all(np.isfinite(a)):
        raise InstanceFormatError(path, "links", "non-finite value")
    _check_sizes(info, a, path)
    return info, a, meta


def _check_sizes(info: dict, links: np.ndarray, path) -> None:
    """Compare the declared node and zone counts with the links present (before anything is sized by them)."""
    nodes, zones = info["nodes"], info["zones"]
    for key, v in (("NUMBER OF NODES", nodes), ("NUMBER OF ZONES", zones), ("NUMBER OF LINKS", info["links"])):
        if v < (0 if key == "NUMBER OF LINKS" else 1):
            raise InstanceFormatError(path, f"<{key}>", f"must be positive, got {v:,}")
    if zones > nodes:
        raise InstanceFormatError(path, "<NUMBER OF ZONES>", f"{zones:,} zones but only {nodes:,} nodes (zones are nodes 1..zones)")
    ends = links[:, :2]
    if np.any(ends != np.round(ends)) or np.any(ends < 1) or np.any(ends > max(nodes, 1)):
        bad = ends[(ends != np.round(ends)) | (ends < 1) | (ends > nodes)][0]
        raise InstanceFormatError(path, "links", f"node {bad:g} outside 1..{nodes}")
    if np.any(np.abs(links[:, 9]) > 2.0**31) or np.any(links[:, 9] != np.round(links[:, 9])):
        raise InstanceFormatError(path, "links", "the link type column must hold integers")
    used = int(ends.max()) if len(links) else 0
    if nodes > max(used, zones):
        raise InstanceFormatError(path, "<NUMBER OF NODES>",
                                  f"says {nodes:,} but no link touches a node above {used:,} (and there are {zones:,} zones)")
    # per-node arrays of the assignment (labels, predecessors, flows per origin) and the dense OD matrix
    check_dense("per-node arrays", (nodes, 16), where=str(path))
    check_dense("OD demand matrix", (zones, zones), copies=3, where=str(path))


def _isnum(t: str) -> bool:
    try:
        float(t)
        return True
    except ValueError:
        return False


def read_trips(path, zones: int | None = None) -> np.ndarray:
    """Parse ``_trips.tntp`` into a dense ``(zones, zones)`` matrix (origin rows)."""
    text, _ = read_text(path)
    meta, body = _metadata(text, path)
    z = _meta_number(meta, "NUMBER OF ZONES", path)
    if zones is not None and z != zones:
        raise InstanceFormatError(path, "<NUMBER OF ZONES>", f"{z} zones but the network has {zones}")
    if z < 1:
        raise InstanceFormatError(path, "<NUMBER OF ZONES>", f"must be positive, got {z:,}")
    check_dense("OD demand matrix", (z, z), copies=3, where=str(path))
    dem = np.zeros((z, z))
    origin = None
    for lineno, raw in body:
        line = raw.strip()
        if line.lower().startswith("origin"):
            parts = line.split()
            try:
                origin = int(parts[1])
            except (IndexError, ValueError):
                raise InstanceFormatError(path, "Origin", f"expected 'Origin k', got {line[:40]!r}", lineno) from None
            if not 1 <= origin <= z:
                raise InstanceFormatError(path, "Origin", f"zone {origin} outside 1..{z}", lineno)
            continue
        if origin is None:
            raise InstanceFormatError(path, "Origin", "demand before the first 'Origin' line", lineno)
        rest = line
        for m in _ENTRY.finditer(line):
            d = int(m.group(1))
            try:
                v = float(m.group(2))
            except ValueError:
                raise InstanceFormatError(path, f"Origin {origin}", f"non-numeric demand {m.group(2)[:20]!r}", lineno) from None
            if not 1 <= d <= z:
                raise InstanceFormatError(path, f"Origin {origin}", f"destination {d} outside 1..{z}", lineno)
            if not np.isfinite(v) or v < 0:
                raise InstanceFormatError(path, f"Origin {origin}", f"demand to {d} must be finite and non-negative, got {v:g}", lineno)
            dem[origin - 1, d - 1] += v
            rest = rest.replace(m.group(0), "", 1)
        if rest.strip(" \t;"):
            raise InstanceFormatError(path, f"Origin {origin}", f"expected 'dest : value;' entries, got {rest.strip()[:40]!r}", lineno)
    if "TOTAL OD FLOW" in meta:
        total = _meta_number(meta, "TOTAL OD FLOW", path, float)
        if abs(total - dem.sum()) > 1e-6 * max(1.0, total) + 0.01 * z:
            raise InstanceFormatError(path, "<TOTAL OD FLOW>", f"says {total:g} but the entries sum to {dem.sum():g}")
    return dem


def read_nodes(path, nodes: int) -> np.ndarray:
    """Parse ``_node.tntp`` (``Node X Y``) into an ``(nodes, 2)`` array (NaN for nodes not listed)."""
    text, _ = read_text(path)
    check_dense("node coordinates", (nodes, 2), where=str(path))
    xy = np.full((nodes, 2), np.nan)
    for lineno, raw in enumerate(text.splitlines(), start=1):
        toks = raw.replace(";", " ").split()
        if not toks or not _isnum(toks[0]):
            continue
        try:
            k, x, y = int(toks[0]), float(toks[1]), float(toks[2])
        except (IndexError, ValueError):
            raise InstanceFormatError(path, "node", f"expected 'node x y', got {raw.strip()[:40]!r}", lineno) from None
        if 1 <= k <= nodes:
            xy[k - 1] = x, y
    return xy


def read_flow(path, network: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Parse ``_flow.tntp`` (``From To Volume Cost``) into flow and cost arrays in the network's link order."""
    text, _ = read_text(path)
    flow = np.full(network.num_links, np.nan)
    cost = np.full(network.num_links, np.nan)
    for lineno, raw in enumerate(text.splitlines(), start=1):
        toks = raw.replace(";", " ").split()
        if len(toks) < 3 or not _isnum(toks[0]):
            continue
        try:
            a, b, v = int(toks[0]), int(toks[1]), float(toks[2])
            c = float(toks[3]) if len(toks) > 3 else np.nan
            k = network.link_index(a, b)
        except (ValueError, KeyError) as e:
            raise InstanceFormatError(path, "flow", f"bad row {raw.strip()[:40]!r}: {e}", lineno) from None
        flow[k], cost[k] = v, c
    if np.isnan(flow).any():
        k = int(np.argmax(np.isnan(flow)))
        raise InstanceFormatError(path, "flow", f"no row for link {network.init[k] + 1}->{network.term[k] + 1}")
    return flow, cost


def network_from_arrays(name, info, links: np.ndarray, demand: np.ndarray, source: str, node_xy=None) -> RoadNetwork:
    return RoadNetwork(
        name=name,
        num_nodes=info["nodes"],
        num_zones=info["zones"],
        init=links[:, 0].astype(np.int64) - 1,
        term=links[:, 1].astype(np.int64) - 1,
        capacity=links[:, 2],
        length=links[:, 3],
        fftt=links[:, 4],
        b=links[:, 5],
        power=links[:, 6],
        toll=links[:, 8],
        link_type=links[:, 9].astype(np.int64),
        first_thru_node=info["ftn"],
        toll_factor=info["toll_factor"],
        distance_factor=info["distance_factor"],
        demand=demand,
        node_xy=node_xy,
        source=source,
    )


def find_files(path, need_trips: bool = True) -> tuple[Path, Path | None, Path | None, Path | None]:
    """``(net, trips, node or None, flow or None)`` for a network folder or a ``_net.tntp`` file
    (``trips`` is None when it is not beside the net file and ``need_trips`` is False)."""
    p = Path(path)
    if p.is_dir():
        nets = sorted(p.glob("*_net.tntp"))
        if len(nets) != 1:
            raise InstanceFormatError(p, None, f"expected one *_net.tntp in the folder, found {len(nets)}")
        net = nets[0]
    elif p.is_file():
        net = p
    else:
        raise InstanceFormatError(p, None, "no such file or folder")
    stem = net.name[: -len("_net.tntp")] if net.name.endswith("_net.tntp") else net.stem

    def sibling(kind):
        for cand in net.parent.glob("*.tntp"):
            if cand.name.lower() == f"{stem}_{kind}.tntp".lower():
                return cand
        return None

    trips = sibling("trips")
    if trips is None and need_trips:
        raise InstanceFormatError(net, None, f"no {stem}_trips.tntp beside it; give the trips file explicitly")
    return net, trips, sibling("node"), sibling("flow")


def load_network(path, trips=None) -> RoadNetwork:
    """Read a TNTP network from a folder or a ``_net.tntp`` file (+ trips file found beside it or given)."""
    if trips is None:
        net_path, trips_path, node_path, _ = find_files(path)
    elif Path(path).is_dir():  # a folder and an explicit trips file: the folder's net (and node) file
        net_path, _, node_path, _ = find_files(path, need_trips=False)
        trips_path = Path(trips)
    else:
        net_path, trips_path, node_path = Path(path), Path(trips), None
    info, links, _ = read_net(net_path)
    demand = read_trips(trips_path, info["zones"])
    xy = read_nodes(node_path, info["nodes"]) if node_path is not None else None
    name = net_path.name.replace("_net.tntp", "") if net_path.name.endswith("_net.tntp") else net_path.stem
    return network_from_arrays(name, info, links, demand, str(net_path), xy)
