"""Validating choice cards that draw their options from the deck: linear?

    python bench/choice_pools.py [CARDS ...]      (default 1000 2000 4000 8000)

Each deck holds CARDS choice cards of one `kind` and no `choices` of their
own, so every card's wrong options come from the others' answers. The
loader checks that each card has at least two to draw from; building the
pool card by card was quadratic (1,000 cards 0.9 s, 4,000 cards 27.5 s).
Prints the time to read and validate each deck (best of 3) and the time per
card, which stays flat when the check is linear.
"""

from __future__ import annotations

import sys
import time

from quiz.deck.loader import read_deck


def deck(n: int) -> str:
    return "id: pools\ntitle: Pools\ncards:\n" + "".join(
        f"  - {{id: c{i}, question: 'Who is person {i}?', type: choice, "
        f"answer: 'Person {i}', kind: person}}\n" for i in range(n))


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 2000, 4000, 8000]
    print(f"{'cards':>7}  {'seconds':>8}  {'ms/card':>8}")
    for n in sizes:
        text = deck(n)
        best = min(_timed(text) for _ in range(3))
        print(f"{n:>7,}  {best:>8.3f}  {1000 * best / n:>8.3f}")


def _timed(text: str) -> float:
    t = time.perf_counter()
    read_deck(text, "pools.yaml")
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
