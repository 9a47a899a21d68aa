"""`quiz optimize` and `quiz validate --db` on histories the tests build."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quiz.cli import app
from quiz.history.store import open_store
from quiz.models import Mode, Outcome, Review
from quiz.study.optimizer import build_items, day_histories, fit
from quiz.study.records import StateUpdate
from quiz.study.scheduling import Scheduler, Settings, default_parameters

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


def test_items_are_day_level_and_keep_same_day_reviews() -> None:
    log = [("a", START, 3), ("a", START + dt.timedelta(hours=2), 1),
           ("a", START + dt.timedelta(hours=2, minutes=10), 3),
           ("a", START + dt.timedelta(days=3), 3)]
    items = build_items(log)
    # one item, for the review on a later day; the same-day lapse and its
    # relearning step are in its history (FSRS-6's short-term stability)
    assert len(items) == 1
    # FSRSReview exposes its fields only through repr.
    assert repr(items[0][1]) == (
        "FSRSItem { reviews: [FSRSReview { rating: 3, delta_t: 0 }, "
        "FSRSReview { rating: 1, delta_t: 0 }, FSRSReview { rating: 3, delta_t: 0 }, "
        "FSRSReview { rating: 3, delta_t: 3 }] }")


def test_items_count_the_learners_days() -> None:
    """A session from 23:30 to 00:30 UTC is one day for a learner whose day
    starts at 11:00 UTC (4 am in California), two in UTC dates."""
    evening = dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.UTC)
    log = [("a", evening, 3), ("a", evening + dt.timedelta(hours=1), 3),
           ("a", evening + dt.timedelta(days=2), 3)]
    day_start = dt.datetime(2024, 1, 1, 11, tzinfo=dt.UTC)
    assert [days for _, days in day_histories(log)] == [
        [(3, 0), (3, 1)], [(3, 0), (3, 1), (3, 1)]]
    assert [days for _, days in day_histories(log, day_start)] == [[(3, 0), (3, 0), (3, 2)]]


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


def _start_and_stop(deck: Path, db: Path) -> str:
    """`quiz start`, Ctrl-C at the first question: straight to the summary."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("\x03")
        result = runner.invoke(app, ["start", str(deck), "--db", str(db)])
    assert result.exit_code == 130, result.output
    return " ".join(result.stdout.split())


def _mini_deck(tmp_path: Path) -> Path:
    deck = tmp_path / "deck.yaml"
    deck.write_text("id: mini\ntitle: Mini\ncards:\n  - {id: a, question: 'Sky?', answer: blue}\n")
    return deck


def _learned(db: Path, reviews: int, days_ago: int) -> None:
    from quiz.history.store import ts

    today = dt.datetime.now(dt.UTC)
    with open_store(db) as s:
        s.db.execute("INSERT INTO retention_daily VALUES ('mini', ?, ?, ?)",
                     (ts(today - dt.timedelta(days=days_ago))[:10], reviews, reviews - 40))


def test_a_session_refits_when_due_and_says_so_once_a_month(tmp_path: Path) -> None:
    from quiz.history.store import ts

    deck, db = _mini_deck(tmp_path), tmp_path / "h.sqlite3"
    today = dt.datetime.now(dt.UTC)
    open_store(db).close()
    _learned(db, 450, 40)  # 450 reviews of learned cards, 40 days ago, none to fit on
    assert ("Scheduler refit: not enough history yet (200 usable reviews needed); kept the "
            "current parameters.") in _start_and_stop(deck, db)
    assert "refit" not in _start_and_stop(deck, db)  # it was tried: not again for a month
    with open_store(db) as s:  # a month later, with 400 more
        s.set_setting("optimized_at", ts(today - dt.timedelta(days=31)))
    _learned(db, 400, 10)
    assert "Scheduler refit: not enough history yet" in _start_and_stop(deck, db)


def test_a_due_refit_fits_and_saves_parameters_that_beat_the_current(tmp_path: Path) -> None:
    deck, db = _mini_deck(tmp_path), tmp_path / "h.sqlite3"
    _history_db(db, synthetic_log())
    _learned(db, 450, 40)
    out = _start_and_stop(deck, db)
    said = out.split("Scheduler refit: ")[1:]
    assert len(said) == 1 and re.fullmatch(
        r"fitted to your [\d,]+ reviews \(log loss 0\.\d{4} -> 0\.\d{4}\); saved\.", said[0]), out
    with open_store(db) as s:
        saved = json.loads(s.setting("fsrs_parameters") or "[]")
        assert s.setting("optimized_at")
    assert len(saved) == 21 and saved != list(default_parameters())


@pytest.mark.parametrize("how", ["fails", "slow", "worse"])
def test_a_refit_that_fails_runs_over_or_is_worse_keeps_the_parameters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    import time

    import quiz.cli.runner
    import quiz.study.optimizer as optimizer

    deck, db = _mini_deck(tmp_path), tmp_path / "h.sqlite3"
    _history_db(db, synthetic_log())
    _learned(db, 450, 40)
    old = [0.5] + list(default_parameters())[1:]
    with open_store(db) as s:
        s.set_setting("fsrs_parameters", json.dumps(old))
    real_fit = optimizer.fit

    def fit(*args: Any, **kw: Any) -> Any:
        if how == "fails":
            raise RuntimeError("no convergence")
        if how == "slow":
            time.sleep(1.0)
        result = real_fit(*args, **kw)
        assert kw["current"] == tuple(old)  # scored against the parameters in use
        return replace(result, log_loss_after=result.log_loss_before + 0.01)

    monkeypatch.setattr(optimizer, "fit", fit)
    if how == "slow":
        monkeypatch.setattr(quiz.cli.runner, "REFIT_SECONDS", 0.2)
    out = _start_and_stop(deck, db)
    said = {"fails": "failed (RuntimeError); kept the current parameters.",
            "slow": "took over 0 s; kept the current parameters ('quiz optimize' fits "
                    "without a time limit).",
            "worse": "no better than the current parameters on your newest reviews"}[how]
    assert f"Scheduler refit: {said}" in out
    with open_store(db) as s:
        assert json.loads(s.setting("fsrs_parameters") or "[]") == old


def test_validate_db_empty_means_the_default_history(quiz_home: Path) -> None:
    """As the README writes it: --db '' is the default database. Path('')
    is '.', so it failed with '.: is a folder'."""
    result = runner.invoke(app, ["validate", "--db", ""])
    assert result.exit_code == 0 and result.stdout.startswith("ok: "), result.output
    from quiz.paths import default_db

    open_store(default_db()).close()
    assert runner.invoke(app, ["validate", "--db", ""]).exit_code == 0
