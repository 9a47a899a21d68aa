"""Quizlet's export: a term and its definition a row, with the separators
the learner chose in Quizlet ("between term and definition": tab, comma
or their own; "between rows": new line, semicolon or their own). Nothing
is quoted, so a definition may run on over several lines: with rows on
lines of their own, a line without the term's separator goes on the
definition above it.
"""

from __future__ import annotations

from pathlib import Path

from quiz.authoring.deckfile import Table, qa_type, slug

# the names `--separator` and `--row-separator` take, besides the text itself
NAMED = {"tab": "\t", "comma": ",", "semicolon": ";", "newline": "\n", "pipe": "|",
         "dash": " - "}


def separator(given: str) -> str:
    """A separator as typed on the command line: a name (tab, comma,
    semicolon, newline), or the text, with \\t and \\n read as a tab and a
    new line."""
    return NAMED.get(given.strip().lower()) or given.replace("\\t", "\t").replace("\\n", "\n")


def detect(text: str) -> tuple[str, str] | None:
    """Quizlet's separators, when the text reads as its export and as no
    table does: rows ended by semicolons, each holding one tab (or one
    comma); or rows on lines of their own, split by one tab, with lines
    of a definition that has no tab in between them."""
    chunks = [c for c in text.split(";") if c.strip()]
    if len(chunks) >= 2 and text.count("\n") < len(chunks):
        for term in ("\t", ","):
            if all(c.count(term) == 1 for c in chunks):
                return term, ";"
    lines = [line for line in text.split("\n") if line.strip()]
    if (len(lines) >= 2 and "\t" in lines[0] and all(line.count("\t") <= 1 for line in lines)
            and any("\t" not in line for line in lines)
            and not any(line.lstrip().startswith('"') for line in lines)):
        return "\t", "\n"
    return None


def read_quizlet(path: Path, text: str, term: str, row: str) -> Table:
    """The cards of a Quizlet export: the term is the question, the
    definition the answer (a flip card when it is long or on several
    lines: `qa_type`). A row with no term or no definition is left out."""
    if not term or not row or term == row:
        from quiz.errors import UsageError

        raise UsageError("the separators between term and definition and between rows must "
                         "be two different, non-empty texts")
    table = Table(format="quizlet")
    records: list[tuple[int, str]] = []  # (line, text)
    line, pos = 1, 0
    while pos <= len(text):
        end = text.find(row, pos)
        end = len(text) if end < 0 else end
        chunk = text[pos:end]
        if row == "\n" and records and term not in chunk and chunk.strip():
            at, before = records[-1]
            records[-1] = (at, f"{before}\n{chunk}")  # a definition's next line
        elif chunk.strip():
            lead = chunk[:len(chunk) - len(chunk.lstrip())].count("\n")
            records.append((line + lead, chunk))
        line += chunk.count("\n") + row.count("\n")
        pos = end + len(row)
    taken: set[str] = set()
    for at, record in records:
        question, found, answer = record.partition(term)
        question, answer = question.strip(), "\n".join(
            part.strip() for part in answer.strip().split("\n"))
        if not found or not question or not answer:
            name = {v: k for k, v in NAMED.items()}.get(term, repr(term))
            table.skipped.append(f"{path}:{at}: expected a term and a definition, "
                                 f"separated by {name}")
            continue
        card = {"id": slug(question, taken), "question": question, "type": qa_type(answer),
                "answer": answer}
        taken.add(card["id"])
        table.add(card, at)
    return table
