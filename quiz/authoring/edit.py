"""`quiz add`: one card appended to a deck without disturbing the file.

Edits go through ruamel.yaml's round-trip mode, which keeps the author's
comments, key order, quoting and block scalars (a bundled deck loads and
dumps back byte for byte). No terminal I/O here: the prompts live in the
front end, which hands over a plain dict of fields.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from quiz.authoring.deckfile import CARD_ORDER, schema_line
from quiz.errors import UsageError


def _yaml(text: str = "") -> Any:
    from ruamel.yaml import YAML

    y = YAML()  # round-trip
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap the author's lines
    y.indent(**_indents(text))
    return y


def _indents(text: str) -> dict[str, int]:
    """The deck's own indentation, for ruamel to write back (it re-indents a
    whole file to the one it is given). Defaults: the bundled decks' style."""
    found = {"mapping": 2, "sequence": 4, "offset": 2}
    item = re.search(r"^cards:[ \t]*\r?\n(?:[ \t]*(?:#.*)?\r?\n)*( *)-( +)\S", text, re.M)
    if item:
        found["offset"] = len(item.group(1))
        found["sequence"] = len(item.group(1)) + 1 + len(item.group(2))
    nested = re.search(r"^( *)[^\s#-][^\n]*:[ \t]*\r?\n\1( +)[^\s#-]", text, re.M)
    if nested:
        found["mapping"] = len(nested.group(2))
    return found


def card_map(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The card's fields in the usual order, empty ones left out."""
    return {k: fields[k] for k in CARD_ORDER if fields.get(k) not in (None, "", [], ())}


def _card_node(fields: Mapping[str, Any]) -> Any:
    """A card as a ruamel mapping; lists in flow style ([a, b]), as in the bundled decks."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    card = CommentedMap()
    for key, value in card_map(fields).items():
        if isinstance(value, list | tuple):
            seq = CommentedSeq(value)
            seq.fa.set_flow_style()
            card[key] = seq
        else:
            card[key] = value
    return card


def with_card(raw: str, path: Path, fields: Mapping[str, Any]) -> str:
    """The deck file's text `raw` (a deck that validates) with one card
    appended, everything else kept as written (comments, order, quotes, BOM,
    line ends). Writes nothing: the caller checks the result before it
    replaces the file."""
    bom = raw.startswith("\ufeff")
    text = raw.removeprefix("\ufeff")
    y = _yaml(text)
    data = y.load(text)
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list):
        raise UsageError(f"{path}: no 'cards' list to add to; run 'quiz validate {path}'")
    card = _card_node(fields)
    cards = data["cards"]
    cards.append(card)
    out = io.StringIO()
    y.dump(data, out)
    result = out.getvalue()
    if len(cards) > 1 and not result.endswith("\n\n"):
        # a blank line between cards, when the file uses them
        lines = result.splitlines(keepends=True)
        marker = f"  - id: {card['id']}\n"
        if "\n\n  - id:" in text and marker in lines:
            i = len(lines) - 1 - lines[::-1].index(marker)
            lines.insert(i, "\n")
            result = "".join(lines)
    if "\r\n" in text:  # a file saved with Windows line ends keeps them
        result = result.replace("\r\n", "\n").replace("\n", "\r\n")
    return ("\ufeff" if bom else "") + result


def card_yaml(fields: Mapping[str, Any]) -> str:
    """The card as a YAML list item in the bundled decks' style, for the
    learner to paste under a deck's `cards:` when it could not be added."""
    out = io.StringIO()
    _yaml().dump([_card_node(fields)], out)
    return out.getvalue()


def deck_yaml(deck_id: str, title: str, cards: Sequence[Mapping[str, Any]],
              sources: Mapping[str, Mapping[str, str]] | None = None,
              description: str | None = None, year: int | None = None) -> str:
    """A whole deck file, from plain field dicts."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    y = _yaml()
    doc = CommentedMap()
    doc["id"] = deck_id
    doc["title"] = title
    if description:
        doc["description"] = description
    if year is not None:
        doc["year"] = year
    if sources:
        src = CommentedMap()
        for key, value in sources.items():
            src[key] = CommentedMap((k, value[k]) for k in ("outlet", "date", "title", "url")
                                    if value.get(k))
        doc["sources"] = src
    doc["cards"] = CommentedSeq(_card_node(fields) for fields in cards)
    out = io.StringIO()
    y.dump(doc, out)
    return schema_line() + out.getvalue()
