"""Anki's own answer latency on this machine, for a side-by-side figure.

    python -m venv anki-venv && anki-venv/bin/pip install anki
    anki-venv/bin/python bench/anki_peer.py [ANSWERS [SYNC]]   (default 2,000, FULL)

Anki is a benchmark peer only: it is AGPL and never a dependency of quiz,
so this script runs in a separate environment where `anki` is installed,
and exits with a message (status 2) anywhere else. It fills a fresh
collection with ANSWERS basic notes and times `sched.answerCard` (grade
given, schedule, write) as bench/answer_latency.py times quiz's answer,
and prints the collection's journal mode and synchronous setting, so the
two figures can be read side by side. SYNC=OFF sets synchronous=OFF first,
to time Anki's work without the fsync (compare quiz's figure with
synchronous=NORMAL in bench/answer_latency.py).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from typing import Any


def main(n: int, sync: str = "FULL") -> None:
    try:
        from anki.collection import Collection
    except ImportError:
        sys.stderr.write("anki_peer: the 'anki' package is not installed here; install it in "
                         "a separate venv (it is AGPL, never a quiz dependency) and run this "
                         "script with that venv's python\n")
        sys.exit(2)
    with tempfile.TemporaryDirectory() as tmp:
        col = bench_collection(Collection, tmp, n)
        if sync != "FULL":
            col.db.execute(f"pragma synchronous = {sync}")
        journal = col.db.scalar("pragma journal_mode")
        sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
            col.db.scalar("pragma synchronous"), "?")
        times: list[float] = []
        for i in range(n):
            card = col.sched.getCard()
            if card is None:  # the rest are learning steps, not due yet
                break
            start = time.perf_counter()
            col.sched.answerCard(card, 1 if i % 5 == 0 else 3)
            times.append((time.perf_counter() - start) * 1000)
        col.close()
    times.sort()
    print(f"anki: journal_mode={journal}, synchronous={sync}")
    print(f"anki answers: {len(times)}, median {statistics.median(times):.3f} ms, "
          f"p99 {times[min(len(times) - 1, int(len(times) * 0.99))]:.3f} ms")


def bench_collection(collection: Any, folder: str, n: int) -> Any:
    """A new collection in `folder` with n basic notes, all to be studied today."""
    col = collection(os.path.join(folder, "collection.anki2"))
    model = col.models.by_name("Basic")
    did = col.decks.id("Bench")
    for i in range(n):
        note = col.new_note(model)
        note["Front"] = f"Who said {i}?"
        note["Back"] = f"Person Name {i}"
        col.add_note(note, did)
    col.decks.select(did)
    conf = col.decks.config_dict_for_deck_id(did)
    conf["new"]["perDay"] = n
    col.decks.update_config(conf)
    return col


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000,
         sys.argv[2].upper() if len(sys.argv) > 2 else "FULL")
