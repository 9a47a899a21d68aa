"""quiz import on tables from strangers: a deck that validates, or one clear
line per problem naming FILE:LINE, never a traceback.

Inputs are CSV, TSV and Anki plain-text exports, made odd: quotes left open,
separators of every kind, '#' header lines, NUL and other control
characters, bytes that are not UTF-8, a BOM, fields past the csv module's
limit; Markdown notes of hashcards' and Obsidian's cards, and Quizlet
exports, made odd the same way. Each is written to a file and imported as
`quiz import` does (`imported`, below), and some through the CLI itself.
(Anki packages have their own tests: tests/test_apkg_import.py.)
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from quiz.authoring.deckfile import deck_title, slug
from quiz.authoring.edit import deck_yaml
from quiz.authoring.tables import CSV_COLUMNS, table_problems
from quiz.authoring.textformats import read_cards
from quiz.cli import app
from quiz.deck.loader import load_deck, read_deck
from quiz.errors import DeckError, QuizError
from quiz.models import Deck
from quiz.textsafe import one_line

# QUIZ_FUZZ_EXAMPLES=5000 for a longer hunt
FUZZ = settings(max_examples=int(os.environ.get("QUIZ_FUZZ_EXAMPLES", "200")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Pieces that tables from the wild hold and that have broken importers.
PIECES = ["a", "Astana", "Who?", " ", ",", ";", "\t", "|", '"', "'", "''", "#", "#separator:",
          "\n", "\r\n", "\r", "\x00", "\x1b[31m", "\u202e", "\x85", "\u2028", "\ufeff", "é",
          "東京", "{{c1::", "}}", "{{c2::x::hint}}", "<br>", "<b>", "&amp;", "=1+1", "'=x",
          "-5", "+", "@", "[", "]", '["a", "b|c"]', "___", "true", "2022-01-07", "1,5",
          "\\", "  "]
cells = st.lists(st.sampled_from(PIECES), max_size=6).map("".join) | st.text(max_size=12)
HEADERS = [
    None,  # no header row: a two-column file, or Anki's plain text
    ["front", "back"], ["term", "definition"],
    ["question", "answer"], ["id", "question", "answer", "type"],
    ["question", "answer", "accept", "choices", "tags"],
    ["id", "type", "question", "answer", "tolerance", "qualifier", "unit"],
    ["question", "answer", "source", "source_outlet", "source_date", "source_title"],
    list(CSV_COLUMNS), ["question", "answer", "nonsense"], ["Question", " Answer "],
]
ANKI_LINES = ["#separator:tab\n", "#separator:comma\n", "#separator:semicolon\n",
              "#separator:pipe\n", "#separator:space\n", "#separator:odd\n", "#html:true\n",
              "#html:false\n", "#tags column:3\n", "#tags column:1\n", "#tags column:99\n",
              "#guid column:1\n", "#notetype column:2\n", "#deck column:0\n",
              "#columns:Front\tBack\n", "# not a setting\n", "#:\n"]
TYPES = ["", "text", "choice", "multi", "number", "date", "truefalse", "order", "cloze",
         "nonsense"]


@st.composite
def tables(draw: st.DrawFn) -> bytes:
    """A table's bytes: header lines, a header row, rows, then damage."""
    sep = draw(st.sampled_from([",", "\t", ";", "|", " "]))
    header = draw(st.sampled_from(HEADERS))
    width = len(header) if header else draw(st.integers(1, 4))
    rows: list[list[str]] = []
    for _ in range(draw(st.integers(0, 6))):
        row = draw(st.lists(cells, min_size=0, max_size=width + 1))
        if header and "type" in header and len(row) > header.index("type"):
            row[header.index("type")] = draw(st.sampled_from(TYPES))
        rows.append(row)
    out = io.StringIO()
    out.writelines(draw(st.lists(st.sampled_from(ANKI_LINES), max_size=4)))
    quoting = draw(st.sampled_from([False, True, None]))  # minimal, all, by hand
    body = ([header] if header else []) + rows
    if quoting is None:  # joined by hand: quotes left open, separators unescaped
        out.write("".join(sep.join(r) + draw(st.sampled_from(["\n", "\r\n", "\r"]))
                          for r in body))
    else:
        csv.writer(out, delimiter=sep, quoting=csv.QUOTE_ALL if quoting else csv.QUOTE_MINIMAL,
                   lineterminator="\n").writerows(body)
    text = out.getvalue()
    if draw(st.booleans()) and text:  # a field past the csv module's limit, now and then
        at = draw(st.integers(0, len(text)))
        text = text[:at] + "x" * draw(st.sampled_from([10, 131_073])) + text[at:]
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    for _ in range(draw(st.integers(0, 2))):  # bytes that are not UTF-8
        at = draw(st.integers(0, len(data)))
        odd = draw(st.sampled_from([b"\xff", b"\xe9", b"\xc3", b"\x80\x80"]))
        data = data[:at] + odd + data[at:]
    return data


# Pieces of Markdown cards: hashcards' marks, Obsidian's separators, clozes.
MARKS = ["Q: ", "A: ", "C: ", "Q:", "A:\n", "::", ":::", "\n?\n", "\n??\n", "==", "==x==",
         "^[hint]", "[^1]", "[", "]", "[x]", "![img](a.png)", "```\n", "---\n", "\n\n", "\n",
         "#flashcards\n", "# Heading\n", "<!--SR:!2024-01-01,3,250-->", '---\nname = "D"\n---\n',
         "{{c1::x}}", "}}", "\t", ";", ","]


def _odd_bytes(draw: st.DrawFn, text: str) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 4)) == 0:  # a byte that is not UTF-8, now and then
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x00"])) + data[at:]
    return data


@st.composite
def markdown_notes(draw: st.DrawFn) -> bytes:
    """Markdown with cards in it: marks and text in any order."""
    parts = draw(st.lists(st.sampled_from(MARKS) | cells, max_size=30))
    return _odd_bytes(draw, "".join(parts))


@st.composite
def quizlet_exports(draw: st.DrawFn) -> bytes:
    """Terms and definitions joined by Quizlet's separators, some lines of a
    definition on lines of their own."""
    term = draw(st.sampled_from(["\t", ","]))
    row = draw(st.sampled_from([";", "\n"]))
    rows = draw(st.lists(st.tuples(cells, cells, st.booleans()), max_size=6))
    text = "".join(f"{t}{term}{d}" + (f"\n{d}" if more else "") + row for t, d, more in rows)
    return _odd_bytes(draw, text)


# More formats go here, each a strategy for a file's bytes and its suffix.
FORMATS = {".csv": tables(), ".tsv": tables(), ".txt": tables() | quizlet_exports(),
           ".md": markdown_notes()}
files = st.sampled_from(sorted(FORMATS)).flatmap(
    lambda suffix: st.tuples(st.just(suffix), FORMATS[suffix]))


@contextmanager
def table_file(suffix: str, data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="quiz-fuzz-") as folder:
        path = Path(folder) / f"cards{suffix}"
        path.write_bytes(data)
        yield path


def imported(path: Path) -> Deck:
    """What `quiz import PATH` does before it writes: the table read, the
    deck made and validated; a QuizError with one line per problem, each
    told at the table's row."""
    table = read_cards(path)
    for line in table.skipped:  # the rows left out are told at their lines too
        assert_located(path, line)
    text = deck_yaml(slug(str(table.deck.get("deck") or path.stem)),
                     deck_title(path.stem, table.deck.get("title")), table.cards,
                     table.sources, description=table.deck.get("description")
                     or f"Imported from {path.name}.", year=table.deck.get("year"))
    try:
        return read_deck(text, str(path.with_suffix(".yaml")))
    except DeckError as e:
        # one line each, as the CLI prints them (an id may hold a line break)
        raise QuizError("\n".join(one_line(line) for line in
                                   table_problems(path, table, text, e.problems))) from None


# Problems about the whole file, which have no line to name.
WHOLE_FILE = ("no cards in this file", "no cards in this file, only a header row",
              "file is over ", "not a format quiz imports")


def assert_located(path: Path, message: str) -> None:
    """Every line names the file and the row: FILE:LINE[:COL]: message."""
    assert message.strip(), "an error with no message"
    located = re.compile(re.escape(str(path)) + r":[1-9]\d*(?::[1-9]\d*)?: \S")
    for line in message.splitlines():
        if line.startswith(f"{path}: ") and line.removeprefix(f"{path}: ").startswith(
                WHOLE_FILE):
            continue
        assert located.match(line), line


@FUZZ
@given(files)
def test_an_imported_table_is_a_valid_deck_or_errors_at_its_rows(
        file: tuple[str, bytes]) -> None:
    suffix, data = file
    with table_file(suffix, data) as path:
        try:
            deck = imported(path)
        except QuizError as e:
            assert_located(path, str(e))
            return
        assert deck.cards  # and it validated: read_deck raised nothing


@settings(FUZZ, max_examples=max(FUZZ.max_examples // 8, 1))
@given(files)
def test_quiz_import_writes_a_deck_that_loads_or_says_where(file: tuple[str, bytes]) -> None:
    suffix, data = file
    with table_file(suffix, data) as path:
        out = path.with_name("deck.yaml")
        r = CliRunner().invoke(app, ["import", str(path), "-o", str(out)])
        if r.exit_code == 0:
            assert load_deck(out).cards
            return
        assert r.exit_code == 1, r.output
        assert not out.exists()
        lines = r.stderr.splitlines()
        # the CLI's own last line, after the rows, says nothing was written
        if lines and lines[-1].endswith("these cards do not make a valid deck; nothing was "
                                        "written"):
            assert len(lines) > 1 and lines[-1] == (f"quiz: {path}: these cards do not make a "
                                                    "valid deck; nothing was written")
            lines = lines[:-1]
        assert_located(path, "\n".join(line.removeprefix("quiz: ") for line in lines))
