"""The history database: schema, upgrades, refusals, durability, concurrency."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quiz import store as store_mod
from quiz.errors import StoreError
from quiz.models import Mode, Outcome, Review
from quiz.store import SCHEMA_VERSION, StateChanged, StateUpdate, open_store

from .conftest import ROOT

NOW = dt.datetime(2022, 3, 1, 9, tzinfo=dt.UTC)


def review(rid: str, session_id: int, card: str = "c1") -> Review:
    return Review(rid, session_id, "deck", card, NOW, "answer", Outcome.RIGHT, 3, 1200,
                  Mode.REVIEW, None, "{}")


def test_fresh_schema(tmp_path: Path) -> None:
    with open_store(tmp_path / "h.sqlite3") as s:
        tables = {r[0] for r in s.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {"sessions", "reviews", "card_state", "settings", "card_stats",
                          "decks", "cards", "card_tags", "retention_daily"}
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        plan = s.db.execute("EXPLAIN QUERY PLAN SELECT count(*) FROM card_state "
                            "WHERE deck_id = 'd' AND due <= 'x'").fetchall()
        assert "card_state_deck_due" in str(plan)


def test_review_state_and_counters_in_one_write_and_retry_is_a_no_op(tmp_path: Path) -> None:
    with open_store(tmp_path / "h.sqlite3") as s:
        sid = s.begin_session(["deck"], Mode.REVIEW, NOW)
        update = StateUpdate("deck", "c1", 2, NOW + dt.timedelta(days=2), "{}", False)
        assert s.record(review("r1", sid), update) is True
        assert s.record(review("r1", sid), update) is False  # the same answer, retried
        assert s.db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
        assert s.session(sid)["asked"] == 1
        assert s.states("deck")["c1"].reps == 1


def test_a_checked_state_is_written_only_over_the_state_it_came_from(tmp_path: Path) -> None:
    with open_store(tmp_path / "h.sqlite3") as s:
        sid = s.begin_session(["deck"], Mode.REVIEW, NOW)
        due = NOW + dt.timedelta(days=2)

        def update(data: str, based_on: str | None) -> StateUpdate:
            return StateUpdate("deck", "c1", 2, due, data, False, based_on=based_on,
                               checked=True)

        assert s.record(review("r1", sid), update("A", None)) is True
        for rid, stale in (("r2", None), ("r3", "not what is stored")):
            with pytest.raises(StateChanged):
                s.record(review(rid, sid), update("B", stale))
        # nothing of the refused answers was written: no review, no counter
        assert [r[0] for r in s.db.execute("SELECT id FROM reviews")] == ["r1"]
        assert s.session(sid)["asked"] == 1
        assert s.db.execute("SELECT asked FROM card_stats").fetchall() == [(1,)]
        assert (s.states("deck")["c1"].data, s.states("deck")["c1"].reps) == ("A", 1)
        assert s.record(review("r4", sid), update("B", "A")) is True
        assert (s.states("deck")["c1"].data, s.states("deck")["c1"].reps) == ("B", 2)


def test_upgrade_keeps_rows_and_makes_a_backup(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h.sqlite3"
    with open_store(path) as s:
        sid = s.begin_session(["deck"], Mode.REVIEW, NOW)
        s.record(review("r1", sid), None)

    def m2(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE reviews ADD COLUMN note TEXT")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, m2])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with open_store(path) as s:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert s.db.execute("SELECT id, note FROM reviews").fetchall() == [("r1", None)]
    backup = tmp_path / f"h.sqlite3.v{SCHEMA_VERSION}.bak"
    old = sqlite3.connect(backup)
    assert old.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert old.execute("SELECT id FROM reviews").fetchall() == [("r1",)]
    old.close()


def test_version_1_file_with_history_gains_the_stats_tables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database written by the first release: its rows are kept and the
    figures `quiz stats` needs are filled in from them."""
    path = tmp_path / "h.sqlite3"
    monkeypatch.setattr(store_mod, "MIGRATIONS", store_mod.MIGRATIONS[:1])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 1)
    with open_store(path) as s:
        sid = s.begin_session(["deck"], Mode.REVIEW, NOW)
        before = '{"state": 2, "stability": 3.5, "difficulty": 5.0}'
        for rid, outcome, state_before in (("r1", Outcome.RIGHT, None),
                                           ("r2", Outcome.PARTLY, before),
                                           ("r3", Outcome.WRONG, before)):
            s.db.execute("INSERT INTO reviews (id, session_id, deck_id, card_id, reviewed_at, "
                         "answer, outcome, correct, rating, response_ms, mode, state_before) "
                         "VALUES (?, ?, 'deck', 'c1', ?, 'x', ?, ?, 3, 10, 'review', ?)",
                         (rid, sid, store_mod.ts(NOW + dt.timedelta(minutes=len(rid))),
                          outcome.value, int(outcome is not Outcome.WRONG), state_before))
        s.db.execute("UPDATE sessions SET asked = 3")
        s.db.execute("INSERT INTO card_state (deck_id, card_id, phase, due, introduced, data) "
                     "VALUES ('deck', 'c1', 2, 'x', 'x', ?)", (before,))
    monkeypatch.undo()
    with open_store(path) as s:
        assert s.db.execute("SELECT asked, correct, partly FROM card_stats").fetchall() == [
            (3, 2, 1)]
        assert s.db.execute("SELECT id, phase_before FROM reviews ORDER BY id").fetchall() == [
            ("r1", None), ("r2", 2), ("r3", 2)]
        assert s.db.execute("SELECT stability, difficulty FROM card_state").fetchall() == [
            (3.5, 5.0)]
        # the killed session's time runs to its last answer (2 minutes after the start)
        assert s.session(sid)["seconds"] == pytest.approx(120, abs=0.01)
    assert (tmp_path / "h.sqlite3.v1.bak").exists()
    with open_store(path) as s:  # the version-3 counters, from the same rows
        assert s.db.execute("SELECT deck_id, day, reviews, recalled FROM retention_daily"
                            ).fetchall() == [("deck", "2022-03-01", 2, 1)]


def test_version_2_file_gains_retention_per_day(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h.sqlite3"
    monkeypatch.setattr(store_mod, "MIGRATIONS", store_mod.MIGRATIONS[:2])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    with open_store(path) as s:
        sid = s.begin_session(["deck"], Mode.REVIEW, NOW)
        for i, (outcome, phase, mode, day) in enumerate([
                (Outcome.RIGHT, 2, Mode.REVIEW, 0), (Outcome.WRONG, 2, Mode.REVIEW, 0),
                (Outcome.PARTLY, 2, Mode.REVIEW, 1), (Outcome.RIGHT, 1, Mode.REVIEW, 1),
                (Outcome.WRONG, None, Mode.CRAM, 1)]):
            s.db.execute("INSERT INTO reviews (id, session_id, deck_id, card_id, reviewed_at, "
                         "answer, outcome, correct, rating, response_ms, mode, phase_before) "
                         "VALUES (?, ?, 'deck', 'c1', ?, 'x', ?, ?, 3, 10, ?, ?)",
                         (f"r{i}", sid, store_mod.ts(NOW + dt.timedelta(days=day)),
                          outcome.value, int(outcome is not Outcome.WRONG), mode.value, phase))
    monkeypatch.undo()
    with open_store(path) as s:
        assert s.db.execute("SELECT day, reviews, recalled FROM retention_daily ORDER BY day"
                            ).fetchall() == [("2022-03-01", 2, 1), ("2022-03-02", 1, 1)]
    assert (tmp_path / "h.sqlite3.v2.bak").exists()


def test_version_3_file_keeps_its_reviews_in_time_order_with_fewer_indexes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h.sqlite3"
    monkeypatch.setattr(store_mod, "MIGRATIONS", store_mod.MIGRATIONS[:3])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 3)
    with open_store(path) as s:
        sid = s.begin_session(["deck"], Mode.REVIEW, NOW)
        # ids in the opposite order to the times: the new table follows the times
        for i, minutes in enumerate((30, 20, 10)):
            s.record(Review(f"r{i}", sid, "deck", f"c{i}", NOW + dt.timedelta(minutes=minutes),
                            f"a{i}", Outcome.RIGHT, 3, 10, Mode.REVIEW, "{}", "{}", 2),
                     StateUpdate("deck", f"c{i}", 2, NOW + dt.timedelta(days=i + 1), "{}",
                                 False))
        before = s.db.execute("SELECT * FROM reviews ORDER BY reviewed_at").fetchall()
    monkeypatch.undo()
    with open_store(path) as s:
        assert s.db.execute("SELECT * FROM reviews").fetchall() == before
        assert [r[0] for r in before] == ["r2", "r1", "r0"]
        indexes = {r[0] for r in s.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
        assert indexes == {"card_state_deck_due", "sessions_started"}
        # the 30-day window and the newest-first history read a range of the table
        def plan(query: str) -> str:
            return str(s.db.execute("EXPLAIN QUERY PLAN " + query).fetchall())

        assert "SEARCH reviews USING PRIMARY KEY (reviewed_at>?)" in plan(
            "SELECT count(*) FROM reviews WHERE reviewed_at >= 'x' AND mode = 'review'")
        history = plan("SELECT id FROM reviews ORDER BY reviewed_at DESC, id DESC LIMIT 5")
        assert "SCAN reviews" in history and "TEMP" not in history
        assert s.next_due(["deck", "other"]) == NOW + dt.timedelta(days=1)
        assert s.card_ids("deck") == {"c0", "c1", "c2"}
        # a retried answer is still a no-op
        again = Review("r0", sid, "deck", "c0", NOW + dt.timedelta(minutes=30), "a0",
                       Outcome.RIGHT, 3, 10, Mode.REVIEW, "{}", "{}", 2)
        assert s.record(again, None) is False
        # the pages of the old table and its indexes went back to the disk
        assert s.db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert (tmp_path / "h.sqlite3.v3.bak").exists()


def test_counters_kept_by_answers_match_a_rebuild_from_the_reviews(tmp_path: Path) -> None:
    import random

    rng = random.Random(3)
    with open_store(tmp_path / "h.sqlite3") as s:
        sid = s.begin_session(["deck"], Mode.REVIEW, NOW)
        for i in range(300):
            s.record(Review(f"r{i}", sid, rng.choice(["deck", "other"]), f"c{rng.randrange(9)}",
                            NOW + dt.timedelta(hours=rng.randrange(200)), "x",
                            rng.choice(list(Outcome)), 3, 10, rng.choice(list(Mode)), None,
                            None, rng.choice([None, 1, 2, 3])), None)
        tables = ("SELECT * FROM card_stats ORDER BY 1, 2",
                  "SELECT * FROM retention_daily ORDER BY 1, 2")
        kept = [s.db.execute(q).fetchall() for q in tables]
        s.rebuild_summaries()
        assert [s.db.execute(q).fetchall() for q in tables] == kept
        assert len(kept[1]) >= 5  # several decks and days


def test_failed_migration_leaves_the_old_schema(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h.sqlite3"
    with open_store(path) as s:
        s.begin_session(["deck"], Mode.REVIEW, NOW)

    def broken(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE reviews ADD COLUMN note TEXT")
        raise sqlite3.OperationalError("boom")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, broken])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StoreError):
        open_store(path)
    monkeypatch.undo()
    with open_store(path) as s:
        cols = [r[1] for r in s.db.execute("PRAGMA table_info(reviews)")]
        assert "note" not in cols and s.db.execute("SELECT count(*) FROM sessions").fetchone()[0]


def refused(path: Path) -> str:
    """open_store refuses the file and leaves its bytes as they were; the message."""
    before = path.read_bytes()
    with pytest.raises(StoreError) as info:
        open_store(path)
    assert path.read_bytes() == before
    return str(info.value)


def test_a_migration_sqlite_rolled_back_itself_reports_its_own_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk makes SQLite roll the transaction back itself; the error
    shown must be the full disk, not the failed ROLLBACK after it."""
    path = tmp_path / "h.sqlite3"
    with open_store(path) as s:
        s.begin_session(["deck"], Mode.REVIEW, NOW)

    def full(db: sqlite3.Connection) -> None:
        db.execute("ROLLBACK")  # what SQLite does on SQLITE_FULL
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, full])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    message = refused(path)
    assert message.endswith("could not write the history database (database or disk is "
                            "full); is the disk full?")


@pytest.mark.skipif(sys.platform == "win32", reason="no /dev/null")
def test_a_device_is_not_taken_for_a_database() -> None:
    with pytest.raises(StoreError, match=r"^/dev/null: is not a regular file"):
        open_store(Path("/dev/null"))


def test_newer_database_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    open_store(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    assert refused(path) == (f"{path}: written by a newer quiz (schema 99; this quiz knows "
                             f"up to {SCHEMA_VERSION}); it was left untouched. "
                             "Upgrade quiz to use it")
    assert not (tmp_path / "h.sqlite3-wal").exists()


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100, b"SQLite format 3"])
def test_garbage_or_truncated_file_refused_and_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(content)
    message = refused(path)
    assert "damaged" in message and message.startswith(f"{path}: ")


def test_foreign_sqlite_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (x)")
    db.commit()
    db.close()
    assert "another program" in refused(path)


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as info:
        open_store(blocker / "sub" / "h.sqlite3")
    assert "cannot create the data folder" in str(info.value)


CHILD = r"""
import datetime as dt, random, sys, itertools
from pathlib import Path
from quiz.loader import read_deck
from quiz.models import Mode
from quiz.scheduling import Scheduler, Settings
from quiz.session import Session
from quiz.store import open_store
tag, deck_tag = sys.argv[2], sys.argv[4]
deck = read_deck(f"id: d-{deck_tag}\ntitle: T\ncards:\n" + "".join(
    f"  - {{id: c{i}, question: q, answer: a{i}}}\n" for i in range(200)), "d.yaml")
ids = (f"{tag}-{i}" for i in itertools.count())
store = open_store(Path(sys.argv[1]))
now = dt.datetime(2022, 3, 1, tzinfo=dt.UTC)
s = Session(store, Scheduler(Settings(fuzz=False)), [deck], Mode(sys.argv[3]), now,
            random.Random(tag), new_limit=200, new_id=lambda: next(ids))
s.start()
if "race" in sys.argv[5:]:  # ask every queued card, even one the other session answered
    Session._answered_elsewhere = lambda self, key, now: False
print("READY", flush=True)
if "wait" in sys.argv[5:]:  # told to wait until the other session is ready too
    sys.stdin.readline()
while (q := s.next(now)) is not None:
    a = s.answer(q, "a0" if random.random() < 0.5 else str(q.card.answer), now, 100)
    print("ACK", a.review.id, flush=True)
    now += dt.timedelta(seconds=1)
s.finish(now)
print("DONE", flush=True)
"""


def spawn(db: Path, tag: str, mode: str = "review", deck: str | None = None,
          wait: bool = False, race: bool = False) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(db), tag, mode, deck or tag,
                             *(["wait"] if wait else []), *(["race"] if race else [])],
                            stdin=subprocess.PIPE if wait else None, stdout=subprocess.PIPE,
                            text=True, env=env)


KILLS = 32


@pytest.mark.slow
def test_sigkill_between_answers_loses_nothing_acknowledged(tmp_path: Path) -> None:
    """A session process killed with SIGKILL at 32 random moments (often in
    the middle of a commit): every acknowledged answer is stored, nothing is
    half-written, and the file checks clean each time."""
    import random

    db = tmp_path / "h.sqlite3"
    open_store(db).close()
    rng = random.Random(5)
    for round_ in range(KILLS):
        child = spawn(db, f"k{round_}")
        assert child.stdout is not None
        acked: list[str] = []
        assert child.stdout.readline().strip() == "READY"
        first = child.stdout.readline().split()
        assert first[0] == "ACK"
        acked.append(first[1])
        deadline = time.monotonic() + rng.uniform(0.0, 0.3)
        while time.monotonic() < deadline:
            line = child.stdout.readline().split()
            if line and line[0] == "ACK":
                acked.append(line[1])
        child.send_signal(signal.SIGKILL)
        rest = child.stdout.read().split()
        child.stdout.close()
        acked += [rest[i + 1] for i, w in enumerate(rest) if w == "ACK" and i + 1 < len(rest)]
        child.wait()
        assert acked, "the child answered nothing before the kill"
        with open_store(db) as s:
            stored = {r[0] for r in s.db.execute("SELECT id FROM reviews WHERE id LIKE ?",
                                                 (f"k{round_}-%",))}
            assert set(acked) <= stored
            # at most the one answer being written when the kill came is extra
            assert len(stored - set(acked)) <= 1
            assert s.integrity() == "ok"
            # the counters were written in the same transactions as the reviews
            reviews = s.db.execute("SELECT count(*) FROM reviews").fetchone()[0]
            assert s.db.execute("SELECT sum(asked) FROM card_stats").fetchone()[0] == reviews
            assert s.db.execute("SELECT sum(asked) FROM sessions").fetchone()[0] == reviews
            assert s.db.execute("SELECT sum(reps) FROM card_state").fetchone()[0] == reviews


@pytest.mark.slow
def test_two_sessions_at_once_lose_no_rows(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    open_store(db).close()
    children = [spawn(db, "p1", "cram"), spawn(db, "p2", "review")]
    outputs = [c.communicate(timeout=120)[0] for c in children]
    assert [c.returncode for c in children] == [0, 0]
    acked = [line.split()[1] for out in outputs for line in out.splitlines()
             if line.startswith("ACK")]
    assert len(acked) >= 400
    with open_store(db) as s:
        stored = {r[0] for r in s.db.execute("SELECT id FROM reviews")}
        assert stored == set(acked)
        sessions = s.db.execute("SELECT asked FROM sessions ORDER BY id").fetchall()
        assert sum(a for (a,) in sessions) == len(acked)
        assert s.integrity() == "ok"


def test_two_sessions_on_one_deck_schedule_from_each_others_answers(tmp_path: Path) -> None:
    """Both sessions answer all 200 cards of the same deck, missed cards
    several times: no answer's state is lost. Each card's reviews form one
    chain, every review scheduled from the state the one before it stored,
    and the card's stored state is the end of that chain.

    A session skips a queued card the other has answered by the time it
    comes up, which left these two almost never on one card; the race that
    remains (both showing a card before either answers it) is forced here by
    turning that skip off, for every card."""
    db = tmp_path / "h.sqlite3"
    open_store(db).close()
    children = [spawn(db, tag, deck="shared", wait=True, race=True) for tag in ("p1", "p2")]
    for c in children:  # both queues hold all 200 new cards before either answers
        assert c.stdout is not None and c.stdout.readline() == "READY\n"
    outputs = [c.communicate("go\n", timeout=120)[0] for c in children]
    assert [c.returncode for c in children] == [0, 0]
    acked = {line.split()[1] for out in outputs for line in out.splitlines()
             if line.startswith("ACK")}
    with open_store(db) as s:
        reviews: dict[str, list[tuple[str | None, str]]] = {}
        sessions: dict[str, set[int]] = {}
        for card, sid, before, after in s.db.execute(
                "SELECT card_id, session_id, state_before, state_after FROM reviews"):
            reviews.setdefault(card, []).append((before, after))
            sessions.setdefault(card, set()).add(sid)
        assert all(len(sids) == 2 for sids in sessions.values())  # every card, twice over
        assert {r[0] for r in s.db.execute("SELECT id FROM reviews")} == acked
        states = s.states("d-shared")
        assert len(reviews) == len(states) == 200
        for card, chain in reviews.items():
            following = dict(chain)  # state_before -> state_after
            assert len(following) == len(chain), f"{card}: two answers from one state"
            state: str | None = None
            for _ in chain:  # walk the chain from the card's first answer
                assert state in following, f"{card}: an answer from a state never stored"
                state = following[state]
            assert states[card].data == state, card
            assert states[card].reps == len(chain)
        assert s.integrity() == "ok"


UPGRADE_CHILD = r"""
import sys
from pathlib import Path
from quiz.store import open_store
print("OPENING", flush=True)
open_store(Path(sys.argv[1])).close()
print("DONE", flush=True)
"""


def version_3_file(path: Path, reviews: int) -> None:
    """A schema-3 history with `reviews` answers, written directly."""
    import random

    real = store_mod.MIGRATIONS[:]
    store_mod.MIGRATIONS[:] = real[:3]
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(store_mod, "SCHEMA_VERSION", 3)
            with open_store(path) as s:
                rng = random.Random(2)
                sid = s.begin_session(["deck"], Mode.REVIEW, NOW)
                with s.write() as db:
                    db.executemany(
                        "INSERT INTO reviews (id, session_id, deck_id, card_id, reviewed_at, "
                        "answer, outcome, correct, rating, response_ms, mode, state_before, "
                        "state_after, phase_before) VALUES (?, ?, 'deck', ?, ?, 'an answer', "
                        "'right', 1, 3, ?, 'review', ?, ?, 2)",
                        ((f"r{i:06d}", sid, f"c{rng.randrange(2000)}",
                          store_mod.ts(NOW + dt.timedelta(seconds=rng.randrange(10**7))),
                          rng.randrange(10_000), '{"state": 2}' * 8, '{"state": 2}' * 8)
                         for i in range(reviews)))
                s.rebuild_summaries()
    finally:
        store_mod.MIGRATIONS[:] = real


@pytest.mark.slow
def test_sigkill_during_an_upgrade_loses_nothing(tmp_path: Path) -> None:
    """The schema-4 upgrade rebuilds the reviews table (and may VACUUM):
    killed at random moments, the next start finishes it with every review."""
    import random
    import shutil

    original = tmp_path / "v3.sqlite3"
    version_3_file(original, 15_000)
    with sqlite3.connect(original) as con:
        expected = con.execute("SELECT count(*), sum(response_ms), min(reviewed_at), "
                               "max(reviewed_at) FROM reviews").fetchone()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    db = tmp_path / "h.sqlite3"
    rng = random.Random(11)

    def start() -> subprocess.Popen[str]:
        for leftover in tmp_path.glob("h.sqlite3*"):
            leftover.unlink()
        shutil.copy(original, db)
        child = subprocess.Popen([sys.executable, "-c", UPGRADE_CHILD, str(db)],
                                 stdout=subprocess.PIPE, text=True, env=env)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "OPENING"
        return child

    # How long the upgrade (the backup, the migration, then VACUUM) takes on
    # this machine, unkilled: about 0.25 s on a quiet one, more on a busy one.
    child = start()
    began = time.perf_counter()
    assert child.stdout is not None and child.stdout.read().strip() == "DONE"
    took = time.perf_counter() - began
    child.stdout.close()
    child.wait()
    def kill_after(delay: float) -> bool:
        """Start an upgrade, SIGKILL it after `delay` seconds, check the next
        start; whether the upgrade had finished before the kill."""
        child = start()
        assert child.stdout is not None
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        done = child.stdout.read().strip() == "DONE"
        child.stdout.close()
        child.wait()
        with open_store(db) as s:  # finishes the upgrade if the kill stopped it
            assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert s.db.execute("SELECT count(*), sum(response_ms), min(reviewed_at), "
                                "max(reviewed_at) FROM reviews").fetchone() == expected
            assert s.integrity() == "ok"
        with sqlite3.connect(tmp_path / "h.sqlite3.v3.bak") as bak:  # a whole copy
            assert bak.execute("PRAGMA user_version").fetchone()[0] == 3
            assert bak.execute("SELECT count(*) FROM reviews").fetchone()[0] == expected[0]
        return done

    # The kills are spread over 1.3 times that.
    rounds = 16
    finished = [kill_after((round_ + rng.random()) * took * 1.3 / rounds)
                for round_ in range(rounds)]
    # On a busy machine every run may be slower (or faster) than the first:
    # then a kill well after it, or at once, so that both kinds are checked.
    for extra in range(1, 5):
        if 0 < sum(finished) < len(finished):
            break
        finished.append(kill_after(took * 3 * extra if not any(finished) else 0.0))
    assert 0 < sum(finished) < len(finished)  # some kills came mid-upgrade, some after


@pytest.mark.slow
def test_two_quiz_processes_opening_an_old_file_at_once_both_get_in(tmp_path: Path) -> None:
    """Two starts that both find schema 3: one upgrades, the other waits for
    it and then uses the upgraded file (it must not run the upgrade again)."""
    db = tmp_path / "h.sqlite3"
    version_3_file(db, 15_000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [subprocess.Popen([sys.executable, "-c", UPGRADE_CHILD, str(db)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=env) for _ in range(2)]
    outputs = [c.communicate(timeout=60) for c in children]
    assert [c.returncode for c in children] == [0, 0], outputs
    assert all(out.split() == ["OPENING", "DONE"] for out, _ in outputs)
    with open_store(db) as s:
        assert s.db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 15_000
        assert s.integrity() == "ok"
    with sqlite3.connect(tmp_path / "h.sqlite3.v3.bak") as bak:
        assert bak.execute("PRAGMA user_version").fetchone()[0] == 3
        assert bak.execute("SELECT count(*) FROM reviews").fetchone()[0] == 15_000


def test_timestamps_are_utc_text_of_one_width() -> None:
    """ts() writes every aware time as UTC with microseconds and a Z, so text
    order is time order; a naive time is refused."""
    almaty = dt.timezone(dt.timedelta(hours=5))
    assert store_mod.ts(dt.datetime(2022, 1, 6, 3, 4, 5, tzinfo=almaty)) == \
        "2022-01-05T22:04:05.000000Z"
    assert store_mod.ts(dt.datetime(2022, 1, 6, 3, 4, 5, 7, tzinfo=dt.UTC)) == \
        "2022-01-06T03:04:05.000007Z"
    times = [dt.datetime(2022, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=s * 7919.123457)
             for s in range(500)]
    texts = [store_mod.ts(t.astimezone(almaty if i % 2 else dt.UTC)) for i, t in enumerate(times)]
    assert len({len(t) for t in texts}) == 1 and texts == sorted(texts)
    assert [store_mod.from_ts(t) for t in texts] == times
    with pytest.raises(ValueError):
        store_mod.ts(dt.datetime(2022, 1, 6))
