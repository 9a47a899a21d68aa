"""`quiz import` of big tables: time per step, and per row, at 1,000 /
10,000 / 100,000 rows.

    python bench/import_scale.py [ROWS ...]      (default 1000 10000 100000)

Each size is a two-column CSV (question, answer) and Anki's plain-text
export of the same cards (tab-separated, HTML fields), written to a
temporary folder. The steps are those of `quiz import`: reading the file
into cards (`read_cards`), writing the deck's YAML (`deck_yaml`) and
checking it (`read_deck`). Linear time shows as a flat "us/row".
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from quiz.authoring.deckfile import Table
from quiz.authoring.edit import deck_yaml
from quiz.authoring.textformats import read_cards
from quiz.deck.loader import read_deck


def write(folder: Path, rows: int, kind: str) -> Path:
    if kind == "csv":
        path = folder / f"cards-{rows}.csv"
        path.write_text("question,answer\n" + "".join(
            f"What is item {i} of the list?,answer {i}\n" for i in range(rows)))
    else:
        path = folder / f"anki-{rows}.txt"
        path.write_text("#separator:tab\n#html:true\n" + "".join(
            f"What is <b>item {i}</b> of the list?\tanswer&nbsp;{i}<br>more\n"
            for i in range(rows)))
    return path


def timed(step: object, *args: object, **kwargs: object) -> tuple[float, object]:
    t = time.perf_counter()
    out = step(*args, **kwargs)  # type: ignore[operator]
    return time.perf_counter() - t, out


def main(sizes: list[int]) -> None:
    print(f"{'rows':>8} {'format':>6} {'read s':>8} {'yaml s':>8} {'check s':>8} "
          f"{'total s':>8} {'us/row':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            for kind in ("csv", "anki"):
                path = write(Path(tmp), rows, kind)
                read_s, table = timed(read_cards, path)
                assert isinstance(table, Table) and len(table.cards) == rows
                yaml_s, text = timed(deck_yaml, "bench", "Bench", table.cards)
                check_s, deck = timed(read_deck, text, str(path.with_suffix(".yaml")))
                total = read_s + yaml_s + check_s
                print(f"{rows:>8} {kind:>6} {read_s:>8.2f} {yaml_s:>8.2f} {check_s:>8.2f} "
                      f"{total:>8.2f} {total / rows * 1e6:>7.0f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000, 100000])
