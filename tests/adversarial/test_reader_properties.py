"""Property-based tests: mutated VRPLIB / Solomon / instance JSON / TNTP / route JSON / .sol files either read cleanly or raise a typed error.

Each example takes a valid small file, applies random mutations (drop, duplicate or truncate
lines, replace numbers with corrupt, huge, negative or non-finite ones, cut the file short) and
calls the reader in-process. The reader must return a valid object or raise a
:class:`~netopt.exceptions.NetoptError` subclass, never anything else, and in bounded time. Sizes
are checked before allocating, so a mutated ``DIMENSION : 1e18`` is an error, not a MemoryError.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from _harness import TINY_NET, TINY_ROUTES, TINY_TRIPS, TINY_VRP
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netopt._limits import check_dense, format_bytes
from netopt.exceptions import NetoptError, NetoptWarning, ResourceLimitError
from netopt.io import load_instance, read_routes
from netopt.io.tntp import load_network
from netopt.model import RoadNetwork, RoutingInstance, RoutingSolution
from netopt.validate import check_routes
from tests.support import MD_HF, MT_PC

#: examples per property: 60 in the suite (seconds); NETOPT_FUZZ_EXAMPLES=5000 for a longer hunt
SETTINGS = settings(max_examples=int(os.environ.get("NETOPT_FUZZ_EXAMPLES", 60)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow], database=None)
#: wall-clock bound per example (seconds): readers of tiny files must never hang
BOUND_S = 5.0

NASTY = ["1e300", "-1e300", "1e18", "1000000000", "-5", "0", "nan", "inf", "-inf", "2.5", "abc", "", "1e-320",
         "99999999999999999999999", "0x10", "-0"]
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


@st.composite
def mutated(draw, text: str) -> str:
    """``text`` after 1-4 random mutations of its lines and numbers."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["drop", "dup", "number", "number", "truncate", "cut", "garbage"]))
        if kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "number":
            nums = list(_NUMBER.finditer(lines[i]))
            if nums:
                m = nums[draw(st.integers(0, len(nums) - 1))]
                lines[i] = lines[i][: m.start()] + draw(st.sampled_from(NASTY)) + lines[i][m.end():]
        elif kind == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif kind == "cut":
            lines = lines[:i]
        else:
            lines[i] = draw(st.text(alphabet=" :;<>~#-.e0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_", max_size=30))
    return "\n".join(lines) + "\n"


def _read_clean(fn, *args):
    """Call a reader; return its result or the typed error; fail on anything else, a leaked warning or a slow call."""
    start = time.monotonic()
    try:
        with warnings.catch_warnings():  # a leaked RuntimeWarning (overflow, invalid cast) is a failure
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", NetoptWarning)
            out = fn(*args)
    except NetoptError as e:
        out = e
        assert str(e) and "\n" not in str(e), f"not a one-line message: {e!r}"
    assert time.monotonic() - start < BOUND_S, f"{fn.__name__} took {time.monotonic() - start:.1f} s"
    return out


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


TINY_SOLOMON = """tiny
VEHICLE
NUMBER     CAPACITY
  2         10
CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME
    0      0         0          0          0        100          0
    1      10        0          3          0        50           1
    2      0         10         4          5        60           1
    3      10        10         5          0        80           1
"""


def _instance_text(suffix: str, workdir: Path) -> str:
    """A valid instance file: VRPLIB (.vrp), Solomon text (.txt) or netopt instance JSON (.json)."""
    if suffix == ".json":
        from netopt.io import instance_to_json

        return instance_to_json(load_instance(_tiny(workdir))).replace(", ", ",\n")  # a field or value a line
    return TINY_VRP if suffix == ".vrp" else TINY_SOLOMON


@settings(SETTINGS, max_examples=3 * SETTINGS.max_examples)
@given(data=st.data(), suffix=st.sampled_from([".vrp", ".txt", ".json"]))
def test_mutated_instance_files_read_or_raise_typed_error(data, suffix, workdir):
    p = workdir / f"m{suffix}"
    p.write_text(data.draw(mutated(_instance_text(suffix, workdir))))
    out = _read_clean(load_instance, p)
    if isinstance(out, RoutingInstance):
        assert np.all(np.isfinite(out.distance)) and out.num_nodes >= 2


@SETTINGS
@given(data=st.data(), text=st.sampled_from([MD_HF, MT_PC]))
def test_mutated_pyvrp_dialect_reads_or_raises_typed_error(data, text, workdir):
    """PyVRP's dialect (vehicle sections, several depots, prizes, release times, reloads, allowed clients);
    what is read validates its own best routes without raising, whatever the .sol says."""
    p = workdir / "rich.vrp"
    p.write_text(data.draw(mutated(text)))
    out = _read_clean(load_instance, p)
    if isinstance(out, RoutingInstance):
        assert np.all(np.isfinite(out.distance)) and out.num_nodes >= 2
        sol = workdir / "rich.sol"
        sol.write_text(data.draw(mutated("Route #1: 2 3\nRoute #2: 1 0 4\nRoute #3:\nCost: 208000\n")))
        got = _read_clean(read_routes, sol, out)
        if not isinstance(got, NetoptError):
            routes, claimed = got
            check_routes(out, routes.routes, claimed, routes.vehicle_types)


@SETTINGS
@given(net=mutated(TINY_NET), trips=mutated(TINY_TRIPS), which=st.sampled_from(["net", "trips", "both"]))
def test_mutated_tntp_reads_or_raises_typed_error(net, trips, which, workdir):
    folder = workdir / "tntp"
    folder.mkdir(exist_ok=True)
    (folder / "x_net.tntp").write_text(net if which != "trips" else TINY_NET)
    (folder / "x_trips.tntp").write_text(trips if which != "net" else TINY_TRIPS)
    out = _read_clean(load_network, folder)
    if isinstance(out, RoadNetwork):
        assert out.demand.shape == (out.num_zones, out.num_zones)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from(["routes", "visits", "cost", "instance"]),
                                                                 inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.filterwarnings("ignore::netopt.exceptions.NetoptWarning")
@SETTINGS
@given(data=st.one_of(
    _JSON,
    st.fixed_dictionaries({"routes": st.lists(st.lists(st.one_of(st.integers(-3, 8), st.floats(0, 8), st.booleans(),
                                                                   st.text(max_size=2)), max_size=6), max_size=4)}),
    mutated(TINY_ROUTES),
    mutated("Route #1: 4 3\nRoute #2: 2 1\nCost 62\n"),  # CVRPLIB .sol (customers numbered 1..n)
))
def test_mutated_routes_read_or_raise_typed_error(data, workdir):
    inst = load_instance(_tiny(workdir))
    p = workdir / "r.json"
    p.write_text(data if isinstance(data, str) else json.dumps(data))
    out = _read_clean(read_routes, p, inst)
    if not isinstance(out, NetoptError):
        sol, claimed = out
        assert isinstance(sol, RoutingSolution)
        assert all(isinstance(v, int) and 1 <= v < inst.num_nodes for r in sol.routes for v in r)
        check_routes(inst, sol.routes, claimed)  # never raises on what the reader accepted


@SETTINGS
@given(routes=st.lists(st.lists(st.one_of(st.integers(-2, 7), st.floats(-1, 7), st.booleans()), max_size=6), max_size=4))
def test_check_routes_never_truncates_or_raises(routes, workdir):
    """The validator used on solver routes reports non-integer, depot and unknown indices as violations."""
    inst = load_instance(_tiny(workdir))
    rep = check_routes(inst, routes)
    has_float = any(isinstance(v, float) for r in routes for v in r)
    if has_float:
        assert not rep.feasible and any("non-integer" in v for v in rep.violations)


def _tiny(workdir: Path) -> Path:
    p = workdir / "tiny.vrp"
    if not p.exists():
        p.write_text(TINY_VRP)
    return p


def test_check_dense_refuses_with_the_estimate(monkeypatch):
    import netopt._limits as limits

    monkeypatch.setattr(limits, "available_memory", lambda: 1 << 30)
    assert check_dense("distance matrix", (1000, 1000)) == 8_000_000
    with pytest.raises(ResourceLimitError, match=r"x.vrp: would need 7.5 GiB for a 31,623 x 31,623 distance matrix"):
        check_dense("distance matrix", (31_623, 31_623), where="x.vrp")
    assert ResourceLimitError.exit_code == 2
    assert format_bytes(7.5 * (1 << 30)) == "7.5 GiB"
