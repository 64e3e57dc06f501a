"""Reading an OpenStreetMap PBF extract with pyosmium: drivable ways, one-way rules, speeds, addresses.

The tag rules are small pure functions (:func:`directions`, :func:`parse_maxspeed`,
:func:`is_drivable`) so that they can be tested one tag at a time; :func:`read_pbf` applies them
to a file and returns flat arrays (one row per directed way segment) for :mod:`.graph`.

Map data is © OpenStreetMap contributors (ODbL): every product made from it must say so
(:data:`ATTRIBUTION`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..exceptions import InstanceFormatError, MissingDependencyError

ATTRIBUTION = "© OpenStreetMap contributors"

#: the car profile: drivable ``highway`` classes and their default speed (km/h) when ``maxspeed`` is absent
CAR_SPEEDS = {
    "motorway": 100.0, "motorway_link": 60.0, "trunk": 80.0, "trunk_link": 50.0,
    "primary": 60.0, "primary_link": 40.0, "secondary": 50.0, "secondary_link": 40.0,
    "tertiary": 40.0, "tertiary_link": 30.0, "unclassified": 40.0, "road": 40.0,
    "residential": 30.0, "living_street": 10.0, "service": 20.0,
}
PROFILES = {"car": CAR_SPEEDS}
#: highway classes in a fixed order: the graph stores each edge's class as an index into this tuple
CLASSES = tuple(CAR_SPEEDS)

#: ``maxspeed=XX:zone`` values (km/h) from the OSM wiki's "Default speed limits"; ``XX:zoneNN``,
#: ``XX:zone:NN`` are NN km/h in every country
ZONE_SPEEDS = {
    "urban": {"FI": 50, "SE": 50, "NO": 50, "DK": 50, "EE": 50, "DE": 50, "FR": 50, "NL": 50, "AT": 50,
              "CH": 50, "IT": 50, "ES": 50, "PL": 50, "BE": 50, "CZ": 50, "RU": 60, "UA": 50, "GB": 48.28},
    "rural": {"FI": 80, "SE": 70, "NO": 80, "DK": 80, "EE": 90, "DE": 100, "FR": 80, "NL": 80, "AT": 100,
              "CH": 80, "IT": 90, "ES": 90, "PL": 90, "BE": 70, "CZ": 90, "RU": 90, "UA": 90},
    "motorway": {"FI": 120, "SE": 110, "NO": 110, "DK": 130, "EE": 110, "FR": 130, "NL": 100, "AT": 130,
                 "CH": 120, "IT": 130, "ES": 120, "PL": 140, "BE": 120, "CZ": 130, "RU": 110, "UA": 130,
                 "GB": 112.65},
    "trunk": {"FR": 110, "PL": 100, "RU": 90},
    "living_street": {"FI": 20, "SE": 7, "NO": 7, "DK": 15, "DE": 7, "AT": 5, "CH": 20, "NL": 15, "BE": 20,
                      "FR": 20, "RU": 20},
    "nsl_single": {"GB": 96.56}, "nsl_dual": {"GB": 112.65},
}
_MPH = 1.609344
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?$")
_ZONE = re.compile(r"^([a-z]{2}):(.+)$")
_ZONE_NN = re.compile(r"^zone:?(\d+)$")


def parse_maxspeed(value: str | None) -> float | None:
    """A ``maxspeed`` tag in km/h, or ``None`` when it gives no usable number (then the class default applies).

    Numbers are km/h unless a unit says otherwise (``mph``, ``knots``); zone values such as
    ``FI:urban`` come from :data:`ZONE_SPEEDS`; several values (``50;30``) give the lowest.

    Examples
    --------
    >>> parse_maxspeed("50"), parse_maxspeed("30 mph"), parse_maxspeed("FI:urban"), parse_maxspeed("DE:zone30")
    (50.0, 48.28032, 50.0, 30.0)
    >>> parse_maxspeed("none"), parse_maxspeed("signals"), parse_maxspeed("0")
    (None, None, None)
    """
    if value is None:
        return None
    speeds = [s for s in (_one_speed(v) for v in str(value).split(";")) if s is not None]
    return min(speeds) if speeds else None


def _one_speed(value: str) -> float | None:
    v = value.strip().lower()
    m = _NUMBER.match(v)
    if m:
        speed = float(m.group(1)) * {"mph": _MPH, "knots": 1.852}.get(m.group(2) or "", 1.0)
    elif v == "walk":
        speed = 7.0
    else:
        m = _ZONE.match(v)
        if not m:
            return None
        country, kind = m.group(1).upper(), m.group(2)
        nn = _ZONE_NN.match(kind)
        if nn:
            speed = float(nn.group(1))
        else:
            speed = ZONE_SPEEDS.get(kind, {}).get(country)
            if speed is None:
                return None
            speed = float(speed)
    return speed if 0.0 < speed <= 300.0 else None


_YES = ("yes", "true", "1")
_NO = ("no", "false", "0")
_IMPLIED_ONEWAY = ("motorway", "motorway_link")


def directions(tags) -> tuple[bool, bool]:
    """Whether a drivable way may be driven (forward, backward) along its node order.

    ``oneway=yes/true/1`` forward only, ``oneway=-1/reverse`` backward only, ``oneway=no`` both;
    without a ``oneway`` tag, roundabouts (``junction=roundabout/circular``) and motorways
    (``highway=motorway/motorway_link``) are one-way forward; ``oneway=reversible/alternating``
    (direction changes with the time of day) is left out.

    Examples
    --------
    >>> directions({"oneway": "yes"}), directions({"oneway": "-1"}), directions({"highway": "residential"})
    ((True, False), (False, True), (True, True))
    >>> directions({"junction": "roundabout"}), directions({"highway": "motorway", "oneway": "no"})
    ((True, False), (True, True))
    """
    ow = (tags.get("oneway") or "").strip().lower()
    if ow in _YES:
        return True, False
    if ow in ("-1", "reverse"):
        return False, True
    if ow in _NO:
        return True, True
    if ow in ("reversible", "alternating"):
        return False, False
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") in _IMPLIED_ONEWAY:
        return True, False
    return True, True


_DENY = ("no", "private", "agricultural", "forestry", "delivery", "customers", "emergency", "military")


def is_drivable(tags, profile: str = "car") -> bool:
    """Whether a way belongs to the profile's road graph: a drivable ``highway`` class, not an area,
    not closed to motor vehicles (``access``, ``vehicle``, ``motor_vehicle``, ``motorcar``: the most
    specific tag present decides), not an emergency-access service road.

    Examples
    --------
    >>> is_drivable({"highway": "residential"}), is_drivable({"highway": "footway"})
    (True, False)
    >>> is_drivable({"highway": "service", "access": "private"}), is_drivable({"highway": "service", "access": "no", "motor_vehicle": "yes"})
    (False, True)
    """
    hw = tags.get("highway")
    if hw not in PROFILES[profile] or tags.get("area") == "yes":
        return False
    if hw == "service" and tags.get("service") == "emergency_access":
        return False
    for key in ("motorcar", "motor_vehicle", "vehicle", "access"):  # most specific first
        v = tags.get(key)
        if v is not None:
            return v.strip().lower() not in _DENY
    return True


@dataclass
class OsmExtract:
    """What :func:`read_pbf` found. Way segments are directed (one row per allowed direction)."""

    seg_from: np.ndarray  # (m,) int64 OSM node id
    seg_to: np.ndarray  # (m,) int64 OSM node id
    seg_speed: np.ndarray  # (m,) float64 km/h
    seg_way: np.ndarray  # (m,) int64 OSM way id
    seg_class: np.ndarray  # (m,) int8 index into CLASSES
    node_id: np.ndarray  # (n,) int64 OSM node ids of the road nodes, sorted
    node_lat: np.ndarray  # (n,) float64
    node_lon: np.ndarray  # (n,) float64
    addr_lat: np.ndarray  # (a,) float64
    addr_lon: np.ndarray
    addr_label: np.ndarray  # (a,) str "street housenumber"
    addr_ref: np.ndarray  # (a,) str "n123" / "w456" (the OSM object)
    ways: int  # drivable ways read


def _osmium():
    try:
        import osmium
    except ImportError:  # a dependency of netopt; only a broken install lacks it
        raise MissingDependencyError('reading OSM files needs pyosmium: pip install "osmium>=4,<5"') from None
    return osmium


def read_pbf(path, profile: str = "car") -> OsmExtract:
    """Read the drivable ways and the address points of an OSM file (``.osm.pbf``; pyosmium also reads
    ``.osm`` XML). Raises :class:`~netopt.exceptions.InstanceFormatError` for a file that is not OSM data."""
    osmium = _osmium()
    path = Path(path)
    if not path.is_file():
        raise InstanceFormatError(path, None, "is a folder, not an OSM file" if path.is_dir() else "no such file")
    speeds = PROFILES[profile]
    class_index = {c: i for i, c in enumerate(CLASSES)}
    frm, to, spd, wid, cls = [], [], [], [], []
    locs: dict[int, tuple[float, float]] = {}
    a_lat, a_lon, a_label, a_ref = [], [], [], []
    ways = 0
    try:
        fp = osmium.FileProcessor(str(path)).with_locations()
        for obj in fp:
            tags = obj.tags
            if obj.is_node():
                if "addr:street" in tags and "addr:housenumber" in tags and obj.location.valid():
                    a_lat.append(obj.location.lat)
                    a_lon.append(obj.location.lon)
                    a_label.append(f"{tags['addr:street']} {tags['addr:housenumber']}")
                    a_ref.append(f"n{obj.id}")
                continue
            if not obj.is_way():
                continue
            if "building" in tags and "addr:street" in tags and "addr:housenumber" in tags:
                pts = [(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
                if len(pts) > 1 and pts[0] == pts[-1]:
                    pts = pts[:-1]  # a closed ring repeats its first node
                if pts:
                    a_lat.append(sum(p[0] for p in pts) / len(pts))
                    a_lon.append(sum(p[1] for p in pts) / len(pts))
                    a_label.append(f"{tags['addr:street']} {tags['addr:housenumber']}")
                    a_ref.append(f"w{obj.id}")
            if "highway" not in tags or not is_drivable(tags, profile):
                continue
            fwd, bwd = directions(tags)
            if not (fwd or bwd):
                continue
            refs = []
            for n in obj.nodes:
                if not n.location.valid():  # a node outside the extract: the way is cut there
                    refs.append(None)
                    continue
                locs[n.ref] = (n.location.lat, n.location.lon)
                refs.append(n.ref)
            hw = tags["highway"]
            base = parse_maxspeed(tags.get("maxspeed"))
            v_fwd = parse_maxspeed(tags.get("maxspeed:forward")) or base or speeds[hw]
            v_bwd = parse_maxspeed(tags.get("maxspeed:backward")) or base or speeds[hw]
            ways += 1
            for a, b in itertools.pairwise(refs):
                if a is None or b is None or a == b:
                    continue
                if fwd:
                    frm.append(a), to.append(b), spd.append(v_fwd), wid.append(obj.id), cls.append(class_index[hw])
                if bwd:
                    frm.append(b), to.append(a), spd.append(v_bwd), wid.append(obj.id), cls.append(class_index[hw])
    except RuntimeError as e:  # libosmium: "PBF error: invalid BlobHeader size", "Open failed ..."
        raise InstanceFormatError(path, None, f"not a readable OSM file ({str(e).strip()})") from None
    node_id = np.array(sorted(locs), dtype=np.int64)
    ll = np.array([locs[i] for i in node_id.tolist()], dtype=np.float64).reshape(-1, 2)
    return OsmExtract(
        seg_from=np.array(frm, np.int64), seg_to=np.array(to, np.int64), seg_speed=np.array(spd, np.float64),
        seg_way=np.array(wid, np.int64), seg_class=np.array(cls, np.int8), node_id=node_id,
        node_lat=ll[:, 0].copy(), node_lon=ll[:, 1].copy(),
        addr_lat=np.array(a_lat, np.float64), addr_lon=np.array(a_lon, np.float64),
        addr_label=np.array(a_label, dtype=str), addr_ref=np.array(a_ref, dtype=str), ways=ways,
    )


EARTH_RADIUS_M = 6371008.8


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (arrays broadcast).

    Examples
    --------
    >>> round(float(haversine_m(60.0, 24.0, 60.0, 24.001)), 2)
    55.6
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


__all__ = ["ATTRIBUTION", "CLASSES", "PROFILES", "OsmExtract", "directions", "haversine_m", "is_drivable",
           "parse_maxspeed", "read_pbf"]
