"""What every way of writing a deck shares: ids and titles made from names,
the schema line, a whole deck's YAML from its cards' fields.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from quiz.models import Card, CardType, Deck

# Field order in written cards, as in the bundled decks and the format doc.
CARD_ORDER = ("id", "question", "type", "answer", "accept", "reverse", "choices", "escalate",
              "tolerance", "qualifier", "unit", "source", "tags", "kind", "group", "explain",
              "context", "draft")


def schema_line() -> str:
    from quiz.paths import schema_path

    return f"# yaml-language-server: $schema={schema_path().as_uri()}\n"


def slug(text: str, taken: Iterable[str] = ()) -> str:
    """A card or deck id from free text: 'Who said it?' -> 'who-said-it'.
    `taken` is read as it is when it is a set (an import passes the ids it
    has made so far, thousands of them: copying it each time is quadratic)."""
    plain = unicodedata.normalize("NFKD", text[:500]).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", plain.lower())
    base = "-".join(words[:6]) or "card"
    base = base[:60].strip("-") or "card"
    used = taken if isinstance(taken, set | frozenset) else set(taken)
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def name_text(text: str) -> str:
    """A name quiz was handed (a file name, a title typed on the command line)
    made fit to be deck text, on one line: printable text is kept (é, 東京),
    a byte the system could not decode (a surrogate escape) becomes U+FFFD,
    and a control or format character (ESC, a bidi override, a line break)
    becomes a space; runs of spaces become one."""
    out = []
    for ch in text:
        if "\ud800" <= ch <= "\udfff":
            out.append("\ufffd")
        elif ch.isprintable() or ch in "\u200c\u200d":  # joiners that emoji and Persian need
            out.append(ch)
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def deck_title(name: str, title: str | None = None, *, capitalise: bool = False) -> str:
    """A new deck's title, through `name_text`: `title` as given, else (when
    it has nothing printable) made from the file name `name`, its dashes and
    underscores as spaces and, with `capitalise`, each word capitalised.
    Empty only when neither has anything printable."""
    given = name_text(title or "")
    if given:
        return given
    made = name_text(name.replace("-", " ").replace("_", " "))
    if capitalise:  # word by word: str.title() would make "don't" "Don'T"
        made = " ".join(w[:1].upper() + w[1:] for w in made.split(" "))
    return made


# An answer longer than this, or on more than one line, is no answer to type:
# an import makes it a flip card (`basic`), and a shorter one a `text` card.
LONG_ANSWER = 80


def qa_type(answer: str) -> str:
    """The type an imported question-and-answer card gets: `text` (typed)
    for a short answer on one line, `basic` (a flip card) for a longer one."""
    return "basic" if "\n" in answer or len(answer) > LONG_ANSWER else "text"


LIST_SEPARATOR = " | "


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple | list):
        items = [str(v) for v in value]
        if any("|" in i for i in items) or any(i != i.strip() for i in items):
            return json.dumps(items, ensure_ascii=False)
        return LIST_SEPARATOR.join(items)
    return str(value)


def notes(deck: Deck) -> list[Card]:
    """The deck's cards as written: one per note. A card made from another
    (the other way round) is left out, its note says `reverse`; of a cloze
    with numbered blanks, the first blank's card stands for the note (its
    `template` is the question as written)."""
    seen: set[str] = set()
    out = []
    for c in deck.cards:
        if c.note is None:
            out.append(c)
        elif c.template is not None and c.note not in seen:
            seen.add(c.note)
            out.append(c)
    return out


def deck_rows(deck: Deck) -> list[dict[str, str]]:
    """A row of fields per note (`notes`), as `quiz export` writes them."""
    rows = []
    for c in notes(deck):
        src = deck.sources.get(c.source or "")
        numbered = c.template is not None
        row = {
            "id": c.note_id, "type": c.type.value,
            "question": c.template if c.template is not None else c.question,
            "answer": "" if numbered else _cell(c.answer), "accept": _cell(c.accept),
            "choices": _cell(c.choices),
            "tags": _cell(c.tags), "source": c.source or "",
            "source_outlet": src.outlet if src else "", "source_date": src.date if src else "",
            "source_title": src.title if src else "", "explain": (c.explain or "").strip(),
            "kind": c.kind or "",
            "tolerance": _cell(c.tolerance) if c.type is CardType.NUMBER else "",
            "qualifier": c.qualifier or "", "unit": c.unit or "",
            "reverse": "true" if c.reverse else "",
            "escalate": "true" if c.escalate else "",
            "group": c.group or "",
            "context": c.context or "",
            "draft": "true" if c.draft else "",
        }
        rows.append(row)
    return rows


@dataclass
class Table:
    """What `quiz import` read: card field dicts, sources, and the line of the
    file each card came from, and each source (for messages about a card or
    source the deck refuses); the rows left out, each told as FILE:LINE and
    why (`skipped`); and the deck's own fields when the file carries them
    (title, description, year: `deck`)."""

    cards: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)
    source_lines: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    deck: dict[str, Any] = field(default_factory=dict)
    format: str = "csv"  # what the file was read as, for the summary

    def add(self, card: dict[str, Any], line: int) -> None:
        self.cards.append(card)
        self.lines.append(line)


SEPARATOR_NAMES = {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "pipes", " ": "spaces"}
