"""bench/simulate.py: the pluggable memory models, the schedulers' pieces, and
a run at a tiny size (the figures themselves are in bench/RESULTS.md)."""

from __future__ import annotations

import datetime as dt
import random
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT, load_bench

MEMORY = ROOT / "bench" / "memory"



@pytest.fixture(scope="module")
def sim() -> Any:
    return load_bench("simulate")


def _model(sim: Any, name: str) -> ModuleType:
    module: ModuleType = sim.load_memory(MEMORY / f"{name}.py")
    return module


def test_halflife_memory_forgets_and_grows_as_documented(sim: Any) -> None:
    hl = _model(sim, "halflife")
    m = hl.Card(h0=4.0, growth=2.5)
    m = hl.review(m, 0.0, False)  # first study: not a test
    assert m.h == 4.0
    assert hl.recall(m, 4.0) == pytest.approx(0.5)
    assert hl.recall(m, 8.0) == pytest.approx(0.25)
    at90 = 4 * 0.152003  # 2 ** -0.152 = 0.9: a success there multiplies h by G
    m = hl.review(m, at90, True)
    assert m.h == pytest.approx(10.0, rel=1e-3)
    assert hl.review(m, at90 + 1, False).h == pytest.approx(2.0, rel=1e-3)  # a lapse: a fifth


def test_saturating_memory_grows_less_once_stable(sim: Any) -> None:
    hl, sat = _model(sim, "halflife"), _model(sim, "saturating")
    gains = []
    for model in (hl, sat):
        m = model.Card(h0=4.0, growth=2.5, h=64.0, last=0.0)
        at90 = 64 * 0.152003
        gains.append(model.review(m, at90, True).h / 64.0)
    assert gains[0] == pytest.approx(2.5, rel=1e-3)
    assert gains[1] == pytest.approx(1 + 1.5 * (4 / 64) ** 0.25, rel=1e-3)  # 1.75


def test_actr_referee_has_the_spacing_effect_and_forgets(sim: Any) -> None:
    actr = _model(sim, "actr")
    rng = random.Random(3)
    card = actr.new_card(rng, 0, 0)
    assert actr.recall(card, 0.0) == 0.0  # never studied
    massed = actr.review(actr.review(actr.Card(beta=0.0), 0.0, False), 0.01, True)
    spaced = actr.review(actr.review(actr.Card(beta=0.0), 0.0, False), 3.0, True)
    # the second trace of a massed repeat decays faster than a spaced one's
    assert massed.decays[1] > spaced.decays[1] > massed.decays[0] == actr.PARAMS["a"]
    # so ten days after the second showing the spaced card is better recalled
    assert actr.recall(spaced, 13.0) > actr.recall(massed, 10.01)
    assert actr.recall(spaced, 4.0) > actr.recall(spaced, 30.0) > actr.recall(spaced, 300.0)
    # an easier card (higher beta) is better recalled, and answered faster
    easy = actr.review(actr.review(actr.Card(beta=1.0), 0.0, False), 3.0, True)
    assert actr.recall(easy, 13.0) > actr.recall(spaced, 13.0)
    fast = actr.response_time(easy, 0.95, random.Random(1))
    slow = actr.response_time(easy, 0.30, random.Random(1))
    assert 0 < fast < slow


def test_a_memory_module_missing_the_interface_is_refused(sim: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("NAME = 'half a model'\ndef new_card(rng, card, learner):\n    return 0\n"
                   "review = 3\n", encoding="utf-8")
    with pytest.raises(sim.NotAMemoryModel,
                       match="does not define recall, response_time"):
        sim.load_memory(bad)
    out = subprocess.run([sys.executable, "bench/simulate.py", "--memory", str(bad)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == (f"{bad}: not a memory model: it does not define recall, "
                          "response_time (a model defines NAME, new_card, recall, review, "
                          "response_time; see bench/simulate.py)\n")
    not_functions = tmp_path / "worse.py"
    not_functions.write_text("NAME = new_card = recall = review = response_time = 1\n",
                             encoding="utf-8")
    with pytest.raises(sim.NotAMemoryModel, match="new_card, recall, review, response_time "
                                                  "must be functions"):
        sim.load_memory(not_functions)


def test_oracle_reaches_its_target_and_the_rivals_review(sim: Any) -> None:
    """Tiny runs: every scheduler reviews; the oracle's reviews are recalled
    about as often as it aims at where a whole day is short enough for that
    (half-life model), and more often for a higher target on the referee,
    whose hard cards fall below any high target within their first day."""
    for name in ("actr", "halflife"):
        model = _model(sim, name)
        for rival in (sim.Sm2, sim.Leitner):
            learner = sim.Learner(model, 60, 0)
            res = sim.run(rival(), learner, 90, 20, 0)
            assert res.reviews > 200 and res.scheduled > 100
            assert 0.5 < sum(res.knowledge[-30:]) / 30 < 1
        achieved = []
        for target in (0.7, 0.9):
            learner = sim.Learner(model, 60, 0)
            res = sim.run(sim.Oracle(target, learner), learner, 90, 20, 0)
            assert res.scheduled > 100
            achieved.append(res.success)
        assert achieved[0] < achieved[1]
        if name == "halflife":
            assert achieved == [pytest.approx(0.7, abs=0.05), pytest.approx(0.9, abs=0.04)]


def test_calendar_days_count_the_learners_days_not_24_hour_periods(sim: Any) -> None:
    """Reviewed at 09:30, then at 09:05 two days later: 24-hour periods count
    one day, the learner's calendar (days from 04:00) two, as for a review at
    09:30; the bench's quiz passes the day's start as a session does."""
    monday = dt.datetime(2024, 1, 1, 9, 30, tzinfo=dt.UTC)
    plain, calendar, exact = (sim.Quiz(0.9, 0, calendar=False), sim.Quiz(0.9, 0),
                              sim.Quiz(0.9, 0))
    for q in (plain, calendar, exact):
        q.first(1, monday)
    wednesday = monday + dt.timedelta(days=2)
    exact.review(1, True, wednesday, None)
    calendar.review(1, True, wednesday - dt.timedelta(minutes=25), None)
    plain.review(1, True, wednesday - dt.timedelta(minutes=25), None)
    assert calendar.state[1].stability == pytest.approx(exact.state[1].stability)
    assert plain.state[1].stability != pytest.approx(exact.state[1].stability)
    # a review at 02:00 belongs to the day before (the day starts at 04:00)
    assert sim.learner_day(dt.datetime(2024, 1, 3, 2, tzinfo=dt.UTC)) == dt.datetime(
        2024, 1, 2, 4, tzinfo=dt.UTC)


def test_the_bench_schedules_with_quizs_own_scheduler(sim: Any) -> None:
    """The simulation's quiz is quiz.study.scheduling as a session calls it:
    the same states, due times included, as the scheduler gives directly."""
    from quiz.study.scheduling import Rating, Scheduler, Settings

    start = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)
    day_start = start.replace(hour=4)
    for policy in ("knowledge", "retention"):
        bench = sim.Quiz(0.9, 0, policy=policy)
        real = Scheduler(Settings(desired_retention=0.9, policy=policy))
        random.seed(0)  # both fuzz with the global RNG: the same draws
        due = bench.first(7, start)
        random.seed(0)
        state = real.review(None, Rating.GOOD, start, day_start)
        for ok in (True, True, False, True):
            random.seed(1)
            due = bench.review(7, ok, due, None)
            random.seed(1)
            state = real.review(state, Rating.GOOD if ok else Rating.AGAIN, state.due,
                                day_start)
            assert bench.state[7] == state and due == state.due


@pytest.mark.slow
def test_simulation_runs_on_a_small_size() -> None:
    out = subprocess.run(
        [sys.executable, "bench/simulate.py", "--cards", "40", "--days", "40", "--learners", "1",
         "--bisect", "1", "--schedulers", "quiz,before,oracle"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("1 simulated learners, 40 cards, 40 days, 20 new a day; memory: "
                               "ACT-R")
    rows = [re.match(r"(\S.*?)\s{2,}([\d,]+)\s", line) for line in lines[2:]]
    reviews = {m[1].split(",")[0]: int(m[2].replace(",", "")) for m in rows if m}
    assert list(reviews) == ["SM-2 (Anki)", "Leitner (7 boxes)", "quiz (knowledge per review",
                             "quiz before (fixed retention", "oracle"]
    assert all(n >= 40 for n in reviews.values()), reviews
    achieved = [line for line in lines if line.startswith("  achieved retention")]
    assert len(achieved) == 2
    matched = [line for line in lines if line.startswith("  vs ")]
    assert [line.split()[1] for line in matched] == ["SM-2"] * 3 + ["Leitner"] * 3
    assert all("fewer reviews" in line or "MORE reviews" in line for line in matched)
    saturating = subprocess.run(
        [sys.executable, "bench/simulate.py", "--memory", "bench/memory/saturating.py",
         "--cards", "20", "--days", "20", "--learners", "1", "--bisect", "1", "--match",
         "recalled", "--schedulers", "quiz"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert saturating.returncode == 0, saturating.stderr
    lines = saturating.stdout.splitlines()
    assert lines[0].endswith("memory: half-life regression with a spacing effect, growth "
                             "saturating (saturating.py)")
    assert lines[-3].startswith("same recalled as each rival")
