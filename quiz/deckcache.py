"""A cache of parsed decks, keyed by the file's bytes, for big decks.

Parsing YAML is the cost of loading a deck (about 0.1 ms per card with
libyaml); a deck of 50,000 cards takes seconds to parse and a fraction of a
second to unpickle. The cache lives in the user's cache folder:

- the key is a hash of the file's content and of the code that reads it, so
  an edited deck or a new quiz never sees a stale entry;
- only decks that validated clean are stored, so `quiz validate` reports the
  same problems with or without it;
- it is an accelerator only: a missing, unreadable, corrupt or unwritable
  cache means the deck is parsed as if there were none;
- small decks (under `MIN_BYTES`) parse faster than a cache lookup and are
  not cached.

The entries are pickles, and unpickling runs code, so an entry is read only
when it is this user's own file and nobody else can write it (0600, as
written here): QUIZ_HOME may point at a shared folder, where another user
could otherwise plant one.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from quiz import __version__, paths
from quiz.models import Card, Deck

MIN_BYTES = 64 * 1024  # checked first: small decks never import pickle
MAX_ENTRIES = 32
FORMAT = 2
_CARD_FIELDS = tuple(f.name for f in dataclasses.fields(Card))
_CODE = ("models.py", "loader.py", "yamltree.py", "deckcache.py")


def _code_stamp() -> bytes:
    """What identifies the reading code: version and the modules' stat data
    (a development checkout changes these without a version bump)."""
    parts = [f"{FORMAT}:{__version__}"]
    for name in _CODE:
        try:
            st = (paths.PACKAGE_DIR / name).stat()
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(name)
    return "|".join(parts).encode()


def key(data: bytes) -> str:
    import hashlib

    h = hashlib.blake2b(_code_stamp(), digest_size=20)
    h.update(data)
    return h.hexdigest()


def get(data: bytes, digest: str) -> Deck | None:
    """The cached deck read from `data`, whose `key` is `digest`, or None."""
    if len(data) < MIN_BYTES:
        return None
    import pickle

    path = paths.cache_dir() / "decks" / f"{digest}.pickle"
    try:
        with path.open("rb") as f:
            if not _private(os.fstat(f.fileno())):
                return None
            deck = _thaw(pickle.load(f))
    except Exception:  # noqa: BLE001 - any damage to an entry means: parse again
        return None
    try:
        os.utime(path)  # recently used entries are kept by _trim
    except OSError:
        pass
    return deck


def _private(st: os.stat_result) -> bool:
    """This user's file, writable by nobody else (always true where there
    are no POSIX owners)."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or (st.st_uid == getuid() and not st.st_mode & 0o022)


# Cards are stored as tuples of their fields and rebuilt with Card(*fields):
# unpickling 100,000 frozen dataclasses one attribute at a time takes 1.2 s,
# this takes 0.5 s.

def _freeze(deck: Deck) -> tuple[Any, ...]:
    cards = [tuple(getattr(c, name) for name in _CARD_FIELDS) for c in deck.cards]
    return (_CARD_FIELDS, deck.id, deck.title, cards, dict(deck.sources), deck.description,
            deck.year)


def _thaw(frozen: tuple[Any, ...]) -> Deck:
    fields, deck_id, title, cards, sources, description, year = frozen
    if fields != _CARD_FIELDS:
        raise ValueError("cached cards have other fields")
    return Deck(deck_id, title, tuple(Card(*c) for c in cards), sources, description, year)


def put(data: bytes, digest: str, deck: Deck) -> None:
    if len(data) < MIN_BYTES:
        return
    import pickle

    from quiz.fileio import WriteError, replace_file

    folder = paths.cache_dir() / "decks"
    try:
        replace_file(folder / f"{digest}.pickle",
                     pickle.dumps(_freeze(deck), protocol=pickle.HIGHEST_PROTOCOL), mode=0o600)
        _trim(folder)
    except (OSError, WriteError):
        return  # read-only or full: the cache is only an accelerator


def _trim(folder: Path) -> None:
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-MAX_ENTRIES]:
        old.unlink(missing_ok=True)
