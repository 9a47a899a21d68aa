"""`quiz --version`, `--help`, `quiz decks` and `quiz validate` as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz import __version__
from quiz.cli import app
from quiz.paths import user_decks_dir

from .conftest import ROOT

runner = CliRunner()
GOOD = """id: mine
title: My deck
cards:
  - id: a
    question: Capital of Kazakhstan in 2022?
    answer: Nur-Sultan
"""


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"quiz {__version__}\n")


def test_every_command_has_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Start with 'quiz start'." in result.output  # where a newcomer begins
    commands = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines()
                if line.strip()]
    assert {"decks", "validate"} <= set(commands)
    for name in commands:
        sub = runner.invoke(app, [name, "--help"])
        assert sub.exit_code == 0, name
        assert "Usage: quiz " + name in " ".join(sub.output.split())
        doc = app.registered_commands[[c.name for c in app.registered_commands].index(name)]
        assert doc.callback is not None and doc.callback.__doc__, f"{name} has no help text"


def test_decks_lists_bundled_with_type_counts() -> None:
    result = runner.invoke(app, ["decks"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("csto-dates")
    assert "16 cards" in lines[0]
    assert lines[1].split() == ["bundled:", "date", "14,", "order", "1,", "truefalse", "1"]
    assert all(len(line) <= 80 for line in lines[:-2])  # the table; then where your own go
    assert lines[-2:] == ["", f"Your own decks go in {user_decks_dir()} ('quiz new NAME' "
                              "starts one there)."]


def test_decks_cuts_a_wide_title_to_the_terminal_in_cells(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CJK title was cut by characters, so its row ran past the terminal."""
    from quiz.cli.render import cells

    title = "集体安全条约组织二零二二年一月在哈萨克斯坦的维和行动：日期、数字与成员国"
    (tmp_path / "cjk.yaml").write_text(GOOD.replace("My deck", title).replace("mine", "cjk"))
    monkeypatch.setenv("QUIZ_DECKS", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "60")
    row = next(line for line in runner.invoke(app, ["decks"]).stdout.splitlines()
               if line.startswith("cjk"))
    assert row.endswith("…") and title.startswith(row.split()[-1][:-1])
    assert 50 <= cells(row) <= 59, row


def test_a_broken_deck_does_not_hide_the_others(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bad.yaml").write_text("id: bad\ntitle: [\n")
    monkeypatch.setenv("QUIZ_DECKS", str(tmp_path))
    result = runner.invoke(app, ["decks"])
    assert result.exit_code == 0
    assert "mine" in result.stdout and "csto-quotes" in result.stdout
    assert result.stderr.startswith(f"broken: {tmp_path / 'bad.yaml'}:2:8: YAML syntax error")


def test_decks_in_a_folder_come_in_natural_order(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Week 2 before week 10 (a plain sort put 10 first), whatever the case."""
    for name in ("week10", "Week2", "week1", "week2b"):
        (tmp_path / f"{name}.yaml").write_text(GOOD.replace("id: mine", f"id: {name.lower()}"))
    monkeypatch.setenv("QUIZ_DECKS", str(tmp_path))
    result = runner.invoke(app, ["decks"])
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("week")]
    assert listed == ["week1", "week2", "week2b", "week10"]


def test_validate_clean_bundled() -> None:
    result = runner.invoke(app, ["validate"])
    assert (result.exit_code, result.stdout) == (0, "ok: 4 decks, 62 cards\n")


def test_validate_lists_problems_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    extra = "  - id: a\n    question: q\n    answer: x\n"
    bad.write_text(GOOD.replace("answer:", "anser:") + extra)
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{bad}:4:5: card 'a' has no 'answer'",
        f"{bad}:6:5: unknown field 'anser' in card 'a' (did you mean 'answer'?)",
        f"{bad}:7:9: duplicate card id 'a' (first used at line 4); ids must be unique in a deck",
    ]
    assert result.stderr == "3 problems in 1 file\n"


def test_validate_missing_path(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert result.stdout == f"{tmp_path / 'nope.yaml'}: no such file or folder\n"


def test_validate_a_folder_without_decks_names_it(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a deck")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == f"no deck files (.yaml or .yml) in {tmp_path}\n"


def test_validate_takes_deck_ids_as_start_and_add_do(quiz_home: Path) -> None:
    folder = quiz_home / "decks"
    folder.mkdir()
    (folder / "mine.yaml").write_text("id: mine\ntitle: Mine\ncards: [\n")  # broken
    result = runner.invoke(app, ["validate", "csto-dates", "csto-quotes"])
    assert (result.exit_code, result.stdout) == (0, "ok: 2 decks, 38 cards\n")
    result = runner.invoke(app, ["validate", "mine"])  # a broken deck: by its file's name
    assert result.exit_code == 1 and result.stdout.startswith(f"{folder / 'mine.yaml'}:3:8: ")
    result = runner.invoke(app, ["validate", "nope"])
    assert (result.exit_code, result.stdout) == (1, "nope: no such file or folder\n")


def test_a_deck_named_twice_is_one_deck_and_two_files_with_one_id_are_refused(
        tmp_path: Path) -> None:
    from quiz.deck.catalog import find
    from quiz.errors import UsageError

    bundled = ROOT / "decks" / "csto-figures.yaml"
    decks = find(["csto-figures", "csto-figures", str(bundled)])
    assert [d.id for d in decks] == ["csto-figures"]
    copy = tmp_path / "copy.yaml"
    copy.write_text(bundled.read_text().replace("title: \"", "title: \"Copy of ", 1))
    with pytest.raises(UsageError, match="both have the deck id 'csto-figures'; their "
                                         "histories would mix"):
        find(["csto-figures", str(copy)])


def test_duplicate_deck_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout == (f"{tmp_path / 'b.yaml'}: deck id 'mine' is already used by "
                             f"{tmp_path / 'a.yaml'}; give this deck another id\n")


def test_user_deck_folder_is_listed(quiz_home: Path) -> None:
    (quiz_home / "decks").mkdir()
    (quiz_home / "decks" / "mine.yaml").write_text(GOOD)
    result = runner.invoke(app, ["decks"])
    assert "mine" in result.stdout and "user: text 1" in result.stdout
    assert result.stdout.endswith(f"\n\nYour own decks go in {quiz_home / 'decks'} "
                                  "('quiz new NAME' starts one there).\n")


@pytest.mark.slow
def test_installed_command_lists_bundled_decks_from_elsewhere(tmp_path: Path) -> None:
    """The entry point as installed (from a wheel in CI): decks ship inside it."""
    env = {**os.environ, "PYTHONPATH": ""}
    out = subprocess.run([sys.executable, "-m", "quiz", "decks"], cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert [line.split()[0] for line in out.stdout.splitlines()[:-2:2]] == [
        "csto-dates", "csto-figures", "csto-members", "csto-quotes"]
    where = subprocess.run([sys.executable, "-c", "import quiz; print(quiz.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60)
    package = Path(where.stdout.strip()).parent
    if ROOT not in package.parents:  # a real (non-editable) install
        assert sorted(p.name for p in (package / "bundled_decks").glob("*.yaml")) == [
            "csto-dates.yaml", "csto-figures.yaml", "csto-members.yaml", "csto-quotes.yaml"]


@pytest.mark.slow
def test_output_piped_into_head_is_not_an_error(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(f"'{sys.executable}' -m quiz decks | head -1", shell=True, cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.stdout.startswith("csto-dates")
    assert out.stderr == ""


def test_an_unexpected_error_is_one_line_pointing_at_the_log(
        monkeypatch: pytest.MonkeyPatch, quiz_home: Path) -> None:
    import quiz.deck.catalog

    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(quiz.deck.catalog, "scan", broken)
    result = CliRunner().invoke(app, ["decks"])
    log = quiz_home / "quiz-error.log"
    assert result.exit_code == 70
    assert result.stderr == (f"quiz: unexpected internal error; the details are in {log}. "
                             "Please report it.\n")
    assert "Traceback" not in result.output
    text = log.read_text()
    assert text.startswith("--- ") and f"quiz {__version__}" in text.splitlines()[0]
    assert "RuntimeError: boom" in text and "Traceback" in text
    CliRunner().invoke(app, ["decks"])  # a second crash is appended, not overwritten
    assert log.read_text().count("RuntimeError: boom") == 2


def quiz_in_a_box(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """quiz in a child process held to 1 GiB of memory and a minute, so that
    a read that never ends fails the test, not the machine."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "quiz", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, preexec_fn=limit)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["validate", "generate", "import"])
def test_a_device_is_refused_at_once_not_read_forever(tmp_path: Path, command: str) -> None:
    """/dev/zero never ends: reading it whole grew quiz past 3 GB."""
    out = quiz_in_a_box([command, "/dev/zero"], tmp_path)
    assert_refused(out, command, "/dev/zero: is a character device, not a regular file")


def assert_refused(out: subprocess.CompletedProcess[str], command: str, said: str) -> None:
    """Exit 1 and the one line `said`, where the command prints it."""
    assert out.returncode == 1, out.stderr
    if command == "validate":  # problems on stdout, the count on stderr
        assert (out.stdout, out.stderr) == (f"{said}\n", "1 problem in 1 file\n")
    else:
        assert (out.stdout, out.stderr) == ("", f"quiz: {said}\n")


@pytest.mark.slow
@pytest.mark.parametrize("command", ["validate", "generate"])
def test_a_named_pipe_is_refused_without_hanging(tmp_path: Path, command: str) -> None:
    """Opening a pipe with no writer waits for one, for ever: a deck or an
    article that is a pipe is refused before it is opened."""
    pipe = tmp_path / "deck.yaml"
    os.mkfifo(pipe)
    out = quiz_in_a_box([command, str(pipe)], tmp_path)  # a hang fails at the timeout
    assert_refused(out, command, f"{pipe}: is a pipe, not a regular file")


def test_a_deck_past_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from quiz.deck.yamltree import MAX_BYTES

    big = tmp_path / "big.yaml"
    with big.open("wb") as f:  # sparse: no disk space, and quick
        f.truncate(MAX_BYTES + 1)
    result = runner.invoke(app, ["validate", str(big)])
    assert result.exit_code == 1
    assert result.stdout == f"{big}: file is over 64 MiB; decks are limited to 64 MiB\n"


def test_the_clock_is_read_in_one_place_so_output_is_exact(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command reads the time from quiz.cli.clock.now: set it, and a
    command's whole output is known."""
    import datetime as dt
    import random
    import shlex
    import time

    from quiz.cli import clock
    from quiz.deck.loader import load_deck
    from quiz.history.store import open_store
    from quiz.models import Mode
    from quiz.study.scheduling import Scheduler, Settings
    from quiz.study.session import Session

    deck = tmp_path / "mini.yaml"
    deck.write_text("id: mini\ntitle: Mini\ncards:\n  - {id: a, question: Q?, answer: x}\n")
    db = tmp_path / "h.sqlite3"
    answered = dt.datetime(2022, 3, 1, 9, 0, tzinfo=dt.UTC)
    with open_store(db) as store:
        s = Session(store, Scheduler(Settings(fuzz=False)), [load_deck(deck)], Mode.REVIEW,
                    answered, random.Random(1))
        s.start()
        q = s.next(answered)
        assert q is not None
        s.answer(q, "x", answered)  # right the first time: due in three days
        s.finish(answered)
    monkeypatch.setattr(clock, "now", lambda: answered + dt.timedelta(minutes=1))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        result = CliRunner().invoke(app, ["start", str(deck), "--db", str(db)])
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Nothing to study now: the next card is due on Fri 04 Mar.\n"
        "To practise anyway without touching the schedule:\n"
        f"  quiz start {shlex.quote(str(deck))} --mode cram\n")


def test_cards_lists_each_cards_state_and_finds_by_text_or_tag(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt
    import random
    import re
    import time

    from quiz.cli import clock
    from quiz.deck.loader import load_deck
    from quiz.history.store import open_store
    from quiz.models import Mode
    from quiz.study.scheduling import Scheduler, Settings
    from quiz.study.session import Session

    deck = tmp_path / "mini.yaml"
    deck.write_text("id: mini\ntitle: Mini\ncards:\n"
                    "  - {id: a, question: Capital?, answer: Astana, tags: [places]}\n"
                    "  - {id: b, question: Sky?, answer: blue, reverse: true}\n"
                    "  - {id: c, question: Grass?, answer: green, draft: true}\n")
    db = tmp_path / "h.sqlite3"
    answered = dt.datetime(2022, 3, 1, 9, 0, tzinfo=dt.UTC)
    with open_store(db) as store:
        s = Session(store, Scheduler(Settings(fuzz=False)), [load_deck(deck)], Mode.REVIEW,
                    answered, random.Random(1), in_order=True)
        s.start()
        q = s.next(answered)
        assert q is not None and q.card.id == "a"
        s.answer(q, "Astana", answered)
        q = s.next(answered)
        assert q is not None and q.card.id == "b"
        s.answer(q, "red", answered)  # missed: learning
        s.finish(answered)
    monkeypatch.setattr(clock, "now", lambda: answered + dt.timedelta(minutes=1))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        every = CliRunner().invoke(app, ["cards", str(deck), "--db", str(db)])
        sky = CliRunner().invoke(app, ["cards", str(deck), "SKY", "--db", str(db)])
        places = CliRunner().invoke(app, ["cards", str(deck), "-t", "places", "--db", str(db)])
        none = CliRunner().invoke(app, ["cards", str(deck), "snow", "--db", str(db)])
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert every.exit_code == 0, every.output
    lines = every.stdout.splitlines()
    assert lines[0] == "mini: 4 cards"
    assert re.match(r"a +due on Fri 04 Mar · \d+\.\d d +Capital\?$", lines[1]), lines
    assert re.match(r"b +learning · \d+\.\d d +Sky\?$", lines[2]), lines
    assert re.match(r"b:reverse +new +blue$", lines[3]), lines
    assert re.match(r"c +new · draft +Grass\?$", lines[4]), lines
    assert [line.split()[0] for line in sky.stdout.splitlines()[1:]] == ["b", "b:reverse"]
    assert sky.stdout.splitlines()[0] == "mini: 2 cards of 4"
    assert [line.split()[0] for line in places.stdout.splitlines()[1:]] == ["a"]
    assert none.exit_code == 1 and "no card of mini matches 'snow'" in none.stderr
