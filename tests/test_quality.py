"""Lint and strict typing are part of the suite, so CI enforces them."""

from __future__ import annotations

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
    """The core is driven from Python: no prompts, no rich, no printing."""
    for name in ["models", "errors", "loader", "yamltree", "catalog", "schema", "textsafe",
                 "grading", "scheduling", "session", "store", "optimizer", "paths", "stats",
                 "render", "report"]:
        path = ROOT / "quiz" / f"{name}.py"
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8").split('if __name__ == "__main__"')[0]
        for banned in ("import questionary", "import rich", "from rich", "print(", "typer"):
            assert banned not in text, f"{name}: {banned}"


@pytest.mark.slow
def test_benchmarks_run_on_a_small_size() -> None:
    """Each bench script runs once, small, so it does not rot."""
    out = subprocess.run([sys.executable, "bench/answer_latency.py", "50"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("answers: 50\nper answer (grade + schedule + durable commit)")


@pytest.mark.slow
def test_stats_benchmark_runs_on_a_small_size() -> None:
    out = subprocess.run([sys.executable, "bench/stats_scale.py", "2000", "200"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("history: 2,000 reviews over 200 cards")
    assert "(2,000 reviews, 100 sessions)" in lines[1] and lines[2].startswith("quiz stats")


@pytest.mark.slow
def test_deck_load_benchmark_runs_on_a_small_size() -> None:
    out = subprocess.run([sys.executable, "bench/deck_load.py", "50", "300"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["cards", "MB", "floor", "s", "quiz", "s", "ratio", "cached",
                                "s", "floor", "MB", "quiz", "MB", "cached", "MB"]
    assert [line.split()[0] for line in lines[1:]] == ["50", "300"]


@pytest.mark.slow
def test_startup_benchmark_runs_on_a_small_size() -> None:
    out = subprocess.run([sys.executable, "bench/startup.py", "200", "2000"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "python -c pass", "quiz --version", "quiz --help",
        "first question, bundled deck (16 cards), empty history",
        "first question, 200 cards (0 MB) and 2,000 reviews"]


def _bench(name: str) -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_auc_of_known_rankings() -> None:
    auc = _bench("revlog_eval").auc  # type: ignore[attr-defined]
    assert auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0
    assert auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]) == 0.5  # ties count half
    assert auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75


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
    out = subprocess.run([sys.executable, "bench/revlog_eval.py", str(log)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("log: 900 reviews of 150 cards; 750 day-level items, 600 to fit")
    assert [line.split(":")[0].strip() for line in lines[2:]] == ["default", "fitted"]
    assert all("log loss 0." in line and "AUC 0." in line for line in lines[2:])
