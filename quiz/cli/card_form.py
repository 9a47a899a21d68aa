"""`quiz add`: one card, asked field by field.
"""

from __future__ import annotations

from quiz.cli.prompts import ask_line, choose, choose_many
from quiz.cli.questions import figure_ok
from quiz.cloze import has_deletions
from quiz.figures import parse_number
from quiz.models import BLANK, Deck

TYPE_HELP = {
    "text": "text: a typed answer",
    "choice": "choice: pick one of several",
    "multi": "multi: pick every right one",
    "number": "number: a figure",
    "date": "date: a day",
    "truefalse": "truefalse: true or false",
    "order": "order: put items in order",
    "cloze": "cloze: fill in the ___ blank (or numbered blanks {{c1::...}})",
    "basic": "basic: a flip card (front, back; the learner rates their recall)",
}


def _items(text: str) -> list[str]:
    from quiz.figures import split_list

    return split_list(text)


def ask_card(deck: Deck, this_year: int) -> dict[str, object]:
    """Ask for a new card's fields; returns them as a dict for the deck file.
    A date typed without a year takes the deck's year, or else `this_year`."""
    import re

    from quiz.authoring.deckfile import slug
    from quiz.deck.loader import ID_PATTERN
    from quiz.figures import day_in_year, figure

    taken = {c.id for c in deck.cards}
    ctype = list(TYPE_HELP)[choose("Card type?", list(TYPE_HELP.values()))]

    def question_ok(typed: str) -> bool | str:
        if not typed.strip():
            return "Type the question"
        if ctype == "cloze" and BLANK not in typed and not has_deletions(typed):
            return f"Mark the blank with {BLANK}, or number the blanks: {{{{c1::answer}}}}"
        return True

    question = ask_line("Question:", question_ok).strip()
    fields: dict[str, object] = {"question": question, "type": ctype}
    if ctype in ("choice", "multi"):
        def choices_ok(typed: str) -> bool | str:
            items = _items(typed)
            return len(items) >= 2 and len(set(items)) == len(items) or \
                "At least two different choices, separated by commas"

        choices = _items(ask_line("Choices (separated by commas):", choices_ok))
        fields["choices"] = choices
        if ctype == "choice":
            fields["answer"] = choices[choose("The right one:", choices)]
        else:
            fields["answer"] = [choices[i] for i in choose_many("The right ones:", choices, 1)]
    elif ctype == "truefalse":
        fields["answer"] = choose("The answer:", ["true", "false"]) == 0
    elif ctype == "order":
        fields["answer"] = _items(ask_line(
            "The items in their right order, separated by commas:",
            lambda typed: len(_items(typed)) >= 2 or "At least two items"))
    elif ctype == "number":
        typed = ask_line("The answer:", figure_ok)
        value = parse_number(typed)
        assert value is not None
        fields["answer"] = int(value) if float(value).is_integer() else value
        found = figure(typed)  # 'about 2,000': the answer reads so
        if found is not None and found[1] is not None:
            fields["qualifier"] = found[1]
    elif ctype == "date":
        year = deck.year or this_year

        def day_ok(typed: str) -> bool | str:
            return day_in_year(typed, year) is not None or \
                f"Type a date that exists, like 7 January {year} or Jan 7"

        fields["answer"] = day_in_year(ask_line("The answer:", day_ok), year)
    elif ctype == "cloze" and has_deletions(question):
        pass  # the numbered blanks hold the answers
    else:
        fields["answer"] = ask_line(
            "The back:" if ctype == "basic" else "The answer:",
            lambda typed: bool(typed.strip()) or "Type the answer").strip()
    if ctype in ("text", "basic"):
        if choose("Also ask it the other way round (the answer shown)?", ["No", "Yes"]):
            fields["reverse"] = True
    if ctype in ("text", "choice") or (ctype == "cloze" and "answer" in fields):
        fields["accept"] = _items(ask_line(
            "Other answers that count as right (commas; Enter for none):"))
    fields["tags"] = _items(ask_line("Tags (commas; Enter for none):"))
    if deck.sources:
        keys = ["(no source)", *deck.sources]
        # cards are mostly added source by source: offer the one the last card cites
        last = next((c.source for c in reversed(deck.cards) if c.source), None)
        picked = choose("Source:", keys, default=keys.index(last) if last in keys else 0)
        fields["source"] = keys[picked] if picked else None
    fields["explain"] = ask_line(
        "Explanation shown after the answer (Enter for none):").strip() or None

    def id_ok(typed: str) -> bool | str:
        if not re.fullmatch(ID_PATTERN, typed):
            return "Letters, digits and . _ : - only"
        return typed not in taken or f"'{typed}' is already a card of this deck"

    fields["id"] = ask_line("Card id:", id_ok, default=slug(question, taken)).strip()
    return fields
