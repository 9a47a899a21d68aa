"""The one rule for a score: a right answer counts 1, a partly right one 1/2.

The session's running score and summary, `quiz stats` and its HTML page
all count with `score` and `TagScore`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


def score(asked: int, right: int, partly: int) -> float:
    """Percent of `asked`: right counts 1, partly right 1/2."""
    return 100.0 * (right + 0.5 * partly) / asked if asked else 0.0


def points(right: int, partly: int) -> str:
    """The same score in points, as a session shows it: "3", "2.5"."""
    return f"{right + partly / 2:g}"


@dataclass(slots=True)
class TagScore:
    """Answers to the cards of one tag."""

    tag: str
    asked: int = 0
    right: int = 0
    partly: int = 0

    @property
    def correct(self) -> int:
        """Right or partly right (the name `quiz stats` has used for it)."""
        return self.right + self.partly

    @property
    def score(self) -> float:
        return score(self.asked, self.right, self.partly)

    @property
    def points(self) -> str:
        return points(self.right, self.partly)
