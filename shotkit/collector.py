"""Python's cyclic garbage collector, paused while a command builds many small objects.

Reading a workspace, computing its plan, applying it and loading the manifests each make
hundreds of thousands of dicts and lists, none of them in a reference cycle. With the collector
running, every few hundred of them start a collection that rescans what is already alive: at
10,000 shots that was a third of computing a plan (`desired` alone 1.36 s with it, 0.44 s
without). Nothing is lost by pausing it: cycles made meanwhile are collected by a later full
collection.

Two more scans of everything are skipped (0.25-0.3 s each for the 10,000-shot manifests):

* when a pause ends, what it made is handed to the oldest generation unscanned (`gc.freeze`
  then `gc.unfreeze`): left in the youngest, the first allocation after the pause would scan
  all of it at once, only to find it alive;
* when the process ends, what is still alive is frozen, so the interpreter's final collection
  does not walk the whole model just before the operating system takes the memory back.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside the block, and back as it was after (blocks may nest)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:  # a program that froze objects itself keeps them so
                gc.freeze()  # everything tracked to the permanent generation, counts reset...
                gc.unfreeze()  # ...and from there to the oldest: no object is scanned by the move
            gc.enable()


atexit.register(gc.freeze)


_kept: list[object] | None = None  # a list once `hold_until_exit` was called: the CLI process


def hold_until_exit() -> None:
    """Called by the `shotkit` program (never by a library user or a test calling `main`):
    from now on `keep` holds what it is given, for `exit_fast`."""
    global _kept
    _kept = []


def keep(*objects: object) -> None:
    """Keep a command's large results (the model, the state, the plan) alive until the process
    ends, in the `shotkit` program: freeing them object by object when the command returns took
    0.4-0.5 s at 10,000 shots, memory the operating system takes back at once when the process
    exits. Elsewhere (a test, a program calling shotkit's functions) they are freed as usual."""
    if _kept is not None:
        _kept.extend(objects)


def exit_fast(code: int) -> NoReturn:
    """End the `shotkit` program with `code`. If a command kept objects, the interpreter's own
    teardown (which would free each of them) is skipped, after flushing the output; it is not
    skipped under coverage or a debugger, whose data is saved by that teardown."""
    if _kept and sys.gettrace() is None and "coverage" not in sys.modules:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a reader that went away (`| head`): nothing more can reach it
            pass
        os._exit(code)
    sys.exit(code)
