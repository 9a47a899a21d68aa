"""The parsed-deck cache: used when the bytes match, ignored when it cannot help."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from quiz import paths
from quiz.deck import cache as deckcache
from quiz.deck import loader
from quiz.deck.loader import load_deck
from quiz.errors import DeckError


def big_deck(n: int = 800, answer: str = "yes") -> str:
    cards = "".join(f"  - id: c{i}\n    question: Question number {i}, long enough?\n"
                    f"    answer: {answer}{i}\n    tags: [t{i % 5}]\n" for i in range(n))
    return f"id: big\ntitle: Big\ncards:\n{cards}"


@pytest.fixture
def deck_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.yaml"
    path.write_text(big_deck())
    assert path.stat().st_size >= deckcache.MIN_BYTES
    return path


def entries() -> list[Path]:
    """The entries in the cache folder, whatever their format."""
    folder = paths.cache_dir() / "decks"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def every_type_deck(n: int = 60) -> str:
    """A deck with a card of every type, and every optional field, n times."""
    cards = []
    for i in range(n):
        cards.append(
            f"  - id: text{i}\n    question: Who wrote report {i}?\n    answer: Author {i}\n"
            f"    accept: [A{i}, Auth {i}]\n    tags: [people, t{i % 3}]\n    source: s1\n"
            f"    explain: Because of reason {i}.\n    kind: person\n"
            f"    context: In the report of that week.\n"
            f"  - id: choice{i}\n    type: choice\n    question: Which city, case {i}?\n"
            f"    answer: City {i}\n    choices: [City {i}, Town {i}, Village {i}]\n"
            f"  - id: multi{i}\n    type: multi\n    question: Which members, case {i}?\n"
            f"    answer: [Armenia, Russia]\n    choices: [Armenia, Georgia, Russia]\n"
            f"  - id: number{i}\n    question: How many troops, case {i}?\n"
            f"    answer: {2000 + i}\n    tolerance: 5\n    qualifier: more than\n"
            f"    unit: soldiers\n"
            f"  - id: float{i}\n    question: What share, case {i}?\n    answer: {i}.5\n"
            f"  - id: date{i}\n    question: When did event {i} happen?\n"
            f"    answer: 2022-01-{1 + i % 28:02d}\n"
            f"  - id: tf{i}\n    type: truefalse\n    question: Was claim {i} true?\n"
            f"    answer: {'true' if i % 2 else 'false'}\n"
            f"  - id: order{i}\n    type: order\n    question: Put steps of case {i} in order.\n"
            f"    answer: [First {i}, Second {i}, Third {i}]\n"
            f"  - id: cloze{i}\n    type: cloze\n    question: The capital, case {i}, is ___.\n"
            f"    answer: Astana {i}\n    draft: true\n")
    return ("id: every\ntitle: Every type\ndescription: All of them.\nyear: 2022\n"
            "sources:\n  s1:\n    outlet: TASS\n    date: 2022-01-10\n    title: A report\n"
            "    url: https://example.org/a\n  s2:\n    outlet: TASS\n    date: 2022-01\n"
            "    title: Another\ncards:\n" + "".join(cards))


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the decks read_deck parsed (not taken from the cache)."""
    seen: list[str] = []
    real = loader.read_deck

    def counting(data: bytes | str, name: str) -> Any:
        seen.append(name)
        return real(data, name)

    monkeypatch.setattr(loader, "read_deck", counting)
    return seen


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object) -> None:
        raise AssertionError("the deck was parsed again")

    monkeypatch.setattr(loader, "read_deck", fail)


def test_second_load_comes_from_the_cache_and_is_equal(
        deck_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_deck(deck_file)
    assert len(entries()) == 1
    no_parsing(monkeypatch)
    again = load_deck(deck_file)
    assert again == first and again.path == deck_file
    assert len(again.cards) == 800 and again.cards[5].answer == "yes5"


def test_an_edited_deck_is_parsed_again(deck_file: Path) -> None:
    load_deck(deck_file)
    deck_file.write_text(big_deck(answer="no"))
    assert load_deck(deck_file).cards[5].answer == "no5"
    assert len(entries()) == 2


def test_the_digest_follows_the_bytes_and_names_the_entry(deck_file: Path,
                                                          tmp_path: Path) -> None:
    first = load_deck(deck_file)
    assert first.digest is not None
    assert [p.stem for p in entries()] == [first.digest]
    assert load_deck(deck_file).digest == first.digest  # cached: the same digest
    small = tmp_path / "small.yaml"  # not cached, digested all the same
    small.write_text("id: s\ntitle: S\ncards:\n  - {id: a, question: Q?, answer: x}\n")
    small_digest = load_deck(small).digest
    assert small_digest is not None and small_digest != first.digest
    small.write_text("id: s\ntitle: S\ncards:\n  - {id: a, question: Q?, answer: y}\n")
    assert load_deck(small).digest not in (small_digest, None)


def test_a_broken_deck_is_never_cached(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(big_deck() + "  - id: c1\n    question: Again?\n    answer: x\n")
    for _ in range(2):  # the same report both times
        with pytest.raises(DeckError, match="duplicate card id 'c1'"):
            load_deck(path)
    assert entries() == []


def test_a_damaged_entry_means_parsing_again(deck_file: Path) -> None:
    first = load_deck(deck_file)
    [entry] = entries()
    entry.write_bytes(b"not an entry")
    assert load_deck(deck_file) == first
    entry.write_bytes(entry.read_bytes()[:100])  # rewritten whole by the reload, then cut
    assert load_deck(deck_file) == first


def test_an_unwritable_cache_folder_is_ignored(deck_file: Path) -> None:
    paths.cache_dir().parent.mkdir(parents=True, exist_ok=True)
    paths.cache_dir().write_text("a file where the folder should be")
    assert len(load_deck(deck_file).cards) == 800
    assert len(load_deck(deck_file).cards) == 800


def test_small_decks_are_not_cached(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(big_deck(5))
    load_deck(path)
    assert entries() == []


def test_the_cache_keeps_the_most_recent_entries(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deckcache, "MAX_ENTRIES", 2)
    for i in range(4):
        path = tmp_path / f"d{i}.yaml"
        path.write_text(big_deck(answer=f"v{i}"))
        load_deck(path)
    assert len(entries()) == 2


def test_cache_off_parses(deck_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_deck(deck_file)
    no_parsing(monkeypatch)
    with pytest.raises(AssertionError, match="parsed again"):
        load_deck(deck_file, cache=False)


posix = pytest.mark.skipif(not hasattr(os, "getuid") or not hasattr(os, "mkfifo"),
                           reason="POSIX owners, modes and FIFOs")


@pytest.fixture
def every_file(tmp_path: Path) -> Path:
    path = tmp_path / "every.yaml"
    path.write_text(every_type_deck(70))
    assert path.stat().st_size >= deckcache.MIN_BYTES
    return path


def test_real_decks_come_back_from_the_cache_equal_field_for_field(
        every_file: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]) -> None:
    """Every card type and optional field survives the round trip, with
    its type: `==` alone would take 1 for True and 2000.0 for 2000."""
    monkeypatch.setattr(deckcache, "MIN_BYTES", 0)  # the bundled decks are small
    decks = [*sorted(paths.bundled_decks_dir().glob("*.yaml")), every_file]
    assert len(decks) > 1
    for path in decks:
        first = load_deck(path)
        again = load_deck(path)
        assert again == first and again.sources == first.sources
        assert [[type(v) for v in dataclasses.astuple(c)] for c in again.cards] == \
               [[type(v) for v in dataclasses.astuple(c)] for c in first.cards]
    assert parses == [str(p) for p in decks]  # each parsed once, then read back
    for entry in entries():
        assert json.loads(entry.read_bytes())["cards"]  # plain data


def test_no_pickle_anywhere_in_the_package() -> None:
    """Unpickling runs code: nothing of quiz's may load a pickle (or a
    shelve or marshal), imported by name or through __import__."""
    import ast

    banned = {"pickle", "_pickle", "cPickle", "shelve", "marshal", "dill", "cloudpickle",
              "jsonpickle"}
    sources = sorted(paths.PACKAGE_DIR.rglob("*.py"))
    assert paths.PACKAGE_DIR / "deck" / "cache.py" in sources
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names = [node.value]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in banned, f"{path.name}:{node.lineno}: {name}"


@posix
def test_an_entry_left_by_an_old_quiz_is_never_unpickled_and_is_trimmed(
        deck_file: Path, tmp_path: Path, parses: list[str]) -> None:
    import pickle

    marker = tmp_path / "the-pickle-ran"

    class Plant:
        def __reduce__(self) -> tuple[Any, ...]:
            return os.mkdir, (str(marker),)

    first = load_deck(deck_file)
    for entry in entries():
        entry.unlink()
    assert first.digest is not None
    old = paths.cache_dir() / "decks" / f"{first.digest}.pickle"
    old.write_bytes(pickle.dumps(Plant()))
    old.chmod(0o600)  # as an old quiz wrote them
    assert load_deck(deck_file) == first
    assert not marker.exists()
    assert len(parses) == 2 and not old.exists()  # parsed again; the trim removed it
    assert load_deck(deck_file) == first and len(parses) == 2


@posix
def test_a_symlink_entry_is_not_followed(deck_file: Path, tmp_path: Path,
                                         parses: list[str]) -> None:
    """A link planted where an entry goes, to a file of the user's that
    holds a valid entry (here: the real one), is a miss: the deck is parsed."""
    first = load_deck(deck_file)
    [entry] = entries()
    target = tmp_path / "downloaded"
    entry.rename(target)
    entry.symlink_to(target)
    target.chmod(0o600)
    kept = target.read_bytes()
    assert load_deck(deck_file) == first
    assert len(parses) == 2
    assert not entry.is_symlink()  # replaced by a real entry...
    assert target.read_bytes() == kept  # ...not written through the link
    assert load_deck(deck_file) == first and len(parses) == 2


CHILD = """
import json, sys
from pathlib import Path
from quiz.deck import loader
parsed = []
real = loader.read_deck
loader.read_deck = lambda data, name: parsed.append(name) or real(data, name)
deck = loader.load_deck(Path(sys.argv[1]))
print(json.dumps({"cards": len(deck.cards), "parsed": len(parsed)}))
"""


def load_in_child(path: Path) -> dict[str, int]:
    """load_deck in a child process that is killed if it hangs."""
    try:
        out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                             text=True, timeout=60, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail("load_deck hung")
    return dict(json.loads(out.stdout))


@posix
@pytest.mark.parametrize("how", ["a FIFO", "a link to a FIFO"])
def test_a_fifo_entry_does_not_hang(deck_file: Path, tmp_path: Path, how: str) -> None:
    load_deck(deck_file)
    [entry] = entries()
    entry.unlink()
    if how == "a FIFO":
        os.mkfifo(entry, 0o600)
    else:
        os.mkfifo(tmp_path / "fifo", 0o600)
        entry.symlink_to(tmp_path / "fifo")
    assert load_in_child(deck_file) == {"cards": 800, "parsed": 1}


@posix
def test_cache_folders_are_created_private_whatever_the_umask(deck_file: Path) -> None:
    mask = os.umask(0o002)  # a shared group's usual umask
    try:
        load_deck(deck_file)
    finally:
        os.umask(mask)
    assert len(entries()) == 1
    for folder in (paths.cache_dir(), paths.cache_dir() / "decks"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


@posix
def test_a_folder_others_can_write_is_not_read_then_tightened_and_its_entries_removed(
        deck_file: Path, parses: list[str]) -> None:
    """Files in it named as entries could be anyone's: removed. Nothing
    else in it is touched."""
    first = load_deck(deck_file)
    folder = paths.cache_dir() / "decks"
    folder.chmod(0o770)
    [entry] = entries()
    planted = folder / ("0" * 40 + ".json")
    planted.write_text("{}")
    notes = folder / "notes.txt"
    notes.write_text("not an entry: kept")
    assert load_deck(deck_file) == first and len(parses) == 2  # not read from there
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not planted.exists() and notes.read_text() == "not an entry: kept"
    assert entry.exists()  # written anew
    assert load_deck(deck_file) == first and len(parses) == 2  # the new entry is used


@posix
def test_a_cache_folder_others_can_write_is_tightened(deck_file: Path,
                                                      parses: list[str]) -> None:
    """Its `decks` folder is still private (nobody else could put anything
    in it, nor swap it for a link or a folder of theirs unnoticed)."""
    first = load_deck(deck_file)
    paths.cache_dir().chmod(0o777)
    assert load_deck(deck_file) == first and len(parses) == 1
    assert stat.S_IMODE(paths.cache_dir().stat().st_mode) == 0o700


@posix
@pytest.mark.parametrize("link", ["cache", "decks"])
def test_a_link_planted_as_a_cache_folder_is_not_followed(
        deck_file: Path, parses: list[str], tmp_path: Path, link: str) -> None:
    """`cache -> .` made the cache folder the user's own deck folder, whose
    decks the old trim deleted. A link at either level means no cache: the
    folder it points to is left exactly as it was."""
    mine = tmp_path / "my-decks"
    mine.mkdir()
    mine.chmod(0o775)
    (mine / "mydeck.yaml").write_text("id: mine\n")
    (mine / ("1" * 40 + ".json")).write_text("a file of mine that looks like an entry")
    before = sorted((p.name, p.read_bytes()) for p in mine.iterdir())
    root = paths.cache_dir()
    if link == "cache":
        root.parent.mkdir(parents=True, exist_ok=True)
        root.symlink_to(mine)
    else:
        root.mkdir(mode=0o700, parents=True)
        (root / "decks").symlink_to(mine)
    for _ in range(2):
        load_deck(deck_file)
    assert len(parses) == 2  # parsed each time: no cache
    assert sorted((p.name, p.read_bytes()) for p in mine.iterdir()) == before
    assert stat.S_IMODE(mine.stat().st_mode) == 0o775


@posix
@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_an_entry_others_can_write_is_a_miss(deck_file: Path, parses: list[str],
                                             mode: int) -> None:
    first = load_deck(deck_file)
    [entry] = entries()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    entry.chmod(mode)
    assert load_deck(deck_file) == first and len(parses) == 2
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600  # written again
    assert load_deck(deck_file) == first and len(parses) == 2


@posix
def test_an_entry_of_another_user_is_a_miss(deck_file: Path, parses: list[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_deck(deck_file)
    with monkeypatch.context() as m:
        m.setattr(os, "getuid", lambda: os.stat(deck_file).st_uid + 1)
        assert load_deck(deck_file) == first and len(parses) == 2
    assert load_deck(deck_file) == first and len(parses) == 2  # our own entry is used


@posix
def test_a_hard_linked_entry_is_a_miss(deck_file: Path, tmp_path: Path,
                                       parses: list[str]) -> None:
    """quiz's entries have one link; a second one means someone linked a
    file of the user's in (or the entry out)."""
    first = load_deck(deck_file)
    [entry] = entries()
    os.link(entry, tmp_path / "elsewhere")
    assert load_deck(deck_file) == first and len(parses) == 2


def test_an_oversized_entry_is_not_read(deck_file: Path, parses: list[str]) -> None:
    first = load_deck(deck_file)
    [entry] = entries()
    size = deck_file.stat().st_size
    with entry.open("ab") as f:  # still valid JSON: trailing white space
        f.write(b" " * (8 * size + (1 << 20)))
    assert load_deck(deck_file) == first and len(parses) == 2


def _index(e: dict[str, Any], card_type: str) -> int:
    return int(e["cards"]["type"].index(card_type))


def _set(where: Callable[[Any], Any], key: Any, value: Any) -> Callable[[Any], Any]:
    def mutate(e: Any) -> Any:
        where(e)[key(e) if callable(key) else key] = value
        return e
    return mutate


def _answer(card_type: str, value: Any) -> Callable[[Any], Any]:
    return _set(lambda e: e["cards"]["answer"], lambda e: _index(e, card_type), value)


def _card(column: str, value: Any, card_type: str = "text") -> Callable[[Any], Any]:
    return _set(lambda e: e["cards"][column], lambda e: _index(e, card_type), value)


def _do(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda e: (f(e), e)[1]


CRAFTED: dict[str, Callable[[Any], Any]] = {
    "a date answer as a number": _answer("date", 20220101),
    "a date answer that is no date": _answer("date", "2022-02-30"),
    "a truefalse answer as a number": _answer("truefalse", 1),
    "a number answer as text": _answer("number", "2000"),
    "a number answer as a boolean": _answer("number", True),
    "a text answer as a list": _answer("text", ["Author 0"]),
    "a multi answer with a number": _answer("multi", ["Armenia", 2]),
    "an order answer as text": _answer("order", "First 0"),
    "a huge integer answer": _answer("number", "HUGE"),  # written out below
    "an unknown card type": _card("type", "essay"),
    "a line number as text": _card("line", "16"),
    "a question missing": _card("question", None),
    "a tag that is a number": _card("tags", ["people", 3]),
    "tags as text": _card("tags", "people"),
    "choices as text": _card("choices", "City 0", "choice"),
    "a choice that is a list": _card("choices", [["City 0"]], "choice"),
    "draft as a number": _card("draft", 0),
    "tolerance as text": _card("tolerance", "5", "number"),
    "tolerance not a number": _card("tolerance", float("nan"), "number"),
    "a column missing": _do(lambda e: e["cards"].pop("explain")),
    "an extra column": _do(lambda e: e["cards"].update(evil=e["cards"]["id"])),
    "a column too short": _do(lambda e: e["cards"]["line"].pop()),
    "a column that is no list": _set(lambda e: e["cards"], "kind", "person"),
    "a year that is a boolean": _set(lambda e: e["deck"], "year", True),
    "no title": _set(lambda e: e["deck"], "title", None),
    "a source row too short": _do(lambda e: e["sources"][0].pop()),
    "a source url as a number": _set(lambda e: e["sources"][0], 4, 5),
    "a source twice": _do(lambda e: e["sources"].append(e["sources"][0])),
    "the entry of other bytes": _set(lambda e: e, "key", "0" * 40),
    "another format": _set(lambda e: e, "format", 2),
    "not an object": lambda e: [e],
    "not JSON": lambda e: b"\x80\x04K\x01.",  # what a pickle of 1 looks like
    "not UTF-8": lambda e: b"\xff\xfe{}",
    "empty": lambda e: b"",
    "nested too deep": lambda e: b"[" * 100_000,
}


@pytest.mark.parametrize("how", CRAFTED)
def test_a_crafted_entry_is_a_miss(every_file: Path, parses: list[str], how: str) -> None:
    """An entry of the right form but a wrong type anywhere (or not JSON at
    all) is parsed over, never turned into a deck with a field of the wrong
    type."""
    first = load_deck(every_file)
    [entry] = entries()
    frozen = json.loads(entry.read_bytes())
    entry.write_text(json.dumps(frozen))  # the control: re-encoded as it was, it is used
    assert load_deck(every_file) == first and len(parses) == 1
    crafted = CRAFTED[how](frozen)
    if isinstance(crafted, bytes):
        entry.write_bytes(crafted)
    else:
        entry.write_text(json.dumps(crafted).replace('"HUGE"', "9" * 5000))
    assert load_deck(every_file) == first and len(parses) == 2
