"""The learner's day: when it starts, and which one a moment falls in.

Read in the learner's own time zone, with its rules for each date (summer
time), by the session (new cards a day, what is due today) and by stats
(days studied, the streak).
"""

from __future__ import annotations

import datetime as dt

# A learner's day starts at 4 in the morning, as Anki's does: a session after
# midnight counts toward the evening before (its new cards, its reviews due
# "today", the streak), so studying at 1 am does not use up the next
# morning's new cards.
DAY_STARTS_AT = dt.time(4)


def learner_day(when: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The learner's day that `when` falls in, in the time zone `tz`."""
    return (when.astimezone(tz) - dt.timedelta(hours=DAY_STARTS_AT.hour)).date()


def day_start(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """When the learner's `day` begins, in the time zone `tz`."""
    return dt.datetime.combine(day, DAY_STARTS_AT, tzinfo=tz)
