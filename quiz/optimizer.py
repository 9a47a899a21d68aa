"""Fit FSRS parameters to a learner's own history (fsrs-rs, no torch).

Reviews are turned into fsrs-rs items at day resolution (one item per review
after a card's first, holding the card's history up to it). The most recent
share of items, by the time of the review being predicted, is held back:
parameters are fitted on the earlier ones and both the default and the
fitted parameters are scored on the held-back ones (a time-series split, as
the public srs-benchmark does), so the improvement reported is out of sample.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

MIN_ITEMS = 200  # below this the fit is noise


@dataclass(frozen=True, slots=True)
class Fit:
    parameters: tuple[float, ...]
    reviews: int
    train_items: int
    test_items: int
    log_loss_before: float
    log_loss_after: float
    rmse_before: float
    rmse_after: float


class NotEnoughHistory(Exception):
    def __init__(self, items: int) -> None:
        super().__init__(items)
        self.items = items


def day_histories(
    reviews: Iterable[tuple[object, dt.datetime, int]],
) -> list[tuple[dt.datetime, list[tuple[int, int]]]]:
    """(card key, time, rating 1-4) -> [(time predicted, [(rating, days since
    the previous review), ...])], one per review after a card's first, oldest
    first. Several reviews of a card on one day count as the first of them,
    as fsrs-rs expects day-level histories."""
    by_card: dict[object, list[tuple[dt.datetime, int]]] = {}
    for key, when, rating in reviews:
        by_card.setdefault(key, []).append((when, rating))
    out: list[tuple[dt.datetime, list[tuple[int, int]]]] = []
    for history in by_card.values():
        history.sort(key=lambda r: r[0])
        days: list[tuple[int, int]] = []
        last_day: dt.date | None = None
        for when, rating in history:
            day = when.date()
            delta = 0 if last_day is None else (day - last_day).days
            if last_day is not None and delta == 0:
                continue
            days.append((int(rating), delta))
            last_day = day
            if len(days) >= 2:
                out.append((when, list(days)))
    out.sort(key=lambda x: x[0])
    return out


def build_items(
    reviews: Iterable[tuple[object, dt.datetime, int]],
) -> list[tuple[dt.datetime, Any]]:
    """The same as `day_histories`, as fsrs-rs items."""
    import fsrs_rs_python as fr

    return [(when, fr.FSRSItem([fr.FSRSReview(r, d) for r, d in days]))
            for when, days in day_histories(reviews)]


def fit(reviews: Sequence[tuple[object, dt.datetime, int]], holdout: float = 0.2) -> Fit:
    """Fit parameters on the older reviews; score before/after on the newest."""
    import fsrs_rs_python as fr

    items = build_items(reviews)
    if len(items) < MIN_ITEMS:
        raise NotEnoughHistory(len(items))
    cut = int(len(items) * (1 - holdout))
    train = [i for _, i in items[:cut]]
    test = [i for _, i in items[cut:]]
    default = fr.FSRS(list(fr.DEFAULT_PARAMETERS))
    fitted = tuple(float(p) for p in default.compute_parameters(train))
    before = default.evaluate(test)
    after = fr.FSRS(list(fitted)).evaluate(test)
    return Fit(fitted, len(reviews), len(train), len(test), float(before.log_loss),
               float(after.log_loss), float(before.rmse_bins), float(after.rmse_bins))
