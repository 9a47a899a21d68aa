"""quiz generate: draft cards from news text.

The five shared articles are scored against a hand-written answer key
(tests/fixtures/generate/answer_key.yaml); the other tests use news-style
text written for them, so the rules are checked on more than those five.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from quiz.authoring.generate import draft, read_meta
from quiz.cli import app
from quiz.deck.loader import load_deck

from .conftest import ARTICLES, ROOT, load_bench

KEY = ROOT / "tests" / "fixtures" / "generate" / "answer_key.yaml"

HARBOUR = """\
All news
Harbour authority approves new port expansion after long dispute
LISBON, March 3 (Reuters) - The harbour authority approved the expansion of the container \
port on Tuesday, ending a dispute that began in 2019, Transport Minister Ana Costa said.
"This decision gives the city the port it has needed for a generation," Costa told \
reporters. She added that "the first berths will open before the summer of 2024."
The project will cost nearly 1.2 billion euros and create about 3,500 jobs, according to \
the authority. Some 40 percent of the money comes from the European Union.
Union leader Pedro Alves said the deal was fair. "We fought for guarantees and we got them \
in writing," he said.
Shipping lines from Spain, France and Morocco have already booked slots, the authority said.
The first phase is due on June 30, 2025, and work will start on 12 April.
"""


def by_kind(text: str, date: dt.date | None = None) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for d in draft(text, read_meta(text, date=date)):
        out.setdefault(d.kind, []).append({**d.fields, "context": d.context})
    return out


@pytest.mark.skipif(not ARTICLES.is_dir(), reason="the shared articles are not beside the "
                    "project (they are in CI)")
def test_drafts_of_the_five_articles_meet_the_precision_and_recall_targets() -> None:
    ev = load_bench("generate_eval")
    results = ev.evaluate(ARTICLES, KEY)
    assert len(results) == 5
    for kind, (precision, recall) in ev.totals(results).items():
        assert precision >= 0.8 and recall >= 0.8, (kind, precision, recall)


@pytest.mark.skipif(not ARTICLES.is_dir(), reason="the shared articles are not beside the "
                    "project (they are in CI)")
@pytest.mark.parametrize("name", sorted(yaml.safe_load(KEY.read_text())))
def test_quiz_generate_writes_a_deck_that_validates(name: str, tmp_path: Path) -> None:
    date = yaml.safe_load(KEY.read_text())[name]["date"]
    out = tmp_path / "draft.yaml"
    r = CliRunner().invoke(app, ["generate", str(ARTICLES / name), "-o", str(out), "--date",
                                 date.isoformat()])
    assert r.exit_code == 0, r.output
    deck = load_deck(out)
    assert deck.cards and all(c.draft and c.context for c in deck.cards)
    assert {t for c in deck.cards for t in c.tags} <= {"dates", "figures", "quotes", "members"}
    assert deck.sources["article"].date == date.isoformat()
    assert CliRunner().invoke(app, ["validate", str(out)]).exit_code == 0


def test_dateline_outlet_and_relative_days() -> None:
    meta = read_meta(HARBOUR)
    assert (meta.title, meta.outlet) == (
        "Harbour authority approves new port expansion after long dispute", "Reuters")
    assert meta.year is None  # 2019, 2024, 2025 each once: no year stands out
    dates = by_kind(HARBOUR, dt.date(2023, 3, 3))["dates"]
    assert [d["answer"] for d in dates] == [dt.date(2023, 2, 28),  # "on Tuesday"
                                            dt.date(2025, 6, 30), dt.date(2023, 4, 12)]
    # the sentence with the date as a blank ("on Tuesday" keeps its "on")
    assert dates[0]["question"] == (
        "Which date fills the blank: “The harbour authority approved the expansion of the "
        "container port on ___, ending a dispute that began in 2019, Transport Minister Ana "
        "Costa said”?")
    assert dates[1]["question"] == ("Which date fills the blank: “The first phase is due on "
                                    "___, and work will start on 12 April”?")


def test_a_date_question_is_its_sentence_with_a_blank() -> None:
    """The words before a date alone seldom make a question ("On what date:
    In compliance with a decision by the Council made?")."""
    text = ("The bloc's mission in the republic ends\nNUR-SULTAN, January 19. /TASS/. In "
            "compliance with a decision by the Collective Security Council made on January 6, "
            "2022, the forces were sent to "
            "the country for a limited period to stabilize the situation in the republic after "
            "the president turned to the bloc for help.\n")
    [draft] = by_kind(text, dt.date(2022, 1, 19))["dates"]
    assert draft["question"] == (
        "Which date fills the blank: “In compliance with a decision by the Collective Security "
        "Council made on ___, the forces were sent to the country for a limited period to "
        "stabilize the situation …”?")


def test_a_dateline_without_a_year_takes_the_articles_year_and_says_so(
        tmp_path: Path) -> None:
    text = ("Ceasefire agreed on the border after clashes\n"
            "BISHKEK, September 19 (Reuters) - The two sides agreed on Monday to pull back "
            "troops, officials said.\nThe talks were the first held in 2022. About two-thirds "
            "of the border has been marked since 1991, and since 1991 it has been disputed.\n")
    meta = read_meta(text)  # "since 1991" says how long, not when: 2022 stands out
    assert (meta.date, meta.year, meta.year_guessed) == (dt.date(2022, 9, 19), 2022, True)
    assert read_meta(text, date=dt.date(2021, 9, 19)).year_guessed is False
    stated = text.replace("September 19 (", "September 19, 2021 (")
    assert (read_meta(stated).year, read_meta(stated).year_guessed) == (2021, False)
    article = tmp_path / "border.txt"
    article.write_text(text)
    r = CliRunner().invoke(app, ["generate", str(article), "-o", str(tmp_path / "b.yaml")])
    assert r.exit_code == 0, r.output
    assert r.stdout.endswith("Its dates are read as in 2022, the year the article mentions "
                             "most (its dateline has none). If it came out in another year, "
                             "delete the file and run again with --date YYYY-MM-DD.\n")
    assert load_deck(tmp_path / "b.yaml").cards[0].answer == dt.date(2022, 9, 19)  # Monday


def test_quotes_speakers_roles_and_pronouns() -> None:
    quotes = by_kind(HARBOUR, dt.date(2023, 3, 3))["quotes"]
    assert [(q["answer"], str(q["quote"])[:20]) for q in quotes] == [
        ("Ana Costa", "This decision gives "), ("Ana Costa", "the first berths wil"),
        ("Pedro Alves", "We fought for guaran")]  # "he said": the person named last
    assert quotes[0]["explain"] == "Ana Costa, Transport Minister."
    assert quotes[2]["explain"] == "Pedro Alves, Union leader."
    assert quotes[0]["accept"] == ["Costa"]


def test_figures_keep_qualifiers_and_what_they_count() -> None:
    figures = by_kind(HARBOUR, dt.date(2023, 3, 3))["figures"]
    assert [(f["answer"], f.get("qualifier"), f["counts"]) for f in figures] == [
        (1_200_000_000, "nearly", "euros"), (3500, "about", "jobs"),
        (40, "some", "percent of the money comes from the European Union")]
    assert figures[2]["question"] == ("According to the report, what percentage of the money "
                                      "comes from the European Union?")
    assert figures[2]["unit"] == "%"
    # "how many jobs?" says too little: the verb came before the figure
    assert figures[1]["question"] == (
        "Which figure fills the blank: “The project will cost nearly 1.2 billion euros and "
        "create about ___ jobs, according to the authority”?")


def test_a_figure_question_asks_how_many_when_what_it_counts_has_a_verb() -> None:
    text = ("Clashes in the north leave dozens hurt\nLONDON, March 3 (Reuters) - More than "
            "4,500 people were injured in the riots, officials said. The force numbered 2,030 "
            "officers.\n")
    injured, officers = by_kind(text, dt.date(2023, 3, 3))["figures"]
    assert injured["question"] == ("According to the report, how many people were injured in "
                                   "the riots?")
    assert officers["question"] == ("Which figure fills the blank: “The force numbered ___ "
                                    "officers”?")


def test_country_lists_get_neighbouring_distractors() -> None:
    [members] = by_kind(HARBOUR, dt.date(2023, 3, 3))["members"]
    assert members["answer"] == ["Spain", "France", "Morocco"]
    choices = members["choices"]
    assert isinstance(choices, list)
    wrong = set(choices) - {"Spain", "France", "Morocco"}
    assert len(wrong) == 3 and "Andorra" in wrong  # borders both Spain and France
    assert members["question"] == ("Which countries fill the blank: “Shipping lines from ___ "
                                   "have already booked slots, the authority said”?")


def test_a_country_list_that_opens_its_sentence_still_makes_a_question() -> None:
    text = ("Drills end in the mountains\n"
            "Russia, Belarus and Kazakhstan sent units to the drills.\n")
    [members] = by_kind(text, dt.date(2023, 1, 1))["members"]
    assert members["question"] == "Which countries fill the blank: “___ sent units to the drills”?"


def test_country_names_with_and_in_them() -> None:
    text = ("Border exercise ends in the Balkans\n"  # the first line is the headline
            "Troops came from Bosnia and Herzegovina, Serbia and Croatia, officials said.\n")
    [members] = by_kind(text, dt.date(2023, 1, 1))["members"]
    assert members["answer"] == ["Bosnia and Herzegovina", "Serbia", "Croatia"]
    assert "Montenegro" in str(members["choices"])  # borders all three


def test_titles_unattributed_quotes_years_and_page_numbers_are_not_cards() -> None:
    text = """\
Forum opens in the capital with talk of cooperation
BERLIN, May 4. /DPA/. Delegates met on Friday at a forum dubbed "Peace and Security in a New \
Era", the organisers said.
Crowds were "hijacked by groups with other aims", in the view of some observers.
1234
The forum was founded in 2021 and is broadcast on Channel 24 in 3 languages.
"""
    kinds = by_kind(text, dt.date(2023, 5, 4))
    assert "quotes" not in kinds
    assert [f["answer"] for f in kinds.get("figures", [])] == [3]  # "3 languages" only
    assert [d["answer"] for d in kinds["dates"]] == [dt.date(2023, 4, 28)]  # "on Friday"


def test_the_letter_reads_means_its_author() -> None:
    text = """\
Minister sends greetings to the summit in a letter
PARIS, June 2. /AFP/. Foreign Minister Claire Martin said in a letter to the summit that \
the talks mattered. The letter was read out by her deputy Paul Renard on Thursday.
"We welcome every step that brings the parties closer together," the letter reads.
"""
    [quote] = by_kind(text, dt.date(2023, 6, 2))["quotes"]
    assert quote["answer"] == "Claire Martin"


def test_generate_errors_are_one_line(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(HARBOUR)
    r = CliRunner().invoke(app, ["generate", str(article), "-o", str(tmp_path / "d.yaml")])
    assert r.exit_code == 1
    assert r.stderr == (f"quiz: {article}: no year in its dateline or text, so its dates "
                        "cannot be read; give the publication date with --date YYYY-MM-DD\n")
    r = CliRunner().invoke(app, ["generate", str(article), "--date", "3 March"])
    assert (r.exit_code, r.stderr) == (1, "quiz: --date 3 March: use YYYY-MM-DD\n")
    empty = tmp_path / "e.txt"
    empty.write_text("Nothing much happened in the town, residents said.\n")
    r = CliRunner().invoke(app, ["generate", str(empty), "--date", "2023-01-01"])
    assert r.exit_code == 1 and "found no dates, figures, quotes" in r.stderr


def test_generate_writes_a_valid_draft_and_does_not_overwrite(tmp_path: Path) -> None:
    article = tmp_path / "harbour.txt"
    article.write_text(HARBOUR)
    out = tmp_path / "harbour.yaml"
    r = CliRunner().invoke(app, ["generate", str(article), "-o", str(out), "--date",
                                 "2023-03-03"])
    assert r.exit_code == 0, r.output
    assert r.stdout == (f"Wrote {out}: 10 draft cards (3 dates, 3 figures, 3 quotes, 1 "
                        "members).\nCheck each one and remove its 'draft: true' line, then: "
                        f"quiz validate {out}\n")
    deck = load_deck(out)
    assert deck.sources["article"].outlet == "Reuters"
    assert all(c.draft and c.context and c.source == "article" for c in deck.cards)
    again = CliRunner().invoke(app, ["generate", str(article), "-o", str(out), "--date",
                                     "2023-03-03"])
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_ap_style_dateline_bare_weekday_and_money() -> None:
    text = """\
Storm damage tops estimates as rebuilding begins
WASHINGTON (AP) — The federal government will send $5 million in aid to the coast, the \
agency said Thursday. About 12,000 homes lost power, and 3 people died.
"We will stay until every family is back home," said Governor Maria Lopez, who toured the \
area on Wednesday.
"""
    assert read_meta(text).outlet == "AP"
    kinds = by_kind(text, dt.date(2023, 9, 8))  # a Friday
    assert [d["answer"] for d in kinds["dates"]] == [dt.date(2023, 9, 7), dt.date(2023, 9, 6)]
    money, homes, people = kinds["figures"]
    assert (money["answer"], money["unit"]) == (5_000_000, "$")
    assert money["question"] == "According to the report, how much aid to the coast (in $)?"
    assert (homes["answer"], homes["qualifier"], people["answer"]) == (12000, "about", 3)
    [quote] = kinds["quotes"]
    assert (quote["answer"], quote["explain"]) == ("Maria Lopez", "Maria Lopez, Governor.")


def test_a_dateline_at_the_start_of_time_gives_no_date_before_it(tmp_path: Path) -> None:
    """'on Sunday' before 1 January of year 1 is no date: an attack made
    quiz generate end in an internal error with --date 0001-01-01."""
    article = tmp_path / "a.txt"
    article.write_text("Troops came in 2022.\n\nThey arrived on Sunday, 2,000 of them.\n")
    r = CliRunner().invoke(app, ["generate", str(article), "-o", str(tmp_path / "a.yaml"),
                                 "--date", "0001-01-01"])
    assert r.exit_code == 0, r.output
    assert "date" not in (tmp_path / "a.yaml").read_text().split("cards:")[1]


def test_a_text_with_no_headline_line_keeps_its_opening_paragraph() -> None:
    """Issue 27: when the first long line is a paragraph (a dozen words or
    more ending in a full stop), it is body text to draft from, not a
    headline to skip; a headline line is still skipped."""
    body = ("The river authority opened 12 new flood gates on Friday, the mayor told "
            "a small crowd of residents.\n"
            "Work on the dam began in March, officials said.\n")
    meta = read_meta(body, date=dt.date(2024, 5, 10))
    assert meta.title is None
    assert [d["answer"] for d in by_kind(body, dt.date(2024, 5, 10))["figures"]] == [12]
    headed = "River authority opens new flood gates\n" + body
    assert read_meta(headed).title == "River authority opens new flood gates"
    asked = "Will the new flood gates hold back the river this spring?\n" + body
    assert read_meta(asked).title == "Will the new flood gates hold back the river this spring?"
