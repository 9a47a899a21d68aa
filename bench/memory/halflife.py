"""Half-life regression with a spacing effect: a memory model for
bench/simulate.py (the interface is described in bench/memory/README.md).

Exponential forgetting with a half-life, as in half-life regression (Settles
& Meeder, 2016):

- each card has a difficulty; its first study gives a half-life h0 of about
  1.5 to 11.5 days (easy cards longer; recall a day later 63% to 94%),
  varying by a log-normal factor per learner and card;
- recall after t days is p = 2 ** (-t / h);
- a successful review multiplies h by 1 + (G - 1) * ((1 - p) / 0.1) ** 0.6,
  capped at 2G, with G between 1.8 and 3.5 by difficulty: a review at 90%
  recall multiplies h by G, an easy same-day repeat adds almost nothing, a
  hard-won recall adds more (the spacing effect);
- a lapse cuts h to a fifth (never below h0 / 2);
- a right answer takes 2 s plus 6 s times (1 - p), with a log-normal spread
  of 0.3 (an assumption, not fitted: slower when recall was harder).

Growth by a near-constant factor close to SM-2's ease of 2.5 favours SM-2 by
construction; bench/memory/actr.py is the referee fitted to a real log.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

NAME = "half-life regression with a spacing effect"
SATURATING = False  # bench/memory/saturating.py sets it


@dataclass
class Card:
    h0: float  # half-life after the first study, days
    growth: float  # G: half-life factor for a success at 90% recall
    h: float = 0.0
    last: float | None = None  # time of the last showing, days


def new_card(rng: random.Random, card: int, learner: int) -> Card:
    ease = rng.random()  # 0 hard .. 1 easy
    h0 = (1.5 + 10 * ease) * math.exp(rng.gauss(0, 0.4))
    return Card(h0=h0, growth=1.8 + 1.7 * ease * math.exp(rng.gauss(0, 0.1)))


def recall(state: Card, t: float) -> float:
    if state.last is None:
        return 0.0
    return float(2.0 ** (-(t - state.last) / state.h))


def review(state: Card, t: float, recalled: bool) -> Card:
    if state.last is None:  # first study: not a test
        state.h, state.last = state.h0, t
        return state
    if recalled:
        p = recall(state, t)
        g = state.growth
        if SATURATING:  # (h0 / h) ** 0.25: a 16x longer half-life halves G - 1
            g = 1 + (g - 1) * (state.h0 / state.h) ** 0.25
        factor = 1 + (g - 1) * ((1 - p) / 0.1) ** 0.6
        state.h *= min(factor, 2 * g)
    else:
        state.h = max(state.h0 / 2, state.h / 5)
    state.last = t
    return state


def response_time(state: Card, p: float, rng: random.Random) -> float:
    return (2.0 + 6.0 * (1 - p)) * math.exp(rng.gauss(0, 0.3))
