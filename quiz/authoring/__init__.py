"""Writing decks: a commented scaffold, appending a card without disturbing
the file, and moving cards in and out of CSV/TSV and Anki packages.

No terminal I/O here: the prompts for `quiz add` live in the front end,
which hands over a plain dict of fields.

Edits go through ruamel.yaml's round-trip mode, which keeps the author's
comments, key order, quoting and block scalars (a bundled deck loads and
dumps back byte for byte), and every file is written atomically.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from quiz.errors import Problem, UsageError
from quiz.fileio import replace_file
from quiz.models import BLANK, Card, CardType, Deck, Source, answer_text

# Field order in written cards, as in the bundled decks and the format doc.
CARD_ORDER = ("id", "question", "type", "answer", "accept", "choices", "tolerance", "qualifier",
              "unit", "source", "tags", "kind", "explain", "context", "draft")

# CSV columns: the card's fields, then its source written out, so a CSV file
# alone can rebuild the deck.
CSV_COLUMNS = ("id", "type", "question", "answer", "accept", "choices", "tags", "source",
               "source_outlet", "source_date", "source_title", "explain", "kind", "tolerance",
               "qualifier", "unit")
LIST_FIELDS = ("accept", "choices", "tags")
LIST_SEPARATOR = " | "


def schema_line() -> str:
    from quiz.paths import schema_path

    return f"# yaml-language-server: $schema={schema_path().as_uri()}\n"


def slug(text: str, taken: Iterable[str] = ()) -> str:
    """A card or deck id from free text: 'Who said it?' -> 'who-said-it'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", plain.lower())
    base = "-".join(words[:6]) or "card"
    base = base[:60].strip("-") or "card"
    used = set(taken)
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def name_text(text: str) -> str:
    """A name quiz was handed (a file name, a title typed on the command line)
    made fit to be deck text, on one line: printable text is kept (é, 東京),
    a byte the system could not decode (a surrogate escape) becomes U+FFFD,
    and a control or format character (ESC, a bidi override, a line break)
    becomes a space; runs of spaces become one."""
    out = []
    for ch in text:
        if "\ud800" <= ch <= "\udfff":
            out.append("\ufffd")
        elif ch.isprintable() or ch in "\u200c\u200d":  # joiners that emoji and Persian need
            out.append(ch)
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def deck_title(name: str, title: str | None = None, *, capitalise: bool = False) -> str:
    """A new deck's title, through `name_text`: `title` as given, else (when
    it has nothing printable) made from the file name `name`, its dashes and
    underscores as spaces and, with `capitalise`, each word capitalised.
    Empty only when neither has anything printable."""
    given = name_text(title or "")
    if given:
        return given
    made = name_text(name.replace("-", " ").replace("_", " "))
    if capitalise:  # word by word: str.title() would make "don't" "Don'T"
        made = " ".join(w[:1].upper() + w[1:] for w in made.split(" "))
    return made


# -- a new deck ----------------------------------------------------------------

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


# -- appending a card, keeping the file as it is --------------------------------

def _yaml(text: str = "") -> Any:
    from ruamel.yaml import YAML

    y = YAML()  # round-trip
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap the author's lines
    y.indent(**_indents(text))
    return y


def _indents(text: str) -> dict[str, int]:
    """The deck's own indentation, for ruamel to write back (it re-indents a
    whole file to the one it is given). Defaults: the bundled decks' style."""
    found = {"mapping": 2, "sequence": 4, "offset": 2}
    item = re.search(r"^cards:[ \t]*\r?\n(?:[ \t]*(?:#.*)?\r?\n)*( *)-( +)\S", text, re.M)
    if item:
        found["offset"] = len(item.group(1))
        found["sequence"] = len(item.group(1)) + 1 + len(item.group(2))
    nested = re.search(r"^( *)[^\s#-][^\n]*:[ \t]*\r?\n\1( +)[^\s#-]", text, re.M)
    if nested:
        found["mapping"] = len(nested.group(2))
    return found


def card_map(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The card's fields in the usual order, empty ones left out."""
    return {k: fields[k] for k in CARD_ORDER if fields.get(k) not in (None, "", [], ())}


def _card_node(fields: Mapping[str, Any]) -> Any:
    """A card as a ruamel mapping; lists in flow style ([a, b]), as in the bundled decks."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    card = CommentedMap()
    for key, value in card_map(fields).items():
        if isinstance(value, list | tuple):
            seq = CommentedSeq(value)
            seq.fa.set_flow_style()
            card[key] = seq
        else:
            card[key] = value
    return card


def with_card(raw: str, path: Path, fields: Mapping[str, Any]) -> str:
    """The deck file's text `raw` (a deck that validates) with one card
    appended, everything else kept as written (comments, order, quotes, BOM,
    line ends). Writes nothing: the caller checks the result before it
    replaces the file."""
    bom = raw.startswith("\ufeff")
    text = raw.removeprefix("\ufeff")
    y = _yaml(text)
    data = y.load(text)
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list):
        raise UsageError(f"{path}: no 'cards' list to add to; run 'quiz validate {path}'")
    card = _card_node(fields)
    cards = data["cards"]
    cards.append(card)
    out = io.StringIO()
    y.dump(data, out)
    result = out.getvalue()
    if len(cards) > 1 and not result.endswith("\n\n"):
        # a blank line between cards, when the file uses them
        lines = result.splitlines(keepends=True)
        marker = f"  - id: {card['id']}\n"
        if "\n\n  - id:" in text and marker in lines:
            i = len(lines) - 1 - lines[::-1].index(marker)
            lines.insert(i, "\n")
            result = "".join(lines)
    if "\r\n" in text:  # a file saved with Windows line ends keeps them
        result = result.replace("\r\n", "\n").replace("\n", "\r\n")
    return ("\ufeff" if bom else "") + result


def card_yaml(fields: Mapping[str, Any]) -> str:
    """The card as a YAML list item in the bundled decks' style, for the
    learner to paste under a deck's `cards:` when it could not be added."""
    out = io.StringIO()
    _yaml().dump([_card_node(fields)], out)
    return out.getvalue()


# -- CSV / TSV ---------------------------------------------------------------------

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple | list):
        items = [str(v) for v in value]
        if any("|" in i for i in items) or any(i != i.strip() for i in items):
            return json.dumps(items, ensure_ascii=False)
        return LIST_SEPARATOR.join(items)
    return str(value)


def deck_rows(deck: Deck) -> list[dict[str, str]]:
    rows = []
    for c in deck.cards:
        src = deck.sources.get(c.source or "")
        row = {
            "id": c.id, "type": c.type.value, "question": c.question,
            "answer": _cell(c.answer), "accept": _cell(c.accept), "choices": _cell(c.choices),
            "tags": _cell(c.tags), "source": c.source or "",
            "source_outlet": src.outlet if src else "", "source_date": src.date if src else "",
            "source_title": src.title if src else "", "explain": (c.explain or "").strip(),
            "kind": c.kind or "",
            "tolerance": _cell(c.tolerance) if c.type is CardType.NUMBER else "",
            "qualifier": c.qualifier or "", "unit": c.unit or "",
        }
        rows.append(row)
    return rows


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP's
# list of CSV injection triggers), which a stranger's deck could use to run a
# command or send the sheet's data away: `=HYPERLINK(...)`, `=cmd|...`.
FORMULA_START = "=+-@\t\r"
# quiz's own escape, and the cells that need it: a formula start, after no quote
# or after the quotes a cell that really starts with quotes has
_ESCAPED = re.compile(f"'+[{re.escape(FORMULA_START)}]")
_NEEDS_QUOTE = re.compile(f"'*[{re.escape(FORMULA_START)}]")
# a plain number, such as -5 or +1.5e3, is never a formula: a spreadsheet reads it
# as the number, and an answer of -5 stays -5 in the sheet
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def formula_safe(cell: str) -> str:
    """A cell that a spreadsheet shows as text, never runs as a formula: one
    that starts with = + - @, a tab or a carriage return gets a ' before it,
    as OWASP advises, unless it is a plain number (-5). A cell that starts
    with quotes before one of those gets one more quote, so that
    `unquote_cell` gives back every cell as it was."""
    if _NEEDS_QUOTE.match(cell) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def unquote_cell(cell: str) -> str:
    """`formula_safe` undone: one ' taken from a cell of quotes before = + - @,
    a tab or a carriage return ("'=1+1" -> "=1+1", "''=x" -> "'=x")."""
    return cell[1:] if _ESCAPED.match(cell) else cell


def write_csv(deck: Deck, out: io.TextIOBase | Any, delimiter: str = ",",
              raw: bool = False) -> None:
    """The deck's cards as CSV (or TSV), one row each; cells that a
    spreadsheet would run as formulas are made text (`formula_safe`) unless
    `raw`."""
    w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, delimiter=delimiter, lineterminator="\n")
    w.writeheader()
    rows = deck_rows(deck)
    if not raw:
        rows = [{k: formula_safe(v) for k, v in row.items()} for row in rows]
    w.writerows(rows)


def _split_list(cell: str) -> list[str]:
    cell = cell.strip()
    if cell.startswith("["):
        try:
            items = json.loads(cell)
        except ValueError:
            items = None
        if isinstance(items, list):
            return [str(i) for i in items]
    return [p.strip() for p in cell.split("|") if p.strip()]


_HTML_BREAK = re.compile(r"<br\s*/?>|</div>|</p>", re.I)
_HTML_TAG = re.compile(r"<[^>]+>")


def _from_html(text: str) -> str:
    """Anki exports fields as HTML: line breaks become spaces, tags go."""
    import html

    text = _HTML_BREAK.sub(" ", text)
    text = _HTML_TAG.sub("", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


class Table(NamedTuple):
    """What `quiz import` read: card field dicts, sources, and the line of the
    file each card came from, and each source (for messages about a card or
    source the deck refuses)."""

    cards: list[dict[str, Any]]
    sources: dict[str, dict[str, str]]
    lines: list[int]
    source_lines: dict[str, int]


def read_table(path: Path) -> Table:
    """Cards (field dicts) and sources from a CSV or TSV file.

    Two layouts are read: quiz's own (a header row naming CSV_COLUMNS, at
    least question and answer), and Anki's plain-text export: no header row,
    '#separator:tab'-style lines first, which may name the columns holding
    the note type, deck, GUID and tags; the first two other columns are the
    front and the back, and other fields are left out; a cloze note
    ({{c1::...}}) gives one card per deletion, as in Anki. Without those lines
    (Anki before 2.1.55), a third column of three is the tags. A hand-made
    two-column file is read the same way, with or without a header row such
    as 'front,back' or 'term,definition'.
    """
    from quiz.deck.yamltree import MAX_BYTES
    from quiz.reading import read_capped

    # a pipe, as `quiz import <(curl ...)` gives, is read like a file
    data = read_capped(path, MAX_BYTES, "tables", pipes=True)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:  # a spreadsheet's plain CSV is in its own code page
        raise UsageError(str(Problem.not_utf8(
            path, data, e, "save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')"))) from None
    settings: dict[str, str] = {}
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#") and ":" in lines[skipped]:
        key, _, value = lines[skipped][1:].partition(":")
        settings[key.strip().lower()] = value.strip()
        skipped += 1
    body = lines[skipped:]
    sep = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}.get(
        settings.get("separator", "")) or _separator(body[:20])
    reader = csv.reader(io.StringIO("".join(body)), delimiter=sep)
    try:
        rows = [(reader.line_num + skipped, r) for r in reader if any(c.strip() for c in r)]
    except csv.Error as e:  # a field over the csv module's limit of 131,072 characters
        line = reader.line_num + skipped
        raise UsageError(f"{path}:{line}: cannot read this row ({e})") from None
    if not rows:
        raise UsageError(f"{path}: no cards in this file")
    header = [h.strip().lower() for h in rows[0][1]]
    ours = "question" in header and "answer" in header
    if ours or len(header) >= 2 and header[0] in FRONT_WORDS and header[1] in BACK_WORDS:
        rows = rows[1:]  # a header row: quiz's own, or a two-column file's front,back
        if not rows:
            raise UsageError(f"{path}: no cards in this file, only a header row")
    if ours:
        return _quiz_rows(path, header, rows)
    return _anki_rows(path, rows, settings, sep)


SEPARATOR_NAMES = {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "pipes", " ": "spaces"}


def _separator(sample: Sequence[str]) -> str:
    """The separator of a table with no '#separator:' line: tab, comma or
    semicolon (what spreadsheets set to a comma-decimal language write),
    whichever splits every sampled row into the same two or more fields;
    the most common one when none does."""
    rows = [line for line in sample if line.strip()]
    best, best_rows = ",", 0
    for sep in ("\t", ",", ";"):
        try:
            counts = [len(r) for r in csv.reader(io.StringIO("".join(rows)), delimiter=sep)]
        except csv.Error:  # a field too long to read: the full read says where
            continue
        if counts and min(counts) >= 2 and len(set(counts)) == 1:
            return sep
        split = sum(c >= 2 for c in counts)
        if split > best_rows:
            best, best_rows = sep, split
    return best


# Header rows of hand-made two-column files, read as names, not as a card.
FRONT_WORDS = {"front", "term", "prompt", "word", "q"}
BACK_WORDS = {"back", "definition", "response", "meaning", "a"}


def table_problems(path: Path, table: Table, text: str,
                   problems: Sequence[Problem]) -> list[str]:
    """Problems of the deck built from `table` (as YAML `text`), told at the
    line of `path` each card or source came from: the YAML was never
    written, so its line numbers would point nowhere."""
    from bisect import bisect_right

    from quiz.deck.yamltree import Map, Seq, parse

    tree, _ = parse(text, str(path))
    pairs = tree.pairs if isinstance(tree, Map) else {}
    # where each source and card starts in the YAML, and the row it came from
    spans: list[tuple[int, int | None]] = []
    sources = pairs.get("sources", (None, None))[1]
    if isinstance(sources, Map) and len(sources.pairs) == len(table.sources):
        # in the table's order (by place: a key is read back with its control
        # characters made '?')
        spans += [(key.line + 1, table.source_lines.get(name)) for (key, _), name in
                  zip(sources.pairs.values(), table.sources, strict=True)]
    key, cards = pairs.get("cards", (None, None))
    if key is not None:
        spans.append((key.line + 1, None))  # the end of the sources
    if isinstance(cards, Seq) and len(cards.items) == len(table.lines):
        spans += [(item.line + 1, n) for item, n in zip(cards.items, table.lines, strict=True)]
    spans.sort(key=lambda span: span[0])
    starts = [start for start, _ in spans]

    def row(line: int) -> int | None:
        i = bisect_right(starts, line) - 1
        return spans[i][1] if line > 0 and i >= 0 else None

    out = []
    for p in problems:
        # "first used at line 6" names a line of the YAML too
        message = re.sub(r"\bline (\d+)",
                         lambda m: f"line {row(int(m.group(1))) or m.group(1)}", p.message)
        at = row(p.line)
        # a problem outside every card and source is about the deck as a whole
        out.append(f"{path}:{at}: {message}" if at else f"{path}: {message}")
    return out


def _quiz_rows(path: Path, header: list[str], rows: Sequence[tuple[int, list[str]]],
               ) -> Table:
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise UsageError(f"{path}:1: unknown column(s) {', '.join(unknown)}; "
                         f"columns are {', '.join(CSV_COLUMNS)}")
    table = Table([], {}, [], {})
    cards, sources = table.cards, table.sources
    taken: set[str] = set()
    for n, raw in rows:
        # quiz export's formula escape undone ('=x -> =x) before the cell is trimmed
        row = {h: (unquote_cell(raw[i]).strip() if i < len(raw) else "")
               for i, h in enumerate(header)}
        if not row.get("question") or not row.get("answer"):
            raise UsageError(f"{path}:{n}: a card needs a question and an answer")
        card: dict[str, Any] = {"id": row.get("id") or slug(row["question"], taken)}
        taken.add(card["id"])
        for key in ("question", "type", "explain", "kind", "qualifier", "unit", "source"):
            if row.get(key):
                card[key] = row[key]
        card["answer"] = _typed_answer(row["answer"], row.get("type", ""))
        for key in LIST_FIELDS:
            if row.get(key):
                card[key] = _split_list(row[key])
        if row.get("tolerance"):
            card["tolerance"] = _number_or_text(row["tolerance"])
        if row.get("source") and row.get("source_outlet"):
            sources[row["source"]] = {"outlet": row["source_outlet"],
                                      "date": row.get("source_date", ""),
                                      "title": row.get("source_title", "")}
            table.source_lines[row["source"]] = n
        cards.append(card)
        table.lines.append(n)
    return table


ANKI_META_COLUMNS = ("notetype column", "deck column", "guid column", "tags column")


def _anki_rows(path: Path, rows: Sequence[tuple[int, list[str]]],
               settings: Mapping[str, str], sep: str) -> Table:
    html_fields = settings.get("html", "false").lower() == "true"
    meta = {key: int(settings[key]) - 1 for key in ANKI_META_COLUMNS
            if settings.get(key, "").isdigit()}
    tags_col = meta.get("tags column")
    table = Table([], {}, [], {})
    cards = table.cards
    taken: set[str] = set()
    for n, raw in rows:
        fields = [_from_html(f) if html_fields or "<" in f else f.strip() for f in raw]
        content = [f for i, f in enumerate(fields) if i not in meta.values()]
        if tags_col is not None:
            tags = fields[tags_col].split() if tags_col < len(fields) else []
        elif not settings and len(content) == 3:  # Anki before 2.1.55: front, back, tags
            tags = content[2].split()
        else:  # Anki's '#' lines name a tags column when there is one; a third
            tags = []  # field of a note type (Extra, Source) is not tags
        if content and _deletions(content[0]):
            extra = content[1] if len(content) > 1 else ""
            for cloze in _cloze_cards(path, n, content[0], extra, taken):
                taken.add(cloze["id"])
                cards.append({**cloze, "tags": tags} if tags else cloze)
                table.lines.append(n)
            continue
        if len(content) < 2 or not content[0] or not content[1]:
            raise UsageError(f"{path}:{n}: expected a front and a back, separated by "
                             f"{SEPARATOR_NAMES.get(sep, repr(sep))}")
        card: dict[str, Any] = {"id": slug(content[0], taken), "question": content[0],
                                "type": "text", "answer": content[1]}
        taken.add(card["id"])
        if tags:
            card["tags"] = tags
        cards.append(card)
        table.lines.append(n)
    return table


# Anki's cloze deletions: {{c1::answer}}, or {{c1::answer::hint}}.
_CLOZE_START = re.compile(r"\{\{c(\d{1,4})::")
MAX_CLOZE_NUMBERS = 100  # cards from one note; Anki's own notes rarely pass 20


def _deletions(text: str) -> list[tuple[int, int, int, str, str]]:
    """Anki's cloze deletions in `text`, {{c1::answer}} or {{c1::answer::hint}}:
    (start, end, number, answer, hint) each. Read in one pass (a pattern with
    two lazy groups takes quadratic time on a long field that never closes)."""
    found = []
    pos = 0
    while (m := _CLOZE_START.search(text, pos)) is not None:
        close = text.find("}}", m.end())
        if close < 0:
            break  # nothing closes after this, so nothing after it does either
        answer, _, hint = text[m.end():close].partition("::")
        found.append((m.start(), close + 2, int(m.group(1)), answer, hint))
        pos = close + 2
    return found


def _cloze_cards(path: Path, line: int, text: str, extra: str,
                 taken: set[str]) -> list[dict[str, Any]]:
    """The cards of one Anki cloze note, as Anki makes them: one per deletion
    number, with that deletion blanked (its hint kept) and the others shown.
    A number used twice blanks two places, which a cloze card cannot hold:
    that card is a text card whose answer lists both."""
    found = _deletions(text)
    numbers = sorted({d[2] for d in found if d[3].strip()})  # {{c1::}} hides nothing
    if not numbers:
        raise UsageError(f"{path}:{line}: a cloze note with nothing to fill in")
    if len(numbers) > MAX_CLOZE_NUMBERS:
        raise UsageError(f"{path}:{line}: a cloze note with {len(numbers):,} deletions; "
                         f"at most {MAX_CLOZE_NUMBERS} are read")
    cards: list[dict[str, Any]] = []
    for number in numbers:
        parts, hidden, pos = [], [], 0
        for start, end, n, answer, hint in found:
            parts.append(text[pos:start])
            if n == number and answer.strip():
                hidden.append(answer.strip())
                parts.append(BLANK + (f" ({hint.strip()})" if hint.strip() else ""))
            else:
                parts.append(answer)
            pos = end
        question = "".join([*parts, text[pos:]]).strip()
        card: dict[str, Any] = {"id": slug(question, [*taken, *(c["id"] for c in cards)]),
                                "question": question}
        if len(hidden) == 1:
            card.update(type="cloze", answer=hidden[0])
        else:
            card.update(type="text", answer=", ".join(hidden))
        if extra:
            card["explain"] = extra
        cards.append(card)
    return cards


def _number(text: str) -> int | float:
    value = float(text.replace(",", ""))
    if not math.isfinite(value):  # 'inf', 'nan', 400 nines: no figure
        raise ValueError(text)
    return int(value) if value.is_integer() else value


def _number_or_text(text: str) -> int | float | str:
    """A table's cell as a number when it is one; else as written, for the
    deck's own check to name at its row."""
    try:
        return _number(text)
    except ValueError:
        return text


def _typed_answer(text: str, ctype: str) -> Any:
    if ctype in ("multi", "order"):
        return _split_list(text)
    if ctype == "number":
        return _number_or_text(text)
    if ctype == "truefalse":
        return text.lower() in ("true", "yes", "1")
    if ctype == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text


def deck_yaml(deck_id: str, title: str, cards: Sequence[Mapping[str, Any]],
              sources: Mapping[str, Mapping[str, str]] | None = None,
              description: str | None = None) -> str:
    """A whole deck file, from plain field dicts."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    y = _yaml()
    doc = CommentedMap()
    doc["id"] = deck_id
    doc["title"] = title
    if description:
        doc["description"] = description
    if sources:
        src = CommentedMap()
        for key, value in sources.items():
            src[key] = CommentedMap((k, value[k]) for k in ("outlet", "date", "title", "url")
                                    if value.get(k))
        doc["sources"] = src
    doc["cards"] = CommentedSeq(_card_node(fields) for fields in cards)
    out = io.StringIO()
    y.dump(doc, out)
    return schema_line() + out.getvalue()


def card_fields(card: Card) -> dict[str, Any]:
    """A loaded card back to the fields one would write."""
    fields: dict[str, Any] = {
        "id": card.id, "question": card.question, "type": card.type.value,
        "answer": list(card.answer) if isinstance(card.answer, tuple) else card.answer,
        "accept": list(card.accept), "choices": list(card.choices or ()),
        "tags": list(card.tags), "source": card.source, "kind": card.kind,
        "explain": card.explain.strip() if card.explain else None, "context": card.context,
    }
    if card.type is CardType.NUMBER:
        fields.update(tolerance=_number(str(card.tolerance)), qualifier=card.qualifier,
                      unit=card.unit)
    if card.draft:
        fields["draft"] = True
    return fields


def sources_fields(sources: Mapping[str, Source]) -> dict[str, dict[str, str]]:
    return {k: {"outlet": s.outlet, "date": s.date, "title": s.title, "url": s.url or ""}
            for k, s in sources.items()}


# -- Anki package -------------------------------------------------------------------

def _write_package(package: Any, out: io.BytesIO) -> None:
    """genanki's Package.write_to_file, minus the temporary SQLite file it
    leaves in the system temp folder on every call: the collection is built
    in a folder of ours that is removed afterwards."""
    import sqlite3
    import tempfile
    import time
    import zipfile
    from itertools import count

    with tempfile.TemporaryDirectory(prefix="quiz-apkg-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        db = sqlite3.connect(db_path)
        try:
            now = time.time()
            package.write_to_db(db.cursor(), now, count(int(now * 1000)))
            db.commit()
        finally:
            db.close()
        with zipfile.ZipFile(out, "w") as z:
            z.write(db_path, "collection.anki2")
            z.writestr("media", "{}")  # no media files


def _cloze_inert(text: str) -> str:
    """Braces as HTML entities, so that the deck's own text never reads as a
    cloze deletion in Anki's cloze filter; they show the same."""
    return text.replace("{", "&#123;").replace("}", "&#125;")


def write_apkg(deck: Deck, path: Path) -> None:
    """An Anki package: one note per card (Front, Back, Source), with stable
    ids derived from the deck and card ids, so re-importing updates notes."""
    import html
    import zlib

    import genanki

    model = genanki.Model(
        1607392319, "quiz card",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}, {"name": "QuizId"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}",
                    "afmt": "{{FrontSide}}<hr id=answer>{{Back}}<br><small>{{Source}}</small>"}],
        sort_field_index=0)
    # cloze cards become Anki cloze notes, the blank filled in as {{c1::answer}}
    cloze_model = genanki.Model(
        1791520443, "quiz cloze",
        fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Source"},
                {"name": "QuizId"}],
        templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}",
                    "afmt": "{{cloze:Text}}<br>{{Back Extra}}<br><small>{{Source}}</small>"}],
        model_type=genanki.Model.CLOZE, sort_field_index=0)
    anki_deck = genanki.Deck(zlib.crc32(deck.id.encode()) & 0x7FFFFFFF or 1, deck.title)
    for row, card in zip(deck_rows(deck), deck.cards, strict=True):
        source = deck.sources.get(card.source or "")
        if card.type is CardType.CLOZE:
            text, answer = (_cloze_inert(html.escape(t)) for t in (card.question,
                                                                    answer_text(card)))
            kind = cloze_model
            front = text.replace(BLANK, "{{c1::" + answer.replace(":", "&#58;") + "}}", 1)
            back = html.escape(row["explain"] or "")
        else:
            kind = model
            front = html.escape(card.question)
            if card.type in (CardType.CHOICE, CardType.MULTI) and card.choices:
                front += "<br>" + " · ".join(html.escape(c) for c in card.choices)
            back = html.escape(answer_text(card))  # as quiz shows it: '7 January 2022'
            if row["explain"]:
                back += f"<br>{html.escape(row['explain'])}"
        anki_deck.add_note(genanki.Note(
            model=kind, fields=[front, back, html.escape(source.cite()) if source else "",
                                f"{deck.id}/{card.id}"],
            guid=genanki.guid_for(deck.id, card.id),
            tags=[t.replace(" ", "_") for t in card.tags]))
    buffer = io.BytesIO()
    _write_package(genanki.Package(anki_deck), buffer)
    replace_file(path, buffer.getvalue())
