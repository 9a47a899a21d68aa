"""Format escalation: a choice card with `escalate` is asked as typed recall
once it is well known, and goes back to its choices after a miss."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.cli import app
from quiz.deck.loader import read_deck
from quiz.errors import DeckError
from quiz.history.store import Store, open_store, ts
from quiz.models import CardType, Deck, Mode, Outcome
from quiz.study.scheduling import Scheduler, Settings
from quiz.study.session import TYPED_AT, Question, Session

DAY0 = dt.datetime(2022, 3, 1, 9, 0, tzinfo=dt.UTC)
DECK = """\
id: capitals
title: Capitals
escalate: true
cards:
  - {id: kz, question: 'Capital of Kazakhstan?', answer: Astana, accept: [Nur-Sultan],
     choices: [Astana, Almaty, Shymkent]}
  - {id: kg, question: 'Capital of Kyrgyzstan?', answer: Bishkek, escalate: false,
     choices: [Bishkek, Osh]}
  - {id: am, question: 'Capital of Armenia?', answer: Yerevan}
"""


@pytest.fixture
def deck() -> Deck:
    return read_deck(DECK, "capitals.yaml")


def session(store: Store, deck: Deck, now: dt.datetime, mode: Mode = Mode.REVIEW) -> Session:
    ids = (f"{now.isoformat()}-{i}" for i in itertools.count())
    s = Session(store, Scheduler(Settings(fuzz=False)), [deck], mode, now, random.Random(5),
                day_start=now.replace(hour=4), new_id=lambda: next(ids), in_order=True)
    s.start()
    return s


def study(store: Store, deck: Deck, now: dt.datetime,
          wrong: frozenset[str] = frozenset()) -> list[Question]:
    """One session: every card answered right, those in `wrong` missed once."""
    s = session(store, deck, now)
    asked: list[Question] = []
    missed: set[str] = set()
    while (q := s.next(now)) is not None:
        asked.append(q)
        if q.card.id in wrong and q.card.id not in missed:
            missed.add(q.card.id)
            given = "Paris" if q.asked_as else next(o for o in q.options if o != q.card.answer)
        else:
            given = str(q.card.answer)
        s.answer(q, given, now)
        now += dt.timedelta(minutes=15)
    s.finish(now)
    return asked


def test_the_deck_and_the_card_say_which_cards_escalate(deck: Deck) -> None:
    by_id = {c.id: c for c in deck.cards}
    assert (by_id["kz"].escalate, by_id["kg"].escalate, by_id["am"].escalate) == (
        True, False, False)  # the deck's default is for choice cards only


@pytest.mark.parametrize(("card", "message"), [
    ("{id: a, question: Q?, answer: x, escalate: true}",
     "d.yaml:4:38: 'escalate' does not apply to a text card"),
    ("{id: a, question: Q?, answer: x, choices: [x, y], escalate: maybe}",
     "d.yaml:4:65: 'escalate' must be true or false"),
])
def test_escalate_where_it_does_not_apply_is_explained(card: str, message: str) -> None:
    with pytest.raises(DeckError) as e:
        read_deck(f"id: d\ntitle: D\ncards:\n  - {card}\n", "d.yaml")
    assert str(e.value) == message


def test_a_well_known_choice_card_is_asked_typed_until_it_is_missed(
        tmp_path: Path, deck: Deck) -> None:
    store = open_store(tmp_path / "h.sqlite3")
    day, formats = DAY0, []
    for _ in range(12):  # study on the day each card is due, until kz is asked typed
        questions = study(store, deck, day)
        kz = [q for q in questions if q.card.id == "kz"]
        formats += [q.format for q in kz]
        if kz and kz[-1].asked_as is not None:
            break
        day = store.states("capitals")["kz"].due
    assert formats[0] is CardType.CHOICE and formats[-1] is CardType.TEXT, formats
    typed = kz[-1]
    assert typed.options == ()  # no choices to recognise it among
    before = store.db.execute("SELECT stability FROM card_state WHERE card_id = 'kz'").fetchone()
    assert before[0] >= TYPED_AT
    rows = store.db.execute("SELECT card_id, asked_as FROM reviews ORDER BY reviewed_at").fetchall()
    assert rows[-len(questions):].count(("kz", "text")) == 1
    assert ("kg", "text") not in rows and ("am", "text") not in rows
    # typed, it is graded as a text card: the deck's other name counts, a typo is partly right
    s = session(store, deck, day)
    assert s.check(typed, "Nur-Sultan").outcome is Outcome.RIGHT
    assert s.check(typed, "Astna").outcome is Outcome.PARTLY
    assert s.check(typed, "Almaty").outcome is Outcome.WRONG
    # missed when typed: its stability falls, and the choices come back
    later = store.states("capitals")["kz"].due.replace(hour=9)
    study(store, deck, later, wrong=frozenset({"kz"}))
    assert store.states("capitals")["kz"].stability < TYPED_AT  # type: ignore[operator]
    again = study(store, deck, store.states("capitals")["kz"].due.replace(hour=9))
    assert [q.format for q in again if q.card.id == "kz"][:1] == [CardType.CHOICE]


def test_cram_asks_a_well_known_card_typed_and_writes_no_schedule(
        tmp_path: Path, deck: Deck) -> None:
    store = open_store(tmp_path / "h.sqlite3")
    day = DAY0
    while True:
        kz = [q for q in study(store, deck, day) if q.card.id == "kz"]
        if kz and kz[-1].asked_as is not None:
            break
        day = store.states("capitals")["kz"].due.replace(hour=9)
    states = store.states("capitals")
    s = session(store, deck, day + dt.timedelta(hours=1), Mode.CRAM)
    while (q := s.next(day)) is not None:
        assert (q.card.id == "kz") == (q.asked_as is CardType.TEXT)
        s.answer(q, str(q.card.answer), day)
    assert store.states("capitals") == states


def test_a_history_of_schema_6_gains_the_column(tmp_path: Path) -> None:
    from tests.test_migrations import old_file

    path = tmp_path / "h.sqlite3"
    old_file(path, 6).close()
    with open_store(path) as s:
        columns = [r[1] for r in s.db.execute("PRAGMA table_info(reviews)")]
    assert columns[-1] == "asked_as"
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 7


def test_the_terminal_says_the_choices_are_gone(tmp_path: Path, keys: object) -> None:
    """Through the prompt layer: the header says so, and the answer is typed."""
    from quiz.cli import prompts, questions, screens

    d = read_deck(DECK, "capitals.yaml")
    q = Question(d, d.cards[0], (), 1, False, False, CardType.TEXT)
    keys("Astana\r")  # type: ignore[operator]
    assert questions.ask(q) == "Astana"
    out = prompts.console()
    with out.capture() as shown:
        screens.header(out, q, 3, 0, "0")
    assert "no choices now: type it" in shown.get()


def well_known_history(db: Path, now: dt.datetime) -> None:
    """A history in which card kz of DECK is well known and due at `now`, the
    other cards due a month later: a year of study ending before `now`."""
    d = read_deck(DECK, "capitals.yaml")
    with open_store(db) as store:
        day = now - dt.timedelta(days=365)
        while True:
            kz = [q for q in study(store, d, day) if q.card.id == "kz"]
            if kz and kz[-1].asked_as is not None:
                break
            day = store.states("capitals")["kz"].due
        with store.write() as con:
            con.execute("UPDATE card_state SET due = ?", (ts(now + dt.timedelta(days=30)),))
            con.execute("UPDATE card_state SET due = ? WHERE card_id = 'kz'",
                        (ts(now - dt.timedelta(hours=1)),))


def test_a_session_in_the_cli_asks_it_typed(tmp_path: Path, keys: object) -> None:
    from quiz.cli import clock

    deck_file = tmp_path / "capitals.yaml"
    deck_file.write_text(DECK)
    db = tmp_path / "h.sqlite3"
    well_known_history(db, clock.now())
    keys("Nur-Sultan\r")  # type: ignore[operator]
    result = CliRunner().invoke(app, ["start", str(deck_file), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Card 1 of 1 · Capitals · no choices now: type it" in result.stdout
    assert "✓ Right." in result.stdout
    with open_store(db) as store:
        last = store.db.execute("SELECT card_id, asked_as, outcome FROM reviews "
                                "ORDER BY reviewed_at DESC LIMIT 1").fetchone()
    assert tuple(last) == ("kz", "text", "right")
