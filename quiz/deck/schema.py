"""The deck JSON Schema, for editor completion, built from the loader's tables.

`quiz/deck/deck.schema.json` is this module's output; a test keeps them equal.
Regenerate with `python -m quiz.deck.schema > quiz/deck/deck.schema.json`.
The loader, not this schema, is the authority: it also checks what JSON
Schema cannot say (unique ids, known sources, answers among the choices).
"""

from __future__ import annotations

import json
from typing import Any

from quiz.deck.loader import (
    ALL_CARD_FIELDS,
    COMMON_CARD_FIELDS,
    DECK_FIELDS,
    ID_PATTERN,
    SOURCE_FIELDS,
    TYPE_FIELDS,
)
from quiz.models import BLANK, CardType

_TEXT: dict[str, Any] = {"type": "string", "minLength": 1}
_TEXTS: dict[str, Any] = {"oneOf": [_TEXT, {"type": "array", "items": _TEXT}]}
_ID: dict[str, Any] = {"type": ["string", "integer"], "pattern": f"^{ID_PATTERN}$"}

DECK_DOCS = {
    "id": "Stable id of the deck; history is kept under it.",
    "title": "Shown in the deck picker.",
    "description": "A sentence or two about the deck.",
    "year": "The year the deck's dates fall in, so '7 Jan' counts as 2022-01-07.",
    "escalate": "true: every choice card is asked as typed recall once it is well known "
                "(a card's own `escalate: false` keeps its choices).",
    "sources": "Where the facts come from: a short key for each source.",
    "cards": "The cards.",
}
SOURCE_DOCS = {
    "outlet": "Who published it (TASS, The Astana Times).",
    "date": "Publication date, YYYY-MM-DD (or YYYY-MM when the day is unknown).",
    "title": "The headline or title.",
    "url": "Where to read it.",
}
CARD_DOCS = {
    "id": "Stable id, unique in the deck; review history is keyed on it.",
    "type": "Card type; inferred from the answer when left out.",
    "question": f"The question (a flip card's front); for a cloze card, a sentence with one "
                f"blank written {BLANK}, or with numbered blanks {{{{c1::answer}}}} "
                "(one card each).",
    "answer": "The answer: text, a number, a YYYY-MM-DD date, true/false, or a list "
              "(a flip card's back; none for a cloze with numbered blanks).",
    "tags": "Labels for filtering and statistics (dates, figures, quotes, members).",
    "source": "Key of the source in the deck's `sources`.",
    "explain": "Shown after the answer.",
    "kind": "What the answer is (person, country, city): choice cards without "
            "`choices` draw wrong options from answers of the same kind.",
    "context": "The sentence a drafted card came from, for the author to check.",
    "draft": "true while a generated card still needs the author's review.",
    "accept": "Other answers that count as right (Astana for Nur-Sultan).",
    "choices": "Options to pick from; the answer (or every answer of a multi card) among them.",
    "tolerance": "How far off a number may be and still count as right.",
    "qualifier": "Words shown before the number: 'more than', 'about', 'some'.",
    "unit": "Words shown after the number: 'units', 'km'.",
    "reverse": "true: the card is also asked the other way round (answer shown, question "
               "to recall), with its own history.",
    "group": "A name shared by cards that ask one fact in different ways: they are never "
             "asked one right after the other.",
    "escalate": "true: once the card is well known (its memory stable for 10 days), it is "
                "asked as typed recall, without the choices; a miss brings the choices back.",
}
TYPE_DOCS = {
    CardType.TEXT: "Typed answer, with `accept` aliases and typo tolerance.",
    CardType.CHOICE: "One right answer among `choices` (or options drawn from the deck).",
    CardType.MULTI: "Select all that apply: `answer` is a list, all of it among `choices`.",
    CardType.NUMBER: "A number, with optional `tolerance`, `qualifier` and `unit`.",
    CardType.DATE: "A date, YYYY-MM-DD; people may answer '7 Jan', 'January 7, 2022' ...",
    CardType.TRUEFALSE: "true or false.",
    CardType.ORDER: "Put the items of `answer` (listed in the right order) in order.",
    CardType.CLOZE: f"Fill the {BLANK} in `question` with `answer`, or each numbered blank "
                    "{{c1::...}} of `question` (a card per number).",
    CardType.BASIC: "A flip card: `question` is the front, `answer` the back; the learner "
                    "rates their recall (Again, Hard, Good, Easy).",
}

_ANSWER: dict[CardType, dict[str, Any]] = {
    CardType.TEXT: _TEXT,
    CardType.CHOICE: _TEXT,
    CardType.CLOZE: _TEXT,
    CardType.BASIC: _TEXT,
    CardType.MULTI: {"type": "array", "items": _TEXT, "minItems": 1},
    CardType.ORDER: {"type": "array", "items": _TEXT, "minItems": 2},
    CardType.NUMBER: {"type": "number"},
    CardType.DATE: {"type": "string", "format": "date"},
    CardType.TRUEFALSE: {"type": "boolean"},
}
_FIELD: dict[str, dict[str, Any]] = {
    "id": _ID,
    "type": {"enum": [t.value for t in CardType]},
    "question": _TEXT,
    "answer": {},
    "tags": _TEXTS,
    "source": _TEXT,
    "explain": _TEXT,
    "kind": _TEXT,
    "context": _TEXT,
    "draft": {"type": "boolean"},
    "accept": _TEXTS,
    "choices": {"type": "array", "items": _TEXT, "minItems": 2},
    "tolerance": {"type": "number", "minimum": 0},
    "qualifier": _TEXT,
    "unit": _TEXT,
    "reverse": {"type": "boolean"},
    "escalate": {"type": "boolean"},
    "group": _TEXT,
}


CLOZE_PATTERN = r"\{\{c\d{1,4}::"


def _described(schema: dict[str, Any], doc: str) -> dict[str, Any]:
    return {**schema, "description": doc}


def build_schema() -> dict[str, Any]:
    card_props = {f: _described(_FIELD[f], CARD_DOCS[f]) for f in ALL_CARD_FIELDS}
    variants = []
    for ctype, extra in TYPE_FIELDS.items():
        allowed = COMMON_CARD_FIELDS + extra
        variants.append({
            "if": {"properties": {"type": {"const": ctype.value}}, "required": ["type"]},
            "then": {
                "description": TYPE_DOCS[ctype],
                "properties": {"answer": _ANSWER[ctype]},
                "propertyNames": {"enum": list(allowed)},
            },
        })
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://quiz.invalid/deck.schema.json",
        "title": "quiz deck",
        "description": "A deck of cards for the `quiz` command; see docs/deck-format.md.",
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "title", "cards"],
        "properties": {
            "id": _described(_ID, DECK_DOCS["id"]),
            "title": _described(_TEXT, DECK_DOCS["title"]),
            "description": _described(_TEXT, DECK_DOCS["description"]),
            "year": _described({"type": "integer", "minimum": 1, "maximum": 9999},
                               DECK_DOCS["year"]),
            "escalate": _described({"type": "boolean"}, DECK_DOCS["escalate"]),
            "sources": _described({
                "type": "object",
                "propertyNames": {"pattern": f"^{ID_PATTERN}$"},
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["outlet", "date", "title"],
                    "properties": {
                        f: _described(
                            {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
                            if f == "date" else _TEXT,
                            SOURCE_DOCS[f],
                        )
                        for f in SOURCE_FIELDS
                    },
                },
            }, DECK_DOCS["sources"]),
            "cards": _described({
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "question"],
                    "properties": card_props,
                    # an answer, unless the question holds numbered blanks
                    "anyOf": [{"required": ["answer"]},
                              {"properties": {"question": {"pattern": CLOZE_PATTERN}}}],
                    "allOf": variants,
                },
            }, DECK_DOCS["cards"]),
        },
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


assert set(DECK_DOCS) == set(DECK_FIELDS)

if __name__ == "__main__":  # pragma: no cover
    print(schema_text(), end="")
