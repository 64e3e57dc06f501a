"""One-call analysis of a collective on a fabric: every model side by side, and parameter sweeps.

:func:`analyze` returns a JSON-ready dict ``{"fabric", "collective", ..., "models": {...}}`` with
entries ``spray``, ``ecmp``, ``singlepath``, ``split`` (each with ``max_congestion`` in seconds,
``ratio`` to spraying, and ``cct`` in seconds where computed). :func:`sweep` repeats it over one
varied parameter.
"""

from __future__ import annotations

import time

import numpy as np

from ..._limits import check_dense
from ...params import Param, ParamSpace
from .cct import _flows_materialised, completion_time_detail
from .collectives import (
    COLLECTIVES,
    PLACEMENTS,
    Collective,
    make_collective,
    placement,
    read_placement,
)
from .errors import FabricInputError, UnsupportedInstanceError
from .models import (
    AGGREGATE_WORK,
    aggregable,
    ecmp_exact,
    ecmp_monte_carlo,
    min_split,
    per_flow_work,
    singlepath,
    spray,
)
from .topology import Fabric, fat_tree, leaf_spine
from .traffic import all_step_traffic

__all__ = ["ANALYSIS", "SETUP", "SIZE_PARAMS", "SWEEP_PARAMS", "analyze", "build", "sweep"]


def _failed_links(value) -> tuple[tuple, ...]:
    """Failed cables: ``(leaf, spine)`` pairs / ``"LEAF:SPINE"`` strings (leaf-spine), or
    ``(tier, x, y)`` / ``"TIER:X:Y"`` with tier ``edge`` (edge switch, aggregation index) or
    ``core`` (aggregation switch, core index) on a fat-tree (``leaf`` on a leaf-spine)."""
    out = []
    for item in value or ():
        parts = item.split(":") if isinstance(item, str) else list(item)
        try:
            if len(parts) == 2:
                out.append((int(parts[0]), int(parts[1])))
            elif len(parts) == 3 and str(parts[0]) in ("leaf", "edge", "core"):
                out.append((str(parts[0]), int(parts[1]), int(parts[2])))
            else:
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(f"expected LEAF:SPINE or TIER:X:Y (tier leaf, edge or core; two integers), "
                             f"got {item!r}") from None
    return tuple(out)


#: what :func:`build` makes: the fabric and the placed collective
SETUP = ParamSpace("fabric", {
    "topology": Param(str, "leaf-spine", "fabric: 2-tier leaf-spine or 3-tier k-ary fat-tree",
                      choices=("leaf-spine", "fat-tree")),
    "leaves": Param(int, 32, "leaf switches (leaf-spine)", low=1),
    "spines": Param(int, 16, "spine switches; each leaf has one uplink to every spine (leaf-spine)", low=1),
    "hosts_per_leaf": Param(int, 8, "hosts (GPUs/NICs) per leaf (leaf-spine)", low=1),
    "k": Param(int, 8, "fat-tree arity k (even); k^3/4 hosts", low=2),
    "host_gbps": Param(float, 400.0, "host NIC speed (Gbit/s)", low=0, low_open=True),
    "uplink_gbps": Param(float, None, "switch-to-switch link speed (Gbit/s); none: from the oversubscription "
                         "(fat-tree: the host speed)", low=0, low_open=True, special=(None,)),
    "oversubscription": Param(float, 1.0, "leaf / edge oversubscription, host / uplink bandwidth (1 = non-blocking)",
                              low=0, low_open=True),
    "core_oversubscription": Param(float, 1.0, "fat-tree aggregation oversubscription, edge-aggregation / "
                                   "aggregation-core bandwidth (1 = non-blocking)", low=0, low_open=True),
    "core_gbps": Param(float, None, "fat-tree aggregation-core link speed (Gbit/s); none: from the edge links and "
                       "core_oversubscription", low=0, low_open=True, special=(None,)),
    "failed": Param(_failed_links, (), "failed cables", valid="LEAF:SPINE (leaf-spine) or edge:E:I / core:G:J "
                    "(fat-tree)"),
    "rails": Param(int, 1, "GPUs per server = rails of a rail-optimised cluster (GPU g of every server on rail leaf "
                   "g of its scalable unit; 1: no server structure)", low=1),
    "collective": Param(str, "all-to-all", "collective traffic pattern", choices=COLLECTIVES),
    "ranks": Param(int, None, "participating ranks (GPUs); none: every host", low=1, special=(None,)),
    "nbytes": Param(float, float(1 << 30), "buffer size per rank (bytes)", low=0, low_open=True),
    "channels": Param(int, 1, "ring channels (parallel rings, each carrying bytes/channels)", low=1),
    "placement_kind": Param(str, "leaf-major", "rank placement: leaf-major (= contiguous), round-robin "
                            "(consecutive ranks on different leaves), random, or a placement file"),
    "seed": Param(int, 0, "seed of a random placement", low=0),
    "skew": Param(str, None, "skewed all-to-all (mixture-of-experts token routing): a Zipf exponent or a file of "
                  "tokens per expert", special=(None,)),
    "experts": Param(int, None, "experts of a Zipf skew (default: one per rank)", low=1, special=(None,)),
})

#: how :func:`analyze` runs the models
ANALYSIS = ParamSpace("fabric analyze", {
    "seeds": Param(int, 100, "ECMP Monte Carlo samples", low=1),
    "seed": Param(int, 0, "seed of the ECMP samples and of the ECMP CCT sample", low=0),
    "qps": Param(int, 1, "queue pairs per flow for ECMP (each hashed independently)", low=1),
    "ecmp": Param(str, "auto", "ECMP model", choices=("auto", "exact", "monte-carlo", "both")),
    "cct": Param(bool, True, "compute flow-level completion times"),
    "cct_max_flows": Param(int, 300_000, "list at most this many (sub)flows per step for the max-min completion time "
                           "(a step of equal flows needs none: it lasts its largest link congestion, cct.equal_flows_theorem)",
                           low=1),
    "aggregate": Param(str, "auto", "ECMP Monte Carlo per link class (aggregated) or per flow; auto: aggregated for "
                       "the all-to-all once per-flow sampling would be slow", choices=("auto", "always", "never")),
})


def build(**params) -> tuple[Fabric, Collective]:
    """Fabric and placed collective from plain parameters (:data:`SETUP`: what the CLI passes),
    each checked before anything is built.

    ``placement_kind`` is ``"leaf-major"`` (``"contiguous"``), ``"round-robin"``, ``"random"`` or a
    path to a placement file (whose
    length then sets the rank count). On a rail-optimised fabric (``rails > 1``) contiguous ranks
    and the ids in a placement file are GPU ids (``server * rails + rail``: consecutive ranks share a
    server); round-robin and random place on hosts as elsewhere.

    ``skew`` (all-to-all only): a Zipf exponent (over ``experts`` experts, default one per rank) or
    a histogram file of tokens per expert (:func:`~netopt.solvers.fabric.collectives.skew_weights`).
    """
    p = SETUP.resolve(params)
    check_model_memory(p)
    if p.topology == "leaf-spine":
        if any(len(c) == 3 and c[0] != "leaf" for c in p.failed):
            raise FabricInputError("failed", "a leaf-spine has leaf-spine cables only (LEAF:SPINE or leaf:LEAF:SPINE)")
        if p.core_gbps is not None or p.core_oversubscription != 1.0:
            raise FabricInputError("core_oversubscription", "a leaf-spine has no core tier (fat-tree only)")
        fab = leaf_spine(p.leaves, p.spines, p.hosts_per_leaf, host_gbps=p.host_gbps, uplink_gbps=p.uplink_gbps,
                         oversubscription=p.oversubscription, rails=p.rails)
        if p.failed:
            fab = fab.fail_cables(p.failed)
    else:
        if any(len(c) == 3 and c[0] == "leaf" for c in p.failed):
            raise FabricInputError("failed", "fat-tree cables are edge:E:I or core:G:J")
        fab = fat_tree(p.k, host_gbps=p.host_gbps, link_gbps=p.uplink_gbps, core_gbps=p.core_gbps,
                       oversubscription=p.oversubscription, core_oversubscription=p.core_oversubscription,
                       failed=list(p.failed) or None, rails=p.rails)
    if p.placement_kind in PLACEMENTS:
        n = fab.n_hosts if p.ranks is None else p.ranks
        hosts = placement(p.placement_kind, n, fab.n_hosts, p.seed, hosts_per_leaf=fab.hosts_per_leaf)
        if p.placement_kind in ("leaf-major", "contiguous"):
            hosts = fab.gpu_host(hosts)  # rank r on GPU r: on a rail-optimised fabric, consecutive ranks share a server
    else:
        hosts = fab.gpu_host(read_placement(p.placement_kind, fab.n_hosts))
        if p.ranks is not None and p.ranks != hosts.size:
            raise FabricInputError("ranks", f"--ranks {p.ranks} disagrees with the placement file ({hosts.size} ranks)")
        n = hosts.size
    weights, what = None, ""
    if p.skew is not None:
        from .collectives import skew_weights

        if p.collective not in ("all-to-all", "all-to-all-pairwise"):
            raise FabricInputError("skew", f"--skew applies to the all-to-all (MoE token routing), not to "
                                           f"{p.collective!r}")
        weights, what = skew_weights(p.skew, n, p.experts)
    elif p.experts is not None:
        raise FabricInputError("experts", "--experts needs --skew (a Zipf exponent)")
    check_dense("flow table", (_flow_estimate(p.collective, n, p.channels),), itemsize=32, copies=4,
                where="collective")
    coll = make_collective(p.collective, n, p.nbytes, channels=p.channels, hosts=hosts, weights=weights, skew=what)
    return fab, coll


#: dense leaf-pair matrices the analysis holds besides one count matrix per step (the step's
#: temporaries, the colouring's base / remainder / scaled copies, spraying's loads); calibrated on
#: k = 64 fat-trees (RESULTS.md, Stop 13: all-to-all 549 MiB peak RSS with 32 MiB matrices)
MODEL_MATRIX_COPIES = 12


def _steps_estimate(collective: str, n: int) -> int:
    """Distinct steps (one leaf-pair matrix each) of ``collective`` on ``n`` ranks."""
    lg = max(int(n - 1).bit_length(), 1)
    return {"tree": 2, "recursive-doubling": lg, "halving-doubling": lg,
            "all-to-all-pairwise": max(int(n) - 1, 1)}.get(collective, 1)


def check_model_memory(p) -> int:
    """Refuse (``ResourceLimitError``, exit 2) before anything is built when the aggregated model of
    the resolved :data:`SETUP` parameters ``p`` would not fit in memory: one ``L x L`` int64
    leaf-pair count matrix per distinct step plus :data:`MODEL_MATRIX_COPIES` working copies
    (``L`` leaves, or ``k^2/2`` edge switches). Returns the estimate in bytes."""
    if p.topology == "fat-tree":
        L, hosts = p.k * p.k // 2, p.k ** 3 // 4
    else:
        L, hosts = p.leaves, p.leaves * p.hosts_per_leaf
    n = hosts if p.ranks is None else p.ranks
    steps = _steps_estimate(p.collective, n) * (2 if p.skew is not None else 1)  # skew: a byte matrix too
    return check_dense(f"leaf-pair matrix of the aggregated model (x {steps + MODEL_MATRIX_COPIES}: one per step "
                       f"and {MODEL_MATRIX_COPIES} working copies)", (L, L), copies=steps + MODEL_MATRIX_COPIES,
                       where="k" if p.topology == "fat-tree" else "leaves")


def _flow_estimate(collective: str, n: int, channels: int) -> int:
    """(Sub)flows the models materialise for ``n`` ranks (an upper estimate, before building anything)."""
    n = max(int(n), 0)
    if collective == "all-to-all":
        return 0  # implicit all-pairs flows: aggregated to leaf-pair matrices (checked in all_step_traffic)
    if collective.startswith("all-to-all"):
        return n * max(n - 1, 0)
    if collective in ("ring", "reduce-scatter", "all-gather"):
        return n * max(int(channels), 1)
    return 2 * n * max(n.bit_length(), 1)  # tree, recursive doubling / halving-doubling


def _mc_aggregated(fabric: Fabric, coll: Collective, steps, seeds: int, aggregate) -> bool:
    """Whether :func:`ecmp_monte_carlo` with ``aggregate`` would sample per link class."""
    if aggregate is False or not aggregable(fabric, coll, steps):
        return False
    return aggregate is True or per_flow_work(fabric, steps, seeds) > AGGREGATE_WORK


def analyze(fabric: Fabric, coll: Collective, **params) -> dict:
    """Run every model and collect a JSON-ready summary. ``params`` are :data:`ANALYSIS`'s,
    checked before any model runs.

    Parameters
    ----------
    seeds, seed
        Monte Carlo samples of ECMP and their seed.
    qps
        Queue pairs per flow for ECMP (each hashed independently).
    ecmp
        ``"exact"``, ``"monte-carlo"``, ``"both"`` or ``"auto"`` (exact where supported - healthy
        leaf-spine or fat-tree with one capacity per tier, equal flows - plus Monte Carlo, except
        that an aggregated Monte Carlo is skipped next to the exact model: both combine the tiers as
        independent and the exact one has no sampling error; Monte Carlo only otherwise). The
        "exact" model is exact per tier; it combines the uplink and downlink tiers as independent
        unless they provably coincide (``tiers`` in the entry says ``"exact"`` or
        ``"independent"``, see :func:`~netopt.solvers.fabric.models.ecmp_exact`).
    cct, cct_max_flows
        Compute flow-level completion times (leaf-spine and fat-tree). A step whose (sub)flows all
        have one size lasts exactly its routing's largest link congestion, host links included
        (:func:`~netopt.solvers.fabric.cct.equal_flows_theorem`): spraying, singlepath and split take
        it from their congestion without listing a flow (``cct_method`` ``host-bound`` or
        ``link-bound``: e.g. the all-to-all of a k = 64 fat-tree, 4.3 billion flows). ECMP's CCT is
        one hashing's (``seed``) where its step lists at most ``cct_max_flows`` (sub)flows; past that,
        equal flows take the mean over hashings of ``max(host links, largest switch congestion)``
        from the ECMP model's distribution (``mean over hashings``; the exact model's tiers are
        combined as independent, as in its congestion). The implicit skewed all-to-all (unequal
        flows) under spraying / singlepath / split is exact when its fair-share bounds meet
        (``fair-share bound``, :func:`~netopt.solvers.fabric.cct.skew_cct_bounds`); any other step
        lists its (sub)flows for the max-min kernel, up to ``cct_max_flows`` per step. Past that the
        CCT is ``None``, ``cct_skipped`` says why, naming the step, and ``cct_bounds`` gives
        ``[lower, upper]`` seconds where every step is bounded.
    aggregate
        ``"always"``: sample ECMP per link class (uplink/downlink/pod-core groups with their flow
        counts; :func:`~netopt.solvers.fabric.models.ecmp_monte_carlo` with ``aggregate=True``,
        tiers independent); only for the all-at-once all-to-all on a healthy fabric. ``"never"``:
        per flow (tiers jointly exact). ``"auto"``: aggregated for the all-to-all once the per-flow
        sampler would draw more than ``AGGREGATE_WORK`` path choices (fat-trees from k = 16), or when
        a skewed all-to-all's (leaf, destination) groups are too many to list; the skewed all-to-all
        is sampled per link group and weight class (:func:`~netopt.solvers.fabric.skew.ecmp_mc_skewed`).
        A sampler past its work limit (skewed classes, failed cables at scale) leaves ``{"error": ...}``
        in the ECMP entry instead of stopping the analysis (with ``"always"`` it raises).
        Spraying, singlepath and minimal split run on leaf-pair matrices either way (the all-to-all
        is aggregated to them in closed form from the ranks per leaf, never enumerated).

    Returns
    -------
    dict
        ``models`` maps ``spray``/``ecmp``/``singlepath``/``split`` to dicts with
        ``max_congestion`` (s), ``ratio`` (to spraying), ``cct`` (s or ``None``), ``time_s``; ECMP
        adds ``mean``, ``p50``, ``p99`` (and ``sampling``/``tiers`` of its Monte Carlo); split
        adds ``k``. A model that does not apply holds ``{"error": msg}``. ``method`` is
        ``"aggregated"`` or ``"per-flow"``: how ECMP was sampled (without Monte Carlo: whether the
        collective is the implicit all-to-all).
    """
    p = ANALYSIS.resolve(params)
    seeds, seed, qps, ecmp, cct, cct_max_flows = p.seeds, p.seed, p.qps, p.ecmp, p.cct, p.cct_max_flows
    aggregate = {"auto": "auto", "always": True, "never": False}[p.aggregate]
    t0 = time.perf_counter()
    steps = all_step_traffic(fabric, coll)
    method = "aggregated" if coll.pair_bytes > 0 and coll.src.size == 0 and aggregate is not False else "per-flow"
    models: dict = {}
    do_cct = bool(cct)
    shared: dict = {}  # durations of the steps whose flows stay within their leaves: the same for every model

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
                       "time_s": dt, "method": "leaf-pair matrices" + (" (closed form)" if coll.pair_bytes > 0 else "")}
    def cct_of(entry, model, bound=None, routing=None, **kw):
        """Set ``entry["cct"]`` and how it was found (``cct_method``), or why not (``cct_skipped``,
        with ``cct_bounds`` where the step durations are bounded but not exact)."""
        v, how, bounds = completion_time_detail(fabric, coll, model, max_flows=cct_max_flows, shared=shared,
                                                bound=None if bound is None else (steps, bound, routing), **kw)
        entry["cct"] = v
        entry["cct_method" if v is not None else "cct_skipped"] = how
        if bounds is not None:
            entry["cct_bounds"] = [float(bounds[0]), float(bounds[1])]

    if do_cct:
        cct_of(models["spray"], "spray", sp.step_congestion)

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
    run_mc = ecmp in ("monte-carlo", "both") or (ecmp == "auto" and not (
        "method" in entry and _mc_aggregated(fabric, coll, steps, seeds, aggregate)))
    if ecmp == "auto" and not run_mc:
        entry["monte_carlo"] = {"skipped": "the aggregated sampler combines the tiers as independent like the "
                                           "exact model, which has no sampling error (--ecmp both runs it)"}
    if run_mc:
        mc, dt = timed(lambda: ecmp_monte_carlo(fabric, coll, n_seeds=seeds, seed=seed, qps=qps, traffic=steps,
                                                aggregate=aggregate))
        if isinstance(mc, dict):
            if aggregate is True:
                raise UnsupportedInstanceError(mc["error"])
            run_mc = False  # a work limit (skewed classes, failed cables): say so in the entry
            if "method" in entry:
                entry["monte_carlo"] = {"error": mc["error"]}
            else:
                entry = {"error": mc["error"]}
    if run_mc:
        method = mc.info["sampling"]
        mc_d = {"mean": mc.info["mean"], "p50": mc.info["p50"], "p99": mc.info["p99"], "seeds": seeds, "time_s": dt,
                "sampling": mc.info["sampling"], "tiers": mc.info["tiers"]}
        if "classes" in mc.info:
            mc_d["classes"] = mc.info["classes"]
        if "method" in entry:
            entry["monte_carlo"] = mc_d
        else:
            entry.update({"max_congestion": mc.info["mean"], **mc_d, "method": "monte-carlo"})
    if ecmp not in ("auto", "exact", "monte-carlo", "both"):
        raise FabricInputError("ecmp", f"unknown ECMP method {ecmp!r} (auto, exact, monte-carlo, both)")
    if "error" not in entry:
        entry["qps"] = qps
        entry["ratio"] = ratio(entry["max_congestion"])
        if do_cct:
            # steps too large to list: the distribution of their largest switch congestion over hashings
            dist = None
            if entry.get("method") == "exact":
                dist = ex.info["step_dist"]
            elif run_mc and mc.info["per_step"].shape[0] == len(steps):
                dist = [(row, np.ones(row.size)) for row in mc.info["per_step"]]
            cct_of(entry, "ecmp", seed=seed, qps=qps, hashings=None if dist is None else (steps, dist),
                   no_bound="its flows have unequal sizes (ECMP's CCT is then set by one hashing's max-min "
                            "rates; the fair-share bounds need every flow's links)")
    models["ecmp"] = entry

    # ---- singlepath
    # assignments are kept for the completion time only where it will run (a k = 64 fat-tree's
    # all-to-all has billions of flows: its CCT is skipped and its assignment need not be recorded)
    keep = do_cct and all(_flows_materialised(fabric, coll, t, 1) <= cct_max_flows for t in range(coll.n_steps))
    sgl, dt = timed(lambda: singlepath(fabric, coll, traffic=steps, keep=keep))
    if isinstance(sgl, dict):
        models["singlepath"] = sgl
    else:
        e = {"max_congestion": sgl.max_congestion, "ratio": ratio(sgl.max_congestion), "time_s": dt,
             "method": sgl.info["method"]}
        if "bound" in sgl.info:
            e["bound"] = sgl.info["bound"]
        if do_cct:
            cct_of(e, "singlepath", sgl.step_congestion, sgl.info["method"], assignments=sgl.assignment, k=1)
        models["singlepath"] = e

    # ---- minimal split
    spl, dt = timed(lambda: min_split(fabric, coll, traffic=steps, keep=keep,
                                      unsplit=None if isinstance(sgl, dict) else sgl,
                                      sprayed=None if isinstance(sp, dict) else sp))
    if isinstance(spl, dict):
        models["split"] = spl
    else:
        kk = spl.info["k"]
        e = {"k": kk, "max_congestion": spl.max_congestion, "ratio": ratio(spl.max_congestion), "time_s": dt,
             "method": spl.info.get("method")}
        if "note" in spl.info:
            e["note"] = spl.info["note"]
        if do_cct and kk == 1 and not isinstance(sgl, dict) and spl.assignment is sgl.assignment:
            for key in ("cct", "cct_method", "cct_skipped"):  # the same paths (min_split reused the colouring)
                if key in models["singlepath"]:
                    e[key] = models["singlepath"][key]
        elif do_cct:
            cct_of(e, "split", spl.step_congestion, spl.info.get("method"), assignments=spl.assignment, k=kk)
        models["split"] = e
    if "cct" in models["spray"] and models["spray"]["cct"]:
        for m in models.values():
            if m.get("cct") is not None:
                m["cct_ratio"] = m["cct"] / models["spray"]["cct"]
    out = {
        "fabric": fabric.describe(),
        "collective": coll.name,
        "ranks": coll.n_ranks,
        "bytes": float(coll.total_bytes()),
        "flows": coll.n_flows,
        "steps": coll.n_steps,
        "method": method,
        "units": {"max_congestion": "s (bytes / link capacity)", "cct": "s"},
        "models": models,
        "time_s": time.perf_counter() - t0,
    }
    if coll.pair_weight is not None:
        w = coll.pair_weight
        out["skew"] = {"what": coll.skew, "max_rank_share": float(w.max() / w.sum()),
                       "max_over_mean": float(w.max() / w.mean()),
                       "receivers": int(np.count_nonzero(w))}
    if fabric.rails > 1:
        out["rails"] = fabric.rails
    return out


#: ``k`` (fat-tree arity) and ``leaves`` (leaf-spine leaves) vary the cluster size: every rank count
#: follows the fabric (``ranks`` is reset to every host)
SWEEP_PARAMS = ("spines", "oversubscription", "channels", "qps", "k", "leaves")
SIZE_PARAMS = ("k", "leaves")


def sweep(param: str, values, base: dict, **params) -> list[dict]:
    """:func:`analyze` (with ``params``, :data:`ANALYSIS`) for each value of ``param`` (one of
    :data:`SWEEP_PARAMS`) over the :func:`build` parameters ``base`` (:data:`SETUP`); returns one
    summary per value with ``value`` set. Every value is checked before the first analysis runs.
    ``k`` / ``leaves`` sweep the cluster size (fat-tree / leaf-spine; every host is a rank)."""
    if param not in SWEEP_PARAMS:
        raise FabricInputError("param", f"unknown sweep parameter {param!r} (one of: {', '.join(SWEEP_PARAMS)})")
    vals = list(values)
    if not vals:
        raise FabricInputError("values", "give at least one value to sweep")
    space = ANALYSIS if param in ANALYSIS else SETUP
    runs = []
    for v in vals:
        setup, analysis = dict(base), dict(params)
        (analysis if space is ANALYSIS else setup)[param] = v
        if param in SIZE_PARAMS:
            setup["ranks"] = None
        runs.append((v, SETUP.resolve(setup), ANALYSIS.resolve(analysis)))
    if param == "k":
        for v, setup, _ in runs:
            if setup.topology != "fat-tree":
                raise FabricInputError("param", "sweeping k needs --topology fat-tree")
            if setup.k % 2:
                raise FabricInputError("k", f"fat-tree arity must be even, got {setup.k}")
    if param == "leaves" and runs[0][1].topology != "leaf-spine":
        raise FabricInputError("param", "sweeping leaves needs --topology leaf-spine")
    for _, setup, _ in runs:  # every size is checked against memory before the first analysis
        check_model_memory(setup)
    out = []
    for v, setup, analysis in runs:
        res = analyze(*build(**setup), **analysis)
        res["value"] = v
        out.append(res)
    return out
