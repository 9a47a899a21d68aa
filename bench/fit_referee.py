"""Fit the referee memory model (bench/memory/actr.py) to real review logs.

    python bench/fit_referee.py [FILE.csv ...] [--holdout 0.2] [--write]

FILE.csv: card_id, review_rating (1-4), review_time (ISO-8601) and, where
there is one, review_duration (ms), as Anki-like tools export them; by
default every log in ../shared/revlogs/ beside the project. A card's first
showing is its study; every later one is a test (recalled: rating above
Again) that also lays down a trace.

The split is the one bench/revlog_eval.py and `quiz optimize` use: day-level
items (a card's first review on each day after its first day), ordered by
time, the newest share (--holdout) held back. The referee is fitted by
maximum likelihood on every test (same-day ones too) before the first
held-back item, with the per-card difficulty integrated out (Gauss-Hermite
quadrature over a normal beta), by Nelder-Mead. It is then scored on the
held-back items, each predicted from the card's whole history before it
(the card's difficulty from its earlier outcomes, as FSRS's state is), and
FSRS-6 (default and fitted on the same older items, with fsrs-rs) on the
same items: unweighted log loss and AUC. The latency law is fitted last, by
least squares on the log of right answers' durations.

--write saves the fitted parameters to bench/memory/actr_params.json, which
is committed: the simulation needs neither the log nor this script.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from revlog_eval import Review, read_reviews  # this folder: the one reader of a log

from quiz.study.optimizer import auc, day_histories, fsrs_item, log_loss, predictions

ROOT = Path(__file__).resolve().parent.parent
PARAMS_FILE = ROOT / "bench" / "memory" / "actr_params.json"
# Gauss-Hermite nodes and weights (7 points) for E[f(x)], x ~ N(0, 1): x = sqrt(2) * node
_GH = ((0.0, 0.8102646175568073), (0.8162878828589647, 0.4256072526101278),
       (-0.8162878828589647, 0.4256072526101278), (1.6735516287674714, 0.05451558281912703),
       (-1.6735516287674714, 0.05451558281912703), (2.6519613568352334, 0.0009717812450995192),
       (-2.6519613568352334, 0.0009717812450995192))
NODES = tuple(math.sqrt(2) * x for x, _ in _GH)
LOG_WEIGHTS = tuple(math.log(w / math.sqrt(math.pi)) for _, w in _GH)
NAMES = ("a", "c", "tau", "s", "sigma_card", "log_u")
START = (math.log(0.2), math.log(0.2), -3.0, math.log(0.3), math.log(0.7), math.log(86400))


def load_actr() -> ModuleType:
    spec = importlib.util.spec_from_file_location("actr", ROOT / "bench" / "memory" / "actr.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["actr"] = module
    spec.loader.exec_module(module)
    return module


Row = Review  # card, time, rating, seconds


def read_log(path: Path, prefix: str) -> list[Row]:
    """The log's reviews, each card id prefixed (one prefix per log file)."""
    return [(prefix + card, when, rating, seconds)
            for card, when, rating, seconds in read_reviews(path)]


class Card:
    """One card's showings, with the logs of the ages of earlier showings."""

    def __init__(self, rows: Sequence[Row], epoch: dt.datetime, min_age: float) -> None:
        self.times = [(r[1] - epoch).total_seconds() / 86400 for r in rows]
        self.recalled = [r[2] > 1 for r in rows]
        self.seconds = [r[3] for r in rows]
        self.when = [r[1] for r in rows]
        self.log_ages = [[math.log(max(self.times[k] - self.times[i], min_age))
                          for i in range(k)] for k in range(len(rows))]
        self.item = [False] * len(rows)  # a day-level item (first review of a later day)
        self.test = [False] * len(rows)  # ... and held back
        self.train_end = len(rows)  # showings before the first held-back item's time


def trace(card: Card, beta: float, p: dict[str, float], upto: int) -> list[float]:
    """Activation just before each showing k < upto (-inf for the first)."""
    a, c, log_u = p["a"], p["c"], p["log_u"]
    decays: list[float] = []
    out = []
    for k in range(upto):
        if k == 0:
            m = -math.inf
        else:
            total = 0.0
            for d, lg in zip(decays, card.log_ages[k], strict=True):
                total += math.exp(min(-d * (lg + log_u), 700.0))
            m = beta + math.log(total)
        out.append(m)
        decays.append(a if k == 0 else c * math.exp(m) + a)
    return out


def _prob(m: float, tau: float, s: float) -> float:
    z = (tau - m) / s
    return 1.0 / (1.0 + math.exp(min(z, 700.0)))


def _log_bern(pr: float, y: bool) -> float:
    return math.log(min(max(pr if y else 1 - pr, 1e-12), 1.0))


def _logsumexp(xs: Sequence[float]) -> float:
    top = max(xs)
    return top + math.log(sum(math.exp(x - top) for x in xs))


def unpack(theta: Sequence[float]) -> dict[str, float]:
    a, c, tau, s, sigma, log_u = theta
    return {"a": math.exp(a), "c": math.exp(c), "tau": tau, "s": math.exp(s),
            "sigma_card": math.exp(sigma), "log_u": log_u}


def neg_log_likelihood(theta: Sequence[float], cards: Sequence[Card]) -> float:
    p = unpack(theta)
    total = 0.0
    for card in cards:
        if card.train_end < 2:
            continue
        per_node = []
        for node, lw in zip(NODES, LOG_WEIGHTS, strict=True):
            ms = trace(card, p["sigma_card"] * node, p, card.train_end)
            ll = lw
            for k in range(1, card.train_end):
                ll += _log_bern(_prob(ms[k], p["tau"], p["s"]), card.recalled[k])
            per_node.append(ll)
        total += _logsumexp(per_node)
    return -total


def nelder_mead(f: Callable[[Sequence[float]], float], x0: Sequence[float], step: float = 0.3,
                iterations: int = 400, tol: float = 1e-5) -> tuple[list[float], float]:
    n = len(x0)
    simplex = [list(x0)] + [[x + (step if i == j else 0.0) for j, x in enumerate(x0)]
                            for i in range(n)]
    values = [f(x) for x in simplex]
    for _ in range(iterations):
        order = sorted(range(n + 1), key=values.__getitem__)
        simplex = [simplex[i] for i in order]
        values = [values[i] for i in order]
        if values[-1] - values[0] < tol * (abs(values[0]) + 1):
            break
        centroid = [sum(x[j] for x in simplex[:-1]) / n for j in range(n)]

        def towards(coef: float, centroid: list[float] = centroid,
                    worst: list[float] = simplex[-1]) -> list[float]:
            return [c + coef * (w - c) for c, w in zip(centroid, worst, strict=True)]

        reflected = towards(-1.0)
        fr = f(reflected)
        if fr < values[0]:
            expanded = towards(-2.0)
            fe = f(expanded)
            simplex[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = reflected, fr
        else:
            contracted = towards(0.5)
            fc = f(contracted)
            if fc < values[-1]:
                simplex[-1], values[-1] = contracted, fc
            else:  # shrink towards the best
                best = simplex[0]
                simplex = [best] + [[b + 0.5 * (x - b) for b, x in zip(best, xs, strict=True)]
                                    for xs in simplex[1:]]
                values = [values[0]] + [f(x) for x in simplex[1:]]
    i = min(range(n + 1), key=values.__getitem__)
    return simplex[i], values[i]


def predict(cards: Sequence[Card], p: dict[str, float]
            ) -> tuple[dict[tuple[int, int], float], list[float], list[int], dict[int, float]]:
    """Held-back predictions: each day-level item's p by (card, showing),
    (every held-back test's p, outcome), and each card's posterior mean
    difficulty from its training outcomes."""
    items_p: dict[tuple[int, int], float] = {}
    all_p: list[float] = []
    all_y: list[int] = []
    beta_mean: dict[int, float] = {}
    for n_card, card in enumerate(cards):
        traces = [trace(card, p["sigma_card"] * node, p, len(card.times)) for node in NODES]
        ll = list(LOG_WEIGHTS)
        for k in range(1, len(card.times) + 1):
            if k == card.train_end or (k == len(card.times) and card.train_end >= k):
                top = max(ll)
                w = [math.exp(x - top) for x in ll]
                beta_mean[n_card] = sum(wi * p["sigma_card"] * node
                                        for wi, node in zip(w, NODES, strict=True)) / sum(w)
            if k == len(card.times):
                break
            probs = [_prob(ms[k], p["tau"], p["s"]) for ms in traces]
            y = card.recalled[k]
            if card.test[k] or k >= card.train_end:
                top = max(ll)
                w = [math.exp(x - top) for x in ll]
                pred = sum(wi * pr for wi, pr in zip(w, probs, strict=True)) / sum(w)
                if card.test[k]:
                    items_p[n_card, k] = pred
                all_p.append(pred)
                all_y.append(int(y))
            ll = [x + _log_bern(pr, y) for x, pr in zip(ll, probs, strict=True)]
    return items_p, all_p, all_y, beta_mean


def fit_latency(cards: Sequence[Card], p: dict[str, float], beta_mean: dict[int, float]
                ) -> tuple[dict[str, float], float, int]:
    """T0 + F * exp(-m) to right answers' durations (log scale, training
    period), with each card's posterior mean difficulty; and the correlation
    of log duration with activation."""
    pairs = []
    for n_card, card in enumerate(cards):
        ms = trace(card, beta_mean.get(n_card, 0.0), p, card.train_end)
        for k in range(1, card.train_end):
            secs = card.seconds[k]
            if card.recalled[k] and secs is not None and secs > 0:
                pairs.append((ms[k], math.log(secs)))
    if len(pairs) < 50:
        return {"t0": 2.0, "f": 3.0, "sigma": 0.5}, float("nan"), len(pairs)

    def sse(theta: Sequence[float]) -> float:
        t0, f = math.exp(theta[0]), math.exp(theta[1])
        return sum((y - math.log(t0 + f * math.exp(-m))) ** 2 for m, y in pairs)

    theta, value = nelder_mead(sse, [math.log(2.0), math.log(3.0)], iterations=300)
    mx = sum(m for m, _ in pairs) / len(pairs)
    my = sum(y for _, y in pairs) / len(pairs)
    cov = sum((m - mx) * (y - my) for m, y in pairs)
    corr = cov / math.sqrt(sum((m - mx) ** 2 for m, _ in pairs)
                           * sum((y - my) ** 2 for _, y in pairs))
    return ({"t0": math.exp(theta[0]), "f": math.exp(theta[1]),
             "sigma": math.sqrt(value / len(pairs))}, corr, len(pairs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="*")
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--write", action="store_true",
                        help=f"save the parameters to {PARAMS_FILE.relative_to(ROOT)}")
    parser.add_argument("--iterations", type=int, default=400, help="Nelder-Mead iterations")
    args = parser.parse_args()
    files = args.files or sorted((ROOT.parent / "shared" / "revlogs").glob("*.csv"))
    if not files:
        sys.exit("no review log given, and none in ../shared/revlogs/")
    actr = load_actr()
    t_start = time.perf_counter()
    rows: list[Row] = []
    for i, path in enumerate(files):
        rows += read_log(path, f"{i}:")
    rows.sort(key=lambda r: r[1])
    histories = day_histories([(r[0], r[1], r[2]) for r in rows])
    cut = int(len(histories) * (1 - args.holdout))
    cut_time = histories[cut][0]
    epoch = rows[0][1]
    by_card: dict[str, list[Row]] = {}
    for r in rows:
        by_card.setdefault(r[0], []).append(r)
    cards = [Card(rs, epoch, actr.MIN_AGE) for rs in by_card.values()]
    items: list[tuple[dt.datetime, int, int]] = []
    for n_card, card in enumerate(cards):
        last_day = None
        for k, when in enumerate(card.when):
            day = when.date()
            if last_day is not None and day != last_day:
                items.append((when, n_card, k))
            last_day = day
        card.train_end = sum(1 for w in card.when if w < cut_time)
    items.sort()
    assert len(items) == len(histories), (len(items), len(histories))
    for _, n_card, k in items[cut:]:
        cards[n_card].test[k] = True
        cards[n_card].item[k] = True
    train_tests = sum(max(c.train_end - 1, 0) for c in cards)
    print(f"log: {len(rows):,} reviews of {len(cards):,} cards from {len(files)} file(s); "
          f"{len(histories):,} day-level items, the newest {len(histories) - cut:,} held back "
          f"(from {cut_time:%Y-%m-%d %H:%M}); the referee is fitted on the {train_tests:,} "
          f"tests before that (same-day ones included)")

    t = time.perf_counter()
    theta, nll = nelder_mead(lambda th: neg_log_likelihood(th, cards), START,
                             iterations=args.iterations)
    p = unpack(theta)
    print(f"fit: {time.perf_counter() - t:.0f} s, training log loss {nll / train_tests:.4f}; "
          + ", ".join(f"{k} {v:.4f}" for k, v in p.items()))
    by_item, all_p, all_y, beta_mean = predict(cards, p)
    items_p = [by_item[n_card, k] for _, n_card, k in items[cut:]]
    items_y = [int(cards[n_card].recalled[k]) for _, n_card, k in items[cut:]]

    test_histories = [days for _, days in histories[cut:]]
    train_items = [fsrs_item(days) for _, days in histories[:cut]]
    import fsrs_rs_python as fr

    default = [float(x) for x in fr.DEFAULT_PARAMETERS]
    fitted = [float(x) for x in fr.FSRS(default).compute_parameters(train_items)]
    print(f"held back, the same {len(items_p):,} day-level items (unweighted):")
    print(f"  {'ACT-R referee':<22} log loss {log_loss(items_p, items_y):.4f}  "
          f"AUC {auc(items_p, items_y):.4f}")
    for name, params in (("FSRS-6, default", default), ("FSRS-6, fitted", fitted)):
        scores, labels = predictions(params, test_histories)
        assert labels == items_y
        print(f"  {name:<22} log loss {log_loss(scores, labels):.4f}  "
              f"AUC {auc(scores, labels):.4f}")
    print(f"  (the referee on all {len(all_p):,} held-back tests, same-day ones included: "
          f"log loss {log_loss(all_p, all_y):.4f}, AUC {auc(all_p, all_y):.4f}; recalled "
          f"{sum(all_y) / len(all_y):.1%}, predicted {sum(all_p) / len(all_p):.1%})")
    latency, corr, n_rt = fit_latency(cards, p, beta_mean)
    print(f"latency of right answers ({n_rt:,}): T0 {latency['t0']:.2f} s + F "
          f"{latency['f']:.2f} s x exp(-m), log-normal sd {latency['sigma']:.2f}; "
          f"correlation of log duration with activation {corr:.2f}")
    out = {**p, "sigma_learner": round(p["sigma_card"] / 2, 6), "rt": latency,
           "fitted_on": [f.name for f in files], "holdout": args.holdout,
           "held_back_log_loss": round(log_loss(items_p, items_y), 4)}
    if args.write:
        PARAMS_FILE.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {PARAMS_FILE.relative_to(ROOT)}")
    print(f"({time.perf_counter() - t_start:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
