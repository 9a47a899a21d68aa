"""Hints for YAML syntax errors: what a hand author most likely did.

libyaml says where it stopped and what it expected ("could not find
expected ':'"); an author wants to know what to change, and the slip is
often lines above where libyaml noticed it (a bracket or a quote left open).
Each rule below reads one kind of slip; the first that fits gives the hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

GLUED_DASH = re.compile(r"[ \t]*-([^\s\d.-]\S*)")  # '-Belarus', not '-5' or '--'

# A value whose opening quote closes before its end: `question: 'It's here'`.
_QUOTED_VALUE = re.compile(r"""^\s*(?:-\s+)?(?:[^\s'"#-][^:#]*:\s+)?(['"])""")


def _line_at(text: str, index: int) -> str:
    """The line of `text` that holds `index` (without splitting the whole text)."""
    end = text.find("\n", index)
    return text[text.rfind("\n", 0, index) + 1:end if end >= 0 else len(text)]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _line_above(text: str, index: int) -> tuple[int, str] | None:
    """The nearest line above the one holding `index` that is neither blank
    nor a comment, with its 0-based number (read backwards, line by line)."""
    end = text.rfind("\n", 0, index)  # the end of the line above
    while end >= 0:
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end]
        if line.strip() and not line.lstrip().startswith("#"):
            return text.count("\n", 0, begin), line
        end = begin - 1
    return None


# A hint for a YAML syntax error, and where the slip it names is (0-based
# line and column) when that is not where libyaml stopped.
Hint = tuple[str, tuple[int, int] | None]


def _never_closed(line: int, column: int, bracket: str) -> Hint:
    """The hint for a [ or { opened at 0-based `line`, `column` and never closed."""
    if bracket == "[":
        return f"; the [ on line {line + 1} is never closed: end that list with ]", (line, column)
    return (f"; the {{ on line {line + 1} is never closed: end that mapping with }}",
            (line, column))


def _unclosed(text: str) -> tuple[int, int, str] | None:
    """The 0-based line and column and the bracket of the innermost [ or {
    left open, by a rough scan that skips quoted text and comments (None for
    a text too long to scan character by character in a moment)."""
    if len(text) > 2_000_000:
        return None
    stack: list[tuple[int, int, str]] = []
    line, begin, quote, previous = 0, 0, "", "\n"
    for i, ch in enumerate(text):
        if ch == "\n":
            line, begin = line + 1, i + 1
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"" and previous in " \t\n[{,:":
            quote = ch
        elif ch == "#" and previous in " \t\n":
            quote = "\n"  # to the end of the line
        elif ch in "[{":
            stack.append((line, i - begin, ch))
        elif ch in "]}" and stack:
            stack.pop()
        previous = ch
    return stack[-1] if stack else None


def _missing_colon(line: str, number: int) -> Hint:
    """The hint for a field written without its ': ' on the 0-based line
    `number`, which reads `line`; it points at the slip."""
    where = f"line {number + 1}"
    if GLUED_DASH.match(line):  # '-Belarus': a list item, not a field
        return f"; put a space after the '-' on {where}", (number, _indent(line))
    glued = re.search(r"\w(:)\S", line)
    if glued:
        return f"; put a space after the ':' on {where}", (number, glued.start(1))
    if "=" in line:
        return (f"; write a field on {where} as 'name: value', with ': ', not '='",
                (number, line.index("=")))
    rest = line.lstrip(" ")
    if rest.startswith("- "):
        rest = rest[1:].lstrip(" ")
    field = len(line) - len(rest)  # where the field's name starts
    return f"; {where} needs ': ' between a field's name and its value", (number, field)


@dataclass(frozen=True, slots=True)
class _Slip:
    """Where libyaml stopped and what it said, as the rules read it."""

    text: str
    line: str  # the line where it stopped
    number: int  # its 0-based line number
    col: int
    index: int
    problem: str
    context: str
    start: Any  # libyaml's mark where the construct it was reading began, if any
    pinned: bool  # libyaml named the problem's own place (not only its context's)

    @property
    def here(self) -> str:
        return self.line[self.col] if self.col < len(self.line) else ""


def _flow_unclosed(s: _Slip) -> Hint | None:
    if (s.start is not None and s.pinned and s.start.line < s.number and "flow" in s.context
            and _indent(s.line) <= _indent(_line_at(s.text, s.start.index))):
        # the list or mapping ran on into a line no deeper than the one it
        # opened on (or to the end of the file): its bracket was never closed
        return _never_closed(s.start.line, s.start.column,
                             "[" if "sequence" in s.context else "{")
    if (s.problem.startswith("did not find expected node content") and "flow" in s.context
            and s.index >= len(s.text.rstrip())):  # the file ended inside [ ] or { }
        unclosed = _unclosed(s.text)
        if unclosed is not None:
            return _never_closed(*unclosed)
    return None


def _margin(s: _Slip) -> Hint | None:
    if s.problem.startswith("did not find expected <document start>"):
        return ("; the deck's own fields (id, title, cards) all start at the left margin: "
                "check the indentation of the lines above"), None
    return None


def _open_quote(s: _Slip) -> Hint | None:
    if (s.start is not None and "quoted scalar" in s.context
            and s.problem.startswith("found unexpected end of stream")):
        return (f"; the quote that opens the value on line {s.start.line + 1} is never "
                "closed: add the closing quote"), (s.start.line, s.start.column)
    return None


def _colon(s: _Slip) -> Hint | None:
    if s.start is None or not s.problem.startswith("could not find expected ':'"):
        return None
    above = _line_above(s.text, s.start.index)
    if above is not None and re.search(r":\s+[|>][-+]?\s*$", above[1]):
        return (f"; the text of the '|' or '>' value on line {above[0] + 1} goes on the "
                "lines below it, indented deeper than its field"), None
    return _missing_colon(_line_at(s.text, s.start.index), s.start.line)


def _dash(s: _Slip) -> Hint | None:
    if (s.start is None or not s.problem.startswith("did not find expected '-'")
            or s.col != s.start.column or "block collection" not in s.context):
        return None
    if s.here == "-":
        return "; put a space after the '-'", None
    if s.line[s.col:].startswith("id:"):  # a card's first field, without its dash
        return "; a new item of this list (a new card) starts with '- ', as in '- id: ...'", None
    return None


def _stray_character(s: _Slip) -> Hint | None:
    if s.here in ("]", "}") and s.problem.startswith("did not find expected key"):
        return f"; this {s.here} closes nothing: remove it, or put the value in quotes", None
    if "tab character" in s.problem or (s.here == "\t"
                                        and s.problem.startswith("found character")):
        return "; indent with spaces, not tabs", None
    if (s.problem.startswith("found character that cannot start any token")
            and s.here in ("@", "`", "%")):
        return f"; a value cannot start with {s.here}: put it in quotes", None
    return None


def _mapping_value(s: _Slip) -> Hint | None:
    if s.problem != "mapping values are not allowed in this context":
        return None
    if ": " in s.line[:s.col]:
        return "; a value with ': ' in it needs quotes", None
    # the line above has no 'name: ', so YAML read this line as more of its text
    # (a list item's text is fine, unless it is a card's '- id' missing its ':')
    above = _line_above(s.text, s.index)
    if above is not None and not re.match(r"\s*(?:-\s+)?[^\s:#][^:]*:(?:\s|$)",
                                            above[1]) and (
            not above[1].lstrip().startswith("- ") or re.match(r"\s*-\s+id\b", above[1])):
        return _missing_colon(above[1], above[0])
    return "; this line is indented deeper than the one above it", None


def _starts_badly(s: _Slip) -> Hint | None:
    if "alias" in s.context or "anchor" in s.context:
        sign = "*" if "alias" in s.context else "&"
        return f"; a value cannot start with {sign}: put it in quotes", None
    if "block scalar" in s.context:
        return "; a value cannot start with | or >: put it in quotes", None
    return None


def _inner_quote(s: _Slip) -> Hint | None:
    quoted = _QUOTED_VALUE.match(s.line)
    if quoted and s.col > quoted.end() and s.problem.startswith("did not find expected"):
        if quoted.group(1) == "'":
            return ("; the quote inside the value ends it: write '' for ' inside single "
                    "quotes"), None
        return '; the quote inside the value ends it: write \\" for " inside double quotes', None
    return None


def _indentation(s: _Slip) -> Hint | None:
    if s.problem.startswith("did not find expected ','"):
        return "; inside [ ] or { }, a value with ',', ': ' or ' #' in it needs quotes", None
    if s.problem.startswith(("did not find expected key", "did not find expected '-'",
                             "expected <block end>")):
        return "; check this line's indentation against the lines above it", None
    return None


# Tried in this order; the first that fits gives the hint.
_RULES = (_flow_unclosed, _margin, _open_quote, _colon, _dash, _stray_character,
          _mapping_value, _starts_badly, _inner_quote, _indentation)


def syntax_hint(e: yaml.MarkedYAMLError, text: str) -> Hint:
    """What a hand author most likely did, where libyaml's words do not say
    it ('' when nothing fits), and where that slip is when libyaml stopped
    elsewhere (a bracket or quote left open, a field without its ': ')."""
    mark = e.problem_mark or e.context_mark
    if mark is None:
        return "", None
    slip = _Slip(text, _line_at(text, mark.index), mark.line, mark.column, mark.index,
                 e.problem or "", e.context or "", e.context_mark, e.problem_mark is not None)
    for rule in _RULES:
        hint = rule(slip)
        if hint is not None:
            return hint
    return "", None
