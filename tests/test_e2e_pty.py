"""The installed `quiz` in a real pseudo-terminal (pexpect), end to end:
answer a few questions, press Ctrl-C, then check the database and
`quiz stats`."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.slow  # each spawns the installed quiz in a pseudo-terminal

QUIZ = Path(sys.executable).parent / "quiz"
COLOR = re.compile(r"\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7])[0-9;]*m")  # any colour SGR

# New cards in the deck's order: the tests name the cards they expect.
START = ["start", "--in-order"]


@pytest.fixture
def env(quiz_home: Path) -> dict[str, str]:
    assert QUIZ.exists(), f"the quiz command is not installed beside {sys.executable}"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    # pexpect does not answer the cursor-position requests a real terminal
    # answers; without this, prompt_toolkit waits up to 2 s for each reply.
    return {**env, "QUIZ_HOME": str(quiz_home), "TERM": "xterm-256color",
            "PROMPT_TOOLKIT_NO_CPR": "1"}


def session(env: dict[str, str], db: Path) -> str:
    child = pexpect.spawn(str(QUIZ), [*START, "csto-dates", "--db", str(db), "--new", "5"],
                          env=env, dimensions=(24, 80), encoding="utf-8", timeout=20)
    seen: list[str] = []

    def expect(pattern: str) -> None:
        child.expect(pattern)
        seen.append(str(child.before) + str(child.after))

    # New cards come in deck order: the first two are 2 and 6 January 2022.
    # (styles split lines into pieces: each pattern stays inside one piece)
    expect(r"Card 1 of 5")
    expect(r"CSTO in Kazakhstan, 2022: dates")
    expect(r"protests break out")
    child.send("2 January 2022\r")
    expect(r"Right\.")
    expect(r"Card 2 of 5")
    expect(r"peacekeeping forces")
    child.send("1 Jan\r")  # the deck's year fills in 2022: wrong by five days
    expect(r"Wrong\.")
    expect(r"The answer: 6 January 2022")
    expect(r"u: undo")  # after a miss: Enter goes on
    time.sleep(0.3)  # past the keys dropped right after an answer
    child.send("\r")
    expect(r"Card 3 of 6")
    expect(r"\?")
    child.send("not a date\r")  # re-asked inline, not graded
    expect(r"Type a date")
    child.sendintr()  # Ctrl-C at a prompt
    expect(r"Stopped\.")
    expect(r"Every answer so far is saved\.")
    expect(r"2 asked: 1 right, 0 partly, 1 wrong; score 50%")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    return "".join(seen)


def test_a_session_in_a_terminal_then_ctrl_c_then_stats(env: dict[str, str],
                                                        tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    shown = session(env, db)
    assert "Traceback" not in shown
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT card_id, answer, outcome FROM reviews "
                           "ORDER BY reviewed_at").fetchall()
        assert rows == [("protests-began", "2 January 2022", "right"),
                        ("council-decision", "1 Jan", "wrong")]
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT asked, correct, ended_at IS NOT NULL FROM sessions"
                           ).fetchall() == [(2, 1, 1)]
    out = subprocess.run([str(QUIZ), "stats", "--db", str(db)], env=env, capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("Progress · all decks · ")
    assert re.fullmatch(r"  2 answers · 2 cards · 1 session · 0m 0\ds studied", lines[1]), lines
    assert lines[2] == "  Streak: 1 day · longest 1 · 1 day studied"
    assert "  Last session: 2 asked, score 50%" in lines
    assert re.search(r"^  dates +#+\.+ +50%  \(2 answers\)$", out.stdout, re.M), out.stdout


def test_no_color_means_no_colour_codes_in_a_terminal(env: dict[str, str],
                                                      tmp_path: Path) -> None:
    coloured = session(env, tmp_path / "a.sqlite3")
    assert COLOR.search(coloured), "expected colour without NO_COLOR"
    plain = session({**env, "NO_COLOR": "1"}, tmp_path / "b.sqlite3")
    assert not COLOR.search(plain), COLOR.findall(plain)[:5]


def test_an_enter_too_many_does_not_answer_the_next_question(env: dict[str, str],
                                                             tmp_path: Path) -> None:
    """A second Enter after an answer, in the same burst or a moment later,
    is dropped: the next question waits for its own answer."""
    db = tmp_path / "h.sqlite3"
    child = pexpect.spawn(str(QUIZ), [*START, "csto-quotes", "--db", str(db), "--new", "3"],
                          env={**env, "NO_COLOR": "1"}, dimensions=(30, 120),
                          encoding="utf-8", timeout=20)

    def answered_on_its_own() -> bool:
        return child.expect([r"Right\.|Wrong\.", pexpect.TIMEOUT], timeout=1.5) == 0

    child.expect(r"Card 1 of 3")
    child.expect(r"Use arrow keys")  # a choice: Enter takes the highlighted one
    child.send("\r\r")  # the answer and an Enter too many, in one burst
    if child.expect([r"Right\.", r"Wrong\."]) == 1:
        child.expect(r"u: undo")  # a miss: Enter goes on
        time.sleep(0.3)
        child.send("\r")
    child.expect(r"Card 2 of \d")  # of 4 when the first was missed: it comes back
    child.expect(r"lack of reliable information")  # a typed answer
    assert not answered_on_its_own()
    child.send("Kosherbayev\r")
    time.sleep(0.08)  # a double tap
    child.send("\r")
    child.expect(r"Right\.")
    child.expect(r"Card 3 of \d")
    assert not answered_on_its_own()
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    with sqlite3.connect(db) as con:
        answers = [a for (a,) in con.execute("SELECT answer FROM reviews ORDER BY reviewed_at")]
    assert len(answers) == 2 and answers[1] == "Kosherbayev"
    # the same after the deck picker: its Enter, doubled, reaches no question
    child = pexpect.spawn(str(QUIZ), [*START, "--db", str(db)], env={**env, "NO_COLOR": "1"},
                          dimensions=(30, 120), encoding="utf-8", timeout=20)
    child.expect(r"Which deck\?")
    child.expect(r"Use arrow keys")
    child.send("\r\r")
    child.expect(r"Card 1 of")
    child.expect(r"protests break out")  # a date: an empty Enter would say "Type a date"
    assert child.expect([r"Type a date", pexpect.TIMEOUT], timeout=1.5) == 1
    child.sendintr()
    child.expect(pexpect.EOF)


@pytest.mark.parametrize("stop", ["ctrl-c after enter", "ctrl-d after enter", "kill -INT"])
def test_ctrl_c_is_never_dropped_at_a_list_question(env: dict[str, str], tmp_path: Path,
                                                    stop: str) -> None:
    """Keys typed just after an answer are dropped (see above), but a Ctrl-C
    or Ctrl-D among them still stops the session; so does a SIGINT that
    arrives while a list question is shown, which prompt_toolkit turns into
    a key that questionary's lists ignored."""
    db = tmp_path / "h.sqlite3"
    child = pexpect.spawn(str(QUIZ), [*START, "csto-quotes", "--db", str(db), "--new", "3"],
                          env={**env, "NO_COLOR": "1"}, dimensions=(30, 120),
                          encoding="utf-8", timeout=20)
    child.expect(r"Card 1 of 3")
    child.expect(r"Use arrow keys")  # a choice
    if stop == "kill -INT":
        assert child.pid is not None
        os.kill(child.pid, signal.SIGINT)
    else:  # the answer and the key, in one burst
        child.send("\r\x03" if stop == "ctrl-c after enter" else "\r\x04")
    assert child.expect([r"Stopped\.", pexpect.TIMEOUT], timeout=5) == 0
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    with sqlite3.connect(db) as con:
        asked = con.execute("SELECT count(*) FROM reviews").fetchone()[0]
    assert asked == (0 if stop == "kill -INT" else 1)  # an answer given is kept


def test_an_enter_too_many_does_not_pick_the_next_item_of_an_order(
        env: dict[str, str], tmp_path: Path) -> None:
    """An order question is asked pick by pick: a doubled Enter on one pick
    must not make the next one."""
    deck = tmp_path / "order.yaml"
    deck.write_text("id: order\ntitle: Order\ncards:\n"
                    "  - {id: o, question: In order?, answer: [one, two, three]}\n")
    child = pexpect.spawn(str(QUIZ), [*START, str(deck), "--db", str(tmp_path / "h.sqlite3")],
                          env={**env, "NO_COLOR": "1"}, dimensions=(30, 120),
                          encoding="utf-8", timeout=20)
    child.expect(r"Which comes first\?")
    child.expect(r"Use arrow keys")
    child.send("\r\r")
    child.expect(r"Which comes next\?")
    assert child.expect([r"Right\.|Wrong\.", pexpect.TIMEOUT], timeout=1.5) == 1
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGHUP"])
def test_killed_at_the_self_grade_question_keeps_the_answer(
        env: dict[str, str], tmp_path: Path, how: str) -> None:
    """With --self-grade, the right answer is saved (as Good) before 'How was
    it to recall?' is asked: a process killed there, or a terminal closed,
    loses nothing. It was saved only after the rating came."""
    deck = tmp_path / "mini.yaml"
    deck.write_text("id: mini\ntitle: Mini\ncards:\n"
                    "  - {id: a, question: 'Capital?', answer: Astana}\n")
    db = tmp_path / "h.sqlite3"
    child = pexpect.spawn(str(QUIZ), [*START, str(deck), "--db", str(db), "--self-grade"],
                          env={**env, "NO_COLOR": "1"}, dimensions=(30, 100),
                          encoding="utf-8", timeout=20)
    child.expect(r"Capital\?")
    child.send("Astana\r")
    child.expect(r"Right\. How was it to recall\?")
    child.kill(getattr(signal, how))
    child.expect(pexpect.EOF)
    child.close()
    con = sqlite3.connect(db)
    if how == "SIGKILL":
        assert child.signalstatus == signal.SIGKILL
    else:  # the session is closed first, as at Ctrl-C
        assert child.exitstatus == 128 + getattr(signal, how)
        assert con.execute("SELECT ended_at IS NOT NULL FROM sessions").fetchall() == [(1,)]
    assert con.execute("SELECT card_id, outcome, rating FROM reviews").fetchall() == [
        ("a", "right", 3)]
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()


def test_ctrl_z_suspends_to_the_shell_and_fg_brings_the_question_back(
        env: dict[str, str], tmp_path: Path) -> None:
    """In a shell with job control, Ctrl-Z at a question (a list and a typed
    one) stops quiz and gives the prompt back; `fg` resumes at the same
    question, which then takes its answer."""
    import shutil

    bash = shutil.which("bash")  # a shell with job control; CI runs .ci/run with it
    assert bash is not None
    db = tmp_path / "h.sqlite3"
    shell = pexpect.spawn(bash, ["--norc", "--noprofile", "-i"],
                          env={**env, "NO_COLOR": "1", "PS1": "$ "}, dimensions=(30, 120),
                          encoding="utf-8", timeout=20)
    shell.expect_exact("$ ")
    shell.send(f"{QUIZ} start --in-order csto-quotes --db {db} --new 3\r")

    def suspend_and_resume() -> None:
        shell.send("\x1a")
        shell.expect(r"Stopped")  # the shell's job report
        shell.expect_exact("$ ")
        shell.send("fg\r")
        shell.expect(r"\?")  # the question, drawn again

    shell.expect(r"Card 1 of 3")
    shell.expect(r"Use arrow keys")  # a choice
    suspend_and_resume()
    time.sleep(0.3)
    shell.send("\r")
    if shell.expect([r"Right\.", r"Wrong\."]) == 1:
        shell.expect(r"u: undo")  # a miss: Enter goes on
        time.sleep(0.3)
        shell.send("\r")
    shell.expect(r"Card 2 of \d")
    shell.expect(r"lack of reliable information")  # a typed answer
    suspend_and_resume()
    time.sleep(0.3)
    shell.send("Kosherbayev\r")
    shell.expect(r"Right\.")
    shell.sendintr()
    shell.expect(r"Every answer so far is saved\.")
    shell.expect_exact("$ ")
    shell.send("echo exit=$?\r")
    shell.expect(r"exit=(\d+)")
    assert isinstance(shell.match, re.Match) and shell.match.group(1) == "130"
    shell.sendeof()
    shell.expect(pexpect.EOF)
    with sqlite3.connect(db) as con:
        answers = [a for (a,) in con.execute("SELECT answer FROM reviews ORDER BY reviewed_at")]
    assert len(answers) == 2 and answers[1] == "Kosherbayev"


@pytest.mark.parametrize("how", ["SIGTERM", "closed terminal"])
def test_a_session_ended_by_a_signal_is_closed_like_one_stopped_with_ctrl_c(
        env: dict[str, str], tmp_path: Path, how: str) -> None:
    """`kill` (SIGTERM) or closing the terminal window (SIGHUP) killed quiz
    outright: its answers were saved, but the session had no end, and `quiz
    stats` called it stopped early. Now it is closed as after Ctrl-C: the
    summary when there is a terminal to show it, exit 128 + the signal."""
    db = tmp_path / "h.sqlite3"
    child = pexpect.spawn(str(QUIZ), [*START, "csto-dates", "--db", str(db), "--new", "3"],
                          env={**env, "NO_COLOR": "1"}, dimensions=(24, 80),
                          encoding="utf-8", timeout=20)
    child.expect(r"protests break out")
    child.send("2 January 2022\r")
    child.expect(r"Right\.")
    child.expect(r"peacekeeping forces")
    time.sleep(0.3)  # waiting at the second question
    if how == "SIGTERM":
        child.kill(signal.SIGTERM)
        child.expect(r"Stopped\.")
        child.expect(r"1 asked: 1 right, 0 partly, 0 wrong")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 128 + signal.SIGTERM
    else:
        child.close(force=False)  # the terminal goes: the kernel sends SIGHUP
        for _ in range(100):  # quiz closes its session, then exits
            if db.exists() and sqlite3.connect(db).execute(
                    "SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL").fetchone()[0]:
                break
            time.sleep(0.1)
        for _ in range(100):
            if not child.isalive():
                break
            time.sleep(0.1)
        assert child.exitstatus == 128 + signal.SIGHUP
    rows = sqlite3.connect(db).execute("SELECT asked, ended_at IS NOT NULL FROM sessions")
    assert rows.fetchall() == [(1, 1)]
    assert not list(Path(env["QUIZ_HOME"]).rglob("quiz-error.log"))


HOSTILE = "x\x1b]0;PWNED\x07\x1b]52;c;SGVsbG8=\x07\u202e\x9b2J"


def test_data_shown_on_a_terminal_is_inert(env: dict[str, str], tmp_path: Path) -> None:
    """CSV and JSON go out as they are to a pipe or a file, but a person at a
    terminal sees them inert: a crafted history held OSC sequences that
    `quiz history --csv` wrote to the terminal raw; piped answers were
    echoed raw too."""
    from quiz.history.store import open_store

    db = tmp_path / "h.sqlite3"
    open_store(db).close()
    con = sqlite3.connect(db)
    with con:
        sid = con.execute("INSERT INTO sessions (decks, mode, started_at, asked) "
                          "VALUES ('d', 'review', '2022-03-01T09:00:00.000000Z', 1)").lastrowid
        con.execute("INSERT INTO reviews (id, session_id, deck_id, card_id, reviewed_at, answer, "
                    "outcome, correct, rating, response_ms, mode) VALUES ('r1', ?, 'd', ?, "
                    "'2022-03-01T09:00:01.000000Z', ?, 'wrong', 0, 1, 10, 'review')",
                    (sid, HOSTILE, HOSTILE))
    con.close()
    for args in (["history", "--csv"], ["stats", "--json"], ["export", "csto-dates"]):
        child = pexpect.spawn(str(QUIZ), [*args, "--db", str(db)] if args[0] != "export"
                              else args, env=env, encoding="utf-8", timeout=30)
        shown = child.read()
        child.close()
        assert child.exitstatus == 0, (args, shown)
        assert "\x1b]" not in shown and "\x9b" not in shown and "\u202e" not in shown, args
        assert args[0] != "history" or "PWNED" in shown
    piped = subprocess.run([str(QUIZ), *START, "csto-dates", "--mode", "cram", "-n", "1",
                            "--db", str(tmp_path / "p.sqlite3")], input=HOSTILE + "\n",
                           capture_output=True, text=True, env=env, timeout=60)
    assert "PWNED" in piped.stdout and "\x1b]" not in piped.stdout, piped.stdout


LOCK_HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("LOCKED", flush=True)
time.sleep(30)
"""


def test_ctrl_c_while_waiting_for_a_busy_history_stops_at_once(
        env: dict[str, str], tmp_path: Path) -> None:
    """Each try to write sat in SQLite's 10 s busy wait, where Python cannot
    act on Ctrl-C: stopping took up to 10 s. Now every try is short."""
    from quiz.history.store import open_store

    db = tmp_path / "h.sqlite3"
    open_store(db).close()
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "LOCKED"
        child = pexpect.spawn(str(QUIZ), [*START, "csto-dates", "--db", str(db)], env=env,
                              encoding="utf-8", timeout=30)
        child.expect(r"Waiting to save the\s+session's start")
        pressed = time.monotonic()
        child.sendcontrol("c")
        child.expect(pexpect.EOF)
        took = time.monotonic() - pressed
        child.close()
        assert child.exitstatus == 130 and took < 4, took
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


def test_undo_and_i_was_right_in_a_terminal(env: dict[str, str], tmp_path: Path) -> None:
    """After a miss, `u` takes the answer back and the card is asked again;
    after the next miss, `r` counts it as right."""
    db = tmp_path / "h.sqlite3"
    child = pexpect.spawn(str(QUIZ), [*START, "csto-dates", "--db", str(db), "--new", "2"],
                          env={**env, "NO_COLOR": "1"}, dimensions=(24, 80),
                          encoding="utf-8", timeout=20)
    child.expect(r"Card 1 of 2")
    child.expect(r"protests break out")
    child.send("3 March 2021\r")
    child.expect(r"Wrong\.")
    child.expect(r"u: undo")
    time.sleep(0.3)
    child.send("u")
    child.expect(r"Undone: the card is asked again\.")
    child.expect(r"Card 1 of 2")
    child.expect(r"protests break out")
    child.send("2 January 2022\r")
    child.expect(r"Right\.")
    child.expect(r"Card 2 of 2")
    child.expect(r"score 1/1")
    child.send("1 Jan\r")  # wrong by five days; say it was right
    child.expect(r"u: undo")
    time.sleep(0.3)
    child.send("r")
    child.expect(r"Counted as right")
    child.expect(r"2 asked: 2 right, 0 partly, 0 wrong; score 100%")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT card_id, answer, outcome FROM reviews ORDER BY reviewed_at"
                           ).fetchall() == [("protests-began", "2 January 2022", "right"),
                                            ("council-decision", "1 Jan", "right")]


def test_a_flip_card_in_a_terminal(env: dict[str, str], tmp_path: Path) -> None:
    """Any key shows the back; the ratings list when each would bring the
    card back; Enter takes Good; Again then `u` undoes it."""
    deck = tmp_path / "flip.yaml"
    deck.write_text("id: flip\ntitle: Flip\ncards:\n"
                    "  - {id: steppe, type: basic, question: 'What is a steppe?', "
                    "answer: 'A wide plain of grass.'}\n"
                    "  - {id: sky, type: basic, question: 'Colour of the sky?', answer: blue}\n")
    db = tmp_path / "h.sqlite3"
    child = pexpect.spawn(str(QUIZ), [*START, str(deck), "--db", str(db)],
                          env={**env, "NO_COLOR": "1"}, dimensions=(24, 80),
                          encoding="utf-8", timeout=20)
    child.expect(r"What is a steppe\?")
    child.expect(r"Any key: show the answer")
    time.sleep(0.3)
    child.send("x")
    child.expect(r"A wide plain of grass\.")
    child.expect(r"How well did you recall it\?")
    child.expect(r"Again +\d+ min")
    child.expect(r"Easy +\d+ days?")
    time.sleep(0.3)
    child.send("\r")  # Good
    child.expect(r"Colour of the sky\?")
    time.sleep(0.3)
    child.send(" ")
    child.expect(r"blue")
    child.expect(r"How well did you recall it\?")
    time.sleep(0.3)
    child.send("\x1b[A\x1b[A\r")  # up twice: Again
    child.expect(r"u: undo")
    time.sleep(0.3)
    child.send("u")
    child.expect(r"Undone: the card is asked again\.")
    child.expect(r"Colour of the sky\?")
    time.sleep(0.3)
    child.send("x")
    child.expect(r"How well did you recall it\?")
    time.sleep(0.3)
    child.send("\r")
    child.expect(r"2 asked: 2 right, 0 partly, 0 wrong; score 100%")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT card_id, answer FROM reviews ORDER BY reviewed_at"
                           ).fetchall() == [("steppe", "Good"), ("sky", "Good")]


def test_a_well_known_choice_card_is_typed_in_a_terminal(env: dict[str, str],
                                                        tmp_path: Path) -> None:
    """A choice card with `escalate`, well known: no options, a line to type
    on, graded as typed recall (an accepted other name counts)."""
    import datetime as dt

    from tests.test_escalate import DECK, well_known_history

    deck = tmp_path / "capitals.yaml"
    deck.write_text(DECK)
    db = tmp_path / "h.sqlite3"
    well_known_history(db, dt.datetime.now(dt.UTC))
    child = pexpect.spawn(str(QUIZ), [*START, str(deck), "--db", str(db)],
                          env={**env, "NO_COLOR": "1"}, dimensions=(24, 80),
                          encoding="utf-8", timeout=20)
    child.expect(r"Capitals · no choices now: type it")
    child.expect(r"Capital of Kazakhstan\?")
    time.sleep(0.3)
    child.send("nur-sultan\r")
    child.expect("✓ Right.")
    child.expect(pexpect.EOF)
    child.close()
    assert "Almaty" not in (child.before or "")
    assert child.exitstatus == 0
    with sqlite3.connect(db) as con:
        row = con.execute("SELECT card_id, asked_as, answer FROM reviews "
                          "ORDER BY reviewed_at DESC LIMIT 1").fetchone()
    assert row == ("kz", "text", "nur-sultan")
