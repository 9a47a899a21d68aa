"""Anki: its notes' HTML and cloze deletions as deck text (packages: apkg*).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from quiz.authoring.deckfile import SEPARATOR_NAMES, Table, slug
from quiz.cloze import MAX_NUMBERS, blanked, deletions
from quiz.errors import UsageError

_HTML_BREAK = re.compile(r"<br\s*/?>|</div>|</p>", re.I)


_HTML_TAG = re.compile(r"<[^>]+>")


def _from_html(text: str) -> str:
    """Anki exports fields as HTML: line breaks become spaces, tags go."""
    import html

    text = _HTML_BREAK.sub(" ", text)
    text = _HTML_TAG.sub("", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


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


ANKI_META_COLUMNS = ("notetype column", "deck column", "guid column", "tags column")


def _anki_rows(path: Path, rows: Sequence[tuple[int, list[str]]],
               settings: Mapping[str, str], sep: str) -> Table:
    html_fields = settings.get("html", "false").lower() == "true"
    meta = {key: int(settings[key]) - 1 for key in ANKI_META_COLUMNS
            if settings.get(key, "").isdigit()}
    tags_col = meta.get("tags column")
    table = Table([], {}, [], {})
    cards = table.cards
    taken: set[str] = set()
    for n, raw in rows:
        fields = [_from_html(f) if html_fields or "<" in f else f.strip() for f in raw]
        content = [f for i, f in enumerate(fields) if i not in meta.values()]
        if tags_col is not None:
            tags = fields[tags_col].split() if tags_col < len(fields) else []
        elif not settings and len(content) == 3:  # Anki before 2.1.55: front, back, tags
            tags = content[2].split()
        else:  # Anki's '#' lines name a tags column when there is one; a third
            tags = []  # field of a note type (Extra, Source) is not tags
        if content and deletions(content[0]):
            extra = content[1] if len(content) > 1 else ""
            for cloze in _cloze_cards(path, n, content[0], extra, taken):
                taken.add(cloze["id"])
                cards.append({**cloze, "tags": tags} if tags else cloze)
                table.lines.append(n)
            continue
        if len(content) < 2 or not content[0] or not content[1]:
            raise UsageError(f"{path}:{n}: expected a front and a back, separated by "
                             f"{SEPARATOR_NAMES.get(sep, repr(sep))}")
        card: dict[str, Any] = {"id": slug(content[0], taken), "question": content[0],
                                "type": "text", "answer": content[1]}
        taken.add(card["id"])
        if tags:
            card["tags"] = tags
        cards.append(card)
        table.lines.append(n)
    return table


# Anki's cloze deletions: {{c1::answer}}, or {{c1::answer::hint}}.
def _cloze_cards(path: Path, line: int, text: str, extra: str,
                 taken: set[str]) -> list[dict[str, Any]]:
    """The cards of one Anki cloze note, as Anki makes them: one per deletion
    number, with that deletion blanked (its hint kept) and the others shown.
    A number used twice blanks two places, which a cloze card cannot hold:
    that card is a text card whose answer lists both."""
    found = deletions(text)
    numbers = sorted({d.number for d in found if d.answer.strip()})  # {{c1::}} hides nothing
    if not numbers:
        raise UsageError(f"{path}:{line}: a cloze note with nothing to fill in")
    if len(numbers) > MAX_NUMBERS:
        raise UsageError(f"{path}:{line}: a cloze note with {len(numbers):,} deletions; "
                         f"at most {MAX_NUMBERS} are read")
    cards: list[dict[str, Any]] = []
    for number in numbers:
        question, hidden = blanked(text, found, number)
        card: dict[str, Any] = {"id": slug(question, [*taken, *(c["id"] for c in cards)]),
                                "question": question}
        if len(hidden) == 1:
            card.update(type="cloze", answer=hidden[0])
        else:
            card.update(type="text", answer=", ".join(hidden))
        if extra:
            card["explain"] = extra
        cards.append(card)
    return cards
