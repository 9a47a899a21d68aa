"""An Anki collection's notes as quiz decks: one deck per Anki deck (or one
for all), card ids from the notes' GUIDs, and where each Anki card's
history goes.

- Basic: a flip card (`type: basic`), front and back.
- Basic (and reversed card), or any note type of two templates whose note
  has its second card: the same with `reverse: true` (quiz's `ID:reverse`).
- Cloze: quiz's numbered blanks (`{{c1::...}}`, cards `ID:c1`, `ID:c2`...);
  Back Extra is the explanation. A number used in two places, which a quiz
  cloze cannot hold, gives a card per number written out (`ID:cN`).
- Any other note type: a flip card of its first two fields, and the rest as
  the explanation; `other_types` names them, for the importer to say so.
- quiz's own note types (`quiz export -f apkg`, apkg_export): a note whose
  type has a `Quiz` field holding quiz's JSON is the card it was, every
  field as written, in the deck it came from (id, title, description, year,
  sources); the JSON is checked field by field, and the deck loader checks
  the rest, as for any deck file.

A card id is `anki-GUID` when the GUID is made of letters, digits, `_`, `.`
and `-`, else `anki.` and the GUID's bytes in hex, so the same note is the
same card at every import.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from quiz.authoring.anki import field_text
from quiz.authoring.apkg import AnkiCard, Collection, Note, NoteType
from quiz.cloze import MAX_NUMBERS, deletions, written_out
from quiz.deck.yamltree import MAX_SCALAR

_PLAIN_GUID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")
EMPTY = "(empty in Anki)"


def note_id(guid: str) -> str:
    """A quiz card id for the Anki note `guid`, the same at every import."""
    if _PLAIN_GUID.fullmatch(guid):
        return f"anki-{guid}"
    raw = guid.encode("utf-8", "surrogatepass")
    if len(raw) <= 40:
        return f"anki.{raw.hex()}"
    return f"anki.h{hashlib.blake2b(raw, digest_size=16).hexdigest()}"


@dataclass
class DeckPlan:
    """One quiz deck to write: the Anki deck's name and its cards' fields;
    `meta`: the deck's own fields (id, title, description, year, sources),
    when its notes are quiz's."""

    name: str
    cards: list[dict[str, Any]] = field(default_factory=list)
    media: set[str] = field(default_factory=set)  # Anki media names its notes use
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Mapped:
    decks: dict[str, DeckPlan]  # by Anki deck name (or the one deck's name)
    cards: dict[int, tuple[str, str]]  # Anki card id -> (Anki deck name, quiz card id)
    other_types: dict[str, int] = field(default_factory=dict)  # note type -> notes
    cut: int = 0  # fields cut to the deck's limit on text
    skipped: int = 0  # notes with nothing to ask (an empty front, a cloze with no blank)
    unmapped: int = 0  # Anki cards with no quiz card (a third template...)


def _cut(text: str, mapped: Mapped) -> str:
    if len(text) <= MAX_SCALAR:
        return text
    mapped.cut += 1
    return text[:MAX_SCALAR - 1] + "…"


def map_notes(col: Collection, shown: Callable[[str], str], one_deck: str | None = None,
              ) -> Mapped:
    """The collection's notes as quiz cards, grouped by deck. A note goes to
    the deck of its first card (Anki lets a note's cards sit in different
    decks); with `one_deck`, every note goes to that one, tagged with the
    name of its Anki deck. `shown` gives the name an image or sound is
    shown by (the name of the file where it was kept)."""
    by_note: dict[int, list[AnkiCard]] = {}
    for c in col.cards:
        by_note.setdefault(c.note_id, []).append(c)
    mapped = Mapped({}, {})
    seen: set[str] = set()
    for note in col.notes:
        cards = sorted(by_note.get(note.id, []), key=lambda c: c.ord)
        kind = col.note_types.get(note.type_id)
        base = note_id(note.guid)
        if not cards or kind is None or base in seen:
            mapped.skipped += 1 if cards else 0
            mapped.unmapped += len(cards)
            continue
        seen.add(base)
        deck_name = col.decks.get(cards[0].deck_id, "Default")
        target = one_deck if one_deck is not None else deck_name
        plan = mapped.decks.setdefault(target, DeckPlan(target))
        tags = list(dict.fromkeys(_tag(t) for t in note.tags if _tag(t)))
        if one_deck is not None and deck_name not in tags:
            tags.append(deck_name)
        quiz = quiz_note(note, kind)
        if quiz is not None:
            _quiz_cards(quiz, cards, plan, mapped, target, one_deck is not None, deck_name)
            continue
        made = _note_cards(note, kind, cards, base, shown, mapped)
        if not made:
            mapped.skipped += 1
            mapped.unmapped += len(cards)
            continue
        for fields in made:
            if tags:
                fields["tags"] = tags
            plan.cards.append(fields)
        for f in note.fields:
            plan.media.update(_media(f))
        ids = _card_ids(made)
        for c in cards:
            quiz_id = _quiz_card(kind, c, base, ids)
            if quiz_id is None:
                mapped.unmapped += 1
            else:
                mapped.cards[c.id] = (target, quiz_id)
    return mapped


# --- quiz's own notes -----------------------------------------------------------

_TEXT_FIELDS = ("id", "question", "type", "qualifier", "unit", "source", "kind", "group",
                "explain", "context")
_LIST_FIELDS = ("accept", "choices", "tags")
_FLAGS = ("reverse", "escalate", "draft")
_SOURCE_FIELDS = ("outlet", "date", "title", "url")


def quiz_note(note: Note, kind: NoteType) -> dict[str, Any] | None:
    """The card and deck fields of a note quiz wrote (its `Quiz` field's
    JSON, as `quiz export` writes it), or None: not quiz's, or not JSON
    that quiz writes."""
    import html
    import json

    from quiz.authoring.apkg_export import FORMAT, QUIZ_FIELD

    if QUIZ_FIELD not in kind.fields:
        return None
    at = kind.fields.index(QUIZ_FIELD)
    if at >= len(note.fields) or not note.fields[at].strip():
        return None
    try:
        data = json.loads(html.unescape(note.fields[at]))
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("quiz") != FORMAT:
        return None
    card, deck = data.get("card"), data.get("deck")
    if not isinstance(card, dict) or not isinstance(deck, dict):
        return None
    fields = _card_fields(card)
    if fields is None:
        return None
    return {"card": fields, "deck": _deck_fields(deck)}


def _text(value: Any) -> str | None:
    return value[:MAX_SCALAR] if isinstance(value, str) else None


def _card_fields(card: dict[str, Any]) -> dict[str, Any] | None:
    """The fields of quiz's JSON card a deck file may hold, each of its
    type; None when it has no id or question."""
    import datetime as dt

    out: dict[str, Any] = {}
    for key in _TEXT_FIELDS:
        value = _text(card.get(key))
        if value:
            out[key] = value
    if not out.get("id") or not out.get("question"):
        return None
    answer = card.get("answer")
    if isinstance(answer, str):
        out["answer"] = answer[:MAX_SCALAR]
        if out.get("type") == "date":
            try:
                out["answer"] = dt.date.fromisoformat(answer)
            except ValueError:
                pass
    elif isinstance(answer, bool | int | float):
        out["answer"] = answer
    elif isinstance(answer, list) and all(isinstance(a, str) for a in answer):
        out["answer"] = [a[:MAX_SCALAR] for a in answer]
    for key in _LIST_FIELDS:
        value = card.get(key)
        if isinstance(value, list):
            out[key] = [v[:MAX_SCALAR] for v in value if isinstance(v, str)]
    for key in _FLAGS:
        if card.get(key) is True:
            out[key] = True
    tolerance = card.get("tolerance")
    if isinstance(tolerance, int | float) and not isinstance(tolerance, bool):
        out["tolerance"] = tolerance
    return out


def _deck_fields(deck: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("id", "title", "description"):
        value = _text(deck.get(key))
        if value:
            out[key] = value
    year = deck.get("year")
    if isinstance(year, int) and not isinstance(year, bool):
        out["year"] = year
    sources = deck.get("sources")
    if isinstance(sources, dict):
        out["sources"] = {
            str(k)[:MAX_SCALAR]: {f: v[:MAX_SCALAR] for f in _SOURCE_FIELDS
                                  if isinstance(v := s.get(f), str) and v}
            for k, s in sources.items() if isinstance(s, dict)}
    return out


def _quiz_cards(quiz: dict[str, Any], cards: list[AnkiCard], plan: DeckPlan, mapped: Mapped,
                target: str, one_deck: bool, deck_name: str) -> None:
    """A note quiz wrote, back as the card it was; its Anki cards' history
    goes to the cards quiz names (`ID`, `ID:reverse`, `ID:cN`)."""
    fields = dict(quiz["card"])
    deck = quiz["deck"]
    if one_deck:
        fields["tags"] = list(dict.fromkeys([*fields.get("tags", []), deck_name]))
    else:
        plan.meta = {**deck, **plan.meta}
    sources = {**plan.meta.get("sources", {}), **deck.get("sources", {})}
    if sources:
        plan.meta["sources"] = sources
    plan.cards.append(fields)
    base = fields["id"]
    ids = _card_ids([fields])
    for c in cards:
        if "answer" not in fields:
            wanted = f"{base}:c{c.ord + 1}"
        else:
            wanted = base if c.ord == 0 else f"{base}:reverse" if c.ord == 1 else ""
        if wanted in ids:
            mapped.cards[c.id] = (target, wanted)
        else:
            mapped.unmapped += 1


def _media(text: str) -> list[str]:
    from quiz.authoring.anki import media_names

    return media_names(text)


def _tag(tag: str) -> str:
    return " ".join(field_text(tag).split())


def _card_ids(made: list[dict[str, Any]]) -> set[str]:
    """The card ids the deck loader makes of these card fields."""
    ids: set[str] = set()
    for f in made:
        if "answer" not in f:  # numbered blanks
            numbers = {d.number for d in deletions(f["question"]) if d.answer.strip()}
            ids.update(f"{f['id']}:c{n}" for n in numbers)
        else:
            ids.add(f["id"])
            if f.get("reverse"):
                ids.add(f"{f['id']}:reverse")
    return ids


def _quiz_card(kind: NoteType, card: AnkiCard, base: str, ids: set[str]) -> str | None:
    """The quiz card that holds an Anki card's history, if the note made one."""
    if kind.cloze:
        wanted = f"{base}:c{card.ord + 1}"
    else:
        wanted = base if card.ord == 0 else f"{base}:reverse" if card.ord == 1 else ""
    return wanted if wanted in ids else None


def _reversed(kind: NoteType, cards: list[AnkiCard]) -> bool:
    """A note asked both ways: its type has two templates, the second asking
    another field than the first, and the note has the second card."""
    if len(kind.questions) != 2 or not any(c.ord == 1 for c in cards):
        return False
    asks = [set(re.findall(r"\{\{([^{}#/^]+?)\}\}", q)) for q in kind.questions]
    return asks[0] != asks[1]


def _note_cards(note: Note, kind: NoteType, cards: list[AnkiCard], base: str,
                shown: Callable[[str], str], mapped: Mapped) -> list[dict[str, Any]]:
    texts = [_cut(field_text(f, shown), mapped) for f in note.fields]
    if kind.cloze:
        return _cloze(note, kind, texts, base)
    front = texts[0] if texts else ""
    if not front:
        return []
    known = ("Basic", "Basic (and reversed card)", "Basic (optional reversed card)",
             "Basic (type in the answer)")
    if kind.name not in known:
        mapped.other_types[kind.name] = mapped.other_types.get(kind.name, 0) + 1
    back = texts[1] if len(texts) > 1 and texts[1] else EMPTY
    card: dict[str, Any] = {"id": base, "question": front, "type": "basic", "answer": back}
    if _reversed(kind, cards):
        card["reverse"] = True
    rest = _extra(kind, texts, 2)
    if rest:
        card["explain"] = _cut(rest, mapped)
    return [card]


def _extra(kind: NoteType, texts: list[str], skip: int, also: str = "") -> str:
    """The note's other fields, one a line: those after the first `skip`
    (and not the field named `also`), empty ones and "Add Reverse" left out."""
    names = list(kind.fields) + [""] * max(0, len(texts) - len(kind.fields))
    return "\n".join(t for i, (name, t) in enumerate(zip(names, texts, strict=False))
                     if i >= skip and t and name not in ("Add Reverse", also))


def _cloze_field(kind: NoteType) -> int:
    """The field the cloze template fills in (`{{cloze:Text}}`), else the first."""
    for q in kind.questions:
        m = re.search(r"\{\{cloze:([^{}]+)\}\}", q)
        if m and m.group(1).strip() in kind.fields:
            return kind.fields.index(m.group(1).strip())
    return 0


def _cloze(note: Note, kind: NoteType, texts: list[str], base: str) -> list[dict[str, Any]]:
    at = _cloze_field(kind)
    text = texts[at] if at < len(texts) else ""
    found = deletions(text)
    numbers = [d.number for d in found if d.answer.strip()]
    if not numbers or len(set(numbers)) > MAX_NUMBERS:
        return []
    extra = "\n".join(t for i, t in enumerate(texts) if i != at and t)
    if len(numbers) == len(set(numbers)):  # quiz's numbered blanks, one a card
        card: dict[str, Any] = {"id": base, "question": text}
        if extra:
            card["explain"] = extra
        return [card]
    # a number used twice: a card per number, as Anki makes them
    out = []
    for n in sorted(set(numbers)):
        out.append({"id": f"{base}:c{n}", **written_out(text, found, n, extra)})
    return out


def media_in(plans: Mapping[str, DeckPlan]) -> set[str]:
    return set().union(*(p.media for p in plans.values())) if plans else set()
