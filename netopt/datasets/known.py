"""Where the benchmark data lives and what the best-known objective of an instance is."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

_COST = re.compile(r"^\s*Cost\s*:?\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


def shared_datasets() -> Path | None:
    """``$NETOPT_DATASETS``, else ``../shared/datasets`` beside the checkout; None when absent."""
    env = os.environ.get("NETOPT_DATASETS")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "shared" / "datasets" for p in here.parents[2:4]]
    return next((p for p in candidates if p.is_dir()), None)


def best_known(instance_path) -> float | None:
    """Best-known objective: the ``Cost`` of a ``.sol`` beside the file, else a ``BKS.csv`` in
    its folder or the folder above (columns ``instance`` and ``bks`` or ``bks_distance``)."""
    p = Path(instance_path)
    sol = p.with_suffix(".sol")
    if sol.is_file():
        m = _COST.search(sol.read_text(errors="replace"))
        if m:
            try:
                return float(m.group(1))
            except ValueError:
                pass
    for folder in (p.parent, p.parent.parent):
        table = folder / "BKS.csv"
        if table.is_file():
            with open(table, newline="") as f:
                for row in csv.DictReader(f):
                    if row.get("instance") == p.stem:
                        val = row.get("bks") or row.get("bks_distance")
                        return float(val) if val else None
    return None
