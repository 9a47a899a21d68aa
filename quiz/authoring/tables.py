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

from quiz.authoring.anki import _anki_rows
from quiz.authoring.deckfile import Table, deck_rows, slug
from quiz.cloze import has_deletions
from quiz.errors import Problem, UsageError
from quiz.models import Deck

# CSV columns: the card's fields, then its source written out, so a CSV file
# alone can rebuild the deck.
CSV_COLUMNS = ("id", "type", "question", "answer", "accept", "choices", "tags", "source",
               "source_outlet", "source_date", "source_title", "explain", "kind", "tolerance",
               "qualifier", "unit", "reverse", "escalate", "group")


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
        if b"\x00" in data[:8192]:  # no text at all: a picture, a database
            from quiz.authoring.apkg import not_importable

            raise not_importable(path, "it is not text (it holds NUL bytes)") from None
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
        numbered = not row.get("answer") and has_deletions(row.get("question", ""))
        if not row.get("question") or not (row.get("answer") or numbered):
            raise UsageError(f"{path}:{n}: a card needs a question and an answer")
        card: dict[str, Any] = {"id": row.get("id") or slug(row["question"], taken)}
        taken.add(card["id"])
        for key in ("question", "type", "explain", "kind", "qualifier", "unit", "source",
                    "group"):
            if row.get(key):
                card[key] = row[key]
        if not numbered:  # a cloze with numbered blanks: the blanks hold the answers
            card["answer"] = _typed_answer(row["answer"], row.get("type", ""))
        for flag in ("reverse", "escalate"):
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
        cards.append(card)
        table.lines.append(n)
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
