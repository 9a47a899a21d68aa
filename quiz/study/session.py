"""A study session: the queue, the questions as shown, and each answer saved.

(Over 500 lines: the queue, the answer and the two-sessions-at-once retries
are one state machine; its choice of options and its scores are already in
`choices` and `scoring`.)

No terminal I/O and no clock: every call takes `now`, randomness comes from
the `random.Random` passed in. Every answer goes to the store the moment it
is graded (`Session.answer`), so an interrupted session loses nothing.

Queue (review mode): learning/relearning cards that are due, then reviews
due today (lowest predicted recall first), then new cards up to the day's
limit. A missed card comes back later in the same session, after other
cards when there are any (straight away only when no other card is due
within LEARN_AHEAD), and at most MAX_TRIES times in all: a card still
missed after that stays due for the next session, so a learner who is
stuck is not asked the same thing forever.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from quiz.deck.pools import AnswerPools
from quiz.errors import StoreError
from quiz.gcpause import paused
from quiz.models import (
    UNTAGGED,
    Card,
    CardType,
    Deck,
    Mode,
    Outcome,
    Review,
    Verdict,
    implied_year,
)
from quiz.study.choices import draw_distractors
from quiz.study.giveaways import Feedback, answer_forms, feedback
from quiz.study.grading import grade
from quiz.study.records import (
    CardMark,
    History,
    StateChanged,
    StateRestore,
    StateUpdate,
    StoredState,
)
from quiz.study.scheduling import (
    CardState,
    Phase,
    Rating,
    Scheduler,
    rating_for,
    recall_probability,
    state_from_json,
)
from quiz.study.scoring import TagScore, points, score
from quiz.wording import answer_text

LEARN_AHEAD = dt.timedelta(minutes=20)
CRAM_GAP = 3  # a missed card in cram comes back after this many others
MAX_TRIES = 4  # a card is asked at most this often in one session; then it waits
# Times an answer is scheduled again because another session stored the card's
# state first; each retry reads the newest state, so more than 2 is rare.
STATE_RETRIES = 8
# Study time counts the time between answers, but a gap longer than this (a
# break, a question left on screen, quiz suspended with Ctrl-Z) counts as this
# much, so a session left open over lunch does not report an hour studied.
# (Anki caps each answer's time at 60 s; this gap also holds the feedback.)
PAUSE_CAP = dt.timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Question:
    deck: Deck
    card: Card
    options: tuple[str, ...]  # choice/multi options and order items, as shown
    number: int  # 1-based, in this session
    again: bool  # a missed card coming back
    new: bool = False  # a card never studied before
    # asked as another type than its own: a choice card with `escalate`, well
    # known, asked as typed recall (CardType.TEXT) without its choices
    asked_as: CardType | None = None

    @property
    def format(self) -> CardType:
        """The type the question is asked as."""
        return self.asked_as or self.card.type


@dataclass(frozen=True, slots=True)
class Answered:
    question: Question
    verdict: Verdict
    rating: Rating
    review: Review
    next_due: dt.datetime | None  # None when the schedule was not touched


# Two machines' clocks on one history may differ a little; past this, an
# answer dated after now means the clock was set back.
CLOCK_SLACK = dt.timedelta(minutes=5)

# A choice card with `escalate` is asked as typed recall once its stability
# (the days for recall to fall to 90%, in FSRS's model) is this long: after
# two or three reviews recalled on separate days. Recognising the answer
# among options is easier than recalling it; a miss when typed brings its
# stability, and so the options, back.
TYPED_AT = 10.0


@dataclass
class Summary:
    session_id: int
    mode: Mode
    asked: int
    right: int
    partly: int
    wrong: int
    seconds: float
    by_tag: dict[str, TagScore]
    next_due: dt.datetime | None
    planned: int
    ended: dt.datetime | None = None  # when it was summed up

    @property
    def points(self) -> str:
        return points(self.right, self.partly)

    @property
    def score(self) -> float:
        return score(self.asked, self.right, self.partly)


@dataclass(frozen=True)
class _Taken:
    """What the last answer changed, to take it back (undo, "I was right")."""

    answered: Answered
    before: CardState | None  # the card's state it was scheduled from
    pending: tuple[_Pending, ...]  # the cards waiting to come back, before it
    last: tuple[str, str] | None
    tries: int


@dataclass
class _Pending:
    deck: Deck
    card: Card
    due: dt.datetime
    after: int  # do not ask before this many questions have been asked


@dataclass
class Session:
    store: History
    scheduler: Scheduler
    decks: Sequence[Deck]
    mode: Mode
    now: dt.datetime
    rng: random.Random
    day_start: dt.datetime | None = None  # start of the learner's day, for the new-card limit
    tags: Sequence[str] = ()
    new_limit: int | None = None
    limit: int | None = None
    exam_size: int = 20
    self_grade: bool = False
    in_order: bool = False  # new cards in the decks' order, not shuffled
    # 128 random bits as 32 hex digits, as uuid4().hex gave, at a tenth of its cost
    new_id: Callable[[], str] = field(default=lambda: os.urandom(16).hex())

    def __post_init__(self) -> None:
        self._states: dict[tuple[str, str], CardState] = {}  # parsed when first needed
        self._stored: dict[tuple[str, str], StoredState] = {}
        self._scheduled: set[tuple[str, str]] = set()  # cards with a stored state
        self._new_keys: set[tuple[str, str]] = set()
        self._queue: list[tuple[Deck, Card]] = []
        self._tries: dict[tuple[str, str], int] = {}
        self._years: dict[str, int | None] = {}
        # what `intervals` showed for a card: the state it was worked out from
        # and the state after each rating, so that the rating chosen books
        # the interval shown (the scheduler's fuzz would draw another)
        self._previews: dict[tuple[str, str], tuple[str | None, dict[Rating, CardState]]] = {}
        self._pending: list[_Pending] = []
        self._asked = 0
        self._right = self._partly = self._wrong = 0
        self._by_tag: dict[str, TagScore] = {}
        self._pools: dict[str, AnswerPools] = {}  # by deck id, built when first needed
        self._last: tuple[str, str] | None = None
        # the last answer's review id and the state it was scheduled from (rerate)
        self._rerate_from: tuple[str, CardState | None] | None = None
        self._taken: _Taken | None = None  # the last answer, until undone or overridden
        self._again: Question | None = None  # the next question, after an undo
        self._by_key: dict[tuple[str, str], Card] | None = None  # built when first needed
        with paused():  # tens of thousands of short-lived objects, no cycles
            self._queue = self._build_queue()
        self._planned = len(self._queue)
        self.session_id = 0  # set by start()
        self.started = self.now
        self._since = self.now  # the last answer, or the start

    def _require_started(self) -> None:
        if not self.session_id:
            raise RuntimeError("Session.start() records the session; call it first")

    def start(self) -> None:
        """Record the decks studied and the session's start in the store.
        Call it once before `next`; the constructor writes nothing, so the
        caller can wait for a busy history here, as for an answer. A retry
        after StoreBusy is safe: a deck already recorded is skipped."""
        with paused():
            for deck in self.decks:
                self.store.sync_deck(deck.id, deck.title,
                                     ((c.id, c.question, c.tags) for c in deck.cards), self.now,
                                     deck.digest)
        if not self.session_id:
            self.session_id = self.store.begin_session(
                [d.id for d in self.decks], self.mode, self.now, planned=self._planned)
        self._seconds = 0.0  # study time up to it

    def _studied(self, now: dt.datetime) -> float:
        """Seconds of study since the last answer (or the start), at most PAUSE_CAP."""
        if now.tzinfo is None:
            raise ValueError("a naive datetime: pass an aware (UTC) time")
        return max(0.0, min(now - self._since, PAUSE_CAP).total_seconds())

    # -- the queue --------------------------------------------------------

    def _cards(self) -> list[tuple[Deck, Card]]:
        """The cards this session may ask: with the wanted tags, and not drafts
        (a generated card nobody has checked yet could teach a wrong fact)."""
        wanted = set(self.tags)
        out = {(d.id, k) for d in self.decks
               for k, m in self.store.marks(d.id).items() if m.keeps_out(self.now)}
        return [(d, c) for d in self.decks for c in d.cards
                if not c.draft and (not wanted or wanted & set(c.tags))
                and (d.id, c.id) not in out]

    @property
    def drafts(self) -> int:
        """Cards of these decks left out because they are still drafts."""
        return sum(1 for d in self.decks for c in d.cards if c.draft)

    def _build_queue(self) -> list[tuple[Deck, Card]]:
        cards = self._cards()
        if self.mode is Mode.CRAM:
            self.rng.shuffle(cards)
            cards = _spread(cards)
            return cards[: self.limit] if self.limit else cards
        if self.mode is Mode.EXAM:
            size = min(self.limit or self.exam_size, len(cards))
            return self.rng.sample(cards, size)
        # The queue is built from the stored columns of the due cards only
        # (phase, due, stability, last review) and the ids of the others: with
        # 50,000 cards, reading every card's scheduler JSON would take seconds.
        # A card's JSON is parsed when it is answered.
        # A review is due for the whole day it falls on, as in Anki: its
        # interval is counted in days, so a card due at 09:40 tomorrow is
        # asked in tomorrow's 09:00 session, not a day late. Learning steps
        # (minutes) are due at their time.
        day_end = self._day_end(self.now)
        scheduled = self._scheduled
        for deck in self.decks:
            scheduled.update((deck.id, c) for c in self.store.scheduled_ids(deck.id))
            self._stored.update(((deck.id, card_id), st) for card_id, st in self.store.due_states(
                deck.id, day_end, seen_after=self.now + CLOCK_SLACK).items())
        learning: list[tuple[dt.datetime, Deck, Card]] = []
        due: list[tuple[float, Deck, Card]] = []
        new: list[tuple[Deck, Card]] = []
        for deck, card in cards:
            key = (deck.id, card.id)
            if key not in scheduled:
                new.append((deck, card))
            elif (stored := self._stored.get(key)) is not None and (is_due(
                    stored.phase, stored.due, self.now, day_end) or self._seen_later(stored)):
                if stored.phase == Phase.REVIEW:
                    due.append((self._recall(deck.id, card.id, stored), deck, card))
                else:
                    learning.append((stored.due, deck, card))
        learning.sort(key=lambda x: x[0])
        due.sort(key=lambda x: x[0])
        # One card of a note a session (its other cards wait for the next):
        # the back of one is the front of the other way round, and a cloze's
        # other blanks show this one's answer.
        notes: set[tuple[str, str]] = set()
        queue = _one_per_note([(d, c) for _, d, c in learning] + [(d, c) for _, d, c in due],
                              notes)
        # New cards in a random order, not the file's: a deck written in the
        # order of events would hand each answer to the next card.
        if not self.in_order:
            self.rng.shuffle(new)
        fresh = _one_per_note(new, notes)[: self._new_allowance()]
        self._new_keys = {(d.id, c.id) for d, c in fresh}
        queue = _spread(queue + fresh)
        return queue[: self.limit] if self.limit else queue

    def _day_end(self, now: dt.datetime) -> dt.datetime:
        """Reviews due before this are asked today: when the learner's next day starts."""
        end = self.day_start + dt.timedelta(days=1) if self.day_start else now
        return max(end, now)

    def _changed_elsewhere(self, key: tuple[str, str], stored: StoredState | None) -> None:
        """Another session stored a new state for this card: schedule from
        `stored`, or, when None, from the stored state read when next needed."""
        self._states.pop(key, None)
        if stored is None:
            self._stored.pop(key, None)
        else:
            self._stored[key] = stored
        self._scheduled.add(key)
        self._new_keys.discard(key)

    def _recall(self, deck_id: str, card_id: str, stored: StoredState) -> float:
        if stored.stability and stored.last_review:
            return recall_probability(stored.stability, self.now - stored.last_review,
                                      self.scheduler.settings.parameters)
        state = self._state((deck_id, card_id))
        assert state is not None
        return self.scheduler.retrievability(state, self.now)

    def _state(self, key: tuple[str, str]) -> CardState | None:
        """The card's scheduler state, parsed from its stored JSON on first use
        (a new card has none, and costs no query)."""
        state = self._states.get(key)
        if state is None:
            stored = self._stored.get(key)
            if stored is None and key in self._scheduled:  # scheduled, not due today
                stored = self.store.state(*key)
            if stored is not None:
                state = self._states[key] = state_from_json(stored.data)
        return state

    def _new_allowance(self) -> int:
        limit = self.scheduler.settings.new_per_day if self.new_limit is None else self.new_limit
        day_start = self.day_start or (self.now - dt.timedelta(days=1))
        seen = self.store.introduced_since((d.id for d in self.decks), day_start, self.now)
        return max(0, limit - seen)

    @property
    def remaining(self) -> int:
        """Questions still planned (missed cards coming back included)."""
        left = len(self._queue) + len(self._pending) + (self._again is not None)
        if self.limit and self.mode is not Mode.EXAM:
            left = min(left, max(0, self.limit - self._asked))
        return left

    @property
    def due_left(self) -> int:
        """Of the remaining questions, those that are not new cards: due
        reviews, learning steps and missed cards coming back."""
        fresh = sum(1 for d, c in self._queue if (d.id, c.id) in self._new_keys)
        return self.remaining - fresh

    @property
    def asked(self) -> int:
        return self._asked

    @property
    def points(self) -> str:
        """The score so far in points: right counts 1, partly right 1/2."""
        return points(self._right, self._partly)

    def next(self, now: dt.datetime) -> Question | None:
        """The next question, or None when the session is done."""
        self._require_started()
        if self.limit and self._asked >= self.limit and self.mode is not Mode.EXAM:
            return None  # at most `limit` questions, missed cards coming back included
        if self._again is not None:  # the card of an answer taken back
            q, self._again = self._again, None
            return q
        ready = [p for p in self._pending if p.due <= now and p.after <= self._asked
                 and (p.deck.id, p.card.id) != self._last]
        last = self._last_fact()
        apart = [p for p in ready if not _fact(p.card) & last]
        if apart or (ready and not self._queue):
            return self._take_pending(min(apart or ready, key=lambda p: p.due))
        while self._queue:
            # not a card of the same fact as the one just asked (a missed card
            # coming back can land next to its sibling): the first one within
            # SPREAD_LOOKAHEAD that is not, or the next one
            at = next((i for i, (_, c) in enumerate(self._queue[:SPREAD_LOOKAHEAD])
                       if not _fact(c) & last), 0)
            deck, card = self._queue.pop(at)
            if self.mode is Mode.REVIEW and self._answered_elsewhere((deck.id, card.id), now):
                continue
            return self._question(deck, card, again=False)
        # Nothing due now: the learning step due soonest, as Anki's learn-ahead
        # does; but not the card just answered while another one is waiting.
        soon = [p for p in self._pending if p.due <= now + LEARN_AHEAD]
        others = [p for p in soon if (p.deck.id, p.card.id) != self._last]
        apart = [p for p in others if not _fact(p.card) & last]
        if soon:
            return self._take_pending(min(apart or others or soon, key=lambda p: p.due))
        return None

    def _last_fact(self) -> frozenset[str]:
        """What the card answered last is a fact of (`_fact`), or nothing."""
        if self._last is None:
            return frozenset()
        if self._by_key is None:
            self._by_key = {(d.id, c.id): c for d in self.decks for c in d.cards}
        card = self._by_key.get(self._last)
        return _fact(card) if card is not None else frozenset()

    def _answered_elsewhere(self, key: tuple[str, str], now: dt.datetime) -> bool:
        """Whether another session on this history has answered this queued
        card since the queue was built, so that it is no longer due (one
        primary-key read per card from the queue). Its newer state is kept
        either way, for the answer to be scheduled from."""
        known = self._stored.get(key)
        stored = self.store.state(*key)
        if stored is None or (known is not None and stored.data == known.data):
            return False
        self._changed_elsewhere(key, stored)
        return not is_due(stored.phase, stored.due, now, self._day_end(now))

    def _take_pending(self, p: _Pending) -> Question:
        self._pending.remove(p)
        return self._question(p.deck, p.card, again=True)

    def _question(self, deck: Deck, card: Card, again: bool) -> Question:
        fresh = not again and (deck.id, card.id) in self._new_keys
        if card.escalate and not again and self._well_known((deck.id, card.id)):
            return Question(deck, card, (), self._asked + 1, again, fresh, CardType.TEXT)
        return Question(deck, card, self._options(deck, card), self._asked + 1, again, fresh)

    def _well_known(self, key: tuple[str, str]) -> bool:
        """Whether the card's memory is stable enough (TYPED_AT) for it to be
        asked as typed recall: a learned card, not one being relearned."""
        # cram and exam read the schedule (never write it): from the store
        state = self._state(key) if self.mode is Mode.REVIEW else self.store.state(*key)
        return (state is not None and state.phase == Phase.REVIEW
                and (state.stability or 0.0) >= TYPED_AT)

    def _options(self, deck: Deck, card: Card) -> tuple[str, ...]:
        rng = self.rng
        if card.type is CardType.TRUEFALSE:
            return ("True", "False")
        if card.type is CardType.ORDER:
            assert isinstance(card.answer, tuple)
            items = list(card.answer)
            while items == list(card.answer):
                rng.shuffle(items)
            return tuple(items)
        if card.type is CardType.MULTI:
            options = list(card.choices or ())
            rng.shuffle(options)
            return tuple(options)
        if card.type is not CardType.CHOICE:
            return ()
        assert isinstance(card.answer, str)
        if card.choices:
            options = list(card.choices)
        else:
            options = [card.answer, *draw_distractors(self._pools_of(deck), card, rng)]
        rng.shuffle(options)
        return tuple(options)

    def _seen_later(self, stored: StoredState) -> bool:
        """Last reviewed after now: the clock was set back since (or another
        machine's is ahead). Such a card is due now rather than when the
        clock catches up with its schedule, which may be years away; its
        review is a same-day one for the scheduler."""
        return stored.last_review is not None and stored.last_review > self.now + CLOCK_SLACK

    def _pools_of(self, deck: Deck) -> AnswerPools:
        pools = self._pools.get(deck.id)
        if pools is None:
            pools = self._pools[deck.id] = AnswerPools(deck)
        return pools

    # -- answering ------------------------------------------------------

    def check(self, q: Question, given: str | Sequence[str]) -> Verdict:
        """How `given` would be graded, without saving anything (a front end
        asks for a self-grade only after a right answer)."""
        year = None
        if q.card.type is CardType.DATE:  # the deck's year: found once, not per answer
            if q.deck.id not in self._years:
                self._years[q.deck.id] = implied_year(q.deck)
            year = self._years[q.deck.id]
        if q.asked_as is CardType.TEXT:  # a choice card asked as typed recall
            return grade(replace(q.card, type=CardType.TEXT, choices=None), given, (), year)
        return grade(q.card, given, q.options, year)

    def answer(self, q: Question, given: str | Sequence[str], now: dt.datetime,
               response_ms: int = 0) -> Answered:
        """Grade, schedule and save one answer (committed before this returns).
        A right one is rated Good; with self_grade, `rerate` then applies the
        learner's own rating."""
        if q.card.type is CardType.BASIC:
            raise ValueError("a flip card is rated by the learner: Session.rate")
        verdict = self.check(q, given)
        text = given if isinstance(given, str) else "\n".join(given)
        return self._save(q, verdict, rating_for(verdict.outcome), text, now, response_ms)

    def intervals(self, q: Question, now: dt.datetime) -> dict[Rating, dt.datetime] | None:
        """When the card would be due after each rating, if it were rated at
        `now` (shown beside a flip card's ratings, as Anki does); None where
        the schedule is not touched (cram, exam). Nothing is saved."""
        if self.mode is not Mode.REVIEW:
            return None
        key = (q.deck.id, q.card.id)
        before = self._state(key)
        after = {r: self.scheduler.review(before, r, now, self.day_start) for r in Rating}
        self._previews[key] = (before.data if before else None, after)
        return {r: st.due for r, st in after.items()}

    def rate(self, q: Question, rating: Rating, now: dt.datetime,
             response_ms: int = 0) -> Answered:
        """A flip card's answer: the learner's own rating after seeing the
        back (Again is a miss; Hard, Good and Easy are recalled), saved and
        scheduled as `answer` does. `response_ms` is the time to recall,
        from the front shown to the back asked for."""
        outcome = Outcome.WRONG if rating is Rating.AGAIN else Outcome.RIGHT
        return self._save(q, Verdict(outcome, answer_text(q.card)), rating, rating.name.title(),
                          now, response_ms)

    def _save(self, q: Question, verdict: Verdict, rating: Rating, text: str,
              now: dt.datetime, response_ms: int) -> Answered:
        key = (q.deck.id, q.card.id)
        review_id = self.new_id()
        studied = self._studied(now)
        for _ in range(STATE_RETRIES):
            before = self._state(key) if self.mode is Mode.REVIEW else None
            after: CardState | None = None
            update: StateUpdate | None = None
            if self.mode is Mode.REVIEW:
                shown = self._previews.pop(key, None)
                if shown is not None and shown[0] == (before.data if before else None):
                    after = shown[1][rating]  # the interval shown beside the rating
                else:
                    after = self.scheduler.review(before, rating, now, self.day_start)
                lapsed = (before is not None and before.phase is Phase.REVIEW
                          and rating is Rating.AGAIN)
                update = StateUpdate(q.deck.id, q.card.id, int(after.phase), after.due,
                                     after.data, lapsed, after.stability, after.difficulty,
                                     based_on=before.data if before else None, checked=True)
            review = Review(
                id=review_id, session_id=self.session_id, deck_id=q.deck.id,
                card_id=q.card.id, reviewed_at=now, answer=text, outcome=verdict.outcome,
                rating=int(rating), response_ms=max(0, int(response_ms)), mode=self.mode,
                state_before=before.data if before else None,
                state_after=after.data if after else None,
                phase_before=int(before.phase) if before else None,
                asked_as=q.asked_as.value if q.asked_as else None,
            )
            try:
                self.store.record(review, update, studied)
                break
            except StateChanged:
                # Another session on this deck answered the card since this one
                # read its state: schedule again from the state it stored.
                self._changed_elsewhere(key, None)
        else:
            raise StoreError(f"{self.store.path}: the card {q.card.id!r} kept being answered "
                             "in another session; this answer was not saved")
        # Only once it is saved does the session move on.
        taken = (tuple(self._pending), self._last, self._tries.get(key, 0))
        if after is not None:
            self._states[key] = after
        self._rerate_from = (review_id, before)
        self._count(q.card, verdict)
        self._seconds += studied
        self._since = max(self._since, now)
        self._last = key
        self._tries[key] = self._tries.get(key, 0) + 1
        if self._tries[key] < MAX_TRIES:
            self._requeue(q, after, now, verdict)
        answered = Answered(q, verdict, rating, review, after.due if after else None)
        self._taken = _Taken(answered, before, *taken)
        return answered

    def rerate(self, a: Answered, rating: Rating) -> Answered:
        """With self_grade: the learner's own rating of a right answer (Hard,
        Good or Easy), given after `answer` saved it as Good. The stored
        review takes the rating and the card is scheduled from it, as of the
        answer's time. If another session has stored a newer state for the
        card since, that state stands and the answer stays rated Good."""
        if (not self.self_grade or a.verdict.outcome is not Outcome.RIGHT
                or rating not in (Rating.HARD, Rating.GOOD, Rating.EASY)
                or rating is a.rating or self._rerate_from is None
                or self._rerate_from[0] != a.review.id):
            return a  # only the last answer, and only a right one, can be re-rated
        q, review = a.question, a.review
        key = (q.deck.id, q.card.id)
        before = self._rerate_from[1]
        after, update = self._rescheduled(q, before, rating, review.reviewed_at,
                                          review.state_after)
        try:
            self.store.rerate(review, int(rating), update)
        except StateChanged:
            self._changed_elsewhere(key, None)
            return a
        if after is not None:
            self._states[key] = after
            # the card comes back (or not) as its new state says
            self._pending = [p for p in self._pending if (p.deck.id, p.card.id) != key]
            if self._tries.get(key, 0) < MAX_TRIES:
                self._requeue(q, after, review.reviewed_at, a.verdict)
        review = replace(review, rating=int(rating),
                         state_after=after.data if after else None)
        rated = Answered(q, a.verdict, rating, review, after.due if after else None)
        if self._taken is not None and self._taken.answered.review.id == review.id:
            self._taken = replace(self._taken, answered=rated)
        return rated

    def feedback(self, q: Question) -> Feedback:
        """What to show after answering `q`: the card's explanation and its
        source line, with the answers of the cards still to come in this
        session masked, so that neither answers one of them."""
        card = q.card
        key = (q.deck.id, card.id)
        upcoming = [(d.id, c) for d, c in self._queue]
        upcoming += [(p.deck.id, p.card) for p in self._pending]
        if self._again is not None:
            upcoming.append((self._again.deck.id, self._again.card))
        source = q.deck.sources.get(card.source or "")
        return feedback(card.explain.strip() if card.explain else None, source,
                        (c for deck_id, c in upcoming if (deck_id, c.id) != key), card)

    # -- suspend, bury, flag ------------------------------------------------

    def suspend(self, q: Question) -> CardMark:
        """Never ask this card again until unsuspended (`quiz cards
        --unsuspend`); it leaves this session now. Its history is kept."""
        self._drop(q)
        return self.store.mark(q.deck.id, q.card.id, suspended=True)

    def bury(self, q: Question, now: dt.datetime) -> CardMark:
        """Not this card again today: it leaves this session and comes back
        from the learner's next day (its schedule is as it was)."""
        self._drop(q)
        return self.store.mark(q.deck.id, q.card.id, buried_until=self._day_end(now))

    def flag(self, q: Question) -> CardMark:
        """Mark the card to look at later (`quiz cards --flagged`): a wrong
        fact, a question that could be put better. It is asked as before."""
        return self.store.mark(q.deck.id, q.card.id, flagged=True)

    def _drop(self, q: Question) -> None:
        key = (q.deck.id, q.card.id)
        self._queue = [(d, c) for d, c in self._queue if (d.id, c.id) != key]
        self._pending = [p for p in self._pending if (p.deck.id, p.card.id) != key]
        if self._again is not None and (self._again.deck.id, self._again.card.id) == key:
            self._again = None

    # -- taking an answer back ----------------------------------------------

    @property
    def last_question(self) -> Question | None:
        """The question of the last answer, while it can be taken back."""
        return self._taken.answered.question if self._taken is not None else None

    @property
    def can_undo(self) -> bool:
        """Whether there is an answer to take back: the last one, once."""
        return self._taken is not None

    def undo(self) -> Question | None:
        """Take the last answer back: its review leaves the history and the
        card's state is the one before it, in one transaction; the score and
        the cards waiting to come back are as they were, and the card is the
        next question, asked as it was. Returns it, or None when there is
        nothing to undo. If another session answered the card since, nothing
        changes and StateChanged is raised."""
        taken = self._taken
        if taken is None:
            return None
        a = taken.answered
        key = (a.question.deck.id, a.question.card.id)
        self.store.undo(a.review, self._restore(taken))
        self._forget(taken)
        if taken.before is not None:
            self._states[key] = taken.before
        else:
            self._states.pop(key, None)
        self._again = replace(a.question, number=self._asked + 1)
        return self._again

    def override(self, a: Answered, rating: Rating = Rating.GOOD) -> Answered:
        """The learner's "I was right" after a wrong or partly right verdict
        on the last answer: the stored answer becomes a right one with
        `rating`, and the card is scheduled from it as of the answer's time,
        in one transaction. Any other answer is returned as it is. If
        another session answered the card since, nothing changes and
        StateChanged is raised."""
        taken = self._taken
        if (taken is None or taken.answered.review.id != a.review.id
                or a.verdict.outcome is Outcome.RIGHT):
            return a
        q, review = a.question, a.review
        key = (q.deck.id, q.card.id)
        before = taken.before
        after, update = self._rescheduled(q, before, rating, review.reviewed_at,
                                          before.data if before else None)
        verdict = Verdict(Outcome.RIGHT, a.verdict.expected)
        new = replace(review, outcome=Outcome.RIGHT, rating=int(rating),
                      state_after=after.data if after else None)
        self.store.amend(review, self._restore(taken), new, update)
        self._forget(taken)
        if after is not None:
            self._states[key] = after
        self._rerate_from = (review.id, before)
        self._count(q.card, verdict)
        self._last = key
        self._tries[key] = taken.tries + 1
        if self._tries[key] < MAX_TRIES:
            self._requeue(q, after, review.reviewed_at, verdict)
        right = Answered(q, verdict, rating, new, after.due if after else None)
        self._taken = _Taken(right, before, taken.pending, taken.last, taken.tries)
        return right

    def _rescheduled(self, q: Question, before: CardState | None, rating: Rating,
                     at: dt.datetime, based_on: str | None,
                     ) -> tuple[CardState | None, StateUpdate | None]:
        """The card scheduled anew from `before` with `rating` as of `at` (a
        rating changed after the answer was saved), and the update that
        stores it over the state `based_on`; nothing outside review mode."""
        if self.mode is not Mode.REVIEW:
            return None, None
        after = self.scheduler.review(before, rating, at, self.day_start)
        return after, StateUpdate(q.deck.id, q.card.id, int(after.phase), after.due, after.data,
                                  False, after.stability, after.difficulty,
                                  based_on=based_on, checked=True)

    def _restore(self, taken: _Taken) -> StateRestore | None:
        a, before = taken.answered, taken.before
        if a.review.state_after is None:
            return None  # cram and exam: the schedule was not touched
        if before is None:
            return StateRestore(None)
        lapsed = before.phase is Phase.REVIEW and a.rating is Rating.AGAIN
        return StateRestore(before.data, int(before.phase), before.due, before.stability,
                            before.difficulty, before.last_review, lapsed)

    def _forget(self, taken: _Taken) -> None:
        """The session's own record of the last answer taken back."""
        a = taken.answered
        self._uncount(a.question.card, a.verdict)
        self._pending = list(taken.pending)
        self._last = taken.last
        self._tries[(a.question.deck.id, a.question.card.id)] = taken.tries
        self._taken = None
        self._rerate_from = None

    def _uncount(self, card: Card, verdict: Verdict) -> None:
        self._asked -= 1
        if verdict.outcome is Outcome.RIGHT:
            self._right -= 1
        elif verdict.outcome is Outcome.PARTLY:
            self._partly -= 1
        else:
            self._wrong -= 1
        for tag in card.tags or (UNTAGGED,):
            tally = self._by_tag[tag]
            tally.asked -= 1
            tally.right -= verdict.outcome is Outcome.RIGHT
            tally.partly -= verdict.outcome is Outcome.PARTLY
            if not tally.asked:
                del self._by_tag[tag]

    def _count(self, card: Card, verdict: Verdict) -> None:
        self._asked += 1
        if verdict.outcome is Outcome.RIGHT:
            self._right += 1
        elif verdict.outcome is Outcome.PARTLY:
            self._partly += 1
        else:
            self._wrong += 1
        for tag in card.tags or (UNTAGGED,):
            tally = self._by_tag.setdefault(tag, TagScore(tag))
            tally.asked += 1
            tally.right += verdict.outcome is Outcome.RIGHT
            tally.partly += verdict.outcome is Outcome.PARTLY

    def _requeue(self, q: Question, after: CardState | None, now: dt.datetime,
                 verdict: Verdict) -> None:
        if self.mode is Mode.EXAM:
            return
        if after is not None:
            if after.phase is not Phase.REVIEW and after.due <= now + LEARN_AHEAD * 3:
                self._pending.append(_Pending(q.deck, q.card, after.due, self._asked + 1))
        elif verdict.outcome is Outcome.WRONG:  # cram: back after a few others
            self._pending.append(_Pending(q.deck, q.card, now, self._asked + CRAM_GAP))

    # -- the end ----------------------------------------------------------

    def finish(self, now: dt.datetime) -> Summary:
        """Close the session record and sum it up. Its time is the study time
        of its answers and of the last question, each gap at most PAUSE_CAP."""
        self._require_started()
        seconds = self._seconds + self._studied(now)
        self.store.end_session(self.session_id, now, seconds)
        next_due = self.store.next_due(d.id for d in self.decks) if self.decks else None
        return Summary(
            session_id=self.session_id, mode=self.mode, asked=self._asked, right=self._right,
            partly=self._partly, wrong=self._wrong,
            seconds=seconds,
            by_tag=dict(self._by_tag), next_due=next_due, planned=self._planned, ended=now,
        )


def _one_per_note(cards: list[tuple[Deck, Card]],
                  seen: set[tuple[str, str]]) -> list[tuple[Deck, Card]]:
    """`cards` less those whose note (Card.note_id) is in `seen` or came
    earlier in the list; `seen` takes the notes kept."""
    kept = []
    for deck, card in cards:
        note = (deck.id, card.note_id)
        if note not in seen:
            seen.add(note)
            kept.append((deck, card))
    return kept


def _spread(cards: list[tuple[Deck, Card]]) -> list[tuple[Deck, Card]]:
    """`cards` in much the same order, but no card right after one with the
    same answer or of the same note (two cards of one fact: the first one's
    answer gives the second away), where the cards allow it. Each card goes
    to the first place from its own where it follows no sibling: behind a
    run of siblings it waits for the next other card; at the end, it goes
    back to the first gap between two cards it shares nothing with."""
    out: list[tuple[Deck, Card]] = []
    facts: list[frozenset[str]] = []
    waiting: list[tuple[tuple[Deck, Card], frozenset[str]]] = []

    def place(item: tuple[Deck, Card], fact: frozenset[str]) -> None:
        out.append(item)
        facts.append(fact)

    for item in cards:
        fact = _fact(item[1])
        if facts and fact & facts[-1]:
            waiting.append((item, fact))
            continue
        place(item, fact)
        # a card kept waiting goes in as soon as it follows no sibling
        while waiting:
            i = next((i for i, (_, f) in enumerate(waiting) if not f & facts[-1]), None)
            if i is None:
                break
            place(*waiting.pop(i))
    for item, fact in waiting:  # no other card came: back to a gap that fits it
        gap = next((k for k in range(len(out) + 1)
                    if (k == 0 or not fact & facts[k - 1])
                    and (k == len(out) or not fact & facts[k])), None)
        if gap is None:
            gap = len(out)  # only siblings: asked after all
        out.insert(gap, item)
        facts.insert(gap, fact)
    return out


SPREAD_LOOKAHEAD = 20  # how far down the queue a card of another fact is looked for


@functools.lru_cache(maxsize=65536)
def _fact(card: Card) -> frozenset[str]:
    """What a card's answer is, as compared between cards: the ways of
    writing it, each item of a list answer (the members who sent troops
    hold the answer to "the contingents came from ..., ___ and ..."), its
    note and its group."""
    forms = set(answer_forms(card))
    if card.type in (CardType.MULTI, CardType.ORDER) and isinstance(card.answer, tuple):
        forms.update(a for a in card.answer if len(a) >= 3)
    marks = {f"\0{card.note_id}"} | ({f"\1{card.group}"} if card.group else set())
    return frozenset(f.casefold() for f in forms) | marks


def is_due(phase: int, due: dt.datetime, now: dt.datetime, day_end: dt.datetime) -> bool:
    """A review is due all of the day it falls on (before `day_end`, when the
    learner's next day starts); a learning step at its time."""
    return due <= now or (phase == Phase.REVIEW and due < day_end)
