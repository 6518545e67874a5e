"""Terminal niceties, in one place: colour only on a terminal (and never with NO_COLOR),
`--quiet`, and progress bars on stderr only when it is a terminal.

Nothing here changes what a program reading shotkit's output gets: with a pipe or a file
there is no colour, no bar, and the same lines.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, TypeVar

import click

from .escape import text_inline

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


Show = Callable[[str, int, int], None]
"""Told what shotkit does now, and how much of it is done out of how much (total 0: no count)."""


def silent(what: str, done: int = 0, total: int = 0) -> None:
    """What `meter` gives when no person watches: progress costs nothing and prints nothing."""


class Meter:
    """One status line on stderr, redrawn in place: what shotkit does now and, when it can
    count (rows, workspaces), a bar. Only made for an interactive stderr (see `meter`)."""

    WIDTH = 24
    EVERY = 0.1  # seconds between redraws of the same step: a 100,000-row step stays cheap

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.what = ""
        self.drawn = ""
        self.at = 0.0

    def __call__(self, what: str, done: int = 0, total: int = 0) -> None:
        now = time.monotonic()
        if what == self.what and 0 < done < total and now - self.at < self.EVERY:
            return
        line = status_line(what, done, total)[: max(10, shutil.get_terminal_size().columns - 1)]
        if line != self.drawn:  # spaces, not an escape code, wipe a longer line: no ESC ever
            self.stream.write("\r" + line.ljust(len(self.drawn)))
            self.stream.flush()
        self.what, self.drawn, self.at = what, line, now

    def close(self) -> None:
        """The line goes once the work is done: what follows (the plan, errors) starts clean."""
        if self.drawn:
            self.stream.write("\r" + " " * len(self.drawn) + "\r")
            self.stream.flush()


def status_line(what: str, done: int, total: int) -> str:
    """`what [#######.........] done/total`; just `what` when there is nothing to count.
    `what` may hold names from manifests: escaped, so no control character reaches a terminal."""
    text = text_inline(what)
    if total <= 0:
        return text
    filled = min(Meter.WIDTH, Meter.WIDTH * done // total)
    return f"{text} [{'#' * filled}{'.' * (Meter.WIDTH - filled)}] {done}/{total}"


@contextmanager
def meter(enabled: bool = True) -> Iterator[Show]:
    """A progress callback drawing on an interactive stderr; a silent one when stderr is not a
    terminal, with --quiet, or when not `enabled` (a machine-read format: json, github)."""
    if not enabled or not interactive():
        yield silent
        return
    shown = Meter(sys.stderr)
    try:
        yield shown
    finally:
        shown.close()


@contextmanager
def progress(items: list[T], label: str) -> Iterator[Iterable[T]]:
    """A progress bar over `items` on an interactive stderr; the plain items otherwise."""
    if not interactive() or len(items) < 2:
        yield items
        return
    with meter() as show:
        yield _counted(items, label, show)


def _counted(items: list[T], label: str, show: Show) -> Iterator[T]:
    for done, item in enumerate(items):
        show(label, done, len(items))
        yield item
    show(label, len(items), len(items))
