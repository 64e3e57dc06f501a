"""The class-greedy minimal split's scan budget (skewed all-to-all): checked ahead, then one jump to
the k that leaves no remainder; small instances never reach the budget, so their answers are the
full scan's."""

from __future__ import annotations

import pytest

from netopt.solvers.fabric import min_split, models, spray
from netopt.solvers.fabric.analysis import build


@pytest.fixture(scope="module")
def rails2_k8():
    """k = 8 fat-tree, 2 rails, Zipf 1.0 all-to-all: a destination's same-server partner leaf sends
    it 3 flows (4 hosts per edge, one on NVLink), a multiple of the 4 planes only at k = 4; the
    class-greedy's minimal split is that k, the one that leaves no remainder."""
    return build(topology="fat-tree", k=8, rails=2, skew="1.0")


def test_full_scan_without_budget_pressure(rails2_k8):
    fab, coll = rails2_k8
    res = min_split(fab, coll)
    assert res.info["k"] == 4 and "scanned_to" not in res.info and "note" not in res.info
    assert res.max_congestion == pytest.approx(spray(fab, coll).max_congestion, rel=1e-9)


def test_spent_budget_jumps_to_no_remainder_k(rails2_k8, monkeypatch):
    """With the budget spent at once, k = 1 and 2 are scanned (the check starts at k = 3), then the
    jump: the same k and congestion here, with the scan's extent reported."""
    fab, coll = rails2_k8
    full = min_split(fab, coll)
    monkeypatch.setattr(models, "CLASS_SCAN_BUDGET", 0.0)
    res = min_split(fab, coll)
    assert res.info["k"] == 4 and res.info["scanned_to"] == 2
    assert "1.5" not in res.info["note"] and "0 s budget" in res.info["note"]
    assert res.max_congestion == pytest.approx(full.max_congestion, rel=1e-12)


def test_budget_not_reached_before_k3(monkeypatch):
    """An answer at k <= 2 never depends on the budget."""
    fab, coll = build(topology="fat-tree", k=4, skew="1.0", ranks=11)
    full = min_split(fab, coll)
    monkeypatch.setattr(models, "CLASS_SCAN_BUDGET", 0.0)
    res = min_split(fab, coll)
    assert res.info["k"] == full.info["k"] == 2 and "scanned_to" not in res.info
    assert res.max_congestion == full.max_congestion
