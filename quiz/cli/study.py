"""`quiz start`: choosing the decks; the session itself runs in `runner`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from quiz.cli.app import DbOption, app, open_store_at, say
from quiz.cli.clock import now_and_day_start
from quiz.cli.runner import _run_session
from quiz.models import Mode
from quiz.textsafe import inert, one_line

if TYPE_CHECKING:
    from quiz.history.store import Store
    from quiz.models import Deck



@app.command("start")
def start_command(
    decks: Annotated[
        list[str] | None,
        typer.Argument(help="Deck ids or paths to deck files (default: pick from a list).",
                       show_default=False),
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Only cards with this "
                   "tag (repeat for several).", show_default=False)] = None,
    mode: Annotated[Mode, typer.Option("--mode", "-m", case_sensitive=False,
                    help="review: what is due, then new cards. cram: practise without "
                    "touching the schedule. exam: N random cards, scored.")] = Mode.REVIEW,
    new: Annotated[int | None, typer.Option("--new", min=0, help="New cards allowed today "
                   "(default 20; review mode).", show_default=False)] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="At most this "
                     "many cards (exam: how many; default 20).", show_default=False)] = None,
    self_grade: Annotated[bool, typer.Option("--self-grade", help="After a right answer, "
                          "say how hard it was to recall (Hard, Good or Easy); the schedule "
                          "follows (review mode).")] = False,
    in_order: Annotated[bool, typer.Option("--in-order", help="New cards in the deck's "
                        "order (a deck written as a course), not shuffled.")] = False,
    db: DbOption = None,
) -> None:
    """Start a study session.

    Asks what is due, then new cards; missed cards come back. Every answer is
    saved at once: press Ctrl-C at any prompt to stop and see your summary.
    """
    from quiz.errors import UsageError

    chosen_mode = mode
    if chosen_mode is not Mode.REVIEW:  # an option that would do nothing is a mistake
        for given, option in ((new is not None, "--new"), (self_grade, "--self-grade")):
            if given:
                raise UsageError(f"{option} is for review mode; {mode} does not touch the "
                                 "schedule")
    with open_store_at(db) as store:
        chosen = _choose_decks(decks, store, new)
        if not chosen:
            return
        _check_tags(tag or [], chosen)
        _run_session(store, chosen, chosen_mode, tag or [], new, limit, self_grade, in_order)


def _check_tags(tags: list[str], decks: list[Deck]) -> None:
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


def _choose_decks(names: list[str] | None, store: Store,
                  new: int | None = None) -> list[Deck]:
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
    from quiz.study.preferences import learner_settings
    from quiz.study.session import is_due

    now, day_began = now_and_day_start()
    day_end = day_began + dt.timedelta(days=1)
    limit = learner_settings(store.setting).new_per_day if new is None else new
    labels = []
    for deck in found:
        seen = store.states(deck.id)
        # suspended, or buried until after now: not asked
        held = {cid for cid, m in store.marks(deck.id).items()
                if m.suspended or (m.buried_until or now) > now}
        due = sum(1 for cid, st in seen.items()
                  if is_due(st.phase, st.due, now, day_end) and cid not in held)
        # a session asks one card of a note: its siblings wait for later days
        fresh = len({c.note_id for c in deck.cards
                     if c.id not in seen and not c.draft and c.id not in held})
        # as a session counts them: the day's new cards, less those begun today
        today = min(fresh, max(0, limit - store.introduced_since([deck.id], day_began, now)))
        labels.append(f"{inert(deck.title)}  ({due} due, {today} new today, "
                      f"{len(deck.cards)} total)")
    from quiz.cli import prompts

    return [found[prompts.pick("Which deck?", labels)]]
