"""Static deterministic user equilibrium with BPR costs.

Methods (``assign(..., method=)``):

``fw``   Frank-Wolfe: all-or-nothing direction, exact line search.
``cfw``  conjugate Frank-Wolfe (Mitradjieva & Lindberg 2013): the direction is made
         conjugate to the previous one with respect to the Hessian of the Beckmann function.
``bfw``  bi-conjugate Frank-Wolfe: conjugate to the two previous directions.
``gp``   path-based gradient projection (Jayakrishnan et al. 1994): keeps the used paths of
         each OD pair and moves flow from costlier paths to the shortest one with Newton steps.
         Converges to tight gaps (1e-8 and below) that link-based methods reach only slowly.

Convergence is measured by the relative gap ``(TSTT - SPTT) / TSTT`` where TSTT is the total
travel time at current flows and SPTT the total time if every trip used a current shortest path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ...exceptions import InfeasibleInstanceError
from ...model import RoadNetwork
from ...params import Param, ParamSpace
from . import _kernels as K

METHODS = ("gp", "bfw", "cfw", "fw")
LINE_SEARCH_ITERS = 60


@dataclass
class PathState:
    """Path sets of the gradient-projection method, kept for warm starts."""

    od_o: np.ndarray
    od_d: np.ndarray
    od_q: np.ndarray
    od_first: np.ndarray
    od_paths: np.ndarray
    od_np: np.ndarray
    p_off: np.ndarray
    p_len: np.ndarray
    p_flow: np.ndarray
    npool: int
    links: np.ndarray
    used: int
    free: np.ndarray
    nfree: int

    def copy(self) -> "PathState":
        return PathState(**{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()})


@dataclass
class Assignment:
    """Equilibrium link flows (network CSR order) and convergence figures."""

    method: str
    flow: np.ndarray
    cost: np.ndarray
    relative_gap: float
    beckmann: float
    tstt: float
    sptt: float
    iterations: int
    runtime_s: float
    converged: bool
    history: list = field(default_factory=list)  # [seconds, relative gap]
    paths: PathState | None = field(default=None, repr=False)

    def to_dict(self, network: RoadNetwork) -> dict:
        order = np.argsort(network.link_ids)
        return {
            "network": network.name, "method": self.method, "relative_gap": self.relative_gap,
            "beckmann": self.beckmann, "tstt": self.tstt, "sptt": self.sptt, "iterations": self.iterations,
            "runtime_s": round(self.runtime_s, 4), "converged": self.converged, "history": self.history,
            "links": [
                {"link": int(network.link_ids[a]), "from": int(network.init[a] + 1), "to": int(network.term[a] + 1),
                 "flow": float(self.flow[a]), "cost": float(self.cost[a]),
                 "voc": float(self.flow[a] / network.capacity[a]) if network.capacity[a] > 0 else None}
                for a in order
            ],
        }


class _Costs:
    """Link cost arrays of a network, bound once."""

    def __init__(self, net: RoadNetwork):
        self.args = (net.fftt, net.b, net.capacity, net.power)
        self.c0 = np.ascontiguousarray(net.fixed_cost)

    def cost(self, x):
        out = np.empty_like(x)
        K.link_cost(x, *self.args, self.c0, out)
        return out

    def derivative(self, x):
        out = np.empty_like(x)
        K.link_derivative(x, *self.args, out)
        return out

    def beckmann(self, x):
        return K.beckmann(x, *self.args, self.c0)


def _check_open(net: RoadNetwork, is_open) -> np.ndarray:
    if is_open is None:
        return np.ones(net.num_links, np.bool_)
    is_open = np.ascontiguousarray(is_open, dtype=np.bool_)
    if is_open.shape != (net.num_links,):
        raise ValueError(f"is_open must have one entry per link ({net.num_links})")
    return is_open


def _aon(net: RoadNetwork, t: np.ndarray, is_open: np.ndarray, y: np.ndarray) -> float:
    sptt = K.all_or_nothing(net.demand, net.offsets, net.init, net.term, t, is_open, net.first_thru_node - 1, y)
    if not np.isfinite(sptt):
        _raise_unreachable(net, t, is_open)
    return sptt


def _raise_unreachable(net, t, is_open):
    n = net.num_nodes
    dist, pred, order = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
    hk, hn = np.empty(net.num_links + 1), np.empty(net.num_links + 1, np.int64)
    for o in range(net.num_zones):
        K.shortest_path_tree(o, net.offsets, net.term, t, is_open, net.first_thru_node - 1, dist, pred, order, hk, hn)
        bad = np.nonzero((net.demand[o] > 0) & ~np.isfinite(dist[: net.num_zones]))[0]
        if len(bad):
            raise InfeasibleInstanceError(
                f"{net.source}: demand from zone {o + 1} to zone {bad[0] + 1} has no path"
                + (" (with the closed links removed)" if not is_open.all() else "")
            )
    raise InfeasibleInstanceError(f"{net.source}: some demand has no path")


def relative_gap(net: RoadNetwork, flow: np.ndarray, is_open=None) -> tuple[float, float, float]:
    """``(relative gap, TSTT, SPTT)`` of link flows."""
    is_open = _check_open(net, is_open)
    t = _Costs(net).cost(np.asarray(flow, np.float64))
    y = np.empty_like(t)
    sptt = _aon(net, t, is_open, y)
    tstt = float(t @ flow)
    return (tstt - sptt) / tstt if tstt > 0 else 0.0, tstt, sptt


#: the parameters of :func:`assign`, checked in one place like every solver's
PARAMS = ParamSpace("assignment", {
    "method": Param(str, "gp", "equilibrium algorithm", choices=METHODS),
    "gap": Param(float, 1e-6, "target relative gap", low=0, low_open=True),
    "max_iterations": Param(int, 100_000, "iteration cap (count)", low=1),
    "time_limit": Param(float, None, "time limit (s); none: no limit", low=0, low_open=True, special=(None,)),
    "inner_sweeps": Param(int, 2, "gradient-projection sweeps over the OD pairs per iteration (count)", low=1),
})


def assign(
    network: RoadNetwork,
    method: str = "gp",
    *,
    gap: float = 1e-6,
    max_iterations: int = 100_000,
    time_limit: float | None = None,
    is_open=None,
    warm_start: "Assignment | None" = None,
    inner_sweeps: int = 2,
    progress=None,
) -> Assignment:
    """Solve user equilibrium to relative gap ``gap``.

    Parameters
    ----------
    network
        The road network with its OD demand.
    method
        ``gp`` (default), ``bfw``, ``cfw`` or ``fw`` (see the module docstring).
    gap
        Target relative gap.
    max_iterations, time_limit
        Other stopping rules (iterations count; seconds).
    is_open
        Boolean mask of usable links (closed design candidates are ``False``).
    warm_start
        A previous :class:`Assignment` on the same links (e.g. a neighbouring design): ``gp``
        reuses its paths that avoid closed links, link-based methods start from its flows.
    progress
        Called as ``progress(iteration, gap)`` after each iteration.

    Examples
    --------
    >>> import numpy as np
    >>> net = RoadNetwork("two", 2, 2, init=[0, 0], term=[1, 1], capacity=[1, 1], fftt=[1, 1],
    ...                   b=[1, 1], power=[1, 1], demand=np.array([[0, 2.0], [0, 0]]))
    >>> res = assign(net, gap=1e-10)
    >>> np.round(res.flow, 6).tolist()
    [1.0, 1.0]
    """
    p = PARAMS.resolve({"method": method, "gap": gap, "max_iterations": max_iterations, "time_limit": time_limit,
                        "inner_sweeps": inner_sweeps})
    method, gap, max_iterations, time_limit, inner_sweeps = (p.method, p.gap, p.max_iterations, p.time_limit,
                                                             p.inner_sweeps)
    is_open = _check_open(network, is_open)
    start = time.perf_counter()
    if method == "gp":
        return _gradient_projection(network, is_open, gap, max_iterations, time_limit, warm_start, inner_sweeps, progress, start)
    return _frank_wolfe(network, method, is_open, gap, max_iterations, time_limit, warm_start, progress, start)


class _Monitor:
    """Measures the relative gap after each iteration, keeps the history, decides when to stop,
    and builds the final :class:`Assignment`; shared by all methods."""

    def __init__(self, net, costs, is_open, gap_target, max_it, time_limit, progress, start):
        self.net, self.costs, self.is_open = net, costs, is_open
        self.gap_target, self.max_it, self.time_limit = gap_target, max_it, time_limit
        self.progress, self.start = progress, start
        self.y = np.empty(net.num_links)  # all-or-nothing flows at the last measurement
        self.history: list = []
        self.gap, self.sptt = np.inf, 0.0

    def measure(self, x, it) -> np.ndarray:
        """Link costs at ``x``; updates gap, SPTT and the all-or-nothing flows ``y``."""
        t = self.costs.cost(x)
        self.sptt = _aon(self.net, t, self.is_open, self.y)
        tstt = float(t @ x)
        self.gap = (tstt - self.sptt) / tstt if tstt > 0 else 0.0
        self.history.append([round(time.perf_counter() - self.start, 5), self.gap])
        if self.progress is not None:
            self.progress(it, self.gap)
        return t

    def done(self, it) -> bool:
        return (self.gap <= self.gap_target or it >= self.max_it
                or (self.time_limit is not None and time.perf_counter() - self.start >= self.time_limit))

    def result(self, method, x, it, paths=None) -> Assignment:
        t = self.costs.cost(x)
        return Assignment(method, x, t, float(self.gap), float(self.costs.beckmann(x)), float(t @ x), float(self.sptt),
                          it, time.perf_counter() - self.start, bool(self.gap <= self.gap_target), self.history, paths)


def _frank_wolfe(net, method, is_open, gap_target, max_it, time_limit, warm, progress, start) -> Assignment:
    costs = _Costs(net)
    if warm is not None and not warm.flow[~is_open].any():
        x = warm.flow.copy()  # feasible for this design: nothing flows on its closed links
    else:
        x = np.empty(net.num_links)
        _aon(net, costs.cost(np.zeros(net.num_links)), is_open, x)
    mon = _Monitor(net, costs, is_open, gap_target, max_it, time_limit, progress, start)
    s1 = s2 = None  # previous targets s_{k-1}, s_{k-2}
    tau = 0.0  # previous step size
    it = 0
    while True:
        mon.measure(x, it)
        if mon.done(it):
            break
        it += 1
        y = mon.y
        target = y
        if method in ("cfw", "bfw") and s1 is not None and tau < 1.0:
            h = costs.derivative(x)
            if method == "bfw" and s2 is not None:
                target = _bfw_target(x, y, s1, s2, tau, h)
            else:
                target = _cfw_target(x, y, s1, h)
        d = target - x
        tau = K.line_search(x, d, *costs.args, costs.c0, LINE_SEARCH_ITERS)
        x = np.maximum(x + tau * d, 0.0)
        s2, s1 = s1, target.copy()
    return mon.result(method, x, it)


def _cfw_target(x, y, s1, h, max_alpha=0.99999):
    """s_k = a s_{k-1} + (1 - a) y with (s_k - x) H-conjugate to (s_{k-1} - x)."""
    dbar = s1 - x
    num = float(np.sum(dbar * h * (y - x)))
    den = float(np.sum(dbar * h * (y - s1)))
    a = num / den if den != 0.0 else 0.0
    a = min(max(a, 0.0), max_alpha)
    return a * s1 + (1.0 - a) * y


def _bfw_target(x, y, s1, s2, tau, h):
    """s_k = b0 y + b1 s_{k-1} + b2 s_{k-2}, H-conjugate to the two previous directions
    (Mitradjieva & Lindberg 2013, appendix A)."""
    d2 = tau * s1 + (1.0 - tau) * s2 - x  # previous-previous direction seen from x
    d1 = s1 - x
    fw = y - x
    den_mu = float(np.sum(d2 * h * (s2 - s1)))
    mu = -float(np.sum(d2 * h * fw)) / den_mu if den_mu != 0.0 else 0.0
    den_nu = float(np.sum(d1 * h * d1))
    nu = (-float(np.sum(d1 * h * fw)) / den_nu if den_nu != 0.0 else 0.0) + mu * tau / (1.0 - tau)
    mu, nu = max(0.0, mu), max(0.0, nu)
    b0 = 1.0 / (1.0 + mu + nu)
    return b0 * y + nu * b0 * s1 + mu * b0 * s2


# ----------------------------------------------------------------------------- gradient projection
def _od_pairs(net: RoadNetwork):
    o, d = np.nonzero(net.demand)
    q = net.demand[o, d]
    first = np.searchsorted(o, np.arange(net.num_zones + 1)).astype(np.int64)
    return o.astype(np.int64), d.astype(np.int64), q.astype(np.float64), first


def _initial_paths(net, is_open, t, warm: PathState | None) -> tuple[PathState, np.ndarray]:
    """Paths and link flows to start from: the warm start's paths that avoid closed links
    (rescaled to the demand; :func:`_kernels.warm_paths`), else the shortest path at costs ``t``
    for each OD pair."""
    od_o, od_d, od_q, od_first = _od_pairs(net)
    nk = len(od_q)
    if warm is not None and len(warm.od_q) == nk and np.array_equal(warm.od_o, od_o) and np.array_equal(warm.od_d, od_d):
        od_paths, od_np, p_off, p_len, p_flow, links, used = K.warm_paths(
            od_q, warm.od_paths, warm.od_np, warm.p_off, warm.p_len, warm.p_flow, warm.links, is_open)
    else:
        od_paths, od_np = np.full((nk, 4), -1, np.int64), np.zeros(nk, np.int64)
        p_off, p_len, p_flow = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        links, used = np.zeros(0, np.int64), 0
    need = np.nonzero(od_np == 0)[0]
    if len(need):  # a shortest path for each OD pair without one
        n = net.num_nodes
        dist, pred, order = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
        hk, hn = np.empty(net.num_links + 1), np.empty(net.num_links + 1, np.int64)
        chunks, lens = [], []
        for o in np.unique(od_o[need]):
            K.shortest_path_tree(o, net.offsets, net.term, t, is_open, net.first_thru_node - 1, dist, pred, order, hk, hn)
            for k in need[od_o[need] == o]:
                v, seq = od_d[k], []
                if not np.isfinite(dist[v]):
                    _raise_unreachable(net, t, is_open)
                while v != o:
                    e = pred[v]
                    seq.append(e)
                    v = net.init[e]
                chunks.append(np.array(seq[::-1], np.int64))
                lens.append(len(seq))
        lens = np.array(lens, np.int64)
        first = len(p_off)
        p_off = np.concatenate([p_off, used + np.concatenate([[0], np.cumsum(lens)[:-1]])])
        p_len = np.concatenate([p_len, lens])
        p_flow = np.concatenate([p_flow, od_q[need]])
        links = np.concatenate([links[:used]] + chunks)
        used = len(links)
        od_paths[need, 0] = first + np.arange(len(need))
        od_np[need] = 1
    links = np.concatenate([links[:used], np.empty(max(1024, used), np.int64)])
    st = PathState(od_o, od_d, od_q, od_first, od_paths, od_np, p_off, p_len, p_flow, len(p_off), links, used,
                   np.empty(64, np.int64), 0)
    x = K.path_link_flows(st.od_paths, st.od_np, st.p_off, st.p_len, st.p_flow, st.links, net.num_links)
    return st, x


def _gradient_projection(net, is_open, gap_target, max_it, time_limit, warm, inner, progress, start) -> Assignment:
    costs = _Costs(net)
    t0 = costs.cost(np.zeros(net.num_links))
    st, x = _initial_paths(net, is_open, t0 if warm is None else costs.cost(warm.flow), None if warm is None else warm.paths)
    mon = _Monitor(net, costs, is_open, gap_target, max_it, time_limit, progress, start)
    it = 0
    while True:
        t = mon.measure(x, it)  # fresh costs also shed the drift of the kernel's incremental updates
        if mon.done(it):
            break
        it += 1
        (st.od_paths, st.p_off, st.p_len, st.p_flow, st.npool, st.links, st.used, st.free, st.nfree) = K.gp_iteration(
            st.od_o, st.od_d, st.od_q, st.od_first, st.od_paths, st.od_np, st.p_off, st.p_len, st.p_flow,
            st.npool, st.links, st.used, st.free, st.nfree, x, t, net.offsets, net.init, net.term, is_open,
            net.first_thru_node - 1, *costs.args, costs.c0, inner,
        )
        if it % 20 == 0:  # re-derive link flows from path flows to shed rounding drift
            x = K.path_link_flows(st.od_paths, st.od_np, st.p_off, st.p_len, st.p_flow, st.links, net.num_links)
    return mon.result("gp", x, it, st)
