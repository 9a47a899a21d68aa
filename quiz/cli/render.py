"""`quiz stats` as text: figures and charts in at most 80 columns.

Pure functions from `Stats` to lines of text, so the output is tested
exactly. `plain=True` (NO_COLOR, TERM=dumb, or output not a terminal) draws
the charts with ASCII characters only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from quiz.history.stats import FORECAST_DAYS, RECENT_DAYS, HardCard, Stats
from quiz.textsafe import one_line
from quiz.wording import count

EIGHTHS = " ▁▂▃▄▅▆▇█"
TREND_HEIGHT = 6
TREND_SESSIONS = 60
HARDEST_SHOWN = 5


def cells(text: str) -> int:
    """The terminal cells `text` takes: two for a wide (CJK) character."""
    if text.isascii():
        return len(text)
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else len(text)


def clip(text: str, width: int) -> str:
    """`text` cut to at most `width` cells, ending in '…' when cut."""
    if cells(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        used += cells(ch)
        if used > width - 1:
            break
        kept.append(ch)
    return "".join(kept) + "…"


def pad(text: str, width: int) -> str:
    """`text` and spaces to fill `width` cells."""
    return text + " " * max(0, width - cells(text))


def duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m {int(seconds % 60):02d}s"
    return f"{minutes // 60}h {minutes % 60:02d}m"


def due_when(due: dt.datetime, now: dt.datetime | None, tz: dt.tzinfo | None = None) -> str:
    """When a card is due, as a learner can act on it at `now`: 'now', 'in 12
    min', 'today at 18:40', 'tonight at 01:30' (before the learner's day
    ends at 4 am), then by learner's day, as a review is due for the whole
    day: 'tomorrow', 'on Fri 04 Dec'. Local time, or `tz`; with no `now`,
    'Fri 04 Dec at 09:05'."""
    from quiz.days import learner_day

    local = due.astimezone(tz)
    if now is None:
        return f"{local:%a %d %b} at {local:%H:%M}"
    minutes = (due - now).total_seconds() / 60
    if minutes <= 0:
        return "now"
    if minutes < 60:
        return f"in {max(1, round(minutes))} min"
    zone = tz or local.tzinfo
    assert zone is not None
    day, today = learner_day(due, zone), learner_day(now, zone)
    if day == today:
        same_date = local.date() == now.astimezone(zone).date()
        return f"{'today' if same_date else 'tonight'} at {local:%H:%M}"
    if (day - today).days == 1:
        return "tomorrow"
    return f"on {day:%a %d %b}"


def interval(due: dt.datetime, now: dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """How long until `due`, short, as beside a flip card's ratings: '10 min',
    '5 h', then in the learner's days (a review is due for the whole day):
    '1 day', '12 days', '2.3 months', '1.4 years'."""
    from quiz.days import learner_day

    minutes = (due - now).total_seconds() / 60
    if minutes < 60:
        return f"{max(1, round(minutes))} min"
    zone = tz or due.astimezone().tzinfo
    assert zone is not None
    days = (learner_day(due, zone) - learner_day(now, zone)).days
    if days < 1:
        return f"{round(minutes / 60)} h"
    if days < 31:
        return f"{days} day{'s' if days > 1 else ''}"
    if days < 365:
        return f"{days / 30.44:.1f} months"
    return f"{days / 365.25:.1f} years"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def bar(fraction: float, width: int, plain: bool) -> str:
    """A horizontal bar of `width` cells filled to `fraction` (0..1)."""
    fraction = min(max(fraction, 0.0), 1.0)
    if plain:
        full = round(fraction * width)
        return "#" * full + "." * (width - full)
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (EIGHTHS[part] if part else "")
    return text + "·" * (width - len(text))


def columns(values: Sequence[float], top: float, height: int, plain: bool,
            width: int = 1, gap: int = 0) -> list[str]:
    """A vertical column chart, `height` rows, top row first."""
    rows = []
    for level in range(height, 0, -1):
        cells = []
        for v in values:
            filled = 0.0 if top <= 0 else min(v / top, 1.0) * height
            if filled >= level:
                ch = "#" if plain else "█"
            elif filled > level - 1 and not plain:
                ch = EIGHTHS[round((filled - (level - 1)) * 8)]
            elif filled > level - 1 and filled - (level - 1) >= 0.5:
                ch = "#"
            else:
                ch = " "
            cells.append(ch * width + " " * gap)
        rows.append("".join(cells).rstrip())
    return rows


def stats_lines(s: Stats, tz: dt.tzinfo, plain: bool, width: int = 80,
                policy: str = "retention") -> list[str]:
    """`policy`: the scheduler's (quiz settings intervals), which says what
    share of reviews is expected to be recalled."""
    width = max(60, min(width, 100))
    scope = ", ".join(s.decks) if s.decks else "all decks"
    local_now = s.generated_at.astimezone(tz)
    out = [f"Progress · {one_line(scope)} · {local_now:%a %d %b %Y %H:%M}"]
    if not s.reviews:
        out.append("No answers yet. Run 'quiz start' to begin.")
        return out
    st = s.streak
    today = "" if st.studied_today or not st.current else " (study today to keep it)"
    out.append(f"  {count(s.reviews, 'answer')} · {count(s.cards_seen, 'card')} · "
               f"{count(len(s.sessions), 'session')} · {duration(s.seconds)} studied")
    out.append(f"  Streak: {count(st.current, 'day')}{today} · longest {st.longest} · "
               f"{count(st.days_studied, 'day')} studied")
    out += _trend(s, tz, plain, width)
    out += _tags(s, plain, width)
    out += _retention(s, plain, policy)
    out += _forecast(s, plain)
    out += _hardest(s, width)
    return out


def _trend(s: Stats, tz: dt.tzinfo, plain: bool, width: int) -> list[str]:
    shown = s.sessions[-min(TREND_SESSIONS, width - 8):]
    if not shown:  # answers without a counted session (written by another tool)
        return []
    out = ["", f"Score by session (last {len(shown)}, oldest left)"]
    chart = columns([x.score for x in shown], 100.0, TREND_HEIGHT, plain)
    labels = {0: "100%", TREND_HEIGHT // 2: " 50%", TREND_HEIGHT - 1: "  0%"}
    for i, row in enumerate(chart):
        out.append(f"  {labels.get(i, '    ')} |{row}")
    first = shown[0].started_at.astimezone(tz)
    last = shown[-1].started_at.astimezone(tz)
    span = f"{first:%d %b}" + (f" … {last:%d %b}" if len(shown) > 1 else "")
    out.append(f"       +{'-' * len(shown)}  {span}")
    recent = shown[-1]
    out.append(f"  Last session: {recent.asked} asked, score {recent.score:.0f}%"
               + ("" if recent.finished else " (stopped early)"))
    return out


def _tags(s: Stats, plain: bool, width: int) -> list[str]:
    if not s.tags:
        return []
    name_w = min(max(cells(one_line(t.tag)) for t in s.tags), 16)
    bar_w = max(10, min(30, width - name_w - 30))
    out = ["", "Score by tag"]
    for t in s.tags:
        name = pad(clip(one_line(t.tag), name_w), name_w)
        out.append(f"  {name} {bar(t.score / 100, bar_w, plain)} {t.score:4.0f}%  "
                   f"({count(t.asked, 'answer')})")
    return out


# Under the knowledge policy a review is booked when it buys the most
# recall for its cost, not when recall falls to the desired retention: in
# the simulation in bench/ (RESULTS.md) 70-80% of such reviews were recalled
# for 90% desired. Outside this band something is off.
KNOWLEDGE_BAND = (0.65, 0.88)
FEW_REVIEWS = 20  # fewer: a share says little yet


def _retention(s: Stats, plain: bool, policy: str = "retention") -> list[str]:
    r = s.retention
    out = ["", "True retention (learned cards recalled when due)"]
    if r.rate is None:
        out.append("  no reviews of learned cards yet")
        return out
    knowledge = policy == "knowledge"
    aim = "desired" if knowledge else "target"
    out.append(f"  all time {percent(r.rate)} of {r.reviews:,} · last {RECENT_DAYS} days "
               f"{percent(r.recent_rate)} of {r.recent_reviews:,} · {aim} "
               f"{percent(r.desired)}")
    rate = r.recent_rate if r.recent_rate is not None else r.rate
    seen = r.recent_reviews if r.recent_rate is not None else r.reviews
    if seen < FEW_REVIEWS:
        verdict = f"too few reviews to judge yet ({FEW_REVIEWS} needed)"
    elif knowledge:
        low, high = KNOWLEDGE_BAND
        band = f"{low:.0%}-{high:.0%}"
        verdict = (f"as expected: intervals are chosen for knowledge per review, so about "
                   f"{band} of reviews are recalled" if low <= rate <= high else
                   f"above the {band} expected: intervals could be longer" if rate > high
                   else f"below the {band} expected: consider 'quiz optimize'")
    else:
        gap = rate - r.desired
        verdict = ("on target" if abs(gap) <= 0.03 else
                   "above target: intervals could be longer" if gap > 0 else
                   "below target: consider 'quiz optimize' or shorter sessions more often")
    out.append(f"  {verdict}")
    return out


def _forecast(s: Stats, plain: bool) -> list[str]:
    counts = [n for _, n in s.forecast]
    out = ["", f"Due in the next {FORECAST_DAYS} days (today includes overdue)"]
    top = max(counts)
    if top == 0:
        out.append("  nothing scheduled")
        return out
    for row in columns(counts, top, 4, plain, width=3, gap=1):
        out.append(f"  {row}")
    out.append("  " + " ".join(f"{d.day:>3}" for d, _ in s.forecast))
    out.append("  " + " ".join(f"{n:>3}" if n < 1000 else f"{n // 1000:>2}k"
                               for n in counts))
    return out


def recall_now(h: HardCard, now: dt.datetime | None = None) -> str:
    """A hard card's predicted recall now, or why it has none: 'seen today'
    for a card reviewed in the last day (its recall is near 100% whatever
    happened before, which says nothing of how hard it is)."""
    if h.recall is not None:
        if now is not None and h.last_seen is not None and now - h.last_seen < dt.timedelta(1):
            return "seen today"
        return percent(h.recall)
    return "learning" if h.scheduled else "no schedule"


def _hardest(s: Stats, width: int) -> list[str]:
    if not s.hardest:
        return []
    out = ["", "Hardest cards"]
    shown = s.hardest[:HARDEST_SHOWN]
    # columns of one width each, so the questions start in one column
    lapses = max(len(str(h.lapses)) for h in shown)
    wrong = max(len(str(h.wrong)) for h in shown)
    asked = max(len(str(h.asked)) for h in shown)
    for h in shown:
        recall = recall_now(h, s.generated_at)
        recall = f"recall {recall}" if recall.endswith("%") else recall
        head = f"  {h.wrong:>{wrong}}/{h.asked:<{asked}} wrong " \
               f"{h.lapses:>{lapses}} lapse{'s' if h.lapses != 1 else ' '} {recall:<11} "
        text = one_line(h.question or f"{h.deck_id}/{h.card_id}")
        out.append(head + clip(text, width - len(head) - 1))
    return out
