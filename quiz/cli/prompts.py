"""The prompts (questionary), each with a plain form for dumb terminals and pipes.

Every piece of deck text passes through `safe()` before it is shown: control
and format characters become visible tokens and rich markup is escaped, so a
deck cannot move the cursor, write the clipboard or hide a link. Prompts use
`unsafe_ask()` so Ctrl-C raises KeyboardInterrupt for the CLI to handle once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import questionary
from rich.console import Console
from rich.markup import escape

from quiz.textsafe import inert

if TYPE_CHECKING:
    from prompt_toolkit.key_binding import KeyPressEvent



def safe(text: str) -> str:
    return escape(inert(text))


def console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def plain_prompts() -> bool:
    """Numbered lists and plain line input instead of full-screen prompts:
    on a dumb terminal (TERM=dumb, e.g. an editor's shell buffer), which
    cannot move the cursor, and when answers come from a pipe or a file
    (`quiz start deck < answers.txt`), unless a prompt_toolkit input was set
    up explicitly (as the tests do)."""
    import os

    if os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return True
    if sys.stdin is not None and sys.stdin.isatty():
        return False
    from prompt_toolkit.application.current import get_app_session

    return getattr(get_app_session(), "_input", None) is None


def _fit(message: str, then: str = "") -> str:
    """`message` broken between words to fit the terminal after questionary's
    "? " (prompt_toolkit would break it inside a word), and before the
    instruction `then`, which goes to a line of its own if it does not fit
    beside the message's last line."""
    from prompt_toolkit.application.current import get_app_session
    from rich.text import Text

    width = max(get_app_session().output.get_size().columns, 20)  # where the prompt draws
    # "??" holds the place of "? " without a break after it, so the first line
    # is never the mark alone (rich puts a word that does not fit, such as a
    # run of CJK text, on a line of its own, then folds it)
    lines = [line.plain.rstrip() for line in Text(f"??{message}").wrap(console(), width)]
    if then and Text(f"{lines[-1]} {then}").cell_len > width:
        lines.append("")
    return "\n".join(lines)[2:]


SELECT_HINT = "(Use arrow keys)"


CHECKBOX_HINT = "(<space> to pick, <enter> when done)"


class _Label(str):
    """A choice's label that questionary lays out in its list as `lines`, the
    label broken to fit, while the answer it echoes after the question stays
    the label itself (prompt_toolkit cuts an echoed line that has a break of
    its own, where it wraps the label whole)."""

    lines: str

    def __new__(cls, label: str, lines: str) -> _Label:
        self = super().__new__(cls, label)
        self.lines = lines
        return self

    def __format__(self, spec: str) -> str:  # the list writes "{}{}".format(shortcut, title)
        return self.lines


def _listed(labels: Sequence[str], indent: int) -> list[questionary.Choice]:
    """questionary's choices for `labels`, each valued by its index, with a
    long label broken between words to fit the terminal after the pointer
    (and a checkbox's mark), `indent` cells, and its next lines indented as
    far: questionary would cut it at the terminal's edge. Labels that are
    the same are numbered, so the learner can tell them apart."""
    from prompt_toolkit.application.current import get_app_session
    from rich.text import Text

    if len(set(labels)) < len(labels):
        labels = [f"{i + 1}. {label}" for i, label in enumerate(labels)]
    width = max(get_app_session().output.get_size().columns - indent, 20)
    out = console()
    return [questionary.Choice(_Label(label, ("\n" + " " * indent).join(
        line.plain.rstrip() for line in Text(label).wrap(out, width))), value=i)
        for i, label in enumerate(labels)]


Check = Callable[[str], "bool | str"]


def _asked(question: questionary.Question, listing: bool = False) -> Any:
    """Run a questionary prompt so that a SIGINT stops it as Ctrl-C does, and,
    for a list (`listing`), Ctrl-D too, as it does at a typed answer. Ctrl-Z
    suspends quiz to the shell (`fg` brings the question back), as it does
    elsewhere in a terminal.

    While a prompt runs, prompt_toolkit turns the SIGINT signal into a
    <sigint> key, which questionary's select and checkbox leave unbound. So a
    Ctrl-C pressed as a list question appeared (before the terminal was raw,
    when the key is still a signal), or a `kill -INT`, did nothing. Ctrl-Z,
    a key too in the raw terminal, was ignored. In a typed answer's history
    search (Ctrl-R), Ctrl-C only ended the search."""
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
    from prompt_toolkit.keys import Keys
    from prompt_toolkit.utils import suspend_to_background_supported

    bindings = KeyBindings()

    @bindings.add(Keys.SIGINT)
    @bindings.add(Keys.ControlC, eager=True)  # also while searching (Ctrl-R), which took it
    def _interrupt(event: KeyPressEvent) -> None:
        event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    @bindings.add(Keys.ControlZ, filter=Condition(suspend_to_background_supported))
    def _suspend(event: KeyPressEvent) -> None:
        event.app.suspend_to_background()

    if listing:  # a typed answer keeps prompt_toolkit's Ctrl-D (delete, or end on an empty line)
        @bindings.add(Keys.ControlD)
        def _end(event: KeyPressEvent) -> None:
            event.app.exit(exception=EOFError, style="class:aborting")

        # prompt_toolkit's line-editing keys that accept a line (Ctrl-O,
        # Alt-Enter, Alt-#) ended a list with an empty answer: a choice was a
        # crash, a multi-select an empty pick. In a list they do nothing.
        for keys in (("c-o",), ("escape", "enter"), ("escape", "#")):
            bindings.add(*keys)(_nothing)

    global _prompt
    app = question.application
    # the last binding for a key wins
    app.key_bindings = merge_key_bindings([app.key_bindings, bindings]) if (
        app.key_bindings) else bindings
    _prompt = app
    try:
        return question.unsafe_ask()
    finally:
        _prompt = None


_prompt: Any = None  # the prompt_toolkit application of the prompt being asked


def stop_prompt(exception: BaseException) -> bool:
    """For a signal's handler: end the prompt being asked, if one is, so that
    `exception` comes out of it as Ctrl-C's does, once the prompt has put the
    terminal back; False when no prompt is running. The prompt is stopped
    from its own event loop: an exception raised by the handler wherever the
    signal lands (a key timeout, a finalizer) could be lost there."""
    app = _prompt
    loop = getattr(app, "loop", None)
    if app is None or loop is None or loop.is_closed():
        return False

    def stop() -> None:
        if app.future is not None and not app.future.done():  # not answered meanwhile
            app.exit(exception=exception, style="class:aborting")

    loop.call_soon_threadsafe(stop)
    return True


def _nothing(event: KeyPressEvent) -> None:
    """A key that does nothing here."""


def choose(message: str, labels: Sequence[str], default: int | None = None,
           typed: Callable[[str], int | None] | None = None) -> int:
    """Index of the one label picked. On a plain terminal the learner types
    its number or the label itself, or whatever `typed` maps to an index."""
    shown = [inert(label) for label in labels]
    if plain_prompts():
        print(f"? {message}")
        _numbered(shown)
        hint = f" [{default + 1}]" if default is not None else ""
        while True:
            text = _line(f"Number{hint}: ")
            if not text and default is not None:
                return default
            picked = _pick_numbers(text, len(shown))
            if picked and len(picked) == 1:
                return picked[0]
            same = [i for i, label in enumerate(shown) if label.casefold() == text.casefold()]
            if len(same) == 1:  # the choice typed out instead of its number
                return same[0]
            if typed is not None and (index := typed(text)) is not None:
                return index
            print(f"  Type one number from 1 to {len(shown)}.")
    choices = _listed(shown, 3)  # " » " before each
    while True:  # anything but one of the choices (a key not foreseen) asks again
        picked = _asked(questionary.select(
            _fit(message, SELECT_HINT), instruction=SELECT_HINT, choices=choices,
            default=None if default is None else choices[default]), listing=True)
        if isinstance(picked, int) and 0 <= picked < len(shown):
            return picked


def choose_many(message: str, labels: Sequence[str], at_least: int = 0) -> list[int]:
    """Indexes of the labels picked, in their order."""
    shown = [inert(label) for label in labels]
    if plain_prompts():
        print(f"? {message}")
        _numbered(shown)
        while True:
            text = _line("Numbers (like 1 3)" + (", or - for none: " if not at_least else ": "))
            if text == "-" and not at_least:
                return []
            picked = _pick_numbers(text, len(shown))
            if picked is not None and len(set(picked)) >= at_least:
                return sorted(set(picked))
            print(f"  Type numbers from 1 to {len(shown)}" + (", or -." if not at_least
                                                               else "."))
    choices = _listed(shown, 5)  # " » ○ " before each
    while True:  # as in choose()
        picked = _asked(questionary.checkbox(
            _fit(message, CHECKBOX_HINT), instruction=CHECKBOX_HINT, choices=choices,
            validate=lambda xs: len(xs) >= at_least or f"Pick at least {at_least}"),
            listing=True)
        if isinstance(picked, list) and len(picked) >= at_least and all(
                isinstance(x, int) and 0 <= x < len(shown) for x in picked):
            return sorted(picked)


def one_key(message: str, keys: Sequence[str], any_key: bool = False) -> str:
    """One key among `keys` (single letters), or Enter (or space) to go on,
    which gives "". Any other key does nothing, or goes on too with
    `any_key`. On a plain terminal the learner types the letter and Enter,
    or Enter alone (any line, with `any_key`)."""
    if plain_prompts():
        while True:
            text = _line(f"{inert(message)} ").casefold()
            if text in keys:
                return text
            if not text or any_key:
                return ""
            print(f"  Type {', '.join(keys)}, or Enter alone to go on.")
    from prompt_toolkit.application import Application
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import Layout
    from prompt_toolkit.layout.containers import Window
    from prompt_toolkit.layout.controls import FormattedTextControl

    bindings = KeyBindings()
    for key in keys:
        bindings.add(key)(lambda event, key=key: event.app.exit(result=key))
    for go_on in ("enter", " "):
        bindings.add(go_on)(lambda event: event.app.exit(result=""))
    bindings.add("<any>")((lambda event: event.app.exit(result="")) if any_key else _nothing)
    app: Application[str] = Application(
        layout=Layout(Window(FormattedTextControl([("class:instruction", inert(message))]),
                             height=1, dont_extend_height=True)),
        key_bindings=bindings, erase_when_done=True)
    return str(_asked(questionary.Question(app), listing=True))


def ask_line(message: str, check: Check | None = None, default: str = "") -> str:
    """A line typed by the learner, asked again until `check` accepts it."""
    if plain_prompts():
        print(f"? {inert(message)}")
        while True:
            typed = _line(f"[{inert(default)}] > " if default else "> ") or default
            problem = check(typed) if check else True
            if problem is True:
                return typed
            print(f"  {problem}")
    return str(_asked(questionary.text(_fit(inert(message)), validate=check, default=default)))


def _line(prompt: str) -> str:
    """One line from the learner; Ctrl-C and Ctrl-D raise as in questionary."""
    import os

    if os.name == "posix" and sys.stdin is not None and sys.stdin.isatty():
        return _tty_line(prompt, sys.stdin.fileno()).strip()
    text = input(prompt)  # answers from a pipe or a file, or no POSIX terminal
    if sys.stdin is None or not sys.stdin.isatty():
        print(inert(text))  # nothing echoed a line from a pipe or a file: the transcript shows it
    return text.strip()


def _tty_line(prompt: str, fd: int) -> str:
    """input() from the terminal `fd`, without its lost Ctrl-C.

    A SIGINT that arrives after input() has let go of the interpreter and
    before it blocks in read() (while it writes its prompt, say) is only
    acted on once a line comes: a Ctrl-C typed right after Enter could be
    ignored. Here the signal also writes to a pipe (signal.set_wakeup_fd)
    that the wait watches, so it wakes the wait whenever it came."""
    import os
    import select
    import signal

    sys.stdout.write(prompt)
    sys.stdout.flush()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    try:
        earlier = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    except ValueError:  # not the main thread: no signal comes here anyway
        earlier = None
    try:
        typed = b""
        while True:
            ready = select.select([fd, wake_r], [], [])[0]
            if wake_r in ready:  # a signal: its handler runs now (Ctrl-C raises)
                os.read(wake_r, 512)
            if fd not in ready:
                continue
            chunk = os.read(fd, 4096)  # a line (the terminal is in line mode), or EOF
            if not chunk and not typed:
                raise EOFError
            typed += chunk
            if not chunk or typed.endswith(b"\n"):
                return typed.decode(sys.stdin.encoding or "utf-8", errors="replace")
    finally:
        if earlier is not None:
            signal.set_wakeup_fd(earlier)
        os.close(wake_r)
        os.close(wake_w)


def _numbered(options: Sequence[str]) -> None:
    for i, option in enumerate(options, 1):
        print(f"  {i}. {option}")


def _pick_numbers(text: str, count: int) -> list[int] | None:
    """'1 3', '1,3' or '1, 3' -> [0, 2]; None unless every number is an option."""
    parts = text.replace(",", " ").split()
    if not parts or not all(p.isdigit() and 1 <= int(p) <= count for p in parts):
        return None
    return [int(p) - 1 for p in parts]


# A second Enter right after an answer (a habit, a key that bounces) must not
# answer the next question, empty or with its first choice: what was typed
# within this long of the last answer is dropped before the next prompt.
SETTLE_SECONDS = 0.2


_answered_at: float | None = None  # time.monotonic() when the last prompt got its answer


def mark_answered() -> None:
    import time

    global _answered_at
    _answered_at = time.monotonic()


def settle() -> None:
    """Before the next prompt: drop the keys typed on the terminal since the
    last prompt got its answer, after waiting until SETTLE_SECONDS have
    passed since then; keys typed once the next question shows are kept.
    Nothing is dropped before the first prompt, nor when answers come from
    a pipe or a file. A Ctrl-C or Ctrl-D among the dropped keys is never
    lost: it stops the session as it would at a prompt."""
    import time

    if _answered_at is None:
        return
    from prompt_toolkit.application.current import get_app_session
    from prompt_toolkit.input import PipeInput
    from prompt_toolkit.input.typeahead import get_typeahead
    from prompt_toolkit.keys import Keys

    if sys.stdin is None or not sys.stdin.isatty():
        return  # answers from a pipe or a file are all meant
    keys = get_app_session().input
    if isinstance(keys, PipeInput):
        return  # fed ahead on purpose (the tests)
    wait = _answered_at + SETTLE_SECONDS - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    # read by the last prompt after its answer (its Enter came in the same burst)
    left = {k.key for k in get_typeahead(keys)}  # and forgotten
    typed = _drain(sys.stdin.fileno())  # not read yet
    if Keys.ControlC in left or b"\x03" in typed:
        raise KeyboardInterrupt
    if Keys.ControlD in left or b"\x04" in typed:
        raise EOFError


def _drain(fd: int) -> bytes:
    """Read and return what the terminal holds unread, without waiting (the
    bytes come as typed, whatever the terminal's mode)."""
    try:
        import termios
    except ImportError:  # no POSIX terminal: nothing is buffered below prompt_toolkit
        return b""
    import os

    try:
        mode = termios.tcgetattr(fd)
    except termios.error:
        return b""
    raw = [*mode[:6], list(mode[6])]
    raw[3] &= ~(termios.ICANON | termios.ECHO)
    raw[6][termios.VMIN], raw[6][termios.VTIME] = 0, 0
    chunks: list[bytes] = []
    try:
        termios.tcsetattr(fd, termios.TCSANOW, raw)
    except termios.error:
        return b""
    try:
        while sum(map(len, chunks)) < 1 << 16 and (chunk := os.read(fd, 4096)):
            chunks.append(chunk)
    except OSError:
        pass
    finally:
        try:
            termios.tcsetattr(fd, termios.TCSANOW, mode)
        except termios.error:
            pass
    return b"".join(chunks)


def ask_order(message: str, items: Sequence[str]) -> list[str]:
    """Order items: on a dumb terminal as one line of numbers, otherwise by
    picking them one by one, first, then next, ..."""
    if plain_prompts():
        print(f"? {message}")
        _numbered([inert(i) for i in items])
        while True:
            picked = _pick_numbers(_line("Their order, first to last (like 3 1 2): "),
                                   len(items))
            if picked is not None and sorted(picked) == list(range(len(items))):
                return [items[i] for i in picked]
            print(f"  Type each number from 1 to {len(items)} once, in order.")
    left = list(items)
    chosen: list[str] = []
    while len(left) > 1:
        if chosen:
            settle()  # a second Enter after a pick does not pick the next item too
        label = "first" if not chosen else "next"
        chosen.append(left.pop(choose(f"{message} Which comes {label}?", left)))
        mark_answered()
    return chosen + left


def pick(message: str, labels: Sequence[str]) -> int:
    """Index of the chosen label (the deck picker)."""
    chosen = choose(message, labels)
    mark_answered()
    return chosen
