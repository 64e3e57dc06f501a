"""Iterated local search: its kernels against naive twins (naive_vrp.py), the restricted local
search, the bookkeeping of an iteration, and the solver end to end (validated)."""

from __future__ import annotations

import numpy as np
import pytest

import naive_vrp as naive
from test_hgs import VARIANTS, make_instance, routes_of
from netopt.solvers import get_solver
from netopt.solvers.base import SearchState
from netopt.solvers.vrp import _ils_kernels as I
from netopt.solvers.vrp import _kernels as K
from netopt.solvers.vrp import hgs, ils
from netopt.validate import check_routes


def _state(inst, seed, slots=8, pen=(4.0, 2.0), granular=6):
    data = hgs._Data(inst, granular)
    prm = data.prm(*pen)
    tour = np.random.default_rng(seed).permutation(np.arange(1, data.n + 1)).astype(np.int64)
    routes, rlen, _ = K.split(tour, slots, data.kd, prm, 1.5)
    st = K.ls_state(routes, rlen, data.neigh, data.kd)
    K.ls_setup(st, data.kd, prm, data.ncnt, data.angle, seed)
    return data, prm, st


def _consistent(st, data, prm):
    """The summaries of ``st`` agree with its routes (positions, penalised costs)."""
    R = routes_of(st.routes, st.rlen)
    n = data.n
    assert sorted(v for r in R for v in r) == list(range(1, n + 1))
    for r, route in enumerate(R):
        for p, v in enumerate(route):
            assert st.node_route[v] == r and st.node_pos[v] == p + 1
        assert st.rcost[r] == pytest.approx(naive.route_penalized(route, data, prm), abs=1e-7)
    return R


def _without(R, v, data, prm, seed):
    """``R`` with client ``v`` taken out, as a search state, and ``gone`` marking ``v``."""
    R = [[w for w in r if w != v] for r in R]
    routes, rlen = hgs._route_arrays(R, len(R), data.n)
    st = K.ls_state(routes, rlen, data.neigh, data.kd)
    K.ls_setup(st, data.kd, prm, data.ncnt, data.angle, seed)
    gone = np.zeros(data.n + 1, np.bool_)
    gone[v] = True
    return R, st, gone


def _kept(R, moved):
    """The routes of ``R`` without the ``moved`` clients (their relative order), empty ones left out."""
    return sorted(tuple(w for w in r if w not in moved) for r in R if any(w not in moved for w in r))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", range(3))
def test_insertion_cost_matches_naive(variant, seed):
    inst = make_instance(seed, n=12, cap=15, **VARIANTS[variant])
    data, prm, st = _state(inst, seed)
    R = routes_of(st.routes, st.rlen)
    # take a customer out by hand and price every position of every route
    v = int(R[0][0]) if R[0] else 1
    R, st, _ = _without(R, v, data, prm, seed)
    for r, route in enumerate(R):
        for p in range(len(route) + 1):
            new = route[:p] + [v] + route[p:]
            ref = naive.route_penalized(new, data, prm) - naive.route_penalized(route, data, prm)
            assert I.insertion_cost(st, v, r, p, data.kd, prm) == pytest.approx(ref, abs=1e-7)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", range(3))
def test_best_insertion_is_the_cheapest_allowed_position(variant, seed):
    inst = make_instance(seed, n=14, cap=15, **VARIANTS[variant])
    data, prm, st = _state(inst, seed, slots=10)
    R = routes_of(st.routes, st.rlen)
    v = int(R[1][0]) if R[1] else int(R[0][0])
    R, st, gone = _without(R, v, data, prm, seed)
    r, p = I.best_insertion(st, v, gone, data.ncnt, data.kd, prm, I.NEW_ROUTES)
    # the twin: positions next to (before or after) a granular neighbour, or alone in the first empty route
    cands = set()
    for w in data.neigh[v, :data.ncnt[v]]:
        for k, route in enumerate(R):
            if w in route:
                i = route.index(w)
                cands |= {(k, i), (k, i + 1)}
    empty = [k for k, route in enumerate(R) if not route]
    if empty:
        cands.add((empty[0], 0))
    cost = {c: naive.route_penalized(R[c[0]][:c[1]] + [v] + R[c[0]][c[1]:], data, prm)
            - naive.route_penalized(R[c[0]], data, prm) for c in cands}
    assert (r, p) in cost
    assert cost[(r, p)] == pytest.approx(min(cost.values()), abs=1e-7)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("grouped", [False, True])
def test_perturb_moves_k_clients_and_keeps_the_summaries(variant, seed, grouped):
    inst = make_instance(seed, n=20, cap=15, **VARIANTS[variant])
    data, prm, st = _state(inst, seed)
    gone, lst, touched = np.zeros(21, np.bool_), np.zeros(21, np.int64), np.zeros(8, np.bool_)
    before = routes_of(st.routes, st.rlen)
    k = I.perturb(st, data.kd, prm, data.ncnt, data.neigh, data.angle, 7, 5, gone, lst, touched, False, grouped)
    assert k == 7 and not gone.any() and not touched.any()
    moved = set(lst[:k].tolist())
    assert len(moved) == 7 and all(st.mark[v] == 5 for v in moved)
    _consistent(st, data, prm)
    assert _kept(before, moved) == _kept(routes_of(st.routes, st.rlen), moved)  # the others keep their order


def _grouped_choice(c, k, route_of, data):
    """The ``k`` clients PyVRP's perturbation takes around centre ``c``, written plainly: ``c`` and its
    neighbours by proximity, grouped by route (the groups in the order they first appear), in order."""
    near = [c] + data.neigh[c, :data.ncnt[c]].tolist()
    groups = {}
    for v in near:
        groups.setdefault(route_of[v], []).append(v)
    return [v for g in groups.values() for v in g][:k]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [3, 6])
def test_grouped_perturb_takes_the_centres_route_first_then_the_next_routes_by_proximity(seed, k):
    inst = make_instance(seed, n=30, cap=15)
    data, prm, st = _state(inst, seed, granular=8)
    route_of = {v: int(st.node_route[v]) for v in range(1, data.n + 1)}
    n_routes = len({r for r in route_of.values()})
    gone, lst, touched = np.zeros(31, np.bool_), np.zeros(31, np.int64), np.zeros(8, np.bool_)
    moved = I.perturb(st, data.kd, prm, data.ncnt, data.neigh, data.angle, k, 5, gone, lst, touched, False, True)
    removed = set(lst[:moved].tolist())
    # one centre's neighbourhood is enough here (at least k of them), so the set is one centre's choice
    assert moved == k and min(data.ncnt[1:]) + 1 >= k and n_routes > 1
    assert any(set(_grouped_choice(c, k, route_of, data)) == removed for c in range(1, data.n + 1))
    _consistent(st, data, prm)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", range(3))
def test_best_insertion_without_new_routes_stays_in_the_used_ones(variant, seed):
    inst = make_instance(seed, n=14, cap=15, **VARIANTS[variant])
    data, prm, st = _state(inst, seed, slots=10, granular=13)
    R = routes_of(st.routes, st.rlen)
    assert any(not r for r in R)  # an empty route is there to be refused
    for v in range(1, data.n + 1):
        rest, st, gone = _without(R, v, data, prm, seed)
        r, p = I.best_insertion(st, v, gone, data.ncnt, data.kd, prm, I.NO_NEW_ROUTES)
        cost = {(k, i): naive.route_penalized(route[:i] + [v] + route[i:], data, prm)
                - naive.route_penalized(route, data, prm) for k, route in enumerate(rest) if route
                for i in range(len(route) + 1)}  # every neighbour is granular: every position of a used route
        assert (r, p) in cost
        assert cost[(r, p)] == pytest.approx(min(cost.values()), abs=1e-7)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", range(3))
def test_ruin_route_empties_the_shorter_of_two_routes_and_keeps_the_summaries(variant, seed):
    inst = make_instance(seed, n=20, cap=15, **VARIANTS[variant])
    data, prm, st = _state(inst, seed, granular=19)
    gone, lst = np.zeros(21, np.bool_), np.zeros(21, np.int64)
    before = routes_of(st.routes, st.rlen)
    used = [r for r in before if r]
    assert len(used) >= 3
    m = I.ruin_route(st, data.kd, prm, data.ncnt, data.angle, 20, 5, gone, lst, I.FORCED)
    moved = set(np.abs(lst[:m]).tolist())
    assert not gone.any() and moved in [set(r) for r in used]  # one whole route's clients
    assert m <= sorted(len(r) for r in used)[-2]  # the shorter of two routes: never the longest alone
    assert all(st.mark[v] == 5 for v in moved)
    after = _consistent(st, data, prm)
    assert sum(1 for r in after if r) == len(used) - 1  # no new route: each went into another route
    assert _kept(before, moved) == _kept(after, moved)


def test_ruin_route_needs_two_routes_and_a_short_one():
    inst = make_instance(0, n=6, cap=100)
    data, prm, st = _state(inst, 0, slots=1)
    gone, lst = np.zeros(7, np.bool_), np.zeros(7, np.int64)
    before = routes_of(st.routes, st.rlen)
    assert I.ruin_route(st, data.kd, prm, data.ncnt, data.angle, 20, 5, gone, lst, I.FORCED) == 0
    assert routes_of(st.routes, st.rlen) == before
    inst = make_instance(0, n=20, cap=15)
    data, prm, st = _state(inst, 0)
    gone, lst = np.zeros(21, np.bool_), np.zeros(21, np.int64)
    before = routes_of(st.routes, st.rlen)
    shortest = min(len(r) for r in before if r)
    assert I.ruin_route(st, data.kd, prm, data.ncnt, data.angle, shortest - 1, 5, gone, lst, I.FORCED) == 0
    assert routes_of(st.routes, st.rlen) == before and not gone.any()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_restricted_search_then_whole_search_reaches_a_local_optimum(variant):
    """Promising-only search then a whole one (stamp -1) give the local optimum the twin checks."""
    inst = make_instance(7, n=20, cap=15, **VARIANTS[variant])
    data, prm, st = _state(inst, 7)
    st.mark[1:6] = 3
    K.ls_search(st, data.kd, prm, data.ncnt, data.angle, 3, True, 1000)
    _consistent(st, data, prm)
    K.ls_search(st, data.kd, prm, data.ncnt, data.angle, -1, True, 1000)
    R = _consistent(st, data, prm)
    for u in range(1, 21):
        for v in data.neigh[u, :data.ncnt[u]]:
            for kind in (K.RELOCATE, K.SWAP):
                d = naive.move_delta(kind, R, st.node_route[u], st.node_pos[u] - 1, st.node_route[v],
                                     st.node_pos[v] - 1, data, prm)
                assert d is None or d > -1e-6


def _run(inst, seed, chunks, **kw):
    p = ils.ILS.params.resolve(kw)
    run = ils._Run(inst, SearchState(60), p, seed)
    run._start([])
    d = run.data
    scratch = (np.zeros(d.n + 1, np.bool_), np.zeros(d.n + 1, np.int64), np.zeros(run.slots, np.bool_))
    for c in chunks:
        I.ils_run(run.st, run.cur, run.cur_len, run.best, run.best_len, run.hist, d.kd, run.prm, d.ncnt, d.neigh,
                  d.angle, run.ip, run.fp, run.ist, run.fst, c, *scratch)
    return run


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_iterations_keep_current_best_and_working_state_apart(variant):
    inst = make_instance(4, n=30, cap=20, **VARIANTS[variant])
    run = _run(inst, 3, [150], penalty_every=20, history=10, restart_after=60)
    d = run.data
    # the working state equals the current solution after an iteration, and its summaries hold
    assert np.array_equal(run.st.rlen, run.cur_len)
    for r in range(run.slots):
        assert np.array_equal(run.st.routes[r, :run.cur_len[r] + 2], run.cur[r, :run.cur_len[r] + 2])
    _consistent(run.st, d, run.prm)
    cur = routes_of(run.cur, run.cur_len)
    tot = [sum(x) for x in zip(*(naive.route_stats(r, d)[:3] for r in cur if r))]
    assert run.fst[I.T_CUR] == pytest.approx(tot[0])
    # the best is feasible by the independent validator, at the distance the kernel recorded
    assert run.ist[I.S_ITER] == 150 and run.ist[I.S_NEW_BEST] >= 1
    best = [r for r in routes_of(run.best, run.best_len) if r]
    rep = check_routes(inst, best)
    assert rep.feasible and rep.cost == pytest.approx(run.fst[I.T_BEST])


def test_iterations_do_not_depend_on_how_they_are_cut():
    inst = make_instance(6, n=30, cap=20, tw=True)
    a = _run(inst, 9, [120])
    b = _run(inst, 9, [1, 19, 50, 50])
    assert np.array_equal(a.best_len, b.best_len) and np.array_equal(a.best, b.best)
    assert np.array_equal(a.ist, b.ist) and np.array_equal(a.fst, b.fst)


def test_late_acceptance_rule_twin():
    """The kernel's acceptance against a Python twin of Burke & Bykov's rule with both
    enhancements, replayed on the (distance, load, time) of every candidate the kernel saw."""
    inst = make_instance(2, n=25, cap=15)
    p = ils.ILS.params.resolve({"history": 4, "penalty_every": 10**6})
    run = ils._Run(inst, SearchState(60), p, 1)
    run._start([])
    d = run.data
    scratch = (np.zeros(d.n + 1, np.bool_), np.zeros(d.n + 1, np.int64), np.zeros(run.slots, np.bool_))
    pen = lambda t: t[0] + run.prm[K.P_LOAD_PENALTY] * t[1] + run.prm[K.P_TIME_PENALTY] * t[2]
    init = tuple(run.fst[I.T_INIT:I.T_INIT + 3])
    hist, pos, cur = [None] * 4, 0, init
    for _ in range(60):
        before = routes_of(run.st.routes, run.st.rlen)
        # the candidate: run one iteration on a copy whose acceptance we cannot see, then the real one
        I.ils_run(run.st, run.cur, run.cur_len, run.best, run.best_len, run.hist, d.kd, run.prm, d.ncnt, d.neigh,
                  d.angle, run.ip, run.fp, run.ist, run.fst, 1, *scratch)
        new_cur = tuple(run.fst[I.T_CUR:I.T_CUR + 3])
        late = pen(init) if hist[pos] is None else pen(hist[pos])
        if new_cur != cur:  # accepted: the candidate beat the late or the current cost
            assert pen(new_cur) < late or pen(new_cur) < pen(cur)
        if pen(new_cur) < late or hist[pos] is None:
            hist[pos] = new_cur
        pos = (pos + 1) % 4
        cur = new_cur
        assert [tuple(h[:3]) if h[3] else None for h in run.hist] == hist
        del before


# --------------------------------------------------------------------------- solver end to end


def solve(inst, **kw):
    kw.setdefault("time_limit", 30)
    kw.setdefault("max_iterations", 300)
    res = get_solver("ils").solve(inst, **kw)
    assert res.status in ("feasible", "time_limit"), res.message
    routes = [[inst.index_of(v) for v in r["visits"]] for r in res.solution["routes"]]
    rep = check_routes(inst, routes, reported_cost=res.objective)
    assert rep.feasible, rep.violations
    return res, routes


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_solver_feasible_and_validated(variant):
    inst = make_instance(3, n=25, cap=20, **VARIANTS[variant])
    res, _ = solve(inst)
    assert res.history and res.extra["iterations_per_s"] > 0


def test_same_seed_same_result():
    inst = make_instance(5, n=30, cap=20, tw=True)
    a, ra = solve(inst, seed=11)
    b, rb = solve(inst, seed=11)
    assert a.objective == b.objective and ra == rb


def _prize_instance(seed: int, n: int = 40):
    """``make_instance``'s VRPTW with every client optional, each with a random prize."""
    from netopt.model import RoutingInstance

    base = make_instance(seed, n=n, cap=20, tw=True)
    prizes = np.r_[0, np.random.default_rng(seed).uniform(1, 60, n)]
    return RoutingInstance("pc", base.distance, base.demands, capacity=base.capacity,
                           time_windows=base.time_windows, service_times=base.service_times,
                           coordinates=base.coordinates, prizes=prizes, required=np.r_[True, np.zeros(n, bool)])


@pytest.mark.parametrize("param", [{"open_route": 0.9}, {"leave_out": 0.5}])
def test_prize_moves_draw_nothing_without_optional_clients(param):
    """``open_route`` and ``leave_out`` are off where every client is required: the random stream, and
    the result, are those without them."""
    inst = make_instance(5, n=30, cap=20, tw=True)
    a, ra = solve(inst, seed=3, open_route=0.0)
    b, rb = solve(inst, seed=3, **{"open_route": 0.0, **param})
    assert a.objective == b.objective and ra == rb


@pytest.mark.parametrize("param", [{"open_route": 0.5}, {"leave_out": 0.5}, {"leave_out": 1.0}])
def test_prize_moves_search_prize_collecting_instances(param):
    """With optional clients ``open_route`` and ``leave_out`` change the search (validated solutions
    either way; the same seed gives the same result)."""
    inst = _prize_instance(4)
    a, ra = solve(inst, seed=2, open_route=0.0)
    b, rb = solve(inst, seed=2, **{"open_route": 0.0, **param})
    c, rc = solve(inst, seed=2, **{"open_route": 0.0, **param})
    assert a.history != b.history or ra != rb
    assert b.objective == c.objective and rb == rc


@pytest.mark.parametrize("kind", ["vrptw", "prizes_tw", "prizes"])
def test_history_auto_is_longer_with_time_windows_and_a_rich_feature(kind):
    """``history=0``: the late-acceptance ring is ``AUTO_HISTORY_RICH_TW`` long on an instance with time windows
    and a rich feature (optional clients here), ``AUTO_HISTORY`` on a plain VRPTW and without time windows: the
    same search as that length, not the other one."""
    from netopt.model import RoutingInstance
    from netopt.solvers.vrp.ils import AUTO_HISTORY, AUTO_HISTORY_RICH_TW

    inst = make_instance(4, n=40, cap=20, tw=True) if kind == "vrptw" else _prize_instance(4)
    if kind == "prizes":
        inst = RoutingInstance("pc", inst.distance, inst.demands, capacity=inst.capacity, coordinates=inst.coordinates,
                               prizes=inst.prizes, required=inst.required)
    mine, other = (AUTO_HISTORY_RICH_TW, AUTO_HISTORY) if kind == "prizes_tw" else (AUTO_HISTORY, AUTO_HISTORY_RICH_TW)
    runs = {h: solve(inst, seed=2, max_iterations=1500, history=h) for h in (0, mine, other)}
    assert runs[0][0].objective == runs[mine][0].objective and runs[0][1] == runs[mine][1]
    assert runs[0][0].history != runs[other][0].history or runs[0][1] != runs[other][1]


@pytest.mark.parametrize("kind", ["plain", "prizes", "site_dependent"])
def test_prize_collecting_auto_is_pyvrps_configuration(kind):
    """The auto settings on an instance with optional clients are PyVRP's: 50 neighbours, SWAP* off, the
    perturbation grouped by route; elsewhere 20 neighbours (and the site-dependent grouping), never
    SWAP* off; and the search with them all left at auto is the search with them given."""
    from netopt.solvers.vrp import ils

    inst = _prize_instance(6) if kind == "prizes" else make_instance(6, n=40, cap=20, tw=True)
    if kind == "site_dependent":
        from netopt.model import RoutingInstance
        from netopt.model.fleet import VehicleType

        types = (VehicleType(20, 8), VehicleType(25, 8, allowed_clients=tuple(range(1, 41))))
        inst = RoutingInstance("sd", inst.distance, inst.demands, coordinates=inst.coordinates,
                               time_windows=inst.time_windows, vehicle_types=types)
    prizes = kind == "prizes"
    assert ils._granular(inst, 0) == (ils.AUTO_GRANULAR_PRIZES if prizes else ils.AUTO_GRANULAR)
    assert ils._granular(inst, 7) == 7
    assert (ils._swap_star_mode(inst, "auto") == ils.SWAP_STAR_MODES["off"]) == prizes
    assert ils._grouped(inst, "auto") == (kind != "plain")
    if prizes:
        auto, ra = solve(inst, seed=3, max_iterations=600)
        given, rg = solve(inst, seed=3, max_iterations=600, granular=50, swap_star="off", perturb_order="route")
        other, ro = solve(inst, seed=3, max_iterations=600, granular=20)
        assert auto.objective == given.objective and ra == rg
        assert auto.history != other.history or ra != ro


@pytest.mark.parametrize("site_dependent", [False, True])
def test_perturb_order_auto_groups_by_route_on_site_dependent_instances(site_dependent):
    """``perturb_order=auto``: route order where a vehicle type may serve only some clients, random order
    elsewhere: the same search as that order, not the other one."""
    from netopt.model import RoutingInstance
    from netopt.model.fleet import VehicleType

    base = make_instance(5, n=40, cap=20, tw=True)
    allowed = tuple(range(1, 41)) if site_dependent else None
    types = (VehicleType(20, 8), VehicleType(25, 8, allowed_clients=allowed))
    inst = RoutingInstance("sd", base.distance, base.demands, coordinates=base.coordinates,
                           time_windows=base.time_windows, vehicle_types=types)
    mine, other = ("route", "random") if site_dependent else ("random", "route")
    runs = {o: get_solver("ils").solve(inst, time_limit=30, seed=2, max_iterations=1500, perturb_order=o)
            for o in ("auto", mine, other)}
    for res in runs.values():
        sol = res.solution
        rep = check_routes(inst, [[inst.index_of(v) for v in r["visits"]] for r in sol["routes"]],
                           vehicle_types=[r["vehicle_type"] for r in sol["routes"]], reported_cost=res.objective)
        assert rep.feasible, rep.violations
    found = {o: ([h[1:] for h in res.history], res.solution["routes"]) for o, res in runs.items()}
    assert found["auto"] == found[mine] and found["auto"] != found[other]


def _loose_windows(inst, **rich):
    """The instance with time windows that never bind (so that it counts as one with time windows)."""
    from netopt.model import RoutingInstance

    tw = np.c_[np.zeros(inst.num_nodes), np.full(inst.num_nodes, 1e7)]
    return RoutingInstance(inst.name, inst.distance, inst.demands, capacity=inst.capacity, time_windows=tw,
                           coordinates=inst.coordinates, **rich)


@pytest.mark.parametrize("windows,prizes,mode", [(True, False, "best"), (False, False, "always"), (True, True, "off")])
def test_swap_star_auto_is_best_on_plain_vrptw_off_with_prizes_else_always(windows, prizes, mode):
    """``swap_star=auto``: SWAP* only on a new best on a plain VRPTW, never with optional clients (PyVRP's
    configuration, with 50 neighbours), in every iteration otherwise: the same search as that mode."""
    inst = make_instance(7, n=120, cap=250)
    if windows:
        rich = {}
        if prizes:
            rich = dict(prizes=np.r_[0, np.full(120, 1000.0)], required=np.r_[True, np.arange(120) % 2 == 0])
        inst = _loose_windows(inst, **rich)
    a, ra = solve(inst, seed=4, swap_star="auto")
    b, rb = solve(inst, seed=4, swap_star=mode)
    assert a.objective == b.objective and ra == rb


def test_swap_star_modes_change_the_search_where_routes_are_long():
    inst = _loose_windows(make_instance(7, n=120, cap=250))
    runs = {m: solve(inst, seed=4, swap_star=m) for m in ("always", "best", "off")}
    assert runs["always"][0].history != runs["best"][0].history or runs["always"][1] != runs["best"][1]
    assert runs["best"][0].history != runs["off"][0].history or runs["best"][1] != runs["off"][1]


def test_init_penalty_sets_the_starting_penalties():
    """``init_penalty`` starts both penalties there (PyVRP's midpoint 50,000); 0 keeps the instance's own."""
    inst = make_instance(5, n=30, cap=20, tw=True)
    fixed = dict(penalty_every=10**6)  # no updates: the penalties at the end are the starting ones
    own, _ = solve(inst, seed=3, **fixed)
    data = hgs._Data(inst, 20)
    assert own.extra["penalty_load"] == pytest.approx(data.initial_load_penalty(), rel=1e-6)
    assert own.extra["penalty_time"] == pytest.approx(data.initial_time_penalty(), rel=1e-6)
    high, _ = solve(inst, seed=3, init_penalty=5e4, **fixed)  # (solve validates the routes)
    assert high.extra["penalty_load"] == high.extra["penalty_time"] == 5e4


def test_tight_capacity_found_feasible_quickly():
    """Demands 3,2,3,3,3,3 and capacity 8 fit in three routes (3+3+2, 3+3, 3); HGS missed it in 1 s."""
    xy = np.array([[0, 0], [10, 0], [0, 10], [-10, 0], [0, -10], [7, 7], [-7, -7]], float)
    d = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))
    from netopt.model import RoutingInstance

    inst = RoutingInstance("tight", d, np.array([0, 3, 2, 3, 3, 3, 3]), capacity=8, coordinates=xy)
    res, routes = solve(inst, time_limit=1, max_iterations=None)
    assert len(routes) == 3


def test_time_limit_respected():
    inst = make_instance(8, n=60, cap=20, tw=True)
    res, _ = solve(inst, time_limit=1.0, max_iterations=None)
    assert res.runtime_s < 1.5


def test_warm_start_is_the_starting_point():
    """The cheapest warm start is where the search starts (after one iteration it is no worse than
    that start, which a random start would not reach); one with more routes than the search's
    slots is cut again by the split."""
    inst = make_instance(6, n=80, cap=15)
    good, good_routes = solve(inst, seed=1, max_iterations=800)
    poor = [[i] for i in range(1, 81)]  # 20 routes, more than the slots of an unlimited fleet
    res, _ = solve(inst, initial=[poor, good_routes], max_iterations=1, seed=3)
    assert res.objective <= good.objective + 1e-9
    cold, _ = solve(inst, max_iterations=1, seed=3)
    assert cold.objective > good.objective
    res, routes = solve(inst, initial=[poor], max_iterations=50, seed=3)
    assert res.objective < 0.8 * check_routes(inst, poor).cost
