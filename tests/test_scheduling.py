"""quiz.study.scheduling: intervals chosen for knowledge per review, elapsed
time in the learner's calendar days, golden values at fixed UTC times."""

from __future__ import annotations

import datetime as dt
import random
from typing import Literal

import pytest

from quiz.study.scheduling import (
    Phase,
    Rating,
    Scheduler,
    Settings,
    calendar_days,
    default_parameters,
    first_state,
    fixed_retention_value,
    fsrs_next,
    fuzz_range,
    knowledge_model,
    knowledge_plan,
)

U = dt.UTC
MONDAY = dt.datetime(2024, 1, 1, 9, 30, tzinfo=U)
DAY_START = dt.datetime(2024, 1, 1, 4, tzinfo=U)  # the learner's day starts at 04:00
DAY = dt.timedelta(days=1)


def test_calendar_days_count_the_learners_days_from_4_am() -> None:
    wednesday = MONDAY + 2 * DAY
    assert calendar_days(MONDAY, wednesday - dt.timedelta(minutes=25), DAY_START) == 2
    assert (wednesday - dt.timedelta(minutes=25) - MONDAY).days == 1  # 24-hour periods: one
    late = dt.datetime(2024, 1, 1, 23, tzinfo=U)
    assert calendar_days(late, late + dt.timedelta(hours=6), DAY_START) == 1  # 05:00 next day
    assert calendar_days(late, late + dt.timedelta(hours=4), DAY_START) == 0  # 03:00: same day
    assert calendar_days(MONDAY, MONDAY + dt.timedelta(hours=3), DAY_START) == 0
    # any day's start will do as the anchor, before or after the review
    for anchor in (DAY_START - 30 * DAY, DAY_START + 9 * DAY):
        assert calendar_days(MONDAY, wednesday - dt.timedelta(minutes=25), anchor) == 2
    # a review dated after now (a clock set back) is a same-day one
    assert calendar_days(wednesday, MONDAY, DAY_START) == 0


def test_golden_intervals_knowledge_per_review_and_fsrs_own() -> None:
    """A card's first year at fixed UTC times, fuzz off, default parameters
    and desired retention 90%: FSRS's memory updates under both, with the
    intervals each policy books (so the stabilities part after the first).
    No relearning step (the default): a lapse is booked days ahead."""
    dues = {}
    stabilities = {}
    policies: tuple[Literal["knowledge", "retention"], ...] = ("knowledge", "retention")
    for policy in policies:
        s = Scheduler(Settings(fuzz=False, policy=policy))
        first = s.review(None, Rating.GOOD, MONDAY, DAY_START)
        second = s.review(first, Rating.GOOD, first.due, DAY_START)
        third = s.review(second, Rating.GOOD, second.due, DAY_START)
        lapse = s.review(third, Rating.AGAIN, third.due, DAY_START)
        relearned = s.review(lapse, Rating.GOOD, lapse.due, DAY_START)
        assert (first.phase, lapse.phase, relearned.phase) == (
            Phase.REVIEW, Phase.REVIEW, Phase.REVIEW)
        assert first.stability == pytest.approx(2.3065)
        stabilities[policy] = [second.stability, third.stability]
        dues[policy] = [first.due, second.due, third.due, lapse.due, relearned.due]
        assert third.data != second.data and f'"due": "{third.due.isoformat()}"' in third.data

    def at(m: int, d: int, h: int = 9, mi: int = 30) -> dt.datetime:
        return dt.datetime(2024, m, d, h, mi, tzinfo=U)

    assert dues["knowledge"] == [at(1, 4), at(1, 23), at(3, 30), at(4, 9), at(5, 13)]
    assert stabilities["knowledge"] == [pytest.approx(13.8269, abs=1e-4),
                                        pytest.approx(67.0230, abs=1e-4)]
    assert stabilities["retention"] == [pytest.approx(10.9643, abs=1e-4),
                                        pytest.approx(46.2802, abs=1e-4)]
    assert dues["retention"] == [at(1, 3), at(1, 14), at(2, 29), at(3, 3), at(3, 11)]


def test_the_retention_policy_is_the_librarys_own() -> None:
    import fsrs

    lib = fsrs.Scheduler(enable_fuzzing=False)
    card, _ = lib.review_card(fsrs.Card(card_id=0, due=MONDAY), fsrs.Rating.Good, MONDAY)
    ours = Scheduler(Settings(fuzz=False, policy="retention"))
    state = ours.review(None, Rating.GOOD, MONDAY)
    for later in (3, 11, 40):
        when = MONDAY + later * DAY
        card_next, _ = lib.review_card(card, fsrs.Rating.Good, when)
        assert ours.review(state, Rating.GOOD, when).due == card_next.due


def test_a_higher_desired_retention_books_reviews_sooner() -> None:
    w = tuple(default_parameters())
    s0, d0 = first_state(w)
    plans = [knowledge_plan(w, r, True) for r in (0.85, 0.90, 0.95)]
    prices = [p.lam for p in plans]
    assert prices[0] > prices[1] > prices[2]
    for stability in (5.0, 20.0, 100.0):
        ivls = [p.interval(stability, 5.0) for p in plans]
        assert ivls[0] > ivls[1] > ivls[2], (stability, ivls)
    # each keeps what FSRS's own policy at that retention would (the model's
    # discounted days of recall for a new card), for fewer reviews
    model = knowledge_model(w, True)
    idx, wts = model.locate(s0, d0)
    for r, plan in zip((0.85, 0.90, 0.95), plans, strict=True):
        know, reviews = fixed_retention_value(model, r, (s0, d0))
        kept = sum(plan.knowledge[i] * x for i, x in zip(idx, wts, strict=True))
        spent = sum(plan.reviews[i] * x for i, x in zip(idx, wts, strict=True))
        assert kept == pytest.approx(know, rel=0.01)
        assert spent < 0.9 * reviews, (r, spent, reviews)


def test_the_plans_updates_are_fsrs_6s() -> None:
    w = default_parameters()
    s = Scheduler(Settings(fuzz=False))  # no relearning step, the default
    state = s.review(None, Rating.GOOD, MONDAY)
    assert state.stability is not None and state.difficulty is not None
    later = MONDAY + 5 * DAY
    r = s.retrievability(state, later)
    for ok, rating in ((True, Rating.GOOD), (False, Rating.AGAIN)):
        after = s.review(state, rating, later)
        got = fsrs_next(w, state.stability, state.difficulty, r, ok, relearn=False)
        assert after.stability is not None and after.difficulty is not None
        assert got[0] == pytest.approx(after.stability)
        assert got[1] == pytest.approx(after.difficulty)


def test_same_day_and_calendar_day_reviews() -> None:
    """Reviews on one learner's day take FSRS-6's short-term stability; one
    after 4 am the next day, however soon, is a day later."""
    s = Scheduler(Settings(fuzz=False))
    late = dt.datetime(2024, 1, 1, 22, tzinfo=U)
    first = s.review(None, Rating.GOOD, late, DAY_START)
    assert first.stability is not None
    same_day = s.review(first, Rating.GOOD, late + dt.timedelta(hours=5), DAY_START)  # 03:00
    w = default_parameters()
    short_term = first.stability * max(1.0, 2.718281828459045 ** (w[17] * w[18])
                                       * first.stability ** -w[19])
    assert same_day.stability == pytest.approx(short_term)
    next_day = s.review(first, Rating.GOOD, late + dt.timedelta(hours=7), DAY_START)  # 05:00
    plain = s.review(first, Rating.GOOD, late + dt.timedelta(hours=7))  # 9 hours: day 0
    exact = s.review(first, Rating.GOOD, late + DAY)
    assert next_day.stability == pytest.approx(exact.stability)
    assert plain.stability == pytest.approx(short_term) != pytest.approx(exact.stability)
    # the stored state keeps the real time of the review
    assert next_day.last_review == late + dt.timedelta(hours=7)


def test_fuzz_spreads_the_plans_intervals_with_the_global_rng() -> None:
    random.seed(5)
    s = Scheduler(Settings())
    state = s.review(None, Rating.GOOD, MONDAY, DAY_START)
    state = s.review(state, Rating.GOOD, state.due, DAY_START)
    plain = Scheduler(Settings(fuzz=False)).review(state, Rating.GOOD, state.due, DAY_START)
    days = {(s.review(state, Rating.GOOD, state.due, DAY_START).due - state.due).days
            for _ in range(40)}
    base = (plain.due - state.due).days
    assert len(days) > 2 and min(days) >= base * 0.85 - 1 and max(days) <= base * 1.15 + 1


def test_fuzz_books_the_unfuzzed_interval_on_average() -> None:
    """The days a fuzzed review is booked are FSRS's on average, under both
    policies (the fsrs library's own fuzz, which quiz used before, books
    half a day late on average: it rounds a draw over [lo, hi + 1), so the
    recall FSRS predicts at the review is below the desired retention).
    The card of the golden test: due Jan 14 (retention) and Jan 23
    (knowledge) after its second review, unfuzzed."""
    import fsrs

    assert fuzz_range(2) == (2, 2) and fuzz_range(3) == (2, 4)
    assert fuzz_range(11) == (9, 13) and fuzz_range(19) == (16, 22)
    assert fuzz_range(100) == (93, 107) and fuzz_range(100, maximum=100) == (93, 100)
    policies: tuple[Literal["knowledge", "retention"], ...] = ("retention", "knowledge")
    for policy, day in zip(policies, (14, 23), strict=True):
        plain = Scheduler(Settings(fuzz=False, policy=policy))
        first = plain.review(None, Rating.GOOD, MONDAY, DAY_START)
        second = plain.review(first, Rating.GOOD, first.due, DAY_START)
        assert second.due == dt.datetime(2024, 1, day, 9, 30, tzinfo=U)
        base = (second.due - first.due).days
        fuzzed = Scheduler(Settings(policy=policy))
        random.seed(7)
        days = [(fuzzed.review(first, Rating.GOOD, first.due, DAY_START).due - first.due).days
                for _ in range(3000)]
        lo, hi = fuzz_range(base)
        assert set(days) == set(range(lo, hi + 1)), (policy, sorted(set(days)))
        assert sum(days) / len(days) == pytest.approx(base, abs=0.1), policy
    lib = fsrs.Scheduler(enable_fuzzing=True)
    random.seed(7)
    late = [lib._get_fuzzed_interval(interval=dt.timedelta(days=11)).days for _ in range(3000)]
    assert sum(late) / len(late) == pytest.approx(11.5, abs=0.1) and max(late) == 14
