"""Deck load: quiz's loader against the floor of a bare libyaml parse.

    python bench/deck_load.py [CARDS ...]      (default 1000 10000 100000)

For each size, a synthetic deck (bench/synth.py) is written to a temporary
folder and read in a fresh child process each time, which reports its time
and peak memory (max RSS):

- floor: `yaml.load(data, Loader=yaml.CSafeLoader)`, no validation at all;
- floor without GC: the same with Python's cycle collector off, as quiz's
  loader runs (a fairer floor: most of the plain floor's time is the
  collector walking PyYAML's objects);
- quiz, first load: `load_deck` parsing and validating (it fills the cache);
- quiz, cached: `load_deck` again on the same bytes (parsed-deck cache).

The ratio quiz / floor is the figure to watch (target: at most 1.2); the
ratio to the floor without GC is printed too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from synth import write_deck

CHILD = r"""
import gc, json, resource, sys, time
from pathlib import Path
import yaml
from quiz.deck.loader import load_deck
kind, path = sys.argv[1], Path(sys.argv[2])
if kind == "floor-nogc":
    gc.disable()
t = time.perf_counter()  # reading the file and building the result; imports excluded
if kind.startswith("floor"):
    yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    cards = None
else:
    cards = len(load_deck(path).cards)
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB (Linux)
print(json.dumps({"seconds": seconds, "peak_mb": peak, "cards": cards}))
"""


def measure(kind: str, path: Path, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], env=env,
                         capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QUIZ_HOME": tmp}
        print(f"{'cards':>8} {'MB':>6} {'floor s':>8} {'no-GC s':>8} {'quiz s':>8} "
              f"{'ratio':>6} {'no-GC':>6} {'cached s':>9} {'floor MB':>9} {'quiz MB':>8} "
              f"{'cached MB':>9}")
        for n in sizes:
            path = write_deck(Path(tmp) / f"deck-{n}.yaml", n)
            floor = measure("floor", path, env)
            bare = measure("floor-nogc", path, env)
            first = measure("quiz", path, env)
            cached = measure("quiz", path, env)
            assert first["cards"] == cached["cards"] == n
            print(f"{n:>8,} {path.stat().st_size / 1e6:>6.1f} {floor['seconds']:>8.2f} "
                  f"{bare['seconds']:>8.2f} {first['seconds']:>8.2f} "
                  f"{first['seconds'] / floor['seconds']:>6.2f} "
                  f"{first['seconds'] / bare['seconds']:>6.2f} "
                  f"{cached['seconds']:>9.3f} {floor['peak_mb']:>9.0f} "
                  f"{first['peak_mb']:>8.0f} {cached['peak_mb']:>9.0f}", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10_000, 100_000])
