"""A cache of parsed decks, keyed by the file's bytes, for big decks.

Parsing YAML is the cost of loading a deck (about 0.1 ms per card with
libyaml); a deck of 50,000 cards takes seconds to parse and a fraction of a
second to read back from here. The cache lives in the user's cache folder:

- the key is a hash of the file's content and of the code that reads it, so
  an edited deck or a new quiz never sees a stale entry;
- only decks that validated clean are stored, so `quiz validate` reports the
  same problems with or without it;
- it is an accelerator only: a missing, unreadable, corrupt or unwritable
  cache means the deck is parsed as if there were none;
- small decks (under `MIN_BYTES`) parse faster than a cache lookup and are
  not cached.

An entry is plain data, JSON, so reading one runs no code, and it is read
with the suspicion due to a file someone else may have put there (QUIZ_HOME
may point at a shared folder). The cache folder and its `decks` folder are
opened one inside the other without following a symbolic link at either
(so a link planted there cannot send a write, or the trim, to a folder of
the user's), and used only when both are this user's and nobody else can
write them; they are created 0700. One of ours that others could write (an
older quiz made it with the umask's mode) is tightened, and the files in it
named as entries are removed (anyone could have put them there): nothing
else in it is touched. Every read, write and trim goes through the folder
opened and checked, never by its name again. An entry is opened without
following a link and without waiting on a FIFO; it must be a regular file of
this user's, with one link, that only this user can write, and no bigger
than `max_entry_size`. Where folders cannot be opened this way (Windows),
there is no cache. Its shape and the
type of every field are checked as it is turned back into a deck (a date
card's answer is a date, tags are strings, ...): anything odd is a miss.
What these checks do not repeat is the loader's finer validation (an answer
among a choice card's choices, ...): an entry that passes them was written
by this user (by quiz, or by hand), not by anyone else.

Entries of older versions of quiz (`.pickle`) are never read; the trim
removes them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import operator
import os
import re
import stat
from collections.abc import Callable, Iterable
from itertools import chain, compress, repeat
from typing import Any

from quiz import __version__, paths
from quiz.models import Answer, Card, CardType, Deck, Source

MIN_BYTES = 64 * 1024  # checked first: small decks never import json
MAX_ENTRIES = 32
FORMAT = 4
SUFFIX = ".json"
_OLD_SUFFIXES = (".pickle",)  # written by older versions: never read, trimmed
_CARD_FIELDS = tuple(f.name for f in dataclasses.fields(Card))
_CODE = ("models.py", "figures.py", "cloze.py", "deck/loader.py", "deck/yamltree.py",
         "deck/pools.py", "deck/cache.py")


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


def max_entry_size(data_size: int) -> int:
    """The most bytes an entry for a deck file of `data_size` bytes may
    hold: its JSON is at most about twice the YAML (a one-line card gains
    nulls for the fields it leaves out), so four times leaves room."""
    return 4 * data_size + 64 * 1024


_DIR_FLAGS = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
              | getattr(os, "O_CLOEXEC", 0))
_ENTRY_NAME = re.compile(r"[0-9a-f]{40}\.(?:json|pickle)")


def _open_folder(create: bool) -> int | None:
    """The entries' folder (`decks` in the cache folder), opened, or None
    when it cannot be used (see the module's docstring). `create`: make the
    folders that are missing, 0700."""
    if os.open not in os.supports_dir_fd or not hasattr(os, "O_NOFOLLOW"):
        return None
    root = paths.cache_dir()
    fd = sub = None
    try:
        if create:
            root.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                os.mkdir(root, 0o700)
        fd = os.open(root, _DIR_FLAGS)  # ELOOP if it is a link
        if not _ours(fd):
            return None
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir("decks", 0o700, dir_fd=fd)
        sub = os.open("decks", _DIR_FLAGS, dir_fd=fd)
        if not _ours(sub):
            os.close(sub)
            return None
        opened, sub = sub, None
        return opened
    except OSError:
        return None
    finally:
        for d in (fd, sub):
            if d is not None:
                os.close(d)


def _ours(fd: int) -> bool:
    """An open folder of this user's that nobody else can write, after
    tightening one of ours that others could (and removing what in it is
    named as an entry: anyone could have put it there)."""
    st = os.fstat(fd)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        return False
    if stat.S_IMODE(st.st_mode) & 0o077:
        os.fchmod(fd, 0o700)
        if st.st_mode & 0o022:
            for name in os.listdir(fd):
                if _ENTRY_NAME.fullmatch(name):
                    os.unlink(name, dir_fd=fd)
    return True


def get(data: bytes, digest: str) -> Deck | None:
    """The cached deck read from `data`, whose `key` is `digest`, or None."""
    if len(data) < MIN_BYTES:
        return None
    folder = _open_folder(create=False)
    if folder is None:
        return None
    try:
        raw = _read_entry(folder, digest + SUFFIX, max_entry_size(len(data)))
    finally:
        os.close(folder)
    if raw is None:
        return None
    import json

    try:
        return _thaw(json.loads(raw.decode("utf-8"), parse_constant=_no_constant), digest)
    except (ValueError, TypeError, KeyError, RecursionError):  # a damaged or crafted entry
        return None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a figure a deck holds")


_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def _read_entry(folder: int, name: str, limit: int) -> bytes | None:
    """The bytes of the entry `name` in the open `folder` if it passes the
    checks in the module's docstring, else None. Never follows a link, never
    blocks on a FIFO, never reads more than `limit` bytes."""
    fd: int | None = None
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=folder)
        st = os.fstat(fd)
        if not _private(st, stat.S_ISREG) or st.st_nlink != 1 or st.st_size > limit:
            return None
        chunks = []
        left = limit + 1  # one more than allowed: what shows the file grew past it
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            return None
        with contextlib.suppress(OSError):
            os.utime(fd)  # recently used entries are kept by _trim
        return b"".join(chunks)
    except OSError:  # missing, a link (ELOOP), unreadable: parse again
        return None
    finally:
        if fd is not None:
            os.close(fd)


def _private(st: os.stat_result, is_kind: Callable[[int], bool]) -> bool:
    """Of the kind wanted, this user's, and writable by nobody else (where
    there are no POSIX owners: of the kind wanted)."""
    if not is_kind(st.st_mode):
        return False
    getuid = getattr(os, "getuid", None)
    return getuid is None or (st.st_uid == getuid() and not st.st_mode & 0o022)


# The frozen form is one JSON object: the deck's fields, its sources as rows,
# and its cards as columns, one list a field, rebuilt with map(Card, *columns)
# (no key repeated for each card, and most checks done a column at a time:
# set(map(type, column)) runs at C speed).

def _freeze(deck: Deck, digest: str) -> dict[str, Any]:
    columns: dict[str, list[Any]] = {name: [getattr(c, name) for c in deck.cards]
                                     for name in _CARD_FIELDS}
    columns["type"] = [t.value for t in columns["type"]]
    columns["answer"] = [a.isoformat() if isinstance(a, dt.date) else a
                         for a in columns["answer"]]
    return {
        "format": FORMAT,
        "key": digest,
        "deck": {"id": deck.id, "title": deck.title, "description": deck.description,
                 "year": deck.year},
        "sources": [[s.key, s.outlet, s.date, s.title, s.url] for s in deck.sources.values()],
        "cards": columns,
    }


_NONE = type(None)
_STR: frozenset[type] = frozenset({str})
_OPT_STR: frozenset[type] = frozenset({str, _NONE})
_LIST: frozenset[type] = frozenset({list})


def _types(values: Iterable[Any], allowed: frozenset[type]) -> None:
    if not set(map(type, values)) <= allowed:
        raise ValueError("a field of the wrong type")


def _column(column: Any, allowed: frozenset[type]) -> list[Any]:
    if type(column) is not list:
        raise ValueError("not a column")
    _types(column, allowed)
    return column


def _as_is(allowed: frozenset[type]) -> Callable[[Any], list[Any]]:
    return lambda column: _column(column, allowed)


def _string_lists(column: Any) -> list[tuple[str, ...]]:
    _types(chain.from_iterable(_column(column, _LIST)), _STR)
    return list(map(tuple, column))


def _optional_string_lists(column: Any) -> list[tuple[str, ...] | None]:
    _column(column, frozenset({list, _NONE}))
    _types(chain.from_iterable(c for c in column if c is not None), _STR)
    return [None if c is None else tuple(c) for c in column]


_CARD_TYPES = {t.value: t for t in CardType}


def _card_types(column: Any) -> list[CardType]:
    return list(map(_CARD_TYPES.__getitem__, _column(column, _STR)))  # KeyError: not a type


_COLUMNS: dict[str, Callable[[Any], list[Any]]] = {
    "id": _as_is(_STR),
    "type": _card_types,
    "question": _as_is(_STR),
    "answer": _as_is(frozenset({str, int, float, bool, list})),  # then checked by card type
    "accept": _string_lists,
    "choices": _optional_string_lists,
    "tags": _string_lists,
    "source": _as_is(_OPT_STR),
    "explain": _as_is(_OPT_STR),
    "kind": _as_is(_OPT_STR),
    "tolerance": _as_is(frozenset({float})),
    "qualifier": _as_is(_OPT_STR),
    "unit": _as_is(_OPT_STR),
    "context": _as_is(_OPT_STR),
    "draft": _as_is(frozenset({bool})),
    "line": _as_is(frozenset({int})),
    "reverse": _as_is(frozenset({bool})),
    "note": _as_is(_OPT_STR),
    "template": _as_is(_OPT_STR),
    "escalate": _as_is(frozenset({bool})),
    "group": _as_is(_OPT_STR),
}

# What a card's answer is in JSON, by card type (models.Answer): a date is
# ISO text, a list of strings becomes a tuple.
_ANSWER_KINDS = frozenset({
    (CardType.TEXT, str), (CardType.CHOICE, str), (CardType.CLOZE, str), (CardType.BASIC, str),
    (CardType.MULTI, list), (CardType.ORDER, list), (CardType.NUMBER, int),
    (CardType.NUMBER, float), (CardType.DATE, str), (CardType.TRUEFALSE, bool),
})


def _answers(types: list[CardType], answers: list[Any]) -> list[Answer]:
    """Each answer as its card's type has it, or ValueError. The checks run
    over whole columns; only dates and lists are visited one by one."""
    if not set(zip(types, map(type, answers), strict=True)) <= _ANSWER_KINDS:
        raise ValueError("an answer of the wrong type for its card")
    out: list[Any] = list(answers)
    for i in compress(range(len(out)), map(operator.is_, types, repeat(CardType.DATE))):
        out[i] = dt.date.fromisoformat(out[i])
    lists = list(compress(range(len(out)), map(operator.is_, map(type, out), repeat(list))))
    _types(chain.from_iterable(out[i] for i in lists), _STR)
    for i in lists:
        out[i] = tuple(out[i])
    return out


def _thaw(frozen: Any, digest: str) -> Deck:
    """The deck `_freeze` made, or ValueError, TypeError or KeyError for
    anything else: every field of the expected type."""
    if type(frozen) is not dict or frozen.keys() != {"format", "key", "deck", "sources", "cards"}:
        raise ValueError("not a cache entry")
    if frozen["format"] != FORMAT or frozen["key"] != digest:
        raise ValueError("an entry of another format or for other bytes")
    head, rows, columns = frozen["deck"], frozen["sources"], frozen["cards"]
    if type(head) is not dict or head.keys() != {"id", "title", "description", "year"}:
        raise ValueError("not a deck")
    deck_id, title, description, year = head["id"], head["title"], head["description"], head["year"]
    if (type(deck_id) is not str or type(title) is not str
            or type(description) not in _OPT_STR or type(year) not in (int, _NONE)):
        raise ValueError("a deck field of the wrong type")
    _types(rows, frozenset({list}))
    sources: dict[str, Source] = {}
    for row in rows:
        if len(row) != 5 or not set(map(type, row[:4])) <= _STR or type(row[4]) not in _OPT_STR:
            raise ValueError("not a source")
        sources[row[0]] = Source(*row)
    if len(sources) != len(rows):
        raise ValueError("a source twice")
    if type(columns) is not dict or columns.keys() != set(_CARD_FIELDS):
        raise ValueError("cards with other fields")
    thawed = {name: _COLUMNS[name](columns[name]) for name in _CARD_FIELDS}
    if len({len(column) for column in thawed.values()}) > 1:
        raise ValueError("columns of unequal length")
    thawed["answer"] = _answers(thawed["type"], thawed["answer"])
    cards = tuple(map(Card, *(thawed[name] for name in _CARD_FIELDS)))
    return Deck(deck_id, title, cards, sources, description, year)


def put(data: bytes, digest: str, deck: Deck) -> None:
    if len(data) < MIN_BYTES:
        return
    import json

    try:
        text = json.dumps(_freeze(deck, digest), ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")
    except (ValueError, TypeError):  # a figure JSON cannot hold, a lone surrogate
        return
    if len(text) > max_entry_size(len(data)):
        return
    folder = _open_folder(create=True)
    if folder is None:
        return
    try:
        _write_entry(folder, digest + SUFFIX, text)
        _trim(folder)
    except OSError:
        return  # read-only or full: the cache is only an accelerator
    finally:
        os.close(folder)


def _write_entry(folder: int, name: str, data: bytes) -> None:
    """Write the entry whole (a temporary file, synced, renamed over it),
    inside the open `folder`; a temporary file is removed on error."""
    tmp = f".{name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600, dir_fd=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder)
        raise


def _trim(folder: int) -> None:
    """Keep the MAX_ENTRIES entries used last; remove older versions' entries."""
    entries = []
    for name in os.listdir(folder):
        if not _ENTRY_NAME.fullmatch(name):
            continue
        if not name.endswith(SUFFIX):  # an older quiz's
            os.unlink(name, dir_fd=folder)
            continue
        with contextlib.suppress(OSError):
            entries.append((os.stat(name, dir_fd=folder, follow_symlinks=False).st_mtime, name))
    for _, name in sorted(entries)[:-MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=folder)
