"""Figures, dates, counts and answers written as a person reads them."""

from __future__ import annotations

import datetime as dt

from quiz.models import Card, CardType


def count(n: int, noun: str) -> str:
    """'1 session', '2 sessions', '1,204 answers'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def format_number(value: float) -> str:
    """4500 -> '4,500'; 2.5 -> '2.5'."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,}"


def format_date(value: dt.date) -> str:
    """2022-01-07 -> '7 January 2022' (unambiguous in every locale)."""
    return f"{value.day} {value:%B %Y}"


def answer_text(card: Card) -> str:
    """The card's answer as a person would write it."""
    a = card.answer
    if card.type is CardType.NUMBER:
        assert isinstance(a, int | float) and not isinstance(a, bool)
        text = format_number(a)
        if card.unit:
            text = f"{text} {card.unit}"
        return f"{card.qualifier} {text}" if card.qualifier else text
    if card.type is CardType.DATE:
        assert isinstance(a, dt.date)
        return format_date(a)
    if card.type is CardType.TRUEFALSE:
        return "True" if a else "False"
    if card.type is CardType.ORDER:
        assert isinstance(a, tuple)
        return " -> ".join(a)
    if isinstance(a, tuple):
        return ", ".join(a)
    return str(a)
