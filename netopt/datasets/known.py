"""Where the benchmark data lives and what the best-known objective of an instance is.

One lookup, used by ``netopt compare`` / ``info``, ``netopt bench`` and ``benchmarks/bench_vrp.py``:
:func:`best_known` reads the ``Cost`` of a ``.sol`` beside the instance, else the instance's row in
a table of the folder or the folder above (:func:`known_table`): ``BKS.csv`` (CVRP ``bks``, VRPTW
``bks_distance``) or TSPLIB's ``OPT.csv`` (``optimal``).

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "OPT.csv").write_text("instance,n,optimal\\neil51,51,426\\n")
>>> best_known(d / "eil51.tsp"), best_known(d / "other.tsp")
(426.0, None)
>>> known_table(d)
{'eil51': Known(n=51, value=426.0)}
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import NamedTuple

_COST = re.compile(r"^\s*Cost\s*:?\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)

#: tables of best-known values in a dataset folder: file name -> value columns, first non-empty wins
TABLES = {"BKS.csv": ("bks", "bks_distance"), "OPT.csv": ("optimal",)}


class Known(NamedTuple):
    """A table row: the instance's number of customers / cities (when given) and best-known objective."""

    n: int | None
    value: float | None


def shared_datasets() -> Path | None:
    """``$NETOPT_DATASETS``, else ``../shared/datasets`` beside the checkout; None when absent."""
    env = os.environ.get("NETOPT_DATASETS")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "shared" / "datasets" for p in here.parents[2:4]]
    return next((p for p in candidates if p.is_dir()), None)


def _number(text, kind=float):
    try:
        return kind(text) if text not in (None, "") else None
    except ValueError:
        return None


def known_table(folder) -> dict[str, Known]:
    """Instance name -> :class:`Known` from the ``BKS.csv`` / ``OPT.csv`` in ``folder`` (empty when
    there is none; an unreadable table or value counts as unknown)."""
    out: dict[str, Known] = {}
    for name, columns in TABLES.items():
        table = Path(folder) / name
        if not table.is_file():
            continue
        try:
            with open(table, newline="") as f:
                for row in csv.DictReader(f):
                    inst = row.get("instance")
                    if inst and inst not in out:
                        value = next((v for v in (_number(row.get(c)) for c in columns) if v is not None), None)
                        out[inst] = Known(_number(row.get("n"), int), value)
        except (OSError, csv.Error, UnicodeDecodeError):
            continue
    return out


#: PyVRP's HFVRP folder states some best-known costs in the literature's units: unrounded distances,
#: costs divided by 100. netopt reads HFVRP as ``pyvrp.read(.., "exact")`` does (distances x1000, the
#: file's x100 costs), so such a value is 1e5 times smaller than netopt's cost of the same routes.
HFVRP_LITERATURE_SCALE = 1e5


def best_known(instance_path) -> float | None:
    """Best-known objective of the instance file: the ``Cost`` of a ``.sol`` beside it, else its row
    in a ``BKS.csv`` / ``OPT.csv`` of its folder or the folder above; None when unknown. A value of
    PyVRP's HFVRP folder stated in the literature's units is returned in netopt's
    (:data:`HFVRP_LITERATURE_SCALE`; exact to about 1e-7 relative, the per-edge rounding)."""
    value = _stated(Path(instance_path))
    if value is not None and Path(instance_path).parent.name == "HFVRP" and value < 1e7:
        value = round(value * HFVRP_LITERATURE_SCALE)
    return value


def _stated(p: Path) -> float | None:
    sol = p.with_suffix(".sol")
    if sol.is_file():
        try:
            m = _COST.search(sol.read_text(errors="replace"))
        except OSError:
            m = None
        if m and _number(m.group(1)) is not None:
            return _number(m.group(1))
    for folder in (p.parent, p.parent.parent):
        row = known_table(folder).get(p.stem)
        if row is not None:
            return row.value
    return None
