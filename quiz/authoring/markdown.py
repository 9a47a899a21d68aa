"""Cards written in Markdown notes: hashcards' decks and the Obsidian
spaced-repetition plugin's flashcards.

- hashcards: `Q:` question, `A:` answer (each may run on over several
  lines, up to the next card); `C:` a cloze, its blanks in square brackets
  (`[Paris] is the capital of [France]`); TOML front matter may give the
  deck's `name`.
- Obsidian: `question::answer` on one line, `question:::answer` both ways
  round; a question and an answer on lines either side of a line `?` (`??`:
  both ways round), in one paragraph; a paragraph with `==highlights==` is a
  cloze, a highlight a blank (`^[hint]` after it: its hint). The plugin's
  scheduling comments (`<!--SR:...-->`) go.

Blanks become quiz's numbered blanks (`{{c1::...}}`), a card asked both ways
`reverse: true`, and a question with its answer a `text` card, or a flip
card (`basic`) when the answer is long or on several lines (`qa_type`).
An image (`![alt](path)`) is shown as `[image: path]`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from quiz.authoring.deckfile import Table, qa_type, slug
from quiz.cloze import MAX_NUMBERS

_FENCE = re.compile(r"^\s*(```|~~~)")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\(([^)\n]*)\)")
_SR_COMMENT = re.compile(r"<!--SR:[^>]*-->")
_HASH_MARK = re.compile(r"^(Q|A|C):(?:\s|$)")
# a hashcards blank: [text], not an image ![..](..), a link [..](..) or \[
_BRACKET = re.compile(r"(?<![!\\])\[([^\[\]\n]+)\](?!\()")
_HIGHLIGHT = re.compile(r"==([^=\n](?:[^\n]*?[^=\n])?)==(?:\^\[([^\]\n]*)\])?(?:\[\^(\d+)\])?")
_TAG_LINE = re.compile(r"^\s*(#[\w/-]+\s*)+$")


class _Problem(Exception):
    pass


def is_hashcards(lines: list[str]) -> bool:
    """Whether the lines hold hashcards' cards: a `Q:` line with an `A:`
    line after it, or a `C:` line with a [blank]."""
    q = a = c = False
    for line in _outside_fences(lines):
        m = _HASH_MARK.match(line)
        if m:
            mark = m.group(1)
            q = q or mark == "Q"
            a = a or (q and mark == "A")
            c = c or (mark == "C" and bool(_BRACKET.search(line)))
    return (q and a) or c


def is_obsidian(lines: list[str]) -> bool:
    """Whether the lines hold the Obsidian plugin's flashcards: a line `?`
    or `??`, a `#flashcards` tag, or most lines of text a `question::answer`."""
    text_lines = 0
    inline = 0
    for line in _outside_fences(lines):
        s = line.strip()
        if not s:
            continue
        if s in ("?", "??") or re.search(r"(^|\s)#flashcards\b", s):
            return True
        text_lines += 1
        if "\t" not in s and _inline_split(s) is not None:
            inline += 1
    return inline > 0 and inline * 2 >= text_lines


def _outside_fences(lines: list[str]) -> list[str]:
    out, fenced = [], False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
            out.append("")
        else:
            out.append("" if fenced else line)
    return out


def _images(text: str) -> str:
    return _IMAGE.sub(lambda m: f"[image: {m.group(1).strip()}]", text)


def _card(question: str, answer: str, taken: set[str], reverse: bool = False,
          ) -> dict[str, Any]:
    question, answer = _images(question.strip()), _images(answer.strip())
    if not question or not answer:
        raise _Problem("a card needs a question and an answer")
    card: dict[str, Any] = {"id": slug(question, taken), "question": question,
                            "type": qa_type(answer), "answer": answer}
    if reverse:
        card["reverse"] = True
    taken.add(card["id"])
    return card


def _cloze(text: str, blanks: list[tuple[int, int, str, str, int]], taken: set[str],
           ) -> dict[str, Any]:
    """A cloze of numbered blanks; `blanks`: (start, end, answer, hint, number)."""
    if len(blanks) > MAX_NUMBERS:
        raise _Problem(f"a cloze with {len(blanks):,} blanks; at most {MAX_NUMBERS} are read")
    parts, pos = [], 0
    for start, end, answer, hint, number in blanks:
        if "}}" in answer or "::" in answer or "}}" in hint:
            raise _Problem("a blank holds '}}' or '::', which a numbered blank cannot")
        if not answer.strip():
            raise _Problem("an empty blank")
        parts += [text[pos:start], f"{{{{c{number}::{answer.strip()}"
                  + (f"::{hint.strip()}" if hint.strip() else "") + "}}"]
        pos = end
    question = _images("".join([*parts, text[pos:]]).strip())
    card = {"id": slug(re.sub(r"\{\{c\d+::|\}\}", "", question), taken), "question": question}
    taken.add(card["id"])
    return card


def read_hashcards(path: Path, text: str) -> Table:
    table = Table(format="hashcards")
    lines = text.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":  # TOML front matter: the deck's name
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            import tomllib

            try:
                name = tomllib.loads("\n".join(lines[1:end])).get("name")
            except tomllib.TOMLDecodeError:
                name = None
            if isinstance(name, str) and name.strip():
                table.deck["title"] = name.strip()
            start = end + 1
    visible = _outside_fences(lines)
    # each card: its line, its mark (Q or C), its lines up to the next card
    cards: list[tuple[int, str, list[str]]] = []
    for i in range(start, len(lines)):
        m = _HASH_MARK.match(visible[i])
        if m and m.group(1) in ("Q", "C"):
            cards.append((i + 1, m.group(1), [lines[i][2:]]))
        elif cards and visible[i].strip() == "---":
            cards.append((i + 1, "-", []))  # a rule ends a card
        elif cards:
            cards[-1][2].append(lines[i])
    taken: set[str] = set()
    for line, mark, body in cards:
        if mark == "-":
            continue
        try:
            if mark == "Q":
                at = next((k for k, b in enumerate(body) if k and _HASH_MARK.match(b)
                           and b.startswith("A:")), None)
                if at is None:
                    raise _Problem("a 'Q:' card with no 'A:' line after it")
                card = _card("\n".join(body[:at]), "\n".join([body[at][2:], *body[at + 1:]]),
                             taken)
            else:
                cloze = "\n".join(body).strip()
                blanks = [(m.start(), m.end(), m.group(1), "", n)
                          for n, m in enumerate(_BRACKET.finditer(cloze), start=1)]
                if not blanks:
                    raise _Problem("a 'C:' card with no [blank] to fill in")
                card = _cloze(cloze, blanks, taken)
        except _Problem as e:
            table.skipped.append(f"{path}:{line}: {e}")
            continue
        table.add(card, line)
    return table


def _inline_split(line: str) -> tuple[str, str, bool] | None:
    """`question::answer` or `question:::answer` (both ways round); a `::`
    inside {{ }} (Anki's cloze) or a URL's '://' is none."""
    for m in re.finditer(r":{2,3}", line):
        sep = m.group(0)
        before = line[:m.start()]
        if before.count("{{") > before.count("}}") or line[m.end():m.end() + 1] == "/":
            continue
        if len(sep) == 2 and line[m.start() - 1:m.start()] == ":":
            continue
        return before, line[m.end():], len(sep) == 3
    return None


def read_obsidian(path: Path, text: str) -> Table:
    table = Table(format="obsidian")
    lines = [_SR_COMMENT.sub("", line) for line in text.split("\n")]
    visible = _outside_fences(lines)
    # paragraphs: runs of lines of text (a heading or a line of tags ends one)
    paragraphs: list[tuple[int, list[str]]] = []
    current: tuple[int, list[str]] | None = None
    for i, line in enumerate(visible):
        if not line.strip() or _TAG_LINE.match(line) or line.lstrip().startswith("#"):
            current = None
            continue
        if current is None:
            current = (i + 1, [])
            paragraphs.append(current)
        current[1].append(line)
    taken: set[str] = set()
    for first, para in paragraphs:
        for at, made in _obsidian_cards(para, first, taken):
            if isinstance(made, str):
                table.skipped.append(f"{path}:{at}: {made}")
            else:
                table.add(made, at)
    return table


def _obsidian_cards(para: list[str], first: int, taken: set[str],
                    ) -> list[tuple[int, dict[str, Any] | str]]:
    """The cards of one paragraph, each with its line; a card that cannot be
    made is the reason why, in its place."""
    try:
        marks = [k for k, line in enumerate(para) if line.strip() in ("?", "??")]
        if marks:
            k = marks[0]
            return [(first, _card("\n".join(para[:k]), "\n".join(para[k + 1:]), taken,
                                  reverse=para[k].strip() == "??"))]
    except _Problem as e:
        return [(first, str(e))]
    made: list[tuple[int, dict[str, Any] | str]] = []
    for k, line in enumerate(para):
        split = _inline_split(line)
        if split is not None:
            question, answer, both = split
            try:
                made.append((first + k, _card(question, answer, taken, reverse=both)))
            except _Problem as e:
                made.append((first + k, str(e)))
    if made:
        return made
    cloze = "\n".join(para).strip()
    found = list(_HIGHLIGHT.finditer(cloze))
    if not found:
        return []  # a paragraph of notes, not a card
    numbered = any(m.group(3) for m in found)
    blanks = [(m.start(), m.end(), m.group(1), m.group(2) or "",
               int(m.group(3)) if numbered and m.group(3) else n)
              for n, m in enumerate(found, start=1)]
    try:
        return [(first, _cloze(cloze, blanks, taken))]
    except _Problem as e:
        return [(first, str(e))]
