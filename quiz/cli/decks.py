"""`quiz decks` and `quiz validate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from quiz.cli import clock
from quiz.cli.app import DbOption, app, open_store_at, say
from quiz.textsafe import one_line

if TYPE_CHECKING:
    from quiz.deck.catalog import Entry



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


@app.command("validate")
def validate_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Deck files, folders or deck ids (default: every known deck).",
                       show_default=False),
    ] = None,
    db: Annotated[
        str | None,  # not a Path: Path('') is '.', and '' means the default database
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
        _report_orphans(entries, db or None, every_deck=not paths)


def _deck_paths(args: list[Path] | None) -> list[Path] | None:
    """The arguments as paths; one that is no file or folder but a deck's id
    (as `quiz start` and `quiz add` take) means that deck's file."""
    if not args:
        return args
    from quiz.deck.catalog import DECK_SUFFIXES, named, scan

    entries: list[Entry] | None = None
    out = []
    for arg in args:
        if not arg.exists() and arg.suffix not in DECK_SUFFIXES:
            entries = scan() if entries is None else entries
            found = named(str(arg), entries)
            arg = found.path if found is not None else arg
        out.append(arg)
    return out


def _validate(paths: list[Path] | None) -> tuple[list[Entry], bool]:
    """Print every problem (or an ok line); returns the entries and whether all is clean."""
    from quiz.deck.catalog import scan
    from quiz.wording import count

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
                say(f"\n--- {clock.now().astimezone(clock.local_zone()):%H:%M:%S} ---")
                _validate(paths)
    except KeyboardInterrupt:
        return


def _report_orphans(entries: list[Entry], db: str | None, every_deck: bool) -> None:
    """Cards with history that are no longer in their deck: kept, and named.
    With `every_deck` (every known deck was checked), so are decks with
    history and no file left. No default history yet: nothing to report."""
    from quiz.paths import default_db
    from quiz.wording import count

    if db is None and not default_db().exists():
        return
    with open_store_at(db, create=False) as store:
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


@app.command("cards")
def cards_command(
    deck: Annotated[str, typer.Argument(help="A deck id or a path to a deck file.",
                                        show_default=False)],
    search: Annotated[str | None, typer.Argument(
        help="Only cards whose question, answer or id holds this text (case aside).",
        show_default=False)] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Only cards with this "
                   "tag (repeat for several).", show_default=False)] = None,
    flagged: Annotated[bool, typer.Option("--flagged", help="Only flagged cards.")] = False,
    suspended: Annotated[bool, typer.Option("--suspended", help="Only suspended cards.")
                         ] = False,
    suspend: Annotated[list[str] | None, typer.Option("--suspend", metavar="CARD",
                       help="Suspend this card: not asked until unsuspended.",
                       show_default=False)] = None,
    unsuspend: Annotated[list[str] | None, typer.Option("--unsuspend", metavar="CARD",
                         show_default=False)] = None,
    flag: Annotated[list[str] | None, typer.Option("--flag", metavar="CARD",
                    help="Flag this card, to look at later.", show_default=False)] = None,
    unflag: Annotated[list[str] | None, typer.Option("--unflag", metavar="CARD",
                      show_default=False)] = None,
    unbury: Annotated[list[str] | None, typer.Option("--unbury", metavar="CARD",
                      help="Ask a card buried in a session today again.",
                      show_default=False)] = None,
    db: DbOption = None,
) -> None:
    """List a deck's cards with their state: new, learning, or when due, with
    stability (days), lapses, and suspended, buried or flagged; or change
    those marks (--suspend CARD, --unsuspend CARD, --flag, --unflag,
    --unbury).

    A card made from another (the other way round, a blank of several) is
    listed under its own id, NOTE:reverse or NOTE:c2.
    """
    from quiz.cli.render import clip, due_when
    from quiz.deck.catalog import find
    from quiz.errors import UsageError
    from quiz.study.records import CardMark
    from quiz.study.scheduling import Phase
    from quiz.wording import answer_text, count

    chosen = find([deck])[0]
    changes = [(card_id, change, word) for ids, change, word in (
        (suspend, {"suspended": True}, "suspended"),
        (unsuspend, {"suspended": False}, "unsuspended"),
        (flag, {"flagged": True}, "flagged"), (unflag, {"flagged": False}, "unflagged"),
        (unbury, {"unbury": True}, "unburied")) for card_id in ids or ()]
    if changes:
        from quiz.deck.loader import did_you_mean

        known = {c.id for c in chosen.cards}
        for card_id, _, _ in changes:
            if card_id not in known:
                raise UsageError(one_line(f"{chosen.id} has no card '{card_id}'"
                                          f"{did_you_mean(card_id, sorted(known))}"))
        with open_store_at(db) as store:
            for card_id, change, word in changes:
                before = store.marks(chosen.id).get(card_id) or CardMark()
                after = store.mark(chosen.id, card_id, **change)  # type: ignore[arg-type]
                if after == before:  # said so: nothing changed
                    say(one_line(f"{card_id}: was not {word[2:]}" if word.startswith("un")
                                 else f"{card_id}: already {word}"))
                else:
                    say(one_line(f"{card_id}: {word}"))
        return
    wanted = set(tag or [])
    text = (search or "").casefold()
    cards = [c for c in chosen.cards if (not wanted or wanted & set(c.tags)) and (
        not text or any(text in t.casefold() for t in (c.id, c.question, answer_text(c))))]
    if not cards:
        raise UsageError(one_line(f"no card of {chosen.id} matches"
                                  + (f" '{search}'" if search else "")
                                  + (f" with the tag {', '.join(sorted(wanted))}" if wanted
                                     else "")))
    import shutil

    with open_store_at(db) as store:
        states = store.states(chosen.id)
        marks = store.marks(chosen.id)
    now = clock.now()
    if flagged or suspended:
        cards = [c for c in cards if (m := marks.get(c.id)) is not None
                 and (not flagged or m.flagged) and (not suspended or m.suspended)]
        if not cards:
            say(f"{chosen.id}: no {'flagged' if flagged else 'suspended'} card")
            return
    columns = shutil.get_terminal_size((80, 24)).columns
    width = min(max(len(c.id) for c in cards), 32)
    say(f"{chosen.id}: {count(len(cards), 'card')}"
        + (f" of {len(chosen.cards)}" if len(cards) < len(chosen.cards) else ""))
    rows = []
    for c in cards:
        st = states.get(c.id)
        if st is None:
            state = "new"
        elif st.phase != Phase.REVIEW:
            state = "learning"
        else:
            state = f"due {due_when(st.due, now)}"
        if st is not None and st.stability:
            state += f" · {st.stability:.1f} d"
        if st is not None and st.lapses:
            state += f" · {count(st.lapses, 'lapse')}"
        if c.draft:
            state += " · draft"
        mark = marks.get(c.id)
        if mark is not None:
            state += " · suspended" if mark.suspended else ""
            if mark.buried_until is not None and mark.buried_until > now:
                state += " · buried"
            state += " · flagged" if mark.flagged else ""
        rows.append((c, state))
    room = max(len(state) for _, state in rows)
    for c, state in rows:
        head = f"{clip(one_line(c.id), width):<{width}}  {state:<{room}}  "
        say(head + clip(one_line(c.question), max(columns - len(head) - 1, 10)))
