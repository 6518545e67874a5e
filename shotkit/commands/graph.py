"""`shotkit graph`: the production as a Mermaid or DOT graph."""

from __future__ import annotations

from pathlib import Path

from .. import pipeline
from ._output import emit


def draw(paths: list[Path], fmt: str) -> int:
    from .. import drawing

    loaded = pipeline.load_valid(paths)
    emit(drawing.REPORTERS[fmt](loaded.graph))
    return 0
