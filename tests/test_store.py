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

from quiz.errors import StoreError
from quiz.history import store as store_mod
from quiz.history.migrations import SCHEMA_VERSION
from quiz.history.store import open_store
from quiz.models import Mode, Outcome, Review
from quiz.study.records import StateChanged, StateUpdate

from .backends import Backend
from .conftest import ROOT

NOW = dt.datetime(2022, 3, 1, 9, tzinfo=dt.UTC)


def review(rid: str, session_id: int, card: str = "c1") -> Review:
    return Review(rid, session_id, "deck", card, NOW, "answer", Outcome.RIGHT, 3, 1200,
                  Mode.REVIEW, None, "{}")


def test_fresh_schema(tmp_path: Path) -> None:
    with open_store(tmp_path / "h.sqlite3") as s:
        tables = {r[0] for r in s.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {"sessions", "reviews", "card_state", "settings", "card_stats",
                          "decks", "cards", "card_tags", "retention_daily", "session_decks",
                          "migrations", "card_marks"}
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        plan = s.db.execute("EXPLAIN QUERY PLAN SELECT count(*) FROM card_state "
                            "WHERE deck_id = 'd' AND due <= 'x'").fetchall()
        assert "card_state_deck_due" in str(plan)


def test_review_state_and_counters_in_one_write_and_retry_is_a_no_op(backend: Backend) -> None:
    with backend.open() as s:
        sid = s.begin_session(["deck"], Mode.REVIEW, NOW)
        update = StateUpdate("deck", "c1", 2, NOW + dt.timedelta(days=2), "{}", False)
        assert s.record(review("r1", sid), update) is True
        assert s.record(review("r1", sid), update) is False  # the same answer, retried
        assert s.db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
        assert s.session(sid)["asked"] == 1
        assert s.states("deck")["c1"].reps == 1


def test_a_checked_state_is_written_only_over_the_state_it_came_from(backend: Backend) -> None:
    with backend.open() as s:
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


def test_counters_kept_by_answers_match_a_rebuild_from_the_reviews(backend: Backend) -> None:
    import random

    rng = random.Random(3)
    with backend.open() as s:
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


def test_an_acknowledged_answer_is_stored_for_another_connection(backend: Backend) -> None:
    """Once `record` returns, the answer is committed: a second connection
    (another quiz, on this machine or another) sees it while the first is
    still open, and so does one opened after the first is closed."""
    first = backend.open()
    sid = first.begin_session(["deck"], Mode.REVIEW, NOW)
    update = StateUpdate("deck", "c1", 2, NOW + dt.timedelta(days=2), "A", False)
    assert first.record(review("r1", sid), update) is True
    with backend.open() as second:
        assert [r[0] for r in second.db.execute("SELECT id FROM reviews")] == ["r1"]
        assert second.states("deck")["c1"].data == "A"
        assert second.session(sid)["asked"] == 1
    first.close()
    with backend.open() as third:
        assert third.last_answer_at() == NOW


def test_two_sessions_of_one_learner_schedule_from_the_latest_saved_state(
        backend: Backend) -> None:
    """Two open stores of one learner (two machines): a state update checked
    against a state the other has replaced since is refused, writing
    nothing; read again, the latest state is the one to schedule from."""
    one, two = backend.open(), backend.open()
    try:
        sid1 = one.begin_session(["deck"], Mode.REVIEW, NOW)
        sid2 = two.begin_session(["deck"], Mode.REVIEW, NOW)
        due = NOW + dt.timedelta(days=2)

        def update(data: str, based_on: str | None) -> StateUpdate:
            return StateUpdate("deck", "c1", 2, due, data, False, based_on=based_on,
                               checked=True)

        assert one.record(review("r1", sid1), update("A", None))
        assert (seen := two.state("deck", "c1")) is not None and seen.data == "A"
        assert one.record(review("r2", sid1), update("B", "A"))
        with pytest.raises(StateChanged):  # `two` scheduled from A, which is gone
            two.record(review("r3", sid2), update("C", "A"))
        assert two.session(sid2)["asked"] == 0
        latest = two.state("deck", "c1")
        assert latest is not None and latest.data == "B"
        assert two.record(review("r3", sid2), update("C", latest.data))
        assert (final := one.state("deck", "c1")) is not None
        assert (final.data, final.reps) == ("C", 3)
    finally:
        one.close()
        two.close()


def test_a_newer_schema_is_refused_in_one_line(backend: Backend) -> None:
    backend.open().close()
    backend.make_newer(99)
    with pytest.raises(StoreError) as info:
        backend.open()
    message = str(info.value)
    assert "\n" not in message
    assert message.endswith(f": written by a newer quiz (schema 99; this quiz knows up to "
                            f"{SCHEMA_VERSION}); it was left untouched. Upgrade quiz to use it")


def test_a_learner_cannot_read_another_learners_rows() -> None:
    """Each learner's rows are in a schema only their role may use: the
    server itself refuses another learner's query, and a store opened for
    another learner than the one logged in."""
    from psycopg import errors

    from .backends import as_user, drop_learner, new_learner, server_url

    url = server_url()
    (alice, alice_pw), (bob, bob_pw) = new_learner(url), new_learner(url)
    try:
        with open_store(as_user(url, alice, alice_pw), learner=alice) as mine:
            sid = mine.begin_session(["deck"], Mode.REVIEW, NOW)
            mine.record(review("r1", sid), None)
        with open_store(as_user(url, bob, bob_pw), learner=bob) as theirs:
            with pytest.raises(errors.InsufficientPrivilege,
                               match=f"permission denied for schema {alice}"):
                theirs.db.execute(f'SELECT id FROM "{alice}".reviews')
            assert theirs.db.execute("SELECT count(*) FROM reviews").fetchone() == (0,)
        with pytest.raises(StoreError, match="may not act as this learner"):
            open_store(as_user(url, bob, bob_pw), learner=alice)
    finally:
        drop_learner(url, alice)
        drop_learner(url, bob)


def refused(path: Path) -> str:
    """open_store refuses the file and leaves its bytes as they were; the message."""
    before = path.read_bytes()
    with pytest.raises(StoreError) as info:
        open_store(path)
    assert path.read_bytes() == before
    return str(info.value)


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
from quiz.deck.loader import read_deck
from quiz.models import Mode
from quiz.study.scheduling import Scheduler, Settings
from quiz.study.session import Session
from quiz.history.store import open_store
import os
tag, deck_tag = sys.argv[2], sys.argv[4]
deck = read_deck(f"id: d-{deck_tag}\ntitle: T\ncards:\n" + "".join(
    f"  - {{id: c{i}, question: q, answer: a{i}}}\n" for i in range(200)), "d.yaml")
ids = (f"{tag}-{i}" for i in itertools.count())
target = sys.argv[1]
store = open_store(target if "://" in target else Path(target),
                   learner=os.environ.get("QUIZ_LEARNER"))
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


def spawn(db: Backend, tag: str, mode: str = "review", deck: str | None = None,
          wait: bool = False, race: bool = False) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **db.env()}
    return subprocess.Popen([sys.executable, "-c", CHILD, db.target, tag, mode, deck or tag,
                             *(["wait"] if wait else []), *(["race"] if race else [])],
                            stdin=subprocess.PIPE if wait else None, stdout=subprocess.PIPE,
                            text=True, env=env)


KILLS = 32


@pytest.mark.slow
def test_sigkill_between_answers_loses_nothing_acknowledged(backend: Backend) -> None:
    """A session process killed with SIGKILL at 32 random moments (often in
    the middle of a commit): every acknowledged answer is stored, nothing is
    half-written, and the file checks clean each time."""
    import random

    db = backend
    db.open().close()
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
        with db.open() as s:
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
def test_two_sessions_at_once_lose_no_rows(backend: Backend) -> None:
    db = backend
    db.open().close()
    children = [spawn(db, "p1", "cram"), spawn(db, "p2", "review")]
    outputs = [c.communicate(timeout=120)[0] for c in children]
    assert [c.returncode for c in children] == [0, 0]
    acked = [line.split()[1] for out in outputs for line in out.splitlines()
             if line.startswith("ACK")]
    assert len(acked) >= 400
    with db.open() as s:
        stored = {r[0] for r in s.db.execute("SELECT id FROM reviews")}
        assert stored == set(acked)
        sessions = s.db.execute("SELECT asked FROM sessions ORDER BY id").fetchall()
        assert sum(a for (a,) in sessions) == len(acked)
        assert s.integrity() == "ok"


def test_two_sessions_on_one_deck_schedule_from_each_others_answers(backend: Backend) -> None:
    """Both sessions answer all 200 cards of the same deck, missed cards
    several times: no answer's state is lost. Each card's reviews form one
    chain, every review scheduled from the state the one before it stored,
    and the card's stored state is the end of that chain.

    A session skips a queued card the other has answered by the time it
    comes up, which left these two almost never on one card; the race that
    remains (both showing a card before either answers it) is forced here by
    turning that skip off, for every card."""
    db = backend
    db.open().close()
    children = [spawn(db, tag, deck="shared", wait=True, race=True) for tag in ("p1", "p2")]
    for c in children:  # both queues hold all 200 new cards before either answers
        assert c.stdout is not None and c.stdout.readline() == "READY\n"
    outputs = [c.communicate("go\n", timeout=120)[0] for c in children]
    assert [c.returncode for c in children] == [0, 0]
    acked = {line.split()[1] for out in outputs for line in out.splitlines()
             if line.startswith("ACK")}
    with db.open() as s:
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


def test_errors_are_told_apart_by_sqlites_code_not_their_words(tmp_path: Path) -> None:
    """A message that happens to say 'locked' or 'full' is not a busy or a
    full database: told by its words, a missing table named 'locked' was
    StoreBusy, and a session would have waited for it for ever."""
    from quiz.errors import StoreBusy

    with open_store(tmp_path / "h.sqlite3") as s:
        for table in ("locked", "disk_full", "readonly"):
            with pytest.raises(StoreError) as info, s.write() as db:
                db.execute(f"SELECT * FROM {table}")
            assert not isinstance(info.value, StoreBusy)
            assert str(info.value).endswith(f"history database error: no such table: {table}")
