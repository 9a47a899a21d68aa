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


DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="History database file (default: history.sqlite3 in your "
                 "data folder, or in QUIZ_HOME).", show_default=False, dir_okay=False),
]


def _open_store(db: Path | None, create: bool = True) -> Any:
    from quiz.paths import default_db
    from quiz.store import open_store

    return open_store(db or default_db(), create=create)


@app.command("validate")
def validate_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Deck files or folders (default: every known deck).",
                       show_default=False),
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Also report history in this database (or the default one "
                     "with --db '') for cards no longer in their deck.", show_default=False),
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
    if db is not None:
        _report_orphans(entries, None if str(db) == "" else db)


def _report_orphans(entries: list[Any], db: Path | None) -> None:
    """Cards with history that are no longer in their deck: kept, and named."""
    from quiz.textsafe import one_line

    with _open_store(db, create=False) as store:
        for e in entries:
            if e.deck is None:
                continue
            orphans = sorted(store.card_ids(e.deck.id) - {c.id for c in e.deck.cards})
            for card_id in orphans:
                typer.echo(one_line(f"{e.path}: card '{card_id}' of deck '{e.deck.id}' has "
                                    "history but is no longer in the deck (orphaned; its "
                                    "history is kept)"))


@app.command("optimize")
def optimize_command(
    db: DbOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report, but keep the "
                                          "current parameters.")] = False,
) -> None:
    """Fit the scheduler to your own review history.

    Fits FSRS parameters on your older reviews and reports log loss and RMSE
    before and after on your most recent ones, which the fit never saw. The
    fitted parameters are used from the next session on.
    """
    import json

    from quiz.errors import UsageError
    from quiz.optimizer import MIN_ITEMS, NotEnoughHistory, fit

    with _open_store(db, create=False) as store:
        rows = [((d, c), t, r) for d, c, t, r in store.reviews_for_optimizer()]
        try:
            result = fit(rows)
        except NotEnoughHistory as e:
            raise UsageError(
                f"not enough history to fit yet: {e.items} usable reviews (a card's second "
                f"review onwards, on separate days), {MIN_ITEMS} needed. Keep studying"
            ) from None
        typer.echo(f"reviews: {result.reviews:,} (fitted on {result.train_items:,} items, "
                   f"scored on the newest {result.test_items:,})")
        typer.echo(f"log loss: {result.log_loss_before:.4f} -> {result.log_loss_after:.4f} "
                   "(lower is better)")
        typer.echo(f"RMSE:     {result.rmse_before:.4f} -> {result.rmse_after:.4f}")
        if dry_run:
            typer.echo("dry run: parameters not saved")
        elif result.log_loss_after > result.log_loss_before:
            typer.echo("the fit does not beat the defaults on your recent reviews; kept the "
                       "current parameters")
        else:
            store.set_setting("fsrs_parameters", json.dumps(list(result.parameters)))
            typer.echo("saved: your next sessions use the fitted parameters")


def main() -> None:
    app(prog_name="quiz")
