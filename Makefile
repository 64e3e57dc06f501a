# netopt: `make demo` sets up .venv and solves a seeded instance; `make test` sets up .venv (with the
# optional GNN stack, so its tests run too) and runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HASH := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(HASH)
GNN_STAMP := $(VENV)/.gnn-$(HASH)
# the CPU build on this machine's disk; an unpinned torch pulls a multi-GB CUDA build
TORCH_PIN := torch==2.13.0

.PHONY: venv demo test bench gnn dist clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

## the main job on a default instance: a seeded 100-customer X-style CVRP, 10 s
demo: venv
	mkdir -p demo
	$(VENV)/bin/netopt generate --customers 100 --seed 0 --out demo/gen-n100.vrp
	$(VENV)/bin/netopt solve demo/gen-n100.vrp --time-limit 10 --seed 0 --out demo/routes.json
	$(VENV)/bin/netopt validate demo/gen-n100.vrp demo/routes.json

## the solvers' Numba kernels first, into their cache, by two processes (one per core: the ILS for one-trip
## routes, then HGS and the ILS for multi-trip routes and for several load dimensions, which reuse much of
## that compilation, in one; the TSP search in the other), so that the tests find them compiled and no two
## processes compile one kernel for two kinds of data at once (Numba's cache index is not safe for that);
## then two workers, each test file whole on one of them, so its module fixtures (a trained policy) are
## built once; the 25 slowest tests are listed at the end (the whole run must stay under 15 minutes here)
test: venv gnn
	$(PY) -c "from netopt.solvers.vrp import hgs, ils; ils.warm_up(); hgs.warm_up(); ils.warm_up(trips=True); \
	ils.warm_up(dims=True)" & pid=$$!; \
	$(PY) -c "from netopt.solvers.nco import tsp; tsp.warm_up()" && wait $$pid
	$(PY) -m pytest -q -n 2 --dist loadfile --durations=25

bench: venv
	$(PY) benchmarks/bench_vrp.py

## optional extras: torch is pinned (an unpinned torch pulls a multi-GB CUDA build)
gnn: $(GNN_STAMP)

$(GNN_STAMP): $(STAMP)
	$(PY) -m pip install -q $(TORCH_PIN)
	$(PY) -m pip install -q -e ".[gnn]"
	rm -f $(VENV)/.gnn-*
	touch $@

dist: venv
	$(PY) -m pip install -q -e ".[dist]"

clean:
	rm -rf $(VENV) demo .pytest_cache
