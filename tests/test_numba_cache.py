"""Cached kernels of a module are dropped when a module they compile in changed (Numba itself only
watches the module's own file)."""

from netopt._numba_cache import drop_stale


def test_drop_stale_removes_cached_kernels_only_when_a_dependency_changed(tmp_path):
    mod, dep = tmp_path / "_b_kernels.py", tmp_path / "_kernels.py"
    mod.write_text("x = 1\n")
    dep.write_text("y = 1\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    other = cache / "_kernels.f-1.py311.nbi"
    other.write_text("")

    def cached():
        f = cache / "_b_kernels.f-3.py311.nbi"
        f.write_text("")
        (cache / "_b_kernels.f-3.py311.1.nbc").write_text("")
        return f

    f = cached()
    drop_stale(str(mod), str(dep))  # never stamped: dropped
    assert not f.exists() and other.exists()
    f = cached()
    drop_stale(str(mod), str(dep))  # same dependency: kept
    assert f.exists()
    dep.write_text("y = 2\n")
    drop_stale(str(mod), str(dep))  # dependency changed: dropped
    assert not f.exists() and not (cache / "_b_kernels.f-3.py311.1.nbc").exists() and other.exists()
