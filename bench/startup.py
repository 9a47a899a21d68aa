"""Startup: `quiz --version`, `quiz --help` and the time to the first question.

    python bench/startup.py [CARDS] [REVIEWS]     (default 50,000 and 1,000,000)

Runs the installed `quiz` (beside this Python) in child processes, best of
several runs, against a bare `python -c pass`. The time to the first question
runs `quiz start DECK` in a pseudo-terminal and stops the clock when the
question text appears: once on a bundled deck with an empty history, then on
a synthetic deck of CARDS cards with a history of REVIEWS reviews, parsed
(empty deck cache) and then cached.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect
from stats_scale import build
from synth import write_deck

QUIZ = str(Path(sys.executable).parent / "quiz")


def best(cmd: list[str], env: dict[str, str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def first_question(args: list[str], question: str, env: dict[str, str]) -> float:
    t = time.perf_counter()
    child = pexpect.spawn(QUIZ, args, env=env, dimensions=(24, 80), encoding="utf-8",
                          timeout=120)
    child.expect(question)
    elapsed = time.perf_counter() - t
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    return elapsed * 1000


def real_states(path: Path) -> None:
    """Give the synthetic history's cards real scheduler data, as answers would."""
    import sqlite3

    import fsrs

    db = sqlite3.connect(path)
    rows = db.execute("SELECT card_id, due, stability, last_review FROM card_state").fetchall()
    data = []
    for card_id, due, stability, last in rows:
        card = fsrs.Card(card_id=int(card_id[1:]), state=fsrs.State.Review, step=None,
                         stability=stability, difficulty=5.0,
                         due=dt.datetime.fromisoformat(due),
                         last_review=dt.datetime.fromisoformat(last))
        data.append((card.to_json(), card_id))
    db.executemany("UPDATE card_state SET data = ? WHERE card_id = ?", data)
    db.commit()
    db.close()


def main() -> None:
    cards = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    reviews = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QUIZ_HOME": str(Path(tmp) / "home"), "TERM": "xterm-256color",
               "PROMPT_TOOLKIT_NO_CPR": "1"}
        env.pop("NO_COLOR", None)
        base = best([sys.executable, "-c", "pass"], env)
        print(f"python -c pass: {base:.0f} ms")
        for flag in ("--version", "--help"):
            ms = best([QUIZ, flag], env)
            print(f"quiz {flag}: {ms:.0f} ms ({ms - base:+.0f} ms over python)")
        db = Path(tmp) / "empty.sqlite3"
        start = ["start", "--in-order", "csto-dates", "--db", str(db)]
        ms = min(first_question(start, "protests break out", env) for _ in range(5))
        print(f"first question, bundled deck (16 cards), empty history: {ms:.0f} ms")

        deck = write_deck(Path(tmp) / "big.yaml", cards)
        db = Path(tmp) / "big.sqlite3"
        # a year of history up to now; its cards are the deck's: c0, c1, ...
        build(db, reviews, cards, end=dt.datetime.now(dt.UTC))
        real_states(db)
        args = ["start", "--in-order", str(deck), "--db", str(db)]
        cold = first_question(args, "what did the envoy say", env)
        warm = min(first_question(args, "what did the envoy say", env) for _ in range(3))
        print(f"first question, {cards:,} cards ({deck.stat().st_size / 1e6:.0f} MB) and "
              f"{reviews:,} reviews: {cold:.0f} ms parsing the deck, {warm:.0f} ms cached")


if __name__ == "__main__":
    main()
