"""quiz import of Anki packages: real packages from Anki (tests/fixtures/anki,
made by make_fixtures.py there) and from genanki, with review logs."""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quiz.authoring.apkg_decks import note_id
from quiz.cli import app
from quiz.deck.loader import load_deck

FIXTURES = Path(__file__).parent / "fixtures" / "anki"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
# answers in Anki's log (types 0-3; a manual change, type 4, is none) and the cards they are of
ANSWERS = sum(n for t, n in EXPECTED["revlog_types"].items() if t in "0123")
ANSWERED = sum(1 for c in EXPECTED["cards"].values() if c["revlog"])
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def reviews(db: Path) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT id, deck_id, card_id, rating, response_ms, mode, session_id "
                           "FROM reviews ORDER BY reviewed_at").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("name", ["current.apkg", "legacy.apkg", "collection.colpkg"])
def test_an_anki_package_makes_a_deck_per_anki_deck_with_its_history(
        name: str, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    out = tmp_path / "decks"
    r = run("import", str(FIXTURES / name), "-o", str(out), "--db", str(db))
    assert r.exit_code == 0, r.output
    media = out / f"{Path(name).stem}-media"
    assert r.stdout == (
        f"Imported 11 cards (3 decks in {out}: geography, geography-capitals, words) and "
        f"{ANSWERS} reviews of {ANSWERED} cards; 2 media files (images, sounds) kept in "
        f"{media}; the terminal shows their names.\n")
    assert r.stderr == (f"{FIXTURES / name}: 1 review log entry of manual changes (set due "
                        "date, reset, reschedule) left out: they are no answers.\n")
    assert sorted(p.name for p in media.iterdir()) == ["flag.png", "hello.mp3"]  # not unused.png
    assert (media / "flag.png").read_bytes().startswith(b"\x89PNG")
    geo = load_deck(out / "geography.yaml")
    capitals = load_deck(out / "geography-capitals.yaml")
    words = load_deck(out / "words.yaml")
    assert (geo.title, capitals.title) == ("Geography", "Geography / Capitals")
    cards = {c.question: c for d in (geo, capitals, words) for c in d.cards}
    kaz = cards["Capital of Kazakhstan?"]
    assert (kaz.type.value, kaz.answer, kaz.tags) == ("basic", "Astana\n(Nur-Sultan in 2022)",
                                                      ("asia", "geo"))
    assert cards["Flag of Japan?"].answer == "[image: flag.png]"
    assert cards["die Katze"].answer == "the cat [sound: hello.mp3]"
    assert cards["the dog"].id.endswith(":reverse") and cards["der Hund"].reverse
    cloze = [c for c in words.cards if c.note and ":c" in c.id]
    assert [(c.id.rsplit(":", 1)[1], c.question, c.answer) for c in cloze] == [
        ("c1", "The ___ sent troops to Kazakhstan.", "CSTO"),
        ("c2", "The CSTO sent troops to ___ (a country).", "Kazakhstan")]
    assert cloze[0].explain == "January 2022"
    # ids from the notes' GUIDs, siblings as quiz names them
    guids = {k.split(" ")[0] for k in EXPECTED["cards"]}
    assert {c.note or c.id for d in (geo, capitals, words) for c in d.cards} == {
        note_id(g) for g in guids}
    stored = reviews(db)
    assert len(stored) == ANSWERS
    assert all(r[0].startswith("anki:") and r[5] == "review" and r[6] is None for r in stored)
    assert {r[3] for r in stored} == {1, 2, 3, 4} and all(r[4] > 1000 for r in stored)
    con = sqlite3.connect(db)
    suspended = con.execute("SELECT card_id FROM card_marks WHERE suspended = 1").fetchall()
    stats = con.execute("SELECT sum(asked) FROM card_stats").fetchone()[0]
    con.close()
    assert suspended == [(cards["Suspended: capital of Mongolia?"].id,)] and stats == ANSWERS


def test_each_card_memory_and_due_follow_anki(tmp_path: Path) -> None:
    """Replayed through quiz's scheduler, each card's FSRS memory (stability)
    is Anki's own to 1% (the same FSRS-6 and default parameters, elapsed
    time in days from 4 am both). quiz books its own intervals (a plan for
    knowledge per review); under FSRS's own policy, which Anki follows,
    the due date is Anki's within a day or 15%, the span of Anki's fuzz.
    The card Anki rescheduled by hand is left out of the due check."""
    import tempfile

    from quiz.authoring.apkg import Package
    from quiz.authoring.apkg_decks import map_notes
    from quiz.authoring.apkg_history import replay
    from quiz.study.scheduling import Scheduler, Settings

    with Package(FIXTURES / "current.apkg") as p, tempfile.TemporaryDirectory() as t:
        col = p.collection(Path(t))
    mapped = map_notes(col, lambda n: n)
    where = {cid: ("d", card) for cid, (_deck, card) in mapped.cards.items()}
    now = dt.datetime.fromtimestamp(EXPECTED["now"] + 60, dt.UTC)
    day_start = dt.datetime.fromtimestamp(EXPECTED["crt"], dt.UTC)  # Anki's day starts
    history = replay(col.revlog, where, Scheduler(Settings(policy="retention", fuzz=False)),
                     now, day_start)
    states = {s.card_id: s for s in history.states}
    manual = {r.card_id for r in col.revlog if r.type == 4}
    checked = 0
    for card in col.cards:
        note = next(n for n in col.notes if n.id == card.note_id)
        anki = EXPECTED["cards"][f"{note.guid} {card.ord}"]
        state = states.get(where[card.id][1]) if card.id in where else None
        if state is None:  # never answered (the suspended one)
            assert anki["reps"] == 0
            continue
        assert state.stability == pytest.approx(anki["stability"], rel=0.01)
        if card.id in manual:
            continue
        due = state.due.timestamp()
        days = abs(due - anki["due_at"]) / 86400
        assert days <= max(1.0, 0.15 * anki["ivl"]), (card.id, days, anki["ivl"])
        checked += 1
    assert checked == 9


def test_a_second_import_updates_in_place_and_adds_no_reviews(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    out = tmp_path / "decks"
    apkg = FIXTURES / "current.apkg"
    random.seed(1)
    assert run("import", str(apkg), "-o", str(out), "--db", str(db)).exit_code == 0
    words = out / "words.yaml"
    first = {p.name: p.read_bytes() for p in out.glob("*.yaml")}
    state = sqlite3.connect(db).execute("SELECT card_id, due FROM card_state").fetchall()
    r = run("import", str(apkg), "-o", str(out), "--db", str(db))
    assert r.exit_code == 1
    assert r.stderr.startswith(f"quiz: {out / 'geography.yaml'}, ")
    assert r.stderr.endswith("imported from this package before; run again with --force to "
                             "update (cards you added there are kept)\n")
    # the learner adds a card of their own, then imports again
    words.write_text(words.read_text() + "  - id: mine\n    question: Q?\n    answer: A\n")
    r = run("import", str(apkg), "-o", str(out), "--db", str(db), "--force")
    assert r.exit_code == 0, r.output
    assert "and no new reviews (its history was imported before)" in r.stdout
    assert f"{words}: updated from the package; 1 card you added kept." in r.stderr
    assert len(reviews(db)) == ANSWERS
    assert sqlite3.connect(db).execute("SELECT card_id, due FROM card_state").fetchall() == state
    assert "mine" in {c.id for c in load_deck(words).cards}
    again = {p.name: p.read_bytes() for p in out.glob("*.yaml")}
    assert again.keys() == first.keys() and again["geography.yaml"] == first["geography.yaml"]
    assert sorted(p.name for p in (out / "current-media").iterdir()) == ["flag.png", "hello.mp3"]


def test_one_deck_tags_cards_with_their_anki_deck_and_no_history(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    out = tmp_path / "all.yaml"
    r = run("import", str(FIXTURES / "legacy.apkg"), "-o", str(out), "--db", str(db),
            "--one-deck", "--no-history")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"Imported 11 cards (1 deck in {tmp_path}: all); no history "
                               "(--no-history); 2 media files")
    deck = load_deck(out)
    assert deck.id == "all"
    assert {c.question: c.tags for c in deck.cards}["Capital of Kyrgyzstan?"] == (
        "asia", "Geography::Capitals")
    assert not db.exists()


# --- packages written by genanki, with review logs written as Anki lays them out ---

def genanki_package(path: Path, tmp: Path, media: dict[str, bytes] | None = None,
                    revlog: tuple[tuple[int, int, int, int], ...] = ()) -> dict[str, int]:
    """A legacy package (collection.anki2) with Basic, reversed, cloze and
    other notes in two decks; `revlog` rows are (card: its place among the
    cards sorted by 'GUID ORD', days ago, ease, type). Returns 'GUID ORD' ->
    Anki card id."""
    import genanki

    basic = genanki.Model(1, "Basic", fields=[{"name": "Front"}, {"name": "Back"}],
                          templates=[{"name": "Card 1", "qfmt": "{{Front}}",
                                      "afmt": "{{Back}}"}])
    both = genanki.Model(2, "Basic (and reversed card)",
                         fields=[{"name": "Front"}, {"name": "Back"}],
                         templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"},
                                    {"name": "Card 2", "qfmt": "{{Back}}",
                                     "afmt": "{{Front}}"}])
    other = genanki.Model(4, "Vocab (3 fields)", fields=[{"name": "Word"}, {"name": "Meaning"},
                                                         {"name": "Example"}],
                          templates=[{"name": "Card 1", "qfmt": "{{Word}}",
                                      "afmt": "{{Meaning}}"}])
    a = genanki.Deck(10, "Alpha")
    b = genanki.Deck(20, "Beta::Sub")
    notes = [
        (a, genanki.Note(basic, ["Capital of <i>France</i>?", "Paris"], tags=["geo"],
                         guid="plainGuid1")),
        (a, genanki.Note(basic, ["Which flag?", '<img src="../../evil.yaml">'], guid="x/y!z")),
        (b, genanki.Note(both, ["chien", "dog"], tags=["fr", "animals"], guid="g2")),
        (b, genanki.Note(genanki.CLOZE_MODEL, ["{{c1::Rome}} is in {{c2::Italy}}.", "Extra"],
                         guid="g3")),
        (b, genanki.Note(other, ["Haus", "house", "Das Haus ist alt."], guid="g4")),
    ]
    for deck, note in notes:
        deck.add_note(note)
    package = genanki.Package([a, b])
    files = []
    for name, data in (media or {}).items():
        f = tmp / name.replace("/", "_")
        f.write_bytes(data)
        files.append(str(f))
    package.media_files = files
    package.write_to_file(str(path))
    # the review log, and names as the notes give them in the media list
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    col = tmp / "collection.anki2"
    col.write_bytes(members["collection.anki2"])
    con = sqlite3.connect(col)
    ids = {}
    for cid, guid, ord_ in con.execute("SELECT c.id, n.guid, c.ord FROM cards c JOIN notes n "
                                       "ON n.id = c.nid"):
        ids[f"{guid} {ord_}"] = cid
    now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    keys = sorted(ids)
    for n, (card, days, ease, kind) in enumerate(revlog):
        con.execute("INSERT INTO revlog VALUES (?, ?, -1, ?, 1, 0, 2500, ?, ?)",
                    (now_ms - days * 86_400_000 + n, ids[keys[card]], ease, 3000 + n, kind))
    con.execute("UPDATE cards SET queue = -1 WHERE id = ?", (ids["plainGuid1 0"],))
    con.commit()
    con.close()
    names = json.loads(members["media"])
    if media:
        names = {str(i): name for i, name in enumerate(media)}
    with zipfile.ZipFile(path, "w") as z:
        z.write(col, "collection.anki2")
        z.writestr("media", json.dumps(names))
        for i, data in enumerate((media or {}).values()):
            z.writestr(str(i), data)
    return ids


def test_a_genanki_package_maps_every_note_type(tmp_path: Path) -> None:
    apkg = tmp_path / "made.apkg"
    genanki_package(apkg, tmp_path, media={"../../evil.yaml": PNG}, revlog=(
        (0, 30, 3, 0), (0, 20, 3, 1), (0, 5, 1, 1), (0, 5, 3, 2), (0, 2, 0, 4),
        (5, 3, 3, 0), (5, 1, 4, 1)))
    db = tmp_path / "h.sqlite3"
    out = tmp_path / "out"
    r = run("import", str(apkg), "-o", str(out), "--db", str(db))
    assert r.exit_code == 0, r.output
    assert r.stdout == (
        f"Imported 7 cards (2 decks in {out}: alpha, beta-sub) and 6 reviews of 2 cards; "
        f"1 media file (images, sounds) kept in {out / 'made-media'}; the terminal shows "
        "their names.\n")
    assert r.stderr == (
        f"{apkg}: note types quiz has no layout for, imported as flip cards of their first "
        "two fields (the others as the explanation): Vocab (3 fields) (1 note).\n"
        f"{apkg}: 1 review log entry of manual changes (set due date, reset, reschedule) "
        "left out: they are no answers.\n")
    # the media file's name lost its path and its deck suffix
    assert [p.name for p in (out / "made-media").iterdir()] == ["evil.yaml.txt"]
    alpha = load_deck(out / "alpha.yaml")
    beta = load_deck(out / "beta-sub.yaml")
    assert [(c.id, c.question, c.answer) for c in alpha.cards] == [
        ("anki-plainGuid1", "Capital of France?", "Paris"),
        (f"anki.{b'x/y!z'.hex()}", "Which flag?", "[image: evil.yaml.txt]")]
    assert [c.id for c in beta.cards] == ["anki-g2", "anki-g2:reverse", "anki-g3:c1",
                                          "anki-g3:c2", "anki-g4"]
    assert beta.cards[4].explain == "Das Haus ist alt."
    stored = reviews(db)
    assert len(stored) == 6 and len({r[2] for r in stored}) == 2  # the manual row left out
    assert [r[4] for r in stored] == [3000, 3001, 3002, 3003, 3005, 3006]  # time to answer
    con = sqlite3.connect(db)
    assert con.execute("SELECT card_id FROM card_marks WHERE suspended = 1").fetchall() == [
        ("anki-plainGuid1",)]
    con.close()


def test_a_damaged_zip_is_one_line(tmp_path: Path) -> None:
    good = (FIXTURES / "legacy.apkg").read_bytes()
    cut = tmp_path / "cut.apkg"
    cut.write_bytes(good[: len(good) // 2])
    r = run("import", str(cut), "--db", str(tmp_path / "h.sqlite3"))
    assert r.exit_code == 1
    assert r.stderr.startswith(f"quiz: {cut}: a damaged zip archive (")
    assert r.stderr.endswith("); if it is an Anki package, export it from Anki again\n")
    assert r.stderr.count("\n") == 1


def test_a_zip_that_is_no_anki_package(tmp_path: Path) -> None:
    other = tmp_path / "photos.apkg"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("photo.jpg", b"\xff\xd8")
    r = run("import", str(other))
    assert (r.exit_code, r.stderr) == (1, (
        f"quiz: {other}: not a format quiz imports (it reads apkg, colpkg, csv, tsv, txt, md); "
        "this zip archive holds no Anki collection\n"))


def test_an_unrecognised_file_is_one_line(tmp_path: Path) -> None:
    picture = tmp_path / "deck.png"
    picture.write_bytes(PNG)
    r = run("import", str(picture))
    assert (r.exit_code, r.stderr) == (1, (
        f"quiz: {picture}: not a format quiz imports (it reads apkg, colpkg, csv, tsv, txt, md); "
        "it is not text (it holds NUL bytes)\n"))


def test_a_zip_bomb_stops_at_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import quiz.authoring.apkg as apkg

    bomb = tmp_path / "bomb.apkg"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("collection.anki2", b"\0" * (8 * apkg.MIB))  # 8 KiB packed
    assert bomb.stat().st_size < 64 * 1024
    monkeypatch.setattr(apkg, "MAX_COLLECTION_BYTES", 2 * apkg.MIB)
    r = run("import", str(bomb))
    assert (r.exit_code, r.stderr) == (1, (
        f"quiz: {bomb}: collection.anki2 unpacks to over 2 MiB; quiz reads at most that much "
        "(is it a zip bomb?)\n"))


def test_a_collection_that_is_no_database(tmp_path: Path) -> None:
    fake = tmp_path / "fake.colpkg"
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("collection.anki21", b"SQLite format 3\0" + b"\xff" * 600)
    r = run("import", str(fake))
    assert r.exit_code == 1 and r.stderr.startswith(f"quiz: {fake}: the Anki collection in it ")
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.output


@pytest.mark.parametrize("error", ["exists", "disk"])
def test_a_media_file_that_cannot_be_written_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: str) -> None:
    """A file that appears between the check and the write (exclusive
    create), or a disk error, stops the import with one line, not a
    traceback; a cut file is not left behind."""
    apkg = tmp_path / "made.apkg"
    genanki_package(apkg, tmp_path, media={"../../evil.yaml": PNG})
    out = tmp_path / "out"
    media = out / "made-media" / "evil.yaml.txt"
    real_open = Path.open

    def racing_open(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self == media and mode == "xb":
            if error == "exists":
                media.write_bytes(b"someone else's")
                raise FileExistsError(17, "File exists", str(self))
            f = real_open(self, mode, *args, **kwargs)
            f.close()
            raise OSError(28, "No space left on device")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", racing_open)
    r = run("import", str(apkg), "-o", str(out), "--no-history")
    assert r.exit_code == 1
    if error == "exists":
        assert r.stderr == (f"quiz: {media}: a file appeared there during the import and was "
                            "left as it is; import again to keep the media under other "
                            "names\n")
        assert media.read_bytes() == b"someone else's"
    else:
        assert r.stderr == (f"quiz: {media}: could not write the media file (No space left "
                            "on device); is the disk full?\n")
        assert not media.exists()
