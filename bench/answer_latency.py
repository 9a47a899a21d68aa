"""Per-answer latency: grade + schedule + durable commit (WAL, synchronous=FULL).

    python bench/answer_latency.py [ANSWERS]

Prints the median and p99 over ANSWERS answers (default 10,000) to a fresh
database in a temporary folder, each answer a separate BEGIN IMMEDIATE
transaction as in a real session. For scale, it also times the floor on the
same disk: a bare durable commit of one small row (WAL, synchronous=FULL),
which is an fsync, and the same commit with synchronous=NORMAL (no fsync:
safe against a killed process, not against a power cut); then the answers
again with synchronous=NORMAL, to show what is work and what is the fsync.
quiz itself always commits with synchronous=FULL.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from quiz.deck.loader import read_deck
from quiz.history.store import Store, open_store
from quiz.models import Mode
from quiz.study.scheduling import Scheduler, Settings
from quiz.study.session import Question, Session

START = dt.datetime(2022, 3, 1, tzinfo=dt.UTC)


def bench_session(folder: Path, n: int, sync: str,
                  rng: random.Random) -> tuple[Store, Session]:
    """A review session over n new cards, to a fresh database in `folder`."""
    cards = "".join(f"  - {{id: c{i}, question: 'Who said {i}?', answer: Person Name {i}}}\n"
                    for i in range(n))
    deck = read_deck(f"id: bench\ntitle: Bench\ncards:\n{cards}", "bench.yaml")
    store = open_store(folder / "h.sqlite3")
    store.db.execute(f"PRAGMA synchronous = {sync}")
    session = Session(store, Scheduler(Settings()), [deck], Mode.REVIEW, START, rng,
                      new_limit=n)
    session.start()
    return store, session


def bench_answer(q: Question, rng: random.Random) -> str:
    """What the simulated learner types: right 80% of the time, else a near miss."""
    return str(q.card.answer) if rng.random() < 0.8 else "Persn Name"


def answers(n: int, sync: str = "FULL") -> list[float]:
    """Milliseconds per answer, sorted, for n answers to a fresh database."""
    with tempfile.TemporaryDirectory() as tmp:
        rng = random.Random(1)
        store, session = bench_session(Path(tmp), n, sync, rng)
        now = START
        times: list[float] = []
        while (q := session.next(now)) is not None and len(times) < n:
            given = bench_answer(q, rng)
            start = time.perf_counter()
            session.answer(q, given, now, 2000)
            times.append((time.perf_counter() - start) * 1000)
            now += dt.timedelta(seconds=5)
        store.close()
    return sorted(times)


def main(n: int) -> None:
    times = answers(n)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"answers: {len(times)}")
    median = statistics.median(times)
    print(f"per answer (grade + schedule + durable commit): median {median:.3f} ms, "
          f"p99 {p99:.3f} ms")
    for sync in ("FULL", "NORMAL"):
        floor = commit_floor(min(n, 2000), sync)
        print(f"floor, one-row commit with synchronous={sync}: median {floor:.3f} ms")
    unsynced = statistics.median(answers(min(n, 2000), "NORMAL"))
    print(f"per answer without the fsync (synchronous=NORMAL, not durable on power loss): "
          f"median {unsynced:.3f} ms")


def commit_floor(n: int, sync: str) -> float:
    import sqlite3

    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "f.sqlite3", isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(f"PRAGMA synchronous = {sync}")
        db.execute("CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID")
        times = []
        for i in range(n):
            start = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO t VALUES (?, 'x')", (f"r{i}",))
            db.execute("COMMIT")
            times.append((time.perf_counter() - start) * 1000)
        db.close()
    return statistics.median(times)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
