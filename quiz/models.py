"""Plain data: decks, cards, sources. Nothing here reads files or prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class CardType(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    MULTI = "multi"
    NUMBER = "number"
    DATE = "date"
    TRUEFALSE = "truefalse"
    ORDER = "order"
    CLOZE = "cloze"
    BASIC = "basic"  # a flip card: the front, then the back, rated by the learner


#: What a card's `answer` holds, by card type:
#: text/choice/cloze/basic -> str, multi/order -> tuple[str, ...], number -> int | float,
#: date -> datetime.date, truefalse -> bool.
Answer = str | int | float | bool | dt.date | tuple[str, ...]

BLANK = "___"
UNTAGGED = "(no tag)"  # where scores are shown by tag, the cards with none


class Outcome(StrEnum):
    RIGHT = "right"
    PARTLY = "partly"
    WRONG = "wrong"


@dataclass(frozen=True, slots=True)
class Verdict:
    """How an answer was graded; `expected` is the answer as a person writes it."""

    outcome: Outcome
    expected: str
    hint: str | None = None

    @property
    def correct(self) -> bool:
        return self.outcome is not Outcome.WRONG


class Mode(StrEnum):
    REVIEW = "review"  # scheduled: due cards, then new ones
    CRAM = "cram"  # practice any cards; the schedule is not touched
    EXAM = "exam"  # N random cards, scored; the schedule is not touched


@dataclass(frozen=True, slots=True)
class Review:
    """One graded answer, as stored. Times are UTC."""

    id: str  # unique: a retried write is a no-op
    session_id: int | None  # None: imported (from Anki), in no quiz session
    deck_id: str
    card_id: str
    reviewed_at: dt.datetime
    answer: str
    outcome: Outcome
    rating: int
    response_ms: int
    mode: Mode
    state_before: str | None
    state_after: str | None
    phase_before: int | None = None  # the card's phase when asked (None: new or unscheduled)
    asked_as: str | None = None  # the card type it was asked as, when not its own (a CardType)


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    outlet: str
    date: str
    title: str
    url: str | None = None

    def cite(self) -> str:
        return f"{self.outlet}, {self.date}: {self.title}"


@dataclass(frozen=True, slots=True)
class Card:
    id: str
    type: CardType
    question: str
    answer: Answer
    accept: tuple[str, ...] = ()
    choices: tuple[str, ...] | None = None
    tags: tuple[str, ...] = ()
    source: str | None = None
    explain: str | None = None
    kind: str | None = None
    tolerance: float = 0.0
    qualifier: str | None = None
    unit: str | None = None
    context: str | None = None
    draft: bool = False
    line: int = 0
    reverse: bool = False  # a basic or text card that is also asked the other way round
    # A card made from another one, which is its note: the other way round
    # (id "NOTE:reverse") or one blank of a cloze with numbered blanks
    # ("NOTE:c2"). Cards of one note are siblings (one is asked in a session).
    note: str | None = None
    template: str | None = None  # that cloze as written, its blanks marked {{c1::...}}
    # A choice card asked as typed recall once its memory is stable
    # (session.TYPED_AT); the deck's `escalate` sets it for all its choice cards
    escalate: bool = False
    # Cards of one group hold one fact asked in different ways: never asked
    # one right after the other (as cards with the same answer are not)
    group: str | None = None

    @property
    def note_id(self) -> str:
        """The id of the note the card belongs to: its own, or its note's."""
        return self.note or self.id


@dataclass(frozen=True, slots=True)
class Deck:
    id: str
    title: str
    cards: tuple[Card, ...]
    sources: Mapping[str, Source] = field(default_factory=dict)
    description: str | None = None
    year: int | None = None
    path: Path | None = None
    # A hash of the file it was read from (and of the code that read it), set
    # by load_deck: what the deck's stored copy for `quiz stats` is checked by.
    digest: str | None = field(default=None, compare=False)

    def card(self, card_id: str) -> Card | None:
        for c in self.cards:
            if c.id == card_id:
                return c
        return None

    def type_counts(self) -> dict[CardType, int]:
        counts: dict[CardType, int] = {}
        for c in self.cards:
            counts[c.type] = counts.get(c.type, 0) + 1
        return counts



def implied_year(deck: Deck) -> int | None:
    """The year a day-and-month answer means: the deck's `year`, or the one
    year every date card shares."""
    if deck.year is not None:
        return deck.year
    import datetime as _dt

    years = {c.answer.year for c in deck.cards if isinstance(c.answer, _dt.date)}
    return years.pop() if len(years) == 1 else None
