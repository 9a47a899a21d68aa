"""The media files an Anki package's notes name, kept beside the decks.

Only files a note names (`<img src=...>`, `[sound:...]`) are taken, each
from the zip member the package's media list gives it (a number), never by
a name of the zip's. Each is written under a safe name: the last part of
Anki's name, with no path separator, no leading dot, no control character,
and never a deck file's suffix (quiz reads every .yaml under the deck
folder). A file is never overwritten: one already there with the same bytes
is the same file (a second import), one with other bytes gets a name of its
own (`flag-2.png`).
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from quiz.authoring.apkg import MAX_MEDIA_BYTES, MIB, Package, PackageError

MAX_MEDIA_TOTAL = 2048 * MIB  # all the media of one import
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069/\\:*?\"<>|]")


def safe_name(name: str) -> str:
    """A media file's name that is safe to write in a folder of quiz's."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip().lstrip(".").strip() or "media"
    if base.lower().endswith((".yaml", ".yml")):
        base += ".txt"
    stem, dot, suffix = base.rpartition(".")
    if not dot or len(suffix) > 16:
        stem, suffix = base, ""
    stem = stem[:120].rstrip() or "media"
    return f"{stem}.{suffix}" if suffix else stem


def _variant(name: str, n: int) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}-{n}.{suffix}" if dot and stem else f"{name}-{n}"


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(MIB):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Staged:
    """Media unpacked to a temporary folder, each with the name it will have."""

    folder: Path
    shown: dict[str, str] = field(default_factory=dict)  # Anki's name -> the kept file's name
    files: list[tuple[Path, str]] = field(default_factory=list)  # unpacked, final name
    present: int = 0  # files already in the folder with the same bytes
    missing: list[str] = field(default_factory=list)  # named by a note, not in the package
    too_big: list[str] = field(default_factory=list)

    def name(self, anki_name: str) -> str:
        return self.shown.get(anki_name, safe_name(anki_name))

    @property
    def kept(self) -> int:
        return len(self.files) + self.present


def stage(package: Package, media: dict[str, str], names: Iterable[str], folder: Path,
          tmp: Path) -> Staged:
    """Unpack the files named (`names`, Anki's names) into `tmp`, and choose
    each one's name in `folder`, where nothing is written yet."""
    staged = Staged(folder)
    taken: set[str] = set()
    total = 0
    for i, anki_name in enumerate(sorted(set(names))):
        member = media.get(anki_name)
        if member is None or package.media_size(member) is None:
            staged.missing.append(anki_name)
            continue
        unpacked = tmp / f"media-{i}"
        try:
            with unpacked.open("wb") as out:
                package.unpack(member, out, min(MAX_MEDIA_BYTES, MAX_MEDIA_TOTAL - total),
                                f"the media file {safe_name(anki_name)}")
        except PackageError as e:
            if "unpacks to over" not in str(e):
                raise
            unpacked.unlink()
            staged.too_big.append(anki_name)
            continue
        total += unpacked.stat().st_size
        base = safe_name(anki_name)
        candidate, n = base, 2
        digest = None
        while True:
            there = folder / candidate
            if candidate.casefold() not in taken:
                if not there.exists():
                    staged.files.append((unpacked, candidate))
                    break
                digest = digest or _digest(unpacked)
                if there.is_file() and not there.is_symlink() and _digest(there) == digest:
                    staged.present += 1
                    break
            candidate, n = _variant(base, n), n + 1
        taken.add(candidate.casefold())
        staged.shown[anki_name] = candidate
    return staged


def keep(staged: Staged) -> None:
    """Move the staged files into their folder, creating it; a file that
    appeared there meanwhile is left as it is (exclusive create), and that
    or a disk error stops the import with one line naming the file."""
    from quiz.errors import UsageError

    if not staged.files:
        return
    try:
        staged.folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"{staged.folder}: cannot create the media folder "
                         f"({e.strerror or e}); nothing was written") from None
    for unpacked, name in staged.files:
        target = staged.folder / name
        try:
            with unpacked.open("rb") as src, target.open("xb") as dst:
                shutil.copyfileobj(src, dst, MIB)
        except FileExistsError:
            raise UsageError(f"{target}: a file appeared there during the import and was "
                             "left as it is; import again to keep the media under other "
                             "names") from None
        except OSError as e:
            target.unlink(missing_ok=True)
            raise UsageError(f"{target}: could not write the media file ({e.strerror or e}); "
                             "is the disk full?") from None
