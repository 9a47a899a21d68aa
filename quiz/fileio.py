"""Writing a file all at once, so a failure never leaves half of it.

As Git and SQLite do: the new content goes to a temporary file beside the
target, is flushed to the disk (fsync), renamed over the target, and the
folder is flushed too, so after a power cut the file is the old one or the
new one, never empty. A symlink is written through to its target, as
editors do, so a deck kept in a dotfiles repository stays linked; a pipe or
a device (`-o /dev/stdout`, `-o >(gzip > f.gz)`) is written into.
"""

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


class FileChanged(QuizError):
    """The file changed on disk since quiz read it (an editor saved it, it
    was renamed); quiz wrote nothing over it."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: changed on disk while quiz was working on it; "
                         "nothing was written over it")


def replace_file(path: Path, data: str | bytes, mode: int | None = None,
                 follow_symlinks: bool = True, expect: bytes | None = None) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over
    `path`: readers see the old file or the new one, never a part. Creates
    the folder. The file keeps the permissions it had, or gets the usual
    ones for a new file (0666 less the umask), not the temporary file's
    private 0600; or `mode` when given. A symlink at `path` is written
    through to its target unless `follow_symlinks` is false (then the link
    itself is replaced: for files in quiz's own folders, where a planted
    link must not redirect a write). With `expect`, the file is replaced only
    if it still holds those bytes (read just before the rename), else
    FileChanged is raised and the file left as it is. Raises WriteError."""
    with replacing(path, mode, binary=isinstance(data, bytes),
                   follow_symlinks=follow_symlinks, expect=expect) as f:
        f.write(data)


@contextmanager
def replacing(path: Path, mode: int | None = None, binary: bool = False,
              follow_symlinks: bool = True, expect: bytes | None = None) -> Iterator[IO[Any]]:
    """replace_file for what is written bit by bit: yields the temporary file
    (text is UTF-8, with line ends as written), renamed over `path` when the
    block ends without an error and removed when it does not. An OSError,
    in here or in the block (a full disk), becomes a WriteError."""
    shown = path  # errors name the path the user gave, not the link's target
    if follow_symlinks:
        stream = _stream(path)
        if stream is not None:  # a pipe or a device (-o /dev/stdout): written to, in place
            try:
                with (open(stream, "wb") if binary else
                      open(stream, "w", encoding="utf-8", newline="\n")) as f:
                    yield f
            except OSError as e:
                raise WriteError(shown, e) from None
            return
        if path.is_symlink():
            path = Path(os.path.realpath(path))
    folder = path.parent if str(path.parent) else Path(".")
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:  # a file where the folder should be
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)) from None
        mode = _mode_for(path) if mode is None else mode
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise WriteError(shown, e) from None
    try:
        # written through the descriptor mkstemp opened, never reopened by name
        with (os.fdopen(fd, "wb") if binary else
              os.fdopen(fd, "w", encoding="utf-8", newline="\n")) as f:
            os.chmod(tmp, mode)
            yield f
            f.flush()
            os.fsync(f.fileno())
        if expect is not None and _content(path) != expect:
            raise FileChanged(shown)
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise WriteError(shown, e) from None
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (the rename) to the disk. The new file is in
    place by now, so a folder that cannot be opened or synced (Windows, some
    network file systems) is left as it is, as SQLite does."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _stream(path: Path) -> Path | None:
    """`path` when it is (or links to) a FIFO or a character device, which a
    write must go into, not replace: renaming a file over /dev/null or over
    a pipe someone reads would put a plain file there. Another kind of file
    that is not a regular file (a socket, a block device) is refused."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
        return path
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        raise WriteError(path, OSError(errno.EINVAL, "not a regular file"))
    return None


def _content(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:  # a new file
        mask = os.umask(0)  # reading the umask means setting it; put it back at once
        os.umask(mask)
        return 0o666 & ~mask
