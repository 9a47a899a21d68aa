"""Instructions per answer, counted by valgrind: a figure that timing noise does not move.

    python bench/answer_instructions.py [ANSWERS]          quiz (default 2,000)
    anki-venv/bin/python bench/answer_instructions.py --anki [ANSWERS]   (default 500)

On a shared or virtual machine the wall-clock medians of bench/answer_latency.py
and bench/anki_peer.py can move by a third from one hour to the next. This
script counts work instead: it runs one workload twice under
`valgrind --tool=cachegrind --cache-sim=no`, once answering ANSWERS cards and
once only fetching the next card as often, with the same setup, and prints
the difference divided by the answers: the user-space instructions of one
answer (grade, schedule, write and commit, with synchronous=OFF; the fsync is
kernel time and is not counted). --anki drives Anki's `sched.answerCard` the
way bench/anki_peer.py does (Anki answers at most about 570 cards of a fresh
deck before its learning steps stall). Exits 2 with a message when valgrind
or, with --anki, the `anki` package is missing.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import tempfile

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def quiz_workload(answers: int, answer: bool) -> int:
    import datetime as dt
    from pathlib import Path

    from answer_latency import START, bench_answer, bench_session  # beside this script

    done = 0
    with tempfile.TemporaryDirectory() as tmp:
        rng = random.Random(1)
        store, session = bench_session(Path(tmp), answers, "OFF", rng)
        now = START
        while done < answers and (q := session.next(now)) is not None:
            given = bench_answer(q, rng)
            if answer:
                session.answer(q, given, now, 2000)
            done += 1
            now += dt.timedelta(seconds=5)
        store.close()
    return done


def anki_workload(answers: int, answer: bool) -> int:
    from anki.collection import Collection
    from anki_peer import bench_collection  # beside this script

    done = 0
    with tempfile.TemporaryDirectory() as tmp:
        col = bench_collection(Collection, tmp, answers)
        col.db.execute("pragma synchronous = OFF")
        while done < answers and (card := col.sched.getCard()) is not None:
            if answer:
                col.sched.answerCard(card, 1 if done % 5 == 0 else 3)
            done += 1
        col.close()
    return done


def count(peer: str, answers: int, mode: str) -> tuple[int, int]:
    """(instructions, cards gone through) of one workload under cachegrind."""
    out = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, __file__, "--child", peer, mode, str(answers)],
        capture_output=True, text=True, check=False)
    refs = _REFS.search(out.stderr)
    done = re.search(r"^done (\d+)$", out.stdout, re.M)
    if out.returncode != 0 or refs is None or done is None:
        sys.exit(f"answer_instructions: the {mode} run failed:\n{out.stdout}{out.stderr}")
    return int(refs.group(1).replace(",", "")), int(done.group(1))


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        peer, mode, n = argv[1], argv[2], int(argv[3])
        work = anki_workload if peer == "anki" else quiz_workload
        print(f"done {work(n, mode == 'answer')}")
        return
    peer = "anki" if argv[:1] == ["--anki"] else "quiz"
    rest = argv[1:] if peer == "anki" else argv
    answers = int(rest[0]) if rest else (500 if peer == "anki" else 2000)
    if shutil.which("valgrind") is None:
        sys.stderr.write("answer_instructions: valgrind is not installed here; it counts the "
                         "instructions (install it with the system's package manager)\n")
        sys.exit(2)
    if peer == "anki":
        import importlib.util

        if importlib.util.find_spec("anki") is None:
            sys.stderr.write("answer_instructions: --anki needs the 'anki' package; run this "
                             "script with the python of a separate venv where it is installed "
                             "(it is AGPL, never a quiz dependency)\n")
            sys.exit(2)
    answered, n = count(peer, answers, "answer")
    fetched, m = count(peer, answers, "fetch")
    if n != m or n == 0:
        sys.exit(f"answer_instructions: {n} cards answered but {m} fetched; cannot compare")
    print(f"{peer}: {n} answers, {answered:,} instructions; {fetched:,} fetching the same "
          f"cards without answering")
    print(f"{peer}: instructions per answer (grade + schedule + write, no fsync): "
          f"{(answered - fetched) // n:,}")


if __name__ == "__main__":
    main(sys.argv[1:])
