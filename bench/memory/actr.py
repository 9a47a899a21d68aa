"""The referee: ACT-R declarative memory with activation-dependent decay
(Pavlik & Anderson, 2005), a memory model for bench/simulate.py (interface:
bench/memory/README.md). Neither FSRS nor SM-2: its parameters were fitted
to a real review log by bench/fit_referee.py, which wrote them to
bench/memory/actr_params.json, and frozen before any scheduler was compared.

Each showing of a card at time t_i leaves a trace that decays as a power of
its age. The card's activation at time t is

    m(t) = beta + ln( sum_i (u * (t - t_i)) ** -d_i )

(ages in days, u a fitted time unit), and the decay of each trace depends on
the activation at the moment it was laid down:

    d_i = c * exp(m(t_i)) + a      (d_1 = a)

so a showing while the card is still strongly active (a massed repeat)
decays fast, and one after a long gap decays slowly: the spacing effect,
from the model rather than from a growth factor. Recall is logistic in the
activation, p = 1 / (1 + exp((tau - m) / s)), and a right answer takes
T0 + F * exp(-m) seconds (ACT-R's latency law) with a log-normal spread.

beta is a per-card difficulty, normal with the fitted sd sigma_card, plus a
per-learner ability, normal with sd sigma_learner (one learner's log cannot
measure it: chosen, not fitted, see actr_params.json). Every showing is a
trace, right or wrong (the answer is shown after a miss).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NAME = "ACT-R activation with activation-dependent decay (fitted to a real log)"
MIN_AGE = 1 / 1440  # a minute, in days: two showings never count as simultaneous
PARAMS: dict[str, Any] = json.loads(
    Path(__file__).with_name("actr_params.json").read_text(encoding="utf-8"))


@dataclass
class Card:
    beta: float
    times: list[float] = field(default_factory=list)  # showings, days
    decays: list[float] = field(default_factory=list)


def activation(times: Sequence[float], decays: Sequence[float], beta: float, t: float,
               params: dict[str, Any] = PARAMS) -> float:
    """m(t) from the traces laid down before t; -inf for a card never shown."""
    log_u = params["log_u"]
    total = 0.0
    for ti, d in zip(times, decays, strict=True):
        total += math.exp(min(-d * (math.log(max(t - ti, MIN_AGE)) + log_u), 700.0))
    return beta + math.log(total) if total > 0 else -math.inf


def probability(m: float, params: dict[str, Any] = PARAMS) -> float:
    if m == -math.inf:
        return 0.0
    z = (params["tau"] - m) / params["s"]
    return 1.0 / (1.0 + math.exp(z)) if z < 700 else 0.0


def decay(m: float, params: dict[str, Any] = PARAMS) -> float:
    """The decay of a trace laid down when the activation was m."""
    if m == -math.inf:
        return float(params["a"])
    return float(params["c"] * math.exp(m) + params["a"])


def _learner_beta(learner: int) -> float:
    return random.Random(f"actr-learner-{learner}").gauss(0, PARAMS["sigma_learner"])


def new_card(rng: random.Random, card: int, learner: int) -> Card:
    return Card(beta=_learner_beta(learner) + rng.gauss(0, PARAMS["sigma_card"]))


def recall(state: Card, t: float) -> float:
    return probability(activation(state.times, state.decays, state.beta, t))


def review(state: Card, t: float, recalled: bool) -> Card:
    m = activation(state.times, state.decays, state.beta, t)
    state.times.append(t)
    state.decays.append(decay(m))
    return state


def response_time(state: Card, p: float, rng: random.Random) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    m = PARAMS["tau"] + PARAMS["s"] * math.log(p / (1 - p))  # the activation behind p
    rt = PARAMS["rt"]
    return float((rt["t0"] + rt["f"] * math.exp(-m)) * math.exp(rng.gauss(0, rt["sigma"])))
