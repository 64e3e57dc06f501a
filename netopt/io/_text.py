"""Reading text files with errors that name the file; ``-`` and ``/dev/stdin`` read standard input once."""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path

from .._limits import available_memory, format_bytes
from ..exceptions import InstanceFormatError

#: the paths that mean standard input
STDIN_PATHS = ("-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0")
#: the most netopt reads from standard input (bytes)
STDIN_CAP = 1 << 30
_stdin_cache: bytes | None = None


def is_stdin(path) -> bool:
    return str(path) in STDIN_PATHS


def read_bytes(path) -> bytes:
    """The bytes of ``path``; standard input is read once (at most :data:`STDIN_CAP`) and remembered,
    so a reader that looks at the content and then parses it sees the same data twice."""
    global _stdin_cache
    p = Path(path)
    if is_stdin(path):
        if _stdin_cache is None:
            stream = getattr(sys.stdin, "buffer", None)
            if stream is None:
                raise InstanceFormatError("<stdin>", None, "standard input is not available")
            data = stream.read(STDIN_CAP + 1)
            if len(data) > STDIN_CAP:
                raise InstanceFormatError("<stdin>", None, f"more than {format_bytes(STDIN_CAP)} on standard input")
            _stdin_cache = data
        return _stdin_cache
    try:
        with open(p, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISREG(st.st_mode):
                # the bytes, the decoded text and the parsed tokens
                if st.st_size * 3 > available_memory():
                    raise InstanceFormatError(p, None, f"the file is {format_bytes(st.st_size)}, too large for "
                                                       f"the {format_bytes(available_memory())} of memory available")
                return f.read()
            data = f.read(STDIN_CAP + 1)  # a FIFO or a device (/dev/zero): read at most the cap
            if len(data) > STDIN_CAP:
                raise InstanceFormatError(p, None, f"more than {format_bytes(STDIN_CAP)} of data, not a regular file")
            return data
    except FileNotFoundError:
        raise InstanceFormatError(p, None, "no such file") from None
    except IsADirectoryError:
        raise InstanceFormatError(p, None, "is a directory, expected a file") from None
    except NotADirectoryError:
        raise InstanceFormatError(p, None, "no such file (a parent in the path is a file)") from None
    except OSError as e:
        raise InstanceFormatError(p, None, f"cannot read: {e.strerror}") from None


def read_text(path) -> tuple[str, str]:
    """Return ``(text, sha256 of the bytes)``; a missing, unreadable or binary file is an InstanceFormatError."""
    p = Path(path)
    data = read_bytes(path)
    if b"\x00" in data:
        raise InstanceFormatError(p, None, "binary data, expected a text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text, hashlib.sha256(data).hexdigest()
