"""Collective communication patterns as flat flow arrays, and rank placements.

A :class:`Collective` lists the point-to-point flows of a collective operation between *ranks*
(``src``, ``dst``, ``size`` in bytes, ``step``) plus a ``placement`` mapping rank -> host id.
Steps run one after another; flows of one step run concurrently. Steps whose flows repeat
identically (the ``2(N-1)`` steps of a ring all-reduce move different chunks over the same
connections) are stored once with a repeat count in ``step_repeat``.

The all-at-once all-to-all has ``N(N-1)`` flows (67 million for 8,192 ranks), so it is stored
implicitly: ``pair_bytes > 0`` means "step 0 additionally contains one flow of ``pair_bytes``
from every rank to every other rank". Analyses aggregate it to leaf-pair matrices in closed form.
A skewed all-to-all (mixture-of-experts token routing) adds ``pair_weight``: the flow from rank
``i`` to rank ``j`` carries ``pair_bytes * pair_weight[j]`` (no flow where the weight is 0), the
per-rank share of the token load of the experts that rank ``j`` holds (:func:`skew_weights`: from a
Zipf law or a histogram of tokens per expert; mean weight 1, so the uniform all-to-all is weight 1).

Builders: :func:`ring_allreduce`, :func:`reduce_scatter`, :func:`all_gather`,
:func:`double_binary_tree`, :func:`recursive_doubling`, :func:`halving_doubling`,
:func:`all_to_all` (``"all-at-once"`` or ``"pairwise"``) and :func:`make_collective` (by name).
Placements: :func:`placement` (``"leaf-major"`` = ``"contiguous"``, ``"round-robin"``, ``"random"``) and
:func:`read_placement` (file). Skew: :func:`skew_weights`, :func:`zipf_loads`, :func:`read_histogram`.

Examples
--------
>>> c = ring_allreduce(4, 1024.0)
>>> c.src.tolist(), c.dst.tolist(), c.size.tolist(), c.step_repeat.tolist()
([0, 1, 2, 3], [1, 2, 3, 0], [256.0, 256.0, 256.0, 256.0], [6])
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from netopt.exceptions import InstanceFormatError

from .errors import FabricInputError

__all__ = [
    "Collective", "COLLECTIVES", "make_collective", "ring_allreduce", "reduce_scatter", "all_gather",
    "double_binary_tree", "recursive_doubling", "halving_doubling", "all_to_all", "placement",
    "read_placement", "skew_weights", "zipf_loads", "read_histogram", "expert_rank_weights",
]


def _ro(a, dtype):
    a = np.ascontiguousarray(np.asarray(a, dtype=dtype))
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Collective:
    """Flows of a collective between ranks, with the rank -> host placement.

    Parameters
    ----------
    name
        E.g. ``"ring"``.
    n_ranks
        Number of participating ranks (GPUs).
    placement
        Host id of every rank (``n_ranks`` distinct non-negative integers).
    src, dst, size, step
        One entry per explicit flow: sender rank, receiver rank, bytes, step index.
    step_repeat
        How many times each step's flow pattern runs back to back (length ``n_steps``).
    pair_bytes
        Bytes of the implicit all-pairs flows of step 0 (0 = none); see the module docstring.
    pair_weight
        Skewed all-to-all: per destination rank, the multiplier of ``pair_bytes`` (``None``: 1 for
        every rank); non-negative, some positive; a rank of weight 0 receives nothing.
    skew
        Free text describing the skew (reports).
    """

    name: str
    n_ranks: int
    placement: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    size: np.ndarray
    step: np.ndarray
    step_repeat: np.ndarray
    pair_bytes: float = 0.0
    pair_weight: np.ndarray | None = None
    skew: str = ""

    def __post_init__(self) -> None:
        n = int(self.n_ranks)
        if n < 2:
            raise FabricInputError("ranks", f"a collective needs at least 2 ranks, got {self.n_ranks}")
        pl = _ro(self.placement, np.int64)
        if pl.shape != (n,):
            raise FabricInputError("placement", f"expected {n} host ids, got shape {pl.shape}")
        if pl.min() < 0 or np.unique(pl).size != n:
            raise FabricInputError("placement", "host ids must be distinct and non-negative")
        src, dst = _ro(self.src, np.int64), _ro(self.dst, np.int64)
        size, step = _ro(self.size, np.float64), _ro(self.step, np.int64)
        rep = _ro(self.step_repeat, np.int64)
        m = src.shape[0]
        for nm, a in (("src", src), ("dst", dst), ("size", size), ("step", step)):
            if a.ndim != 1 or a.shape[0] != m:
                raise FabricInputError(nm, f"flow arrays must be 1-D of equal length ({m})")
        if m and (src.min() < 0 or src.max() >= n or dst.min() < 0 or dst.max() >= n):
            raise FabricInputError("src/dst", f"ranks must lie in [0, {n})")
        if m and np.any(src == dst):
            raise FabricInputError("src/dst", "a flow cannot go from a rank to itself")
        if m and (not np.all(np.isfinite(size)) or np.any(size <= 0)):
            raise FabricInputError("size", "flow sizes must be positive finite bytes")
        if rep.ndim != 1 or rep.size < 1 or np.any(rep < 1):
            raise FabricInputError("step_repeat", "one positive repeat count per step is needed")
        if m and (step.min() < 0 or step.max() >= rep.size):
            raise FabricInputError("step", f"step indices must lie in [0, {rep.size})")
        pb = float(self.pair_bytes)
        if not np.isfinite(pb) or pb < 0:
            raise FabricInputError("pair_bytes", "must be finite and >= 0")
        if m == 0 and pb == 0:
            raise FabricInputError("flows", "a collective needs at least one flow")
        pw = self.pair_weight
        if pw is not None:
            pw = _ro(pw, np.float64)
            if pw.shape != (n,):
                raise FabricInputError("skew", f"expected one weight per rank ({n}), got shape {pw.shape}")
            if not np.all(np.isfinite(pw)) or np.any(pw < 0) or not np.any(pw > 0):
                raise FabricInputError("skew", "rank weights must be finite, >= 0 and not all 0")
            if pb == 0:
                raise FabricInputError("skew", "rank weights need the implicit all-pairs flows (pair_bytes > 0)")
            if np.all(pw == pw[0]):  # uniform: the plain all-to-all with pair_bytes scaled
                pb, pw = pb * float(pw[0]), None
        object.__setattr__(self, "pair_weight", pw)
        for nm, a in (("placement", pl), ("src", src), ("dst", dst), ("size", size), ("step", step),
                      ("step_repeat", rep)):
            object.__setattr__(self, nm, a)
        object.__setattr__(self, "pair_bytes", pb)
        object.__setattr__(self, "n_ranks", n)

    @property
    def n_steps(self) -> int:
        return int(self.step_repeat.size)

    @property
    def weights(self) -> np.ndarray:
        """Per destination rank multiplier of ``pair_bytes`` (ones without skew)."""
        return np.ones(self.n_ranks) if self.pair_weight is None else self.pair_weight

    @property
    def n_pairs(self) -> int:
        """Implicit all-pairs flows (ordered pairs ``i != j`` whose destination has a positive weight)."""
        if self.pair_bytes <= 0:
            return 0
        receivers = self.n_ranks if self.pair_weight is None else int(np.count_nonzero(self.pair_weight))
        return (self.n_ranks - 1) * receivers

    @property
    def n_flows(self) -> int:
        """Number of flows in one pass over the distinct steps (implicit all-pairs flows included)."""
        return int(self.src.size + self.n_pairs)

    def total_bytes(self) -> float:
        """Bytes sent over all steps and repeats."""
        per_step = np.bincount(self.step, weights=self.size, minlength=self.n_steps).astype(np.float64)
        if self.pair_bytes > 0:
            per_step[0] += self.pair_bytes * (self.n_ranks - 1) * float(self.weights.sum())
        return float(np.dot(per_step, self.step_repeat))

    def step_index(self, t: int) -> np.ndarray:
        """Indices of the explicit flows of step ``t``, ascending (one stable sort by step for all
        steps, kept: the models ask for each step many times)."""
        if "_step_order" not in self.__dict__:
            order = np.argsort(self.step, kind="stable")
            ptr = np.searchsorted(self.step[order], np.arange(self.n_steps + 1), side="left")
            self.__dict__["_step_order"] = (order, ptr)
        order, ptr = self.__dict__["_step_order"]
        return order[ptr[t]:ptr[t + 1]]

    def step_flows(self, t: int, materialize_pairs: bool = True):
        """``(src, dst, size)`` rank arrays of step ``t`` (implicit all-pairs flows expanded)."""
        sel = self.step_index(t)
        s, d, z = self.src[sel], self.dst[sel], self.size[sel]
        if t == 0 and self.pair_bytes > 0 and materialize_pairs:
            n = self.n_ranks
            i, j = np.divmod(np.arange(n * n, dtype=np.int64), n)
            keep = i != j
            if self.pair_weight is not None:
                keep &= self.pair_weight[j] > 0
            s = np.concatenate([s, i[keep]])
            d = np.concatenate([d, j[keep]])
            zz = np.full(int(keep.sum()), self.pair_bytes)
            if self.pair_weight is not None:
                zz = zz * self.pair_weight[j[keep]]
            z = np.concatenate([z, zz])
        return s, d, z


# ---------------------------------------------------------------------- builders
def _bytes(v) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise FabricInputError("bytes", f"must be a number of bytes, got {v!r}") from None
    if not np.isfinite(f) or f <= 0:
        raise FabricInputError("bytes", f"must be positive, got {v!r}")
    return f


def _ranks(n) -> int:
    try:
        iv = int(n)
    except (TypeError, ValueError):
        raise FabricInputError("ranks", f"must be an integer, got {n!r}") from None
    if iv != n or iv < 2:
        raise FabricInputError("ranks", f"must be an integer >= 2, got {n!r}")
    return iv


def _leaf_major(n):
    return np.arange(n, dtype=np.int64)


def _ring(name, n, nbytes, channels, repeats, hosts):
    n, nbytes = _ranks(n), _bytes(nbytes)
    if int(channels) != channels or channels < 1:
        raise FabricInputError("channels", f"must be a positive integer, got {channels!r}")
    C = int(channels)
    r = np.tile(np.arange(n, dtype=np.int64), C)
    size = np.full(n * C, nbytes / (n * C))
    return Collective(name, n, _leaf_major(n) if hosts is None else hosts, r, (r + 1) % n, size,
                      np.zeros(n * C, dtype=np.int64), np.array([repeats(n)]))


def ring_allreduce(n: int, nbytes: float, channels: int = 1, hosts=None) -> Collective:
    """Ring all-reduce of an ``nbytes`` buffer over ``n`` ranks with ``channels`` rings.

    Each channel carries ``nbytes/channels``; every one of the ``2(n-1)`` steps (reduce-scatter then
    all-gather) sends a chunk of ``nbytes/(n*channels)`` from each rank to its ring successor, so
    the pattern is stored once with ``step_repeat = [2(n-1)]``.
    """
    return _ring("ring", n, nbytes, channels, lambda m: 2 * (m - 1), hosts)


def reduce_scatter(n: int, nbytes: float, channels: int = 1, hosts=None) -> Collective:
    """Ring reduce-scatter: ``n-1`` steps of ``nbytes/(n*channels)`` per rank and channel."""
    return _ring("reduce-scatter", n, nbytes, channels, lambda m: m - 1, hosts)


def all_gather(n: int, nbytes: float, channels: int = 1, hosts=None) -> Collective:
    """Ring all-gather of ``n`` shards into an ``nbytes`` buffer: ``n-1`` steps."""
    return _ring("all-gather", n, nbytes, channels, lambda m: m - 1, hosts)


def _btree_parents(n: int) -> np.ndarray:
    """Parent of every rank in the in-order binary tree used by NCCL (``-1`` at the root).

    Node ``r`` (1-based) with lowest set bit ``b`` hangs below ``r + b`` or ``r - b``; parents past
    ``n`` are skipped by walking further up.
    """
    par = np.full(n, -1, dtype=np.int64)
    for r in range(1, n + 1):
        x = r
        while True:
            b = x & -x
            p = x - b if (x & (2 * b)) else x + b
            if p == 0 or b >= (1 << 62):
                p = -1
                break
            if p <= n:
                break
            x = p
        par[r - 1] = p - 1 if p > 0 else -1
    roots = np.flatnonzero(par < 0)
    if roots.size != 1:  # attach stray roots (cannot happen for the in-order tree; kept as a guard)
        for q in roots[1:]:
            par[q] = roots[0]
    return par


def double_binary_tree(n: int, nbytes: float, hosts=None) -> Collective:
    """NCCL-style double binary tree all-reduce.

    Two complementary in-order binary trees (the second mirrors ranks ``r -> n-1-r``) each reduce
    half of the buffer towards their root (step 0: child -> parent, ``nbytes/2`` per edge) and then
    broadcast it back (step 1: parent -> child).
    """
    n, nbytes = _ranks(n), _bytes(nbytes)
    par = _btree_parents(n)
    child = np.flatnonzero(par >= 0)
    parent = par[child]
    c2, p2 = n - 1 - child, n - 1 - parent
    ch = np.concatenate([child, c2])
    pa = np.concatenate([parent, p2])
    half = nbytes / 2.0
    src = np.concatenate([ch, pa])
    dst = np.concatenate([pa, ch])
    step = np.concatenate([np.zeros(ch.size, np.int64), np.ones(ch.size, np.int64)])
    return Collective("tree", n, _leaf_major(n) if hosts is None else hosts, src, dst,
                      np.full(src.size, half), step, np.array([1, 1]))


def _pow2(n):
    n = _ranks(n)
    if n & (n - 1):
        raise FabricInputError("ranks", f"recursive doubling/halving needs a power-of-two rank count, got {n}")
    return n, int(math.log2(n))


def recursive_doubling(n: int, nbytes: float, hosts=None) -> Collective:
    """Recursive-doubling all-reduce: ``log2 n`` steps, rank ``i`` exchanges the full buffer with
    ``i XOR 2^t``."""
    n, lg = _pow2(n)
    nbytes = _bytes(nbytes)
    r = np.arange(n, dtype=np.int64)
    src = np.tile(r, lg)
    step = np.repeat(np.arange(lg, dtype=np.int64), n)
    dst = src ^ (np.int64(1) << step)
    return Collective("recursive-doubling", n, _leaf_major(n) if hosts is None else hosts, src, dst,
                      np.full(src.size, nbytes), step, np.ones(lg, dtype=np.int64))


def halving_doubling(n: int, nbytes: float, hosts=None) -> Collective:
    """Rabenseifner all-reduce: recursive-halving reduce-scatter (distance ``n/2, n/4, ..``; sizes
    ``nbytes/2, nbytes/4, ..``) then recursive-doubling all-gather in reverse: ``2 log2 n`` steps.

    The all-gather step at distance ``d`` moves the same bytes between the same pairs (the same
    connections, so the same ECMP hash) as the reduce-scatter step at ``d``: each pattern is stored
    once with ``step_repeat = 2`` (``log2 n`` distinct steps; half the leaf-pair matrices and work
    on 65,536 GPUs).
    """
    n, lg = _pow2(n)
    nbytes = _bytes(nbytes)
    r = np.arange(n, dtype=np.int64)
    dists = [n >> (t + 1) for t in range(lg)]
    szs = [nbytes / (2 ** (t + 1)) for t in range(lg)]
    src = np.tile(r, lg)
    step = np.repeat(np.arange(lg, dtype=np.int64), n)
    dst = src ^ np.repeat(np.array(dists, dtype=np.int64), n)
    size = np.repeat(np.array(szs), n)
    return Collective("halving-doubling", n, _leaf_major(n) if hosts is None else hosts, src, dst, size, step,
                      np.full(lg, 2, dtype=np.int64))


def all_to_all(n: int, nbytes: float, schedule: str = "all-at-once", hosts=None, weights=None,
               skew: str = "") -> Collective:
    """All-to-all: every rank sends ``nbytes/n`` to every other rank.

    ``schedule="all-at-once"`` puts all ``n(n-1)`` flows in one step (stored implicitly, see
    :class:`Collective`); ``"pairwise"`` uses ``n-1`` steps where rank ``i`` sends to ``(i+t) mod n``.

    ``weights`` (one per rank, mean 1 as from :func:`skew_weights`): the skewed all-to-all of
    mixture-of-experts token routing: rank ``i`` sends ``nbytes/n * weights[j]`` to rank ``j``
    (``nbytes * p_j``, ``p`` the share of the tokens routed to the experts of rank ``j``).

    Examples
    --------
    >>> c = all_to_all(4, 4e6, weights=[2.0, 1.0, 1.0, 0.0])
    >>> c.name, c.n_flows, c.total_bytes()
    ('all-to-all-skewed', 9, 12000000.0)
    """
    n, nbytes = _ranks(n), _bytes(nbytes)
    hosts = _leaf_major(n) if hosts is None else hosts
    per = nbytes / n
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or not np.any(w > 0):
            raise FabricInputError("skew", f"need {n} finite non-negative rank weights, not all 0")
        if np.all(w == w[0]):
            per, w = per * float(w[0]), None
    name = "all-to-all" if w is None else "all-to-all-skewed"
    if schedule == "all-at-once":
        e = np.zeros(0, dtype=np.int64)
        return Collective(name, n, hosts, e, e, np.zeros(0), e, np.array([1]), pair_bytes=per, pair_weight=w,
                          skew=skew if w is not None else "")
    if schedule == "pairwise":
        r = np.arange(n, dtype=np.int64)
        src = np.tile(r, n - 1)
        step = np.repeat(np.arange(n - 1, dtype=np.int64), n)
        dst = (src + step + 1) % n
        size = np.full(src.size, per) if w is None else per * w[dst]
        keep = size > 0
        src, dst, size, step = src[keep], dst[keep], size[keep], step[keep]
        if not np.all(np.isin(np.arange(n - 1), step)):  # pragma: no cover - a step with no flow at all
            raise FabricInputError("skew", "a pairwise step would carry no flow")
        return Collective(name + "-pairwise", n, hosts, src, dst, size, step, np.ones(n - 1, dtype=np.int64),
                          skew=skew if w is not None else "")
    raise FabricInputError("schedule", f"unknown all-to-all schedule {schedule!r} (all-at-once, pairwise)")


# ---------------------------------------------------------------------- mixture-of-experts skew
def zipf_loads(n_experts: int, exponent: float) -> np.ndarray:
    """Token load of each expert under a Zipf law: expert ``e`` (0-based) gets ``(e+1)^-exponent``
    (normalised to sum 1; exponent 0 is uniform).

    Examples
    --------
    >>> zipf_loads(3, 1.0).round(4).tolist()
    [0.5455, 0.2727, 0.1818]
    """
    E = _check_count("experts", n_experts)
    try:
        s = float(exponent)
    except (TypeError, ValueError):
        raise FabricInputError("skew", f"Zipf exponent must be a number, got {exponent!r}") from None
    if not np.isfinite(s) or s < 0:
        raise FabricInputError("skew", f"Zipf exponent must be finite and >= 0, got {exponent!r}")
    x = np.arange(1, E + 1, dtype=np.float64) ** -s
    return x / x.sum()


def _check_count(name, v) -> int:
    try:
        iv = int(v)
    except (TypeError, ValueError):
        raise FabricInputError(name, f"must be an integer, got {v!r}") from None
    if iv != v or iv < 1:
        raise FabricInputError(name, f"must be a positive integer, got {v!r}")
    return iv


def _read_entries(path, what: str, item: str, rule: str, json_ok, convert, tokens) -> tuple[Path, list]:
    """``(path, entries)`` of a ``what`` file (histogram, placement): a JSON list (each entry passing
    ``json_ok``, else an error naming ``item i``), or text whose lines, ``#`` comments removed, are
    cut into ``tokens(line)``, each read by ``convert`` (``ValueError``: an error naming the line).
    Errors say ``rule``, got the entry."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise InstanceFormatError(p, None, f"cannot read {what} file ({e.strerror})") from None
    stripped = text.strip()
    out: list = []
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as e:
            raise InstanceFormatError(p, None, f"invalid JSON ({e.msg})", e.lineno) from None
        for i, v in enumerate(data):
            if not json_ok(v):
                raise InstanceFormatError(p, f"{item} {i}", f"{rule}, got {v!r}")
            out.append(convert(v))
        return p, out
    for ln, line in enumerate(text.splitlines(), 1):
        for tok in tokens(line.split("#", 1)[0]):
            try:
                out.append(convert(tok))
            except ValueError:
                raise InstanceFormatError(p, None, f"{rule}, got {tok!r}", ln) from None
    return p, out


def read_histogram(path) -> np.ndarray:
    """Tokens (or any load) per expert from a file: a JSON list of numbers, or text with numbers
    separated by whitespace, commas or newlines (``#`` comments ignored). Non-negative, finite,
    not all zero.

    Raises
    ------
    InstanceFormatError
        Unreadable file, a non-numeric / negative / non-finite entry, no entry, or all zero.
    """
    p, vals = _read_entries(path, "histogram", "expert", "load must be a number",
                            lambda v: not isinstance(v, bool) and isinstance(v, (int, float)), float,
                            lambda line: line.replace(",", " ").split())
    a = np.asarray(vals, dtype=np.float64)
    if a.size == 0:
        raise InstanceFormatError(p, None, "the histogram has no entry")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise InstanceFormatError(p, None, "expert loads must be finite and >= 0")
    if not np.any(a > 0):
        raise InstanceFormatError(p, None, "every expert load is 0")
    return a


def expert_rank_weights(loads, n_ranks: int) -> np.ndarray:
    """Per-rank weights (mean 1) from per-expert loads.

    ``E`` experts on ``n`` ranks: ``E == n``: expert ``r`` on rank ``r``; ``E`` a multiple of
    ``n``: rank ``r`` holds experts ``r*E/n .. (r+1)*E/n - 1``; ``n`` a multiple of ``E`` (expert
    replicas, data-parallel copies): rank ``r`` holds a replica of expert ``r mod E`` and the
    expert's tokens are spread evenly over its ``n/E`` replicas. Other counts are refused.

    Examples
    --------
    >>> expert_rank_weights([3, 1], 4).tolist()
    [1.5, 0.5, 1.5, 0.5]
    """
    h = np.asarray(loads, dtype=np.float64).ravel()
    n = _ranks(n_ranks)
    E = h.size
    if E == 0 or not np.all(np.isfinite(h)) or np.any(h < 0) or not np.any(h > 0):
        raise FabricInputError("skew", "expert loads must be finite, >= 0 and not all 0")
    p = h / h.sum()
    if E % n == 0:
        share = p.reshape(n, E // n).sum(axis=1)
    elif n % E == 0:
        share = p[np.arange(n) % E] / (n // E)
    else:
        raise FabricInputError("experts", f"{E} experts on {n} ranks: one count must divide the other "
                                          f"(experts per rank, or replicas per expert)")
    return share * n


def skew_weights(spec, n_ranks: int, experts: int | None = None) -> tuple[np.ndarray, str]:
    """Rank weights and a description for ``--skew``: a number is a Zipf exponent over ``experts``
    experts (default one per rank), anything else a histogram file (:func:`read_histogram`); the
    experts are spread over the ranks by :func:`expert_rank_weights`.

    Examples
    --------
    >>> w, what = skew_weights("1", 4)
    >>> w.round(3).tolist(), what
    ([1.92, 0.96, 0.64, 0.48], 'Zipf exponent 1 over 4 experts')
    """
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        s = float(spec)
    else:
        try:
            s = float(str(spec))
        except ValueError:
            s = None
    if s is not None:
        E = n_ranks if experts is None else _check_count("experts", experts)
        return expert_rank_weights(zipf_loads(E, s), n_ranks), f"Zipf exponent {s:g} over {E} experts"
    if experts is not None:
        raise FabricInputError("experts", "--experts goes with a Zipf exponent; a histogram file sets its own count")
    h = read_histogram(spec)
    return expert_rank_weights(h, n_ranks), f"histogram {Path(str(spec)).name} ({h.size} experts)"


COLLECTIVES = ("ring", "tree", "recursive-doubling", "halving-doubling", "all-to-all", "all-to-all-pairwise",
               "reduce-scatter", "all-gather")


def make_collective(name: str, n: int, nbytes: float, *, channels: int = 1, hosts=None, weights=None,
                    skew: str = "") -> Collective:
    """Build a collective by name (one of :data:`COLLECTIVES`); ``weights`` (per rank, see
    :func:`all_to_all`) skews the all-to-all (refused for the other collectives)."""
    if weights is not None and name not in ("all-to-all", "all-to-all-pairwise"):
        raise FabricInputError("skew", f"skew applies to the all-to-all (MoE token routing), not to {name!r}")
    if name == "ring":
        return ring_allreduce(n, nbytes, channels, hosts)
    if name == "reduce-scatter":
        return reduce_scatter(n, nbytes, channels, hosts)
    if name == "all-gather":
        return all_gather(n, nbytes, channels, hosts)
    if name == "tree":
        return double_binary_tree(n, nbytes, hosts)
    if name == "recursive-doubling":
        return recursive_doubling(n, nbytes, hosts)
    if name == "halving-doubling":
        return halving_doubling(n, nbytes, hosts)
    if name == "all-to-all":
        return all_to_all(n, nbytes, "all-at-once", hosts, weights, skew)
    if name == "all-to-all-pairwise":
        return all_to_all(n, nbytes, "pairwise", hosts, weights, skew)
    raise FabricInputError("collective", f"unknown collective {name!r} (one of: {', '.join(COLLECTIVES)})")


# ---------------------------------------------------------------------- placements
PLACEMENTS = ("leaf-major", "contiguous", "round-robin", "random")


def placement(kind: str, n_ranks: int, n_hosts: int, seed: int | None = 0,
              hosts_per_leaf: int | None = None) -> np.ndarray:
    """Host of every rank.

    ``"leaf-major"`` (alias ``"contiguous"``): rank ``r`` on host ``r`` (consecutive ranks share a
    leaf). ``"round-robin"``: rank ``r`` on leaf ``r mod L``, slot ``r // L`` (``L = n_hosts /
    hosts_per_leaf`` leaves; consecutive ranks on different leaves, the worst case for rings).
    ``"random"``: a uniformly random set and order of hosts from ``np.random.default_rng(seed)``.

    Examples
    --------
    >>> placement("round-robin", 6, 8, hosts_per_leaf=2).tolist()
    [0, 2, 4, 6, 1, 3]
    """
    n = _ranks(n_ranks)
    if n > n_hosts:
        raise FabricInputError("ranks", f"{n} ranks do not fit on {n_hosts} hosts")
    if kind in ("leaf-major", "contiguous"):
        return np.arange(n, dtype=np.int64)
    if kind == "round-robin":
        if hosts_per_leaf is None or int(hosts_per_leaf) < 1 or n_hosts % int(hosts_per_leaf):
            raise FabricInputError("placement", "round-robin needs hosts_per_leaf dividing the host count")
        H = int(hosts_per_leaf)
        L = n_hosts // H
        r = np.arange(n, dtype=np.int64)
        return (r % L) * H + r // L
    if kind == "random":
        return np.random.default_rng(seed).permutation(n_hosts)[:n].astype(np.int64)
    raise FabricInputError("placement", f"unknown placement {kind!r} ({', '.join(PLACEMENTS)}, or a file path)")


def read_placement(path, n_hosts: int) -> np.ndarray:
    """Read a placement file: a JSON list of host ids, or text with one host id per line
    (rank = line order; blank lines and ``#`` comments ignored).

    Raises
    ------
    InstanceFormatError
        Unreadable file, non-integer entry, duplicate host, or host id out of ``[0, n_hosts)``.
    """
    p, hosts = _read_entries(path, "placement", "rank", "host id must be an integer",
                             lambda v: isinstance(v, int) and not isinstance(v, bool), int,
                             lambda line: [line.strip()] if line.strip() else [])
    a = np.asarray(hosts, dtype=np.int64)
    if a.size < 2:
        raise InstanceFormatError(p, None, "a placement needs at least 2 ranks")
    if a.min() < 0 or a.max() >= n_hosts:
        raise InstanceFormatError(p, None, f"host ids must lie in [0, {n_hosts})")
    if np.unique(a).size != a.size:
        raise InstanceFormatError(p, None, "a host appears twice")
    return a
