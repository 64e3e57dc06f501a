"""Plots of a benchmark folder (matplotlib, Agg backend; PNG or SVG).

* ``profile``: share of runs within x % of the best-known value, per solver (the
  gap-based performance profile; x on a log axis, 0 % gaps drawn at the left edge);
* ``gap_vs_time``: mean gap over the runs with a solution at time t, from the Result
  histories (how fast each solver gets good);
* ``gaps``: per-instance gap bars, one bar per solver (mean over seeds, min-max whiskers);
* ``convergence/<instance>``: best gap (or objective, without a BKS) against time for every run.
"""

from __future__ import annotations

from pathlib import Path

from .table import FEASIBLE, gap_pct, load_results


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _label(d: dict) -> str:
    return (d.get("extra") or {}).get("bench", {}).get("label") or d.get("solver")


def _bks(d: dict):
    return (d.get("extra") or {}).get("bench", {}).get("bks")


def _final_gap(d: dict):
    if d.get("status") not in FEASIBLE:
        return None
    return gap_pct(d.get("objective"), _bks(d))


def _log_gap_axis(ax) -> None:
    """Log y axis for gaps in %, with plain-number tick labels (0.5, 1, 2, 5 ...)."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


#: gaps below this (%) are drawn at it on log axes (a gap of 0 has no logarithm)
GAP_FLOOR = 0.01


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    _plt().close(fig)
    return path


def plot_profile(results: list[dict], path: Path) -> Path | None:
    """Share of runs with gap <= x %, per solver; runs without a feasible solution never count."""
    import numpy as np

    plt = _plt()
    by: dict[str, list] = {}
    for d in results:
        if _bks(d):
            by.setdefault(_label(d), []).append(_final_gap(d))
    if not by:
        return None
    finite = [g for gs in by.values() for g in gs if g is not None]
    lo = max(min([g for g in finite if g > 0], default=0.01) / 2, 1e-3)
    hi = max(max(finite, default=1.0) * 1.5, lo * 10)
    xs = np.geomspace(lo, hi, 400)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label, gs in by.items():
        g = np.array([np.inf if v is None else max(v, 0.0) for v in gs])
        ax.step(xs, [(g <= x).mean() for x in xs], where="post", label=f"{label} ({len(g)} runs)")
    ax.set_xscale("log")
    ax.set_xlabel("gap to best-known value, % (log)")
    ax.set_ylabel("share of runs within gap")
    ax.set_ylim(0, 1.02)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Performance profile")
    return _save(fig, path)


def _gap_series(d: dict):
    """(times, gaps) of a run's history; gaps are objectives when there is no BKS."""
    bks = _bks(d)
    hist = [h for h in d.get("history") or [] if isinstance(h, (list, tuple)) and len(h) == 2 and h[1] is not None]
    ts = [float(h[0]) for h in hist]
    vs = [max(gap_pct(float(h[1]), bks), GAP_FLOOR) if bks else float(h[1]) for h in hist]
    return ts, vs


def plot_gap_vs_time(results: list[dict], path: Path) -> Path | None:
    """Mean gap (%) over a solver's runs that have a solution at time t (with a BKS)."""
    import numpy as np

    plt = _plt()
    by: dict[str, list] = {}
    tmax = 0.0
    for d in results:
        if _bks(d) and d.get("history"):
            ts, gs = _gap_series(d)
            if ts:
                by.setdefault(_label(d), []).append((ts, gs))
                tmax = max(tmax, float(d.get("runtime_s") or ts[-1]), ts[-1])
    if not by:
        return None
    grid = np.linspace(0, tmax or 1.0, 300)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label, series in by.items():
        mean, full = [], []
        for t in grid:
            now = []
            for ts, gs in series:
                k = np.searchsorted(ts, t, side="right") - 1
                if k >= 0:
                    now.append(gs[k])
            mean.append(np.mean(now) if now else np.nan)
            full.append(len(now) == len(series))
        mean, full = np.array(mean), np.array(full)
        # dotted while some runs have no solution yet (the mean is over fewer runs), solid after
        line = ax.plot(grid, np.where(full, np.nan, mean), ":")[0]
        ax.plot(grid, np.where(full, mean, np.nan), color=line.get_color(), label=f"{label} ({len(series)} runs)")
    _log_gap_axis(ax)
    ax.set_xlabel("time, s")
    ax.set_ylabel("mean gap to BKS, % (dotted: not all runs solved yet)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Gap vs time")
    return _save(fig, path)


def plot_gaps(results: list[dict], path: Path) -> Path | None:
    """Grouped bars: mean final gap per instance and solver, min-max over seeds as whiskers."""
    import numpy as np

    plt = _plt()
    cells: dict[tuple[str, str], list[float]] = {}
    instances: list[str] = []
    labels: list[str] = []
    for d in results:
        g = _final_gap(d)
        inst, lab = d.get("instance"), _label(d)
        if inst not in instances:
            instances.append(inst)
        if lab not in labels:
            labels.append(lab)
        if g is not None:
            cells.setdefault((inst, lab), []).append(g)
    if not cells:
        return None
    x = np.arange(len(instances))
    w = 0.8 / len(labels)
    fig, ax = plt.subplots(figsize=(max(6.5, 0.6 * len(instances) * max(1, len(labels)) / 1.5), 4))
    for j, lab in enumerate(labels):
        vals = [cells.get((i, lab)) for i in instances]
        mean = np.array([np.mean(v) if v else np.nan for v in vals])
        lo = np.array([mean[k] - min(v) if v else 0 for k, v in enumerate(vals)])
        hi = np.array([max(v) - mean[k] if v else 0 for k, v in enumerate(vals)])
        ax.bar(x + (j - (len(labels) - 1) / 2) * w, mean, w, yerr=[lo, hi], capsize=2, label=lab)
        for k, v in enumerate(vals):
            if not v:  # no feasible run: mark it
                ax.text(x[k] + (j - (len(labels) - 1) / 2) * w, 0, "x", ha="center", va="bottom", color="red")
    ax.set_xticks(x, instances, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("gap to best-known value, %")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Gap per instance (mean over seeds; x = no feasible run)")
    return _save(fig, path)


def plot_convergence(results: list[dict], folder: Path, fmt: str = "png") -> list[Path]:
    """One figure per instance: best gap (objective without a BKS) vs time, one line per run."""
    plt = _plt()
    by: dict[str, list[dict]] = {}
    for d in results:
        if d.get("history"):
            by.setdefault(d.get("instance"), []).append(d)
    files = []
    for inst, runs in by.items():
        fig, ax = plt.subplots(figsize=(6, 3.6))
        colors: dict[str, str] = {}
        has_bks = all(_bks(d) for d in runs)
        for d in sorted(runs, key=lambda d: (_label(d), d.get("seed") or 0)):
            ts, vs = _gap_series(d) if has_bks else ([h[0] for h in d["history"]], [h[1] for h in d["history"]])
            if not ts:
                continue
            end = max(float(d.get("runtime_s") or ts[-1]), ts[-1])
            lab = _label(d)
            line = ax.step(ts + [end], vs + [vs[-1]], where="post", color=colors.get(lab), alpha=0.85,
                           label=None if lab in colors else lab)
            colors.setdefault(lab, line[0].get_color())
        if has_bks:
            _log_gap_axis(ax)
        ax.set_xlabel("time, s")
        ax.set_ylabel("gap to BKS, %" if has_bks else "objective")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title(f"{inst}: convergence")
        files.append(_save(fig, folder / f"{inst}.{fmt}"))
    return files


def make_report(out, plots=None, fmt: str = "png") -> list[Path]:
    """Write every plot for the benchmark folder ``out`` into ``plots`` (default ``out/plots``)."""
    out = Path(out)
    plots = Path(plots) if plots else out / "plots"
    results = load_results(out)
    files = [
        plot_profile(results, plots / f"profile.{fmt}"),
        plot_gap_vs_time(results, plots / f"gap_vs_time.{fmt}"),
        plot_gaps(results, plots / f"gaps.{fmt}"),
    ]
    files = [f for f in files if f is not None]
    files += plot_convergence(results, plots / "convergence", fmt)
    return files
