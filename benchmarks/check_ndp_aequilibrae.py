"""Re-evaluate exported network designs with Madadi & Correia's own equilibrium code (issue 18).

Runs in a separate environment with AequilibraE (not a netopt dependency) and their repository:

    python3 -m venv /tmp/aeqvenv && /tmp/aeqvenv/bin/pip install aequilibrae pandas
    # their data_due_generate.py with the pyomo/idaes/dgl imports removed, and
    # net_data = net_data.astype({c: float for c in ['capacity', 'length', 'free_flow_time', 'power']})
    # after the column clean-up (pandas 3 refuses to write 1e-6 into an int column): saved as dg.py in DG_DIR
    .venv/bin/python benchmarks/bench_ndp_sorb.py --time 60 --rows 25,27 --export designs.json
    /tmp/aeqvenv/bin/python benchmarks/check_ndp_aequilibrae.py designs.json DG_DIR TN_DIR 2>/dev/null

``TN_DIR`` holds their ``TransportationNetworks`` folders (byte-identical to ../shared/datasets/tntp).
Each row's capacities (file link order) and demand go through their ``due_aeq`` (BFW, 1000
iterations, rgap 1e-6, routes through centroids); prints one JSON line per row.
"""

import json
import sys

import numpy as np


def main():
    designs, dg_dir, tn_dir = sys.argv[1:4]
    sys.path.insert(0, dg_dir)
    import dg  # their data_due_generate, see the module docstring

    cases = {}
    for row in json.load(open(designs)):
        name = row["network"]
        if name not in cases:
            nets, ods = dg.read_cases([name], tn_dir)
            cases[name] = (nets[name], ods[name])
        edges, od = cases[name]
        edges = dict(edges, capacity=dict(zip(edges["capacity"], row["capacity"])))
        demand = np.array(row["demand"])
        od = {(a, b): demand[a - 1, b - 1] for (a, b) in od}
        _, ttt, _, rgap = dg.due_aeq(od, edges)
        print(json.dumps({"row": row["row"], "network": name, "problem": row["problem"], "share": row["share"],
                          "cap": row["cap"], "sorb": row["sorb"], "netopt": row["ours"], "their_due_aeq": ttt,
                          "rgap": rgap}), flush=True)


if __name__ == "__main__":
    main()
