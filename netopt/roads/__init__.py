"""Real roads: OpenStreetMap extract -> directed road graph -> address points -> real-road matrices -> maps.

* :mod:`.osm`: pyosmium reader and the tag rules (drivable classes, one-way, ``maxspeed``);
* :mod:`.graph`: :class:`RoadGraph` (CSR arrays, node coordinates, addresses; ``.npz``);
* :mod:`.addresses`: sampling OSM addresses, the points CSV;
* :mod:`.matrix`: snapping points to the nearest edge, many-to-many shortest paths, path geometry;
* :mod:`.instance`: points + graph -> instance JSON;
* :mod:`.export`: routes along the streets as GeoJSON and as an offline HTML map (Leaflet bundled).

Map data © OpenStreetMap contributors (ODbL).
"""

from .graph import RoadGraph, build_graph
from .osm import ATTRIBUTION, directions, is_drivable, parse_maxspeed, read_pbf

__all__ = ["ATTRIBUTION", "RoadGraph", "build_graph", "directions", "is_drivable", "parse_maxspeed", "read_pbf"]
