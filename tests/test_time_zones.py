"""Learner days in a zone with daylight saving time: each past session is
read with the offset it had then, not the one in force today."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from quiz.cli import app
from quiz.days import day_start, learner_day
from quiz.history.stats import compute
from quiz.history.store import open_store
from quiz.models import Mode, Outcome, Review

BERLIN = ZoneInfo("Europe/Berlin")  # UTC+1 in winter, UTC+2 in summer
NOW = dt.datetime(2023, 1, 15, 12, tzinfo=dt.UTC)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BERLIN)


# Clocks went forward on 27 March 2022 (02:00 -> 03:00) and back on
# 30 October (03:00 -> 02:00). A learner's day starts at 4 am local time.
SESSIONS = [
    (berlin(2022, 3, 26, 12), dt.date(2022, 3, 26)),
    (berlin(2022, 3, 27, 3, 30), dt.date(2022, 3, 26)),  # the night the clocks went forward
    # 02:30 UTC: 04:30 in summer time, a new day; at the winter offset it
    # would be 03:30, still the day before
    (berlin(2022, 3, 27, 4, 30), dt.date(2022, 3, 27)),
    (berlin(2022, 10, 30, 12), dt.date(2022, 10, 30)),  # the day the clocks went back
    # 02:30 UTC again: 03:30 in winter time, still 30 October's day; at the
    # summer offset it would be 04:30, a new day
    (berlin(2022, 10, 31, 3, 30), dt.date(2022, 10, 30)),
]
DAYS_STUDIED, LONGEST = 3, 2  # 26 and 27 March, 30 October


def history(db: Path) -> None:
    with open_store(db) as store:
        for i, (when, _) in enumerate(SESSIONS):
            sid = store.begin_session(["d"], Mode.REVIEW, when.astimezone(dt.UTC))
            store.record(Review(f"r{i}", sid, "d", "c1", when.astimezone(dt.UTC), "x",
                                Outcome.RIGHT, 3, 900, Mode.REVIEW, None, None), None)


def test_each_time_is_read_with_its_own_offset() -> None:
    assert berlin(2022, 3, 27, 4, 30).utcoffset() == dt.timedelta(hours=2)
    assert berlin(2022, 10, 31, 3, 30).utcoffset() == dt.timedelta(hours=1)
    for when, day in SESSIONS:
        assert learner_day(when.astimezone(dt.UTC), BERLIN) == day, when
    # each day starts at 4 am on its own date's clock
    assert day_start(dt.date(2022, 3, 27), BERLIN) == dt.datetime(2022, 3, 27, 2, tzinfo=dt.UTC)
    assert day_start(dt.date(2022, 10, 31), BERLIN) == dt.datetime(2022, 10, 31, 3,
                                                                   tzinfo=dt.UTC)


def test_streak_days_in_a_zone_with_daylight_saving(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    history(db)
    with open_store(db) as store:
        s = compute(store, NOW, BERLIN)
    assert (s.streak.days_studied, s.streak.longest, s.streak.current) == (DAYS_STUDIED,
                                                                          LONGEST, 0)


@pytest.fixture
def tz_berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_quiz_stats_reads_the_local_zone_rules(tmp_path: Path, tz_berlin: None) -> None:
    """Whatever the season today, the command counts the days as above (with
    today's offset for every session it counted 2 in winter, 4 in summer)."""
    db = tmp_path / "h.sqlite3"
    history(db)
    result = CliRunner().invoke(app, ["stats", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    streak = json.loads(result.output)["streak"]
    assert (streak["days_studied"], streak["longest"]) == (DAYS_STUDIED, LONGEST)
