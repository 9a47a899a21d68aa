"""Figures and dates as people write them, read into numbers and days.

One module for the deck loader (an answer of '4,500' or '7 January 2022'),
grading (what a learner typed), authoring (`quiz add`, `quiz import`) and
the drafting of decks from articles, so all of them read '4.500', 'about
2,000' or 'Jan 7th' the same way. Part of the parsed-deck cache's key.
The number-word and date parsers are imported on first use (60-90 ms).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

# a comma that separates items: not one inside a figure such as 4,500
_ITEM_COMMA = re.compile(r"(?<!\d),|,(?!\d{3}(?:\D|$))")


def split_list(text: str) -> list[str]:
    """Items typed as one line, separated by commas: 'Astana, Almaty' ->
    [Astana, Almaty]; '4,500, 2,000' -> [4,500, 2,000] (a comma inside a
    figure does not separate)."""
    return [t.strip() for t in _ITEM_COMMA.split(text) if t.strip()]


# a figure as written in a deck: 225, 4,500, 2.5 (its thousands grouped with commas or not)
FIGURE = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"


def numeric_answer(text: str) -> float | None:
    """'225' or '4,500' -> a number; anything else -> None."""
    t = text.strip()
    if re.fullmatch(FIGURE, t):
        return float(t.replace(",", ""))
    return None


# --- numbers ----------------------------------------------------------

_QUALIFIERS = re.compile(
    r"^(?:more than|less than|fewer than|over|under|about|around|roughly|approximately|"
    r"approx\.?|some|nearly|almost|at least|at most|up to|~|>|<|≈)\s*",
    re.I,
)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9,
          "bn": 1e9, "billion": 1e9, "hundred": 1e2}
_NUMERIC = re.compile(
    r"([-+]?(?:\d{1,3}(?:[ ,\u00a0\u202f]\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+)\s*([a-z]+)?"
)


_DECIMAL_COMMA = re.compile(r"^([-+]?\d+),(\d{1,2})(?![\d,])")


# '4.500', '1.000.000', '4.500,5': thousands grouped with dots, as much of
# Europe writes them (an optional decimal comma after)
_DOT_GROUPED = re.compile(r"([-+]?[1-9]\d{0,2}(?:\.\d{3})+)(,\d+)?(?![\d.,])")


def _readings(t: str) -> list[str]:
    """The ways a figure may be meant: '4.500' is 4.5 as English writes it or
    4500 with a dot grouping its thousands; '1.000.000' and '4.500,5' have
    only the grouped reading."""
    m = _DOT_GROUPED.match(t)
    if m is None:
        return [t]
    whole, decimals = m.groups()
    grouped = whole.replace(".", "") + (decimals or "").replace(",", ".") + t[m.end():]
    if decimals or whole.count(".") > 1:
        return [grouped]
    return [t, grouped]


def number_readings(text: str) -> tuple[float, ...]:
    """Every figure `text` may mean, the English reading first: '4,500' ->
    (4500,); '4.500' -> (4.5, 4500); not a number -> ()."""
    t = text.strip().lower().rstrip(".")
    t = _QUALIFIERS.sub("", t).strip().removesuffix("+").strip()  # '2,000+': more than
    t = re.sub(r"\s*(?:%|per ?cent)$", "", t)  # '40%', '40 percent': the figure is 40
    t = re.sub(r"^[$€£¥₸₽]\s*", "", t)  # '$4.5 billion', '₸500': the figure, not the money
    # 'the fourth', 'Article 4', 'No. 4': the number the words name
    t = re.sub(r"^(?:the|article|art\.|no\.|number)\s+", "", t).strip()
    if not t:
        return ()
    values: list[float] = []
    for reading in _readings(t):
        value = _number(reading)
        # 400 nines are past what a float holds: not a figure anyone means
        if value is not None and math.isfinite(value) and value not in values:
            values.append(value)
    return tuple(values)


def parse_number(text: str) -> float | None:
    """'4,500', '4500', '4 500', '4.5k', '4,500+', 'four thousand five hundred' -> 4500.
    Of two readings ('4.500'), the English one (4.5); see `number_readings`."""
    readings = number_readings(text)
    return readings[0] if readings else None


def _number(t: str) -> float | None:
    """The figure of a prepared text (lower case, no qualifier or currency)."""
    # a decimal comma, as much of Europe and Kazakhstan write it: '4,5', '1,25 million'
    # ('4,500', with three digits after it, is four thousand five hundred)
    t = _DECIMAL_COMMA.sub(r"\1.\2", t)
    m = _NUMERIC.fullmatch(t)
    if m:
        value = float(re.sub(r"[ ,\u00a0\u202f]", "", m.group(1)))
        unit = m.group(2)
        if unit is None:
            return value
        if unit in _SCALE:
            return value * _SCALE[unit]
        return value  # '250 units', '225 people': the figure is the number
    words = re.sub(r"\b(people|units|persons|officers)\b", "", t).strip()
    from text_to_num import text2num

    try:
        return float(text2num(words, "en"))
    except ValueError:
        pass
    from text_to_num import alpha2digit

    # an ordinal in words: 'fourth' -> '4th', 'twenty-first' -> '21st'
    ordinal = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", alpha2digit(words, "en").strip())
    return float(ordinal.group(1)) if ordinal else None


# --- dates ------------------------------------------------------------

_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b", re.I)
_NUMERIC_DATE = re.compile(r"\d{1,4}\s*[-/.]\s*\d{1,2}(?:\s*[-/.]\s*\d{1,4})?")


@dataclass(frozen=True, slots=True)
class ParsedDate:
    readings: tuple[dt.date, ...]  # more than one when day and month are ambiguous
    has_year: bool


_YEAR_FIRST = re.compile(r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?!\d)")


def _parse(text: str, default: dt.datetime, dayfirst: bool = False) -> dt.datetime:
    """dateutil's parse, without the warnings it prints for words it takes for
    time zones ('10:00 T'): a learner's answer or a deck's text is not code."""
    import warnings

    from dateutil import parser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed: dt.datetime = parser.parse(text, default=default, dayfirst=dayfirst)
    return parsed


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
# a longer word that starts like a month: 'Janury', 'Febuary', 'Septmber'
_MONTHISH = re.compile(r"\b(?:jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)[a-z]{2,}\b", re.I)


def _month_spelled(match: re.Match[str]) -> str:
    import difflib

    word = match.group(0).lower()
    if word in _MONTHS or word in ("sept", "sept."):
        return match.group(0)
    close = difflib.get_close_matches(word, _MONTHS, n=1, cutoff=0.75)
    return close[0] if close else match.group(0)


def _date_text(text: str) -> str | None:
    """The text as dateutil should read it ('the' and 'of' left out, a month's
    name spelt right), or None when it holds no month and no numeric date."""
    t = text.strip()
    if not t or not (_MONTH.search(t) or _NUMERIC_DATE.search(t)):
        return None
    t = re.sub(r"\b(?:the|of)\b", " ", t, flags=re.I).strip()
    return _MONTHISH.sub(_month_spelled, t)


def parse_date(text: str) -> ParsedDate | None:
    """'Jan 7', '7 January 2022', '2022-01-07', 'January 7th, 2022', '7/1/2022',
    'the 7th of January'; a month misspelled ('Janury') is read as meant."""
    t = _date_text(text)
    return None if t is None else _read_date(t)


def _read_date(t: str) -> ParsedDate | None:
    """parse_date of a text already made ready for dateutil by _date_text."""
    readings: list[dt.date] = []
    has_year = True
    # 7/1 may be either; 2022-01-07 (year first, as ISO 8601) is only month then day
    for dayfirst in (False,) if _YEAR_FIRST.match(t) else (False, True):
        try:
            a = _parse(t, dt.datetime(2000, 1, 1), dayfirst)
            # two leap years, so "29 Feb" without a year still reads as a date
            b = _parse(t, dt.datetime(2004, 1, 1), dayfirst)
        except (ValueError, OverflowError):
            continue
        has_year = a.year == b.year
        if a.date() not in readings:
            readings.append(a.date())
    if not readings:
        return None
    return ParsedDate(tuple(readings), has_year)


def full_date(text: str) -> dt.date | None:
    """The one day that `text` names with its day, month and year ('6 January
    2022', 'Jan 6, 2022', '2022-01-06'), or None: not a date, no day or no
    year, or a day and month that could be either way round (6/1/2022)."""
    t = _date_text(text)
    parsed = None if t is None else _read_date(t)
    if parsed is None or t is None or not parsed.has_year or len(parsed.readings) != 1:
        return None
    try:  # a text without its day ('January 2022') takes the default's day
        other = _parse(t, dt.datetime(2000, 1, 15))
    except (ValueError, OverflowError):
        return None
    return parsed.readings[0] if other.date() == parsed.readings[0] else None


_PLAIN_FIGURE = re.compile(FIGURE + r"(?:\s*(?:thousand|million|billion))?", re.I)


def figure(text: str) -> tuple[float, str | None] | None:
    """A text that is only a figure, with its qualifier if any ('about 2,000'
    -> (2000, 'about'); '1.2 million' -> (1200000, None)); None otherwise
    ('100m', '1st', 'Khabar 24' and number words are left alone)."""
    t = text.strip()
    rest = _QUALIFIERS.sub("", t).strip()
    if not _PLAIN_FIGURE.fullmatch(rest):
        return None
    value = parse_number(rest)
    if value is None:
        return None
    qualifier = t[: len(t) - len(rest)].strip() or None
    return value, qualifier


def day_in_year(text: str, year: int | None) -> dt.date | None:
    """The date `text` names, a missing year taken to be `year`; an ambiguous
    7/1 is read month first. None when it is not a date, or has no year and
    `year` is None, or is 29 February of a year without one."""
    parsed = parse_date(text)
    if parsed is None:
        return None
    day = parsed.readings[0]
    if parsed.has_year:
        return day
    if year is None:
        return None
    try:
        return day.replace(year=year)
    except ValueError:
        return None
