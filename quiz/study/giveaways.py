"""Feedback that does not answer a card still to come.

After an answer a session shows the card's explanation and its source line.
Either may hold another card's answer: a source dated 2022-01-19 answers
"When did TASS publish ...?", an explanation naming a speaker answers the
quote card about them. Before it is shown, every way of writing the answer
of a card still to come in the session is masked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from quiz.models import Card, CardType, Source
from quiz.wording import format_number

MASK = "…"
# Short answers ("no", "6", "EU") are in too many sentences to mask them
# wherever they appear: what is shorter than this is left as it is.
MIN_LETTERS = 3
MIN_NUMBER = 10


@dataclass(frozen=True, slots=True)
class Feedback:
    """What is shown after an answer, with what would give another card away
    masked; `masked` says whether anything was."""

    explain: str | None
    source: str | None
    masked: bool = False


@lru_cache(maxsize=65536)
def answer_forms(card: Card) -> tuple[str, ...]:
    """The ways of writing the card's answer that would give it away, as
    they are found in prose: a text answer and its accepted forms, a figure
    with and without its thousands commas, a date as ISO, "19 January 2022",
    "January 19, 2022", "19 January" and "January 19". None for true/false,
    multi-select and order cards: one of several items is no answer."""
    a = card.answer
    forms: list[str] = []
    if card.type in (CardType.TEXT, CardType.CHOICE, CardType.CLOZE):
        forms += [str(a), *card.accept]
        forms = [f.strip() for f in forms if len(f.strip()) >= MIN_LETTERS]
    elif card.type is CardType.NUMBER and isinstance(a, int | float) and not isinstance(a, bool):
        if abs(a) >= MIN_NUMBER:
            written = format_number(a)
            forms += [written, written.replace(",", "")]
    elif card.type is CardType.DATE and isinstance(a, dt.date):
        month = f"{a:%B}"
        forms += [a.isoformat(), f"{a.day} {month} {a.year}", f"{month} {a.day}, {a.year}",
                  f"{a.day} {month}", f"{month} {a.day}"]
    return tuple(dict.fromkeys(forms))


def masked(text: str, forms: Iterable[str]) -> tuple[str, bool]:
    """`text` with each of `forms` (case aside, as a whole: "January 2" is
    not in "January 20") replaced by MASK, and whether any was."""
    folded = text.casefold()
    hits = sorted({f for f in forms if f.casefold() in folded}, key=len, reverse=True)
    if not hits:
        return text, False
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(f)}(?!\w)" for f in hits),
                         re.IGNORECASE)
    out, n = pattern.subn(MASK, text)
    return out, n > 0


def feedback(explain: str | None, source: Source | None, upcoming: Iterable[Card],
             answered: Card | None = None) -> Feedback:
    """The explanation and the source line, with the answers of `upcoming`
    masked; of the source, its date (all of it, when any part would give an
    answer away: "…-09" reads as a broken date) and title (the outlet's name
    is a name: "The Astana Times" stays, though Astana is an answer). The
    answer of the card just `answered`, which the verdict has shown, is not
    masked in its own feedback (its accepted forms are)."""
    own = {f.casefold() for f in answer_forms(replace(answered, accept=()))} \
        if answered is not None else set()
    forms = [f for card in upcoming for f in answer_forms(card) if f.casefold() not in own]
    hidden = False

    def shown(text: str) -> str:
        nonlocal hidden
        text, hit = masked(text, forms)
        hidden |= hit
        return text

    cite = None
    if source is not None:
        date = MASK if shown(source.date) != source.date else source.date
        cite = f"{source.outlet}, {date}: {shown(source.title)}"
    return Feedback(shown(explain) if explain is not None else None, cite, hidden)
