"""Finding decks: bundled, the user's deck folder, and `QUIZ_DECKS` paths.

A broken deck never stops the others from loading: `scan` returns every deck
file with either its `Deck` or its `DeckError`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from quiz import paths
from quiz.deck.loader import load_deck
from quiz.errors import DeckError, Problem, UsageError
from quiz.models import Deck

DECK_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Entry:
    path: Path
    origin: str  # "bundled", "user", "QUIZ_DECKS" or "path"
    deck: Deck | None
    error: DeckError | None


def _natural(path: Path) -> list[str | int]:
    """Sorts 'week 2' before 'week 10', and 'Week' beside 'week'."""
    return [int(part) if part.isdigit() else part.casefold()
            for part in re.split(r"(\d+)", path.as_posix())]


def deck_files(path: Path) -> Iterator[Path]:
    """A file itself, or the deck files in a folder (in natural order, recursively)."""
    if path.is_dir():
        for p in sorted(path.rglob("*"), key=_natural):
            if p.suffix in DECK_SUFFIXES and p.is_file() and not p.name.startswith("."):
                yield p
    else:
        yield path


def known_roots() -> list[tuple[Path, str]]:
    roots = [(paths.bundled_decks_dir(), "bundled"), (paths.user_decks_dir(), "user")]
    extra = os.environ.get("QUIZ_DECKS", "")
    roots += [(Path(p).expanduser(), "QUIZ_DECKS") for p in extra.split(os.pathsep) if p]
    return roots


def in_known_roots(path: Path) -> bool:
    """Whether `path` is inside a folder quiz reads decks from, so that the
    deck there is found by its id."""
    where = path.expanduser().resolve()
    return any(root.resolve() in where.parents for root, _ in known_roots())


def scan(roots: Iterable[tuple[Path, str]] | None = None) -> list[Entry]:
    """Load every deck under the roots; later duplicates of a deck id are errors."""
    entries: list[Entry] = []
    owner: dict[str, Path] = {}
    seen: set[Path] = set()
    for root, origin in known_roots() if roots is None else roots:
        if not root.exists():
            if origin != "user" and origin != "bundled":
                err = DeckError([Problem(str(root), 0, 0, "no such file or folder")])
                entries.append(Entry(root, origin, None, err))
            continue
        for path in deck_files(root):
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            entries.append(_load(path, origin, owner))
    return entries


def _load(path: Path, origin: str, owner: dict[str, Path]) -> Entry:
    try:
        deck = load_deck(path)
    except DeckError as e:
        return Entry(path, origin, None, e)
    first = owner.get(deck.id)
    if first is not None:
        err = DeckError([Problem(str(path), 0, 0, f"deck id '{deck.id}' is already used by "
                                 f"{first}; give this deck another id")])
        return Entry(path, origin, None, err)
    owner[deck.id] = path
    return Entry(path, origin, deck, None)


def locate(name: str, entries: Callable[[], list[Entry]] = scan) -> Entry:
    """One deck, by id or by path to a YAML file, loaded; raise a QuizError
    if it is missing or broken. `entries` gives the scanned decks (called
    only for an id)."""
    p = Path(name).expanduser()
    if p.suffix in DECK_SUFFIXES or p.exists():
        if not p.is_file():
            raise UsageError(f"{name}: no such deck file")
        return Entry(p, "path", load_deck(p), None)
    known = entries()
    found = named(name, known)
    if found is not None:
        if found.error is not None:
            raise found.error
        return found
    ids = sorted(e.deck.id for e in known if e.deck is not None)
    from quiz.deck.loader import did_you_mean

    raise UsageError(f"no deck with id '{name}'{did_you_mean(name, ids)}; "
                     "'quiz decks' lists them")


def named(name: str, entries: list[Entry]) -> Entry | None:
    """The scanned deck with this id; else a broken one (no id yet) whose
    file is called that; else None."""
    match = [e for e in entries if e.deck is not None and e.deck.id == name]
    broken = [e for e in entries if e.deck is None and e.path.stem == name]
    return next(iter(match or broken), None)


def find(names: Iterable[str]) -> list[Deck]:
    """Decks by id or by path to a YAML file; raise a QuizError if one is missing or broken."""
    scanned: list[list[Entry]] = []

    def entries() -> list[Entry]:  # scanned once, and only if an id is given
        if not scanned:
            scanned.append(scan())
        return scanned[0]

    decks: dict[str, Deck] = {}  # a deck named twice (by id and by file) counts once
    for name in names:
        deck = locate(name, entries).deck
        assert deck is not None
        same = decks.get(deck.id)
        if same is not None and same.path and deck.path and (
                same.path.resolve() != deck.path.resolve()):
            raise UsageError(f"{same.path} and {deck.path} both have the deck id '{deck.id}'; "
                             "their histories would mix, so give one another id")
        decks.setdefault(deck.id, deck)
    return list(decks.values())
