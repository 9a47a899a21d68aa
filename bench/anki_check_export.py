"""Check a package from `quiz export -f apkg --with-history` with real Anki.

    python -m venv anki-venv && anki-venv/bin/pip install anki
    anki-venv/bin/python bench/anki_check_export.py DECK.apkg

Anki is AGPL: this is a verification tool only, run by hand in a separate
environment where `anki` is installed. quiz never imports it, and the test
suite does not run it.

It imports the package into a fresh Anki collection with Anki's own
importer (scheduling included), then compares what Anki made of it with what
the package holds: the number of notes, cards and review log rows, each
card's type and queue, its due date (a review card's day, moved by Anki from
the package's day count to the collection's, must fall on the same date)
and its FSRS memory (stability, difficulty). It prints one line per
mismatch and a summary; the exit status is 1 on any mismatch.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

DAY = 86_400


def package_cards(apkg: Path, tmp: Path) -> tuple[dict[str, Any], int, int]:
    """Per 'GUID ORD': the package's type, queue, due (as a date for a review
    card), memory; and its notes and revlog row counts."""
    with zipfile.ZipFile(apkg) as z:
        (tmp / "source.anki2").write_bytes(z.read("collection.anki2"))
    db = sqlite3.connect(tmp / "source.anki2")
    crt = db.execute("SELECT crt FROM col").fetchone()[0]
    cards = {}
    for guid, ord_, ctype, queue, due, data in db.execute(
            "SELECT n.guid, c.ord, c.type, c.queue, c.due, c.data FROM cards c "
            "JOIN notes n ON n.id = c.nid"):
        when = dt.date.fromtimestamp(crt + due * DAY) if ctype == 2 else due
        cards[f"{guid} {ord_}"] = {"type": ctype, "queue": queue, "due": when,
                                   "memory": json.loads(data or "{}")}
    notes = db.execute("SELECT count(*) FROM notes").fetchone()[0]
    revlog = db.execute("SELECT count(*) FROM revlog").fetchone()[0]
    db.close()
    return cards, notes, revlog


def main() -> int:
    try:
        from anki.collection import (
            Collection,
            ImportAnkiPackageOptions,
            ImportAnkiPackageRequest,
        )
    except ImportError:
        sys.stderr.write("anki_check_export: the 'anki' package is not installed here; "
                         "install it in a separate venv (AGPL, never a quiz dependency)\n")
        return 2
    apkg = Path(sys.argv[1]).resolve()
    problems = []
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        expected, notes, revlog = package_cards(apkg, tmp)
        col = Collection(str(tmp / "fresh.anki2"))
        col.set_config("fsrs", True)
        col.import_anki_package(ImportAnkiPackageRequest(
            package_path=str(apkg), options=ImportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=False, merge_notetypes=False)))
        today = col.sched.today
        got_notes = col.db.scalar("SELECT count(*) FROM notes")
        got_revlog = col.db.scalar("SELECT count(*) FROM revlog")
        if (got_notes, got_revlog) != (notes, revlog):
            problems.append(f"notes/revlog: Anki has {got_notes}/{got_revlog}, the package "
                            f"{notes}/{revlog}")
        checked = 0
        for cid, guid, ord_ in col.db.execute("SELECT c.id, n.guid, c.ord FROM cards c "
                                              "JOIN notes n ON n.id = c.nid"):
            want = expected.pop(f"{guid} {ord_}", None)
            if want is None:
                problems.append(f"{guid} {ord_}: a card the package does not have")
                continue
            card = col.get_card(cid)
            due: Any = card.due
            if card.type == 2:
                due = dt.date.fromtimestamp(time.time()) + dt.timedelta(days=card.due - today)
            got = {"type": card.type, "queue": card.queue, "due": due}
            for key, value in got.items():
                if key == "due" and card.type == 2:
                    # the package's date and Anki's may straddle midnight and 4 am
                    if abs((value - want["due"]).days) > 1:
                        problems.append(f"{guid} {ord_}: due {value}, the package "
                                        f"{want['due']}")
                elif value != want[key]:
                    problems.append(f"{guid} {ord_}: {key} {value}, the package {want[key]}")
            memory = want["memory"]
            if memory:
                state = card.memory_state
                if state is None or abs(state.stability - memory["s"]) > 0.01 * memory["s"] \
                        or abs(state.difficulty - memory["d"]) > 0.01:
                    problems.append(f"{guid} {ord_}: memory {state}, the package {memory}")
            checked += 1
        problems.extend(f"{k}: not imported" for k in expected)
        col.close()
    for p in problems:
        print(p)
    print(f"{apkg.name}: {checked} cards, {got_notes} notes, {got_revlog} review log rows "
          f"checked against Anki's import: {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
