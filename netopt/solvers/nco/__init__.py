"""Neural combinatorial optimization (NCO) heuristics.

* ``policy``/``train``/``generate``: an attention encoder-decoder policy (POMO multi-start, REINFORCE with a
  shared baseline) that constructs CVRP and TSP solutions, also on asymmetric distance + duration matrices;
  torch is imported lazily (``pip install "netopt[gnn]"``).
* ``heatmap``: parameter-free k-nearest (SoftDist) heatmaps and the heatmap-guided large-TSP local search
  (Numba kernels in ``_kernels.py``).
"""
