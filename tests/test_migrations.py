"""Upgrades of every released history schema, from frozen copies of them.

tests/fixtures/schemas/vN.sql is schema N as quiz released it, never
regenerated from the code: each test builds an old file from one, puts rows
in it as that release wrote them, and opens it with today's quiz.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quiz.errors import StoreError
from quiz.history import migrations
from quiz.history.migrations import SCHEMA_VERSION
from quiz.history.store import open_store, ts

from .backends import Backend
from .conftest import ROOT

NOW = dt.datetime(2022, 3, 1, 9, tzinfo=dt.UTC)
SCHEMAS = ROOT / "tests" / "fixtures" / "schemas"
REVIEW_COLUMNS = ("id, session_id, deck_id, card_id, reviewed_at, answer, outcome, correct, "
                  "rating, response_ms, mode")


def old_file(path: Path, version: int) -> sqlite3.Connection:
    """A history file of schema `version`, empty, open for the test's rows."""
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript((SCHEMAS / f"v{version}.sql").read_text())
    assert db.execute("PRAGMA user_version").fetchone()[0] == version
    return db


def session(db: sqlite3.Connection, decks: str = "deck", asked: int = 0) -> int:
    cur = db.execute("INSERT INTO sessions (decks, mode, started_at, asked) VALUES "
                     "(?, 'review', ?, ?)", (decks, ts(NOW), asked))
    assert cur.lastrowid is not None
    return cur.lastrowid


def test_every_released_schema_has_a_frozen_copy_and_upgrades_to_the_fresh_one(
        tmp_path: Path) -> None:
    """From each old schema, the upgrade ends with exactly the tables,
    columns and indexes a new file has, and a record of every step."""
    def shape(path: Path) -> list[tuple[str, str, str]]:
        with sqlite3.connect(path) as con:
            tables = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            return sorted([("index", r[0], r[1]) for r in con.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' "
                "AND sql IS NOT NULL")] + [
                ("column", t, f"{c[1]} {c[2]} {c[3]} {c[5]}")
                for t in tables for c in con.execute(f"PRAGMA table_info({t})")])

    open_store(tmp_path / "fresh.sqlite3").close()
    fresh = shape(tmp_path / "fresh.sqlite3")
    assert sorted(p.name for p in SCHEMAS.glob("v*.sql")) == [
        f"v{v}.sql" for v in range(1, SCHEMA_VERSION)]  # the newest is the code's own
    for version in range(1, SCHEMA_VERSION):
        path = tmp_path / f"v{version}.sqlite3"
        old_file(path, version).close()
        with open_store(path) as s:
            recorded = s.db.execute("SELECT version, name FROM migrations ORDER BY version")
            assert recorded.fetchall() == [(m.version, m.name) for m in migrations.MIGRATIONS]
        assert shape(path) == fresh, version


def test_a_new_history_records_every_step_and_opens_again_unchanged(backend: Backend) -> None:
    """On either backend: a new history is made by the same named steps, each
    recorded (those from schema 5 on with the time they ran); opening it
    again runs none of them."""
    with backend.open() as s:
        recorded = s.db.execute("SELECT version, name, applied_at FROM migrations "
                                "ORDER BY version").fetchall()
    assert [(v, n) for v, n, _ in recorded] == [(m.version, m.name)
                                                for m in migrations.MIGRATIONS]
    assert all((at is not None) == (v >= migrations.RECORDED_FROM) for v, _, at in recorded)
    assert all(len(at) == 24 and at.endswith("Z") for _, _, at in recorded if at)
    with backend.open() as s:
        again = s.db.execute("SELECT version, name, applied_at FROM migrations "
                             "ORDER BY version").fetchall()
    assert again == recorded


def test_version_1_file_with_history_gains_the_stats_tables(tmp_path: Path) -> None:
    """A database written by the first release: its rows are kept and the
    figures `quiz stats` needs are filled in from them."""
    path = tmp_path / "h.sqlite3"
    db = old_file(path, 1)
    sid = session(db, asked=3)
    before = '{"state": 2, "stability": 3.5, "difficulty": 5.0}'
    for rid, outcome, state_before in (("r1", "right", None), ("r2", "partly", before),
                                       ("r3", "wrong", before)):
        db.execute(f"INSERT INTO reviews ({REVIEW_COLUMNS}, state_before) "
                   "VALUES (?, ?, 'deck', 'c1', ?, 'x', ?, ?, 3, 10, 'review', ?)",
                   (rid, sid, ts(NOW + dt.timedelta(minutes=len(rid))), outcome,
                    int(outcome != "wrong"), state_before))
    db.execute("INSERT INTO card_state (deck_id, card_id, phase, due, introduced, data) "
               "VALUES ('deck', 'c1', 2, 'x', 'x', ?)", (before,))
    db.close()
    with open_store(path) as s:
        assert s.db.execute("SELECT asked, correct, partly FROM card_stats").fetchall() == [
            (3, 2, 1)]
        assert s.db.execute("SELECT id, phase_before FROM reviews ORDER BY id").fetchall() == [
            ("r1", None), ("r2", 2), ("r3", 2)]
        assert s.db.execute("SELECT stability, difficulty FROM card_state").fetchall() == [
            (3.5, 5.0)]
        # the killed session's time runs to its last answer (2 minutes after the start)
        assert s.session(sid)["seconds"] == pytest.approx(120, abs=0.01)
        assert s.db.execute("SELECT deck_id, day, reviews, recalled FROM retention_daily"
                            ).fetchall() == [("deck", "2022-03-01", 2, 1)]
    assert (tmp_path / "h.sqlite3.v1.bak").exists()


def test_version_2_file_gains_retention_per_day(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    db = old_file(path, 2)
    sid = session(db)
    for i, (outcome, phase, mode, day) in enumerate([
            ("right", 2, "review", 0), ("wrong", 2, "review", 0), ("partly", 2, "review", 1),
            ("right", 1, "review", 1), ("wrong", None, "cram", 1)]):
        db.execute(f"INSERT INTO reviews ({REVIEW_COLUMNS}, phase_before) "
                   "VALUES (?, ?, 'deck', 'c1', ?, 'x', ?, ?, 3, 10, ?, ?)",
                   (f"r{i}", sid, ts(NOW + dt.timedelta(days=day)), outcome,
                    int(outcome != "wrong"), mode, phase))
    db.close()
    with open_store(path) as s:
        assert s.db.execute("SELECT day, reviews, recalled FROM retention_daily ORDER BY day"
                            ).fetchall() == [("2022-03-01", 2, 1), ("2022-03-02", 1, 1)]
    assert (tmp_path / "h.sqlite3.v2.bak").exists()


def version_3_file(path: Path, reviews: int, ids_against_time: bool = False) -> None:
    """A schema-3 history with `reviews` answers and the counters schema 3 kept."""
    rng = random.Random(2)
    db = old_file(path, 3)
    sid = session(db, asked=reviews)
    db.execute("BEGIN")
    db.executemany(
        f"INSERT INTO reviews ({REVIEW_COLUMNS}, state_before, state_after, phase_before) "
        "VALUES (?, ?, 'deck', ?, ?, 'an answer', 'right', 1, 3, ?, 'review', ?, ?, 2)",
        ((f"r{i:06d}", sid, f"c{rng.randrange(2000)}",
          ts(NOW + dt.timedelta(minutes=reviews - i) if ids_against_time
             else NOW + dt.timedelta(seconds=rng.randrange(10**7))),
          rng.randrange(10_000), '{"state": 2}' * 8, '{"state": 2}' * 8)
         for i in range(reviews)))
    db.execute("INSERT INTO card_state (deck_id, card_id, phase, due, introduced, data) "
               "SELECT DISTINCT deck_id, card_id, 2, ?, ?, '{}' FROM reviews",
               (ts(NOW + dt.timedelta(days=1)), ts(NOW)))
    db.execute(migrations.CARD_STATS_BACKFILL)
    db.execute(migrations.RETENTION_BACKFILL)
    db.execute("COMMIT")
    db.close()


def test_version_3_file_keeps_its_reviews_in_time_order_with_fewer_indexes(
        tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    version_3_file(path, 3, ids_against_time=True)
    with sqlite3.connect(path) as con:
        before = con.execute("SELECT * FROM reviews ORDER BY reviewed_at").fetchall()
    assert [r[0] for r in before] == ["r000002", "r000001", "r000000"]
    with open_store(path) as s:
        assert [r[:-1] for r in s.db.execute("SELECT * FROM reviews")] == before  # + asked_as
        indexes = {r[0] for r in s.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
        assert indexes == {"card_state_deck_due", "sessions_started"}

        def plan(query: str) -> str:
            return str(s.db.execute("EXPLAIN QUERY PLAN " + query).fetchall())

        # the 30-day window and the newest-first history read a range of the table
        assert "SEARCH reviews USING PRIMARY KEY (reviewed_at>?)" in plan(
            "SELECT count(*) FROM reviews WHERE reviewed_at >= 'x' AND mode = 'review'")
        history = plan("SELECT id FROM reviews ORDER BY reviewed_at DESC, id DESC LIMIT 5")
        assert "SCAN reviews" in history and "TEMP" not in history
        assert s.next_due(["deck", "other"]) == NOW + dt.timedelta(days=1)
        assert s.card_ids("deck") == {r[3] for r in before}
    assert (tmp_path / "h.sqlite3.v3.bak").exists()


def test_version_4_file_gets_each_sessions_decks_as_rows(tmp_path: Path) -> None:
    """`quiz stats a_b` matched session decks with LIKE, so it counted a
    session of deck 'aXb' too: each session's decks are rows now."""
    path = tmp_path / "h.sqlite3"
    db = old_file(path, 4)
    ids = [session(db, decks, asked=1) for decks in ("a_b", "aXb", "a_b,other", "other")]
    db.close()
    with open_store(path) as s:
        rows = s.db.execute("SELECT deck_id, session_id FROM session_decks ORDER BY 2, 1")
        assert rows.fetchall() == [("a_b", ids[0]), ("aXb", ids[1]), ("a_b", ids[2]),
                                   ("other", ids[2]), ("other", ids[3])]
    with sqlite3.connect(tmp_path / "h.sqlite3.v4.bak") as bak:
        assert bak.execute("PRAGMA user_version").fetchone()[0] == 4
        assert bak.execute("SELECT count(*) FROM sessions").fetchone()[0] == 4


def test_a_failed_migration_leaves_the_old_schema_and_rows(tmp_path: Path) -> None:
    """Schema 5 creates session_decks; a file that already has a table of
    that name (put there by hand) makes the step fail: nothing of the
    upgrade stays, the file is still schema 4 with its rows."""
    path = tmp_path / "h.sqlite3"
    db = old_file(path, 4)
    session(db)
    db.execute("CREATE TABLE session_decks (x)")
    db.close()
    with pytest.raises(StoreError, match="session_decks already exists"):
        open_store(path)
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 4
        assert con.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        assert "migrations" not in tables


def test_a_migration_sqlite_rolled_back_itself_reports_its_own_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk makes SQLite roll the transaction back itself; the error
    shown must be the full disk, not the failed ROLLBACK after it. (The one
    test that adds a step: no released schema fails this way on demand.)"""
    path = tmp_path / "h.sqlite3"
    old_file(path, 4).close()

    def full(db: sqlite3.Connection) -> None:
        db.execute("ROLLBACK")  # what SQLite does on SQLITE_FULL
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = sqlite3.SQLITE_FULL
        raise error

    monkeypatch.setattr(migrations, "MIGRATIONS", (
        *migrations.MIGRATIONS, migrations.Migration(SCHEMA_VERSION + 1, "full", full)))
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StoreError) as info:
        open_store(path)
    assert str(info.value).endswith("could not write the history database (database or disk "
                                    "is full); is the disk full?")
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 4


UPGRADE_CHILD = r"""
import sys
from pathlib import Path
from quiz.history.store import open_store
print("OPENING", flush=True)
open_store(Path(sys.argv[1])).close()
print("DONE", flush=True)
"""


@pytest.mark.slow
def test_sigkill_during_an_upgrade_loses_nothing(tmp_path: Path) -> None:
    """The schema-4 upgrade rebuilds the reviews table (and may VACUUM):
    killed at random moments, the next start finishes it with every review."""
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
