"""Prediction accuracy of the scheduler's recall predictions on a review log.

    python bench/revlog_eval.py FILE.csv [--holdout 0.2] [--day-start UTC_HOUR]

FILE.csv has the columns card_id, review_rating (1-4) and review_time
(ISO-8601, UTC), as Anki-like tools export them (other columns are ignored).
Reviews become day-level items, one per review on a later day than the
card's previous one, its history holding the same-day reviews before it (as
fsrs-rs and Anki build them), ordered by the time of the review they predict
(quiz.study.optimizer.build_items). A learner's day starts at 4 am local
time, and the log names no time zone: the day is taken to start in the
learner's night, the longest stretch of hours of the day with no review
(--day-start sets the hour, --utc-days counts UTC dates). The newest share
(--holdout) is held back: parameters are fitted on the earlier items only,
and the default and the fitted parameters are both scored on the held-back
ones (a time-series split). Then srs-benchmark's own split: five folds,
each segment of the items in time order predicted by parameters fitted on
all the segments before it.

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


def ratings_from_time(reviews: list[Review]) -> list[tuple[object, dt.datetime, int]]:
    """The log's reviews, oldest first, a right answer rated from its
    response time as bench/simulate.py's time variant does: faster than the
    fastest quarter of the learner's right answers so far Easy, slower than
    the slowest quarter Hard (after 20 of them)."""
    import bisect

    times: list[float] = []
    out = []
    for card, when, rating, seconds in sorted(reviews, key=lambda r: r[1]):
        if rating > 1 and seconds is not None:
            if len(times) >= 20:
                if seconds < times[len(times) // 4]:
                    rating = 4
                elif seconds > times[3 * len(times) // 4]:
                    rating = 2
            bisect.insort(times, seconds)
        out.append((card, when, rating))
    return out


def quiet_hour(reviews: list[tuple[object, dt.datetime, int]]) -> int:
    """The UTC hour a learner's day is taken to start at, from the log alone
    (it names no time zone): the first hour of the longest run of hours of
    the day with no review (the learner's night). Any hour in that run
    splits the reviews into the same days."""
    busy = {when.hour for _, when, _ in reviews}
    if len(busy) == 24:
        return 0
    best, best_len = 0, 0
    for h in range(24):
        if h in busy or (h - 1) % 24 not in busy:
            continue
        n = 0
        while (h + n) % 24 not in busy:
            n += 1
        if n > best_len:
            best, best_len = h, n
    return best


def fold_predictions(histories: list[list[tuple[int, int]]], splits: int
                     ) -> dict[str, tuple[list[float], list[int]]]:
    """srs-benchmark's split: the items in time order cut into `splits` + 1
    segments, each segment after the first predicted by parameters fitted on
    all before it (fsrs-rs's TimeSeriesSplit segments); the predictions of
    the default and the fitted parameters, pooled over the folds."""
    import fsrs_rs_python as fr

    size = len(histories) // (splits + 1)
    out: dict[str, tuple[list[float], list[int]]] = {"default": ([], []), "fitted": ([], [])}
    for i in range(splits):
        start, end = (i + 1) * size, (len(histories) if i == splits - 1 else (i + 2) * size)
        train = [fsrs_item(h) for h in histories[:start]]
        fitted = fr.FSRS(list(fr.DEFAULT_PARAMETERS)).compute_parameters(train)
        for name, params in (("default", list(fr.DEFAULT_PARAMETERS)), ("fitted", fitted)):
            scores, labels = predictions(params, histories[start:end])
            out[name][0].extend(scores)
            out[name][1].extend(labels)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--day-start", type=int, default=None, metavar="UTC_HOUR",
                        help="the UTC hour the learner's day starts at (default: the start "
                             "of the log's longest stretch of hours with no review)")
    parser.add_argument("--utc-days", action="store_true",
                        help="count UTC dates, as this script did before (day boundary at "
                             "midnight UTC)")
    parser.add_argument("--ratings-from-time", action="store_true",
                        help="rate right answers from their response time (Hard, Good, "
                             "Easy) instead of the log's ratings")
    args = parser.parse_args()
    import fsrs_rs_python as fr

    reviews = (ratings_from_time(read_reviews(args.file)) if args.ratings_from_time
               else read_log(args.file))
    hour = 0 if args.utc_days else (
        quiet_hour(reviews) if args.day_start is None else args.day_start)
    day_start = dt.datetime(2000, 1, 1, hour, tzinfo=dt.UTC)
    histories = [days for _, days in day_histories(reviews, day_start)]
    cut = int(len(histories) * (1 - args.holdout))
    train = [fsrs_item(h) for h in histories[:cut]]
    test = histories[cut:]
    print(f"log: {len(reviews):,} reviews of {len({r[0] for r in reviews}):,} cards; "
          f"days start at {hour:02d}:00 UTC; {len(histories):,} day-level items, "
          f"{len(train):,} to fit, {len(test):,} held back (newest {args.holdout:.0%})")
    t = time.perf_counter()
    fitted = fr.FSRS(list(fr.DEFAULT_PARAMETERS)).compute_parameters(train)
    print(f"fit: {(time.perf_counter() - t) * 1000:.0f} ms")
    for name, params in (("default", list(fr.DEFAULT_PARAMETERS)), ("fitted", fitted)):
        ev = fr.FSRS(list(params)).evaluate([fsrs_item(h) for h in test])
        scores, labels = predictions(params, test)
        print(f"{name:>8}: log loss {log_loss(scores, labels):.4f}  AUC "
              f"{auc(scores, labels):.4f}  (fsrs-rs, recency-weighted: log loss "
              f"{ev.log_loss:.4f}, RMSE(bins) {ev.rmse_bins:.4f})")
    folds = fold_predictions(histories, SPLITS)
    ts = fr.evaluate_with_time_series_splits([fsrs_item(h) for h in histories])
    print(f"{SPLITS}-fold time-series split (srs-benchmark's; {len(folds['fitted'][0]):,} "
          f"items predicted):")
    for name, (scores, labels) in folds.items():
        print(f"{name:>8}: log loss {log_loss(scores, labels):.4f}  AUC "
              f"{auc(scores, labels):.4f}")
    print(f"  fsrs-rs's own evaluate_with_time_series_splits, the same folds: log loss "
          f"{ts.log_loss:.4f}, RMSE(bins) {ts.rmse_bins:.4f}")


SPLITS = 5


if __name__ == "__main__":
    main()
