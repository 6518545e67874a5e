"""Writing files people own: whole or not at all.

Every file shotkit writes (export, fmt, a saved plan) goes through `write_atomic`: the new
bytes go to a temporary file in the same directory, are flushed to disk, and replace the old
file with one `os.replace`. A failed write (disk full, a kill, a read-only folder) leaves the
old file exactly as it was and raises a `ShotkitError` that names the file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import ShotkitError


def make_dirs(path: Path, *, display: str | None = None) -> None:
    """Create the directory `path` and its parents; a failure (a read-only folder, a file in
    the way) is one error naming it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ShotkitError(f"{display or path}: cannot create: {err.strerror or err}") from None


def write_atomic(path: Path, data: str | bytes, *, display: str | None = None) -> None:
    """Replace `path` with `data` (text is written as UTF-8, newlines untouched)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    name = display or str(path)
    directory = path.parent
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else None
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as err:
        raise ShotkitError(f"{name}: cannot write: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as err:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise ShotkitError(f"{name}: cannot write: {err.strerror or err}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
