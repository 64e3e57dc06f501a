"""Fixtures of the road tests (the synthetic maps themselves are in roadmaps.py)."""

from __future__ import annotations

import pytest
from roadmaps import grid_map


@pytest.fixture
def grid_pbf(tmp_path):
    """A 3 x 3 street grid with one-way streets, a one-way trap and two addresses (roadmaps.grid_map)."""
    return grid_map(tmp_path / "grid.osm.pbf")
