"""Writing outputs (``--out``, ``--result``): what is at the path decides how it is written.

* a regular file, or nothing yet: written to a temporary file in the same folder and renamed
  over it, so a failure leaves the old file (or nothing) behind;
* a symbolic link: its target is replaced that way, and the link is kept;
* anything else (a device such as ``/dev/full`` or ``/dev/stdout``, a FIFO): written straight
  into it, never replaced;
* ``-`` (or ``/dev/stdout``, ``/dev/stderr``): the process's own stream, never re-opened.

Problems found before any work (missing folder, a parent that is a file, no permission, an
unknown suffix) are :class:`OutputPathError` (exit 2); a failure while writing (disk full, I/O
error) is :class:`OutputWriteError` (exit 1), one line either way.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Iterable

from ..exceptions import OutputPathError, OutputWriteError

STDOUT = "-"
#: names of the standard streams: written to the open stream (a re-open would truncate a redirected file)
_STREAMS = {"-": 1, "/dev/stdout": 1, "/dev/fd/1": 1, "/proc/self/fd/1": 1,
            "/dev/stderr": 2, "/dev/fd/2": 2, "/proc/self/fd/2": 2}


def _special(path) -> bool:
    """A stream name, or an existing path that is neither a regular file nor a folder (device, FIFO)."""
    if str(path) in _STREAMS:
        return True
    t = _target(path)
    return t.exists() and not t.is_dir() and not t.is_file()


def _target(path) -> Path:
    """The path a write really goes to: a symlink's (final) target, else the path itself."""
    p = Path(path)
    return Path(os.path.realpath(p)) if p.is_symlink() else p


def check_writable(path, suffixes: Iterable[str] | None = None, *, stream: bool = True) -> None:
    """Fail early (before a long solve) when ``path`` cannot be written or has an unknown suffix.

    ``suffixes``: the accepted suffixes (e.g. ``(".json", ".sol", ".png")``); ``None`` accepts any.
    ``stream``: whether ``-`` / ``/dev/stdout`` may stand for the output (not for files written by
    another library, such as a torch checkpoint or a Matplotlib PNG).
    """
    if str(path) in _STREAMS:
        if not stream:
            raise OutputPathError(f"{path}: this output must be a file ({', '.join(suffixes or ())})")
        return
    p = Path(path)
    t = _target(p)
    if suffixes is not None and not _special(p):  # a device or FIFO: any name goes
        valid = tuple(suffixes)
        if p.suffix.lower() not in valid:
            raise OutputPathError(f"{path}: unknown output suffix {p.suffix or '(none)'!r}; valid: {', '.join(valid)} "
                                  "(or - for standard output)")
    if t.is_dir():
        raise OutputPathError(f"{path}: is a directory")
    parent = t.parent if str(t.parent) else Path(".")
    for anc in [parent, *parent.parents]:
        if anc.exists():
            if not anc.is_dir():
                raise OutputPathError(f"{path}: {anc} is a file, not a folder")
            break
    if not parent.is_dir():
        raise OutputPathError(f"{path}: folder {parent} does not exist")
    if t.exists():
        if not os.access(t, os.W_OK):
            raise OutputPathError(f"{path}: not writable")
        if stat.S_ISREG(t.stat().st_mode) and not os.access(parent, os.W_OK | os.X_OK):
            raise OutputPathError(f"{path}: folder {parent} is not writable (needed to replace the file atomically)")
    elif not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"{path}: folder {parent} is not writable")


def write_atomic(path, text: str | bytes) -> None:
    """Write ``text`` (str or bytes) to ``path`` as described in the module docstring."""
    data = text.encode() if isinstance(text, str) else text
    if str(path) in _STREAMS:
        _write_stream(path, data, _STREAMS[str(path)])
        return
    t = _target(path)
    try:
        mode = t.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        raise OutputWriteError(f"{path}: cannot write: {e.strerror}") from None
    if mode is not None and not stat.S_ISREG(mode):
        if stat.S_ISDIR(mode):
            raise OutputPathError(f"{path}: is a directory")
        try:  # a device or FIFO: write into it, never replace it
            with open(t, "wb") as f:
                f.write(data)
        except OSError as e:
            raise OutputWriteError(f"{path}: cannot write: {e.strerror}") from None
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=t.parent if str(t.parent) else ".", prefix=f".{t.name}.", suffix=".tmp")
    except OSError as e:
        raise OutputWriteError(f"{path}: cannot write: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, (mode & 0o7777) if mode is not None else 0o666 & ~umask)  # mkstemp makes 0600
        os.replace(tmp, t)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise OutputWriteError(f"{path}: cannot write: {e.strerror}") from None


def _write_stream(path, data: bytes, fd: int = 1) -> None:
    stream = sys.stdout if fd == 1 else sys.stderr
    try:
        stream.flush()
        buf = getattr(stream, "buffer", None)
        if buf is not None:
            buf.write(data)
            buf.flush()
        else:  # a text-only stream (tests)
            stream.write(data.decode())
            stream.flush()
    except BrokenPipeError:
        raise
    except OSError as e:
        raise OutputWriteError(f"{path}: cannot write: {e.strerror}") from None
