"""Prompts (questionary) and rendering (rich): the only terminal code.

Every piece of deck text passes through `safe()` before it is shown: control
and format characters become visible tokens and rich markup is escaped, so a
deck cannot move the cursor, write the clipboard or hide a link.
Prompts use `unsafe_ask()` so Ctrl-C raises KeyboardInterrupt for the CLI to
handle once.
"""

from __future__ import annotations

from collections.abc import Sequence

import questionary
from rich.console import Console
from rich.markup import escape

from quiz.grading import parse_date, parse_number
from quiz.models import BLANK, CardType, Deck, Outcome
from quiz.session import Answered, Question, Summary
from quiz.textsafe import inert


def safe(text: str) -> str:
    return escape(inert(text))


def console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _message(q: Question) -> str:
    text = inert(q.card.question)
    if q.card.type is CardType.CLOZE:
        text = text.replace(BLANK, "_____")
    return text


def plain_prompts() -> bool:
    """A dumb terminal (TERM=dumb, e.g. an editor's shell buffer) cannot move
    the cursor: prompts there are numbered lists and plain line input."""
    import os

    return os.environ.get("TERM", "").lower() in ("dumb", "unknown")


def ask(q: Question) -> str | list[str]:
    """Ask one question; returns the learner's answer (a list for multi/order)."""
    if plain_prompts():
        return ask_plain(q)
    message = _message(q)
    options = [inert(o) for o in q.options]
    t = q.card.type
    if t in (CardType.CHOICE, CardType.TRUEFALSE):
        picked = questionary.select(message, choices=options).unsafe_ask()
        return q.options[options.index(picked)]
    if t is CardType.MULTI:
        picked_many = questionary.checkbox(message, choices=options).unsafe_ask()
        return [q.options[options.index(p)] for p in picked_many]
    if t is CardType.ORDER:
        return ask_order(message, q.options)
    if t is CardType.NUMBER:
        return str(questionary.text(message, validate=_number_ok).unsafe_ask())
    if t is CardType.DATE:
        return str(questionary.text(message, validate=_date_ok).unsafe_ask())
    return str(questionary.text(message).unsafe_ask())


def ask_order(message: str, items: Sequence[str]) -> list[str]:
    """Order items by picking them one by one: first, then next, ..."""
    left = list(items)
    chosen: list[str] = []
    while len(left) > 1:
        label = "first" if not chosen else "next"
        shown = [inert(i) for i in left]
        picked = questionary.select(f"{message} Which comes {label}?", choices=shown).unsafe_ask()
        item = left.pop(shown.index(picked))
        chosen.append(item)
    return chosen + left


# -- plain prompts: one line in, one line out, no cursor movement --------------

def _line(prompt: str) -> str:
    """One line from the learner; Ctrl-C and Ctrl-D raise as in questionary."""
    return input(prompt).strip()


def _numbered(options: Sequence[str]) -> None:
    for i, option in enumerate(options, 1):
        print(f"  {i}. {inert(option)}")


def _pick_numbers(text: str, count: int) -> list[int] | None:
    """'1 3', '1,3' or '1, 3' -> [0, 2]; None unless every number is an option."""
    parts = text.replace(",", " ").split()
    if not parts or not all(p.isdigit() and 1 <= int(p) <= count for p in parts):
        return None
    return [int(p) - 1 for p in parts]


def ask_plain(q: Question) -> str | list[str]:
    t = q.card.type
    print(f"? {_message(q)}")
    if t in (CardType.CHOICE, CardType.TRUEFALSE):
        _numbered(q.options)
        while True:
            picked = _pick_numbers(_line("Number: "), len(q.options))
            if picked and len(picked) == 1:
                return q.options[picked[0]]
            print(f"  Type one number from 1 to {len(q.options)}.")
    if t is CardType.MULTI:
        _numbered(q.options)
        while True:
            text = _line("Numbers (like 1 3), or - for none: ")
            if text == "-":
                return []
            picked = _pick_numbers(text, len(q.options))
            if picked is not None:
                return [q.options[i] for i in sorted(set(picked))]
            print(f"  Type numbers from 1 to {len(q.options)}, or -.")
    if t is CardType.ORDER:
        _numbered(q.options)
        while True:
            picked = _pick_numbers(_line("Their order, first to last (like 3 1 2): "),
                                   len(q.options))
            if picked is not None and sorted(picked) == list(range(len(q.options))):
                return [q.options[i] for i in picked]
            print(f"  Type each number from 1 to {len(q.options)} once, in order.")
    check = {CardType.NUMBER: _number_ok, CardType.DATE: _date_ok}.get(t)
    while True:
        text = _line("> ")
        problem = check(text) if check else True
        if problem is True:
            return text
        print(f"  {problem}")


def pick(message: str, labels: Sequence[str]) -> int:
    """Index of the chosen label (the deck picker)."""
    if plain_prompts():
        print(f"? {message}")
        _numbered(labels)
        while True:
            picked = _pick_numbers(_line("Number: "), len(labels))
            if picked and len(picked) == 1:
                return picked[0]
            print(f"  Type one number from 1 to {len(labels)}.")
    chosen = questionary.select(message, choices=list(labels)).unsafe_ask()
    return list(labels).index(chosen)


def _number_ok(text: str) -> bool | str:
    return parse_number(text) is not None or "Type a number, like 4,500 or 4.5k"


def _date_ok(text: str) -> bool | str:
    return parse_date(text) is not None or "Type a date, like 7 January 2022 or Jan 7"


def header(out: Console, q: Question, total: int, asked: int, correct: int,
           due_left: int | None = None) -> None:
    """`Card 3 of 20 · Deck title · 5 due left · score 2/2`: due left counts due
    reviews and missed cards still to come (review mode, when there are any)."""
    score = f" · score {correct}/{asked}" if asked else ""
    again = " · again" if q.again else ""
    due = f" · {due_left} due left" if due_left else ""
    out.print(f"\n[bold]Card {q.number} of {total}[/bold] · {safe(q.deck.title)}{again}{due}"
              f"{score}")


SELF_GRADES = ("Hard", "Good", "Easy")


def ask_self_grade() -> str:
    """After a right answer: how hard was it to recall? (Good is the default.)"""
    if plain_prompts():
        while True:
            text = _line("How was it to recall? [h]ard, [G]ood, [e]asy: ").lower()
            for grade in SELF_GRADES:
                if grade.lower().startswith(text or "g"):
                    return grade
            print("  Type h, g or e (Enter: good).")
    return str(questionary.select("How was it to recall?", choices=list(SELF_GRADES),
                                  default="Good").unsafe_ask())


def feedback(out: Console, a: Answered) -> None:
    v = a.verdict
    card = a.question.card
    if v.outcome is Outcome.RIGHT:
        out.print("[green]✓ Right.[/green]")
    elif v.outcome is Outcome.PARTLY:
        out.print(f"[yellow]~ Partly right.[/yellow] The answer: {safe(v.expected)}")
    else:
        out.print(f"[red]✗ Wrong.[/red] The answer: {safe(v.expected)}")
    if v.hint:
        out.print(f"  {safe(v.hint)}")
    if card.explain:
        out.print(f"  {safe(card.explain.strip())}")
    source = a.question.deck.sources.get(card.source or "")
    if source is not None:
        out.print(f"  [dim]Source: {safe(source.cite())}[/dim]")


def summary(out: Console, s: Summary, interrupted: bool) -> None:
    if interrupted:
        out.print("\n[bold]Stopped.[/bold] Every answer so far is saved.")
    if not s.asked:
        out.print("No questions answered.")
    else:
        minutes, seconds = divmod(int(s.seconds), 60)
        out.print(f"\n[bold]{s.asked} asked, {s.correct} correct ({s.partly} partly), "
                  f"score {s.score:.0f}%[/bold] in {minutes}m {seconds:02d}s")
        for tag, t in sorted(s.by_tag.items()):
            out.print(f"  {safe(tag):<12} {t.correct}/{t.asked}")
    if s.next_due is not None:
        local = s.next_due.astimezone()
        out.print(f"Next card due: {local:%a %d %b %H:%M}")


# -- quiz add: one card, field by field --------------------------------------------

TYPE_HELP = {
    "text": "text: a typed answer",
    "choice": "choice: pick one of several",
    "multi": "multi: pick every right one",
    "number": "number: a figure",
    "date": "date: a day",
    "truefalse": "truefalse: true or false",
    "order": "order: put items in order",
    "cloze": "cloze: fill in the ___ blank",
}


def _items(text: str) -> list[str]:
    return [i.strip() for i in text.split(",") if i.strip()]


def ask_card(deck: Deck) -> dict[str, object]:
    """Ask for a new card's fields; returns them as a dict for the deck file."""
    import datetime as dt

    from quiz.authoring import slug
    from quiz.grading import parse_date, parse_number
    from quiz.loader import ID_PATTERN

    taken = {c.id for c in deck.cards}
    labels = list(TYPE_HELP.values())
    picked = questionary.select("Card type?", choices=labels).unsafe_ask()
    ctype = list(TYPE_HELP)[labels.index(picked)]

    def question_ok(text: str) -> bool | str:
        if not text.strip():
            return "Type the question"
        if ctype == "cloze" and BLANK not in text:
            return f"Mark the blank with {BLANK}"
        return True

    question = str(questionary.text("Question:", validate=question_ok).unsafe_ask()).strip()
    fields: dict[str, object] = {"question": question, "type": ctype}
    if ctype in ("choice", "multi"):
        def choices_ok(text: str) -> bool | str:
            items = _items(text)
            return len(items) >= 2 and len(set(items)) == len(items) or \
                "At least two different choices, separated by commas"

        choices = _items(str(questionary.text("Choices (separated by commas):",
                                              validate=choices_ok).unsafe_ask()))
        fields["choices"] = choices
        if ctype == "choice":
            fields["answer"] = questionary.select("The right one:", choices=choices).unsafe_ask()
        else:
            fields["answer"] = questionary.checkbox(
                "The right ones:", choices=choices,
                validate=lambda xs: bool(xs) or "Pick at least one").unsafe_ask()
    elif ctype == "truefalse":
        fields["answer"] = questionary.select("The answer:", choices=["true", "false"]
                                              ).unsafe_ask() == "true"
    elif ctype == "order":
        fields["answer"] = _items(str(questionary.text(
            "The items in their right order, separated by commas:",
            validate=lambda t: len(_items(t)) >= 2 or "At least two items").unsafe_ask()))
    elif ctype == "number":
        text = str(questionary.text("The answer:", validate=_number_ok).unsafe_ask())
        value = parse_number(text)
        assert value is not None
        fields["answer"] = int(value) if float(value).is_integer() else value
    elif ctype == "date":
        text = str(questionary.text("The answer:", validate=_date_ok).unsafe_ask())
        parsed = parse_date(text)
        assert parsed is not None
        day = parsed.readings[0]  # an ambiguous 7/1 is read month first, as dateutil does
        if not parsed.has_year:
            day = day.replace(year=deck.year or dt.date.today().year)
        fields["answer"] = day
    else:
        fields["answer"] = str(questionary.text(
            "The answer:", validate=lambda t: bool(t.strip()) or "Type the answer").unsafe_ask()
        ).strip()
    if ctype in ("text", "choice", "cloze"):
        fields["accept"] = _items(str(questionary.text(
            "Other answers that count as right (commas; Enter for none):").unsafe_ask()))
    fields["tags"] = _items(str(questionary.text("Tags (commas; Enter for none):").unsafe_ask()))
    if deck.sources:
        none = "(no source)"
        keys = [none, *deck.sources]
        source = questionary.select("Source:", choices=keys).unsafe_ask()
        fields["source"] = None if source == none else source
    fields["explain"] = str(questionary.text("Explanation shown after the answer (Enter for "
                                             "none):").unsafe_ask()).strip() or None
    import re

    def id_ok(text: str) -> bool | str:
        if not re.fullmatch(ID_PATTERN, text):
            return "Letters, digits and . _ : - only"
        return text not in taken or f"'{text}' is already a card of this deck"

    fields["id"] = str(questionary.text("Card id:", default=slug(question, taken),
                                        validate=id_ok).unsafe_ask()).strip()
    return fields
