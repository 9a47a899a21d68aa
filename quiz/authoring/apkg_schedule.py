"""The learner's history of a deck, as Anki keeps it: review log rows and
each card's scheduling, added to a package's collection before it is packed
(`quiz export -f apkg --with-history`).

A revlog row is (id: the answer's moment in ms since the epoch, unique;
cid; usn -1; ease: the rating 1-4; ivl and lastIvl: the interval booked by
this answer and by the one before, in days, or for a learning step its
negative seconds; factor: under FSRS, the difficulty as Anki stores it,
100 + 1000 (D - 1) / 9; time: the time to answer in ms, capped at 60 s as
Anki caps it; type: 0 learn, 1 review, 2 relearn, from the card's phase
when asked).

A card's row gets type and queue (1 learning, 2 review, 3 relearning;
queue -1 when suspended), due (a review card: its day counted from the
collection's creation, `col.crt`, set to the start of the learner's day
of the first answer; a learning card: the moment, in epoch seconds), ivl,
reps, lapses, and in `data` the FSRS memory as Anki keeps it:
{"s": stability, "d": difficulty, "dr": desired retention, "decay": the
forgetting curve's decay, "lrt": the last review, epoch seconds}.

Only scheduled answers are written: cram and exam answers leave quiz's
schedule alone, and Anki would count them in its schedule.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from quiz.days import day_start, learner_day

MAX_TIME_MS = 60_000  # Anki's default "maximum answer seconds"
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Answer:
    """One stored answer of a card (`Store.scheduled_reviews`)."""

    card_id: str
    at: dt.datetime
    rating: int
    response_ms: int
    phase_before: int | None
    state_after: str | None


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A card's current state (`card_state`), and whether it is suspended."""

    card_id: str
    phase: int
    due: dt.datetime
    data: str
    reps: int
    lapses: int
    last_review: dt.datetime | None


def _memory(data: str | None) -> tuple[float | None, float | None, dt.datetime | None]:
    """Stability, difficulty and due of an FSRS state's JSON (py-fsrs)."""
    if not data:
        return None, None, None
    try:
        value = json.loads(data)
        due = dt.datetime.fromisoformat(value["due"]) if value.get("due") else None
        s, d = value.get("stability"), value.get("difficulty")
        return (float(s) if s is not None else None, float(d) if d is not None else None, due)
    except (ValueError, TypeError, KeyError):
        return None, None, None


def factor(difficulty: float | None) -> int:
    """Anki's revlog factor under FSRS: the difficulty 1-10 as 100-1100."""
    if difficulty is None:
        return 0
    return round(100 + 1000 * (min(max(difficulty, 1.0), 10.0) - 1) / 9)


def interval(at: dt.datetime, due: dt.datetime | None, phase: int | None) -> int:
    """The interval an answer booked, as Anki writes it: days for a review
    card, negative seconds for a learning or relearning step."""
    if due is None:
        return 0
    seconds = (due - at).total_seconds()
    if phase == 2:
        return max(1, round(seconds / DAY))
    return -max(1, round(seconds))


def collection_start(answers: Iterable[Answer], now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """`col.crt`: the start of the learner's day of the first answer (or of
    today), so every review card's day number is positive."""
    first = min((a.at for a in answers), default=now)
    return day_start(learner_day(first, tz), tz)


def day_number(when: dt.datetime, crt: dt.datetime, tz: dt.tzinfo) -> int:
    """The learner's day of `when`, counted from the day `crt` starts."""
    return (learner_day(when, tz) - learner_day(crt, tz)).days


def add_history(db: sqlite3.Connection, cards: Mapping[tuple[str, int], str],
                answers: list[Answer], states: list[Scheduled], suspended: set[str],
                now: dt.datetime, tz: dt.tzinfo, desired_retention: float,
                decay: float | None) -> int:
    """Write the answers as revlog rows and the states into the cards of the
    collection `db` (genanki's: every card new), and suspend the cards
    `suspended` (quiz card ids); `cards` maps (note GUID,
    card ord) to quiz's card id. Returns the number of revlog rows."""
    ids: dict[str, int] = {}
    for cid, guid, ord_ in db.execute("SELECT c.id, n.guid, c.ord FROM cards c "
                                      "JOIN notes n ON n.id = c.nid"):
        quiz_id = cards.get((str(guid), int(ord_)))
        if quiz_id is not None:
            ids[quiz_id] = int(cid)
    crt = collection_start(answers, now, tz)
    db.execute("UPDATE col SET crt = ?", (int(crt.timestamp()),))
    used: set[int] = set()
    last_ivl: dict[str, int] = {}
    rows = []
    for a in sorted(answers, key=lambda a: a.at):
        cid = ids.get(a.card_id)
        if cid is None or not 1 <= a.rating <= 4:
            continue
        rid = int(a.at.timestamp() * 1000)
        while rid in used:
            rid += 1
        used.add(rid)
        _s, d, due = _memory(a.state_after)
        phase_after = _phase(a.state_after)
        ivl = interval(a.at, due, phase_after)
        kind = {None: 0, 1: 0, 2: 1, 3: 2}.get(a.phase_before, 0)
        rows.append((rid, cid, -1, a.rating, ivl, last_ivl.get(a.card_id, 0), factor(d),
                     min(max(0, a.response_ms), MAX_TIME_MS), kind))
        last_ivl[a.card_id] = ivl
    db.executemany("INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    for st in states:
        cid = ids.get(st.card_id)
        if cid is None:
            continue
        s, d, _due = _memory(st.data)
        last = st.last_review or st.due
        if st.phase == 2:
            ctype, queue, due_value = 2, 2, day_number(st.due, crt, tz)
            ivl = max(1, day_number(st.due, crt, tz) - day_number(last, crt, tz))
        else:
            ctype, queue, due_value = (1 if st.phase == 1 else 3), 1, int(st.due.timestamp())
            ivl = 0 if st.phase == 1 else max(1, round(s or 1))
        memory: dict[str, float | int] = {}
        if s is not None and d is not None:
            memory = {"s": round(s, 4), "d": round(d, 3), "dr": desired_retention}
            if decay is not None:
                memory["decay"] = round(decay, 4)
            memory["lrt"] = int(last.timestamp())
        db.execute("UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = 2500, "
                   "reps = ?, lapses = ?, left = ?, data = ? WHERE id = ?",
                   (ctype, queue, due_value, ivl, st.reps, st.lapses,
                    1 if ctype in (1, 3) else 0, json.dumps(memory) if memory else "{}", cid))
    db.executemany("UPDATE cards SET queue = -1 WHERE id = ?",
                   [(ids[c],) for c in sorted(suspended) if c in ids])
    return len(rows)


def _phase(data: str | None) -> int | None:
    if not data:
        return None
    try:
        return int(json.loads(data)["state"])
    except (ValueError, TypeError, KeyError):
        return None
