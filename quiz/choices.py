"""Options for a choice card that lists no `choices` of its own.

Wrong options are other cards' answers from the same pool (cards of the
same `kind`, else of the same first tag), or, for a figure, figures near
it written the same way. The pools are built once per deck, in one pass:
building one per card made validating a deck of 4,000 such cards take 27 s.
"""

from __future__ import annotations

import random

from quiz.grading import is_year
from quiz.models import Card, CardType, Deck, format_number, numeric_answer

_POOL_TYPES = (CardType.TEXT, CardType.CHOICE, CardType.CLOZE)


def pool_key(card: Card) -> str:
    """Which answers a choice card without `choices` draws distractors from:
    cards of the same `kind` (person, country, ...), else of the same first tag."""
    if card.kind:
        return f"kind:{card.kind}"
    return f"tag:{card.tags[0]}" if card.tags else "tag:"


class AnswerPools:
    """The distinct answers (by case-folded text, first spelling kept) of a
    deck's cards, by pool."""

    def __init__(self, deck: Deck) -> None:
        self._pools: dict[str, dict[str, str]] = {}
        for card in deck.cards:
            if card.type in _POOL_TYPES and isinstance(card.answer, str):
                pool = self._pools.setdefault(pool_key(card), {})
                pool.setdefault(card.answer.casefold(), card.answer)

    @staticmethod
    def _taken(card: Card) -> set[str]:
        taken = {card.answer.casefold()} if isinstance(card.answer, str) else set()
        taken.update(a.casefold() for a in card.accept)
        return taken

    def others(self, card: Card) -> list[str]:
        """The other answers in `card`'s pool: none that the card accepts."""
        taken = self._taken(card)
        return [a for key, a in self._pools.get(pool_key(card), {}).items() if key not in taken]

    def count_others(self, card: Card) -> int:
        """len(others(card)), without building the list."""
        pool = self._pools.get(pool_key(card), {})
        return len(pool) - sum(1 for key in self._taken(card) if key in pool)


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
