"""Validation problems are results, not exceptions: every stage returns a list of them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: int
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        tag = "" if self.severity == ERROR else "warning: "
        return f"{self.file}:{self.line}:{self.column}: {tag}{self.message}"

    @classmethod
    def whole(cls, file: str, message: str, severity: str = ERROR) -> Problem:
        """A problem with a whole file or folder (missing, unreadable, refused): at 1:1, where an
        editor and a GitHub annotation put it."""
        return cls(file, 1, 1, message, severity)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
        }


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: (p.file, p.line, p.column, p.message))


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


def did_you_mean(word: Any, known: Iterable[Any]) -> str:
    """` (did you mean 'shots'?)`, or nothing when no known name is close (issue 11)."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [k for k in known if isinstance(k, str)], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
