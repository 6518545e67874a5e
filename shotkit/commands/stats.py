"""`shotkit stats`: character usage, takes and generation cost."""

from __future__ import annotations

from pathlib import Path

from .. import pipeline
from .. import stats as stats_
from ._output import emit, emit_json


def stats(paths: list[Path], fmt: str) -> int:
    loaded = pipeline.load_valid(paths)
    result = stats_.compute(loaded.production)
    if fmt == "json":
        emit_json(result)
    else:
        emit(stats_.text(result))
    return 0
