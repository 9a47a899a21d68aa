"""The parsed-deck cache: used when the bytes match, ignored when it cannot help."""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz import deckcache, loader, paths
from quiz.errors import DeckError
from quiz.loader import load_deck


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
    return sorted((paths.cache_dir() / "decks").glob("*.pickle"))


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
    entry.write_bytes(b"not a pickle")
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


@pytest.mark.skipif(not hasattr(__import__("os"), "getuid"), reason="POSIX owners")
def test_an_entry_others_can_write_is_never_unpickled(
        deck_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """QUIZ_HOME may be a shared folder: an entry another user could have
    written (or planted) is parsed over, never loaded."""
    import pickle
    import stat

    first = load_deck(deck_file)
    [entry] = entries()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    loads: list[int] = []
    real = pickle.load
    monkeypatch.setattr(pickle, "load", lambda f: loads.append(1) or real(f))
    entry.chmod(0o666)
    assert load_deck(deck_file) == first and loads == []  # parsed again, not unpickled
    entry.chmod(0o600)
    monkeypatch.setattr(deckcache.os, "getuid", lambda: 12345)  # someone else's file
    assert load_deck(deck_file) == first and loads == []
    monkeypatch.undo()
    assert load_deck(deck_file) == first  # our own private entry is used
