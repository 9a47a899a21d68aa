"""Scheduling efficiency: simulated learners study a 500-card deck for a year.

    python bench/simulate.py [--memory PATH.py] [--cards 500] [--days 365]
                             [--learners 3] [--schedulers NAME,...]

The learners' memory is a model loaded from a file, the referee that judges
the schedulers (default bench/memory/actr.py, fitted to a real review log by
bench/fit_referee.py; bench/memory/README.md lists the others). A memory
model is a Python file that defines:

    NAME: str                                   what to call it in the report
    new_card(rng, card, learner) -> state       a card not yet studied; rng is
                                                the learner's random.Random,
                                                card and learner are indices
    recall(state, t) -> float                   probability of recall at time t
                                                (days since the start)
    review(state, t, recalled) -> state         after a showing at t: recalled
                                                is whether the answer was right
                                                (False at the first showing,
                                                which is a study, not a test)
    response_time(state, p, rng) -> float       seconds to a right answer when
                                                recall was p

State is whatever the model likes (it may be changed in place and returned).
The simulation draws every outcome itself (recalled = rng.random() < p), so a
model is a pure description of memory. A file missing any of these is
refused with a message naming what is missing.

Schedulers (20 new cards a day, one session a day at 09:00 in which every
card due that day is reviewed; a card missed in the session comes back in
it, as in quiz and Anki):

- quiz: this project's scheduler (FSRS-6 with default parameters, one
  10-minute learning and relearning step); right is Good, wrong is Again.
  Variants: elapsed time counted in the learner's calendar days (a day
  starts at 04:00, as FSRS's parameters were fitted and as Anki passes it);
  ratings from the response time (a right answer faster than the learner's
  own fastest quarter so far is Easy, slower than the slowest quarter Hard);
  `quiz optimize` every 30 days (fitted on the history so far, kept only if
  the held-back log loss does not get worse); no relearning step (a lapse
  is scheduled from its new stability); hindsight parameters (fitted on the
  learner's whole year, known only after the fact).
- kpr (knowledge per review): FSRS's model, with monthly fitting, calendar
  days and no relearning step, used to choose each card's next interval
  instead of aiming at a fixed retention. For a card of stability S and
  difficulty D it picks the interval that maximises expected knowledge (the
  integral of predicted recall, discounted with a one-year horizon) minus
  lambda times the reviews it will cost (with a relearning step, a lapse
  costs that step too), over the card's whole future, by value iteration on
  a grid of (S, D) with FSRS-6's stability and difficulty updates after a
  success and after a lapse, among the intervals of retentions 70-97%
  (where FSRS's curve was fitted). lambda is the price of a review in days
  of recall: the knob searched to match a rival's knowledge.
- SM-2 as Anki used it before FSRS: steps 1 and 10 minutes, graduating
  interval 1 day, starting ease 250%, Good multiplies the interval (plus
  half the days it was late) by the ease, Again cuts ease by 20 points
  (floor 130%) and sends the card back to a 1-day interval after a
  10-minute relearning step.
- Leitner: seven boxes reviewed after 1, 2, 4, 8, 16, 32 and 64 days;
  right moves a card up a box, wrong back to box 1.
- oracle, a ceiling for fixed-retention schedulers, not a rival: it reads
  each card's true memory and books its review for the day its true recall
  falls to a target.

Reported per scheduler: reviews done (every showing, same-day repeats
included), the share of scheduled reviews recalled (achieved retention)
against the desired retention (for kpr: the mean recall FSRS predicted for
the reviews it booked), and knowledge: the average recall probability of all
cards over the days after the last new card is introduced, and at the end.
Then, at equal knowledge: each scheduler's knob (desired retention, kpr's
lambda, the oracle's target) is searched (false position, --bisect steps)
until its knowledge brackets each rival's, and the reviews it needs there
are read off the line between the two closest points tried. With --match
recalled, "the same retention" is the share of scheduled reviews recalled
instead. The seconds each scheduler's run of all learners took are printed
beside it. --schedulers picks the variants (by short name), --rivals the
rivals to match.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import importlib.util
import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

# quiz's public API, in one place
from quiz.study.optimizer import NotEnoughHistory, fit
from quiz.study.scheduling import (
    CardState,
    Phase,
    Rating,
    Scheduler,
    Settings,
    default_parameters,
    state_from_json,
)

BENCH = Path(__file__).resolve().parent
DEFAULT_MEMORY = BENCH / "memory" / "actr.py"
INTERFACE = ("NAME", "new_card", "recall", "review", "response_time")
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
START = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)
DAY_STARTS = dt.timedelta(hours=4)  # the learner's day, for calendar-day elapsed time


# -- the learner's memory (ground truth) -------------------------------------------

class NotAMemoryModel(Exception):
    pass


def load_memory(path: Path) -> ModuleType:
    """The memory model in file `path` (see the module docstring)."""
    if not path.is_file():
        raise NotAMemoryModel(f"{path}: no such file")
    name = f"memory_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise NotAMemoryModel(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    missing = [n for n in INTERFACE if not hasattr(module, n)]
    if missing:
        raise NotAMemoryModel(
            f"{path}: not a memory model: it does not define {', '.join(missing)} "
            f"(a model defines {', '.join(INTERFACE)}; see bench/simulate.py)")
    not_callable = [n for n in INTERFACE[1:] if not callable(getattr(module, n))]
    if not_callable:
        raise NotAMemoryModel(f"{path}: not a memory model: {', '.join(not_callable)} "
                              "must be functions")
    return module


def days_at(now: dt.datetime) -> float:
    return (now - START).total_seconds() / 86400


class Learner:
    """One simulated learner's memory of every card."""

    def __init__(self, model: ModuleType, n_cards: int, k: int) -> None:
        rng = random.Random(100 + k)
        self.model = model
        self.states = [model.new_card(rng, c, k) for c in range(n_cards)]
        self.seen = [False] * n_cards
        self.last = [0.0] * n_cards  # time of the last showing, days

    def recall(self, card: int, now: dt.datetime) -> float:
        if not self.seen[card]:
            return 0.0
        return float(self.model.recall(self.states[card], days_at(now)))

    def show(self, card: int, now: dt.datetime, rng: random.Random,
             rt_rng: random.Random) -> tuple[bool, float | None]:
        """Show the card at `now`: (recalled, seconds to the right answer)."""
        t = days_at(now)
        if not self.seen[card]:  # first study: not a test
            self.seen[card] = True
            self.states[card] = self.model.review(self.states[card], t, False)
            self.last[card] = t
            return False, None
        p = float(self.model.recall(self.states[card], t))
        ok = rng.random() < p
        seconds = float(self.model.response_time(self.states[card], p, rt_rng)) if ok else None
        self.states[card] = self.model.review(self.states[card], t, ok)
        self.last[card] = t
        return ok, seconds

    def crossing(self, card: int, target: float) -> float:
        """Days after the last showing at which true recall falls to `target`
        (recall falls between showings in any sensible model)."""
        state, t0 = self.states[card], self.last[card]
        lo, hi = 0.0, 1.0
        while self.model.recall(state, t0 + hi) > target and hi < 1e5:
            lo, hi = hi, hi * 2
        for _ in range(24):
            mid = (lo + hi) / 2
            if self.model.recall(state, t0 + mid) > target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2


# -- schedulers: each keeps its own per-card state ------------------------------

class Policy:
    name = ""

    def first(self, card: int, now: dt.datetime) -> dt.datetime:
        """After a new card's first showing (a study)."""
        raise NotImplementedError

    def review(self, card: int, ok: bool, now: dt.datetime, seconds: float | None
               ) -> dt.datetime:
        raise NotImplementedError

    def scheduled(self, card: int) -> bool:
        """Whether the card is out of learning (its reviews count as scheduled)."""
        return True

    def predicted(self, card: int, now: dt.datetime) -> float | None:
        """The recall this scheduler expects at a scheduled review (for the
        retention it aims at), if it has a model."""
        return None


def learner_day(when: dt.datetime) -> dt.datetime:
    """The start (04:00) of the learner's day `when` falls in (UTC learner)."""
    day = (when - DAY_STARTS).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + DAY_STARTS


def fsrs_forgetting(parameters: Sequence[float]) -> tuple[float, float]:
    decay = -parameters[20]
    return decay, 0.9 ** (1 / decay) - 1


class Quiz(Policy):
    name = "quiz (FSRS-6)"

    def __init__(self, desired: float, seed: int, optimize_every: int | None = None,
                 parameters: tuple[float, ...] | None = None, calendar: bool = False,
                 rt_ratings: bool = False, relearn: bool = True) -> None:
        self.desired = desired
        self.parameters = parameters
        self.relearn = relearn
        self.scheduler = self._scheduler(parameters)
        self.state: dict[int, CardState] = {}
        self.log: list[tuple[object, dt.datetime, int]] = []
        self.every = optimize_every
        self.optimize_at = START + optimize_every * DAY if optimize_every else None
        self.calendar = calendar
        self.rt_ratings = rt_ratings
        self.times: list[float] = []  # the learner's right answers' seconds, sorted
        random.seed(seed)  # the fsrs library fuzzes intervals with the global RNG

    def _scheduler(self, parameters: tuple[float, ...] | None) -> Scheduler:
        kw: dict[str, Any] = {} if self.relearn else {"relearning_steps": ()}
        return Scheduler(Settings(desired_retention=self.desired, parameters=parameters, **kw))

    def refitted(self) -> None:
        """Called when new parameters are adopted."""

    def _maybe_optimize(self, now: dt.datetime) -> None:
        if self.optimize_at is None or not self.every or now < self.optimize_at:
            return
        # what `quiz optimize` does: fit on the history so far, keep the
        # parameters only if the held-back log loss does not get worse
        try:
            result = fit(self.log)
        except NotEnoughHistory:  # as `quiz optimize`: keep what there is
            result = None
        if result is not None and result.log_loss_after <= result.log_loss_before:
            self.parameters = result.parameters
            self.scheduler = self._scheduler(result.parameters)
            self.refitted()
        self.optimize_at = now.replace(hour=START.hour) + self.every * DAY

    def _calendar_state(self, state: CardState | None, now: dt.datetime) -> CardState | None:
        """The state with its last review moved to the start of its learner
        day: the library counts whole 24-hour periods since the last review,
        so from there it counts the calendar days between the two reviews."""
        if state is None or state.last_review is None:
            return state
        start = learner_day(state.last_review)
        if learner_day(now) == start:
            return state  # the same day: the library's short-term path, as it is
        data = json.loads(state.data)
        data["last_review"] = start.isoformat()
        return state_from_json(json.dumps(data))

    def rating(self, ok: bool, seconds: float | None) -> Rating:
        if not ok:
            return Rating.AGAIN
        if not self.rt_ratings or seconds is None:
            return Rating.GOOD
        times = self.times
        rating = Rating.GOOD
        if len(times) >= 20:
            if seconds < times[len(times) // 4]:
                rating = Rating.EASY
            elif seconds > times[3 * len(times) // 4]:
                rating = Rating.HARD
        bisect.insort(times, seconds)
        return rating

    def _review(self, card: int, rating: Rating, now: dt.datetime) -> dt.datetime:
        self._maybe_optimize(now)
        state = self.state.get(card)
        if self.calendar:
            state = self._calendar_state(state, now)
        self.state[card] = self.scheduler.review(state, rating, now)
        self.log.append((card, now, int(rating)))
        return self.due(card, now)

    def due(self, card: int, now: dt.datetime) -> dt.datetime:
        return self.state[card].due

    def first(self, card: int, now: dt.datetime) -> dt.datetime:
        return self._review(card, Rating.GOOD, now)

    def review(self, card: int, ok: bool, now: dt.datetime, seconds: float | None
               ) -> dt.datetime:
        return self._review(card, self.rating(ok, seconds), now)

    def scheduled(self, card: int) -> bool:
        return self.state[card].phase is Phase.REVIEW

    def predicted(self, card: int, now: dt.datetime) -> float | None:
        state = self.state[card]
        if state.last_review is None or state.stability is None:
            return None
        decay, factor = fsrs_forgetting(self.parameters or default_parameters())
        last = learner_day(state.last_review) if self.calendar else state.last_review
        days = max(0, (now - last).days)
        return float((1 + factor * days / state.stability) ** decay)


# -- knowledge per review: FSRS's model, an interval per card chosen for value ------

def fsrs_next(w: Sequence[float], s: float, d: float, r: float, ok: bool,
              relearn: bool = True) -> tuple[float, float]:
    """FSRS-6's stability and difficulty after a review at predicted recall r
    on a later day: Good if ok, else Again followed (if relearn) by a Good
    relearning step the same day (short-term stability), as quiz schedules
    a lapse."""
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


class ValueTable:
    """For FSRS parameters w, a discount horizon and a review price lam: the
    interval (days) to book for a card of stability S and difficulty D that
    maximises expected discounted knowledge minus lam per review, over the
    card's future (value iteration on a grid; FSRS-6's updates, Good after a
    success, Again then a Good relearning step after a lapse)."""

    S_GRID = tuple(math.exp(math.log(0.05) + i * (math.log(36500 / 0.05)) / 44)
                   for i in range(45))
    D_GRID = (1.0, 3.25, 5.5, 7.75, 10.0)
    # the retentions it may book a review at: where FSRS's curve was fitted
    # (reviews far past it are extrapolation, and FSRS-6's curve is flat there)
    RETENTIONS = tuple(0.70 + 0.01 * i for i in range(28))

    def __init__(self, w: Sequence[float], lam: float, horizon: float = 365.0,
                 sweeps: int = 40, relearn: bool = True,
                 retentions: Sequence[float] | None = None) -> None:
        self.w = w = tuple(float(x) for x in w)
        decay, factor = fsrs_forgetting(w)
        log_s = [math.log(s) for s in self.S_GRID]

        def locate(s: float, d: float) -> tuple[tuple[int, ...], tuple[float, ...]]:
            ls = min(max(math.log(max(s, 1e-3)), log_s[0]), log_s[-1])
            i = min(bisect.bisect_right(log_s, ls) - 1, len(log_s) - 2)
            fs = (ls - log_s[i]) / (log_s[i + 1] - log_s[i])
            dg = self.D_GRID
            j = min(bisect.bisect_right(dg, d) - 1, len(dg) - 2)
            fd = (d - dg[j]) / (dg[j + 1] - dg[j])
            nd = len(dg)
            return ((i * nd + j, i * nd + j + 1, (i + 1) * nd + j, (i + 1) * nd + j + 1),
                    ((1 - fs) * (1 - fd), (1 - fs) * fd, fs * (1 - fd), fs * fd))

        states = [(s, d) for s in self.S_GRID for d in self.D_GRID]
        actions = []  # per state: (interval, immediate value, p, discount, succ, fail)
        for s, d in states:
            row = []
            intervals = sorted({min(max(1, round(s / factor * (r ** (1 / decay) - 1))), 36500)
                                for r in retentions or self.RETENTIONS})
            for ivl in intervals:
                r = (1 + factor * ivl / s) ** decay
                # discounted knowledge over the interval (Simpson, 16 panels)
                n = 16
                h = ivl / n
                acc = 0.0
                for k in range(n + 1):
                    t = k * h
                    f = (1 + factor * t / s) ** decay * math.exp(-t / horizon)
                    acc += f * (1 if k in (0, n) else 4 if k % 2 else 2)
                knowledge = acc * h / 3
                s_ok, d_ok = fsrs_next(w, s, d, r, True)
                s_fail, d_fail = fsrs_next(w, s, d, r, False, relearn)
                cost = lam * (1 + (1 - r) * relearn)
                row.append((ivl, knowledge - cost, r, math.exp(-ivl / horizon),
                            locate(s_ok, d_ok), locate(s_fail, d_fail)))
            actions.append(row)
        value = [0.0] * len(states)
        best = [1] * len(states)
        for _ in range(sweeps):
            new = []
            for n_state, row in enumerate(actions):
                top, arg = -math.inf, 1
                for ivl, now_value, r, disc, (si, sw), (fi, fw) in row:
                    v_ok = (value[si[0]] * sw[0] + value[si[1]] * sw[1]
                            + value[si[2]] * sw[2] + value[si[3]] * sw[3])
                    v_fail = (value[fi[0]] * fw[0] + value[fi[1]] * fw[1]
                              + value[fi[2]] * fw[2] + value[fi[3]] * fw[3])
                    q = now_value + disc * (r * v_ok + (1 - r) * v_fail)
                    if q > top:
                        top, arg = q, ivl
                new.append(top)
                best[n_state] = arg
            value = new
        self.best = best
        self._locate = locate

    def interval(self, s: float, d: float) -> int:
        """The interval to book, from the nearest grid point's choice
        (interpolated in log interval)."""
        idx, wts = self._locate(s, d)
        log_ivl = sum(math.log(self.best[i]) * w for i, w in zip(idx, wts, strict=True))
        return max(1, round(math.exp(log_ivl)))


class Kpr(Quiz):
    name = "kpr"

    def __init__(self, lam: float, seed: int, optimize_every: int | None = 30,
                 calendar: bool = True, rt_ratings: bool = False, relearn: bool = False,
                 **table: Any) -> None:
        super().__init__(0.9, seed, optimize_every=optimize_every, calendar=calendar,
                         rt_ratings=rt_ratings, relearn=relearn)
        self.lam = lam
        self.table_options = table
        self.table = ValueTable(default_parameters(), lam, relearn=relearn, **table)
        self.booked: dict[int, dt.datetime] = {}

    def refitted(self) -> None:
        assert self.parameters is not None
        self.table = ValueTable(self.parameters, self.lam, relearn=self.relearn,
                                **self.table_options)

    def due(self, card: int, now: dt.datetime) -> dt.datetime:
        state = self.state[card]
        if state.phase is not Phase.REVIEW or state.stability is None:
            return state.due  # a learning step, the same day
        assert state.difficulty is not None
        ivl = self.table.interval(state.stability, state.difficulty)
        return now + ivl * DAY


@dataclass
class _Sm2Card:
    step: int | None = 0  # index into the steps, None once graduated
    ivl: float = 0.0
    ease: float = 2.5
    due: dt.datetime = START
    lapsed: bool = False


class Sm2(Policy):
    name = "SM-2 (Anki)"
    STEPS = (MINUTE, 10 * MINUTE)
    RELEARN = (10 * MINUTE,)

    def __init__(self) -> None:
        self.cards: dict[int, _Sm2Card] = {}

    def first(self, card: int, now: dt.datetime) -> dt.datetime:
        c = self.cards[card] = _Sm2Card()
        c.step = 1  # Good on a new card: on to the second step
        c.due = now + self.STEPS[1]
        return c.due

    def review(self, card: int, ok: bool, now: dt.datetime, seconds: float | None
               ) -> dt.datetime:
        c = self.cards[card]
        steps = self.RELEARN if c.lapsed else self.STEPS
        if c.step is not None:  # learning or relearning
            if not ok:
                c.step = 0
                c.due = now + steps[0]
            elif c.step + 1 < len(steps):
                c.step += 1
                c.due = now + steps[c.step]
            else:
                c.step, c.lapsed = None, False
                c.ivl = max(c.ivl, 1.0)
                c.due = now + c.ivl * DAY
            return c.due
        late = max(0.0, (now - c.due) / DAY)
        if ok:
            c.ivl = max(c.ivl + 1, (c.ivl + late / 2) * c.ease)
            c.due = now + round(c.ivl) * DAY
        else:
            c.ease = max(1.3, c.ease - 0.2)
            c.ivl = 1.0  # new interval 0% (Anki's default), at least a day
            c.step, c.lapsed = 0, True
            c.due = now + self.RELEARN[0]
        return c.due

    def scheduled(self, card: int) -> bool:
        return self.cards[card].step is None


class Leitner(Policy):
    name = "Leitner (7 boxes)"
    INTERVALS = (1, 2, 4, 8, 16, 32, 64)

    def __init__(self) -> None:
        self.box: dict[int, int] = {}

    def first(self, card: int, now: dt.datetime) -> dt.datetime:
        self.box[card] = 0
        return now + self.INTERVALS[0] * DAY

    def review(self, card: int, ok: bool, now: dt.datetime, seconds: float | None
               ) -> dt.datetime:
        self.box[card] = min(self.box[card] + 1, len(self.INTERVALS) - 1) if ok else 0
        return now + self.INTERVALS[self.box[card]] * DAY


class Oracle(Policy):
    """Not a scheduler anyone can build: it reads the simulated learner's true
    memory and books each review for the day the card's true recall falls to
    `target`. That is what FSRS aims at with estimates, done with the truth:
    a ceiling for schedulers that aim at a fixed retention, not a rival."""

    name = "oracle"

    def __init__(self, target: float, learner: Learner) -> None:
        self.target = target
        self.learner = learner

    def first(self, card: int, now: dt.datetime) -> dt.datetime:
        return self.review(card, False, now, None)

    def review(self, card: int, ok: bool, now: dt.datetime, seconds: float | None
               ) -> dt.datetime:
        # the learner's memory is already updated by this showing
        return now + max(1, round(self.learner.crossing(card, self.target))) * DAY

    def predicted(self, card: int, now: dt.datetime) -> float | None:
        return self.target


# -- the simulation ------------------------------------------------------------------

@dataclass
class Result:
    reviews: int = 0
    scheduled: int = 0  # reviews of cards out of learning
    recalled: int = 0  # of those, recalled
    predicted: float = 0.0  # sum of the scheduler's expected recall at them
    with_prediction: int = 0
    knowledge: list[float] = field(default_factory=list)  # mean recall, each evening

    @property
    def success(self) -> float:
        return self.recalled / self.scheduled if self.scheduled else float("nan")

    @property
    def aimed(self) -> float:
        return self.predicted / self.with_prediction if self.with_prediction else float("nan")


def run(policy: Policy, learner: Learner, days: int, new_per_day: int, seed: int) -> Result:
    rng = random.Random(seed)
    rt_rng = random.Random(seed + 10_000)
    res = Result()
    n_cards = len(learner.states)
    due: dict[int, dt.datetime] = {}
    introduced = 0
    for day in range(days):
        now = START + day * DAY
        session_end = now + 6 * 60 * MINUTE  # same-day steps are done in the session
        todays_new = list(range(introduced, min(introduced + new_per_day, n_cards)))
        introduced += len(todays_new)
        # a review is due all day, as in Anki and quiz (intervals are in days)
        day_end = START.replace(hour=0) + (day + 1) * DAY
        queue = sorted((c for c, d in due.items() if d < day_end), key=lambda c: due[c])
        queue += todays_new
        later: list[tuple[dt.datetime, int]] = []  # learning steps due later today
        while queue or later:
            if not queue:
                later.sort()
                when, card = later.pop(0)
                now = max(now, when)
            else:
                card = queue.pop(0)
            if not learner.seen[card]:
                learner.show(card, now, rng, rt_rng)
                due[card] = policy.first(card, now)
            else:
                counted = policy.scheduled(card)
                if counted:
                    aimed = policy.predicted(card, now)
                    if aimed is not None:
                        res.predicted += aimed
                        res.with_prediction += 1
                ok, seconds = learner.show(card, now, rng, rt_rng)
                res.scheduled += counted
                res.recalled += counted and ok
                due[card] = policy.review(card, ok, now, seconds)
            res.reviews += 1
            now += MINUTE
            if due[card] < session_end:
                later.append((due[card], card))
            ready = [x for x in later if x[0] <= now]
            for x in ready:
                later.remove(x)
                queue.insert(0, x[1])
        evening = START + day * DAY + 12 * 60 * MINUTE
        res.knowledge.append(sum(learner.recall(c, evening) for c in range(n_cards)) / n_cards)
    return res


def knowledge(res: Result, settled_from: int) -> float:
    tail = res.knowledge[settled_from:]
    return sum(tail) / len(tail)


Make = Callable[[int, Learner], Policy]


@dataclass(frozen=True)
class Figures:
    reviews: float
    success: float  # share of scheduled reviews recalled
    knowledge: float
    end: float
    aimed: float  # the recall the scheduler expected at its scheduled reviews
    seconds: float  # wall time of the run, all learners

    def get(self, column: str) -> float:
        return float(getattr(self, column))


def study(make: Make, args: argparse.Namespace) -> Figures:
    """The figures, averaged over learners."""
    t = time.perf_counter()
    totals = [0.0] * 5
    settled = math.ceil(args.cards / args.new) + 1
    for k in range(args.learners):
        learner = Learner(args.model, args.cards, k)
        res = run(make(k, learner), learner, args.days, args.new, k)
        for i, v in enumerate((res.reviews, res.success, knowledge(res, settled),
                               res.knowledge[-1], res.aimed)):
            totals[i] += v / args.learners
    return Figures(*totals, seconds=time.perf_counter() - t)


def hindsight_parameters(args: argparse.Namespace) -> dict[int, tuple[float, ...] | None]:
    """FSRS parameters fitted on each learner's whole year (studied once with
    the defaults at 90%): the best FSRS's own model can describe this memory,
    known only after the fact."""
    out: dict[int, tuple[float, ...] | None] = {}
    for k in range(args.learners):
        learner = Learner(args.model, args.cards, k)
        policy = Quiz(0.9, k)
        run(policy, learner, args.days, args.new, k)
        try:
            out[k] = tuple(fit(policy.log).parameters)
        except NotEnoughHistory:  # a tiny run (the test suite's): the defaults
            out[k] = None
    return out


def diagnose(args: argparse.Namespace, parameters: tuple[float, ...] | None) -> str:
    """How well FSRS's stability (its 90% interval) tracks the first learner's
    true 90% interval after the year, with these parameters."""
    import statistics

    learner = Learner(args.model, args.cards, 0)
    policy = Quiz(0.9, 0, parameters=parameters)
    run(policy, learner, args.days, args.new, 0)
    pairs = [(math.log(policy.state[c].stability or 1e-9),
              math.log(max(learner.crossing(c, 0.9), 1e-6)))
             for c in range(args.cards) if c in policy.state]
    ratios = [a - b for a, b in pairs]
    ours, true = [a for a, _ in pairs], [b for _, b in pairs]
    return (f"FSRS stability / true 90% interval, first learner, end of the year: median "
            f"{math.exp(statistics.median(ratios)):.2f}, spread (sd of log) "
            f"{statistics.stdev(ratios):.2f}, correlation of logs "
            f"{statistics.correlation(ours, true):.2f}")


@dataclass(frozen=True)
class Variant:
    """A scheduler with a knob: make(x) for x in [0, 1], knowledge rising with x."""

    label: str
    make: Callable[[float], Make]
    knob: Callable[[float], float]  # x -> the knob's own value, for the report
    knob_name: str


def retention(x: float) -> float:
    return 0.70 + 0.29 * x


def price(x: float) -> float:
    """kpr's lambda (days of recall a review must buy): 300 at x = 0 down to
    0.3 at x = 1."""
    return 300.0 * 1000.0 ** -x


def match(variant: Variant, goal: float, args: argparse.Namespace, column: str,
          cache: dict[float, Figures]) -> tuple[float, Figures, bool]:
    """The knob at which the variant reaches `goal` in `column`, found by
    false position (Illinois) over x in [0, 1], and its figures there read off
    the line between the two closest points tried; whether it bracketed."""

    def at(x: float) -> Figures:
        if x not in cache:
            cache[x] = study(variant.make(x), args)
        return cache[x]

    lo, hi = 0.0, 1.0
    f_lo, f_hi = at(lo).get(column) - goal, at(hi).get(column) - goal
    if math.isnan(f_lo) or math.isnan(f_hi):  # a run too small to have the figure
        return variant.knob(hi), at(hi), False
    if f_lo > 0 or f_hi < 0:  # out of reach: the end nearest
        x = lo if f_lo > 0 else hi
        return variant.knob(x), at(x), False
    side = 0
    for _ in range(args.bisect):
        x = hi - f_hi * (hi - lo) / (f_hi - f_lo) if f_hi != f_lo else (lo + hi) / 2
        x = min(max(x, lo + 0.02 * (hi - lo)), hi - 0.02 * (hi - lo))
        fx = at(x).get(column) - goal
        if math.isnan(fx):
            break
        if fx < 0:
            lo, f_lo = x, fx
            if side == -1:
                f_hi /= 2
            side = -1
        else:
            hi, f_hi = x, fx
            if side == 1:
                f_lo /= 2
            side = 1
    a, b = at(lo), at(hi)
    ga, gb = a.get(column), b.get(column)
    share = 0.5 if gb == ga else (goal - ga) / (gb - ga)
    mixed = Figures(*(getattr(a, f) + share * (getattr(b, f) - getattr(a, f))
                      for f in ("reviews", "success", "knowledge", "end", "aimed", "seconds")))
    return variant.knob(lo + share * (hi - lo)), mixed, True


VARIANT_NAMES = ("quiz", "calendar", "monthly", "calendar-monthly", "calendar-time-monthly",
                 "calendar-monthly-nostep", "hindsight", "kpr", "kpr-default", "kpr-steps",
                 "oracle")


def variants(args: argparse.Namespace) -> dict[str, Variant]:
    hindsight: dict[int, tuple[float, ...] | None] = {}

    def fitted(k: int) -> tuple[float, ...] | None:
        if not hindsight:
            hindsight.update(hindsight_parameters(args))
        return hindsight[k]

    def quiz(label: str, **kw: Any) -> Variant:
        return Variant(label, lambda x: lambda k, m: Quiz(retention(x), k, **kw), retention,
                       "desired")

    return {
        "quiz": quiz("quiz"),
        "calendar": quiz("quiz, calendar days", calendar=True),
        "monthly": quiz("quiz, optimized monthly", optimize_every=30),
        "calendar-monthly": quiz("quiz, calendar days, optimized monthly", calendar=True,
                                 optimize_every=30),
        "calendar-time-monthly": quiz("quiz, calendar days, ratings from time, optimized monthly",
                                      calendar=True, rt_ratings=True, optimize_every=30),
        "hindsight": Variant("quiz, fitted in hindsight",
                             lambda x: lambda k, m: Quiz(retention(x), k, parameters=fitted(k)),
                             retention, "desired"),
        "kpr": Variant("kpr (calendar days, optimized monthly, no relearning step)",
                       lambda x: lambda k, m: Kpr(price(x), k), price, "lambda"),
        "kpr-default": Variant("kpr, default parameters",
                               lambda x: lambda k, m: Kpr(price(x), k, optimize_every=None),
                               price, "lambda"),
        "kpr-steps": Variant("kpr with a relearning step",
                             lambda x: lambda k, m: Kpr(price(x), k, relearn=True), price,
                             "lambda"),
        "calendar-monthly-nostep": quiz(
            "quiz, calendar days, optimized monthly, no relearning step", calendar=True,
            optimize_every=30, relearn=False),
        "oracle": Variant("oracle", lambda x: lambda k, m: Oracle(retention(x), m), retention,
                          "target"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memory", type=Path, default=DEFAULT_MEMORY,
                        help="the memory model, a Python file (bench/memory/*.py; the "
                             "interface is in this script's docstring)")
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--learners", type=int, default=3)
    parser.add_argument("--new", type=int, default=20, help="new cards a day")
    parser.add_argument("--bisect", type=int, default=5,
                        help="search steps for each match at equal knowledge (0: none)")
    parser.add_argument("--match", choices=("knowledge", "recalled"), default="knowledge",
                        help="what 'the same retention' means: the mean recall of all cards "
                             "(knowledge), or the share of scheduled reviews recalled (true "
                             "retention, as Anki's statistics show it)")
    parser.add_argument("--schedulers", default="",
                        help="the schedulers to run besides SM-2 and Leitner, comma-separated "
                             "(default: all): " + ", ".join(VARIANT_NAMES))
    parser.add_argument("--rivals", default="sm2,leitner",
                        help="the rivals to match at equal knowledge: sm2, leitner or both")
    parser.add_argument("--diagnose", action="store_true",
                        help="also report how far FSRS's stability (hindsight parameters) is "
                             "from the true one")
    args = parser.parse_args()
    column = "success" if args.match == "recalled" else "knowledge"
    try:
        args.model = load_memory(args.memory)
    except NotAMemoryModel as e:
        print(e, file=sys.stderr)
        sys.exit(2)
    t0 = time.perf_counter()
    print(f"{args.learners} simulated learners, {args.cards} cards, {args.days} days, "
          f"{args.new} new a day; memory: {args.model.NAME} ({args.memory.name})")
    print(f"{'scheduler':<58} {'reviews':>8} {'recalled':>9} {'aimed':>6} {'knowledge':>10} "
          f"{'at end':>7} {'time':>6}")

    def show(name: str, f: Figures) -> None:
        aimed = "" if math.isnan(f.aimed) else f"{f.aimed:.1%}"
        print(f"{name:<58} {f.reviews:>8,.0f} {f.success:>9.1%} {aimed:>6} {f.knowledge:>10.1%}"
              f" {f.end:>7.1%} {f.seconds:>5.0f}s", flush=True)

    rivals = {"SM-2 (Anki)": study(lambda k, m: Sm2(), args),
              "Leitner (7 boxes)": study(lambda k, m: Leitner(), args)}
    for name, figures in rivals.items():
        show(name, figures)
    chosen = variants(args)
    if args.schedulers:
        wanted = [s.strip() for s in args.schedulers.split(",")]
        unknown = [s for s in wanted if s not in chosen]
        if unknown:
            print(f"unknown scheduler(s): {', '.join(unknown)}; known: "
                  f"{', '.join(chosen)}", file=sys.stderr)
            sys.exit(2)
        chosen = {s: chosen[s] for s in wanted}
    caches: dict[str, dict[float, Figures]] = {name: {} for name in chosen}
    for name, v in chosen.items():
        x90 = (0.9 - 0.70) / 0.29 if v.knob_name != "lambda" else 0.5
        figures = caches[name].setdefault(x90, study(v.make(x90), args))
        knob = v.knob(x90)
        label = f"{v.label}, {v.knob_name} {knob:.0%}" if v.knob_name != "lambda" else \
            f"{v.label}, lambda {knob:.1f}"
        show(label, figures)
        if v.knob_name == "desired":
            print(f"  achieved retention {figures.success:.1%} for a desired {knob:.0%} "
                  f"({(figures.success - knob) * 100:+.1f} points)")
    if args.bisect > 0:
        print(f"same {args.match} as each rival (the knob found by search, reviews read off "
              "the line between the two closest points tried):")
    wanted_rivals = {"sm2": "SM-2 (Anki)", "leitner": "Leitner (7 boxes)"}
    unknown_rivals = [r for r in args.rivals.split(",") if r.strip() not in wanted_rivals]
    if unknown_rivals:
        print(f"unknown rival(s): {', '.join(unknown_rivals)}; known: sm2, leitner",
              file=sys.stderr)
        sys.exit(2)
    against = [wanted_rivals[r.strip()] for r in args.rivals.split(",")]
    for rival, theirs in rivals.items() if args.bisect > 0 else ():
        if rival not in against:
            continue
        for name, v in chosen.items():
            knob, mine, bracketed = match(v, theirs.get(column), args, column,
                                          caches[name])
            change = mine.reviews / theirs.reviews - 1
            verdict = (f"{-change:.0%} fewer reviews" if change <= 0
                       else f"{change:.0%} MORE reviews")
            knob_text = f"{knob:.1f}" if v.knob_name == "lambda" else f"{knob:.1%}"
            reach = "" if bracketed else " (out of the knob's reach: its nearest end)"
            print(f"  vs {rival:<18} {v.label} at {v.knob_name} {knob_text}: "
                  f"{mine.reviews:,.0f} reviews for {mine.get(column):.1%}, recalled "
                  f"{mine.success:.1%} (theirs {theirs.reviews:,.0f} for "
                  f"{theirs.get(column):.1%}): {verdict}{reach}", flush=True)
    if args.diagnose:
        print(diagnose(args, hindsight_parameters(args)[0]))
    print(f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
