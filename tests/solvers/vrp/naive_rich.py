"""Brute force over every assignment of clients to vehicles (or to none, when optional) and every order
of each route: the optimum of a tiny rich instance, judged by the independent validator."""

from __future__ import annotations

import itertools

from netopt.validate import check_routes


def brute_force(inst, fleet: list[int]) -> float:
    """Least feasible cost with one vehicle of type ``fleet[v]`` per ``v`` (one trip per route)."""
    clients = list(inst.clients)
    choices = [list(range(len(fleet))) + ([] if inst.required[c] else [None]) for c in clients]
    best = float("inf")
    for assign in itertools.product(*choices):
        groups = [[c for c, v in zip(clients, assign) if v == k] for k in range(len(fleet))]
        used = [k for k in range(len(fleet)) if groups[k]]
        for orders in itertools.product(*(itertools.permutations(groups[k]) for k in used)):
            rep = check_routes(inst, [list(o) for o in orders], None, [fleet[k] for k in used])
            if rep.feasible and rep.cost < best:
                best = rep.cost
    return best
