"""What a session shows (rich): the card's header, the verdict and its
feedback, the summary.
"""

from __future__ import annotations

from rich.console import Console

from quiz.cli.prompts import safe
from quiz.models import UNTAGGED, Outcome
from quiz.study.giveaways import MASK, Feedback
from quiz.study.session import Answered, Question, Summary


def header(out: Console, q: Question, total: int, asked: int, points: str,
           due_left: int | None = None) -> None:
    """`Card 3 of 20 · Deck title · 5 due left · score 1.5/2`: due left counts
    due reviews and missed cards still to come (review mode, when there are
    any); the score is in points, a partly right answer counting 1/2."""
    score = f" · score {points}/{asked}" if asked else ""
    again = " · again" if q.again else ""
    if q.asked_as is not None:  # a choice card the learner knows well: typed now
        again += " · no choices now: type it"
    due = f" · {due_left} due left" if due_left else ""
    out.print(f"\n[bold]Card {q.number} of {total}[/bold] · {safe(q.deck.title)}{again}{due}"
              f"{score}")


def feedback(out: Console, a: Answered, shown: Feedback, told: bool = False) -> None:
    """The verdict (unless `told`: the self-grade question said it), the hint,
    the explanation and the source, as `shown` (Session.feedback: with the
    answers of cards still to come masked)."""
    v = a.verdict
    if v.outcome is Outcome.RIGHT:
        if not told:
            out.print("[green]✓ Right.[/green]")
    elif v.outcome is Outcome.PARTLY:
        out.print(f"[yellow]~ Partly right.[/yellow] The answer: {safe(v.expected)}")
    else:
        out.print(f"[red]✗ Wrong.[/red] The answer: {safe(v.expected)}")
    if v.hint:
        _indented(out, safe(v.hint))
    _notes(out, shown)


def back(out: Console, q: Question, shown: Feedback) -> None:
    """A flip card's back, with its explanation and source (as `shown`:
    Session.feedback), before the learner rates it."""
    from quiz.wording import answer_text

    _indented(out, f"[bold]{safe(answer_text(q.card))}[/bold]")
    _notes(out, shown)


def _notes(out: Console, shown: Feedback) -> None:
    if shown.explain:
        _indented(out, safe(shown.explain))
    if shown.source is not None:
        _indented(out, f"[dim]Source: {safe(shown.source)}[/dim]")
    if shown.masked:
        _indented(out, f"[dim]({MASK}: the answer to a card still to come)[/dim]")


def _indented(out: Console, markup: str, indent: int = 2) -> None:
    """Print `markup` indented, its lines broken between words to fit the
    terminal and each indented as the first (rich would start them at the
    margin)."""
    from rich.text import Text

    for line in Text.from_markup(markup).wrap(out, max(out.width - indent, 20)):
        line.rstrip()
        out.print(Text(" " * indent) + line)


def summary(out: Console, s: Summary, interrupted: bool) -> None:
    if interrupted:
        out.print("\n[bold]Stopped.[/bold] Every answer so far is saved.")
    if not s.asked:
        out.print("No questions answered.")
    else:
        from quiz.cli.render import duration, pad  # as `quiz stats` shows them

        out.print(f"\n[bold]{s.asked} asked: {s.right} right, {s.partly} partly, "
                  f"{s.wrong} wrong; score {s.score:.0f}%[/bold] in {duration(s.seconds)}")
        if set(s.by_tag) != {UNTAGGED}:  # a deck without tags: the total says it all
            for tag, t in sorted(s.by_tag.items()):  # padded in cells, before escaping
                out.print(f"  {safe(pad(tag, 12))} {t.points}/{t.asked}")
    if s.next_due is not None:
        from quiz.cli.render import due_when

        out.print(f"Next card due: {due_when(s.next_due, s.ended)}")
