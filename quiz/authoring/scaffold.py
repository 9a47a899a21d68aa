"""`quiz new`: a commented scaffold to fill in.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

from quiz.authoring.deckfile import deck_title, name_text, schema_line, slug
from quiz.errors import UsageError
from quiz.fileio import replace_file

SCAFFOLD = """\
{schema}# A quiz deck. 'quiz validate {name}' checks it, 'quiz add {name}' adds a
# card; the format is described in quiz's docs/deck-format.md. Lines starting
# with # are comments.

# keep the id once you have studied: your history is kept under it
id: {deck_id}
title: {title}
description: What this deck is about, in a sentence or two.
# the year lets an answer of "7 Jan" mean 7 January {year}
year: {year}
sources:
  # a short key of your choice, which each card's `source` names
  my-source:
    outlet: Example News
    date: {today}
    title: The headline of the article
cards:
  # text: typed answers; case, accents and small typos are forgiven
  - id: capital
    question: What is the capital of Kazakhstan?
    answer: Astana
    accept: [Nur-Sultan]          # other answers that count as right
    source: my-source
    tags: [places]
    explain: Shown after the answer, right or wrong.

  # choice: pick one of the choices
  - id: largest-city
    question: Which is the largest city of Kazakhstan?
    answer: Almaty
    choices: [Almaty, Shymkent, Karaganda, Aktobe]

  # multi: pick every right one (the answer is a list)
  - id: neighbours
    question: Which of these countries border Kazakhstan?
    type: multi
    answer: [China, Russia]
    choices: [China, Russia, Mongolia, Tajikistan]

  # number: right within `tolerance`; "more than" and the like go in `qualifier`
  - id: regions
    question: How many regions did Kazakhstan have at the start of 2022?
    answer: 14
    tolerance: 0

  # date: any common way of writing a date is understood
  - id: independence
    question: When did Kazakhstan declare independence?
    answer: 1991-12-16

  # truefalse
  - id: landlocked
    question: Kazakhstan is the largest landlocked country in the world.
    answer: true

  # order: the answer lists the items in their right order
  - id: capitals-in-order
    question: Put the capitals of Kazakhstan in order, oldest first.
    type: order
    answer: [Almaty, Astana]

  # cloze: ___ marks the blank in the question
  - id: currency
    question: The currency of Kazakhstan is the ___.
    answer: tenge

  # cloze with numbered blanks and no answer: a card for each blank
  - id: founding
    question: Kazakhstan declared independence on {{{{c1::16 December}}}} {{{{c2::1991}}}}.

  # choice with escalate: true is asked as typed recall once you know it
  # well (a miss brings the choices back); escalate: true at the top of the
  # deck does this for every choice card
  - id: largest-city-typed
    question: Which is the largest city of Kazakhstan?
    answer: Almaty
    choices: [Almaty, Astana, Shymkent]
    escalate: true

  # basic: a flip card; you see the back and say how well you recalled it.
  # reverse: true asks it the other way round too (also on text cards)
  - id: steppe
    type: basic
    question: What is a steppe?
    answer: A wide plain of grass without trees.
    reverse: true
"""


def scaffold(deck_id: str, title: str, name: str, today: dt.date) -> str:
    return SCAFFOLD.format(schema=schema_line(), deck_id=deck_id, title=_plain(title),
                           name=name, year=today.year, today=today.isoformat())


def _plain(text: str) -> str:
    """A scalar safe to put after `key: ` in hand-written YAML."""
    return json.dumps(text, ensure_ascii=False) if re.search(r"[:#\[\]{},&*!|>'\"%@`]|^\s|\s$",
                                                             text) else text


def new_deck(name: str, folder: Path, today: dt.date, title: str | None = None) -> Path:
    """Write a scaffold deck: NAME is a file name or a path ending in .yaml."""
    given = Path(name).expanduser()
    ascii_name = unicodedata.normalize("NFKD", given.stem).encode("ascii", "ignore").decode()
    if not re.search(r"[A-Za-z0-9]", ascii_name):
        raise UsageError(f"the deck's name {name!r} has no letters or digits (a-z, 0-9) to "
                         "make its id from; give one, and the full title with --title")
    path = given if given.suffix in (".yaml", ".yml") else folder / f"{slug(given.name)}.yaml"
    if path.exists():
        raise UsageError(f"{path}: already exists; choose another name")
    from quiz.deck.catalog import in_known_roots

    deck_id = slug(path.stem)
    # how its comment names it to quiz: by id in a deck folder, where quiz
    # finds it from anywhere; else by the file's name, next to it
    text = scaffold(deck_id, deck_title(given.stem, title, capitalise=True),
                    deck_id if in_known_roots(path) else name_text(path.name), today)
    replace_file(path, text)
    return path
