"""Memory limits: estimate what a dense structure needs before allocating it, and refuse early.

Readers and builders call :func:`check_dense` with the shape a file or a parameter *declares*
(``DIMENSION : 1000000000``, ``<NUMBER OF ZONES> 200000``, ``--leaves 10000000``) before any
array is made, so a hostile or mistyped size is a one-line :class:`~netopt.exceptions.ResourceLimitError`
(exit 2) naming the estimate instead of a MemoryError, an OOM kill or a machine thrashing in swap.

Examples
--------
>>> format_bytes(8 * 10**18)
'6.9 EiB'
>>> check_dense("distance matrix", (10, 10))
800
"""

from __future__ import annotations

import os
import resource

from .exceptions import ResourceLimitError

_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def format_bytes(n: float) -> str:
    """``8053063680`` -> ``'7.5 GiB'``."""
    n = float(n)
    for unit in _UNITS:
        if n < 1024 or unit == _UNITS[-1]:
            return f"{int(n)} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def available_memory() -> int:
    """Bytes this process may still allocate: the smallest of free RAM (``MemAvailable``), the
    headroom under the container's memory limit (cgroup v2 ``memory.max`` or v1
    ``memory.limit_in_bytes``) and the headroom under ``RLIMIT_AS`` / ``RLIMIT_DATA``. Unknown parts
    are ignored (never below 64 MiB)."""
    limits = []
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    if not limits:
        try:
            limits.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            pass
    cgroup = _cgroup_headroom()
    if cgroup is not None:
        limits.append(cgroup)
    used = _address_space_used()
    for which in (resource.RLIMIT_AS, getattr(resource, "RLIMIT_DATA", None)):
        if which is None:
            continue
        soft, _ = resource.getrlimit(which)
        if soft != resource.RLIM_INFINITY:
            limits.append(soft - (used if which == resource.RLIMIT_AS else 0))
    return max(min(limits), 64 << 20) if limits else 1 << 62


def _cgroup_headroom() -> int | None:
    """Limit minus usage of this process's memory cgroup (v2, else v1); None without a limit."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # cgroup v2
            files = (f"/sys/fs/cgroup{path}/memory.max", f"/sys/fs/cgroup{path}/memory.current")
        elif "memory" in controllers.split(","):
            base = f"/sys/fs/cgroup/memory{path}"
            files = (f"{base}/memory.limit_in_bytes", f"{base}/memory.usage_in_bytes")
        else:
            continue
        try:
            with open(files[0]) as f:
                limit = f.read().strip()
            with open(files[1]) as f:
                usage = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 1 << 60:  # "max" or a huge number: no limit
            return max(int(limit) - usage, 0)
    return None


def _address_space_used() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def check_dense(what: str, shape: tuple[int, ...], itemsize: int = 8, *, copies: float = 1.0,
                where: str | None = None) -> int:
    """Refuse (``ResourceLimitError``, exit 2) when ``copies`` arrays of ``shape`` would not fit in memory.

    ``what`` names the structure (``"distance matrix"``), ``where`` the file or parameter it comes
    from. Returns the estimate in bytes.
    """
    count = 1
    for s in shape:
        count *= max(int(s), 0)
    need = int(count * itemsize * copies)
    avail = available_memory()
    if need > avail:
        dims = f"{int(shape[0]):,}-entry" if len(shape) == 1 else " x ".join(f"{int(s):,}" for s in shape)
        prefix = f"{where}: " if where else ""
        raise ResourceLimitError(
            f"{prefix}would need {format_bytes(need)} for a {dims} {what}, more than the "
            f"{format_bytes(avail)} of memory available"
        )
    return need
