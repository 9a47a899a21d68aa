"""Synthetic decks for the benchmarks: the same shape as the bundled ones.

Cards cycle through text, number, date, choice and multi-select, each with a
question, source, tags and an explanation, about 330 bytes a card (100,000
cards make a file of about 33 MB). Card ids are c0, c1, ... so a history
built by `stats_scale.build` matches them.
"""

from __future__ import annotations

from pathlib import Path

MEMBERS = "[Armenia, Belarus, Kazakhstan, Kyrgyzstan, Russia, Tajikistan]"


def card(i: int) -> str:
    head = (f"  - id: c{i}\n"
            f"    question: In report {i}, what did the envoy say about the mission's "
            f"figure number {i}?\n")
    tail = (f"    source: s{i % 5}\n"
            f"    tags: [{('dates', 'figures', 'quotes', 'members')[i % 4]}]\n"
            f"    explain: >\n      A sentence of context for card {i}, written in the "
            "deck author's own words.\n")
    kind = i % 5
    if kind == 0:
        body = f"    answer: Person Name {i}\n    accept: [Name {i}]\n"
    elif kind == 1:
        body = f"    answer: {1000 + i}\n    tolerance: 10\n"
    elif kind == 2:
        body = f"    answer: 2022-01-{1 + i % 28:02d}\n"
    elif kind == 3:
        body = (f"    type: choice\n    answer: Option {i}\n"
                f"    choices: [Option {i}, Option {i + 1}, Option {i + 2}, Option {i + 3}]\n")
    else:
        body = f"    type: multi\n    answer: [Armenia, Russia]\n    choices: {MEMBERS}\n"
    return head + body + tail


def deck_text(n: int, deck_id: str = "big") -> str:
    sources = "".join(f"  s{k}:\n    outlet: TASS\n    date: 2022-01-{10 + k}\n"
                      f"    title: Report number {k}\n" for k in range(5))
    return (f"id: {deck_id}\ntitle: Synthetic deck of {n:,} cards\nyear: 2022\n"
            f"sources:\n{sources}cards:\n" + "".join(card(i) for i in range(n)))


def write_deck(path: Path, n: int, deck_id: str = "big") -> Path:
    path.write_text(deck_text(n, deck_id), encoding="utf-8")
    return path
