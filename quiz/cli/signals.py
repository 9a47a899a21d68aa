"""SIGTERM and SIGHUP during a session: it ends as at Ctrl-C.

The session's answers are saved as they are given; what a signal must not
do is leave the terminal in a prompt's raw mode, or hang. `Ending` installs
the handlers for the session's length and keeps which signal came.
"""

from __future__ import annotations

import signal
from types import FrameType, TracebackType
from typing import Any

SIGNALS = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]


class Ended(KeyboardInterrupt):
    """A session ended by a signal: it ends as at Ctrl-C, with its end time
    saved. A KeyboardInterrupt, as asyncio lets only that and SystemExit out
    of a callback or a task: raised in one by the signal's handler (a
    prompt's key timeout was running), another exception went to
    prompt_toolkit's handler for stray errors, which printed a traceback and
    waited for Enter from a terminal that may be gone. A prompt being asked
    is stopped from its own loop instead (`Ending._handle`)."""


class Ending:
    """`with Ending() as ending:` around a session. `ending.signum` is the
    signal that came, if any; `ending.check()` raises Ended once one has."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._earlier: dict[int, Any] = {}

    def __enter__(self) -> Ending:
        self._earlier = {s: signal.signal(s, self._handle) for s in SIGNALS}
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for signum, handler in self._earlier.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        """A prompt being asked is stopped from its event loop (see
        `prompts.stop_prompt`); elsewhere Ended is raised at once. The session
        loop also calls `check` between its steps, in case the signal landed
        where an exception is dropped, or as a prompt returned."""
        self.signum = signum
        from quiz.cli import prompts

        if not prompts.stop_prompt(Ended(signum)):
            raise Ended(signum)

    def check(self) -> None:
        if self.signum is not None:
            raise Ended(self.signum)

    @property
    def exit_code(self) -> int:
        """128 + the signal, as a shell reports it; 130 (SIGINT's) for Ctrl-C."""
        return 128 + (self.signum if self.signum is not None else signal.SIGINT)

    @property
    def hung_up(self) -> bool:
        """The terminal was closed: nobody is there to read a summary."""
        return self.signum is not None and self.signum == getattr(signal, "SIGHUP", None)
