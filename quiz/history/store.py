"""The history database: SQLite, one file, migrations, durable writes.

(Over 500 lines: one class of short queries, each beside the schema it
reads; the migrations are in `migrations`.)

- Every answer is one `BEGIN IMMEDIATE` transaction holding the review, the
  card's new state and the session's counters, committed before the next
  question (WAL, synchronous=FULL: under half a millisecond here).
  A killed process loses at most the answer being typed.
- Reviews are stored in time order and carry a unique id, so a retried
  write is a no-op.
- The current state of every card lives in `card_state`, indexed by due time,
  so the due query never replays the review log.
- `PRAGMA user_version` numbers the schema; the migrations (`migrations`)
  are named steps applied in order in one transaction, after a backup. A
  file from a newer quiz, or one that is not a quiz database, is refused and
  left untouched.
- A postgresql:// URL opens the same store on a server (`pg`): the same SQL,
  one schema per learner.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from quiz.errors import StoreBusy, StoreError
from quiz.history import migrations
from quiz.history.migrations import CARD_STATS_BACKFILL, RETENTION_BACKFILL
from quiz.models import Mode, Outcome, Review
from quiz.study.records import (
    CardMark,
    ImportedState,
    StateChanged,
    StateRestore,
    StateUpdate,
    StoredState,
)

R = TypeVar("R")
# every table of the current schema: a file without one of them is damaged
TABLES = frozenset({"sessions", "session_decks", "reviews", "card_state", "card_stats",
                    "retention_daily", "decks", "cards", "card_tags", "settings", "migrations",
                    "card_marks"})
APPLICATION_ID = 0x5155495A  # "QUIZ"
BUSY_TIMEOUT_MS = 10_000


def ts(when: dt.datetime) -> str:
    """UTC ISO text of one fixed width (YYYY-MM-DDTHH:MM:SS.ffffffZ), so text
    order is time order. isoformat is about 5x faster than strftime, and this
    runs twice in every answer's transaction."""
    offset = when.utcoffset()
    if offset is None:
        raise ValueError("timestamps must be timezone-aware")
    if offset:  # a zero timedelta is false
        when = when.astimezone(dt.UTC)
    return when.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_ts(text: str) -> dt.datetime:
    # fromisoformat reads the trailing Z as UTC and is ~20x faster than strptime,
    # which matters when stats read tens of thousands of sessions.
    return dt.datetime.fromisoformat(text)


@dataclass
class ImportCounts:
    """What `Store.import_history` wrote: reviews added, card states written,
    states kept (quiz reviewed the card since), cards newly suspended."""

    reviews: int = 0
    states: int = 0
    kept: int = 0
    suspended: int = 0


# --- opening ---------------------------------------------------------------

SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(SERVER_SCHEMES)


def open_store(path: Path | str, *, create: bool = True, learner: str | None = None) -> Store:
    """Open (creating or upgrading) the history database at `path`: a file,
    or with a postgresql:// URL, `learner`'s history on that server (`pg`;
    the OS user's by default)."""
    if is_server_url(path):
        assert isinstance(path, str)
        return _open_server(path, learner, create)
    path = Path(path)
    exists = path.exists()
    if not exists and not create:
        raise StoreError(f"{path}: no history database here yet")
    if not exists:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"{path.parent}: cannot create the data folder ({e.strerror}); "
                             "set QUIZ_HOME or --db to a writable place") from None
    elif path.is_dir():
        raise StoreError(f"{path}: is a folder, not a history database")
    elif not path.is_file():
        raise StoreError(f"{path}: is not a regular file, so it cannot hold a history "
                         "database; use --db to choose another file")
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as e:
        raise StoreError(f"{path}: cannot open the history database ({e})") from None
    try:
        version = _check(db, path, exists)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        if version < migrations.SCHEMA_VERSION:
            _migrate(db, path, version)
        missing = TABLES - {r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if missing:
            raise _damaged(path, ValueError(f"no table {', '.join(sorted(missing))}"))
    except sqlite3.Error as e:
        db.close()
        raise _error(path, e) from None
    except StoreError:
        db.close()
        raise
    return Store(db, path)


def _open_server(url: str, learner: str | None, create: bool) -> Store:
    try:
        from quiz.history import pg
    except ImportError as e:
        if not (e.name or "").startswith("psycopg"):
            raise
        raise StoreError("a history on a PostgreSQL server needs psycopg: "
                         "pip install 'quiz[server]'") from None
    if learner is None:
        import getpass

        learner = getpass.getuser()
    return pg.open_pg_store(url, learner, create=create)


def _check(db: sqlite3.Connection, path: Path, exists: bool) -> int:
    """The schema version, after making sure the file is ours (reads only)."""
    try:
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise _error(path, e) from None
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables > 0):
        raise StoreError(f"{path}: this is an SQLite file of another program, not a quiz "
                         "history; it was left as it is. Use --db to choose another file")
    if version > migrations.SCHEMA_VERSION:
        raise newer_schema(path, version)
    return int(version)


def newer_schema(where: Path | str, version: int) -> StoreError:
    return StoreError(f"{where}: written by a newer quiz (schema {version}; this quiz "
                      f"knows up to {migrations.SCHEMA_VERSION}); it was left untouched. "
                      "Upgrade quiz to use it")


def _error(path: Path | str, e: sqlite3.Error) -> StoreError:
    """The one-line error for a database error, by SQLite's primary result
    code (never by the message's words); StoreBusy when another program
    holds the write lock (the caller may wait and try again)."""
    code = (getattr(e, "sqlite_errorcode", None) or 0) & 0xFF  # primary code of an extended one
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreBusy(f"{path}: the history database is busy (another quiz is writing); "
                         "try again in a moment")
    return StoreError(_explain(path, code, e))


def _explain(path: Path | str, code: int, e: sqlite3.Error) -> str:
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        return str(_damaged(path, e))
    if code == sqlite3.SQLITE_READONLY:
        return f"{path}: the history database is read-only; answers cannot be saved"
    if code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR):
        return f"{path}: could not write the history database ({e}); is the disk full?"
    if code == sqlite3.SQLITE_CANTOPEN:
        return f"{path}: cannot open the history database ({e})"
    return f"{path}: history database error: {e}"


def _migrate(db: sqlite3.Connection, path: Path, version: int) -> None:
    # The write lock is taken first and the version read again under it: a
    # second quiz that found the same old version waits here, then finds the
    # upgrade done instead of running it twice.
    db.execute("BEGIN IMMEDIATE")
    try:
        version = _check(db, path, True)
        if version >= migrations.SCHEMA_VERSION:
            db.execute("ROLLBACK")
            return
        if version > 0:
            _backup(path, version)
        migrations.apply(db, version)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        # SQLite may have rolled back already (a full disk does that): the
        # error to report is the one that got us here, not the ROLLBACK's.
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise
    # A migration that rebuilt a big table leaves its old pages free; give
    # them back to the disk. Best effort: the upgrade is already committed.
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    if free > db.execute("PRAGMA page_count").fetchone()[0] // 4:
        with contextlib.suppress(sqlite3.Error):
            db.execute("VACUUM")


def _backup(path: Path, version: int) -> None:
    """A copy of the file as it is, beside it, before an upgrade. Read through
    a connection of its own: the upgrading one holds the write lock, and
    nothing is written until the copy is made."""
    source = sqlite3.connect(path)
    dest = sqlite3.connect(path.with_name(f"{path.name}.v{version}.bak"))
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()


# --- the store ---------------------------------------------------------------

def _damaged(path: Path | str, e: Exception) -> StoreError:
    return StoreError(f"{path}: the history database is damaged ({e}); it was left as it is. "
                      "Restore a backup (quiz keeps one beside it before every upgrade) or "
                      "move the file away to start afresh")


def _reads(method: Callable[..., R]) -> Callable[..., R]:
    """A read of the history: SQLite's errors, and rows that do not hold
    what the schema says (a crafted or damaged file), become one StoreError
    naming the file, not a traceback."""
    @functools.wraps(method)
    def read(self: Store, *args: Any, **kwargs: Any) -> R:
        with self.reading():
            return method(self, *args, **kwargs)

    return read


class Store:
    """The history's queries, the same SQL for SQLite and PostgreSQL: `PgStore`
    (`pg`) runs them through a connection that speaks PostgreSQL's dialect and
    overrides the few methods below that are SQLite's own (the transaction,
    the error mapping, the busy wait, the integrity check)."""

    # the driver's errors, turned into StoreError by `fail`
    driver_errors: tuple[type[Exception], ...] = (sqlite3.Error,)

    def __init__(self, db: Any, path: Path | str) -> None:
        self.db = db  # an sqlite3.Connection, or `pg.Connection` with the same calls
        self.path = path  # where the history is, for messages

    def fail(self, e: Exception) -> StoreError:
        """The one-line StoreError for one of `driver_errors`."""
        assert isinstance(e, sqlite3.Error)
        return _error(self.path, e)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[Any]:
        """One short write transaction, taken up front (BEGIN IMMEDIATE)."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except self.driver_errors as e:
            raise self.fail(e) from None
        try:
            yield self.db
        except BaseException as e:
            # SQLite may have rolled back already (a full disk does that);
            # the error to report is the one that got us here.
            if self.db.in_transaction:
                try:
                    self.db.execute("ROLLBACK")
                except self.driver_errors:
                    pass
            if isinstance(e, self.driver_errors):
                raise self.fail(e) from None
            raise
        try:
            self.db.execute("COMMIT")
        except self.driver_errors as e:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise self.fail(e) from None

    # sessions

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Around code that reads and parses the history's rows (the store's
        own reads use it): errors become StoreError, as in `_reads`."""
        try:
            yield
        except self.driver_errors as e:
            raise self.fail(e) from None
        except (ValueError, TypeError, OverflowError, KeyError) as e:
            raise _damaged(self.path, e) from None

    @contextmanager
    def busy_timeout(self, ms: int) -> Iterator[None]:
        """Wait at most `ms` for another program's write lock in this block
        (StoreBusy after that), instead of the usual BUSY_TIMEOUT_MS."""
        self.db.execute(f"PRAGMA busy_timeout = {int(ms)}")
        try:
            yield
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def begin_session(self, decks: Iterable[str], mode: Mode, started: dt.datetime,
                      planned: int = 0) -> int:
        ids = list(dict.fromkeys(decks))
        with self.write() as db:
            sid = self._insert_id(
                db, "INSERT INTO sessions (decks, mode, started_at, planned) VALUES (?, ?, ?, ?)",
                (",".join(ids), mode.value, ts(started), planned))
            db.executemany("INSERT INTO session_decks (deck_id, session_id) VALUES (?, ?)",
                           ((d, sid) for d in ids))
            return sid

    @staticmethod
    def _insert_id(db: Any, sql: str, params: tuple[Any, ...]) -> int:
        """Insert one row and return its new integer id."""
        cur = db.execute(sql, params)
        assert cur.lastrowid is not None
        return int(cur.lastrowid)

    def end_session(self, session_id: int, ended: dt.datetime, seconds: float) -> None:
        """Mark the session ended, with its study time in `seconds`."""
        with self.write() as db:
            db.execute("UPDATE sessions SET ended_at = ?, seconds = ? WHERE id = ?",
                       (ts(ended), max(0.0, seconds), session_id))

    # answers

    def record(self, review: Review, state: StateUpdate | None, studied: float = 0.0) -> bool:
        """Store one answer, the card's new state and the session counters, at once.
        `studied` (seconds) is added to the session's study time, so a killed
        session keeps the time up to its last answer.

        Returns False when a review with this id was already stored (a retry).
        Raises StateChanged, having written nothing, when a checked state
        update finds another session's state stored since."""
        with self.write() as db:
            return self._insert(db, review, state, studied)

    def undo(self, review: Review, restore: StateRestore | None) -> None:
        """Take a stored answer back, at once: the review leaves the history,
        the counters it added are taken off, and the card's state is the one
        before it (`restore`; with `restore.data` None the card had none, and
        its state goes). Raises StateChanged, having written nothing, when the
        card's stored state is no longer the one this answer left (another
        session answered it since)."""
        with self.write() as db:
            self._remove(db, review, restore)

    def amend(self, review: Review, restore: StateRestore | None, new: Review,
              state: StateUpdate | None) -> None:
        """Replace a stored answer by `new` (the learner's "I was right"), at
        once: `undo` then `record`, in one transaction."""
        with self.write() as db:
            self._remove(db, review, restore)
            self._insert(db, new, state, 0.0)

    def import_history(self, reviews: Iterable[Review], states: Iterable[ImportedState],
                       suspended: Iterable[tuple[str, str]] = ()) -> ImportCounts:
        """History brought in from elsewhere (an Anki review log), in one
        transaction: each review stored unless one with its id already is
        (so importing again adds nothing), with the per-card and per-day
        counters an answer keeps; each card's state written whole where
        reviews of it were added, unless quiz has reviewed the card since the
        newest of them (that state is kept); and the `suspended` (deck id,
        card id) pairs marked suspended. Reviews carry no session."""
        counts = ImportCounts()
        added: set[tuple[str, str]] = set()
        with self.write() as db:
            for review in reviews:
                if self._insert(db, review, None, 0.0):
                    counts.reviews += 1
                    added.add((review.deck_id, review.card_id))
            for s in states:
                key = (s.deck_id, s.card_id)
                if key not in added:
                    continue
                row = db.execute("SELECT last_review FROM card_state WHERE deck_id = ? AND "
                                 "card_id = ?", key).fetchone()
                if row is not None and (row[0] or "") > ts(s.last_review):
                    counts.kept += 1  # studied in quiz since: quiz's state stands
                    continue
                db.execute(
                    "INSERT INTO card_state (deck_id, card_id, phase, due, data, "
                    "introduced, reps, lapses, last_review, stability, difficulty) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (deck_id, card_id) "
                    "DO UPDATE SET phase = excluded.phase, due = excluded.due, "
                    "data = excluded.data, introduced = excluded.introduced, "
                    "reps = excluded.reps, lapses = excluded.lapses, "
                    "last_review = excluded.last_review, stability = excluded.stability, "
                    "difficulty = excluded.difficulty",
                    (s.deck_id, s.card_id, s.phase, ts(s.due), s.data, ts(s.introduced),
                     s.reps, s.lapses, ts(s.last_review), s.stability, s.difficulty))
                counts.states += 1
            for deck_id, card_id in suspended:
                cur = db.execute("INSERT INTO card_marks (deck_id, card_id, suspended) "
                                 "VALUES (?, ?, 1) ON CONFLICT (deck_id, card_id) DO UPDATE "
                                 "SET suspended = 1 WHERE card_marks.suspended = 0",
                                 (deck_id, card_id))
                counts.suspended += cur.rowcount
        return counts

    @staticmethod
    def _counts(review: Review) -> tuple[int, int]:
        return int(review.outcome is not Outcome.WRONG), int(review.outcome is Outcome.PARTLY)

    def _insert(self, db: Any, review: Review, state: StateUpdate | None,
                studied: float) -> bool:
        correct, partly = self._counts(review)
        when = ts(review.reviewed_at)
        cur = db.execute(
            "INSERT OR IGNORE INTO reviews (id, session_id, deck_id, card_id, "
            "reviewed_at, answer, outcome, correct, rating, response_ms, mode, "
            "state_before, state_after, phase_before, asked_as) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (review.id, review.session_id, review.deck_id, review.card_id,
             when, review.answer, review.outcome.value, correct,
             review.rating, review.response_ms, review.mode.value,
             review.state_before, review.state_after, review.phase_before, review.asked_as),
        )
        if cur.rowcount == 0:
            return False
        db.execute(
            "UPDATE sessions SET asked = asked + 1, correct = correct + ?, "
            "partly = partly + ?, seconds = seconds + ? WHERE id = ?",
            (correct, partly, max(0.0, studied), review.session_id),
        )
        db.execute(
            "INSERT INTO card_stats (deck_id, card_id, asked, correct, partly) "
            "VALUES (?, ?, 1, ?, ?) ON CONFLICT (deck_id, card_id) DO UPDATE SET "
            "asked = card_stats.asked + 1, correct = card_stats.correct + excluded.correct, "
            "partly = card_stats.partly + excluded.partly",
            (review.deck_id, review.card_id, correct, partly),
        )
        if review.mode is Mode.REVIEW and review.phase_before == 2:
            db.execute(
                "INSERT INTO retention_daily (deck_id, day, reviews, recalled) "
                "VALUES (?, ?, 1, ?) ON CONFLICT (deck_id, day) DO UPDATE SET "
                "reviews = retention_daily.reviews + 1, "
                "recalled = retention_daily.recalled + excluded.recalled",
                (review.deck_id, when[:10], correct))
        if state is not None:
            self._write_state(db, state, when)
        return True

    def _remove(self, db: Any, review: Review,
                restore: StateRestore | None) -> None:
        correct, partly = self._counts(review)
        when = ts(review.reviewed_at)
        if restore is not None:
            if restore.data is None:
                cur = db.execute("DELETE FROM card_state WHERE deck_id = ? AND card_id = ? "
                                 "AND data = ?", (review.deck_id, review.card_id,
                                                  review.state_after))
            else:
                assert restore.due is not None
                cur = db.execute(
                    "UPDATE card_state SET phase = ?, due = ?, data = ?, stability = ?, "
                    "difficulty = ?, last_review = ?, reps = max(reps - 1, 0), "
                    "lapses = max(lapses - ?, 0) WHERE deck_id = ? AND card_id = ? AND data = ?",
                    (restore.phase, ts(restore.due), restore.data, restore.stability,
                     restore.difficulty,
                     ts(restore.last_review) if restore.last_review else None,
                     int(restore.lapsed), review.deck_id, review.card_id, review.state_after))
            if cur.rowcount == 0:
                raise StateChanged(f"{review.deck_id}/{review.card_id}")
        cur = db.execute("DELETE FROM reviews WHERE reviewed_at = ? AND id = ?",
                         (when, review.id))
        if cur.rowcount == 0:
            raise StateChanged(f"{review.deck_id}/{review.card_id}: the answer is not stored")
        db.execute("UPDATE sessions SET asked = max(asked - 1, 0), correct = max(correct - ?, 0), "
                   "partly = max(partly - ?, 0) WHERE id = ?",
                   (correct, partly, review.session_id))
        db.execute("UPDATE card_stats SET asked = max(asked - 1, 0), "
                   "correct = max(correct - ?, 0), partly = max(partly - ?, 0) "
                   "WHERE deck_id = ? AND card_id = ?",
                   (correct, partly, review.deck_id, review.card_id))
        db.execute("DELETE FROM card_stats WHERE deck_id = ? AND card_id = ? AND asked = 0",
                   (review.deck_id, review.card_id))
        if review.mode is Mode.REVIEW and review.phase_before == 2:
            db.execute("UPDATE retention_daily SET reviews = max(reviews - 1, 0), "
                       "recalled = max(recalled - ?, 0) WHERE deck_id = ? AND day = ?",
                       (correct, review.deck_id, when[:10]))
            db.execute("DELETE FROM retention_daily WHERE deck_id = ? AND day = ? AND "
                       "reviews = 0", (review.deck_id, when[:10]))

    def rerate(self, review: Review, rating: int, state: StateUpdate | None) -> None:
        """Replace a stored answer's rating (a learner's self-grade, given after
        the answer was saved), with the card's state worked out from it.

        `state`, if any, is checked: it replaces only the state the answer
        stored (`based_on`); otherwise StateChanged is raised and nothing is
        written. The counters do not change: the answer stays right."""
        with self.write() as db:
            db.execute("UPDATE reviews SET rating = ?, state_after = ? "
                       "WHERE reviewed_at = ? AND id = ?",
                       (rating, state.data if state else None, ts(review.reviewed_at),
                        review.id))
            if state is not None:
                cur = db.execute(
                    "UPDATE card_state SET phase = ?, due = ?, data = ?, stability = ?, "
                    "difficulty = ? WHERE deck_id = ? AND card_id = ? AND data = ?",
                    (state.phase, ts(state.due), state.data, state.stability,
                     state.difficulty, state.deck_id, state.card_id, state.based_on))
                if cur.rowcount == 0:
                    raise StateChanged(f"{state.deck_id}/{state.card_id}")

    _INSERT_STATE = ("INSERT INTO card_state (deck_id, card_id, phase, due, data, introduced, "
                     "reps, lapses, last_review, stability, difficulty) "
                     "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT (deck_id, card_id) ")
    _UPSERT_STATE = _INSERT_STATE + (
        "DO UPDATE SET phase = excluded.phase, due = excluded.due, data = excluded.data, "
        "reps = card_state.reps + 1, lapses = card_state.lapses + excluded.lapses, "
        "last_review = excluded.last_review, stability = excluded.stability, "
        "difficulty = excluded.difficulty")
    _INSERT_NEW_STATE = _INSERT_STATE + "DO NOTHING"
    _UPDATE_STATE = ("UPDATE card_state SET phase = ?, due = ?, data = ?, reps = reps + 1, "
                     "lapses = lapses + ?, last_review = ?, stability = ?, difficulty = ? "
                     "WHERE deck_id = ? AND card_id = ? AND data = ?")

    @classmethod
    def _write_state(cls, db: Any, state: StateUpdate, when: str) -> None:
        if state.checked and state.based_on is not None:
            cur = db.execute(cls._UPDATE_STATE, (
                state.phase, ts(state.due), state.data, int(state.lapsed), when,
                state.stability, state.difficulty, state.deck_id, state.card_id,
                state.based_on))
        else:
            cur = db.execute(cls._INSERT_NEW_STATE if state.checked else cls._UPSERT_STATE, (
                state.deck_id, state.card_id, state.phase, ts(state.due), state.data, when,
                int(state.lapsed), when, state.stability, state.difficulty))
        if state.checked and cur.rowcount == 0:
            raise StateChanged(f"{state.deck_id}/{state.card_id}")

    # reading

    _STATE = ("SELECT deck_id, card_id, phase, due, data, reps, lapses, stability, "
              "last_review FROM card_state WHERE deck_id = ?")

    @staticmethod
    def _stored(r: tuple[Any, ...]) -> StoredState:
        return StoredState(r[0], r[1], r[2], from_ts(r[3]), r[4], r[5], r[6], r[7],
                           from_ts(r[8]) if r[8] else None)

    @_reads
    def states(self, deck_id: str) -> dict[str, StoredState]:
        return {r[1]: self._stored(r) for r in self.db.execute(self._STATE, (deck_id,))}

    @_reads
    def due_states(self, deck_id: str, now: dt.datetime,
                   seen_after: dt.datetime | None = None) -> dict[str, StoredState]:
        """The deck's cards due at `now` (served by the (deck_id, due) index),
        and those last reviewed after `seen_after` (a clock set back since)."""
        if seen_after is None:
            rows = self.db.execute(self._STATE + " AND due <= ?", (deck_id, ts(now)))
        else:
            rows = self.db.execute(self._STATE + " AND (due <= ? OR last_review > ?)",
                                   (deck_id, ts(now), ts(seen_after)))
        return {r[1]: self._stored(r) for r in rows}

    @_reads
    def state(self, deck_id: str, card_id: str) -> StoredState | None:
        row = self.db.execute(self._STATE + " AND card_id = ?", (deck_id, card_id)).fetchone()
        return None if row is None else self._stored(row)

    @_reads
    def scheduled_reviews(self, deck_id: str) -> list[tuple[str, dt.datetime, int, int,
                                                            int | None, str | None]]:
        """The deck's scheduled answers (mode review), oldest first: card id,
        time, rating, response ms, the card's phase when asked, its state after."""
        rows = self.db.execute(
            "SELECT card_id, reviewed_at, rating, response_ms, phase_before, state_after "
            "FROM reviews WHERE deck_id = ? AND mode = 'review' ORDER BY reviewed_at, id",
            (deck_id,))
        return [(str(r[0]), from_ts(r[1]), int(r[2]), int(r[3]),
                 None if r[4] is None else int(r[4]), r[5]) for r in rows]

    @_reads
    def scheduled_ids(self, deck_id: str) -> set[str]:
        """Cards of this deck with a schedule (studied at least once in review)."""
        rows = self.db.execute("SELECT card_id FROM card_state WHERE deck_id = ?", (deck_id,))
        return {r[0] for r in rows}

    @_reads
    def introduced_since(self, deck_ids: Iterable[str], since: dt.datetime,
                         until: dt.datetime) -> int:
        """How many cards of these decks had their first review from `since`
        to `until` (now): a card dated later, by a clock that was set back
        since, does not use up today's new cards."""
        ids = list(deck_ids)
        marks = ",".join("?" * len(ids))
        row = self.db.execute(
            f"SELECT count(*) FROM card_state WHERE deck_id IN ({marks}) "
            "AND introduced >= ? AND introduced <= ?", (*ids, ts(since), ts(until))).fetchone()
        return int(row[0])

    @_reads
    def next_due(self, deck_ids: Iterable[str]) -> dt.datetime | None:
        # one index lookup per deck (card_state_deck_due)
        dues = [row[0] for d in set(deck_ids) for row in self.db.execute(
            "SELECT min(due) FROM card_state WHERE deck_id = ?", (d,)) if row[0]]
        return from_ts(min(dues)) if dues else None

    @_reads
    def last_answer_at(self) -> dt.datetime | None:
        """When the newest answer in the history was given (reviews_time index)."""
        row = self.db.execute("SELECT max(reviewed_at) FROM reviews").fetchone()
        return from_ts(row[0]) if row and row[0] else None

    @_reads
    def card_ids(self, deck_id: str) -> set[str]:
        """Every card id this deck has history for (answers, counted in card_stats, or state)."""
        rows = self.db.execute(
            "SELECT card_id FROM card_state WHERE deck_id = ? "
            "UNION SELECT card_id FROM card_stats WHERE deck_id = ?", (deck_id, deck_id))
        return {r[0] for r in rows}

    @_reads
    def session(self, session_id: int) -> Any:
        """The session's row, by column name (a row factory on this cursor
        alone: the connection's other queries keep their plain tuples)."""
        cur = self.db.cursor()
        cur.row_factory = sqlite3.Row
        row: sqlite3.Row = cur.execute("SELECT * FROM sessions WHERE id = ?",
                                       (session_id,)).fetchone()
        return row

    @_reads
    def reviews_for_optimizer(self) -> list[tuple[str, str, dt.datetime, int]]:
        """(deck_id, card_id, time, rating) of scheduled reviews, oldest first."""
        rows = self.db.execute(
            "SELECT deck_id, card_id, reviewed_at, rating FROM reviews WHERE mode = 'review' "
            "ORDER BY reviewed_at")
        return [(r[0], r[1], from_ts(r[2]), r[3]) for r in rows]

    def sync_deck(self, deck_id: str, title: str,
                  cards: Iterable[tuple[str, str, Iterable[str]]], now: dt.datetime,
                  digest: str | None = None) -> bool:
        """Remember a deck's cards and tags as studied, for `quiz stats`.

        `cards` is (card_id, question, tags). Skipped when nothing changed:
        `digest` is a hash of what title and cards were read from (a deck
        file's `Deck.digest`), and without one the cards themselves are
        hashed. Returns whether the stored copy was rewritten. Cards that left
        the deck keep their rows, so their history still has a question to
        show."""
        rows = None
        if digest is None:
            import hashlib

            rows = [(c, q, tuple(tags)) for c, q, tags in cards]
            digest = hashlib.blake2b(repr((title, rows)).encode(), digest_size=16).hexdigest()
        known = self.db.execute("SELECT digest FROM decks WHERE id = ?", (deck_id,)).fetchone()
        if known is not None and known[0] == digest:
            return False  # given a file's digest, the cards are not even read
        if rows is None:
            rows = [(c, q, tuple(tags)) for c, q, tags in cards]
        with self.write() as db:
            db.execute("INSERT INTO decks (id, title, digest, synced_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (id) DO UPDATE SET title = excluded.title, "
                       "digest = excluded.digest, synced_at = excluded.synced_at",
                       (deck_id, title, digest, ts(now)))
            db.executemany("INSERT INTO cards (deck_id, card_id, question) VALUES (?, ?, ?) "
                           "ON CONFLICT (deck_id, card_id) DO UPDATE SET "
                           "question = excluded.question",
                           ((deck_id, c, q) for c, q, _ in rows))
            db.execute("DELETE FROM card_tags WHERE deck_id = ?", (deck_id,))
            db.executemany("INSERT OR IGNORE INTO card_tags (deck_id, card_id, tag) "
                           "VALUES (?, ?, ?)",
                           ((deck_id, c, t) for c, _, tags in rows for t in tags))
        return True

    EXPORT_COLUMNS = ("id", "session_id", "deck_id", "card_id", "reviewed_at", "answer",
                      "outcome", "correct", "rating", "response_ms", "mode")

    def iter_reviews(self, deck_ids: Iterable[str] = (), newest_first: bool = False,
                     limit: int | None = None) -> Iterator[tuple[Any, ...]]:
        """Every stored answer (EXPORT_COLUMNS), streamed in time order."""
        ids = list(deck_ids)
        where = f"WHERE deck_id IN ({','.join('?' * len(ids))})" if ids else ""
        order = "DESC" if newest_first else ""
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        yield from self.db.execute(
            f"SELECT {', '.join(self.EXPORT_COLUMNS)} FROM reviews {where} "
            f"ORDER BY reviewed_at {order}, id {order}{tail}", ids)

    def rebuild_summaries(self) -> None:
        """Recompute the per-card and per-day counters from the reviews (used by
        tools that write reviews directly, such as the benchmarks)."""
        with self.write() as db:
            db.execute("DELETE FROM card_stats")
            db.execute(CARD_STATS_BACKFILL)
            db.execute("DELETE FROM retention_daily")
            db.execute(RETENTION_BACKFILL)

    @_reads
    def learned_reviews_since(self, since: dt.datetime | None) -> int:
        """Scheduled reviews of learned cards from the UTC day of `since` on
        (every one when None), from the per-day counters."""
        day = ts(since)[:10] if since else ""
        row = self.db.execute("SELECT coalesce(sum(reviews), 0) FROM retention_daily "
                              "WHERE day >= ?", (day,)).fetchone()
        return int(row[0])

    @_reads
    def deck_ids(self) -> list[str]:
        """Decks with any history."""
        rows = self.db.execute("SELECT DISTINCT deck_id FROM card_stats ORDER BY 1")
        return [r[0] for r in rows]

    @_reads
    def setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @_reads
    def marks(self, deck_id: str) -> dict[str, CardMark]:
        """The deck's cards the learner suspended, buried or flagged."""
        rows = self.db.execute("SELECT card_id, suspended, flagged, buried_until FROM "
                               "card_marks WHERE deck_id = ?", (deck_id,))
        return {r[0]: CardMark(bool(r[1]), bool(r[2]), from_ts(r[3]) if r[3] else None)
                for r in rows}

    def mark(self, deck_id: str, card_id: str, *, suspended: bool | None = None,
             flagged: bool | None = None, buried_until: dt.datetime | None = None,
             unbury: bool = False) -> CardMark:
        """Suspend or unsuspend a card, flag or unflag it, bury it until a
        time (or `unbury`); what is not given stays as it was. One write."""
        with self.write() as db:
            row = db.execute("SELECT suspended, flagged, buried_until FROM card_marks "
                             "WHERE deck_id = ? AND card_id = ?", (deck_id, card_id)).fetchone()
            old = CardMark(bool(row[0]), bool(row[1]), from_ts(row[2]) if row[2] else None) \
                if row else CardMark()
            new = CardMark(old.suspended if suspended is None else suspended,
                           old.flagged if flagged is None else flagged,
                           None if unbury else buried_until or old.buried_until)
            db.execute("INSERT INTO card_marks (deck_id, card_id, suspended, flagged, "
                       "buried_until) VALUES (?, ?, ?, ?, ?) ON CONFLICT (deck_id, card_id) "
                       "DO UPDATE SET suspended = excluded.suspended, flagged = "
                       "excluded.flagged, buried_until = excluded.buried_until",
                       (deck_id, card_id, int(new.suspended), int(new.flagged),
                        ts(new.buried_until) if new.buried_until else None))
        return new

    def set_setting(self, key: str, value: str) -> None:
        with self.write() as db:
            db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def clear_setting(self, key: str) -> None:
        with self.write() as db:
            db.execute("DELETE FROM settings WHERE key = ?", (key,))

    def integrity(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])
