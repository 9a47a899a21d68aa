"""A study session at the terminal: ask, save, tell, until done or stopped.

Every answer is saved before the next question; a busy history is waited
for, said once; Ctrl-C, SIGTERM and a closed terminal end the session with
its end saved and its summary shown (where there is a terminal).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from quiz.history.store import Store
    from quiz.models import Deck, Mode
    from quiz.study.session import Answered, Question, Session

from quiz.cli import clock
from quiz.cli.app import T, deck_ref
from quiz.cli.clock import now_and_day_start
from quiz.cli.signals import Ending
from quiz.textsafe import one_line


def _run_session(store: Store, decks: list[Deck], mode: Mode, tags: list[str], new: int | None,
                 limit: int | None, self_grade: bool = False, in_order: bool = False) -> None:
    import random
    import time
    from functools import partial

    from quiz.cli import prompts, questions, screens
    from quiz.models import CardType, Mode, Outcome
    from quiz.study.preferences import learner_settings
    from quiz.study.scheduling import Rating, Scheduler
    from quiz.study.session import Session
    from quiz.wording import count

    settings = learner_settings(store.setting)
    now, day_began = now_and_day_start()
    session = Session(store, Scheduler(settings), decks, mode, now, random.Random(),
                      day_start=day_began, tags=tags, new_limit=new,
                      limit=limit, self_grade=self_grade, in_order=in_order)
    out = prompts.console()
    patiently(out, store, "the session's start", session.start)
    session.scheduler.plan()  # half a second, once: at the start, not after an answer
    _warn_of_a_clock_gone_back(out, store, now)
    drafts = session.drafts
    if drafts:
        out.print(f"Left out: {count(drafts, 'draft card')} "
                  "(check each, then remove its 'draft: true' line to study it).")
    total = session.remaining
    if total == 0:
        from quiz.cli.render import due_when

        summary = session.finish(clock.now())
        when = due_when(summary.next_due, now) if summary.next_due else None
        out.print("Nothing to study now" + (f": the next card is due {when}." if when else "."))
        if mode is Mode.REVIEW and any(not c.draft for d in decks for c in d.cards):
            import shlex


            words = [deck_ref(d.path, d.id) if d.path else d.id for d in decks]
            words += [f"--tag {shlex.quote(t)}" for t in tags]
            out.print("To practise anyway without touching the schedule:")
            # on a line of its own, never broken by quiz: it is there to be copied
            out.print(one_line(f"  quiz start {' '.join(words)} --mode cram"), markup=False,
                      soft_wrap=True)
        return
    # The deck, the queue and the imports live for the whole session: keep the
    # cycle collector from walking them again on every pass while answering.
    import gc

    gc.freeze()
    interrupted = False
    with Ending() as ending:
        try:
            while (q := session.next(clock.now())) is not None:
                # this card, those asked and those to come: it grows when a missed card
                # comes back, and shrinks when another session answered a queued one
                total = session.asked + session.remaining + 1
                if session.limit and mode is not Mode.EXAM:  # -n: never more than asked for
                    total = min(total, session.limit)
                prompts.settle()  # a second Enter after the last answer does not answer this one
                screens.header(out, q, total, session.asked, session.points,
                          session.due_left + (not q.new) if mode is Mode.REVIEW else None)
                started = time.monotonic()
                ending.check()  # before each prompt: one that nothing stops would wait
                if q.card.type is CardType.BASIC:
                    if _flip(out, store, session, q, ending, started).rating is Rating.AGAIN:
                        prompts.settle()
                        ending.check()
                        _take_back(out, store, session, None)
                    continue
                given = questions.ask(q)
                elapsed = int((time.monotonic() - started) * 1000)
                # the answer keeps the time it was given, however long saving takes
                answered = patiently(out, store, "this answer", partial(
                    session.answer, q, given, clock.now(), elapsed))
                told = False
                if self_grade and answered.verdict.outcome is Outcome.RIGHT:
                    # saved as Good already: stopping here (or being killed) keeps it so
                    prompts.settle()
                    ending.check()
                    felt = Rating[questions.ask_self_grade().upper()]
                    told = True
                    answered = patiently(out, store, "your rating",
                                         partial(session.rerate, answered, felt))
                screens.feedback(out, answered, session.feedback(q), told=told)
                if answered.verdict.outcome is not Outcome.RIGHT:
                    prompts.settle()
                    ending.check()
                    _take_back(out, store, session, answered)
            ending.check()
        except EOFError:  # Ctrl-D, or the end of answers piped in
            interrupted = sys.stdin is None or sys.stdin.isatty()
        except KeyboardInterrupt:  # Ctrl-C, or a signal's Ended
            interrupted = True
        except OSError:
            if ending.signum is None:
                raise
            # the terminal is gone (SIGHUP): the prompt, stopped, could not tidy it
            interrupted = True
    summary = patiently(out, store, "the session's end",
                        partial(session.finish, clock.now()))
    if ending.hung_up:
        raise typer.Exit(ending.exit_code)  # the session is closed; no terminal to tell
    screens.summary(out, summary, interrupted)
    if mode is Mode.REVIEW:
        _suggest_refit(out, store)
    if mode is Mode.EXAM and summary.asked:
        half = "; a partly right answer counts 1/2" if summary.partly else ""
        cut = (f" (stopped after {summary.asked} of {summary.planned} questions)"
               if summary.asked < summary.planned else "")
        out.print(f"Exam{cut}: {summary.points} of {summary.asked} points "
                  f"({summary.score:.0f}%{half})")
    if interrupted:
        raise typer.Exit(ending.exit_code)


def _flip(out: Console, store: Store, session: Session, q: Question, ending: Ending,
          started: float) -> Answered:
    """A flip card: the front until a key, the back (with its explanation
    and source), then the learner's rating, each shown with when the card
    would come back. The time to recall is the time to the key."""
    import time
    from functools import partial

    from quiz.cli import prompts, questions, screens
    from quiz.cli.render import interval
    from quiz.study.scheduling import Rating

    questions.ask_flip(q)
    elapsed = int((time.monotonic() - started) * 1000)
    screens.back(out, q, session.feedback(q))
    prompts.settle()
    ending.check()
    now = clock.now()
    due = session.intervals(q, now)
    rated = Rating[questions.ask_rating(
        [interval(due[r], now) for r in Rating] if due else None).upper()]
    return patiently(out, store, "this answer",
                     partial(session.rate, q, rated, clock.now(), elapsed))


AFTER_A_MISS = "Enter: next · r: I was right · u: undo · s: suspend · b: bury · f: flag"
AFTER_AGAIN = "Enter: next · u: undo · s: suspend · b: bury · f: flag"


def _take_back(out: Console, store: Store, session: Session, answered: Answered | None) -> None:
    """After a wrong or partly right answer: Enter goes on; `r` counts it as
    right (the learner's override: grading is never perfect), `u` takes it
    back and asks the card again. After a flip card rated Again (`answered`
    None: the learner rated it), only `u`. Each is one write; if another
    session answered the card meanwhile, the answer stands and one line
    says so."""
    from functools import partial

    from quiz.cli import prompts
    from quiz.cli.render import due_when
    from quiz.study.records import StateChanged

    key = prompts.one_key(AFTER_A_MISS, ("r", "u", "s", "b", "f")) if answered else \
        prompts.one_key(AFTER_AGAIN, ("u", "s", "b", "f"))
    if not key:
        return
    if key in ("s", "b", "f"):
        _set_aside(out, store, session, key)
        return
    try:
        if key == "u":
            patiently(out, store, "the undo", session.undo)
            out.print("[dim]↶ Undone: the card is asked again.[/dim]")
            return
        assert answered is not None
        right = patiently(out, store, "the override", partial(session.override, answered))
    except StateChanged:
        out.print("Another session answered this card since: the answer stands.")
        return
    when = f"; next due {due_when(right.next_due, clock.now())}" if right.next_due else ""
    out.print(f"[green]✓ Counted as right[/green]{when}.")


def _set_aside(out: Console, store: Store, session: Session, key: str) -> None:
    """`s` suspends the card just answered, `b` buries it until tomorrow,
    `f` flags it; one line says so, and how to take it back."""
    from functools import partial

    q = session.last_question
    if q is None:
        return
    if key == "s":
        patiently(out, store, "the suspension", partial(session.suspend, q))
        out.print(f"[dim]Suspended: not asked until 'quiz cards {safe_ref(q.deck.id)} "
                  f"--unsuspend {safe_ref(q.card.id)}'.[/dim]")
    elif key == "b":
        patiently(out, store, "the burial", partial(session.bury, q, clock.now()))
        out.print("[dim]Buried: not asked again before tomorrow.[/dim]")
    else:
        patiently(out, store, "the flag", partial(session.flag, q))
        out.print(f"[dim]Flagged: 'quiz cards {safe_ref(q.deck.id)} --flagged' lists it."
                  "[/dim]")


def safe_ref(text: str) -> str:
    from quiz.cli.prompts import safe

    return safe(one_line(text))


def _suggest_refit(out: Console, store: Store) -> None:
    """When a refit is due (a month and 400 reviews of learned cards since
    the last), fit the scheduler to the history, within REFIT_SECONDS; the
    new parameters are kept only if they predict the newest reviews at
    least as well as those in use. One line says what happened."""
    import json
    import threading
    from functools import partial

    from quiz.history.store import from_ts, ts
    from quiz.study.optimizer import MIN_ITEMS, refit, refit_due
    from quiz.study.scheduling import parameters_from_json

    last = store.setting("optimized_at")
    since = from_ts(last) if last else None
    reviews = store.learned_reviews_since(since)
    if not refit_due(since, reviews, clock.now()):
        return
    current = parameters_from_json(store.setting("fsrs_parameters"))
    rows = [((d, c), t, r) for d, c, t, r in store.reviews_for_optimizer()]
    done: list[Any] = []

    def work() -> None:
        try:
            # the learner's days from 4 am, as the scheduler counts them
            done.append(refit(rows, current, now_and_day_start()[1]))
        except Exception as e:  # any failure of the fit keeps the old parameters
            done.append(e)

    worker = threading.Thread(target=work, daemon=True)  # abandoned if it runs over
    worker.start()
    worker.join(REFIT_SECONDS)
    patiently(out, store, "the time of the fit", partial(
        store.set_setting, "optimized_at", ts(clock.now())))  # tried: not again for a month
    if not done:
        say = f"took over {REFIT_SECONDS:.0f} s; kept the current parameters ('quiz optimize' " \
              "fits without a time limit)"
    elif isinstance(done[0], Exception):
        say = f"failed ({type(done[0]).__name__}); kept the current parameters"
    else:
        fitted, better = done[0]
        if fitted is None:
            say = (f"not enough history yet ({MIN_ITEMS} usable reviews needed); kept the "
                   "current parameters")
        elif not better:
            say = (f"no better than the current parameters on your newest reviews (log loss "
                   f"{fitted.log_loss_after:.4f} against {fitted.log_loss_before:.4f}); kept them")
        else:
            patiently(out, store, "the fitted parameters", partial(
                store.set_setting, "fsrs_parameters", json.dumps(list(fitted.parameters))))
            say = (f"fitted to your {fitted.reviews:,} reviews (log loss "
                   f"{fitted.log_loss_before:.4f} -> {fitted.log_loss_after:.4f}); saved")
    out.print(f"Scheduler refit: {say}.")


REFIT_SECONDS = 10.0  # a million reviews fit in about 20 s: those wait for 'quiz optimize'


def _warn_of_a_clock_gone_back(out: Console, store: Store, now: dt.datetime) -> None:
    """An answer in the history dated after now: the clock was set back (or
    is wrong). Said once, at the start, as Anki does; intervals still count
    from the clock's time, and a card last seen 'later' counts as seen now."""
    from quiz.study.session import CLOCK_SLACK

    last = store.last_answer_at()
    if last is not None and last - now > CLOCK_SLACK:
        out.print(f"The clock says {now.astimezone():%Y-%m-%d %H:%M}, but the history has an "
                  f"answer from {last.astimezone():%Y-%m-%d %H:%M}: is this computer's clock "
                  "wrong? Answers are saved as usual, timed by the clock.")


def patiently(out: Console, store: Store, what: str, write: Callable[[], T]) -> T:
    """Run a write to the history. While another program holds its write
    lock, say so at once (after a short first wait, long enough for another
    quiz's answer) and keep trying: the learner's answer is kept, not
    dropped. Each try waits a short while only, so Ctrl-C stops the waiting
    at once (Python acts on it between tries, not inside SQLite's wait)."""
    from quiz.errors import StoreBusy

    told = False
    while True:
        try:
            with store.busy_timeout(FIRST_WAIT_MS):
                return write()
        except StoreBusy:
            if not told:
                out.print(f"The history is busy: another program is writing to it. Waiting "
                          f"to save {what} (Ctrl-C stops without it)...")
                told = True


FIRST_WAIT_MS = 500  # another quiz's answer holds the lock for about a millisecond
