"""The `quiz` command: Typer commands that wire the modules together.

Only this module reads the clock, seeds randomness and maps errors to exit
codes (in `QuizGroup.invoke`, the one place). Heavy modules are imported
inside the commands that need them so `quiz --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from quiz import __version__
from quiz.errors import QuizError


class QuizGroup(TyperGroup):
    """Turns a QuizError into its message on stderr and exit 1; an unexpected
    error into a short note with the path of the full report."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except QuizError as e:
            for line in str(e).splitlines() or ["error"]:
                typer.echo(f"quiz: {line}" if not _located(line) else line, err=True)
            raise typer.Exit(e.exit_code) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except KeyboardInterrupt:
            typer.echo("", err=True)
            raise typer.Exit(130) from None
        except Exception:
            log = _write_crash_report()
            typer.echo(f"quiz: unexpected internal error; the details are in {log}. "
                       "Please report it.", err=True)
            raise typer.Exit(70) from None


def _located(line: str) -> bool:
    head = line.split(": ", 1)[0]
    return head.count(":") >= 1 and (".y" in head or "/" in head)


def _write_crash_report() -> Path:
    import datetime as dt
    import traceback

    from quiz.paths import data_dir

    text = traceback.format_exc()
    for folder in (data_dir(), Path.cwd()):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            log = folder / "quiz-error.log"
            with log.open("a", encoding="utf-8") as f:
                f.write(f"--- {dt.datetime.now(dt.UTC).isoformat()} quiz {__version__}\n{text}\n")
            return log
        except OSError:
            continue
    sys.stderr.write(text)
    return Path("(stderr)")


app = typer.Typer(
    cls=QuizGroup,
    name="quiz",
    help="Learn facts in the terminal: quizzes and flashcards with spaced repetition.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"quiz {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True,
                     help="Show the version and exit."),
    ] = False,
) -> None:
    """Learn facts in the terminal: quizzes and flashcards with spaced repetition.

    Start with 'quiz start'. Decks are YAML files: 'quiz decks' lists them and
    'quiz validate' checks them.
    """


@app.command("decks")
def decks_command() -> None:
    """List the known decks with their card counts.

    Decks come from three places: the bundled decks, your deck folder, and
    the files or folders listed in QUIZ_DECKS (separated like PATH).
    """
    from quiz.catalog import scan
    from quiz.paths import user_decks_dir
    from quiz.textsafe import one_line

    entries = scan()
    good = [e for e in entries if e.deck is not None]
    if not good and not entries:
        typer.echo(f"No decks found. Put deck files in {user_decks_dir()} or set QUIZ_DECKS.")
        return
    import shutil

    columns = shutil.get_terminal_size((80, 24)).columns
    width = max((len(e.deck.id) for e in good if e.deck), default=4)
    for e in good:
        deck = e.deck
        assert deck is not None
        types = ", ".join(f"{t.value} {c}" for t, c in sorted(deck.type_counts().items()))
        head = f"{deck.id:<{width}}  {len(deck.cards):>4} cards  "
        title = one_line(deck.title)
        room = max(columns - len(head) - 1, 10)
        if len(title) > room:
            title = title[: room - 1] + "…"
        typer.echo(head + title)
        typer.echo(f"{'':<{width}}  {e.origin}: {types}")
    for e in entries:
        if e.error is not None:
            n = len(e.error.problems)
            first = one_line(str(e.error.problems[0])) if e.error.problems else str(e.path)
            more = f" (+{n - 1} more; run 'quiz validate {e.path}')" if n > 1 else ""
            typer.echo(f"broken: {first}{more}", err=True)


@app.command("validate")
def validate_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Deck files or folders (default: every known deck).",
                       show_default=False),
    ] = None,
) -> None:
    """Check decks and explain every mistake.

    Each problem is printed as FILE:LINE:COL: message. Exits 0 when every
    deck is clean and 1 otherwise.
    """
    from quiz.catalog import scan
    from quiz.textsafe import one_line

    roots = [(p, "path") for p in paths] if paths else None
    entries = scan(roots)
    problems = 0
    cards = 0
    for e in entries:
        if e.error is not None:
            for p in e.error.problems:
                typer.echo(one_line(str(p)))
            problems += len(e.error.problems)
        elif e.deck is not None:
            cards += len(e.deck.cards)
    files = len(entries)
    if problems:
        noun = "problem" if problems == 1 else "problems"
        typer.echo(f"{problems} {noun} in {files} file{'s' if files != 1 else ''}", err=True)
        raise typer.Exit(1)
    if not files:
        typer.echo("no deck files found", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {files} deck{'s' if files != 1 else ''}, {cards} cards")


def main() -> None:
    app(prog_name="quiz")
