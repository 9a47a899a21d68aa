"""`quiz new`, `quiz add`, `quiz export`, `quiz import`, `quiz generate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from quiz.cli import clock
from quiz.cli.app import DbOption, app, deck_ref, open_store_at, say, write_data
from quiz.errors import DeckError, Problem, QuizError
from quiz.textsafe import inert, one_line

if TYPE_CHECKING:
    from quiz.models import Deck



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

    from quiz.authoring.deckfile import slug
    from quiz.authoring.scaffold import new_deck
    from quiz.deck.loader import load_deck
    from quiz.paths import user_decks_dir

    given = Path(name).expanduser()
    is_path = given.suffix in (".yaml", ".yml")
    _new_deck_id(slug(given.stem if is_path else given.name), True,
                 given if is_path else user_decks_dir() / f"{slug(given.name)}.yaml",
                 "choose another name")
    path = new_deck(name, user_decks_dir(), clock.today(), title)
    say(f"Wrote {path}")
    say("Edit it, then:")
    ref = deck_ref(path, load_deck(path).id)  # a small file, just written
    for command, what in (("validate", "check it"), ("add", "add a card"),
                          ("start", "study it")):
        say(f"  {f'quiz {command} {ref}':<{len(ref) + 14}}  {what}")


def _editable_deck(name: str) -> tuple[Path, Deck]:
    """A deck's file and the deck, by path or id; bundled decks are not
    edited in place, and a deck that does not load is reported (locate)."""
    from quiz.deck.catalog import locate
    from quiz.errors import UsageError

    entry = locate(name)
    if entry.origin == "bundled":
        raise UsageError(f"'{name}' is a bundled deck, part of quiz itself; copy "
                         f"{entry.path} to your deck folder and edit the copy")
    assert entry.deck is not None  # locate raises for a deck that does not load
    return entry.path, entry.deck


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
    from quiz.authoring.edit import card_yaml
    from quiz.cli import card_form
    from quiz.wording import count

    path, current = _editable_deck(deck)  # a broken deck is reported, not appended to
    try:
        fields = card_form.ask_card(current, clock.today().year)
    except (KeyboardInterrupt, EOFError):
        say("\n" + one_line(f"Stopped: no card was added; {path} is as it was."), err=True)
        raise typer.Exit(130) from None
    try:
        cards = _append(path, fields)
    except (QuizError, KeyboardInterrupt) as e:
        say(inert(card_yaml(fields)), nl=False)  # the card typed is never lost
        if isinstance(e, KeyboardInterrupt):
            say(one_line(f"Stopped: the card was not added ({path} is as it was); it is "
                         "above, to paste under 'cards:'."), err=True)
            raise typer.Exit(130) from None
        raise e if isinstance(e, CardNotAdded) else CardNotAdded(str(e)) from None
    say(one_line(f"Added '{fields['id']}' to {path} ({count(cards, 'card')})."))


class CardNotAdded(QuizError):
    """`quiz add` wrote nothing: the deck's problems, if any, then why, and
    where the typed card went (printed on standard output, to paste)."""

    def __init__(self, why: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__("\n".join([*(str(p) for p in problems), (
            f"The card was not added: {why}. The card is printed above, to paste "
            "under 'cards:' once the deck is fixed.")]))


def _append(path: Path, fields: dict[str, object]) -> int:
    """Append the card to the deck file as it is now (an editor may have
    saved it meanwhile), writing only if the result validates and the file
    still holds what was read; the deck's number of cards then."""
    from quiz.authoring.edit import with_card
    from quiz.deck.loader import read_deck
    from quiz.deck.yamltree import MAX_BYTES
    from quiz.fileio import FileChanged, replace_file
    from quiz.reading import ReadError, read_capped

    try:
        base = read_capped(path, MAX_BYTES, "decks")
    except ReadError as e:
        raise CardNotAdded(f"{e} (was it moved, renamed or replaced?)") from None
    try:
        deck_now = read_deck(base, str(path))
    except DeckError as e:
        raise CardNotAdded(f"{path} has problems since the card was begun",
                           e.problems) from None
    text = with_card(base.decode("utf-8"), path, fields)
    try:
        read_deck(text, str(path))
    except DeckError as e:
        raise CardNotAdded(f"it would break the deck; {path} is as it was",
                           e.problems) from None
    try:
        replace_file(path, text, expect=base)
    except FileChanged as e:
        raise CardNotAdded(str(e)) from None
    return len(deck_now.cards) + 1


class ExportFormat(StrEnum):
    CSV = "csv"
    TSV = "tsv"
    APKG = "apkg"


@app.command("export")
def export_command(
    deck: Annotated[str, typer.Argument(help="A deck id or deck file.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", case_sensitive=False,
                   help="csv, tsv or apkg (an Anki package).")] = ExportFormat.CSV,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (csv "
                      "and tsv: default standard output; apkg: default DECK-ID.apkg).",
                      show_default=False, dir_okay=False)] = None,
    raw_cells: Annotated[bool, typer.Option("--raw-cells", help="csv and tsv: write cells "
                         "exactly as in the deck, even one a spreadsheet would run as a "
                         "formula (by default one that starts with = + - or @ gets a ' "
                         "before it).")] = False,
    with_history: Annotated[bool, typer.Option("--with-history", help="apkg: add your "
                            "reviews of the deck (Anki's review log) and each card's "
                            "schedule, from the history database.")] = False,
    with_drafts: Annotated[bool, typer.Option("--with-drafts", help="apkg: write draft "
                           "cards too, tagged 'draft' (by default they are left out).")
                           ] = False,
    db: DbOption = None,
) -> None:
    """Write a deck as CSV, TSV or an Anki package.

    CSV and TSV have one row per card, with its source written out, so
    'quiz import' can rebuild the deck from them. A cell that starts with
    = + - @ (a formula, in a spreadsheet) is written with a ' before it,
    which 'quiz import' takes off again; --raw-cells writes it as it is.

    An Anki package keeps every field of every card, so 'quiz import' gives
    the deck back; see docs/formats/anki.md.
    """
    from quiz.authoring.tables import write_csv
    from quiz.deck.catalog import find
    from quiz.errors import UsageError
    from quiz.fileio import replace_file
    from quiz.wording import count

    [chosen] = find([deck])
    if fmt is not ExportFormat.APKG and (with_history or with_drafts):
        raise UsageError(f"--with-{'history' if with_history else 'drafts'} is for -f apkg "
                         "(an Anki package)")
    if fmt is ExportFormat.APKG:
        _export_apkg(chosen, output or Path(f"{chosen.id}.apkg"), with_history, with_drafts,
                     db)
        return
    import io

    buffer = io.StringIO()
    write_csv(chosen, buffer, "\t" if fmt is ExportFormat.TSV else ",", raw=raw_cells)
    if output is None:
        write_data(buffer.getvalue())
    else:
        from quiz.authoring.deckfile import notes

        replace_file(output, buffer.getvalue())
        rows = len(notes(chosen))
        made = "" if rows == len(chosen.cards) else f", {count(len(chosen.cards), 'card')}"
        say(f"Wrote {output} ({count(rows, 'row')}{made})", err=True)


def _export_apkg(deck: Deck, target: Path, with_history: bool, with_drafts: bool,
                 db: str | None) -> None:
    """`quiz export -f apkg`: the notes, and with `with_history` the
    learner's reviews and schedule of the deck."""
    from quiz.authoring.apkg_export import write_apkg
    from quiz.wording import count

    cards = [c for c in deck.cards if with_drafts or not c.draft]
    reviews = 0
    if with_history:
        from quiz.authoring.apkg_schedule import Answer, Scheduled, add_history
        from quiz.study.preferences import learner_settings
        from quiz.study.scheduling import default_parameters

        now = clock.now()
        with open_store_at(db, create=False) as store:
            answers = [Answer(*r) for r in store.scheduled_reviews(deck.id)]
            states = [Scheduled(s.card_id, s.phase, s.due, s.data, s.reps, s.lapses,
                                s.last_review) for s in store.states(deck.id).values()]
            suspended = {c for c, m in store.marks(deck.id).items() if m.suspended}
            settings = learner_settings(store.setting)
        params = settings.parameters or tuple(default_parameters())
        written: list[int] = []

        def schedule(col: Any, ids: Any) -> None:
            written.append(add_history(col, ids, answers, states, suspended, now,
                                       clock.local_zone(), settings.desired_retention,
                                       params[20] if len(params) > 20 else None))

        notes_written = write_apkg(deck, target, with_drafts, schedule)
        reviews = written[0]
    else:
        notes_written = write_apkg(deck, target, with_drafts)
    made = "" if notes_written == len(cards) else \
        f"; Anki makes {count(len(cards), 'card')} of them"
    history = f", with {count(reviews, 'review')}" if with_history else ""
    drafts = sum(1 for c in deck.cards if c.draft and c.note is None)
    left = f"; {count(drafts, 'draft card')} left out (--with-drafts)" \
        if drafts and not with_drafts else ""
    say(f"Wrote {target} ({count(notes_written, 'note')}{made}{history}{left})", err=True)


def _new_deck_id(wanted: str, explicit: bool, target: Path | None = None,
                 hint: str = "choose another with --id") -> str:
    """An id no known deck has: two decks with one id in the folders quiz
    reads make the second broken. A derived id gets a free variant ('x-2');
    an id the user gave is refused. `target`: the file about to be written
    (None: the deck folder); a file outside those folders is left alone."""
    from quiz.authoring.deckfile import slug
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
    file: Annotated[Path, typer.Argument(help="An Anki package (.apkg, or a whole collection "
                    ".colpkg), or a CSV or TSV file: one with a header row naming at least "
                    "'question' and 'answer' columns (as 'quiz export' writes), two columns "
                    "of question and answer (a spreadsheet's), or Anki's plain-text export.",
                    dir_okay=False)],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The deck file to "
                      "write (default: FILE's name, in your deck folder); for an Anki "
                      "package of several decks, the folder to write them in.",
                      show_default=False)] = None,
    deck_id: Annotated[str | None, typer.Option("--id", help="The new deck's id (default: "
                       "from the file name; 'imported' when FILE is a pipe).",
                       show_default=False)] = None,
    title: Annotated[str | None, typer.Option("--title", help="The new deck's title.",
                     show_default=False)] = None,
    one_deck: Annotated[bool, typer.Option("--one-deck", help="Anki: one deck for the whole "
                        "package, each card tagged with its Anki deck's name (default: a "
                        "deck per Anki deck).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Anki: update the decks an earlier "
                     "import of the package wrote without asking (cards you added to them "
                     "are kept).")] = False,
    no_history: Annotated[bool, typer.Option("--no-history", help="Anki: the cards alone, "
                          "not the review history and schedule.")] = False,
    separator: Annotated[str | None, typer.Option("--separator", help="Read FILE as "
                         "Quizlet exports it, with this between term and definition: tab, "
                         "comma, or the text itself (default: tab).",
                         show_default=False)] = None,
    row_separator: Annotated[str | None, typer.Option("--row-separator", help="Read FILE as "
                             "Quizlet exports it, with this between rows: newline, "
                             "semicolon, or the text itself (default: newline).",
                             show_default=False)] = None,
    db: DbOption = None,
) -> None:
    """Make new YAML decks from an Anki package, a CSV or TSV file, Anki's
    plain-text export, Markdown notes (hashcards, Obsidian) or a Quizlet
    export.

    The format is told by the file's content, not its name. An Anki package
    brings its review history too: each card's schedule carries over, and
    importing it again updates the decks in place and adds only new
    reviews. A row that makes no card is told at its line and left out.
    See docs/formats/ for what each format keeps.
    """
    from quiz.authoring.apkg import is_zip
    from quiz.errors import UsageError

    if not file.exists():  # a pipe, as from <(...), is read like a file
        raise UsageError(f"{file}: no such file")
    if file.is_file() and is_zip(file):
        from quiz.cli.anki_import import import_package

        if separator is not None or row_separator is not None:
            raise UsageError(f"{file}: an Anki package; --separator and --row-separator "
                             "are for text files")
        import_package(file, output, deck_id, title, one_deck, force, no_history, db)
        return
    _import_table(file, output, deck_id, title, separator, row_separator)


# Rows left out that are told one by one; the rest are counted.
TOLD = 20


def _import_table(file: Path, output: Path | None, deck_id: str | None,
                  title: str | None, separator: str | None = None,
                  row_separator: str | None = None) -> None:
    """`quiz import` of a text file: CSV, TSV, Anki's plain text, Markdown,
    Quizlet."""
    from quiz.authoring.deckfile import deck_title, name_text, slug
    from quiz.authoring.edit import deck_yaml
    from quiz.authoring.tables import table_problems
    from quiz.authoring.textformats import read_cards
    from quiz.deck.loader import read_deck
    from quiz.deck.yamltree import MAX_BYTES
    from quiz.errors import DeckError, UsageError
    from quiz.fileio import replace_file
    from quiz.paths import user_decks_dir
    from quiz.wording import count

    with _progress(file) as step:
        table = read_cards(file, separator, row_separator)
        for line in table.skipped[:TOLD]:
            say(one_line(f"{line} (left out)"), err=True)
        if len(table.skipped) > TOLD:
            say(one_line(f"{file}: {count(len(table.skipped) - TOLD, 'more row')} left out"),
                err=True)
        # A pipe's name (/dev/fd/63) says nothing: name the deck after -o, or "imported".
        piped = not file.is_file()
        stem = output.stem if piped and output else "imported" if piped else file.stem
        named = str(table.deck.get("deck") or "")
        new_id = _new_deck_id(deck_id or slug(named or stem),
                              deck_id is not None, output)
        target = output or user_decks_dir() / f"{new_id}.yaml"
        if target.exists():
            raise UsageError(f"{target}: already exists; choose another with -o")
        step("writing the deck")
        description = table.deck.get("description") or (
            "Imported from a pipe." if piped else f"Imported from {name_text(file.name)}.")
        text = deck_yaml(new_id, deck_title(stem, title or table.deck.get("title")) or new_id,
                         table.cards, table.sources, description=description,
                         year=table.deck.get("year"))
        size = len(text.encode("utf-8"))
        if size > MAX_BYTES:
            def size_text(n: int) -> str:
                return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n:,} bytes"

            raise UsageError(f"{file}: its {count(len(table.cards), 'card')} make a deck of "
                             f"{size_text(size)}, over the {size_text(MAX_BYTES)} a deck may "
                             "hold; split the file")
        step("checking the deck")
        try:
            deck = read_deck(text, str(target))
        except DeckError as e:
            for line in table_problems(file, table, text, e.problems[:20]):
                say(one_line(line), err=True)
            raise UsageError(f"{file}: these cards do not make a valid deck; nothing was "
                             "written") from None
        replace_file(target, text)
    ref = deck_ref(target, deck.id)
    left = f"; {count(len(table.skipped), 'row')} left out, told above" if table.skipped else ""
    say(f"Wrote {target} ({count(len(deck.cards), 'card')}{left}). Look it over, then "
        f"study it: quiz start {ref}")


def _progress(file: Path) -> Any:
    """A context whose value names the step under way: on a terminal, for a
    file big enough to take a while, a spinner on stderr says which;
    otherwise nothing is shown."""
    import contextlib
    import sys

    @contextlib.contextmanager
    def quiet() -> Iterator[Callable[[str], None]]:
        yield lambda what: None

    try:
        big = file.is_file() and file.stat().st_size > 1_000_000
    except OSError:
        big = False
    if not (big and sys.stderr.isatty()):
        return quiet()
    from rich.console import Console

    @contextlib.contextmanager
    def shown() -> Iterator[Callable[[str], None]]:
        with Console(stderr=True).status(f"Reading {file.name}") as status:
            yield lambda what: status.update(what.capitalize())

    return shown()


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

    from quiz.authoring.deckfile import name_text, slug
    from quiz.authoring.edit import deck_yaml
    from quiz.authoring.generate import draft, read_meta, to_cards
    from quiz.deck.loader import read_deck
    from quiz.deck.yamltree import MAX_BYTES
    from quiz.errors import Problem, UsageError
    from quiz.fileio import replace_file
    from quiz.paths import user_decks_dir
    from quiz.reading import read_capped
    from quiz.wording import count

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
               f"{deck_ref(target, deck.id)}")
    if meta.year_guessed:
        say(f"Its dates are read as in {meta.year}, the year the article mentions most "
                   "(its dateline has none). If it came out in another year, delete the file "
                   "and run again with --date YYYY-MM-DD.")
