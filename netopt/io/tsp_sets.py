"""Random-uniform TSP test sets (Fu et al. AAAI'21, reused by DIMES/DIFUSCO/SoftDist): one instance a line.

A line reads ``x1 y1 x2 y2 ... output t1 t2 ... t1``: the coordinates (unit square, unrounded
Euclidean distances) and, after ``output``, a 1-based reference tour (ignored here: it is often
not optimal, and a placeholder in the 10,000-city file). Files are ``.txt`` or a ``.zip`` holding
one ``.txt``. ``path#i`` names instance ``i`` (0-based) of a file; no suffix means instance 0.

The instance has city 1 as node 0 (the "depot" of the one vehicle), file ids ``1..n``, the
coordinates, and the dense distance matrix every netopt solver and the validator read
(``n = 10,000``: 800 MB, about 5 s to build).

Examples
--------
>>> parse_tsp_line("0 0 3 4 0 4 output 1 2 3 1")
array([[0., 0.],
       [3., 4.],
       [0., 4.]])
>>> split_index("tsp500_test_concorde.txt#3")
('tsp500_test_concorde.txt', 3)
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

from .._limits import available_memory, check_dense, format_bytes
from ..exceptions import InstanceFormatError
from ..model import RoutingInstance
from ..model.distances import keeps_points
from ._text import read_bytes


def split_index(path) -> tuple[str, int | None]:
    """``"file.txt#3"`` -> ``("file.txt", 3)``; no ``#`` (or an existing file of that name) -> ``(path, None)``.

    A ``#`` suffix that is not a non-negative integer is an :class:`InstanceFormatError`.
    """
    s = str(path)
    if "#" not in s or Path(s).exists():
        return s, None
    base, _, idx = s.rpartition("#")
    if not idx.isdigit():
        raise InstanceFormatError(base, None, f"instance index {idx!r} after '#' is not a non-negative integer")
    return base, int(idx)


def looks_like_tsp_set(path, text: str | None = None) -> bool:
    """True for a ``.zip`` or for text whose first line has the ``output`` separator of these sets."""
    if str(path).lower().endswith(".zip"):
        return True
    if text is None:
        return False
    body = text.lstrip()
    end = body.find("\n")
    first = body if end < 0 else body[:end]  # the whole first line: 10,000 cities make a 400 kB line
    return " output " in f" {first} "


def parse_tsp_line(line: str, source: object = "<line>", lineno: int | None = None) -> np.ndarray:
    """Coordinates ``(n, 2)`` of one line ``x1 y1 ... [output t1 ...]``; errors name the file and line."""
    head = line.split("output", 1)[0].split()
    if len(head) < 4:
        raise InstanceFormatError(source, "coordinates", f"need at least 2 cities (4 numbers), got {len(head)}", lineno)
    if len(head) % 2:
        raise InstanceFormatError(source, "coordinates", f"odd number of coordinates ({len(head)})", lineno)
    try:
        xy = np.array(head, dtype=np.float64).reshape(-1, 2)
    except ValueError:
        bad = next(t for t in head if not _is_float(t))
        raise InstanceFormatError(source, "coordinates", f"not a number: {bad[:20]!r}", lineno) from None
    if not np.all(np.isfinite(xy)):
        raise InstanceFormatError(source, "coordinates", "non-finite coordinate", lineno)
    return xy


def _is_float(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


def _lines(path) -> list[str]:
    p = Path(path)
    try:
        if p.suffix.lower() == ".zip":
            with zipfile.ZipFile(p) as z:
                names = [m for m in z.namelist() if not m.endswith("/")]
                if len(names) != 1:
                    raise InstanceFormatError(p, None, f"expected one text file in the zip, found {len(names)}")
                size = z.getinfo(names[0]).file_size
                if size * 3 > available_memory():  # a zip bomb
                    raise InstanceFormatError(p, None, f"{names[0]} unpacks to {format_bytes(size)}, too large for "
                                                       f"the {format_bytes(available_memory())} of memory available")
                data = z.read(names[0])
        else:
            data = read_bytes(p)
    except FileNotFoundError:
        raise InstanceFormatError(p, None, "no such file") from None
    except zipfile.BadZipFile:
        raise InstanceFormatError(p, None, "not a valid zip file") from None
    except OSError as e:
        raise InstanceFormatError(p, None, f"cannot read: {e.strerror}") from None
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace").read()
    return [ln for ln in text.splitlines() if ln.strip()]


def tsp_set_coordinates(path) -> list[np.ndarray]:
    """Coordinates of every instance of a set file (no distance matrices; for benchmarks and heatmaps)."""
    return [parse_tsp_line(ln, path, i + 1) for i, ln in enumerate(_lines(path))]


def count_tsp_set(path) -> int:
    """Number of instances (non-blank lines) in a set file."""
    return len(_lines(path))


def read_tsp_set(path, index: int = 0, dense: bool | None = None) -> RoutingInstance:
    """Instance ``index`` (0-based) of a random-uniform TSP set file as a ``tsp`` :class:`RoutingInstance`.

    Parameters
    ----------
    path
        ``tsp{N}_test_concorde.txt`` or ``.zip``.
    index
        Which line; out of range is an :class:`InstanceFormatError` giving the valid range.
    dense
        Build the dense distance matrix (True) or keep the points (False); ``None``: dense up to
        :data:`~netopt.model.distances.DENSE_NODES` cities.
    """
    xy, name, sha = tsp_set_instance(path, index)
    if not keeps_points(len(xy), dense):
        check_dense("distance matrix", (len(xy), len(xy)), copies=2, where=f"{path}#{index}")
    return RoutingInstance.euclidean_tsp(xy, name=name, source=f"{path}#{index}", sha256=sha, dense=dense)


def tsp_set_instance(path, index: int = 0) -> tuple[np.ndarray, str, str]:
    """``(coordinates, name, sha256)`` of instance ``index`` of a set file, without a distance matrix
    (the name and digest :func:`read_tsp_set` gives the instance: ``tsp500#3``, the line's sha256)."""
    lines = _lines(path)
    if not lines:
        raise InstanceFormatError(path, None, "no instances (empty file)")
    if not 0 <= index < len(lines):
        raise InstanceFormatError(path, None, f"instance index {index} out of range: the file has {len(lines)} "
                                              f"instances (0..{len(lines) - 1})")
    line = lines[index]
    xy = parse_tsp_line(line, path, index + 1)
    return xy, f"{Path(path).name.split('.')[0]}#{index}", hashlib.sha256(line.encode()).hexdigest()
