"""Load-balancing models: link loads and maximum congestion of a collective on a fabric.

Congestion of a link = bytes it carries in one step / its capacity in bytes per second, i.e. the
time the link needs to drain the step (a lower bound on the step's duration). The *maximum
congestion* of a step is the maximum over switch-to-switch links (host NIC links are reported
separately: with non-blocking leaves they bound every model equally); of a collective, the
maximum over its steps.

Models
------
:func:`spray`
    Ideal packet spraying: every flow is split as a fluid evenly over all its (live) equal-cost
    paths. Closed form on leaf-pair matrices.
:func:`ecmp_monte_carlo`
    ECMP hashing: each flow (or each of its ``qps`` queue pairs) picks one path uniformly at
    random; Numba kernel, one sample per seed. With ``aggregate=True`` (the all-to-all on large
    fabrics) it samples balls per link class instead (:func:`link_class_balls`: one uniform
    multinomial per uplink / downlink / pod-core group), tiers sampled independently.
:func:`ecmp_exact`
    The exact distribution of the maximum load of each ECMP uplink (and downlink) group on a
    healthy leaf-spine or fat-tree (one capacity per tier) with equal flows: the maximum of a
    uniform multinomial of the group's ball count (fat-trees: the link classes of
    :func:`link_class_balls`, from leaf-pair counts), computed by Poissonisation and a pruned
    discrete Fourier transform. Groups of one tier are independent (they hold
    disjoint flows), so the tier maximum is exact; the two tiers are combined exactly when each
    loaded leaf pair is the only traffic of its two leaves (downlink group = uplink group, e.g.
    leaf-major rings) and otherwise **assuming independence: an approximation** (measured against
    Monte Carlo in ``benchmarks/RESULTS.md``; ``info["tiers"]`` says which).
:func:`singlepath`
    Best single path per flow without splitting. For equal flows the lower bound
    ``ceil(d / S)`` flows per link (``d`` flows leaving/entering a leaf) is attained by an
    equitable edge colouring of the leaf-pair multigraph, built by :func:`equitable_assign`
    (rounding the fractional spray solution colour by colour: a greedy choice, checked, else a
    bounded max-flow). Flows of unequal
    size use a MILP (OR-Tools, imported lazily) or, when asked, a greedy rule.
:func:`min_split`
    The smallest number ``k`` of equal subflows per flow such that singlepath routing of the
    subflows reaches the spraying congestion (``S / gcd(r, S)`` for ``r`` equal flows per leaf),
    with the constructed assignment.

Fat-trees: spray and Monte Carlo ECMP are exact models; singlepath/split use a two-stage
equitable colouring (edge -> aggregation, then per aggregation plane pod -> core), whose
congestion is reported together with the spraying lower bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import bdtr, bdtrc, gammaln, pdtrc

from . import _kernels
from .collectives import Collective
from .errors import FabricInputError, UnsupportedInstanceError
from .results import ModelResult, StepLoads, congestion_of_loads
from .topology import TIER_DOWN, TIER_DOWN2, TIER_UP, TIER_UP2, Fabric
from .traffic import StepTraffic, all_step_traffic

__all__ = [
    "StepLoads", "ModelResult", "Assignment", "spray", "spray_loads", "ecmp_monte_carlo", "ecmp_exact",
    "multinomial_max_cdf", "equitable_assign", "singlepath", "min_split", "congestion_of_loads",
    "assignment_loads", "link_class_balls", "aggregable", "per_flow_work", "AGGREGATE_WORK",
]


def host_congestion(fabric: Fabric, st: StepTraffic) -> float:
    """Max over host NIC links of bytes / capacity in one step."""
    return float(max(np.max(st.host_out / fabric.host_up_capacity), np.max(st.host_in / fabric.host_down_capacity)))


def _steps(fabric: Fabric, coll: Collective, traffic):
    return all_step_traffic(fabric, coll) if traffic is None else traffic


# ---------------------------------------------------------------------------- spraying
def spray_loads(fabric: Fabric, st: StepTraffic) -> StepLoads:
    """Link loads (bytes) of ideal spraying for one step.

    Leaf-spine: flows ``a -> b`` are split evenly over the spines whose cables ``a - s`` and
    ``s - b`` are both up. Fat-tree: evenly over the ``k/2`` aggregation switches and, between
    pods, the ``(k/2)^2`` cores; with failed cables evenly over the live paths
    (:func:`~netopt.solvers.fabric.failures.fattree_spray_loads`).
    """
    if fabric.kind == "leaf-spine":
        if fabric.healthy:
            S = fabric.n_spines
            out_b, in_b = st.leaf_bytes()
            return StepLoads(np.repeat(out_b[:, None] / S, S, axis=1), np.repeat(in_b[:, None] / S, S, axis=1))
        B = st.nbytes
        A = (fabric.block(TIER_UP) > 0).astype(np.float64)
        D = (fabric.block(TIER_DOWN) > 0).astype(np.float64)
        paths = A @ D.T
        if np.any((paths == 0) & (B > 0)):
            a, b = np.argwhere((paths == 0) & (B > 0))[0]
            raise FabricInputError("failed", f"leaves {a} and {b} have no common live spine")
        W = np.divide(B, paths, out=np.zeros_like(B), where=paths > 0)
        return StepLoads(A * (W @ D), D * (W.T @ A))
    if not fabric.healthy:
        from .failures import fattree_spray_loads

        return fattree_spray_loads(fabric, st.nbytes)
    h, k = fabric.half, fabric.k
    out_b, in_b = st.leaf_bytes()
    up = np.repeat(out_b[:, None] / h, h, axis=1)
    down = np.repeat(in_b[:, None] / h, h, axis=1)
    P = st.pod_count(h) * st.size if st.size is not None else st.nbytes.reshape(k, h, k, h).sum(axis=(1, 3))
    dp = np.diag(P).copy()
    out_p = (P.sum(axis=1) - dp) / (h * h)
    in_p = (P.sum(axis=0) - dp) / (h * h)
    up2 = np.repeat(np.repeat(out_p, h)[:, None], h, axis=1)
    down2 = np.repeat(np.repeat(in_p, h)[:, None], h, axis=1)
    return StepLoads(up, down, up2, down2)


def spray(fabric: Fabric, coll: Collective, traffic=None, keep_loads: bool = False) -> ModelResult:
    """Ideal packet spraying (see :func:`spray_loads`).

    Examples
    --------
    >>> from netopt.solvers.fabric import leaf_spine, ring_allreduce
    >>> fab = leaf_spine(4, 2, 2, host_gbps=8)      # 1 GB/s hosts, 1 GB/s uplinks
    >>> spray(fab, ring_allreduce(8, 8e9)).max_congestion   # 1 GB/2 spines per step
    0.5
    """
    steps = _steps(fabric, coll, traffic)
    loads = [spray_loads(fabric, st) for st in steps]
    cong = np.array([congestion_of_loads(fabric, ld) for ld in loads])
    hc = max(host_congestion(fabric, st) for st in steps)
    return ModelResult("spray", float(cong.max()), cong, {"host_congestion": hc},
                       loads if keep_loads else None)


# ---------------------------------------------------------------------------- ECMP
def _check_seed_count(n_seeds):
    if int(n_seeds) != n_seeds or n_seeds < 1:
        raise FabricInputError("seeds", f"must be a positive integer, got {n_seeds!r}")
    return int(n_seeds)


def _check_qps(qps):
    if int(qps) != qps or qps < 1:
        raise FabricInputError("qps", f"queue pairs per flow must be a positive integer, got {qps!r}")
    return int(qps)


#: ECMP sampling on a fat-tree with failed cables enumerates at most this many paths (groups x live
#: paths x samples, about 10 s)
FAILED_MC_WORK = 2e9

#: ``aggregate="auto"``: sample per link class once the per-flow sampler would draw more than this
#: many (path choices x samples): about 0.5 s of per-flow sampling (``benchmarks/RESULTS.md`` section 4)
AGGREGATE_WORK = 2e7


def link_class_balls(fabric: Fabric, st: StepTraffic, qps: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """ECMP link classes of one step: ``(balls, cap)`` per tier, ``balls[g]`` the flows (times
    ``qps``) that hash uniformly over the ``P`` links of group ``g`` whose capacities are
    ``cap[g, :]``.

    A flow ``a -> b`` between leaves (edge switches) hashes over the ``S`` (``h``) uplinks of ``a``
    and the downlinks of ``b``; between pods over the ``h*h`` aggregation-core links of its source
    pod and of its destination pod. So each group receives a uniform multinomial of its ball count
    (leaf out-/in-degrees, pod out-/in-degrees from the leaf-pair ``count`` matrix), and groups of
    one tier hold disjoint flows (independent). Needs a healthy fabric (every group's links live).
    """
    q = int(qps)
    if fabric.kind == "leaf-spine":
        return [(st.out_degree * q, fabric.block(TIER_UP)), (st.in_degree * q, fabric.block(TIER_DOWN))]
    h, k = fabric.half, fabric.k
    P = st.pod_count(h)
    dp = np.diag(P)
    return [(st.out_degree * q, fabric.block(TIER_UP)), (st.in_degree * q, fabric.block(TIER_DOWN)),
            ((P.sum(axis=1) - dp) * q, fabric.block(TIER_UP2).reshape(k, h * h)),
            ((P.sum(axis=0) - dp) * q, fabric.block(TIER_DOWN2).reshape(k, h * h))]


def per_flow_work(fabric: Fabric, steps, n_seeds: int) -> float:
    """Path choices the per-flow sampler draws: ``n_seeds`` x the paths of every loaded leaf pair
    (infinite when a skewed all-to-all's flow groups were too many to list)."""
    work = 0.0
    for st in steps:
        if not st.groups_complete:
            return float("inf")
        if fabric.kind == "leaf-spine":
            work += float(st.ga.size) * fabric.n_spines
        else:
            h = fabric.half
            same_pod = (st.ga // h) == (st.gb // h)
            work += float(same_pod.sum()) * h + float((~same_pod).sum()) * h * h
    return work * n_seeds


def aggregable(fabric: Fabric, coll: Collective, steps) -> bool:
    """Whether the aggregated ECMP sampler applies: the all-at-once all-to-all (implicit all-pairs
    flows, nothing else; uniform, or skewed: sampled per weight class by
    :func:`~netopt.solvers.fabric.skew.ecmp_mc_skewed`) on a healthy fabric, or the uniform one on a
    fat-tree with failed cables (per class of edge switches with the same live cables:
    :func:`~netopt.solvers.fabric.failures.ecmp_mc_failed_aggregated`)."""
    if not (coll.pair_bytes > 0 and coll.src.size == 0):
        return False
    if not fabric.healthy:  # failed cables: the uniform all-to-all on a fat-tree (failures.failed_class_groups)
        return fabric.kind == "fat-tree" and coll.pair_weight is None and _equal_size_steps(steps)
    return coll.pair_weight is not None or _equal_size_steps(steps)


def _ecmp_mc_aggregated(fabric: Fabric, steps, n_seeds: int, seed: int, qps: int) -> np.ndarray:
    """``(steps, n_seeds)`` max congestion of ECMP sampled per link class (:func:`link_class_balls`):
    each group's counts are one uniform multinomial (NumPy's exact sampler); tiers independent."""
    rng = np.random.default_rng(seed)
    per_step = np.zeros((len(steps), n_seeds))
    for i, st in enumerate(steps):
        if st.n_inter == 0:
            continue
        w = st.size / qps
        for balls, cap in link_class_balls(fabric, st, qps):
            sel = balls > 0
            n, c = np.ascontiguousarray(balls[sel], dtype=np.int64), cap[sel]
            if n.size == 0:
                continue
            P = c.shape[1]
            scale = w / c
            pv = np.full(P, 1.0 / P)
            chunk = max(1, int(4_000_000 // (n.size * P)))
            for r0 in range(0, n_seeds, chunk):
                r1 = min(n_seeds, r0 + chunk)
                cnt = rng.multinomial(n, pv, size=(r1 - r0, n.size))
                per_step[i, r0:r1] = np.maximum(per_step[i, r0:r1], (cnt * scale).max(axis=(1, 2)))
    return per_step


def ecmp_monte_carlo(fabric: Fabric, coll: Collective, n_seeds: int = 100, seed: int = 0, qps: int = 1,
                     traffic=None, parallel: bool = True, aggregate: bool | str = False) -> ModelResult:
    """ECMP hashing, sampled: each of the ``qps`` queue pairs of every flow (``size/qps`` bytes)
    hashes uniformly and independently onto one live path; returns the max congestion of each of
    ``n_seeds`` samples.

    Each sample is exact (no approximation): the path counts of the equal flows of a leaf pair
    (edge pair) are one uniform multinomial draw, sampled by splitting the flows in halves with
    popcounts of random bits (:func:`netopt.solvers.fabric._kernels.uniform_multinomial`), and the
    uplink and downlink loads are accumulated in the same pass.

    Parameters
    ----------
    n_seeds, seed
        Number of samples and the seed; same seed, same samples (sample ``r`` of a step uses its
        own random stream, so the result does not depend on ``parallel``).
    qps
        Queue pairs per flow.
    parallel
        Spread the samples over Numba's threads (``NUMBA_NUM_THREADS``).
    aggregate
        ``False`` (default): sample every flow's path (per leaf-pair group, as above; tiers jointly
        exact). ``True``: sample balls per link class (:func:`link_class_balls`): each uplink /
        downlink / pod-core group gets one uniform multinomial of its flow count, so the cost no
        longer grows with the number of leaf pairs (4 million on a k = 64 fat-tree); every group's
        distribution is exact, but the tiers (and a leaf's uplinks vs another's downlinks) are
        sampled **independently**, which ignores the flows they share (an approximation, measured
        in ``benchmarks/RESULTS.md`` section 4). ``"auto"``: ``True`` when :func:`aggregable` and the
        per-flow sampler would draw more than :data:`AGGREGATE_WORK` path choices. Refused
        (``UnsupportedInstanceError``) when ``True`` and not :func:`aggregable`.

    ``info`` holds ``samples`` (per seed, max over steps), ``per_step`` (steps x seeds), ``mean``,
    ``p50``, ``p99``, ``sampling`` (``"aggregated"`` or ``"per-flow"``) and ``tiers`` (``"exact"`` or
    ``"independent"``).

    Examples
    --------
    >>> from netopt.solvers.fabric import leaf_spine, all_to_all
    >>> fab = leaf_spine(4, 2, 2, host_gbps=8)
    >>> res = ecmp_monte_carlo(fab, all_to_all(8, 8e9), n_seeds=50, seed=1)
    >>> res.info["mean"] >= spray(fab, all_to_all(8, 8e9)).max_congestion
    True
    """
    n_seeds = _check_seed_count(n_seeds)
    qps = _check_qps(qps)
    if int(seed) != seed or seed < 0:
        raise FabricInputError("seed", f"must be a non-negative integer, got {seed!r}")
    steps = _steps(fabric, coll, traffic)
    if aggregate not in (True, False, "auto"):
        raise FabricInputError("aggregate", f"expected True, False or 'auto', got {aggregate!r}")
    if aggregate == "auto":
        aggregate = aggregable(fabric, coll, steps) and per_flow_work(fabric, steps, n_seeds) > AGGREGATE_WORK
    if aggregate:
        if not aggregable(fabric, coll, steps):
            raise UnsupportedInstanceError("aggregated ECMP sampling needs the all-at-once all-to-all on a "
                                           "healthy fabric; use aggregate=False (CLI: --aggregate auto or never)")
        if coll.pair_weight is not None:
            from .skew import ecmp_mc_skewed

            samples, extra = ecmp_mc_skewed(fabric, coll, n_seeds, int(seed), qps)
            res = _mc_result(samples[None, :], qps, n_seeds, "aggregated")
            res.info["classes"] = extra
            return res
        if not fabric.healthy:
            from .failures import ecmp_mc_failed_aggregated

            per_step = ecmp_mc_failed_aggregated(fabric, steps, n_seeds, int(seed), qps)
        else:
            per_step = _ecmp_mc_aggregated(fabric, steps, n_seeds, int(seed), qps)
        return _mc_result(per_step, qps, n_seeds, "aggregated")
    if not all(st.groups_complete for st in steps):
        raise UnsupportedInstanceError("the skewed all-to-all has too many (source leaf, destination rank) flow groups "
                                       "for the per-flow ECMP sampler; use aggregate=True (CLI: --aggregate auto)")
    rng = np.random.default_rng(seed)
    per_step = np.zeros((len(steps), n_seeds))
    for i, st in enumerate(steps):
        if st.gn.size == 0:
            continue
        ks = int(rng.integers(0, 2**62))
        gn = np.ascontiguousarray(st.gn * qps, dtype=np.int64)
        gw = np.ascontiguousarray(st.gw / qps, dtype=np.float64)
        ga = np.ascontiguousarray(st.ga, dtype=np.int64)
        gb = np.ascontiguousarray(st.gb, dtype=np.int64)
        h = fabric.half
        # a fat-tree step with no flow between pods samples like a leaf-spine (core tiers left alone)
        fat = fabric.kind == "fat-tree" and bool(np.any(ga // h != gb // h))
        if not fabric.healthy:  # every group's live paths are listed per sample: bounded work, one needed
            from .failures import live_path_table

            paths = np.where(ga // h != gb // h, h * h, h) if fat else np.full(ga.size, fabric.n_spines)
            work = float(np.sum(paths)) * n_seeds
            if work > FAILED_MC_WORK:
                raise UnsupportedInstanceError(f"ECMP sampling with failed cables would enumerate {work:.3g} paths "
                                               f"(> {FAILED_MC_WORK:.3g}); use fewer seeds or a smaller fabric")
            ptr = live_path_table(fabric, ga, gb)[0]
            if np.any(np.diff(ptr) == 0):
                g = int(np.flatnonzero(np.diff(ptr) == 0)[0])
                raise FabricInputError("failed", f"leaves / edge switches {ga[g]} and {gb[g]} have no live path")
        kern = _kernels.ecmp_mc_parallel if parallel else _kernels.ecmp_mc
        per_step[i] = kern(ga, gb, gn, gw, int(h), fat, not fabric.healthy, *fabric.kernel_caps(), n_seeds, ks)
    return _mc_result(per_step, qps, n_seeds, "per-flow")


def _mc_result(per_step: np.ndarray, qps: int, n_seeds: int, sampling: str) -> ModelResult:
    samples = per_step.max(axis=0)
    info = {"samples": samples, "mean": float(samples.mean()), "p50": float(np.quantile(samples, 0.5)),
            "p99": float(np.quantile(samples, 0.99)), "qps": qps, "seeds": n_seeds, "method": "monte-carlo",
            "sampling": sampling, "tiers": "independent" if sampling == "aggregated" else "exact",
            "per_step": per_step}
    return ModelResult("ecmp", float(samples.mean()), per_step.mean(axis=1), info)


def multinomial_max_cdf(n: int, S: int, c_max: int | None = None, tail: float = 1e-12, groups: int = 1,
                        lower_tail: float = 0.0):
    """Exact CDF of the largest count when ``n`` balls fall uniformly into ``S`` bins.

    Uses ``P(max <= c) = P(sum of S Poisson(n/S) truncated at c = n) / P(Poisson(n) = n)``; the
    numerator is the ``n``-th coefficient of ``p_c(x)^S`` (``p_c`` the truncated Poisson pmf),
    read off a length-``M`` DFT (one FFT for the first ``c``, then updated per ``c``). ``M`` is a
    power of two above ``min(S*c_max, 16 sqrt(n))``, where the wrap-around (aliasing) is below
    ``1e-300``. Only the DFT points ``k`` where a bound on ``|p_c(w^k)|^S`` exceeds ``e^-100`` for
    some evaluated ``c`` are summed (``|p_c(w^k)| <= exp(-t(1 - cos theta_k)) + P(Poisson(t) > c)``
    and ``<= 3 max_j p_j / |sin(theta_k / 2)|``, ``t = n/S``), so dropping the others changes the CDF
    by less than ``e^-100 sqrt(2 pi n)``; for many bins that leaves a few dozen points.

    Parameters
    ----------
    n, S
        Balls (flows) and bins (paths); ``n >= 0``, ``S >= 1``.
    c_max
        Last value to evaluate (default: stop once ``1 - CDF < tail``, or at
        ``n/S + 40 sqrt(n/S) + 40`` where the remaining tail is below double precision).
    groups, lower_tail
        With ``lower_tail > 0`` the CDF is meant to be raised to the power ``groups`` (the maximum
        over ``groups`` independent such groups): values of ``c`` where
        ``Binomial(n, 1/S).cdf(c)^(S * groups) < lower_tail`` are not evaluated
        (``P(max <= c)^groups`` is at most that, by negative association of multinomial counts),
        so the result starts at the first ``c`` that matters.

    Returns
    -------
    (c, cdf) : (int64[m], float64[m])
        ``cdf[i] = P(max <= c[i])`` for ``c = c_lo .. c_max``; below ``c[0]`` the CDF is 0 (without
        ``lower_tail``: ``c_lo = ceil(n/S)``) or, raised to ``groups``, below ``lower_tail``.

    Examples
    --------
    >>> c, F = multinomial_max_cdf(2, 2)   # both in one bin with probability 1/2
    >>> c.tolist(), [round(float(x), 12) for x in F]
    ([1, 2], [0.5, 1.0])
    """
    n, S, groups = int(n), int(S), int(groups)
    if n < 0 or S < 1 or groups < 1:
        raise FabricInputError("n", "need n >= 0 balls, S >= 1 bins and groups >= 1")
    c0 = -(-n // S)
    if n == 0 or S == 1:
        return np.array([c0], dtype=np.int64), np.array([1.0])
    t = n / S
    hard_max = n if c_max is None else min(int(c_max), n)
    top = int(min(n, c0 + 40 * math.sqrt(t) + 40))
    grid = np.arange(c0, top + 1, dtype=np.int64)
    if c_max is None:
        # union bound: 1 - CDF(c) <= S * P(Binomial(n, 1/S) > c); stop where that is below tail/10
        ok = np.flatnonzero(S * bdtrc(grid, n, 1.0 / S) < tail / 10)
        guess = int(grid[ok[0]]) if ok.size else top
    else:
        guess = hard_max
    cap = min(hard_max, max(guess, c0))
    lo = c0
    if lower_tail > 0:
        # P(max <= c) <= P(Binomial(n, 1/S) <= c)^S (negatively associated counts)
        with np.errstate(divide="ignore"):
            bound = S * groups * np.log(bdtr(grid[grid <= cap], n, 1.0 / S))
        below = np.flatnonzero(bound < math.log(lower_tail))
        if below.size:
            lo = min(int(grid[below[-1]]), cap)
    M = 1
    while M < min(S * cap + 1, max(256, int(16 * math.sqrt(n)) + 1)):
        M *= 2
    js = np.arange(cap + 1)
    p = np.exp(js * math.log(t) - t - gammaln(js + 1))
    # P_lo(w^k) for every k by one FFT of p[0..lo] folded modulo M; then keep the k that can matter:
    # |P_c(w^k)| <= exp(-t (1 - cos theta)) + P(Poisson(t) > c), and (Abel summation over the
    # unimodal p) <= 3 max(p) / |sin(theta / 2)|
    v_all = np.fft.ifft(np.bincount(np.arange(lo + 1) % M, weights=p[: lo + 1], minlength=M)) * M
    theta = 2.0 * np.pi * np.arange(M) / M
    with np.errstate(divide="ignore"):
        pmax = float(np.exp(math.floor(t) * math.log(t) - t - gammaln(math.floor(t) + 1)))
        bound = np.minimum(np.exp(-t * (1.0 - np.cos(theta))) + float(pdtrc(lo, t)),
                           3.0 * pmax / np.abs(np.sin(theta / 2.0)))
        ks = np.flatnonzero(S * np.log(np.minimum(bound, 1.0)) > -100.0).astype(np.int64)
    lognorm = n * math.log(n) - n - gammaln(n + 1)
    vals = _kernels.multinomial_max_coeffs(np.ascontiguousarray(v_all[ks]), p, lo, cap, S, n, M, ks)
    with np.errstate(divide="ignore"):
        F = np.clip(np.exp(np.log(np.maximum(vals, 0.0)) - lognorm), 0.0, 1.0)
    cs = np.arange(lo, cap + 1, dtype=np.int64)
    if c_max is None:  # drop the part of the tail beyond double precision
        done = np.flatnonzero(1.0 - F < tail)
        if done.size:
            cs, F = cs[: done[0] + 1], F[: done[0] + 1]
    F = np.maximum.accumulate(np.array(F))
    if cs[-1] == n:
        F[-1] = 1.0
    return np.array(cs, dtype=np.int64), F


@lru_cache(maxsize=256)
def _cached_cdf(n: int, S: int, groups: int = 1):
    """Per-group CDF for a tier of ``groups`` such groups (values where the tier's CDF is below 1e-16
    are left out: treated as 0)."""
    return multinomial_max_cdf(n, S, groups=groups, lower_tail=1e-16)


def _tier_cdf(degrees: np.ndarray, S: int):
    """CDF (on counts 0..cmax) of the max over independent groups with given flow counts."""
    vals, mult = np.unique(degrees[degrees > 0], return_counts=True)
    if vals.size == 0:
        return np.array([0], dtype=np.int64), np.array([1.0])
    curves = [_cached_cdf(int(v), S, int(m)) for v, m in zip(vals, mult)]
    cmax = max(int(c[-1]) for c, _ in curves)
    grid = np.arange(cmax + 1, dtype=np.int64)
    logF = np.zeros(grid.size)
    for (c, f), m in zip(curves, mult):
        full = np.ones(grid.size)
        full[: c[0]] = 0.0
        full[c[0] : c[-1] + 1] = f
        with np.errstate(divide="ignore"):
            logF += m * np.log(full)
    return grid, np.exp(logF)


def _summarise_cdf(x: np.ndarray, F: np.ndarray) -> dict:
    pmf = np.diff(np.concatenate([[0.0], F]))
    mean = float(np.dot(pmf, x) / pmf.sum())

    def q(p):
        return float(x[min(np.searchsorted(F, p * F[-1]), x.size - 1)])

    return {"mean": mean, "p50": q(0.5), "p99": q(0.99)}


def _shared_downlink_groups(count: np.ndarray) -> tuple[np.ndarray, bool]:
    """Downlink groups that are copies of an uplink group, and whether the tiers are independent.

    When leaf ``a`` sends only to leaf ``b`` and ``b`` receives only from ``a``, the spine counts of
    ``a``'s uplinks and ``b``'s downlinks are the same random vector (the same flows), so ``b``'s
    downlink group adds nothing to the maximum. Returns a boolean mask over destination leaves
    (``True``: drop from the downlink tier) and ``exact``: every loaded pair is of that kind, so
    the remaining groups are independent and the combined distribution is exact.
    """
    nz = count > 0
    row_single = nz.sum(axis=1) == 1
    col_single = nz.sum(axis=0) == 1
    pair_single = nz & row_single[:, None] & col_single[None, :]
    drop = pair_single.any(axis=0)
    return drop, bool(np.all(pair_single[nz]))


def _combine_cdfs(xl, Fl):
    """CDF of the maximum of independent variables given as step CDFs ``(x, F)`` (``x`` increasing)."""
    grid = np.unique(np.concatenate(xl))
    F = np.ones(grid.size)
    for x, f in zip(xl, Fl):
        idx = np.searchsorted(x, grid, side="right") - 1
        F *= np.where(idx >= 0, f[np.clip(idx, 0, None)], 0.0)
    return grid, F


def _point_mass(F: np.ndarray) -> bool:
    """Whether a CDF on a grid is one jump from 0 to 1 (a deterministic maximum)."""
    return bool(np.all((F < 1e-15) | (F > 1.0 - 1e-15)))


def _uniform_tier(cap: np.ndarray) -> float:
    u = float(cap.flat[0])
    if u <= 0 or not np.all(cap == u):
        raise UnsupportedInstanceError("exact ECMP needs a healthy fabric with one link capacity per switch tier; "
                                       "use the Monte Carlo model (ecmp_monte_carlo)")
    return u


def _step_tiers(fabric: Fabric, st: StepTraffic, qps: int):
    """``[(ball counts per group, links per group, capacity)]`` of the ECMP tiers of one step and
    whether combining them as independent is exact (see :func:`ecmp_exact`)."""
    if fabric.kind == "leaf-spine":
        drop, exact = _shared_downlink_groups(st.count)
        S = fabric.n_spines
        return [(st.out_degree * qps, S, _uniform_tier(fabric.block(TIER_UP))),
                (np.where(drop, 0, st.in_degree) * qps, S, _uniform_tier(fabric.block(TIER_DOWN)))], exact
    return [(balls, cap.shape[1], _uniform_tier(cap)) for balls, cap in link_class_balls(fabric, st, qps)], False


def ecmp_exact(fabric: Fabric, coll: Collective, qps: int = 1, traffic=None) -> ModelResult:
    """ECMP maximum-load distribution from exact per-group multinomial maxima (see the module docstring).

    Requires a healthy fabric with one link capacity per switch tier and equal flow sizes within
    each step. Leaf-spine: the uplink groups of different leaves hold disjoint flows, so the uplink
    tier's maximum is exact (``info["uplink"]``), and likewise the downlink tier's. Fat-tree: the
    groups are the link classes of :func:`link_class_balls` (edge uplinks, edge downlinks, a pod's
    aggregation -> core links, its core -> aggregation links: balls = flows x ``qps`` per group,
    from the leaf-pair counts, never per flow); each tier's maximum is exact likewise. Tiers share
    flows (a flow ``a -> b`` loads an uplink of ``a`` and a downlink of ``b``, and on a fat-tree
    its aggregation switch is the same on its edge uplink and its pod-core link):

    * leaf-spine, when every loaded leaf pair ``(a, b)`` is the only traffic out of ``a`` and into
      ``b`` (e.g. leaf-major rings), ``b``'s downlinks carry exactly ``a``'s uplink counts and the
      fabric-wide distribution is exact (``info["tiers"] == "exact"``); likewise on any fabric when
      at most one tier's maximum is random (the others deterministic, e.g. one flow per group);
    * otherwise the tiers are combined **as if independent** (``info["tiers"] ==
      "independent"``), an approximation. Measured against the Monte Carlo model (which is exact)
      in ``benchmarks/RESULTS.md`` section 4: all-to-all on 8,192 GPUs, mean within 5e-5 relative;
      smaller fabrics and random-placement rings differ more (see there); use
      :func:`ecmp_monte_carlo` when that matters.

    ``info`` holds ``mean``, ``p50``, ``p99`` of the fabric-wide maximum congestion, ``uplink``
    (the leaf / edge uplink tier alone), ``tiers``, ``cdf`` (values, CDF) and ``step_dist`` (per
    step: values and probabilities of its maximum). Steps are combined as independent hashings (as
    in the Monte Carlo model).
    """
    qps = _check_qps(qps)
    if not fabric.healthy:
        raise UnsupportedInstanceError("exact ECMP needs a healthy fabric (no failed links); "
                                       "use the Monte Carlo model (ecmp_monte_carlo)")
    steps = _steps(fabric, coll, traffic)
    xs, Fs, xs_up, Fs_up, means = [], [], [], [], []
    step_dist = [(np.zeros(1), np.ones(1))] * len(steps)  # per step: (values, probabilities) of its max
    tiers_exact = True
    for t, st in enumerate(steps):
        if st.n_inter == 0:
            continue
        if st.size is None:
            raise UnsupportedInstanceError(f"exact ECMP needs equal flow sizes within a step (step {st.step})")
        w = st.size / qps
        tiers, exact = _step_tiers(fabric, st, qps)
        curves = []
        for balls, P, u in tiers:
            g, F = _tier_cdf(balls, P)
            curves.append((g * w / u, F))
        tiers_exact &= exact or sum(not _point_mass(F) for _, F in curves) <= 1
        x, F = _combine_cdfs([c[0] for c in curves], [c[1] for c in curves])
        step_dist[t] = (x, np.diff(np.concatenate([[0.0], F])))
        xs.append(x)
        Fs.append(F)
        xs_up.append(curves[0][0])
        Fs_up.append(curves[0][1])
        means.append(_summarise_cdf(x, F)["mean"])
    if not xs:  # no traffic between leaves (e.g. a single leaf): no switch link is loaded
        xs, Fs, xs_up, Fs_up = [np.zeros(1)], [np.ones(1)], [np.zeros(1)], [np.ones(1)]
    x, F = _combine_cdfs(xs, Fs)
    xu, Fu = _combine_cdfs(xs_up, Fs_up)
    info = _summarise_cdf(x, F)
    info.update({"uplink": _summarise_cdf(xu, Fu), "cdf": (x, F), "qps": qps, "method": "exact",
                 "tiers": "exact" if tiers_exact else "independent", "step_dist": step_dist})
    return ModelResult("ecmp", info["mean"], np.array(means), info)


# ---------------------------------------------------------------------------- equitable colouring
@dataclass
class Assignment:
    """Spine (colour) choice for the flows of one step, stored compactly.

    Every leaf pair ``(a, b)`` puts ``base[a, b]`` flows on *every* colour, plus one flow on each
    ``(xa, xb, xs)`` entry of the extras (a pair appears at most once per colour). The base is kept
    as its nonzero entries ``(ba, bb, bv)`` in row-major order (:attr:`base` makes the dense ``(L, L)``
    matrix on demand: a k = 64 fat-tree's is 32 MiB per step). ``units`` is the number of
    (sub)flows per original flow (``k`` for a split assignment).
    """

    ba: np.ndarray
    bb: np.ndarray
    bv: np.ndarray
    xa: np.ndarray
    xb: np.ndarray
    xs: np.ndarray
    n_colours: int
    n_leaves: int
    units: int = 1

    @property
    def base(self) -> np.ndarray:
        """The dense ``(L, L)`` base matrix (made on each call)."""
        out = np.zeros((self.n_leaves, self.n_leaves), dtype=np.int64)
        out[self.ba, self.bb] = self.bv
        return out

    def base_entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The nonzero entries ``(a, b, base[a, b])`` of :attr:`base`."""
        return self.ba, self.bb, self.bv

    def _per_colour(self, side: int, extra: np.ndarray) -> np.ndarray:
        L, S = self.n_leaves, self.n_colours
        ent = self.base_entries()
        out = np.repeat(np.bincount(ent[side], weights=ent[2], minlength=L).astype(np.int64)[:, None], S, axis=1)
        out += np.bincount(extra * S + self.xs, minlength=L * S).reshape(L, S)
        return out

    def per_colour_out(self) -> np.ndarray:
        """``(L, S)`` flows leaving leaf ``a`` on colour ``s``."""
        return self._per_colour(0, self.xa)

    def per_colour_in(self) -> np.ndarray:
        """``(L, S)`` flows entering leaf ``b`` on colour ``s``."""
        return self._per_colour(1, self.xb)

    def counts(self) -> np.ndarray:
        """Flows per leaf pair (all colours)."""
        c = self.base * self.n_colours
        np.add.at(c, (self.xa, self.xb), 1)
        return c

    def flow_colours(self, la: np.ndarray, lb: np.ndarray) -> np.ndarray:
        """Colour of each flow given the source/destination leaf of every (sub)flow.

        The ``j``-th flow (in array order) of pair ``(a, b)`` takes colour ``j mod S`` while
        ``j < base*S`` and the pair's extras (sorted by colour) after that.
        """
        L, S = self.n_leaves, self.n_colours
        key = la * L + lb
        order = np.argsort(key, kind="stable")
        ks = key[order]
        starts = np.searchsorted(ks, ks, side="left")
        j = np.arange(ks.size) - starts
        bkey = self.ba * L + self.bb  # row-major: sorted
        pos = np.minimum(np.searchsorted(bkey, ks), max(bkey.size - 1, 0))
        b = np.where(bkey[pos] == ks, self.bv[pos], 0) * S if bkey.size else np.zeros(ks.size, np.int64)
        col = np.empty(ks.size, dtype=np.int64)
        in_base = j < b
        col[in_base] = j[in_base] % S
        xkey = self.xa * L + self.xb
        xo = np.lexsort((self.xs, xkey))
        xk, xs = xkey[xo], self.xs[xo]
        e = ~in_base
        pos = np.searchsorted(xk, ks[e], side="left") + (j[e] - b[e])
        if pos.size and (pos.max() >= xk.size or np.any(xk[pos] != ks[e])):
            raise FabricInputError("assignment", "flows do not match the assignment's pair counts")
        col[e] = xs[pos]
        out = np.empty_like(col)
        out[order] = col
        return out


def _bounded_choice(ia, ib, lo_pair, lo_row, hi_row, lo_col, hi_col, L):
    """Pick ``y`` in {0,1} per pair (with ``y >= lo_pair``) so row/column sums of ``y`` lie in
    ``[lo, hi]``: a max-flow with lower bounds (scipy, Dinic). Returns ``y`` or ``None``."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    S0, T0 = 0, 1
    rows = 2 + np.arange(L)
    cols = 2 + L + np.arange(L)
    SS, TT = 2 + 2 * L, 3 + 2 * L
    n_nodes = 4 + 2 * L
    u = [np.full(L, S0), ia + 2, cols, [T0]]
    v = [rows, ib + 2 + L, np.full(L, T0), [S0]]
    lo = [lo_row, lo_pair, lo_col, [0]]
    hi = [hi_row, np.ones(ia.size, np.int64), hi_col, [int(ia.size) + 1]]
    u = np.concatenate(u).astype(np.int64)
    v = np.concatenate(v).astype(np.int64)
    lo = np.concatenate(lo).astype(np.int64)
    hi = np.concatenate(hi).astype(np.int64)
    if np.any(hi < lo):
        return None
    excess = np.bincount(v, weights=lo, minlength=n_nodes) - np.bincount(u, weights=lo, minlength=n_nodes)
    excess = excess.astype(np.int64)
    pos = np.flatnonzero(excess > 0)
    neg = np.flatnonzero(excess < 0)
    U = np.concatenate([u, np.full(pos.size, SS), neg])
    V = np.concatenate([v, pos, np.full(neg.size, TT)])
    C = np.concatenate([hi - lo, excess[pos], -excess[neg]])
    keep = C > 0
    g = csr_matrix((C[keep].astype(np.int32), (U[keep], V[keep])), shape=(n_nodes, n_nodes))
    res = maximum_flow(g, SS, TT, method="dinic")
    if res.flow_value != excess[pos].sum():
        return None
    fl = res.flow.tocsr()
    y = lo_pair + np.asarray(fl[ia + 2, ib + 2 + L]).ravel().astype(np.int64)
    return y


def equitable_assign(R: np.ndarray, S: int) -> Assignment:
    """Assign the flows of a leaf-pair multigraph ``R`` (``R[a, b]`` equal flows ``a -> b``) to
    ``S`` colours (spines) so that every leaf has at most ``ceil(d / S)`` flows per colour on
    both its out- and in-side (``d`` its out-/in-degree): the optimum for unsplit routing.

    ``floor(R/S)`` flows of every pair go to every colour; the remainders (``< S`` per pair) are
    coloured one colour at a time by rounding the fractional solution ``r / S'`` with a bounded
    max-flow, keeping the invariant "remaining remainder degree <= S' * target" (``S'`` colours
    left), so every round is feasible by integrality of bipartite flows. Each round first tries a
    greedy choice (:func:`~netopt.solvers.fabric._kernels.bounded_choice_greedy`: forced pairs,
    then pairs of rows/columns with a lower bound, then by remainder), kept when it meets every
    bound of the round (any choice that does keeps the invariant), else the max-flow.

    Examples
    --------
    >>> R = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    >>> a = equitable_assign(R, 2)
    >>> int(a.per_colour_out().max()), int(a.per_colour_in().max())
    (1, 1)
    """
    R = np.asarray(R, dtype=np.int64)
    if R.ndim != 2 or R.shape[0] != R.shape[1]:
        raise FabricInputError("R", "need a square non-negative integer matrix")
    S = int(S)
    if S < 1:
        raise FabricInputError("spines", "need at least one colour")
    ia, ib = np.nonzero(R)
    v = R[ia, ib]
    if v.size and v.min() < 0:
        raise FabricInputError("R", "need a square non-negative integer matrix")
    return _equitable_sparse(ia, ib, v, R.shape[0], S)


def _equitable_sparse(ia: np.ndarray, ib: np.ndarray, v: np.ndarray, L: int, S: int) -> Assignment:
    """:func:`equitable_assign` of the ``L x L`` matrix whose nonzero entries are ``(ia, ib, v)``
    (row-major order, ``v > 0``): the leaf-pair matrix is never made dense."""
    bv = v // S
    has = bv > 0
    base_nz = (ia[has], ib[has], bv[has])
    rv = v % S
    keep = rv > 0
    ia, ib, rv = ia[keep], ib[keep], rv[keep]
    rho_row = np.bincount(ia, weights=rv, minlength=L).astype(np.int64)
    rho_col = np.bincount(ib, weights=rv, minlength=L).astype(np.int64)
    t_row = -(-rho_row // S)
    t_col = -(-rho_col // S)
    xa, xb, xs = [], [], []
    for s in range(S):
        if ia.size == 0:
            break
        Sp = S - s
        rr = np.bincount(ia, weights=rv, minlength=L).astype(np.int64)
        rc = np.bincount(ib, weights=rv, minlength=L).astype(np.int64)
        lo_pair = (rv >= Sp).astype(np.int64)
        bounds = (np.maximum(0, rr - (Sp - 1) * t_row), np.minimum(t_row, rr),
                  np.maximum(0, rc - (Sp - 1) * t_col), np.minimum(t_col, rc))
        # greedy first (pairs of rows/columns with a lower bound, then by remainder); when it misses
        # a bound, the exact bounded max-flow
        tight = (bounds[0][ia] > 0).astype(np.int64) + (bounds[2][ib] > 0)
        order = np.lexsort((-rv, -tight)).astype(np.int64)
        y, ok = _kernels.bounded_choice_greedy(ia, ib, order, lo_pair, *bounds)
        if not ok:
            y = _bounded_choice(ia, ib, lo_pair, *bounds, L)
        if y is None:  # pragma: no cover - impossible by the invariant
            raise RuntimeError("equitable_assign: infeasible rounding round")
        ch = y > 0
        xa.append(ia[ch])
        xb.append(ib[ch])
        xs.append(np.full(int(ch.sum()), s, dtype=np.int64))
        rv = rv - y
        keep = rv > 0
        ia, ib, rv = ia[keep], ib[keep], rv[keep]
    if ia.size:  # pragma: no cover
        raise RuntimeError("equitable_assign: remainders left")
    cat = (lambda lst: np.concatenate(lst) if lst else np.zeros(0, np.int64))
    return Assignment(*base_nz, cat(xa), cat(xb), cat(xs), S, L)


# ---------------------------------------------------------------------------- fat-tree two stage
def _fattree_assign(fabric: Fabric, pairs):
    """Two-stage equitable colouring on a fat-tree of the leaf-pair counts given as their nonzero
    entries ``pairs = (a, b, count)``; returns per-tier flow counts and the stages."""
    h, k = fabric.half, fabric.k
    a1 = _equitable_sparse(*pairs, fabric.n_leaves, h)
    up = a1.per_colour_out()
    down = a1.per_colour_in()
    # pod-level multigraph per aggregation plane i
    pod = np.arange(fabric.n_leaves) // h
    ea, eb, ev = a1.base_entries()
    Pbase = np.bincount(pod[ea] * k + pod[eb], weights=ev, minlength=k * k).astype(np.int64).reshape(k, k)
    np.fill_diagonal(Pbase, 0)
    inter = pod[a1.xa] != pod[a1.xb]
    up2 = np.zeros((k * h, h), dtype=np.int64)
    down2 = np.zeros((k * h, h), dtype=np.int64)
    stage2 = []
    for i in range(h):
        sel = inter & (a1.xs == i)
        P = Pbase.copy()
        np.add.at(P, (pod[a1.xa[sel]], pod[a1.xb[sel]]), 1)
        a2 = equitable_assign(P, h)
        up2[np.arange(k) * h + i] = a2.per_colour_out()
        down2[np.arange(k) * h + i] = a2.per_colour_in()
        stage2.append(a2)
    return up, down, up2, down2, (a1, stage2)


# ---------------------------------------------------------------------------- singlepath
def assignment_loads(fabric: Fabric, assignment: Assignment, flow_bytes: float) -> StepLoads:
    """Link loads (bytes) of a leaf-spine :class:`Assignment` whose (sub)flows carry ``flow_bytes``."""
    return StepLoads(assignment.per_colour_out() * flow_bytes, assignment.per_colour_in() * flow_bytes)


def _equal_size_steps(steps):
    return all(st.size is not None or st.n_inter == 0 for st in steps)


def _per_step(fabric: Fabric, steps, route):
    """Congestion, loads and assignments per step of a routing ``route(st) -> (StepLoads, assignment)``
    (steps without traffic between leaves: 0, ``None``, ``None``)."""
    cong, loads, assigns = [], [], []
    for st in steps:
        ld, a = route(st) if st.n_inter else (None, None)
        loads.append(ld)
        assigns.append(a)
        cong.append(congestion_of_loads(fabric, ld) if st.n_inter else 0.0)
    return np.array(cong), loads, assigns


def _coloured(fabric: Fabric, st: StepTraffic, k: int):
    """Loads and assignment of the equitable colouring of step ``st`` with ``k`` subflows per flow."""
    w = st.size / k
    pa, pb, pc = st.pairs()
    if fabric.kind == "leaf-spine":
        a = _equitable_sparse(pa, pb, pc * k, fabric.n_leaves, fabric.n_spines)
        return assignment_loads(fabric, a, w), a
    up, down, up2, down2, a = _fattree_assign(fabric, (pa, pb, pc * k))
    return StepLoads(up * w, down * w, up2 * w, down2 * w), a


def _split_steps(fabric: Fabric, steps, k: int):
    """Congestion, loads and assignments when every flow is cut into ``k`` equal subflows."""
    return _per_step(fabric, steps, lambda st: _coloured(fabric, st, k))


def _bound_counts(steps, S: int, k: int) -> np.ndarray:
    """Leaf-spine lower bound per step with ``k`` subflows: ``max ceil(k d / S) / k`` flows."""
    out = []
    for st in steps:
        d = np.concatenate([st.out_degree, st.in_degree])
        out.append(float(np.max(-(-(k * d) // S))) / k if d.size else 0.0)
    return np.array(out)


def _max_milp() -> int:
    from .milp import MAX_MILP_FLOWS

    return MAX_MILP_FLOWS


def _class_steps(fabric: Fabric, coll: Collective, steps, k: int, keep: bool):
    """Congestion, loads and :class:`~netopt.solvers.fabric.skew.ClassAssignment` per step of the
    class-greedy routing with ``k`` subflows per flow."""
    from .skew import class_assign

    return _per_step(fabric, steps, lambda st: class_assign(fabric, coll, st.step, k, record=keep))


def _greedy_steps(fabric: Fabric, steps, k: int, keep: bool):
    """Congestion, loads and :class:`~netopt.solvers.fabric.failures.PathAssignment` per step of the
    greedy routing over live paths with ``k`` subflows per flow."""
    from .failures import greedy_assign

    return _per_step(fabric, steps, lambda st: greedy_assign(fabric, st, k, record=keep))


def _require_colourable(fabric: Fabric):
    if not fabric.healthy or not fabric.tier_uniform:
        raise UnsupportedInstanceError("the colouring construction needs a healthy fabric with uniform switch-link "
                                       "capacity; use method='milp' (small instances) or 'greedy'")


def singlepath(fabric: Fabric, coll: Collective, method: str = "auto", traffic=None, time_limit: float = 10.0,
               keep: bool = False) -> ModelResult:
    """Best single path per flow, no splitting.

    Parameters
    ----------
    method
        ``"auto"`` (colouring when every step has equal flow sizes; unequal sizes: the MILP on a
        leaf-spine with at most ``MAX_MILP_FLOWS`` inter-leaf flows per step, else the
        class-greedy routing), ``"coloring"``, ``"milp"`` (OR-Tools SCIP, leaf-spine, small
        instances), ``"greedy"`` (largest flow first onto the spine with the smallest resulting
        congestion; a heuristic, leaf-spine) or ``"class-greedy"`` (:mod:`.skew`: flows grouped by
        destination and size, never listed one by one for the skewed all-to-all; a heuristic, on
        healthy leaf-spines and fat-trees).
    time_limit
        Seconds per MILP.

    ``info`` holds ``bound`` (the ``ceil(d/S)`` lower bound as congestion, leaf-spine colouring),
    and ``method`` (what was run). With ``keep=True`` the per-step assignments/loads are kept.
    """
    steps = _steps(fabric, coll, traffic)
    if method not in ("auto", "coloring", "milp", "greedy", "class-greedy"):
        raise FabricInputError("method", f"unknown singlepath method {method!r} (auto, coloring, milp, greedy, "
                               "class-greedy)")
    if method == "auto":
        if _equal_size_steps(steps) and fabric.healthy and fabric.tier_uniform:
            method = "coloring"
        elif fabric.kind == "leaf-spine" and (not fabric.healthy or max(st.n_inter for st in steps) <= _max_milp()):
            method = "milp"
        elif fabric.healthy:
            method = "class-greedy"
        else:
            method = "greedy"
    if method == "greedy" and fabric.kind == "fat-tree":
        cong, loads, assigns = _greedy_steps(fabric, steps, 1, keep)
        return ModelResult("singlepath", float(cong.max()), cong, {"method": "greedy"}, loads if keep else None,
                           assigns if keep else None)
    if method == "class-greedy":
        cong, loads, assigns = _class_steps(fabric, coll, steps, 1, keep)
        return ModelResult("singlepath", float(cong.max()), cong, {"method": "class-greedy"}, loads if keep else None,
                           assigns if keep else None)
    if method == "coloring":
        _require_colourable(fabric)
        if not _equal_size_steps(steps):
            raise UnsupportedInstanceError("colouring needs equal flow sizes within each step; use method='milp'")
        cong, loads, assigns = _split_steps(fabric, steps, 1)
        info = {"method": "coloring"}
        if fabric.kind == "leaf-spine":
            u = float(fabric.block(TIER_UP)[0, 0])
            sizes = np.array([st.size or 0.0 for st in steps])
            info["bound"] = float(np.max(_bound_counts(steps, fabric.n_spines, 1) * sizes / u))
        return ModelResult("singlepath", float(cong.max()), cong, info, loads if keep else None,
                           assigns if keep else None)
    from .milp import singlepath_general

    return singlepath_general(fabric, coll, steps, method, time_limit, keep)


def min_split(fabric: Fabric, coll: Collective, k_max: int | None = None, traffic=None, rtol: float = 1e-9,
              keep: bool = False, unsplit: ModelResult | None = None,
              sprayed: ModelResult | None = None) -> ModelResult:
    """Smallest number ``k`` of equal subflows per flow for which singlepath routing of the subflows
    has the same congestion as spraying in every step, with the constructed assignment.

    Leaf-spine: ``k`` is found by scanning ``1..S`` with the exact bound ``max ceil(k d/S)/k``
    (attained by :func:`equitable_assign`, which is then run and checked); ``k = S/gcd(r, S)`` for
    ``r`` equal flows per leaf. Fat-tree: scan ``k = 1..(k/2)^2`` with the two-stage construction.
    ``info["k"]`` is the answer. ``unsplit``: :func:`singlepath`'s colouring result on the same
    steps (with its assignments when ``keep``), reused for ``k = 1`` instead of colouring again;
    ``sprayed``: :func:`spray`'s result on the same steps (the target; computed when not given).

    Unequal flow sizes (the skewed all-to-all): the smallest ``k`` at which the class-greedy
    routing of :mod:`.skew` reaches spraying (``info["method"] == "class-greedy"``): an upper bound
    on the minimal split of a heuristic, exact when it is 1 and the unsplit optimum is spraying.
    Failed cables (any tier): the smallest ``k`` at which the greedy routing over live paths
    (:mod:`.failures`) reaches spraying (``"greedy"``), likewise an upper bound.
    """
    steps = _steps(fabric, coll, traffic)
    sp = sprayed if sprayed is not None else spray(fabric, coll, traffic=steps)
    if not fabric.healthy:
        return _min_split_greedy(fabric, coll, steps, k_max, rtol, keep, unsplit, sp)
    _require_colourable(fabric)
    if not _equal_size_steps(steps):
        return _min_split_classes(fabric, coll, steps, k_max, rtol, keep, unsplit, sp)
    # k subflows need at least ceil(k d / S) / k flows' bytes on some link of a leaf (edge switch) of
    # degree d: skip the k whose bound is above spraying
    u = float(fabric.block(TIER_UP)[0, 0])
    sizes = np.array([st.size or 0.0 for st in steps])
    return _split_scan(fabric, coll, steps, k_max, rtol, keep, unsplit, sp, "coloring",
                       lambda k: _split_steps(fabric, steps, k), budget=False,
                       feasible=lambda k, target: bool(np.all(_bound_counts(steps, fabric.n_spines, k) * sizes / u
                                                             <= target * (1 + rtol))))


#: seconds the greedy minimal split (failed cables) scans k = 1, 2, ... before it stops
SPLIT_SCAN_BUDGET = 3.0
#: seconds the class-greedy minimal split (unequal sizes) scans k = 1, 2, ... before it tries the k that
#: leaves no remainder anywhere; it does not start a routing that the last one's time says would end past it
CLASS_SCAN_BUDGET = 1.5


def _k_no_remainder(fabric, coll, steps, limit):
    """Smallest ``k`` for which every class count times ``k`` is a multiple of the colours (stage 1)
    and, on a fat-tree, every per-plane count between pods (``k * C / h`` for ``C`` flows from a pod
    into one destination) a multiple of ``h``: every link then carries its exact share, spraying's
    loads. ``None`` above ``limit``."""
    from .skew import _classes

    S = fabric.n_spines
    fat = fabric.kind == "fat-tree"
    h = fabric.half
    need = 1
    for st in steps:
        if st.n_inter == 0:
            continue
        D, dest_leaf, _, ptr, ent_a, ent_c, implicit, n_leaf, _, pleaf, _ = _classes(fabric, coll, st.step)
        if implicit:
            counts = [n_leaf[n_leaf > 0]]
            if pleaf.size:
                counts.append(n_leaf[np.unique(pleaf)] - 1)
            pod_counts = np.bincount(np.arange(n_leaf.size) // h, weights=n_leaf).astype(np.int64) if fat else None
        else:
            counts = [ent_c]
            if fat:
                d_of = np.repeat(np.arange(D), np.diff(ptr))
                inter = (ent_a // h) != (dest_leaf[d_of] // h)
                key = d_of[inter] * (fabric.k + 1) + ent_a[inter] // h
                pod_counts = np.bincount(np.unique(key, return_inverse=True)[1].ravel(), weights=ent_c[inter])
                pod_counts = pod_counts.astype(np.int64)
        for c in counts:
            for v in np.unique(c[c > 0]).tolist():
                need = math.lcm(need, S // math.gcd(int(v), S))
        if fat:
            for v in np.unique(pod_counts[pod_counts > 0]).tolist():
                need = math.lcm(need, h * h // math.gcd(int(v), h * h))
        if need > limit:
            return None
    return need


def _split_scan(fabric, coll, steps, k_max, rtol, keep, unsplit, sp, method, route, jump=None, budget=True,
                feasible=None):
    """Smallest ``k`` at which ``route(k) -> (cong, loads, assigns)`` reaches spraying in every step,
    scanning ``k = 1, 2, ...`` (``unsplit``, the same construction's unsplit result, serves for
    ``k = 1``; ``sp`` is spraying's result, the target). Without ``jump``, once the scan has run
    :data:`SPLIT_SCAN_BUDGET` seconds (checked from ``k = 3`` on, so that a first call's compilation does
    not stop it; ``budget=False``: never) it stops. With ``jump``, the budget is
    :data:`CLASS_SCAN_BUDGET` and is checked ahead: from ``k = 3`` on, a routing is not started when the
    time so far plus the last routing's time would pass it; then ``jump(limit)`` proposes one larger
    ``k`` (``None``: none), tried once, and the scan goes on. Small instances scan every ``k`` long
    before any budget (their answers do not depend on it); at scale the answer is the heuristic's
    smallest ``k`` among those tried (``scanned_to`` says how far the scan went).
    ``feasible(k, target)``: whether ``k`` can reach the per-step spraying congestion ``target`` at
    all (the other ``k`` are skipped)."""
    import time

    S = fabric.n_spines
    limit = (S if fabric.kind == "leaf-spine" else S * S) if k_max is None else int(k_max)
    target = sp.step_congestion

    def result(k, cong, loads, assigns, **extra):
        return ModelResult("split", float(cong.max()), cong, {"k": k, "spray": sp.max_congestion,
                                                              "method": method, **extra},
                           loads if keep else None, assigns if keep else None)

    seconds = SPLIT_SCAN_BUDGET if jump is None else CLASS_SCAN_BUDGET
    t0 = time.perf_counter()
    last = 0.0  # the last routing's seconds (ahead check with a jump)
    for k in range(1, limit + 1):
        if feasible is not None and not feasible(k, target):
            continue
        if budget and k > 2 and time.perf_counter() - t0 + (last if jump is not None else 0.0) > seconds:
            if jump is None:
                raise UnsupportedInstanceError(f"the {method} routing does not reach spraying with k = 1..{k - 1} "
                                               f"subflows (scan stopped after {seconds:g} s)")
            budget = False  # one jump; if it fails, the scan goes on
            k_jump = jump(limit)
            if k_jump is not None and k_jump > k:
                cong, loads, assigns = route(k_jump)
                if np.all(cong <= target * (1 + rtol)):
                    return result(k_jump, cong, loads, assigns, scanned_to=k - 1,
                                  note=f"k = 1..{k - 1} scanned ({seconds:g} s budget), then the k that "
                                       f"leaves no remainder")
        if k == 1 and unsplit is not None and unsplit.info.get("method") == method and \
                (unsplit.assignment is not None or not keep):
            cong, loads, assigns = unsplit.step_congestion, unsplit.loads, unsplit.assignment
        else:
            t1 = time.perf_counter()
            cong, loads, assigns = route(k)
            last = time.perf_counter() - t1
        if np.all(cong <= target * (1 + rtol)):
            return result(k, cong, loads, assigns)
    raise UnsupportedInstanceError(f"no split up to k={limit} reaches the spraying congestion ({method} routing)")


def _min_split_greedy(fabric, coll, steps, k_max, rtol, keep, unsplit, sp):
    if fabric.kind != "fat-tree":
        unsplit = None  # a leaf-spine's unsplit model with failures is the MILP, not this routing
    return _split_scan(fabric, coll, steps, k_max, rtol, keep, unsplit, sp, "greedy",
                       lambda k: _greedy_steps(fabric, steps, k, keep))


def _min_split_classes(fabric, coll, steps, k_max, rtol, keep, unsplit, sp):
    return _split_scan(fabric, coll, steps, k_max, rtol, keep, unsplit, sp, "class-greedy",
                       lambda k: _class_steps(fabric, coll, steps, k, keep),
                       jump=lambda limit: _k_no_remainder(fabric, coll, steps, limit))
