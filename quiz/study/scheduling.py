"""Spaced repetition with FSRS, through the maintained `fsrs` package.

State in, rating and time in, state out: nothing here reads the clock or
writes anything. A card's state is stored as the library's own JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from quiz.models import Outcome


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class Phase(IntEnum):
    """fsrs.State values, so stored states can be queried in SQL."""

    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


_RATING_FOR = {Outcome.WRONG: Rating.AGAIN, Outcome.PARTLY: Rating.HARD,
               Outcome.RIGHT: Rating.GOOD}


def rating_for(outcome: Outcome) -> Rating:
    """wrong -> Again, partly right -> Hard, right -> Good."""
    return _RATING_FOR[outcome]


@dataclass(frozen=True, slots=True)
class Settings:
    desired_retention: float = 0.90
    new_per_day: int = 20
    maximum_interval: int = 36500
    learning_steps: tuple[dt.timedelta, ...] = (dt.timedelta(minutes=10),)
    relearning_steps: tuple[dt.timedelta, ...] = (dt.timedelta(minutes=10),)
    fuzz: bool = True
    parameters: tuple[float, ...] | None = None  # fitted by `quiz optimize`


@dataclass(frozen=True, slots=True)
class CardState:
    """What the scheduler knows of one card, with the library's JSON."""

    phase: Phase
    due: dt.datetime
    stability: float | None
    difficulty: float | None
    last_review: dt.datetime | None
    step: int | None
    data: str = field(repr=False)
    # The library's card object `data` was read from or written as, kept so a
    # card asked again in a session is not parsed from JSON again. review_card
    # works on a copy, so it is never changed after this state is made.
    card: Any = field(default=None, repr=False, compare=False)


class Scheduler:
    def __init__(self, settings: Settings | None = None) -> None:
        import fsrs

        self.settings = settings or Settings()
        kwargs: dict[str, Any] = {
            "desired_retention": self.settings.desired_retention,
            "maximum_interval": self.settings.maximum_interval,
            "learning_steps": self.settings.learning_steps,
            "relearning_steps": self.settings.relearning_steps,
            "enable_fuzzing": self.settings.fuzz,
        }
        if self.settings.parameters is not None:
            kwargs["parameters"] = self.settings.parameters
        self._fsrs = fsrs
        self._scheduler = fsrs.Scheduler(**kwargs)

    def review(self, state: CardState | None, rating: Rating, now: dt.datetime) -> CardState:
        """The card's state after a review with `rating` at `now` (UTC-aware)."""
        _require_utc(now)
        card = self._card(state, now)
        new, _log = self._scheduler.review_card(card, self._fsrs.Rating(int(rating)), now)
        return _state_of(new)

    def retrievability(self, state: CardState, now: dt.datetime) -> float:
        """Predicted probability of recall at `now`."""
        _require_utc(now)
        return float(self._scheduler.get_card_retrievability(self._card(state, now), now))

    def _card(self, state: CardState | None, now: dt.datetime) -> Any:
        if state is None:
            return self._fsrs.Card(card_id=0, due=now)
        if state.card is not None:
            return state.card
        return self._fsrs.Card.from_json(state.data)


def _require_utc(now: dt.datetime) -> None:
    if now.tzinfo is None or now.utcoffset():  # a zero offset is false
        raise ValueError("scheduling needs a timezone-aware UTC datetime")


def _state_of(card: Any, data: str | None = None) -> CardState:
    return CardState(
        phase=Phase(int(card.state)),
        due=card.due,
        stability=card.stability,
        difficulty=card.difficulty,
        last_review=card.last_review,
        step=card.step,
        data=card.to_json() if data is None else data,
        card=card,
    )


def state_from_json(data: str) -> CardState:
    import fsrs

    return _state_of(fsrs.Card.from_json(data), data)


def learner_settings(setting: Callable[[str], str | None]) -> Settings:
    """The scheduler's settings as the learner left them in the history's
    settings table (`setting` reads one): fitted parameters, desired retention."""
    parameters = parameters_from_json(setting("fsrs_parameters"))
    desired = setting("desired_retention")
    if desired:
        return Settings(parameters=parameters, desired_retention=float(desired))
    return Settings(parameters=parameters)


def parameters_from_json(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    values = json.loads(text)
    return tuple(float(v) for v in values)


def default_parameters() -> Sequence[float]:
    import fsrs.scheduler

    return tuple(fsrs.scheduler.DEFAULT_PARAMETERS)


def forgetting_curve(days: float, stability: float, parameters: Sequence[float]) -> float:
    """FSRS-6's power forgetting curve: recall after `days` for a memory of
    `stability` (the days after which recall is 90%), with the decay that
    `parameters` give. The one copy of the formula in quiz."""
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * days / stability) ** decay)


def recall_probability(stability: float, elapsed: dt.timedelta,
                       parameters: Sequence[float] | None = None) -> float:
    """FSRS's predicted recall after `elapsed` since the last review, from the
    stored stability alone (no card object): used to rank many cards at once.
    Counts whole days, as the library does."""
    return forgetting_curve(max(0, elapsed.days), stability, parameters or default_parameters())
