"""`quiz stats`, `quiz history` and `quiz optimize`: what the history holds.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from quiz.cli import clock
from quiz.cli.app import DbOption, HistoryDecks, app, open_store_at, say, write_data
from quiz.cli.clock import local_zone, now_and_day_start
from quiz.textsafe import one_line

if TYPE_CHECKING:
    from quiz.history.store import Store



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

    with open_store_at(db, create=False) as store, store.reading(), paused():  # many objects
        rows = [((d, c), t, r) for d, c, t, r in store.reviews_for_optimizer()]
        if not dry_run:  # tried now: no reminder for a month, whatever the outcome
            from quiz.history.store import ts

            store.set_setting("optimized_at", ts(now_and_day_start()[0]))
        if len(rows) >= 50_000:  # seconds of work: say so before it starts
            say(f"fitting on {len(rows):,} reviews (about 20 s per million)...",
                       err=True)
        try:
            result = fit(rows, day_start=now_and_day_start()[1])  # the scheduler's days
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


@app.command("settings", context_settings={"ignore_unknown_options": True})
def settings_command(
    name: Annotated[str | None, typer.Argument(help="A setting: retention, intervals, "
                    "relearn or new-per-day (default: list them all).",
                    show_default=False)] = None,
    words: Annotated[list[str] | None, typer.Argument(
        metavar="[VALUE]", help="Its new value (default: show it).",
        show_default=False)] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Go back to the default.")] = False,
    db: DbOption = None,
) -> None:
    """Show or change how the scheduler plans your reviews.

    retention (default 0.9): how much of a deck you want to know at any time.
    intervals (default knowledge): 'knowledge' gives each card the interval that
    buys the most recall for the reviews it costs while keeping what the
    retention asks (about 70-80% of reviews are then recalled, not 90%);
    'retention' reviews a card when its recall falls to the retention, as Anki
    does. relearn (default off): a learned card you miss is booked a day or
    more ahead; '10m' (or '10m,1h') asks it again that long after, in the
    same session.
    new-per-day (default 20). Settings are kept in the history database and
    apply from the next session on.
    """
    from quiz.errors import UsageError
    from quiz.study.preferences import KNOBS, default, knob, learner_settings, parse

    # "10m 1h" is "10m,1h"; a value such as -1 is a value here, not an option
    value = ",".join(words) if words else None
    if value is not None and reset:
        raise UsageError("give a new value or --reset, not both")
    if reset and name is None:
        raise UsageError("--reset needs the name of a setting")
    chosen = [knob(name)] if name is not None else list(KNOBS.values())
    import textwrap

    with open_store_at(db, create=db is None or value is not None or reset) as store:
        if value is not None or reset:
            k = chosen[0]
            before = k.show(getattr(learner_settings(store.setting), k.field))
            if reset:
                store.clear_setting(k.key)
            else:
                store.set_setting(k.key, k.show(parse(k, value or "")))
            after = k.show(getattr(learner_settings(store.setting), k.field))
            if after == before:
                say(f"{k.name}: {after} (unchanged)")
            else:
                say(f"{k.name}: {after} (was {before}); sessions from now on use it")
            return
        current = learner_settings(store.setting)
        for k in chosen:
            shown = k.show(getattr(current, k.field))
            mark = "" if store.setting(k.key) is None else \
                f"  (default {k.show(default(k))})"
            say(f"{k.name:<12} {shown}{mark}")
            say(textwrap.fill(k.meaning, 79, initial_indent=" " * 13,
                              subsequent_indent=" " * 13))


def _history_decks(names: list[str] | None, store: Store) -> list[str]:
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


def _open_history(db: str | None) -> Store:
    """The history database; an explicit --db must exist, the default is created."""
    return open_store_at(db, create=db is None)


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
    import json
    import shutil

    from quiz.history.stats import compute
    from quiz.study.preferences import learner_settings

    now = clock.now()
    tz = local_zone()
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
            write_data(json.dumps(figures.to_json(), ensure_ascii=False,
                                  indent=2 if sys.stdout.isatty() else None) + "\n")
        return
    from quiz.cli.render import stats_lines

    width = shutil.get_terminal_size((80, 24)).columns
    for line in stats_lines(figures, tz, _plain_output(), width, settings.policy):
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

    from quiz.authoring.tables import formula_safe
    from quiz.wording import count

    with _open_history(db) as store, store.reading():  # a damaged row: one line
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
                buffer = io.StringIO()
                write_csv(buffer)
                write_data(buffer.getvalue())
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
