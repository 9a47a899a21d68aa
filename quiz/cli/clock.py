"""The clock, read in one place: what now is, and the learner's day.

Only the front end reads the clock; the core takes the time as an argument.
A test sets the time by replacing `now` (monkeypatch), and every command
then sees it.
"""

from __future__ import annotations

import datetime as dt

from quiz.days import day_start, learner_day


def now() -> dt.datetime:
    """Now, in UTC."""
    return dt.datetime.now(dt.UTC)


def local_zone() -> dt.tzinfo:
    """The local time zone with its rules (TZ, else the system's zone), so
    each time is shown with the offset it had: not today's for every date."""
    from dateutil import tz

    zone: dt.tzinfo = tz.gettz() or tz.tzlocal()  # gettz: None for a TZ it cannot read
    return zone


def today() -> dt.date:
    """The local calendar date (a new deck's date, a date answer's year)."""
    return now().astimezone(local_zone()).date()


def now_and_day_start() -> tuple[dt.datetime, dt.datetime]:
    """Now, and the start of the learner's day (4 am local time), both in UTC."""
    moment = now()
    tz = local_zone()
    return moment, day_start(learner_day(moment, tz), tz).astimezone(dt.UTC)
