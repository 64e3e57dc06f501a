"""The tidy results table (one row per run) and the per-solver summary.

``collect(out)`` reads every ``runs/*.json`` Result below a benchmark folder; ``write_table``
writes ``results.csv`` (always) and ``results.parquet`` (when pyarrow is installed:
``pip install "netopt[bench]"``). ``summarize(rows)`` gives, per solver label: runs,
feasible share, errors, mean and median gap to the best-known value (%), mean runtime.

Columns: instance, n, solver (the label), solver_name, seed, status, feasible, objective, bks,
gap_pct = 100 * (objective - bks) / bks, runtime_s, time_limit, iterations, host, params (JSON),
message, result_file.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from pathlib import Path

from ..io import write_atomic

COLUMNS = [
    "instance", "n", "solver", "solver_name", "seed", "status", "feasible", "objective", "bks", "gap_pct",
    "runtime_s", "time_limit", "iterations", "host", "params", "message", "result_file",
]
FEASIBLE = ("optimal", "feasible", "time_limit", "interrupted")


def gap_pct(objective: float | None, bks: float | None) -> float | None:
    """``100 * (objective - bks) / bks``; None when either is missing (or bks is 0)."""
    if objective is None or not bks:
        return None
    return 100.0 * (objective - bks) / bks


def load_results(out) -> list[dict]:
    """Every Result dict under ``out/runs`` (unreadable files are skipped), sorted by file name."""
    folder = Path(out) / "runs"
    results = []
    for f in sorted(folder.glob("*.json")):
        try:
            d = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(d, dict) and "status" in d:
            d.setdefault("extra", {}).setdefault("bench", {})["result_file"] = str(f.relative_to(out))
            results.append(d)
    return results


def row_of(d: dict) -> dict:
    """The table row of one Result dict."""
    bench = (d.get("extra") or {}).get("bench", {})
    obj = d.get("objective")
    feasible = d.get("status") in FEASIBLE and obj is not None
    bks = bench.get("bks")
    return {
        "instance": d.get("instance"),
        "n": bench.get("n"),
        "solver": bench.get("label") or d.get("solver"),
        "solver_name": d.get("solver"),
        "seed": d.get("seed"),
        "status": d.get("status"),
        "feasible": feasible,
        "objective": obj,
        "bks": bks,
        "gap_pct": gap_pct(obj, bks) if feasible else None,
        "runtime_s": d.get("runtime_s"),
        "time_limit": bench.get("time_limit"),
        "iterations": d.get("iterations"),
        "host": bench.get("host"),
        "params": json.dumps(d.get("params") or {}, sort_keys=True),
        "message": d.get("message") or "",
        "result_file": bench.get("result_file"),
    }


def collect(out) -> list[dict]:
    """Table rows of every run under ``out``, sorted by instance, solver, seed."""
    rows = [row_of(d) for d in load_results(out)]
    rows.sort(key=lambda r: (str(r["instance"]), str(r["solver"]), r["seed"] if r["seed"] is not None else -1))
    return rows


def write_table(out) -> tuple[list[dict], list[Path]]:
    """Write ``results.csv`` (and ``results.parquet`` with pyarrow) under ``out``; returns rows and files."""
    out = Path(out)
    rows = collect(out)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    files = [out / "results.csv"]
    write_atomic(files[0], buf.getvalue())
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return rows, files
    schema = pa.schema([
        ("instance", pa.string()), ("n", pa.int64()), ("solver", pa.string()), ("solver_name", pa.string()),
        ("seed", pa.int64()), ("status", pa.string()), ("feasible", pa.bool_()), ("objective", pa.float64()),
        ("bks", pa.float64()), ("gap_pct", pa.float64()), ("runtime_s", pa.float64()), ("time_limit", pa.float64()),
        ("iterations", pa.int64()), ("host", pa.string()), ("params", pa.string()), ("message", pa.string()),
        ("result_file", pa.string()),
    ])
    tmp = out / ".results.parquet.tmp"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp)
    tmp.replace(out / "results.parquet")
    files.append(out / "results.parquet")
    return rows, files


def summarize(rows: list[dict]) -> list[dict]:
    """Per solver label (in first-seen order): runs, feasible share, errors, gap and time statistics.

    Gaps are over the feasible runs whose instance has a best-known value.
    """
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["solver"], []).append(r)
    out = []
    for label, rs in by.items():
        gaps = [r["gap_pct"] for r in rs if r["gap_pct"] is not None]
        times = [r["runtime_s"] for r in rs if r["runtime_s"] is not None and r["status"] != "error"]
        out.append({
            "solver": label,
            "runs": len(rs),
            "instances": len({r["instance"] for r in rs}),
            "feasible_pct": 100.0 * sum(r["feasible"] for r in rs) / len(rs),
            "errors": sum(r["status"] == "error" for r in rs),
            "gap_mean_pct": statistics.fmean(gaps) if gaps else None,
            "gap_median_pct": statistics.median(gaps) if gaps else None,
            "gap_max_pct": max(gaps) if gaps else None,
            "time_mean_s": statistics.fmean(times) if times else None,
        })
    return out


SUMMARY_COLUMNS = ["solver", "runs", "instances", "feasible %", "errors", "mean gap %", "median gap %", "max gap %", "mean time s"]


def summary_rows(summary: list[dict]) -> list[list]:
    """``summarize`` output as table rows (rounded) in ``SUMMARY_COLUMNS`` order."""

    def r(v, nd):
        return None if v is None else round(v, nd)

    return [[s["solver"], s["runs"], s["instances"], r(s["feasible_pct"], 1), s["errors"], r(s["gap_mean_pct"], 3),
             r(s["gap_median_pct"], 3), r(s["gap_max_pct"], 3), r(s["time_mean_s"], 2)] for s in summary]
