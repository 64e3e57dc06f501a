"""Tiny named fabrics for the fabric tests."""

from __future__ import annotations

import pytest

from netopt.solvers.fabric import fat_tree, leaf_spine


@pytest.fixture
def small_ls():
    """6 leaves x 4 spines x 2 hosts, non-blocking: small enough for per-flow reference checks."""
    return leaf_spine(6, 4, 2, host_gbps=100)


@pytest.fixture
def paper_ls():
    """32 leaves x 16 spines x 8 hosts, 1:1 - the paper's all-to-all oracle (256 GPUs)."""
    return leaf_spine(32, 16, 8, host_gbps=400)


@pytest.fixture
def ft4():
    """k=4 fat-tree (16 hosts, 8 edge switches, 4 cores): smallest fabric with inter-pod paths."""
    return fat_tree(4, host_gbps=100)
