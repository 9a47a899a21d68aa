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

- quiz: this project's scheduler, the code `quiz start` runs
  (quiz.study.scheduling): FSRS-6's memory model, each interval chosen for
  knowledge per review (the recall it buys over the card's future for the
  reviews it costs; the desired retention sets the price of a review),
  elapsed time in the learner's calendar days (a day starts at 04:00), one
  10-minute learning step and no relearning step (a lapse is booked from
  its new stability), and the parameters fitted again at a session's end
  when quiz would (a month and 400 reviews of learned cards since the last
  fit, kept only if they beat the ones in use); right is Good, wrong is
  Again. Variants: a 10-minute relearning step (quiz's before); default
  parameters; `policy: retention` (FSRS's own interval at the desired
  retention, the rest as quiz); "before": quiz before knowledge per review
  (FSRS's own interval at the desired retention, 24-hour periods, default
  parameters, a relearning step); and fixed-retention variants with a
  relearning step: calendar days, ratings from the response time (a right
  answer faster than the learner's own fastest quarter so far is Easy,
  slower than the slowest quarter Hard), `quiz optimize` every 30 days, no
  relearning step, hindsight parameters (fitted on the learner's whole
  year, known only after the fact).
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
against the recall the scheduler predicted for them ("aimed"), and
knowledge: the average recall probability of all cards over the days after
the last new card is introduced, and at the end.
Then, at equal knowledge: each scheduler's knob (desired retention, the
oracle's target) is searched (false position, --bisect steps)
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
from quiz.study.optimizer import NotEnoughHistory, fit, refit, refit_due
from quiz.study.scheduling import (
    CardState,
    Phase,
    Rating,
    Scheduler,
    Settings,
)

BENCH = Path(__file__).resolve().parent
DEFAULT_MEMORY = BENCH / "memory" / "actr.py"
INTERFACE = ("NAME", "new_card", "recall", "review", "response_time")
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
RELEARNING_STEP = 10 * MINUTE  # quiz's before it dropped the step
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
    """quiz's own scheduler (quiz.study.scheduling, the code `quiz start`
    runs), fed as a session feeds it: the start of the learner's day with
    every review (calendar days), and, with `auto_refit`, the parameters
    fitted again at a session's end whenever quiz would (a month and 400
    reviews of learned cards since the last fit, kept only if they beat the
    ones in use). `policy` "retention" is FSRS's own intervals (quiz before
    knowledge per review); `calendar` False counts 24-hour periods, as quiz
    did before; `optimize_every` N days refits on a fixed calendar instead;
    `relearn` a 10-minute relearning step after a lapse, as quiz had before
    (quiz's default has none)."""

    name = "quiz (FSRS-6)"

    def __init__(self, desired: float, seed: int, optimize_every: int | None = None,
                 parameters: tuple[float, ...] | None = None, calendar: bool = True,
                 rt_ratings: bool = False, relearn: bool = False,
                 policy: str = "knowledge", auto_refit: bool = False) -> None:
        self.desired = desired
        self.parameters = parameters
        self.relearn = relearn
        self.policy = policy
        self.scheduler = self._scheduler(parameters)
        self.state: dict[int, CardState] = {}
        self.log: list[tuple[object, dt.datetime, int]] = []
        self.every = optimize_every
        self.optimize_at = START + optimize_every * DAY if optimize_every else None
        self.auto_refit = auto_refit
        self.last_fit: dt.datetime | None = None
        self.learned_since = 0  # reviews of learned cards since the last fit
        self.session_day: dt.datetime | None = None
        self.calendar = calendar
        self.rt_ratings = rt_ratings
        self.times: list[float] = []  # the learner's right answers' seconds, sorted
        random.seed(seed)  # the fsrs library fuzzes intervals with the global RNG

    def _scheduler(self, parameters: tuple[float, ...] | None) -> Scheduler:
        steps = (RELEARNING_STEP,) if self.relearn else ()
        return Scheduler(Settings(desired_retention=self.desired, parameters=parameters,
                                  policy=self.policy,  # type: ignore[arg-type]
                                  relearning_steps=steps))

    def _refit(self) -> None:
        result, better = refit(self.log, self.parameters)
        if result is not None and better:
            self.parameters = result.parameters
            self.scheduler = self._scheduler(result.parameters)

    def _maybe_optimize(self, now: dt.datetime) -> None:
        if self.auto_refit:
            # the session before this one has ended (one session a day): quiz
            # fits again there when refit_due says so
            today = learner_day(now)
            if self.session_day is not None and today != self.session_day:
                if refit_due(self.last_fit, self.learned_since, now):
                    self._refit()
                    self.last_fit, self.learned_since = now, 0
            self.session_day = today
            return
        if self.optimize_at is None or not self.every or now < self.optimize_at:
            return
        self._refit()  # what `quiz optimize` does
        self.optimize_at = now.replace(hour=START.hour) + self.every * DAY

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
        if state is not None and state.phase is Phase.REVIEW:
            self.learned_since += 1
        day_start = START.replace(hour=DAY_STARTS.seconds // 3600) if self.calendar else None
        self.state[card] = self.scheduler.review(state, rating, now, day_start)
        self.log.append((card, now, int(rating)))
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
        day_start = START.replace(hour=DAY_STARTS.seconds // 3600) if self.calendar else None
        return self.scheduler.retrievability(state, now, day_start)


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


def run(policy: Policy, learner: Learner, days: int, new_per_day: int, seed: int,
        pace: dt.timedelta = MINUTE) -> Result:
    """One learner's year with `policy`: a session a day from 09:00, each
    showing taking `pace` (a minute; bench/retention_gap.py --same-time: none)."""
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
            now += pace
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
        policy = Quiz(0.9, k, calendar=False, policy="retention", relearn=True)
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
    policy = Quiz(0.9, 0, parameters=parameters, calendar=False, policy="retention",
                  relearn=True)
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


VARIANT_NAMES = ("quiz", "quiz-step", "quiz-default", "quiz-retention", "before", "calendar",
                 "monthly", "calendar-monthly", "calendar-time-monthly", "calendar-monthly-nostep",
                 "hindsight", "oracle")


def variants(args: argparse.Namespace) -> dict[str, Variant]:
    hindsight: dict[int, tuple[float, ...] | None] = {}

    def fitted(k: int) -> tuple[float, ...] | None:
        if not hindsight:
            hindsight.update(hindsight_parameters(args))
        return hindsight[k]

    def quiz(label: str, **kw: Any) -> Variant:
        return Variant(label, lambda x: lambda k, m: Quiz(retention(x), k, **kw), retention,
                       "desired")

    # FSRS's own intervals and a relearning step, as quiz had before
    fixed: dict[str, Any] = {"policy": "retention", "relearn": True}
    return {
        "quiz": quiz("quiz (knowledge per review, auto refit)", auto_refit=True),
        "quiz-step": quiz("quiz with a relearning step", auto_refit=True, relearn=True),
        "quiz-default": quiz("quiz, default parameters (no refit)"),
        "quiz-retention": quiz("quiz, policy: retention (auto refit)", auto_refit=True,
                               policy="retention"),
        "before": quiz("quiz before (fixed retention, 24-hour days)", calendar=False, **fixed),
        "calendar": quiz("fixed retention, calendar days", **fixed),
        "monthly": quiz("fixed retention, optimized monthly", calendar=False,
                        optimize_every=30, **fixed),
        "calendar-monthly": quiz("fixed retention, calendar days, optimized monthly",
                                 optimize_every=30, **fixed),
        "calendar-time-monthly": quiz("fixed retention, calendar days, ratings from time, "
                                      "optimized monthly", rt_ratings=True, optimize_every=30,
                                      **fixed),
        "hindsight": Variant("fixed retention, fitted in hindsight",
                             lambda x: lambda k, m: Quiz(retention(x), k, parameters=fitted(k),
                                                         calendar=False, **fixed),
                             retention, "desired"),
        "calendar-monthly-nostep": quiz(
            "fixed retention, calendar days, optimized monthly, no relearning step",
            optimize_every=30, **{**fixed, "relearn": False}),
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
        x90 = (0.9 - 0.70) / 0.29
        figures = caches[name].setdefault(x90, study(v.make(x90), args))
        knob = v.knob(x90)
        label = f"{v.label}, {v.knob_name} {knob:.0%}"
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
            knob_text = f"{knob:.1%}"
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
