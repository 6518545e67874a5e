"""`shotkit select`: move a shot's selected take, changing only the `selected:` lines."""

from __future__ import annotations

from pathlib import Path

from .. import console, pipeline
from ..fileio import write_atomic
from ._output import emit


def select(shot: str, attempt: int, paths: list[Path]) -> int:
    from ..selection import select as select_take

    loaded = pipeline.load_valid(paths, keep_data=True)  # rewrites the files from their data
    result = select_take(loaded.documents, shot, attempt)
    where = result.document.shown
    if result.text == result.document.text:
        emit(f"{where}: take {attempt} of shot '{shot}' is already the selected one; nothing changed")
        return 0
    write_atomic(result.document.path, result.text)
    was = f" (was take {', '.join(str(a) for a in result.previous)})" if result.previous else ""
    console.info(f"{where}: selected take {attempt} of shot '{shot}'{was}")
    return 0
