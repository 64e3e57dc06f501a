"""The directed road graph: CSR arrays over the OSM nodes of drivable ways, saved as one ``.npz``.

Every OSM node of a drivable way is a graph node, every consecutive pair of nodes of a way is
one directed edge per allowed direction (so the node coordinates are also the drawing geometry).
Edge lengths are haversine metres, durations ``length / speed``. Only the largest strongly
connected component is kept (every kept node can reach every other one), and what was dropped is
recorded. The file also holds the map's address points (for ``netopt road sample``).

Examples
--------
>>> g = RoadGraph.from_edges(lat=[60.0, 60.0, 60.001], lon=[24.0, 24.001, 24.001],
...                          tail=[0, 1, 1, 2], head=[1, 0, 2, 1], speed_kmh=[36.0] * 4)
>>> g.num_nodes, g.num_edges, round(float(g.length_m[0]), 1), round(float(g.duration_s[0]), 2)
(3, 4, 55.6, 5.56)
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..exceptions import InstanceFormatError
from .osm import CLASSES, OsmExtract, haversine_m

FORMAT = "netopt-roads"
_NODE_ARRAYS = ("node_lat", "node_lon", "node_id")
_EDGE_ARRAYS = ("tail", "head", "length_m", "speed_kmh", "way_id", "highway")
_ADDR_ARRAYS = ("addr_lat", "addr_lon", "addr_label", "addr_ref")


def _ro(a, dtype) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=dtype)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A directed road graph in CSR order (edges sorted by tail; ``offsets[u]:offsets[u+1]`` leave ``u``).

    Node arrays: ``node_lat``, ``node_lon`` (degrees), ``node_id`` (OSM ids). Edge arrays: ``tail``,
    ``head`` (node indices), ``length_m``, ``speed_kmh``, ``way_id`` (OSM way), ``highway`` (index
    into :data:`~netopt.roads.osm.CLASSES`). ``meta``: profile, source file and hash, what the
    component filter dropped.
    """

    offsets: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    length_m: np.ndarray
    speed_kmh: np.ndarray
    way_id: np.ndarray
    highway: np.ndarray
    node_lat: np.ndarray
    node_lon: np.ndarray
    node_id: np.ndarray
    addr_lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    addr_lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    addr_label: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    addr_ref: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    meta: dict = field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        return int(self.node_lat.size)

    @property
    def num_edges(self) -> int:
        return int(self.tail.size)

    @property
    def duration_s(self) -> np.ndarray:
        """Free-flow travel time of each edge in seconds."""
        return self.length_m / (self.speed_kmh / 3.6)

    @classmethod
    def from_edges(cls, lat, lon, tail, head, speed_kmh, way_id=None, highway=None, node_id=None,
                   meta=None, **addresses) -> RoadGraph:
        """Build from unsorted edge lists (node indices); lengths are haversine metres."""
        lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
        tail, head = np.asarray(tail, np.int64), np.asarray(head, np.int64)
        m = tail.size
        way_id = np.zeros(m, np.int64) if way_id is None else np.asarray(way_id, np.int64)
        highway = np.zeros(m, np.int8) if highway is None else np.asarray(highway, np.int8)
        node_id = np.arange(lat.size, dtype=np.int64) if node_id is None else np.asarray(node_id, np.int64)
        order = np.lexsort((head, tail))
        tail, head = tail[order], head[order]
        offsets = np.zeros(lat.size + 1, np.int64)
        np.add.at(offsets, tail + 1, 1)
        return cls(offsets=_ro(np.cumsum(offsets), np.int64), tail=_ro(tail, np.int64), head=_ro(head, np.int64),
                   length_m=_ro(haversine_m(lat[tail], lon[tail], lat[head], lon[head]), np.float64),
                   speed_kmh=_ro(np.asarray(speed_kmh, np.float64)[order], np.float64),
                   way_id=_ro(way_id[order], np.int64), highway=_ro(highway[order], np.int8),
                   node_lat=_ro(lat, np.float64), node_lon=_ro(lon, np.float64), node_id=_ro(node_id, np.int64),
                   meta=dict(meta or {}), **addresses)

    def csr(self, weight: np.ndarray):
        """``scipy.sparse.csr_matrix`` of one edge weight (parallel edges: the smallest weight)."""
        from scipy.sparse import coo_matrix

        n = self.num_nodes
        key = self.tail * n + self.head
        order = np.lexsort((weight, key))
        first = np.ones(order.size, bool)
        first[1:] = key[order][1:] != key[order][:-1]
        keep = order[first]
        return coo_matrix((weight[keep], (self.tail[keep], self.head[keep])), shape=(n, n)).tocsr()

    def largest_component(self) -> tuple[RoadGraph, dict]:
        """The subgraph of the largest strongly connected component and what was dropped
        (``{"nodes", "edges", "km"}``)."""
        from scipy.sparse.csgraph import connected_components

        n = self.num_nodes
        if n == 0:
            return self, {"nodes": 0, "edges": 0, "km": 0.0}
        _, label = connected_components(self.csr(np.ones(self.num_edges)), directed=True, connection="strong")
        keep = label == np.argmax(np.bincount(label))
        ekeep = keep[self.tail] & keep[self.head]
        new = np.cumsum(keep) - 1
        dropped = {"nodes": int(n - keep.sum()), "edges": int(self.num_edges - ekeep.sum()),
                   "km": round(float(self.length_m[~ekeep].sum()) / 1000.0, 3)}
        g = RoadGraph.from_edges(self.node_lat[keep], self.node_lon[keep], new[self.tail[ekeep]], new[self.head[ekeep]],
                                 self.speed_kmh[ekeep], self.way_id[ekeep], self.highway[ekeep], self.node_id[keep],
                                 meta=self.meta, **self._addresses())
        return g, dropped

    def _addresses(self) -> dict:
        return {k: getattr(self, k) for k in _ADDR_ARRAYS}

    def save(self, path) -> None:
        """Write an uncompressed ``.npz`` (atomically, through :func:`netopt.io.write_atomic`)."""
        import io

        from ..io import write_atomic

        buf = io.BytesIO()
        arrays = {k: getattr(self, k) for k in ("offsets", *_EDGE_ARRAYS, *_NODE_ARRAYS, *_ADDR_ARRAYS)}
        np.savez(buf, format=np.array(FORMAT), meta=np.array(json.dumps(self.meta)), **arrays)
        write_atomic(path, buf.getvalue())

    @classmethod
    def load(cls, path) -> RoadGraph:
        """Read a file written by :meth:`save`, checking every array (a wrong file is exit 2, one line)."""
        path = Path(path)
        try:
            with open(path, "rb") as f:
                if f.read(4) != b"PK\x03\x04":  # every .npz is a zip file
                    raise InstanceFormatError(path, None, "not a road graph (.npz) from `netopt road build`")
            with np.load(path, allow_pickle=False) as z:
                d = {k: z[k] for k in z.files}
        except FileNotFoundError:
            raise InstanceFormatError(path, None, "no such file") from None
        except IsADirectoryError:
            raise InstanceFormatError(path, None, "is a folder, not a road graph") from None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
            raise InstanceFormatError(path, None, f"not a road graph from `netopt road build` ({e})") from None
        if "format" not in d or str(d["format"]) != FORMAT:
            raise InstanceFormatError(path, "format", f"not a road graph from `netopt road build` (expected {FORMAT})")
        missing = [k for k in ("offsets", "meta", *_EDGE_ARRAYS, *_NODE_ARRAYS, *_ADDR_ARRAYS) if k not in d]
        if missing:
            raise InstanceFormatError(path, missing[0], "missing")
        try:
            meta = json.loads(str(d["meta"]))
        except ValueError:
            raise InstanceFormatError(path, "meta", "not JSON") from None
        n, m = d["node_lat"].size, d["tail"].size
        for k, size in [("node_lon", n), ("node_id", n), ("offsets", n + 1), *[(k, m) for k in _EDGE_ARRAYS]]:
            if d[k].shape != (size,):
                raise InstanceFormatError(path, k, f"expected {size} values, got shape {d[k].shape}")
        off, tail, head = d["offsets"].astype(np.int64), d["tail"].astype(np.int64), d["head"].astype(np.int64)
        if m and (tail.min() < 0 or head.min() < 0 or tail.max() >= n or head.max() >= n):
            raise InstanceFormatError(path, "tail/head", "node index out of range")
        if off[0] != 0 or off[-1] != m or np.any(np.diff(off) < 0) or np.any(np.diff(tail) < 0) or \
                not np.array_equal(np.searchsorted(tail, np.arange(n + 1)), off):
            raise InstanceFormatError(path, "offsets", "not the CSR offsets of the edges")
        for k in ("node_lat", "node_lon", "length_m", "speed_kmh"):
            if not np.all(np.isfinite(d[k].astype(np.float64))):
                raise InstanceFormatError(path, k, "contains NaN or infinite values")
        if np.any(d["length_m"] < 0) or np.any(d["speed_kmh"] <= 0):
            raise InstanceFormatError(path, "length_m/speed_kmh", "lengths must be >= 0 and speeds > 0")
        if np.any(np.abs(d["node_lat"]) > 90) or np.any(np.abs(d["node_lon"]) > 180):
            raise InstanceFormatError(path, "node_lat/node_lon", "not degrees of latitude/longitude")
        if np.any((d["highway"] < 0) | (d["highway"] >= len(CLASSES))):
            raise InstanceFormatError(path, "highway", "unknown class index")
        a = d["addr_lat"].size
        for k in _ADDR_ARRAYS:
            if d[k].shape != (a,):
                raise InstanceFormatError(path, k, f"expected {a} values")
        meta["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        return cls(offsets=_ro(off, np.int64), tail=_ro(tail, np.int64), head=_ro(head, np.int64),
                   length_m=_ro(d["length_m"], np.float64), speed_kmh=_ro(d["speed_kmh"], np.float64),
                   way_id=_ro(d["way_id"], np.int64), highway=_ro(d["highway"], np.int8),
                   node_lat=_ro(d["node_lat"], np.float64), node_lon=_ro(d["node_lon"], np.float64),
                   node_id=_ro(d["node_id"], np.int64), addr_lat=_ro(d["addr_lat"], np.float64),
                   addr_lon=_ro(d["addr_lon"], np.float64), addr_label=d["addr_label"].astype(str),
                   addr_ref=d["addr_ref"].astype(str), meta=meta)


def build_graph(extract: OsmExtract, *, source: str = "", source_sha256: str = "", profile: str = "car",
                keep_all: bool = False) -> tuple[RoadGraph, dict]:
    """The road graph of an :class:`~netopt.roads.osm.OsmExtract`: its largest strongly connected
    component (all of it with ``keep_all``) and a summary of what was read and dropped."""
    idx = np.searchsorted(extract.node_id, extract.seg_from), np.searchsorted(extract.node_id, extract.seg_to)
    meta = {"profile": profile, "source": source, "source_sha256": source_sha256, "ways": extract.ways}
    addr = {"addr_lat": _ro(extract.addr_lat, np.float64), "addr_lon": _ro(extract.addr_lon, np.float64),
            "addr_label": extract.addr_label, "addr_ref": extract.addr_ref}
    full = RoadGraph.from_edges(extract.node_lat, extract.node_lon, idx[0], idx[1], extract.seg_speed,
                                extract.seg_way, extract.seg_class, extract.node_id, meta=meta, **addr)
    if keep_all:
        g, dropped = full, {"nodes": 0, "edges": 0, "km": 0.0}
    else:
        g, dropped = full.largest_component()
    g.meta.update(read={"nodes": full.num_nodes, "edges": full.num_edges,
                        "km": round(float(full.length_m.sum()) / 1000.0, 3)},
                  dropped=dropped, component="all" if keep_all else "largest strongly connected")
    return g, g.meta
