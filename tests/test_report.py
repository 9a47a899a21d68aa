"""The `quiz stats --html` page: text from a history database is only ever text."""

from __future__ import annotations

import datetime as dt
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

from quiz.cli import app
from quiz.history.store import open_store
from quiz.models import Mode, Outcome, Review

runner = CliRunner()

# One hostile value for every text column the report shows.
DECK = "</title><script>alert('deck')</script>\"><img src=x onerror=alert(1)>"
MODE = "<script>alert('mode')</script>"
CARD = "\"><img src=x onerror=alert('card')>"
QUESTION = "<svg onload=alert('question')>?"
TAG = "<i onclick=alert(4)>t</i>"  # up to 28 characters: the tag chart shows it whole


class Page(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def history(db: Path) -> None:
    """A real history of deck 'd': a finished session, a card with a question
    and a tag, and a card the deck no longer holds (shown by its id); both
    missed, so both are among the hardest cards."""
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with open_store(db) as store:
        store.sync_deck("d", "Deck", [("c1", "Q1", ["dates"])], when)
        sid = store.begin_session(["d"], Mode.REVIEW, when)
        for i, (card, outcome) in enumerate([("c1", Outcome.WRONG), ("c2", Outcome.WRONG),
                                             ("c1", Outcome.RIGHT)]):
            store.record(Review(f"r{i}", sid, "d", card, when, "x", outcome,
                                1 if outcome is Outcome.WRONG else 3, 900, Mode.REVIEW,
                                None, None), None, 10.0)
        store.end_session(sid, when + dt.timedelta(minutes=1), 60.0)


def make_hostile(db: Path) -> None:
    """Write the hostile values straight into the file, past the store."""
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE sessions SET mode = ?, decks = ?", (MODE, DECK))
        for table in ("card_stats", "cards", "card_tags", "reviews", "retention_daily",
                      "session_decks"):
            con.execute(f"UPDATE {table} SET deck_id = ? WHERE deck_id = 'd'", (DECK,))
        con.execute("UPDATE decks SET id = ? WHERE id = 'd'", (DECK,))
        for table in ("card_stats", "reviews"):
            con.execute(f"UPDATE {table} SET card_id = ? WHERE card_id = 'c2'", (CARD,))
        con.execute("UPDATE cards SET question = ?", (QUESTION,))
        con.execute("UPDATE card_tags SET tag = ?", (TAG,))
    con.close()


def report(db: Path, deck: str, out: Path) -> Page:
    result = runner.invoke(app, ["stats", "--db", str(db), "--html", str(out), deck])
    assert result.exit_code == 0, result.output
    return Page(out.read_text(encoding="utf-8"))


def test_text_from_a_crafted_database_stays_text(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    history(db)
    benign = report(db, "d", tmp_path / "benign.html")
    # what the page is built of: every section (sessions, tags, hardest) is there
    assert {"svg", "circle", "rect", "table", "td"} <= benign.tags
    assert not benign.tags & {"script", "img", "iframe", "object", "embed", "a", "i"}
    assert not any(name.startswith("on") for name in benign.attributes)

    make_hostile(db)
    page = report(db, DECK, tmp_path / "hostile.html")
    assert page.tags <= benign.tags, page.tags - benign.tags
    assert page.attributes <= benign.attributes, page.attributes - benign.attributes
    assert not any(name.startswith("on") for name in page.attributes)
    text = "".join(page.text)
    for value in (DECK, MODE, CARD, QUESTION, TAG):
        assert value in text, value
