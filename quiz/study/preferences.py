"""The learner's scheduling knobs: what each means, its default, how a value
is written and read back from the history's settings table.

`quiz settings` shows and changes them; every session reads them with
`learner_settings`. A value that no longer parses (a hand-edited database)
falls back to the default, so a session always starts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from quiz.errors import UsageError
from quiz.study.scheduling import Settings, parameters_from_json


@dataclass(frozen=True, slots=True)
class Knob:
    name: str  # as the learner types it
    key: str  # in the settings table
    meaning: str
    example: str  # a valid value, for the error message
    parse: Callable[[str], Any]  # text -> value, ValueError if not valid
    show: Callable[[Any], str]  # value -> text (parse(show(v)) == v)
    field: str  # of Settings


def _retention(text: str) -> float:
    text = text.strip().replace(",", ".")  # 0,85 as some write it
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise ValueError("a fraction such as 0.9 or a percentage such as 90%") from None
    if text.endswith("%") or 1 < value <= 100:  # 85 can only mean 85%
        value /= 100
    if not 0.70 <= value <= 0.97:
        raise ValueError("between 0.70 and 0.97 (70% and 97%)")
    return round(value, 4)


def _policy(text: str) -> str:
    value = text.strip().lower()
    if value not in ("knowledge", "retention"):
        raise ValueError("'knowledge' or 'retention'")
    return value


_STEP = re.compile(r"(\d+)\s*(m|min|h)", re.I)


def _steps(text: str) -> tuple[dt.timedelta, ...]:
    value = text.strip().lower()
    if value in ("off", "none", "no", "0"):
        return ()
    steps = []
    for part in value.split(","):
        m = _STEP.fullmatch(part.strip())
        if not m:
            raise ValueError("'off' or minutes and hours such as '10m' or '10m,1h'")
        minutes = int(m[1]) * (60 if m[2] == "h" else 1)
        if not 1 <= minutes <= 720:
            raise ValueError("steps from 1 minute to 12 hours")
        steps.append(dt.timedelta(minutes=minutes))
    return tuple(steps)


def _show_steps(steps: tuple[dt.timedelta, ...]) -> str:
    if not steps:
        return "off"
    out = []
    for step in steps:
        minutes = int(step.total_seconds() // 60)
        out.append(f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m")
    return ",".join(out)


def _new_per_day(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError("a whole number from 0 to 9999") from None
    if not 0 <= value <= 9999:
        raise ValueError("a whole number from 0 to 9999")
    return value


KNOBS: dict[str, Knob] = {k.name: k for k in (
    Knob("retention", "desired_retention",
         "how much of a deck you want to know at any time; higher costs more reviews",
         "0.9", _retention, lambda v: f"{v:g}", "desired_retention"),
    Knob("intervals", "scheduling_policy",
         "knowledge: each interval buys the most recall for the reviews it costs, keeping "
         "what the retention asks; retention: review when recall falls to the retention",
         "knowledge", _policy, str, "policy"),
    Knob("relearn", "relearning_steps",
         "a learned card you miss is asked again this long after (in the same session); "
         "off books it a day or more ahead, which costs fewer reviews",
         "10m", _steps, _show_steps, "relearning_steps"),
    Knob("new-per-day", "new_per_day",
         "new cards a day and deck, unless 'quiz start --new N' says otherwise",
         "20", _new_per_day, str, "new_per_day"),
)}


def knob(name: str) -> Knob:
    found = KNOBS.get(name.strip().lower().replace("_", "-"))
    if found is None:
        raise UsageError(f"no setting named {name!r}; the settings are "
                         f"{', '.join(KNOBS)}")
    return found


def parse(k: Knob, text: str) -> Any:
    """The value the learner typed, or a UsageError saying what is allowed."""
    try:
        return k.parse(text)
    except ValueError as e:
        raise UsageError(f"{k.name}: {text!r} is not a valid value: {e} "
                         f"(for example: quiz settings {k.name} {k.example})") from None


def default(k: Knob) -> Any:
    return getattr(Settings(), k.field)


def learner_settings(setting: Callable[[str], str | None]) -> Settings:
    """The scheduler's settings as the learner left them in the history's
    settings table (`setting` reads one): the knobs above and the fitted
    parameters. A stored value that does not parse is left at its default."""
    values: dict[str, Any] = {"parameters": parameters_from_json(setting("fsrs_parameters"))}
    for k in KNOBS.values():
        text = setting(k.key)
        if text is None:
            continue
        try:
            values[k.field] = k.parse(text)
        except ValueError:
            continue
    return replace(Settings(), **values)
