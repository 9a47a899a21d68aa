"""The `quiz` command: Typer commands that wire the modules together.

Only this module reads the clock, seeds randomness and maps errors to exit
codes (in `QuizGroup.invoke`, the one place). Heavy modules are imported
inside the commands that need them so `quiz --help` stays fast.
"""

from __future__ import annotations

import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from quiz import __version__
from quiz.errors import QuizError
from quiz.textsafe import inert, one_line

T = TypeVar("T")
# click's base error, whose messages show the user's arguments back; typer
# vendors click in its newer releases, so it is found from a public class.
_ClickError: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def say(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a message. Every message is made inert (`textsafe`): file names,
    deck ids and anything else a user or a stranger chose may hold terminal
    escapes, which would otherwise reach the terminal."""
    typer.echo(inert(message), err=err, nl=nl)


class QuizGroup(TyperGroup):
    """Turns a QuizError into its message on stderr and exit 1; an unexpected
    error into a short note with the path of the full report."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _ClickError as e:  # `quiz --bogus`: the option is shown back
            e.message = one_line(e.message)  # type: ignore[attr-defined]
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _ClickError as e:  # a command's bad argument, shown back in the message
            e.message = one_line(e.message)  # type: ignore[attr-defined]
            raise
        except QuizError as e:
            for line in str(e).splitlines() or ["error"]:
                say(f"quiz: {line}" if not _located(line) else line, err=True)
            raise typer.Exit(e.exit_code) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except (KeyboardInterrupt, EOFError):
            # Ctrl-C, or Ctrl-D / no terminal on stdin, at a prompt outside a
            # session (the deck picker): nothing to save, stop as asked.
            say("", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader went away (`quiz decks | head`): stop quietly.
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception:
            log = _write_crash_report()
            say(f"quiz: unexpected internal error; the details are in {log}. "
                       "Please report it.", err=True)
            raise typer.Exit(70) from None


def _located(line: str) -> bool:
    """A FILE:LINE[:COL]: message, which needs no 'quiz:' before it."""
    head = line.split(": ", 1)[0]
    return re.fullmatch(r".+:\d+(?::\d+)?", head) is not None


def _write_crash_report() -> Path:
    import datetime as dt
    import traceback

    from quiz.paths import data_dir

    text = traceback.format_exc()
    for folder in (data_dir(), Path.cwd()):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            log = folder / "quiz-error.log"
            with log.open("a", encoding="utf-8") as f:
                f.write(f"--- {dt.datetime.now(dt.UTC).isoformat()} quiz {__version__}\n{text}\n")
            return log
        except OSError:
            continue
    sys.stderr.write(text)
    return Path("(stderr)")


app = typer.Typer(
    cls=QuizGroup,
    name="quiz",
    no_args_is_help=True,  # its help is _root's docstring
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        say(f"quiz {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True,
                     help="Show the version and exit."),
    ] = False,
) -> None:
    """Learn facts in the terminal: quizzes and flashcards with spaced repetition.

    Start with 'quiz start'. Decks are YAML files: 'quiz decks' lists them and
    'quiz validate' checks them.
    """


@app.command("decks")
def decks_command() -> None:
    """List the known decks with their card counts.

    Decks come from three places: the bundled decks, your deck folder, and
    the files or folders listed in QUIZ_DECKS (separated like PATH).
    """
    from quiz.cli.render import clip
    from quiz.deck.catalog import scan
    from quiz.paths import user_decks_dir

    entries = scan()
    good = [e for e in entries if e.deck is not None]
    if not good and not entries:
        say(f"No decks found. Put deck files in {user_decks_dir()} or set QUIZ_DECKS.")
        return
    import shlex
    import shutil

    columns = shutil.get_terminal_size((80, 24)).columns
    width = max((len(e.deck.id) for e in good if e.deck), default=4)
    for e in good:
        deck = e.deck
        assert deck is not None
        types = ", ".join(f"{t.value} {c}" for t, c in sorted(deck.type_counts().items()))
        n = len(deck.cards)
        head = f"{deck.id:<{width}}  {n:>4} {'card ' if n == 1 else 'cards'}  "
        room = max(columns - len(head) - 1, 10)
        say(head + clip(one_line(deck.title), room))  # in cells: CJK takes two
        say(f"{'':<{width}}  {e.origin}: {types}")
    say(f"\nYour own decks go in {user_decks_dir()} ('quiz new NAME' starts one there).")
    for e in entries:
        if e.error is not None:
            n = len(e.error.problems)
            first = one_line(str(e.error.problems[0])) if e.error.problems else str(e.path)
            where = shlex.quote(str(e.path))
            more = one_line(f" (+{n - 1} more; run 'quiz validate {where}')") if n > 1 else ""
            say(f"broken: {first}{more}", err=True)


HistoryDecks = Annotated[  # quiz stats and quiz history
    list[str] | None,
    typer.Argument(help="Deck ids or deck files (default: every deck).", show_default=False),
]
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="History database file (default: history.sqlite3 in your "
                 "data folder, or in QUIZ_HOME).", show_default=False, dir_okay=False),
]


def _open_store(db: Path | None, create: bool = True) -> Any:
    from quiz.history.store import open_store
    from quiz.paths import default_db

    return open_store(db or default_db(), create=create)


@app.command("validate")
def validate_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Deck files, folders or deck ids (default: every known deck).",
                       show_default=False),
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Also report history in this database (or the default one "
                     "with --db '') for cards no longer in their deck, and, when every "
                     "known deck is checked, for decks with no file.", show_default=False),
    ] = None,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Check again each time a file "
                     "is saved, until Ctrl-C.")] = False,
) -> None:
    """Check decks and explain every mistake.

    Each problem is printed as FILE:LINE:COL: message. Exits 0 when every
    deck is clean and 1 otherwise.
    """
    paths = _deck_paths(paths)
    if watch:
        _watch(paths)
        return
    entries, ok = _validate(paths)
    if not ok:
        raise typer.Exit(1)
    if db is not None:
        _report_orphans(entries, None if str(db) == "" else db, every_deck=not paths)


def _deck_paths(args: list[Path] | None) -> list[Path] | None:
    """The arguments as paths; one that is no file or folder but a deck's id
    (as `quiz start` and `quiz add` take) means that deck's file."""
    if not args:
        return args
    from quiz.deck.catalog import DECK_SUFFIXES, Entry, named, scan

    entries: list[Entry] | None = None
    out = []
    for arg in args:
        if not arg.exists() and arg.suffix not in DECK_SUFFIXES:
            entries = scan() if entries is None else entries
            found = named(str(arg), entries)
            arg = found.path if found is not None else arg
        out.append(arg)
    return out


def _validate(paths: list[Path] | None) -> tuple[list[Any], bool]:
    """Print every problem (or an ok line); returns the entries and whether all is clean."""
    from quiz.deck.catalog import scan
    from quiz.models import count

    roots = [(p, "path") for p in paths] if paths else None
    entries = scan(roots)
    problems = 0
    cards = 0
    for e in entries:
        if e.error is not None:
            for p in e.error.problems:
                say(one_line(str(p)))
            problems += len(e.error.problems)
        elif e.deck is not None:
            cards += len(e.deck.cards)
    files = len(entries)
    if problems:
        say(f"{count(problems, 'problem')} in {count(files, 'file')}", err=True)
        return entries, False
    if not files:
        where = ", ".join(one_line(str(p)) for p in paths) if paths else "the deck folders"
        say(f"no deck files (.yaml or .yml) in {where}", err=True)
        return entries, False
    say(f"ok: {count(files, 'deck')}, {count(cards, 'card')}")
    return entries, True


def _watch(paths: list[Path] | None) -> None:
    """Validate, then again after every save (editors often save in several
    steps; watchfiles groups them), until Ctrl-C."""
    import datetime as dt

    from watchfiles import watch

    from quiz.deck.catalog import DECK_SUFFIXES, known_roots

    targets = list(paths) if paths else [root for root, _ in known_roots() if root.exists()]
    if not targets:
        from quiz.errors import UsageError

        raise UsageError("nothing to watch: name a deck file or folder")
    _validate(paths)
    # A file is watched through its folder: editors that save by writing a
    # new file and renaming it over the old one replace the file, and a
    # watch on the file itself would go quiet after the first such save.
    files = {t.resolve() for t in targets if not t.is_dir()}
    folders = [t.resolve() for t in targets if t.is_dir()]
    roots = folders + sorted({f.parent for f in files} - set(folders))

    def is_deck(_: object, path: str) -> bool:
        changed = Path(path)
        return path.endswith(DECK_SUFFIXES) and (
            changed in files or any(f in changed.parents for f in folders))

    announced = False
    try:
        # The first yield (a change, or an empty set after 0.4 s) comes once the
        # watcher is running: only then is "Watching" true.
        for changes in watch(*roots, watch_filter=is_deck, debounce=300, rust_timeout=400,
                             yield_on_timeout=True, raise_interrupt=True,
                             recursive=bool(folders)):
            if not announced:
                say("Watching for changes; Ctrl-C stops.", err=True)
                announced = True
            if changes:
                say(f"\n--- {dt.datetime.now():%H:%M:%S} ---")
                _validate(paths)
    except KeyboardInterrupt:
        return


def _report_orphans(entries: list[Any], db: Path | None, every_deck: bool) -> None:
    """Cards with history that are no longer in their deck: kept, and named.
    With `every_deck` (every known deck was checked), so are decks with
    history and no file left."""
    from quiz.models import count

    with _open_store(db, create=False) as store:
        for e in entries:
            if e.deck is None:
                continue
            orphans = sorted(store.card_ids(e.deck.id) - {c.id for c in e.deck.cards})
            for card_id in orphans:
                say(one_line(f"{e.path}: card '{card_id}' of deck '{e.deck.id}' has "
                                    "history but is no longer in the deck (orphaned; its "
                                    "history is kept)"))
        if not every_deck:
            return
        found = {e.deck.id for e in entries if e.deck is not None}
        for deck_id in store.deck_ids():
            if deck_id not in found:
                cards = len(store.card_ids(deck_id))
                say(one_line(f"{store.path}: deck '{deck_id}' has history for "
                                    f"{count(cards, 'card')} but no deck file "
                                    "(orphaned; its history is kept)"))


@app.command("start")
def start_command(
    decks: Annotated[
        list[str] | None,
        typer.Argument(help="Deck ids or paths to deck files (default: pick from a list).",
                       show_default=False),
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Only cards with this "
                   "tag (repeat for several).", show_default=False)] = None,
    mode: Annotated[str, typer.Option("--mode", "-m", help="review: what is due, then new "
                    "cards. cram: practise without touching the schedule. exam: N random "
                    "cards, scored.")] = "review",
    new: Annotated[int | None, typer.Option("--new", min=0, help="New cards allowed today "
                   "(default 20; review mode).", show_default=False)] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="At most this "
                     "many cards (exam: how many; default 20).", show_default=False)] = None,
    self_grade: Annotated[bool, typer.Option("--self-grade", help="After a right answer, "
                          "say how hard it was to recall (Hard, Good or Easy); the schedule "
                          "follows (review mode).")] = False,
    db: DbOption = None,
) -> None:
    """Start a study session.

    Asks what is due, then new cards; missed cards come back. Every answer is
    saved at once: press Ctrl-C at any prompt to stop and see your summary.
    """
    from quiz.errors import UsageError
    from quiz.models import Mode

    try:
        chosen_mode = Mode(mode)
    except ValueError:
        raise UsageError(f"unknown mode '{mode}'; modes are review, cram and exam") from None
    if chosen_mode is not Mode.REVIEW:  # an option that would do nothing is a mistake
        for given, option in ((new is not None, "--new"), (self_grade, "--self-grade")):
            if given:
                raise UsageError(f"{option} is for review mode; {mode} does not touch the "
                                 "schedule")
    with _open_store(db) as store:
        chosen = _choose_decks(decks, store, new)
        if not chosen:
            return
        _check_tags(tag or [], chosen)
        _run_session(store, chosen, chosen_mode, tag or [], new, limit, self_grade)


def _check_tags(tags: list[str], decks: list[Any]) -> None:
    """A --tag no card has is a typo, not an empty session."""
    if not tags:  # the usual start: no pass over every card
        return
    from quiz.deck.loader import did_you_mean
    from quiz.errors import UsageError

    known = sorted({t for d in decks for c in d.cards for t in c.tags})
    for tag in tags:
        if tag not in known:
            listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            raise UsageError(one_line(
                f"no card in {', '.join(d.id for d in decks)} has the tag '{tag}'"
                f"{did_you_mean(tag, known)}; its tags: {listed or 'none'}"))


def _local_zone() -> Any:
    """The local time zone with its rules (TZ, else the system's zone), so
    each time is shown with the offset it had: not today's for every date."""
    from dateutil import tz

    return tz.gettz() or tz.tzlocal()  # gettz: None for a TZ it cannot read


def _today() -> tuple[Any, Any]:
    """Now, and the start of the learner's day (4 am local time), both in UTC."""
    import datetime as dt

    from quiz.models import day_start, learner_day

    now = dt.datetime.now(dt.UTC)
    tz = _local_zone()
    return now, day_start(learner_day(now, tz), tz).astimezone(dt.UTC)


def _choose_decks(names: list[str] | None, store: Any, new: int | None = None) -> list[Any]:
    """The decks named, or the one picked from a list that says, for each, what
    is due and how many new cards today's limit (`new`, or the default) lets in."""
    import datetime as dt

    from quiz.deck.catalog import find, scan
    from quiz.errors import UsageError

    if names:
        return find(names)
    entries = scan()
    found = [e.deck for e in entries if e.deck is not None]
    broken = [e.path for e in entries if e.deck is None]
    if broken:  # a deck just written with a mistake should not vanish without a word
        import shlex


        first = one_line(str(broken[0]))
        if len(broken) == 1:
            say(f"Not listed, as it has problems: {first}. "
                       f"'quiz validate {one_line(shlex.quote(str(broken[0])))}' explains them.",
                       err=True)
        else:
            say(f"Not listed, as they have problems: {first} and {len(broken) - 1} "
                       "more. 'quiz validate' explains them.", err=True)
    if not found:
        raise UsageError("no decks found; 'quiz decks' says where decks are looked for")
    from quiz.study.scheduling import Settings
    from quiz.study.session import is_due

    now, day_began = _today()
    day_end = day_began + dt.timedelta(days=1)
    limit = Settings().new_per_day if new is None else new
    labels = []
    for deck in found:
        seen = store.states(deck.id)
        due = sum(1 for st in seen.values() if is_due(st.phase, st.due, now, day_end))
        fresh = sum(1 for c in deck.cards if c.id not in seen and not c.draft)
        # as a session counts them: the day's new cards, less those begun today
        today = min(fresh, max(0, limit - store.introduced_since([deck.id], day_began, now)))
        labels.append(f"{inert(deck.title)}  ({due} due, {today} new today, "
                      f"{len(deck.cards)} total)")
    from quiz.cli import ui

    return [found[ui.pick("Which deck?", labels)]]


def _run_session(store: Any, decks: list[Any], mode: Any, tags: list[str], new: int | None,
                 limit: int | None, self_grade: bool = False) -> None:
    import datetime as dt
    import random
    import time
    from functools import partial

    from quiz.cli import ui
    from quiz.models import Mode, Outcome, count
    from quiz.study.scheduling import Rating, Scheduler, learner_settings
    from quiz.study.session import Session

    settings = learner_settings(store.setting)
    now, day_began = _today()
    session = Session(store, Scheduler(settings), decks, mode, now, random.Random(),
                      day_start=day_began, tags=tags, new_limit=new,
                      limit=limit, self_grade=self_grade)
    out = ui.console()
    _patiently(out, store, "the session's start", session.start)
    _warn_of_a_clock_gone_back(out, store, now)
    drafts = session.drafts
    if drafts:
        out.print(f"Left out: {count(drafts, 'draft card')} "
                  "(check each, then remove its 'draft: true' line to study it).")
    total = session.remaining
    if total == 0:
        from quiz.cli.render import due_when

        summary = session.finish(dt.datetime.now(dt.UTC))
        when = due_when(summary.next_due, now) if summary.next_due else None
        out.print("Nothing to study now" + (f": the next card is due {when}." if when else "."))
        if mode is Mode.REVIEW and any(not c.draft for d in decks for c in d.cards):
            import shlex


            words = [_deck_ref(d.path, d.id) if d.path else d.id for d in decks]
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
    global _ended_by
    _ended_by = None  # SIGTERM, or SIGHUP: the terminal was closed
    earlier = {signum: signal.signal(signum, _end) for signum in _ENDING_SIGNALS}
    try:
        while (q := session.next(dt.datetime.now(dt.UTC))) is not None:
            # this card, those asked and those to come: it grows when a missed card
            # comes back, and shrinks when another session answered a queued one
            total = session.asked + session.remaining + 1
            ui.settle()  # a second Enter after the last answer does not answer this one
            ui.header(out, q, total, session.asked, session.points,
                      session.due_left + (not q.new) if mode is Mode.REVIEW else None)
            started = time.monotonic()
            _check_ended()  # before each prompt: one that nothing stops would wait
            given = ui.ask(q)
            elapsed = int((time.monotonic() - started) * 1000)
            # the answer keeps the time it was given, however long saving takes
            answered = _patiently(out, store, "this answer", partial(
                session.answer, q, given, dt.datetime.now(dt.UTC), elapsed))
            told = False
            if self_grade and answered.verdict.outcome is Outcome.RIGHT:
                # saved as Good already: stopping here (or being killed) keeps it so
                ui.settle()
                _check_ended()
                felt = Rating[ui.ask_self_grade().upper()]
                told = True
                answered = _patiently(out, store, "your rating", partial(session.rerate, answered,
                                                                  felt))
            ui.feedback(out, answered, told=told)
        _check_ended()
    except (KeyboardInterrupt, EOFError):  # Ctrl-C, Ctrl-D, or a signal's _Ended
        interrupted = True
    except OSError:
        if _ended_by is None:
            raise
        # the terminal is gone (SIGHUP): the prompt, stopped, could not tidy it
        interrupted = True
    finally:
        for signum, handler in earlier.items():
            signal.signal(signum, handler)
    ended_by = _ended_by  # also when a closed terminal ended a prompt before the signal did
    summary = _patiently(out, store, "the session's end",
                         partial(session.finish, dt.datetime.now(dt.UTC)))
    if ended_by is not None and ended_by == getattr(signal, "SIGHUP", None):
        raise typer.Exit(128 + ended_by)  # the session is closed; no terminal to tell
    ui.summary(out, summary, interrupted)
    if mode is Mode.REVIEW:
        _suggest_refit(out, store)
    if mode is Mode.EXAM and summary.asked:
        half = "; a partly right answer counts 1/2" if summary.partly else ""
        cut = (f" (stopped after {summary.asked} of {summary.planned} questions)"
               if summary.asked < summary.planned else "")
        out.print(f"Exam{cut}: {summary.points} of {summary.asked} points "
                  f"({summary.score:.0f}%{half})")
    if interrupted:
        raise typer.Exit(128 + ended_by if ended_by else 130)


class _Ended(KeyboardInterrupt):
    """SIGTERM or SIGHUP during a session: it ends as at Ctrl-C, with its
    end time saved. A KeyboardInterrupt, as asyncio lets only that and
    SystemExit out of a callback or a task: raised in one by the signal's
    handler (a prompt's key timeout was running), another exception went to
    prompt_toolkit's handler for stray errors, which printed a traceback and
    waited for Enter from a terminal that may be gone. A prompt being asked
    is now stopped from its own loop instead (`_end`). Which signal it was
    is kept in `_ended_by`."""


_ENDING_SIGNALS = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]


_ended_by: int | None = None  # the ending signal received, if any


def _end(signum: int, frame: Any) -> None:
    """SIGTERM or SIGHUP: end the session. A prompt being asked is stopped
    from its event loop (see `ui.stop_prompt`); elsewhere _Ended is raised at
    once. The session loop also checks `_ended_by` between its steps, in case
    the signal landed where an exception is dropped, or as a prompt returned."""
    global _ended_by
    _ended_by = signum
    from quiz.cli import ui

    if not ui.stop_prompt(_Ended(signum)):
        raise _Ended(signum)


def _check_ended() -> None:
    if _ended_by is not None:
        raise _Ended(_ended_by)


def _suggest_refit(out: Any, store: Any) -> None:
    import datetime as dt

    from quiz.history.store import from_ts
    from quiz.study.optimizer import refit_due

    last = store.setting("optimized_at")
    since = from_ts(last) if last else None
    reviews = store.learned_reviews_since(since)
    if refit_due(since, reviews, dt.datetime.now(dt.UTC)):
        what = "since the scheduler was last fitted to you" if since else "so far"
        out.print(f"Tip: {reviews:,} reviews {what}; 'quiz optimize' fits the scheduler to "
                  "your memory (once a month is plenty).")


CLOCK_SLACK = 5 * 60  # seconds: two machines' clocks on one history may differ a little


def _warn_of_a_clock_gone_back(out: Any, store: Any, now: Any) -> None:
    """An answer in the history dated after now: the clock was set back (or
    is wrong). Said once, at the start, as Anki does; intervals still count
    from the clock's time, and a card last seen 'later' counts as seen now."""
    last = store.last_answer_at()
    if last is not None and (last - now).total_seconds() > CLOCK_SLACK:
        out.print(f"The clock says {now.astimezone():%Y-%m-%d %H:%M}, but the history has an "
                  f"answer from {last.astimezone():%Y-%m-%d %H:%M}: is this computer's clock "
                  "wrong? Answers are saved as usual, timed by the clock.")


def _patiently(out: Any, store: Any, what: str, write: Callable[[], T]) -> T:
    """Run a write to the history. While another program holds its write
    lock, say so at once (after a short first wait, long enough for another
    quiz's answer) and keep trying: the learner's answer is kept, not
    dropped. Ctrl-C stops the waiting."""
    import time

    from quiz.errors import StoreBusy

    try:
        with store.busy_timeout(FIRST_WAIT_MS):
            return write()
    except StoreBusy:
        out.print(f"The history is busy: another program is writing to it. Waiting to "
                  f"save {what} (Ctrl-C stops without it)...")
    while True:
        try:
            return write()
        except StoreBusy:
            time.sleep(0.5)


FIRST_WAIT_MS = 500  # another quiz's answer holds the lock for about a millisecond


@app.command("new")
def new_command(
    name: Annotated[str, typer.Argument(help="A name for the deck (it becomes the file name and "
                                        "the id), or a path ending in .yaml.")],
    title: Annotated[str | None, typer.Option("--title", help="The deck's title (default: "
                                              "from the name).", show_default=False)] = None,
) -> None:
    """Start a new deck, with one example of each card type.

    The file has a schema line, a source and one commented example of each
    card type.

    It goes in your deck folder (see 'quiz decks') unless NAME is a path. It
    validates clean; edit it, then 'quiz validate' it.
    """
    import datetime as dt

    from quiz.authoring import new_deck, slug
    from quiz.deck.loader import load_deck
    from quiz.paths import user_decks_dir

    given = Path(name).expanduser()
    is_path = given.suffix in (".yaml", ".yml")
    _new_deck_id(slug(given.stem if is_path else given.name), True,
                 given if is_path else user_decks_dir() / f"{slug(given.name)}.yaml",
                 "choose another name")
    path = new_deck(name, user_decks_dir(), dt.date.today(), title)
    say(f"Wrote {path}")
    say("Edit it, then:")
    ref = _deck_ref(path, load_deck(path).id)  # a small file, just written
    for command, what in (("validate", "check it"), ("add", "add a card"),
                          ("start", "study it")):
        say(f"  {f'quiz {command} {ref}':<{len(ref) + 14}}  {what}")


def _deck_ref(path: Path, deck_id: str) -> str:
    """How a command names the deck `deck_id` at `path`: by its id where quiz
    finds it by id (the deck folder, QUIZ_DECKS), else by its path, quoted
    for the shell."""
    import shlex

    from quiz.deck.catalog import in_known_roots

    return deck_id if in_known_roots(path) else shlex.quote(str(path))


def _editable_deck(name: str) -> Any:
    """A deck and its file, by path or id; bundled decks are not edited in place."""
    from quiz.deck.catalog import locate
    from quiz.errors import UsageError

    entry = locate(name)
    if entry.origin == "bundled":
        raise UsageError(f"'{name}' is a bundled deck, part of quiz itself; copy "
                         f"{entry.path} to your deck folder and edit the copy")
    return entry


@app.command("add")
def add_command(
    deck: Annotated[str, typer.Argument(help="The deck's file, or its id.")],
) -> None:
    """Add a card to a deck by answering a few questions.

    The card is appended to the file; its comments, order and formatting are
    kept. The deck is checked before it is written: if the card would break
    it, or the file changed while the card was typed (an editor saved it),
    nothing is written and the card is printed, to paste.
    """
    import datetime as dt

    from quiz.authoring import card_yaml, with_card
    from quiz.cli import ui
    from quiz.deck.loader import read_deck
    from quiz.errors import DeckError
    from quiz.fileio import FileChanged, replace_file
    from quiz.models import count

    entry = _editable_deck(deck)  # a broken deck is reported, not appended to
    path, current = entry.path, entry.deck
    try:
        fields = ui.ask_card(current, dt.date.today().year)
    except (KeyboardInterrupt, EOFError):
        say("\n" + one_line(f"Stopped: no card was added; {path} is as it was."),
                   err=True)
        raise typer.Exit(130) from None

    def not_added(problems: list[str], why: str) -> typer.Exit:
        for line in problems:
            say(one_line(line), err=True)
        say(one_line(f"The card was not added: {why}. The card, to paste under "
                            f"'cards:' once the deck is fixed:"), err=True)
        say(inert(card_yaml(fields)), nl=False)
        return typer.Exit(1)

    try:
        base = path.read_bytes()  # as it is now: an editor may have saved it meanwhile
    except OSError as e:
        raise not_added([], f"{path} cannot be read ({e.strerror}): was it moved or "
                            f"renamed?") from None
    try:
        deck_now = read_deck(base, str(path))
    except DeckError as e:
        raise not_added([str(p) for p in e.problems],
                        f"{path} has problems since the card was begun") from None
    text = with_card(base.decode("utf-8"), path, fields)
    try:
        read_deck(text, str(path))
        replace_file(path, text, expect=base)
    except DeckError as e:
        raise not_added([str(p) for p in e.problems],
                        f"it would break the deck; {path} is as it was") from None
    except FileChanged as e:
        raise not_added([], str(e)) from None
    say(one_line(f"Added '{fields['id']}' to {path} "
                        f"({count(len(deck_now.cards) + 1, 'card')})."))


@app.command("export")
def export_command(
    deck: Annotated[str, typer.Argument(help="A deck id or deck file.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, tsv or apkg "
                      "(an Anki package).")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (csv "
                      "and tsv: default standard output; apkg: default DECK-ID.apkg).",
                      show_default=False, dir_okay=False)] = None,
    raw_cells: Annotated[bool, typer.Option("--raw-cells", help="csv and tsv: write cells "
                         "exactly as in the deck, even one a spreadsheet would run as a "
                         "formula (by default one that starts with = + - or @ gets a ' "
                         "before it).")] = False,
) -> None:
    """Write a deck as CSV, TSV or an Anki package.

    CSV and TSV have one row per card, with its source written out, so
    'quiz import' can rebuild the deck from them. A cell that starts with
    = + - @ (a formula, in a spreadsheet) is written with a ' before it,
    which 'quiz import' takes off again; --raw-cells writes it as it is.
    """
    from quiz.authoring import write_apkg, write_csv
    from quiz.deck.catalog import find
    from quiz.errors import UsageError
    from quiz.fileio import replace_file
    from quiz.models import count

    if fmt not in ("csv", "tsv", "apkg"):
        raise UsageError(f"unknown format '{fmt}'; formats are csv, tsv and apkg")
    [chosen] = find([deck])
    if fmt == "apkg":
        target = output or Path(f"{chosen.id}.apkg")
        write_apkg(chosen, target)
        say(f"Wrote {target} ({count(len(chosen.cards), 'note')})", err=True)
        return
    import io

    buffer = io.StringIO()
    write_csv(chosen, buffer, "\t" if fmt == "tsv" else ",", raw=raw_cells)
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        replace_file(output, buffer.getvalue())
        say(f"Wrote {output} ({count(len(chosen.cards), 'card')})", err=True)


def _new_deck_id(wanted: str, explicit: bool, target: Path | None = None,
                 hint: str = "choose another with --id") -> str:
    """An id no known deck has: two decks with one id in the folders quiz
    reads make the second broken. A derived id gets a free variant ('x-2');
    an id the user gave is refused. `target`: the file about to be written
    (None: the deck folder); a file outside those folders is left alone."""
    from quiz.authoring import slug
    from quiz.deck.catalog import in_known_roots, scan
    from quiz.errors import UsageError

    if target is not None and not in_known_roots(target):
        return wanted
    held = {e.deck.id: e.path for e in scan() if e.deck is not None
            and (target is None or e.path.resolve() != target.resolve())}
    if wanted not in held:
        return wanted
    if explicit:
        raise UsageError(f"deck id '{wanted}' is already used by {held[wanted]}; {hint}")
    free = slug(wanted, taken=held)
    say(f"The id '{wanted}' is taken by {held[wanted]}, so this deck is '{free}'.",
               err=True)
    return free


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A CSV or TSV file: one with a header row "
                    "naming at least 'question' and 'answer' columns (as 'quiz export' "
                    "writes), two columns of question and answer (a spreadsheet's), or "
                    "Anki's plain-text export.", dir_okay=False)],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The deck file to "
                      "write (default: FILE's name, in your deck folder).",
                      show_default=False, dir_okay=False)] = None,
    deck_id: Annotated[str | None, typer.Option("--id", help="The new deck's id (default: "
                       "from the file name; 'imported' when FILE is a pipe).",
                       show_default=False)] = None,
    title: Annotated[str | None, typer.Option("--title", help="The new deck's title.",
                     show_default=False)] = None,
) -> None:
    """Make a new YAML deck from a CSV or TSV file of cards."""
    from quiz.authoring import deck_title, deck_yaml, name_text, read_table, slug, table_problems
    from quiz.deck.loader import read_deck
    from quiz.errors import DeckError, UsageError
    from quiz.fileio import replace_file
    from quiz.models import count
    from quiz.paths import user_decks_dir

    if not file.exists():  # a pipe, as from <(...), is read like a file
        raise UsageError(f"{file}: no such file")
    table = read_table(file)
    # A pipe's name (/dev/fd/63) says nothing: name the deck after -o, or "imported".
    piped = not file.is_file()
    stem = output.stem if piped and output else "imported" if piped else file.stem
    new_id = _new_deck_id(deck_id or slug(stem), deck_id is not None, output)
    target = output or user_decks_dir() / f"{new_id}.yaml"
    if target.exists():
        raise UsageError(f"{target}: already exists; choose another with -o")
    text = deck_yaml(new_id, deck_title(stem, title) or new_id, table.cards, table.sources,
                     description="Imported from a pipe." if piped
                     else f"Imported from {name_text(file.name)}.")
    try:
        deck = read_deck(text, str(target))
    except DeckError as e:
        for line in table_problems(file, table, text, e.problems[:20]):
            say(one_line(line), err=True)
        raise UsageError(f"{file}: these cards do not make a valid deck; nothing was "
                         "written") from None
    replace_file(target, text)
    ref = _deck_ref(target, deck.id)
    say(f"Wrote {target} ({count(len(deck.cards), 'card')}). Look it over, then "
               f"study it: quiz start {ref}")


@app.command("generate")
def generate_command(
    article: Annotated[Path, typer.Argument(help="A news article as plain text.",
                                            dir_okay=False)],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The deck file to "
                      "write (default: the article's name, in your deck folder).",
                      show_default=False, dir_okay=False)] = None,
    source_title: Annotated[str | None, typer.Option("--source-title", help="The article's "
                            "headline (default: its first line).", show_default=False)] = None,
    outlet: Annotated[str | None, typer.Option("--outlet", help="Who published it (default: "
                      "from the dateline, like /TASS/).", show_default=False)] = None,
    date: Annotated[str | None, typer.Option("--date", help="When it was published, "
                    "YYYY-MM-DD (default: from the dateline). Relative dates ('on Monday') "
                    "and dates without a year are read against it.",
                    show_default=False)] = None,
    deck_id: Annotated[str | None, typer.Option("--id", help="The deck's id (default: from "
                       "the file name).", show_default=False)] = None,
) -> None:
    """Draft a deck from a news article.

    Cards are drafted for dates, figures, who said what and lists of
    countries.

    Every card records the sentence it came from (context) and is marked as
    a draft: check each one, edit or delete it, and remove 'draft: true'.
    Nothing leaves your machine: the drafting is rules, not a model.
    """
    import datetime as dt

    from quiz.authoring import deck_yaml, name_text, slug
    from quiz.authoring.generate import draft, read_meta, to_cards
    from quiz.deck.loader import read_deck
    from quiz.deck.yamltree import MAX_BYTES
    from quiz.errors import Problem, UsageError
    from quiz.fileio import replace_file
    from quiz.models import count
    from quiz.paths import user_decks_dir
    from quiz.reading import read_capped

    data = read_capped(article, MAX_BYTES, "articles")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UsageError(str(Problem.not_utf8(article, data, e))) from None
    published = None
    if date:
        try:
            published = dt.date.fromisoformat(date)
        except ValueError:
            raise UsageError(f"--date {date}: use YYYY-MM-DD") from None
    meta = read_meta(text, published, outlet, source_title)
    if meta.year is None:
        raise UsageError(f"{article}: no year in its dateline or text, so its dates cannot "
                         "be read; give the publication date with --date YYYY-MM-DD")
    drafts = draft(text, meta)
    if not drafts:
        raise UsageError(f"{article}: found no dates, figures, quotes or country lists")
    new_id = _new_deck_id(deck_id or slug(article.stem), deck_id is not None, output)
    stem = name_text(article.stem) or new_id
    source = {"outlet": meta.outlet or "unknown outlet",
              "date": meta.date.isoformat() if meta.date else str(meta.year),
              "title": meta.title or stem}
    cards = to_cards(drafts, "article")
    body = deck_yaml(new_id, f"Draft: {meta.title or stem}", cards,
                     {"article": source},
                     description=f"Drafted by quiz generate from {name_text(article.name)}; "
                                 "every card needs checking.")
    target = output or user_decks_dir() / f"{new_id}.yaml"
    if target.exists():
        raise UsageError(f"{target}: already exists; choose another with -o")
    deck = read_deck(body, str(target))  # a draft that does not validate is a bug, not a file
    replace_file(target, body)
    counts = {k: sum(1 for d in drafts if d.kind == k)
              for k in ("dates", "figures", "quotes", "members")}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    say(f"Wrote {target}: {count(len(cards), 'draft card')} ({summary}).")
    say(f"Check each one and remove its 'draft: true' line, then: quiz validate "
               f"{_deck_ref(target, deck.id)}")
    if meta.year_guessed:
        say(f"Its dates are read as in {meta.year}, the year the article mentions most "
                   "(its dateline has none). If it came out in another year, delete the file "
                   "and run again with --date YYYY-MM-DD.")


@app.command("optimize")
def optimize_command(
    db: DbOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report, but keep the "
                                          "current parameters.")] = False,
) -> None:
    """Fit the scheduler to your own review history.

    Fits FSRS parameters on your older reviews and reports log loss and RMSE
    before and after on your most recent ones, which the fit never saw. The
    fitted parameters are used from the next session on. Sessions suggest
    running it again once a month and 400 reviews have passed.
    """
    import json

    from quiz.errors import UsageError
    from quiz.gcpause import paused
    from quiz.study.optimizer import MIN_ITEMS, NotEnoughHistory, fit

    with _open_store(db, create=False) as store, paused():  # millions of small objects
        rows = [((d, c), t, r) for d, c, t, r in store.reviews_for_optimizer()]
        if not dry_run:  # tried now: no reminder for a month, whatever the outcome
            from quiz.history.store import ts

            store.set_setting("optimized_at", ts(_today()[0]))
        if len(rows) >= 50_000:  # seconds of work: say so before it starts
            say(f"fitting on {len(rows):,} reviews (about 20 s per million)...",
                       err=True)
        try:
            result = fit(rows)
        except NotEnoughHistory as e:
            raise UsageError(
                f"not enough history to fit yet: {e.items} usable reviews (a card's second "
                f"review onwards, on separate days), {MIN_ITEMS} needed. Keep studying"
            ) from None
        say(f"reviews: {result.reviews:,} (fitted on {result.train_items:,} items, "
                   f"scored on the newest {result.test_items:,})")
        say(f"log loss: {result.log_loss_before:.4f} -> {result.log_loss_after:.4f} "
                   "(lower is better)")
        say(f"RMSE:     {result.rmse_before:.4f} -> {result.rmse_after:.4f} (bins)")
        say(f"AUC:      {result.auc_before:.4f} -> {result.auc_after:.4f} "
                   "(higher is better)")
        if dry_run:
            say("dry run: parameters not saved")
        elif result.log_loss_after > result.log_loss_before:
            say("the fit does not beat the defaults on your recent reviews; kept the "
                       "current parameters")
        else:
            store.set_setting("fsrs_parameters", json.dumps(list(result.parameters)))
            say("saved: your next sessions use the fitted parameters")


def _history_decks(names: list[str] | None, store: Any) -> list[str]:
    """Deck ids from ids or deck file paths; each must have history."""
    from quiz.errors import UsageError

    ids: list[str] = []
    known = store.deck_ids()
    for name in names or []:
        if name.endswith((".yaml", ".yml")) and Path(name).exists():
            from quiz.deck.catalog import find

            ids += [d.id for d in find([name])]
        elif name in known:
            ids.append(name)
        else:

            have = ", ".join(known) if known else "none yet"
            raise UsageError(one_line(f"no history for deck '{name}' (decks with history: "
                                      f"{have})"))
    return list(dict.fromkeys(ids))  # a deck named twice (by id and by file) counts once


def _plain_output() -> bool:
    import os

    return (bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"
            or not sys.stdout.isatty())


def _open_history(db: Path | None) -> Any:
    """The history database; an explicit --db must exist, the default is created."""
    return _open_store(db, create=db is None)


@app.command("stats")
def stats_command(
    decks: HistoryDecks = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as one JSON "
                       "document (layout: stats.schema.json in the package; indented on a "
                       "terminal, compact when piped).")] = False,
    html: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained "
                    "report page with the charts to this file.", show_default=False,
                    dir_okay=False)] = None,
    db: DbOption = None,
) -> None:
    """Show your progress: scores, retention, what is due.

    Scores over sessions, by tag, the hardest cards, true retention, the due
    forecast, your streak and time studied (a pause of over 2 minutes between
    answers counts as 2 minutes).

    Charts fit an 80-column terminal and turn into plain ASCII when the output
    is piped, NO_COLOR is set or TERM is dumb.
    """
    import datetime as dt
    import json
    import shutil

    from quiz.history.stats import compute
    from quiz.study.scheduling import learner_settings

    now = dt.datetime.now(dt.UTC)
    tz = _local_zone()
    with _open_history(db) as store:
        ids = _history_decks(decks, store)
        settings = learner_settings(store.setting)
        figures = compute(store, now, tz, ids, settings.desired_retention, settings.parameters)
    if html is not None:
        from quiz.cli.report import write_report

        write_report(figures, tz, html)
    if as_json:
        from quiz.gcpause import paused

        # Indented for a person at a terminal; compact for a program, which
        # is also 5x faster to write (the C encoder does not indent).
        with paused():
            typer.echo(json.dumps(figures.to_json(), ensure_ascii=False,
                                  indent=2 if sys.stdout.isatty() else None))
        return
    from quiz.cli.render import stats_lines

    width = shutil.get_terminal_size((80, 24)).columns
    for line in stats_lines(figures, tz, _plain_output(), width):
        say(line)
    if html is not None:
        say(f"\nReport written to {html}")


@app.command("history")
def history_command(
    decks: HistoryDecks = None,
    csv_out: Annotated[bool, typer.Option("--csv", help="Export every answer as CSV (one row "
                       "per answer, oldest first) instead of showing the latest.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file "
                      "instead of standard output.", show_default=False, dir_okay=False)] = None,
    last: Annotated[int, typer.Option("--last", "-n", min=1, help="How many of the latest "
                    "answers to show (without --csv).")] = 20,
    db: DbOption = None,
) -> None:
    """List your answers, or export them all as CSV.

    CSV columns: id, session_id, deck_id, card_id, reviewed_at (UTC), answer,
    outcome (right/partly/wrong), correct (0/1), rating (1-4), response_ms, mode.
    """
    import csv
    import io

    from quiz.authoring import formula_safe
    from quiz.models import count

    with _open_history(db) as store:
        ids = _history_decks(decks, store)
        if csv_out:
            def write_csv(out: IO[str]) -> int:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(store.EXPORT_COLUMNS)
                written = 0
                for row in store.iter_reviews(ids):  # a typed '=...' is text in a sheet
                    writer.writerow([formula_safe(c) if isinstance(c, str) else c for c in row])
                    written += 1
                return written

            if output is None:
                write_csv(sys.stdout)
                return
            from quiz.fileio import replacing

            with replacing(output) as f:  # all of it or nothing, as every file quiz writes
                written = write_csv(f)
            say(f"Wrote {output} ({count(written, 'answer')})", err=True)
            return
        from quiz.history.store import from_ts

        rows = list(store.iter_reviews(ids, newest_first=True, limit=last))
        if not rows:
            say("No answers yet. Run 'quiz start' to begin.")
            return
        from quiz.cli.render import clip

        buffer = io.StringIO()
        cards = [f"{one_line(r[2])}/{one_line(r[3])}" for r in rows]
        cards = [c if len(c) <= 40 else c[:39] + "…" for c in cards]
        width = max(len("Card"), *(len(c) for c in cards))
        buffer.write(f"{'When':<12}  Result  {'Card':<{width}}  Your answer\n")
        for r, card in zip(reversed(rows), reversed(cards), strict=True):
            when = from_ts(r[4]).astimezone()
            answer = clip(one_line(r[5]) or "(nothing)", 28)  # in cells: CJK takes two
            buffer.write(f"{when:%d %b %H:%M}  {r[6]:<6}  {card:<{width}}  {answer}\n")
        text = buffer.getvalue()
        if output:
            from quiz.fileio import replace_file

            replace_file(output, text)
            say(f"Wrote {output} ({count(len(rows), 'answer')})", err=True)
        else:
            say(text, nl=False)


def main() -> None:
    # A terminal that cannot show some character (an ASCII-only locale) gets
    # a '?' for it rather than an error in the middle of a session.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower() not in ("utf-8", "utf8"):
            reconfigure(errors="replace")
    app(prog_name="quiz")
