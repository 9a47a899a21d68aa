"""The two places a history can be, for the store tests run against both.

The `backend` fixture (conftest.py) gives a fresh, empty history each test:
an SQLite file, or a learner of its own on the PostgreSQL server named by
QUIZ_TEST_PG (a role and a schema made for the test and dropped after it).
Without QUIZ_TEST_PG the PostgreSQL cases skip, saying why; in CI
(CI=true) they fail instead, since there `.ci/run` starts a server.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from quiz.history.store import Store, open_store


def server_url() -> str:
    """QUIZ_TEST_PG, or the test skipped (failed in CI) with the reason."""
    url = os.environ.get("QUIZ_TEST_PG", "")
    why = ""
    if not url:
        why = ("no PostgreSQL server for this test: set QUIZ_TEST_PG=postgresql://... "
               "(`eval \"$(.ci/pg)\"` starts a throw-away one)")
    else:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            why = "psycopg is not installed: pip install -e '.[test]'"
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {why}", pytrace=False)
        pytest.skip(why)
    return url


def as_user(url: str, user: str, password: str) -> str:
    """The server URL (postgresql://...), logging in as `user`."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}" + (
        f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class Sqlite:
    name = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.path = folder / "h.sqlite3"
        self.target = str(self.path)

    def open(self) -> Store:
        """A new connection to the history."""
        return open_store(self.path)

    def env(self) -> dict[str, str]:
        """What a child process needs to open the history at `target`."""
        return {}

    def make_newer(self, version: int) -> None:
        import sqlite3

        db = sqlite3.connect(self.path)
        db.execute(f"PRAGMA user_version = {int(version)}")
        db.commit()
        db.close()


class Postgres:
    name = "postgresql"

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.learner, self.password = new_learner(admin_url)
        self.target = as_user(admin_url, self.learner, self.password)

    def open(self) -> Store:
        return open_store(self.target, learner=self.learner)

    def env(self) -> dict[str, str]:
        return {"QUIZ_LEARNER": self.learner}

    def make_newer(self, version: int) -> None:
        with admin(self.admin_url) as db:
            db.execute(f'INSERT INTO "{self.learner}".migrations (version, name) '
                       "VALUES (%s, 'from a newer quiz')", (version,))

    def drop(self) -> None:
        drop_learner(self.admin_url, self.learner)


Backend = Sqlite | Postgres


@contextmanager
def admin(url: str) -> Iterator[Any]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        yield db


def new_learner(url: str) -> tuple[str, str]:
    """A learner as a class's admin sets one up (docs/server.md): a role that
    may log in, and a schema of the same name that it owns."""
    name, password = f"t_{secrets.token_hex(6)}", secrets.token_hex(12)
    with admin(url) as db:
        db.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")
        db.execute(f'CREATE SCHEMA "{name}" AUTHORIZATION "{name}"')
    return name, password


def drop_learner(url: str, name: str) -> None:
    with admin(url) as db:
        db.execute(f'DROP OWNED BY "{name}" CASCADE')
        db.execute(f'DROP ROLE "{name}"')
