"""Progress figures from the history database, computed where the data lives.

Each figure is one SQL query over a small table or an index: per-card
counters (`card_stats`), per-day retention counters (`retention_daily`), the
schedule (`card_state`), sessions, and a covering index for recent
retention, so a history of a million reviews is summed up in under a
second. No clock is read here: `now` and the learner's time zone are
parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from quiz.days import day_start, learner_day
from quiz.history.store import Store, from_ts, ts
from quiz.models import UNTAGGED
from quiz.study.scheduling import recall_probability
from quiz.study.scoring import TagScore, score

FORECAST_DAYS = 14
HARDEST = 10
RECENT_DAYS = 30


@dataclass(frozen=True, slots=True)
class SessionScore:
    id: int
    started_at: dt.datetime
    decks: list[str]
    mode: str
    asked: int
    correct: int  # right or partly right
    partly: int
    seconds: float
    finished: bool  # False: stopped by a kill or a crash (its answers are kept)

    @property
    def score(self) -> float:
        return score(self.asked, self.correct - self.partly, self.partly)


@dataclass(frozen=True, slots=True)
class HardCard:
    deck_id: str
    card_id: str
    question: str | None  # None: the deck was never studied with this version
    lapses: int  # times forgotten once learned (a new card missed is no lapse)
    asked: int
    correct: int  # right or partly right
    recall: float | None  # predicted recall now; None for cards not yet in review
    scheduled: bool  # False: only ever asked in cram or exam, which leave the schedule alone
    partly: int = 0
    last_seen: dt.datetime | None = None  # its last scheduled review

    @property
    def wrong(self) -> int:
        return self.asked - self.correct


@dataclass(frozen=True, slots=True)
class Retention:
    """Share of scheduled reviews of learned cards that were recalled (not
    'again'), against the retention the scheduler aims for."""

    desired: float
    reviews: int
    recalled: int
    recent_reviews: int  # the last RECENT_DAYS days
    recent_recalled: int

    @property
    def rate(self) -> float | None:
        return self.recalled / self.reviews if self.reviews else None

    @property
    def recent_rate(self) -> float | None:
        return self.recent_recalled / self.recent_reviews if self.recent_reviews else None


@dataclass(frozen=True, slots=True)
class Streak:
    current: int  # days in a row up to today (or yesterday, if today is still open)
    longest: int
    days_studied: int
    studied_today: bool


@dataclass(frozen=True, slots=True)
class Stats:
    generated_at: dt.datetime
    decks: list[str]  # the filter; empty means every deck
    reviews: int
    cards_seen: int
    seconds: float
    sessions: list[SessionScore]
    tags: list[TagScore]
    hardest: list[HardCard]
    retention: Retention
    forecast: list[tuple[dt.date, int]]  # day 0 counts everything overdue too
    streak: Streak

    def to_json(self) -> dict[str, Any]:
        """The document `quiz stats --json` prints (see stats.schema.json)."""
        r = self.retention
        return {
            "schema": "quiz-stats/2",
            "generated_at": ts(self.generated_at),
            "decks": self.decks,
            "totals": {"reviews": self.reviews, "cards_seen": self.cards_seen,
                       "sessions": len(self.sessions), "seconds": round(self.seconds, 1)},
            # by hand, not dataclasses.asdict: that deep-copies field by field
            # and took 2 s for the 50,000 sessions of a million reviews
            # "right" counts answers right in full; "partly" the partly right
            # (layout 1 had "correct" for the two together)
            "sessions": [{"id": s.id, "decks": list(s.decks), "mode": s.mode, "asked": s.asked,
                          "right": s.correct - s.partly, "partly": s.partly,
                          "seconds": round(s.seconds, 1), "finished": s.finished,
                          "started_at": ts(s.started_at), "score": round(s.score, 2)}
                         for s in self.sessions],
            "tags": [{"tag": t.tag, "asked": t.asked, "right": t.correct - t.partly,
                      "partly": t.partly,
                      "score": round(t.score, 2)} for t in self.tags],
            "hardest": [{"deck_id": h.deck_id, "card_id": h.card_id, "question": h.question,
                         "lapses": h.lapses, "asked": h.asked, "right": h.correct - h.partly,
                         "partly": h.partly, "wrong": h.wrong,
                         "recall": None if h.recall is None else round(h.recall, 4),
                         "scheduled": h.scheduled} for h in self.hardest],
            "retention": {"desired": r.desired, "reviews": r.reviews, "recalled": r.recalled,
                          "rate": r.rate, "recent_days": RECENT_DAYS,
                          "recent_reviews": r.recent_reviews,
                          "recent_recalled": r.recent_recalled, "recent_rate": r.recent_rate},
            "forecast": [{"date": d.isoformat(), "due": n} for d, n in self.forecast],
            "streak": asdict(self.streak),
        }


def compute(store: Store, now: dt.datetime, tz: dt.tzinfo, deck_ids: Sequence[str] = (),
            desired_retention: float = 0.9,
            parameters: Sequence[float] | None = None) -> Stats:
    """Every figure of `quiz stats`, for the given decks (or all of them).
    A history whose rows do not hold what its schema says is a StoreError."""
    with store.reading():
        return _compute(store, now, tz, deck_ids, desired_retention, parameters)


def _compute(store: Store, now: dt.datetime, tz: dt.tzinfo, deck_ids: Sequence[str],
             desired_retention: float, parameters: Sequence[float] | None) -> Stats:
    from quiz.gcpause import paused

    f = _Filter(list(deck_ids))
    db = store.db
    reviews, seen = db.execute(
        f"SELECT coalesce(sum(asked), 0), count(*) FROM card_stats {f.where('deck_id')}",
        f.args).fetchone()
    with paused():  # a row object per session and card: many objects, no cycles
        sessions = _sessions(store, f)
        return Stats(
            generated_at=now, decks=list(deck_ids), reviews=int(reviews), cards_seen=int(seen),
            seconds=sum(s.seconds for s in sessions), sessions=sessions,
            tags=_tags(store, f), hardest=_hardest(store, f, now, parameters),
            retention=_retention(store, f, now, desired_retention),
            forecast=_forecast(store, f, now, tz), streak=_streak(sessions, now, tz),
        )


class _Filter:
    """`WHERE deck_id IN (...)` for an optional list of decks."""

    def __init__(self, ids: list[str]) -> None:
        self.args = ids

    def cond(self, column: str) -> str:
        return f"{column} IN ({','.join('?' * len(self.args))})" if self.args else "1 = 1"

    def where(self, column: str) -> str:
        return f"WHERE {self.cond(column)}"


def _sessions(store: Store, f: _Filter) -> list[SessionScore]:
    # A session studies one or more decks (a row each in session_decks).
    cond = (f"id IN (SELECT session_id FROM session_decks {f.where('deck_id')})"
            if f.args else "1 = 1")
    rows = store.db.execute(
        "SELECT id, started_at, decks, mode, asked, correct, partly, seconds, "
        f"ended_at IS NOT NULL FROM sessions WHERE asked > 0 AND {cond} ORDER BY started_at",
        f.args)
    return [SessionScore(r[0], from_ts(r[1]), r[2].split(","), r[3], r[4], r[5], r[6],
                         float(r[7]), bool(r[8])) for r in rows]


def _tags(store: Store, f: _Filter) -> list[TagScore]:
    rows = store.db.execute(
        f"SELECT coalesce(t.tag, ?), sum(s.asked), sum(s.correct), sum(s.partly) "
        f"FROM card_stats s LEFT JOIN card_tags t USING (deck_id, card_id) "
        f"{f.where('s.deck_id')} GROUP BY 1 ORDER BY 1", [UNTAGGED, *f.args])
    return [TagScore(r[0], int(r[1]), int(r[2]) - int(r[3]), int(r[3])) for r in rows]


def _hardest(store: Store, f: _Filter, now: dt.datetime,
             parameters: Sequence[float] | None) -> list[HardCard]:
    """Most lapses first, then the lowest share recalled; cards never missed
    are not hard."""
    rows = store.db.execute(
        "SELECT s.deck_id, s.card_id, c.question, coalesce(st.lapses, 0), s.asked, s.correct, "
        "st.stability, st.last_review, st.phase, s.partly "
        "FROM card_stats s LEFT JOIN card_state st USING (deck_id, card_id) "
        "LEFT JOIN cards c USING (deck_id, card_id) "
        f"WHERE s.correct < s.asked AND {f.cond('s.deck_id')} "
        "ORDER BY coalesce(st.lapses, 0) DESC, (s.correct * 1.0 / s.asked), s.asked DESC, "
        "s.deck_id, s.card_id "
        f"LIMIT {HARDEST}", f.args)
    out = []
    for deck_id, card_id, question, lapses, asked, correct, stability, last, phase, partly in rows:
        recall = None
        if stability and last and phase == 2:
            recall = recall_probability(float(stability), now - from_ts(last), parameters)
        out.append(HardCard(deck_id, card_id, question, int(lapses), int(asked), int(correct),
                            recall, phase is not None, int(partly),
                            from_ts(last) if last else None))
    return out


def _retention(store: Store, f: _Filter, now: dt.datetime, desired: float) -> Retention:
    # All time: the per-day counters. The last RECENT_DAYS days, to the second:
    # a range of the reviews, which are stored in time order.
    total, recalled = store.db.execute(
        "SELECT coalesce(sum(reviews), 0), coalesce(sum(recalled), 0) FROM retention_daily "
        f"{f.where('deck_id')}", f.args).fetchone()
    recent, recent_recalled = store.db.execute(
        "SELECT count(*), coalesce(sum(correct), 0) FROM reviews "
        f"WHERE reviewed_at >= ? AND mode = 'review' AND phase_before = 2 AND {f.cond('deck_id')}",
        [ts(now - dt.timedelta(days=RECENT_DAYS)), *f.args]).fetchone()
    return Retention(desired, int(total), int(recalled), int(recent), int(recent_recalled))


def _forecast(store: Store, f: _Filter, now: dt.datetime,
              tz: dt.tzinfo) -> list[tuple[dt.date, int]]:
    today = learner_day(now, tz)
    days = [today + dt.timedelta(days=i) for i in range(FORECAST_DAYS)]
    ends = [ts(day_start(d + dt.timedelta(days=1), tz)) for d in days]
    columns = ", ".join(
        f"coalesce(sum(CASE WHEN due < ?{'' if i == 0 else ' AND due >= ?'} THEN 1 ELSE 0 END), 0)"
        for i in range(len(ends)))
    args: list[str] = [ends[0]]
    for i in range(1, len(ends)):
        args += [ends[i], ends[i - 1]]
    row = store.db.execute(
        f"SELECT {columns} FROM card_state WHERE due < ? AND {f.cond('deck_id')}",
        [*args, ends[-1], *f.args]).fetchone()
    return [(d, int(n)) for d, n in zip(days, row, strict=True)]


def _streak(sessions: list[SessionScore], now: dt.datetime, tz: dt.tzinfo) -> Streak:
    days = sorted({learner_day(s.started_at, tz) for s in sessions if s.asked})
    today = learner_day(now, tz)
    longest = run = 0
    previous: dt.date | None = None
    for d in days:
        run = run + 1 if previous is not None and d - previous == dt.timedelta(days=1) else 1
        longest = max(longest, run)
        previous = d
    studied = set(days)
    current = 0
    day = today if today in studied else today - dt.timedelta(days=1)
    while day in studied:
        current += 1
        day -= dt.timedelta(days=1)
    return Streak(current, longest, len(days), today in studied)
