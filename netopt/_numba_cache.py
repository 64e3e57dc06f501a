"""Numba's on-disk cache of a module is keyed on that module's own source file only. A kernel that
calls (and so compiles in) kernels of another module keeps its cached machine code when only that
other module changes: stale code, wrong results or a crash. :func:`drop_stale` removes a module's
cached kernels when the sources it depends on changed since they were cached; each kernel module
that imports kernels from another calls it at import, before any kernel is loaded.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def drop_stale(module_file: str, *dependencies: str) -> None:
    """Delete the cached kernels of ``module_file`` (``__pycache__/<stem>.*.nbi|nbc``) unless the
    sources of ``dependencies`` (module files) are those they were compiled against; a cache that
    cannot be written is left to Numba."""
    here = Path(module_file)
    cache = here.parent / "__pycache__"
    digest = hashlib.sha256()
    for dep in dependencies:
        digest.update(Path(dep).read_bytes())
    stamp = digest.hexdigest()
    marker = cache / f"{here.stem}.deps"
    try:
        if marker.read_text() == stamp:
            return
    except OSError:
        pass
    try:
        for f in list(cache.glob(f"{here.stem}.*.nbi")) + list(cache.glob(f"{here.stem}.*.nbc")):
            f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        marker.write_text(stamp)
    except OSError:
        pass
