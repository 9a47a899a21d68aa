"""Answer pools: which answers a deck offers as wrong options.

A choice card without `choices` draws them from the answers of the deck's
other cards in its pool: cards of the same `kind` (person, country, ...),
else of the same first tag. The loader checks every such card has two to
draw from; the session draws them. The pools are built once per deck, in
one pass: building one per card made validating a deck of 4,000 such cards
take 27 s (bench/choice_pools.py).
"""

from __future__ import annotations

from quiz.models import Card, CardType, Deck

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
