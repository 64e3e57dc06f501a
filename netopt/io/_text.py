"""Reading text files with errors that name the file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..exceptions import InstanceFormatError


def read_text(path) -> tuple[str, str]:
    """Return ``(text, sha256 of the bytes)``; a missing, unreadable or binary file is an InstanceFormatError."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InstanceFormatError(p, None, "no such file") from None
    except IsADirectoryError:
        raise InstanceFormatError(p, None, "is a directory, expected a file") from None
    except OSError as e:
        raise InstanceFormatError(p, None, f"cannot read: {e.strerror}") from None
    if b"\x00" in data:
        raise InstanceFormatError(p, None, "binary data, expected a text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text, hashlib.sha256(data).hexdigest()
