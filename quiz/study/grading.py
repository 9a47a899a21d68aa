"""Answer text -> verdict (right / partly / wrong, with a hint), per card type.

Pure functions of the card and what the learner gave. Figures and dates are
read by `quiz.figures`, which the front end also uses to re-ask an
unparseable number or date instead of marking it wrong. The fuzzy matcher is
imported on first use.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Sequence

from quiz.figures import (
    number_readings,
    parse_date,
)
from quiz.models import BLANK, Card, CardType, Outcome, Verdict
from quiz.wording import answer_text

__all__ = ["grade", "is_year", "normalize", "parse_bool"]


# --- text -----------------------------------------------------------------

_ARTICLES = {"the", "a", "an"}


@functools.lru_cache(maxsize=4096)  # a card's answers are normalized at every grading
def normalize(text: str) -> str:
    """Case, accents, punctuation and a leading article do not matter."""
    if text.isascii():  # NFKD leaves ASCII as it is, with no accents to drop
        plain = text
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[\W_]+", " ", plain.casefold()).split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


def allowed_typos(length: int) -> int:
    """Typos forgiven for an answer of `length` letters: none for short words."""
    if length <= 3:
        return 0
    if length <= 6:
        return 1
    if length <= 12:
        return 2
    return 3


# Words that say what kind of thing a name is. A learner may add one the card
# asks for ("Almaty city", "Mangystau oblast" for Mangystau Region) or move it
# ("the Department of Eurasian Integration"), but not leave out one of the
# answer's own ("Mexico" is not Mexico City) or swap it for another ("Almaty
# region" is not the city, "Defense Department" not the Defense Ministry).
# Articles, 'of' and 'and' do not count anywhere in a name.
_FILLERS = {"the", "a", "an", "of", "and"}
_KINDS = {"city": "city", "town": "town", "village": "village", "region": "region",
          "oblast": "region", "province": "region", "district": "district",
          "county": "county", "republic": "country", "country": "country",
          "department": "department", "dept": "department", "ministry": "ministry"}


@functools.lru_cache(maxsize=4096)
def _core(normalized: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The words of a name without fillers and kind words, sorted, and its
    kinds: 'department of eurasian integration' -> (eurasian, integration),
    {department}."""
    words = [w for w in normalized.split() if w not in _FILLERS]
    kinds = frozenset(_KINDS[w] for w in words if w in _KINDS)
    return tuple(sorted(w for w in words if w not in _KINDS)), kinds


def _asked_kinds(card: Card) -> frozenset[str]:
    """What kind of thing the card asks for: the kind words of its answer, its
    `kind`, or else the one kind word of its question ('which city')."""
    kinds = set(_core(normalize(str(card.answer)))[1])
    if card.kind and card.kind in _KINDS:
        kinds.add(_KINDS[card.kind])
    if not kinds:
        said = {_KINDS[w] for w in normalize(card.question).split() if w in _KINDS}
        if len(said) == 1:
            kinds = said
    return frozenset(kinds)


def _kinds_fit(given: frozenset[str], answer: frozenset[str], asked: frozenset[str]) -> bool:
    return answer <= given <= answer | asked


def _initials_fit(given: str, answer: str, candidates: list[str]) -> bool:
    """'S. Lavrov' for Sergey Lavrov, 'K.-J. Tokayev' for Kassym-Jomart
    Tokayev: initials, each the first letter of a name the answer has, with
    the rest an accepted answer on its own."""
    words = given.split()
    initials = [w for w in words if len(w) == 1]
    rest = sorted(w for w in words if len(w) > 1)
    if not initials or not rest or not any(sorted(c.split()) == rest for c in candidates):
        return False
    firsts = [w[0] for w in answer.split() if w not in rest]
    for letter in initials:
        if letter not in firsts:
            return False
        firsts.remove(letter)
    return True


def grade_text(card: Card, given: str) -> Verdict:
    expected = answer_text(card)
    candidates = [str(card.answer), *card.accept]
    g = normalize(given)
    if not g:
        return Verdict(Outcome.WRONG, expected)
    for c in candidates:
        n = normalize(c)
        if g == n or g.replace(" ", "") == n.replace(" ", "") or sorted(g.split()) == sorted(
            n.split()
        ):
            return Verdict(Outcome.RIGHT, expected)
    g_core, g_kinds = _core(g)
    asked = _asked_kinds(card) if g_kinds else frozenset()
    for c in candidates:
        n_core, n_kinds = _core(normalize(c))
        if g_core and g_core == n_core and _kinds_fit(g_kinds, n_kinds, asked):
            return Verdict(Outcome.RIGHT, expected)
    if _initials_fit(g, normalize(str(card.answer)), [normalize(c) for c in candidates]):
        return Verdict(Outcome.RIGHT, expected)
    from rapidfuzz.distance import Levenshtein

    best: tuple[int, str] | None = None
    hedged = "or" in g.split()  # 'Armenia or Belarus': two answers, not a typo of one
    for c in candidates:
        n = normalize(c)
        if hedged and "or" not in n.split():
            continue
        n_core, n_kinds = _core(n)
        forms = [(g.replace(" ", ""), n.replace(" ", ""))]
        if g_core and n_core and _kinds_fit(g_kinds, n_kinds, asked):  # 'Mangistau oblast'
            forms.append(("".join(g_core), "".join(n_core)))
        for mine, theirs in forms:
            limit = allowed_typos(len(theirs))
            d = Levenshtein.distance(mine, theirs, score_cutoff=limit)
            if d <= limit and (best is None or d < best[0]):
                best = (d, c)
    if best is not None:  # the answer line shows `expected`: name only another spelling
        hint = "almost: check the spelling" if best[1] == expected else f"almost: {best[1]}"
        return Verdict(Outcome.PARTLY, expected, hint)
    return Verdict(Outcome.WRONG, expected)


# --- numbers --------------------------------------------------------------

def number_bands(card: Card) -> tuple[float, float]:
    """(right within, partly right within) for a number card: a tenth of the
    figure is close, but for a year ('In which year...?') one year is."""
    assert isinstance(card.answer, int | float)
    right = card.tolerance
    if _is_year(card):
        return right, max(3 * right, 1.0)
    partly = max(3 * right, 0.1 * abs(float(card.answer)))
    return right, partly


def _is_year(card: Card) -> bool:
    answer = card.answer
    return (isinstance(answer, int | float) and not isinstance(answer, bool)
            and is_year(answer, card.question))


def is_year(value: float, question: str) -> bool:
    """Whether a figure is a year: a whole number from 1000 to 2999 that
    answers a question saying 'year' (not a count of 2002 troops)."""
    return float(value).is_integer() and 1000 <= value <= 2999 and "year" in normalize(
        question).split()


def grade_number(card: Card, given: str) -> Verdict:
    expected = answer_text(card)
    readings = number_readings(given)
    if not readings:
        return Verdict(Outcome.WRONG, expected, "that is not a number")
    assert isinstance(card.answer, int | float)
    right, partly = number_bands(card)
    # '4.500' for 4,500 is right: of two readings, the learner meant the nearer
    off = min(abs(value - float(card.answer)) for value in readings)
    if off <= right + 1e-9:
        return Verdict(Outcome.RIGHT, expected)
    if off <= partly:
        return Verdict(Outcome.PARTLY, expected, "close, but not within the tolerance")
    return Verdict(Outcome.WRONG, expected)


# --- dates ----------------------------------------------------------------

def grade_date(card: Card, given: str, implied_year: int | None) -> Verdict:
    assert isinstance(card.answer, dt.date)
    answer = card.answer
    expected = answer_text(card)
    parsed = parse_date(given)
    if parsed is None:
        return Verdict(Outcome.WRONG, expected, "that is not a date")
    for d in parsed.readings:
        if parsed.has_year and d == answer:
            return Verdict(Outcome.RIGHT, expected)
        if not parsed.has_year and (d.month, d.day) == (answer.month, answer.day):
            if implied_year == answer.year:
                return Verdict(Outcome.RIGHT, expected)
            return Verdict(Outcome.PARTLY, expected, "right day; the year is missing")
    for d in parsed.readings:
        year = d.year if parsed.has_year else (implied_year or answer.year)
        try:
            candidate = d.replace(year=year)
        except ValueError:
            continue
        if abs((candidate - answer).days) == 1:
            return Verdict(Outcome.PARTLY, expected, "one day off")
        if parsed.has_year and (d.month, d.day) == (answer.month, answer.day):
            return Verdict(Outcome.PARTLY, expected, "right day, wrong year")
    return Verdict(Outcome.WRONG, expected)


# --- choices, multi, order, true/false --------------------------------------

def pick(options: Sequence[str], given: str) -> str | None:
    """An option chosen by its text, letter (b) or number (2). The text comes
    first: the front ends pass the label picked, and an option such as "225"
    or "3" is that text, not the 225th or the third option."""
    if given in options:
        return given
    t = given.strip().rstrip(").").strip()
    if len(t) == 1 and t.isalpha():
        i = ord(t.lower()) - ord("a")
        return options[i] if 0 <= i < len(options) else None
    if t.isdigit():
        i = int(t) - 1
        return options[i] if 0 <= i < len(options) else None
    n = normalize(t)
    for o in options:
        if normalize(o) == n:
            return o
    return None


def grade_choice(card: Card, options: Sequence[str], given: str) -> Verdict:
    expected = answer_text(card)
    chosen = pick(options, given)
    if chosen is not None and chosen == card.answer:
        return Verdict(Outcome.RIGHT, expected)
    return Verdict(Outcome.WRONG, expected)


def grade_multi(card: Card, options: Sequence[str], given: Sequence[str] | str) -> Verdict:
    """Select all that apply: one slip (a missing or an extra pick) is partly right."""
    assert isinstance(card.answer, tuple)
    expected = answer_text(card)
    items = re.split(r"[,;]\s*|\s+", given.strip()) if isinstance(given, str) else list(given)
    chosen = {p for p in (pick(options, i) for i in items if i.strip()) if p is not None}
    wanted = set(card.answer)
    missing, extra = wanted - chosen, chosen - wanted
    if not missing and not extra:
        return Verdict(Outcome.RIGHT, expected)
    if len(missing) + len(extra) == 1 and chosen:
        slip = f"missed {next(iter(missing))}" if missing else f"{next(iter(extra))} is not one"
        return Verdict(Outcome.PARTLY, expected, f"one slip: {slip}")
    # the list showed only "done (3 selections)": say what was picked
    picked = [o for o in options if o in chosen] or sorted(chosen)
    return Verdict(Outcome.WRONG, expected, f"you picked {', '.join(picked) or 'none'}")


def grade_order(card: Card, given: Sequence[str]) -> Verdict:
    """Right when every item is in place; partly when all but two are (one swap)."""
    assert isinstance(card.answer, tuple)
    expected = answer_text(card)
    placed = sum(1 for a, b in zip(card.answer, given, strict=False) if a == b)
    n = len(card.answer)
    hint = f"{placed} of {n} in the right place"
    if placed == n and len(given) == n:
        return Verdict(Outcome.RIGHT, expected)
    if n >= 3 and placed >= n - 2 and sorted(given) == sorted(card.answer):
        return Verdict(Outcome.PARTLY, expected, hint)
    return Verdict(Outcome.WRONG, expected, hint)


_TRUE = {"t", "true", "yes", "y", "1", "right", "correct"}
_FALSE = {"f", "false", "no", "n", "0", "wrong", "incorrect"}


def parse_bool(text: str) -> bool | None:
    t = normalize(text)
    return True if t in _TRUE else False if t in _FALSE else None


def grade_truefalse(card: Card, given: str) -> Verdict:
    expected = answer_text(card)
    value = parse_bool(given)
    if value is not None and value == card.answer:
        return Verdict(Outcome.RIGHT, expected)
    return Verdict(Outcome.WRONG, expected)


def blank_filled(question: str, given: str) -> str:
    """What fills the blank, when a cloze answer retypes the sentence around
    it ('... Kyrgyzstan, Russia and Tajikistan.' -> 'russia'); else `given`."""
    before, _, after = question.partition(BLANK)
    head, tail = normalize(before).split(), normalize(after).split()
    words = normalize(given).split()
    if (not head and not tail) or len(words) <= len(head) + len(tail):
        return given
    if words[:len(head)] == head and words[len(words) - len(tail):] == tail:
        return " ".join(words[len(head):len(words) - len(tail)])
    return given


def grade(card: Card, given: str | Sequence[str], options: Sequence[str] = (),
          implied_year: int | None = None) -> Verdict:
    """Grade any card. `options` are the choices as shown (choice/multi);
    `given` is text, or a list for multi and order cards."""
    t = card.type
    if t is CardType.ORDER:
        return grade_order(card, [given] if isinstance(given, str) else list(given))
    if t is CardType.MULTI:
        return grade_multi(card, options or card.choices or (), given)
    text = given if isinstance(given, str) else ", ".join(given)
    if t is CardType.CLOZE:
        return grade_text(card, blank_filled(card.question, text))
    if t is CardType.TEXT:
        return grade_text(card, text)
    if t is CardType.CHOICE:
        return grade_choice(card, options or card.choices or (), text)
    if not text.strip():  # Enter alone: "I don't know", nothing to say of its form
        return Verdict(Outcome.WRONG, answer_text(card))
    if t is CardType.NUMBER:
        return grade_number(card, text)
    if t is CardType.DATE:
        return grade_date(card, text, implied_year)
    return grade_truefalse(card, text)
