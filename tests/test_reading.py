"""read_capped: at most one byte past the cap, and only from regular files
(and pipes, where the caller reads them)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from quiz.reading import ReadError, read_capped


def test_a_file_at_the_cap_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    at = tmp_path / "at.yaml"
    at.write_bytes(b"x" * 1000)
    assert read_capped(at, 1000, "decks") == b"x" * 1000
    over = tmp_path / "over.yaml"
    over.write_bytes(b"x" * 1001)
    with pytest.raises(ReadError) as info:
        read_capped(over, 1000, "decks")
    assert str(info.value) == f"{over}: file is over 1,000 bytes; decks are limited to 1,000 bytes"
    assert info.value.reason == "file is over 1,000 bytes; decks are limited to 1,000 bytes"


def test_devices_folders_and_missing_files_are_refused_by_name(tmp_path: Path) -> None:
    cases = {Path("/dev/zero"): "is a character device, not a regular file",
             Path("/dev/null"): "is a character device, not a regular file",
             tmp_path: "is a folder, not a file",
             tmp_path / "missing.csv": "no such file"}
    for path, reason in cases.items():
        with pytest.raises(ReadError) as info:
            read_capped(path, 1000, pipes=True)  # pipes or not: never a device
        assert str(info.value) == f"{path}: {reason}"


@pytest.fixture
def endless_pipe(tmp_path: Path) -> Iterator[tuple[Path, list[int]]]:
    """A named pipe a thread writes to until its reader goes away; the list
    holds how many bytes it got in."""
    pipe = tmp_path / "endless"
    os.mkfifo(pipe)
    written = [0]

    def feed() -> None:
        try:
            with pipe.open("wb", buffering=0) as f:
                while True:
                    written[0] += f.write(b"y" * 4096)
        except (BrokenPipeError, OSError):
            pass  # the reader stopped, as it should

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    yield pipe, written
    if writer.is_alive():  # the read under test never opened it: let the writer go
        with pipe.open("rb"):
            pass
    writer.join(timeout=10)


def test_a_pipe_that_never_ends_is_read_only_to_the_cap(
        endless_pipe: tuple[Path, list[int]]) -> None:
    pipe, written = endless_pipe
    with pytest.raises(ReadError) as info:
        read_capped(pipe, 10_000, "tables", pipes=True)
    assert str(info.value) == (f"{pipe}: file is over 10,000 bytes; tables are limited to "
                               "10,000 bytes")
    # reading stopped at the cap: the writer got no further than that and what
    # the pipe's buffer holds (64 KiB on Linux), not on and on
    assert written[0] < 10_000 + 1024 * 1024


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """Opening a named pipe to read waits for a writer: a deck or an article
    that is a pipe is refused before it is opened, so quiz never hangs."""
    pipe = tmp_path / "deck.yaml"
    os.mkfifo(pipe)
    said: list[str] = []

    def read() -> None:
        try:
            read_capped(pipe, 1000, "decks")
        except ReadError as e:
            said.append(str(e))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    hung = reader.is_alive()
    if hung:  # free the thread before failing
        with pipe.open("wb"):
            pass
    assert not hung, "read_capped waited on a pipe"
    assert said == [f"{pipe}: is a pipe, not a regular file"]


def test_a_pipe_is_read_where_pipes_are_asked_for(tmp_path: Path) -> None:
    pipe = tmp_path / "63"
    os.mkfifo(pipe)

    def feed() -> None:
        with pipe.open("wb") as f:
            f.write(b"front,back\nQ?,A\n")

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    assert read_capped(pipe, 1000, pipes=True) == b"front,back\nQ?,A\n"
    writer.join(timeout=10)

