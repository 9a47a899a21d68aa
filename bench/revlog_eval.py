"""Prediction accuracy of the scheduler's recall predictions on a review log.

    python bench/revlog_eval.py FILE.csv [--holdout 0.2]

FILE.csv has the columns card_id, review_rating (1-4) and review_time
(ISO-8601, UTC), as Anki-like tools export them (other columns are ignored).
Reviews become day-level items, one per review after a card's first, ordered
by the time of the review they predict (quiz.optimizer.build_items). The
newest share (--holdout) is held back: parameters are fitted on the earlier
items only, and the default and the fitted parameters are both scored on the
held-back ones (a time-series split, as the public srs-benchmark does).

Printed per parameter set: log loss and AUC of the predicted recall against
"not forgotten" (rating > 1), computed here from each item's memory state
and elapsed days, every item weighted the same (as srs-benchmark reports
them); then log loss and RMSE (bins) from fsrs-rs's own evaluate(), which
weights later items more (checked: single items agree to 4 decimals, and a
pair of items is weighted 0.2 / 0.8 by position).
Published reference (srs-benchmark): FSRS-6 log loss 0.32-0.35, Anki's SM-2
0.49-0.62, averaged over many learners.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from quiz.optimizer import day_histories


def read_log(path: Path) -> list[tuple[object, dt.datetime, int]]:
    out: list[tuple[object, dt.datetime, int]] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"card_id", "review_rating", "review_time"} - set(reader.fieldnames or ())
        if missing:
            sys.exit(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for n, row in enumerate(reader, start=2):
            try:
                when = dt.datetime.fromisoformat(row["review_time"].replace("Z", "+00:00"))
                rating = int(row["review_rating"])
            except ValueError as e:
                sys.exit(f"{path}:{n}: {e}")
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            if 1 <= rating <= 4:
                out.append((row["card_id"], when.astimezone(dt.UTC), rating))
    out.sort(key=lambda r: r[1])
    return out


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    pairs = sorted(zip(scores, labels, strict=True))
    pos = sum(labels)
    neg = len(labels) - pos
    if not pos or not neg:
        return float("nan")
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid_rank = (i + j + 1) / 2  # ranks i+1 .. j, averaged
        rank_sum += mid_rank * sum(label for _, label in pairs[i:j])
        i = j
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def item(fr: Any, days: Sequence[tuple[int, int]]) -> Any:
    return fr.FSRSItem([fr.FSRSReview(r, d) for r, d in days])


def predictions(fr: Any, parameters: Sequence[float],
                histories: Sequence[list[tuple[int, int]]]) -> tuple[list[float], list[int]]:
    """Predicted recall at each history's last review, and whether it was recalled."""
    model = fr.FSRS(list(parameters))
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    before = [item(fr, days[:-1]) for days in histories]
    states = model.memory_state_batch(before, [None] * len(before))
    scores, labels = [], []
    for days, state in zip(histories, states, strict=True):
        rating, elapsed = days[-1]
        scores.append((1 + factor * elapsed / state.stability) ** decay)
        labels.append(int(rating > 1))
    return scores, labels


def log_loss(scores: Sequence[float], labels: Sequence[int]) -> float:
    eps = 1e-6
    return -sum(math.log(min(max(p if y else 1 - p, eps), 1)) for p, y in
                zip(scores, labels, strict=True)) / len(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--holdout", type=float, default=0.2)
    args = parser.parse_args()
    import fsrs_rs_python as fr

    reviews = read_log(args.file)
    histories = [days for _, days in day_histories(reviews)]
    items = [item(fr, days) for days in histories]
    cut = int(len(items) * (1 - args.holdout))
    train, test = items[:cut], items[cut:]
    print(f"log: {len(reviews):,} reviews of {len({r[0] for r in reviews}):,} cards; "
          f"{len(items):,} day-level items, {len(train):,} to fit, {len(test):,} held back "
          f"(newest {args.holdout:.0%})")
    t = time.perf_counter()
    fitted = fr.FSRS(list(fr.DEFAULT_PARAMETERS)).compute_parameters(train)
    print(f"fit: {(time.perf_counter() - t) * 1000:.0f} ms")
    for name, params in (("default", list(fr.DEFAULT_PARAMETERS)), ("fitted", fitted)):
        ev = fr.FSRS(list(params)).evaluate(test)
        scores, labels = predictions(fr, params, histories[cut:])
        print(f"{name:>8}: log loss {log_loss(scores, labels):.4f}  AUC "
              f"{auc(scores, labels):.4f}  (fsrs-rs, recency-weighted: log loss "
              f"{ev.log_loss:.4f}, RMSE(bins) {ev.rmse_bins:.4f})")


if __name__ == "__main__":
    main()
