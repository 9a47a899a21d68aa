"""`quiz optimize` and `quiz validate --db` on histories the tests build."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.cli import app
from quiz.history.store import open_store
from quiz.models import Mode, Outcome, Review
from quiz.study.optimizer import build_items, fit
from quiz.study.records import StateUpdate
from quiz.study.scheduling import Scheduler, Settings

runner = CliRunner()
START = dt.datetime(2022, 1, 1, 12, tzinfo=dt.UTC)


def synthetic_log(cards: int = 120, days: int = 200,
                  seed: int = 1) -> list[tuple[str, dt.datetime, int]]:
    """A learner whose memory decays exponentially, stability doubling on success."""
    rng = random.Random(seed)
    log: list[tuple[str, dt.datetime, int]] = []
    for c in range(cards):
        day, stability = rng.randrange(0, 30), 1.5
        log.append((f"c{c}", START + dt.timedelta(days=day), 1))
        interval = 1
        while day + interval < days:
            day += interval
            recalled = rng.random() < math.exp(-interval / stability)
            log.append((f"c{c}", START + dt.timedelta(days=day), 3 if recalled else 1))
            stability = stability * 2.2 if recalled else max(1.0, stability * 0.4)
            interval = max(1, round(stability * 0.9))
    log.sort(key=lambda r: r[1])
    return log


def test_items_are_day_level_with_a_time_split() -> None:
    log = [("a", START, 3), ("a", START + dt.timedelta(hours=2), 1),
           ("a", START + dt.timedelta(days=3), 3)]
    items = build_items(log)
    assert len(items) == 1  # the same-day repeat is folded into the first review
    # FSRSReview exposes its fields only through repr.
    assert repr(items[0][1]) == ("FSRSItem { reviews: [FSRSReview { rating: 3, delta_t: 0 }, "
                                 "FSRSReview { rating: 3, delta_t: 3 }] }")


def test_fit_beats_defaults_out_of_sample_and_params_schedule() -> None:
    result = fit(synthetic_log())
    assert len(result.parameters) == 21
    assert result.test_items > 50
    assert result.log_loss_after < result.log_loss_before
    Scheduler(Settings(parameters=result.parameters))  # py-fsrs accepts fsrs-rs parameters


def _history_db(path: Path, log: list[tuple[str, dt.datetime, int]]) -> None:
    with open_store(path) as s:
        sid = s.begin_session(["deck"], Mode.REVIEW, START)
        for i, (card, when, rating) in enumerate(log):
            outcome = Outcome.RIGHT if rating == 3 else Outcome.WRONG
            s.record(Review(f"r{i}", sid, "deck", card, when, "x", outcome, rating, 1000,
                            Mode.REVIEW, None, None),
                     StateUpdate("deck", card, 2, when + dt.timedelta(days=1), "{}", False))


def test_optimize_command_saves_parameters(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    _history_db(db, synthetic_log())
    result = runner.invoke(app, ["optimize", "--db", str(db)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("reviews: ")
    assert lines[1].startswith("log loss: ") and lines[-1].startswith("saved: ")
    with open_store(db) as s:
        saved = json.loads(s.setting("fsrs_parameters") or "[]")
    assert len(saved) == 21


def test_optimize_with_too_little_history(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    _history_db(db, synthetic_log(cards=3, days=20))
    result = runner.invoke(app, ["optimize", "--db", str(db)])
    assert result.exit_code == 1
    assert result.stderr.startswith("quiz: not enough history to fit yet: ")
    assert result.stderr.endswith("200 needed. Keep studying\n")


def test_optimize_without_a_database_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["optimize", "--db", str(tmp_path / "none.db")])
    assert (result.exit_code, result.stderr) == (
        1, f"quiz: {tmp_path / 'none.db'}: no history database here yet\n")


@pytest.mark.parametrize("removed", ["c2"])
def test_validate_db_reports_orphaned_history(tmp_path: Path, removed: str) -> None:
    deck = tmp_path / "deck.yaml"
    deck.write_text("id: deck\ntitle: T\ncards:\n" + "".join(
        f"  - {{id: c{i}, question: q, answer: a}}\n" for i in range(3) if f"c{i}" != removed))
    db = tmp_path / "h.sqlite3"
    _history_db(db, [(f"c{i}", START, 3) for i in range(3)])
    result = runner.invoke(app, ["validate", str(deck), "--db", str(db)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ok: 1 deck, 2 cards",
        f"{deck}: card 'c2' of deck 'deck' has history but is no longer in the deck "
        "(orphaned; its history is kept)",
    ]


def test_validate_db_of_every_deck_reports_decks_with_no_file(tmp_path: Path) -> None:
    from quiz.paths import user_decks_dir

    user_decks_dir().mkdir(parents=True, exist_ok=True)
    (user_decks_dir() / "deck.yaml").write_text(
        "id: deck\ntitle: T\ncards:\n  - {id: c0, question: q, answer: a}\n")
    db = tmp_path / "h.sqlite3"
    _history_db(db, [("c0", START, 3)])
    with open_store(db) as s:  # a deck whose file is gone: two cards, one answered twice
        sid = s.begin_session(["gone"], Mode.REVIEW, START)
        for i, card in enumerate(["x1", "x2", "x1"]):
            s.record(Review(f"g{i}", sid, "gone", card, START, "x", Outcome.RIGHT, 3, 1000,
                            Mode.REVIEW, None, None), None)
    result = runner.invoke(app, ["validate", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        f"{db}: deck 'gone' has history for 2 cards but no deck file "
        "(orphaned; its history is kept)")
    assert "'deck'" not in result.stdout  # its file is there, and so is its only card
    # checking named files says nothing of the decks that were not named
    named = runner.invoke(app, ["validate", "deck", "--db", str(db)])
    assert (named.exit_code, named.stdout) == (0, "ok: 1 deck, 1 card\n")


def test_refit_is_suggested_after_a_month_and_enough_reviews() -> None:
    from quiz.study.optimizer import REFIT_REVIEWS, refit_due

    now = START + dt.timedelta(days=100)
    assert refit_due(None, REFIT_REVIEWS, now)
    assert not refit_due(None, REFIT_REVIEWS - 1, now)
    assert not refit_due(now - dt.timedelta(days=29, hours=23), 10_000, now)
    assert refit_due(now - dt.timedelta(days=30), REFIT_REVIEWS, now)


def test_a_session_suggests_optimize_until_it_has_been_run(tmp_path: Path) -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from quiz.history.store import ts

    deck = tmp_path / "deck.yaml"
    deck.write_text("id: mini\ntitle: Mini\ncards:\n  - {id: a, question: 'Sky?', answer: blue}\n")
    db = tmp_path / "h.sqlite3"
    today = dt.datetime.now(dt.UTC)

    def start() -> str:
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
            pipe.send_text("\x03")  # Ctrl-C at the first question: straight to the summary
            result = runner.invoke(app, ["start", str(deck), "--db", str(db)])
        assert result.exit_code == 130, result.output
        return " ".join(result.stdout.split())

    with open_store(db) as s:  # 450 reviews of learned cards, 40 days ago
        s.db.execute("INSERT INTO retention_daily VALUES ('mini', ?, 450, 400)",
                     (ts(today - dt.timedelta(days=40))[:10],))
    assert ("Tip: 450 reviews so far; 'quiz optimize' fits the scheduler to your memory "
            "(once a month is plenty).") in start()
    assert runner.invoke(app, ["optimize", "--db", str(db)]).exit_code == 1  # too little to fit
    assert "Tip:" not in start()  # it was tried: no reminder for a month
    with open_store(db) as s:  # a month later, with 400 more
        s.set_setting("optimized_at", ts(today - dt.timedelta(days=31)))
        s.db.execute("INSERT INTO retention_daily VALUES ('mini', ?, 400, 380)",
                     (ts(today - dt.timedelta(days=10))[:10],))
    assert "Tip: 400 reviews since the scheduler was last fitted to you;" in start()


def test_validate_db_empty_means_the_default_history(quiz_home: Path) -> None:
    """As the README writes it: --db '' is the default database. Path('')
    is '.', so it failed with '.: is a folder'."""
    result = runner.invoke(app, ["validate", "--db", ""])
    assert result.exit_code == 0 and result.stdout.startswith("ok: "), result.output
    from quiz.paths import default_db

    open_store(default_db()).close()
    assert runner.invoke(app, ["validate", "--db", ""]).exit_code == 0
