from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_bench(name: str) -> Any:
    """A script of bench/ imported as a module (bench/NAME.py), to test its parts."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
ARTICLES = ROOT.parent / "shared" / "articles"


@pytest.fixture(autouse=True)
def quiz_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty data dir and no extra deck paths."""
    home = tmp_path_factory.mktemp("quiz-home")
    monkeypatch.setenv("QUIZ_HOME", str(home))
    monkeypatch.delenv("QUIZ_DECKS", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    return home


@pytest.fixture
def write_deck(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "deck.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def keys() -> Iterator[Callable[..., None]]:
    """Feed keystrokes to questionary prompts through a prompt_toolkit pipe."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):

        def send(*chunks: str) -> None:
            pipe.send_text("".join(chunks))
            pipe.close()

        yield send


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh, empty history on each backend (tests/backends.py); the
    PostgreSQL case skips without QUIZ_TEST_PG, and fails in CI."""
    from .backends import Postgres, Sqlite, server_url

    if request.param == "sqlite":
        yield Sqlite(tmp_path)
        return
    server = Postgres(server_url())
    try:
        yield server
    finally:
        server.drop()
