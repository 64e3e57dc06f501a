"""Memory estimates: the container's limit counts (cgroup v1 and v2), as free RAM and rlimits do."""

from __future__ import annotations

import builtins
import io

import pytest

from netopt import _limits


@pytest.mark.parametrize("files,expected", [
    ({"/proc/self/cgroup": "0::/box\n", "/sys/fs/cgroup/box/memory.max": "1073741824\n",
      "/sys/fs/cgroup/box/memory.current": "268435456\n"}, 768 << 20),
    ({"/proc/self/cgroup": "4:memory:/box\n1:cpu:/\n", "/sys/fs/cgroup/memory/box/memory.limit_in_bytes": "2147483648",
      "/sys/fs/cgroup/memory/box/memory.usage_in_bytes": "1073741824"}, 1 << 30),
    ({"/proc/self/cgroup": "0::/box\n", "/sys/fs/cgroup/box/memory.max": "max\n",
      "/sys/fs/cgroup/box/memory.current": "1\n"}, None),
    ({"/proc/self/cgroup": "4:memory:/box\n", "/sys/fs/cgroup/memory/box/memory.limit_in_bytes": "9223372036854771712",
      "/sys/fs/cgroup/memory/box/memory.usage_in_bytes": "1"}, None),
])
def test_cgroup_headroom(monkeypatch, files, expected):
    real_open = builtins.open

    def fake_open(path, *args, **kwargs):
        if str(path) in files:
            return io.StringIO(files[str(path)])
        if str(path).startswith(("/sys/fs/cgroup", "/proc/self/cgroup")):
            raise FileNotFoundError(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    assert _limits._cgroup_headroom() == expected
    if expected is not None:
        assert _limits.available_memory() <= max(expected, 64 << 20)
