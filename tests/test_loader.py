"""The deck loader: every malformed deck gives exact FILE:LINE:COL messages."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from quiz.deck import loader
from quiz.deck.loader import read_deck
from quiz.errors import DeckError
from quiz.models import CardType
from quiz.wording import answer_text

BAD = Path(__file__).parent / "decks" / "bad"
DECKS = Path(__file__).parent.parent / "decks"  # the bundled ones


def problems_of(path: Path) -> list[str]:
    with pytest.raises(DeckError) as info:
        read_deck(path.read_bytes(), path.name)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_malformed_deck_reports_every_problem(path: Path) -> None:
    # Each bad deck lists its expected messages in '# expect:' lines. The
    # comment lines are part of the file, so line numbers count them.
    expected = sorted(
        f"{path.name}:{m}" if not m.startswith("0:0:") else f"{path.name}{m[3:]}"
        for m in re.findall(r"^# expect: (.*)$", path.read_text(), re.M)
    )
    assert expected, f"{path.name} has no '# expect:' lines"
    assert sorted(problems_of(path)) == expected


HEAD = "id: x\ntitle: X\ncards:\n  - id: a\n"


@pytest.mark.parametrize(("card", "said"), [
    ("    question: Who said: hello?\n", "5:23: mapping values are not allowed in this "
     "context; a value with ': ' in it needs quotes"),
    ("    question: q\n      answer: b\n", "6:13: mapping values are not allowed in this "
     "context; this line is indented deeper than the one above it"),
    ("    question: q\n\t  answer: b\n", "6:1: found a tab character that violates "
     "indentation (while scanning a plain scalar that starts at line 5, column 15); indent "
     "with spaces, not tabs"),
    ("    question: @tass said?\n", "5:15: found character that cannot start any token; a "
     "value cannot start with @: put it in quotes"),
    ("    question: *really*?\n", "5:22: did not find expected alphabetic or numeric "
     "character (while scanning an alias that starts at line 5, column 15); a value cannot "
     "start with *: put it in quotes"),
    ("    question: 'It's over'\n", "5:19: did not find expected key (while parsing a block "
     "mapping that starts at line 4, column 5); the quote inside the value ends it: write '' "
     "for ' inside single quotes"),
    ('    question: "Say "done" now"\n', "5:21: did not find expected key (while parsing a "
     "block mapping that starts at line 4, column 5); the quote inside the value ends it: "
     'write \\" for " inside double quotes'),
    ("    choices: [Astana, Almaty: the: capital]\n", "5:34: did not find expected ',' or "
     "']' (while parsing a flow sequence that starts at line 5, column 14); inside [ ] or { }, "
     "a value with ',', ': ' or ' #' in it needs quotes"),
    ("    question: q\n   answer: b\n", "6:4: did not find expected '-' indicator (while "
     "parsing a block collection that starts at line 4, column 3); check this line's "
     "indentation against the lines above it"),
    # a bracket or a quote left open: libyaml notices lines later, or at the end,
    # but the error points at the bracket or the quote
    ("    answer: [Astana\n    question: q\n", "5:13: did not find expected ',' or ']'; the [ on "
     "line 5 is never closed: end that list with ]"),
    ("    tags: {a: 1\n", "5:11: did not find expected ',' or '}'; the { on line 5 is "
     "never closed: end that mapping with }"),
    ("# a deck\n  id: x\ntitle: X\n", "3:1: did not find expected <document start>; the "
     "deck's own fields (id, title, cards) all start at the left margin: check the "
     "indentation of the lines above"),
    # the file ends inside [ ] or { } (a [ in quotes does not count)
    ("    question: 'q [x'\n    tags: {a: b,\n", "6:11: did not find expected node content; "
     "the { on line 6 is never closed: end that mapping with }"),
    ("    choices: [a, b,\n      c: d: e]\n", "6:11: did not find expected ',' or ']' (while "
     "parsing a flow sequence that starts at line 5, column 14); inside [ ] or { }, a value "
     "with ',', ': ' or ' #' in it needs quotes"),  # a list on two lines is fine
    ("    question: 'Who is\n    answer: x\n  - id: b\n", "5:15: found unexpected end of "
     "stream; the quote that opens the value on line 5 is never closed: add the closing "
     "quote"),
    ("    choices: [a, b]]\n", "5:20: did not find expected key (while parsing a block "
     "mapping that starts at line 4, column 5); this ] closes nothing: remove it, or put the "
     "value in quotes"),
    # a field or a list item not written as YAML wants it
    ("    question: q\n    answer:Astana\n", "6:11: could not find expected ':'; put a "
     "space after the ':' on line 6"),
    ("    question = q\n    answer: x\n", "5:14: could not find expected ':'; write a field "
     "on line 5 as 'name: value', with ': ', not '='"),
    ("    question q\n    answer: x\n", "5:5: could not find expected ':'; line 5 needs ': ' "
     "between a field's name and its value"),
    ("    question: q\n    answer: x\n  id: b\n", "7:3: did not find expected '-' indicator "
     "(while parsing a block collection that starts at line 4, column 3); a new item of this "
     "list (a new card) starts with '- ', as in '- id: ...'"),
    ("    question: q\n    choices:\n      - Armenia\n      -Belarus\n", "8:7: could not "
     "find expected ':'; put a space after the '-' on line 8"),
    ("    question: q\n    answer: x\n  -id: b\n", "7:3: did not find expected '-' "
     "indicator (while parsing a block collection that starts at line 4, column 3); put a "
     "space after the '-'"),
    ("    answer: x\n    explain: |\n    Longer text.\n", "8:1: could not find expected "
     "':' (while scanning a simple key that starts at line 7, column 5); the text of the '|' "
     "or '>' value on line 6 goes on the lines below it, indented deeper than its field"),
    # the line above lost its ':', so YAML read this one as more of its text
    ("    question: q\n    answer: x\n  - id b\n    question: q\n", "7:5: mapping values "
     "are not allowed in this context; line 7 needs ': ' between a field's name and its "
     "value"),
])
def test_yaml_syntax_errors_say_what_the_author_likely_did(card: str, said: str) -> None:
    """libyaml's words for a hand author's usual slips, with what to do."""
    with pytest.raises(DeckError) as info:
        read_deck(card if card.startswith("#") else HEAD + card, "d.yaml")
    where, what = said.split(": ", 1)
    assert [str(p) for p in info.value.problems] == [f"d.yaml:{where}: YAML syntax error: {what}"]


@pytest.mark.parametrize(("card", "said"), [
    ("    question: q\n    answer: x\n    tags: dates, figures\n",
     "7:11: 'tags' is one text here, 'dates, figures': write several as a list, "
     "[dates, figures] (or quote one text that holds a comma)"),
    ("    question: q\n    answer: Nur-Sultan\n    accept: Astana, Akmola\n",
     "7:13: 'accept' is one text here, 'Astana, Akmola': write several as a list, "
     "[Astana, Akmola] (or quote one text that holds a comma)"),
    ("    question: q\n    answer: x\n    choices: x, y, z\n",
     "7:14: 'choices' is one text here, 'x, y, z': write several as a list, [x, y, z] "
     "(or quote one text that holds a comma)"),
    ("    question: q\n    type: order\n    answer: Almaty, Astana\n",
     "7:13: the answer of an order card is a list: write [Almaty, Astana]"),
    ("    question: q\n    answer: '2,000'\n    choices: 4,500, 2,000, 225\n",
     "7:14: 'choices' is one text here, '4,500, 2,000, 225': write several as a list, "
     '["4,500", "2,000", 225] (or quote one text that holds a comma)'),  # figures quoted
])
def test_a_list_written_as_one_text_is_reported(card: str, said: str) -> None:
    """In YAML, `tags: dates, figures` is one tag and `accept: Astana, Akmola`
    one answer, which no learner would type: a silent surprise, now reported
    with the list to write instead."""
    with pytest.raises(DeckError) as info:
        read_deck(HEAD + card, "d.yaml")
    assert [str(p) for p in info.value.problems] == [f"d.yaml:{said}"]


def test_a_figure_with_a_comma_in_a_bracket_list_is_reported() -> None:
    """In a [ ] list a comma always ends an item, so YAML reads [4,500, 225]
    as 4, 500 and 225: a choice of '4' and '500' that validated clean."""
    with pytest.raises(DeckError) as info:
        read_deck(HEAD + "    question: q\n    answer: '225'\n"
                  "    choices: [4,500, 225, 10,000,000]\n  - id: b\n    question: q\n"
                  "    type: order\n    answer: [1,000, 5, 2,000]\n", "d.yaml")
    assert [str(p) for p in info.value.problems] == [
        "d.yaml:7:15: '4,500' in a [ ] list is 2 items in YAML (4, 500): quote it, \"4,500\"",
        "d.yaml:7:27: '10,000,000' in a [ ] list is 3 items in YAML (10, 000, 000): quote it, "
        "\"10,000,000\"",
        "d.yaml:11:14: '1,000' in a [ ] list is 2 items in YAML (1, 000): quote it, \"1,000\"",
        "d.yaml:11:24: '2,000' in a [ ] list is 2 items in YAML (2, 000): quote it, \"2,000\"",
    ]
    # quoted, spaced or not a figure: as the author meant
    deck = read_deck(HEAD + "    question: q\n    answer: x\n"
                     "    accept: [\"4,500\", 4, 500, Astana,Almaty, 1,25]\n", "d.yaml")
    assert deck.cards[0].accept == ("4,500", "4", "500", "Astana", "Almaty", "1", "25")


def test_a_figure_with_a_comma_in_a_brace_mapping_is_reported() -> None:
    """In { } a comma ends the value too: {answer: about 2,000} is the answer
    'about 2' and a field '000', which was reported as an unknown field."""
    with pytest.raises(DeckError) as info:
        read_deck("id: x\ntitle: X\ncards:\n"
                  "  - {id: a, question: How many?, answer: about 2,000, tags: [t]}\n", "d.yaml")
    assert [str(p) for p in info.value.problems] == [
        "d.yaml:4:42: 'about 2,000' in a { } mapping is cut at its comma in YAML, leaving a "
        "field '000': quote it, \"about 2,000\""]


def test_text_that_runs_on_to_a_dash_outside_a_list_is_fine() -> None:
    deck = read_deck(HEAD + "    question: What is the\n      -ism here?\n    answer: x\n"
                     "    choices:\n      - It fell\n        -5 points\n      - x\n", "d.yaml")
    assert deck.cards[0].question == "What is the -ism here?"
    assert deck.cards[0].choices == ("It fell -5 points", "x")


def test_one_item_alone_or_quoted_with_a_comma_is_fine() -> None:
    deck = read_deck(HEAD + "    question: q\n    answer: Washington\n    tags: places\n"
                     "    accept: 'Washington, D.C.'\n  - id: b\n    question: q\n"
                     "    answer: more than 4500\n    accept: 4,500\n", "d.yaml")
    assert (deck.cards[0].tags, deck.cards[0].accept) == (("places",), ("Washington, D.C.",))
    assert deck.cards[1].accept == ("4,500",)  # a figure's comma is not a list's


@pytest.mark.parametrize(("card", "said"), [
    ("    question: q\n    answer: x\n    id: b\n    question: q2\n",
     ["7:5: duplicate key 'id' (first at line 4); YAML would keep only the last one; if a new "
      "item (a card) starts here, begin it with '- '",
      "8:5: duplicate key 'question' (first at line 5); YAML would keep only the last one"]),
    ('    question:"Who: x"\n    answer: y\n',
     ["4:5: card 'a' has no 'question'",
      "5:5: unknown field 'question:\"Who' in card 'a': it looks like the field 'question'; "
      "a space must follow the ':'"]),
    ('    question = "Who: x"\n    answer: y\n',
     ["4:5: card 'a' has no 'question'",
      "5:5: unknown field 'question = \"Who' in card 'a': it looks like the field "
      "'question'; write it as 'name: value'"]),
    # '-Belarus' one deeper than its list: more text of the item above
    ("    question: q\n    choices:\n      - Armenia\n        -Belarus\n      - Russia\n"
     "    answer: Russia\n",
     ["8:9: '-Belarus' continues the text of the line above; a new list item needs a space "
      "after its '-'"]),
])
def test_valid_yaml_that_is_not_what_the_author_meant_says_why(card: str,
                                                                said: list[str]) -> None:
    """A card that lost its '- ' merges into the card above (a second 'id');
    a field glued to its value, when the value holds ': ', becomes a strange
    field name."""
    with pytest.raises(DeckError) as info:
        read_deck(HEAD + card, "d.yaml")
    assert [str(p) for p in info.value.problems] == [f"d.yaml:{x}" for x in said]


SLIPS: dict[str, Callable[[str], str]] = {
    "no space after ':'": lambda line: line.replace(": ", ":", 1),
    "no ':'": lambda line: line.replace(":", "", 1),
    "'=' for ':'": lambda line: line.replace(": ", " = ", 1),
    "no space after '-'": lambda line: line.replace("- ", "-", 1),
    "no ']'": lambda line: line.replace("]", "", 1),
    "a ']' too many": lambda line: line.replace("]", "]]", 1),
    "one space in": lambda line: " " + line,
    "two spaces in": lambda line: "  " + line,
    "one space out": lambda line: line[1:] if line.startswith(" ") else line,
    "a tab": lambda line: "\t" + line.lstrip(" ") if line.startswith(" ") else line,
}


def test_every_syntax_error_from_a_hand_slip_says_the_likely_cause() -> None:
    """One typing slip on one line of a bundled deck, 600 times: each YAML
    syntax error it causes carries a hint after libyaml's own words."""
    import random

    decks = [p.read_text(encoding="utf-8") for p in sorted(DECKS.glob("*.yaml"))]
    rng = random.Random(17)
    errors, bare = 0, []
    for _ in range(600):
        lines = rng.choice(decks).split("\n")
        i = rng.randrange(len(lines))
        lines[i] = SLIPS[rng.choice(sorted(SLIPS))](lines[i])
        try:
            read_deck("\n".join(lines), "d.yaml")
        except DeckError as e:
            for p in e.problems:
                if "YAML syntax error: " in p.message:
                    errors += 1
                    if "; " not in p.message.split("YAML syntax error: ", 1)[1]:
                        bare.append((lines[max(0, i - 1):i + 2], str(p)))
    assert errors > 300 and not bare, bare[:3]


def test_python_tag_runs_nothing(tmp_path: Path) -> None:
    marker = Path("/tmp/quiz-pwned")
    marker.unlink(missing_ok=True)
    problems_of(BAD / "tag-python.yaml")
    assert not marker.exists()


MINIMAL = "id: d\ntitle: T\ncards:\n  - id: c\n    question: Q?\n    answer: {answer}\n"


@pytest.mark.parametrize(
    ("answer", "ctype", "value"),
    [
        ("Almaty", CardType.TEXT, "Almaty"),
        ("2022-01-07", CardType.DATE, dt.date(2022, 1, 7)),
        ("4500", CardType.NUMBER, 4500),
        ("2.5", CardType.NUMBER, 2.5),
        ("true", CardType.TRUEFALSE, True),
        ("false", CardType.TRUEFALSE, False),
        ("[a, b]", CardType.ORDER, ("a", "b")),
        # YAML 1.1 traps stay text: Norway's code, a leading zero, a version.
        ("NO", CardType.TEXT, "NO"),
        ("yes", CardType.TEXT, "yes"),
        ("0755", CardType.TEXT, "0755"),
        ("'1.10'", CardType.TEXT, "1.10"),
        ("1_000", CardType.TEXT, "1_000"),
        # a day or a figure written out is graded as one, whichever way it is typed
        ("7 January 2022", CardType.DATE, dt.date(2022, 1, 7)),
        ("Jan 7, 2022", CardType.DATE, dt.date(2022, 1, 7)),
        ("the 7th of Janury 2022", CardType.DATE, dt.date(2022, 1, 7)),  # as parse_date reads
        ("4,500", CardType.NUMBER, 4500),
        ("1.2 million", CardType.NUMBER, 1_200_000),
        ("about 2,000", CardType.NUMBER, 2000),
        # not a day, or either way round; quoted; not only a figure
        ("January 2022", CardType.TEXT, "January 2022"),
        ("7/1/2022", CardType.TEXT, "7/1/2022"),
        ("'7 January 2022'", CardType.TEXT, "7 January 2022"),
        ("100m", CardType.TEXT, "100m"),
        ("24 people", CardType.TEXT, "24 people"),
        ("Khabar 24", CardType.TEXT, "Khabar 24"),
    ],
)
def test_answer_decides_the_type(answer: str, ctype: CardType, value: object) -> None:
    deck = read_deck(MINIMAL.format(answer=answer), "d.yaml")
    card = deck.cards[0]
    assert (card.type, card.answer) == (ctype, value)


def test_a_figure_written_out_keeps_its_qualifier_and_grades_as_a_number() -> None:
    from quiz.models import Outcome
    from quiz.study.grading import grade
    from quiz.wording import answer_text

    card = read_deck(MINIMAL.format(answer="about 2,000"), "d.yaml").cards[0]
    assert (card.type, card.answer, card.qualifier) == (CardType.NUMBER, 2000, "about")
    assert answer_text(card) == "about 2,000"
    assert grade(card, "2000").outcome is Outcome.RIGHT  # as text, this was wrong
    day = read_deck(MINIMAL.format(answer="7 January 2022"), "d.yaml").cards[0]
    assert grade(day, "2022-01-07").outcome is Outcome.RIGHT
    # a card with other answers to accept was meant as text, and stays text
    kept = read_deck(MINIMAL.format(answer="about 2,000") + "    accept: [2000]\n",
                     "d.yaml").cards[0]
    assert (kept.type, kept.answer) == (CardType.TEXT, "about 2,000")
    # and `type: text` keeps any answer as text
    text = read_deck(MINIMAL.format(answer="7 January 2022") + "    type: text\n",
                     "d.yaml").cards[0]
    assert (text.type, text.answer) == (CardType.TEXT, "7 January 2022")


def test_explicit_text_type_keeps_the_written_number() -> None:
    text = MINIMAL.format(answer="1.10") + "    type: text\n"
    card = read_deck(text, "d.yaml").cards[0]
    assert card.answer == "1.10"


@pytest.mark.parametrize(("answer", "said"), [
    ("4.500", "'4.500' could be 4.5 or 4500 (with a dot between thousands, as much of Europe "
              "writes it): write the one you mean"),
    ("about 2.030", "'about 2.030' could be 2.03 or 2030 (with a dot between thousands, as "
                    "much of Europe writes it): write the one you mean"),
    ("'4.500'\n    type: number", "'4.500' could be 4.5 or 4500 (with a dot between "
                                   "thousands, as much of Europe writes it): write the one "
                                   "you mean"),
    ("1.000.000\n    type: number",
     "the answer of a number card must be a number, like 4500 or 2.5: write 1000000"),
])
def test_a_figure_with_a_dot_between_thousands_is_not_read_as_a_decimal(
        answer: str, said: str) -> None:
    """YAML reads 4.500 as 4.5; a German or Russian teacher meant 4,500. The
    deck must say which, or its learners are graded against the wrong fact."""
    with pytest.raises(DeckError) as info:
        read_deck(MINIMAL.format(answer=answer), "d.yaml")
    assert [str(p) for p in info.value.problems] == [f"d.yaml:6:13: {said}"]


def test_a_figure_with_a_dot_that_reads_one_way_is_fine() -> None:
    answers = [read_deck(MINIMAL.format(answer=a), "d.yaml").cards[0].answer
               for a in ("4.5", "0.500", "4.5000", "'4.500'\n    type: text")]
    assert answers == [4.5, 0.5, 4.5, "4.500"]


def test_choice_multi_cloze_inferred() -> None:
    text = """id: d
title: T
cards:
  - {id: c1, question: Q?, answer: a, choices: [a, b]}
  - {id: c2, question: Q?, answer: [a], choices: [a, b]}
  - {id: c3, question: Fill ___ in, answer: x}
  - {id: c4, question: N?, answer: "4,500", type: number, qualifier: more than}
"""
    cards = read_deck(text, "d.yaml").cards
    assert [c.type for c in cards] == [CardType.CHOICE, CardType.MULTI, CardType.CLOZE,
                                       CardType.NUMBER]
    assert answer_text(cards[3]) == "more than 4,500"


def test_reworded_card_keeps_its_id() -> None:
    a = read_deck(MINIMAL.format(answer="x"), "d.yaml").cards[0]
    b = read_deck(MINIMAL.replace("Q?", "New wording?").format(answer="x"), "d.yaml").cards[0]
    assert a.id == b.id == "c" and a.question != b.question


# --- hostile input, bounded -----------------------------------------------

def test_alias_bomb_rejected_fast() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    start = time.perf_counter()
    with pytest.raises(DeckError) as info:
        read_deck("\n".join(lines), "bomb.yaml")
    assert time.perf_counter() - start < 1.0
    assert str(info.value) == (
        "bomb.yaml:1:5: anchors (&a0) are not allowed in decks; write the value out"
    )


@pytest.mark.parametrize("depth", [40, 30_000])
def test_deep_nesting_rejected_without_crash(tmp_path: Path, depth: int) -> None:
    # Older libyaml's composer segfaults at 30,000 levels; run in a child so a
    # crash would show as a signal exit rather than kill the test run.
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * depth)
    code = ("import sys; from quiz.deck.loader import load_deck; from pathlib import Path\n"
            "from quiz.errors import DeckError\n"
            "try:\n    load_deck(Path(sys.argv[1]))\n"
            "except DeckError as e:\n    print(e)\n")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, str(deep)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert time.perf_counter() - start < 5
    ours = f"{deep}:1:33: nesting deeper than 32 levels"
    if depth <= 1000:
        assert out.stdout.strip() == ours
    else:
        # PyYAML 6.0.4's libyaml stops at 1,000 flow levels while scanning
        # ahead, before the loader sees the 33rd; older ones leave it to us.
        assert out.stdout.strip() in (ours, f"{deep}:1:1001: YAML syntax error: exceeded "
                                      "maximum nesting depth (while increasing flow level)")


def test_huge_string_and_integer_are_bounded() -> None:
    text = MINIMAL.format(answer="x" * 50_000)
    with pytest.raises(DeckError) as info:
        read_deck(text, "d.yaml")
    assert str(info.value) == "d.yaml:6:13: text of 50,000 characters; the limit is 20,000"
    with pytest.raises(DeckError) as info:
        read_deck(MINIMAL.format(answer="9" * 5000) + "    type: number\n", "d.yaml")
    assert str(info.value) == "d.yaml:6:13: number with 5000 digits is too large"
    # a float past what a float holds would be infinity: as an answer, or as a
    # tolerance that would take any answer as right
    with pytest.raises(DeckError) as info:
        read_deck(MINIMAL.format(answer="1e400") + "    type: number\n", "d.yaml")
    assert str(info.value) == "d.yaml:6:13: number 1e400 is too large"
    with pytest.raises(DeckError) as info:
        read_deck(MINIMAL.format(answer="5") + "    type: number\n    tolerance: -2.5E999\n",
                  "d.yaml")
    assert str(info.value) == "d.yaml:8:16: number -2.5E999 is too large"  # once, not twice


def test_huge_file_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    import quiz.deck.yamltree

    monkeypatch.setattr(quiz.deck.yamltree, "MAX_BYTES", 1024)
    with pytest.raises(DeckError) as info:
        read_deck(b"# " + b"x" * 2048, "big.yaml")
    assert str(info.value) == "big.yaml: file is 0 MiB; decks are limited to 0 MiB"


def test_latin1_bytes_named_with_position() -> None:
    data = MINIMAL.format(answer="Caf\xe9").encode("latin-1")
    with pytest.raises(DeckError) as info:
        read_deck(data, "d.yaml")
    assert str(info.value) == "d.yaml:6:16: not valid UTF-8 (byte 0xE9); save the file as UTF-8"


def test_nul_byte_refused() -> None:
    with pytest.raises(DeckError) as info:
        read_deck(b"id: d\x00\n", "d.yaml")
    assert str(info.value) == "d.yaml:1:6: contains a NUL byte; is this a binary file?"


def test_bom_is_fine() -> None:
    deck = read_deck(b"\xef\xbb\xbf" + MINIMAL.format(answer="x").encode(), "d.yaml")
    assert deck.id == "d"


def test_raw_escape_byte_in_stream_is_a_located_error() -> None:
    with pytest.raises(DeckError) as info:
        read_deck("id: d\ntitle: a\x1b[31m\n", "d.yaml")
    assert str(info.value) == (
        "d.yaml:2:9: YAML error: control characters are not allowed (U+001B ESCAPE)"
    )


def test_loading_pauses_the_cycle_collector_and_restores_it(tmp_path: Path) -> None:
    import gc

    from quiz.gcpause import paused

    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: X\ncards: [\n")
    seen: list[bool] = []
    real = loader.read_deck

    def spy(*args: object, **kw: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kw)  # type: ignore[arg-type]

    assert gc.isenabled()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "read_deck", spy)
        with pytest.raises(DeckError):
            loader.load_deck(bad)
    assert seen == [False] and gc.isenabled()  # back on, even after an error
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()  # a caller's own choice is left alone
    finally:
        gc.enable()


def test_choice_pools_are_built_once_per_deck_not_once_per_card(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation looked at every card's pool by walking the whole deck for
    each choice card (4,000 cards: 27 s). Counted, not timed: the work of
    finding pools grows with the deck, not with its square
    (bench/choice_pools.py times it)."""
    import quiz.deck.pools

    calls = 0
    real = quiz.deck.pools.pool_key

    def counted(card: object) -> str:
        nonlocal calls
        calls += 1
        return real(card)  # type: ignore[arg-type]

    monkeypatch.setattr(quiz.deck.pools, "pool_key", counted)
    n = 300
    deck = read_deck("id: p\ntitle: P\ncards:\n" + "".join(
        f"  - {{id: c{i}, question: 'Who {i}?', type: choice, answer: 'P {i}', kind: person}}\n"
        for i in range(n)), "p.yaml")
    assert len(deck.cards) == n and calls <= 2 * n
