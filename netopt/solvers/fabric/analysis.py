"""One-call analysis of a collective on a fabric: every model side by side, and parameter sweeps.

:func:`analyze` returns a JSON-ready dict ``{"fabric", "collective", ..., "models": {...}}`` with
entries ``spray``, ``ecmp``, ``singlepath``, ``split`` (each with ``max_congestion`` in seconds,
``ratio`` to spraying, and ``cct`` in seconds where computed). :func:`sweep` repeats it over one
varied parameter.
"""

from __future__ import annotations

import time

from ..._limits import check_dense
from .cct import completion_time
from .collectives import Collective, make_collective, placement, read_placement
from .errors import FabricInputError, UnsupportedInstanceError
from .models import ecmp_exact, ecmp_monte_carlo, min_split, singlepath, spray
from .topology import Fabric, fat_tree, leaf_spine
from .traffic import all_step_traffic

__all__ = ["analyze", "build", "sweep", "SWEEP_PARAMS"]


def build(*, topology: str = "leaf-spine", leaves: int = 32, spines: int = 16, hosts_per_leaf: int = 8,
          k: int = 8, host_gbps: float = 400.0, uplink_gbps: float | None = None, oversubscription: float = 1.0,
          failed=None, collective: str = "all-to-all", ranks: int | None = None, nbytes: float = 1 << 30,
          channels: int = 1, placement_kind: str = "leaf-major", seed: int = 0) -> tuple[Fabric, Collective]:
    """Fabric and placed collective from plain parameters (what the CLI passes).

    ``placement_kind`` is ``"leaf-major"``, ``"random"`` or a path to a placement file (whose
    length then sets the rank count).
    """
    if topology == "leaf-spine":
        fab = leaf_spine(leaves, spines, hosts_per_leaf, host_gbps=host_gbps, uplink_gbps=uplink_gbps,
                         oversubscription=oversubscription, failed=failed)
    elif topology == "fat-tree":
        if failed:
            raise FabricInputError("failed", "link failures are supported on leaf-spine fabrics only")
        fab = fat_tree(k, host_gbps=host_gbps, link_gbps=uplink_gbps)
    else:
        raise FabricInputError("topology", f"unknown topology {topology!r} (leaf-spine, fat-tree)")
    if placement_kind in ("leaf-major", "random"):
        n = fab.n_hosts if ranks is None else ranks
        hosts = placement(placement_kind, n, fab.n_hosts, seed)
    else:
        hosts = read_placement(placement_kind, fab.n_hosts)
        if ranks is not None and ranks != hosts.size:
            raise FabricInputError("ranks", f"--ranks {ranks} disagrees with the placement file ({hosts.size} ranks)")
        n = hosts.size
    check_dense("flow table", (_flow_estimate(collective, n, channels),), itemsize=32, copies=4, where="collective")
    coll = make_collective(collective, n, nbytes, channels=channels, hosts=hosts)
    return fab, coll


def _flow_estimate(collective: str, n: int, channels: int) -> int:
    """(Sub)flows the models materialise for ``n`` ranks (an upper estimate, before building anything)."""
    n = max(int(n), 0)
    if collective.startswith("all-to-all"):
        return n * max(n - 1, 0)
    if collective in ("ring", "reduce-scatter", "all-gather"):
        return n * max(int(channels), 1)
    return 2 * n * max(n.bit_length(), 1)  # tree, recursive doubling / halving-doubling


def analyze(fabric: Fabric, coll: Collective, *, seeds: int = 100, seed: int = 0, qps: int = 1,
            ecmp: str = "auto", cct: bool = True, cct_max_flows: int = 200_000) -> dict:
    """Run every model and collect a JSON-ready summary.

    Parameters
    ----------
    seeds, seed
        Monte Carlo samples of ECMP and their seed.
    qps
        Queue pairs per flow for ECMP (each hashed independently).
    ecmp
        ``"exact"``, ``"monte-carlo"``, ``"both"`` or ``"auto"`` (exact where supported - healthy
        uniform leaf-spine, equal flows - plus Monte Carlo; Monte Carlo only otherwise). The
        "exact" model is exact per tier; it combines the uplink and downlink tiers as independent
        unless they provably coincide (``tiers`` in the entry says ``"exact"`` or
        ``"independent"``, see :func:`~netopt.solvers.fabric.models.ecmp_exact`).
    cct, cct_max_flows
        Compute flow-level completion times (leaf-spine and fat-tree; ``None`` for a model whose
        steps have more than ``cct_max_flows`` (sub)flows).

    Returns
    -------
    dict
        ``models`` maps ``spray``/``ecmp``/``singlepath``/``split`` to dicts with
        ``max_congestion`` (s), ``ratio`` (to spraying), ``cct`` (s or ``None``), ``time_s``; ECMP
        adds ``mean``, ``p50``, ``p99``; split adds ``k``. A model that does not apply holds
        ``{"error": msg}``.
    """
    t0 = time.perf_counter()
    steps = all_step_traffic(fabric, coll)
    models: dict = {}
    do_cct = bool(cct)

    def timed(fn):
        t = time.perf_counter()
        try:
            out = fn()
        except UnsupportedInstanceError as e:
            return {"error": str(e)}, time.perf_counter() - t
        return out, time.perf_counter() - t

    sp, dt = timed(lambda: spray(fabric, coll, traffic=steps))
    base = sp.max_congestion
    ratio = (lambda x: float(x / base) if base > 0 else None)
    models["spray"] = {"max_congestion": base, "ratio": 1.0, "host_congestion": sp.info["host_congestion"],
                       "time_s": dt}
    if do_cct:
        models["spray"]["cct"] = completion_time(fabric, coll, "spray", max_flows=cct_max_flows)

    # ---- ECMP
    entry: dict = {}
    if ecmp in ("auto", "exact", "both"):
        ex, dt = timed(lambda: ecmp_exact(fabric, coll, qps=qps, traffic=steps))
        if isinstance(ex, dict):
            if ecmp == "exact":
                raise UnsupportedInstanceError(ex["error"])
        else:
            entry.update({"max_congestion": ex.info["mean"], "mean": ex.info["mean"], "p50": ex.info["p50"],
                          "p99": ex.info["p99"], "method": "exact", "tiers": ex.info["tiers"],
                          "uplink": ex.info["uplink"], "time_s": dt})
    if ecmp in ("auto", "monte-carlo", "both"):
        mc, dt = timed(lambda: ecmp_monte_carlo(fabric, coll, n_seeds=seeds, seed=seed, qps=qps, traffic=steps))
        mc_d = {"mean": mc.info["mean"], "p50": mc.info["p50"], "p99": mc.info["p99"], "seeds": seeds, "time_s": dt}
        if "method" in entry:
            entry["monte_carlo"] = mc_d
        else:
            entry.update({"max_congestion": mc.info["mean"], **mc_d, "method": "monte-carlo"})
    if ecmp not in ("auto", "exact", "monte-carlo", "both"):
        raise FabricInputError("ecmp", f"unknown ECMP method {ecmp!r} (auto, exact, monte-carlo, both)")
    entry["qps"] = qps
    entry["ratio"] = ratio(entry["max_congestion"])
    if do_cct:
        entry["cct"] = completion_time(fabric, coll, "ecmp", seed=seed, qps=qps, max_flows=cct_max_flows)
    models["ecmp"] = entry

    # ---- singlepath
    sgl, dt = timed(lambda: singlepath(fabric, coll, traffic=steps, keep=do_cct))
    if isinstance(sgl, dict):
        models["singlepath"] = sgl
    else:
        e = {"max_congestion": sgl.max_congestion, "ratio": ratio(sgl.max_congestion), "time_s": dt,
             "method": sgl.info["method"]}
        if "bound" in sgl.info:
            e["bound"] = sgl.info["bound"]
        if do_cct:
            e["cct"] = completion_time(fabric, coll, "singlepath", assignments=sgl.assignment, k=1,
                                       max_flows=cct_max_flows)
        models["singlepath"] = e

    # ---- minimal split
    spl, dt = timed(lambda: min_split(fabric, coll, traffic=steps, keep=do_cct))
    if isinstance(spl, dict):
        models["split"] = spl
    else:
        kk = spl.info["k"]
        e = {"k": kk, "max_congestion": spl.max_congestion, "ratio": ratio(spl.max_congestion), "time_s": dt}
        if do_cct:
            e["cct"] = completion_time(fabric, coll, "split", assignments=spl.assignment, k=kk,
                                       max_flows=cct_max_flows)
        models["split"] = e
    if "cct" in models["spray"] and models["spray"]["cct"]:
        for m in models.values():
            if m.get("cct") is not None:
                m["cct_ratio"] = m["cct"] / models["spray"]["cct"]
    return {
        "fabric": fabric.describe(),
        "collective": coll.name,
        "ranks": coll.n_ranks,
        "bytes": float(coll.total_bytes()),
        "flows": coll.n_flows,
        "steps": coll.n_steps,
        "units": {"max_congestion": "s (bytes / link capacity)", "cct": "s"},
        "models": models,
        "time_s": time.perf_counter() - t0,
    }


SWEEP_PARAMS = ("spines", "oversubscription", "channels", "qps")


def sweep(param: str, values, base: dict, *, seeds: int = 20, seed: int = 0, qps: int = 1, cct: bool = True,
          cct_max_flows: int = 200_000) -> list[dict]:
    """:func:`analyze` for each value of ``param`` (one of :data:`SWEEP_PARAMS`) over the
    :func:`build` keyword arguments ``base``; returns one summary per value with ``value`` set."""
    if param not in SWEEP_PARAMS:
        raise FabricInputError("param", f"unknown sweep parameter {param!r} (one of: {', '.join(SWEEP_PARAMS)})")
    vals = list(values)
    if not vals:
        raise FabricInputError("values", "give at least one value to sweep")
    out = []
    for v in vals:
        kw = dict(base)
        q = qps
        if param == "qps":
            q = int(v)
        elif param == "oversubscription":
            kw[param] = float(v)
        else:
            kw[param] = int(v)
        fab, coll = build(**kw)
        res = analyze(fab, coll, seeds=seeds, seed=seed, qps=q, cct=cct, cct_max_flows=cct_max_flows)
        res["value"] = v
        out.append(res)
    return out
