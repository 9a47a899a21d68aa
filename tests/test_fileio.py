"""Every file quiz writes: whole or not at all, durable, and through a symlink."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.cli import app
from quiz.fileio import WriteError, replace_file, replacing

from .test_cli_stats import study

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX symlinks and fsync")


def test_a_symlink_is_written_through_to_its_target(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "deck.yaml"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "deck.yaml"
    link.symlink_to(target)
    replace_file(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["deck.yaml"]  # no temp left


def test_a_dangling_symlink_gets_its_target_created(tmp_path: Path) -> None:
    link = tmp_path / "report.html"
    link.symlink_to(tmp_path / "made.html")
    replace_file(link, "<p>")
    assert link.is_symlink() and (tmp_path / "made.html").read_text() == "<p>"


def test_quiz_own_files_replace_a_planted_link(tmp_path: Path) -> None:
    """For files in quiz's own folders (the cache) a link must not redirect
    the write to a file of the user's."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "entry"
    link.symlink_to(victim)
    replace_file(link, "cache", follow_symlinks=False)
    assert not link.is_symlink() and link.read_text() == "cache"
    assert victim.read_text() == "precious"


def test_the_file_and_its_folder_are_synced_around_the_rename(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As Git and SQLite do: the data reaches the disk before the rename
    makes it the file, and the rename reaches the disk before quiz says
    'Wrote'. Without this a power cut can leave an empty file."""
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync folder" if _is_dir(fd) else "fsync file")
        real_fsync(fd)

    def replace(src: str, dst: str | Path) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    replace_file(tmp_path / "out.csv", "a,b\n")
    assert events == ["fsync file", "rename", "fsync folder"]


def _is_dir(fd: int) -> bool:
    import stat

    return stat.S_ISDIR(os.fstat(fd).st_mode)


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_an_error_while_writing_leaves_the_old_file_and_no_temp(
        tmp_path: Path, error: BaseException) -> None:
    path = tmp_path / "deck.yaml"
    path.write_text("old")
    with pytest.raises(WriteError if isinstance(error, OSError) else KeyboardInterrupt):
        with replacing(path) as f:
            f.write("half of it")
            raise error
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["deck.yaml"]


def test_a_failed_sync_of_the_data_is_a_write_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "deck.yaml"
    path.write_text("old")

    def fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(WriteError, match="deck.yaml: cannot write"):
        replace_file(path, "new")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["deck.yaml"]


# -- every command that writes a file, through a link --------------------------

def _linked(tmp_path: Path, name: str, content: str | None = None) -> tuple[Path, Path]:
    """A link in the working folder to a file kept elsewhere (a dotfiles repo)."""
    kept = tmp_path / "kept"
    kept.mkdir(exist_ok=True)
    target = kept / name
    if content is not None:
        target.write_text(content)
    link = tmp_path / name
    link.symlink_to(target)
    return link, target


COMMANDS: dict[str, Callable[[Path, Path, Path], list[str]]] = {
    "export -o": lambda link, db, tmp: ["export", "csto-dates", "-o", str(link)],
    "export apkg -o": lambda link, db, tmp: ["export", "csto-dates", "-f", "apkg", "-o",
                                             str(link)],
    "stats --html": lambda link, db, tmp: ["stats", "--db", str(db), "--html", str(link)],
    "history --csv -o": lambda link, db, tmp: ["history", "--db", str(db), "--csv", "-o",
                                               str(link)],
    "new": lambda link, db, tmp: ["new", str(link)],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_writes_through_a_symlink(tmp_path: Path, command: str) -> None:
    db = tmp_path / "h.sqlite3"
    study(db, answers=2)
    name = "out.yaml" if command == "new" else "out.file"
    link, target = _linked(tmp_path, name, None if command == "new" else "old")
    r = CliRunner().invoke(app, COMMANDS[command](link, db, tmp_path))
    assert r.exit_code == 0, r.output
    assert link.is_symlink(), "the link was replaced by a plain file"
    assert target.exists() and target.read_bytes() not in (b"", b"old")


def test_add_writes_through_a_symlink(keys: Callable[..., None], tmp_path: Path) -> None:
    from .conftest import ROOT

    link, target = _linked(tmp_path, "figures.yaml",
                           (ROOT / "decks" / "csto-figures.yaml").read_text())
    keys("\r", "Who chaired the meeting?", "\r", "Tokayev", "\r" * 7)
    r = CliRunner().invoke(app, ["add", str(link)])
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and "Who chaired the meeting?" in target.read_text()


def test_output_to_a_pipe_goes_into_the_pipe(tmp_path: Path) -> None:
    """-o into a FIFO (or >(gzip ...)) used to rename a plain file over it:
    the reader got nothing and the FIFO was gone."""
    import stat
    import threading

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = CliRunner().invoke(app, ["export", "csto-dates", "-o", str(fifo)])
    reader.join(timeout=20)
    assert r.exit_code == 0, r.output
    assert not reader.is_alive() and got and got[0].startswith(b"#deck,csto-dates\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_output_to_a_device_is_written_to_not_replaced(tmp_path: Path) -> None:
    """As root, `-o /dev/null` renamed a plain file over /dev/null (seen with
    /dev/full). Here a null device of the test's own, in its folder."""
    import stat

    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    study(tmp_path / "h.sqlite3", answers=2)
    r = CliRunner().invoke(app, ["history", "--db", str(tmp_path / "h.sqlite3"), "--csv",
                                 "-o", str(null)])
    assert r.exit_code == 0, r.output
    assert stat.S_ISCHR(os.lstat(null).st_mode)


def test_output_to_a_socket_is_refused(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        r = CliRunner().invoke(app, ["export", "csto-dates", "-o", str(path)])
    assert r.exit_code == 1 and r.stderr == f"quiz: {path}: cannot write (not a regular file)\n"
