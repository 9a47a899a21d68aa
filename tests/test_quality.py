"""Lint and strict typing are part of the suite, so CI enforces them."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_ruff_clean() -> None:
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "quiz", "tests", "bench"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_mypy_strict_clean() -> None:
    out = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def test_core_modules_do_no_terminal_io() -> None:
    """Everything below quiz/cli/ is driven from Python: no prompts, no rich,
    no printing. Every module is read, so a new or moved one is covered."""
    core = [p for p in (ROOT / "quiz").rglob("*.py")
            if "cli" not in p.relative_to(ROOT / "quiz").parts and p.name != "__main__.py"]
    assert len(core) >= 25, core
    for path in core:
        text = path.read_text(encoding="utf-8").split('if __name__ == "__main__"')[0]
        for banned in ("import questionary", "import rich", "from rich", "print(", "typer",
                       "prompt_toolkit"):
            assert banned not in text, f"{path.relative_to(ROOT)}: {banned}"


def run_bench(script: str, *args: str, timeout: int = 120) -> list[str]:
    """Run bench/SCRIPT as a user would (the package importable, no shell
    setup) and return its output lines; it must succeed."""
    out = subprocess.run([sys.executable, f"bench/{script}", *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=timeout,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout.splitlines()


@pytest.mark.slow
def test_benchmarks_run_on_a_small_size() -> None:
    """Each bench script runs once, small, so it does not rot."""
    lines = run_bench("answer_latency.py", "50")
    assert lines[0] == "answers: 50"
    assert lines[1].startswith("per answer (grade + schedule + durable commit)")
    assert lines[2].startswith("floor, one-row commit with synchronous=FULL: median")


@pytest.mark.slow
def test_stats_benchmark_runs_on_a_small_size() -> None:
    lines = run_bench("stats_scale.py", "2000", "200")
    assert lines[0].startswith("history: 2,000 reviews over 200 cards")
    assert "(2,000 reviews, 100 sessions)" in lines[1] and lines[2].startswith("quiz stats")


@pytest.mark.slow
def test_deck_load_benchmark_runs_on_a_small_size() -> None:
    lines = run_bench("deck_load.py", "50", "300")
    assert lines[0].split() == ["cards", "MB", "floor", "s", "no-GC", "s", "quiz", "s", "ratio",
                                "no-GC", "cached", "s", "floor", "MB", "quiz", "MB", "cached",
                                "MB"]
    assert all(len(line.split()) == 11 for line in lines[1:])
    assert [line.split()[0] for line in lines[1:]] == ["50", "300"]


@pytest.mark.slow
def test_import_benchmark_runs_on_a_small_size() -> None:
    lines = run_bench("import_scale.py", "50", "200")
    assert lines[0].split() == ["rows", "format", "read", "s", "yaml", "s", "check", "s",
                                "total", "s", "us/row"]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["50", "csv"], ["50", "anki"], ["200", "csv"], ["200", "anki"]]


@pytest.mark.slow
def test_choice_pools_benchmark_runs_on_a_small_size() -> None:
    lines = run_bench("choice_pools.py", "100", "200")
    assert lines[0].split() == ["cards", "seconds", "ms/card"]
    assert [line.split()[0] for line in lines[1:]] == ["100", "200"]
    assert all(float(line.split()[1]) > 0 for line in lines[1:])


@pytest.mark.slow
def test_startup_benchmark_runs_on_a_small_size() -> None:
    lines = run_bench("startup.py", "200", "2000", timeout=300)
    assert [line.split(":")[0] for line in lines] == [
        "python -c pass", "quiz --version", "quiz --help",
        "first question, bundled deck (16 cards), empty history",
        "first question, 200 cards (0 MB) and 2,000 reviews"]


def test_auc_of_known_rankings() -> None:
    from quiz.study.optimizer import auc

    assert auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0
    assert auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]) == 0.5  # ties count half
    assert auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75


def test_revlog_benchmark_starts_the_day_in_the_learners_night() -> None:
    import datetime as dt

    from .conftest import load_bench

    revlog = load_bench("revlog_eval")
    day = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    # reviews from 15:00 to 05:00 UTC (a learner in California): the night
    # starts at 06:00 UTC
    hours = [*range(15, 24), *range(0, 6)]
    log = [("c", day + dt.timedelta(hours=h), 3) for h in hours]
    assert revlog.quiet_hour(log) == 6
    assert revlog.quiet_hour([("c", day + dt.timedelta(hours=h), 3) for h in range(24)]) == 0


@pytest.mark.slow
def test_revlog_benchmark_runs_on_a_small_log(tmp_path: Path) -> None:
    import datetime as dt
    import random

    rng = random.Random(4)
    lines = ["card_id,review_rating,review_time,review_duration"]
    start = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)
    for card in range(150):
        when, gap = start + dt.timedelta(hours=card), 1.0
        for _ in range(6):
            rating = 1 if rng.random() < 0.2 else 3
            lines.append(f"{card},{rating},{when.isoformat()},5000")
            gap = 1.0 if rating == 1 else gap * 2.5
            when += dt.timedelta(days=gap)
    log = tmp_path / "log.csv"
    log.write_text("\n".join(lines) + "\n")
    lines = run_bench("revlog_eval.py", str(log))
    # reviews at every hour of the day: no night to start the day at, so UTC dates
    assert lines[0].startswith("log: 900 reviews of 150 cards; days start at 00:00 UTC; "
                               "750 day-level items, 600 to fit")
    assert [line.split(":")[0].strip() for line in lines[2:]] == [
        "default", "fitted", "5-fold time-series split (srs-benchmark's; 625 items predicted)",
        "default", "fitted", "fsrs-rs's own evaluate_with_time_series_splits, the same folds"]
    assert all("log loss 0." in line and "AUC 0." in line and "RMSE(bins) 0." in line
               for line in lines[2:4])
    assert all("log loss 0." in line and "AUC 0." in line for line in lines[5:7])


@pytest.mark.slow
def test_generate_benchmark_runs() -> None:
    from .conftest import ARTICLES

    if not ARTICLES.is_dir():
        pytest.skip("the shared articles are not beside the project (they are in CI)")
    lines = run_bench("generate_eval.py")
    assert len(lines) == 1 + 5 + 4
    assert [line.split()[0] for line in lines[-4:]] == ["dates", "figures", "quotes", "members"]


def test_anki_peer_benchmark_says_how_to_run_it_without_anki() -> None:
    """bench/anki_peer.py needs the AGPL 'anki' package, which quiz never
    depends on: where it is missing the script says so and exits 2."""
    import importlib.util

    if importlib.util.find_spec("anki") is not None:
        pytest.skip("anki is installed here; the script would run the real benchmark")
    out = subprocess.run([sys.executable, "bench/anki_peer.py", "10"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 2 and out.stdout == ""
    assert "install it in a separate venv" in out.stderr


def test_instruction_count_benchmark_without_valgrind_says_so(tmp_path: Path) -> None:
    """bench/answer_instructions.py needs valgrind: where it is missing the
    script says so and exits 2; its workload still runs on its own."""
    script = "bench/answer_instructions.py"
    env = {"PYTHONPATH": str(ROOT), "PATH": str(tmp_path)}  # no valgrind on this PATH
    out = subprocess.run([sys.executable, script, "20"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, env=env)
    assert out.returncode == 2 and out.stdout == ""
    assert "valgrind is not installed here" in out.stderr
    for mode, ahead in itertools.product(("answer", "fetch"), ([], ["ahead"])):
        out = subprocess.run([sys.executable, script, "--child", "quiz", mode, "20", *ahead],
                             cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
        assert out.returncode == 0, out.stderr
        assert out.stdout == "done 20\n"


@pytest.mark.slow
def test_instruction_count_benchmark_runs_on_a_small_size() -> None:
    import re
    import shutil

    if shutil.which("valgrind", path="/usr/bin:/bin") is None:
        pytest.skip("valgrind is not installed on this machine")
    lines = run_bench("answer_instructions.py", "20", timeout=300)
    assert lines[0].startswith("quiz: 20 answers, ")
    per_answer = re.fullmatch(r"quiz: instructions per answer \(grade \+ schedule \+ write, "
                              r"no fsync\): ([\d,]+)", lines[1])
    assert per_answer is not None, lines
    # grading, the FSRS step and an SQLite commit: a few hundred thousand
    assert 50_000 < int(per_answer.group(1).replace(",", "")) < 5_000_000
