"""A session's question asked as its card's type wants: typed, chosen, ordered,
and the self-grade after a right answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from quiz.cli.prompts import Check, ask_line, ask_order, choose, choose_many, mark_answered
from quiz.figures import parse_date, parse_number
from quiz.models import BLANK, CardType
from quiz.study.session import Question
from quiz.textsafe import inert


def _message(q: Question) -> str:
    text = inert(q.card.question)
    if q.card.type is CardType.CLOZE:
        text = text.replace(BLANK, "_____")
    return text


def ask(q: Question) -> str | list[str]:
    """Ask one question; returns the learner's answer (a list for multi/order)."""
    message = _message(q)
    t = q.format  # a choice card well known is asked as typed recall
    given: str | list[str]
    if t is CardType.TRUEFALSE:  # typed on a plain terminal: 't', 'yes', 'no', ...
        given = q.options[choose(message, q.options, typed=partial(_true_or_false, q.options))]
    elif t is CardType.CHOICE:
        given = q.options[choose(message, q.options)]
    elif t is CardType.MULTI:
        given = [q.options[i] for i in choose_many(message, q.options)]
    elif t is CardType.ORDER:
        given = ask_order(message, q.options)
    else:
        check = {CardType.NUMBER: number_ok, CardType.DATE: date_ok}.get(t)
        given = ask_line(message, check and _or_unknown(check))
    mark_answered()
    return given


def _true_or_false(options: Sequence[str], text: str) -> int | None:
    from quiz.study.grading import parse_bool

    value = parse_bool(text)
    label = None if value is None else "True" if value else "False"
    return options.index(label) if label in options else None


def number_ok(text: str) -> bool | str:
    return parse_number(text) is not None or "Type a number, like 4,500 or 4.5k"


def figure_ok(text: str) -> bool | str:
    """A new card's answer: a number, and only one ('4.500' is 4.5 to some
    and 4,500 to others; a learner's answer may be either, a card's not)."""
    from quiz.figures import number_readings
    from quiz.wording import format_number

    readings = number_readings(text)
    if len(readings) > 1:
        return (f"{text.strip()} could be {format_number(readings[0])} or "
                f"{format_number(readings[1])}: type the one you mean")
    return bool(readings) or "Type a number, like 4,500 or 4.5k"


def date_ok(text: str) -> bool | str:
    return parse_date(text) is not None or "Type a date, like 7 January 2022 or Jan 7"


def _or_unknown(check: Check) -> Check:
    """`check`, or Enter alone: "I don't know", as at a question with a typed
    answer of any kind (anything else that does not pass is asked again)."""
    def either(text: str) -> bool | str:
        ok = check(text) if text.strip() else True
        return ok if ok is True else f"{ok} (or Enter alone if you don't know)"
    return either


SELF_GRADES = ("Hard", "Good", "Easy")


def ask_self_grade() -> str:
    """After a right answer: how hard was it to recall? (Good is the default.)
    The question says the answer was right, so the learner knows before rating
    it; `feedback(..., told=True)` then leaves that line out."""
    grade = SELF_GRADES[choose("✓ Right. How was it to recall?", SELF_GRADES, default=1)]
    mark_answered()
    return grade


SHOW_BACK = "Any key: show the answer"
RATINGS = ("Again", "Hard", "Good", "Easy")


def ask_flip(q: Question) -> None:
    """A flip card's front, until the learner asks for the back (any key;
    Enter on a plain terminal)."""
    from rich.markup import escape

    from quiz.cli.prompts import console, one_key

    console().print(f"[bold]?[/bold] {escape(_message(q))}", highlight=False)
    one_key(SHOW_BACK, (), any_key=True)
    mark_answered()


def ask_rating(due: Sequence[str] | None) -> str:
    """How the learner recalled a flip card: Again, Hard, Good or Easy
    (Good is the default), each with when the card would come back (`due`,
    in the order of RATINGS) where the schedule is kept."""
    labels = [f"{name:<6} {when}" for name, when in zip(RATINGS, due, strict=True)] if due \
        else list(RATINGS)
    picked = choose("How well did you recall it?", labels, default=2,
                    typed=lambda text: _rating_word(text))
    mark_answered()
    return RATINGS[picked]


def _rating_word(text: str) -> int | None:
    """'again', 'g', 'easy' ... typed for a rating; 'a', 'h', 'g', 'e' too."""
    word = text.strip().casefold()
    for i, name in enumerate(RATINGS):
        if word and name.casefold().startswith(word):
            return i
    return None
