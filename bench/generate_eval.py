"""Precision and recall of `quiz generate` against a hand-written answer key.

    python bench/generate_eval.py [ARTICLES_DIR] [KEY.yaml]

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
"""

from __future__ import annotations

import datetime as dt
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


def main() -> None:
    articles = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "articles"
    key = Path(sys.argv[2]) if len(sys.argv) > 2 else (
        ROOT / "tests" / "fixtures" / "generate" / "answer_key.yaml")
    results = evaluate(articles, key)
    print(f"{'article':<28}" + "".join(f"{k:>12}" for k in KINDS) + "   (right/drafted/key)")
    for name, r in results.items():
        print(f"{name:<28}" + "".join(f"{'/'.join(map(str, r[k])):>12}" for k in KINDS))
    for kind, (p, r) in totals(results).items():
        print(f"{kind:<8} precision {p:.2f}  recall {r:.2f}")


if __name__ == "__main__":
    main()
