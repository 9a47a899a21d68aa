"""A deck as an Anki package (`quiz export -f apkg`), written with genanki.

Each note is of one of quiz's note types, shaped as Anki's own where a
card fits one, so Anki shows and schedules it as it would its own:

- a `basic` card: "Basic (quiz)" (Front, Back), with `reverse: true`
  "Basic (and reversed card) (quiz)";
- a cloze, with one `___` or numbered blanks: "Cloze (quiz)", a cloze note
  type (Text, Back Extra);
- every other card (text, choice, multi, number, date, truefalse, order):
  "quiz", its question (and choices) on the front, the answer as quiz shows
  it on the back; with `reverse: true`, a second card asks it the other way.

Every note type has two fields more: Source (the citation, a link when the
source has an http(s) url) and Quiz, the card's own fields and its deck's as
JSON, which no template shows: `quiz import` reads it back (apkg_decks), so
quiz -> Anki -> quiz keeps every field. Text is HTML-escaped (a `<` in a
question is a `<`, not markup) and line breaks are `<br>`.

Notes have stable GUIDs (from the deck and card ids), so importing a newer
export into Anki updates its notes.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import sqlite3
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from quiz.authoring.deckfile import notes
from quiz.models import BLANK, Card, CardType, Deck, Source
from quiz.wording import answer_text

QUIZ_FIELD = "Quiz"
FORMAT = 1  # the version of the Quiz field's JSON
DRAFT_TAG = "draft"
# note type ids: fixed, so a second export's notes are of the same types in Anki
BASIC_ID, REVERSED_ID, CLOZE_ID, QUIZ_ID = 1760026001, 1760026002, 1760026003, 1760026004
_SOURCE = "{{#Source}}<br><small>{{Source}}</small>{{/Source}}"


def _models() -> dict[str, Any]:
    import genanki

    def basic(model_id: int, name: str, reversed_too: bool) -> Any:
        templates = [{"name": "Card 1", "qfmt": "{{Front}}",
                      "afmt": "{{FrontSide}}<hr id=answer>{{Back}}" + _SOURCE}]
        if reversed_too:
            templates.append({"name": "Card 2", "qfmt": "{{Back}}",
                              "afmt": "{{FrontSide}}<hr id=answer>{{Front}}" + _SOURCE})
        return genanki.Model(model_id, name, fields=[
            {"name": "Front"}, {"name": "Back"}, {"name": "Source"}, {"name": QUIZ_FIELD}],
            templates=templates, sort_field_index=0)

    cloze = genanki.Model(
        CLOZE_ID, "Cloze (quiz)",
        fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Source"},
                {"name": QUIZ_FIELD}],
        templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}",
                    "afmt": "{{cloze:Text}}<br>{{Back Extra}}" + _SOURCE}],
        model_type=genanki.Model.CLOZE, sort_field_index=0)
    # quiz's other cards: the second template makes a card only for a note
    # whose Reverse field is filled (as Anki's "Basic (optional reversed card)")
    other = genanki.Model(
        QUIZ_ID, "quiz",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Answer"}, {"name": "Reverse"},
                {"name": "Source"}, {"name": QUIZ_FIELD}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}",
                    "afmt": "{{FrontSide}}<hr id=answer>{{Back}}" + _SOURCE},
                   {"name": "Card 2", "qfmt": "{{#Reverse}}{{Answer}}{{/Reverse}}",
                    "afmt": "{{FrontSide}}<hr id=answer>{{Front}}" + _SOURCE}],
        sort_field_index=0)
    return {"basic": basic(BASIC_ID, "Basic (quiz)", False),
            "reversed": basic(REVERSED_ID, "Basic (and reversed card) (quiz)", True),
            "cloze": cloze, "quiz": other}


def text_html(text: str) -> str:
    """Deck text as an Anki field: HTML-escaped, line breaks as <br>."""
    return html.escape(text, quote=False).replace("\r\n", "\n").replace("\n", "<br>")


def _cloze_inert(text: str) -> str:
    """Braces as HTML entities, so that the deck's own text never reads as a
    cloze deletion in Anki's cloze filter; they show the same."""
    return text.replace("{", "&#123;").replace("}", "&#125;")


def source_html(source: Source | None) -> str:
    """The citation; a link only to an http(s) address (Anki's card view
    would follow a javascript: one)."""
    if source is None:
        return ""
    cite = text_html(source.cite())
    url = source.url or ""
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{html.escape(url, quote=True)}">{cite}</a>'
    return cite + (f" ({text_html(url)})" if url else "")


def card_fields(card: Card) -> dict[str, Any]:
    """The card as its deck file writes it (the note's card: `notes`), as
    plain JSON values: what `quiz import` gives back to the deck loader."""
    numbered = card.template is not None
    out: dict[str, Any] = {"id": card.note_id,
                           "question": card.template if numbered else card.question}
    if not numbered:
        out["type"] = card.type.value
        answer = card.answer
        out["answer"] = (answer.isoformat() if isinstance(answer, dt.date)
                         else list(answer) if isinstance(answer, tuple) else answer)
    for key in ("accept", "choices", "tags"):
        value = getattr(card, key)
        if value:
            out[key] = list(value)
    if card.reverse:
        out["reverse"] = True
    if card.escalate:
        out["escalate"] = True
    if card.type is CardType.NUMBER and card.tolerance:
        out["tolerance"] = card.tolerance
    for key in ("qualifier", "unit", "source", "kind", "group", "explain", "context"):
        value = getattr(card, key)
        if value:
            out[key] = value
    if card.draft:
        out["draft"] = True
    return out


def deck_fields(deck: Deck) -> dict[str, Any]:
    out: dict[str, Any] = {"id": deck.id, "title": deck.title}
    if deck.description:
        out["description"] = deck.description
    if deck.year is not None:
        out["year"] = deck.year
    if deck.sources:
        out["sources"] = {k: {f: v for f in ("outlet", "date", "title", "url")
                              if (v := getattr(s, f))} for k, s in deck.sources.items()}
    return out


def _back(card: Card) -> str:
    """The answer as quiz shows it ('7 January 2022'), the other answers
    that count, and the explanation."""
    parts = [text_html(answer_text(card))]
    if card.accept:
        parts.append("<small>Also right: " + text_html(" · ".join(card.accept)) + "</small>")
    if card.explain:
        parts.append(text_html(card.explain.strip()))
    return "<br>".join(parts)


def _front(card: Card) -> str:
    front = text_html(card.question)
    if card.choices and card.type in (CardType.CHOICE, CardType.MULTI, CardType.ORDER):
        front += "<ul>" + "".join(f"<li>{text_html(c)}</li>" for c in card.choices) + "</ul>"
    elif card.type is CardType.ORDER and isinstance(card.answer, tuple):
        front += "<ul>" + "".join(f"<li>{text_html(c)}</li>" for c in sorted(card.answer)) \
            + "</ul>"
    return front


def _note_fields(card: Card, quiz: str, source: str) -> tuple[str, list[str]]:
    """The note type and fields of the note of `card` (a card of `notes`)."""
    explain = text_html((card.explain or "").strip())
    if card.template is not None:  # numbered blanks: Anki's own {{cN::...}}
        return "cloze", [text_html(card.template), explain, source, quiz]
    if card.type is CardType.CLOZE:
        text, answer = (_cloze_inert(text_html(t)) for t in (card.question, answer_text(card)))
        front = text.replace(BLANK, "{{c1::" + answer.replace(":", "&#58;") + "}}", 1)
        return "cloze", [front, explain, source, quiz]
    if card.type is CardType.BASIC:
        back = text_html(str(card.answer)) + (f"<br>{explain}" if explain else "")
        return ("reversed" if card.reverse else "basic"), [
            text_html(card.question), back, source, quiz]
    return "quiz", [_front(card), _back(card), text_html(answer_text(card)),
                    "y" if card.reverse else "", source, quiz]


def note_guid(deck_id: str, note_id: str) -> str:
    import genanki

    return str(genanki.guid_for(deck_id, note_id))


def write_apkg(deck: Deck, path: Path, drafts: bool = False,
               schedule: Callable[[sqlite3.Connection, Mapping[tuple[str, int], str]], None]
               | None = None) -> int:
    """Write the deck's notes (drafts too with `drafts`, tagged 'draft') as
    an Anki package; `schedule`, if given, is called with the collection
    before it is packed and the map of (note GUID, card ord) to quiz card
    id, to add history. Returns the number of notes written."""
    import genanki

    from quiz.fileio import replace_file

    models = _models()
    anki_deck = genanki.Deck(zlib.crc32(deck.id.encode()) & 0x7FFFFFFF or 1, deck.title,
                             description=text_html(deck.description or ""))
    meta = deck_fields(deck)
    every_source = meta.pop("sources", {})
    cards: dict[tuple[str, int], str] = {}
    written = 0
    for card in notes(deck):
        if card.draft and not drafts:
            continue
        # the first note carries all the deck's sources, the others their own
        cited = every_source if not written else {
            k: v for k, v in every_source.items() if k == card.source}
        data = {"quiz": FORMAT, "deck": {**meta, "sources": cited} if cited else meta,
                "card": card_fields(card)}
        quiz = html.escape(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                           quote=False)
        kind, fields = _note_fields(card, quiz, source_html(deck.sources.get(card.source or "")))
        guid = note_guid(deck.id, card.note_id)
        tags = [t.replace(" ", "_") for t in card.tags]
        if card.draft:
            tags.append(DRAFT_TAG)
        anki_deck.add_note(genanki.Note(model=models[kind], fields=fields, guid=guid,
                                        tags=list(dict.fromkeys(tags))))
        written += 1
        siblings = [c for c in deck.cards if c.note_id == card.note_id]
        for c in siblings:
            if c.template is not None:
                ord_ = int(c.id.rsplit(":c", 1)[1]) - 1
            else:
                ord_ = 1 if c.note is not None else 0
            cards[(guid, ord_)] = c.id
    buffer = io.BytesIO()
    _write_package(genanki.Package(anki_deck), buffer, cards, schedule)
    replace_file(path, buffer.getvalue())
    return written


def _write_package(package: Any, out: io.BytesIO, cards: Mapping[tuple[str, int], str],
                   schedule: Callable[[sqlite3.Connection, Mapping[tuple[str, int], str]],
                                      None] | None) -> None:
    """genanki's Package.write_to_file, minus the temporary SQLite file it
    leaves in the system temp folder on every call: the collection is built
    in a folder of ours that is removed afterwards."""
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
            if schedule is not None:
                schedule(db, cards)
            db.commit()
        finally:
            db.close()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(db_path, "collection.anki2")
            z.writestr("media", "{}")  # no media files
