"""`quiz import PACKAGE.apkg|.colpkg`: an Anki package's decks, media and
history into quiz (the command itself is in `authoring`)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from quiz.cli import clock
from quiz.cli.app import open_store_at, say
from quiz.errors import DeckError, UsageError
from quiz.textsafe import one_line
from quiz.wording import count

if TYPE_CHECKING:
    from quiz.authoring.apkg_decks import DeckPlan
    from quiz.models import Deck


@dataclass
class Target:
    """One deck file to write: the plan, its id and path, and what an
    earlier import left there (None: a new file)."""

    plan: DeckPlan
    deck_id: str
    path: Path
    previous: Deck | None = None
    kept: list[dict[str, Any]] = field(default_factory=list)  # the learner's own cards
    dropped: int = 0  # imported cards no longer in the package
    text: str = ""
    deck: Deck | None = None


def import_package(file: Path, output: Path | None, deck_id: str | None, title: str | None,
                   one_deck: bool, force: bool, no_history: bool, db: str | None) -> None:
    import tempfile

    from quiz.authoring.anki import media_names
    from quiz.authoring.apkg import Package
    from quiz.authoring.apkg_decks import map_notes
    from quiz.authoring.apkg_media import keep, stage
    from quiz.authoring.deckfile import deck_title, slug
    from quiz.paths import user_decks_dir

    single = output is not None and output.suffix in (".yaml", ".yml")
    folder = (output.parent if single else output) if output else user_decks_dir()
    assert folder is not None
    with Package(file) as package, tempfile.TemporaryDirectory(prefix="quiz-apkg-") as tmp:
        col = package.collection(Path(tmp))
        named = [n for note in col.notes for f in note.fields for n in media_names(f)]
        media_dir = folder / f"{slug(file.stem)}-media"
        staged = stage(package, col.media, named, media_dir, Path(tmp))
        one = one_deck or single or deck_id is not None
        one_name = (deck_title(file.stem, title) or "imported") if one else None
        mapped = map_notes(col, staged.name, one_deck=one_name)
        if not mapped.decks:
            raise UsageError(f"{file}: no notes with anything to ask in this Anki package")
        if len(mapped.decks) > 1 and title is not None:
            raise UsageError(f"--title names one deck; {file} holds "
                             f"{len(mapped.decks)} Anki decks (add --one-deck)")
        targets = _targets(file, mapped.decks, folder, output if single else None, deck_id)
        for t in targets:
            _build(file, t, title)
        _confirm(targets, force)
        keep(staged)
        from quiz.fileio import replace_file

        for t in targets:
            replace_file(t.path, t.text)
    # the history, against the cards the decks really have
    where: dict[int, tuple[str, str]] = {}
    by_name = {t.plan.name: t for t in targets}
    for cid, (name, card_id) in mapped.cards.items():
        t = by_name[name]
        assert t.deck is not None
        if any(c.id == card_id for c in t.deck.cards):
            where[cid] = (t.deck_id, card_id)
    cards = sum(len(t.deck.cards) for t in targets if t.deck)
    decks = ", ".join(t.deck_id for t in targets[:4]) + (
        f" and {len(targets) - 4} more" if len(targets) > 4 else "")
    head = (f"Imported {count(cards, 'card')} ({count(len(targets), 'deck')} in {folder}: "
            f"{decks})")
    history = _history(col, where, targets, db) if not no_history else None
    if history is None:
        line = f"{head}; no history (--no-history)"
    elif history[0]:
        line = f"{head} and {count(history[0], 'review')} of {count(history[1], 'card')}"
    elif not col.revlog:
        line = f"{head}; the package holds no reviews"
    else:
        line = f"{head} and no new reviews (its history was imported before)"
    if staged.kept:
        line += (f"; {count(staged.kept, 'media file')} (images, sounds) kept in {media_dir}; "
                 "the terminal shows their names")
    say(one_line(line + "."))
    _notes(file, mapped, staged, targets, history)


def _targets(file: Path, plans: dict[str, DeckPlan], folder: Path, single: Path | None,
             deck_id: str | None) -> list[Target]:
    """Where each deck goes: a new file with an id no deck quiz reads has,
    or the file an earlier import of this package wrote (found by its id
    and its cards, whose ids come from the notes' GUIDs)."""
    from quiz.authoring.deckfile import slug
    from quiz.deck.catalog import scan
    from quiz.deck.loader import load_deck

    held = {e.deck.id: e.path.resolve() for e in scan() if e.deck is not None}
    chosen: set[str] = set()
    out = []
    for name, plan in plans.items():
        ours = {c["id"] for c in plan.cards}
        wanted = deck_id or (None if single else plan.meta.get("id")) or slug(
            single.stem if single else name.replace("::", " "))
        n = 1
        while True:
            candidate = wanted if n == 1 else f"{wanted}-{n}"
            n += 1
            path = single or folder / f"{candidate}.yaml"
            previous = None
            if path.exists():
                try:
                    previous = load_deck(path)
                except DeckError:
                    previous = None
                earlier = previous is not None and previous.id == candidate and bool(
                    {c.note or c.id for c in previous.cards} & ours)
                if not earlier:
                    if single or deck_id:
                        raise UsageError(f"{path}: already exists, and not from an earlier "
                                         "import of this package; choose another with -o")
                    continue
            elif candidate in chosen or (held.get(candidate, path.resolve())
                                         != path.resolve()):
                if deck_id:
                    raise UsageError(f"deck id '{candidate}' is already used by "
                                     f"{held.get(candidate)}; choose another with --id")
                continue
            break
        if n > 2 and previous is None:
            say(one_line(f"The id '{wanted}' is taken, so the Anki deck '{name}' is "
                         f"'{candidate}'."), err=True)
        chosen.add(candidate)
        out.append(Target(plan, candidate, path, previous))
    return out


def _build(file: Path, t: Target, title: str | None) -> None:
    """The deck's text, checked: the package's cards, then those the learner
    added to the file an earlier import wrote."""
    from quiz.authoring.deckfile import deck_title, name_text
    from quiz.authoring.edit import deck_yaml
    from quiz.deck.loader import read_deck
    from quiz.errors import DeckError

    sources: dict[str, dict[str, str]] = {}
    if t.previous is not None:
        ours = {c["id"] for c in t.plan.cards}
        t.kept, t.dropped, sources = _own_cards(t.path, ours)
    meta = t.plan.meta  # a deck quiz exported: its own title, description, year, sources
    sources = {**sources, **meta.get("sources", {})}
    text = deck_yaml(t.deck_id, deck_title(t.plan.name.replace("::", " / "),
                                           title or meta.get("title")) or t.deck_id,
                     [*t.plan.cards, *t.kept], sources or None,
                     description=meta.get("description") or (
                         f"Imported from the Anki deck '{name_text(t.plan.name)}' of "
                         f"{name_text(file.name)}."), year=meta.get("year"))
    try:
        t.deck = read_deck(text, str(t.path))
    except DeckError as e:
        for p in e.problems[:20]:
            say(one_line(f"{file}: {t.plan.name}: {p.message}"), err=True)
        raise UsageError(f"{file}: the Anki deck '{name_text(t.plan.name)}' does not make a "
                         "valid deck; nothing was written") from None
    t.text = text


def _own_cards(path: Path, ours: set[str]) -> tuple[list[dict[str, Any]], int,
                                                    dict[str, dict[str, str]]]:
    """The cards of the deck file `path` that no Anki note made (the
    learner's own, kept), how many imported cards left the package, and the
    file's sources."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    kept, dropped = [], 0
    for card in data.get("cards") or []:
        cid = str(card.get("id", ""))
        if cid in ours:
            continue
        if cid.startswith(("anki-", "anki.")):
            dropped += 1
        else:
            kept.append(dict(card))
    sources = data.get("sources") or {}
    return kept, dropped, {str(k): {str(a): str(b) for a, b in v.items()}
                           for k, v in sources.items() if isinstance(v, dict)}


def _confirm(targets: list[Target], force: bool) -> None:
    again = [t for t in targets if t.previous is not None]
    if not again or force:
        return
    paths = ", ".join(str(t.path) for t in again)
    if not sys.stdin.isatty():
        raise UsageError(f"{paths}: imported from this package before; run again with "
                         "--force to update (cards you added there are kept)")
    if not typer.confirm(one_line(f"Update {paths}, imported from this package before? "
                                  "(cards you added there are kept)"), default=False):
        raise UsageError("nothing was written")


def _history(col: Any, where: dict[int, tuple[str, str]], targets: list[Target],
             db: str | None) -> tuple[int, int, Any]:
    from quiz.authoring.apkg_history import replay
    from quiz.study.preferences import learner_settings
    from quiz.study.scheduling import Scheduler

    now, day_began = clock.now_and_day_start()
    with open_store_at(db) as store:
        scheduler = Scheduler(learner_settings(store.setting))
        history = replay(col.revlog, where, scheduler, now, day_began)
        suspended = [where[c.id] for c in col.cards if c.queue == -1 and c.id in where]
        counts = store.import_history(history.reviews, history.states, suspended)
        for t in targets:
            assert t.deck is not None
            store.sync_deck(t.deck.id, t.deck.title,
                            ((c.id, c.question, c.tags) for c in t.deck.cards), now,
                            t.deck.digest)
    cards = len({(r.deck_id, r.card_id) for r in history.reviews})
    return counts.reviews, cards, (history, counts)


def _notes(file: Path, mapped: Any, staged: Any, targets: list[Target],
           history: tuple[int, int, Any] | None) -> None:
    """What was not kept as it was in Anki, a line each."""
    notes = []
    if mapped.other_types:
        kinds = ", ".join(f"{k} ({count(n, 'note')})" for k, n in mapped.other_types.items())
        notes.append(f"note types quiz has no layout for, imported as flip cards of their "
                     f"first two fields (the others as the explanation): {kinds}")
    if mapped.skipped:
        notes.append(f"{count(mapped.skipped, 'note')} with nothing to ask (an empty front, "
                     "a cloze with no blank) left out")
    if mapped.unmapped:
        notes.append(f"{count(mapped.unmapped, 'Anki card')} with no card in quiz (a third "
                     "template of a note type, say): their history is left out")
    if mapped.cut:
        notes.append(f"{count(mapped.cut, 'field')} cut to the 20,000 characters a deck holds")
    if staged.missing:
        notes.append(f"{count(len(staged.missing), 'media file')} named by notes but not in "
                     "the package; the cards show their names")
    if staged.too_big:
        notes.append(f"{count(len(staged.too_big), 'media file')} over the size quiz keeps "
                     "left out")
    for t in targets:
        if t.previous is not None:
            notes.append(f"{t.path}: updated from the package" + (
                f"; {count(len(t.kept), 'card')} you added kept" if t.kept else "") + (
                f"; {count(t.dropped, 'card')} no longer in the package removed"
                if t.dropped else ""))
    if history is not None:
        h, counts = history[2]
        if h.left_out:
            notes.append(f"{count(h.left_out, 'review log entry')} of manual changes "
                         "(set due date, reset, reschedule) left out: they are no answers")
        if h.misdated:
            notes.append(f"{count(h.misdated, 'review log entry')} dated before 2006 or "
                         "in the future left out")
        if counts.kept:
            notes.append(f"{count(counts.kept, 'card')} reviewed in quiz since keep "
                         "quiz's schedule")
    for n in notes:
        say(one_line(f"{file}: {n}."), err=True)
