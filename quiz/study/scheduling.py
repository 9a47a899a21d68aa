"""Spaced repetition with FSRS, through the maintained `fsrs` package.

State in, rating and time in, state out: nothing here reads the clock or
writes anything. A card's state is stored as the library's own JSON.

FSRS's model (stability, difficulty, the forgetting curve) updates a card's
memory; the interval to its next review is chosen for knowledge per review
(`KnowledgePlan`): the one that maximises the recall it buys over the card's
future for the reviews it costs, where FSRS alone would aim every card at
the desired retention. The desired retention still says how much is to be
known: the plan keeps what aiming at it would keep (in FSRS's model), for
fewer reviews (`knowledge_plan`). Elapsed time counts the learner's calendar days
(from 4 am), as FSRS's parameters are fitted and as Anki passes it.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import functools
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

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
    # none: a lapse is booked from its new stability (a day or more), not
    # asked again 10 minutes later; in the referee simulation that repeat
    # cost 4-12% more reviews at equal knowledge on all three memory models
    # (bench/RESULTS.md), since a massed repeat buys little lasting memory
    relearning_steps: tuple[dt.timedelta, ...] = ()
    fuzz: bool = True
    parameters: tuple[float, ...] | None = None  # fitted by `quiz optimize`
    # "knowledge": intervals chosen for knowledge per review, keeping what the
    # desired retention would (see knowledge_plan); "retention": FSRS's
    # own, the interval at which recall falls to the desired retention
    policy: Literal["knowledge", "retention"] = "knowledge"


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
            "enable_fuzzing": False,  # quiz fuzzes (`fuzzed_days`): the library's is biased
        }
        if self.settings.parameters is not None:
            kwargs["parameters"] = self.settings.parameters
        self._fsrs = fsrs
        self._scheduler = fsrs.Scheduler(**kwargs)

    def review(self, state: CardState | None, rating: Rating, now: dt.datetime,
               day_start: dt.datetime | None = None) -> CardState:
        """The card's state after a review with `rating` at `now` (UTC-aware).

        `day_start` is a moment a learner's day starts (any day's, say the
        session's): given, the time since the last review counts the
        learner's days, so a review at 9:05 two days after one at 9:30 is two
        days on, and one on the same day (from 4 am to 4 am) is a same-day
        review (FSRS-6's short-term stability). Without it, whole 24-hour
        periods count, as the library does."""
        _require_utc(now)
        card = self._card(state, now)
        if day_start is not None:
            card = _on_calendar_days(card, now, day_start)
        new, _log = self._scheduler.review_card(card, self._fsrs.Rating(int(rating)), now)
        if new.state == self._fsrs.State.Review:
            if self.settings.policy == "knowledge":
                assert new.stability is not None and new.difficulty is not None
                days = min(self.plan().interval(new.stability, new.difficulty),
                           self.settings.maximum_interval)
            else:  # the library's own interval, whole days
                days = (new.due - now).days
            if self.settings.fuzz:
                days = fuzzed_days(days, self.settings.maximum_interval)
            new.due = now + dt.timedelta(days=days)
        return _state_of(new)

    def plan(self) -> KnowledgePlan:
        """The knowledge-per-review plan for these settings (built on first
        use, a fraction of a second, and shared by schedulers alike)."""
        s = self.settings
        return learner_plan(s.parameters or tuple(default_parameters()),
                            s.desired_retention, bool(s.relearning_steps))

    def retrievability(self, state: CardState, now: dt.datetime,
                       day_start: dt.datetime | None = None) -> float:
        """Predicted probability of recall at `now` (with `day_start`, after
        the learner's calendar days since the last review, as `review`)."""
        _require_utc(now)
        card = self._card(state, now)
        if day_start is not None:
            card = _on_calendar_days(card, now, day_start)
        return float(self._scheduler.get_card_retrievability(card, now))

    def _card(self, state: CardState | None, now: dt.datetime) -> Any:
        if state is None:
            return self._fsrs.Card(card_id=0, due=now)
        if state.card is not None:
            return state.card
        return self._fsrs.Card.from_json(state.data)


def fuzz_range(days: int, maximum: int = 36500) -> tuple[int, int]:
    """The whole days an interval of `days` may be fuzzed to, lowest and
    highest: the fsrs library's (and Anki's) ranges, 15% of the days
    between 2.5 and 7, 10% of those between 7 and 20 and 5% of those beyond,
    plus a day, either side; none under 2.5 days."""
    if days < 2.5:
        return days, days
    import fsrs.scheduler

    delta = 1.0
    for band in fsrs.scheduler.FUZZ_RANGES:
        delta += band["factor"] * max(min(float(days), band["end"]) - band["start"], 0.0)
    hi = min(round(days + delta), maximum)
    return min(max(2, round(days - delta)), hi), hi


def fuzzed_days(days: int, maximum: int = 36500) -> int:
    """`days` fuzzed: a whole number drawn evenly from `fuzz_range` with the
    global RNG (the library's fuzz used it too, so a seed still replays a
    run), so the days booked are `days` on average, as in Anki. The fsrs
    library (6.3) draws uniformly over [lo, hi + 1) and rounds, which books
    half a day late on average and up to hi + 1: in the referee simulation
    (bench/retention_gap.py) that lowered FSRS's own predicted recall at the
    reviews by 0.2 points."""
    lo, hi = fuzz_range(days, maximum)
    return random.randint(lo, hi) if hi > lo else lo


def calendar_days(last: dt.datetime, now: dt.datetime, day_start: dt.datetime) -> int:
    """The learner's days from `last` to `now`: how many day starts (a day
    starts at each `day_start` plus whole days) fall after `last`, up to
    `now`. 0 on the same day. A summer-time change moves the local start by
    an hour, so a review within an hour of 4 am that day may count a day
    more or less."""
    today = day_start + ((now - day_start) // DAY) * DAY  # today's start, at or before now
    if last >= today:
        return 0
    return (today - last) // DAY + 1


def _on_calendar_days(card: Any, now: dt.datetime, day_start: dt.datetime) -> Any:
    """The card as the library should see it at `now`: its last review moved
    to whole days before `now`, the learner's calendar days since the real
    one, since the library counts whole 24-hour periods (`.days`). The
    library sets the last review to `now` after the review, so the stored
    state keeps real times."""
    last = card.last_review
    if last is None:
        return card
    days = calendar_days(last, now, day_start)
    if days == (now - last).days or (days == 0 and now < last):
        return card
    moved = copy.copy(card)
    moved.last_review = now - days * DAY
    return moved


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


# -- knowledge per review ----------------------------------------------------------

DAY = dt.timedelta(days=1)


def fsrs_next(w: Sequence[float], s: float, d: float, r: float, ok: bool,
              relearn: bool = True) -> tuple[float, float]:
    """FSRS-6's stability and difficulty after a review at predicted recall
    `r` on a later day: Good if `ok`, else Again followed (with `relearn`) by
    a Good relearning step the same day (short-term stability), as a lapse
    is scheduled."""
    d0_easy = w[4] - math.exp(w[5] * 3) + 1

    def clamp_d(x: float) -> float:
        return min(max(x, 1.0), 10.0)

    if ok:
        s_ok = s * (1 + math.exp(w[8]) * (11 - d) * s ** -w[9]
                    * (math.exp(w[10] * (1 - r)) - 1))
        return max(s_ok, 0.001), clamp_d(w[7] * d0_easy + (1 - w[7]) * d)
    s_fail = min(w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp(w[14] * (1 - r)),
                 s / math.exp(w[17] * w[18]))
    s_fail = max(s_fail, 0.001)
    d_fail = clamp_d(w[7] * d0_easy + (1 - w[7]) * (d + 2 * w[6] * (10 - d) / 9))
    if not relearn:
        return s_fail, d_fail
    s_fail = max(s_fail * max(math.exp(w[17] * w[18]) * s_fail ** -w[19], 1.0), 0.001)
    return s_fail, clamp_d(w[7] * d0_easy + (1 - w[7]) * d_fail)


class KnowledgeModel:
    """FSRS's model of one learner (parameters `w`) as a decision problem:
    for a card of stability S and difficulty D (on a grid), each interval it
    may be booked at, with the knowledge it buys (the integral of predicted
    recall over the interval, discounted with a `horizon` of a year), the
    reviews it costs (with a relearning step, a lapse costs that step too),
    and where the card goes after a success and after a lapse (FSRS-6's
    updates). The intervals are those of retentions 70-97%, where FSRS's
    curve is fitted: reviews far past it would be extrapolation, and FSRS-6's
    curve is so flat there that without the band the plan stops reviewing.

    `plan(lam)` solves it for a price of `lam` days of recall per review."""

    S_GRID = tuple(math.exp(math.log(0.05) + i * (math.log(36500 / 0.05)) / 44)
                   for i in range(45))
    D_GRID = (1.0, 3.25, 5.5, 7.75, 10.0)
    RETENTIONS = tuple(0.70 + 0.01 * i for i in range(28))
    SWEEPS = 40  # value iteration: each sweep looks one review further ahead

    def __init__(self, w: Sequence[float], horizon: float = 365.0,
                 relearn: bool = True) -> None:
        self.w = w = tuple(float(x) for x in w)
        self.relearn = relearn
        decay = -w[20]
        factor = 0.9 ** (1 / decay) - 1
        self._log_s = [math.log(s) for s in self.S_GRID]
        self.n_states = len(self.S_GRID) * len(self.D_GRID)
        # per state, per interval: (interval, knowledge, reviews it costs,
        # [(state index, probability x discount)] of the next states)
        self.actions: list[list[tuple[int, float, float, list[tuple[int, float]]]]] = []
        for s in self.S_GRID:
            for d in self.D_GRID:
                row = []
                intervals = sorted({min(max(1, round(s / factor * (r ** (1 / decay) - 1))),
                                        36500) for r in self.RETENTIONS})
                for ivl in intervals:
                    r = (1 + factor * ivl / s) ** decay
                    n, h, acc = 16, ivl / 16, 0.0  # Simpson's rule, 16 panels
                    for k in range(n + 1):
                        t = k * h
                        f = (1 + factor * t / s) ** decay * math.exp(-t / horizon)
                        acc += f * (1 if k in (0, n) else 4 if k % 2 else 2)
                    disc = math.exp(-ivl / horizon)
                    nexts: dict[int, float] = {}
                    for p, ok in ((r, True), (1 - r, False)):
                        idx, wts = self.locate(*fsrs_next(w, s, d, r, ok, relearn))
                        for i, wt in zip(idx, wts, strict=True):
                            nexts[i] = nexts.get(i, 0.0) + p * disc * wt
                    row.append((ivl, acc * h / 3, 1 + (1 - r) * relearn, list(nexts.items())))
                self.actions.append(row)

    def locate(self, s: float, d: float) -> tuple[tuple[int, ...], tuple[float, ...]]:
        """The four grid states around (s, d) and their bilinear weights
        (in log stability), clamped to the grid."""
        log_s = self._log_s
        ls = min(max(math.log(max(s, 1e-3)), log_s[0]), log_s[-1])
        i = min(bisect.bisect_right(log_s, ls) - 1, len(log_s) - 2)
        fs = (ls - log_s[i]) / (log_s[i + 1] - log_s[i])
        dg = self.D_GRID
        d = min(max(d, dg[0]), dg[-1])
        j = min(bisect.bisect_right(dg, d) - 1, len(dg) - 2)
        fd = (d - dg[j]) / (dg[j + 1] - dg[j])
        nd = len(dg)
        return ((i * nd + j, i * nd + j + 1, (i + 1) * nd + j, (i + 1) * nd + j + 1),
                ((1 - fs) * (1 - fd), (1 - fs) * fd, fs * (1 - fd), fs * fd))

    def plan(self, lam: float, sweeps: int | None = None,
             start: KnowledgePlan | None = None) -> KnowledgePlan:
        """The best interval for each grid state at a price of `lam` days of
        recall per review, by value iteration: SWEEPS sweeps from nothing,
        or `sweeps` from the knowledge and reviews of `start`'s choices (a
        quick approximation, for the price search)."""
        n = self.n_states
        know = list(start.knowledge) if start else [0.0] * n
        cost = list(start.reviews) if start else [0.0] * n
        best = [1] * n
        for _ in range(self.SWEEPS if sweeps is None else sweeps):
            value = [k - lam * c for k, c in zip(know, cost, strict=True)]
            new_know, new_cost = [0.0] * n, [0.0] * n
            for n_state, row in enumerate(self.actions):
                top, chosen = -math.inf, row[0]
                for action in row:
                    q = action[1] - lam * action[2]
                    for i, wt in action[3]:
                        q += value[i] * wt
                    if q > top:
                        top, chosen = q, action
                ivl, k, c, nexts = chosen
                for i, wt in nexts:
                    k += know[i] * wt
                    c += cost[i] * wt
                new_know[n_state], new_cost[n_state], best[n_state] = k, c, ivl
            know, cost = new_know, new_cost
        return KnowledgePlan(self, lam, tuple(best), tuple(know), tuple(cost))


@dataclass(frozen=True)
class KnowledgePlan:
    """The interval to book for each (stability, difficulty) on the model's
    grid, at a price of `lam` days of recall per review."""

    model: KnowledgeModel = field(repr=False)
    lam: float
    best: tuple[int, ...] = field(repr=False)
    # from each state on: the discounted knowledge and reviews of the choices
    knowledge: tuple[float, ...] = field(repr=False)
    reviews: tuple[float, ...] = field(repr=False)

    def raw_interval(self, stability: float, difficulty: float) -> float:
        """The grid's choices around the card, interpolated in log interval."""
        idx, wts = self.model.locate(stability, difficulty)
        return math.exp(sum(math.log(self.best[i]) * w for i, w in zip(idx, wts, strict=True)))

    def interval(self, stability: float, difficulty: float) -> int:
        """Whole days to the card's next review."""
        return max(1, round(self.raw_interval(stability, difficulty)))


@functools.lru_cache(maxsize=8)
def knowledge_model(w: tuple[float, ...], relearn: bool) -> KnowledgeModel:
    return KnowledgeModel(w, relearn=relearn)


def first_state(w: Sequence[float]) -> tuple[float, float]:
    """A new card's stability and difficulty after its first Good, the
    stability at least REFERENCE_STABILITY days: fitted parameters may start
    a card at hours, where every retention's interval is one day."""
    return max(w[2], REFERENCE_STABILITY), min(max(w[4] - math.exp(w[5] * 2) + 1, 1.0), 10.0)


REFERENCE_STABILITY = 2.0
FIXED_SWEEPS = 300


def fixed_retention_value(model: KnowledgeModel, desired: float,
                          state: tuple[float, float]) -> tuple[float, float]:
    """The discounted knowledge (days of recall over the horizon) and reviews
    of FSRS's own policy, every review at retention `desired`, for a card in
    `state`, under the model: the knowledge is what `knowledge_plan` keeps."""
    r = min(max(desired, model.RETENTIONS[0]), model.RETENTIONS[-1])
    decay = -model.w[20]
    factor = 0.9 ** (1 / decay) - 1
    chosen = []
    for n_state, row in enumerate(model.actions):
        s = model.S_GRID[n_state // len(model.D_GRID)]
        want = min(max(1, round(s / factor * (r ** (1 / decay) - 1))), 36500)
        chosen.append(min(row, key=lambda a: abs(a[0] - want)))
    know, cost = [0.0] * model.n_states, [0.0] * model.n_states
    for _ in range(FIXED_SWEEPS):  # short intervals: many reviews to cover the horizon
        know = [k + sum(know[i] * wt for i, wt in nexts) for _ivl, k, _c, nexts in chosen]
        cost = [c + sum(cost[i] * wt for i, wt in nexts) for _ivl, _k, c, nexts in chosen]
    idx, wts = model.locate(*state)
    return (sum(know[i] * w for i, w in zip(idx, wts, strict=True)),
            sum(cost[i] * w for i, w in zip(idx, wts, strict=True)))


@functools.lru_cache(maxsize=8)
def learner_plan(w: tuple[float, ...], desired: float, relearn: bool) -> KnowledgePlan:
    """The plan for a learner's parameters `w` at the price per review that
    the desired retention sets with FSRS's default parameters
    (`knowledge_plan`). The price stays put when the parameters are fitted
    again: in the referee simulation (bench/RESULTS.md, 3 x 500 cards x 365
    days, automatic refits, then with a relearning step), pricing a review
    anew from each fit gave 1% fewer reviews than SM-2 at equal knowledge
    and this fixed price 19% fewer."""
    default = tuple(default_parameters())
    plan = knowledge_plan(default, desired, relearn)
    if tuple(w) == default:
        return plan
    return knowledge_model(w, relearn).plan(plan.lam)


@functools.lru_cache(maxsize=8)
def knowledge_plan(w: tuple[float, ...], desired: float, relearn: bool) -> KnowledgePlan:
    """The cheapest plan that keeps what FSRS's own policy would at retention
    `desired`: the price per review at which a new card's discounted
    knowledge over the horizon (FSRS's model) equals what booking every
    review at `desired` buys it. So the desired retention still sets how
    much is known (higher: more reviews, more recall), and the plan spends
    the reviews where they buy the most. The price, 0.01 to 300 days of
    recall a review, is found by false position in log price (a few plans
    of about 0.1 s each)."""
    model = knowledge_model(w, relearn)
    s0, d0 = first_state(w)
    target, _reviews = fixed_retention_value(model, desired, (s0, d0))
    idx, wts = model.locate(s0, d0)
    plans: dict[float, KnowledgePlan] = {}

    def gap(x: float) -> float:  # rises with the price (less is kept)
        plans[x] = plan = model.plan(math.exp(x))
        got = sum(plan.knowledge[i] * wt for i, wt in zip(idx, wts, strict=True))
        return target - got

    lo, hi = math.log(0.3), math.log(30.0)
    f_lo, f_hi = gap(lo), gap(hi)
    if f_lo >= 0:  # even a cheap review does not keep as much: cheaper still
        lo = math.log(0.01)
        if (f_lo := gap(lo)) >= 0:
            return plans[lo]
    if f_hi < 0:
        hi = math.log(300.0)
        if (f_hi := gap(hi)) < 0:
            return plans[hi]
    side = 0
    for _ in range(PRICE_SEARCH_STEPS):
        if f_hi - f_lo < 1e-9:
            break
        x = hi - f_hi * (hi - lo) / (f_hi - f_lo)
        x = min(max(x, lo + 0.02 * (hi - lo)), hi - 0.02 * (hi - lo))
        fx = gap(x)
        if fx < 0:
            lo, f_lo = x, fx
            f_hi, side = (f_hi / 2 if side == -1 else f_hi), -1
        else:
            hi, f_hi = x, fx
            f_lo, side = (f_lo / 2 if side == 1 else f_lo), 1
        if abs(fx) < 0.002 * target:  # within 0.2% of the knowledge aimed at
            return plans[x]
    return plans[lo]


PRICE_SEARCH_STEPS = 4
