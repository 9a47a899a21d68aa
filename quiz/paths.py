"""Where quiz keeps its files. `QUIZ_HOME` overrides the platform data dir."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    home = os.environ.get("QUIZ_HOME")
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("quiz", appauthor=False))


def cache_dir() -> Path:
    """Files quiz can rebuild (parsed decks): under QUIZ_HOME when it is set."""
    home = os.environ.get("QUIZ_HOME")
    if home:
        return Path(home).expanduser() / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("quiz", appauthor=False))


def user_decks_dir() -> Path:
    return data_dir() / "decks"


def default_db() -> Path:
    return data_dir() / "history.sqlite3"


def env_db() -> str | None:
    """QUIZ_DB: the history to use when --db is not given (a file or a URL)."""
    return os.environ.get("QUIZ_DB") or None


def bundled_decks_dir() -> Path:
    """The decks shipped with quiz: inside the wheel, or beside the package
    in a source checkout (editable install)."""
    inside = PACKAGE_DIR / "bundled_decks"
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent / "decks"


def schema_path() -> Path:
    return PACKAGE_DIR / "deck" / "deck.schema.json"
