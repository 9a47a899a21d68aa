"""The schema and the deck-format page cannot drift from the loader."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import jsonschema
import pytest
import yaml

from quiz.deck.loader import ALL_CARD_FIELDS, DECK_FIELDS, SOURCE_FIELDS, read_deck
from quiz.deck.schema import schema_text
from quiz.models import CardType

from .conftest import ROOT

DOC = (ROOT / "docs" / "deck-format.md").read_text(encoding="utf-8")
SCHEMA_FILE = ROOT / "quiz" / "deck" / "deck.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_shipped_schema_is_generated() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "regenerate: python -m quiz.deck.schema > quiz/deck/deck.schema.json"
    )
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_doc_names_every_field_and_type() -> None:
    for field in (*DECK_FIELDS, *SOURCE_FIELDS, *ALL_CARD_FIELDS):
        assert f"`{field}`" in DOC, field
    for t in CardType:
        assert f"### {t.value}\n" in DOC, t


def test_doc_names_no_unknown_field() -> None:
    tables = re.findall(r"^\| `(\w+)` \|", DOC, re.M)
    assert set(tables) <= set(DECK_FIELDS) | set(ALL_CARD_FIELDS)


EXAMPLES = re.findall(r"```yaml\n(.*?)```", DOC, re.S)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.split("\n")[0][:30])
def test_doc_examples_validate(example: str) -> None:
    deck = read_deck(example, "example.yaml")
    assert deck.cards


def _jsonable(o: Any) -> Any:
    if isinstance(o, dict):
        return {k: _jsonable(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_jsonable(v) for v in o]
    return o.isoformat() if isinstance(o, dt.date) else o


@pytest.mark.parametrize("path", sorted((ROOT / "decks").glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_decks_match_schema(path: Any) -> None:
    data = _jsonable(yaml.safe_load(path.read_text(encoding="utf-8")))
    errors = [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(data)]
    assert errors == []


def test_schema_rejects_a_field_of_the_wrong_type() -> None:
    data = {"id": "d", "title": "t", "cards": [
        {"id": "c", "type": "number", "question": "q", "answer": 1, "choices": ["a", "b"]}]}
    errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    assert errors, "choices on a number card should not pass the schema"
