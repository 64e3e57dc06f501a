"""GNN surrogate: data generation, a tiny model trained for a few epochs on a tiny network,
checkpoint round trip with weights_only=True, network-hash refusal, the missing-torch message,
surrogate evaluate shape/ordering, and the CLI (sub-app and `ndp solve --fitness gnn`).

torch and torch-geometric come with `make test` (the gnn extra); the missing-torch tests hide torch."""

import json
import subprocess
import sys

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from netopt.exceptions import MissingDependencyError
from netopt.model import RoadNetwork
from netopt.solvers.design import DesignProblem, lane_addition
from support import BRAESS_DNDP, BRAESS_TRIPS, grid_arcs



def grid_dndp(seed=0):
    """A 3x3 two-way grid, 4 corner zones, 4 candidate diagonal shortcuts: small enough that a
    UE solve takes a millisecond, rich enough that lanes and open shortcuts move flows around."""
    rng = np.random.default_rng(seed)
    arcs, idx = grid_arcs()
    base = len(arcs)
    arcs += [(idx[(i, j)], idx[(i + 1, j + 1)]) for i in range(2) for j in range(2)]
    m = len(arcs)
    net = RoadNetwork("grid", 9, 4, init=[a for a, _ in arcs], term=[b for _, b in arcs],
                      capacity=rng.uniform(20, 40, m), fftt=rng.uniform(2, 4, m), b=np.full(m, 0.5),
                      power=np.full(m, 4.0), demand=rng.integers(20, 60, size=(4, 4)).astype(float))
    cand = np.argsort(net.link_ids)[base:]
    return DesignProblem("grid", "dndp", net, cand, np.array([3.0, 5, 2, 4]), budget=7.0)


# ----------------------------------------------------------------------------- no torch needed
def test_importing_netopt_cli_does_not_import_torch():
    code = ("import sys, netopt, netopt.cli, netopt.cli.gnn, netopt.gnn, netopt.gnn.surrogate, netopt.gnn.models;"
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_torch_message(monkeypatch):
    from netopt.cli.gnn import app
    from netopt._torch import require_torch

    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(MissingDependencyError, match=r'pip install .*"netopt\[gnn\]"'):
        require_torch()
    res = CliRunner().invoke(app, ["train", "data.pt"])
    assert res.exit_code == 4
    assert 'netopt[gnn]' in res.stderr and "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- with torch
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """60 grid equilibria and a 2-block model trained for 5 epochs (a few seconds on a CPU)."""
    import torch

    torch.set_num_threads(1)
    from netopt.gnn import data as D
    from netopt.gnn.models import save_checkpoint
    from netopt.gnn.train import train

    prob = grid_dndp()
    base = D.Base(prob.network, prob.candidates, "dndp")
    ds = D.generate(base, 60, seed=1)
    model, report = train(ds, epochs=5, hidden=16, layers=2, batch_size=16, device="cpu", seed=0)
    path = tmp_path_factory.mktemp("gnn") / "grid.pt"
    save_checkpoint(path, model, ds["manifest"], report["metrics"])
    return prob, ds, model, report, path


def test_generate_manifest_and_seed(trained):
    from netopt.gnn import data as D

    prob, ds, *_ = trained
    m = ds["manifest"]
    assert m["network_sha256"] == prob.network.sha256 and m["samples"] == 60 and m["kind"] == "dndp"
    assert m["solver"]["max_gap_reached"] <= 1e-6 and m["candidates"] == prob.candidates.tolist()
    assert ds["flow"].shape == (60, prob.network.num_links) and ds["od"].shape == (60, 9, 2)
    closed = ~ds["open"]
    assert closed.any() and float(ds["flow"][closed].abs().max()) == 0.0  # closed candidates carry nothing
    assert not ds["open"][:, np.setdiff1d(np.arange(prob.network.num_links), prob.candidates)].logical_not().any()
    again = D.generate(D.Base(prob.network, prob.candidates, "dndp"), 5, seed=1)
    assert np.array_equal(again["flow"].numpy(), ds["flow"][:5].numpy())  # per-sample seed streams


@pytest.mark.slow
def test_generate_does_not_depend_on_workers(trained):
    from netopt.gnn import data as D

    prob = trained[0]
    base = D.Base(prob.network, prob.candidates, "dndp")
    one, two = D.generate(base, 6, seed=3, workers=1), D.generate(base, 6, seed=3, workers=2)
    np.testing.assert_array_equal(one["flow"].numpy(), two["flow"].numpy())


def test_dataset_file_round_trip(trained, tmp_path):
    import torch

    from netopt.gnn import data as D

    ds = trained[1]
    D.save(ds, tmp_path / "d.pt")
    back = D.load(tmp_path / "d.pt")
    assert back["manifest"] == ds["manifest"] and torch.equal(back["flow"], ds["flow"])
    (tmp_path / "bad.pt").write_bytes(b"not a dataset")
    with pytest.raises(Exception, match="not a netopt dataset"):
        D.load(tmp_path / "bad.pt")


def test_training_report(trained):
    *_, report, _ = trained
    assert report["epochs_run"] == 5 and report["device"] == "cpu"
    assert report["split"] == {"train": 48, "validation": 6, "test": 6}
    assert report["history"][-1]["train_loss"] < report["history"][0]["train_loss"]
    for split in ("validation", "test"):
        m = report["metrics"][split]
        assert np.isfinite(m["flow_mae"]) and np.isfinite(m["tstt_error_pct_mean"]) and m["flow_r2"] <= 1


def test_checkpoint_round_trip_weights_only(trained):
    import torch

    from netopt.gnn.models import load_model

    prob, ds, model, _, path = trained
    raw = torch.load(path, weights_only=True)  # plain types and tensors only
    assert raw["network"]["sha256"] == prob.network.sha256 and "state_dict" in raw
    loaded, ckpt = load_model(path, prob.network)
    x = (ds["od"][:4], ds["capacity"][:4], ds["open"][:4])
    with torch.no_grad():
        torch.testing.assert_close(loaded.flows(*x), model.flows(*x))


def test_model_for_another_network_is_refused(trained):
    from netopt.gnn.models import NetworkMismatchError, load_model
    from netopt.gnn.surrogate import GNNFitness

    prob, *_, path = trained
    other = grid_dndp(seed=5)
    with pytest.raises(NetworkMismatchError, match="trained on network 'grid'"):
        load_model(path, other.network)
    with pytest.raises(NetworkMismatchError, match="sha256"):
        GNNFitness(lane_addition(other.network, 0.25), path)


def test_surrogate_evaluate_shape_and_order(trained):
    from netopt.gnn.surrogate import GNNFitness
    from netopt.gnn.train import numpy_tstt

    prob, *_, path = trained
    fit = GNNFitness(prob, path)
    designs = np.array([[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [1, 1, 0, 1], [0, 0, 0, 1]], float)
    obj = fit.evaluate(designs)
    assert obj.shape == (5,) and np.all(np.isfinite(obj)) and fit.evaluations == 5 and fit.forward_passes == 1
    np.testing.assert_allclose(fit.evaluate(designs[::-1]), obj[::-1])  # cached, same order as asked
    assert fit.evaluations == 5
    flow, tstt = fit.predict(designs)
    np.testing.assert_allclose(tstt, obj)
    cap, is_open = fit.inputs(designs)
    np.testing.assert_allclose(numpy_tstt(flow, cap, {k: getattr(prob.network, k) for k in ("fftt", "b", "power", "fixed_cost")}), tstt)
    assert np.all(flow[~is_open] == 0) and np.all(flow >= 0)
    # one forward pass of a batch equals one design at a time
    single = GNNFitness(prob, path)
    np.testing.assert_allclose([single.evaluate(d[None, :])[0] for d in designs], obj, rtol=1e-5)


def test_solve_design_with_surrogate(trained):
    from netopt.gnn.surrogate import GNNFitness
    from netopt.solvers.design import solve_design

    prob, *_, path = trained
    res = solve_design(prob, "enumerate", time_limit=10, fitness=GNNFitness(prob, path))
    sol = res.solution
    assert res.params["fitness"] == "gnn" and prob.feasible(np.array(sol["vector"]))
    assert np.isfinite(sol["objective_search"]) and sol["objective_exact"] == res.objective


# ----------------------------------------------------------------------------- CLI
def test_cli_generate_train_info_and_ndp_solve(tmp_path):
    from netopt.cli import app as main_app
    from netopt.cli.gnn import app

    (tmp_path / "braess_dndp.txt").write_text(BRAESS_DNDP)
    (tmp_path / "braess_trips.tntp").write_text(BRAESS_TRIPS)
    runner = CliRunner()
    data, model = tmp_path / "d.pt", tmp_path / "m.pt"
    res = runner.invoke(app, ["generate", str(tmp_path / "braess_dndp.txt"), "-n", "24", "--out", str(data)])
    assert res.exit_code == 0, res.output
    assert "4" in res.stdout and data.is_file()
    res = runner.invoke(app, ["train", str(data), "--epochs", "3", "--hidden", "8", "--layers", "1", "--device", "cpu",
                              "--out", str(model), "--threads", "1"])
    assert res.exit_code == 0, res.output
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["epochs_run"] == 3 and (tmp_path / "m.png").stat().st_size > 1000
    res = runner.invoke(app, ["info", str(model), "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["network"]["num_links"] == 5
    res = runner.invoke(main_app, ["ndp", "solve", str(tmp_path / "braess_dndp.txt"), "-m", "enumerate", "-b", "1",
                                   "--fitness", "gnn", "--model", str(model), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["params"]["fitness"] == "gnn" and out["extra"]["surrogate"]["designs"] >= 1
    assert out["objective"] == pytest.approx(498, rel=1e-6)  # exact re-scoring of the (only) designs
    # a model for another network: one-line refusal, exit code 2
    (tmp_path / "other_dndp.txt").write_text(BRAESS_DNDP.replace("1 4 1 0 50", "1 4 2 0 50"))  # another capacity
    bad = runner.invoke(main_app, ["ndp", "solve", str(tmp_path / "other_dndp.txt"), "-b", "1", "--fitness", "gnn",
                                   "--model", str(model), "--trips", str(tmp_path / "braess_trips.tntp")])
    assert bad.exit_code == 2 and "trained on network" in bad.stderr and "Traceback" not in bad.output
    res = runner.invoke(app, ["train", str(tmp_path / "missing.pt")])
    assert res.exit_code == 2 and "no such dataset file" in res.stderr  # bad input: exit 2


def test_cli_has_help_for_every_command():
    from netopt.cli.gnn import app

    t = typer.Typer()
    t.add_typer(app, name="gnn")
    for cmd in ("generate", "train", "info"):
        res = CliRunner().invoke(t, ["gnn", cmd, "--help"])
        assert res.exit_code == 0 and "Usage" in res.stdout


def test_to_pyg(trained):
    from netopt.gnn.data import to_pyg

    prob, ds, *_ = trained
    graphs = to_pyg({**ds, **{k: ds[k][:3] for k in ("od", "capacity", "open", "flow", "tstt")}})
    assert len(graphs) == 3 and graphs[0].num_nodes == 9 and graphs[0].edge_attr.shape == (prob.network.num_links, 3)


def test_design_samples_keep_base_demand(trained):
    from netopt.gnn import data as D

    prob = trained[0]
    base = D.Base(prob.network)
    ds = D.generate(base, 8, seed=2, settings=D.Settings(design_share=1.0, design_budget=0.3))
    assert np.allclose(ds["od"].numpy(), ds["graph"]["od"].float().numpy()[None], rtol=1e-6)
    ratio = ds["capacity"].double().numpy() / prob.network.capacity
    assert np.all(np.isclose(ratio, 1.0) | np.isclose(ratio, 1.5)) and (ratio > 1.2).any()


def test_swap_samples_are_swap_designs_on_the_instance_demand():
    """``--swap-lanes`` data: the base is the swap instance's network (the sha256 of every share's
    problem); each sample moves one lane of capacity / lanes (lanes from swap_lanes) from one direction
    of a two-way road to the other, at the instance's demand or that demand scaled per entry."""
    from netopt.gnn import data as D
    from netopt.solvers.design import lane_swap

    arcs, _ = grid_arcs()
    m = len(arcs)
    rng = np.random.default_rng(5)
    net = RoadNetwork("grid", 9, 4, init=[a for a, _ in arcs], term=[b for _, b in arcs],
                      capacity=rng.uniform(20, 40, m), fftt=rng.uniform(2, 4, m), b=np.full(m, 0.5),
                      power=np.full(m, 4.0), demand=rng.integers(20, 60, size=(4, 4)).astype(float))
    base = D.swap_base(net, seed=3, demand_noise=0.2)
    for share in (0.25, 1.0):
        assert lane_swap(net, share, lanes=4, seed=3).network.sha256 == base.network.sha256
    assert base.network.sha256 != net.sha256  # the instance's demand, not the file's
    ds = D.generate(base, 30, seed=4, settings=D.Settings(swap_lanes=(2, 4), base_demand_share=0.5))
    p = base.swap
    cap0 = base.network.capacity
    delta = ds["capacity"].double().numpy() - cap0
    at_base = np.all(np.isclose(ds["od"].numpy(), ds["graph"]["od"].float().numpy()[None], rtol=1e-6), axis=(1, 2))
    assert 0 < at_base.sum() < 30 and ds["manifest"]["swap"]["instance_seed"] == 3
    steps = set()
    for row in delta:
        a, r = p.candidates[0::2], p.candidates[1::2]  # the two directions of each road
        moved = ~np.isclose(row[a], 0, atol=1e-3) | ~np.isclose(row[r], 0, atol=1e-3)  # (capacities are float32)
        assert moved.any() and np.allclose(row[np.setdiff1d(np.arange(m), p.candidates)], 0, atol=1e-3)
        lanes = {round(c / abs(x)) for c, x in zip(np.r_[cap0[a][moved], cap0[r][moved]], np.r_[row[a][moved], row[r][moved]])}
        assert len(lanes) == 1 and np.all(np.sign(row[a][moved]) == -np.sign(row[r][moved]))  # one gains, its reverse loses
        steps |= lanes
    assert steps == {2, 4}
    with pytest.raises(Exception, match="swap lanes go with"):
        D.generate(D.Base(net), 3, settings=D.Settings(swap_lanes=(2,)))
