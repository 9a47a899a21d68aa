"""The clock, read in one place: what now is, and the learner's day.

Only the front end reads the clock; the core takes the time as an argument.
"""

from __future__ import annotations

from typing import Any


def local_zone() -> Any:
    """The local time zone with its rules (TZ, else the system's zone), so
    each time is shown with the offset it had: not today's for every date."""
    from dateutil import tz

    return tz.gettz() or tz.tzlocal()  # gettz: None for a TZ it cannot read


def now_and_day_start() -> tuple[Any, Any]:
    """Now, and the start of the learner's day (4 am local time), both in UTC."""
    import datetime as dt

    from quiz.days import day_start, learner_day

    now = dt.datetime.now(dt.UTC)
    tz = local_zone()
    return now, day_start(learner_day(now, tz), tz).astimezone(dt.UTC)
