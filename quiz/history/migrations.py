"""The history's schema, one named step at a time.

Each migration is a function that moves a file from the schema before it
to its own `version`; `open_store` runs the missing ones in order inside
one `BEGIN IMMEDIATE` transaction, after a backup, and records each by
version and name in the `migrations` table (schema 5 on; the steps before
it are recorded with no time). A released migration is never edited: a
change is a new step. Each released schema is kept, frozen, in
tests/fixtures/schemas/, and the upgrade tests start from those files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The steps take a DB-API connection: sqlite3's, or the PostgreSQL store's
# (`pg.Connection`), which runs the same statements in PostgreSQL's dialect.
Db = Any


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Db], None]


def _run(db: Db, script: str) -> None:
    """Run DDL statements inside the caller's transaction (executescript would
    commit it first)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _m1_initial(db: Db) -> None:
    _run(db, """
        CREATE TABLE sessions (
            id          INTEGER PRIMARY KEY,
            decks       TEXT NOT NULL,          -- deck ids, comma separated
            mode        TEXT NOT NULL,
            started_at  TEXT NOT NULL,
            ended_at    TEXT,                   -- NULL: interrupted or killed
            planned     INTEGER NOT NULL DEFAULT 0,
            asked       INTEGER NOT NULL DEFAULT 0,
            correct     INTEGER NOT NULL DEFAULT 0,  -- right or partly right
            partly      INTEGER NOT NULL DEFAULT 0,
            seconds     REAL NOT NULL DEFAULT 0
        );
        CREATE TABLE reviews (
            id           TEXT PRIMARY KEY,      -- unique per answer: retries are no-ops
            session_id   INTEGER REFERENCES sessions(id),
            deck_id      TEXT NOT NULL,
            card_id      TEXT NOT NULL,
            reviewed_at  TEXT NOT NULL,
            answer       TEXT NOT NULL,
            outcome      TEXT NOT NULL CHECK (outcome IN ('right', 'partly', 'wrong')),
            correct      INTEGER NOT NULL,
            rating       INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
            response_ms  INTEGER NOT NULL,
            mode         TEXT NOT NULL,
            state_before TEXT,
            state_after  TEXT
        ) WITHOUT ROWID;
        CREATE INDEX reviews_card ON reviews(deck_id, card_id, reviewed_at);
        CREATE INDEX reviews_time ON reviews(reviewed_at);
        CREATE TABLE card_state (
            deck_id      TEXT NOT NULL,
            card_id      TEXT NOT NULL,
            phase        INTEGER NOT NULL,      -- 1 learning, 2 review, 3 relearning
            due          TEXT NOT NULL,
            stability    REAL,
            difficulty   REAL,
            last_review  TEXT,
            introduced   TEXT NOT NULL,         -- first scheduled review
            reps         INTEGER NOT NULL DEFAULT 0,
            lapses       INTEGER NOT NULL DEFAULT 0,
            data         TEXT NOT NULL,         -- the scheduler's own JSON
            PRIMARY KEY (deck_id, card_id)
        ) WITHOUT ROWID;
        CREATE INDEX card_state_due ON card_state(due);
        CREATE INDEX card_state_deck_due ON card_state(deck_id, due);
        CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
    """)


def _m2_stats(db: Db) -> None:
    """What `quiz stats` reads, kept where the data lives so it stays fast:
    per-card counters written with each answer, the phase a card was in when
    it was reviewed (for true retention), the deck's cards and tags as last
    studied, and the session's time so far (a killed session keeps it)."""
    _run(db, """
        ALTER TABLE reviews ADD COLUMN phase_before INTEGER;  -- NULL: a new card or not scheduled
        CREATE TABLE card_stats (
            deck_id  TEXT NOT NULL,
            card_id  TEXT NOT NULL,
            asked    INTEGER NOT NULL DEFAULT 0,
            correct  INTEGER NOT NULL DEFAULT 0,  -- right or partly right
            partly   INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (deck_id, card_id)
        ) WITHOUT ROWID;
        CREATE TABLE decks (
            id         TEXT PRIMARY KEY,
            title      TEXT NOT NULL,
            digest     TEXT NOT NULL,           -- of the cards below, to skip unchanged decks
            synced_at  TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE cards (
            deck_id   TEXT NOT NULL,
            card_id   TEXT NOT NULL,
            question  TEXT NOT NULL,
            PRIMARY KEY (deck_id, card_id)
        ) WITHOUT ROWID;
        CREATE TABLE card_tags (
            deck_id  TEXT NOT NULL,
            card_id  TEXT NOT NULL,
            tag      TEXT NOT NULL,
            PRIMARY KEY (deck_id, card_id, tag)
        ) WITHOUT ROWID;
        CREATE INDEX sessions_started ON sessions(started_at);
        CREATE INDEX reviews_retention ON reviews(phase_before, deck_id, reviewed_at, correct)
            WHERE mode = 'review';
    """)
    db.execute(CARD_STATS_BACKFILL)
    # Older rows carry the scheduler's JSON; read the phase and memory figures
    # out of it here (in Python, so no SQLite JSON support is needed).
    rows = db.execute("SELECT id, state_before FROM reviews WHERE state_before IS NOT NULL")
    phases = [(_json_field(data, "state"), rid) for rid, data in rows.fetchall()]
    db.executemany("UPDATE reviews SET phase_before = ? WHERE id = ?", phases)
    rows = db.execute("SELECT deck_id, card_id, data FROM card_state")
    memory = [(_json_field(data, "stability"), _json_field(data, "difficulty"), d, c)
              for d, c, data in rows.fetchall()]
    db.executemany("UPDATE card_state SET stability = ?, difficulty = ? "
                   "WHERE deck_id = ? AND card_id = ?", memory)
    db.execute("UPDATE sessions SET seconds = max(0, (julianday(replace((SELECT max(reviewed_at) "
               "FROM reviews r WHERE r.session_id = sessions.id), 'Z', '')) - "
               "julianday(replace(started_at, 'Z', ''))) * 86400.0) "
               "WHERE ended_at IS NULL AND asked > 0")


def _json_field(data: str, key: str) -> Any:
    import json

    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value.get(key) if isinstance(value, dict) else None


def _m3_retention_days(db: Db) -> None:
    """True retention per deck and UTC day, kept with each answer, so the
    all-time figure is a sum over days instead of a scan of every review."""
    _run(db, """
        CREATE TABLE retention_daily (
            deck_id   TEXT NOT NULL,
            day       TEXT NOT NULL,              -- UTC date, YYYY-MM-DD
            reviews   INTEGER NOT NULL,           -- scheduled reviews of learned cards
            recalled  INTEGER NOT NULL,           -- of which not forgotten
            PRIMARY KEY (deck_id, day)
        ) WITHOUT ROWID
    """)
    db.execute(RETENTION_BACKFILL)


def _m4_lean_reviews(db: Db) -> None:
    """Fewer B-trees to write per answer. The reviews are stored in time order
    (primary key reviewed_at, id), which is the order history, export, the
    optimizer and the 30-day retention window read them in, so the three
    review indexes go; so does the second index on due times. An answer now
    dirties about six pages instead of eleven."""
    columns = ("id, session_id, deck_id, card_id, reviewed_at, answer, outcome, correct, "
               "rating, response_ms, mode, state_before, state_after, phase_before")
    _run(db, f"""
        CREATE TABLE reviews_v4 (
            id           TEXT NOT NULL,         -- unique per answer: retries are no-ops
            session_id   INTEGER REFERENCES sessions(id),
            deck_id      TEXT NOT NULL,
            card_id      TEXT NOT NULL,
            reviewed_at  TEXT NOT NULL,
            answer       TEXT NOT NULL,
            outcome      TEXT NOT NULL CHECK (outcome IN ('right', 'partly', 'wrong')),
            correct      INTEGER NOT NULL,
            rating       INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
            response_ms  INTEGER NOT NULL,
            mode         TEXT NOT NULL,
            state_before TEXT,
            state_after  TEXT,
            phase_before INTEGER,               -- NULL: a new card or not scheduled
            PRIMARY KEY (reviewed_at, id)
        ) WITHOUT ROWID;
        INSERT INTO reviews_v4 ({columns}) SELECT {columns} FROM reviews;
        DROP TABLE reviews;
        ALTER TABLE reviews_v4 RENAME TO reviews;
        DROP INDEX card_state_due
    """)


CARD_STATS_BACKFILL = (
    "INSERT INTO card_stats (deck_id, card_id, asked, correct, partly) "
    "SELECT deck_id, card_id, count(*), sum(correct), "
    "sum(CASE WHEN outcome = 'partly' THEN 1 ELSE 0 END) "
    "FROM reviews GROUP BY deck_id, card_id")

# A review counts towards true retention when it was scheduled (mode review)
# and the card was already learned (phase 2, "review") when it was asked.
RETENTION_BACKFILL = (
    "INSERT INTO retention_daily (deck_id, day, reviews, recalled) "
    "SELECT deck_id, substr(reviewed_at, 1, 10), count(*), sum(correct) FROM reviews "
    "WHERE mode = 'review' AND phase_before = 2 GROUP BY 1, 2")

def _m5_session_decks(db: Db) -> None:
    """The decks of each session, a row each, so `quiz stats DECK` matches a
    deck id exactly (it matched the comma-joined `sessions.decks` with LIKE,
    where '_' in an id is a wildcard); and the record of migrations by name."""
    _run(db, """
        CREATE TABLE session_decks (
            deck_id     TEXT NOT NULL,
            session_id  INTEGER NOT NULL REFERENCES sessions(id),
            PRIMARY KEY (deck_id, session_id)
        ) WITHOUT ROWID;
        CREATE TABLE migrations (
            version     INTEGER PRIMARY KEY,
            name        TEXT NOT NULL,
            applied_at  TEXT                     -- NULL: applied before names were recorded
        )
    """)
    rows = db.execute("SELECT id, decks FROM sessions").fetchall()
    db.executemany("INSERT OR IGNORE INTO session_decks (deck_id, session_id) VALUES (?, ?)",
                   ((d, sid) for sid, decks in rows for d in decks.split(",") if d))
    db.executemany("INSERT INTO migrations (version, name) VALUES (?, ?)",
                   ((m.version, m.name) for m in MIGRATIONS if m.version < 5))


def _m6_card_marks(db: Db) -> None:
    """What a learner says of a card besides answering it: suspended (never
    asked until unsuspended), buried (not asked before a time: the next
    learner day), flagged (to look at later, in `quiz cards --flagged`)."""
    _run(db, """
        CREATE TABLE card_marks (
            deck_id      TEXT NOT NULL,
            card_id      TEXT NOT NULL,
            suspended    INTEGER NOT NULL DEFAULT 0,
            flagged      INTEGER NOT NULL DEFAULT 0,
            buried_until TEXT,                    -- NULL: not buried
            PRIMARY KEY (deck_id, card_id)
        ) WITHOUT ROWID
    """)


def _m7_asked_as(db: Db) -> None:
    """The format a card was asked in, when not its own type: a choice card
    asked as typed recall once it is well known ('text'). NULL: as written."""
    _run(db, "ALTER TABLE reviews ADD COLUMN asked_as TEXT")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial", _m1_initial),
    Migration(2, "stats", _m2_stats),
    Migration(3, "retention per day", _m3_retention_days),
    Migration(4, "lean reviews", _m4_lean_reviews),
    Migration(5, "session decks", _m5_session_decks),
    Migration(6, "card marks", _m6_card_marks),
    Migration(7, "asked as", _m7_asked_as),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


RECORDED_FROM = 5  # the step that creates the `migrations` table
SQLITE_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


def apply(db: Db, version: int, now_sql: str = SQLITE_NOW) -> None:
    """Run the steps after `version`, inside the caller's transaction, and
    record each (from the one that creates the record on), timed by the
    database's clock (`now_sql`: its UTC time as ISO text)."""
    for m in MIGRATIONS:
        if m.version <= version:
            continue
        m.apply(db)
        if m.version >= RECORDED_FROM:
            db.execute(f"INSERT INTO migrations (version, name, applied_at) "
                       f"VALUES (?, ?, {now_sql}) ON CONFLICT (version) DO UPDATE SET "
                       "name = excluded.name, applied_at = excluded.applied_at",
                       (m.version, m.name))
