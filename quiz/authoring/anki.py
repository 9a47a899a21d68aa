"""Anki: its notes' HTML and cloze deletions as deck text, and `.apkg` packages.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quiz.authoring.deckfile import deck_rows, notes
from quiz.fileio import replace_file
from quiz.models import BLANK, CardType, Deck
from quiz.wording import answer_text

_HTML_TAG = re.compile(r"<[^>]+>")


# What a field's HTML holds besides text: scripts and styles (dropped whole),
# comments, block elements (each a line), images and sounds (named).
_HIDDEN = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BLOCK = re.compile(r"<br\s*/?>|</?(?:div|p|li|ul|ol|tr|h[1-6]|blockquote|pre)\b[^>]*>", re.I)
_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))[^>]*>", re.I)
_SOUND = re.compile(r"\[sound:([^\]]*)\]")
# characters a deck may not hold (C0/C1 controls but tab and newline, bidi
# overrides): the deck loader refuses them, so they go here
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _src(m: re.Match[str]) -> str:
    import html

    return html.unescape(next(g for g in m.groups() if g is not None))


def media_names(text: str) -> list[str]:
    """The media files a field's HTML names: images (`<img src=...>`) and
    sounds (`[sound:...]`), as Anki stores their names (HTML entities read)."""
    import html

    names = [_src(m) for m in _IMG.finditer(text)]
    return names + [html.unescape(m.group(1)) for m in _SOUND.finditer(text)]


def field_text(text: str, shown: Callable[[str], str] = lambda name: name) -> str:
    """An Anki field's HTML as deck text: a line break or block element
    (div, p, li...) ends a line, other tags go, entities are read (&nbsp; is
    a space), an image becomes "[image: NAME]" and a sound "[sound: NAME]"
    (NAME as `shown` gives it: the file's name where it was kept), and runs
    of spaces are one. Control characters, which no deck may hold, go."""
    import html

    text = _HIDDEN.sub("", text)
    text = _IMG.sub(lambda m: f"[image: {shown(_src(m))}]", text)
    text = _SOUND.sub(lambda m: f"[sound: {shown(html.unescape(m.group(1)))}]", text)
    text = _BLOCK.sub("\n", text)
    text = html.unescape(_HTML_TAG.sub("", text)).replace("\xa0", " ")
    text = _UNSAFE.sub(" ", text.replace("\r\n", "\n"))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _write_package(package: Any, out: io.BytesIO) -> None:
    """genanki's Package.write_to_file, minus the temporary SQLite file it
    leaves in the system temp folder on every call: the collection is built
    in a folder of ours that is removed afterwards."""
    import sqlite3
    import tempfile
    import time
    import zipfile
    from itertools import count

    with tempfile.TemporaryDirectory(prefix="quiz-apkg-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        db = sqlite3.connect(db_path)
        try:
            now = time.time()
            package.write_to_db(db.cursor(), now, count(int(now * 1000)))
            db.commit()
        finally:
            db.close()
        with zipfile.ZipFile(out, "w") as z:
            z.write(db_path, "collection.anki2")
            z.writestr("media", "{}")  # no media files


def _cloze_inert(text: str) -> str:
    """Braces as HTML entities, so that the deck's own text never reads as a
    cloze deletion in Anki's cloze filter; they show the same."""
    return text.replace("{", "&#123;").replace("}", "&#125;")


def write_apkg(deck: Deck, path: Path) -> None:
    """An Anki package: one note per card (Front, Back, Source), with stable
    ids derived from the deck and card ids, so re-importing updates notes."""
    import html
    import zlib

    import genanki

    model = genanki.Model(
        1607392319, "quiz card",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}, {"name": "QuizId"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}",
                    "afmt": "{{FrontSide}}<hr id=answer>{{Back}}<br><small>{{Source}}</small>"}],
        sort_field_index=0)
    # cloze cards become Anki cloze notes, the blank filled in as {{c1::answer}}
    cloze_model = genanki.Model(
        1791520443, "quiz cloze",
        fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Source"},
                {"name": "QuizId"}],
        templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}",
                    "afmt": "{{cloze:Text}}<br>{{Back Extra}}<br><small>{{Source}}</small>"}],
        model_type=genanki.Model.CLOZE, sort_field_index=0)
    # a card asked both ways: Anki's "Basic (and reversed card)" layout, two
    # templates on one note, so each direction keeps its own history there too
    reversed_model = genanki.Model(
        1607392320, "quiz card (and reversed card)",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}, {"name": "QuizId"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}",
                    "afmt": "{{FrontSide}}<hr id=answer>{{Back}}<br><small>{{Source}}</small>"},
                   {"name": "Card 2", "qfmt": "{{Back}}",
                    "afmt": "{{FrontSide}}<hr id=answer>{{Front}}<br><small>{{Source}}</small>"}],
        sort_field_index=0)
    anki_deck = genanki.Deck(zlib.crc32(deck.id.encode()) & 0x7FFFFFFF or 1, deck.title)
    for row, card in zip(deck_rows(deck), notes(deck), strict=True):
        source = deck.sources.get(card.source or "")
        if card.template is not None:  # numbered blanks: Anki's own {{cN::...}}
            kind = cloze_model
            front = html.escape(card.template, quote=False)
            back = html.escape(row["explain"] or "")
        elif card.type is CardType.CLOZE:
            text, answer = (_cloze_inert(html.escape(t)) for t in (card.question,
                                                                    answer_text(card)))
            kind = cloze_model
            front = text.replace(BLANK, "{{c1::" + answer.replace(":", "&#58;") + "}}", 1)
            back = html.escape(row["explain"] or "")
        else:
            kind = reversed_model if card.reverse else model
            front = html.escape(card.question)
            if card.type in (CardType.CHOICE, CardType.MULTI) and card.choices:
                front += "<br>" + " · ".join(html.escape(c) for c in card.choices)
            back = html.escape(answer_text(card))  # as quiz shows it: '7 January 2022'
            if row["explain"]:
                back += f"<br>{html.escape(row['explain'])}"
        anki_deck.add_note(genanki.Note(
            model=kind, fields=[front, back, html.escape(source.cite()) if source else "",
                                f"{deck.id}/{card.note_id}"],
            guid=genanki.guid_for(deck.id, card.note_id),
            tags=[t.replace(" ", "_") for t in card.tags]))
    buffer = io.BytesIO()
    _write_package(genanki.Package(anki_deck), buffer)
    replace_file(path, buffer.getvalue())
