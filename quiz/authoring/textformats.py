"""`quiz import` of a text file: which format it is, told by its content
(not its name), and its cards.

CSV and TSV (quiz's own layout, a spreadsheet's two columns, Anki's
plain-text export: `tables`), Markdown notes (hashcards, Obsidian:
`markdown`), Quizlet's export (`quizlet`). JSON, XML, HTML and a quiz deck
itself are refused by name, on one line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from quiz.authoring.deckfile import Table

_XML_START = re.compile(r"<(\?xml\b|!DOCTYPE\s|html\b|[A-Za-z][\w:.-]*[\s>])", re.I)
_DECK_KEY = re.compile(r"^(id|title|cards):", re.M)


def looks_like(text: str) -> str | None:
    """What a text that quiz does not import looks like (JSON, XML, HTML, a
    quiz deck), or None when it may hold cards."""
    head = text.lstrip()[:4096]
    if head[:1] in ("{", "["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, dict | list):
            return "JSON"
    if head.startswith("<") and _XML_START.match(head) and text.rstrip().endswith(">"):
        lower = head[:200].lower()
        return "HTML" if lower.startswith(("<!doctype html", "<html")) else "XML"
    keys = {m.group(1) for m in _DECK_KEY.finditer(head)}
    if {"id", "cards"} <= keys or text.lstrip().startswith("# yaml-language-server:"):
        return "a quiz deck (YAML) already: check it with 'quiz validate', and put it in " \
               "your deck folder to study it"
    return None


def sniff(text: str) -> str:
    """The format of a text file: 'hashcards', 'obsidian', 'quizlet' or
    'table' (CSV, TSV, Anki's plain text). Anki's header lines make it a
    table whatever else it holds."""
    from quiz.authoring import markdown, quizlet
    from quiz.authoring.anki_text import settings_lines

    lines = text.split("\n")
    if settings_lines(lines)[1]:
        return "table"
    if markdown.is_hashcards(lines):
        return "hashcards"
    if markdown.is_obsidian(lines):
        return "obsidian"
    if quizlet.detect(text) is not None:
        return "quizlet"
    return "table"


def read_cards(path: Path, term_separator: str | None = None,
               row_separator: str | None = None) -> Table:
    """The cards of the text file at `path`, in whichever format it is; with
    either separator, read as Quizlet's export with those separators (the
    other one its default: a tab, a new line)."""
    from quiz.authoring import markdown, quizlet
    from quiz.authoring.apkg import not_importable
    from quiz.authoring.tables import decode, read_bytes, read_table
    from quiz.errors import UsageError

    text = decode(path, read_bytes(path))
    if term_separator is not None or row_separator is not None:
        table = quizlet.read_quizlet(path, text, quizlet.separator(term_separator or "tab"),
                                     quizlet.separator(row_separator or "newline"))
    else:
        what = looks_like(text)
        if what is not None:
            raise not_importable(path, f"it looks like {what}")
        kind = sniff(text)
        if kind == "hashcards":
            table = markdown.read_hashcards(path, text)
        elif kind == "obsidian":
            table = markdown.read_obsidian(path, text)
        elif kind == "quizlet":
            found = quizlet.detect(text)
            assert found is not None
            table = quizlet.read_quizlet(path, text, *found)
        else:
            return read_table(path, text)
    if not table.cards:
        raise UsageError(table.skipped[0] if table.skipped else f"{path}: no cards in this file")
    return table
