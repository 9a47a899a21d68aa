"""YAML text -> a small tree of positioned nodes, safely.

Decks come from strangers, so this reads YAML as a stream of parse events
(libyaml when available) and builds the tree itself, which lets it:

- refuse tags (no `!!python/object`), anchors and aliases (no alias bombs);
- stop at a nesting depth limit before the C composer could overflow its stack;
- report duplicate keys with both lines (YAML loaders silently keep the last);
- keep every scalar's raw text and style, so `NO`, `0755` and `1.10` are not
  turned into False, 493 and 1.1 behind the author's back: typing is decided
  by the deck loader, field by field (see `plain_value`);
- reject control characters and bidi overrides in any text.

Positions are 1-based in `Problem`s and 0-based inside the nodes, as libyaml
gives them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

import yaml

from quiz.deck.hints import GLUED_DASH, syntax_hint
from quiz.errors import Problem

try:  # pragma: no branch - libyaml is present in every supported wheel
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 32
MAX_BYTES = 64 * 1024 * 1024
MAX_SCALAR = 20_000
STR_TAG = "tag:yaml.org,2002:str"


@dataclass(slots=True)
class Scalar:
    text: str
    plain: bool
    line: int
    col: int


@dataclass(slots=True)
class Seq:
    items: list[Node]
    line: int
    col: int


@dataclass(slots=True)
class Map:
    pairs: dict[str, tuple[Scalar, Node]]
    line: int
    col: int


Node = Scalar | Seq | Map


class _Stop(Exception):
    """Raised inside the builder when the file cannot be read any further."""


# Characters that must never reach a terminal from a deck: C0/C1 controls
# (except tab and newline) and the Unicode bidi embeddings/overrides/isolates.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BAD_CHAR = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]")


def char_name(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    if ch == "\x1b":
        name = "ESCAPE"
    return f"{code} {name}".strip()


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes -> text, refusing what is not UTF-8 (a leading BOM is fine)."""
    if len(data) > MAX_BYTES:
        size = len(data) // (1024 * 1024)
        limit = MAX_BYTES // (1024 * 1024)
        return None, [Problem(path, 0, 0, f"file is {size} MiB; decks are limited to {limit} MiB")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return None, [Problem.not_utf8(path, data, e)]
    return text, []


def parse(text: str, path: str) -> tuple[Node | None, list[Problem]]:
    """Build the node tree of a one-document YAML text.

    Returns (tree, problems); the tree is None when the text cannot be read
    at all. Problems found along the way (duplicate keys, control characters)
    are returned with a tree that skips the offending parts.
    """
    problems: list[Problem] = []
    m = re.search("[\x00" + "]", text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        return None, [Problem(path, line, col, "contains a NUL byte; is this a binary file?")]
    builder = _Builder(path, problems, text)
    try:
        root = builder.run(yaml.parse(text, Loader=_Loader))
    except _Stop:
        return None, problems
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        hint, slip = syntax_hint(e, text)
        what = e.problem or "invalid YAML"
        if e.context and e.problem:
            # where the unfinished thing began: what a hand author looks for
            start = e.context_mark
            since = (f" that starts at line {start.line + 1}, column {start.column + 1}"
                     if start and mark and (start.line, start.column) != (mark.line, mark.column)
                     else "")
            # libyaml's bare "while scanning ..." says less than a hint, and
            # where it began is no news when the error is placed there
            if (since and not slip) or not hint:
                what = f"{e.problem} ({e.context}{since})"
        # where the slip is, when the hint found it, else where libyaml stopped
        at = slip or ((mark.line, mark.column) if mark else (-1, -1))
        problems.append(Problem(path, at[0] + 1, at[1] + 1, f"YAML syntax error: {what}{hint}"))
        return None, problems
    except yaml.YAMLError as e:  # ReaderError: bad characters in the stream
        pos = getattr(e, "position", None)
        line, col = 0, 0
        if isinstance(pos, int):
            line = text.count("\n", 0, pos) + 1
            col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        reason = getattr(e, "reason", None) or "unreadable YAML"
        ch = getattr(e, "character", None)
        if isinstance(ch, int | str) and ch != "?":
            c = chr(ch) if isinstance(ch, int) else ch
            reason = f"{reason} ({char_name(c)})"
        problems.append(Problem(path, line, col, f"YAML error: {reason}"))
        return None, problems
    return root, problems


class _Pos:
    __slots__ = ("line", "column")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


def _mark(ev: yaml.Event) -> _Pos:
    m = ev.start_mark
    return _Pos(m.line, m.column) if m is not None else _Pos(0, 0)


# After a plain value on its line: a '#' with a space before it starts a
# comment, so in `question: What was its #1 goal?` the question is "What was
# its". A comment is written '# like this'; '#' glued to a word is text.
_GLUED_COMMENT = re.compile(r"[ \t]+#[^\s#]\S*")


class _Builder:
    def __init__(self, path: str, problems: list[Problem], text: str = "") -> None:
        self.path = path
        self.problems = problems
        self.text = text

    def fail(self, line: int, col: int, message: str) -> None:
        self.problems.append(Problem(self.path, line + 1, col + 1, message))

    def run(self, events: object) -> Node | None:
        it = iter(events)  # type: ignore[call-overload]
        root: Node | None = None
        documents = 0
        # Stack of open containers: (node, pending key or None).
        stack: list[tuple[Seq | Map, Scalar | None]] = []
        for ev in it:
            kind = type(ev)
            mark = _mark(ev)
            if kind is yaml.ScalarEvent or kind is yaml.SequenceStartEvent or kind is (
                yaml.MappingStartEvent
            ):
                self._check_props(ev)
                node: Node
                if kind is yaml.ScalarEvent:
                    node = self._scalar(ev)
                    if (stack and isinstance(stack[-1][0], Seq) and node.plain
                            and ev.end_mark is not None and ev.end_mark.line > mark.line):
                        self._check_glued_dash(ev.start_mark.index, ev.end_mark.index,
                                               mark.line)
                elif kind is yaml.SequenceStartEvent:
                    node = Seq([], mark.line, mark.column)
                else:
                    node = Map({}, mark.line, mark.column)
                if not stack:
                    root = node
                else:
                    self._attach(stack, node)
                if kind is not yaml.ScalarEvent:
                    if len(stack) >= MAX_DEPTH:
                        self.fail(mark.line, mark.column, f"nesting deeper than {MAX_DEPTH} levels")
                        raise _Stop
                    stack.append((node, None))  # type: ignore[arg-type]
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                stack.pop()
            elif kind is yaml.AliasEvent:
                self.fail(
                    mark.line,
                    mark.column,
                    f"aliases (*{ev.anchor}) are not allowed in decks; write the value out",
                )
                raise _Stop
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.fail(mark.line, mark.column, "a deck file holds one YAML document; "
                              "remove the second '---' or split the file")
                    raise _Stop
        return root

    def _check_props(self, ev: yaml.NodeEvent) -> None:
        mark = _mark(ev)
        if ev.anchor is not None:
            self.fail(mark.line, mark.column,
                      f"anchors (&{ev.anchor}) are not allowed in decks; write the value out")
            raise _Stop
        tag = getattr(ev, "tag", None)
        if tag is not None and tag != STR_TAG and tag != "!":
            self.fail(mark.line, mark.column, f"YAML tags ({tag}) are not allowed in decks")
            raise _Stop

    def _scalar(self, ev: yaml.ScalarEvent) -> Scalar:
        mark = _mark(ev)
        text: str = ev.value
        if len(text) > MAX_SCALAR:
            self.fail(mark.line, mark.column,
                      f"text of {len(text):,} characters; the limit is {MAX_SCALAR:,}")
            text = text[:80]
        bad = _BAD_CHAR.search(text)
        if bad:
            self.fail(mark.line, mark.column,
                      f"contains the control character {char_name(bad.group())}; "
                      "terminal control codes are not allowed in deck text")
            text = _BAD_CHAR.sub("?", text)
        plain = ev.style in ("", None) and ev.tag is None
        end = ev.end_mark
        if plain and text and end and (cut := _GLUED_COMMENT.match(self.text, end.index)):
            word = cut.group().strip()
            word = word if len(word) <= 20 else word[:19] + "…"
            shown = text if len(text) <= 40 else "…" + text[-39:]
            self.fail(mark.line, mark.column,
                      f"'{word}' starts a YAML comment, so this value ends at '{shown}'; put "
                      "the whole value in quotes (or, for a comment, leave a space after #)")
        return Scalar(text, plain, mark.line, mark.column)

    def _check_glued_dash(self, start: int, end: int, line: int) -> None:
        """A list item whose plain text runs on to a line starting '-word':
        the next item written without the space after its '-', which YAML
        read as more text of this one (`- Armenia` then `-Belarus`)."""
        for number, text in enumerate(self.text[start:end].split("\n")[1:], line + 1):
            if (m := GLUED_DASH.match(text)) is not None:
                self.fail(number, m.start(1) - 1,
                          f"'-{m.group(1)}' continues the text of the line above; a new list "
                          "item needs a space after its '-'")
                return

    def _attach(self, stack: list[tuple[Seq | Map, Scalar | None]], node: Node) -> None:
        parent, key = stack[-1]
        if isinstance(parent, Seq):
            parent.items.append(node)
            return
        if key is None:
            if not isinstance(node, Scalar):
                self.fail(node.line, node.col, "a key must be a plain name, not a list or mapping")
                raise _Stop
            stack[-1] = (parent, node)
            return
        stack[-1] = (parent, None)
        previous = parent.pairs.get(key.text)
        if previous is not None:
            first = previous[0]
            # a second 'id' in one mapping: most likely a new card that lost its '- '
            item = ("; if a new item (a card) starts here, begin it with '- '"
                    if key.text == "id" else "")
            self.fail(key.line, key.col,
                      f"duplicate key '{key.text}' (first at line {first.line + 1}); "
                      f"YAML would keep only the last one{item}")
            return
        parent.pairs[key.text] = (key, node)


# --- typing plain scalars -------------------------------------------------

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(
    r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+"
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
MAX_INT_DIGITS = 18


class ScalarTypeError(ValueError):
    pass


PlainValue = str | int | float | bool | dt.date | None


def plain_value(s: Scalar) -> PlainValue:
    """Type a scalar like YAML 1.2's core schema, minus its traps.

    Quoted scalars are strings. Plain ones: true/false, null, ISO dates
    (YYYY-MM-DD), decimal integers and floats; everything else is a string,
    including `yes`/`NO`, `0755` and `1_000`. Raises ScalarTypeError for a
    date that does not exist or an integer too large to be a fact.
    """
    t = s.text
    if not s.plain:
        return t
    if t in _NULL:
        return None
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    if _INT.fullmatch(t):
        if len(t.lstrip("+-")) > MAX_INT_DIGITS:
            raise ScalarTypeError(f"number with {len(t.lstrip('+-'))} digits is too large")
        return int(t)
    if _FLOAT.fullmatch(t):
        if len(t) > 40:
            raise ScalarTypeError("number is too long")
        value = float(t)
        if math.isinf(value):  # 1e400: past what a float holds, not a fact
            raise ScalarTypeError(f"number {t} is too large")
        return value
    if _DATE.fullmatch(t):
        try:
            return dt.date.fromisoformat(t)
        except ValueError:
            raise ScalarTypeError(f"'{t}' is not a real date") from None
    return t
