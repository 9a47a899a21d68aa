"""quiz export -f apkg: every card and deck field survives quiz -> Anki
package -> quiz import, and --with-history writes Anki's review log and
card scheduling, which quiz's own importer reads back."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quiz.cli import app
from quiz.deck.loader import load_deck
from quiz.models import Deck

DECKS = Path(__file__).parent.parent / "decks"

EVERY_TYPE = """\
id: every-type
title: Every type — of card
description: "A deck with <b>every</b> card type,\\nand a second line."
year: 2022
sources:
  src-a:
    outlet: TASS
    date: 2022-01-10
    title: A headline with <tags> & ampersands
    url: https://example.org/a?x=1&y=2
  src-b:
    outlet: The Astana Times
    date: 2022-01
    title: No url
  unused:
    outlet: Nobody
    date: 2022-02-01
    title: Cited by no card
cards:
  - id: text-card
    question: "Is 1 < 2 in <b>HTML</b>?\\nSecond line."
    answer: Nur-Sultan
    accept: [Astana, Akmola]
    kind: city
    source: src-a
    tags: [places, two words]
    explain: "Renamed in 2022.\\nTwice."
    group: capital
  - id: text-reverse
    question: The capital
    answer: Astana
    reverse: true
  - id: choice-card
    question: Which city?
    answer: Almaty
    choices: [Almaty, Nur-Sultan, Aktau]
    escalate: true
    source: src-b
  - id: choice-drawn
    question: Who said it?
    type: choice
    answer: Erlan Karin
    kind: person
  - id: other-person
    question: Whose letter was it?
    answer: Sergey Lavrov
    kind: person
  - id: third-person
    question: Who read it out?
    answer: Alexander Pankin
    kind: person
  - id: multi-card
    question: Which are members?
    answer: [Armenia, Belarus]
    choices: [Armenia, Azerbaijan, Belarus]
  - id: order-card
    question: Put in order.
    answer: [First, Second, Third]
  - id: number-card
    question: How many were injured?
    answer: 4500
    qualifier: more than
    tolerance: 50
    unit: people
  - id: float-card
    question: How many million?
    answer: 1.5
  - id: date-card
    question: When did it begin?
    answer: 2022-01-02
  - id: tf-card
    question: Kazakhstan is a member.
    answer: true
  - id: cloze-one
    question: "Contingents came from {braces} and ___ too."
    answer: Russia
    accept: [the Russian Federation]
  - id: cloze-numbered
    question: "Led by {{c1::Russia}}, begun on {{c2::6 January::a date}}."
    explain: Numbered.
  - id: basic-card
    type: basic
    question: What is a peacekeeping mission?
    answer: "Troops sent to keep order.\\nNot to fight."
    explain: Basic.
  - id: basic-reverse
    type: basic
    question: der Hund
    answer: the dog
    reverse: true
    tags: [de]
  - id: drafted
    question: A drafted card?
    answer: Yes it is
    context: The sentence it came from.
    draft: true
"""


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def same_cards(a: Deck, b: Deck) -> None:
    """Card by card, every field (but the line it was read from)."""
    assert [c.id for c in a.cards] == [c.id for c in b.cards]
    for x, y in zip(a.cards, b.cards, strict=True):
        assert dataclasses.replace(x, line=0) == dataclasses.replace(y, line=0), x.id


def round_trip(deck_file: Path, tmp: Path, *extra: str) -> tuple[Deck, Deck, Any]:
    apkg = tmp / "out.apkg"
    r = run("export", str(deck_file), "-f", "apkg", "-o", str(apkg), *extra)
    assert r.exit_code == 0, r.output
    out = tmp / "imported"
    r = run("import", str(apkg), "-o", str(out), "--db", str(tmp / "h.sqlite3"))
    assert r.exit_code == 0, r.output
    [made] = out.glob("*.yaml")
    return load_deck(deck_file), load_deck(made), r


@pytest.mark.parametrize("name", sorted(p.name for p in DECKS.glob("*.yaml")))
def test_a_bundled_deck_comes_back_field_by_field(name: str, tmp_path: Path) -> None:
    before, after, r = round_trip(DECKS / name, tmp_path)
    # the bundled deck holds the id, so the import takes its free variant
    assert after.id == f"{before.id}-2"
    assert (after.title, after.description, after.year, dict(after.sources)) == (
        before.title, before.description, before.year, dict(before.sources))
    same_cards(before, after)


def test_every_card_type_comes_back_and_drafts_only_when_asked(tmp_path: Path) -> None:
    deck_file = tmp_path / "every.yaml"
    deck_file.write_text(EVERY_TYPE)
    apkg = tmp_path / "no-drafts.apkg"
    r = run("export", str(deck_file), "-f", "apkg", "-o", str(apkg))
    assert r.exit_code == 0, r.output
    assert r.stderr == (f"Wrote {apkg} (16 notes; Anki makes 19 cards of them; 1 draft card "
                        "left out (--with-drafts))\n")
    before, after, _r = round_trip(deck_file, tmp_path, "--with-drafts")
    assert after.id == "every-type"
    assert (after.title, after.description, after.year, dict(after.sources)) == (
        before.title, before.description, before.year, dict(before.sources))
    same_cards(before, after)
    assert after.card("drafted") is not None and after.card("drafted").draft  # type: ignore[union-attr]


def collection(apkg: Path, tmp: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(apkg) as z:
        (tmp / "c.anki2").write_bytes(z.read("collection.anki2"))
    return sqlite3.connect(tmp / "c.anki2")


def test_what_anki_shows(tmp_path: Path) -> None:
    """Note types shaped as Anki's own, HTML escaped, line breaks as <br>,
    the source a link, drafts tagged."""
    deck_file = tmp_path / "every.yaml"
    deck_file.write_text(EVERY_TYPE)
    apkg = tmp_path / "e.apkg"
    assert run("export", str(deck_file), "-f", "apkg", "-o", str(apkg),
               "--with-drafts").exit_code == 0
    db = collection(apkg, tmp_path)
    models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
    names = {int(k): m["name"] for k, m in models.items()}
    rows = {json.loads(__import__("html").unescape(f.split("\x1f")[-1]))["card"]["id"]:
            (names[m], f.split("\x1f"), t.split(), n)
            for m, f, t, n in db.execute(
                "SELECT n.mid, n.flds, n.tags, count(c.id) FROM notes n "
                "JOIN cards c ON c.nid = n.id GROUP BY n.id")}
    kinds = {k: v[0] for k, v in rows.items()}
    assert kinds["basic-card"] == "Basic (quiz)"
    assert kinds["basic-reverse"] == "Basic (and reversed card) (quiz)"
    assert kinds["cloze-one"] == kinds["cloze-numbered"] == "Cloze (quiz)"
    assert kinds["text-card"] == kinds["multi-card"] == "quiz"
    assert {k: v[3] for k, v in rows.items()} == {k: 2 if k in (
        "basic-reverse", "text-reverse", "cloze-numbered") else 1 for k in rows}
    front, back, _answer, _rev, source, _quiz = rows["text-card"][1]
    assert front == "Is 1 &lt; 2 in &lt;b&gt;HTML&lt;/b&gt;?<br>Second line."
    assert back == ("Nur-Sultan<br><small>Also right: Astana · Akmola</small><br>"
                    "Renamed in 2022.<br>Twice.")
    assert source == ('<a href="https://example.org/a?x=1&amp;y=2">TASS, 2022-01-10: A '
                      "headline with &lt;tags&gt; &amp; ampersands</a>")
    assert rows["text-card"][2] == ["places", "two_words"]
    assert rows["cloze-one"][1][0] == ("Contingents came from &#123;braces&#125; and "
                                       "{{c1::Russia}} too.")
    assert rows["cloze-numbered"][1][0] == "Led by {{c1::Russia}}, begun on " \
        "{{c2::6 January::a date}}."
    assert "<li>Azerbaijan</li>" in rows["multi-card"][1][0]
    assert rows["drafted"][2] == ["draft"]


def test_a_note_of_quiz_with_json_that_is_not_quiz_s_is_a_plain_note(tmp_path: Path) -> None:
    """A stranger's package with quiz's note type: a Quiz field holding
    anything but quiz's JSON makes the note a flip card of its fields, and
    wrong-typed values in quiz's JSON are left out, not trusted."""
    deck_file = tmp_path / "every.yaml"
    deck_file.write_text(EVERY_TYPE)
    apkg = tmp_path / "e.apkg"
    assert run("export", str(deck_file), "-f", "apkg", "-o", str(apkg)).exit_code == 0
    db = collection(apkg, tmp_path)
    import html

    rows = db.execute("SELECT id, flds FROM notes ORDER BY id").fetchall()
    first, second = rows[0], rows[1]
    fields = first[1].split("\x1f")
    fields[-1] = "not json {"
    db.execute("UPDATE notes SET flds = ? WHERE id = ?", ("\x1f".join(fields), first[0]))
    fields = second[1].split("\x1f")
    data = json.loads(html.unescape(fields[-1]))
    data["card"].update(accept="not a list", tolerance="x", reverse="yes", evil={"a": 1})
    fields[-1] = html.escape(json.dumps(data), quote=False)
    db.execute("UPDATE notes SET flds = ? WHERE id = ?", ("\x1f".join(fields), second[0]))
    db.commit()
    db.close()
    with zipfile.ZipFile(apkg, "w") as z:
        z.write(tmp_path / "c.anki2", "collection.anki2")
        z.writestr("media", "{}")
    out = tmp_path / "imported"
    r = run("import", str(apkg), "-o", str(out), "--no-history")
    assert r.exit_code == 0, r.output
    deck = load_deck(out / "every-type.yaml")
    plain = [c for c in deck.cards if c.id.startswith(("anki-", "anki."))]
    assert len(plain) == 1 and plain[0].question.startswith("Is 1 < 2 in <b>HTML</b>?")
    reverse = deck.card("text-reverse")
    assert reverse is not None and not reverse.reverse and reverse.accept == ()


# --- --with-history -----------------------------------------------------------

def studied(db: Path, deck: Deck, day_start: Any) -> dict[str, Any]:
    """Scheduled answers of four cards over two months, stored as a session
    stores them; returns each card's final state."""
    import datetime as dt
    import random

    from quiz.history.store import open_store
    from quiz.models import Mode, Outcome, Review
    from quiz.study.records import StateUpdate
    from quiz.study.scheduling import Rating, Scheduler, Settings

    rng = random.Random(26)
    scheduler = Scheduler(Settings(fuzz=False))
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=60)
    final = {}
    with open_store(db) as store:
        for n, card in enumerate(["text-card", "number-card", "basic-reverse",
                                  "basic-reverse:reverse"]):
            state = None
            at = start + dt.timedelta(hours=n)
            while at < start + dt.timedelta(days=59):
                rating = Rating(rng.choice([1, 2, 3, 3, 3, 4]))
                after = scheduler.review(state, rating, at, day_start)
                store.record(Review(
                    id=f"r{n}-{at.timestamp()}", session_id=None, deck_id=deck.id,
                    card_id=card, reviewed_at=at, answer="x",
                    outcome=Outcome.WRONG if rating is Rating.AGAIN else Outcome.RIGHT,
                    rating=int(rating), response_ms=rng.randrange(1000, 50_000),
                    mode=Mode.REVIEW, state_before=state.data if state else None,
                    state_after=after.data, phase_before=int(state.phase) if state else None),
                    StateUpdate(deck.id, card, int(after.phase), after.due, after.data,
                                state is not None and int(state.phase) == 2
                                and rating is Rating.AGAIN, after.stability,
                                after.difficulty))
                state = after
                at = max(after.due, at + dt.timedelta(minutes=10))
            final[card] = state
        store.mark(deck.id, "number-card", suspended=True)
    return final


def test_with_history_writes_anki_s_review_log_and_quiz_reads_it_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Export with history, import into a fresh database: the same answers
    (rating, time to answer, moment to the ms) and, replayed, the same
    memory (stability to 1%) and due dates (to the minute; the interval
    fuzz is off on both sides, else each side draws its own)."""
    import quiz.study.preferences as preferences
    from quiz.cli.clock import now_and_day_start

    learner = preferences.learner_settings
    monkeypatch.setattr(preferences, "learner_settings",
                        lambda setting: dataclasses.replace(learner(setting), fuzz=False))

    deck_file = tmp_path / "every.yaml"
    deck_file.write_text(EVERY_TYPE)
    deck = load_deck(deck_file)
    db = tmp_path / "h.sqlite3"
    _now, day_start = now_and_day_start()
    final = studied(db, deck, day_start)
    apkg = tmp_path / "h.apkg"
    r = run("export", str(deck_file), "-f", "apkg", "-o", str(apkg), "--with-history",
            "--db", str(db))
    assert r.exit_code == 0, r.output
    con = sqlite3.connect(db)
    stored = con.execute("SELECT card_id, reviewed_at, rating, response_ms FROM reviews "
                         "ORDER BY reviewed_at").fetchall()
    con.close()
    assert r.stderr == (f"Wrote {apkg} (16 notes; Anki makes 19 cards of them, with "
                        f"{len(stored)} reviews; 1 draft card left out (--with-drafts))\n")
    col = collection(apkg, tmp_path)
    revlog = col.execute("SELECT id, ease, ivl, lastIvl, factor, time, type, usn FROM revlog "
                         "ORDER BY id").fetchall()
    assert len(revlog) == len(stored) and len({r[0] for r in revlog}) == len(revlog)
    assert [r[1] for r in revlog] == [s[2] for s in stored]
    assert [r[5] for r in revlog] == [min(s[3], 60_000) for s in stored]
    assert {r[6] for r in revlog} <= {0, 1, 2} and {r[7] for r in revlog} == {-1}
    assert all(r[2] < 0 for r in revlog if r[6] == 0 and r[2] <= 0)
    assert all(100 <= r[4] <= 1100 for r in revlog)
    crt = col.execute("SELECT crt FROM col").fetchone()[0]
    cards = col.execute("SELECT type, queue, due, ivl, reps, data FROM cards WHERE reps > 0"
                        ).fetchall()
    assert len(cards) == 4 and {c[1] for c in cards} <= {-1, 1, 2}
    assert sum(1 for c in cards if c[1] == -1) == 1  # the suspended one
    for ctype, _queue, due, _ivl, _reps, data in cards:
        memory = json.loads(data)
        assert set(memory) == {"s", "d", "dr", "decay", "lrt"}
        if ctype == 2:
            assert crt < crt + due * 86400 < crt + 400 * 86400
    col.close()
    # back into quiz, a fresh database
    fresh = tmp_path / "fresh.sqlite3"
    r = run("import", str(apkg), "-o", str(tmp_path / "back"), "--db", str(fresh))
    assert r.exit_code == 0, r.output
    con = sqlite3.connect(fresh)
    again = con.execute("SELECT card_id, reviewed_at, rating, response_ms FROM reviews "
                        "ORDER BY reviewed_at").fetchall()
    states = {c: (due, s) for c, due, s in con.execute(
        "SELECT card_id, due, stability FROM card_state")}
    marks = con.execute("SELECT card_id FROM card_marks WHERE suspended = 1").fetchall()
    con.close()
    assert [(c, at[:23], rating, min(ms, 60_000)) for c, at, rating, ms in stored] == [
        (c, at[:23], rating, ms) for c, at, rating, ms in again]
    assert marks == [("number-card",)]
    import datetime as dt

    for card, state in final.items():
        due, stability = states[card]
        assert stability == pytest.approx(state.stability, rel=0.01), card
        off = abs((dt.datetime.fromisoformat(due) - state.due).total_seconds())
        assert off <= 60, (card, off)


def test_with_history_needs_apkg_and_a_database(tmp_path: Path) -> None:
    r = run("export", "csto-dates", "--with-history")
    assert (r.exit_code, r.stderr) == (1, "quiz: --with-history is for -f apkg (an Anki "
                                          "package)\n")
    gone = tmp_path / "none.sqlite3"
    r = run("export", "csto-dates", "-f", "apkg", "-o", str(tmp_path / "x.apkg"),
            "--with-history", "--db", str(gone))
    assert (r.exit_code, r.stderr) == (1, f"quiz: {gone}: no history database here yet\n")
