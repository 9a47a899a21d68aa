"""`quiz stats` and `quiz history` as a user runs them, on a real session's history."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import json
import os
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.cli import app
from quiz.deck.catalog import find
from quiz.history.store import open_store
from quiz.models import Mode, Outcome
from quiz.study.scheduling import Scheduler, Settings
from quiz.study.session import Session
from quiz.wording import answer_text

runner = CliRunner()


def study(db: Path, answers: int = 6) -> list[str]:
    """Answer the first cards of the dates deck, alternating right and wrong."""
    deck = find(["csto-dates"])[0]
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    ids = []
    with open_store(db) as store:
        s = Session(store, Scheduler(Settings(fuzz=False)), [deck], Mode.REVIEW, now,
                    random.Random(3), new_limit=answers)
        s.start()
        for i in range(answers):
            q = s.next(now)
            assert q is not None
            right = i % 2 == 0
            given: str | list[str]
            if isinstance(q.card.answer, tuple):
                given = list(q.card.answer) if right else []
            else:
                given = answer_text(q.card) if right else "no idea"
            s.answer(q, given, now)
            ids.append(q.card.id)
            now += dt.timedelta(seconds=20)
        s.finish(now)
    return ids


def test_stats_text_json_and_html(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    study(db)
    result = runner.invoke(app, ["stats", "--db", str(db)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "6 answers · 6 cards · 1 session ·" in lines[1]
    assert "Streak: 1 day" in lines[2]
    assert any(line.startswith("  dates ") and "50%" in line for line in lines)
    assert all(len(line) <= 80 for line in lines)
    assert all(ord(ch) < 128 for line in lines[4:] for ch in line if ch not in "·…–"), \
        "charts are ASCII when the output is not a terminal"

    out = runner.invoke(app, ["stats", "--db", str(db), "--json", "--html",
                              str(tmp_path / "r.html")])
    doc = json.loads(out.output)
    assert doc["totals"]["reviews"] == 6 and doc["tags"][0]["tag"] == "dates"
    assert doc["sessions"][0]["score"] == 50.0
    page = (tmp_path / "r.html").read_text()
    assert page.count("<svg") >= 3 and "<script" not in page and "src=" not in page
    assert "href=" not in page and "@import" not in page  # nothing fetched to view it


def test_stats_for_one_deck_and_an_unknown_one(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    study(db, 2)
    ok = runner.invoke(app, ["stats", "csto-dates", "--db", str(db)])
    assert ok.exit_code == 0 and "Progress · csto-dates" in ok.output
    from .conftest import ROOT

    twice = runner.invoke(app, ["stats", "csto-dates", str(ROOT / "decks" / "csto-dates.yaml"),
                                "--db", str(db)])  # by id and by file: one deck
    assert twice.output.startswith("Progress · csto-dates · ")
    bad = runner.invoke(app, ["stats", "nope", "--db", str(db)])
    assert bad.exit_code == 1
    assert bad.output == "quiz: no history for deck 'nope' (decks with history: csto-dates)\n"


def test_stats_with_a_missing_explicit_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", "--db", str(tmp_path / "typo.sqlite3")])
    assert result.exit_code == 1
    assert result.output == f"quiz: {tmp_path / 'typo.sqlite3'}: no history database here yet\n"
    assert not (tmp_path / "typo.sqlite3").exists()


def test_stats_with_no_history_yet() -> None:
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 0
    assert result.output.splitlines()[1] == "No answers yet. Run 'quiz start' to begin."


def test_history_csv_exports_every_answer(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    cards = study(db)
    result = runner.invoke(app, ["history", "--csv", "--db", str(db)])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["card_id"] for r in rows] == cards
    assert [r["outcome"] for r in rows] == ["right", "wrong"] * 3
    assert rows[1]["answer"] == "no idea" and rows[0]["deck_id"] == "csto-dates"
    out = tmp_path / "all.csv"
    assert runner.invoke(app, ["history", "--csv", "-o", str(out), "--db", str(db)]).exit_code == 0
    assert out.read_text() == result.output


@pytest.mark.parametrize("args", [
    ["history", "--csv", "-o"], ["history", "-o"], ["stats", "--html"],
    ["export", "csto-dates", "-o"], ["export", "csto-dates", "-f", "apkg", "-o"],
    ["new"], ["import", "TABLE", "-o"]])
def test_every_file_it_cannot_write_is_one_line(quiz_home: Path, tmp_path: Path,
                                                args: list[str]) -> None:
    """Each command that writes a file says the same one line when it cannot."""
    db = tmp_path / "h.sqlite3"
    study(db)
    table = tmp_path / "cards.csv"
    table.write_text("front,back\nQ?,A\n")
    (tmp_path / "a-file").write_text("")
    out = tmp_path / "a-file" / "out.yaml"  # its folder is a file
    args = [str(table) if a == "TABLE" else a for a in args]
    result = runner.invoke(app, [*args, str(out), "--db", str(db)] if args[0] in (
        "history", "stats") else [*args, str(out)])
    assert (result.exit_code, result.output) == (
        1, f"quiz: {out}: cannot write (Not a directory)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "cards.csv", "h.sqlite3"]


def test_a_failed_history_export_leaves_the_old_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from quiz.history.store import Store

    db = tmp_path / "h.sqlite3"
    study(db)
    out = tmp_path / "all.csv"
    out.write_text("the last export\n")

    def full_disk(*_: object, **__: object) -> Iterator[tuple[object, ...]]:
        yield ("r1",) * 11
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Store, "iter_reviews", full_disk)
    result = runner.invoke(app, ["history", "--csv", "-o", str(out), "--db", str(db)])
    assert (result.exit_code, result.output) == (
        1, f"quiz: {out}: cannot write (No space left on device)\n")
    assert out.read_text() == "the last export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.csv", "h.sqlite3"]


def test_history_shows_the_latest_answers(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    cards = study(db)
    result = runner.invoke(app, ["history", "-n", "2", "--db", str(db)])
    header, *lines = result.output.splitlines()
    assert header.split() == ["When", "Result", "Card", "Your", "answer"]
    assert len(lines) == 2
    assert lines[0].split()[3:5] == ["right", f"csto-dates/{cards[4]}"]
    assert lines[1].split()[3:] == ["wrong", f"csto-dates/{cards[5]}", "no", "idea"]
    # one column each: the answers start where the header says
    at = header.index("Your answer")
    assert all(line[at - 2:at] == "  " and line[at:].split() == line.split()[5:]
               for line in lines)


def test_history_cuts_a_wide_answer_to_its_column_in_cells(tmp_path: Path) -> None:
    """A CJK character takes two cells: an answer cut by characters ran past
    the 80 columns the table is laid out for."""
    from quiz.cli.render import cells

    db = tmp_path / "h.sqlite3"
    with open_store(db) as s:
        for i, answer in enumerate(["很长" * 20, "Tokayev" * 10]):
            s.db.execute("INSERT INTO reviews (id, deck_id, card_id, reviewed_at, answer, "
                         "outcome, correct, rating, response_ms, mode) VALUES (?, 'csto-dates', "
                         "'protests-began', ?, ?, 'wrong', 0, 1, 10, 'review')",
                         (f"r{i}", f"2022-03-01T09:0{i}:00.000000Z", answer))
    lines = runner.invoke(app, ["history", "--db", str(db)]).stdout.splitlines()
    assert [line.split()[-1] for line in lines[1:]] == ["很长" * 6 + "很…",
                                                        "Tokayev" * 3 + "Tokaye…"]
    assert cells(lines[1].split()[-1]) == 27 and cells(lines[2].split()[-1]) == 28
    assert all(cells(line) <= 80 for line in lines)


def test_stats_on_answers_without_a_counted_session(tmp_path: Path) -> None:
    """Reviews written by another tool, with no session counters: the text
    view leaves out the session chart instead of failing."""
    db = tmp_path / "h.sqlite3"
    with open_store(db) as s:
        s.db.execute("INSERT INTO reviews (id, deck_id, card_id, reviewed_at, answer, outcome, "
                     "correct, rating, response_ms, mode) VALUES ('r1', 'd', 'c1', "
                     "'2022-03-01T09:00:00.000000Z', 'x', 'right', 1, 3, 10, 'review')")
        s.rebuild_summaries()
    for args in ([], ["--html", str(tmp_path / "r.html")], ["--json"]):
        result = runner.invoke(app, ["stats", "--db", str(db), *args])
        assert result.exit_code == 0, result.output
    text = runner.invoke(app, ["stats", "--db", str(db)]).stdout
    assert "1 answer · 1 card · 0 sessions" in text and "Score by session" not in text
    assert "Score by tag" in text


def test_html_score_chart_shows_the_last_sessions_only(tmp_path: Path) -> None:
    from quiz.cli.report import TREND_MAX

    db = tmp_path / "h.sqlite3"
    start = dt.datetime(2022, 3, 1, tzinfo=dt.UTC)
    with open_store(db) as s:
        for i in range(TREND_MAX + 5):
            sid = s.begin_session(["d"], Mode.REVIEW, start + dt.timedelta(hours=i))
            s.db.execute("UPDATE sessions SET asked = 2, correct = 1 WHERE id = ?", (sid,))
        s.db.execute("INSERT INTO card_stats VALUES ('d', 'c', 1, 1, 0)")
    out = tmp_path / "r.html"
    assert runner.invoke(app, ["stats", "--db", str(db), "--html", str(out)]).exit_code == 0
    page = out.read_text()
    assert f"<h2>Score by session (the last {TREND_MAX} of {TREND_MAX + 5:,})</h2>" in page
    assert page.count("<circle") == TREND_MAX


def test_stats_columns_hold_wide_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tags and questions in CJK take two cells a character: the tag bars
    line up and no line passes 80 columns (len() counted one)."""
    from wcwidth import wcswidth

    deck_file = tmp_path / "wide.yaml"
    deck_file.write_text(
        "id: wide\ntitle: 宽\ncards:\n"
        "  - {id: a, question: 集体安全条约组织在二零二二年一月向哪个国家派遣了维和部队以帮助"
        "恢复秩序和稳定局势？, answer: 哈萨克斯坦, tags: [国家和地区]}\n"
        "  - {id: b, question: Which city?, answer: Almaty, tags: [cities]}\n", encoding="utf-8")
    db = tmp_path / "h.sqlite3"
    deck = find([str(deck_file)])[0]
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with open_store(db) as store:
        s = Session(store, Scheduler(Settings(fuzz=False)), [deck], Mode.REVIEW, now,
                    random.Random(3), new_limit=2)
        s.start()
        while (q := s.next(now)) is not None and s.asked < 4:
            s.answer(q, "no idea", now)
            now += dt.timedelta(minutes=20)
        s.finish(now)
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, ["stats", "--db", str(db)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(wcswidth(line) <= 80 for line in lines), [
        (wcswidth(line), line) for line in lines if wcswidth(line) > 80]
    tags = lines[lines.index("Score by tag") + 1:][:2]
    bars = [re.search(r"[#.]{10,}", line) for line in tags]  # plain: # filled, . empty
    bar_starts = {wcswidth(line[:bar.start()]) for line, bar in zip(tags, bars, strict=True)
                  if bar}
    assert len(bar_starts) == 1 and all(bars), tags
    hardest = lines[lines.index("Hardest cards") + 1:]
    assert any("集体安全条约组织" in line and line.endswith("…") for line in hardest), hardest


def test_history_csv_writes_a_typed_formula_as_text(tmp_path: Path) -> None:
    """An answer typed as '=HYPERLINK(...)' would run in a spreadsheet."""
    from quiz.models import Review

    db = tmp_path / "h.sqlite3"
    with open_store(db) as store:
        sid = store.begin_session(["d"], Mode.REVIEW, dt.datetime(2022, 3, 1, tzinfo=dt.UTC))
        store.record(Review("r1", sid, "d", "c1", dt.datetime(2022, 3, 1, tzinfo=dt.UTC),
                            '=HYPERLINK("http://x","y")', Outcome.WRONG, 1, 900, Mode.REVIEW,
                            None, None), None)
    result = runner.invoke(app, ["history", "--csv", "--db", str(db)])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.output)))
    assert row["answer"] == "'=HYPERLINK(\"http://x\",\"y\")" and row["response_ms"] == "900"
