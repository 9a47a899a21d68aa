"""Cloze deletions written as Anki writes them, {{c1::answer}} or
{{c1::answer::hint}}: read by the deck loader (a cloze with numbered
blanks) and by the Anki importer. Plain text in, plain text out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quiz.models import BLANK

_START = re.compile(r"\{\{c(\d{1,4})::")
MAX_NUMBERS = 100  # cards from one note; Anki's own notes rarely pass 20


@dataclass(frozen=True, slots=True)
class Deletion:
    start: int  # where `{{c` begins in the text
    end: int  # just after its `}}`
    number: int
    answer: str
    hint: str


def deletions(text: str) -> list[Deletion]:
    """The deletions in `text`, in order. Read in one pass (a pattern with
    two lazy groups takes quadratic time on a long field that never closes)."""
    found = []
    pos = 0
    while (m := _START.search(text, pos)) is not None:
        close = text.find("}}", m.end())
        if close < 0:
            break  # nothing closes after this, so nothing after it does either
        answer, _, hint = text[m.end():close].partition("::")
        found.append(Deletion(m.start(), close + 2, int(m.group(1)), answer, hint))
        pos = close + 2
    return found


def has_deletions(text: str) -> bool:
    return bool(deletions(text))


def blanked(text: str, found: list[Deletion], number: int) -> tuple[str, list[str]]:
    """The card for deletion `number`, as Anki makes it: that deletion a
    blank (with its hint in brackets), the others shown as their text.
    Returns the question and the hidden answers (more than one when the
    number is used twice)."""
    parts, hidden, pos = [], [], 0
    for d in found:
        parts.append(text[pos:d.start])
        if d.number == number and d.answer.strip():
            hidden.append(d.answer.strip())
            parts.append(BLANK + (f" ({d.hint.strip()})" if d.hint.strip() else ""))
        else:
            parts.append(d.answer)
        pos = d.end
    return "".join([*parts, text[pos:]]).strip(), hidden


def written_out(text: str, found: list[Deletion], number: int,
                extra: str | None = None) -> dict[str, object]:
    """Deck fields for deletion `number` written out as its own card (no
    id): a cloze card, or, when the number blanks several places (which a
    cloze card cannot hold), a text card whose answer lists them all; the
    note's other text as the explanation."""
    question, hidden = blanked(text, found, number)
    fields: dict[str, object] = {"question": question}
    if len(hidden) == 1:
        fields.update(type="cloze", answer=hidden[0])
    else:
        fields.update(type="text", answer=", ".join(hidden))
    if extra:
        fields["explain"] = extra
    return fields
