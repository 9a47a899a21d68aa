"""The one user-facing error type and its kinds.

Every error a user can cause is a `QuizError`; the CLI prints `str(error)` on
one stderr line (or one line per problem) and exits 1. Messages name the place
(`FILE:LINE:COL`, a deck and card id) and, where it helps, what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One mistake in a file, at a 1-based line and column (0 when unknown)."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.col}: {self.message}"

    @classmethod
    def not_utf8(cls, path: object, data: bytes, error: UnicodeDecodeError,
                 fix: str = "save the file as UTF-8") -> Problem:
        """Where `data` (the bytes of the file at `path`) stops being UTF-8."""
        before = data[: error.start]
        line = before.count(b"\n") + 1
        col = error.start - (before.rfind(b"\n") + 1) + 1
        return cls(str(path), line, col, f"not valid UTF-8 (byte 0x{data[error.start]:02X}); {fix}")


class QuizError(Exception):
    """An error caused by the user's input or environment, never a bug."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DeckError(QuizError):
    """A deck file with one or more problems; all of them are listed."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class StoreError(QuizError):
    """The history database cannot be used as it is (newer, damaged, locked)."""


class StoreBusy(StoreError):
    """Another program held the history's write lock for longer than the
    busy timeout; nothing was written, and trying again later may work."""


class UsageError(QuizError):
    """A command was asked for something that does not exist or does not fit."""
