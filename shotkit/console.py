"""Terminal niceties, in one place: colour only on a terminal (and never with NO_COLOR),
`--quiet`, and progress bars on stderr only when it is a terminal.

Nothing here changes what a program reading shotkit's output gets: with a pipe or a file
there is no colour, no bar, and the same lines.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, TypeVar

import click

T = TypeVar("T")
_state = {"quiet": False}
PLAN_COLOURS = {"+": "green", "-": "red", "~": "yellow"}


def set_quiet(quiet: bool) -> None:
    _state["quiet"] = quiet


def quiet() -> bool:
    return _state["quiet"]


def colour(stream: IO[str] | None = None) -> bool:
    """https://no-color.org: NO_COLOR set to anything but empty turns colour off."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def interactive() -> bool:
    """Progress is for a person watching stderr, not for logs."""
    return not quiet() and bool(getattr(sys.stderr, "isatty", lambda: False)())


def info(text: str) -> None:
    """A message about what was done ("wrote ..."): left out with --quiet."""
    if not quiet():
        click.echo(text)


def plan_text(text: str) -> str:
    """The text plan with `+` green, `-` red, `~` yellow, on a terminal only."""
    if not colour():
        return text
    out = []
    for line in text.splitlines():
        symbol = line.lstrip()[:1]
        out.append(click.style(line, fg=PLAN_COLOURS[symbol]) if symbol in PLAN_COLOURS else line)
    return "\n".join(out)


def problem_line(line: str, stream: IO[str] | None = None) -> str:
    """A `file:line:col: message` line, its location bold, on a terminal only."""
    if not colour(stream) or ": " not in line:
        return line
    where, message = line.split(": ", 1)
    return click.style(where, bold=True) + ": " + message


def error_prefix() -> str:
    return click.style("error:", fg="red", bold=True) if colour(sys.stderr) else "error:"


@contextmanager
def progress(items: list[T], label: str) -> Iterator[Iterable[T]]:
    """A progress bar over `items` on an interactive stderr; the plain items otherwise."""
    if not interactive() or len(items) < 2:
        yield items
        return
    with click.progressbar(items, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar
