"""The `quiz` command: a module per command group, as thin as it can be.

`app` holds the Typer app and its one error mapping; importing the command
modules registers their commands on it. Only this package reads the clock
(`clock`), seeds randomness and does terminal I/O.
"""

from quiz.cli import authoring, decks, history, study  # noqa: F401 - they register commands
from quiz.cli.app import app, main

__all__ = ["app", "main"]
