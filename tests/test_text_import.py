"""quiz import of text formats: Anki's plain text made odd, Markdown
(hashcards, Obsidian), Quizlet, refusals by content, CSV rows that do not
fit. Exact output asserted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.cli import app
from quiz.deck.loader import load_deck
from quiz.models import Card

FORMATS = "it reads apkg, colpkg, csv, tsv, txt, md"


def imported(tmp_path: Path, name: str, text: str, *options: str,
             ) -> tuple[list[Card], str, str]:
    """Import `text` as the file `name`: the cards, stdout and stderr."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / f"{path.stem}-{path.suffix[1:]}.yaml"
    r = CliRunner().invoke(app, ["import", str(path), "-o", str(out), *options])
    assert r.exit_code == 0, r.output
    return list(load_deck(out).cards), r.stdout, r.stderr


def refused(tmp_path: Path, name: str, text: str, *options: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "deck.yaml"
    r = CliRunner().invoke(app, ["import", str(path), "-o", str(out), *options])
    assert r.exit_code == 1 and not out.exists(), r.output
    return r.stderr


def qa(cards: list[Card]) -> list[tuple[str, str, object]]:
    return [(c.type.value, c.question, c.answer) for c in cards]


# Anki's plain text


def test_anki_html_fields_become_deck_text(tmp_path: Path) -> None:
    cards, out, err = imported(tmp_path, "anki.txt", (
        "#separator:tab\n#html:true\n"
        "<img src=\"flag.jpg\">\tKazakhstan\n"
        "Capital?\tAstana<div>since 2019: Nur-Sultan</div>\n"
        "Two&nbsp;and&nbsp;two?\t<p>4</p>\n"
        "Repeated front\tRepeated front<hr id=answer>The back\n"
        "Q?\tQ?\n"))
    assert qa(cards) == [
        ("text", "[image: flag.jpg]", "Kazakhstan"),
        ("basic", "Capital?", "Astana\nsince 2019: Nur-Sultan"),
        ("text", "Two and two?", "4"),
        ("text", "Repeated front", "The back")]
    assert err == f"{tmp_path / 'anki.txt'}:7: the back only repeats the front (left out)\n"
    assert "(4 cards; 1 row left out, told above)" in out


def test_anki_cards_in_plain_text_front_repeated_without_the_rule(tmp_path: Path) -> None:
    cards, _, _ = imported(tmp_path, "cards.txt",
                           "Who led it?\tWho led it?<br><br>Russia\n")
    assert qa(cards) == [("text", "Who led it?", "Russia")]


def test_anki_bad_rows_are_left_out_and_counted(tmp_path: Path) -> None:
    rows = "".join(f"Q{i}?\tA{i}\n" for i in range(3)) + "only a front\n" * 25
    path = tmp_path / "many.txt"
    cards, out, err = imported(tmp_path, "many.txt", "#separator:tab\n" + rows)
    assert len(cards) == 3
    lines = err.splitlines()
    assert lines[0] == f"{path}:5: expected a front and a back, separated by tabs (left out)"
    assert len(lines) == 21 and lines[-1] == f"{path}: 5 more rows left out"
    assert "(3 cards; 25 rows left out, told above)" in out


def test_a_first_row_with_a_hash_that_is_no_anki_setting_is_a_card(tmp_path: Path) -> None:
    cards, _, _ = imported(tmp_path, "songs.csv", "#1 hit: which song?,Imagine\nQ?,A\n")
    assert qa(cards) == [("text", "#1 hit: which song?", "Imagine"), ("text", "Q?", "A")]


def test_anki_common_tags_line(tmp_path: Path) -> None:
    cards, _, _ = imported(tmp_path, "t.txt", "#separator:tab\n#tags:geo csto\nQ?\tA\n")
    assert cards[0].tags == ("geo", "csto")


# CSV rows that do not fit


def test_an_unquoted_comma_is_told_not_read_as_tags(tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    cards, _, err = imported(tmp_path, "words.csv", "Capital?,Astana\nTwo and two?,4\n"
                             "Who said it?,Karin, Erlan\n")
    assert qa(cards) == [("text", "Capital?", "Astana"), ("text", "Two and two?", "4")]
    assert err == (f"{path}:3: 3 cells where 2 were expected; quote a field that holds "
                   "a comma (left out)\n")


def test_an_unquoted_comma_in_quiz_own_layout_refuses_the_file(tmp_path: Path) -> None:
    err = refused(tmp_path, "q.csv", "question,answer\nWho said it?,Karin, Erlan\n")
    assert err == (f"{tmp_path / 'q.csv'}:2: 3 cells where 2 were expected; quote a field "
                   "that holds a comma\n")


def test_three_columns_throughout_are_old_ankis_tags(tmp_path: Path) -> None:
    cards, _, _ = imported(tmp_path, "old.txt", "Q?\tA\tgeo\nQ2?\tB\tgeo csto\n")
    assert [c.tags for c in cards] == [("geo",), ("geo", "csto")]


# refused by content


@pytest.mark.parametrize(("name", "text", "what"), [
    ("cards.txt", '{"cards": [{"q": "Q?", "a": "A"}]}', "JSON"),
    ("cards.csv", '[["Q?", "A"]]\n', "JSON"),
    ("cards.txt", '<?xml version="1.0"?>\n<cards><card/></cards>\n', "XML"),
    ("page.csv", "<!DOCTYPE html>\n<html><body>x</body></html>\n", "HTML"),
    ("deck.txt", "id: mine\ntitle: Mine\ncards:\n  - id: a\n    question: Q?\n    answer: A\n",
     "a quiz deck (YAML) already: check it with 'quiz validate', and put it in your deck "
     "folder to study it"),
])
def test_a_file_of_another_format_is_refused_by_name(tmp_path: Path, name: str, text: str,
                                                      what: str) -> None:
    err = refused(tmp_path, name, text)
    assert err == f"quiz: {tmp_path / name}: not a format quiz imports ({FORMATS}); " \
                  f"it looks like {what}\n"


def test_a_csv_named_txt_and_a_tsv_named_md_are_tables(tmp_path: Path) -> None:
    cards, _, _ = imported(tmp_path, "words.txt", "front,back\nQ?,A\n")
    assert qa(cards) == [("text", "Q?", "A")]
    cards, _, _ = imported(tmp_path, "words.md", "Q?\tA\nQ2?\tB\n")
    assert qa(cards) == [("text", "Q?", "A"), ("text", "Q2?", "B")]


# Markdown: hashcards


HASHCARDS = """\
---
name = "Geography"
---

Notes before the first card are no card:

```
Q: inside a code block
A: neither
```

Q: What is the capital of France?
A: Paris

Q: List the PGM minerals.
A:

- ruthenium
- rhodium

C: [Paris] is the capital of [France], see ![map](img/map.png) and [a link](http://x).

Q: A question with no answer
"""


def test_hashcards_deck(tmp_path: Path) -> None:
    cards, out, err = imported(tmp_path, "Geography.md", HASHCARDS)
    path = tmp_path / "Geography.md"
    assert [(c.id, c.type.value, c.question, c.answer) for c in cards] == [
        ("what-is-the-capital-of-france", "text", "What is the capital of France?", "Paris"),
        ("list-the-pgm-minerals", "basic", "List the PGM minerals.",
         "- ruthenium\n- rhodium"),
        ("paris-is-the-capital-of-france:c1", "cloze",
         "___ is the capital of France, see [image: img/map.png] and [a link](http://x).",
         "Paris"),
        ("paris-is-the-capital-of-france:c2", "cloze",
         "Paris is the capital of ___, see [image: img/map.png] and [a link](http://x).",
         "France")]
    assert err == f"{path}:23: a 'Q:' card with no 'A:' line after it (left out)\n"
    assert load_deck(tmp_path / "Geography-md.yaml").title == "Geography"


# Markdown: Obsidian


OBSIDIAN = """\
# Central Asia
#flashcards/geo

Capital of Kazakhstan::Astana
Kazakh for "white"::: ak <!--SR:!2024-01-01,3,250-->

What were the members
of the mission?
?
Russia, Belarus, Armenia,
Kyrgyzstan and Tajikistan

Planet
??
A body that orbits a star

The mission began on ==6 January==^[a date] and ended on ==19 January==.

Some plain notes with a {{c1::cloze}} and a URL, https://example.org: no card.
"""


def test_obsidian_flashcards(tmp_path: Path) -> None:
    cards, _, err = imported(tmp_path, "notes.md", OBSIDIAN)
    assert err == ""
    assert [(c.id, c.type.value, c.question, c.answer, c.reverse) for c in cards] == [
        ("capital-of-kazakhstan", "text", "Capital of Kazakhstan", "Astana", True and False),
        ("kazakh-for-white", "text", 'Kazakh for "white"', "ak", True),
        ("kazakh-for-white:reverse", "text", "ak", 'Kazakh for "white"', False),
        ("what-were-the-members-of-the", "basic",
         "What were the members\nof the mission?",
         "Russia, Belarus, Armenia,\nKyrgyzstan and Tajikistan", False),
        ("planet", "text", "Planet", "A body that orbits a star", True),
        ("planet:reverse", "text", "A body that orbits a star", "Planet", False),
        ("the-mission-began-on-6-january:c1", "cloze",
         "The mission began on ___ (a date) and ended on 19 January.", "6 January", False),
        ("the-mission-began-on-6-january:c2", "cloze",
         "The mission began on 6 January and ended on ___.", "19 January", False)]


def test_a_txt_file_of_markdown_cards_is_read_as_markdown(tmp_path: Path) -> None:
    cards, _, _ = imported(tmp_path, "cards.txt", "Q: Capital?\nA: Astana\n")
    assert qa(cards) == [("text", "Capital?", "Astana")]


# Quizlet


def test_quizlet_tab_and_semicolon(tmp_path: Path) -> None:
    cards, _, _ = imported(tmp_path, "quizlet.txt", "ak\twhite;kara\tblack;su\twater;")
    assert qa(cards) == [("text", "ak", "white"), ("text", "kara", "black"),
                         ("text", "su", "water")]


def test_quizlet_multi_line_definitions_on_lines_of_their_own(tmp_path: Path) -> None:
    cards, _, _ = imported(tmp_path, "quizlet.txt",
                           "CSTO\tCollective Security Treaty Organization\n"
                           "founded 1992\nthe \"members\"\tArmenia, Belarus\nKazakhstan\n")
    assert qa(cards) == [
        ("basic", "CSTO", "Collective Security Treaty Organization\nfounded 1992"),
        ("basic", 'the "members"', "Armenia, Belarus\nKazakhstan")]


def test_quizlet_custom_separators(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    cards, _, err = imported(tmp_path, "q.txt", "ak - white\n\nkara - black\nand dark\n\n"
                             "no separator here\n\n",
                             "--separator", " - ", "--row-separator", "\\n\\n")
    assert qa(cards) == [("text", "ak", "white"), ("basic", "kara", "black\nand dark")]
    assert err == (f"{path}:6: expected a term and a definition, separated by dash "
                   "(left out)\n")


def test_separators_with_an_anki_package_are_refused(tmp_path: Path) -> None:
    import zipfile

    package = tmp_path / "p.apkg"
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("x", "y")
    r = CliRunner().invoke(app, ["import", str(package), "--separator", "tab"])
    assert r.exit_code == 1
    assert r.stderr == (f"quiz: {package}: an Anki package; --separator and --row-separator "
                        "are for text files\n")


# size


def test_a_table_whose_deck_would_be_too_big_is_refused_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checked before the deck is parsed: the table itself is under the cap
    (its reading has the same cap), the YAML made of it is not."""
    import quiz.authoring.tables as tables
    import quiz.deck.yamltree as yamltree

    monkeypatch.setattr(yamltree, "MAX_BYTES", 2000)
    monkeypatch.setattr(tables, "read_bytes", lambda path: path.read_bytes())
    err = refused(tmp_path, "big.csv", "".join(f"Question {i}?,Answer {i}\n"
                                               for i in range(100)))
    # the deck's size depends on the schema line, which names where quiz is installed
    assert re.fullmatch(re.escape(f"quiz: {tmp_path / 'big.csv'}: its 100 cards make a deck "
                                  "of ") + r"\d,\d{3} bytes, over the 2,000 bytes a deck may "
                        r"hold; split the file\n", err), err
