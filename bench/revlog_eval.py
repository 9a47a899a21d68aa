"""Prediction accuracy of the scheduler's recall predictions on a review log.

    python bench/revlog_eval.py FILE.csv [--holdout 0.2]

FILE.csv has the columns card_id, review_rating (1-4) and review_time
(ISO-8601, UTC), as Anki-like tools export them (other columns are ignored).
Reviews become day-level items, one per review after a card's first, ordered
by the time of the review they predict (quiz.study.optimizer.build_items). The
newest share (--holdout) is held back: parameters are fitted on the earlier
items only, and the default and the fitted parameters are both scored on the
held-back ones (a time-series split, as the public srs-benchmark does).

Printed per parameter set: log loss and AUC of the predicted recall against
"not forgotten" (rating > 1), from each item's memory state and the days
since (quiz.study.optimizer, the figures `quiz optimize` reports), every item
weighted the same, as srs-benchmark reports them; then log loss and RMSE
(bins) from fsrs-rs's own evaluate(), which weights later items more
(checked: single items agree to 4 decimals; a pair is weighted 0.2 / 0.8).
Published reference (srs-benchmark): FSRS-6 log loss 0.32-0.35, Anki's SM-2
0.49-0.62, averaged over many learners.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import time
from pathlib import Path

from quiz.study.optimizer import auc, day_histories, fsrs_item, log_loss, predictions

Review = tuple[str, dt.datetime, int, float | None]  # card, time, rating, seconds


def read_reviews(path: Path) -> list[Review]:
    """The log's reviews (ratings 1-4), in file order, with the response
    time in seconds where the log has a `review_duration` (milliseconds);
    a bad row ends the script with FILE:LINE and the reason."""
    out: list[Review] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"card_id", "review_rating", "review_time"} - set(reader.fieldnames or ())
        if missing:
            sys.exit(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for n, row in enumerate(reader, start=2):
            try:
                when = dt.datetime.fromisoformat(row["review_time"].replace("Z", "+00:00"))
                rating = int(row["review_rating"])
                ms = row.get("review_duration") or ""
                seconds = int(ms) / 1000 if ms.strip() else None
            except ValueError as e:
                sys.exit(f"{path}:{n}: {e}")
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            if 1 <= rating <= 4:
                out.append((row["card_id"], when.astimezone(dt.UTC), rating, seconds))
    return out


def read_log(path: Path) -> list[tuple[object, dt.datetime, int]]:
    """The reviews as the optimizer takes them, oldest first."""
    return sorted(((card, when, rating) for card, when, rating, _ in read_reviews(path)),
                  key=lambda r: r[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--holdout", type=float, default=0.2)
    args = parser.parse_args()
    import fsrs_rs_python as fr

    reviews = read_log(args.file)
    histories = [days for _, days in day_histories(reviews)]
    cut = int(len(histories) * (1 - args.holdout))
    train = [fsrs_item(h) for h in histories[:cut]]
    test = histories[cut:]
    print(f"log: {len(reviews):,} reviews of {len({r[0] for r in reviews}):,} cards; "
          f"{len(histories):,} day-level items, {len(train):,} to fit, {len(test):,} held back "
          f"(newest {args.holdout:.0%})")
    t = time.perf_counter()
    fitted = fr.FSRS(list(fr.DEFAULT_PARAMETERS)).compute_parameters(train)
    print(f"fit: {(time.perf_counter() - t) * 1000:.0f} ms")
    for name, params in (("default", list(fr.DEFAULT_PARAMETERS)), ("fitted", fitted)):
        ev = fr.FSRS(list(params)).evaluate([fsrs_item(h) for h in test])
        scores, labels = predictions(params, test)
        print(f"{name:>8}: log loss {log_loss(scores, labels):.4f}  AUC "
              f"{auc(scores, labels):.4f}  (fsrs-rs, recency-weighted: log loss "
              f"{ev.log_loss:.4f}, RMSE(bins) {ev.rmse_bins:.4f})")


if __name__ == "__main__":
    main()
