"""Nothing a user or a stranger names reaches the terminal as a control code.

File names, deck ids and options are shown back in messages ("Wrote ...",
"no such file", "no deck with id ..."). A name holding ESC ] 0 ; ... BEL
(sets the window title), OSC 52 (writes the clipboard) or U+202E (reverses
the text) must be shown as visible tokens in every command's output.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.cli import app

from .test_cli_stats import study

# \udc9b: a file name's byte 0x9B (not UTF-8), as the OS hands it to Python
HOSTILE = "x\x1b]0;PWNED\x07\x1b]52;c;ZWNobyBoaQ==\x07\u202ey\x9b2J\udc9b31m"


def raw_controls(text: str) -> list[str]:
    """The control and format characters in `text` other than newline and tab."""
    return sorted({f"U+{ord(c):04X}" for c in text if c not in "\n\t"
                   and unicodedata.category(c) in ("Cc", "Cf", "Cs")})


def _package(tmp: Path) -> Path:
    """An Anki package with a hostile file name, a deck name and a card."""
    import genanki

    package = tmp / f"{HOSTILE}.apkg"
    deck = genanki.Deck(1, f"deck {HOSTILE}")
    deck.add_note(genanki.Note(genanki.BASIC_MODEL, ["Q?", "A"], guid="g1"))
    genanki.Package(deck).write_to_file(str(package))
    return package


def commands(tmp: Path) -> dict[str, list[str]]:
    """Each command, with the hostile name where it takes a name; the ones
    marked 'writes' succeed and say the name back."""
    db = tmp / "h.sqlite3"
    out = tmp / f"{HOSTILE}.out"
    table = tmp / f"{HOSTILE}.csv"
    table.write_text("question,answer\nQ?,A\n")
    return {
        "validate": ["validate", f"{HOSTILE}.yaml"],
        "validate bad option": ["validate", f"--bogus{HOSTILE}"],
        "unknown command": [f"bogus{HOSTILE}"],
        "start": ["start", HOSTILE],
        "start --mode": ["start", "csto-dates", "--mode", HOSTILE],
        "start --tag": ["start", "csto-dates", "--tag", HOSTILE],
        "stats deck": ["stats", HOSTILE, "--db", str(db)],
        "stats --db": ["stats", "--db", str(tmp / HOSTILE / "h.db")],
        "stats --html (writes)": ["stats", "--db", str(db), "--html", str(out)],
        "history --db": ["history", "--db", str(tmp / HOSTILE / "h.db")],
        "history -o (writes)": ["history", "--db", str(db), "--csv", "-o", str(out)],
        "add": ["add", HOSTILE],
        "export": ["export", HOSTILE],
        "export -f": ["export", "csto-dates", "-f", HOSTILE],
        "export -o (writes)": ["export", "csto-dates", "-o", str(out)],
        "export apkg -o (writes)": ["export", "csto-dates", "-f", "apkg", "-o",
                                    str(tmp / f"{HOSTILE}.apkg")],
        "import missing": ["import", str(tmp / f"{HOSTILE}-gone.csv")],
        "import (writes)": ["import", str(table), "--id", "t",
                            "-o", str(tmp / f"{HOSTILE}.yaml")],
        "import apkg (writes)": ["import", str(_package(tmp)), "--db", str(db),
                                 "-o", str(tmp / f"{HOSTILE}-decks")],
        "generate missing": ["generate", str(tmp / f"{HOSTILE}-gone.txt")],
        "optimize --db": ["optimize", "--db", str(tmp / HOSTILE / "h.db")],
        "new (writes)": ["new", str(tmp / f"{HOSTILE}.yaml")],
        "cards": ["cards", HOSTILE],
        "cards search": ["cards", "csto-dates", HOSTILE],
        "settings": ["settings", HOSTILE, "--db", str(db)],
        "settings value": ["settings", "retention", HOSTILE, "--db", str(db)],
    }


NAMES = ["validate", "validate bad option", "unknown command", "start", "start --mode",
         "start --tag", "stats deck", "stats --db", "stats --html (writes)", "history --db",
         "history -o (writes)", "add", "export", "export -f", "export -o (writes)",
         "export apkg -o (writes)", "import missing", "import (writes)",
         "import apkg (writes)", "generate missing", "optimize --db",
         "new (writes)", "cards", "cards search", "settings", "settings value"]


def test_the_list_names_every_command(tmp_path: Path) -> None:
    """A new command joins the test: every command of the app is here."""
    listed = {commands(tmp_path)[n][0].removeprefix(f"bogus{HOSTILE}") or "bogus" for n in NAMES}
    registered = {c.name for c in app.registered_commands}
    assert registered - listed <= {"decks"}, registered - listed  # it takes no name


@pytest.mark.parametrize("name", NAMES)
def test_every_command_shows_a_hostile_name_inert(tmp_path: Path, name: str) -> None:
    study(tmp_path / "h.sqlite3", answers=2)
    args = commands(tmp_path)[name]
    r = CliRunner().invoke(app, args)
    shown = r.stdout + r.stderr
    assert "PWNED" in shown or "bogus" in shown, shown  # the name was said back...
    assert raw_controls(shown) == [], shown  # ...with no live control code in it
    if name.endswith("(writes)"):
        assert r.exit_code == 0, shown
    else:
        assert r.exit_code in (1, 2), shown
    assert "Traceback" not in shown
