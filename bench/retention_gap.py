"""Where achieved retention parts from the desired one, under quiz's
`retention` policy (FSRS's own interval at the desired retention).

    python bench/retention_gap.py [--memory PATH.py] [--desired 0.9]
                                  [--fuzz quiz|library|off]
                                  [--rounding nearest|floor|ceil]
                                  [--no-refit] [--same-time] [--policy P]

Runs bench/simulate.py's `quiz-retention` (3 learners x 500 cards x 365
days, the ACT-R referee, automatic refits) with one factor changed at a
time, and accounts for every scheduled review (a review of a card out of
learning, as simulate.py counts them):

    desired - aimed  =  floor + rounding + fuzz + late + refit

where, with S the stability FSRS gave the card when it booked the review
and R(t) its forgetting curve under the parameters in use then,
- floor:    desired - R(max(1, t*)), t* = FSRS's exact interval (R(t*) is
            the desired retention): no interval is shorter than a day;
- rounding: R(max(1, t*)) - R(max(1, round(t*))), whole days (--rounding);
- fuzz:     R(max(1, round(t*))) - R(booked), the fuzz the booking added;
- late:     R(booked) - R(elapsed), the learner's calendar days between the
            reviews against those booked (day boundaries, a review done on
            a later day than booked);
- refit:    R(elapsed) - aimed, aimed being simulate.py's "aimed": the
            prediction at the review, with the parameters in use then (a
            refit after the booking changes the curve and the stability).

Then aimed - recalled is FSRS's over-prediction on the referee (true: the
mean of the referee's own recall probabilities at those reviews, the
recalled share without the coin flips). Each split by the review's kind
(the first review after the card's first showing, one after a success, one
after a lapse), by quarter of the simulated year, by the parameters in use
(the defaults, before the first refit, or fitted) and by whether FSRS's
exact interval t* was under a day (column t*<1d: the share that was).

--fuzz library books with the fsrs library's own fuzz (it rounds a uniform
draw over [lo, hi + 1), so it books half a day late on average), --fuzz off
with none; --rounding floor/ceil rounds FSRS's interval down or up instead
of to the nearest day; --no-refit keeps the default parameters all year;
--same-time does every review of a session at 09:00 (instead of a minute
each from 09:00), so each interval is whole days of real time too; --seed
N other random draws for the same learners (the run-to-run noise).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import simulate as sim  # noqa: E402

from quiz.study.scheduling import (  # noqa: E402
    CardState,
    Phase,
    Rating,
    Scheduler,
    Settings,
    calendar_days,
    default_parameters,
    forgetting_curve,
)

DAY_START = sim.START.replace(hour=sim.DAY_STARTS.seconds // 3600)
PARTS = ("floor", "rounding", "fuzz", "late", "refit")
KINDS = ("first", "after success", "after lapse")


@dataclass
class Booking:
    kind: str  # of the review this booking leads to
    parameters: tuple[float, ...]
    stability: float
    exact: float  # FSRS's exact interval, days
    booked: int  # calendar days from the review to the due date


@dataclass
class Tally:
    n: int = 0
    sums: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, **values: float) -> None:
        self.n += 1
        for k, v in values.items():
            self.sums[k] += v

    def mean(self, key: str) -> float:
        return self.sums[key] / self.n if self.n else math.nan


class Audited(sim.Quiz):
    """simulate.py's Quiz, with each booking kept and each scheduled review
    accounted for, and the factors of this script's options."""

    def __init__(self, desired: float, seed: int, learner: sim.Learner,
                 opts: argparse.Namespace, tallies: dict[str, Tally]) -> None:
        self.opts = opts
        super().__init__(desired, seed, policy=opts.policy, auto_refit=not opts.no_refit)
        self.learner = learner
        self.tallies = tallies
        self.bookings: dict[int, Booking] = {}
        self.pending: dict[int, dict[str, float]] = {}

    def _scheduler(self, parameters: tuple[float, ...] | None) -> Scheduler:
        fuzz = self.opts.fuzz
        scheduler = Scheduler(Settings(desired_retention=self.desired, parameters=parameters,
                                       policy=self.policy,  # type: ignore[arg-type]
                                       fuzz=fuzz == "quiz"))
        lib: Any = scheduler._scheduler
        if fuzz == "library":
            lib.enable_fuzzing = True
        if self.opts.rounding != "nearest":
            whole = math.floor if self.opts.rounding == "floor" else math.ceil

            def next_interval(*, stability: float) -> int:
                exact = stability / lib._FACTOR * (lib.desired_retention ** (1 / lib._DECAY) - 1)
                return int(min(max(whole(exact), 1), lib.maximum_interval))

            lib._next_interval = next_interval
        return scheduler

    def _review(self, card: int, rating: Rating, now: dt.datetime) -> dt.datetime:
        before = self.state.get(card)
        due = super()._review(card, rating, now)
        after = self.state[card]
        if after.phase is Phase.REVIEW and after.stability is not None:
            w = self.parameters or tuple(default_parameters())
            decay = -w[20]
            factor = 0.9 ** (1 / decay) - 1
            exact = after.stability / factor * (self.desired ** (1 / decay) - 1)
            kind = ("first" if before is None else
                    "after lapse" if rating is Rating.AGAIN else "after success")
            self.bookings[card] = Booking(kind, tuple(w), after.stability, exact,
                                          calendar_days(now, due, DAY_START))
        return due

    def predicted(self, card: int, now: dt.datetime) -> float | None:
        aimed = super().predicted(card, now)
        b = self.bookings.get(card)
        state: CardState = self.state[card]
        if aimed is None or b is None or state.last_review is None:
            return aimed
        elapsed = calendar_days(state.last_review, now, DAY_START)

        def r(days: float) -> float:
            return forgetting_curve(days, b.stability, b.parameters)

        whole = {"nearest": round, "floor": math.floor, "ceil": math.ceil}[self.opts.rounding]
        curve = {"exact": r(max(1.0, b.exact)), "rounded": r(max(1, whole(b.exact))),
                 "booked": r(b.booked), "elapsed": r(elapsed)}
        self.pending[card] = {
            "floor": self.desired - curve["exact"],
            "rounding": curve["exact"] - curve["rounded"],
            "fuzz": curve["rounded"] - curve["booked"],
            "late": curve["booked"] - curve["elapsed"],
            "refit": curve["elapsed"] - aimed,
            "aimed": aimed, "aimed_at_booking": curve["booked"],
            "true": self.learner.recall(card, now),
            "day": sim.days_at(now), "kind": float(KINDS.index(b.kind)),
            "short": float(b.exact < 1),
        }
        return aimed

    def review(self, card: int, ok: bool, now: dt.datetime, seconds: float | None
               ) -> dt.datetime:
        got = self.pending.pop(card, None)
        if got is not None:
            kind, quarter = KINDS[int(got.pop("kind"))], min(int(got.pop("day") // 91.25), 3)
            fitted = "fitted" if self.parameters is not None else "default"
            span = "t* < 1 day" if got["short"] else "t* >= 1 day"
            for key in ("all", kind, f"Q{quarter + 1}", fitted, span):
                self.tallies[key].add(recalled=float(ok), **got)
        return super().review(card, ok, now, seconds)


def run_all(opts: argparse.Namespace) -> list[dict[str, Tally]]:
    """Each learner's tallies."""
    out = []
    for k in range(opts.learners):
        tallies: dict[str, Tally] = defaultdict(Tally)
        learner = sim.Learner(opts.model, opts.cards, k)
        seed = k + 1000 * opts.seed  # 0: simulate.py's draws
        policy = Audited(opts.desired, seed, learner, opts, tallies)
        sim.run(policy, learner, opts.days, opts.new, seed,
                pace=dt.timedelta(0) if opts.same_time else sim.MINUTE)
        out.append(tallies)
    return out


def averaged(learners: list[dict[str, Tally]], group: str, key: str) -> float:
    """The learners' mean of a group's mean (as simulate.py averages its
    figures over learners); "share" is the group's share of the reviews."""
    values = []
    for tallies in learners:
        t = tallies[group]
        if t.n:
            values.append(t.n / tallies["all"].n if key == "share" else t.mean(key))
    return sum(values) / len(values) if values else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memory", type=Path, default=sim.DEFAULT_MEMORY)
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--learners", type=int, default=3)
    parser.add_argument("--new", type=int, default=20)
    parser.add_argument("--desired", type=float, default=0.9)
    parser.add_argument("--policy", choices=("retention", "knowledge"), default="retention",
                        help="quiz's intervals policy (the accounting's floor and rounding "
                             "assume FSRS's own intervals: retention)")
    parser.add_argument("--fuzz", choices=("quiz", "library", "off"), default="quiz")
    parser.add_argument("--rounding", choices=("nearest", "floor", "ceil"), default="nearest")
    parser.add_argument("--no-refit", action="store_true")
    parser.add_argument("--same-time", action="store_true")
    parser.add_argument("--seed", type=int, default=0,
                        help="other draws (answers and fuzz) for the same learners, to see "
                             "the noise: 0 is simulate.py's")
    opts = parser.parse_args()
    opts.model = sim.load_memory(opts.memory)
    learners = run_all(opts)

    def mean(group: str, key: str) -> float:
        return averaged(learners, group, key)

    scheduled = sum(t["all"].n for t in learners) / len(learners)
    print(f"desired {opts.desired:.0%}: recalled {mean('all', 'recalled'):.1%} of "
          f"{scheduled:,.0f} scheduled reviews a learner, aimed {mean('all', 'aimed'):.1%} "
          f"({(mean('all', 'aimed') - opts.desired) * 100:+.1f} points), true recall "
          f"{mean('all', 'true'):.1%} (means over learners, as simulate.py's)")
    print(f"{'':<14} {'share':>6} {'desired-aimed':>13} "
          + " ".join(f"{p:>8}" for p in PARTS)
          + f" {'aimed':>6} {'true':>6} {'recalled':>8} {'t*<1d':>6}")
    for group in ("all", *KINDS, "Q1", "Q2", "Q3", "Q4", "default", "fitted", "t* < 1 day",
                  "t* >= 1 day"):
        print(f"{group:<14} {mean(group, 'share'):>6.1%} "
              f"{(opts.desired - mean(group, 'aimed')) * 100:>+13.2f} "
              + " ".join(f"{mean(group, p) * 100:>+8.2f}" for p in PARTS)
              + f" {mean(group, 'aimed'):>6.1%} {mean(group, 'true'):>6.1%}"
              f" {mean(group, 'recalled'):>8.1%} {mean(group, 'short'):>6.1%}")

if __name__ == "__main__":
    main()
