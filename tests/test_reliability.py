"""Hostile decks and damaged state: a clear message, never a traceback, nothing lost.

(Kill safety and two sessions at once are in test_store.py, beside the
child process they share.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from quiz.cli import app
from quiz.deck.loader import read_deck
from quiz.errors import DeckError, StoreError
from quiz.history.store import Store, open_store
from quiz.models import Deck, Mode
from quiz.study.scheduling import Scheduler, Settings
from quiz.study.session import Session

VALID = """\
id: fuzz
title: "Fuzz: a deck"
year: 2022
sources:
  s1: {outlet: TASS, date: 2022-01-19, title: A report}
cards:
  - id: when
    question: When?
    answer: 2022-01-07
    source: s1
    tags: [dates]
  - id: many
    question: How many?
    answer: 4500
    tolerance: 10
  - {id: who, question: Who?, answer: Tokayev, accept: [President Tokayev]}
  - id: which
    question: Which?
    type: multi
    answer: [Armenia, Russia]
    choices: [Armenia, Georgia, Russia]
  - {id: cl, question: "The ___ city.", answer: big}
"""
LOCATED = re.compile(r"^fuzz\.yaml:[1-9]\d*:[1-9]\d*: \S")
WHOLE_FILE = re.compile(r"^fuzz\.yaml: (the file is empty|file is \d+ MiB)")  # no line to name


def outcome(text: str | bytes) -> Deck | DeckError:
    """Either a deck or a DeckError whose every problem is FILE:LINE:COL (or
    names the file, for an empty or oversized one)."""
    try:
        return read_deck(text, "fuzz.yaml")
    except DeckError as e:
        assert e.problems, "an error without problems"
        for p in e.problems:
            assert (WHOLE_FILE if p.line == 0 else LOCATED).match(str(p)), str(p)
            assert "\x1b" not in str(p)  # a problem never echoes raw escapes
        return e


def mutate(data: random.Random, text: str) -> str:
    pieces = [":", "- ", "\n", "  ", "{", "}", "[", "]", "&a ", "*a", "!!python/object ",
              '"', "'", "#", "|", ">", "\t", "\\e", "\x1b", "\u202e", "~", "?", "%", "@",
              "0x", "1e9", "no", "2022-13-45", ",", "\x00"]
    chars = list(text)
    for _ in range(data.randint(1, 8)):
        i = data.randrange(len(chars) + 1)
        if data.random() < 0.5 and chars:
            del chars[i:i + data.randint(1, 5)]
        else:
            chars.insert(i, data.choice(pieces))
    return "".join(chars)


FUZZ = settings(max_examples=300, deadline=2000,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.randoms(use_true_random=False))
def test_a_mutated_deck_gives_a_deck_or_located_errors(rng: random.Random) -> None:
    outcome(mutate(rng, VALID))


@FUZZ
@given(st.text(max_size=400))
def test_any_text_gives_a_deck_or_located_errors(text: str) -> None:
    outcome(text)


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes_give_a_deck_or_located_errors(data: bytes) -> None:
    outcome(data)


CSV_PIECES = st.sampled_from([
    "a", "b", "x", "é", "0", "42", ",", ";", "\t", "|", '"', "\n", "\r\n", "\r", "#", ":",
    "<b>", "&amp;", "=", " ", "\x00", "\x1b[2J", "\u202e", "#separator:", "tab", "Pipe",
    "#html:true\n", "#tags column:", "#guid column:", "front", "question", "answer", "type",
    "choices", "tolerance", "id", "2022-01-01", "yes", "1e400", "-", "{{c1::", "{{c2::", "::",
    "}}"])


@settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.lists(CSV_PIECES, max_size=60).map("".join))
def test_any_table_imports_as_a_valid_deck_or_one_line(tmp_path: Path, text: str) -> None:
    """A CSV/TSV from someone else (an Anki export found online, a shared
    spreadsheet) is untrusted too: `quiz import` writes a deck that loads,
    or says in lines naming the file why not; never an internal error."""
    table = tmp_path / "shared.csv"
    table.write_text(text, encoding="utf-8", newline="")
    out = tmp_path / "shared.yaml"
    out.unlink(missing_ok=True)
    result = CliRunner().invoke(app, ["import", str(table), "-o", str(out)])
    if result.exit_code == 0:
        assert isinstance(outcome(out.read_bytes()), Deck)
        return
    assert result.exit_code == 1, result.output
    assert not out.exists()
    assert result.stderr and all(str(table) in line or str(out) in line
                                 for line in result.stderr.splitlines())
    assert "\x1b" not in result.stderr


@pytest.mark.parametrize(("field", "said"), [
    ("{{c1::" + ":::x" * 30_000, "expected a front and a back"),  # never closes
    ("".join(f"{{{{c{i}::x}}}}" for i in range(1, 3_000)), "a cloze note with 2,999 "
     "deletions; at most 100 are read"),
])
def test_hostile_cloze_notes_are_read_quickly(tmp_path: Path, field: str, said: str) -> None:
    """Cloze deletions are found in one pass: a long field that never closes
    once took seconds per 30,000 characters, growing with the square."""
    table = tmp_path / "anki.txt"
    table.write_text(f"#separator:tab\n{field}\n")
    start = time.perf_counter()
    result = CliRunner().invoke(app, ["import", str(table), "-o", str(tmp_path / "a.yaml")])
    assert time.perf_counter() - start < 5
    assert result.exit_code == 1 and said in result.stderr


@pytest.mark.parametrize("levels", [10, 100, 1000, 100_000])
def test_deep_nesting_is_refused_quickly(levels: int) -> None:
    for text in ("[" * levels + "]" * levels, "{a: " * levels + "1" + "}" * levels,
                 "".join("  " * i + "- \n" for i in range(min(levels, 2000)))):
        start = time.perf_counter()
        result = outcome("id: d\ntitle: t\ncards: " + text)
        assert isinstance(result, DeckError)
        assert time.perf_counter() - start < 2


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    start = time.perf_counter()
    result = outcome("\n".join(lines))
    assert isinstance(result, DeckError)
    assert time.perf_counter() - start < 1


FIELDS = {  # (YAML line to change, field) -> the same line with an escape in it
    "title": ('title: "Fuzz: a deck"', 'title: "Fuzz\\e[2J: a deck"'),
    "outlet": ("s1: {outlet: TASS,", 's1: {outlet: "TA\\e]52;c;eA==\\aSS",'),
    "source title": ("title: A report}", 'title: "A \\e[8mreport"}'),
    "question": ("question: When?", 'question: "When\\e[1A?"'),
    "answer": ("answer: Tokayev,", 'answer: "Toka\\e[31myev",'),
    "accept": ("accept: [President Tokayev]", 'accept: ["President \\u009b31mTokayev"]'),
    "tag": ("tags: [dates]", 'tags: ["dat\\u202ees"]'),
    "choice": ("choices: [Armenia, Georgia, Russia]",
               'choices: [Armenia, "Geor\\egia", Russia]'),
    "key": ("    tolerance: 10", '    "tole\\e[0mrance": 10'),
}


@pytest.mark.parametrize("field", FIELDS)
def test_escape_sequences_in_any_field_are_refused_with_the_line(field: str) -> None:
    plain, hostile = FIELDS[field]
    assert plain in VALID
    text = VALID.replace(plain, hostile, 1)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if hostile in row)
    result = outcome(text)
    assert isinstance(result, DeckError), field
    assert any(p.line == line for p in result.problems), [str(p) for p in result.problems]


def test_validate_shows_hostile_text_inert(tmp_path: Path) -> None:
    path = tmp_path / "evil\x1b[31m.yaml"
    path.write_text(VALID.replace("title: \"Fuzz: a deck\"", 'title: "x\\e]8;;http://a\\e\\\\"'))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "␛" in result.output  # the escape is shown, as a visible symbol


# -- damaged state ------------------------------------------------------------------

def session(db: Path) -> tuple[Session, Store]:
    deck = read_deck(VALID, "fuzz.yaml")
    store = open_store(db)
    s = Session(store, Scheduler(Settings()), [deck], Mode.REVIEW,
                dt.datetime(2022, 3, 1, tzinfo=dt.UTC), random.Random(1))
    s.start()
    return s, store


def fill_disk(db: sqlite3.Connection) -> None:
    """Make the database's 'disk' full: no page beyond the file's size, and
    the free pages inside it used up (a full disk gives the same SQLITE_FULL)."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 2}")
    db.execute("CREATE TABLE IF NOT EXISTS filler (b BLOB)")
    with contextlib.suppress(sqlite3.OperationalError):
        for _ in range(1000):
            db.execute("INSERT INTO filler VALUES (zeroblob(1000))")
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")  # not one page more


def test_a_full_disk_is_a_clear_error_and_keeps_what_was_saved(tmp_path: Path) -> None:
    """SQLite's page limit stands in for a full disk: the same SQLITE_FULL error."""
    db = tmp_path / "h.sqlite3"
    s, store = session(db)
    now = dt.datetime(2022, 3, 1, tzinfo=dt.UTC)
    q = s.next(now)
    assert q is not None
    s.answer(q, "x", now)
    fill_disk(store.db)
    with pytest.raises(StoreError, match=r"could not write the history database "
                                         r"\(database or disk is full\); is the disk full\?"):
        for _ in range(50):  # the next new page does not fit
            q = s.next(now)
            assert q is not None
            s.answer(q, "x", now)
    store.close()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM reviews").fetchone()[0] >= 1


def test_a_full_disk_during_quiz_start_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: Callable[..., None]) -> None:
    import quiz.history.store

    real = quiz.history.store.open_store

    def tiny(path: Path, **kw: Any) -> quiz.history.store.Store:
        """The store, on a 'disk' that is full but for the slack in its pages."""
        store = real(path, **kw)
        fill_disk(store.db)
        return store

    db = tmp_path / "h.sqlite3"
    real(db).close()
    monkeypatch.setattr(quiz.history.store, "open_store", tiny)
    deck = tmp_path / "d.yaml"  # 300 cards: remembering them at the start needs new pages
    deck.write_text(VALID + "".join(f"  - {{id: c{i}, question: Q{i}?, answer: a{i}}}\n"
                                    for i in range(300)))
    keys("7 Jan 2022\r")
    result = CliRunner().invoke(app, ["start", str(deck), "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1 and "is the disk full?" in result.stderr
    assert "Traceback" not in result.output


def test_a_read_only_database_file_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    open_store(db).close()
    before = db.read_bytes()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # read-only, even for root
    from quiz.history.store import Store

    store = Store(con, db)
    with pytest.raises(StoreError, match="read-only; answers cannot be saved"):
        store.set_setting("k", "v")
    con.close()
    assert db.read_bytes() == before


CRAFTED = ["UPDATE card_state SET lapses = '<img>'", "UPDATE card_stats SET asked = 'x'",
           "UPDATE sessions SET asked = 'x', seconds = 'y'",
           "UPDATE sessions SET started_at = 'garbage'",
           "UPDATE reviews SET reviewed_at = 'garbage'",
           "UPDATE card_state SET last_review = 'garbage'", "UPDATE card_state SET due = 'garbage'",
           "DROP TABLE reviews"]


@pytest.mark.parametrize("sql", CRAFTED)
def test_a_crafted_or_damaged_history_is_one_line_in_every_command(
        tmp_path: Path, keys: Callable[..., None], sql: str) -> None:
    """Rows that do not hold what the schema says (text in a count, a time
    that is not one, a table gone) made quiz stats, history, optimize and
    start end in an internal error (exit 70)."""
    from .test_cli_stats import study

    db = tmp_path / "h.sqlite3"
    study(db)
    con = sqlite3.connect(db)
    with con:
        con.execute(sql)
    con.close()
    keys("\x03")
    for args in (["stats"], ["stats", "--json"], ["stats", "--html", str(tmp_path / "r.html")],
                 ["history"], ["history", "--csv"], ["optimize"], ["start", "csto-dates"]):
        result = CliRunner().invoke(app, [*args, "--db", str(db)])
        assert result.exit_code in (0, 1, 130), (args, result.output)
        assert "internal error" not in result.stderr and "Traceback" not in result.output
        if result.exit_code == 1:  # one line: the file, or (optimize) too little history
            assert result.stderr.count("\n") == 1, result.stderr
            assert str(db) in result.stderr or "not enough history" in result.stderr
