"""Writing a file all at once, so a failure never leaves half of it."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def replace_file(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over
    `path`: readers see the old file or the new one, never a part. Creates
    the folder. The file keeps the permissions it had, or gets the usual
    ones for a new file (0666 less the umask), not the temporary file's
    private 0600; or `mode` when given. Raises OSError (callers say what it
    means for them)."""
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path) if mode is None else mode
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, mode)
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:  # a new file
        mask = os.umask(0)  # reading the umask means setting it; put it back at once
        os.umask(mask)
        return 0o666 & ~mask
