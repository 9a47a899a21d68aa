"""`quiz settings`: the learner's scheduling knobs, kept in the history and
read by every session."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.cli import app
from quiz.deck.loader import read_deck
from quiz.errors import UsageError
from quiz.history.store import Store, open_store
from quiz.models import Mode
from quiz.study.preferences import KNOBS, knob, learner_settings, parse
from quiz.study.scheduling import Phase, Rating, Scheduler, Settings
from quiz.study.session import Session

runner = CliRunner()
DAY0 = dt.datetime(2022, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("name", "text", "value"), [
    ("retention", "0.85", 0.85), ("retention", "85%", 0.85), ("retention", " 0.9 ", 0.9),
    ("retention", "0,85", 0.85), ("retention", "85", 0.85),
    ("intervals", "Retention", "retention"), ("intervals", "knowledge", "knowledge"),
    ("relearn", "off", ()), ("relearn", "10m", (dt.timedelta(minutes=10),)),
    ("relearn", "10m,1h", (dt.timedelta(minutes=10), dt.timedelta(hours=1))),
    ("new-per-day", "0", 0), ("new_per_day", "50", 50),
])
def test_values_parse_and_show_back(name: str, text: str, value: object) -> None:
    k = knob(name)
    assert parse(k, text) == value
    assert parse(k, k.show(value)) == value


@pytest.mark.parametrize(("name", "text", "reason"), [
    ("retention", "2", "between 0.70 and 0.97 (70% and 97%)"),
    ("retention", "150", "between 0.70 and 0.97 (70% and 97%)"),
    ("retention", "0.5", "between 0.70 and 0.97 (70% and 97%)"),
    ("retention", "most", "a fraction such as 0.9 or a percentage such as 90%"),
    ("intervals", "fast", "'knowledge' or 'retention'"),
    ("relearn", "10 days", "'off' or minutes and hours such as '10m' or '10m,1h'"),
    ("relearn", "13h", "steps from 1 minute to 12 hours"),
    ("new-per-day", "-1", "a whole number from 0 to 9999"),
    ("new-per-day", "lots", "a whole number from 0 to 9999"),
])
def test_bad_values_say_what_is_allowed(name: str, text: str, reason: str) -> None:
    k = knob(name)
    with pytest.raises(UsageError) as e:
        parse(k, text)
    assert str(e.value) == (f"{k.name}: {text!r} is not a valid value: {reason} "
                            f"(for example: quiz settings {k.name} {k.example})")
    parse(k, k.example)  # the example given is itself valid


def test_defaults_are_the_schedulers() -> None:
    assert learner_settings(lambda key: None) == Settings()


def test_a_stored_value_that_no_longer_parses_falls_back_to_the_default() -> None:
    stored = {"desired_retention": "lots", "relearning_steps": "5m", "new_per_day": "x"}
    settings = learner_settings(stored.get)
    assert settings.desired_retention == Settings().desired_retention
    assert settings.new_per_day == Settings().new_per_day
    assert settings.relearning_steps == (dt.timedelta(minutes=5),)


def test_the_command_sets_shows_and_resets(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite3")
    result = runner.invoke(app, ["settings", "retention", "85%", "--db", db])
    assert (result.exit_code, result.stdout) == (
        0, "retention: 0.85 (was 0.9); sessions from now on use it\n")
    result = runner.invoke(app, ["settings", "relearn", "10m", "--db", db])
    assert result.stdout == "relearn: 10m (was off); sessions from now on use it\n"
    lines = runner.invoke(app, ["settings", "--db", db]).stdout.splitlines()
    assert [line for line in lines if not line.startswith(" ")] == [
        "retention    0.85  (default 0.9)", "intervals    knowledge",
        "relearn      10m  (default off)", "new-per-day  20"]
    with open_store(Path(db)) as store:
        settings = learner_settings(store.setting)
    assert settings.desired_retention == 0.85
    assert settings.relearning_steps == (dt.timedelta(minutes=10),)
    result = runner.invoke(app, ["settings", "relearn", "--reset", "--db", db])
    assert result.stdout == "relearn: off (was 10m); sessions from now on use it\n"
    one = runner.invoke(app, ["settings", "relearn", "--db", db]).stdout.splitlines()
    assert one[0] == "relearn      off"


def test_values_the_shell_splits_or_that_look_like_options(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite3")
    result = runner.invoke(app, ["settings", "relearn", "10m", "1h", "--db", db])
    assert result.stdout == "relearn: 10m,1h (was off); sessions from now on use it\n"
    result = runner.invoke(app, ["settings", "relearn", "10m,1h", "--db", db])
    assert result.stdout == "relearn: 10m,1h (unchanged)\n"
    result = runner.invoke(app, ["settings", "new-per-day", "-1", "--db", db])
    assert (result.exit_code, result.stderr) == (1, "quiz: new-per-day: '-1' is not a valid "
                                                 "value: a whole number from 0 to 9999 (for "
                                                 "example: quiz settings new-per-day 20)\n")


def test_the_command_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite3")
    cases = {
        ("settings", "speed", "1"): "quiz: no setting named 'speed'; the settings are "
                                    f"{', '.join(KNOBS)}\n",
        ("settings", "retention", "0.8", "--reset"): "quiz: give a new value or --reset, "
                                                      "not both\n",
        ("settings", "--reset"): "quiz: --reset needs the name of a setting\n",
        ("settings", "retention", "1.5"): "quiz: retention: '1.5' is not a valid value: "
        "between 0.70 and 0.97 (70% and 97%) (for example: quiz settings retention 0.9)\n",
    }
    for args, message in cases.items():
        result = runner.invoke(app, [*args, "--db", db])
        assert (result.exit_code, result.stderr) == (1, message), args
    with open_store(Path(db)) as store:  # nothing was written by a refused call
        assert store.setting("desired_retention") is None


def _session(settings: Settings, tmp_path: Path, now: dt.datetime) -> tuple[Session, Store]:
    deck = read_deck("id: d\ntitle: D\ncards:\n  - {id: c0, question: 'Q?', answer: a}\n",
                     "d.yaml")
    store = open_store(tmp_path / "h.sqlite3")
    ids = (f"{now.isoformat()}-{i}" for i in itertools.count())
    s = Session(store, Scheduler(settings), [deck], Mode.REVIEW, now, random.Random(1),
                day_start=now.replace(hour=0), new_id=lambda: next(ids))
    s.start()
    return s, store


@pytest.mark.parametrize("relearn", ["10m", "off"])
def test_relearn_decides_whether_a_missed_card_comes_back_in_the_session(
        tmp_path: Path, relearn: str) -> None:
    with open_store(tmp_path / "h.sqlite3") as store:
        store.set_setting("relearning_steps", relearn)
        settings = learner_settings(store.setting)
    settings = replace(settings, fuzz=False)
    s, _ = _session(settings, tmp_path, DAY0)
    now = DAY0
    while (q := s.next(now)) is not None:  # learn the card on day 0
        s.answer(q, "a", now)
        now += dt.timedelta(minutes=20)
    s.finish(now)
    later = DAY0 + dt.timedelta(days=30)
    s, store = _session(settings, tmp_path, later)
    q = s.next(later)
    assert q is not None
    a = s.answer(q, "wrong", later)
    assert a.rating is Rating.AGAIN
    back = s.next(later + dt.timedelta(minutes=11))
    if relearn == "10m":
        assert a.next_due == later + dt.timedelta(minutes=10)
        assert back is not None and back.card.id == "c0"
        assert store.states("d")["c0"].phase == Phase.RELEARNING
    else:
        assert a.next_due is not None and a.next_due >= later + dt.timedelta(days=1)
        assert back is None
        assert store.states("d")["c0"].phase == Phase.REVIEW
