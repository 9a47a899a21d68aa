"""Cards in and out of CSV and TSV: quiz's own columns, a spreadsheet's two
columns, and Anki's plain-text export (its HTML and cloze notes: `anki`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from quiz.authoring.deckfile import SEPARATOR_NAMES, Table, deck_rows, slug
from quiz.cloze import has_deletions
from quiz.errors import Problem, UsageError
from quiz.models import Deck

# CSV columns: the card's fields, then its source written out, so a CSV file
# alone can rebuild the deck.
CSV_COLUMNS = ("id", "type", "question", "answer", "accept", "choices", "tags", "source",
               "source_outlet", "source_date", "source_title", "explain", "kind", "tolerance",
               "qualifier", "unit", "reverse", "escalate", "group", "context", "draft")


LIST_FIELDS = ("accept", "choices", "tags")


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
    """The deck as CSV (or TSV): its own fields and sources first, a row
    each ('#title', TITLE), then a header row and a row per card; cells
    that a spreadsheet would run as formulas are made text (`formula_safe`)
    unless `raw`."""
    safe = (lambda cell: cell) if raw else formula_safe
    head = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    head.writerow(["#deck", safe(deck.id)])
    head.writerow(["#title", safe(deck.title)])
    if deck.description:
        head.writerow(["#description", safe(deck.description)])
    if deck.year is not None:
        head.writerow(["#year", str(deck.year)])
    for key, s in deck.sources.items():
        head.writerow(["#source", *(safe(v) for v in (key, s.outlet, s.date, s.title,
                                                         s.url or ""))])
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


def decode(path: Path, data: bytes) -> str:
    """A table's bytes as text: UTF-8 (a BOM is dropped), else refused
    where it stops being UTF-8, or as no text at all (NUL bytes)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:  # a spreadsheet's plain CSV is in its own code page
        if b"\x00" in data[:8192]:  # no text at all: a picture, a database
            from quiz.authoring.apkg import not_importable

            raise not_importable(path, "it is not text (it holds NUL bytes)") from None
        raise UsageError(str(Problem.not_utf8(
            path, data, e, "save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')"))) from None


def read_bytes(path: Path) -> bytes:
    from quiz.deck.yamltree import MAX_BYTES
    from quiz.reading import read_capped

    # a pipe, as `quiz import <(curl ...)` gives, is read like a file
    return read_capped(path, MAX_BYTES, "tables", pipes=True)


def read_table(path: Path, text: str | None = None) -> Table:
    """Cards (field dicts) and sources from a CSV or TSV file (`text`, its
    contents, when the caller has read them already).

    Two layouts are read: quiz's own (a header row naming CSV_COLUMNS, at
    least question and answer, after the deck's own rows that 'quiz export'
    writes first: '#deck', '#title'...), and Anki's plain-text export: no
    header row, '#separator:tab'-style lines first, which may name the
    columns holding the note type, deck, GUID and tags; the first two other
    columns are the front and the back, and other fields are left out; a
    cloze note ({{c1::...}}) gives one card per deletion, as in Anki. Without
    those lines (Anki before 2.1.55), a third column of three is the tags. A
    hand-made two-column file is read the same way, with or without a header
    row such as 'front,back' or 'term,definition'. A row of those that makes
    no card is left out and told in `skipped`.
    """
    if text is None:
        text = decode(path, read_bytes(path))
    lines = text.splitlines(keepends=True)
    from quiz.authoring.anki_text import anki_rows, settings_lines

    settings, skipped = settings_lines(lines)
    body = lines[skipped:]
    first = body[0] if body else ""
    sep = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}.get(
        settings.get("separator", "").lower()) or (
        first[len("#deck")] if first.startswith("#deck") and first[5:6] in "\t,;" else
        _separator(body[:20]))
    reader = csv.reader(io.StringIO("".join(body)), delimiter=sep)
    try:
        rows = [(reader.line_num + skipped, r) for r in reader if any(c.strip() for c in r)]
    except csv.Error as e:  # a field over the csv module's limit of 131,072 characters
        line = reader.line_num + skipped
        raise UsageError(f"{path}:{line}: cannot read this row ({e})") from None
    deck, deck_sources, start = _preamble(path, rows)
    rows = rows[start:]
    if not rows:
        raise UsageError(f"{path}: no cards in this file")
    header = [h.strip().lower() for h in rows[0][1]]
    ours = "question" in header and "answer" in header
    named = len(header) >= 2 and header[0] in FRONT_WORDS and header[1] in BACK_WORDS
    if ours or named:
        rows = rows[1:]  # a header row: quiz's own, or a two-column file's front,back
        if not rows:
            raise UsageError(f"{path}: no cards in this file, only a header row")
    if ours:
        table = _quiz_rows(path, header, rows, sep)
        table.deck.update(deck)
        for key, source in deck_sources.items():
            table.sources[key] = source  # the deck's own list, with urls
        return table
    return anki_rows(path, rows, settings, sep, width=len(header) if named else None)


# The rows 'quiz export' writes before its header row: the deck's own fields,
# a key and a value each, and its sources (key, outlet, date, title, url).
DECK_ROWS = ("#deck", "#title", "#description", "#year", "#source")


def _preamble(path: Path, rows: Sequence[tuple[int, list[str]]],
              ) -> tuple[dict[str, Any], dict[str, dict[str, str]], int]:
    """The deck's fields and sources from the rows 'quiz export' writes
    first, and the index of the header row after them; none when the rows
    after them are not quiz's own layout (they are cards then)."""
    n = 0
    while n < len(rows) and rows[n][1] and rows[n][1][0].strip() in DECK_ROWS:
        n += 1
    if n == 0 or n == len(rows) or not {"question", "answer"} <= {
            h.strip().lower() for h in rows[n][1]}:
        return {}, {}, 0
    deck: dict[str, Any] = {}
    sources: dict[str, dict[str, str]] = {}
    for line, row in rows[:n]:
        key, values = row[0].strip()[1:], [unquote_cell(v).strip() for v in row[1:]]
        if key == "source":
            if len(values) < 4 or not values[0]:
                raise UsageError(f"{path}:{line}: a '#source' row holds a key, an outlet, "
                                 "a date, a title and, if it has one, a url")
            sources[values[0]] = dict(zip(("outlet", "date", "title", "url"), values[1:5],
                                          strict=False))
        elif values and values[0]:
            deck[key] = values[0]
    if "year" in deck:
        try:
            deck["year"] = int(deck["year"])
        except ValueError:
            line = next(ln for ln, r in rows[:n] if r[0].strip() == "#year")
            raise UsageError(f"{path}:{line}: the deck's year must be a number, like "
                             "2022") from None
    return deck, sources, n


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
               sep: str) -> Table:
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise UsageError(f"{path}:1: unknown column(s) {', '.join(unknown)}; "
                         f"columns are {', '.join(CSV_COLUMNS)}")
    table = Table(format="quiz")
    sources = table.sources
    taken: set[str] = set()
    for n, raw in rows:
        if len(raw) > len(header) and any(c.strip() for c in raw[len(header):]):
            name = SEPARATOR_NAMES.get(sep, repr(sep)).removesuffix("s")
            raise UsageError(f"{path}:{n}: {len(raw)} cells where {len(header)} were "
                             f"expected; quote a field that holds a {name}")
        # quiz export's formula escape undone ('=x -> =x) before the cell is trimmed
        row = {h: (unquote_cell(raw[i]).strip() if i < len(raw) else "")
               for i, h in enumerate(header)}
        numbered = not row.get("answer") and has_deletions(row.get("question", ""))
        if not row.get("question") or not (row.get("answer") or numbered):
            raise UsageError(f"{path}:{n}: a card needs a question and an answer")
        card: dict[str, Any] = {"id": row.get("id") or slug(row["question"], taken)}
        taken.add(card["id"])
        for key in ("question", "type", "explain", "kind", "qualifier", "unit", "source",
                    "group", "context"):
            if row.get(key):
                card[key] = row[key]
        if not numbered:  # a cloze with numbered blanks: the blanks hold the answers
            card["answer"] = _typed_answer(row["answer"], row.get("type", ""))
        for flag in ("reverse", "escalate", "draft"):
            if row.get(flag, "").lower() in ("true", "yes", "1"):
                card[flag] = True
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
        table.add(card, n)
    return table


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
