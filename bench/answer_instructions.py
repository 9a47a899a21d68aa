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

--ahead (for either) is a what-if for moving scheduling off the answer: both
runs first compute the card's next state for every rating it can get, as a
reviewer could while the question is on screen (quiz: Again, Hard and Good
through py-fsrs; Anki: `get_scheduling_states`, which its own reviewer
fetches to label its buttons), so the difference is the answer with those
states ready. It also prints that scheduling's cost per card.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import tempfile

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def quiz_workload(answers: int, answer: bool, ahead: bool = False) -> int:
    import datetime as dt
    from pathlib import Path

    from answer_latency import START, bench_answer, bench_session  # beside this script

    from quiz.study.scheduling import Rating, Scheduler

    ready: dict[object, object] = {}
    if ahead:  # Session.answer then finds its rating's state computed already
        review = Scheduler.review
        Scheduler.review = lambda self, state, rating, now, day_start=None: (  # type: ignore[method-assign]
            ready.get((id(state), rating, now)) or review(self, state, rating, now, day_start))
    done = 0
    with tempfile.TemporaryDirectory() as tmp:
        rng = random.Random(1)
        store, session = bench_session(Path(tmp), answers, "OFF", rng)
        session.scheduler.plan()  # built once a process, at a session's start (runner)
        now = START
        while done < answers and (q := session.next(now)) is not None:
            given = bench_answer(q, rng)
            if ahead:
                ready.clear()
                state = session._state((q.deck.id, q.card.id))
                for rating in (Rating.AGAIN, Rating.HARD, Rating.GOOD):
                    ready[(id(state), rating, now)] = review(session.scheduler, state, rating,
                                                             now, session.day_start)
            if answer:
                session.answer(q, given, now, 2000)
            done += 1
            now += dt.timedelta(seconds=5)
        store.close()
    return done


def anki_workload(answers: int, answer: bool, ahead: bool = False) -> int:
    from anki.collection import Collection
    from anki.scheduler.v3 import CardAnswer
    from anki_peer import bench_collection  # beside this script

    done = 0
    with tempfile.TemporaryDirectory() as tmp:
        col = bench_collection(Collection, tmp, answers)
        col.db.execute("pragma synchronous = OFF")
        while done < answers and (card := col.sched.getCard()) is not None:
            again = done % 5 == 0
            if ahead:
                states = col._backend.get_scheduling_states(card.id)
                if answer:  # what answerCard does once it has the states
                    col.sched.answer_card(col.sched.build_answer(
                        card=card, states=states,
                        rating=CardAnswer.AGAIN if again else CardAnswer.GOOD))
            elif answer:
                col.sched.answerCard(card, 1 if again else 3)
            done += 1
        col.close()
    return done


def count(peer: str, answers: int, mode: str, ahead: bool = False) -> tuple[int, int]:
    """(instructions, cards gone through) of one workload under cachegrind."""
    out = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, __file__, "--child", peer, mode, str(answers),
         *(["ahead"] if ahead else [])],
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
        print(f"done {work(n, mode == 'answer', ahead='ahead' in argv[4:])}")
        return
    ahead = "--ahead" in argv
    argv = [a for a in argv if a != "--ahead"]
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
    answered, n = count(peer, answers, "answer", ahead)
    fetched, m = count(peer, answers, "fetch", ahead)
    if n != m or n == 0:
        sys.exit(f"answer_instructions: {n} cards answered but {m} fetched; cannot compare")
    print(f"{peer}: {n} answers, {answered:,} instructions; {fetched:,} fetching "
          f"{'and scheduling ' if ahead else ''}the same cards without answering")
    if not ahead:
        print(f"{peer}: instructions per answer (grade + schedule + write, no fsync): "
              f"{(answered - fetched) // n:,}")
        return
    bare, k = count(peer, answers, "fetch")
    if k != n:
        sys.exit(f"answer_instructions: {n} cards scheduled ahead but {k} fetched")
    print(f"{peer}: instructions per card to schedule every rating ahead: "
          f"{(fetched - bare) // n:,}")
    print(f"{peer}: instructions per answer with its state ready (grade + write, no fsync): "
          f"{(answered - fetched) // n:,}")


if __name__ == "__main__":
    main(sys.argv[1:])
