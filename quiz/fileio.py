"""Writing a file all at once, so a failure never leaves half of it."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from quiz.errors import QuizError


class WriteError(QuizError):
    """A file quiz was asked to write could not be written; the old one, if
    any, is untouched. One message for every such file."""

    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__(f"{path}: cannot write ({error.strerror or error})")
        self.errno = error.errno


def replace_file(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over
    `path`: readers see the old file or the new one, never a part. Creates
    the folder. The file keeps the permissions it had, or gets the usual
    ones for a new file (0666 less the umask), not the temporary file's
    private 0600; or `mode` when given. Raises WriteError."""
    with replacing(path, mode, binary=isinstance(data, bytes)) as f:
        f.write(data)


@contextmanager
def replacing(path: Path, mode: int | None = None, binary: bool = False) -> Iterator[IO[Any]]:
    """replace_file for what is written bit by bit: yields the temporary file
    (text is UTF-8, with line ends as written), renamed over `path` when the
    block ends without an error and removed when it does not. An OSError,
    in here or in the block (a full disk), becomes a WriteError."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:  # a file where the folder should be
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)) from None
        mode = _mode_for(path) if mode is None else mode
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise WriteError(path, e) from None
    try:
        # written through the descriptor mkstemp opened, never reopened by name
        with (os.fdopen(fd, "wb") if binary else
              os.fdopen(fd, "w", encoding="utf-8", newline="\n")) as f:
            os.chmod(tmp, mode)
            yield f
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise WriteError(path, e) from None
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:  # a new file
        mask = os.umask(0)  # reading the umask means setting it; put it back at once
        os.umask(mask)
        return 0o666 & ~mask
