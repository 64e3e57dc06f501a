"""One surrogate for any candidate set: data with new links drawn per sample, the model's candidate
slots, and GNNFitness scoring DNDP instances whose candidates the model never saw.

The grid of test_gnn (3x3, 4 corner zones) without its diagonals is the base network; its DNDP
instance (4 one-way diagonal candidates) plays the unseen instance."""

import numpy as np
import pytest
from typer.testing import CliRunner

from netopt.exceptions import NetoptError
from netopt.solvers.design import DesignProblem

from test_gnn import grid_dndp


@pytest.fixture(scope="module")
def any_model(tmp_path_factory):
    """80 grid equilibria with up to 6 new links each (diagonals excluded), a small model, 5 epochs."""
    import torch

    torch.set_num_threads(1)
    from netopt.gnn import data as D
    from netopt.gnn.models import save_checkpoint
    from netopt.gnn.train import train

    prob = grid_dndp()
    net = prob.network
    diagonals = [(int(net.init[c]) + 1, int(net.term[c]) + 1) for c in prob.candidates]
    base = D.any_candidates(net.without_links(prob.candidates), exclude=diagonals)
    ds = D.generate(base, 80, seed=4, settings=D.Settings(candidate_slots=6))
    model, report = train(ds, epochs=5, hidden=16, layers=2, batch_size=16, device="cpu", seed=0)
    path = tmp_path_factory.mktemp("gnn_any") / "grid_any.pt"
    save_checkpoint(path, model, ds["manifest"], report["metrics"])
    return prob, base, ds, model, path


def test_pool_leaves_out_linked_and_excluded_pairs(any_model):
    prob, base, ds, *_ = any_model
    net = base.network
    linked = {(min(a, b), max(a, b)) for a, b in zip(net.init.tolist(), net.term.tolist())}
    pool = {tuple(p) for p in base.pool.tolist()}
    excluded = {(a - 1, b - 1) for a, b in base.exclude}
    assert len(excluded) == 4 and not pool & (linked | excluded)
    assert len(pool) == 9 * 8 // 2 - len(linked) - len(excluded)  # every other pair of nodes is in
    assert all(i < j for i, j in pool)


def test_samples_add_new_links_in_pairs_of_slots(any_model):
    _, base, ds, *_ = any_model
    m = base.network.num_links
    assert ds["manifest"]["kind"] == "candidates" and ds["manifest"]["slots"] == 6
    ends, is_open, flow = ds["ends"].numpy(), ds["open"].numpy()[:, m:], ds["flow"].numpy()[:, m:]
    assert ends.shape == (80, 6, 2) and ds["capacity"].shape == (80, m + 6)
    pool = {tuple(p) for p in base.pool.tolist()}
    used = ends[:, :, 0] != ends[:, :, 1]  # unused slots hold (0, 0)
    assert used[:, 0].all() and not is_open[~used].any() and np.all(flow[~is_open] == 0)
    for e, u in zip(ends, used):
        roads = e[u].reshape(-1, 2, 2)
        assert np.array_equal(roads[:, 0], roads[:, 1, ::-1])  # slots 2k, 2k + 1: the two directions
        assert all((min(a, b), max(a, b)) in pool for a, b in e[u])
    assert is_open.any() and (used & ~is_open).any()


def test_flows_with_new_links_are_conserved(any_model):
    """Independent check of the slot bookkeeping: at every node, what flows in minus what flows out
    over the network's links and the open new links equals the demand ending there minus the
    demand starting there."""
    _, base, ds, *_ = any_model
    net, m = base.network, base.network.num_links
    for s in range(len(ds["flow"])):
        f = ds["flow"][s].double().numpy()
        tail = np.r_[net.init, ds["ends"][s, :, 0].numpy()]
        head = np.r_[net.term, ds["ends"][s, :, 1].numpy()]
        net_in = np.bincount(head, f, net.num_nodes) - np.bincount(tail, f, net.num_nodes)
        od = ds["od"][s].double().numpy()
        np.testing.assert_allclose(net_in, od[:, 1] - od[:, 0], atol=1e-3 * od.sum())
        assert np.all(f[:m][~ds["open"][s, :m].numpy()] == 0)


def test_model_is_equivariant_in_its_slots(any_model):
    import torch

    _, base, ds, model, _ = any_model
    m = base.network.num_links
    x = (ds["od"][:8], ds["capacity"][:8], ds["open"][:8], ds["ends"][:8], ds["cand_fftt"][:8])
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    cols = torch.cat([torch.arange(m), m + perm])
    with torch.no_grad():
        y = model(*x)
        yp = model(x[0], x[1][:, cols], x[2][:, cols], x[3][:, perm], x[4][:, perm])
        torch.testing.assert_close(yp, y[:, cols], rtol=1e-4, atol=1e-5)
        # a closed slot is as good as absent: moving its ends and time changes nothing
        closed = ~x[2][:, m:]
        ends, fftt = x[3].clone(), x[4].clone()
        ends[closed] = torch.tensor([1, 2])
        fftt[closed] = 7.0
        torch.testing.assert_close(model(x[0], x[1], x[2], ends, fftt), y)
        # new links shared by the whole batch (K, 2) / (K,): the same as repeating them per sample
        one = (x[3][0], x[4][0])
        torch.testing.assert_close(model(*x[:3], *one), model(*x[:3], one[0].expand(8, -1, -1), one[1].expand(8, -1)))
    with pytest.raises(NetoptError, match="6 candidate slots"):
        model(*x[:3])


def test_fitness_scores_an_unseen_dndp_instance(any_model):
    from netopt.gnn.surrogate import GNNFitness
    from netopt.gnn.train import numpy_tstt

    prob, *_, path = any_model
    fit = GNNFitness(prob, path)
    designs = np.array([[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [1, 1, 1, 1]], float)
    flow, tstt = fit.predict(designs)
    cap, is_open = fit.inputs(designs)
    assert flow.shape == (4, prob.network.num_links) and np.all(flow[~is_open] == 0) and np.all(flow >= 0)
    net = prob.network
    np.testing.assert_allclose(numpy_tstt(flow, cap, {k: getattr(net, k) for k in ("fftt", "b", "power", "fixed_cost")}), tstt)
    # the same instance with its candidates listed in another order: the same scores, design by design
    order = np.array([2, 0, 3, 1])
    shuffled = DesignProblem("grid", "dndp", net, prob.candidates[order], prob.costs[order], budget=prob.budget)
    np.testing.assert_allclose(GNNFitness(shuffled, path).evaluate(designs[:, order]), fit.evaluate(designs), rtol=1e-6)
    # the model's slots are per sample, not tied to the link order of the instance file
    assert fit.checkpoint["network"]["slots"] == 6 and fit.checkpoint["network"]["excluded_pairs"]


def test_fitness_refuses_what_the_model_cannot_score(any_model):
    from netopt.gnn.models import NetworkMismatchError
    from netopt.gnn.surrogate import GNNFitness

    from netopt.gnn.data import add_links

    prob, *_, path = any_model
    net = prob.network
    more, pos = add_links(net, [0, 1, 2], [8, 7, 6], [30.0] * 3, [2.0] * 3, 0.5, 4.0)  # 3 more new links: 7 > 6 slots
    cand = pos[np.r_[prob.candidates, net.num_links + np.arange(3)]]  # old and new links' indices in `more`
    with pytest.raises(NetoptError, match="7 candidate links, the model .* has 6 slots"):
        GNNFitness(DesignProblem("g", "dndp", more, cand, np.ones(7), budget=2.0), path)
    other_bpr = net.with_links(power=np.where(np.isin(np.arange(net.num_links), prob.candidates[:1]), 2.0, net.power))
    with pytest.raises(NetoptError, match="power=2"):
        GNNFitness(DesignProblem("g", "dndp", other_bpr, prob.candidates, prob.costs, budget=prob.budget), path)
    moved = net.with_links(capacity=net.capacity * np.where(np.arange(net.num_links) == 0, 2.0, 1.0))
    with pytest.raises(NetworkMismatchError):  # a base link changed: another network
        GNNFitness(DesignProblem("g", "dndp", moved, prob.candidates, prob.costs, budget=prob.budget), path)


def test_shipped_index_lookup_by_kind():
    from netopt.gnn.surrogate import pretrained_for

    sha = "611ce83f8bf4942350a3ee40e89d6daa6de1c8d4927ae1ebf86918d428f9f451"  # Sioux Falls
    assert pretrained_for(sha, "network").name == "siouxfalls.pt"
    assert pretrained_for(sha, "dndp") is None and pretrained_for("0" * 64) is None


def test_cli_candidate_slots(tmp_path):
    from netopt.cli.gnn import app
    from support import BRAESS_DNDP, BRAESS_TRIPS

    (tmp_path / "b.txt").write_text(BRAESS_DNDP)
    (tmp_path / "t.tntp").write_text(BRAESS_TRIPS)
    runner = CliRunner()
    res = runner.invoke(app, ["generate", str(tmp_path / "b.txt"), "--trips", str(tmp_path / "t.tntp"), "-n", "5",
                              "--candidate-slots", "4", "--out", str(tmp_path / "d.pt")])
    assert res.exit_code == 2 and "needs the plain network" in res.stderr and not (tmp_path / "d.pt").exists()
    res = runner.invoke(app, ["generate", str(tmp_path / "b.txt"), "-n", "5", "--trips", str(tmp_path / "t.tntp"),
                              "--exclude-pairs-of", str(tmp_path / "b.txt"), "--out", str(tmp_path / "d.pt")])
    assert res.exit_code == 2 and "goes with --candidate-slots" in res.stderr
    res = runner.invoke(app, ["generate", str(tmp_path / "b.txt"), "-n", "5", "--trips", str(tmp_path / "t.tntp"),
                              "--swap-lanes", "2", "--out", str(tmp_path / "d.pt")])
    assert res.exit_code == 2 and "--swap-lanes needs a plain network" in res.stderr
    res = runner.invoke(app, ["generate", str(tmp_path / "b.txt"), "-n", "5", "--trips", str(tmp_path / "t.tntp"),
                              "--swap-lanes", "2", "--candidate-slots", "4", "--out", str(tmp_path / "d.pt")])
    assert res.exit_code == 2 and "does not go with --candidate-slots" in res.stderr
    res = runner.invoke(app, ["generate", str(tmp_path / "b.txt"), "-n", "5", "--swap-lanes", "1", "--out",
                              str(tmp_path / "d.pt")])
    assert res.exit_code == 2 and not (tmp_path / "d.pt").exists()


def test_shipped_model_scores_rey_instances_it_never_saw():
    """The shipped Sioux Falls model for any candidate set was trained with none of Rey's candidate
    roads (its checkpoint lists them as excluded); on one of his instances it is picked by default
    and tracks exact equilibria (RESULTS: median error 2.1 % over 34 instance/budget rows)."""
    from netopt.gnn.surrogate import GNNFitness
    from netopt.solvers.design import ExactFitness, load_dndp
    from support import datasets_dir

    tntp = datasets_dir("tntp")
    path = tntp / "SiouxFalls-DNDP-Rey2020" / "SF_DNDP_10_3.txt"
    prob = load_dndp(path, tntp / "SiouxFalls" / "SiouxFalls_trips.tntp", 0.25)
    fit = GNNFitness(prob)
    assert fit.model_path.endswith("siouxfalls_any.pt")
    excluded = {tuple(p) for p in fit.checkpoint["network"]["excluded_pairs"]}
    from netopt.gnn.data import candidate_pairs

    assert {(min(a, b), max(a, b)) for a, b in candidate_pairs(path)} <= excluded
    rng = np.random.default_rng(0)
    designs = np.array([prob.random_design(rng) for _ in range(30)])
    exact = ExactFitness(prob, gap=1e-6).evaluate(designs)
    err = np.abs(fit.evaluate(designs) - exact) / exact
    assert err.mean() < 0.03 and np.corrcoef(fit.evaluate(designs), exact)[0, 1] > 0.8


def test_shipped_swap_model_serves_the_lane_swap_problems():
    """The shipped Sioux Falls swap model is picked by default for the paper's lane-swap problems (one
    demand per network, so one model for every share and capacity step) and tracks exact equilibria
    on random swap designs; the lane-addition problems keep their own model."""
    from scipy.stats import spearmanr

    from netopt.gnn.surrogate import GNNFitness
    from netopt.io.tntp import load_network
    from netopt.solvers.design import ExactFitness, lane_addition, lane_swap
    from support import datasets_dir

    net = load_network(datasets_dir("tntp") / "SiouxFalls")
    assert GNNFitness(lane_addition(net, 0.25)).model_path.endswith("siouxfalls.pt")
    for share, lanes in ((0.25, 2), (0.5, 4)):
        prob = lane_swap(net, share, lanes)
        fit = GNNFitness(prob)
        assert fit.model_path.endswith("siouxfalls_swap.pt")
        rng = np.random.default_rng(0)
        designs = np.array([prob.random_design(rng) for _ in range(30)])
        exact = ExactFitness(prob, gap=1e-6).evaluate(designs)
        pred = fit.evaluate(designs)
        assert (np.abs(pred - exact) / exact).mean() < 0.02 and spearmanr(pred, exact).statistic > 0.9
    from netopt.cli.gnn import app

    res = CliRunner().invoke(app, ["info", fit.model_path])
    assert res.exit_code == 0 and "lane swap, lanes 2, 4" in res.stdout
