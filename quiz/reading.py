"""Reading a file quiz was given, never more of it than a limit.

A deck, a table to import or an article is read whole, so its size is
capped: `read_capped` reads at most one byte past the cap, so a file that
never ends (/dev/zero, a pipe fed forever) costs no more memory than one at
the limit. Anything but a regular file (a device, a socket, a folder, and a
pipe unless the caller reads pipes) is refused before it is read, and the
check is made on the opened file itself, so a file swapped after it was
looked at cannot slip past.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from quiz.errors import QuizError

MIB = 1024 * 1024
_CHUNK = 1024 * 1024


class ReadError(QuizError):
    """A file quiz was asked to read could not be read, or was not one to
    read: `reason` says why, the message is 'FILE: reason'."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def _kind(mode: int) -> str | None:
    """What a file that is not a regular one is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISFIFO(mode):
        return "pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _size(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB and n % MIB == 0 else f"{n:,} bytes"


def _check(path: Path, mode: int, pipes: bool) -> None:
    kind = _kind(mode)
    if kind is None or (pipes and kind == "pipe"):
        return
    if kind == "folder":
        raise ReadError(path, "is a folder, not a file")
    raise ReadError(path, f"is a {kind}, not a regular file")


def read_capped(path: Path, cap: int, what: str = "files", *, pipes: bool = False) -> bytes:
    """The bytes of the regular file at `path`, refused (ReadError) when it
    holds more than `cap` bytes: '... limited to CAP' names `what` (decks,
    tables). With `pipes`, a pipe (as `<(command)` gives) is read too, up to
    the same cap; a named pipe waits for its writer, as asked."""
    try:
        # stat first, so a device is refused without opening it (opening
        # some has effects) and a named pipe is known before open waits on it
        before = os.stat(path)
        _check(path, before.st_mode, pipes)
        # non-blocking, so a file swapped for a pipe or device since the stat
        # cannot make open wait; a pipe the caller reads is opened blocking,
        # so that it waits for its writer rather than reading nothing
        flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
        if not stat.S_ISFIFO(before.st_mode):
            flags |= getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ReadError(path, "no such file") from None
    except OSError as e:
        if e.errno == errno.ENXIO:  # a socket, or a device with nothing behind it
            raise ReadError(path, "is not a regular file") from None
        raise ReadError(path, f"cannot read the file: {e.strerror or e}") from None
    try:
        opened = os.fstat(fd)
        _check(path, opened.st_mode, pipes)
        too_big = f"file is over {_size(cap)}; {what} are limited to {_size(cap)}"
        if stat.S_ISREG(opened.st_mode) and opened.st_size > cap:
            raise ReadError(path, too_big)
        chunks: list[bytes] = []
        got = 0
        while got <= cap:
            try:
                chunk = os.read(fd, min(_CHUNK, cap + 1 - got))
            except BlockingIOError:  # not on a regular file or a blocking pipe; be safe
                raise ReadError(path, "is not a regular file") from None
            except OSError as e:
                raise ReadError(path, f"cannot read the file: {e.strerror or e}") from None
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > cap:  # a file that grew, or a pipe that gave too much
            raise ReadError(path, too_big)
        return b"".join(chunks)
    finally:
        os.close(fd)
