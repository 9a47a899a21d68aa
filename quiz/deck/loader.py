"""Deck files -> validated `Deck`s, with every problem as FILE:LINE:COL.

The field tables below are the single source of truth for the deck format:
the JSON Schema in `deck.schema.json` and `docs/deck-format.md` are checked
against them by the tests.

Over 500 lines on purpose: it is one job, a reader per field with the exact
message for each mistake an author makes, and splitting the field readers
from the tables that drive them would only scatter the format.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quiz.cloze import MAX_NUMBERS, blanked, deletions
from quiz.deck import yamltree
from quiz.deck.pools import AnswerPools
from quiz.deck.yamltree import Map, Node, Scalar, ScalarTypeError, Seq, decode, parse, plain_value
from quiz.errors import DeckError, Problem
from quiz.figures import figure, full_date, number_readings, numeric_answer, split_list
from quiz.models import BLANK, Answer, Card, CardType, Deck, Source
from quiz.reading import ReadError, read_capped

DECK_FIELDS = ("id", "title", "description", "year", "escalate", "sources", "cards")
SOURCE_FIELDS = ("outlet", "date", "title", "url")
COMMON_CARD_FIELDS = (
    "id", "type", "question", "answer", "tags", "source", "explain", "kind", "context", "draft",
    "group",
)
TYPE_FIELDS: dict[CardType, tuple[str, ...]] = {
    CardType.TEXT: ("accept", "reverse"),
    CardType.CHOICE: ("choices", "accept", "escalate"),
    CardType.MULTI: ("choices",),
    CardType.NUMBER: ("tolerance", "qualifier", "unit"),
    CardType.DATE: (),
    CardType.TRUEFALSE: (),
    CardType.ORDER: (),
    CardType.CLOZE: ("accept",),
    CardType.BASIC: ("reverse",),
}
ALL_CARD_FIELDS = COMMON_CARD_FIELDS + tuple(
    dict.fromkeys(f for fields in TYPE_FIELDS.values() for f in fields)
)
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}"
_ID = re.compile(ID_PATTERN)
_YES = {"yes", "true", "y"}
_NO = {"no", "false", "n"}


def _plain(value: float) -> str:
    """A figure as a deck may write it: 4500, 4.5."""
    return f"{value:f}".rstrip("0").rstrip(".")


def _a(word: str) -> str:
    """'a text', 'an order'."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


# what a plain item of a [ ] list cannot hold as it is (a comma ends the item)
_NEEDS_QUOTES = re.compile(r"[,\[\]{}#&*!|>'\"%@`]|^[-?:](?:\s|$)|:(?:\s|$)|^\s|\s$")


def _as_list(items: list[str]) -> str:
    """Items as a YAML flow list, the way an author would write them, quoted
    where YAML needs it: [Astana, "4,500"]."""
    return "[" + ", ".join(f'"{i}"' if _NEEDS_QUOTES.search(i) and '"' not in i else i
                           for i in items) + "]"


# what makes a figure written as text more than a plain number (which YAML
# reads as a number anyway): a thousands comma, a scale word or a qualifier
_WRITTEN_FIGURE = re.compile(r"\d,\d{3}|\d\s*(?:thousand|million|billion)\b|^\D", re.I)
_CODE = re.compile(r"0\d")  # 0755: a code, not a figure

# In a [ ] list a comma always ends an item: [4,500, 225] is 4, 500 and 225.
_FIGURE_HEAD = re.compile(r"[-+]?\d{1,3}")
_FIGURE_TAIL = re.compile(r"\d{3}(?:\.\d+)?")


def _split_figures(items: list[Scalar]) -> list[list[Scalar]]:
    """The items of a list grouped where YAML split a figure with a comma:
    plain items on one line, the next starting right after the comma (no
    space), 1-3 digits then groups of exactly 3."""
    groups: list[list[Scalar]] = []
    for item in items:
        last = groups[-1][-1] if groups else None
        if (last is not None and item.plain and last.plain and item.line == last.line
                and item.col == last.col + len(last.text) + 1
                and _FIGURE_TAIL.fullmatch(item.text)
                and _FIGURE_HEAD.fullmatch(groups[-1][0].text)
                and all(_FIGURE_TAIL.fullmatch(g.text) for g in groups[-1][1:])):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def did_you_mean(word: str, options: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def load_deck(path: Path, *, cache: bool = True) -> Deck:
    """Read and validate one deck file; raise DeckError listing every problem.

    Big decks that validated clean before are read from the parsed-deck
    cache (see `deckcache`), keyed by the file's bytes."""
    name = str(path)
    try:
        data = read_capped(path, yamltree.MAX_BYTES, "decks")
    except ReadError as e:
        raise DeckError([Problem(name, 0, 0, e.reason)]) from None
    from quiz.deck import cache as deckcache
    from quiz.gcpause import paused

    digest = deckcache.key(data)  # hashed once: the cache's key and the deck's digest
    with paused():
        deck = deckcache.get(data, digest) if cache else None
        if deck is None:
            deck = read_deck(data, name)
            if cache:
                deckcache.put(data, digest, deck)
    return Deck(
        deck.id, deck.title, deck.cards, deck.sources, deck.description, deck.year, path,
        digest,
    )


def read_deck(data: bytes | str, name: str) -> Deck:
    """Validate deck text; `name` is what messages call the file."""
    if isinstance(data, bytes):
        text, problems = decode(data, name)
        if text is None:
            raise DeckError(problems)
    else:
        text = data
    root, problems = parse(text, name)
    reader = _Reader(name, problems)
    deck = reader.deck(root) if root is not None or not problems else None
    if reader.problems or deck is None:
        raise DeckError(reader.problems)
    return deck


class _Reader:
    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        self.unreadable: set[tuple[int, int]] = set()  # values typed() could not read
        self.card_cols: dict[str, int] = {}
        self.declared_sources: set[str] = set()
        self.deck_escalate = False  # the deck's `escalate`: its choice cards' default

    # -- helpers -----------------------------------------------------------

    def err(self, node: Node, message: str) -> None:
        if (node.line, node.col) in self.unreadable:
            return  # typed() said what is wrong with this value, once
        self.problems.append(Problem(self.path, node.line + 1, node.col + 1, message))

    def fields(self, m: Map, allowed: tuple[str, ...], what: str,
               applies: Callable[[str], str | None] | None = None) -> None:
        before: Node | None = None  # the value of the field before this one
        for name, (key, value) in m.pairs.items():
            last, before = before, value
            if name in allowed:
                continue
            if (isinstance(last, Scalar) and last.plain and key.plain
                    and key.line == last.line and key.col == last.col + len(last.text) + 1
                    and re.search(r"\d$", last.text) and _FIGURE_TAIL.fullmatch(name)):
                # `{answer: about 2,000}`: in { } a comma ends the value
                figure = f"{last.text},{name}"
                self.err(last, f"'{figure}' in a {{ }} mapping is cut at its comma in YAML, "
                               f"leaving a field '{name}': quote it, \"{figure}\"")
                continue
            reason = applies(name) if applies else None
            if reason:
                self.err(key, reason)
            else:
                glued = re.match(r"(\w+)\s*(:|=|\s)", name)
                if glued and glued.group(1) in allowed:  # `title:"X: y"`, `answer = x: y`
                    how = ("a space must follow the ':'" if glued.group(2) == ":" else
                           "write it as 'name: value'")
                    self.err(key, f"unknown field '{name}' in {what}: it looks like the field "
                                  f"'{glued.group(1)}'; {how}")
                    continue
                self.err(key, f"unknown field '{name}' in {what}{did_you_mean(name, allowed)}")

    def text(self, m: Map, name: str, what: str, required: bool = False) -> str | None:
        pair = m.pairs.get(name)
        if pair is None:
            if required:
                self.err(m, f"{what} has no '{name}'")
            return None
        key, node = pair
        if not isinstance(node, Scalar):
            self.err(node, f"'{name}' must be text, not a {_shape(node)}")
            return None
        value = node.text.strip()
        if not value or (node.plain and node.text in ("~", "null", "Null", "NULL")):
            if required:
                self.err(key, f"'{name}' is empty")
            return None
        return value

    def text_list(self, m: Map, name: str) -> tuple[str, ...] | None:
        pair = m.pairs.get(name)
        if pair is None:
            return None
        node = pair[1]
        if isinstance(node, Scalar):
            if (node.plain and "," in node.text and name != "answer"
                    and numeric_answer(node.text) is None):  # 4,500 is one
                # `tags: dates, figures` is one tag, 'dates, figures', in YAML
                items = split_list(node.text)
                self.err(node, f"'{name}' is one text here, '{node.text.strip()}': write "
                               f"several as a list, {_as_list(items)} (or quote one text that "
                               "holds a comma)")
                return tuple(items)
            return (node.text.strip(),) if node.text.strip() else ()
        if isinstance(node, Map):
            self.err(node, f"'{name}' must be a list of text, not a mapping")
            return None
        out: list[str] = []
        scalars: list[Scalar] = []
        for item in node.items:
            if not isinstance(item, Scalar):
                self.err(item, f"each item of '{name}' must be text, not a {_shape(item)}")
                continue
            if not item.text.strip():
                self.err(item, f"empty item in '{name}'")
                continue
            scalars.append(item)
        for group in _split_figures(scalars):
            figure = ",".join(g.text for g in group).strip()
            if len(group) > 1:
                parts = ", ".join(g.text for g in group)
                self.err(group[0], f"'{figure}' in a [ ] list is {len(group)} items in YAML "
                                   f"({parts}): quote it, \"{figure}\"")
            out.append(figure)
        return tuple(out)

    def ident(self, m: Map, what: str) -> str | None:
        value = self.text(m, "id", what, required=True)
        if value is not None and not _ID.fullmatch(value):
            self.err(m.pairs["id"][1],
                     f"id '{value}' may only use letters, digits and . _ : - "
                     "(no spaces, at most 100 characters)")
            return None
        return value

    def typed(self, node: Scalar) -> object:
        try:
            return plain_value(node)
        except ScalarTypeError as e:
            self.err(node, str(e))
            self.unreadable.add((node.line, node.col))
            return None

    # -- the deck ----------------------------------------------------------

    def deck(self, root: Node | None) -> Deck | None:
        if root is None:
            self.problems.append(Problem(self.path, 0, 0, "the file is empty; a deck needs "
                                         "id, title and cards"))
            return None
        if not isinstance(root, Map):
            self.err(root, f"a deck is a mapping with id, title and cards, not a {_shape(root)}")
            return None
        self.fields(root, DECK_FIELDS, "the deck")
        deck_id = self.ident(root, "the deck")
        title = self.text(root, "title", "the deck", required=True)
        description = self.text(root, "description", "the deck")
        year = self.year(root)
        self.deck_escalate = self.flag(root, "escalate")
        sources = self.sources(root)
        cards = self.cards(root)
        if deck_id is None or title is None:
            return None
        deck = Deck(deck_id, title, tuple(cards), sources, description, year)
        self.check_pools(deck)
        return deck

    def year(self, root: Map) -> int | None:
        pair = root.pairs.get("year")
        if pair is None:
            return None
        node = pair[1]
        value = self.typed(node) if isinstance(node, Scalar) else None
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 9999:
            self.err(node, "'year' must be a year like 2022")
            return None
        return value

    def sources(self, root: Map) -> dict[str, Source]:
        pair = root.pairs.get("sources")
        if pair is None:
            return {}
        node = pair[1]
        if not isinstance(node, Map):
            self.err(node, "'sources' must map a short key to outlet, date and title")
            return {}
        out: dict[str, Source] = {}
        self.declared_sources = set(node.pairs)  # a broken one is reported once, here
        for key, (knode, value) in node.pairs.items():
            if not _ID.fullmatch(key):
                self.err(knode, f"source key '{key}' may only use letters, digits and . _ : -")
                continue
            if not isinstance(value, Map):
                self.err(value if value.line else knode,
                         f"source '{key}' must be a mapping with outlet, date and title")
                continue
            what = f"source '{key}'"
            self.fields(value, SOURCE_FIELDS, what)
            outlet = self.text(value, "outlet", what, required=True)
            title = self.text(value, "title", what, required=True)
            date = self.source_date(value, what)
            url = self.text(value, "url", what)
            if outlet and title and date:
                out[key] = Source(key, outlet, date, title, url)
        return out

    def source_date(self, m: Map, what: str) -> str | None:
        pair = m.pairs.get("date")
        if pair is None:
            self.err(m, f"{what} has no 'date' (YYYY-MM-DD, or YYYY-MM when the day is unknown)")
            return None
        node = pair[1]
        if isinstance(node, Scalar):
            value = self.typed(node)
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
                return value
        self.err(node, f"{what}: 'date' must be YYYY-MM-DD, or YYYY-MM when the day is unknown")
        return None

    def cards(self, root: Map) -> list[Card]:
        pair = root.pairs.get("cards")
        if pair is None:
            self.err(root, "the deck has no 'cards'")
            return []
        node = pair[1]
        if not isinstance(node, Seq):
            self.err(node, "'cards' must be a list of cards (each item starts with '- ')")
            return []
        if not node.items:
            self.err(node, "the deck has no cards")
        cards: list[Card] = []
        first_line: dict[str, int] = {}
        made_by: dict[str, str] = {}  # ids of cards made from another: its id
        for item in node.items:
            if not isinstance(item, Map):
                self.err(item, f"a card is a mapping with id, question and answer, "
                         f"not a {_shape(item)}")
                continue
            id_node = item.pairs.get("id", (None, None))[1]
            card_id = id_node.text.strip() if isinstance(id_node, Scalar) else ""
            duplicate = card_id in first_line
            if duplicate and card_id in made_by:
                self.err(item.pairs["id"][1], f"card id '{card_id}' is taken: the card "
                         f"'{made_by[card_id]}' at line {first_line[card_id]} makes it; "
                         "rename this one")
            elif duplicate:
                self.err(item.pairs["id"][1], f"duplicate card id '{card_id}' (first used at "
                         f"line {first_line[card_id]}); ids must be unique in a deck")
            elif card_id:
                first_line[card_id] = item.line + 1
            made = self.card(item)  # its own mistakes are worth saying too
            if duplicate:
                continue
            for card in made[1:]:  # the other way round, or a blank of several
                if card.id in first_line:
                    self.err(item.pairs["id"][1], f"card '{card_id}' makes a card '{card.id}', "
                             f"but that id is taken (line {first_line[card.id]}); rename one")
                    break
                first_line[card.id] = item.line + 1
                made_by[card.id] = card_id
            else:
                cards.extend(made)
        return cards

    # -- one card ----------------------------------------------------------

    def card(self, m: Map) -> list[Card]:
        """The card of this mapping, and the cards made from it: the other way
        round (`reverse: true`), or one per numbered blank of a cloze. None
        when it has a mistake (said in `problems`)."""
        before = len(self.problems)
        card_id = self.ident(m, "this card")
        what = f"card '{card_id}'" if card_id else "this card"
        question = self.text(m, "question", what, required=True)
        ctype = self.card_type(m, question, what)
        if ctype is not None:
            allowed = COMMON_CARD_FIELDS + TYPE_FIELDS[ctype]

            def applies(name: str) -> str | None:
                if name in ALL_CARD_FIELDS:
                    return f"'{name}' does not apply to a {ctype.value} card"
                return None

            self.fields(m, allowed, what, applies)
        else:
            self.fields(m, ALL_CARD_FIELDS, what)
        tags = self.text_list(m, "tags") or ()
        source = self.text(m, "source", what)
        if source is not None and source not in self.declared_sources:
            names = sorted(self.declared_sources)  # a broken one too: it is reported there
            hint = did_you_mean(source, names)
            if not names:
                hint = " (the deck has no 'sources')"
            elif not hint:
                hint = f"; its sources: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''}"
            self.err(m.pairs["source"][1],
                     f"source '{source}' is not one of the deck's sources{hint}")
        explain = self.text(m, "explain", what)
        kind = self.text(m, "kind", what)
        group = self.text(m, "group", what)
        context = self.text(m, "context", what)
        draft = self.flag(m, "draft")
        reverse = self.flag(m, "reverse")
        escalate = self.flag(m, "escalate") if "escalate" in m.pairs else (
            self.deck_escalate and ctype is CardType.CHOICE)
        if ctype is None:
            return []
        # numbered blanks hold the answers: a cloze with an `answer` has one ___
        # (and braces in it are its own text)
        numbered = (ctype is CardType.CLOZE and question is not None
                    and "answer" not in m.pairs and bool(deletions(question)))
        if numbered:
            assert question is not None
            made = self.numbered_cloze(m, question, what)
            if card_id is None or len(self.problems) > before:
                return []
            return [Card(f"{card_id}:c{n}", ctype, q, a, tags=tags, source=source,
                         explain=explain, kind=kind, context=context, draft=draft,
                         line=m.line + 1, note=card_id, template=question, group=group)
                    for n, q, a in made]
        # the answer is checked even when the id or the question is wrong:
        # validate says every mistake at once
        answer = self.answer(m, ctype, what)
        extra = self.type_fields(m, ctype, answer, question, what)
        if card_id is None or question is None or answer is None or len(self.problems) > before:
            return []
        self.card_cols[card_id] = m.col + 1
        card = Card(card_id, ctype, question, answer, tags=tags, source=source, explain=explain,
                    kind=kind, context=context, draft=draft, line=m.line + 1, reverse=reverse,
                    escalate=escalate, group=group, **extra)
        if not reverse:
            return [card]
        assert isinstance(answer, str)
        # the other way round: the answer asked, the question to recall; what
        # the card accepts as its answer is no question of the other one
        back = Card(f"{card_id}:reverse", ctype, answer, question, tags=tags, source=source,
                    explain=explain, kind=None, context=context, draft=draft,
                    line=m.line + 1, note=card_id, group=group)
        return [card, back]

    def numbered_cloze(self, m: Map, text: str, what: str) -> list[tuple[int, str, str]]:
        """A cloze written with numbered blanks, {{c1::answer}} or
        {{c1::answer::hint}}: (number, question, answer) for each number,
        that blank shown as ___ and the others filled in."""
        node = m.pairs["question"][1]
        if "accept" in m.pairs:
            self.err(m.pairs["accept"][0], "'accept' does not apply to a cloze with numbered "
                     "blanks: each blank holds its answer ({{c1::answer}})")
        if BLANK in text:
            self.err(node, f"a cloze has either one blank written {BLANK} or numbered blanks "
                     "({{c1::...}}), not both")
        found = deletions(text)
        numbers = sorted({d.number for d in found})
        if len(numbers) > MAX_NUMBERS:
            self.err(node, f"a cloze with {len(numbers):,} numbered blanks; at most "
                     f"{MAX_NUMBERS}")
            return []
        made = []
        for n in numbers:
            question, hidden = blanked(text, found, n)
            if not hidden:
                self.err(node, f"the blank c{n} is empty: write {{{{c{n}::the answer}}}}")
            elif len(hidden) > 1:
                self.err(node, f"c{n} is used {len(hidden)} times; a card has one blank: "
                         "number them c1, c2, ...")
            else:
                made.append((n, question, hidden[0]))
        return made

    def flag(self, m: Map, name: str) -> bool:
        pair = m.pairs.get(name)
        if pair is None:
            return False
        node = pair[1]
        value = self.typed(node) if isinstance(node, Scalar) else None
        if not isinstance(value, bool):
            self.err(node, f"'{name}' must be true or false")
            return False
        return value

    def card_type(self, m: Map, question: str | None, what: str) -> CardType | None:
        pair = m.pairs.get("type")
        if pair is not None:
            node = pair[1]
            name = node.text.strip() if isinstance(node, Scalar) else ""
            try:
                return CardType(name)
            except ValueError:
                names = [t.value for t in CardType]
                self.err(node, f"unknown card type '{name}'{did_you_mean(name, names)}; "
                         f"types are {', '.join(names)}")
                return None
        if question and "answer" not in m.pairs and deletions(question):
            return CardType.CLOZE  # {{c1::...}}: the blanks hold the answers
        apair = m.pairs.get("answer")
        if apair is None:
            self.err(m, f"{what} has no 'answer'")
            return None
        node = apair[1]
        has_choices = "choices" in m.pairs
        if isinstance(node, Seq):
            return CardType.MULTI if has_choices else CardType.ORDER
        if isinstance(node, Map):
            self.err(node, "'answer' must be text, a number, a date, true/false or a list")
            return None
        if has_choices:
            return CardType.CHOICE
        value = self.typed(node)
        if isinstance(value, bool):
            return CardType.TRUEFALSE
        if isinstance(value, dt.date):
            return CardType.DATE
        if isinstance(value, int | float):
            return CardType.NUMBER
        if question and BLANK in question:
            return CardType.CLOZE
        if (isinstance(value, str) and isinstance(node, Scalar) and node.plain
                and "accept" not in m.pairs):
            # A day or a figure written out ('7 January 2022', 'about 2,000'):
            # as text, the same day or figure written another way would be
            # wrong. Quoted text, a card with other answers to accept, and a
            # code such as 0755 stay text.
            if full_date(value) is not None:
                return CardType.DATE
            found = figure(value)
            if found is not None and _WRITTEN_FIGURE.search(value) and not _CODE.match(value):
                return CardType.NUMBER
        return CardType.TEXT

    def answer(self, m: Map, ctype: CardType, what: str) -> Answer | None:
        pair = m.pairs.get("answer")
        if pair is None:
            self.err(m, f"{what} has no 'answer'")
            return None
        node = pair[1]
        if ctype in (CardType.MULTI, CardType.ORDER):
            if not isinstance(node, Seq):
                listed = ""
                if isinstance(node, Scalar) and node.plain and "," in node.text:
                    listed = ": write " + _as_list(split_list(node.text))
                self.err(node, f"the answer of {_a(ctype.value)} card is a list{listed}")
                return None
            items = self.text_list(m, "answer")
            if items is None:
                return None
            least = 2 if ctype is CardType.ORDER else 1
            if len(items) < least:
                self.err(node, f"the answer of {_a(ctype.value)} card needs at least {least} items")
                return None
            return items if self.unique(node, items, "answer") else None
        if not isinstance(node, Scalar):
            self.err(node, f"the answer of {_a(ctype.value)} card is a single value, "
                     f"not a {_shape(node)}")
            return None
        if ctype is CardType.NUMBER and not self.unambiguous(node):
            return None
        before = len(self.problems)
        value = self.typed(node)
        if len(self.problems) > before:
            return None  # typed() said what is wrong
        if ctype is CardType.NUMBER:
            if isinstance(value, str):
                found = figure(value)  # '4,500', 'about 2,000' (its qualifier: type_fields)
                value = found[0] if found is not None else value
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
            meant = number_readings(node.text)  # '1.000.000', thousands grouped with dots
            write = f": write {_plain(meant[0])}" if len(meant) == 1 else ""
            self.err(node, f"the answer of a number card must be a number, like 4500 or 2.5{write}")
            return None
        if ctype is CardType.DATE:
            if isinstance(value, str):
                value = full_date(value) or value  # '7 January 2022', 'Jan 7, 2022'
            if isinstance(value, dt.date):
                return value
            self.err(node, "the answer of a date card is a day with its month and year, "
                           "written like 2022-01-07 or 7 January 2022")
            return None
        if ctype is CardType.TRUEFALSE:
            if isinstance(value, str) and value.strip().lower() in _YES | _NO:
                value = value.strip().lower() in _YES
            if isinstance(value, bool):
                return value
            self.err(node, "the answer of a truefalse card must be true or false")
            return None
        text = node.text.strip()
        if not text:
            self.err(node, "the answer is empty")
            return None
        return text

    def unambiguous(self, node: Scalar) -> bool:
        """A figure like 4.500 is 4.5 to YAML but 4,500 with the dot that much
        of Europe puts between thousands: the author says which."""
        readings = number_readings(node.text)
        if len(readings) < 2:
            return True
        self.err(node, f"'{node.text.strip()}' could be {_plain(readings[0])} or "
                       f"{_plain(readings[1])} (with a dot between thousands, as much of "
                       "Europe writes it): write the one you mean")
        return False

    def unique(self, node: Node, items: tuple[str, ...], name: str) -> bool:
        seen: set[str] = set()
        for item in items:
            if item.casefold() in seen:
                self.err(node, f"'{item}' appears twice in '{name}'")
                return False
            seen.add(item.casefold())
        return True

    def type_fields(self, m: Map, ctype: CardType, answer: Answer | None, question: str | None,
                    what: str) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if "accept" in TYPE_FIELDS[ctype]:
            extra["accept"] = self.text_list(m, "accept") or ()
        if ctype in (CardType.CHOICE, CardType.MULTI):
            choices = self.text_list(m, "choices")
            node = m.pairs["choices"][1] if "choices" in m.pairs else m
            if choices is not None:
                if len(choices) < 2:
                    self.err(node, "'choices' needs at least 2 items")
                elif self.unique(node, choices, "choices"):
                    extra["choices"] = choices
                    wanted = answer if isinstance(answer, tuple) else (answer,)
                    for a in wanted:
                        if isinstance(a, str) and a not in choices:
                            close = [c for c in choices if c.casefold() == a.casefold()]
                            hint = f" (did you mean '{close[0]}'?)" if close else ""
                            self.err(node, f"the answer '{a}' is not among the choices{hint}")
            elif ctype is CardType.MULTI:
                self.err(m, f"{what}: a multi card needs 'choices' to pick from")
        if ctype is CardType.NUMBER:
            pair = m.pairs.get("tolerance")
            if pair is not None:
                node = pair[1]
                tol = self.typed(node) if isinstance(node, Scalar) else None
                if isinstance(tol, int | float) and not isinstance(tol, bool) and tol >= 0:
                    extra["tolerance"] = float(tol)
                else:
                    self.err(node, "'tolerance' must be a number of 0 or more")
            for name in ("qualifier", "unit"):
                value = self.text(m, name, what)
                if value is not None:
                    extra[name] = value
            node = m.pairs["answer"][1]
            if "qualifier" not in extra and isinstance(node, Scalar):  # 'about 2,000'
                found = figure(node.text)
                if found is not None and found[1] is not None:
                    extra["qualifier"] = found[1]
        if ctype is CardType.CLOZE and question is not None:
            blanks = question.count(BLANK)
            if blanks != 1:
                node = m.pairs["question"][1]
                self.err(node, f"a cloze question has exactly one blank written {BLANK} "
                         f"(found {blanks})")
        return extra

    def check_pools(self, deck: Deck) -> None:
        pools = AnswerPools(deck)
        for card in deck.cards:
            if card.type is not CardType.CHOICE or card.choices is not None:
                continue
            assert isinstance(card.answer, str)
            if numeric_answer(card.answer) is not None:
                continue
            found = pools.count_others(card)
            if found < 2:
                where = f"kind '{card.kind}'" if card.kind else (
                    f"tag '{card.tags[0]}'" if card.tags else "no kind or tag")
                others = "no other answers" if not found else "only 1 other answer"
                fix = "give more cards that kind" if card.kind else "set 'kind'"
                self.problems.append(Problem(
                    self.path, card.line, self.card_cols.get(card.id, 1),
                    f"card '{card.id}' has no 'choices' and the deck has {others} with "
                    f"{where} to draw them from; list 'choices' or {fix}"))


def _shape(node: Node) -> str:
    if isinstance(node, Map):
        if len(node.pairs) == 1:  # `- Almaty: the old capital`, `[a, b: c]`
            return "mapping (a ': ' in it made one; put the text in quotes)"
        return "mapping"
    if isinstance(node, Seq):
        return "list"
    return "value"
