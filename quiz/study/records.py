"""What a study session reads from and writes to the history, and the
protocol of the store it needs.

The session depends on these few methods, not on SQLite: `quiz.history.store.Store`
is the implementation (history sits above study in the flow), and a test may
pass any object that has them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from quiz.models import Mode, Review


@dataclass(frozen=True, slots=True)
class StoredState:
    deck_id: str
    card_id: str
    phase: int
    due: dt.datetime
    data: str
    reps: int
    lapses: int
    stability: float | None = None
    last_review: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class CardMark:
    """What the learner said of a card: suspended (not asked until
    unsuspended), flagged (to look at), buried until a time."""

    suspended: bool = False
    flagged: bool = False
    buried_until: dt.datetime | None = None

    def keeps_out(self, now: dt.datetime) -> bool:
        """Whether the card is left out of a session at `now`."""
        return self.suspended or (self.buried_until is not None and self.buried_until > now)


@dataclass(frozen=True, slots=True)
class StateUpdate:
    """A card's new scheduling state, written with the review that caused it.

    With `checked`, it is written only if the stored state is still the one
    it was worked out from, `based_on` (None: the card had none); otherwise
    `record` raises StateChanged and writes nothing."""

    deck_id: str
    card_id: str
    phase: int
    due: dt.datetime
    data: str
    lapsed: bool
    stability: float | None = None
    difficulty: float | None = None
    based_on: str | None = None
    checked: bool = False


@dataclass(frozen=True, slots=True)
class ImportedState:
    """A card's state worked out from history brought in from elsewhere (an
    Anki review log), with the counts a session would have kept: written
    whole, in place of the stored one unless quiz has reviewed the card
    since `last_review`."""

    deck_id: str
    card_id: str
    phase: int
    due: dt.datetime
    data: str
    stability: float | None
    difficulty: float | None
    introduced: dt.datetime
    last_review: dt.datetime
    reps: int
    lapses: int


@dataclass(frozen=True, slots=True)
class StateRestore:
    """A card's state as it was before an answer that is taken back (undo,
    "I was right"); `data` None: the card had no state before it. `lapsed`:
    the answer taken back counted a lapse."""

    data: str | None
    phase: int = 0
    due: dt.datetime | None = None
    stability: float | None = None
    difficulty: float | None = None
    last_review: dt.datetime | None = None
    lapsed: bool = False


class StateChanged(Exception):
    """Another session stored a new state for the card after this one read
    it (two sessions on one deck): read it again and schedule from it."""


class History(Protocol):
    """The store methods a session uses."""

    path: Path | str  # where the history is (a file, or a server and learner), for messages

    def sync_deck(self, deck_id: str, title: str,
                  cards: Iterable[tuple[str, str, Iterable[str]]], now: dt.datetime,
                  digest: str | None = None) -> bool: ...

    def begin_session(self, decks: Iterable[str], mode: Mode, started: dt.datetime,
                      planned: int = 0) -> int: ...

    def end_session(self, session_id: int, ended: dt.datetime, seconds: float) -> None: ...

    def record(self, review: Review, state: StateUpdate | None,
               studied: float = 0.0) -> bool: ...

    def rerate(self, review: Review, rating: int, state: StateUpdate | None) -> None: ...

    def undo(self, review: Review, restore: StateRestore | None) -> None: ...

    def amend(self, review: Review, restore: StateRestore | None, new: Review,
              state: StateUpdate | None) -> None: ...

    def state(self, deck_id: str, card_id: str) -> StoredState | None: ...

    def due_states(self, deck_id: str, now: dt.datetime,
                   seen_after: dt.datetime | None = None) -> dict[str, StoredState]: ...

    def scheduled_ids(self, deck_id: str) -> set[str]: ...

    def marks(self, deck_id: str) -> dict[str, CardMark]: ...

    def mark(self, deck_id: str, card_id: str, *, suspended: bool | None = None,
             flagged: bool | None = None, buried_until: dt.datetime | None = None,
             unbury: bool = False) -> CardMark: ...

    def introduced_since(self, deck_ids: Iterable[str], since: dt.datetime,
                         until: dt.datetime) -> int: ...

    def next_due(self, deck_ids: Iterable[str]) -> dt.datetime | None: ...
