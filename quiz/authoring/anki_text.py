"""Anki's "Notes in Plain Text" export (and a hand-made two-column file) as
cards: its '#' header lines, HTML fields, cloze notes, and the rows that
make no card, each left out and told at its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from quiz.authoring.anki import field_text
from quiz.authoring.deckfile import SEPARATOR_NAMES, Table, qa_type, slug
from quiz.cloze import MAX_NUMBERS, deletions, written_out

# The header lines Anki 2.1.55 and later writes (and reads) before the notes;
# any other line that starts with '#' is a note, as Anki reads it too.
ANKI_SETTINGS = ("separator", "html", "columns", "notetype", "deck", "tags", "guid column",
                 "notetype column", "deck column", "tags column", "if matches")


ANKI_META_COLUMNS = ("notetype column", "deck column", "guid column", "tags column")


# "Cards in Plain Text" writes the back as Anki shows it: the front again,
# then this rule, then the back
_ANSWER_RULE = re.compile(r"<hr\b[^>]*\bid\s*=\s*[\"']?answer\b[^>]*>", re.I)


# a field that is HTML: a tag, or an entity
_LOOKS_HTML = re.compile(r"<[A-Za-z/!]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")


class RowProblem(Exception):
    """A row that makes no card: why, told at its line by the caller."""


def settings_lines(lines: Sequence[str]) -> tuple[dict[str, str], int]:
    """Anki's header lines at the top of `lines` ('#separator:tab'), as
    settings, and how many lines they take. A first line such as '#1 hit:
    a song' is no setting: it is a note."""
    settings: dict[str, str] = {}
    n = 0
    while n < len(lines) and lines[n].startswith("#"):
        key, colon, value = lines[n][1:].partition(":")
        if not colon or key.strip().lower() not in ANKI_SETTINGS:
            break
        settings[key.strip().lower()] = value.strip()
        n += 1
    return settings, n


def _expected_width(rows: Sequence[tuple[int, list[str]]], settings: Mapping[str, str],
                    sep: str) -> int:
    """How many cells a row of the file has: as many as '#columns:' names,
    else as many as most rows have."""
    if settings.get("columns"):
        return len(settings["columns"].split(sep))
    counts: dict[int, int] = {}
    for _, r in rows:
        counts[len(r)] = counts.get(len(r), 0) + 1
    # at least a front and a back: a file of mostly one-cell rows has cards
    # in the others
    return max(max(counts, key=lambda w: (counts[w], -w)) if counts else 2, 2)


def anki_rows(path: Path, rows: Sequence[tuple[int, list[str]]],
              settings: Mapping[str, str], sep: str, width: int | None = None) -> Table:
    """The cards of an Anki plain-text export or a two-column file: the
    first two cells that are no note type, deck, GUID or tags are the front
    and the back. A row that makes no card is left out and told in
    `skipped` as FILE:LINE; the file is refused only when no row makes one."""
    html_setting = settings.get("html", "").lower()
    meta = {key: int(settings[key]) - 1 for key in ANKI_META_COLUMNS
            if settings.get(key, "").isdigit()}
    tags_col = meta.get("tags column")
    width = width or _expected_width(rows, settings, sep)
    common_tags = settings.get("tags", "").split()
    table = Table(format="anki" if settings else "csv")
    taken: set[str] = set()
    first_problem = ""
    for n, raw in rows:
        try:
            made = _row_cards(raw, html_setting, meta, tags_col, width, settings, sep, taken)
        except RowProblem as e:
            problem = f"{path}:{n}: {e}"
            first_problem = first_problem or problem
            table.skipped.append(problem)
            continue
        for card in made:
            if common_tags:
                card["tags"] = list(dict.fromkeys([*common_tags, *card.get("tags", [])]))
            taken.add(card["id"])
            table.add(card, n)
    if not table.cards and first_problem:
        from quiz.errors import UsageError

        raise UsageError(first_problem)
    return table


def _row_cards(raw: list[str], html_setting: str, meta: Mapping[str, int],
               tags_col: int | None, width: int, settings: Mapping[str, str], sep: str,
               taken: set[str]) -> list[dict[str, Any]]:
    extra_cells = [c for c in raw[width:] if c.strip()]
    if len(raw) > width and extra_cells:
        name = SEPARATOR_NAMES.get(sep, repr(sep)).removesuffix("s")
        raise RowProblem(f"{len(raw)} cells where {width} were expected; quote a field "
                         f"that holds a {name}")
    fields = [_field(f, html_setting) for f in raw]
    content = [f for i, f in enumerate(fields) if i not in meta.values()]
    if tags_col is not None:
        tags = fields[tags_col].split() if tags_col < len(fields) else []
    elif not settings and width == 3 and len(content) == 3:
        tags = content[2].split()  # Anki before 2.1.55: front, back, tags
    else:  # Anki's '#' lines name a tags column when there is one; a third
        tags = []  # field of a note type (Extra, Source) is not tags
    if content and deletions(content[0]):
        extra = content[1] if len(content) > 1 else ""
        made = cloze_cards(content[0], extra, taken)
        return [{**c, "tags": tags} if tags else c for c in made]
    if len(content) < 2 or not content[0] or not content[1]:
        raise RowProblem("expected a front and a back, separated by "
                         f"{SEPARATOR_NAMES.get(sep, repr(sep))}")
    front, back = content[0], _without_front(content[0], content[1])
    if not back:
        raise RowProblem("the back only repeats the front")
    card: dict[str, Any] = {"id": slug(front, taken), "question": front,
                            "type": qa_type(back), "answer": back}
    if tags:
        card["tags"] = tags
    return [card]


def _field(text: str, html_setting: str) -> str:
    """A cell as deck text: HTML read as Anki shows it when the file says its
    fields are HTML (or says nothing, as Anki before 2.1.55, and the cell
    holds a tag or an entity); else as written, trimmed."""
    if html_setting == "true" or (not html_setting and _LOOKS_HTML.search(text)):
        rule = _ANSWER_RULE.search(text)
        if rule:  # "Cards in Plain Text": the front again, the rule, the back
            text = text[rule.end():]
        return field_text(text)
    return text.strip()


def _without_front(front: str, back: str) -> str:
    """The back, less the front when the back repeats it first (Anki's
    {{FrontSide}}, as "Cards in Plain Text" exports it)."""
    if back != front and back.startswith(front) and back[len(front):][:1] in ("\n", " "):
        return back[len(front):].strip()
    return "" if back == front else back


# Anki's cloze deletions: {{c1::answer}}, or {{c1::answer::hint}}.
def cloze_cards(text: str, extra: str, taken: set[str]) -> list[dict[str, Any]]:
    """The cards of one Anki cloze note, as Anki makes them: one per deletion
    number, with that deletion blanked (its hint kept) and the others shown.
    A number used twice blanks two places, which a cloze card cannot hold:
    that card is a text card whose answer lists both."""
    found = deletions(text)
    numbers = sorted({d.number for d in found if d.answer.strip()})  # {{c1::}} hides nothing
    if not numbers:
        raise RowProblem("a cloze note with nothing to fill in")
    if len(numbers) > MAX_NUMBERS:
        raise RowProblem(f"a cloze note with {len(numbers):,} deletions; at most "
                         f"{MAX_NUMBERS} are read")
    cards: list[dict[str, Any]] = []
    for number in numbers:
        fields = written_out(text, found, number, extra)
        card: dict[str, Any] = {"id": slug(str(fields["question"]), taken), **fields}
        taken.add(card["id"])
        cards.append(card)
    return cards
