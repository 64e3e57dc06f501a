"""NCO construction policy: generators, features (incl. MDS for matrix-only instances), the batched
decoder against a one-rollout Python twin, training, checkpoints, the `nco` solver, `hgs --init nco`
and the CLI. A tiny untrained or briefly trained policy is enough: quality lives in benchmarks/."""

import math
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from netopt.model import RoutingInstance, RoutingSolution
from netopt.solvers.nco import unsupported, warm_started
from netopt.solvers.nco.generate import batch_features, sample_instance, uniform_capacity
from netopt.validate import check_routes

import torch  # noqa: E402  (the gnn extra: installed by `make test`)

from netopt.cli import app  # noqa: E402
from netopt.solvers.nco import policy as P  # noqa: E402
from netopt.solvers.registry import get_solver  # noqa: E402

import naive_nco  # noqa: E402

runner = CliRunner()


def _untrained(tmp_path_factory, problem: str, **arch):
    """A seeded untrained policy saved as a checkpoint: enough to exercise every code path."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("nco") / f"{problem}.pt"
    P.save_policy(P.Policy(problem, **arch), path, {"note": "untrained test policy"})
    return path


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """One intra-op thread for this module: on the shared 2-core machine torch's two (spinning) threads
    made the training test 12x slower (79 s against 6.8 s wall at load 3.1; RESULTS.md issue 20 Stop 15)."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="module")
def policy_file(tmp_path_factory):
    """An untrained 2-layer CVRP policy."""
    return _untrained(tmp_path_factory, "cvrp", dim=32, heads=4, layers=2, ff=64)


# ------------------------------------------------------------------------------ generators / features
def test_sample_instance_is_seeded_and_valid():
    a, b = sample_instance(40, "x", seed=5), sample_instance(40, "x", seed=5)
    assert np.array_equal(a.distance, b.distance) and np.array_equal(a.demands, b.demands)
    assert not np.array_equal(a.distance, sample_instance(40, "x", seed=6).distance)
    u = sample_instance(100, "uniform", seed=0)
    assert u.capacity == uniform_capacity(100) == 50 and u.demands[1:].min() >= 1 and u.demands.max() <= 9
    asym = sample_instance(30, seed=0, asymmetric=0.3)
    assert not asym.is_symmetric and (asym.distance >= np.rint(u.distance[:31, :31] * 0)).all()
    with pytest.raises(ValueError, match="style"):
        sample_instance(10, "nope")


def test_batch_features_shapes_and_normalisation():
    f = batch_features(np.random.default_rng(0), 6, 15, asym_share=0.5)
    assert f["xy"].shape == (6, 16, 2) and f["dist"].shape == (6, 16, 16)
    assert 0 <= f["xy"].min() and f["xy"].max() <= 1
    assert (f["demand"][:, 0] == 0).all() and (f["demand"][:, 1:] > 0).all() and (f["demand"] <= 1).all()
    assert np.allclose(np.diagonal(f["dist"], axis1=1, axis2=2), 0)
    sym = [np.allclose(d, d.T) for d in f["dist"]]
    assert any(sym) and not all(sym)


def test_features_of_a_matrix_only_instance_use_mds():
    """Without coordinates, MDS of a Euclidean matrix recovers the point set up to rotation/shift:
    pairwise distances of the normalised coordinates equal the normalised matrix."""
    xy = np.random.default_rng(3).uniform(0, 100, (12, 2))
    d = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    inst = RoutingInstance("m", d, np.array([0] + [1] * 11), capacity=4)
    f = P.features(inst)
    c = f["xy"][0].astype(float)
    assert np.allclose(np.hypot(*(c[:, None] - c[None]).transpose(2, 0, 1)), f["dist"][0], atol=1e-5)
    assert c.min() >= -1e-6 and c.max() <= 1 + 1e-6


# ------------------------------------------------------------------------------ decoder vs twin
@pytest.mark.parametrize("problem", ["cvrp", "tsp"])
@pytest.mark.parametrize("asym", [0.0, 0.4])
def test_batched_greedy_rollout_matches_python_twin(problem, asym):
    torch.manual_seed(1)
    model = P.Policy(problem, dim=16, heads=2, layers=1, ff=32).eval()
    inst = sample_instance(9, "x" if problem == "cvrp" else "uniform", seed=4, problem=problem, asymmetric=asym)
    f = P.to_tensors(P.features(inst), "cpu")
    starts = torch.arange(1, 10)[None]
    with torch.no_grad():
        length, logp, seq = model.rollout(f, starts)
    for p in range(9):
        want_seq, want_lp, want_len = naive_nco.greedy_rollout(model, f, p + 1)
        got = seq[0, p].tolist()
        assert got[:len(want_seq)] == want_seq and not any(got[len(want_seq):])
        assert math.isclose(float(logp[0, p]), want_lp, rel_tol=1e-4, abs_tol=1e-4)
        assert math.isclose(float(length[0, p]), want_len, rel_tol=1e-5)


def test_augmented_copies_are_the_eight_isometries_of_the_square():
    f = P.to_tensors(P.features(sample_instance(15, "x", seed=2)), "cpu")
    aug = P.augmented(f, 8)
    xy = aug["xy"]
    assert xy.shape == (8, 16, 2) and float(xy.min()) >= 0 and float(xy.max()) <= 1
    assert len({tuple(c.flatten().tolist()) for c in xy}) == 8  # all distinct
    d0 = torch.cdist(xy[0], xy[0])
    assert all(torch.allclose(torch.cdist(c, c), d0, atol=1e-6) for c in xy)  # distances unchanged
    assert torch.equal(xy[0], f["xy"][0]) and torch.equal(aug["dist"][5], f["dist"][0])
    with pytest.raises(ValueError, match="1..8"):
        P.augmented(f, 9)


def test_augmented_decoding_is_the_greedy_rollout_of_each_copy():
    torch.manual_seed(3)
    model = P.Policy("cvrp", dim=16, heads=2, layers=1, ff=32).eval()
    inst = sample_instance(7, "uniform", seed=6)
    seqs = P.decode(model, inst, pomo=7, augment=4)
    assert len(seqs) == 4 * 7
    aug = P.augmented(P.to_tensors(P.features(inst), "cpu"), 4)
    for a in range(4):
        one = {k: v[a:a + 1] for k, v in aug.items()}
        for p in range(7):
            want, _, _ = naive_nco.greedy_rollout(model, one, p + 1)
            got = seqs[a * 7 + p].tolist()
            assert got[:len(want)] == want and not any(got[len(want):])
    assert [s.tolist() for s in P.decode(model, inst, pomo=7)] == [s.tolist() for s in seqs[:7]]
    from netopt.exceptions import SolverParameterError

    with pytest.raises(SolverParameterError, match="augment"):
        get_solver("nco").resolve_params({"augment": "9"})


def test_sampled_rollouts_are_feasible_and_lengths_recompute():
    torch.manual_seed(0)
    model = P.Policy("cvrp", dim=16, heads=2, layers=1, ff=32)
    f = P.to_tensors(batch_features(np.random.default_rng(2), 3, 12, asym_share=0.5), "cpu")
    length, logp, seq = model.rollout(f, P.pomo_starts(3, 12, 5, "cpu"), sample=True,
                                      generator=torch.Generator().manual_seed(0))
    assert (logp < 0).all() and logp.requires_grad
    for b in range(3):
        dist, dem = f["dist"][b].numpy(), f["demand"][b].numpy()
        for p in range(5):
            s = seq[b, p].numpy()
            routes = P.sequence_to_routes(s)
            assert sorted(v for r in routes for v in r) == list(range(1, 13))
            assert all(dem[r].sum() <= 1 + 1e-6 for r in routes)
            assert math.isclose(float(dist[s[:-1], s[1:]].sum()), float(length[b, p]), rel_tol=1e-5)


def test_training_improves_the_policy_and_checkpoint_round_trips(tmp_path):
    from netopt.solvers.nco.train import TrainConfig, train

    cfg = TrainConfig(size=10, epochs=4, steps_per_epoch=20, batch=32, pomo=10, lr=3e-3, dim=32, heads=4,
                      layers=1, ff=64, val_instances=16, device="cpu")
    report = train(cfg, tmp_path / "p.pt")
    # what REINFORCE minimises, the expected sampled length (a mean over 6,400 rollouts per epoch),
    # falls by about 4 % in 80 steps (greedy validation at n = 10 is too close to optimal to move reliably)
    sampled = [r["train_length"] for r in report["history"]]
    assert sampled[-1] < 0.98 * sampled[0], sampled
    vals = [r["val_length"] for r in report["history"]]
    model, meta = P.load_policy(tmp_path / "p.pt")
    assert meta["best_val_length"] == min(vals) and meta["train_config"]["size"] == 10
    from netopt.solvers.nco.train import _features, evaluate

    val = _features(np.random.default_rng([cfg.seed, 2]), cfg.val_instances, cfg.size, cfg, "cpu")
    assert round(evaluate(model, val), 5) == meta["best_val_length"]  # validation is deterministic
    inst = sample_instance(10, seed=9)
    a = P.construct(model, inst, pomo=10, samples=4, seed=3)
    b = P.construct(P.load_policy(tmp_path / "p.pt")[0], inst, pomo=10, samples=4, seed=3)
    assert a == b


def test_training_continues_from_a_checkpoint(tmp_path, policy_file):
    from netopt.exceptions import NetoptError
    from netopt.solvers.nco.train import TrainConfig, train

    cfg = TrainConfig(size=6, epochs=1, steps_per_epoch=2, batch=4, pomo=6, dim=8, heads=2, layers=1, ff=16,
                      val_instances=2, init_from=str(policy_file))
    train(cfg, tmp_path / "ft.pt")
    base, _ = P.load_policy(policy_file)
    tuned, meta = P.load_policy(tmp_path / "ft.pt")
    assert tuned.config == base.config and meta["train_config"]["init_from"] == str(policy_file)
    torch.manual_seed(123)
    fresh = P.Policy(**base.config)

    def dist(m1, m2):
        return sum(float(((a - b) ** 2).sum()) for a, b in zip(m1.state_dict().values(), m2.state_dict().values()))

    assert 0 < dist(tuned, base) < 0.01 * dist(fresh, base)  # trained, starting from the checkpoint
    with pytest.raises(NetoptError, match="cannot be trained on tsp"):
        train(TrainConfig(problem="tsp", size=6, epochs=1, steps_per_epoch=1, init_from=str(policy_file)), tmp_path / "x.pt")


def test_load_refuses_other_files(tmp_path):
    from netopt.exceptions import NetoptError

    bad = tmp_path / "x.pt"
    torch.save({"format": "something-else"}, bad)
    with pytest.raises(NetoptError, match="netopt-nco-policy"):
        P.load_policy(bad)


# ------------------------------------------------------------------------------ construct / solvers
def test_construct_on_asymmetric_matrix_only_instance(policy_file):
    base = sample_instance(25, seed=1, asymmetric=0.3)
    inst = RoutingInstance("asym", base.distance, base.demands, base.capacity, duration=base.duration)
    assert inst.coordinates is None
    model = P.load_policy(policy_file)[0]
    sols = P.construct(model, inst, pomo=25, samples=10, seed=0)
    costs = [c for c, _ in sols]
    assert costs == sorted(costs) and len(sols) >= 10
    for c, routes in sols:
        rep = check_routes(inst, routes)
        assert rep.feasible and math.isclose(rep.cost, c)
    assert sols == P.construct(model, inst, pomo=25, samples=10, seed=0)


def test_nco_solver_and_hgs_init(policy_file):
    inst = sample_instance(30, "x", seed=3)
    res = get_solver("nco").solve(inst, time_limit=30, seed=0, model=str(policy_file), samples=16, polish=3)
    assert res.feasible and res.extra["constructed"] >= 16
    assert res.objective <= res.extra["policy_best"] + 1e-9  # polishing never makes it worse
    r1 = warm_started("hgs", inst, time_limit=30, seed=0, max_iterations=60, nco={"model": str(policy_file)})
    r2 = warm_started("hgs", inst, time_limit=30, seed=0, max_iterations=60, nco={"model": str(policy_file)})
    assert r1.feasible and r1.objective == r2.objective and r1.extra["nco_s"] > 0
    assert r1.history[0][1] <= r1.extra["nco_best"] + 1e-9  # the policy's best is the first incumbent
    assert r1.params["init"] == "nco" and r1.params["nco_pomo"] == 16 and r1.solver == "hgs"
    # the policy's solutions seed any solver that takes warm starts, OR-Tools included
    r3 = warm_started("ortools", inst, time_limit=1.5, seed=0, nco={"model": str(policy_file), "share": 0.6})
    assert r3.feasible and r3.history[0][1] <= r3.extra["nco_best"] + 1e-9


def test_policy_time_is_bounded_by_its_share_of_the_time_limit(policy_file):
    """The rollouts stop at their deadline (what finished is kept); the whole solve ends near the limit.

    The overshoot allowed is 0.45 s plus three times the wall time, measured just before, of the work
    that may run past a deadline (the :data:`~netopt.solvers.nco.policy.FIRST_STARTS` greedy rollouts
    every solve runs): on a loaded machine that work is slower, and so is what the bound allows
    (0.07 s -> 0.66 s at load 3.6; helper-11 saw the fixed 0.5 s fail at load 4). A second try is
    made when the first misses (a stall of the shared machine; seen once at load 4: 1.44 s). The work
    asked for is large enough that ignoring the deadline fails both tries: 8,192 samples take about
    4 s on one torch thread (64-256 took 0.4-0.5 s: within the bound, so a broken deadline passed)."""
    inst = sample_instance(60, "x", seed=4)
    net = P.cached_policy(policy_file, "cpu")
    t = time.perf_counter()
    assert P.construct(net, inst, pomo=60, augment=8, samples=64, seed=0, deadline=t) == []
    P.construct(net, inst, pomo=P.FIRST_STARTS, seed=0)  # the first call also warms torch up (10x slower)
    for _ in range(2):
        t = time.perf_counter()
        assert len(P.construct(net, inst, pomo=P.FIRST_STARTS, seed=0)) == P.FIRST_STARTS
        slack = 0.45 + 3 * (time.perf_counter() - t)
        hgs = warm_started("hgs", inst, time_limit=0.6, seed=0,
                           nco={"model": str(policy_file), "augment": 8, "samples": 8192, "share": 0.1})
        alone = get_solver("nco").solve(inst, time_limit=0.6, seed=0, model=str(policy_file), augment=8, samples=8192)
        times = (hgs.extra["nco_s"], hgs.runtime_s, alone.runtime_s, alone.extra["construct_s"])
        if all(x <= lim + slack for x, lim in zip(times, (0.06, 0.6, 0.6, 0.7 * 0.6))):
            break
    else:
        raise AssertionError(f"(nco_s, runtime_s, nco runtime_s, construct_s) = {times}, slack {slack:.3f} s")


def test_nco_solver_always_returns_a_solution(policy_file, monkeypatch):
    """When no rollout finishes by the deadline (here: at once), a few greedy rollouts still run."""
    from netopt.solvers.nco import solver as nco_solver

    monkeypatch.setattr(nco_solver, "CONSTRUCT_SHARE", 0.0)
    inst = sample_instance(30, "x", seed=5)
    res = get_solver("nco").solve(inst, time_limit=5, seed=0, model=str(policy_file), polish=0)
    assert res.feasible and res.extra["constructed"] == P.FIRST_STARTS


def test_prepare_loads_the_shipped_policy_of_the_instances_problem(monkeypatch):
    """Model loading happens before the clock; a TSP instance gets the TSP policy, a CVRP one the CVRP policy."""
    from netopt.solvers import nco

    for problem in ("tsp", "cvrp"):
        monkeypatch.setattr(P, "_CACHE", {})
        inst = sample_instance(6, problem=problem, seed=0)
        solver = get_solver("nco")
        solver.prepare(solver.resolve_params({"device": "cpu"}), inst)
        assert [k[0] for k in P._CACHE] == [str(nco.default_model(problem))]
        monkeypatch.setattr(P, "_CACHE", {})
        warm_started("hgs", inst, time_limit=5, max_iterations=1, nco={"device": "cpu"})
        assert [k[0] for k in P._CACHE] == [str(nco.default_model(problem))]


def test_nco_refuses_time_windows(small_vrptw, policy_file):
    from netopt.exceptions import UnsupportedInstanceError

    assert "time windows" in unsupported(small_vrptw)
    with pytest.raises(UnsupportedInstanceError, match="time windows"):
        get_solver("nco").solve(small_vrptw, time_limit=5, model=str(policy_file))
    with pytest.raises(UnsupportedInstanceError, match="--init nco"):
        warm_started("hgs", small_vrptw, time_limit=5, nco={"model": str(policy_file)})


# ------------------------------------------------------------------------------ CLI
def test_cli_train_info_and_solve(tmp_path, cvrp_file, policy_file):
    ck = tmp_path / "m.pt"
    r = runner.invoke(app, ["nco", "train", "--size", "6", "--curriculum", "4", "--epochs", "2", "--steps-per-epoch", "2",
                            "--batch", "4", "--dim", "16", "--heads", "2", "--layers", "1", "--val-instances", "2",
                            "--out", str(ck), "--json"])
    assert r.exit_code == 0, r.output
    assert ck.exists() and (tmp_path / "m.json").exists() and '"history"' in r.stdout
    r = runner.invoke(app, ["nco", "info", str(ck), "--json"])
    assert r.exit_code == 0 and '"problem": "cvrp"' in r.stdout
    r = runner.invoke(app, ["solve", str(cvrp_file), "--solver", "nco", "--model", str(policy_file), "-t", "20", "--json", "-q"])
    assert r.exit_code == 0, r.output
    assert '"solver": "nco"' in r.stdout
    r = runner.invoke(app, ["solve", str(cvrp_file), "--init", "nco", "--model", str(policy_file), "-t", "20",
                            "--max-iterations", "30", "--json", "-q"])
    assert r.exit_code == 0, r.output
    assert '"nco_s"' in r.stdout


def test_cli_errors(tmp_path, cvrp_file):
    r = runner.invoke(app, ["solve", str(cvrp_file), "--solver", "nco", "--init", "nco"])
    assert r.exit_code == 2 and "--solver nco is the policy alone" in r.output
    r = runner.invoke(app, ["solve", str(cvrp_file), "--init", "nco", "-p", "nco.augment=9"])
    assert r.exit_code == 2 and "augment: 9 is out of range" in r.output
    r = runner.invoke(app, ["solve", str(cvrp_file), "-p", "nco.pomo=9"])
    assert r.exit_code == 2 and "go with --init nco" in r.output
    r = runner.invoke(app, ["solve", str(cvrp_file), "--init", "nco", "--model", str(tmp_path / "none.pt")])
    assert r.exit_code != 0 and "no such policy checkpoint" in r.output
    r = runner.invoke(app, ["solve", str(cvrp_file), "--init", "greedy"])
    assert r.exit_code != 0 and "not one of" in r.output
    r = runner.invoke(app, ["nco", "train", "--problem", "pdp", "--out", str(tmp_path / "p.pt")])
    assert r.exit_code != 0 and "cvrp or tsp" in r.output and not (tmp_path / "p.pt").exists()


# ------------------------------------------------------------------------------ learned TSP heatmap
@pytest.fixture(scope="module")
def tsp_policy_file(tmp_path_factory):
    """An untrained 1-layer TSP policy."""
    return _untrained(tmp_path_factory, "tsp", dim=16, heads=2, layers=1, ff=32)


def test_edge_frequencies_count_the_tours():
    """Twin check: the dense frequencies equal edge counts of the greedy tours of `Policy.rollout`."""
    torch.manual_seed(2)
    model = P.Policy("tsp", dim=16, heads=2, layers=1, ff=32)
    inst = sample_instance(8, problem="tsp", seed=1)
    freq = P.edge_frequencies(model, inst, pomo=8, samples=0, seed=0)
    f = P.to_tensors(P.features(inst), "cpu")
    _, _, seq = model.rollout(f, torch.arange(1, 9)[None])
    want = np.zeros((9, 9))
    for row in seq[0].tolist():
        tour = [0] + [v for v in row if v]
        for a, b in zip(tour, tour[1:] + [0]):
            want[a, b] += 1
            want[b, a] += 1
    assert np.allclose(freq, want / 8)


def test_tsp_heatmap_with_the_policy_heatmap(tsp_policy_file, monkeypatch):
    from netopt.exceptions import SolverParameterError
    from netopt.solvers.nco import tsp as tsp_mod

    inst = sample_instance(40, problem="tsp", seed=5)
    res = get_solver("tsp-heatmap").solve(inst, time_limit=10, seed=0, max_iterations=300, heatmap="policy",
                                          model=str(tsp_policy_file))
    assert res.feasible and res.params["heatmap"] == "policy"
    routes = RoutingSolution.from_node_ids(inst, [r["visits"] for r in res.solution["routes"]]).routes
    assert check_routes(inst, routes, res.objective).feasible
    monkeypatch.setattr(tsp_mod, "POLICY_MAX_CITIES", 20)
    with pytest.raises(SolverParameterError, match="limited to 20 cities"):
        get_solver("tsp-heatmap").solve(inst, time_limit=5, heatmap="policy", model=str(tsp_policy_file))
