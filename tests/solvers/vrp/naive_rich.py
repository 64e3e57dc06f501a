"""Brute force over every assignment of clients to vehicles (or to none, when optional) and every order
of each route: the optimum of a tiny rich instance, judged by the independent validator."""

from __future__ import annotations

import itertools

from netopt.validate import check_routes


def brute_force(inst, fleet: list[int]) -> float:
    """Least feasible cost with one vehicle of type ``fleet[v]`` per ``v`` (each route with a reload, at
    any of its type's reload depots or none, between any two of its clients)."""
    clients = list(inst.clients)
    choices = [list(range(len(fleet))) + ([] if inst.required[c] else [None]) for c in clients]
    best = float("inf")
    for assign in itertools.product(*choices):
        groups = [[c for c, v in zip(clients, assign) if v == k] for k in range(len(fleet))]
        used = [k for k in range(len(fleet)) if groups[k]]
        routes = [[r for o in itertools.permutations(groups[k]) for r in _with_reloads(list(o), inst, fleet[k])]
                  for k in used]
        for chosen in itertools.product(*routes):
            rep = check_routes(inst, list(chosen), None, [fleet[k] for k in used])
            if rep.feasible and rep.cost < best:
                best = rep.cost
    return best


def _with_reloads(order: list[int], inst, vtype: int):
    """``order`` with every choice of a reload depot (or none) in each gap between two clients."""
    depots = inst.vehicle_types[vtype].reload_depots
    for stops in itertools.product([None, *depots], repeat=max(len(order) - 1, 0) if depots else 0):
        route = order[:1]
        for stop, c in zip(stops, order[1:]):
            route += ([] if stop is None else [stop]) + [c]
        yield route if depots else list(order)
