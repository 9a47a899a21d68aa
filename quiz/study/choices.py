"""Options for a choice card that lists no `choices` of its own: other
cards' answers from its pool (`quiz.deck.pools`), or, for a figure, figures
near it written the same way."""

from __future__ import annotations

import random

from quiz.deck.pools import AnswerPools
from quiz.figures import numeric_answer
from quiz.models import Card
from quiz.study.grading import is_year
from quiz.wording import format_number


def draw_distractors(pools: AnswerPools, card: Card, rng: random.Random,
                     n: int = 3) -> list[str]:
    """Wrong options for a choice card without `choices`: answers of the same
    kind from the deck, or numbers near a numeric answer."""
    assert isinstance(card.answer, str)
    value = numeric_answer(card.answer)
    if value is not None:
        if is_year(value, card.question):
            return near_years(int(value), rng, n)
        # written like the answer: '4,500' gets '2,200', but '2500' gets '1200'
        return near_numbers(value, rng, n, grouped="," in card.answer or value < 1000)
    pool = pools.others(card)
    return rng.sample(pool, min(n, len(pool)))


def near_years(year: int, rng: random.Random, n: int = 3) -> list[str]:
    """Other years a few years either side of `year`."""
    return [str(year + d) for d in rng.sample([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5], n)]


def near_numbers(value: float, rng: random.Random, n: int = 3,
                 grouped: bool = True) -> list[str]:
    """Plausible wrong figures around `value`, rounded like it (with thousands
    separators when `grouped`, as the answer is written)."""
    factors = [0.5, 0.6, 0.75, 0.8, 1.2, 1.25, 1.5, 2.0, 2.5]
    rng.shuffle(factors)
    step = 10 ** max(0, len(str(int(abs(value)))) - 2) if value >= 10 else 1
    out: list[str] = []
    for f in factors:
        candidate = max(1.0, round(value * f / step) * step)
        text = format_number(candidate)
        if not grouped:
            text = text.replace(",", "")
        if candidate != value and text not in out:
            out.append(text)
        if len(out) == n:
            break
    return out
