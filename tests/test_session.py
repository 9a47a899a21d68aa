"""Full simulated sessions against a temporary database, with a fake clock."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from pathlib import Path
from typing import Any

import pytest

from quiz.deck.loader import load_deck, read_deck
from quiz.deck.pools import AnswerPools
from quiz.errors import StoreError
from quiz.history.store import Store, open_store
from quiz.models import Deck, Mode, Outcome
from quiz.study.choices import draw_distractors, near_numbers
from quiz.study.records import StateChanged
from quiz.study.scheduling import Phase, Rating, Scheduler, Settings, state_from_json
from quiz.study.session import LEARN_AHEAD, MAX_TRIES, STATE_RETRIES, Session

DAY0 = dt.datetime(2022, 3, 1, 9, 0, tzinfo=dt.UTC)
DECK_TEXT = "id: facts\ntitle: Facts\ncards:\n" + "".join(
    f"  - {{id: c{i}, question: 'Q{i}?', answer: a{i}, tags: [t{i % 2}]}}\n" for i in range(10)
)


@pytest.fixture
def deck() -> Deck:
    return read_deck(DECK_TEXT, "facts.yaml")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "h.sqlite3")


STEP = (dt.timedelta(minutes=10),)


def make(store: Store, deck: Deck, now: dt.datetime, mode: Mode = Mode.REVIEW,
         relearn: bool = True, **kw: object) -> Session:
    """A session as quiz runs it, without fuzz; with a 10-minute relearning
    step unless `relearn` is false (the default of `quiz settings relearn`
    is off: tests of a missed learned card coming back ask for the step)."""
    ids = (f"r{i}" for i in itertools.count())
    kw.setdefault("in_order", True)  # the tests name cards by their place in the deck
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    settings = Settings(fuzz=False, relearning_steps=STEP if relearn else ())
    s = Session(store, Scheduler(settings), [deck], mode, now,
                random.Random(7), day_start=midnight, new_id=lambda: next(ids)
                if mode is not Mode.REVIEW else f"{now.isoformat()}-{next(ids)}",
                **kw)  # type: ignore[arg-type]
    s.start()
    return s


def run(s: Session, now: dt.datetime, wrong: set[str] = frozenset(),  # type: ignore[assignment]
        step: dt.timedelta = dt.timedelta(minutes=1)) -> list[tuple[str, Outcome]]:
    """Answer everything; cards in `wrong` are missed the first time they come up."""
    seen: list[tuple[str, Outcome]] = []
    missed: set[str] = set()
    while (q := s.next(now)) is not None:
        miss = q.card.id in wrong and q.card.id not in missed
        if miss:
            missed.add(q.card.id)
        a = s.answer(q, "nope" if miss else str(q.card.answer), now, 1500)
        seen.append((q.card.id, a.verdict.outcome))
        now += step
    s.finish(now)
    return seen


def test_new_cards_limited_per_day_and_missed_cards_come_back(store: Store, deck: Deck) -> None:
    s = make(store, deck, DAY0, new_limit=4)
    seen = run(s, DAY0, wrong={"c1"})
    order = [c for c, _ in seen]
    assert order == ["c0", "c1", "c2", "c3", "c1"]  # back after the others, not at once
    assert [o for c, o in seen if c == "c1"] == [Outcome.WRONG, Outcome.RIGHT]
    # Same day, new session: the day's allowance is used up.
    later = DAY0 + dt.timedelta(hours=2)
    assert make(store, deck, later, new_limit=4).next(later) is None


def test_missed_card_is_not_asked_twice_in_a_row(store: Store, deck: Deck) -> None:
    s = make(store, deck, DAY0, new_limit=2)
    order = [c for c, _ in run(s, DAY0, wrong={"c1"}, step=dt.timedelta(minutes=15))]
    assert order == ["c0", "c1", "c1"]  # only card left: then it may come back
    s = make(store, deck, DAY0 + dt.timedelta(days=1), new_limit=3)
    order = [c for c, _ in run(s, DAY0 + dt.timedelta(days=1), wrong={"c2"},
                               step=dt.timedelta(minutes=15))]
    first = order.index("c2")
    assert order[first + 1] != "c2" and order.count("c2") == 2


def test_a_missed_card_waits_for_a_learning_card_due_a_little_later(store: Store) -> None:
    """With nothing due yet, the card just missed is not asked again at once
    when another card's learning step is also within the learn-ahead time,
    even if the missed card's step comes first."""
    two = read_deck("id: facts\ntitle: Facts\ncards:\n"
                    "  - {id: a, question: 'A?', answer: Kazakhstan}\n"
                    "  - {id: b, question: 'B?', answer: Kyrgyzstan}\n", "facts.yaml")
    s = make(store, two, DAY0, new_limit=2)
    first = s.next(DAY0)
    assert first is not None and first.card.id == "a"
    assert s.answer(first, "Kazakstan", DAY0).verdict.outcome is Outcome.PARTLY  # Hard: 15 min
    later = DAY0 + dt.timedelta(minutes=1)
    second = s.next(later)
    assert second is not None and second.card.id == "b"
    s.answer(second, "no idea", later)  # Again: 10 minutes, before a's step
    assert store.state("facts", "b").due < store.state("facts", "a").due  # type: ignore[union-attr]
    third = s.next(later + dt.timedelta(minutes=1))
    assert third is not None and (third.card.id, third.again) == ("a", True)


def test_limit_is_the_most_questions_asked_missed_cards_included(store: Store,
                                                                 deck: Deck) -> None:
    for mode in (Mode.REVIEW, Mode.CRAM):
        s = make(store, deck, DAY0, mode, limit=3)
        asked = run(s, DAY0, wrong={c.id for c in deck.cards}, step=dt.timedelta(minutes=15))
        assert len(asked) == 3 and s.remaining == 0, (mode, asked)


def test_a_card_always_missed_stops_coming_back_after_max_tries(store: Store,
                                                                deck: Deck) -> None:
    stuck = {}
    three = read_deck("\n".join(DECK_TEXT.splitlines()[:6]) + "\n", "facts.yaml")
    for mode in (Mode.REVIEW, Mode.CRAM):
        s = make(store, three, DAY0, mode)
        now, order = DAY0, list[str]()
        while (q := s.next(now)) is not None and len(order) < 50:
            order.append(q.card.id)
            s.answer(q, "never right" if q.card.id == order[0] else str(q.card.answer), now)
            now += dt.timedelta(minutes=15)
        assert order.count(order[0]) == MAX_TRIES, (mode, order)
        assert len(order) == MAX_TRIES + 2
        s.finish(now)
        stuck[mode] = (order[0], now)
    # the review-mode card is still in learning, due again soon, for the next session
    card, when = stuck[Mode.REVIEW]
    state = store.states("facts")[card]
    assert state.phase == Phase.LEARNING and state.due <= when


def test_a_review_is_due_all_day_but_a_learning_step_at_its_time(store: Store,
                                                                  deck: Deck) -> None:
    run(make(store, deck, DAY0, new_limit=2), DAY0)  # c0, c1 learned: reviews now
    due = store.states("facts")["c0"].due
    morning = due.replace(hour=6, minute=0)  # the same day, hours before it falls due
    assert due > morning
    the_eve = morning - dt.timedelta(hours=7)  # 23:00 the day before: not due yet
    s = make(store, deck, the_eve, new_limit=0)
    q = s.next(the_eve)
    assert q is None or q.card.id != "c0"
    s = make(store, deck, morning, new_limit=0)  # day_start: that day's midnight
    first = s.next(morning)
    assert first is not None and first.card.id == "c0"
    s.answer(first, "wrong", morning)  # relearning: due again in 10 minutes, not before
    s.finish(morning)
    s = make(store, deck, morning + dt.timedelta(minutes=5), new_limit=0)
    assert [q.card.id for q in [s.next(morning + dt.timedelta(minutes=5))] if q] != ["c0"]


def test_due_left_counts_what_is_not_new(store: Store, deck: Deck) -> None:
    run(make(store, deck, DAY0, new_limit=3), DAY0)  # c0..c2 learned
    day3 = DAY0 + dt.timedelta(days=3)
    s = make(store, deck, day3, new_limit=2)
    assert (s.remaining, s.due_left) == (5, 3)
    q = s.next(day3)
    assert q is not None
    s.answer(q, "wrong", day3)  # a missed due card comes back: still due
    assert (s.remaining, s.due_left) == (5, 3)
    q = s.next(day3)
    assert q is not None
    s.answer(q, str(q.card.answer), day3)
    assert (s.remaining, s.due_left) == (4, 2)


def test_due_reviews_come_before_new_lowest_recall_first(store: Store, deck: Deck) -> None:
    run(make(store, deck, DAY0, new_limit=3), DAY0)  # c0..c2 learned on day 0
    day1 = DAY0 + dt.timedelta(days=1)
    run(make(store, deck, day1, new_limit=1), day1)  # c3 learned on day 1
    # Day 4: c0-c2 (due day 3) and c3 (due day 4) are due; c0-c2 have lower recall.
    day4 = DAY0 + dt.timedelta(days=4)
    s = make(store, deck, day4, new_limit=2)
    order = [c for c, _ in run(s, day4)]
    assert order[:3] == ["c0", "c1", "c2"] and order[3] == "c3"
    assert order[4:] == ["c4", "c5"]


def test_learning_cards_first_and_state_is_saved(store: Store, deck: Deck) -> None:
    s = make(store, deck, DAY0, new_limit=2)
    q = s.next(DAY0)
    assert q is not None
    s.answer(q, "wrong", DAY0)  # c0 now in learning, due in 10 minutes
    s.finish(DAY0)
    states = store.states("facts")
    assert states["c0"].phase == Phase.LEARNING
    assert states["c0"].due == DAY0 + dt.timedelta(minutes=10)
    later = DAY0 + dt.timedelta(minutes=30)
    s2 = make(store, deck, later, new_limit=5)
    first = s2.next(later)
    assert first is not None and first.card.id == "c0"


def test_lapse_counted_and_relearning(store: Store, deck: Deck) -> None:
    run(make(store, deck, DAY0, new_limit=1), DAY0)
    day5 = DAY0 + dt.timedelta(days=5)
    s = make(store, deck, day5, new_limit=0)
    q = s.next(day5)
    assert q is not None and q.card.id == "c0"
    a = s.answer(q, "no idea", day5)
    assert a.rating is Rating.AGAIN and a.next_due == day5 + dt.timedelta(minutes=10)
    assert store.states("facts")["c0"].lapses == 1
    assert store.states("facts")["c0"].phase == Phase.RELEARNING


def test_cram_practises_a_tag_without_touching_the_schedule(store: Store, deck: Deck) -> None:
    s = make(store, deck, DAY0, Mode.CRAM, tags=["t1"])
    seen = run(s, DAY0, wrong={"c3"})
    assert sorted({c for c, _ in seen}) == ["c1", "c3", "c5", "c7", "c9"]
    assert [c for c, _ in seen].count("c3") == 2
    assert store.states("facts") == {}
    row = store.session(s.session_id)
    assert (row["mode"], row["asked"], row["correct"]) == ("cram", 6, 5)


def test_exam_scores_n_random_cards_once(store: Store, deck: Deck) -> None:
    s = make(store, deck, DAY0, Mode.EXAM, limit=5)
    seen: list[str] = []
    now = DAY0
    while (q := s.next(now)) is not None:
        seen.append(q.card.id)
        s.answer(q, "wrong" if len(seen) <= 2 else str(q.card.answer), now)
        now += dt.timedelta(seconds=30)
    summary = s.finish(now)
    assert summary.planned == 5
    assert len(seen) == len(set(seen)) == 5
    assert (summary.asked, summary.right, summary.wrong, summary.score) == (5, 3, 2, 60.0)
    assert summary.seconds == 150
    assert store.states("facts") == {}
    assert store.session(s.session_id)["ended_at"] is not None


def test_self_grade_after_a_right_answer(store: Store, deck: Deck) -> None:
    s = make(store, deck, DAY0, self_grade=True, new_limit=2)
    q = s.next(DAY0)
    assert q is not None
    a = s.rerate(s.answer(q, str(q.card.answer), DAY0), Rating.EASY)
    assert a.rating is Rating.EASY
    q = s.next(DAY0)
    assert q is not None
    assert s.rerate(s.answer(q, "wrong", DAY0), Rating.EASY).rating is Rating.AGAIN


def test_a_self_grade_given_after_the_answer_was_saved_replaces_good(
        store: Store, deck: Deck, tmp_path: Path) -> None:
    """The answer is saved as Good before the learner is asked how it felt
    (so a process killed at that question keeps it); the rating given then
    replaces Good in the stored review and in the card's schedule, without
    counting a second repetition, and decides whether the card comes back."""
    s = make(store, deck, DAY0, self_grade=True, new_limit=2)
    q = s.next(DAY0)
    assert q is not None
    good = s.answer(q, str(q.card.answer), DAY0)
    assert good.rating is Rating.GOOD and good.next_due == DAY0 + dt.timedelta(days=3)
    hard = s.rerate(good, Rating.HARD)
    assert (hard.rating, hard.review.id) == (Rating.HARD, good.review.id)
    stored = store.state("facts", q.card.id)
    assert stored is not None and stored.reps == 1
    assert (stored.phase, stored.due) == (Phase.LEARNING, DAY0 + dt.timedelta(minutes=15))
    assert stored.data == hard.review.state_after and hard.next_due == stored.due
    assert store.db.execute("SELECT rating, state_after FROM reviews").fetchall() == [
        (2, stored.data)]
    assert store.session(s.session_id)["asked"] == 1
    # Hard put it back into today's learning steps: it comes back
    now = DAY0 + dt.timedelta(minutes=20)
    asked = []
    while (q2 := s.next(now)) is not None:
        asked.append(q2.card.id)
        last = s.answer(q2, str(q2.card.answer), now)
    assert asked == ["c1", q.card.id]
    # only the last answer, and a right one, can be re-rated
    assert s.rerate(good, Rating.EASY) is good
    easy = s.rerate(last, Rating.EASY)
    assert easy.rating is Rating.EASY and easy.next_due is not None
    assert easy.next_due > last.next_due  # type: ignore[operator]

    # another session stored a newer state meanwhile: it stands, the answer stays Good
    store3 = open_store(tmp_path / "h3.sqlite3")
    s3 = make(store3, deck, DAY0, self_grade=True)
    q3 = s3.next(DAY0)
    assert q3 is not None
    first = s3.answer(q3, str(q3.card.answer), DAY0)
    store3.db.execute("UPDATE card_state SET data = 'elsewhere'")
    assert s3.rerate(first, Rating.EASY) is first
    assert store3.db.execute("SELECT rating FROM reviews").fetchall() == [(3,)]
    assert store3.db.execute("SELECT data FROM card_state").fetchall() == [("elsewhere",)]
    wrong = s3.answer(s3.next(DAY0) or q3, "nope", DAY0)
    assert s3.rerate(wrong, Rating.EASY) is wrong


def test_summary_by_tag(store: Store, deck: Deck) -> None:
    s = make(store, deck, DAY0, new_limit=4)
    run(s, DAY0, wrong={"c1"})
    row = store.session(s.session_id)
    assert (row["asked"], row["correct"]) == (5, 4)


def test_the_summary_scores_tags_as_quiz_stats_does(store: Store) -> None:
    from quiz.history.stats import compute

    d = read_deck("id: d\ntitle: D\ncards:\n  - {id: a, question: A?, answer: x, tags: [t]}\n"
                  "  - {id: b, question: B?, answer: y}\n", "d.yaml")
    store.sync_deck("d", "D", [(c.id, c.question, list(c.tags)) for c in d.cards], DAY0)
    s = make(store, d, DAY0)
    run(s, DAY0, wrong={"b"})
    summary = s.finish(DAY0 + dt.timedelta(minutes=5))
    shown = {tag: (t.asked, t.right) for tag, t in summary.by_tag.items()}
    assert shown == {"t": (1, 1), "(no tag)": (2, 1)}
    assert {t.tag: (t.asked, t.correct) for t in compute(store, DAY0, dt.UTC).tags} == shown


def test_choice_options_drawn_from_the_same_kind() -> None:
    d = read_deck("""id: d
title: T
cards:
  - {id: q1, question: Who?, type: choice, answer: Karin, kind: person}
  - {id: q2, question: Who else?, answer: Lavrov, kind: person}
  - {id: q3, question: Who then?, answer: Pankin, kind: person}
  - {id: q4, question: Where?, answer: Almaty, kind: city}
  - {id: q5, question: How many?, type: choice, answer: "225"}
""", "d.yaml")
    rng = random.Random(1)
    assert sorted(draw_distractors(AnswerPools(d), d.cards[0], rng)) == ["Lavrov", "Pankin"]
    numbers = draw_distractors(AnswerPools(d), d.cards[4], rng)
    assert len(numbers) == 3 and "225" not in numbers


def test_near_numbers_look_like_the_answer() -> None:
    out = near_numbers(4500, random.Random(3))
    assert len(set(out)) == 3
    assert all(o.endswith("00") and o != "4,500" for o in out)


def test_wrong_options_are_written_like_the_answer() -> None:
    """A choice of '2500' among '1,200' and '3,000', or of the year '2002'
    among '2,500' and '4,000', gave itself away."""
    d = read_deck("""id: d
title: T
cards:
  - {id: y, question: In which year was it founded?, type: choice, answer: "2002"}
  - {id: n, question: How many troops?, type: choice, answer: "2500"}
  - {id: g, question: How many troops?, type: choice, answer: "2,500"}
""", "d.yaml")
    rng = random.Random(4)
    for _ in range(20):
        years = draw_distractors(AnswerPools(d), d.cards[0], rng)
        assert len(set(years)) == 3 and all(
            y.isdigit() and 1997 <= int(y) <= 2007 and y != "2002" for y in years), years
        plain = draw_distractors(AnswerPools(d), d.cards[1], rng)
        assert all("," not in o and o.isdigit() for o in plain), plain
        assert any("," in o for o in draw_distractors(AnswerPools(d), d.cards[2], rng))


def test_study_time_counts_a_long_pause_as_two_minutes(store: Store, deck: Deck) -> None:
    """A session left open over a break (or suspended with Ctrl-Z) does not
    report the break as study: each gap between answers counts at most
    PAUSE_CAP. A killed session keeps its time up to its last answer."""
    from quiz.study.session import PAUSE_CAP

    assert PAUSE_CAP == dt.timedelta(minutes=2)
    s = make(store, deck, DAY0, new_limit=5)
    now = DAY0
    for gap in (40, 3600, 90, 120, 121):  # an hour away before the second answer
        now += dt.timedelta(seconds=gap)
        q = s.next(now)
        assert q is not None
        s.answer(q, str(q.card.answer), now)
    assert store.session(s.session_id)["seconds"] == pytest.approx(40 + 120 + 90 + 120 + 120)
    summary = s.finish(now + dt.timedelta(minutes=30))  # stopped at a question left on screen
    assert summary.seconds == pytest.approx(490 + 120)
    assert store.session(s.session_id)["seconds"] == pytest.approx(610)
    # a retried or clock-skewed answer never takes time away
    s2 = make(store, deck, now)
    q = s2.next(now)
    assert q is not None
    s2.answer(q, "nope", now - dt.timedelta(seconds=5))
    assert s2.finish(now + dt.timedelta(seconds=10)).seconds == pytest.approx(10)


def test_naive_datetimes_are_refused(store: Store, deck: Deck) -> None:
    s = make(store, deck, DAY0)
    q = s.next(DAY0)
    assert q is not None
    with pytest.raises(ValueError):
        s.answer(q, "a0", DAY0.replace(tzinfo=None))


def test_answering_reads_no_card_state_from_the_database(store: Store, deck: Deck) -> None:
    """What the session read at its start is enough to answer: a new card has
    no state to look up, and a due card's state came with the due query. A
    question from the queue costs one primary-key read (another session may
    have answered the card meanwhile); the answer itself reads nothing."""
    run(make(store, deck, DAY0, new_limit=4), DAY0)  # four cards scheduled
    now = DAY0 + dt.timedelta(days=30)
    s = make(store, deck, now, new_limit=2)
    reads: list[str] = []
    store.db.set_trace_callback(lambda sql: reads.append(sql) if "card_state" in sql
                                and sql.lstrip().upper().startswith("SELECT") else None)
    asked = []
    while (q := s.next(now)) is not None:
        asked.append(q.card.id)
        assert reads == [f"{Store._STATE} AND card_id = '{q.card.id}'".replace(
            "= ?", f"= '{deck.id}'")]
        reads.clear()
        s.answer(q, str(q.card.answer), now)
        assert reads == []
        now += dt.timedelta(minutes=1)
    store.db.set_trace_callback(None)
    assert len(set(asked)) == 6  # the four due cards and two new ones


def test_a_card_answered_in_another_session_since_is_not_asked_again(
        tmp_path: Path, deck: Deck) -> None:
    """Two sessions on one deck, one terminal each: a card one of them has
    answered since the other built its queue is skipped there when it is no
    longer due, whether it was new or due for review."""
    path = tmp_path / "h.sqlite3"
    run(make(open_store(path), deck, DAY0, new_limit=4), DAY0)  # c0-c3 learned
    later = DAY0 + dt.timedelta(days=30)
    one = make(open_store(path), deck, later, new_limit=2)
    other = make(open_store(path), deck, later, new_limit=2)
    plan = [(d.id, c.id) for d, c in other._queue]
    assert len(plan) == 6  # four reviews, two new cards
    taken = []
    for _ in range(3):  # `one` answers c0 and c1 (due), then a new card
        q = one.next(later)
        assert q is not None
        while q.card.id in ("c2", "c3"):  # leave the rest of the reviews to `other`
            q = one.next(later)
            assert q is not None
        one.answer(q, str(q.card.answer), later)
        taken.append(q.card.id)
    assert len(taken) == 3 and taken[2] not in ("c0", "c1", "c2", "c3")
    asked = []
    while (q := other.next(later)) is not None:
        asked.append(q.card.id)
        other.answer(q, str(q.card.answer), later)
    assert sorted(asked) == sorted(c for _, c in plan if c not in taken)  # c2, c3, c5


def test_two_sessions_on_one_deck_schedule_from_each_others_answers(
        tmp_path: Path, deck: Deck) -> None:
    one = make(open_store(tmp_path / "h.sqlite3"), deck, DAY0)
    other = make(open_store(tmp_path / "h.sqlite3"), deck, DAY0)
    q1, q2 = one.next(DAY0), other.next(DAY0)
    assert q1 is not None and q2 is not None and q1.card.id == q2.card.id  # new to both
    first = one.answer(q1, "nope", DAY0)
    # `other` still holds the card as new: its answer is scheduled again,
    # from the state `one` stored, not from nothing
    second = other.answer(q2, "nope", DAY0 + dt.timedelta(minutes=1))
    assert second.review.state_before == first.review.state_after
    assert second.review.phase_before == Phase.LEARNING
    # and `one`, which last saw its own answer, now learns of the other's
    again = None
    while again is None:
        q = one.next(DAY0 + dt.timedelta(minutes=30))
        assert q is not None
        if q.card.id == q1.card.id:
            again = one.answer(q, str(q.card.answer), DAY0 + dt.timedelta(minutes=30))
        else:
            one.answer(q, str(q.card.answer), DAY0 + dt.timedelta(minutes=30))
    assert again.review.state_before == second.review.state_after
    stored = one.store.state("facts", q1.card.id)
    assert stored is not None and stored.reps == 3
    assert stored.data == again.review.state_after


def test_an_answer_that_keeps_losing_the_race_is_an_error_not_a_loop(
        store: Store, deck: Deck, monkeypatch: pytest.MonkeyPatch) -> None:
    s = make(store, deck, DAY0)
    tries: list[str] = []

    def always_changed(review: object, update: object, studied: float) -> bool:
        tries.append("record")
        raise StateChanged("facts/c0")

    monkeypatch.setattr(store, "record", always_changed)
    q = s.next(DAY0)
    assert q is not None
    with pytest.raises(StoreError, match="kept being answered in another session; this "
                                         "answer was not saved"):
        s.answer(q, "a0", DAY0)
    assert len(tries) == STATE_RETRIES
    assert s.asked == 0  # the session did not count what was not saved


def test_answers_get_distinct_random_ids_by_default(store: Store, deck: Deck) -> None:
    s = Session(store, Scheduler(Settings()), [deck], Mode.CRAM, DAY0, random.Random(1))
    s.start()
    ids = []
    while (q := s.next(DAY0)) is not None:
        ids.append(s.answer(q, str(q.card.answer), DAY0).review.id)
    assert len(ids) == 10 == len(set(ids))
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert len({i[:8] for i in ids}) == 10  # random throughout, not a counter


def test_an_unchanged_deck_file_is_stored_for_stats_once(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(DECK_TEXT)
    synced: list[bool] = []
    sync = store.sync_deck

    def spy(*args: Any, **kwargs: Any) -> bool:
        synced.append(sync(*args, **kwargs))
        return synced[-1]

    monkeypatch.setattr(store, "sync_deck", spy)
    for _ in range(2):
        make(store, load_deck(path), DAY0)
    path.write_text(DECK_TEXT.replace("'Q3?'", "'Q3, edited?'"))
    edited = load_deck(path)
    make(store, edited, DAY0)
    assert synced == [True, False, True]
    # checked by the file's digest, so an unchanged deck's cards are not read
    assert store.db.execute("SELECT digest FROM decks").fetchone() == (edited.digest,)
    question = store.db.execute("SELECT question FROM cards WHERE card_id = 'c3'").fetchone()
    assert question == ("Q3, edited?",)


@pytest.mark.parametrize("mode", [Mode.REVIEW, Mode.CRAM, Mode.EXAM])
def test_draft_cards_are_left_out_until_checked(store: Store, mode: Mode) -> None:
    """A card generated from an article and not yet checked (draft: true)
    could teach a wrong fact: no mode asks it."""
    text = ("id: gen\ntitle: Gen\ncards:\n"
            "  - {id: ok, question: 'Checked?', answer: yes}\n"
            "  - {id: d1, question: 'Draft one?', answer: x, draft: true}\n"
            "  - {id: d2, question: 'Draft two?', answer: y, draft: true}\n")
    deck = read_deck(text, "gen.yaml")
    s = make(store, deck, DAY0, mode)
    assert s.drafts == 2
    assert {card for card, _ in run(s, DAY0)} == {"ok"}


def test_a_kept_card_object_schedules_as_its_json_does() -> None:
    """A state carries the library's card object so a card asked again is not
    parsed again; scheduling from it must match scheduling from the JSON, and
    must not change it."""

    s = Scheduler(Settings(fuzz=False))
    when = dt.datetime(2022, 1, 10, 9, tzinfo=dt.UTC)
    state = s.review(None, Rating.GOOD, when)
    for rating, later in [(Rating.GOOD, dt.timedelta(minutes=11)), (Rating.AGAIN,
                          dt.timedelta(days=3)), (Rating.GOOD, dt.timedelta(days=4))]:
        when += later
        kept = state.card.to_json()
        from_object = s.review(state, rating, when)
        from_json = s.review(state_from_json(state.data), rating, when)
        assert from_object == from_json and from_object.data == from_json.data
        assert state.card.to_json() == kept == state.data
        state = from_object
    assert state.phase is Phase.REVIEW


@pytest.mark.parametrize("relearn", [True, False])
@pytest.mark.parametrize("seed", [1, 13, 17])  # 13 and 17 meet a missed card asked at once
def test_weeks_of_random_sessions_keep_every_rule(tmp_path: Path, seed: int,
                                                  relearn: bool) -> None:
    """Six weeks of study as a learner might do it: zero to three sessions a
    day at any hour, each stopped after a random number of answers or run to
    its end, answers right, partly right (a typo) or wrong, some right ones
    self-graded, pauses from seconds to a quarter of an hour. After each
    session and at the end, the rules the README promises are checked from
    what was asked and from the database."""
    from quiz.study.session import is_due

    rng = random.Random(seed)
    text = "id: facts\ntitle: Facts\ncards:\n" + "".join(
        f"  - {{id: c{i}, question: 'Q{i}?', answer: {w}}}\n" for i, w in enumerate(
            ["Kazakhstan", "Armenia", "Belarus", "Kyrgyzstan", "Tajikistan", "Russia",
             "Almaty", "Astana", "Tokayev", "Lavrov", "Pankin", "Khusainov", "Karin",
             "Mangystau", "Borodavkin", "Kosherbayev", "Sinyagovsky", "Valdai"]))
    deck = read_deck(text, "facts.yaml")
    answers = {c.id: str(c.answer) for c in deck.cards}
    store = open_store(tmp_path / "h.sqlite3")
    new_limit, answered, outcomes = 4, 0, set()
    last_end = DAY0
    for day in range(42):
        hours = sorted(rng.sample(range(6, 24), rng.choice([0, 1, 1, 2, 3])))
        for hour in hours:
            start = DAY0.replace(hour=hour, minute=rng.randrange(60)) + dt.timedelta(days=day)
            start = max(start, last_end)  # not before the last session ended: time runs on
            day_end = start.replace(hour=0, minute=0) + dt.timedelta(days=1)
            before = {c.id: store.state("facts", c.id) for c in deck.cards}
            due_at_start = {k for k, st in before.items()
                            if st is not None and is_due(st.phase, st.due, start, day_end)}
            s = make(store, deck, start, new_limit=new_limit, relearn=relearn)
            now, asked, wanted = start, list[str](), rng.choice([3, 8, 1000])
            last_outcome: dict[str, Outcome] = {}
            while len(asked) < wanted and (q := s.next(now)) is not None:
                cid = q.card.id
                total = s.asked + s.remaining + 1  # as the header shows "Card N of total"
                if asked and asked[-1] == cid:  # straight back: only when nothing else is ready
                    others = [c for c in set(asked) - {cid} if asked.count(c) < MAX_TRIES
                              and (st := store.state("facts", c)) is not None
                              and st.phase != Phase.REVIEW and st.due <= now + LEARN_AHEAD]
                    assert not others, (day, hour, cid, asked, others)
                if not q.again:  # first time this session: due, or new within the limit
                    assert cid not in asked, (day, hour, cid, asked)
                    assert q.new == (before[cid] is None), (day, hour, cid)
                    assert q.new or cid in due_at_start, (day, hour, cid, before[cid])
                roll = rng.random()
                given = (answers[cid] if roll < 0.6 else  # right
                         answers[cid][:2] + answers[cid][3:] if roll < 0.75 else "no idea")
                a = s.answer(q, given, now, 2000)
                if a.verdict.outcome is Outcome.RIGHT and rng.random() < 0.3:
                    a = s.rerate(a, rng.choice([Rating.HARD, Rating.GOOD, Rating.EASY]))
                asked.append(cid)
                last_outcome[cid] = a.verdict.outcome
                outcomes.add(a.verdict.outcome)
                now += dt.timedelta(seconds=rng.choice([3, 20, 90, 900]))
            finished = len(asked) < wanted
            summary = s.finish(now)
            last_end = now
            answered += len(asked)
            assert summary.asked == len(asked)
            # a card is asked at most MAX_TRIES times, and due cards come before new ones
            assert max((asked.count(c) for c in asked), default=0) <= MAX_TRIES
            firsts = list(dict.fromkeys(asked))
            new_at = [i for i, c in enumerate(firsts) if before[c] is None]
            assert all(i < new_at[0] for i, c in enumerate(firsts)
                       if c in due_at_start) if new_at else True, firsts
            if finished:  # run to its end: every card missed last came back until
                # MAX_TRIES, but a learned card missed without a relearning step
                # is booked for a later day
                assert not asked or total == len(asked), (day, hour, total, asked)
                for cid, outcome in last_outcome.items():
                    learned = (st := before[cid]) is not None and st.phase == Phase.REVIEW
                    assert (outcome is not Outcome.WRONG or asked.count(cid) == MAX_TRIES
                            or (not relearn and learned and asked.count(cid) == 1)), (
                        day, hour, cid, asked)
    assert answered > (100 if relearn else 80) and outcomes == set(Outcome)
    db = store.db
    # new cards: at most the limit introduced on any one day
    per_day = db.execute("SELECT substr(introduced, 1, 10), count(*) FROM card_state "
                         "GROUP BY 1").fetchall()
    assert per_day and max(n for _, n in per_day) <= new_limit, per_day
    # every answer stored once, and each card's states chain without a gap: an
    # answer was scheduled from the state the one before it left (self-grades
    # included), and the card's state is the last answer's
    assert db.execute("SELECT count(*) FROM reviews").fetchone()[0] == answered
    for (card,) in db.execute("SELECT DISTINCT card_id FROM reviews").fetchall():
        chain = db.execute("SELECT state_before, state_after FROM reviews WHERE card_id = ? "
                           "ORDER BY reviewed_at, id", (card,)).fetchall()
        assert chain[0][0] is None
        assert all(b == a for (_, a), (b, _) in itertools.pairwise(chain)), card
        stored = store.state("facts", card)
        assert stored is not None and stored.data == chain[-1][1]
        assert stored.reps == len(chain)
    assert db.execute("SELECT sum(asked) FROM sessions").fetchone()[0] == answered
    kept = db.execute("SELECT * FROM card_stats ORDER BY 1, 2").fetchall()
    store.rebuild_summaries()
    assert db.execute("SELECT * FROM card_stats ORDER BY 1, 2").fetchall() == kept
    store.close()


@pytest.mark.parametrize("mode", [Mode.CRAM, Mode.EXAM])
def test_random_cram_and_exam_sessions_leave_the_schedule_alone(store: Store, deck: Deck,
                                                                mode: Mode) -> None:
    """Cram brings a missed card back after CRAM_GAP others (sooner only once
    every card has been asked) and at most MAX_TRIES times; an exam asks each
    of its cards once. Neither writes a schedule, and every answer is kept."""
    from quiz.study.session import CRAM_GAP

    run(make(store, deck, DAY0, new_limit=5), DAY0)  # some cards have a schedule
    states = store.db.execute("SELECT * FROM card_state ORDER BY 1, 2").fetchall()
    rng, answered = random.Random(5), 0
    for i in range(20):
        now = DAY0 + dt.timedelta(days=1, hours=i)
        limit = rng.choice([3, 6, 10])
        s = make(store, deck, now, mode, limit=limit)
        asked: list[str] = []
        while (q := s.next(now)) is not None:
            if q.again:
                assert mode is Mode.CRAM
                since = asked[::-1].index(q.card.id)  # questions since it was last asked
                assert since >= CRAM_GAP or len(set(asked)) == limit, asked
            asked.append(q.card.id)
            s.answer(q, str(q.card.answer) if rng.random() < 0.5 else "no", now)
            now += dt.timedelta(seconds=30)
        s.finish(now)
        answered += len(asked)
        assert max(asked.count(c) for c in asked) <= (MAX_TRIES if mode is Mode.CRAM else 1)
    assert store.db.execute("SELECT * FROM card_state ORDER BY 1, 2").fetchall() == states
    assert store.db.execute("SELECT count(*) FROM reviews WHERE mode = ? AND state_after "
                            "IS NULL", (mode.value,)).fetchone()[0] == answered > 60


def test_a_session_after_midnight_belongs_to_the_evening_before(store: Store,
                                                                 deck: Deck) -> None:
    """The learner's day starts at 4 am: studying at 1 am uses that evening's
    new cards, not the next morning's."""
    from quiz.days import day_start, learner_day

    def session_at(now: dt.datetime) -> list[str]:
        s = Session(store, Scheduler(Settings(fuzz=False)), [deck], Mode.REVIEW, now,
                    random.Random(1), day_start=day_start(learner_day(now, dt.UTC), dt.UTC),
                    new_limit=2, in_order=True)
        s.start()
        return [c for c, _ in run(s, now)]

    evening = dt.datetime(2022, 3, 1, 22, tzinfo=dt.UTC)
    assert session_at(evening) == ["c0", "c1"]
    assert learner_day(evening + dt.timedelta(hours=3), dt.UTC) == evening.date()
    assert session_at(evening + dt.timedelta(hours=3)) == []  # 01:00: the same day, all done
    morning = evening + dt.timedelta(hours=12)  # 10:00: a new day, new cards
    assert session_at(morning) == ["c2", "c3"]


def test_a_clock_set_back_keeps_todays_new_cards_and_schedules_from_the_clock(
        store: Store, deck: Deck) -> None:
    """Answers dated 40 days on, then the clock is set back: the cards begun
    'later' do not use up today's new cards, they are due now (not in 40
    days and more, when the clock catches up), and a card reviewed before
    its last review is scheduled from the clock's now, as a same-day review."""
    later = DAY0 + dt.timedelta(days=40)
    first = {c for c, _ in run(make(store, deck, later, new_limit=3), later)}
    assert len(first) == 3
    again = {c for c, _ in run(make(store, deck, DAY0, new_limit=3), DAY0)}
    assert first < again and len(again - first) == 3
    assert not {c for c, _ in run(make(store, deck, DAY0 + dt.timedelta(hours=1),
                                       new_limit=0), DAY0 + dt.timedelta(hours=1))} & first
    scheduler = Scheduler(Settings(fuzz=False))
    state = scheduler.review(None, Rating.GOOD, later)
    assert state.last_review == later
    for rating in Rating:
        after = scheduler.review(state, rating, DAY0)
        assert after.due > DAY0 and after.last_review == DAY0
        assert after.stability is not None and after.stability > 0
    assert scheduler.retrievability(state, DAY0) == 1.0


# -- taking an answer back: undo and "I was right" ---------------------------------

def _history(store: Store) -> tuple[Any, ...]:
    """Everything an answer writes: reviews, counters, card states."""
    db = store.db
    return (db.execute("SELECT id, outcome, rating FROM reviews ORDER BY 1").fetchall(),
            db.execute("SELECT asked, correct, partly FROM sessions").fetchall(),
            db.execute("SELECT * FROM card_stats ORDER BY 1, 2").fetchall(),
            db.execute("SELECT * FROM retention_daily ORDER BY 1, 2").fetchall(),
            db.execute("SELECT * FROM card_state ORDER BY 1, 2").fetchall())


def test_undo_takes_a_new_cards_answer_back_and_asks_it_again(store: Store,
                                                              deck: Deck) -> None:
    s = make(store, deck, DAY0, new_limit=3)
    q = s.next(DAY0)
    assert q is not None and not s.can_undo
    s.answer(q, str(q.card.answer), DAY0)
    clean = _history(store)
    q2 = s.next(DAY0)
    assert q2 is not None
    s.answer(q2, "nope", DAY0 + dt.timedelta(minutes=1))  # a slip
    assert s.points == "1" and s.remaining == 2  # c1 waits to come back
    again = s.undo()
    assert again is not None and again.card.id == q2.card.id and again.number == 2
    assert _history(store) == clean  # as if it was never given
    assert s.points == "1" and s.asked == 1 and s.remaining == 2 and not s.can_undo
    assert s.undo() is None  # once: the answer before it stays
    assert s.next(DAY0) == again  # asked again at once, the same options
    a = s.answer(again, str(again.card.answer), DAY0 + dt.timedelta(minutes=2))
    assert a.verdict.outcome is Outcome.RIGHT
    assert [c for c, _ in run(s, DAY0 + dt.timedelta(minutes=3))] == ["c2"]  # no c1 again
    summary = s.finish(DAY0 + dt.timedelta(minutes=4))
    assert (summary.asked, summary.right, summary.wrong) == (3, 3, 0)


def test_undo_of_a_review_restores_the_cards_state_and_lapse(store: Store,
                                                            deck: Deck) -> None:
    run(make(store, deck, DAY0, new_limit=1), DAY0)
    day5 = DAY0 + dt.timedelta(days=5)
    s = make(store, deck, day5, new_limit=0)
    q = s.next(day5)
    assert q is not None
    before = _history(store)
    stored = store.state("facts", "c0")
    a = s.answer(q, "nope", day5)  # a lapse, counted in retention
    assert store.state("facts", "c0") != stored and a.rating is Rating.AGAIN
    s.undo()
    assert _history(store) == before
    assert store.state("facts", "c0") == stored


def test_i_was_right_makes_a_wrong_answer_right_in_one_write(store: Store,
                                                            deck: Deck) -> None:
    run(make(store, deck, DAY0, new_limit=1), DAY0)
    day5 = DAY0 + dt.timedelta(days=5)
    twin = make(store, deck, day5, new_limit=0)  # the same day, answered right
    tq = twin.next(day5)
    assert tq is not None
    right = twin.answer(tq, str(tq.card.answer), day5)
    expected = _history(store)
    twin.undo()
    s = make(store, deck, day5, new_limit=0)
    q = s.next(day5)
    assert q is not None
    wrong = s.answer(q, "Tokaev", day5)
    assert wrong.verdict.outcome is Outcome.WRONG and s.remaining == 1  # back in 10 min
    fixed = s.override(wrong)
    assert (fixed.verdict.outcome, fixed.rating) == (Outcome.RIGHT, Rating.GOOD)
    assert fixed.review.id == wrong.review.id and fixed.review.answer == "Tokaev"
    assert fixed.next_due == right.next_due  # scheduled as a right answer then
    got = _history(store)
    assert got[2:] == expected[2:]  # counters and state as for a right answer
    assert got[1][-1] == expected[1][-1]  # this session's counts as the twin's were
    assert [(o, r) for _, o, r in got[0]] == [(o, r) for _, o, r in expected[0]]
    assert s.points == "1" and s.remaining == 0  # it does not come back
    assert s.override(fixed) is fixed  # a right answer stays as it is
    assert s.undo() is not None and _history(store)[0] == expected[0][:1]  # then undone


def test_undo_refuses_when_another_session_answered_the_card_since(store: Store,
                                                                  deck: Deck) -> None:
    run(make(store, deck, DAY0, new_limit=1), DAY0)
    day5 = DAY0 + dt.timedelta(days=5)
    s, other = make(store, deck, day5, new_limit=0), make(store, deck, day5, new_limit=0)
    q, oq = s.next(day5), other.next(day5)
    assert q is not None and oq is not None
    s.answer(q, "nope", day5)
    other.answer(oq, str(oq.card.answer), day5 + dt.timedelta(minutes=1))
    kept = _history(store)
    with pytest.raises(StateChanged):
        s.undo()
    assert _history(store) == kept and s.can_undo  # nothing written, nothing forgotten
