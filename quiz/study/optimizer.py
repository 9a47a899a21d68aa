"""Fit FSRS parameters to a learner's own history (fsrs-rs, no torch).

Reviews are turned into fsrs-rs items at day resolution (one item per review
on a later day than the card's previous one, holding the card's history up
to it, same-day reviews included). The most recent share of items, by the
time of the review being predicted, is held back:
parameters are fitted on the earlier ones and both the default and the
fitted parameters are scored on the held-back ones (a time-series split, as
the public srs-benchmark does), so the improvement reported is out of sample.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

MIN_ITEMS = 200  # below this the fit is noise
DAY = dt.timedelta(days=1)
UTC_MIDNIGHT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Fit again at a session's end after this long and this many reviews of
# learned cards since the last fit (bench/simulate.py: refitting every 30
# days cut the reviews needed for the same knowledge by 2-14%).
REFIT_DAYS = 30
REFIT_REVIEWS = 400


@dataclass(frozen=True, slots=True)
class Fit:
    parameters: tuple[float, ...]
    reviews: int
    train_items: int
    test_items: int
    log_loss_before: float  # unweighted, on the held-back items
    log_loss_after: float
    rmse_before: float  # RMSE (bins), from fsrs-rs
    rmse_after: float
    auc_before: float
    auc_after: float


class NotEnoughHistory(Exception):
    def __init__(self, items: int) -> None:
        super().__init__(items)
        self.items = items


def day_histories(
    reviews: Iterable[tuple[object, dt.datetime, int]],
    day_start: dt.datetime | None = None,
) -> list[tuple[dt.datetime, list[tuple[int, int]]]]:
    """(card key, time, rating 1-4) -> [(time predicted, [(rating, days since
    the previous review), ...])], one per review on a later day than the
    card's previous review, oldest first. A history keeps the same-day reviews
    before it (0 days since), as fsrs-rs and Anki build them: FSRS-6 reads
    them as short-term stability, and a lapse's relearning step the same
    day is part of what the card went through. Only reviews on a later day
    are predicted (an item ends with one), as fsrs-rs trains on.

    Days are the learner's: `day_start` is a moment a day starts (any
    day's, as for Scheduler.review), a day running from it to the same time
    the next; without it, UTC dates. A day boundary inside a session counts
    a review minutes after another as a day later."""
    origin = day_start or UTC_MIDNIGHT
    by_card: dict[object, list[tuple[dt.datetime, int]]] = {}
    for key, when, rating in reviews:
        by_card.setdefault(key, []).append((when, rating))
    out: list[tuple[dt.datetime, list[tuple[int, int]]]] = []
    for history in by_card.values():
        history.sort(key=lambda r: r[0])
        days: list[tuple[int, int]] = []
        last_day: int | None = None
        for when, rating in history:
            day = (when - origin) // DAY
            delta = 0 if last_day is None else day - last_day
            days.append((int(rating), delta))
            last_day = day
            if delta > 0:
                out.append((when, list(days)))
    out.sort(key=lambda x: x[0])
    return out


def build_items(
    reviews: Iterable[tuple[object, dt.datetime, int]],
    day_start: dt.datetime | None = None,
) -> list[tuple[dt.datetime, Any]]:
    """The same as `day_histories`, as fsrs-rs items."""
    return [(when, fsrs_item(days)) for when, days in day_histories(reviews, day_start)]


def fsrs_item(days: Sequence[tuple[int, int]]) -> Any:
    import fsrs_rs_python as fr

    return fr.FSRSItem([fr.FSRSReview(r, d) for r, d in days])


def predictions(parameters: Sequence[float], histories: Sequence[Sequence[tuple[int, int]]]
                ) -> tuple[list[float], list[int]]:
    """FSRS's predicted recall at each history's last review (from the memory
    state of the reviews before it and the days since), and whether that
    review was recalled (rating above Again)."""
    import fsrs_rs_python as fr

    from quiz.study.scheduling import forgetting_curve

    model = fr.FSRS(list(parameters))
    states = model.memory_state_batch([fsrs_item(h[:-1]) for h in histories],
                                      [None] * len(histories))
    scores, labels = [], []
    for days, state in zip(histories, states, strict=True):
        rating, elapsed = days[-1]
        scores.append(forgetting_curve(elapsed, state.stability, parameters))
        labels.append(int(rating > 1))
    return scores, labels


def log_loss(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Mean binary cross-entropy, every prediction weighted the same (as the
    srs-benchmark reports it; fsrs-rs's evaluate() weights later items more)."""
    eps = 1e-6
    return -sum(math.log(min(max(p if y else 1 - p, eps), 1.0))
                for p, y in zip(scores, labels, strict=True)) / len(scores)


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); NaN when
    only one outcome occurs."""
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
        rank_sum += (i + j + 1) / 2 * sum(label for _, label in pairs[i:j])  # mid rank
        i = j
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def fit(reviews: Sequence[tuple[object, dt.datetime, int]], holdout: float = 0.2,
        current: Sequence[float] | None = None, day_start: dt.datetime | None = None) -> Fit:
    """Fit parameters on the older reviews; score before/after on the newest
    ("before" is `current`, the parameters in use, or else the defaults).
    `day_start`: the learner's day, as for `day_histories`."""
    import fsrs_rs_python as fr

    histories = [days for _, days in day_histories(reviews, day_start)]
    if len(histories) < MIN_ITEMS:
        raise NotEnoughHistory(len(histories))
    cut = int(len(histories) * (1 - holdout))
    train = [fsrs_item(h) for h in histories[:cut]]
    test = histories[cut:]
    default = tuple(float(p) for p in fr.DEFAULT_PARAMETERS)
    fitted = tuple(float(p) for p in fr.FSRS(list(default)).compute_parameters(train))
    scored = {}
    before = tuple(float(p) for p in current) if current is not None else default
    for name, params in (("before", before), ("after", fitted)):
        scores, labels = predictions(params, test)
        rmse = fr.FSRS(list(params)).evaluate([fsrs_item(h) for h in test]).rmse_bins
        scored[name] = (log_loss(scores, labels), auc(scores, labels), float(rmse))
    return Fit(fitted, len(reviews), len(train), len(test),
               log_loss_before=scored["before"][0], log_loss_after=scored["after"][0],
               rmse_before=scored["before"][2], rmse_after=scored["after"][2],
               auc_before=scored["before"][1], auc_after=scored["after"][1])


def refit_due(last_fit: dt.datetime | None, reviews_since: int, now: dt.datetime) -> bool:
    """Whether fitting the parameters again is worth it: a month or
    more since the last fit (or none yet), and enough new reviews to learn
    from (`reviews_since`: scheduled reviews of learned cards since then)."""
    recent = last_fit is not None and now - last_fit < dt.timedelta(days=REFIT_DAYS)
    return not recent and reviews_since >= REFIT_REVIEWS


def refit(reviews: Sequence[tuple[object, dt.datetime, int]],
          current: Sequence[float] | None,
          day_start: dt.datetime | None = None) -> tuple[Fit | None, bool]:
    """Fit again on the whole history, as a session's end does: (the fit,
    whether to adopt it: only if it predicts the held-back newest reviews at
    least as well as the `current` parameters, or the defaults when there
    are none). (None, False) without enough history."""
    try:
        result = fit(reviews, current=current, day_start=day_start)
    except NotEnoughHistory:
        return None, False
    return result, result.log_loss_after <= result.log_loss_before
