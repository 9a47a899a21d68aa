"""An Anki review log as quiz's history: each answer a review, and each
card's state worked out by replaying its answers through quiz's scheduler.

A revlog row is (id: ms since the epoch, cid, ease 1-4, ivl, lastIvl,
factor, time in ms, type: 0 learn, 1 review, 2 relearn, 3 filtered, 4
manual, 5 rescheduled). Rows of type 4 and 5, and any with ease 0, record a
change made by hand, not an answer: they are left out. The others keep
their rating (ease), time to answer and moment; they are stored as
scheduled reviews of flip cards (Again is wrong, the others right), with the
id `anki:REVLOG-ID`, so a second import stores nothing twice.

Replaying counts elapsed time in the learner's calendar days, as a session
does (`day_start`), so the intervals quiz books follow the memory Anki's
answers show; they are quiz's intervals, not Anki's (see docs/formats/anki.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from quiz.authoring.apkg import Revlog
from quiz.models import Mode, Outcome, Review
from quiz.study.records import ImportedState
from quiz.study.scheduling import Phase, Rating, Scheduler

# Anki began in 2006: a review dated before it is not a real one.
EARLIEST_MS = 1_136_073_600_000  # 2006-01-01
MAX_RESPONSE_MS = 3_600_000


@dataclass
class History:
    reviews: list[Review] = field(default_factory=list)
    states: list[ImportedState] = field(default_factory=list)
    left_out: int = 0  # manual changes and reschedules
    misdated: int = 0  # rows dated before Anki existed or after now


def replay(revlog: Sequence[Revlog], cards: Mapping[int, tuple[str, str]],
           scheduler: Scheduler, now: dt.datetime, day_start: dt.datetime) -> History:
    """Reviews and final states for the Anki cards in `cards` (Anki card id
    -> quiz deck id and card id); rows of other cards are not counted."""
    out = History()
    by_card: dict[int, list[Revlog]] = {}
    now_ms = int(now.timestamp() * 1000)
    for row in revlog:
        if row.card_id not in cards:
            continue
        if row.type in (4, 5) or not 1 <= row.ease <= 4:
            out.left_out += 1
            continue
        if not EARLIEST_MS <= row.id <= now_ms:
            out.misdated += 1
            continue
        by_card.setdefault(row.card_id, []).append(row)
    for cid, rows in by_card.items():
        deck_id, card_id = cards[cid]
        state = None
        lapses = 0
        first: dt.datetime | None = None
        at = now
        for row in sorted(rows, key=lambda r: r.id):
            at = dt.datetime.fromtimestamp(row.id / 1000, dt.UTC)
            first = first or at
            rating = Rating(row.ease)
            after = scheduler.review(state, rating, at, day_start)
            lapses += state is not None and state.phase is Phase.REVIEW and \
                rating is Rating.AGAIN
            out.reviews.append(Review(
                id=f"anki:{row.id}", session_id=None, deck_id=deck_id, card_id=card_id,
                reviewed_at=at, answer=rating.name.title(),
                outcome=Outcome.WRONG if rating is Rating.AGAIN else Outcome.RIGHT,
                rating=int(rating), response_ms=min(max(0, row.time_ms), MAX_RESPONSE_MS),
                mode=Mode.REVIEW, state_before=state.data if state else None,
                state_after=after.data,
                phase_before=int(state.phase) if state else None))
            state = after
        assert state is not None and first is not None
        out.states.append(ImportedState(
            deck_id, card_id, int(state.phase), state.due, state.data, state.stability,
            state.difficulty, introduced=first, last_review=at, reps=len(rows),
            lapses=lapses))
    return out
