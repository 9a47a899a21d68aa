"""`quiz stats` on a large history: build N reviews over M cards, then time it.

    python bench/stats_scale.py [REVIEWS] [CARDS]     (default 1,000,000 over 50,000)

Rows are written straight into a fresh history database (one transaction),
shaped like real use: about 20 answers per session, one session a day per
deck, cards moving through learning into review. Then it times `quiz stats`
(the whole command, in a child process, best of 3) and the figures alone.
"""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from quiz.history.stats import compute
from quiz.history.store import open_store, ts

END = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)


def build(path: Path, reviews: int, cards: int, end: dt.datetime = END) -> None:
    """A year of history ending at `end`."""
    rng = random.Random(7)
    start = end - dt.timedelta(days=365)
    per_session = 20
    with open_store(path) as store:
        db = store.db
        db.execute("BEGIN")
        db.executemany("INSERT INTO card_tags VALUES ('big', ?, ?)",
                       ((f"c{i}", ("dates", "figures", "quotes", "members")[i % 4])
                        for i in range(cards)))
        db.executemany("INSERT INTO cards VALUES ('big', ?, ?)",
                       ((f"c{i}", f"Question {i}?") for i in range(cards)))
        sessions = reviews // per_session
        span = dt.timedelta(days=365)
        rows = []
        stats: dict[int, list[int]] = {}
        for s in range(sessions):
            when = start + span * s / sessions
            db.execute("INSERT INTO sessions (id, decks, mode, started_at, ended_at, asked, "
                       "correct, planned, seconds) VALUES (?, 'big', 'review', ?, ?, ?, ?, ?, "
                       "300)", (s + 1, ts(when), ts(when + dt.timedelta(minutes=5)),
                                per_session, per_session * 9 // 10, per_session))
            for k in range(per_session):
                card = rng.randrange(cards)
                correct = int(rng.random() < 0.88)
                c = stats.setdefault(card, [0, 0])
                c[0] += 1
                c[1] += correct
                rows.append((f"r{s}-{k}", s + 1, f"c{card}", ts(when + dt.timedelta(seconds=k)),
                             correct, 3 if correct else 1, 2 if c[0] > 2 else None))
            if len(rows) > 50_000:
                _flush(db, rows)
        _flush(db, rows)
        now = end
        db.executemany(
            "INSERT INTO card_state (deck_id, card_id, phase, due, stability, difficulty, "
            "last_review, introduced, reps, lapses, data) VALUES ('big', ?, 2, ?, ?, 5, ?, ?, ?, "
            "?, '{}')",
            ((f"c{c}", ts(now + dt.timedelta(hours=rng.randrange(-48, 24 * 20))),
              rng.uniform(1, 60), ts(now - dt.timedelta(days=rng.randrange(1, 30))), ts(start),
              a, a - k) for c, (a, k) in stats.items()))
        db.execute("COMMIT")
        store.rebuild_summaries()  # card_stats and retention_daily, as answers would keep them
        db.execute("ANALYZE")


def _flush(db: object, rows: list[tuple[object, ...]]) -> None:
    db.executemany(  # type: ignore[attr-defined]
        "INSERT INTO reviews (id, session_id, deck_id, card_id, reviewed_at, answer, outcome, "
        "correct, rating, response_ms, mode, phase_before) VALUES (?, ?, 'big', ?, ?, 'x', "
        "CASE WHEN ?5 THEN 'right' ELSE 'wrong' END, ?5, ?6, 4000, 'review', ?7)", rows)
    rows.clear()


def main() -> None:
    reviews = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    cards = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.sqlite3"
        t0 = time.perf_counter()
        build(path, reviews, cards)
        print(f"history: {reviews:,} reviews over {cards:,} cards "
              f"({path.stat().st_size / 1e6:.0f} MB, built in {time.perf_counter() - t0:.1f} s)")
        now = END
        with open_store(path) as store:
            best = min(_timed(lambda: compute(store, now, dt.UTC)) for _ in range(3))
            figures = compute(store, now, dt.UTC)
        print(f"figures alone (stats.compute): {best * 1000:.0f} ms, best of 3 "
              f"({figures.reviews:,} reviews, {len(figures.sessions):,} sessions)")
        cmd = [sys.executable, "-m", "quiz", "stats", "--db", str(path)]
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True)
            runs.append(time.perf_counter() - t)
            if out.returncode != 0:
                sys.exit(out.stderr)
        print(f"quiz stats (whole command): {min(runs) * 1000:.0f} ms, best of 3")


def _timed(fn: object) -> float:
    t = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
