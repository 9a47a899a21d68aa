"""`quiz stats --html`: one self-contained page with the same figures.

Inline CSS and SVG only: no scripts, fonts or images from anywhere, so the
page opens offline and can be mailed or kept. Every piece of text from
decks or answers is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from pathlib import Path

from quiz.cli.render import duration, percent, recall_now
from quiz.history.stats import RECENT_DAYS, Stats
from quiz.wording import count

CSS = """
body{font:15px/1.45 system-ui,sans-serif;max-width:860px;margin:2em auto;padding:0 1em;
color:#1d232a;background:#fff}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.1em;margin-top:1.8em}
.muted{color:#5b6670}table{border-collapse:collapse;width:100%}
td,th{padding:.25em .5em;border-bottom:1px solid #e3e7eb;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font:11px system-ui,sans-serif;fill:#5b6670}
.figures{display:flex;gap:2em;flex-wrap:wrap}.figures b{display:block;font-size:1.4em}
@media (prefers-color-scheme:dark){body{background:#15191d;color:#e6e9ec}
td,th{border-color:#2c333a}}
"""
BLUE = "#2f6fb3"
GREEN = "#2e8b57"
GREY = "#c9d1d8"


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f'<svg role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" '
            f'width="100%" xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>")


TREND_MAX = 300  # sessions in the score chart


def trend_svg(scores: Sequence[float], labels: Sequence[str]) -> str:
    """Score per session (0-100) as a line with points, oldest left."""
    w, h, left, top, bottom = 800, 220, 40, 10, 30
    plot_w, plot_h = w - left - 10, h - top - bottom
    body = []
    for pct in (0, 50, 100):
        y = top + plot_h * (1 - pct / 100)
        body.append(f'<line x1="{left}" x2="{w - 10}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{GREY}" stroke-width="1"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{pct}%</text>')
    n = len(scores)
    step = plot_w / max(n - 1, 1)
    points = [(left + (i * step if n > 1 else plot_w / 2), top + plot_h * (1 - v / 100))
              for i, v in enumerate(scores)]
    if n > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
    for (x, y), v, lab in zip(points, scores, labels, strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BLUE}">'
                    f'<title>{escape(lab)}: {v:.0f}%</title></circle>')
    if labels:
        body.append(f'<text x="{left}" y="{h - 8}">{escape(labels[0])}</text>')
        body.append(f'<text x="{w - 10}" y="{h - 8}" text-anchor="end">'
                    f'{escape(labels[-1])}</text>')
    return _svg(w, h, body, "Score by session")


def bars_svg(rows: Sequence[tuple[str, float, str]], top: float, color: str) -> str:
    """Horizontal bars: (label, value, text shown after the bar)."""
    w, row_h, left = 800, 26, 170
    h = row_h * len(rows) + 6
    body = []
    for i, (label, value, note) in enumerate(rows):
        y = 4 + i * row_h
        length = 0 if top <= 0 else (w - left - 170) * min(value / top, 1)
        body.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">'
                    f'{escape(label[:28])}</text>')
        body.append(f'<rect x="{left}" y="{y + 3}" width="{w - left - 170}" height="16" '
                    f'fill="{GREY}" opacity=".35"/>')
        body.append(f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="16" '
                    f'fill="{color}"/>')
        body.append(f'<text x="{w - 162}" y="{y + 15}">{escape(note)}</text>')
    return _svg(w, h, body, "bar chart")


def columns_svg(values: Sequence[int], labels: Sequence[str]) -> str:
    w, h, top, bottom = 800, 180, 18, 24
    n = max(len(values), 1)
    slot = w / n
    peak = max(values, default=0) or 1
    body = []
    for i, (v, lab) in enumerate(zip(values, labels, strict=True)):
        bar_h = (h - top - bottom) * v / peak
        x = i * slot + slot * 0.15
        y = h - bottom - bar_h
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                    f'height="{bar_h:.1f}" fill="{GREEN}"/>')
        body.append(f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" '
                    f'text-anchor="middle">{v}</text>')
        body.append(f'<text x="{x + slot * 0.35:.1f}" y="{h - 6}" '
                    f'text-anchor="middle">{escape(lab)}</text>')
    return _svg(w, h, body, "Cards due per day")


def render_html(s: Stats, tz: dt.tzinfo) -> str:
    scope = ", ".join(s.decks) if s.decks else "all decks"
    when = s.generated_at.astimezone(tz)
    parts = [f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
             f"<title>quiz progress · {escape(scope)}</title><style>{CSS}</style></head><body>",
             f"<h1>Progress · {escape(scope)}</h1>",
             f"<p class=\"muted\">{escape(f'{when:%A %d %B %Y, %H:%M}')}</p>"]
    st, r = s.streak, s.retention
    figures = [("answers", f"{s.reviews:,}"), ("cards", f"{s.cards_seen:,}"),
               ("sessions", f"{len(s.sessions):,}"), ("studied", duration(s.seconds)),
               ("streak", f"{st.current} d (best {st.longest})"),
               ("true retention", f"{percent(r.rate)} (target {percent(r.desired)})")]
    parts.append('<div class="figures">' + "".join(
        f"<div><b>{escape(v)}</b><span class=\"muted\">{escape(k)}</span></div>"
        for k, v in figures) + "</div>")
    if s.sessions:
        # an 800-pixel chart shows a few hundred points; a year of daily use
        # across decks can hold tens of thousands of sessions
        shown = s.sessions[-TREND_MAX:]
        labels = [f"{x.started_at.astimezone(tz):%d %b %H:%M}" for x in shown]
        title = ("Score by session" if len(shown) == len(s.sessions) else
                 f"Score by session (the last {len(shown):,} of {len(s.sessions):,})")
        parts += [f"<h2>{title}</h2>", trend_svg([x.score for x in shown], labels)]
    if s.tags:
        parts += ["<h2>Score by tag</h2>", bars_svg(
            [(t.tag, t.score, f"{t.score:.0f}% of {t.asked:,}") for t in s.tags], 100, BLUE)]
    parts.append("<h2>True retention</h2><p>Learned cards recalled when due: "
                 f"{percent(r.rate)} of {count(r.reviews, 'review')}; last {RECENT_DAYS} days "
                 f"{percent(r.recent_rate)} of {r.recent_reviews:,}. The scheduler aims for "
                 f"{percent(r.desired)}.</p>")
    parts += ["<h2>Due in the next 14 days</h2>", columns_svg(
        [n for _, n in s.forecast], [f"{d:%d %b}" if i == 0 else f"{d.day}"
                                     for i, (d, _) in enumerate(s.forecast)]),
        "<p class=\"muted\">The first day includes every overdue card.</p>"]
    if s.hardest:
        parts.append("<h2>Hardest cards</h2><table><tr><th>question</th><th>deck</th>"
                     "<th class=n>wrong</th><th class=n>lapses</th><th class=n>recall now</th>"
                     "</tr>")
        for h in s.hardest:
            parts.append(f"<tr><td>{escape(h.question or h.card_id)}</td>"
                         f"<td>{escape(h.deck_id)}</td><td class=n>{h.wrong}/{h.asked}</td>"
                         f"<td class=n>{h.lapses}</td>"
                         f"<td class=n>{recall_now(h, s.generated_at)}</td></tr>")
        parts.append("</table>")
    if s.sessions:
        parts.append("<h2>Sessions</h2><table><tr><th>started</th><th>decks</th><th>mode</th>"
                     "<th class=n>asked</th><th class=n>score</th><th class=n>time</th></tr>")
        for x in reversed(s.sessions[-100:]):
            parts.append(f"<tr><td>{x.started_at.astimezone(tz):%Y-%m-%d %H:%M}</td>"
                         f"<td>{escape(', '.join(x.decks))}</td><td>{escape(x.mode)}</td>"
                         f"<td class=n>{x.asked:,}</td><td class=n>{x.score:.0f}%</td>"
                         f"<td class=n>{duration(x.seconds)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_report(s: Stats, tz: dt.tzinfo, path: Path) -> None:
    """Write the page atomically: a failed write leaves no half page."""
    from quiz.fileio import replace_file

    replace_file(path, render_html(s, tz))
