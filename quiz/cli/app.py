"""The Typer app, its one error mapping, and what every command shares.

QuizGroup.invoke is the one place that turns errors into exit codes and
stderr lines. Heavy modules are imported inside the commands that need
them, so `quiz --help` stays fast.
"""

from __future__ import annotations

import re
import sys
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from quiz import __version__
from quiz.cli import clock
from quiz.errors import QuizError
from quiz.textsafe import inert, one_line

if TYPE_CHECKING:
    from quiz.history.store import Store


T = TypeVar("T")


# click's base error, whose messages show the user's arguments back; typer
# vendors click in its newer releases, so it is found from a public class.
_ClickError: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def say(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a message. Every message is made inert (`textsafe`): file names,
    deck ids and anything else a user or a stranger chose may hold terminal
    escapes, which would otherwise reach the terminal."""
    typer.echo(inert(message), err=err, nl=nl)


def write_data(text: str) -> None:
    """Data for another program (CSV, JSON) on standard output, as it is; but
    on a terminal, where a person reads it, inert like every message: a
    stranger's deck or a damaged history may hold terminal escapes."""
    sys.stdout.write(inert(text) if sys.stdout.isatty() else text)


class QuizGroup(TyperGroup):
    """Turns a QuizError into its message on stderr and exit 1; an unexpected
    error into a short note with the path of the full report."""

    # click's Context: typer vendors click in its newer releases, with no
    # public name for the class, so these two signatures keep Any.
    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _ClickError as e:  # `quiz --bogus`: the option is shown back
            e.message = one_line(e.message)  # type: ignore[attr-defined]
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _ClickError as e:  # a command's bad argument, shown back in the message
            e.message = one_line(e.message)  # type: ignore[attr-defined]
            raise
        except QuizError as e:
            for line in str(e).splitlines() or ["error"]:
                say(f"quiz: {line}" if not _located(line) else line, err=True)
            raise typer.Exit(e.exit_code) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except (KeyboardInterrupt, EOFError):
            # Ctrl-C, or Ctrl-D / no terminal on stdin, at a prompt outside a
            # session (the deck picker): nothing to save, stop as asked.
            say("", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader went away (`quiz decks | head`): stop quietly.
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception:
            log = _write_crash_report()
            say(f"quiz: unexpected internal error; the details are in {log}. "
                       "Please report it.", err=True)
            raise typer.Exit(70) from None


def _located(line: str) -> bool:
    """A FILE:LINE[:COL]: message, which needs no 'quiz:' before it."""
    head = line.split(": ", 1)[0]
    return re.fullmatch(r".+:\d+(?::\d+)?", head) is not None


def _write_crash_report() -> Path:
    import traceback

    from quiz.paths import data_dir

    text = traceback.format_exc()
    for folder in (data_dir(), Path.cwd()):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            log = folder / "quiz-error.log"
            with log.open("a", encoding="utf-8") as f:
                f.write(f"--- {clock.now().isoformat()} quiz {__version__}\n{text}\n")
            return log
        except OSError:
            continue
    sys.stderr.write(text)
    return Path("(stderr)")


app = typer.Typer(
    cls=QuizGroup,
    name="quiz",
    no_args_is_help=True,  # its help is _root's docstring
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        say(f"quiz {__version__}")
        raise typer.Exit()


# --learner, given before the command, for open_store_at
_learner: ContextVar[str | None] = ContextVar("learner", default=None)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True,
                     help="Show the version and exit."),
    ] = False,
    learner: Annotated[
        str | None,
        typer.Option("--learner", envvar="QUIZ_LEARNER", metavar="NAME",
                     help="Whose history, in a history on a server (default: your user "
                     "name).", show_default=False),
    ] = None,
) -> None:
    """Learn facts in the terminal: quizzes and flashcards with spaced repetition.

    Start with 'quiz start'. Decks are YAML files: 'quiz decks' lists them and
    'quiz validate' checks them.
    """
    _learner.set(learner)


DbOption = Annotated[
    str | None,
    typer.Option("--db", metavar="FILE|URL",
                 help="History database file, or a postgresql:// URL (default: QUIZ_DB, "
                 "else history.sqlite3 in your data folder, or in QUIZ_HOME).",
                 show_default=False),
]


HistoryDecks = Annotated[  # quiz stats and quiz history
    list[str] | None,
    typer.Argument(help="Deck ids or deck files (default: every deck).", show_default=False),
]


def open_store_at(db: str | None, create: bool = True) -> Store:
    from quiz.history.store import is_server_url, open_store
    from quiz.paths import default_db, env_db

    target = db or env_db()
    if not target:
        return open_store(default_db(), create=create)
    if is_server_url(target):
        import getpass

        return open_store(target, create=create, learner=_learner.get() or getpass.getuser())
    return open_store(Path(target), create=create)


def deck_ref(path: Path, deck_id: str) -> str:
    """How a command names the deck `deck_id` at `path`: by its id where quiz
    finds it by id (the deck folder, QUIZ_DECKS), else by its path, quoted
    for the shell."""
    import shlex

    from quiz.deck.catalog import in_known_roots

    return deck_id if in_known_roots(path) else shlex.quote(str(path))


def main() -> None:
    # A terminal that cannot show some character (an ASCII-only locale) gets
    # a '?' for it rather than an error in the middle of a session.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower() not in ("utf-8", "utf8"):
            reconfigure(errors="replace")
    app(prog_name="quiz")
