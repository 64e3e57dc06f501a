"""Run one hostile CLI case as a real ``python -m netopt`` subprocess under a memory and a time cap.

A :class:`Case` is one row of the table in ``test_cli_hostile.py``: the files to write (small
inline texts), the command line, the expected exit code and a message fragment, and what must
not happen to the output paths. :func:`run_case` writes the files into a fresh folder (the
subprocess's working directory, so arguments use plain relative names), runs the command and
checks, besides the row's own expectations, what every case must satisfy:

* the exit code, and the fragment in stderr (or stdout, ``stream="stdout"``);
* no ``Traceback`` and no leaked Python warning (``RuntimeWarning`` ...) on stderr;
* a failing case (exit code other than 0 and 130) prints exactly one ``error:`` line, and a
  stderr fragment is on that line;
* no blank line on stderr (progress bars leave none without a terminal);
* files listed in ``untouched`` keep their bytes, paths in ``absent`` were not created;
* it ends within ``timeout`` seconds and under ``memory`` bytes of address space.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union

#: address-space cap of every case (RLIMIT_AS). 2 GiB is enough for ``python -m netopt`` with
#: NumPy, SciPy, Numba/LLVM, OR-Tools and CPU torch imported; a row that needs more sets ``memory=``.
MEMORY_CAP = 2 << 30
GIB = 1 << 30

# --- small inputs every case may use ---------------------------------------------------------
def vrplib_text(name: str, xy: list[tuple[float, float]], demands: list[int], capacity: int) -> str:
    """A CVRP in VRPLIB (EUC_2D), node 1 the depot."""
    lines = [f"NAME : {name}", "TYPE : CVRP", f"DIMENSION : {len(xy)}", "EDGE_WEIGHT_TYPE : EUC_2D",
             f"CAPACITY : {capacity}", "NODE_COORD_SECTION"]
    lines += [f"{i} {x:g} {y:g}" for i, (x, y) in enumerate(xy, start=1)]
    lines += ["DEMAND_SECTION", *(f"{i} {q}" for i, q in enumerate(demands, start=1)), "DEPOT_SECTION", "1", "-1", "EOF"]
    return "\n".join(lines) + "\n"


def tntp_net_text(zones: int, nodes: int, links: list[tuple[int, int, float]]) -> str:
    """A TNTP ``_net`` file: links ``(init, term, free-flow time)``, capacity 10, BPR 0.15 / 4."""
    head = [f"<NUMBER OF ZONES> {zones}", f"<NUMBER OF NODES> {nodes}", "<FIRST THRU NODE> 1",
            f"<NUMBER OF LINKS> {len(links)}", "<END OF METADATA>"]
    return "\n".join(head + [f"{a} {b} 10 0 {t:g} 0.15 4 0 0 1 ;" for a, b, t in links]) + "\n"


#: 4-customer CVRP: depot 1 at (0,0); customers 2..5 at (10,0), (0,10), (10,10), (5,5);
#: demands 3, 4, 5, 2; capacity 10.
TINY_VRP = vrplib_text("tiny", [(0, 0), (10, 0), (0, 10), (10, 10), (5, 5)], [0, 3, 4, 5, 2], 10)
#: a feasible solution of TINY_VRP in its node ids (cost 62)
TINY_ROUTES = '{"instance": "tiny", "routes": [[5, 4], [3, 2]]}\n'
#: Braess-like two-zone road network (TNTP) and its trips
TINY_NET = tntp_net_text(2, 4, [(1, 3, 1), (1, 4, 5), (3, 2, 5), (4, 2, 1), (3, 4, 1)])
TINY_TRIPS = "<NUMBER OF ZONES> 2\n<END OF METADATA>\nOrigin 1\n 2 : 6.0;\n"


@dataclass(frozen=True)
class Case:
    """One hostile input and what netopt must do with it (see the module docstring)."""

    id: str
    args: list[str]
    code: int
    message: str = ""
    files: dict[str, Union[str, bytes]] = field(default_factory=dict)
    stdin: Optional[Union[str, bytes]] = None
    stream: str = "stderr"  # where ``message`` must appear
    untouched: tuple[str, ...] = ()  # files (written by ``files``) whose bytes must not change
    absent: tuple[str, ...] = ()  # paths that must not exist afterwards
    forbidden: tuple[str, ...] = ()  # text that must appear on neither stream
    setup: Optional[Callable[[Path], object]] = None  # e.g. a symlink or a FIFO; its return goes to check
    check: Optional[Callable[..., None]] = None  # check(folder, completed_process, setup_return)
    interrupt_after: Optional[float] = None  # send SIGINT this many seconds after the start
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    memory: int = MEMORY_CAP


def _cap(memory: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return apply


def run(args: list[str], cwd: Path, *, stdin=None, env=None, timeout: float = 60.0, memory: int = MEMORY_CAP,
        interrupt_after: float | None = None) -> subprocess.CompletedProcess:
    """``python -m netopt ARGS`` in ``cwd`` under the caps; text output, no colours, a wide console."""
    # one OpenMP (torch) thread: the test workers already share the cores, and torch's default of a
    # thread per core oversubscribes them (a 1 s NCO solve then overran its limit by 0.7 s)
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb", "OMP_NUM_THREADS": "1", **(env or {})}
    data = stdin.encode() if isinstance(stdin, str) else stdin
    cmd = [sys.executable, "-m", "netopt", *args]
    proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, preexec_fn=_cap(memory),
                            stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if interrupt_after is not None:
            try:
                out, err = proc.communicate(data, timeout=interrupt_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGINT)
                out, err = proc.communicate(timeout=timeout)
        else:
            out, err = proc.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"netopt {' '.join(args)} ran past {timeout:g} s") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


def run_case(case: Case, folder: Path) -> subprocess.CompletedProcess:
    """Write the case's files into ``folder``, run it there and check everything (module docstring)."""
    for name, content in case.files.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
    before = {name: (folder / name).read_bytes() for name in case.untouched}
    extra = case.setup(folder) if case.setup else None
    start = time.monotonic()
    res = run(case.args, folder, stdin=case.stdin, env=case.env, timeout=case.timeout, memory=case.memory,
              interrupt_after=case.interrupt_after)
    shown = (f"netopt {' '.join(case.args)}  ({time.monotonic() - start:.1f} s)\n--- exit {res.returncode}\n"
             f"--- stdout\n{res.stdout[-3000:]}\n--- stderr\n{res.stderr[-3000:]}")
    assert res.returncode == case.code, shown
    assert "Traceback" not in res.stderr, shown
    for leak in ("RuntimeWarning", "UserWarning", "DeprecationWarning", "MemoryError"):
        assert leak not in res.stderr, shown
    assert "\n\n" not in res.stderr and not res.stderr.startswith("\n"), "blank line on stderr\n" + shown
    text = res.stderr if case.stream == "stderr" else res.stdout
    assert case.message in text, shown
    if case.code not in (0, 130):
        errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1, "expected one 'error:' line\n" + shown
        if case.stream == "stderr":
            assert case.message in errors[0], "the fragment is not on the error line\n" + shown
    for name, data in before.items():
        assert (folder / name).read_bytes() == data, f"{name} was changed\n" + shown
    for name in case.absent:
        assert not os.path.lexists(folder / name), f"{name} was created\n" + shown
    for s in case.forbidden:
        assert s not in res.stdout and s not in res.stderr, f"{s!r} appeared\n" + shown
    if case.check is not None:
        case.check(folder, res, extra)
    return res
